"""Validation of a file's node tree against the NWB schema (its cached one, else the bundled one).

It follows the rules of the HDMF validator that ``pynwb.validate`` runs, so that both report
the same problems: starting at the root (``NWBFile``), every child a spec names or types is
matched to that spec (by name, then by type, the least satisfied spec first), then checked:

* presence and quantity of each child spec (``missing``, ``quantity``);
* attributes: required ones present, dtype, shape, reference targets;
* datasets: dtype (with the schema language's widening rules: ``float32`` accepts float64,
  ``int8`` wider signed integers, ``text`` ASCII too...), shape (any of the alternatives),
  ``isodatetime`` text with a timezone, reference targets of the right type;
* links: allowed where the spec is linkable, their targets of the right type;
* typed children: against their own type (inheritance merged) and the refinements of the
  spec they matched.

Children that no spec names (extra content) are not checked, as in pynwb.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nwbzarr.dtypes import CompoundType, DType, ReferenceType, StringType, dtype_str
from nwbzarr.errors import NwbZarrError, SchemaError
from nwbzarr.spec.catalog import Catalog
from nwbzarr.spec.schema import (
    AttributeSpec,
    DatasetSpec,
    DTypeSpec,
    FieldSpec,
    GroupSpec,
    LinkSpec,
    RefSpec,
    Shape,
)
from nwbzarr.tree import Array, ExternalLink, Group, Node, Reference, SoftLink

# The schema language's dtype synonyms and widening rules (what a spec dtype accepts).
_SYNONYMS = {
    "float": ("float", "float32"),
    "double": ("double", "float64"),
    "short": ("int16", "short"),
    "int": ("int32", "int"),
    "long": ("int64", "long"),
    "utf": ("text", "utf", "utf8", "utf-8"),
    "ascii": ("ascii", "bytes"),
    "bool": ("bool",),
    "int8": ("int8",),
    "uint8": ("uint8",),
    "uint16": ("uint16",),
    "uint32": ("uint32", "uint"),
    "uint64": ("uint64",),
    "object": ("object",),
    "numeric": ("numeric",),
    "isodatetime": ("isodatetime", "datetime", "date"),
}
_WIDER = {
    "float": ("double",),
    "int8": ("short", "int", "long"),
    "short": ("int", "long"),
    "int": ("long",),
    "uint8": ("uint16", "uint32", "uint64"),
    "uint16": ("uint32", "uint64"),
    "uint32": ("uint64",),
    "utf": ("ascii",),
}
_CANONICAL = {name: key for key, names in _SYNONYMS.items() for name in names}
_NUMBERS = (
    "float",
    "double",
    "short",
    "int",
    "long",
    "int8",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
)
ISO8601 = re.compile(
    r"^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])"
    r"(T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?)?$"
)


def accepted(spec_dtype: str) -> frozenset[str]:
    """The stored type names (canonical: ``float``, ``long``, ``utf``...) a spec dtype accepts."""
    key = _CANONICAL.get(spec_dtype)
    if key is None:
        return frozenset()
    if key == "numeric":
        return frozenset(_NUMBERS) | {"numeric"}
    return frozenset((key, *_WIDER.get(key, ())))


def stored_name(dtype: DType) -> str:
    """The canonical schema name of a stored (non-compound) type."""
    if isinstance(dtype, StringType):
        return "utf" if dtype.encoding == "utf-8" else "ascii"
    if isinstance(dtype, ReferenceType):
        return "object"
    if isinstance(dtype, CompoundType):
        return "compound"
    if dtype.kind == "b":
        return "bool"
    if dtype.kind == "O":
        return "utf"
    if dtype.kind == "U":
        return "utf"
    if dtype.kind == "S":
        return "ascii"
    return _CANONICAL.get(dtype.name, dtype.name)


@dataclass(frozen=True, slots=True)
class Problem:
    """One schema finding: the path, a short code, the message, its severity."""

    path: str
    code: str
    message: str
    severity: str = "error"


@dataclass(slots=True)
class _Run:
    catalog: Catalog
    root: Group
    seen: set[tuple[str, int]] = field(default_factory=set)
    found: dict[tuple[str, str, str], Problem] = field(default_factory=dict)
    attributes: dict[str, dict[str, tuple[Any, DType] | Exception]] = field(default_factory=dict)

    def attrs_of(self, node: Node) -> dict[str, tuple[Any, DType] | Exception]:
        """Every attribute of ``node`` with its stored type, read once (one bulk read)."""
        held = self.attributes.get(node.path)
        if held is None:
            held = {}
            attrs = node.attrs
            for name in attrs:
                try:
                    held[name] = (attrs[name], attrs.type_of(name))
                except (NwbZarrError, OSError, ValueError, TypeError) as err:
                    held[name] = err
            self.attributes[node.path] = held
        return held

    def add(self, path: str, code: str, message: str, severity: str = "error") -> None:
        self.found.setdefault((path, code, message), Problem(path, code, message, severity))


def check_file(root: Group, catalog: Catalog) -> list[Problem]:
    """Every schema problem of the file whose root is ``root``, checked with ``catalog``."""
    run = _Run(catalog, root)
    _check_typed(run, root, None)
    return list(run.found.values())


# --------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------
def _type_of(run: _Run, node: Node) -> tuple[str | None, str | None]:
    attrs = run.attrs_of(node)
    kind = attrs.get("neurodata_type") or attrs.get("data_type")
    ns = attrs.get("namespace")
    kind_text = _text(kind[0]) if isinstance(kind, tuple) else ""
    ns_text = _text(ns[0]) if isinstance(ns, tuple) else ""
    return (kind_text or None), (ns_text or None)


def _check_typed(run: _Run, node: Node, refinement: FieldSpec | None) -> None:
    """``node`` against its own type, then against the spec it was matched to."""
    try:
        _check_typed_unguarded(run, node, refinement)
    except SchemaError as err:
        run.add(node.path, "schema", f"its type cannot be checked: {err}")
    except (NwbZarrError, OSError, ValueError, TypeError) as err:
        run.add(node.path, "unreadable", f"cannot be read: {err}")


def _check_known(run: _Run, node: Node) -> None:
    """Content that no spec names: a warning if its type is unknown (read as generic)."""
    kind, ns = _type_of(run, node)
    if kind is not None and run.catalog.find(kind, ns) is None:
        where = f" (namespace {ns!r})" if ns else ""
        run.add(
            node.path,
            "type",
            f"type {kind!r}{where} is not in the file's schema (read as a generic container)",
            "warning",
        )


def _check_typed_unguarded(run: _Run, node: Node, refinement: FieldSpec | None) -> None:
    kind, ns = _type_of(run, node)
    if kind is not None:
        key = (node.path, id(run.catalog))
        if key not in run.seen:
            run.seen.add(key)
            spec = run.catalog.find(kind, ns)
            if spec is None:
                where = f" (namespace {ns!r})" if ns else ""
                run.add(node.path, "type", f"type {kind!r}{where} is not in the file's schema")
            else:
                _check_node(run, node, run.catalog.resolved(spec.name, spec.namespace))
    if refinement is not None and not isinstance(refinement, LinkSpec):
        _check_node(run, node, refinement)


def _check_node(run: _Run, node: Node, spec: GroupSpec | DatasetSpec) -> None:
    if isinstance(spec, GroupSpec) != isinstance(node, Group):
        want = "a group" if isinstance(spec, GroupSpec) else "a dataset"
        run.add(node.path, "kind", f"must be {want} ({spec.type_name or spec.name})")
        return
    _check_attributes(run, node, spec.attributes)
    if isinstance(spec, DatasetSpec):
        assert isinstance(node, Array)
        _check_dataset(run, node, spec)
    else:
        assert isinstance(node, Group)
        _check_children(run, node, spec)


def _check_attributes(run: _Run, node: Node, specs: tuple[AttributeSpec, ...]) -> None:
    attrs = run.attrs_of(node) if specs else {}
    for spec in specs:
        held = attrs.get(spec.name)
        if held is None:
            if spec.required:
                run.add(node.path, "missing", f"required attribute {spec.name!r} is missing")
            continue
        if isinstance(held, Exception):
            run.add(node.path, "unreadable", f"attribute {spec.name!r} cannot be read: {held}")
            continue
        value, stored = held
        where = f"attribute {spec.name!r}"
        if not _empty(value):  # an empty array holds no value of a wrong type (h5py stores
            # pynwb's empty `colnames` as float64; hdmf's validator skips empty arrays too)
            _check_dtype(run, node.path, where, spec.dtype, stored, value)
        shape = np.shape(value) if isinstance(value, np.ndarray) else None
        _check_shape(run, node.path, where, spec.shape, shape)


def _empty(value: Any) -> bool:
    return isinstance(value, np.ndarray | list | tuple) and np.size(value) == 0


def _check_dataset(run: _Run, node: Array, spec: DatasetSpec) -> None:
    stored = node.datatype
    if spec.dtype is not None:
        needs_values = (
            spec.dtype == "isodatetime"
            or isinstance(spec.dtype, RefSpec)
            or (isinstance(spec.dtype, tuple) and _has_refs(spec.dtype))
        )
        value = _read_all(node) if needs_values and node.size else None
        _check_dtype(run, node.path, "dataset", spec.dtype, stored, value)
    shape = node.shape if not isinstance(stored, CompoundType) or node.ndim else ()
    _check_shape(run, node.path, "dataset", spec.shape, shape)


def _read_all(node: Array) -> Any:
    try:
        return node[()]
    except (NwbZarrError, OSError, ValueError, TypeError):
        return None


# --------------------------------------------------------------------------------------------
# Dtypes, shapes, references
# --------------------------------------------------------------------------------------------
def _check_dtype(
    run: _Run, path: str, where: str, spec: DTypeSpec, stored: DType, value: Any
) -> None:
    if spec is None:
        return
    if isinstance(spec, tuple):
        _check_compound(run, path, where, spec, stored, value)
        return
    if isinstance(spec, RefSpec):
        if not isinstance(stored, ReferenceType):
            run.add(
                path, "dtype", f"{where}: expected an object reference, found {stored_name(stored)}"
            )
            return
        _check_targets(run, path, where, spec.target_type, value)
        return
    name = stored_name(stored)
    if spec in _SYNONYMS["isodatetime"] and name in ("utf", "ascii"):
        _check_dates(run, path, where, value)
        return
    if spec in _CANONICAL and name not in accepted(spec):
        run.add(
            path,
            "dtype",
            f"{where}: dtype {dtype_str(stored)} does not satisfy the schema's {spec!r}",
        )


def _check_compound(
    run: _Run, path: str, where: str, spec: tuple[Any, ...], stored: DType, value: Any
) -> None:
    if not isinstance(stored, CompoundType):
        run.add(
            path,
            "dtype",
            f"{where}: expected a compound of "
            f"{', '.join(f.name for f in spec)}, found {stored_name(stored)}",
        )
        return
    if len(stored.fields) < len(spec):
        run.add(
            path,
            "dtype",
            f"{where}: compound has {len(stored.fields)} fields, the schema asks for {len(spec)}",
        )
        return
    for field_spec, (name, field_type) in zip(spec, stored.fields, strict=False):
        field_value = None
        if value is not None and isinstance(value, np.ndarray) and value.dtype.names:
            field_value = value[name]
        _check_dtype(
            run,
            path,
            f"{where} field {field_spec.name!r}",
            field_spec.dtype,
            field_type,
            field_value,
        )


def _has_refs(fields: tuple[Any, ...]) -> bool:
    return any(isinstance(f.dtype, RefSpec) for f in fields)


def _check_targets(run: _Run, path: str, where: str, target_type: str, value: Any) -> None:
    if value is None:
        return
    refs = value.ravel() if isinstance(value, np.ndarray) else [value]
    checked: set[str] = set()
    for ref in refs:
        if not isinstance(ref, Reference) or not ref or ref.source != "." or ref.path in checked:
            continue
        checked.add(ref.path)
        try:
            target = run.root[ref.path.lstrip("/") or "/"]
        except (NwbZarrError, KeyError, OSError):
            continue  # a dangling reference is a structural finding (nwbzarr.validate)
        kind, ns = _type_of(run, target)
        if kind is not None and not run.catalog.is_a(kind, target_type, ns):
            run.add(
                path,
                "target",
                f"{where}: refers to {ref.path} of type {kind!r}, expected "
                f"{target_type!r} (or a subtype)",
            )


def _check_dates(run: _Run, path: str, where: str, value: Any) -> None:
    if value is None:
        return
    texts = value.ravel() if isinstance(value, np.ndarray) else [value]
    for item in texts:
        text = _text(item)
        if not ISO8601.match(text):
            run.add(path, "dtype", f"{where}: {text!r} is not an ISO 8601 date")
            return
        if not _has_timezone(text):
            run.add(path, "timezone", f"{where}: {text!r} has no timezone")
            return


def _has_timezone(text: str) -> bool:
    if text.endswith("Z"):
        return True
    if "T" not in text:
        return False
    return "+" in text or text.rfind("-") > text.find("T")


def _check_shape(
    run: _Run, path: str, where: str, spec: tuple[Shape, ...] | None, shape: tuple[int, ...] | None
) -> None:
    if spec is None:
        return
    if shape is None or shape == ():
        if any(len(s) for s in spec):
            run.add(
                path,
                "shape",
                f"{where}: a single value where the schema asks for an "
                f"array of shape {_shapes(spec)}",
            )
        return
    for allowed in spec:
        if len(allowed) == len(shape) and all(
            a is None or a == n for a, n in zip(allowed, shape, strict=True)
        ):
            return
    run.add(path, "shape", f"{where}: shape {shape} is not one of {_shapes(spec)}")


def _shapes(spec: tuple[Shape, ...]) -> str:
    return " or ".join(
        "(" + ", ".join("any" if n is None else str(n) for n in s) + ")" for s in spec
    )


# --------------------------------------------------------------------------------------------
# Children: matching to specs, quantities, links
# --------------------------------------------------------------------------------------------
def _check_children(run: _Run, group: Group, spec: GroupSpec) -> None:
    specs: list[FieldSpec] = [*spec.datasets, *spec.groups, *spec.links]
    if not specs:
        return
    matches: list[list[tuple[str, Node | None, SoftLink | ExternalLink | None]]] = [
        [] for _ in specs
    ]
    for name, member in group.members():
        link = member if isinstance(member, SoftLink | ExternalLink) else None
        node = _follow(group, name) if link is not None else member
        assert not isinstance(node, SoftLink | ExternalLink)
        index = _best_match(run, specs, matches, name, node)
        if index is not None:
            matches[index].append((name, node, link))
        elif node is not None and link is None:
            _check_known(run, node)  # extra content is not checked, but a type must exist
    for child_spec, matched in zip(specs, matches, strict=True):
        _check_quantity(run, group, child_spec, len(matched))
        for _name, node, link in matched:
            if node is None:
                continue  # a link that does not resolve: a structural finding
            if (
                link is not None
                and not isinstance(child_spec, LinkSpec)
                and not child_spec.linkable
            ):
                run.add(
                    node.path if link is None else f"{group.path.rstrip('/')}/{_name}",
                    "link",
                    f"{_describe(child_spec)} must not be a link",
                )
                continue
            if isinstance(child_spec, LinkSpec):
                _check_link_target(run, group, _name, node, child_spec)
            else:
                _check_typed(run, node, child_spec)


def _follow(group: Group, name: str) -> Node | None:
    try:
        return group[name]
    except (NwbZarrError, KeyError, OSError):
        return None


def _best_match(
    run: _Run,
    specs: list[FieldSpec],
    matches: list[list[Any]],
    name: str,
    node: Node | None,
) -> int | None:
    kind, ns = _type_of(run, node) if node is not None else (None, None)
    candidates = []
    for i, spec in enumerate(specs):
        if spec.name is not None and spec.name != name:
            continue
        wanted = spec.target_type if isinstance(spec, LinkSpec) else spec.type_name
        if wanted is not None and (kind is None or not run.catalog.is_a(kind, wanted, ns)):
            continue
        candidates.append(i)
    if not candidates:
        return None
    for i in candidates:
        spec, n = specs[i], len(matches[i])
        if (spec.required and n == 0) or (isinstance(spec.quantity, int) and n < spec.quantity):
            return i
    return candidates[0]


def _check_quantity(run: _Run, group: Group, spec: FieldSpec, found: int) -> None:
    if found == 0 and spec.required:
        if spec.name is not None:  # the path of what is missing, as the structural checks say
            path = f"{group.path.rstrip('/')}/{spec.name}"
            run.add(path, "missing", f"required {_describe(spec)} is missing")
        else:
            run.add(group.path, "missing", f"required {_describe(spec)} is missing")
    elif (not spec.many and found > 1) or (
        isinstance(spec.quantity, int) and found != spec.quantity
    ):
        run.add(
            group.path,
            "quantity",
            f"{_describe(spec)}: {found} found, the schema allows {spec.quantity}",
        )


def _check_link_target(run: _Run, group: Group, name: str, node: Node, spec: LinkSpec) -> None:
    kind, ns = _type_of(run, node)
    if kind is None or not run.catalog.is_a(kind, spec.target_type, ns):
        path = f"{group.path.rstrip('/')}/{name}"
        run.add(
            path,
            "target",
            f"link to {node.path} of type {kind!r}: expected {spec.target_type!r} (or a subtype)",
        )
        return
    _check_typed(run, node, None)


def _describe(spec: FieldSpec) -> str:
    if isinstance(spec, LinkSpec):
        return f"link {spec.name!r}" if spec.name else f"link to a {spec.target_type}"
    what = "group" if isinstance(spec, GroupSpec) else "dataset"
    if spec.name:
        return f"{what} {spec.name!r}"
    return f"{what} of type {spec.type_name}"


def _text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else ""
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("utf-8", "replace")
    return "" if value is None else str(value)


__all__ = ["Problem", "accepted", "check_file", "stored_name"]
