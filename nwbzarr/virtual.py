"""Virtual Zarr indexes of HDF5 files: the NWB tree as Zarr metadata, the data left in place.

:func:`build_index` writes a Zarr v3 store whose documents are the HDF5 file's NWB tree (groups,
attributes, links, references: the same documents a conversion writes) and whose numeric arrays
hold no chunks: each one has a *manifest* giving, per chunk, the byte offset and length of that
chunk inside the HDF5 file, in its document's record (up to ``INLINE_MANIFEST_CHUNKS`` chunks)
or as one small ``.npy`` object next to its ``zarr.json``. The codecs of
a virtual array are the HDF5 filters written as Zarr codecs (shuffle + deflate ->
``numcodecs.shuffle`` + ``numcodecs.zlib``; big-endian data -> ``bytes`` with ``endian: big``),
so that the raw HDF5 chunk bytes decode as they are. Contiguous datasets are cut at row
boundaries into virtual chunks of about 2 MiB. Arrays that cannot be read this way (text,
references, compound types, filters without a Zarr form, compact layout, scalars) are stored
inline in the index as normal small Zarr arrays.

The root ``_NWBZARR`` record holds ``{"virtual": {"source": ...}}``, the HDF5 file written
relative to the index (like a link source), so the pair can be moved or uploaded together.

Reading: ``nwbzarr.open(index)`` sees the record and wraps the index store in a
:class:`VirtualStore`, which answers chunk keys of virtual arrays with ranged reads of the HDF5
file (obstore ``get_range`` on object stores, ``pread`` locally) and every other key from the
index. A manifest is loaded on the first read of its array, so opening stays one request.
"""

from __future__ import annotations

import asyncio
import io
import math
import os
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from zarr.abc.buffer import Buffer, BufferPrototype
from zarr.abc.store import (
    ByteRequest,
    OffsetByteRequest,
    RangeByteRequest,
    Store,
    SuffixByteRequest,
)
from zarr.buffer import default_buffer_prototype

from nwbzarr.backends.zarr import ZarrArray, ZarrFile
from nwbzarr.backends.zarr.cache import BoundedCache
from nwbzarr.codecs import zarr_codecs_of_hdf5
from nwbzarr.convert import TreeCopier
from nwbzarr.errors import DestinationExistsError, FormatError, NwbZarrError
from nwbzarr.storage import Location, exists, remove, resolve

MANIFEST = "manifest.npy"
# Arrays of up to this many chunks keep their manifest in their document (~40 bytes of JSON a
# chunk); larger ones in a MANIFEST object, read on the array's first read.
INLINE_MANIFEST_CHUNKS = 256
CONTIGUOUS_CHUNK_BYTES = 2 << 20
MANIFESTS_KEPT = 1024  # manifests of virtual arrays held in memory per open index


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------
def build_index(
    src: str | os.PathLike[str] | Location,
    dst: str | os.PathLike[str] | Location,
    *,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
) -> str:
    """Write a virtual Zarr index of the HDF5 file ``src`` at ``dst``; return ``dst``.

    The index holds the NWB tree's metadata and, for each chunked or contiguous numeric
    dataset, where its chunks are in ``src``: no array data is copied (except small text,
    reference and compound arrays, which are stored inline). ``nwbzarr.open(dst)`` then reads
    the same tree as ``nwbzarr.open(src)``, with data fetched by byte range from ``src``.

    Examples
    --------
    >>> nwbzarr.virtual.build_index("session.nwb", "session.nwb.zarr")     # doctest: +SKIP
    >>> root = nwbzarr.open("session.nwb.zarr")                             # doctest: +SKIP
    """
    from nwbzarr.api import open as nwb_open

    src_loc = resolve(src, storage_options)
    dst_loc = resolve(dst, dst_storage_options)
    if src_loc.path == dst_loc.path:
        raise ValueError(f"{dst_loc}: source and index are the same")
    if exists(dst_loc) and not overwrite:
        raise DestinationExistsError(
            f"{dst_loc}: already exists (pass overwrite=True to replace it)"
        )
    source = nwb_open(src_loc, "r", format="hdf5")
    try:
        target = nwb_open(dst_loc, "w", format="zarr", overwrite=overwrite)
        zfile = target.file
        assert isinstance(zfile, ZarrFile)
        try:
            _IndexCopier(source, target, src_loc, dst_loc).run()
            relative = dst_loc.relative_to_base(src_loc, base_is_dir=True)
            zfile.set_record("", "virtual", {"source": relative, "version": 1})
        except BaseException as err:
            zfile.abort()
            if not isinstance(err, KeyboardInterrupt):
                remove(dst_loc)
            if isinstance(err, NwbZarrError | OSError | ValueError | KeyError | TypeError):
                err.add_note(f"while indexing {src_loc} into {dst_loc}; nothing was kept")
            raise
        zfile.close()
    finally:
        source.file.close()
    return str(dst_loc)


