"""One class per neurodata type, generated from the schema on first use.

A type that has hand-written code (``@register``: convenience methods, a mapping the schema
cannot say) is that class, completed here with its schema fields, pynwb's signature and the
schema's doc; every other type of a catalog becomes a class generated from its resolved
definition, a subclass of its parent type's class. Classes of the bundled namespaces (core,
hdmf-common, hdmf-experimental) are shared by every file; a file's cached extension (or
:func:`nwbzarr.load_namespaces`) adds classes for its types.
"""

from __future__ import annotations

import threading
import types
from typing import TYPE_CHECKING, Any

from nwbzarr.errors import UnknownTypeError
from nwbzarr.model import mapping
from nwbzarr.model.base import MECHANISM, REGISTRY, Container
from nwbzarr.model.classinfo import BUNDLED_NAMESPACES, ClassInfo, build_info, signature_of
from nwbzarr.model.collections import install_collections, set_resolver
from nwbzarr.model.fields import Field

if TYPE_CHECKING:
    from nwbzarr.spec.catalog import Catalog, TypeSpec

_LOCK = threading.RLock()
# (namespace, type) -> class, for the bundled namespaces and every loaded extension
CLASSES: dict[tuple[str, str], type[Container]] = {}


def bundled_catalog() -> Catalog:
    """The bundled namespaces and the extensions given to :func:`nwbzarr.load_namespaces`."""
    from nwbzarr.spec import loaded_catalog

    return loaded_catalog()


def signatures() -> dict[str, Any]:
    from nwbzarr.model.signatures import CLASSES as PYNWB

    return PYNWB


def prepare(cls: type[Container], catalog: Catalog | None = None) -> ClassInfo:
    """The :class:`ClassInfo` of a model class (computed on first use, then kept)."""
    info = cls.__dict__.get("_info")
    if info is not None:
        return info  # type: ignore[no-any-return]
    with _LOCK:
        info = cls.__dict__.get("_info")
        if info is not None:
            return info  # type: ignore[no-any-return]
        for base in reversed(cls.__mro__[1:]):
            if "neurodata_type" in base.__dict__ and issubclass(base, Container):
                prepare(base, catalog)
        catalog = catalog or cls.__dict__.get("_catalog") or bundled_catalog()
        info = build_info(cls, catalog, signatures())
        cls._info = info  # type: ignore[attr-defined]
        cls.__signature__ = signature_of(info)  # type: ignore[attr-defined]
        if "_handwritten" not in cls.__dict__ or not cls.__doc__:
            cls.__doc__ = info.doc
        install_collections(cls, info)
        CLASSES.setdefault((info.namespace, info.type_name), cls)
        return info


def get_class(neurodata_type: str, namespace: str = "core") -> type[Container]:
    """The class of ``neurodata_type`` (pynwb's ``get_class``): generated on first use.

    Parameters
    ----------
    neurodata_type
        The type's name, for example ``"SpatialSeries"`` or an extension's type.
    namespace
        The namespace that defines it (types of included namespaces are found too).

    Raises
    ------
    UnknownTypeError
        No loaded namespace defines the type; load its extension with
        :func:`nwbzarr.load_namespaces`.
    """
    return class_for(neurodata_type, namespace, bundled_catalog())


def class_for(neurodata_type: str, namespace: str | None, catalog: Catalog) -> type[Container]:
    """The class of a type as ``catalog`` defines it (bundled classes are shared)."""
    tspec = catalog.get(neurodata_type, namespace)
    return _class_of_spec(tspec, catalog)


def find_class(
    neurodata_type: str, namespace: str | None, catalog: Catalog
) -> type[Container] | None:
    """Like :func:`class_for`, None for a type that ``catalog`` lacks."""
    tspec = catalog.find(neurodata_type, namespace)
    if tspec is None:
        return None
    return _class_of_spec(tspec, catalog)


