"""Writing :class:`~nwbzarr.model.dataio.DataIO` data: settings, empty datasets, streams.

A stream (an iterator of blocks) is written in whole chunks: blocks are gathered until they
fill a chunk, so a generator of single rows makes chunks of about 1 MiB, not one chunk per
row, and a Zarr chunk is written once, not read back and rewritten for every block. When the
stream ends before one chunk is full, its length is known and the array gets its exact
shape. Memory stays at about one chunk.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from nwbzarr.codecs import HDF5_FALLBACK, hdf5_expressible
from nwbzarr.errors import ValidationError
from nwbzarr.model.dataio import GROWTH_CHUNK_BYTES, DataIO, ZarrDataIO, growth_chunks
from nwbzarr.model.iterators import AbstractDataChunkIterator, DataChunk, DataChunkIterator
from nwbzarr.tree import Array, Group

Attrs = Mapping[str, Any] | None


def fit_dims(dims: tuple[str, ...] | None, ndim: int) -> tuple[str, ...] | None:
    """``dims`` cut or padded (``dim<i>``) to ``ndim`` names."""
    if dims is None:
        return None
    out = list(dims[:ndim])
    out += [f"dim{i}" for i in range(len(out), ndim)]
    return tuple(out)


def write_dataio(
    group: Group,
    name: str,
    dio: DataIO,
    *,
    dtype: Any = None,
    dims: tuple[str, ...] | None = None,
    attrs: Attrs = None,
) -> Array:
    """Write ``dio`` as array ``name`` of ``group``; ``dio.dataset`` is then that array."""
    data = dio.data
    if isinstance(data, AbstractDataChunkIterator) and not isinstance(data, DataChunkIterator):
        array = _write_selections(group, name, dio, data, dims, attrs)
    elif isinstance(data, Iterator):
        array = _write_stream(group, name, dio, data, dtype, dims, attrs)
    elif data is None:
        array = _create(group, name, dio, _empty_shape(dio, name), dio.dtype, dims, attrs)
    elif isinstance(data, Array):
        array = _create(group, name, dio, data.shape, dio.dtype or data.datatype, dims, attrs)
        for region in data.iter_chunks():
            array[region] = data[region]
    else:
        values = data if isinstance(data, np.ndarray) or dtype is not None else np.asarray(data)
        array = group.create_array(
            name,
            values,
            dtype=dio.dtype if dio.dtype is not None else dtype,
            maxshape=dio.maxshape,
            chunks=_growing_chunks(dio, values),
            compression=_compression(dio, group),
            fillvalue=dio.fillvalue,
            dims=fit_dims(dims, int(np.ndim(values))),
            shards=getattr(dio, "shards", None),
            attrs=attrs,
        )
    dio.dataset = array
    return array


def _compression(dio: DataIO, group: Group) -> Any:
    """``dio``'s filters; Zarr codecs that HDF5 cannot write become what pynwb users get
    from ``H5DataIO(compression="gzip", shuffle=True)`` in an HDF5 file."""
    comp = dio.compression
    if (
        isinstance(dio, ZarrDataIO)
        and group.file.format == "hdf5"
        and isinstance(comp, tuple)
        and not hdf5_expressible(comp)
    ):
        return HDF5_FALLBACK
    return comp


def _growing_chunks(dio: DataIO, values: Any) -> Any:
    """``dio``'s chunks, or for data meant to grow (``maxshape`` with None) chunks sized for
    what it will become, not for the rows it starts with."""
    maxshape = dio.maxshape
    if dio.chunks is not None or maxshape is None or None not in maxshape:
        return dio.chunks
    shape = tuple(int(n) for n in np.shape(values))
    itemsize = np.asarray(values).dtype.itemsize if dio.dtype is None else _itemsize(dio.dtype)
    if len(shape) != len(maxshape) or np.asarray(values).dtype.kind in "OUS":
        return None
    return growth_chunks(shape, maxshape, itemsize)


def _itemsize(dtype: Any) -> int:
    return int(np.dtype(_numpy(dtype)).itemsize)


def _empty_shape(dio: DataIO, name: str) -> tuple[int, ...]:
    if dio.shape is None:
        raise ValidationError(f"{name!r}: {type(dio).__name__} without data needs shape=")
    if dio.dtype is None:
        raise ValidationError(f"{name!r}: {type(dio).__name__} without data needs dtype=")
    return dio.shape


def _create(
    group: Group,
    name: str,
    dio: DataIO,
    shape: tuple[int, ...],
    dtype: Any,
    dims: tuple[str, ...] | None,
    attrs: Attrs,
    *,
    chunks: Any = None,
    maxshape: tuple[int | None, ...] | None = None,
) -> Array:
    """An array of ``shape`` with ``dio``'s settings; chunks by size where it will grow."""
    maxshape = dio.maxshape if maxshape is None else maxshape
    if chunks is None:
        chunks = dio.chunks
    if chunks is None and maxshape is not None and None in maxshape and dtype is not None:
        chunks = growth_chunks(shape, maxshape, np.dtype(_numpy(dtype)).itemsize)
    return group.create_array(
        name,
        shape=shape,
        dtype=dtype,
        maxshape=maxshape,
        chunks=chunks,
        compression=_compression(dio, group),
        fillvalue=dio.fillvalue,
        dims=fit_dims(dims, len(shape)),
        shards=getattr(dio, "shards", None),
        attrs=attrs,
    )


