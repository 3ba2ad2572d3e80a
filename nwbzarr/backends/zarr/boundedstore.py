"""Chunks checked before zarr-python decodes them (decompression bombs), through a store wrapper.

zarr-python decodes a chunk with its codecs as soon as it has the bytes; numcodecs' gzip and
zlib decoders grow their output until the stream ends, and blosc, lz4 and zstd allocate what
their header declares. nwbzarr hands zarr-python an array whose store is a
:class:`BoundedStore`: the bytes of every chunk (or inner chunk of a shard) are checked by
:mod:`nwbzarr.backends.bounded` against the chunk's declared size before zarr-python sees them.
A check costs a header read for blosc, lz4 and zstd (nwbzarr's default codecs) and a bounded
decode for gzip and zlib.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from zarr.abc.buffer import Buffer, BufferPrototype
from zarr.abc.store import ByteRequest, RangeByteRequest, Store
from zarr.storage import WrapperStore

from nwbzarr.backends import bounded

"""Bound for chunks of variable-size items (text, objects): their size is not declared."""
_METADATA = ("zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata")


@dataclass(frozen=True, slots=True)
class ChunkLimit:
    """What one chunk of an array may decode to: codec names (encode order) and bytes; for a
    sharded array, the size of the shard index (reads of that size are the index)."""

    chain: tuple[str, ...]
    nbytes: int
    index_bytes: int | None = None
    vlen: bool = False


def _itemsize(data_type: Any) -> int | None:
    try:
        dtype = np.dtype(data_type)
    except TypeError:
        return None
    return None if dtype.kind in "OUSTV" and dtype.names is None else dtype.itemsize


def _nbytes(chunk_shape: Any, itemsize: int | None) -> int:
    elements = math.prod(int(n) for n in chunk_shape)
    if itemsize is None:
        return max(bounded.VARIABLE_CHUNK_BYTES, elements * 256)
    return elements * itemsize


def _names(codecs: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(c.get("name")) if isinstance(c, dict) else str(c) for c in codecs)


def limit_of(doc: dict[str, Any]) -> ChunkLimit | None:
    """The :class:`ChunkLimit` of an array document (format 3 or 2); None if no codec of it
    can expand (nothing to check)."""
    if doc.get("zarr_format") == 2:
        chain = tuple(str(f.get("id")) for f in doc.get("filters") or [])
        compressor = doc.get("compressor")
        if isinstance(compressor, dict):
            chain = (*chain, f"numcodecs.{compressor.get('id')}")
        if not any(bounded.is_compressor(n) for n in chain):
            return None
        return ChunkLimit(chain, _nbytes(doc.get("chunks", []), _itemsize(doc.get("dtype"))))
    codecs = list(doc.get("codecs") or [])
    grid = (doc.get("chunk_grid") or {}).get("configuration", {}).get("chunk_shape", [])
    itemsize = _itemsize(_v3_numpy_name(doc.get("data_type")))
    if codecs and isinstance(codecs[0], dict) and codecs[0].get("name") == "sharding_indexed":
        conf = codecs[0].get("configuration", {})
        inner = conf.get("chunk_shape", grid)
        chain = _names(conf.get("codecs", []))
        if not any(bounded.is_compressor(n) for n in chain):
            return None
        count = math.prod(
            math.ceil(int(s) / max(int(c), 1)) for s, c in zip(grid, inner, strict=False)
        )
        index = count * 16 + (4 if "crc32c" in _names(conf.get("index_codecs", [])) else 0)
        return ChunkLimit(chain, _nbytes(inner, itemsize), index)
    chain = _names(codecs)
    vlen = bool(chain) and chain[0] in _VLEN
    if not vlen and not any(bounded.is_compressor(n) for n in chain):
        return None
    return ChunkLimit(chain, _nbytes(grid, itemsize), vlen=vlen)


def _v3_numpy_name(data_type: Any) -> Any:
    if isinstance(data_type, str) and data_type not in ("string", "str", "bytes"):
        return data_type
    return object


_VLEN = ("vlen-utf8", "vlen-bytes", "numcodecs.vlen-utf8", "numcodecs.vlen-bytes")


class BoundedStore(WrapperStore[Store]):
    """``store`` whose chunk reads under ``prefix`` are checked against ``limit``."""

    def __init__(self, store: Store, prefix: str = "", limit: ChunkLimit | None = None) -> None:
        super().__init__(store)
        self.prefix = prefix
        self.limit = limit

    def _with_store(self, store: Store) -> Self:
        return type(self)(store, self.prefix, self.limit)

    def _check(self, key: str, buf: Buffer | None, byte_range: ByteRequest | None) -> None:
        limit = self.limit
        if buf is None or limit is None or key.endswith(_METADATA):
            return
        if limit.index_bytes is not None and not isinstance(byte_range, RangeByteRequest):
            return  # a shard's index, or a whole shard (its inner chunks are read by range)
        data = buf.to_bytes()
        if limit.index_bytes is not None and len(data) == limit.index_bytes:
            return
        where = f"{self.prefix} chunk {key!r}"
        decoded = bounded.check(data, limit.chain, limit.nbytes, where)
        if limit.vlen:
            self._check_items(data if decoded is None else decoded, decoded is None, where)

    def _check_items(self, data: bytes, encoded: bool, where: str) -> None:
        """The item count of a vlen-utf8 / vlen-bytes chunk against its bytes."""
        assert self.limit is not None
        stages = self.limit.chain[1:]
        if encoded and stages:
            if len(stages) != 1 or not bounded.is_compressor(stages[0]):
                return  # stacked stages after the text codec (rare): zarr-python checks them
            data = bounded.decode_declared(stages[0], data)
        bounded.check_vlen(data, where)

    async def get(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        buf = await self._store.get(key, prototype, byte_range)
        self._check(key, buf, byte_range)
        return buf

    async def get_partial_values(
        self, prototype: BufferPrototype, key_ranges: Iterable[tuple[str, ByteRequest | None]]
    ) -> list[Buffer | None]:
        ranges = list(key_ranges)
        out = await self._store.get_partial_values(prototype, ranges)
        for (key, byte_range), buf in zip(ranges, out, strict=True):
            self._check(key, buf, byte_range)
        return out


__all__ = ["BoundedStore", "ChunkLimit", "limit_of"]
