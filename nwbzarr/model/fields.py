"""The fields of a neurodata type, computed once from its resolved schema definition.

A :class:`Field` says where one value of a container lives in the tree (an attribute of the
type's node, a named dataset, an attribute of such a dataset, a typed child, a collection of
typed children, a link) and what the schema asks of it (dtype, shape, quantity, default,
fixed value). :func:`field_table` walks a resolved definition once per class; reading,
writing and the checks at construction then only iterate over the table.

Python names follow hdmf's object mapper, with pynwb's names where pynwb chose others (an
attribute of a dataset is ``<dataset>__<attribute>`` in hdmf, often ``<attribute>`` or
``<dataset>_<attribute>`` in pynwb): the names that pynwb's constructor takes decide.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the schema's values; nwbzarr.spec is imported when a class is first used
    from nwbzarr.spec.schema import (
        AttributeSpec,
        DatasetSpec,
        DTypeSpec,
        GroupSpec,
        LinkSpec,
        Shape,
    )

FieldKind = Literal["attribute", "dataset", "dataset_attribute", "child", "children", "link"]


@dataclass(frozen=True, slots=True)
class Field:
    """One value of a container and where it is stored.

    ``path`` is the stored name (attribute, dataset, child or link name); ``owner`` the
    dataset that holds a ``dataset_attribute``; ``type_name`` the neurodata type of a child,
    collection or link target. ``fixed`` is the schema's fixed ``value`` (not an argument).
    """

    name: str
    kind: FieldKind
    path: str | None
    doc: str = ""
    dtype: DTypeSpec = None
    shape: tuple[Shape, ...] | None = None
    dims: tuple[tuple[str, ...], ...] | None = None
    required: bool = False
    default: Any = None
    fixed: Any = None
    type_name: str | None = None
    owner: str | None = None
    within: str | None = None

    @property
    def is_ref(self) -> bool:
        """True when the value is a reference to another object (the dtype has a target)."""
        return getattr(self.dtype, "target_type", None) is not None

    @property
    def stored_name(self) -> str:
        """The stored name, for messages."""
        if self.owner is not None:
            return f"{self.owner}.{self.path}"
        if self.within is not None:
            return f"{self.within}/{self.path or self.type_name}"
        return self.path or self.name


def snake(type_name: str) -> str:
    """``SpatialSeries`` -> ``spatial_series`` (hdmf's ``convert_dt_name``)."""
    s1 = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", type_name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", s1).lower()


def plural(type_name: str) -> str:
    """The name of a collection of ``type_name`` objects (hdmf: snake case, ``s`` added)."""
    name = snake(type_name)
    return name if name.endswith("s") else name + "s"


def field_table(spec: GroupSpec | DatasetSpec, known: Collection[str] = ()) -> tuple[Field, ...]:
    """Every field of a resolved type definition, in hdmf's order.

    ``known`` holds the names pynwb's constructor takes: they decide how an attribute of a
    dataset is called (``unit`` rather than ``data__unit``).
    """
    out: list[Field] = [_attribute(a, None, known) for a in spec.attributes]
    if spec.kind == "group":
        for group in spec.groups:
            if group.type_name is not None:
                out.append(_typed(group, known))
            elif group.name is not None:
                out.extend(_within(group, known))
        for dataset in spec.datasets:
            if dataset.type_name is not None:
                out.append(_typed(dataset, known))
            elif dataset.name is not None:
                out.extend(_dataset(dataset, known))
        out.extend(_link(link, known) for link in spec.links)
    return _unique(out)


def _unique(fields: list[Field]) -> tuple[Field, ...]:
    seen: set[str] = set()
    out = []
    for f in fields:
        if f.name not in seen:
            seen.add(f.name)
            out.append(f)
    return tuple(out)


def _attribute(spec: AttributeSpec, owner: str | None, known: Collection[str]) -> Field:
    name = spec.name
    if owner is not None:
        candidates = (f"{owner}_{spec.name}", spec.name)
        name = next((c for c in candidates if c in known), f"{owner}__{spec.name}")
    return _valued(spec, name, "attribute" if owner is None else "dataset_attribute", owner)


def _dataset(spec: DatasetSpec, known: Collection[str]) -> list[Field]:
    assert spec.name is not None
    main = _valued(spec, spec.name, "dataset", None)
    return [main, *(_attribute(a, spec.name, known) for a in spec.attributes)]


def _valued(
    spec: AttributeSpec | DatasetSpec, name: str, kind: FieldKind, owner: str | None
) -> Field:
    """The field of an attribute or untyped dataset: the values it may hold, and where."""
    assert spec.name is not None
    return Field(
        name=name,
        kind=kind,
        path=spec.name,
        doc=spec.doc,
        dtype=spec.dtype,
        shape=spec.shape,
        dims=spec.dims,
        required=spec.required and spec.value is None,
        default=spec.default_value,
        fixed=spec.value,
        owner=owner,
    )


def _typed(spec: GroupSpec | DatasetSpec, known: Collection[str]) -> Field:
    type_name = spec.type_name
    assert type_name is not None
    if spec.many:
        name = spec.name or plural(type_name)
        if name not in known and snake(type_name) in known:
            name = snake(type_name)  # pynwb's ImagingPlane(optical_channel=[...])
        kind: FieldKind = "children"
    else:
        name = spec.name or snake(type_name)
        kind = "child"
    return Field(
        name=name,
        kind=kind,
        path=spec.name,
        doc=spec.doc,
        required=spec.required,
        type_name=type_name,
        dtype=spec.dtype if spec.kind == "dataset" else None,
        shape=spec.shape if spec.kind == "dataset" else None,
    )


def _within(group: GroupSpec, known: Collection[str]) -> list[Field]:
    """Typed children of an untyped named subgroup (hdmf: ``<group>__<child>``)."""
    assert group.name is not None
    members: list[GroupSpec | DatasetSpec] = [*group.groups, *group.datasets]
    typed = [g for g in members if g.type_name is not None]
    out = []
    for child in typed:
        f = _typed(child, known)
        name = group.name if len(typed) == 1 and group.name in known else f"{group.name}__{f.name}"
        out.append(replace(f, name=name, within=group.name))
    return out


def _link(spec: LinkSpec, known: Collection[str]) -> Field:
    return Field(
        name=spec.name or snake(spec.target_type),
        kind="link",
        path=spec.name,
        doc=spec.doc,
        required=spec.required,
        type_name=spec.target_type,
    )


__all__ = ["Field", "field_table", "plural", "snake"]