def _numpy(dtype: Any) -> Any:
    from nwbzarr.dtypes import as_dtype, numpy_dtype

    return numpy_dtype(as_dtype(dtype))


# --------------------------------------------------------------------------------------------
# streams of blocks, one after the other along one axis
# --------------------------------------------------------------------------------------------
def _write_stream(
    group: Group,
    name: str,
    dio: DataIO,
    stream: Iterator[Any],
    dtype: Any,
    dims: tuple[str, ...] | None,
    attrs: Attrs,
) -> Array:
    axis = stream.iter_axis if isinstance(stream, DataChunkIterator) else 0
    dtype = _stream_dtype(dio, stream, dtype)
    itemsize = np.dtype(_numpy(dtype)).itemsize
    gathered: list[np.ndarray[Any, Any]] = []
    rows, ended = 0, False
    while not ended and rows * _row_bytes(gathered, axis, itemsize) < GROWTH_CHUNK_BYTES:
        block = _next_block(stream, axis, dio.shape)
        if block is None:
            ended = True
        else:
            gathered.append(block)
            rows += block.shape[axis]
    shape, maxshape, chunks = _stream_layout(dio, stream, gathered, rows, ended, axis, itemsize)
    array = _create(group, name, dio, shape, dtype, dims, attrs, chunks=chunks, maxshape=maxshape)
    writer = _ChunkWriter(array, axis)
    for block in gathered:
        writer.add(block)
    while not ended:
        block = _next_block(stream, axis, dio.shape)
        if block is None:
            break
        writer.add(block)
    writer.finish()
    return array


def _stream_dtype(dio: DataIO, stream: Iterator[Any], dtype: Any) -> Any:
    if dio.dtype is not None:
        return dio.dtype
    if isinstance(stream, AbstractDataChunkIterator):
        return stream.dtype
    if dtype is None:
        raise ValidationError(f"{type(dio).__name__} with an iterator of blocks needs dtype=")
    return dtype


def _row_bytes(blocks: list[np.ndarray[Any, Any]], axis: int, itemsize: int) -> int:
    if not blocks:
        return 0
    shape = blocks[0].shape
    return itemsize * int(np.prod(shape[:axis] + shape[axis + 1 :], dtype=np.int64))


def _next_block(
    stream: Iterator[Any], axis: int, shape: tuple[int, ...] | None
) -> np.ndarray[Any, Any] | None:
    item = next(stream, None)
    if item is None:
        return None
    block = np.asarray(item.data if isinstance(item, DataChunk) else item)
    if shape is not None and block.ndim == len(shape) - 1:
        block = np.expand_dims(block, axis)
    return block


