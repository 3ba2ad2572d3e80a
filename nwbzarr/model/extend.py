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

__all__ = ["MIXIN_MODULES", "extends", "load_mixins", "mixins_for"]

# the modules that hold mixins; imported once, before the classes are generated
MIXIN_MODULES: tuple[str, ...] = (
    "nwbzarr.model.behavior",
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
    """Import every module of :data:`MIXIN_MODULES` that exists (they register on import)."""
    for module in MIXIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name != module:  # a module that exists but fails to import is a bug
                raise
