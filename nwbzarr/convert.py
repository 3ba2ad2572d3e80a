"""Streaming conversion between HDF5 and Zarr (and copies within one format).

:func:`convert` opens both files and runs the tree copier (:mod:`nwbzarr.copier`) on them.
The tree is copied node by node: each group and array is created once with all its attributes,
links are re-pointed so they still resolve from the destination, and array data moves chunk
by chunk on a small thread pool with a bounded number of chunks in flight, so memory stays at
a few chunks whatever the size of the data. Where source and destination store a chunk the
same way (same chunk shape, same filters: HDF5 ``shuffle + deflate`` and Zarr
``numcodecs.shuffle + numcodecs.zlib`` are byte-identical), the stored bytes are copied without
decoding. Where the destination is HDF5 with deflate, chunks are compressed on all cores and
written with ``write_direct_chunk`` (libhdf5 would compress on one thread).
"""

from __future__ import annotations

import os
from typing import Any

from nwbzarr.api import open as nwb_open
from nwbzarr.copier import CompressionMode, LinkMode, TreeCopier
from nwbzarr.errors import DestinationExistsError, NwbZarrError, UnsupportedFeatureError
from nwbzarr.progress import Progress
from nwbzarr.storage import call_options, exists, guess_format_from_name, remove, resolve
from nwbzarr.tree import (
    Array,
    Group,
)


def convert(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    format: str | None = None,
    *,
    overwrite: bool = False,
    links: LinkMode = "keep",
    compression: CompressionMode = "keep",
    storage_options: dict[str, Any] | None = None,
    src_storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
    progress: bool | None = None,
    workers: int | None = None,
    page_size: int | None = None,
    client: Any = None,
) -> str:
    """Convert ``src`` to ``dst`` (HDF5 <-> Zarr, or a copy within one format).

    Parameters
    ----------
    src, dst
        Paths or URLs. ``dst``'s format is ``format``, else its suffix (``.zarr`` -> Zarr,
        ``.nwb``/``.h5`` -> HDF5), else the other format.
    overwrite
        Replace an existing destination (otherwise it is refused).
    links
        ``"keep"`` re-points links to stay valid from ``dst``; ``"resolve"`` copies their targets.
    compression
        ``"keep"`` preserves chunking and compression where ``dst`` can express them;
        ``"default"`` re-encodes with the destination's default (Blosc-lz4 + shuffle on Zarr).
    storage_options
        fsspec / obstore options for every URL of the call (source and destination), e.g.
        ``{"endpoint_url": ..., "key": ..., "secret": ...}`` for an S3 endpoint.
    src_storage_options, dst_storage_options
        Options for one side only, replacing ``storage_options`` there.
    progress
        Show a progress bar (default: only on a terminal).
    client
        A ``dask.distributed`` client: the chunk copies of large arrays run on its workers
        (Zarr destinations; the workers must reach ``src`` and ``dst``: shared disk or URLs).

    Returns
    -------
    str
        The destination location.

    Examples
    --------
    >>> nwbzarr.convert("session.nwb", "session.nwb.zarr")    # doctest: +SKIP
    """
    src_options, dst_options = call_options(
        storage_options, src_storage_options, dst_storage_options
    )
    src_loc = resolve(src, src_options)
    dst_loc = resolve(dst, dst_options)
    if src_loc.path == dst_loc.path:
        raise ValueError(f"{dst_loc}: source and destination are the same")
    if exists(dst_loc) and not overwrite:
        raise DestinationExistsError(
            f"{dst_loc}: already exists (pass overwrite=True to replace it)"
        )
    source = nwb_open(src_loc, "r")
    try:
        dst_format = format or guess_format_from_name(dst_loc.path)
        if dst_format is None:
            dst_format = "zarr" if source.file.format == "hdf5" else "hdf5"
        target = nwb_open(
            dst_loc,
            "w",
            format=dst_format,
            overwrite=overwrite,
            page_size=page_size,
            message=f"nwbzarr convert {src_loc}",  # the commit's, where there are commits
        )
        if client is not None and target.file.transactional:
            target.file.abort()
            raise UnsupportedFeatureError(
                f"{dst_loc}: client= copies chunks from other processes, outside this "
                "writer's transaction: convert into an Icechunk repository without it"
            )
        try:
            with Progress(
                total=_total_bytes(source), enabled=progress, desc=f"convert {src_loc.name}"
            ) as bar:
                copier = TreeCopier(
                    source,
                    target,
                    src_loc,
                    dst_loc,
                    links=links,
                    compression=compression,
                    workers=workers,
                    progress=bar.update,
                    client=client,
                )
                copier.run()
        except BaseException as err:
            target.file.abort()
            # a transactional destination (Icechunk) kept nothing: its history stays
            if not isinstance(err, KeyboardInterrupt) and not target.file.transactional:
                remove(dst_loc)
            if isinstance(err, NwbZarrError | OSError | ValueError | KeyError | TypeError):
                err.add_note(
                    f"while converting {src_loc} to {dst_loc}; nothing was kept at {dst_loc}"
                )
            raise
        target.file.close()
    finally:
        source.file.close()
    return str(dst_loc)


def _total_bytes(root: Group) -> int:
    total = 0
    for _, member in root.walk():
        if isinstance(member, Array):
            total += member.nbytes
    return total


__all__ = ["CompressionMode", "LinkMode", "TreeCopier", "convert"]
