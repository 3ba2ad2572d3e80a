"""Hand-written methods for the classes generated from the schema (pynwb's convenience API).

The schema says what a type holds; it cannot say ``add_interval`` or ``add_recording``. Such
methods live in small mixin classes, one module per domain (``behavior``, ``icephys``,
``image``, ``misc``, ``ogen``), each decorated with :func:`extends` naming the neurodata
type(s) it serves. The class generator asks :func:`mixins_for` for a type's mixins and puts
them first among its bases, so the methods see the generated fields as attributes
(``self.data``, ``self.timestamps``, columns of a table). A mixin defines no ``__init__`` and no
fields.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["MIXIN_MODULES", "complete_handwritten", "extends", "load_mixins", "mixins_for"]

# the modules that hold mixins; imported once, before the classes are generated
MIXIN_MODULES: tuple[str, ...] = (
    "nwbzarr.model.behavior",
    "nwbzarr.model.enums",
    "nwbzarr.model.icephys",
    "nwbzarr.model.image",
    "nwbzarr.model.misc",
    "nwbzarr.model.ogen",
    "nwbzarr.model.regions",
    "nwbzarr.model.tsref",
)

_MIXINS: dict[str, list[type]] = {}


def extends[T: type](*type_names: str) -> Callable[[T], T]:
    """Register the decorated class as a mixin of the generated class of each type name.

    Examples
    --------
    >>> @extends("AnnotationSeries")
    ... class AnnotationMethods:
    ...     def add_annotation(self, time: float, annotation: str) -> None: ...
    """
    if not type_names:
        raise TypeError("extends() needs at least one neurodata type name")

    def register(cls: T) -> T:
        for name in type_names:
            if cls not in _MIXINS.setdefault(name, []):
                _MIXINS[name].append(cls)
        return cls

    return register


def mixins_for(type_name: str) -> tuple[type, ...]:
    """The mixins registered for ``type_name`` (in registration order)."""
    return tuple(_MIXINS.get(type_name, ()))


def load_mixins() -> None:
    """Import every module of :data:`MIXIN_MODULES` that exists (they register on import),
    then complete the hand-written classes with their mixins' methods."""
    for module in MIXIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name != module:  # a module that exists but fails to import is a bug
                raise
    complete_handwritten()


def complete_handwritten() -> None:
    """Give each hand-written class (``nwbzarr.model.base.REGISTRY``) the methods of its
    mixins that it does not define itself (a generated class has its mixins as bases)."""
    from nwbzarr.model.base import REGISTRY

    for type_name, mixins in _MIXINS.items():
        cls = REGISTRY.get(type_name)
        if cls is None:
            continue
        for mixin in mixins:
            for key, value in vars(mixin).items():
                if not key.startswith("__") and key not in vars(cls):
                    setattr(cls, key, value)
