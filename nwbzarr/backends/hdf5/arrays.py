"""HDF5 datasets: specs, reads and writes through h5py, and the creation arguments."""

from __future__ import annotations

import math
import os
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from nwbzarr.backends.hdf5 import heaps
from nwbzarr.backends.hdf5.attrs import H5Attributes, H5Node
from nwbzarr.backends.hdf5.chunks import ChunkCheck
from nwbzarr.backends.hdf5.guard import LIBHDF5_ERRORS, guarded, raise_damaged
from nwbzarr.backends.hdf5.types import decode, dtype_from_h5, dtype_to_h5, encode
from nwbzarr.codecs import canonical, filters_from_hdf5
from nwbzarr.codecs import hdf5_filter_kwargs as filter_kwargs
from nwbzarr.dtypes import StringType
from nwbzarr.errors import FormatError
from nwbzarr.tree import Array, ArraySpec, Attributes, Filter, block_shape

if TYPE_CHECKING:
    from nwbzarr.backends.hdf5.file import H5File

DEFAULT_CHUNK_BYTES = 1 << 20
_ALL = slice(None)


def _whole(key: tuple[Any, ...]) -> bool:
    """True if ``key`` (normalized) selects every element."""
    return all(type(k) is slice and k == _ALL for k in key)


def _damage_message(err: BaseException) -> bool:
    """True if h5py's message says libhdf5 failed (not a bad index given by the caller)."""
    text = str(err)
    return "(" in text and ("Can't" in text or "failed" in text or "Unable" in text)


def dataset_kwargs(spec: ArraySpec, where: str) -> dict[str, Any]:
    """h5py ``create_dataset`` arguments for ``spec`` (contiguous unless chunking is needed)."""
    kwargs: dict[str, Any] = {"shape": spec.shape, "dtype": dtype_to_h5(spec.datatype)}
    if not spec.shape:  # HDF5 scalars are never chunked or filtered
        return kwargs
    resizable = spec.maxshape is not None and tuple(spec.maxshape) != spec.shape
    if 0 in spec.shape and not resizable:
        # No chunk fits a fixed dimension of length 0 (h5py refuses chunks larger than the
        # shape), and there is nothing to compress: store it contiguous.
        return kwargs
    filters = canonical(spec.compression or ())
    kwargs.update(filter_kwargs(filters, where))
    wants_chunks = spec.chunks is not None or spec.shards or spec.extra.get("want_chunks")
    if resizable or filters or wants_chunks:
        itemsize = np.dtype(kwargs["dtype"]).itemsize
        chunks = spec.chunks or block_shape(spec.shape, itemsize, DEFAULT_CHUNK_BYTES)
        kwargs["chunks"] = tuple(max(1, int(c)) for c in chunks)
        if spec.maxshape is not None:
            kwargs["maxshape"] = tuple(spec.maxshape)
    if isinstance(spec.datatype, np.dtype) and spec.fillvalue is not None:
        fill = np.asarray(spec.fillvalue, dtype=spec.datatype)
        if fill.any():
            kwargs["fillvalue"] = fill[()]
    return kwargs


