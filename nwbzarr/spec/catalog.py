"""The catalog of neurodata types of a set of namespaces: lookups, inheritance, merged fields.

A :class:`Catalog` is built from :class:`NamespaceDocument` values (a namespace and its
source documents, as parsed from YAML or from the JSON text cached in a file). Building it
parses every type definition once; :meth:`Catalog.resolved` merges a type's fields through
its ancestry on first request and keeps the result, so the model's lookups are dict lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from nwbzarr.errors import SchemaError, UnknownTypeError
from nwbzarr.spec.parse import source_specs, type_definitions
from nwbzarr.spec.schema import (
    AttributeSpec,
    DatasetSpec,
    FieldSpec,
    GroupSpec,
    LinkSpec,
    Namespace,
)

TypeDef = GroupSpec | DatasetSpec
_CONTAINERS = frozenset({"attributes", "datasets", "groups", "links"})


@dataclass(frozen=True, slots=True)
class NamespaceDocument:
    """A namespace with its source documents (plain dicts), and where they were read from.

    ``sources`` maps each source name (``nwb.base``) to its parsed document; ``origin`` names
    the file (a YAML path, or ``file.nwb:/specifications/core/2.9.0``) for messages.
    """

    namespace: Namespace
    sources: Mapping[str, Mapping[str, Any]]
    origin: str


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """One neurodata type: where it is defined, what it extends, and its own definition.

    ``spec`` holds only what the type's own definition says; :meth:`Catalog.resolved` gives
    the fields merged through inheritance.
    """

    name: str
    namespace: str
    parent: str | None
    kind: Literal["group", "dataset"]
    spec: TypeDef
    source: str = ""

    @property
    def doc(self) -> str:
        return self.spec.doc


@dataclass(slots=True)
class _Memo:
    resolved: dict[tuple[str, str], TypeDef] = field(default_factory=dict)
    ancestry: dict[tuple[str, str], tuple[TypeSpec, ...]] = field(default_factory=dict)
    lineage: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    fields: dict[int, tuple[TypeDef, TypeDef]] = field(default_factory=dict)


class Catalog:
    """The neurodata types of some namespaces.

    Parameters
    ----------
    documents
        The namespaces with their sources; when two carry the same namespace name, the
        first wins (so a file's cached schema goes before the bundled one).

    Examples
    --------
    >>> from nwbzarr.spec import bundled_catalog
    >>> catalog = bundled_catalog()
    >>> catalog.get("ElectricalSeries").parent
    'TimeSeries'
    >>> catalog.is_a("ElectricalSeries", "NWBDataInterface")
    True
    >>> catalog.resolved("VectorIndex").dtype
    'uint8'
    """

    def __init__(self, documents: Iterable[NamespaceDocument]) -> None:
        self.documents: dict[str, NamespaceDocument] = {}
        for doc in documents:
            self.documents.setdefault(doc.namespace.name, doc)
        self.namespaces: dict[str, Namespace] = {
            name: doc.namespace for name, doc in self.documents.items()
        }
        self._types: dict[str, dict[str, TypeSpec]] = {}
        for doc in self.documents.values():
            self._types[doc.namespace.name] = _types_of_document(doc)
        self._by_name: dict[str, TypeSpec] = {}
        for types in self._types.values():
            for name, spec in types.items():
                self._by_name.setdefault(name, spec)
        self._order: dict[str, tuple[str, ...]] = {n: self._search_order(n) for n in self._types}
        self._memo = _Memo()

    def __repr__(self) -> str:
        names = ", ".join(f"{n} {ns.version}" for n, ns in self.namespaces.items())
        return f"<Catalog {names}: {len(self._by_name)} types>"

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._by_name

    # ----- lookups
    def find(self, type_name: str, namespace: str | None = None) -> TypeSpec | None:
        """The type called ``type_name``, as seen from ``namespace``; None if unknown.

        With a namespace, that namespace is searched first, then the namespaces it includes
        (so ``find("DynamicTable", "core")`` finds the hdmf-common type); a namespace the
        catalog lacks is searched like no namespace.
        """
        if namespace is not None and namespace in self._order:
            for ns in self._order[namespace]:
                found = self._types[ns].get(type_name)
                if found is not None:
                    return found
        return self._by_name.get(type_name)

    def get(self, type_name: str, namespace: str | None = None) -> TypeSpec:
        """The type called ``type_name``; raises :class:`UnknownTypeError` if none is known."""
        found = self.find(type_name, namespace)
        if found is None:
            where = f" in namespace {namespace!r}" if namespace else ""
            known = ", ".join(f"{n} {ns.version}" for n, ns in self.namespaces.items())
            raise UnknownTypeError(
                f"no neurodata type {type_name!r}{where} (namespaces loaded: {known}); "
                "load its extension with nwbzarr.load_namespaces(path_to_namespace_yaml)"
            )
        return found

    def types_of(self, namespace: str) -> list[TypeSpec]:
        """The types that ``namespace`` defines, in the order of its sources."""
        if namespace not in self._types:
            raise KeyError(f"no namespace {namespace!r} (loaded: {', '.join(self._types)})")
        return list(self._types[namespace].values())

    def namespace_of(self, type_name: str) -> str:
        """The namespace that defines ``type_name``."""
        return self.get(type_name).namespace

    def all_types(self) -> Iterator[TypeSpec]:
        """Every type of every namespace (a name defined twice appears twice)."""
        for types in self._types.values():
            yield from types.values()

    # ----- inheritance
    def ancestry(self, type_name: str, namespace: str | None = None) -> list[TypeSpec]:
        """The type then each type it extends, up to the root type (``Container``, ``Data``)."""
        return list(self._ancestry(self.get(type_name, namespace)))

    def _ancestry(self, spec: TypeSpec) -> tuple[TypeSpec, ...]:
        key = (spec.namespace, spec.name)
        memo = self._memo.ancestry.get(key)
        if memo is not None:
            return memo
        chain = [spec]
        while chain[-1].parent is not None:
            child = chain[-1]
            assert child.parent is not None
            parent = self.find(child.parent, child.namespace)
            if parent is None:
                origin = self.documents[child.namespace].origin
                raise SchemaError(
                    f"{origin}: namespace {child.namespace!r}: type {child.name!r} extends "
                    f"{child.parent!r}, which no loaded namespace defines"
                )
            if parent in chain:
                raise SchemaError(
                    f"{self.documents[child.namespace].origin}: namespace {child.namespace!r}: "
                    f"inheritance cycle through {parent.name!r}"
                )
            chain.append(parent)
        result = tuple(chain)
        self._memo.ancestry[key] = result
        return result

    def is_a(self, type_name: str, ancestor: str, namespace: str | None = None) -> bool:
        """True if ``type_name`` is ``ancestor`` or extends it (an unknown type is not)."""
        spec = self.find(type_name, namespace)
        if spec is None:
            return False
        key = (spec.namespace, spec.name)
        lineage = self._memo.lineage.get(key)
        if lineage is None:
            lineage = frozenset(t.name for t in self._ancestry(spec))
            self._memo.lineage[key] = lineage
        return ancestor in lineage

    def resolved(self, type_name: str, namespace: str | None = None) -> TypeDef:
        """The type's definition with every inherited field merged in.

        Fields come in from the root type down; a subtype's refinement of an inherited field
        (its ``dtype``, ``shape``, ``doc``, ``quantity``, default or value, or an attribute of
        it) overrides what the parent said, key by key. Computed once per type.
        """
        spec = self.get(type_name, namespace)
        key = (spec.namespace, spec.name)
        memo = self._memo.resolved.get(key)
        if memo is not None:
            return memo
        chain = self._ancestry(spec)
        if len(chain) == 1:
            merged = spec.spec
        else:
            parent = self.resolved(chain[1].name, chain[1].namespace)
            merged = merge(parent, spec.spec)
        self._memo.resolved[key] = merged
        return merged

    def resolve_field(self, spec: TypeDef, namespace: str | None = None) -> TypeDef:
        """A typed field (``neurodata_type_inc`` without ``_def``) with its type's fields merged.

        ``ElectricalSeries.electrodes`` includes ``DynamicTableRegion`` and refines its doc:
        this gives the region's fields with that refinement on top. Other specs come back
        as they are.
        """
        if spec.data_type_def is not None or spec.data_type_inc is None:
            return spec
        held = self._memo.fields.get(id(spec))
        if held is not None and held[0] is spec:
            return held[1]
        base = self.resolved(spec.data_type_inc, namespace)
        merged = replace(merge(base, spec), data_type_def=None, data_type_inc=spec.data_type_inc)
        self._memo.fields[id(spec)] = (spec, merged)
        return merged

    # ----- building other catalogs
    def with_documents(self, documents: Iterable[NamespaceDocument]) -> Catalog:
        """A catalog of ``documents`` first, then this catalog's namespaces that they lack."""
        return Catalog([*documents, *self.documents.values()])

    def closure(self, names: Iterable[str]) -> list[str]:
        """``names`` with every namespace they include, dependencies first."""
        out: list[str] = []

        def visit(name: str, stack: tuple[str, ...]) -> None:
            if name in out or name in stack or name not in self.namespaces:
                return
            for dep in self.namespaces[name].dependency_names:
                visit(dep, (*stack, name))
            out.append(name)

        for name in names:
            visit(name, ())
        return out

    def _search_order(self, namespace: str) -> tuple[str, ...]:
        order: list[str] = []
        todo = [namespace]
        while todo:
            name = todo.pop(0)
            if name in order or name not in self.namespaces:
                continue
            order.append(name)
            todo.extend(self.namespaces[name].dependency_names)
        return tuple(order)


def _types_of_document(doc: NamespaceDocument) -> dict[str, TypeSpec]:
    ns = doc.namespace
    types: dict[str, TypeSpec] = {}
    for source in ns.sources:
        document = _source_document(doc, source)
        where = f"{doc.origin}: namespace {ns.name!r} {ns.version}, source {source!r}"
        for top in source_specs(document, where):
            for spec in type_definitions(top):
                assert spec.data_type_def is not None
                types[spec.data_type_def] = TypeSpec(
                    name=spec.data_type_def,
                    namespace=ns.name,
                    parent=spec.data_type_inc,
                    kind=spec.kind,
                    spec=spec,
                    source=source,
                )
    return types


def _source_document(doc: NamespaceDocument, source: str) -> Mapping[str, Any]:
    found = doc.sources.get(source)
    if found is None:
        ns = doc.namespace
        raise SchemaError(
            f"{doc.origin}: namespace {ns.name!r} {ns.version} lists source {source!r}, "
            f"which is missing (found: {', '.join(doc.sources) or 'none'})"
        )
    return found


# --------------------------------------------------------------------------------------------
# Merging a subtype's definition onto its parent's resolved definition
# --------------------------------------------------------------------------------------------
def merge(parent: TypeDef, child: TypeDef) -> TypeDef:
    """``child`` refining ``parent``: the child's given keys win, fields merge by name."""
    if isinstance(parent, GroupSpec) and isinstance(child, GroupSpec):
        return _merge_group(parent, child)
    if isinstance(parent, DatasetSpec) and isinstance(child, DatasetSpec):
        return _merge_dataset(parent, child)
    return child  # a group where the parent had a dataset: the child's word stands


def _override(parent: Any, child: Any, skip: frozenset[str]) -> dict[str, Any]:
    """The scalar keys that ``child`` gives, for ``dataclasses.replace`` on ``parent``."""
    changes = {key: getattr(child, key) for key in child.given - skip if hasattr(child, key)}
    changes["given"] = parent.given | child.given
    return changes


def _merge_dataset(parent: DatasetSpec, child: DatasetSpec) -> DatasetSpec:
    changes = _override(parent, child, _CONTAINERS)
    changes["data_type_def"] = child.data_type_def
    changes["data_type_inc"] = child.data_type_inc or parent.data_type_inc
    changes["attributes"] = _merge_attributes(parent.attributes, child.attributes)
    return replace(parent, **changes)


def _merge_group(parent: GroupSpec, child: GroupSpec) -> GroupSpec:
    changes = _override(parent, child, _CONTAINERS)
    changes["data_type_def"] = child.data_type_def
    changes["data_type_inc"] = child.data_type_inc or parent.data_type_inc
    changes["attributes"] = _merge_attributes(parent.attributes, child.attributes)
    changes["datasets"] = _merge_fields(parent.datasets, child.datasets)
    changes["groups"] = _merge_fields(parent.groups, child.groups)
    changes["links"] = _merge_fields(parent.links, child.links)
    return replace(parent, **changes)


def _merge_attributes(
    parent: tuple[AttributeSpec, ...], child: tuple[AttributeSpec, ...]
) -> tuple[AttributeSpec, ...]:
    if not child:
        return parent
    mine = {a.name: a for a in child}
    out = [
        replace(a, **_override(a, mine.pop(a.name), frozenset())) if a.name in mine else a
        for a in parent
    ]
    out.extend(a for a in child if a.name in mine)
    return tuple(out)


def _field_key(spec: FieldSpec) -> tuple[str, str]:
    if spec.name is not None:
        return ("name", spec.name)
    if isinstance(spec, LinkSpec):
        return ("link", spec.target_type)
    return ("type", spec.type_name or "")


def _merge_fields[F: (DatasetSpec, GroupSpec, LinkSpec)](
    parent: tuple[F, ...], child: tuple[F, ...]
) -> tuple[F, ...]:
    if not child:
        return parent
    mine = {_field_key(s): s for s in child}
    out: list[F] = []
    for spec in parent:
        refined = mine.pop(_field_key(spec), None)
        out.append(spec if refined is None else _merge_field(spec, refined))
    out.extend(s for s in child if _field_key(s) in mine)
    return tuple(out)


def _merge_field[F: (DatasetSpec, GroupSpec, LinkSpec)](parent: F, child: F) -> F:
    if isinstance(parent, LinkSpec):
        return replace(parent, **_override(parent, child, frozenset()))
    merged = merge(parent, child)
    return merged  # type: ignore[return-value]


__all__ = ["Catalog", "NamespaceDocument", "TypeSpec", "merge"]
