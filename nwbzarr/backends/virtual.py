"""Reading virtual Zarr indexes of HDF5 files: a zarr store that serves chunks from the HDF5 file.

A virtual index (written by :func:`nwbzarr.virtual.build_index`) is a Zarr v3 store whose
numeric arrays hold no chunks: each one has a *manifest* giving, per chunk, the byte offset and
length of that chunk inside the HDF5 file. When the Zarr backend opens such a store,
:func:`attach` wraps its store in a :class:`VirtualStore`, which answers chunk keys of virtual
arrays with ranged reads of the HDF5 file (obstore ``get_range`` on object stores, ``pread``
locally) and every other key from the index. A manifest is loaded on the first read of its
array, so opening stays one request.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from zarr.abc.buffer import Buffer, BufferPrototype
from zarr.abc.store import ByteRequest, Store
from zarr.buffer import default_buffer_prototype

from nwbzarr.backends.readstore import ServedStore, SourceReader, slice_bytes
from nwbzarr.backends.zarr import ZarrFile
from nwbzarr.backends.zarr.cache import BoundedCache
from nwbzarr.errors import FormatError
from nwbzarr.storage import Location

MANIFEST = "manifest.npy"
"""Name of the object that holds a large array's manifest, next to its ``zarr.json``."""
MANIFESTS_KEPT = 1024  # manifests of virtual arrays held in memory per open index


def attach(file: ZarrFile, loc: Location) -> None:
    """If ``file`` is a virtual index, make its store serve virtual chunks from the HDF5 file."""
    record = file.record("")
    info = record.get("virtual") if isinstance(record, dict) else None
    if not isinstance(info, dict) or "source" not in info:
        return
    arrays = {k: v for k, v in file.array_records("virtual").items() if isinstance(v, dict)}
    source = loc.resolve_relative(str(info["source"]), base_is_dir=True)
    file.replace_store(VirtualStore(file.store, SourceReader(source), arrays))


def _inline_manifest(array: str, chunks: Any) -> np.ndarray[Any, Any]:
    """A manifest stored in the array's document: ``[..., [offset, nbytes]]`` per chunk."""
    try:
        manifest = np.asarray(chunks, dtype=np.uint64)
    except (TypeError, ValueError, OverflowError) as err:
        raise FormatError(f"{array}: malformed chunk manifest in its document: {err}") from err
    if manifest.ndim < 2 or manifest.shape[-1] != 2:
        raise FormatError(
            f"{array}: malformed chunk manifest in its document: shape {manifest.shape}, "
            "expected one [offset, nbytes] pair per chunk"
        )
    return manifest


