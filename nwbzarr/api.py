"""``nwbzarr.open``: any NWB file or store, HDF5 or Zarr, local or remote, as a node tree."""

from __future__ import annotations

import os
from typing import Any

from nwbzarr import locking
from nwbzarr.errors import DestinationExistsError, FormatError
from nwbzarr.links import LinkPolicy, Resolver
from nwbzarr.storage import (
    Location,
    exists,
    guess_format,
    guess_format_from_name,
    open_binary,
    remove,
    resolve,
)
from nwbzarr.tree import File, Group

MODES = ("r", "r+", "a", "w")


def open(
    path_or_url: str | os.PathLike[str] | Location,
    mode: str = "r",
    *,
    format: str | None = None,
    storage_options: dict[str, Any] | None = None,
    links: LinkPolicy | None = None,
    overwrite: bool = False,
    page_size: int | None = None,
    memb_size: int | None = None,
) -> Group:
    """Open an NWB file (HDF5) or store (Zarr) and return its root group.

    Parameters
    ----------
    path_or_url
        A local path (``session.nwb``, ``session.nwb.zarr``, ``family_%d.nwb``) or a URL
        (``s3://bucket/x.nwb.zarr``, ``https://host/x.nwb``, ``memory://x.zarr``).
    mode
        ``"r"`` (read), ``"r+"`` (modify an existing file), ``"a"`` (modify or create), ``"w"``
        (create; an existing destination is refused unless ``overwrite=True``).
    format
        ``"hdf5"`` or ``"zarr"``; guessed from the content (HDF5 signature, ``zarr.json`` /
        ``.zgroup``) or, for new files and URLs, from the suffix.
    storage_options
        Passed to fsspec / obstore for URLs (``anon``, ``endpoint_url``, ``key``...).
    links
        Link policy: ``"all"``, ``"same-origin"`` (default for URLs) or ``"none"``.
    page_size
        For new HDF5 files: paged aggregation with this page size, for cheap cloud reads.
    memb_size
        For HDF5 families (``"x_%d.nwb"``): the size of each member file in bytes when writing
        (default 2 GiB - 1); reading infers it.

    Returns
    -------
    Group
        The root group; use it as a context manager to close the file.

    Examples
    --------
    >>> with nwbzarr.open("session.nwb") as root:            # doctest: +SKIP
    ...     data = root["acquisition/ElectricalSeries/data"][:30_000]
    """
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: expected one of {MODES}")
    loc = resolve(path_or_url, storage_options)
    policy: LinkPolicy = links or ("all" if loc.is_local else "same-origin")
    resolver = Resolver(loc, policy, _open_link_target)
    # One writer per local destination, taken before anything is removed or created.
    lock = locking.acquire(loc.path) if mode != "r" and loc.is_local else None
    try:
        if mode == "w" or (mode == "a" and not exists(loc)):
            if exists(loc):
                if not overwrite:
                    raise DestinationExistsError(
                        f"{loc}: already exists (pass overwrite=True to replace it)"
                    )
                remove(loc)
            fmt = format or guess_format_from_name(loc.path) or "hdf5"
            file = _open_file(loc, "w", fmt, page_size, memb_size)
        else:
            fmt = format or guess_format(loc)
            file = _open_file(loc, "r+" if mode == "a" else mode, fmt, None)
    except BaseException:
        if lock is not None:
            locking.release(lock)
        raise
    _attach(file, loc, resolver)
    file.add_close_hook(resolver.close)
    if lock is not None:
        held = lock
        file.add_close_hook(lambda: locking.release(held))
    return file.root


def _attach(file: File, loc: Location, resolver: Resolver) -> None:
    file.resolver = resolver
    resolver.locations[id(file)] = loc


def _open_link_target(loc: Location, resolver: Resolver) -> Group:
    file = _open_file(loc, "r", guess_format(loc), None)
    _attach(file, loc, resolver)
    return file.root


def _open_file(
    loc: Location, mode: str, fmt: str, page_size: int | None, memb_size: int | None = None
) -> File:
    # Each backend is imported when a file of its format is opened: an HDF5 read never
    # imports zarr-python, and a Zarr read never imports h5py.
    if fmt == "zarr":
        return _open_zarr(loc, mode)
    if fmt != "hdf5":
        raise ValueError(f"format={fmt!r}: expected 'hdf5' or 'zarr'")
    return _open_hdf5(loc, mode, page_size, memb_size)


def _open_zarr(loc: Location, mode: str) -> File:
    from nwbzarr.backends.virtual import attach
    from nwbzarr.backends.zarr import ZarrFile
    from nwbzarr.backends.zarr_stores import zarr_store

    file = ZarrFile(str(loc), zarr_store(loc, mode), mode)
    if mode != "w":
        attach(file, loc)  # a virtual index reads its arrays' chunks from the HDF5 file
    return file


def _open_hdf5(loc: Location, mode: str, page_size: int | None, memb_size: int | None) -> File:
    from nwbzarr.backends.hdf5 import H5File

    if loc.is_local:
        if mode == "r" and not exists(loc):
            raise FileNotFoundError(f"{loc}: no such file")
        if memb_size is not None and "%d" in loc.path and mode != "r":
            return H5File(loc.path, mode, page_size=page_size, memb_size=memb_size)
        return H5File(loc.path, mode, page_size=page_size)
    if mode != "r":
        raise FormatError(f"{loc}: HDF5 files are written locally; write Zarr to object stores")
    return H5File(str(loc), mode, fileobj=open_binary(loc))


__all__ = ["open"]
