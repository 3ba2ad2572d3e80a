"""The Icechunk form of the virtual index: an HDF5 file's NWB tree in an Icechunk repository,
its numeric chunks left in the file as Icechunk virtual chunk references.

:func:`build_icechunk_index` copies the tree the way a conversion does (groups, attributes,
links and object references in nwbzarr's attribute conventions, ``dimension_names`` from the
NWB schema) and, for each chunked or contiguous numeric dataset larger than
:data:`INLINE_BYTES`, stores the HDF5 filters as Zarr codecs and one virtual reference per
chunk (``file:///...`` or the file's URL, offset, length) instead of the data. Smaller arrays,
text, references and compound data are copied in (Icechunk inlines small chunks in its
manifests). The repository's configuration holds a virtual-chunk container for the file's
directory (local), bucket (``s3://``) or host (``https://``), so that a plain Icechunk +
xarray user opens it after authorizing that container; nwbzarr authorizes it under the link
policy (see :mod:`nwbzarr.backends.icechunk.repository`).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from nwbzarr.api import open as nwb_open
from nwbzarr.backends.hdf5_layout import stored_chunks
from nwbzarr.backends.icechunk import IcechunkFile, chunk_url, create_repository
from nwbzarr.backends.zarr import ZarrArray
from nwbzarr.codecs import zarr_codecs_of_hdf5
from nwbzarr.copier import TreeCopier
from nwbzarr.errors import DestinationExistsError, NwbZarrError
from nwbzarr.storage import Location, exists, remove, resolve

INLINE_BYTES = 16 * 1024
"""Numeric arrays up to this size are copied into the repository, not referenced."""


def build_icechunk_index(
    src: str | os.PathLike[str] | Location,
    dst: str | os.PathLike[str] | Location,
    *,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
) -> str:
    """Write an Icechunk repository at ``dst`` indexing the HDF5 file ``src``; return ``dst``.

    The repository's ``main`` branch holds one commit: the NWB tree of ``src`` with its
    numeric chunks as virtual references into ``src`` (no array data copied, except small
    arrays). ``nwbzarr.open(dst)`` reads the same tree as ``nwbzarr.open(src)``.

    Examples
    --------
    >>> nwbzarr.index("session.nwb", "session.icechunk", format="icechunk")  # doctest: +SKIP
    """
    src_loc = resolve(src, storage_options)
    dst_loc = resolve(dst, dst_storage_options)
    if src_loc.path == dst_loc.path:
        raise ValueError(f"{dst_loc}: source and index are the same")
    if exists(dst_loc):
        if not overwrite:
            raise DestinationExistsError(
                f"{dst_loc}: already exists (pass overwrite=True to replace it)"
            )
        remove(dst_loc)
    source = nwb_open(src_loc, "r", format="hdf5")
    try:
        repo = create_repository(dst_loc, [src_loc])
        file = IcechunkFile(str(dst_loc), repo, "w", message=f"nwbzarr index of {src_loc}")
        try:
            _IcechunkIndexCopier(source, file.root, src_loc, dst_loc).run()
        except BaseException as err:
            file.abort()
            if not isinstance(err, KeyboardInterrupt):
                remove(dst_loc)
            if isinstance(err, NwbZarrError | OSError | ValueError | KeyError | TypeError):
                err.add_note(f"while indexing {src_loc} into {dst_loc}; nothing was kept")
            raise
        file.close()
    finally:
        source.file.close()
    return str(dst_loc)


class _IcechunkIndexCopier(TreeCopier):
    """Copies the tree; numeric arrays larger than :data:`INLINE_BYTES` become virtual."""

    def copy_data(self) -> None:
        url = chunk_url(self.src_loc)
        inline = []
        for job in self.jobs:
            dst = job.dst
            assert isinstance(dst, ZarrArray) and isinstance(dst.zfile, IcechunkFile)
            if not _make_virtual(job.src, dst, dst.zfile, url):
                inline.append(job)
        self.jobs = inline
        super().copy_data()


def _make_virtual(src: Any, dst: ZarrArray, file: IcechunkFile, url: str) -> bool:
    """Make ``dst`` reference the chunks of the HDF5 dataset ``src``; False if it can't."""
    if src.nbytes <= INLINE_BYTES:
        return False
    stored = stored_chunks(src)
    codecs = None if stored is None else zarr_codecs_of_hdf5(stored.pipeline, stored.dtype)
    if stored is None or codecs is None:
        return False
    # chunks never written in the HDF5 file read as the fill value (sparse)
    dst.relayout(stored.chunks, codecs, {"sparse": True}, drop=("filters",))
    # an uncompressed chunk shorter than a whole one (the end of a contiguous dataset) does
    # not decode as a Zarr chunk: it is copied in, the rest referenced
    full = None if stored.pipeline else math.prod(stored.chunks) * stored.dtype.itemsize
    refs: list[tuple[Any, int, int]] = []
    short = []
    manifest = stored.manifest
    for index in np.ndindex(manifest.shape[:-1]):
        offset, nbytes = (int(v) for v in manifest[index])
        if nbytes == 0:
            continue
        if full is not None and nbytes < full:
            short.append(index)
        else:
            refs.append((index, offset, nbytes))
    file.set_virtual_chunks(dst.key, url, refs)
    for index in short:
        region = tuple(
            slice(i * c, min((i + 1) * c, n))
            for i, c, n in zip(index, stored.chunks, src.shape, strict=True)
        )
        dst[region] = src[region]
    return True


__all__ = ["INLINE_BYTES", "build_icechunk_index"]
