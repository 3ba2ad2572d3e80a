"""Icechunk repositories (optional ``icechunk`` package): versioned, transactional Zarr.

:class:`IcechunkFile` is the Zarr backend's tree on an Icechunk session; :mod:`.repository`
turns locations into repositories and applies the link policy to virtual-chunk containers.
"""

from nwbzarr.backends.icechunk.file import IcechunkFile
from nwbzarr.backends.icechunk.repository import (
    DEFAULT_BRANCH,
    chunk_url,
    container_for,
    create_repository,
    exists,
    open_repository,
)

__all__ = [
    "DEFAULT_BRANCH",
    "IcechunkFile",
    "chunk_url",
    "container_for",
    "create_repository",
    "exists",
    "open_repository",
]
