"""``nwbzarr.export``: one file from a file and everything it links to, or a re-pointed copy.

pynwb's ``NWBHDF5IO.export`` on the node tree, for both formats. ``links="resolve"`` writes one
self-contained file: every external link (HDF5, Zarr, or across the two) and every soft link
that leads out of the source file is replaced by the data it points to, streamed chunk by
chunk with chunking and compression kept; soft links inside the file stay links.
``links="keep"`` copies the file and re-points its external links so that they still
resolve from the destination (pynwb's default export).
"""

from __future__ import annotations

import os
from typing import Any

from nwbzarr.convert import LinkMode, convert
from nwbzarr.storage import call_options, guess_format, guess_format_from_name, resolve


def export(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    links: LinkMode = "resolve",
    format: str | None = None,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
    *,
    src_storage_options: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> str:
    """Export ``src`` to ``dst``, resolving or keeping its links.

    Parameters
    ----------
    src, dst
        Paths or URLs (HDF5 or Zarr).
    links
        ``"resolve"`` (default): one self-contained file, every link to another file (and
        every soft link through one) replaced by its data. ``"keep"``: links kept, their
        sources rewritten relative to ``dst``.
    format
        ``"hdf5"`` or ``"zarr"``; by default the format ``dst``'s suffix names, else the
        format of ``src`` (an export does not convert unless asked).
    overwrite
        Replace an existing destination (otherwise it is refused).
    storage_options
        fsspec / obstore options for every URL of the call (source and destination).
    src_storage_options, dst_storage_options
        Options for one side only, replacing ``storage_options`` there.

    Returns
    -------
    str
        The destination location.

    Notes
    -----
    The source is opened with the default link policy: a file read from a URL follows links
    only to its own origin, so a resolved export of an untrusted file never pulls in local
    files or other hosts.

    Examples
    --------
    >>> nwbzarr.export("session.nwb", "standalone.nwb")               # doctest: +SKIP
    >>> nwbzarr.export("session.nwb", "copy/session.nwb", links="keep")  # doctest: +SKIP
    """
    if links not in ("resolve", "keep"):
        raise ValueError(f"links={links!r}: expected 'resolve' or 'keep'")
    src_options, dst_options = call_options(
        storage_options, src_storage_options, dst_storage_options
    )
    if format is None:
        dst_loc = resolve(dst, dst_options)
        format = guess_format_from_name(dst_loc.path) or guess_format(resolve(src, src_options))
    return convert(
        src,
        dst,
        format,
        overwrite=overwrite,
        links=links,
        src_storage_options=src_options,
        dst_storage_options=dst_options,
        progress=progress,
    )


__all__ = ["export"]