def _class_of_spec(tspec: TypeSpec, catalog: Catalog) -> type[Container]:
    key = (tspec.namespace, tspec.name)
    found = CLASSES.get(key)
    if found is not None:
        return found
    with _LOCK:
        found = CLASSES.get(key)
        if found is not None:
            return found
        hand = REGISTRY.get(tspec.name) if tspec.namespace in BUNDLED_NAMESPACES else None
        if hand is not None:
            _add_mixins(hand)
            prepare(hand, catalog)
            CLASSES[key] = hand
            return hand
        parent = (
            _class_of_spec(catalog.get(tspec.parent, tspec.namespace), catalog)
            if tspec.parent is not None
            else Container
        )
        cls = _generate(tspec, parent, catalog)
        CLASSES[key] = cls
        return cls


_MIXINS_LOADED: list[bool] = []


def _mixins(type_name: str) -> tuple[type, ...]:
    from nwbzarr.model.extend import load_mixins, mixins_for

    if not _MIXINS_LOADED:
        load_mixins()
        _MIXINS_LOADED.append(True)
    return mixins_for(type_name)


def registered_class(neurodata_type: str, namespace: str | None) -> type[Container] | None:
    """The hand-written class of a bundled type, without reading a schema (its mixins'
    methods are added on first use: :meth:`Container.__getattr__`)."""
    if namespace not in BUNDLED_NAMESPACES:
        return None
    return REGISTRY.get(neurodata_type)


def _add_mixins(cls: type[Container]) -> None:
    """Methods of mixins registered for a hand-written class that it does not define."""
    if "_mixed" in cls.__dict__ or "_handwritten" not in cls.__dict__:
        return
    cls._mixed = True  # type: ignore[attr-defined]
    for mixin in _mixins(cls.neurodata_type):
        for key, value in vars(mixin).items():
            if not key.startswith("__") and key not in cls.__dict__:
                setattr(cls, key, value)


def _generate(tspec: TypeSpec, parent: type[Container], catalog: Catalog) -> type[Container]:
    namespace: dict[str, Any] = {
        "neurodata_type": tspec.name,
        "namespace": tspec.namespace,
        "_catalog": catalog,
        "__module__": "nwbzarr.model",
        "__qualname__": tspec.name,
    }
    bases = (*_mixins(tspec.name), parent)
    cls = types.new_class(tspec.name, bases, {}, lambda ns: ns.update(namespace))
    from nwbzarr.model.base import install_init

    install_init(cls)
    prepare(cls, catalog)
    return cls


def bundled_class(name: str) -> type[Container] | None:
    """The class of a bundled type called ``name`` (None if no bundled type has that name)."""
    for key in (("core", name), ("hdmf-common", name), ("hdmf-experimental", name)):
        if key in CLASSES:
            return CLASSES[key]
    catalog = bundled_catalog()
    tspec = catalog.find(name)
    if tspec is None or tspec.namespace not in BUNDLED_NAMESPACES:
        return None
    return _class_of_spec(tspec, catalog)


def bundled_type_names() -> list[str]:
    """The names of every type of the bundled namespaces."""
    catalog = bundled_catalog()
    return [t.name for ns in sorted(BUNDLED_NAMESPACES) for t in catalog.types_of(ns)]


def _collection_child(cls: type, f: Field) -> type[Container]:
    catalog = cls.__dict__.get("_catalog") or bundled_catalog()
    return class_for(f.type_name or "", prepare(cls).namespace, catalog)


# the mechanism's upper parts, for the modules below (base, collections)
MECHANISM.prepare = prepare
MECHANISM.find_class = find_class
MECHANISM.registered_class = registered_class
MECHANISM.add_mixins = _add_mixins
MECHANISM.read_fields = mapping.read_members
MECHANISM.write_fields = mapping.write_members
MECHANISM.node_attrs = mapping.node_attrs
set_resolver(_collection_child)


__all__ = [
    "CLASSES",
    "UnknownTypeError",
    "bundled_class",
    "bundled_type_names",
    "class_for",
    "find_class",
    "get_class",
    "prepare",
]
