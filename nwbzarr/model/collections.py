"""Collections of typed children (pynwb's MultiContainerInterface), from the schema.

A group of quantity ``*`` or ``+`` of one type (``Position`` holds ``SpatialSeries``) is a
dict attribute named as pynwb names it (``spatial_series``), with ``add_<x>``, ``get_<x>``,
``create_<x>`` (``<x>`` the type in snake case, and the collection's name as hdmf's generated
classes have it) and ``obj[name]`` when it is the class's only collection.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from nwbzarr.errors import ValidationError
from nwbzarr.model.fields import Field, snake

if TYPE_CHECKING:
    from nwbzarr.model.base import Container
    from nwbzarr.model.classinfo import ClassInfo


def _adder(f: Field) -> Callable[..., Any]:
    def add(self: Container, *items: Any, **named: Any) -> Any:
        values: list[Any] = []
        for item in (*items, *named.values()):
            if isinstance(item, Mapping):
                values.extend(item.values())
            elif isinstance(item, list | tuple):
                values.extend(item)
            else:
                values.append(item)
        store = getattr(self, f.name)
        kind = _child_class(type(self), f)
        for value in values:
            if not isinstance(value, kind):
                raise ValidationError(
                    f"{type(self).__name__} {self.name!r}: add {value!r}: expected a {f.type_name}"
                )
            if value.name in store:
                raise ValidationError(
                    f"{type(self).__name__} {self.name!r}: {f.name} already has {value.name!r}"
                )
            store[value.name] = value
        return values[0] if len(values) == 1 else values

    add.__doc__ = f"Add {f.type_name} objects to ``{f.name}``."
    return add


def _getter(f: Field) -> Callable[..., Any]:
    def get(self: Container, name: str | None = None) -> Any:
        store = getattr(self, f.name)
        where = f"{type(self).__name__} {self.name!r}"
        if name is None:
            if len(store) == 1:
                return next(iter(store.values()))
            raise ValidationError(
                f"{where}: {f.name} holds {len(store)} objects: name one ({list(store)})"
            )
        if name not in store:
            raise KeyError(f"{where}: no {f.type_name} named {name!r} in {f.name} ({list(store)})")
        return store[name]

    get.__doc__ = f"The {f.type_name} called ``name`` (the only one if ``name`` is None)."
    return get


def _creator(f: Field) -> Callable[..., Any]:
    def create(self: Container, *args: Any, **kwargs: Any) -> Any:
        if "name" in kwargs and kwargs["name"] is None:
            del kwargs["name"]  # pynwb's name=None: the type's default name
        child = _child_class(type(self), f)(*args, **kwargs)
        getattr(self, "add_" + snake(f.type_name or ""))(child)
        return child

    create.__doc__ = f"Build a {f.type_name} with these arguments and add it to ``{f.name}``."
    return create


Resolver = Callable[[type, Field], "type[Container]"]
"""The class of a collection's children, for the class that holds it (set by ``classes``)."""

_RESOLVER: list[Resolver] = []


def _child_class(cls: type, f: Field) -> type[Container]:
    return _RESOLVER[0](cls, f)


def set_resolver(resolver: Resolver) -> None:
    """How the collections find their children's classes (``classes`` sets it on import)."""
    _RESOLVER[:] = [resolver]


def _getitem(f: Field) -> Callable[..., Any]:
    def getitem(self: Container, name: str) -> Any:
        return getattr(self, f.name)[name]

    return getitem


def install_collections(cls: type[Container], info: ClassInfo) -> None:
    """Give ``cls`` the methods of each of its generic collections (hand-written ones win)."""
    from nwbzarr.model.signatures import method_sig

    mine = [f for f in info.collections if f in info.extras]
    for f in mine:
        singular = snake(f.type_name or "")
        for suffix in dict.fromkeys((singular, f.name)):
            for prefix, make in (("add_", _adder), ("get_", _getter), ("create_", _creator)):
                name = prefix + suffix
                if hasattr(cls, name):
                    continue
                method = make(f)
                method.__name__ = method.__qualname__ = name
                sig = method_sig(info.type_name, name)
                if sig is not None:
                    method.__signature__ = sig.signature()  # type: ignore[attr-defined]
                setattr(cls, name, method)
    if len(info.collections) == 1 and mine and "__getitem__" not in _own_methods(cls):
        setattr(cls, "__getitem__", _getitem(mine[0]))  # noqa: B010


def _own_methods(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if "_handwritten" in klass.__dict__:
            names.update(klass.__dict__)
    return names


__all__ = ["install_collections", "set_resolver"]
