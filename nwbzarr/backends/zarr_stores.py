"""zarr-python stores for locations: local directories, fsspec URLs, obstore where it serves.

The storage layer resolves what users pass into a :class:`~nwbzarr.storage.Location`; this
module makes the zarr store of one, so that only the Zarr backend imports zarr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zarr.storage import FsspecStore, LocalStore, ObjectStore

from nwbzarr.backends.zarr import zarrio
from nwbzarr.storage import Location, obstore_raw


def zarr_store(loc: Location, mode: str) -> Any:
    """A zarr-python store for ``loc`` (read-only for ``mode="r"``)."""
    read_only = mode == "r"
    if loc.is_local:
        if not read_only:
            Path(loc.path).mkdir(parents=True, exist_ok=True)
        return LocalStore(loc.path, read_only=read_only)
    if loc.protocol == "memory":
        return FsspecStore.from_url(loc.path, read_only=read_only)
    raw = obstore_raw(loc, prefix=urlsplit(loc.path).path.strip("/"))
    if raw is not None:  # one GET per chunk, no HEAD
        return ObjectStore(raw, read_only=read_only)
    # Asynchronous fsspec file systems are cached per thread and per arguments, and their
    # aiohttp sessions bind to the first loop they run on. Naming nwbzarr's loop (every store
    # call of nwbzarr runs there, see zarrio) gives nwbzarr file systems of its own: a user's
    # zarr-python calls on the same URL, on zarr's loop, get others.
    opts = {**loc.storage_options, "asynchronous": True, "loop": zarrio.event_loop()}
    return FsspecStore.from_url(loc.path, storage_options=opts, read_only=read_only)


def array_writer(loc: Location, path: str, metadata: dict[str, Any]) -> zarrio.ArrayIO:
    """The array at ``path`` of the Zarr store at ``loc``, from its metadata document.

    ``metadata`` is what :meth:`ZarrArray.metadata_document
    <nwbzarr.backends.zarr.ZarrArray.metadata_document>` gives: another process writes the
    array's chunks with it while the file that holds the array is still open for writing.
    """
    store = zarr_store(loc, "r+")
    return zarrio.open_array(store, path.strip("/"), metadata, {"write_empty_chunks": True})


__all__ = ["array_writer", "zarr_store"]