class H5Array(Array, H5Node):
    def __init__(self, file: H5File, path: str, oid: h5py.h5d.DatasetID) -> None:
        super().__init__(file, path)
        self.oid = oid
        self.h5file = file
        self._h5: h5py.Dataset | None = None
        self._attrs = H5Attributes(self)
        self._spec: ArraySpec | None = None
        self._checks: ChunkCheck | None = None
        self._ids_checked = False

    @property
    def h5(self) -> h5py.Dataset:
        if self._h5 is None:
            self._h5 = h5py.Dataset(self.oid)
        return self._h5

    @property
    def attrs(self) -> Attributes:
        return self._attrs

    @property
    def identity(self) -> Hashable:
        return ("hdf5", id(self.h5file), hash(self.oid))

    @property
    def spec(self) -> ArraySpec:
        if self._spec is None:
            try:  # not ``with guarded()``: a hot path (every array's spec is read)
                self._spec = self._read_spec()
            except LIBHDF5_ERRORS as err:
                raise_damaged(err, self.describe())
        return self._spec

    def _read_spec(self) -> ArraySpec:
        did = self.oid
        where = self.describe()
        h5dtype = did.dtype
        datatype = dtype_from_h5(h5dtype, where)
        space = did.get_space()
        empty = space.get_simple_extent_type() == h5py.h5s.NULL
        shape: tuple[int, ...] = () if empty else tuple(space.shape)
        dcpl = did.get_create_plist()
        chunks = dcpl.get_chunk() if dcpl.get_layout() == h5py.h5d.CHUNKED else None
        maxshape: tuple[int | None, ...] | None = shape or None
        if shape and chunks is not None:  # only chunked datasets can grow
            maxshape = tuple(
                None if n == h5py.h5s.UNLIMITED else int(n)
                for n in space.get_simple_extent_dims(True)
            )
        if chunks is None and shape:
            self._check_contiguous(shape, did, dcpl)
        fill: Any = None
        if isinstance(datatype, np.dtype):
            value = np.zeros((1,), dtype=h5dtype)
            dcpl.get_fill_value(value)
            fill = value[0]
        return ArraySpec(
            shape=shape,
            datatype=datatype,
            chunks=None if chunks is None else tuple(chunks),
            maxshape=maxshape,
            compression=read_filters(dcpl, chunks is not None),
            fillvalue=fill,
            extra={"empty": True} if empty else {},
        )

    def _chunk_check(self, spec: ArraySpec) -> ChunkCheck:
        check = self._checks
        if check is None:
            names = tuple(f.name for f in spec.compression or ())
            check = self._checks = ChunkCheck(self.oid, names, spec.chunks or (), self.describe())
        return check

    def _check_heap_ids(self, datatype: Any) -> None:
        """The heap IDs of contiguous variable-length text, checked once before libhdf5 reads
        them (:func:`.heaps.check_ids`)."""
        h5file = self.h5file
        self._ids_checked = True
        if not (isinstance(datatype, StringType) and datatype.length is None and h5file.heaps):
            return
        with guarded(self.describe()):
            blocks = self._stored_blocks()
        if not blocks:
            return
        with open(h5file.location, "rb") as f:
            for offset, nbytes in blocks:
                raw = os.pread(f.fileno(), nbytes, offset)
                heaps.check_ids(raw, h5file.heaps, h5file.size, self.describe())

    def _stored_blocks(self) -> list[tuple[int, int]]:
        """``(offset, size)`` of the raw data in the file: the contiguous block, or each chunk
        of an unfiltered chunked dataset (a filtered chunk's heap IDs are not visible; damage
        there fails its decoding). Empty if any block lies outside the file."""
        did, size = self.oid, self.h5file.size
        if did.get_create_plist().get_layout() != h5py.h5d.CHUNKED:
            offset, nbytes = did.get_offset(), did.get_storage_size()
            blocks = [] if offset is None or not nbytes else [(offset, nbytes)]
        elif did.get_create_plist().get_nfilters():
            return []
        else:
            count = did.get_num_chunks()
            if count > size:
                return []
            blocks = []
            for i in range(count):
                info = did.get_chunk_info(i)
                if info.byte_offset is not None and info.size:
                    blocks.append((info.byte_offset, info.size))
        return [] if any(o + n > size for o, n in blocks) else blocks

    def _check_contiguous(self, shape: tuple[int, ...], did: Any, dcpl: Any) -> None:
        """Contiguous data must fit in the file (once written: unwritten data is fill)."""
        size = math.prod(shape) * did.get_type().get_size()
        if size <= self.h5file.size or self.h5file.writable or dcpl.get_external_count():
            return
        if did.get_storage_size():
            raise FormatError(
                f"{self.describe()}: damaged HDF5 metadata: shape {shape} declares {size} bytes "
                f"of contiguous data, more than the file's {self.h5file.size}"
            )

    def _read(self, key: tuple[Any, ...]) -> np.ndarray[Any, Any]:
        spec = self.spec
        if spec.extra.get("empty"):
            return np.empty((0,), dtype=self.dtype)
        datatype = spec.datatype
        if not isinstance(datatype, np.dtype):
            self.h5file.check_heaps()  # text and compounds may hold variable-length values
            if not self._ids_checked:
                self._check_heap_ids(datatype)
        try:
            if spec.compression and spec.chunks and not self.h5file.writable:
                self._chunk_check(spec).before_read(key, spec.shape)
            if isinstance(datatype, np.dtype) and _whole(key):
                # the whole array of numbers: one read, no selection (small arrays are common)
                out = np.empty(spec.shape, dtype=datatype)
                if out.size:
                    self.oid.read(h5py.h5s.ALL, h5py.h5s.ALL, out)
                return out if out.ndim else out[()]
            raw = self.h5[key] if key else self.h5[()]
            return decode(raw, datatype, self.h5file.refs)  # type: ignore[no-any-return]
        except LIBHDF5_ERRORS as err:
            if isinstance(err, IndexError | TypeError) and not _damage_message(err):
                raise  # a bad key (out of range, wrong type): the caller's, not the file's
            raise FormatError(f"{self.describe()}: cannot read {key!r}: {err}") from err

    def _write(self, key: tuple[Any, ...], value: np.ndarray[Any, Any]) -> None:
        spec = self.spec
        datatype = spec.datatype
        if isinstance(datatype, np.dtype) and value.shape == spec.shape and _whole(key):
            if value.size:
                arr = np.ascontiguousarray(value, dtype=datatype)
                self.oid.write(h5py.h5s.ALL, h5py.h5s.ALL, arr)
            return
        data = encode(value, datatype, self.h5file.refs)
        if key:
            self.h5[key] = data
        else:
            self.h5[()] = data
        self._spec = None

    def _resize(self, shape: tuple[int, ...]) -> None:
        self.h5.resize(shape)
        self._spec = None

    def read_chunk_raw(self, index: tuple[int, ...]) -> bytes | None:
        chunks = self.spec.chunks
        if chunks is None or (not self.spec.compression and not chunks):
            return None
        offsets = tuple(i * c for i, c in zip(index, chunks, strict=True))
        try:
            mask, data = self.oid.read_direct_chunk(offsets)
        except LIBHDF5_ERRORS:
            return None  # missing or unreadable: the caller reads values (and reports damage)
        return None if mask else bytes(data)

    def chunk_extent(self, index: tuple[int, ...]) -> tuple[int, int] | None:
        """Where chunk ``index`` is stored in the file: ``(byte offset, size)``; None if it is
        not written, or if a filter was skipped for it (its bytes are not the pipeline's)."""
        chunks = self.spec.chunks
        if chunks is None:
            return None
        offsets = tuple(i * c for i, c in zip(index, chunks, strict=True))
        try:
            info = self.oid.get_chunk_info_by_coord(offsets)
        except LIBHDF5_ERRORS:
            return None  # the caller reads values (and reports damage)
        if info.byte_offset is None or info.filter_mask or not info.size:
            return None
        return int(info.byte_offset), int(info.size)

    def write_chunk_raw(self, index: tuple[int, ...], data: bytes) -> None:
        chunks = self.spec.chunks
        assert chunks is not None
        offsets = tuple(i * c for i, c in zip(index, chunks, strict=True))
        self.oid.write_direct_chunk(offsets, data)

    def describe(self) -> str:
        return f"{self.file.location}:{self.path}"


def read_filters(plist: Any, chunked: bool) -> tuple[Filter, ...]:
    """The filter pipeline of a dataset creation property list, in order, portable names."""
    if not chunked:
        return ()
    pipeline = (plist.get_filter(i) for i in range(plist.get_nfilters()))
    return filters_from_hdf5((code, values) for code, _flags, values, _name in pipeline)


__all__ = ["H5Array", "dataset_kwargs", "filter_kwargs", "read_filters"]
