"""Where schemas come from: the YAML files that pynwb and hdmf ship, and extensions' YAML.

The bundled schema is NWB core (``pynwb/nwb-schema/core``) and hdmf-common /
hdmf-experimental (``hdmf/common/hdmf-common-schema/common``), read as data from the
installed distributions: the packages are located with ``importlib.util.find_spec`` of the
top-level name, which does not execute them, so pynwb and hdmf are never imported.

:func:`load_namespaces` adds an extension's namespaces to the process-wide registry, as
pynwb's function of that name does; :func:`loaded_catalog` is the bundled catalog plus every
extension loaded so far.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
import warnings
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from nwbzarr.errors import SchemaError
from nwbzarr.spec.catalog import Catalog, NamespaceDocument
from nwbzarr.spec.parse import namespace_of_dict, source_name

try:  # libyaml's parser is ~10x faster than the pure-Python one
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pyyaml built without libyaml
    _Loader = yaml.SafeLoader

# (top-level package, directory inside it, namespace file) in dependency order.
BUNDLED = (
    ("hdmf", "common/hdmf-common-schema/common", "namespace.yaml"),
    ("pynwb", "nwb-schema/core", "nwb.namespace.yaml"),
)

_lock = threading.Lock()
_loaded: dict[str, NamespaceDocument] = {}
_loaded_catalog: list[Catalog] = []  # the memo of loaded_catalog(), emptied on each load


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a file that does not parse raises :class:`SchemaError`."""
    try:
        with path.open("rb") as stream:
            return yaml.load(stream, Loader=_Loader)
    except yaml.YAMLError as err:
        raise SchemaError(f"{path}: not valid YAML: {err}") from err
    except OSError as err:
        raise SchemaError(f"{path}: cannot be read: {err}") from err


def package_dir(package: str) -> Path:
    """The directory of an installed top-level package, found without importing it."""
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise SchemaError(
            f"the NWB schema files come from the installed {package!r} package, which is "
            f"missing: pip install pynwb (nwbzarr reads its schema files, never imports it)"
        )
    return Path(locations[0])


def bundled_namespace_files() -> list[Path]:
    """The namespace files of the bundled schema: hdmf-common's, then NWB core's."""
    return [package_dir(pkg) / sub / name for pkg, sub, name in BUNDLED]


def read_namespace_file(path: str | Path) -> list[NamespaceDocument]:
    """The namespaces of one namespace YAML file, each with its source documents.

    Sources are read from the namespace file's directory, as pynwb does.
    """
    path = Path(path)
    return _namespace_documents(path, read_yaml)


def _namespace_documents(path: Path, load: Callable[[Path], Any]) -> list[NamespaceDocument]:
    """:func:`read_namespace_file`, with each file's content given by ``load``."""
    raw = load(path)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("namespaces"), list):
        raise SchemaError(f"{path}: not a namespace file (no 'namespaces' list)")
    documents = []
    for i, entry in enumerate(raw["namespaces"]):
        namespace = namespace_of_dict(entry, f"{path} namespaces[{i}]")
        sources: dict[str, Any] = {}
        for item in entry.get("schema") or []:
            if isinstance(item, Mapping) and "source" in item:
                file = path.parent / str(item["source"])
                document = load(file)
                if document is None:
                    document = {}
                if not isinstance(document, Mapping):
                    raise SchemaError(
                        f"{file}: namespace {namespace.name!r}: a source must hold a mapping "
                        f"of 'groups' and 'datasets', found {type(document).__name__}"
                    )
                sources[source_name(str(item["source"]))] = document
        documents.append(NamespaceDocument(namespace, sources, str(path)))
    return documents


@cache
def bundled_catalog() -> Catalog:
    """NWB core, hdmf-common and hdmf-experimental as shipped by the installed pynwb / hdmf.

    Built on first call (parsing about 20 YAML files) and kept for the process.
    """
    documents: list[NamespaceDocument] = []
    for path in reversed(bundled_namespace_files()):  # core first: it names the file's schema
        documents.extend(_read_bundled(path))
    return Catalog(documents)


# The bundled schema's YAML, kept as JSON in the user's cache directory: parsing the 20 YAML
# files costs ~45 ms, more than anything else a first write does; their JSON loads in ~1 ms.
# An entry holds each file's size and modification time and is used only while every file
# still has them; one that is missing, stale or unreadable is parsed from the YAML again.
_CACHE_FORMAT = 1


