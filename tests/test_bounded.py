"""Bounded chunk decoding (nwbzarr/backends/bounded.py): every compressor we read refuses a chunk
that would decode to more than its declared size, before allocating it, and passes healthy ones.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import time
import zlib
from collections.abc import Callable

import numcodecs
import numpy as np
import pytest

from nwbzarr import FormatError
from nwbzarr.backends import bounded

DECLARED = 8000  # bytes of the array's chunk (1000 int64)

ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda b: gzip.compress(b, 9),
    "zlib": lambda b: zlib.compress(b, 9),
    "numcodecs.zlib": lambda b: zlib.compress(b, 9),
    "deflate": lambda b: zlib.compress(b, 9),
    "bz2": lambda b: bz2.compress(b, 9),
    "lzma": lzma.compress,
    "blosc": lambda b: bytes(numcodecs.Blosc(cname="zstd", shuffle=1).encode(b)),
    "zstd": lambda b: bytes(numcodecs.Zstd(level=3).encode(b)),
    "lz4": lambda b: bytes(numcodecs.LZ4().encode(b)),
}


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_healthy_chunk_passes(name: str) -> None:
    raw = np.arange(1000, dtype="int64").tobytes()
    encoded = ENCODERS[name](raw)
    got = bounded.check(encoded, ["bytes", name], DECLARED, "f.nwb.zarr:/x chunk (0,)")
    assert got is None or got == raw  # streams come back decoded


@pytest.mark.parametrize("name", sorted(ENCODERS))
@pytest.mark.parametrize("shuffled", [False, True])
def test_bomb_refused_before_allocation(name: str, shuffled: bool) -> None:
    """4 MiB of zeros in a chunk declared as 8000 bytes: refused quickly, naming the chunk,
    the codec and the declared size."""
    encoded = ENCODERS[name](bytes(4 << 20))
    chain = ["bytes", "shuffle", name] if shuffled else ["bytes", name]
    t0 = time.perf_counter()
    with pytest.raises(FormatError, match=rf"^s.zarr:/x chunk \(3,\): damaged or hostile chunk: "
                       rf"its {name} data decodes to .* than the 8\d+ bytes"):  # fmt: skip
        bounded.check(encoded, chain, DECLARED, "s.zarr:/x chunk (3,)")
    assert time.perf_counter() - t0 < 1.0


def test_checksum_after_the_compressor() -> None:
    """A checksum stage after the compressor (HDF5 fletcher32, Zarr crc32c) appends bytes:
    the compressor's stream is still found and bounded."""
    encoded = zlib.compress(bytes(1 << 20)) + b"\x00\x01\x02\x03"
    with pytest.raises(FormatError, match="decodes to more than"):
        bounded.check(encoded, ["shuffle", "deflate", "fletcher32"], DECLARED, "f.nwb:/x")


def test_truncated_headers_are_damage() -> None:
    for name in ("blosc", "lz4", "zstd", "hdf5-lz4"):
        with pytest.raises(FormatError, match=f"{name} header is truncated or missing"):
            bounded.check(b"\x01\x02", [name], DECLARED, "f:/x")
    with pytest.raises(FormatError, match="gzip data does not decode"):
        bounded.check(b"not gzip at all", ["gzip"], DECLARED, "f:/x")


def test_zstd_content_size_forms() -> None:
    """The frame content size in its 1-, 2-, 4- and 8-byte forms, and absent."""
    for n in (10, 300, 70_000, 1 << 33):
        frame = bytes(numcodecs.Zstd().encode(bytes(min(n, 1 << 20))))
        assert bounded.declared_size("zstd", frame) == min(n, 1 << 20)
    # single segment off, no content size (what a streaming writer may emit)
    assert bounded.declared_size("zstd", b"\x28\xb5\x2f\xfd\x00\x58" + bytes(8)) is None


def test_no_compressor_no_check() -> None:
    assert bounded.check(b"anything", ["bytes", "shuffle", "crc32c"], 1, "f:/x") is None
