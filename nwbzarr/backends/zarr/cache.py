"""What a Zarr file object derives from its node documents, in one object that forgets it.

A :class:`~nwbzarr.backends.zarr.file.ZarrFile` keeps the documents themselves (the file's
metadata); everything computed from them (node objects, array specs, zarr-python arrays,
small-chunk read plans, the JSON text of each document, codec analyses) lives in one
:class:`NodeCaches` per file. Every cache is bounded, and the three ways a document changes
(:meth:`NodeCaches.changed`, :meth:`NodeCaches.attrs_changed`, :meth:`NodeCaches.remove`) are
the only places that invalidate, so a new cache cannot be forgotten by one of them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterator
from typing import Any

# Entries per cache of one file: many times the nodes of the NWB files we benchmark (1,000
# TimeSeries make ~3,000 nodes), so a walk never recomputes, yet bounded whatever the file.
MAX_ENTRIES = 1 << 17


class BoundedCache[V]:
    """A mapping of node keys to values that holds at most ``size`` entries.

    When full, the oldest entries go first (insertion order): cheap on every read, and a
    value dropped too early is only computed again.
    """

    __slots__ = ("_items", "get", "lookup", "size")

    get: Callable[[str], V | None]
    """The value of a key, None if it has none."""
    lookup: Callable[[str, Any], Any]
    """The value of a key or a default (for caches whose values may be None)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._items: dict[str, V] = {}  # never replaced: ``get`` and ``lookup`` are its own
        # the dict's own methods: a read costs what a dict read costs (thousands per open)
        self.get = self._items.get
        self.lookup = self._items.get

    def put(self, key: str, value: V) -> None:
        items = self._items
        if len(items) >= self.size and key not in items:
            for old in list(items)[: max(1, self.size // 8)]:  # list(): one atomic copy
                items.pop(old, None)  # another thread may have dropped it meanwhile
        items[key] = value

    def pop(self, key: str) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()

    def remove_below(self, key: str) -> None:
        """Forget ``key`` and every key under it (``key/...``)."""
        prefix = key + "/"
        for k in [k for k in list(self._items) if k == key or k.startswith(prefix)]:
            self._items.pop(k, None)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)


class RecentCache:
    """Values computed from JSON values (codec lists...), found again by equality.

    A file repeats a few codec lists thousands of times, each parsed into its own objects:
    comparing with the last few distinct ones is cheaper than building a hashable key.
    Values must depend only on what ``==`` compares (1 == 1.0 == True are one key).
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.items: list[tuple[Any, Any]] = []

    def get(self, key: Any, compute: Callable[[Any], Any]) -> Any:
        for known, value in self.items:
            if known == key:
                return value
        value = compute(key)
        # replaced, not mutated: a concurrent reader keeps a consistent list
        self.items = [(copy.deepcopy(key), value), *self.items[: self.size - 1]]
        return value


class Memo[K: Hashable, V]:
    """Values computed from hashable keys, at most ``size`` of them (oldest dropped first)."""

    __slots__ = ("_items", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[K, V] = {}

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        items = self._items
        if key in items:
            return items[key]
        value = compute(key)
        if len(items) >= self.size:
            items.pop(next(iter(items), key), None)
        items[key] = value
        return value


class TypeMemo:
    """Data type translations of one file (see :mod:`.datatypes`): zarr-python's data type
    registry tries every data type class in turn (~0.3 ms a lookup), and a file has thousands
    of arrays of a handful of types."""

    def __init__(self) -> None:
        self.zarr_types: Memo[Any, Any] = Memo(256)
        self.zdtypes: Memo[Any, Any] = Memo(256)
        self.scalar_fills: Memo[Any, Any] = Memo(512)
        self.compound_fills: Memo[Any, Any] = Memo(64)
        self.natives: Memo[Any, Any] = Memo(512)
        self.chunks: Memo[Any, Any] = Memo(1024)  # default chunk shapes by (shape, item size)


class NodeCaches:
    """The caches of one Zarr file, keyed by node key, and their invalidation.

    ``nodes``: node objects (stateless views of the documents); ``specs``: array specs;
    ``arrays``: zarr-python arrays; ``plans``: small-chunk read plans (None: none applies);
    ``texts``: JSON text of each document as last written or read (reused for the root
    document); ``codec_info`` and ``chains``: analyses of codec lists, by value; ``types``:
    data type translations.
    """

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.nodes: BoundedCache[Any] = BoundedCache(size)
        self.specs: BoundedCache[Any] = BoundedCache(size)
        self.arrays: BoundedCache[Any] = BoundedCache(size)
        self.plans: BoundedCache[Any] = BoundedCache(size)
        self.texts: BoundedCache[str] = BoundedCache(size)
        self.codec_info = RecentCache()
        self.chains = RecentCache()
        self.types = TypeMemo()

    def _by_key(self) -> tuple[BoundedCache[Any], ...]:
        return (self.nodes, self.specs, self.arrays, self.plans, self.texts)

    def changed(self, key: str) -> None:
        """The document of ``key`` changed: its text, spec and read plan are computed again."""
        self.texts.pop(key)
        self.specs.pop(key)
        self.plans.pop(key)

    def attrs_changed(self, key: str) -> None:
        """Only user attributes of ``key`` changed: its spec and read plan stay valid."""
        self.texts.pop(key)

    def array_changed(self, key: str) -> None:
        """The array ``key`` changed shape, codecs or store: zarr-python's view is dropped too."""
        self.changed(key)
        self.arrays.pop(key)

    def remove(self, key: str) -> None:
        """The node ``key`` and everything below it are gone."""
        for cache in self._by_key():
            cache.remove_below(key)

    def store_changed(self) -> None:
        """The file's store was replaced: zarr-python arrays point at the old one."""
        self.arrays.clear()


__all__ = ["MAX_ENTRIES", "BoundedCache", "Memo", "NodeCaches", "RecentCache", "TypeMemo"]
