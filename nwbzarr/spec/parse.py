"""Plain specification documents (parsed YAML or JSON) to :mod:`nwbzarr.spec.schema` values.

A malformed document raises :class:`SchemaError` naming what is wrong and where in the
document; the caller adds the file and namespace (``err.add_note`` or its own message).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from nwbzarr.errors import SchemaError
from nwbzarr.spec.schema import (
    AttributeSpec,
    CompoundField,
    DatasetSpec,
    DTypeSpec,
    GroupSpec,
    LinkSpec,
    Namespace,
    Quantity,
    RefSpec,
    Shape,
)

_QUANTITY_WORDS: dict[str, Quantity] = {
    "zero_or_one": "?",
    "zero_or_many": "*",
    "one_or_many": "+",
    "?": "?",
    "*": "*",
    "+": "+",
}
# hdmf-common 1.x (and core 2.0 betas) spell the type keys data_type_*.
_KEY_ALIASES = {
    "neurodata_type_def": "data_type_def",
    "neurodata_type_inc": "data_type_inc",
    "data_type_def": "data_type_def",
    "data_type_inc": "data_type_inc",
}


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SchemaError(f"{where}: expected a mapping, found {type(value).__name__}: {value!r}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SchemaError(f"{where}: expected a list, found {type(value).__name__}: {value!r}")
    return value


def _given(raw: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(_KEY_ALIASES.get(key, key) for key in raw)


def _type_keys(raw: Mapping[str, Any]) -> tuple[str | None, str | None]:
    def_ = raw.get("neurodata_type_def", raw.get("data_type_def"))
    inc = raw.get("neurodata_type_inc", raw.get("data_type_inc"))
    return (None if def_ is None else str(def_)), (None if inc is None else str(inc))


def quantity(value: Any, where: str) -> Quantity:
    """A quantity in its short form (``1``, ``?``, ``*``, ``+`` or a count)."""
    if value is None:
        return 1
    if isinstance(value, bool):
        raise SchemaError(f"{where}: quantity {value!r} is not a count nor one of ? * +")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value in _QUANTITY_WORDS:
        return _QUANTITY_WORDS[value]
    raise SchemaError(f"{where}: quantity {value!r} is not a count nor one of ? * +")


def dtype(value: Any, where: str) -> DTypeSpec:
    """A dtype: a name, a reference or a compound."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        target = value.get("target_type")
        if not isinstance(target, str):
            raise SchemaError(f"{where}: reference dtype {dict(value)!r} has no target_type")
        return RefSpec(target, str(value.get("reftype", "object")))
    if isinstance(value, list):
        fields = []
        for i, entry in enumerate(value):
            item = _mapping(entry, f"{where}[{i}]")
            if "name" not in item:
                raise SchemaError(f"{where}[{i}]: compound field has no name")
            fields.append(
                CompoundField(
                    str(item["name"]),
                    str(item.get("doc", "")),
                    dtype(item.get("dtype"), f"{where}.{item['name']}"),
                )
            )
        return tuple(fields)
    raise SchemaError(f"{where}: dtype {value!r} is not a name, a reference nor a compound")


def shape(value: Any, where: str) -> tuple[Shape, ...] | None:
    """The allowed shapes: one shape, or alternatives (a list of shapes)."""
    if value is None:
        return None
    items = _list(value, where)
    if items and all(isinstance(item, list) for item in items):
        return tuple(_one_shape(item, where) for item in items)
    return (_one_shape(items, where),)


def _one_shape(items: list[Any], where: str) -> Shape:
    out: list[int | None] = []
    for item in items:
        if item is None or (isinstance(item, int) and not isinstance(item, bool)):
            out.append(item)
        else:
            raise SchemaError(f"{where}: shape entry {item!r} is not a length nor null")
    return tuple(out)


def dims(value: Any, where: str) -> tuple[tuple[str, ...], ...] | None:
    """Dimension names, as alternatives parallel to :func:`shape`."""
    if value is None:
        return None
    items = _list(value, where)
    if items and all(isinstance(item, list) for item in items):
        return tuple(tuple(str(d) for d in item) for item in items)
    return (tuple(str(d) for d in items),)


def attribute_spec(raw: Any, where: str) -> AttributeSpec:
    raw = _mapping(raw, where)
    name = raw.get("name")
    if not isinstance(name, str):
        raise SchemaError(f"{where}: attribute has no name")
    here = f"{where}.{name}"
    return AttributeSpec(
        name=name,
        doc=str(raw.get("doc", "")),
        dtype=dtype(raw.get("dtype"), here),
        shape=shape(raw.get("shape"), here),
        dims=dims(raw.get("dims"), here),
        required=bool(raw.get("required", True)),
        value=raw.get("value"),
        default_value=raw.get("default_value"),
        given=_given(raw),
    )


def _label(raw: Mapping[str, Any], where: str) -> str:
    def_, inc = _type_keys(raw)
    name = raw.get("name") or def_ or inc or "?"
    return f"{where}/{name}"


