"""NWB validation by nwbzarr itself, on HDF5 and Zarr alike (no pynwb needed).

Two layers, each finding naming the path inside the file, a short code and what to do:

1. Structural checks whose failure breaks readers (pynwb, hdmf-zarr, MatNWB, nwbzarr's typed
   model) in practice, some of which the schema cannot say (listed below).
2. Validation against the schema (:mod:`nwbzarr.spec.check`): the file's cached schema where
   it has one, else the bundled one; required fields, dtypes, shapes, quantities,
   inheritance, link and reference targets, following the rules of ``pynwb.validate``. A
   schema finding that repeats a structural one (same path and code) is not listed twice.

The structural checks:

* the root: ``namespace``/``neurodata_type``/``nwb_version`` attributes; the required
  datasets (``identifier``, ``session_description``, ``session_start_time``,
  ``timestamps_reference_time``, ``file_create_date``) and groups (``acquisition``,
  ``analysis``, ``processing``, ``general``, ``stimulus/presentation``, ``stimulus/templates``);
* typed objects: ``neurodata_type`` with a ``namespace`` (and an ``object_id``: warning);
* TimeSeries (every type whose name ends in ``Series``): ``data``; exactly one of
  ``timestamps`` (float64) and ``starting_time`` (with a float ``rate`` attribute);
* tables: every name in ``colnames`` is a column; ``VectorIndex`` is unsigned;
* dates (``session_start_time``, ``timestamps_reference_time``, ``file_create_date``,
  ``date_of_birth``) are ISO 8601 with a timezone;
* every soft and external link resolves, and so does every object reference in an attribute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np

from nwbzarr.errors import LinkError, NwbZarrError
from nwbzarr.tree import Array, ExternalLink, Group, Node, Reference, SoftLink

Severity = Literal["error", "warning"]

ROOT_DATASETS = (
    "identifier",
    "session_description",
    "session_start_time",
    "timestamps_reference_time",
    "file_create_date",
)
ROOT_GROUPS = (
    "acquisition",
    "analysis",
    "processing",
    "general",
    "stimulus",
    "stimulus/presentation",
    "stimulus/templates",
)
DATE_PATHS = (
    "session_start_time",
    "timestamps_reference_time",
    "file_create_date",
    "general/subject/date_of_birth",
)
TIMEZONE = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: its severity, the path inside the file, what is wrong, and a short code.

    Codes: ``missing``, ``dtype``, ``shape``, ``quantity``, ``timezone``, ``link``,
    ``target`` (a link or reference to an object of the wrong type), ``type`` (a type the
    schema lacks), ``kind`` (group / dataset swapped), ``schema`` (the cached schema is
    unusable), ``structure`` (the other structural checks), ``unreadable``.
    """

    severity: Severity
    path: str
    message: str
    code: str = "structure"

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def validate(source: Group | str | os.PathLike[str], schema: bool = True) -> list[Finding]:
    """Check an NWB file or store (or an open root group); returns the findings, errors first.

    ``schema=False`` runs the structural checks only (no schema is read).

    Examples
    --------
    >>> findings = validate("session.nwb")                       # doctest: +SKIP
    >>> [str(f) for f in findings if f.severity == "error"]      # doctest: +SKIP
    []
    """
    if isinstance(source, Group):
        return _sorted(check_root(source, schema))
    from nwbzarr.api import open as nwb_open

    with nwb_open(source) as root:
        return _sorted(check_root(root, schema))


def _sorted(findings: Iterator[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity != "error", f.path))


def check_root(root: Group, schema: bool = True) -> Iterator[Finding]:
    """Every check on the file whose root is ``root`` (``schema=False``: structural only)."""
    structural = list(_check_structure(root, schema))
    yield from structural
    if schema:
        seen = {(f.path, f.code) for f in structural}
        for finding in _check_schema(root):
            if (finding.path, finding.code) not in seen:
                yield finding