class _IndexCopier(TreeCopier):
    """Copies the tree; numeric arrays become virtual, the rest is copied inline."""

    def copy_data(self) -> None:
        inline = []
        for job in self.jobs:
            dst = job.dst
            assert isinstance(dst, ZarrArray)
            if not _make_virtual(job.src, dst):
                inline.append(job)
        self.jobs = inline
        super().copy_data()


def _make_virtual(src: Any, dst: ZarrArray) -> bool:
    """Make ``dst`` a virtual array of the h5py dataset behind ``src``; False if it can't be."""
    import h5py

    ds = getattr(src, "h5", None)
    if not isinstance(ds, h5py.Dataset) or ds.shape is None or not ds.shape or ds.size == 0:
        return False
    dtype = ds.dtype
    if dtype.kind not in "biuf" or dtype.names is not None or dtype.subdtype is not None:
        return False
    if h5py.check_dtype(vlen=dtype) is not None or h5py.check_dtype(ref=dtype) is not None:
        return False
    if ds.is_virtual or ds.external:
        return False
    if ds.file.driver not in ("sec2", "stdio", "fileobj") or ds.file.userblock_size:
        return False  # families and split files: offsets are not into one file; inline instead
    plist = ds.id.get_create_plist()
    pipeline = (plist.get_filter(i) for i in range(plist.get_nfilters()))
    codecs = zarr_codecs_of_hdf5(((code, values) for code, _f, values, _n in pipeline), dtype)
    if codecs is None:
        return False
    shape = tuple(int(n) for n in ds.shape)
    layout = plist.get_layout()
    manifest: np.ndarray[Any, Any]
    if layout == h5py.h5d.CHUNKED:
        chunks = tuple(int(c) for c in ds.chunks)
        found = _chunk_manifest(ds, shape, chunks)
        if found is None:
            return False
        manifest = found
    elif layout == h5py.h5d.CONTIGUOUS:
        chunks, manifest = _contiguous_manifest(ds, shape, dtype.itemsize)
    else:
        return False  # compact: tiny, inline
    entry: dict[str, Any] = {}
    if manifest[..., 0].size <= INLINE_MANIFEST_CHUNKS:
        entry["chunks"] = manifest.tolist()  # in the document: no object, no request to read
    else:
        entry["manifest"] = MANIFEST
        buf = io.BytesIO()
        np.save(buf, manifest, allow_pickle=False)
        dst.zfile.set_bytes(f"{dst.key}/{MANIFEST}", buf.getvalue())
    if len(codecs) == 1:
        entry["chunk_nbytes"] = math.prod(chunks) * dtype.itemsize
    # chunks never written in the HDF5 file read as the fill value (sparse); the HDF5 filters
    # recorded for a conversion back are the codecs now
    dst.relayout(chunks, codecs, {"sparse": True, "virtual": entry}, drop=("filters",))
    return True


