"""Structural NWB checks done by nwbzarr itself, on HDF5 and Zarr alike (no pynwb needed).

These are the checks whose failure breaks readers (pynwb, hdmf-zarr, MatNWB, nwbzarr's typed
model) in practice; they are not a full schema validation (``pynwb-validate`` is the judge
for that). Each finding names the path inside the file and what to do:

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
    """One problem: its severity, the path inside the file, and what is wrong."""

    severity: Severity
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def validate(source: Group | str | os.PathLike[str]) -> list[Finding]:
    """Check an NWB file or store (or an open root group); returns the findings, errors first.

    Examples
    --------
    >>> findings = validate("session.nwb")                       # doctest: +SKIP
    >>> [str(f) for f in findings if f.severity == "error"]      # doctest: +SKIP
    []
    """
    if isinstance(source, Group):
        return _sorted(check_root(source))
    from nwbzarr.api import open as nwb_open

    with nwb_open(source) as root:
        return _sorted(check_root(root))


def _sorted(findings: Iterator[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity != "error", f.path))


def check_root(root: Group) -> Iterator[Finding]:
    """Every check on the file whose root is ``root``."""
    yield from _check_root_layout(root)
    yield from _guarded("/", _check_dates(root))
    yield from _guarded(root.path, _check_node(root))
    for path, member in root.walk():
        if path.startswith("/specifications"):
            continue  # cached schema: not NWB data
        if isinstance(member, SoftLink | ExternalLink):
            yield from _check_link(root, path, member)
        else:
            yield from _guarded(path, _check_node(member))


def _guarded(path: str, findings: Iterator[Finding]) -> Iterator[Finding]:
    """The findings of one node; a node nwbzarr cannot read is itself a finding."""
    try:
        yield from findings
    except (NwbZarrError, OSError, ValueError, TypeError) as err:
        yield Finding("error", path, f"cannot be read: {err}")


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
        yield Finding("error", "/", "missing attribute 'nwb_version' (for example '2.9.0')")
    for name in ROOT_DATASETS:
        if name not in root:
            yield Finding("error", f"/{name}", "required dataset is missing")
        elif not isinstance(root[name], Array):
            yield Finding("error", f"/{name}", "must be a dataset, found a group")
    for name in ROOT_GROUPS:
        if name not in root:
            yield Finding("error", f"/{name}", "required group is missing (create it empty)")
        elif not isinstance(root[name], Group):
            yield Finding("error", f"/{name}", "must be a group, found a dataset")


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
                    "error", node.path, f"{text!r} is not an ISO 8601 date (YYYY-MM-DDThh:mm:ss)"
                )
                continue
            if parsed.tzinfo is None and not TIMEZONE.search(text):
                yield Finding(
                    "error",
                    node.path,
                    f"{text!r} has no timezone: append one, e.g. '+00:00' or 'Z'",
                )


# --------------------------------------------------------------------------------------------
# Typed objects, series, tables
# --------------------------------------------------------------------------------------------
def _check_node(node: Node) -> Iterator[Finding]:
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
        if ndt == "VectorIndex" and node.dtype.kind != "u":
            yield Finding(
                "error",
                node.path,
                f"VectorIndex has dtype {node.dtype}; NWB requires an unsigned integer "
                "(uint8/16/32/64)",
            )
        return
    if isinstance(node, Group) and ndt.endswith("Series"):
        yield from _check_series(node, ndt)
    if isinstance(node, Group) and "colnames" in node.attrs:
        yield from _check_table(node)


def _check_series(group: Group, ndt: str) -> Iterator[Finding]:
    names = set(group)
    if "data" not in names:
        yield Finding("error", group.path, f"{ndt} has no 'data'")
    has_ts, has_st = "timestamps" in names, "starting_time" in names
    if has_ts == has_st:
        what = "both 'timestamps' and" if has_ts else "neither 'timestamps' nor"
        yield Finding("error", group.path, f"{ndt} has {what} 'starting_time'; give exactly one")
    if has_ts:
        ts = _resolved(group, "timestamps")
        if isinstance(ts, Array) and ts.dtype != np.float64:
            yield Finding(
                "error", ts.path, f"timestamps have dtype {ts.dtype}; NWB requires float64 seconds"
            )
    if has_st:
        st = _resolved(group, "starting_time")
        if isinstance(st, Array):
            rate = st.attrs.get("rate")
            if rate is None:
                yield Finding("error", st.path, "starting_time has no 'rate' attribute (Hz)")
            elif not isinstance(rate, float | np.floating):
                yield Finding(
                    "error",
                    st.path,
                    f"rate is {rate!r} ({type(rate).__name__}); NWB requires a float "
                    "(e.g. 30000.0)",
                )


def _check_table(group: Group) -> Iterator[Finding]:
    colnames = group.attrs.get("colnames")
    names = [_text(c) for c in np.atleast_1d(np.asarray(colnames, dtype=object))]
    if "id" not in group:
        yield Finding("error", group.path, "table has no 'id' dataset")
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
        yield Finding("error", path, f"link to {target} does not resolve: {err}")


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
