"""The NWB / HDMF specification language as frozen values.

A specification document (a YAML file shipped with pynwb, or JSON text cached in a file) is a
tree of plain dicts; :func:`group_spec`, :func:`dataset_spec` and :func:`namespace_of_dict`
turn it into the values below. Keys are those of the HDMF specification language 2.x
(``neurodata_type_def`` / ``_inc``, or ``data_type_def`` / ``_inc`` in hdmf-common 1.x).

Every field value says what the schema says, with the language's defaults applied
(``quantity`` 1, ``required`` True); ``given`` lists the keys that the document set itself, so
that inheritance can tell a refinement (a subtype setting ``dtype``) from a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Quantity = int | Literal["?", "*", "+"]
"""How many times a child may appear: an exact count, or ``?`` (0-1), ``*`` (0+), ``+`` (1+)."""

Shape = tuple[int | None, ...]
"""One allowed shape: a length per dimension, ``None`` for any length."""


@dataclass(frozen=True, slots=True)
class RefSpec:
    """A reference dtype: ``reftype`` ``object`` (or ``region``) to a node of ``target_type``."""

    target_type: str
    reftype: str = "object"


@dataclass(frozen=True, slots=True)
class CompoundField:
    """One field of a compound dtype."""

    name: str
    doc: str
    dtype: DTypeSpec


DTypeSpec = str | RefSpec | tuple[CompoundField, ...] | None
"""A schema dtype: a name (``float32``, ``text``, ``isodatetime``, ``numeric``...), a
reference, a compound (its fields in order), or ``None`` when the schema leaves it open."""


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """An attribute of a group or dataset."""

    name: str
    doc: str = ""
    dtype: DTypeSpec = None
    shape: tuple[Shape, ...] | None = None
    dims: tuple[tuple[str, ...], ...] | None = None
    required: bool = True
    value: Any = None
    default_value: Any = None
    given: frozenset[str] = frozenset()

    @property
    def scalar(self) -> bool:
        """True when the attribute holds one value (the schema gives no shape)."""
        return self.shape is None


class _Counted:
    """``required`` and ``many`` of a child spec, from its ``quantity``."""

    __slots__ = ()
    quantity: Quantity

    @property
    def required(self) -> bool:
        """True when the quantity asks for at least one."""
        return quantity_required(self.quantity)

    @property
    def many(self) -> bool:
        """True when more than one may appear (``*``, ``+`` or a count above 1)."""
        return quantity_many(self.quantity)


class _Typed(_Counted):
    """What dataset and group specs share besides their count: their type and attributes."""

    __slots__ = ()
    data_type_def: str | None
    data_type_inc: str | None
    attributes: tuple[AttributeSpec, ...]

    @property
    def type_name(self) -> str | None:
        """The type this spec defines, else the type it includes, else None."""
        return self.data_type_def or self.data_type_inc

    def attribute(self, name: str) -> AttributeSpec | None:
        """The attribute called ``name``, or None."""
        return next((a for a in self.attributes if a.name == name), None)


@dataclass(frozen=True, slots=True)
class DatasetSpec(_Typed):
    """A dataset: a named field of a type, a typed child, or a dataset type's own definition."""

    name: str | None = None
    data_type_def: str | None = None
    data_type_inc: str | None = None
    doc: str = ""
    dtype: DTypeSpec = None
    shape: tuple[Shape, ...] | None = None
    dims: tuple[tuple[str, ...], ...] | None = None
    quantity: Quantity = 1
    default_name: str | None = None
    linkable: bool = True
    value: Any = None
    default_value: Any = None
    attributes: tuple[AttributeSpec, ...] = ()
    given: frozenset[str] = frozenset()
    kind: Literal["dataset"] = field(default="dataset", init=False)


@dataclass(frozen=True, slots=True)
class LinkSpec(_Counted):
    """A link to an object of ``target_type``."""

    name: str | None
    target_type: str
    doc: str = ""
    quantity: Quantity = 1
    given: frozenset[str] = frozenset()
    kind: Literal["link"] = field(default="link", init=False)


@dataclass(frozen=True, slots=True)
class GroupSpec(_Typed):
    """A group: a named field of a type, a typed child, or a group type's own definition."""

    name: str | None = None
    data_type_def: str | None = None
    data_type_inc: str | None = None
    doc: str = ""
    quantity: Quantity = 1
    default_name: str | None = None
    linkable: bool = True
    attributes: tuple[AttributeSpec, ...] = ()
    datasets: tuple[DatasetSpec, ...] = ()
    groups: tuple[GroupSpec, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    given: frozenset[str] = frozenset()
    kind: Literal["group"] = field(default="group", init=False)

    def child(self, name: str) -> DatasetSpec | GroupSpec | LinkSpec | None:
        """The named dataset, group or link called ``name``, or None."""
        fields: tuple[FieldSpec, ...] = (*self.datasets, *self.groups, *self.links)
        return next((spec for spec in fields if spec.name == name), None)


FieldSpec = DatasetSpec | GroupSpec | LinkSpec


@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace: its identity, its source documents and the namespaces it includes.

    ``sources`` are the source names as pynwb caches them (without ``.yaml``), in order;
    ``dependencies`` the namespaces it includes, each with the types taken from it (empty:
    all of them).
    """

    name: str
    version: str
    doc: str = ""
    full_name: str = ""
    sources: tuple[str, ...] = ()
    dependencies: tuple[tuple[str, tuple[str, ...]], ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def dependency_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.dependencies)


def quantity_required(quantity: Quantity) -> bool:
    return quantity not in ("?", "*") and quantity != 0


def quantity_many(quantity: Quantity) -> bool:
    return quantity in ("*", "+") or (isinstance(quantity, int) and quantity > 1)


__all__ = [
    "AttributeSpec",
    "CompoundField",
    "DTypeSpec",
    "DatasetSpec",
    "FieldSpec",
    "GroupSpec",
    "LinkSpec",
    "Namespace",
    "Quantity",
    "RefSpec",
    "Shape",
    "quantity_many",
    "quantity_required",
]