def _schema_cache(path: Path) -> Path | None:
    """Where the parsed content of the namespace file ``path`` and its sources is kept."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home directory
        return None
    digest = hashlib.sha1(f"{_CACHE_FORMAT}\0{path}".encode(), usedforsecurity=False)
    return base / "nwbzarr" / f"schema-{digest.hexdigest()[:20]}.json"


def _stamp(file: str) -> list[int]:
    stat = os.stat(file)
    return [stat.st_size, stat.st_mtime_ns]


def _read_bundled(path: Path) -> list[NamespaceDocument]:
    """:func:`read_namespace_file` for a bundled namespace file, through the cache."""
    cache = _schema_cache(path)
    if cache is not None:
        try:
            entry = json.loads(cache.read_bytes())
            files, parsed = entry["files"], entry["parsed"]
            if all(_stamp(f) == files[f] for f in files):
                return _namespace_documents(path, lambda file: parsed[str(file)])
        except (OSError, ValueError, KeyError, TypeError, SchemaError):
            pass  # no entry, or a stale or damaged one: parse the YAML
    parsed = {}

    def load(file: Path) -> Any:
        parsed[str(file)] = value = read_yaml(file)
        return value

    documents = _namespace_documents(path, load)
    if cache is not None:
        _write_cache(cache, parsed)
    return documents


def _write_cache(cache: Path, parsed: dict[str, Any]) -> None:
    """Keep ``parsed`` as JSON if it is JSON (no dates or non-text keys); errors are ignored."""
    try:
        files = {f: _stamp(f) for f in parsed}
        text = json.dumps({"files": files, "parsed": parsed})
        if json.loads(text)["parsed"] != parsed:
            return
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_text(text)
        os.replace(partial, cache)
    except (OSError, TypeError, ValueError):
        pass


def load_namespaces(namespace_path: str | Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Load the namespaces of an extension's namespace YAML file for this process.

    As pynwb's ``load_namespaces``: the namespaces it defines become known to every later
    read and write (their types become classes), and the namespaces they include (core,
    hdmf-common or other loaded extensions) must be known. A namespace already loaded is
    kept (a warning tells if the versions differ).

    Returns
    -------
    dict
        For each namespace loaded, the namespaces it includes, each with the types it takes
        from them (empty: all), as pynwb returns.
    """
    documents = read_namespace_file(namespace_path)
    Catalog(documents)  # every source parses, or the error names the file and namespace
    with _lock:
        known = {**{n: d.namespace for n, d in _loaded.items()}, **bundled_catalog().namespaces}
        for doc in documents:
            known.setdefault(doc.namespace.name, doc.namespace)
        for doc in documents:
            missing = [d for d in doc.namespace.dependency_names if d not in known]
            if missing:
                raise SchemaError(
                    f"{namespace_path}: namespace {doc.namespace.name!r} includes "
                    f"{', '.join(map(repr, missing))}, which is not loaded (load it first)"
                )
        result = {}
        for doc in documents:
            ns = doc.namespace
            previous = _loaded.get(ns.name) or bundled_catalog().documents.get(ns.name)
            if previous is not None:
                if previous.namespace.version != ns.version:
                    warnings.warn(
                        f"{namespace_path}: ignoring namespace {ns.name!r} version "
                        f"{ns.version}: version {previous.namespace.version} is already "
                        f"loaded (from {previous.origin})",
                        UserWarning,
                        stacklevel=2,
                    )
                continue
            _loaded[ns.name] = doc
            result[ns.name] = dict(ns.dependencies)
        _loaded_catalog.clear()
    return result


def loaded_catalog() -> Catalog:
    """The bundled catalog plus every namespace given to :func:`load_namespaces`."""
    with _lock:
        if not _loaded_catalog:
            bundled = bundled_catalog()
            # bundled first: a core type name keeps meaning the core type
            _loaded_catalog.append(
                Catalog([*bundled.documents.values(), *_loaded.values()]) if _loaded else bundled
            )
        return _loaded_catalog[0]


def loaded_extensions() -> list[str]:
    """The names of the namespaces loaded with :func:`load_namespaces`."""
    with _lock:
        return list(_loaded)


__all__ = [
    "bundled_catalog",
    "bundled_namespace_files",
    "load_namespaces",
    "loaded_catalog",
    "loaded_extensions",
    "package_dir",
    "read_namespace_file",
    "read_yaml",
]