def _stream_layout(
    dio: DataIO,
    stream: Iterator[Any],
    gathered: list[np.ndarray[Any, Any]],
    rows: int,
    ended: bool,
    axis: int,
    itemsize: int,
) -> tuple[tuple[int, ...], tuple[int | None, ...] | None, Any]:
    """(initial shape, maxshape, chunks) of a stream's array."""
    declared = dio.shape
    if declared is None and isinstance(stream, AbstractDataChunkIterator):
        declared = stream.recommended_data_shape()
    if declared is None:
        if not gathered:
            raise ValidationError(f"{type(dio).__name__}: an empty iterator needs shape=")
        declared = tuple(0 if i == axis else n for i, n in enumerate(gathered[0].shape))
    maxshape = dio.maxshape
    if maxshape is None and isinstance(stream, AbstractDataChunkIterator):
        maxshape = stream.maxshape
    chunks: Any = dio.chunks
    if chunks is None and isinstance(stream, AbstractDataChunkIterator):
        chunks = stream.recommended_chunk_shape()
    if ended:
        length = max(declared[axis], rows)
        shape = tuple(length if i == axis else n for i, n in enumerate(declared))
        if maxshape is not None and None in maxshape and chunks is None:
            chunks = True  # extendable but complete: chunks by its size
        return shape, maxshape, chunks
    if maxshape is None and declared[axis] == 0:
        maxshape = tuple(None if i == axis else n for i, n in enumerate(declared))
    if chunks is None and maxshape is not None and maxshape[axis] is None:
        chunks = growth_chunks(declared, maxshape, itemsize)
    return declared, maxshape, chunks


class _ChunkWriter:
    """Writes blocks that follow each other along ``axis`` in whole chunks."""

    def __init__(self, array: Array, axis: int) -> None:
        self.array = array
        self.axis = axis
        chunks = array.chunks
        self.step = max(1, chunks[axis]) if chunks else 0
        self.pending: list[np.ndarray[Any, Any]] = []
        self.pending_rows = 0
        self.offset = 0

    def add(self, block: np.ndarray[Any, Any]) -> None:
        if block.ndim != self.array.ndim:
            raise ValidationError(
                f"{self.array.describe()}: a block of shape {block.shape} does not fit an "
                f"array of shape {self.array.shape}"
            )
        self.pending.append(block)
        self.pending_rows += block.shape[self.axis]
        if self.step and self.pending_rows >= self.step:
            self._flush(self.pending_rows - self.pending_rows % self.step)

    def finish(self) -> None:
        if self.pending_rows:
            self._flush(self.pending_rows)

    def _flush(self, rows: int) -> None:
        data = (
            self.pending[0]
            if len(self.pending) == 1
            else np.concatenate(self.pending, axis=self.axis)
        )
        head, rest = np.split(data, [rows], axis=self.axis)
        self.pending = [rest] if rest.shape[self.axis] else []
        self.pending_rows -= rows
        stop = self.offset + rows
        shape = list(self.array.shape)
        if stop > shape[self.axis]:
            shape[self.axis] = stop
            self.array.resize(shape)
        key: list[slice] = [slice(None)] * self.array.ndim
        key[self.axis] = slice(self.offset, stop)
        for i, n in enumerate(head.shape):
            if i != self.axis:
                key[i] = slice(0, n)
        self.array[tuple(key)] = head
        self.offset = stop


# --------------------------------------------------------------------------------------------
# iterators of blocks at known places (GenericDataChunkIterator)
# --------------------------------------------------------------------------------------------
def _write_selections(
    group: Group,
    name: str,
    dio: DataIO,
    source: AbstractDataChunkIterator,
    dims: tuple[str, ...] | None,
    attrs: Attrs,
) -> Array:
    shape = dio.shape or source.recommended_data_shape()
    array = _create(
        group,
        name,
        dio,
        tuple(shape),
        dio.dtype or source.dtype,
        dims,
        attrs,
        chunks=dio.chunks or source.recommended_chunk_shape(),
        maxshape=dio.maxshape or source.maxshape,
    )
    for chunk in source:
        bounds = chunk.get_min_bounds()
        shape = array.shape
        if any(b > n for b, n in zip(bounds, shape, strict=False)):
            grown = [max(b, n) for b, n in zip(bounds, shape, strict=False)]
            array.resize((*grown, *shape[len(grown) :]))
        array[chunk.selection] = chunk.data
    return array


__all__ = ["fit_dims", "write_dataio"]