def dataset_spec(raw: Any, where: str) -> DatasetSpec:
    """A dataset spec (a type definition, a typed child or a named field)."""
    raw = _mapping(raw, where)
    def_, inc = _type_keys(raw)
    here = _label(raw, where)
    _check_identified(raw, def_, inc, here)
    return DatasetSpec(
        name=_optional_str(raw.get("name")),
        data_type_def=def_,
        data_type_inc=inc,
        doc=str(raw.get("doc", "")),
        dtype=dtype(raw.get("dtype"), here),
        shape=shape(raw.get("shape"), here),
        dims=dims(raw.get("dims"), here),
        quantity=quantity(raw.get("quantity"), here),
        default_name=_optional_str(raw.get("default_name")),
        linkable=bool(raw.get("linkable", True)),
        value=raw.get("value"),
        default_value=raw.get("default_value"),
        attributes=tuple(
            attribute_spec(a, f"{here}@")
            for a in _list(raw.get("attributes"), f"{here}.attributes")
        ),
        given=_given(raw),
    )


def link_spec(raw: Any, where: str) -> LinkSpec:
    raw = _mapping(raw, where)
    target = raw.get("target_type")
    here = _label(raw, where)
    if not isinstance(target, str):
        raise SchemaError(f"{here}: link has no target_type")
    return LinkSpec(
        name=_optional_str(raw.get("name")),
        target_type=target,
        doc=str(raw.get("doc", "")),
        quantity=quantity(raw.get("quantity"), here),
        given=_given(raw),
    )


def group_spec(raw: Any, where: str) -> GroupSpec:
    """A group spec (a type definition, a typed child or a named field), recursively."""
    raw = _mapping(raw, where)
    def_, inc = _type_keys(raw)
    here = _label(raw, where)
    _check_identified(raw, def_, inc, here)
    return GroupSpec(
        name=_optional_str(raw.get("name")),
        data_type_def=def_,
        data_type_inc=inc,
        doc=str(raw.get("doc", "")),
        quantity=quantity(raw.get("quantity"), here),
        default_name=_optional_str(raw.get("default_name")),
        linkable=bool(raw.get("linkable", True)),
        attributes=tuple(
            attribute_spec(a, f"{here}@")
            for a in _list(raw.get("attributes"), f"{here}.attributes")
        ),
        datasets=tuple(dataset_spec(d, here) for d in _list(raw.get("datasets"), here)),
        groups=tuple(group_spec(g, here) for g in _list(raw.get("groups"), here)),
        links=tuple(link_spec(s, here) for s in _list(raw.get("links"), here)),
        given=_given(raw),
    )


def _check_identified(
    raw: Mapping[str, Any], def_: str | None, inc: str | None, where: str
) -> None:
    if def_ is None and inc is None and not raw.get("name"):
        raise SchemaError(f"{where}: has neither a name nor a neurodata_type_def / _inc")


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def source_specs(document: Any, where: str) -> list[GroupSpec | DatasetSpec]:
    """The top-level specs of one source document (``{"groups": [...], "datasets": [...]}``)."""
    document = _mapping(document, where)
    specs: list[GroupSpec | DatasetSpec] = []
    specs.extend(group_spec(g, where) for g in _list(document.get("groups"), f"{where} groups"))
    specs.extend(
        dataset_spec(d, where) for d in _list(document.get("datasets"), f"{where} datasets")
    )
    return specs


def type_definitions(spec: GroupSpec | DatasetSpec) -> Iterator[GroupSpec | DatasetSpec]:
    """``spec`` if it defines a type, and every type defined inside it (nested definitions)."""
    if spec.data_type_def is not None:
        yield spec
    if isinstance(spec, GroupSpec):
        children: tuple[GroupSpec | DatasetSpec, ...] = (*spec.groups, *spec.datasets)
        for child in children:
            yield from type_definitions(child)


def source_name(source: str) -> str:
    """A source's name as pynwb caches it: ``nwb.base.yaml`` -> ``nwb.base``."""
    for suffix in (".yaml", ".yml", ".json"):
        if source.endswith(suffix):
            return source[: -len(suffix)]
    return source


def namespace_of_dict(raw: Any, where: str) -> Namespace:
    """One entry of a namespace document's ``namespaces`` list."""
    raw = _mapping(raw, where)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SchemaError(f"{where}: namespace has no name")
    here = f"{where}: namespace {name!r}"
    sources: list[str] = []
    dependencies: list[tuple[str, tuple[str, ...]]] = []
    for i, entry in enumerate(_list(raw.get("schema"), f"{here} schema")):
        item = _mapping(entry, f"{here} schema[{i}]")
        if "namespace" in item:
            types = tuple(str(t) for t in _list(item.get("neurodata_types"), here))
            types += tuple(str(t) for t in _list(item.get("data_types"), here))
            dependencies.append((str(item["namespace"]), types))
        elif "source" in item:
            sources.append(source_name(str(item["source"])))
        else:
            raise SchemaError(f"{here} schema[{i}]: {dict(item)!r} has no source nor namespace")
    version = raw.get("version")
    return Namespace(
        name=name,
        version="" if version is None else str(version),
        doc=str(raw.get("doc", "")),
        full_name=str(raw.get("full_name", "")),
        sources=tuple(sources),
        dependencies=tuple(dependencies),
        document=dict(raw),
    )


__all__ = [
    "attribute_spec",
    "dataset_spec",
    "dims",
    "dtype",
    "group_spec",
    "link_spec",
    "namespace_of_dict",
    "quantity",
    "shape",
    "source_name",
    "source_specs",
    "type_definitions",
]
