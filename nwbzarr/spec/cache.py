"""The schema cached in a file: :func:`catalog_from_file` reads it, :func:`cache_schema` writes it.

The layout is the one pynwb (HDF5) and hdmf-zarr 0.14 (Zarr) write: a group
``/specifications/<namespace>/<version>/`` per namespace holding scalar UTF-8 text arrays of
JSON, ``namespace`` (``{"namespaces": [...]}``, sources named without ``.yaml``) and one per
source (``nwb.base``, ``table``...); the root attribute ``.specloc`` points at the group (an
object reference on HDF5, the path string on Zarr: the Zarr backend stores it so).
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from nwbzarr.dtypes import UTF8
from nwbzarr.errors import NwbZarrError, SchemaError
from nwbzarr.spec.catalog import Catalog, NamespaceDocument
from nwbzarr.spec.parse import namespace_of_dict, source_name
from nwbzarr.spec.sources import loaded_catalog
from nwbzarr.tree import Array, Group, Reference

SPECLOC = ".specloc"
SPEC_GROUP = "specifications"
_MEMO_SIZE = 16
_memo: OrderedDict[tuple[Any, ...], tuple[Catalog, list[str]]] = OrderedDict()
_memo_lock = threading.Lock()


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------
def spec_group(root: Group) -> Group | None:
    """The group holding the cached schema (``.specloc``, else ``/specifications``), or None."""
    loc = root.attrs.get(SPECLOC) if SPECLOC in root.attrs else None
    path = loc.path if isinstance(loc, Reference) else _text(loc) if loc is not None else ""
    for candidate in (path, SPEC_GROUP):
        if not candidate:
            continue
        try:
            node = root[candidate.lstrip("/") or "/"]
        except (NwbZarrError, KeyError, OSError):
            continue
        if isinstance(node, Group):
            return node
    return None


def latest_version(versions: list[str]) -> str:
    """The cached version that pynwb and hdmf-zarr read: the last in name order.

    hdmf takes the alphanumerically largest name (``unversioned`` / ``None`` only when alone),
    so ``2.9.0`` goes before ``2.11.0``: nwbzarr chooses as they do, so that a file reads
    and validates against the same schema in all three.
    """
    named = [v for v in versions if v not in ("unversioned", "None")] or versions
    return max(named)


Texts = dict[str, tuple[str, str, dict[str, str] | None]]
"""Per cached namespace: its version, its namespace JSON and its source JSONs (``None``:
identical to the loaded namespace of that name and version, so not read)."""


def cached_texts(root: Group, known: Catalog | None = None) -> Texts:
    """For each cached namespace: its latest version, the namespace JSON and the source JSONs.

    With ``known``, a namespace whose cached namespace document is the one ``known`` has for
    that name and version (what pynwb caches for the schema it ships) has its sources left
    unread (``None``): the usual file costs three reads, not two dozen, which matters on
    object stores.
    """
    group = spec_group(root)
    out: Texts = {}
    if group is None:
        return out
    for ns_name, ns_group in group.members():
        if not isinstance(ns_group, Group):
            continue
        versions = [v for v, node in ns_group.members() if isinstance(node, Group)]
        if not versions:
            continue
        version = latest_version(versions)
        vgroup = ns_group.group(version)
        if "namespace" not in vgroup:
            continue  # pynwb skips such a group too
        namespace = _text(vgroup.array("namespace")[()])
        if known is not None and _same_as(known, ns_name, version, namespace):
            out[ns_name] = (version, namespace, None)
            continue
        texts = {
            name: _text(node[()])
            for name, node in vgroup.members()
            if isinstance(node, Array) and name != "namespace"
        }
        out[ns_name] = (version, namespace, texts)
    return out


def _same_as(known: Catalog, name: str, version: str, namespace_text: str) -> bool:
    doc = known.documents.get(name)
    if doc is None or doc.namespace.version != version:
        return False
    try:
        cached = json.loads(namespace_text)
    except ValueError:
        return False
    return bool(cached == _namespace_dict(doc))


_namespace_dicts: dict[int, tuple[NamespaceDocument, Any]] = {}


def _namespace_dict(doc: NamespaceDocument) -> Any:
    held = _namespace_dicts.get(id(doc))
    if held is None or held[0] is not doc:
        held = (doc, json.loads(namespace_json(doc)))
        _namespace_dicts[id(doc)] = held
    return held[1]


def cached_documents(root: Group) -> list[NamespaceDocument]:
    """The namespaces cached in the file, parsed (JSON text that does not parse is an error)."""
    return _documents(cached_texts(root), root.file.location, None)


def _documents(texts: Texts, location: str, known: Catalog | None) -> list[NamespaceDocument]:
    docs: list[NamespaceDocument] = []
    for ns_name, (version, namespace_text, sources_text) in texts.items():
        if sources_text is None:
            assert known is not None
            docs.append(known.documents[ns_name])
            continue
        where = f"{location}:/{SPEC_GROUP}/{ns_name}/{version}"
        raw = _json(namespace_text, f"{where}/namespace", ns_name)
        entries = raw.get("namespaces") if isinstance(raw, Mapping) else None
        if not isinstance(entries, list) or not entries:
            raise SchemaError(f"{where}/namespace: namespace {ns_name!r}: no 'namespaces' list")
        entry = next((e for e in entries if _name(e) == ns_name), entries[0])
        namespace = namespace_of_dict(entry, where)
        sources: dict[str, Any] = {}
        for source in namespace.sources:
            text = _source_text(sources_text, source)
            if text is not None:
                sources[source] = _json(text, f"{where}/{source}", ns_name)
        docs.append(NamespaceDocument(namespace, sources, where))
    return docs


def catalog_from_file(root: Group) -> Catalog:
    """The catalog to read a file with: its cached namespaces, then the loaded ones it lacks.

    A cached namespace whose sources are incomplete (some writers drop one) is replaced by
    the loaded namespace of that name, with a warning; cached JSON that does not parse
    raises :class:`SchemaError` naming the file and the namespace. Catalogs are kept for the
    last few distinct cached schemas, so opening many files of one writer parses once.
    """
    base = loaded_catalog()
    texts = cached_texts(root, base)
    if not texts:
        return base
    digest = hashlib.sha1(usedforsecurity=False)
    for ns_name in sorted(texts):
        version, namespace_text, sources = texts[ns_name]
        digest.update(f"{ns_name}\0{version}\0{namespace_text}".encode())
        for name in sorted(sources or ()):
            digest.update(f"\0{name}\0{(sources or {})[name]}".encode())
    key = (id(base), digest.hexdigest())
    with _memo_lock:
        memo = _memo.get(key)
        if memo is not None:
            _memo.move_to_end(key)
    if memo is None:
        memo = _build(_documents(texts, root.file.location, base), base)
        with _memo_lock:
            _memo[key] = memo
            while len(_memo) > _MEMO_SIZE:
                _memo.popitem(last=False)
    catalog, problems = memo
    for problem in problems:  # told for every file that has them, not only the first
        warnings.warn(f"{root.file.location}:/{SPEC_GROUP}/{problem}", UserWarning, stacklevel=2)
    return catalog


def _build(documents: list[NamespaceDocument], base: Catalog) -> tuple[Catalog, list[str]]:
    usable = []
    problems = []
    for doc in documents:
        ns = doc.namespace
        missing = [s for s in ns.sources if s not in doc.sources]
        if missing:
            fallback = base.documents.get(ns.name)
            instead = (
                f"using the loaded version {fallback.namespace.version}" if fallback else "skipped"
            )
            problems.append(
                f"{ns.name}/{ns.version}: cached namespace {ns.name!r} lacks the source(s) "
                f"{', '.join(missing)}; {instead}"
            )
            continue
        usable.append(doc)
    if all(doc is base.documents.get(doc.namespace.name) for doc in usable):
        return base, problems  # the file caches what is loaded: the same catalog, resolved once
    return base.with_documents(usable), problems


def _source_text(texts: Mapping[str, str], source: str) -> str | None:
    for candidate in (source, source_name(source), source + ".yaml"):
        if candidate in texts:
            return texts[candidate]
    return None


def _json(text: str, where: str, namespace: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as err:
        raise SchemaError(
            f"{where}: namespace {namespace!r}: the cached schema is not valid JSON: {err}"
        ) from err


def _name(entry: Any) -> Any:
    return entry.get("name") if isinstance(entry, Mapping) else None


def _text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        value = value.item() if value.size == 1 else value.ravel()[0]
    if isinstance(value, bytes | np.bytes_):
        return bytes(value).decode("utf-8", "replace")
    return "" if value is None else str(value)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def cache_schema(
    root: Group, namespaces: Iterable[str] | None = None, catalog: Catalog | None = None
) -> list[str]:
    """Cache the schema of ``namespaces`` (and what they include) in the file of ``root``.

    Parameters
    ----------
    root
        The root group of a file open for writing.
    namespaces
        The namespaces the file's objects use; ``None``: every namespace of the catalog
        (pynwb caches every namespace it has loaded). Their dependencies are added
        (core brings hdmf-common).
    catalog
        Where the schema text comes from; default: the bundled namespaces plus those given
        to :func:`nwbzarr.load_namespaces`.

    Returns
    -------
    list of str
        ``namespace/version`` of each namespace written; a version already cached in the
        file (a copy of a source file's cache) is kept as it is.
    """
    catalog = catalog or loaded_catalog()
    names = list(catalog.namespaces) if namespaces is None else list(namespaces)
    unknown = [n for n in names if n not in catalog.namespaces]
    if unknown:
        raise SchemaError(
            f"{root.file.location}: cannot cache the schema of namespace(s) "
            f"{', '.join(map(repr, unknown))}: not loaded (nwbzarr.load_namespaces)"
        )
    written = []
    group = spec_group(root)  # where .specloc points (an empty group is falsy: test None)
    if group is None:
        group = root.require_group(SPEC_GROUP)
    for name in catalog.closure(names):
        doc = catalog.documents[name]
        version = doc.namespace.version or "unversioned"
        if f"{name}/{version}" in group:
            continue
        target = group.create_group(f"{name}/{version}")
        for dataset, text in _texts_of(doc).items():
            target.create_array(dataset, text, dtype=UTF8)
        written.append(f"{name}/{version}")
    if SPECLOC not in root.attrs:
        root.attrs[SPECLOC] = Reference(group.path)
    return written


_texts_memo: dict[int, tuple[NamespaceDocument, dict[str, str]]] = {}


def _texts_of(doc: NamespaceDocument) -> dict[str, str]:
    """The JSON texts of a namespace's cache (``namespace`` first), made once per document."""
    held = _texts_memo.get(id(doc))
    if held is None or held[0] is not doc:
        texts = {"namespace": namespace_json(doc)}
        texts.update((s, _dumps(doc.sources[s])) for s in doc.namespace.sources)
        held = (doc, texts)
        if len(_texts_memo) >= _MEMO_SIZE * 4:  # documents of files read come and go
            _texts_memo.clear()
        _texts_memo[id(doc)] = held
    return held[1]


def namespace_json(doc: NamespaceDocument) -> str:
    """The namespace document as pynwb caches it: one namespace, sources without ``.yaml``."""
    entry = dict(doc.namespace.document)
    schema = []
    for item in entry.get("schema") or []:
        if "namespace" in item:
            schema.append({k: item[k] for k in item if k in ("namespace", "neurodata_types")})
        else:
            schema.append({"source": source_name(str(item["source"]))})
    entry["schema"] = schema
    return _dumps({"namespaces": [entry]})


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


__all__ = [
    "cache_schema",
    "cached_documents",
    "cached_texts",
    "catalog_from_file",
    "namespace_json",
    "latest_version",
    "spec_group",
]