class VirtualStore(ServedStore):
    """A zarr store: chunks of virtual arrays come from the HDF5 file, the rest from ``store``."""

    def __init__(
        self, store: Store, source: SourceReader, arrays: dict[str, dict[str, Any]]
    ) -> None:
        super().__init__(read_only=store.read_only)
        self._store = store
        self.source = source
        self.virtual = arrays
        # loaded manifests (futures: concurrent first reads load once), the most recent kept
        self._manifests: BoundedCache[asyncio.Future[np.ndarray[Any, Any]]] = BoundedCache(
            MANIFESTS_KEPT
        )
        self._is_open = True

    def __eq__(self, value: object) -> bool:
        return isinstance(value, VirtualStore) and value._store == self._store

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"VirtualStore({self._store!r}, source={self.source.loc.path!r})"

    @property
    def index_store(self) -> Store:
        """The store of the index itself (documents, manifests, inline arrays)."""
        return self._store

    def is_index_key(self, key: str) -> bool:
        """Whether ``key`` is an object of the index store (not a chunk of a virtual array)."""
        return self._virtual_chunk(key) is None

    # ----- chunk keys of virtual arrays
    def _virtual_chunk(self, key: str) -> tuple[str, tuple[int, ...]] | None:
        head, sep, tail = key.rpartition("/c/")
        if sep and head in self.virtual:
            parts = tail.split("/")
            if all(p.isdigit() for p in parts):
                return head, tuple(int(p) for p in parts)
        return None

    async def _manifest(self, array: str) -> np.ndarray[Any, Any]:
        future = self._manifests.get(array)
        if future is None:
            future = asyncio.ensure_future(self._load_manifest(array))
            self._manifests.put(array, future)
        try:
            return await asyncio.shield(future)
        except BaseException:
            if future.done():
                self._manifests.pop(array)  # a failed load is retried next time
            raise

    async def _load_manifest(self, array: str) -> np.ndarray[Any, Any]:
        entry = self.virtual[array]
        if "chunks" in entry:
            return _inline_manifest(array, entry["chunks"])
        name = str(entry.get("manifest", MANIFEST))
        buf = await self._store.get(f"{array}/{name}", default_buffer_prototype())
        if buf is None:
            raise FormatError(
                f"{array}: the chunk manifest {name} of this virtual array is missing"
            )
        try:
            manifest = np.load(io.BytesIO(buf.to_bytes()), allow_pickle=False)
        except ValueError as err:
            raise FormatError(f"{array}: malformed chunk manifest: {err}") from err
        return np.asarray(manifest, dtype=np.uint64)

    async def _get_virtual(
        self, array: str, index: tuple[int, ...], byte_range: ByteRequest | None
    ) -> bytes | None:
        manifest = await self._manifest(array)
        if len(index) != manifest.ndim - 1 or any(
            i >= n for i, n in zip(index, manifest.shape, strict=False)
        ):
            return None
        offset, nbytes = (int(v) for v in manifest[index])
        if nbytes == 0:
            return None
        data = await self.source.read(offset, offset + nbytes)
        if len(data) != nbytes:
            raise FormatError(
                f"{self.source.loc.path}: chunk {index} of {array} is cut short "
                f"({len(data)} of {nbytes} bytes): the HDF5 file changed after indexing"
            )
        full = self.virtual[array].get("chunk_nbytes")
        if isinstance(full, int) and len(data) < full:
            data += bytes(full - len(data))  # edge of a contiguous dataset: pad the last chunk
        return slice_bytes(data, byte_range)

    # ----- Store API
    async def get(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        chunk = self._virtual_chunk(key)
        if chunk is None:
            return await self._store.get(key, prototype, byte_range)
        data = await self._get_virtual(*chunk, byte_range)
        return None if data is None else prototype.buffer.from_bytes(data)

    async def exists(self, key: str) -> bool:
        chunk = self._virtual_chunk(key)
        if chunk is None:
            return await self._store.exists(key)
        manifest = await self._manifest(chunk[0])
        try:
            return bool(manifest[chunk[1]][1])
        except IndexError:
            return False

    @property
    def supports_writes(self) -> bool:
        return self._store.supports_writes

    async def set(self, key: str, value: Buffer) -> None:
        if self._virtual_chunk(key) is not None:
            raise PermissionError(
                f"{key}: chunks of a virtual array live in the HDF5 file and are read-only"
            )
        await self._store.set(key, value)

    @property
    def supports_deletes(self) -> bool:
        return self._store.supports_deletes

    async def delete(self, key: str) -> None:
        await self._store.delete(key)

    @property
    def supports_listing(self) -> bool:
        return self._store.supports_listing

    def list(self) -> AsyncIterator[str]:
        return self._store.list()

    def list_prefix(self, prefix: str) -> AsyncIterator[str]:
        return self._store.list_prefix(prefix)

    def list_dir(self, prefix: str) -> AsyncIterator[str]:
        return self._store.list_dir(prefix)

    def close(self) -> None:
        self.source.close()
        self._store.close()


def is_virtual_index(file: ZarrFile) -> bool:
    return isinstance(file.store, VirtualStore)


__all__ = ["MANIFEST", "VirtualStore", "attach", "is_virtual_index"]
