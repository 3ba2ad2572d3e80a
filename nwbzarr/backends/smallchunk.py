"""A fast path for small Zarr arrays held in a single chunk.

NWB files hold thousands of tiny arrays (``starting_time``, 100-sample series, table columns).
Going through zarr-python for each costs ~2.5 ms (an array object, a codec pipeline and a hop to
its event-loop thread) against ~0.05 ms for reading the chunk file and decoding it with numcodecs.
nwbzarr already holds every array's metadata document, so for numeric arrays that fit in one
chunk and use plain byte codecs, it encodes and decodes the chunk itself. Anything else (sharding,
text, checksums, several chunks) goes through zarr-python.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Callable
from typing import Any

import numcodecs
import numcodecs.blosc
import numpy as np

SMALL_BYTES = 1 << 20
_SHUFFLE = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}


@functools.lru_cache(maxsize=256)
def _codec(text: str) -> Any:
    """A numcodecs codec for one Zarr v3 bytes-to-bytes codec (JSON text), or None."""
    codec = json.loads(text)
    name = codec.get("name")
    conf = codec.get("configuration") or {}
    if name == "blosc":
        shuffle = conf.get("shuffle", "noshuffle")
        return _Blosc(
            numcodecs.Blosc(
                cname=conf.get("cname", "lz4"),
                clevel=int(conf.get("clevel", 5)),
                shuffle=_SHUFFLE.get(shuffle, shuffle)
                if isinstance(shuffle, str)
                else int(shuffle),
                blocksize=int(conf.get("blocksize", 0)),
            )
        )
    if name == "zstd" and not conf.get("checksum"):
        return numcodecs.Zstd(level=int(conf.get("level", 0)))
    if name == "gzip":
        return numcodecs.GZip(level=int(conf.get("level", 5)))
    if name == "numcodecs.zlib":
        return numcodecs.Zlib(level=int(conf.get("level", 1)))
    if name == "numcodecs.shuffle":
        return numcodecs.Shuffle(elementsize=int(conf.get("elementsize", 4)))
    return None


class _Blosc:
    """numcodecs' Blosc without its per-call buffer checks (same functions, same bytes)."""

    __slots__ = ("blocksize", "clevel", "cname", "shuffle")

    def __init__(self, codec: Any) -> None:
        self.cname = codec.cname.encode("ascii")
        self.clevel = int(codec.clevel)
        self.shuffle = int(codec.shuffle)
        self.blocksize = int(codec.blocksize)

    def encode(self, data: np.ndarray[Any, Any]) -> Any:
        # the item size of ``data`` (a contiguous array) is blosc's shuffle type size
        return numcodecs.blosc.compress(data, self.cname, self.clevel, self.shuffle, self.blocksize)

    def decode(self, data: Any) -> Any:
        return numcodecs.blosc.decompress(data)


def plan(
    doc: dict[str, Any], dtype: np.dtype[Any], shape: tuple[int, ...]
) -> tuple[np.dtype[Any], list[Any]] | None:
    """(stored dtype, byte codecs in encode order) if the fast path applies, else None."""
    if doc.get("zarr_format") != 3 or dtype.kind not in "biuf" or dtype.names is not None:
        return None
    grid = doc.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape")
    if grid is None or tuple(grid) != shape or 0 in shape:
        return None
    if math.prod(shape) * dtype.itemsize > SMALL_BYTES:
        return None
    chain = _chain(doc.get("codecs") or [])
    if chain is None:
        return None
    endian, codecs = chain
    return dtype.newbyteorder("<" if endian == "little" else ">"), codecs


class RecentCache:
    """Values computed from JSON values (codec lists...), found again by equality.

    A file repeats a few codec lists thousands of times, each parsed into its own objects:
    comparing with the last few distinct ones is cheaper than building a hashable key.
    Values must depend only on what ``==`` compares (1 == 1.0 == True are one key).
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.items: list[tuple[Any, Any]] = []

    def get(self, key: Any, compute: Callable[[Any], Any]) -> Any:
        for known, value in self.items:
            if known == key:
                return value
        value = compute(key)
        # replaced, not mutated: a concurrent reader keeps a consistent list
        self.items = [(copy.deepcopy(key), value), *self.items[: self.size - 1]]
        return value


_CHAINS = RecentCache()


def _chain(codecs: list[dict[str, Any]]) -> tuple[str, list[Any]] | None:
    """(byte order, numcodecs codecs in encode order) of a codec list, None if unsupported."""
    found: tuple[str, list[Any]] | None = _CHAINS.get(codecs, _make_chain)
    return found


def _make_chain(codecs: list[dict[str, Any]]) -> tuple[str, list[Any]] | None:
    if not codecs or codecs[0].get("name") != "bytes":
        return None
    endian = (codecs[0].get("configuration") or {}).get("endian", "little")
    chain = [_codec(json.dumps(codec, sort_keys=True)) for codec in codecs[1:]]
    if any(c is None for c in chain):
        return None
    return endian, chain


def chunk_key(doc: dict[str, Any], array_key: str, index: tuple[int, ...]) -> str:
    encoding = doc.get("chunk_key_encoding", {})
    sep = (encoding.get("configuration") or {}).get(
        "separator", "/" if encoding.get("name") != "v2" else "."
    )
    if encoding.get("name") == "v2":
        name = sep.join(map(str, index)) or "0"
    else:
        name = sep.join(["c", *map(str, index)])
    return f"{array_key}/{name}" if array_key else name


def decode(
    data: bytes,
    stored: np.dtype[Any],
    chain: list[Any],
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
) -> np.ndarray[Any, Any]:
    raw: Any = data
    for codec in reversed(chain):
        raw = codec.decode(raw)
    if type(raw) is not bytes:
        raw = raw.view(np.uint8) if isinstance(raw, np.ndarray) else bytes(raw)
    out: np.ndarray[Any, Any] = np.frombuffer(raw, stored).reshape(shape).astype(dtype)
    return out  # astype copies: a writable array that owns its memory


def encode(values: np.ndarray[Any, Any], stored: np.dtype[Any], chain: list[Any]) -> bytes:
    data: Any = np.ascontiguousarray(values, dtype=stored)
    for codec in chain:
        data = codec.encode(data)
    return bytes(data) if not isinstance(data, bytes) else data


__all__ = ["RecentCache", "chunk_key", "decode", "encode", "plan"]
