"""``nwbzarr.open``: any NWB file or store, HDF5 or Zarr, local or remote, as a node tree."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from nwbzarr import locking
from nwbzarr.errors import DestinationExistsError, FormatError, IncompleteFileError, ReadOnlyError
from nwbzarr.links import LinkPolicy, Resolver
from nwbzarr.storage import (
    Detected,
    Location,
    detect,
    exists,
    guess_format_from_name,
    is_icechunk_dir,
    is_icechunk_url,
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
    branch: str | None = None,
    tag: str | None = None,
    snapshot: str | None = None,
    message: str | None = None,
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
        ``"hdf5"``, ``"zarr"``, ``"icechunk"`` or ``"references"`` (a kerchunk or LINDI
        reference file: ``.lindi.json``, ``.lindi.tar``, ``.kerchunk.json``; read-only);
        told from the content when not given: a file (or remote object) by its first bytes
        (HDF5 signature, a JSON object of ``refs``, a LINDI tar), a directory (or remote
        prefix) by an Icechunk repository's ``repo`` or Zarr's ``zarr.json`` / ``.zgroup``.
        On object stores the first bytes come from the block an HDF5 open reads first, so
        telling a file costs no request of its own; remote names ending in ``.zarr`` or
        ``.icechunk`` are taken at their word (no probe of the prefix). New files and
        stores go by the suffix (``.icechunk`` for a new repository, ``.zarr`` for Zarr,
        else HDF5).
    storage_options
        Passed to fsspec / obstore for URLs (``anon``, ``endpoint_url``, ``key``...).
    links
        Link policy: ``"all"``, ``"same-origin"`` (default for URLs) or ``"none"``.
    page_size
        For new HDF5 files: paged aggregation with this page size, for cheap cloud reads.
    memb_size
        For HDF5 families (``"x_%d.nwb"``): the size of each member file in bytes when writing
        (default 2 GiB - 1); reading infers it.
    branch, tag, snapshot
        Icechunk repositories: the version to read (one of them; default branch ``"main"``),
        or the branch to write. Each flush (and the close) of a writer is one commit.
    message
        Icechunk repositories: the message of the writer's commits.

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
    versions = Versions(branch, tag, snapshot, message, policy)
    # Icechunk repositories detect concurrent writers themselves (a conflict at commit)
    locked = mode != "r" and loc.is_local and format != "icechunk" and not is_icechunk_dir(loc.path)
    lock = locking.acquire(loc.path) if locked else None
    try:
        if mode == "w" or (mode == "a" and not exists(loc)):
            fmt = format or _format_for_writing(loc)
            if exists(loc):
                if not overwrite:
                    raise DestinationExistsError(
                        f"{loc}: already exists (pass overwrite=True to replace it)"
                    )
                if fmt != "icechunk":  # a repository keeps its history: a new commit
                    remove(loc)
            file = _open_file(loc, "w", fmt, page_size, memb_size, versions)
        else:
            found = detect(loc) if format is None else Detected(format)
            file = _open_file(
                loc,
                "r+" if mode == "a" else mode,
                found.format,
                None,
                None,
                versions,
                resolver=resolver,
                storage_options=storage_options,
                fileobj=found.fileobj,
            )
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


def _format_for_writing(loc: Location) -> str:
    """A repository stays one (a write is its next commit); else the name says, or HDF5."""
    if exists(loc) and (is_icechunk_dir(loc.path) if loc.is_local else is_icechunk_url(loc)):
        return "icechunk"
    return guess_format_from_name(loc.path) or "hdf5"


def _attach(file: File, loc: Location, resolver: Resolver) -> None:
    file.resolver = resolver
    resolver.locations[id(file)] = loc


@dataclass(frozen=True)
class Versions:
    """The version of a versioned (Icechunk) repository to read or write, and the commit
    message; ``policy`` is the link policy its virtual chunks are read under."""

    branch: str | None = None
    tag: str | None = None
    snapshot: str | None = None
    message: str | None = None
    policy: LinkPolicy = "all"

    def check_unversioned(self, loc: Location, fmt: str) -> None:
        given = [n for n in ("branch", "tag", "snapshot") if getattr(self, n) is not None]
        if given:
            raise ValueError(
                f"{loc}: {'=, '.join(given)}= name versions of Icechunk repositories; this is {fmt}"
            )


def _open_link_target(loc: Location, resolver: Resolver) -> Group:
    versions = Versions(policy=resolver.policy)
    found = detect(loc)
    file = _open_file(
        loc, "r", found.format, None, None, versions, resolver=resolver, fileobj=found.fileobj
    )
    _attach(file, loc, resolver)
    return file.root


def _open_file(
    loc: Location,
    mode: str,
    fmt: str,
    page_size: int | None,
    memb_size: int | None = None,
    versions: Versions | None = None,
    *,
    resolver: Resolver | None = None,
    storage_options: dict[str, Any] | None = None,
    fileobj: Any = None,
) -> File:
    """Open ``loc`` as ``fmt``; ``fileobj`` is the remote file :func:`detect` read the first
    bytes of (HDF5 and reference files read on from it), closed here if unused."""
    try:
        return _open_format(
            loc, mode, fmt, page_size, memb_size, versions, resolver, storage_options, fileobj
        )
    except BaseException:
        if fileobj is not None:
            fileobj.close()
        raise


def _open_format(
    loc: Location,
    mode: str,
    fmt: str,
    page_size: int | None,
    memb_size: int | None,
    versions: Versions | None,
    resolver: Resolver | None,
    storage_options: dict[str, Any] | None,
    fileobj: Any,
) -> File:
    # Each backend is imported when a file of its format is opened: an HDF5 read never
    # imports zarr-python, and a Zarr read never imports h5py.
    versions = versions or Versions()
    if fmt == "icechunk":
        return _open_icechunk(loc, mode, versions)
    versions.check_unversioned(loc, fmt)
    if fmt == "zarr":
        return _open_zarr(loc, mode)
    if fmt in ("references", "kerchunk", "lindi"):
        return _open_references(loc, mode, resolver, storage_options, fileobj)
    if fmt != "hdf5":
        raise ValueError(f"format={fmt!r}: expected 'hdf5', 'zarr', 'icechunk' or 'references'")
    return _open_hdf5(loc, mode, page_size, memb_size, fileobj)


def _open_references(
    loc: Location,
    mode: str,
    resolver: Resolver | None,
    storage_options: dict[str, Any] | None = None,
    fileobj: Any = None,
) -> File:
    """A reference file (kerchunk JSON, LINDI JSON or tar) as a read-only Zarr file; its
    references' URLs are read with ``storage_options`` (the file's own, if it is remote)."""
    from nwbzarr.backends.lindi import normalize
    from nwbzarr.backends.references import ReferenceFile, ReferenceStore, load_references

    if mode != "r":
        raise ReadOnlyError(
            f"{loc}: reference files (kerchunk, LINDI) are read-only; write with "
            "nwbzarr.index(src, dst, format='kerchunk') or convert to Zarr"
        )
    references = load_references(loc, fileobj)
    normalize(references)
    base = loc.sibling(".")
    if storage_options and base.is_local:  # a local index of remote files
        base = Location(base.path, base.protocol, dict(storage_options))
    policy = resolver or Resolver(loc, "all" if loc.is_local else "same-origin", _open_link_target)
    store = ReferenceStore(references, lambda url: policy.reference_target(url, base))
    return ReferenceFile(str(loc), store, "r")


def _open_zarr(loc: Location, mode: str) -> File:
    from nwbzarr.backends.virtual import attach
    from nwbzarr.backends.zarr import ZarrFile
    from nwbzarr.backends.zarr_stores import zarr_store

    try:
        file = ZarrFile(str(loc), zarr_store(loc, mode), mode)
    except (FileNotFoundError, IncompleteFileError):  # no root zarr.json: a repository?
        if mode != "w" and not loc.is_local and is_icechunk_url(loc):
            return _open_icechunk(loc, mode, Versions())  # a repository named *.zarr
        raise
    if mode != "w":
        attach(file, loc)  # a virtual index reads its arrays' chunks from the HDF5 file
    return file


def _open_icechunk(loc: Location, mode: str, versions: Versions) -> File:
    from nwbzarr.backends.icechunk import (
        IcechunkFile,
        create_repository,
        exists,
        open_repository,
    )

    if mode == "w" and not exists(loc):
        repo = create_repository(loc)
    else:
        repo = open_repository(loc, versions.policy)
    return IcechunkFile(
        str(loc),
        repo,
        mode,
        branch=versions.branch,
        tag=versions.tag,
        snapshot=versions.snapshot,
        message=versions.message,
    )


def _open_hdf5(
    loc: Location, mode: str, page_size: int | None, memb_size: int | None, fileobj: Any = None
) -> File:
    from nwbzarr.backends.hdf5 import H5File

    if loc.is_local:
        if mode == "r" and not exists(loc):
            raise FileNotFoundError(f"{loc}: no such file")
        if memb_size is not None and "%d" in loc.path and mode != "r":
            return H5File(loc.path, mode, page_size=page_size, memb_size=memb_size)
        return H5File(loc.path, mode, page_size=page_size)
    if mode != "r":
        raise FormatError(f"{loc}: HDF5 files are written locally; write Zarr to object stores")
    return H5File(str(loc), mode, fileobj=fileobj if fileobj is not None else open_binary(loc))


__all__ = ["Versions", "open"]
