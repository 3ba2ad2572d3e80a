"""Lazy data: the backend array xarray indexes, and dask chunks that follow storage chunks.

:class:`NodeArray` wraps one nwbzarr array for xarray's lazy indexing; it is picklable (it keeps
the location and path, and reopens the file once per process on a worker). Backends report
their storage chunks; :func:`chunk_dataarray` is the one place that turns them into dask chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.backends.locks import HDF5_LOCK
from xarray.core import indexing

from nwbzarr import links
from nwbzarr.reopen import reopen
from nwbzarr.storage import Location
from nwbzarr.tree import Array, File, block_shape

Chunks = Literal["storage", "auto"] | Mapping[str, int] | None


def file_location(file: File) -> str | Location:
    """What reopens ``file`` elsewhere: its Location (with storage options) when known."""
    return links.file_location(file) or file.location


class NodeArray(BackendArray):
    """A picklable, lazily indexed view of one nwbzarr :class:`~nwbzarr.tree.Array`.

    It keeps the file location and the node path; the open array is a cache that is dropped
    when pickled and reopened (once per process) on first read, so dask workers can use it.
    ``scale=(conversion, offset)`` returns ``values * conversion + offset``.
    """

    def __init__(self, array: Array, scale: tuple[float, float] | None = None) -> None:
        file = array.file
        self.location = file_location(file)
        self.path = array.path
        self.is_hdf5 = file.format == "hdf5"
        self.scale = scale
        self.shape = array.shape
        stored = array.dtype
        self.dtype = (
            np.result_type(stored, np.float32 if stored.itemsize <= 2 else np.float64)
            if scale is not None and stored.kind in "iub"
            else stored
        )
        self._array: Array | None = array

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_array"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def array(self) -> Array:
        array = self._array
        if array is None or array.file.closed:
            node = reopen(self.location)[self.path]
            if not isinstance(node, Array):
                raise TypeError(f"{self.location}: {self.path!r} is a group, not an array")
            array = self._array = node
        return array

    def __getitem__(self, key: indexing.ExplicitIndexer) -> Any:
        support = (
            indexing.IndexingSupport.OUTER_1VECTOR
            if self.is_hdf5
            else indexing.IndexingSupport.OUTER
        )
        return indexing.explicit_indexing_adapter(key, self.shape, support, self._raw)

    def _raw(self, key: tuple[Any, ...]) -> np.ndarray[Any, Any]:
        key = tuple(k.tolist() if isinstance(k, np.ndarray) and self.is_hdf5 else k for k in key)
        if self.is_hdf5:
            with HDF5_LOCK:
                values = np.asarray(self.array[key])
        else:
            values = np.asarray(self.array[key])
        if self.scale is not None:
            conversion, offset = self.scale
            values = (values * conversion + offset).astype(self.dtype, copy=False)
        return values


def storage_chunks(array: Array) -> tuple[int, ...]:
    """The preferred read unit: the shard, else the chunk, else ~4 MiB time-major blocks."""
    spec = array.spec
    if spec.shards:
        return tuple(spec.shards)
    if spec.chunks:
        return tuple(spec.chunks)
    return block_shape(spec.shape, max(array.dtype.itemsize, 1))


def lazy_variable(
    array: Array,
    dims: Iterable[str],
    attrs: dict[str, Any] | None = None,
    scale: tuple[float, float] | None = None,
) -> xr.Variable:
    """An :class:`xarray.Variable` that reads ``array`` only when indexed."""
    dims = tuple(dims)
    data = indexing.LazilyIndexedArray(NodeArray(array, scale))
    chunks = storage_chunks(array)
    encoding = {
        "preferred_chunks": dict(zip(dims, chunks, strict=True)),
        "chunks": chunks,
        "source": f"{array.file.location}:{array.path}",
    }
    stored = array.spec.chunks
    if stored:
        encoding["storage_chunks"] = tuple(stored)
    # fastpath: the lazy array is kept as it is either way, without xarray's type checks
    return xr.Variable(dims, data, attrs or {}, encoding, fastpath=True)


def chunk_dataarray(da: xr.DataArray, chunks: Chunks) -> xr.DataArray:
    """``da`` in dask chunks that follow its storage chunks (see :func:`series_to_xarray`)."""
    if chunks is None:
        return da
    preferred = dict(da.encoding.get("preferred_chunks", {}))
    if isinstance(chunks, Mapping):
        return da.chunk({**preferred, **chunks})
    if chunks == "storage":
        return da.chunk(preferred or "auto")
    if chunks == "auto":
        import dask.array

        previous = tuple(preferred.get(str(d), n) for d, n in zip(da.dims, da.shape, strict=True))
        normal = dask.array.core.normalize_chunks(  # type: ignore[no-untyped-call]
            "auto", da.shape, dtype=da.dtype, previous_chunks=previous
        )
        return da.chunk(dict(zip(da.dims, normal, strict=True)))
    raise ValueError(f"chunks={chunks!r}: expected 'storage', 'auto', a dict or None")


__all__ = [
    "Chunks",
    "NodeArray",
    "chunk_dataarray",
    "file_location",
    "lazy_variable",
    "storage_chunks",
]