def _check_schema(root: Group) -> Iterator[Finding]:
    from nwbzarr.spec import catalog_from_file
    from nwbzarr.spec.check import check_file

    try:
        catalog = catalog_from_file(root)
    except NwbZarrError as err:
        yield Finding(
            "error", "/specifications", f"the cached schema cannot be used: {err}", "schema"
        )
        return
    for problem in check_file(root, catalog):
        severity: Severity = "warning" if problem.severity == "warning" else "error"
        yield Finding(severity, problem.path, problem.message, problem.code)


def _check_structure(root: Group, schema: bool) -> Iterator[Finding]:
    """``schema``: the schema checks follow, so the rules they cover with the file's own
    schema version are left to them (a dtype or a required dataset of an older core)."""
    yield from _check_root_layout(root)
    yield from _guarded("/", _check_dates(root))
    yield from _guarded(root.path, _check_node(root, schema))
    for path, member in root.walk():
        if path.startswith("/specifications"):
            continue  # cached schema: not NWB data
        if isinstance(member, SoftLink | ExternalLink):
            yield from _check_link(root, path, member)
        else:
            yield from _guarded(path, _check_node(member, schema))


def _guarded(path: str, findings: Iterator[Finding]) -> Iterator[Finding]:
    """The findings of one node; a node nwbzarr cannot read is itself a finding."""
    try:
        yield from findings
    except (NwbZarrError, OSError, ValueError, TypeError) as err:
        yield Finding("error", path, f"cannot be read: {err}", "unreadable")


# --------------------------------------------------------------------------------------------
# Root
# --------------------------------------------------------------------------------------------
def _check_root_layout(root: Group) -> Iterator[Finding]:
    attrs = root.attrs
    if _text(attrs.get("neurodata_type")) != "NWBFile":
        yield Finding(
            "error",
            "/",
            f"root neurodata_type is {_text(attrs.get('neurodata_type'))!r}, expected 'NWBFile' "
            "(not an NWB file, or written without its type attributes)",
        )
    if _text(attrs.get("namespace")) != "core":
        yield Finding(
            "error", "/", f"root namespace is {attrs.get('namespace')!r}, expected 'core'"
        )
    if not _text(attrs.get("nwb_version")):
        yield Finding(
            "error", "/", "missing attribute 'nwb_version' (for example '2.9.0')", "missing"
        )
    for name in ROOT_DATASETS:
        if name not in root:
            yield Finding("error", f"/{name}", "required dataset is missing", "missing")
        elif not isinstance(root[name], Array):
            yield Finding("error", f"/{name}", "must be a dataset, found a group", "kind")
    for name in ROOT_GROUPS:
        if name not in root:
            yield Finding(
                "error", f"/{name}", "required group is missing (create it empty)", "missing"
            )
        elif not isinstance(root[name], Group):
            yield Finding("error", f"/{name}", "must be a group, found a dataset", "kind")


def _check_dates(root: Group) -> Iterator[Finding]:
    for path in DATE_PATHS:
        node = root.get(path) if "/" not in path or path.rsplit("/", 1)[0] in root else None
        if not isinstance(node, Array):
            continue
        values = np.asarray(node[()] if not node.shape else node[...], dtype=object).ravel()
        for value in values:
            text = _text(value)
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                yield Finding(
                    "error",
                    node.path,
                    f"{text!r} is not an ISO 8601 date (YYYY-MM-DDThh:mm:ss)",
                    "dtype",
                )
                continue
            if parsed.tzinfo is None and not TIMEZONE.search(text):
                yield Finding(
                    "error",
                    node.path,
                    f"{text!r} has no timezone: append one, e.g. '+00:00' or 'Z'",
                    "timezone",
                )


