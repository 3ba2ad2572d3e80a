"""Files reopened by location, once per process: the read-only roots that workers share.

A lazy array sent to a dask worker (:class:`nwbzarr.xr.lazy.NodeArray`), or a chunk copy run
on one (:func:`nwbzarr.copier.copy_regions`), carries a file's location, not the open file;
the worker opens the file on first use and keeps it for the next tasks. The roots are kept in
one bounded, least-recently-used registry (``MAX_OPEN`` files): the least recently used is
closed when another one is opened, and anything still holding one of its arrays reopens it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from nwbzarr.api import open as nwb_open
from nwbzarr.storage import Location
from nwbzarr.tree import Group

MAX_OPEN = 64


class OpenRoots:
    """A bounded, thread-safe registry of read-only roots by location (LRU order)."""

    def __init__(self, max_open: int = MAX_OPEN) -> None:
        self.max_open = max_open
        self._roots: OrderedDict[str, Group] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, location: str | Location) -> Group:
        """The root group of ``location`` opened read-only, opened now if not open."""
        key = str(location)
        with self._lock:
            root = self._roots.get(key)
            if root is not None and not root.file.closed:
                self._roots.move_to_end(key)
                return root
            root = nwb_open(location)
            self._roots[key] = root
            while len(self._roots) > self.max_open:
                _, oldest = self._roots.popitem(last=False)
                oldest.file.close()
            return root

    def __len__(self) -> int:
        return len(self._roots)

    def close_all(self) -> None:
        with self._lock:
            roots, self._roots = list(self._roots.values()), OrderedDict()
        for root in roots:
            root.file.close()


OPEN_ROOTS = OpenRoots()


def reopen(location: str | Location) -> Group:
    """The root group of ``location``, opened read-only once per process (see module)."""
    return OPEN_ROOTS.get(location)


__all__ = ["MAX_OPEN", "OPEN_ROOTS", "OpenRoots", "reopen"]
