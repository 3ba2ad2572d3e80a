"""zarr-python stores for locations: local directories, fsspec URLs, obstore where it serves.

The storage layer resolves what users pass into a :class:`~nwbzarr.storage.Location`; this
module makes the zarr store of one, so that only the Zarr backend imports zarr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zarr.storage import FsspecStore, LocalStore, ObjectStore

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
    opts = dict(loc.storage_options)
    if loc.protocol in ("https", "http"):
        opts.setdefault("asynchronous", True)
    return FsspecStore.from_url(loc.path, storage_options=opts or None, read_only=read_only)


__all__ = ["zarr_store"]
