"""Values, attributes and variables: what every dataset of the xarray view is made of."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from xarray.indexes import Index

from nwbzarr.errors import NwbZarrError, UnsupportedFeatureError
from nwbzarr.tree import Array, ExternalLink, Group, Node, Reference, SoftLink
from nwbzarr.xr._private import direct_dataset
from nwbzarr.xr.lazy import lazy_variable

EAGER_BYTES = 1 << 16  # small arrays (ids, regions, scalars) are read at open
TYPE_ATTRS = ("namespace", "neurodata_type", "object_id")


def plain(value: Any) -> Any:
    """An attribute or element value in xarray-friendly form (references become paths)."""
    if isinstance(value, str | float | int):
        return value
    if isinstance(value, Reference):
        return value.path if value.source == "." else f"{value.source}:{value.path}"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.dtype.kind == "O":
        return np.array([plain(v) for v in value.ravel()], dtype=object).reshape(value.shape)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return str(value)
    return value


def plain_attrs(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, stored, _ in node.attrs.items_typed():  # one pass (Mapping.items looks up twice)
        value = plain(stored)
        if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
            texts = [str(v) for v in value.ravel()]
            # MatNWB writes type attributes as 1-element arrays
            value = texts[0] if len(texts) == 1 and name in TYPE_ATTRS else texts
        out[name] = value
    return out


def numpy_variable(
    dims: str | Sequence[str], values: np.ndarray[Any, Any], attrs: dict[str, Any] | None = None
) -> xr.Variable:
    """``xr.Variable(dims, values, attrs)`` for an array read here.

    Text held as Python strings becomes numpy unicode (``<U``): dask cannot size object arrays,
    so ``chunks="auto"`` fails on any object variable (pydata/xarray#7868). Numbers and text
    skip xarray's conversion checks: they would come back unchanged, but the checks import dask
    the first time (a tenth of a second of the first open).
    """
    kind = values.dtype.kind
    if type(values) is np.ndarray and kind == "O" and all(type(v) is str for v in values.flat):
        values, kind = values.astype(str), "U"
    if type(values) is np.ndarray and kind in "biufcSU":
        return xr.Variable(dims, values, attrs, fastpath=True)
    return xr.Variable(dims, values, attrs)


def is_lazy_candidate(array: Array) -> bool:
    return array.dtype.kind in "biufc" and array.dtype.names is None and array.ndim > 0


def array_variables(
    name: str, array: Array, dims: Sequence[str], attrs: dict[str, Any] | None = None
) -> dict[str, xr.Variable]:
    """Variables for one stored array: lazy when numeric and large, else read and converted."""
    attrs = plain_attrs(array) if attrs is None else attrs
    if is_lazy_candidate(array) and array.nbytes > EAGER_BYTES:
        return {name: lazy_variable(array, dims, attrs)}
    values = np.asarray(array[...])
    if values.dtype.names:  # compound: one variable per field
        return {
            f"{name}_{field}": numpy_variable(dims, plain(np.asarray(values[field])), attrs)
            for field in values.dtype.names
        }
    if values.dtype.kind == "O":
        values = plain(values)
    return {name: numpy_variable(dims, values, attrs)}


@dataclass(slots=True)
class Members:
    """A group's members, listed once: arrays (links to arrays followed), links, subgroups."""

    names: set[str] = field(default_factory=set)
    arrays: dict[str, Array] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    groups: list[tuple[str, Group]] = field(default_factory=list)
    data_is_array: bool = False  # "data" is an array (readable or not) or links to one


def members_of(group: Group) -> Members:
    out = Members()
    for name, member in group.members():
        out.names.add(name)
        if isinstance(member, Group):
            out.groups.append((name, member))
            continue
        node: Node | None = member if isinstance(member, Node) else None
        if isinstance(member, SoftLink | ExternalLink):
            out.links[name] = (
                member.path if isinstance(member, SoftLink) else f"{member.source}:{member.path}"
            )
            try:
                node = group[name]
            except (NwbZarrError, OSError, KeyError):
                continue
        if not isinstance(node, Array):
            continue
        if name == "data":
            out.data_is_array = True
        if _readable(node):
            out.arrays[name] = node
    return out


def _readable(array: Array) -> bool:
    try:
        _ = array.spec
    except UnsupportedFeatureError as err:
        warnings.warn(f"left out of the xarray view: {err}", stacklevel=3)
        return False
    return True


def node_attrs(group: Group) -> dict[str, Any]:
    attrs = plain_attrs(group)
    attrs["path"] = group.path
    return attrs


def make_dataset(
    data_vars: dict[Hashable, xr.Variable],
    coords: dict[Hashable, xr.Variable],
    attrs: dict[str, Any],
    extra: xr.Coordinates | Index | None = None,
) -> xr.Dataset:
    """``xr.Dataset(data_vars, coords, attrs).assign_coords(extra)`` (an Index: its coordinates).

    Built in one step (xarray's private ``Dataset._construct_direct``) when the constructor
    could not change anything: no variable is named after a dimension (it would get a default
    index), names are distinct and sizes agree. Otherwise, or if xarray lacks that constructor,
    the public one is used; tests/test_xarray_tree_fast.py checks that both agree.
    """
    ds = direct_dataset(data_vars, coords, attrs, extra)
    if ds is not None:
        return ds
    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    if isinstance(extra, Index):
        extra = xr.Coordinates.from_xindex(extra)
    return ds if extra is None else ds.assign_coords(extra)


__all__ = [
    "EAGER_BYTES",
    "Members",
    "array_variables",
    "is_lazy_candidate",
    "make_dataset",
    "members_of",
    "node_attrs",
    "numpy_variable",
    "plain",
    "plain_attrs",
]
