"""Attributes of a node: a mapping of names to values, each stored with its :data:`DType`."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from nwbzarr.dtypes import DType, infer_dtype
from nwbzarr.errors import NodeNotFoundError

TypedAttr = tuple[str, Any, DType]
"""One attribute with its stored type, as :meth:`Attributes.items_typed` yields it."""


class Attributes(MutableMapping[str, Any]):
    """The attributes of a node: a mapping of names to values.

    Values are ``str``, numpy scalars and arrays, :class:`Reference` or arrays of them.
    :meth:`type_of` gives the stored :data:`DType` (for example ASCII vs UTF-8 text), and
    :meth:`set` stores a value with a given type.
    """

    @abstractmethod
    def _get(self, name: str) -> tuple[Any, DType]: ...

    @abstractmethod
    def _set(self, name: str, value: Any, dtype: DType) -> None: ...

    @abstractmethod
    def _delete(self, name: str) -> None: ...

    @abstractmethod
    def _names(self) -> list[str]: ...

    @property
    @abstractmethod
    def owner(self) -> str: ...

    def __getitem__(self, name: str) -> Any:
        return self._get(name)[0]

    def __setitem__(self, name: str, value: Any) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise NodeNotFoundError(f"{self.owner}: no attribute {name!r}")
        self._delete(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def type_of(self, name: str) -> DType:
        """The stored type of attribute ``name``."""
        return self._get(name)[1]

    def items_typed(self) -> Iterator[tuple[str, Any, DType]]:
        for name in self._names():
            value, dtype = self._get(name)
            yield name, value, dtype

    def set(self, name: str, value: Any, dtype: DType | None = None) -> None:
        """Store ``value``; ``dtype`` defaults to the type inferred from the value."""
        if not isinstance(name, str) or not name or "\x00" in name:
            raise ValueError(f"{self.owner}: invalid attribute name {name!r}")
        self._set(name, value, infer_dtype(value) if dtype is None else dtype)

    def update_typed(self, items: Iterable[tuple[str, Any, DType]]) -> None:
        for name, value, dtype in items:
            self._set(name, value, dtype)

    def __repr__(self) -> str:
        return f"<Attributes of {self.owner}: {sorted(self._names())}>"


def typed_items(attrs: Mapping[str, Any] | Iterable[TypedAttr] | None) -> list[TypedAttr]:
    """``attrs`` as ``(name, value, dtype)`` triples: a mapping's types are inferred (an
    :class:`Attributes` keeps its stored types); triples are taken as they are."""
    if not attrs:
        return []
    if isinstance(attrs, Attributes):
        return list(attrs.items_typed())
    if isinstance(attrs, Mapping):
        return [(k, v, infer_dtype(v)) for k, v in attrs.items()]
    return list(attrs)


__all__ = ["Attributes", "TypedAttr", "typed_items"]
