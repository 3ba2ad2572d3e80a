"""LazyContainers: the containers of a group read from a file, each read on first access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class _Pending:
    __slots__ = ("load",)

    def __init__(self, load: Callable[[], Any]) -> None:
        self.load = load


class LazyContainers[C](dict[str, C]):
    """A dict of the containers of a group read from a file, each read on first access.

    Names and order are known at once; a container is read when it is looked up (``d[k]``,
    ``get``, ``values``, ``items``, comparisons, copies): opening a file of thousands of
    series costs what is used. It is a real ``dict`` otherwise (assignment adds containers).
    """

    def add_pending(self, name: str, load: Callable[[], C]) -> None:
        dict.__setitem__(self, name, _Pending(load))  # type: ignore[misc]

    def _resolve(self, name: str, value: Any) -> C:
        if isinstance(value, _Pending):
            value = value.load()
            dict.__setitem__(self, name, value)
        return value  # type: ignore[no-any-return]

    def _resolve_all(self) -> None:
        for name, value in list(dict.items(self)):
            self._resolve(name, value)

    def __getitem__(self, name: str) -> C:
        return self._resolve(name, dict.__getitem__(self, name))

    def get(self, name: str, default: Any = None) -> Any:
        if name in self:
            return self[name]
        return default

    def __iter__(self) -> Iterator[str]:
        # defined so that dict(d), {**d} and d.update(...) go through __getitem__
        return dict.__iter__(self)

    def values(self) -> Any:
        self._resolve_all()
        return dict.values(self)

    def items(self) -> Any:
        self._resolve_all()
        return dict.items(self)

    def pop(self, name: str, *default: Any) -> Any:
        if name in self:
            value = self[name]
            dict.pop(self, name)
            return value
        return dict.pop(self, name, *default)

    def popitem(self) -> tuple[str, C]:
        self._resolve_all()
        return dict.popitem(self)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else dict.setdefault(self, name, default)

    def copy(self) -> dict[str, C]:
        return dict(self.items())

    def __or__(self, other: Any) -> Any:
        return dict(self.items()) | other

    def __ror__(self, other: Any) -> Any:
        return other | dict(self.items())

    def __eq__(self, other: object) -> bool:
        self._resolve_all()
        return dict.__eq__(self, other)

    __hash__ = None  # a dict: unhashable

    def __repr__(self) -> str:
        self._resolve_all()
        return dict.__repr__(self)

    def __reduce__(self) -> Any:
        return (dict, (dict(self.items()),))


__all__ = ["LazyContainers"]
