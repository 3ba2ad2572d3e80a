"""``write`` and ``read``: an NWBFile to and from any file or store, through the node tree."""

from __future__ import annotations

import os
from typing import Any

from nwbzarr.api import open as open_tree
from nwbzarr.errors import FormatError
from nwbzarr.model.base import ReadContext, WriteContext
from nwbzarr.model.classinfo import reading
from nwbzarr.model.file import NWBFile
from nwbzarr.model.values import text
from nwbzarr.tree import Group


def write(
    nwbfile: NWBFile,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    overwrite: bool = False,
    **open_kwargs: Any,
) -> None:
    """Write ``nwbfile`` to ``path`` (HDF5 ``.nwb`` or Zarr ``.nwb.zarr``, or ``format=``).

    Parameters
    ----------
    nwbfile
        The file to write; lazy arrays read from another file are copied chunk by chunk.
    path
        Destination path or URL; an existing one is refused unless ``overwrite=True``.
    format
        ``"hdf5"`` or ``"zarr"``; guessed from the suffix when omitted.
    """
    root = open_tree(path, "w", format=format, overwrite=overwrite, **open_kwargs)
    try:
        write_tree(nwbfile, root)
    except BaseException:
        root.file.abort()
        raise
    root.file.close()


def write_tree(
    nwbfile: NWBFile, root: Group, *, link_data: bool = True, copy_foreign: bool = False
) -> None:
    """Write ``nwbfile`` into the (empty) root group of an open file, with its schema cached.

    ``link_data=False`` copies arrays of other files instead of linking them (pynwb's
    ``write(link_data=False)``); ``copy_foreign=True`` copies containers of other files too.
    """
    from nwbzarr.spec import cache_schema  # the schema is read on first write, not at import

    ctx = WriteContext(root, link_data=link_data, copy_foreign=copy_foreign)
    nwbfile.write_root(root, ctx)
    cache_schema(root)


def read(path: str | os.PathLike[str], mode: str = "r", **open_kwargs: Any) -> NWBFile:
    """Read an NWB file or store as an :class:`NWBFile`; arrays stay lazy (the file stays open).

    ``mode="r+"`` keeps the file writable, for :meth:`TimeSeries.append`; close it with
    ``nwbfile.source_node.close()``.
    """
    root = open_tree(path, mode, **open_kwargs)
    return read_tree(root)


def read_tree(root: Group) -> NWBFile:
    """The NWBFile of an open root group."""
    kind = root.neurodata_type
    if kind != "NWBFile":
        raise FormatError(f"{root.file.location}: not an NWB file: root neurodata_type is {kind!r}")
    ctx = ReadContext(root)
    with reading():  # a file is read as it is: no construction checks
        nwbfile = NWBFile.from_tree(root, ctx)
        stored = root.attrs.get("object_id")
        if stored is not None:  # the file's own id (it was given a new one before)
            nwbfile.object_id = text(stored)
    nwbfile.source_node = root
    nwbfile.read_objects = ctx.objects  # what a rewrite may find removed
    return nwbfile


__all__ = ["read", "read_tree", "write", "write_tree"]
