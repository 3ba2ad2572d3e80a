"""Bounded chunk decoding: a chunk that would decode to more than its declared size is refused
before the memory is allocated (decompression bombs), for both backends.

A chunk's decoded size is known from its array's metadata (chunk shape times item size); what a
damaged or hostile chunk decodes to is not. Each compressor is bounded in the cheapest way that
is exact:

* blosc, lz4 (numcodecs framing) and zstd declare their decoded size in a header, and their
  decoders allocate that much: the header is read and checked (no decoding, no cost);
* deflate (gzip, zlib), bz2 and lzma streams do not: they are decoded with an output limit
  (``max_length``), and a stream that wants more is refused;
* zstd frames without a declared size are decoded into a buffer of the limit;
* byte filters (shuffle, checksums, delta) change the size by a few bytes at most.

:func:`check` refuses a chunk with :class:`~nwbzarr.errors.FormatError` naming it; it returns
the decoded bytes when it had to decode them (so that a caller may use them), else None.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from nwbzarr.errors import FormatError

SLACK = 64
"""Bytes a stage may add beyond the decoded size (checksums, padding)."""
VARIABLE_CHUNK_BYTES = 64 << 20
"""Bound for chunks of variable-size items (text, objects), whose size is not declared."""

# canonical codec names (Zarr v3, numcodecs ids, HDF5 filter names) -> kind of bound
_HEADER = {"blosc", "numcodecs.blosc", "hdf5-blosc", "lz4", "numcodecs.lz4", "zstd"}
_HEADER |= {"numcodecs.zstd", "hdf5-zstd", "hdf5-lz4"}
_STREAM = {"gzip", "numcodecs.gzip", "zlib", "numcodecs.zlib", "deflate"}
_STREAM |= {"bz2", "numcodecs.bz2", "bzip2", "lzma", "numcodecs.lzma"}
COMPRESSORS = frozenset(_HEADER | _STREAM)
"""Codecs whose output can be larger than their input (the ones that need a bound)."""


def is_compressor(name: str) -> bool:
    return name in COMPRESSORS


def _refuse(where: str, name: str, size: int | str, limit: int) -> FormatError:
    return FormatError(
        f"{where}: damaged or hostile chunk: its {name} data decodes to {size} bytes, more "
        f"than the {limit} bytes the array declares for a chunk (refused before decoding)"
    )


def declared_size(name: str, data: bytes | memoryview) -> int | None:
    """The decoded size a self-describing compressed chunk declares, None if it declares none.

    ``FormatError`` is raised by :func:`check` for what this cannot read (a truncated header).
    """
    if name in ("blosc", "numcodecs.blosc", "hdf5-blosc"):
        return int.from_bytes(data[4:8], "little") if len(data) >= 16 else -1
    if name in ("lz4", "numcodecs.lz4"):
        return int.from_bytes(data[:4], "little") if len(data) >= 4 else -1
    if name == "hdf5-lz4":  # the HDF5 plugin's framing: total size (8 bytes, big-endian) first
        return int.from_bytes(data[:8], "big") if len(data) >= 12 else -1
    return _zstd_content_size(data)


def _zstd_content_size(data: bytes | memoryview) -> int | None:
    """The frame content size of a zstd frame (RFC 8878, 3.1.1.1), None if absent."""
    if len(data) < 5 or bytes(data[:4]) != b"\x28\xb5\x2f\xfd":
        return -1
    descriptor = data[4]
    single = (descriptor >> 5) & 1
    pos = 5 + (0 if single else 1) + (0, 1, 2, 4)[descriptor & 3]
    width = (1 if single else 0, 2, 4, 8)[descriptor >> 6]
    if width == 0:
        return None
    if len(data) < pos + width:
        return -1
    value = int.from_bytes(data[pos : pos + width], "little")
    return value + 256 if width == 2 else value


def _stream_decoder(name: str) -> Any:
    import bz2  # imported when used: an open costs no import
    import lzma

    if name in ("gzip", "numcodecs.gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if name in ("zlib", "numcodecs.zlib", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS)
    if name in ("bz2", "numcodecs.bz2", "bzip2"):
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def inflate(name: str, data: bytes | memoryview, limit: int, where: str) -> bytes:
    """Decode a ``name`` stream (gzip, zlib/deflate, bz2, lzma) to at most ``limit`` bytes."""
    decoder = _stream_decoder(name)
    try:
        out: bytes = decoder.decompress(data, limit + 1)
    except (zlib.error, OSError, ValueError, EOFError) as err:
        raise FormatError(f"{where}: damaged chunk: {name} data does not decode: {err}") from err
    if len(out) > limit:
        raise _refuse(where, name, f"more than {limit}", limit)
    return out


def declares_within(name: str, data: bytes | memoryview, limit: int) -> bool:
    """Whether a ``name`` stage (blosc, lz4, zstd) declares a decoded size of at most ``limit``:
    then :func:`check_one` has nothing to refuse (a quick test before building its message)."""
    if name not in _HEADER:
        return False
    size = declared_size(name, data)
    return size is not None and 0 <= size <= limit


def check_one(name: str, data: bytes | memoryview, limit: int, where: str) -> bytes | None:
    """Check one compressed stage (``limit``: the most its output may hold)."""
    if name in _STREAM:
        return inflate(name, data, limit, where)
    if name not in _HEADER:
        return None
    size = declared_size(name, data)
    if size is not None and size < 0:
        raise FormatError(f"{where}: damaged chunk: {name} header is truncated or missing")
    if size is not None:
        if size > limit:
            raise _refuse(where, name, size, limit)
        return None
    # a zstd frame that does not declare its size: decoded into a buffer of the limit
    import numcodecs

    out = bytearray(limit)
    try:
        numcodecs.Zstd().decode(bytes(data), out=out)
    except (RuntimeError, ValueError) as err:
        raise _refuse(where, name, f"more than {limit}", limit) from err
    return None


def decode_declared(name: str, data: bytes | memoryview) -> bytes:
    """Decode a blosc, lz4 or zstd stage whose declared size :func:`check_one` accepted."""
    import numcodecs

    if name in ("blosc", "numcodecs.blosc", "hdf5-blosc"):
        codec: Any = numcodecs.Blosc()
    elif name in ("lz4", "numcodecs.lz4"):
        codec = numcodecs.LZ4()
    else:
        codec = numcodecs.Zstd()
    return bytes(codec.decode(bytes(data)))


def check_vlen(data: bytes | memoryview, where: str) -> None:
    """A variable-length chunk (numcodecs' vlen-utf8 / vlen-bytes: an item count, then a
    4-byte length before each item) cannot hold more items than its bytes allow: its decoder
    allocates the count first."""
    items = int.from_bytes(data[:4], "little") if len(data) >= 4 else -1
    if items < 0 or items > (len(data) - 4) // 4:
        raise FormatError(
            f"{where}: damaged chunk: it declares {items} variable-length items in "
            f"{len(data)} bytes"
        )


def check(data: bytes | memoryview, chain: Sequence[str], limit: int, where: str) -> bytes | None:
    """Check the encoded ``data`` of a chunk whose codecs (byte stages, in encode order) are
    ``chain`` and whose decoded size is ``limit`` bytes; the decoded bytes of the outermost
    stage when it was decoded on the way, else None.

    Only the outermost compressor is checked against the data itself: stages inside it see what
    it decodes to, which is bounded by then. A stacked second compressor (rare) is bounded by
    the same limit when its stage is decoded.
    """
    outer = [name for name in chain if name in COMPRESSORS]
    if not outer:
        return None
    return check_one(outer[-1], data, limit + SLACK * len(chain), where)


__all__ = [
    "COMPRESSORS",
    "SLACK",
    "VARIABLE_CHUNK_BYTES",
    "check",
    "check_one",
    "check_vlen",
    "declares_within",
    "decode_declared",
    "declared_size",
    "inflate",
]
