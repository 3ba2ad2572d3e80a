"""Where an HDF5 dataset's stored chunks are in its file: byte offsets, sizes and filters.

A virtual Zarr index (:mod:`nwbzarr.virtual`) reads HDF5 chunks by byte range; this module asks
libhdf5 where they are, so that h5py stays inside the HDF5 backend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np

from nwbzarr.tree import Array

CONTIGUOUS_CHUNK_BYTES = 2 << 20
"""Contiguous datasets are cut at row boundaries into blocks of about this size."""


@dataclass(frozen=True)
class StoredChunks:
    """The stored chunks of a numeric dataset, each readable on its own by byte range.

    ``manifest[index] = (offset, nbytes)`` per chunk (``nbytes == 0``: never written);
    ``pipeline`` is the dataset's filter pipeline, ``(HDF5 filter id, its values)`` in order
    (:func:`nwbzarr.codecs.zarr_codecs_of_hdf5` says which Zarr codecs decode it); a
    contiguous dataset (``contiguous=True``) is cut into row blocks whose last one may be short.
    """

    chunks: tuple[int, ...]
    pipeline: tuple[tuple[int, tuple[int, ...]], ...]
    dtype: np.dtype[Any]
    manifest: np.ndarray[Any, Any]
    contiguous: bool


def stored_chunks(array: Array) -> StoredChunks | None:
    """The stored chunks of ``array`` if it is a plain numeric HDF5 dataset in one file.

    None for anything else: other backends, text, references, compound types, compact
    layout, virtual or external datasets, families, scalars, chunks with a skipped filter.
    """
    ds = getattr(array, "h5", None)
    if not isinstance(ds, h5py.Dataset) or not _plain_numeric(ds):
        return None
    plist = ds.id.get_create_plist()
    pipeline = tuple(
        (int(code), tuple(int(v) for v in values))
        for code, _flags, values, _name in (
            plist.get_filter(i) for i in range(plist.get_nfilters())
        )
    )
    shape = tuple(int(n) for n in ds.shape)
    layout = plist.get_layout()
    if layout == h5py.h5d.CHUNKED:
        chunks = tuple(int(c) for c in ds.chunks)
        manifest = _chunk_manifest(ds, shape, chunks)
        contiguous = False
        if manifest is None:
            return None
    elif layout == h5py.h5d.CONTIGUOUS:
        chunks, manifest = _contiguous_manifest(ds, shape, ds.dtype.itemsize)
        contiguous = True
    else:
        return None  # compact: tiny
    return StoredChunks(chunks, pipeline, ds.dtype, manifest, contiguous)


def _plain_numeric(ds: Any) -> bool:
    if ds.shape is None or not ds.shape or ds.size == 0:
        return False
    dtype = ds.dtype
    if dtype.kind not in "biuf" or dtype.names is not None or dtype.subdtype is not None:
        return False
    if h5py.check_dtype(vlen=dtype) is not None or h5py.check_dtype(ref=dtype) is not None:
        return False
    if ds.is_virtual or ds.external:
        return False
    # families and split files: offsets are not into one file
    return ds.file.driver in ("sec2", "stdio", "fileobj") and not ds.file.userblock_size


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


__all__ = ["StoredChunks", "stored_chunks"]
