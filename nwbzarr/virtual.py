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

import importlib
import io
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from nwbzarr.api import open as nwb_open
from nwbzarr.backends.hdf5_layout import stored_chunks
from nwbzarr.backends.virtual import MANIFEST
from nwbzarr.backends.zarr import ZarrArray, ZarrFile
from nwbzarr.codecs import zarr_codecs_of_hdf5
from nwbzarr.copier import TreeCopier
from nwbzarr.errors import DestinationExistsError, NwbZarrError
from nwbzarr.storage import Location, call_options, exists, remove, resolve

# Arrays of up to this many chunks keep their manifest in their document (~40 bytes of JSON a
# chunk); larger ones in a MANIFEST object, read on the array's first read.
INLINE_MANIFEST_CHUNKS = 256


# The forms of the index: format name -> (module, function). Each function takes
# ``(src, dst, *, overwrite, storage_options, dst_storage_options)`` and returns ``dst``;
# :func:`index` gives it each side's options explicitly (``storage_options`` for ``src``).
INDEX_FORMATS: dict[str, tuple[str, str]] = {
    "nwbzarr": ("nwbzarr.virtual", "build_index"),
    "icechunk": ("nwbzarr.icechunk_index", "build_icechunk_index"),
    "kerchunk": ("nwbzarr.kerchunk", "build_kerchunk"),
}


def index(
    src: str | os.PathLike[str] | Location,
    dst: str | os.PathLike[str] | Location,
    *,
    format: str = "nwbzarr",
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    src_storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
) -> str:
    """Write an index of the HDF5 file ``src`` at ``dst`` in one of :data:`INDEX_FORMATS`.

    Parameters
    ----------
    src
        The HDF5 file (local path or URL); its data stays where it is.
    dst
        Where to write the index.
    format
        ``"nwbzarr"`` (default): a Zarr v3 store read by :func:`nwbzarr.open` (see
        :func:`build_index`); the other forms are listed in :data:`INDEX_FORMATS`.
    overwrite
        Replace an existing ``dst``.
    storage_options
        fsspec / obstore options for ``src`` and ``dst`` URLs alike.
    src_storage_options, dst_storage_options
        Options for one side only, replacing ``storage_options`` there.

    Returns
    -------
    str
        ``dst``.

    Examples
    --------
    >>> nwbzarr.index("session.nwb", "session.nwb.zarr")                    # doctest: +SKIP
    """
    entry = INDEX_FORMATS.get(format)
    if entry is None:
        raise ValueError(f"format={format!r}: expected one of {sorted(INDEX_FORMATS)}")
    builder: Callable[..., str] = getattr(importlib.import_module(entry[0]), entry[1])
    src_options, dst_options = call_options(
        storage_options, src_storage_options, dst_storage_options
    )
    return builder(
        src,
        dst,
        overwrite=overwrite,
        storage_options=src_options,
        dst_storage_options=dst_options or {},  # {}: none, not the source's
    )


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------
def build_index(
    src: str | os.PathLike[str] | Location,
    dst: str | os.PathLike[str] | Location,
    *,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    src_storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
) -> str:
    """Write a virtual Zarr index of the HDF5 file ``src`` at ``dst``; return ``dst``.

    The index holds the NWB tree's metadata and, for each chunked or contiguous numeric
    dataset, where its chunks are in ``src``: no array data is copied (except small text,
    reference and compound arrays, which are stored inline). ``nwbzarr.open(dst)`` then reads
    the same tree as ``nwbzarr.open(src)``, with data fetched by byte range from ``src``.

    ``storage_options`` apply to both ``src`` and ``dst`` URLs; ``src_storage_options`` /
    ``dst_storage_options`` replace them for one side.

    Examples
    --------
    >>> nwbzarr.virtual.build_index("session.nwb", "session.nwb.zarr")     # doctest: +SKIP
    >>> root = nwbzarr.open("session.nwb.zarr")                             # doctest: +SKIP
    """
    src_options, dst_options = call_options(
        storage_options, src_storage_options, dst_storage_options
    )
    src_loc = resolve(src, src_options)
    dst_loc = resolve(dst, dst_options)
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
    """Make ``dst`` a virtual array of the HDF5 dataset ``src``; False if it can't be."""
    stored = stored_chunks(src)
    codecs = None if stored is None else zarr_codecs_of_hdf5(stored.pipeline, stored.dtype)
    if stored is None or codecs is None:
        return False
    entry: dict[str, Any] = {}
    manifest = stored.manifest
    if manifest[..., 0].size <= INLINE_MANIFEST_CHUNKS:
        entry["chunks"] = manifest.tolist()  # in the document: no object, no request to read
    else:
        entry["manifest"] = MANIFEST
        buf = io.BytesIO()
        np.save(buf, manifest, allow_pickle=False)
        dst.zfile.set_bytes(f"{dst.key}/{MANIFEST}", buf.getvalue())
    if not stored.pipeline:
        entry["chunk_nbytes"] = math.prod(stored.chunks) * stored.dtype.itemsize
    # chunks never written in the HDF5 file read as the fill value (sparse); the HDF5 filters
    # recorded for a conversion back are the codecs now
    dst.relayout(stored.chunks, codecs, {"sparse": True, "virtual": entry}, drop=("filters",))
    return True


__all__ = ["INDEX_FORMATS", "build_index", "index"]