def _chunk_manifest(
    ds: Any, shape: tuple[int, ...], chunks: tuple[int, ...]
) -> np.ndarray[Any, Any] | None:
    grid = tuple(math.ceil(n / c) for n, c in zip(shape, chunks, strict=True))
    manifest = np.zeros((*grid, 2), dtype="<u8")
    skipped = False

    def visit(info: Any) -> None:
        nonlocal skipped
        if info.filter_mask:
            skipped = True  # a filter was skipped for this chunk: its bytes differ
            return
        index = tuple(int(o) // c for o, c in zip(info.chunk_offset, chunks, strict=True))
        manifest[index] = (int(info.byte_offset), int(info.size))

    dsid = ds.id
    if hasattr(dsid, "chunk_iter"):
        dsid.chunk_iter(visit)
    else:
        for i in range(dsid.get_num_chunks()):
            visit(dsid.get_chunk_info(i))
    return None if skipped else manifest


def _contiguous_manifest(
    ds: Any, shape: tuple[int, ...], itemsize: int
) -> tuple[tuple[int, ...], np.ndarray[Any, Any]]:
    row_bytes = math.prod(shape[1:]) * itemsize
    rows = max(1, min(shape[0], CONTIGUOUS_CHUNK_BYTES // max(row_bytes, 1)))
    chunks = (rows, *shape[1:])
    n = math.ceil(shape[0] / rows)
    manifest = np.zeros((n, *([1] * (len(shape) - 1)), 2), dtype="<u8")
    offset = ds.id.get_offset()
    if offset is not None and ds.id.get_storage_size() > 0:
        flat = manifest.reshape(n, 2)
        for i in range(n):
            first = i * rows
            flat[i] = (offset + first * row_bytes, min(rows, shape[0] - first) * row_bytes)
    return chunks, manifest


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def attach(file: ZarrFile, loc: Location) -> None:
    """If ``file`` is a virtual index, make its store serve virtual chunks from the HDF5 file."""
    record = file.record("")
    info = record.get("virtual") if isinstance(record, dict) else None
    if not isinstance(info, dict) or "source" not in info:
        return
    arrays = {k: v for k, v in file.array_records("virtual").items() if isinstance(v, dict)}
    source = loc.resolve_relative(str(info["source"]), base_is_dir=True)
    file.replace_store(VirtualStore(file.store, SourceReader(source), arrays))


class SourceReader:
    """Ranged reads of one file: ``pread`` locally, obstore (or fsspec) on remote stores."""

    def __init__(self, loc: Location) -> None:
        self.loc = loc
        self._fd: int | None = None
        self._raw: Any = None
        self._name = ""
        self._fs: Any = None
        self._path = ""

    def _local_fd(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.loc.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            except FileNotFoundError as err:
                raise FileNotFoundError(
                    f"{self.loc.path}: the HDF5 file of this virtual index is missing "
                    "(an index and its file move together)"
                ) from err
        return self._fd

    async def read(self, start: int, stop: int) -> bytes:
        if stop <= start:
            return b""
        if self.loc.is_local:
            fd = self._local_fd()
            return await asyncio.to_thread(os.pread, fd, stop - start, start)
        from nwbzarr.storage import _obstore_raw, _remote_error, filesystem

        if self._raw is None and self._fs is None:
            directory, _, self._name = urlsplit(self.loc.path).path.rpartition("/")
            self._raw = _obstore_raw(self.loc, prefix=directory.strip("/"))
            if self._raw is None:
                self._fs, self._path = filesystem(self.loc)
        if self._raw is not None:
            import obstore

            try:
                data = await obstore.get_range_async(self._raw, self._name, start=start, end=stop)
            except Exception as err:
                raise _remote_error(self.loc, err) from err
            return bytes(data)
        result = await asyncio.to_thread(self._fs.cat_file, self._path, start=start, end=stop)
        return bytes(result)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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


class VirtualStore(Store):
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
        return _slice(data, byte_range)

    # ----- Store API
    async def get(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        chunk = self._virtual_chunk(key)
        if chunk is None:
            return await self._store.get(key, prototype, byte_range)
        data = await self._get_virtual(*chunk, byte_range)
        return None if data is None else prototype.buffer.from_bytes(data)

    async def get_partial_values(
        self,
        prototype: BufferPrototype,
        key_ranges: Iterable[tuple[str, ByteRequest | None]],
    ) -> list[Buffer | None]:
        return list(
            await asyncio.gather(*(self.get(key, prototype, rng) for key, rng in key_ranges))
        )

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


def _slice(data: bytes, byte_range: ByteRequest | None) -> bytes:
    if byte_range is None:
        return data
    if isinstance(byte_range, RangeByteRequest):
        return data[byte_range.start : byte_range.end]
    if isinstance(byte_range, OffsetByteRequest):
        return data[byte_range.offset :]
    if isinstance(byte_range, SuffixByteRequest):
        return data[-byte_range.suffix :] if byte_range.suffix else b""
    raise TypeError(f"unexpected byte range {byte_range!r}")


def is_virtual_index(file: ZarrFile) -> bool:
    return isinstance(file.store, VirtualStore)


__all__ = ["SourceReader", "VirtualStore", "attach", "build_index", "is_virtual_index"]