# --------------------------------------------------------------------------------------------
# Typed objects, series, tables
# --------------------------------------------------------------------------------------------
def _check_node(node: Node, schema: bool = False) -> Iterator[Finding]:
    ndt = _text(node.attrs.get("neurodata_type"))
    if ndt:
        if not _text(node.attrs.get("namespace")):
            yield Finding("error", node.path, f"{ndt} has no 'namespace' attribute (e.g. 'core')")
        if "object_id" not in node.attrs:
            yield Finding("warning", node.path, f"{ndt} has no 'object_id' attribute")
    elif "namespace" in node.attrs:
        yield Finding("error", node.path, "has 'namespace' but no 'neurodata_type'")
    yield from _check_references(node)
    if isinstance(node, Array):
        if ndt == "VectorIndex" and node.dtype.kind != "u" and not schema:
            yield Finding(
                "error",
                node.path,
                f"VectorIndex has dtype {node.dtype}; NWB requires an unsigned integer "
                "(uint8/16/32/64)",
                "dtype",
            )
        return
    if isinstance(node, Group) and ndt.endswith("Series"):
        yield from _check_series(node, ndt, schema)
    if isinstance(node, Group) and "colnames" in node.attrs:
        yield from _check_table(node)


def _check_series(group: Group, ndt: str, schema: bool) -> Iterator[Finding]:
    names = set(group)
    if "data" not in names and not schema:
        yield Finding("error", f"{group.path}/data", f"{ndt} has no 'data'", "missing")
    has_ts, has_st = "timestamps" in names, "starting_time" in names
    if has_ts == has_st:
        what = "both 'timestamps' and" if has_ts else "neither 'timestamps' nor"
        yield Finding("error", group.path, f"{ndt} has {what} 'starting_time'; give exactly one")
    if has_ts:
        ts = _resolved(group, "timestamps")
        if isinstance(ts, Array) and ts.dtype != np.float64 and not schema:
            yield Finding(
                "error",
                ts.path,
                f"timestamps have dtype {ts.dtype}; NWB requires float64 seconds",
                "dtype",
            )
    if has_st:
        st = _resolved(group, "starting_time")
        if isinstance(st, Array):
            rate = st.attrs.get("rate")
            if rate is None:
                yield Finding(
                    "error", st.path, "starting_time has no 'rate' attribute (Hz)", "missing"
                )
            elif not isinstance(rate, float | np.floating):
                yield Finding(
                    "error",
                    st.path,
                    f"rate is {rate!r} ({type(rate).__name__}); NWB requires a float "
                    "(e.g. 30000.0)",
                    "dtype",
                )


def _check_table(group: Group) -> Iterator[Finding]:
    colnames = group.attrs.get("colnames")
    names = [_text(c) for c in np.atleast_1d(np.asarray(colnames, dtype=object))]
    if "id" not in group:
        yield Finding("error", f"{group.path}/id", "table has no 'id' dataset", "missing")
    for name in names:
        if name and name not in group:
            yield Finding(
                "error",
                group.path,
                f"colnames names {name!r}, which is not a column of the table "
                "(remove it from colnames or add the column)",
            )


def _check_references(node: Node) -> Iterator[Finding]:
    for name, value in node.attrs.items():
        if not isinstance(value, Reference) or value.source != ".":
            continue
        try:
            node.root[value.path]
        except (NwbZarrError, KeyError, OSError):
            yield Finding(
                "error",
                node.path,
                f"attribute {name!r} refers to {value.path!r}, which does not exist",
            )


# --------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------
def _check_link(root: Group, path: str, link: SoftLink | ExternalLink) -> Iterator[Finding]:
    target = link.path if isinstance(link, SoftLink) else f"{link.source}:{link.path}"
    try:
        root[path]
    except (LinkError, NwbZarrError, KeyError, OSError) as err:
        yield Finding("error", path, f"link to {target} does not resolve: {err}", "link")


def _resolved(group: Group, name: str) -> Node | None:
    try:
        return group[name]
    except (NwbZarrError, KeyError, OSError):
        return None  # reported by the link check


def _text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        value = value.ravel()[0] if value.size else ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


__all__ = ["Finding", "check_root", "validate"]
