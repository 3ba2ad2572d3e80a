"""NWB as xarray: TimeSeries as labelled lazy DataArrays, tables as Datasets, files as DataTrees.

Conventions (one per NWB feature that has no 1:1 xarray form):

* A TimeSeries is a :class:`~xarray.DataArray` named ``data`` with dims from the schema
  (:data:`nwbzarr.dims.SERIES_DATA_DIMS`: ``time``, ``channel``, ``roi``, ``x``, ``y``...).
  ``time`` comes from ``timestamps`` (linked timestamps are followed), or lazily from
  ``starting_time`` + ``rate`` as a :class:`TimeRangeIndex` (values never materialised).
  ``channel`` holds electrode ids (with ``location``, ``group_name``, ``x``/``y``/``z`` and the
  region row ``electrodes`` as non-index coordinates); ``roi`` holds ROI ids.
* A DynamicTable is a :class:`~xarray.Dataset` whose row dimension is named after the table
  (``trials``, ``units``, ``electrodes``) and indexed by the ``id`` values, so that tables
  never clash in a DataTree. Ragged columns use the CF contiguous ragged layout: ``<col>``
  holds the flat values along ``<col>_element`` and ``<col>_count`` the number per row (a
  doubly ragged column adds ``<col>_sublist_count`` along ``<col>_sublist``). Object
  references become path strings; a DynamicTableRegion keeps its integer rows with the target
  table's path in ``attrs["table"]``.
* A file is a :class:`~xarray.DataTree`: one leaf per TimeSeries and table, container groups
  without variables, other arrays as variables with dims ``<array>_dim<i>``. Links to groups
  are listed in ``attrs["links"]``; ``/specifications`` is left out.

Data stays lazy: ``chunks=None`` gives xarray lazy indexing (a slice reads only its chunks),
``chunks="storage"`` a dask array with one task per shard (or storage chunk), ``"auto"`` whole
multiples of them near dask's ``array.chunk-size``. This is the only module that imports dask.
"""

from __future__ import annotations

import math
import uuid
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, TypeVar

import numpy as np
import xarray as xr
from xarray.core.indexing import IndexSelResult
from xarray.indexes import Index, RangeIndex

from nwbzarr import xarray_backend as backend  # imports this module: names used at call time
from nwbzarr.dims import TABLE_TYPES, group_dims, is_series
from nwbzarr.errors import NwbZarrError, UnsupportedFeatureError
from nwbzarr.tree import Array, ExternalLink, Group, Node, Reference, SoftLink

Chunks = Literal["storage", "auto"] | Mapping[str, int] | None
TreeT = TypeVar("TreeT", bound=xr.DataTree)

EAGER_BYTES = 1 << 16  # small arrays (ids, regions, scalars) are read at open
SKIP_ROOT = ("specifications",)
TYPE_ATTRS = ("namespace", "neurodata_type", "object_id")


# --------------------------------------------------------------------------------------------
# Lazy time axis
# --------------------------------------------------------------------------------------------
class TimeRangeIndex(RangeIndex):
    """A :class:`xarray.indexes.RangeIndex` that also supports plain label selection.

    ``.sel(time=slice(t0, t1))`` keeps the samples with ``t0 <= t <= t1`` (as pandas does),
    ``.sel(time=t)`` needs an exact sample time (within 1e-6 of a step), and
    ``method="nearest"`` works as in ``RangeIndex``.
    """

    def sel(
        self, labels: dict[Any, Any], method: Any = None, tolerance: Any = None
    ) -> IndexSelResult:
        label = labels[self.dim]
        if method is None and isinstance(label, slice) and label.step is None:
            return IndexSelResult({self.dim: self._label_slice(label)})
        if method is None:
            result = super().sel(labels, method="nearest", tolerance=tolerance)
            positions = np.asarray(result.dim_indexers[self.dim])
            found = self.start + positions * self.step
            if not np.allclose(
                found, np.asarray(label, dtype=float), rtol=0, atol=1e-6 * abs(self.step)
            ):
                raise KeyError(
                    f"{label!r}: not a sample time of {self.dim!r} "
                    "(use method='nearest' or a slice)"
                )
            return result
        return super().sel(labels, method=method, tolerance=tolerance)

    def _label_slice(self, label: slice) -> slice:
        eps = 1e-9
        first = 0
        last = self.size
        if label.start is not None:
            first = math.ceil((float(label.start) - self.start) / self.step - eps)
        if label.stop is not None:
            last = math.floor((float(label.stop) - self.start) / self.step + eps) + 1
        first = min(max(first, 0), self.size)
        return slice(first, max(min(last, self.size), first))

    def isel(self, indexers: Mapping[Any, Any]) -> Index | None:
        result = super().isel(indexers)
        if type(result) is RangeIndex:
            return TimeRangeIndex(result.transform)
        return result


def time_index(start: float, rate: float, n: int, dim: str = "time") -> TimeRangeIndex:
    """The lazy index of ``start + i / rate`` for ``i < n``."""
    index = TimeRangeIndex.linspace(start, start + (n - 1) / rate, num=n, endpoint=True, dim=dim)
    return index if isinstance(index, TimeRangeIndex) else TimeRangeIndex(index.transform)


def time_coords(start: float, rate: float, n: int, dim: str = "time") -> xr.Coordinates:
    """A lazy ``time`` coordinate: ``start + i / rate`` for ``i < n``."""
    return xr.Coordinates.from_xindex(time_index(start, rate, n, dim))


# --------------------------------------------------------------------------------------------
# Values and attributes
# --------------------------------------------------------------------------------------------
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
        return {name: backend.lazy_variable(array, dims, attrs)}
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
class _Members:
    """A group's members, listed once: arrays (links to arrays followed), links, subgroups."""

    names: set[str] = field(default_factory=set)
    arrays: dict[str, Array] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    groups: list[tuple[str, Group]] = field(default_factory=list)
    data_is_array: bool = False  # "data" is an array (readable or not) or links to one


def _members(group: Group) -> _Members:
    out = _Members()
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


def _dataset(
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
    ds = _direct_dataset(data_vars, coords, attrs, extra)
    if ds is not None:
        return ds
    ds = xr.Dataset(data_vars, coords=coords, attrs=attrs)
    if isinstance(extra, Index):
        extra = xr.Coordinates.from_xindex(extra)
    return ds if extra is None else ds.assign_coords(extra)


def _direct_dataset(
    data_vars: dict[Hashable, xr.Variable],
    coords: dict[Hashable, xr.Variable],
    attrs: dict[str, Any],
    extra: xr.Coordinates | Index | None,
) -> xr.Dataset | None:
    construct = getattr(xr.Dataset, "_construct_direct", None)
    if construct is None or isinstance(extra, xr.Coordinates):
        return None
    indexed = extra.create_variables() if extra is not None else {}
    variables = data_vars | coords | indexed
    if len(variables) != len(data_vars) + len(coords) + len(indexed):
        return None
    dims: dict[Hashable, int] = {}
    for var in variables.values():
        for dim, size in zip(var.dims, var.shape, strict=True):
            if dims.setdefault(dim, size) != size:
                return None
    if not (dims.keys().isdisjoint(data_vars) and dims.keys().isdisjoint(coords)):
        return None
    try:
        ds = construct(
            variables=variables,
            coord_names={*coords, *indexed},
            dims=dims,
            attrs=dict(attrs) if attrs else None,
            indexes=dict.fromkeys(indexed, extra),
            encoding=None,
        )
    except TypeError:  # another signature: use the public constructor
        return None
    return ds if isinstance(ds, xr.Dataset) else None


# --------------------------------------------------------------------------------------------
# TimeSeries
# --------------------------------------------------------------------------------------------
def _region_table(region: Array) -> Group | None:
    ref = region.attrs.get("table")
    if not isinstance(ref, Reference) or ref.source != ".":
        return None
    try:
        table = region.root[ref.path]
    except (NwbZarrError, KeyError):
        return None
    return table if isinstance(table, Group) and "id" in table else None


def _label_coords(
    arrays: Mapping[str, Array], region_name: str, dim: str, n: int
) -> dict[Hashable, xr.Variable]:
    """Labels for a channel/roi axis from a DynamicTableRegion (ids plus a few columns)."""
    region = arrays.get(region_name)
    if region is None or region.shape != (n,):
        return {}
    rows = np.asarray(region[...], dtype=np.int64)
    table = _region_table(region)
    coords: dict[Hashable, xr.Variable] = {
        region_name: numpy_variable(dim, rows, {"table": table.path if table else ""})
    }
    if table is None:
        return coords
    id_array = table["id"]
    if not isinstance(id_array, Array):
        return coords
    ids = np.asarray(id_array[...])
    coords[dim] = numpy_variable(dim, ids[rows])
    for col in ("location", "group_name", "label", "x", "y", "z", "rel_x", "rel_y", "rel_z"):
        column = table.get(col)
        if isinstance(column, Array) and column.shape == ids.shape and f"{col}_index" not in table:
            coords[col] = numpy_variable(dim, plain(np.asarray(column[...]))[rows])
    return coords


def _rate_timing(arrays: Mapping[str, Array]) -> tuple[float, float] | None:
    """``(starting_time, rate)`` when the series is sampled regularly (one 0-d read)."""
    st = arrays.get("starting_time")
    if st is None:
        return None
    rate = st.attrs.get("rate")
    if rate is None:
        return None
    return float(st[()]), float(rate)


def _time_coordinate(
    arrays: Mapping[str, Array],
    timing: tuple[float, float] | None,
    data_dims: tuple[str, ...],
    n: int,
) -> xr.Coordinates | Index | None:
    if not data_dims or data_dims[0] != "time":
        return None
    ts = arrays.get("timestamps")
    if ts is not None and ts.shape == (n,):
        stamps = numpy_variable("time", np.asarray(ts[...]), plain_attrs(ts))
        return xr.Coordinates({"time": stamps})
    if timing is not None:
        return time_index(timing[0], timing[1], n)
    return None


def _series_attrs(
    group: Group,
    members: _Members,
    timing: tuple[float, float] | None,
    data_attrs: dict[str, Any],
) -> dict[str, Any]:
    attrs = node_attrs(group)
    for key in ("unit", "conversion", "offset", "resolution"):
        if key in data_attrs:
            attrs[key] = data_attrs[key]
    if timing is not None:
        attrs["starting_time"], attrs["rate"] = timing
    if "timestamps" in members.links:
        attrs["timestamps_link"] = str(plain(members.links["timestamps"]))
    return attrs


def series_dataset(group: Group, *, scaled: bool = False) -> xr.Dataset:
    """A TimeSeries group as a Dataset (``data`` plus its other arrays); reads no data."""
    return _series_dataset(group, _members(group), scaled)


def _series_dataset(group: Group, members: _Members, scaled: bool) -> xr.Dataset:
    arrays = members.arrays
    if "data" not in arrays:
        raise ValueError(f"{group.describe()}: not a TimeSeries (no 'data' array)")
    data = arrays["data"]
    dims = group_dims(
        group.neurodata_type, {k: a.shape for k, a in arrays.items()}, member_names=members.names
    )
    data_dims = dims["data"]
    data_attrs = plain_attrs(data)
    scale: tuple[float, float] | None = None
    if scaled:
        scale = (float(data_attrs.get("conversion", 1.0)), float(data_attrs.get("offset", 0.0)))
        data_attrs["scaled"] = 1
    variables: dict[Hashable, xr.Variable] = {}
    if is_lazy_candidate(data):
        variables["data"] = backend.lazy_variable(data, data_dims, data_attrs, scale)
    else:
        variables.update(array_variables("data", data, data_dims, data_attrs))
    coords: dict[Hashable, xr.Variable] = {}
    for axis_dim, region in (("channel", "electrodes"), ("roi", "rois")):
        if axis_dim in data_dims:
            size = data.shape[data_dims.index(axis_dim)]
            coords.update(_label_coords(arrays, region, axis_dim, size))
    skip = {"data", "timestamps", "starting_time", "electrodes", "rois"}
    for name, array in arrays.items():
        if name not in skip:
            variables.update(array_variables(name, array, dims[name]))
    timing = _rate_timing(arrays)
    attrs = _series_attrs(group, members, timing, data_attrs)
    time = _time_coordinate(arrays, timing, data_dims, data.shape[0] if data.shape else 0)
    return _dataset(variables, coords, attrs, time)


def series_to_xarray(
    group: Group, *, scaled: bool = False, chunks: Chunks = "storage"
) -> xr.DataArray:
    """A TimeSeries group as a labelled, lazy :class:`xarray.DataArray`.

    Parameters
    ----------
    group
        A TimeSeries-like group (``data`` plus ``timestamps`` or ``starting_time``).
    scaled
        Return ``data * conversion + offset`` (computed on read) instead of stored values.
    chunks
        ``"storage"``: dask chunks equal to the shards (or storage chunks); ``"auto"``: whole
        multiples of them near dask's ``array.chunk-size``; a dict: explicit; None: no dask,
        xarray lazy indexing (best for small windows).

    Examples
    --------
    >>> da = series_to_xarray(root["acquisition/ElectricalSeries"])     # doctest: +SKIP
    >>> da.sel(time=slice(1.0, 2.0)).mean("time").compute()              # doctest: +SKIP
    """
    ds = series_dataset(group, scaled=scaled)
    da = ds["data"]
    da.attrs = {**ds.attrs, **da.attrs}
    da.attrs.setdefault("unit", ds.attrs.get("unit"))
    return chunk_dataarray(da, chunks)


def chunk_dataarray(da: xr.DataArray, chunks: Chunks) -> xr.DataArray:
    """``da`` in dask chunks that follow its storage chunks (see :func:`series_to_xarray`)."""
    if chunks is None:
        return da
    preferred = dict(da.encoding.get("preferred_chunks", {}))
    if isinstance(chunks, Mapping):
        return da.chunk({**preferred, **chunks})
    if chunks == "storage":
        return da.chunk(preferred or "auto")
    if chunks == "auto":
        import dask.array

        previous = tuple(preferred.get(str(d), n) for d, n in zip(da.dims, da.shape, strict=True))
        normal = dask.array.core.normalize_chunks(  # type: ignore[no-untyped-call]
            "auto", da.shape, dtype=da.dtype, previous_chunks=previous
        )
        return da.chunk(dict(zip(da.dims, normal, strict=True)))
    raise ValueError(f"chunks={chunks!r}: expected 'storage', 'auto', a dict or None")


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------
def _counts(index: Array) -> np.ndarray[Any, Any]:
    ends = np.asarray(index[...], dtype=np.int64)
    return np.diff(np.concatenate([[0], ends]))


def is_table(group: Group) -> bool:
    return _is_table(group, set(group))


def _is_table(group: Group, names: set[str]) -> bool:
    return "id" in names and (group.neurodata_type in TABLE_TYPES or "colnames" in group.attrs)


def table_to_xarray(group: Group) -> xr.Dataset:
    """A DynamicTable group as a Dataset with one row dimension named after the table.

    Ragged columns follow the CF contiguous ragged layout (``<col>`` along ``<col>_element``,
    ``<col>_count`` along the rows); references become path strings; DynamicTableRegion
    columns keep integer rows with the target path in ``attrs["table"]``.
    """
    return _table_dataset(group, _members(group))


def _table_dataset(group: Group, members: _Members) -> xr.Dataset:
    dim = group.name
    arrays = members.arrays
    ids = np.asarray(arrays["id"][...])
    n = len(ids)
    coords: dict[str, Any] = {dim: numpy_variable(dim, ids, plain_attrs(arrays["id"]))}
    variables: dict[str, xr.Variable] = {}
    indexes = {name for name in arrays if name.endswith("_index") and name[:-6] in arrays}
    for name, array in arrays.items():
        if name == "id" or name in indexes:
            continue
        var_name = f"{name}_column" if name == dim else name
        chain = []
        level = f"{name}_index"
        while level in arrays:
            chain.append(arrays[level])
            level += "_index"
        if not chain:
            lead = dim if array.shape[:1] == (n,) else f"{name}_dim0"
            vdims = [lead, *(f"{name}_dim{i}" for i in range(1, array.ndim))]
            variables.update(array_variables(var_name, array, vdims))
            continue
        vdims = [f"{name}_element", *(f"{name}_dim{i}" for i in range(1, array.ndim))]
        variables.update(array_variables(var_name, array, vdims))
        variables[f"{var_name}_count"] = numpy_variable(
            dim, _counts(chain[-1]), {"sample_dimension": f"{name}_element"}
        )
        if len(chain) == 2:
            variables[f"{var_name}_count"].attrs["sample_dimension"] = f"{name}_sublist"
            variables[f"{var_name}_sublist_count"] = numpy_variable(
                f"{name}_sublist", _counts(chain[0]), {"sample_dimension": f"{name}_element"}
            )
    ds = xr.Dataset(variables, coords=coords, attrs=node_attrs(group))
    return ds


def ragged_row(ds: xr.Dataset, column: str, row: int) -> xr.DataArray:
    """The values of row ``row`` (position) of a singly ragged column of ``ds``."""
    counts = np.asarray(ds[f"{column}_count"].values, dtype=np.int64)
    start = int(counts[:row].sum())
    element_dim = ds[column].dims[0]
    return ds[column].isel({element_dim: slice(start, start + int(counts[row]))})


# --------------------------------------------------------------------------------------------
# Any group, the whole file
# --------------------------------------------------------------------------------------------
def generic_dataset(group: Group) -> xr.Dataset:
    """The arrays of a group that is neither a series nor a table, dims ``<array>_dim<i>``."""
    return _generic_dataset(group, _members(group))


def _generic_dataset(group: Group, members: _Members) -> xr.Dataset:
    variables: dict[Hashable, xr.Variable] = {}
    for name, array in members.arrays.items():
        try:
            variables.update(
                array_variables(name, array, [f"{name}_dim{i}" for i in range(array.ndim)])
            )
        except (NwbZarrError, OSError, ValueError, TypeError) as err:
            err.add_note(f"while reading {array.describe()}")
            raise
    return _dataset(variables, {}, node_attrs(group))


def group_to_dataset(group: Group, *, scaled: bool = False) -> xr.Dataset:
    """A series, table or other group as a Dataset (see the module conventions)."""
    return _group_dataset(group, _members(group), scaled)


def _group_dataset(group: Group, members: _Members, scaled: bool) -> xr.Dataset:
    data_is_array = members.data_is_array
    if "data" in members.links:  # as group.get("data") sees it
        data_is_array = isinstance(group.get("data"), Array)
    if is_series(members.names) and data_is_array:
        ds = _series_dataset(group, members, scaled)
    elif _is_table(group, members.names):
        ds = _table_dataset(group, members)
    else:
        ds = _generic_dataset(group, members)
    links = {
        name: target
        for name, target in members.links.items()
        if name not in ds.variables and name != "timestamps"
    }
    if links:
        ds.attrs["links"] = [f"{name} -> {target}" for name, target in sorted(links.items())]
    return ds


def groups_as_dict(start: Group, *, scaled: bool = False) -> dict[str, xr.Dataset]:
    """Every group below ``start`` as a Dataset, keyed by path relative to ``start``.

    Dims that would clash with an ancestor's dims in a DataTree are renamed ``<dim>_<depth>``,
    so no node inherits from another and :func:`build_tree` can link them directly.
    """
    out: dict[str, xr.Dataset] = {}

    def visit(group: Group, key: str, inherited: frozenset[Hashable], depth: int) -> None:
        members = _members(group)
        ds = _group_dataset(group, members, scaled)
        clashes = {d: f"{d}_{depth}" for d in ds.dims if d in inherited}
        if clashes:
            ds = ds.rename(clashes)
        out[key] = ds
        if not members.groups:
            return
        below = inherited | frozenset(ds.dims) if ds.dims else inherited
        for name, member in members.groups:
            if depth == 0 and name in SKIP_ROOT:
                continue
            visit(member, f"{key.rstrip('/')}/{name}", below, depth + 1)

    with backend.gc_paused():
        visit(start, "/", frozenset(), 0)
    return out


def to_datatree(root: Group, *, scaled: bool = False, chunks: Chunks = None) -> xr.DataTree:
    """The file (or the subtree under ``root``) as a :class:`xarray.DataTree`.

    ``chunks="storage"`` chunks every lazy variable with its storage chunks.
    """
    groups = groups_as_dict(root, scaled=scaled)
    if chunks is not None:
        groups = {key: _chunk_dataset(ds, chunks) for key, ds in groups.items()}
    return build_tree(groups, copy=False)


def _chunk_dataset(ds: xr.Dataset, chunks: Chunks) -> xr.Dataset:
    updated = {
        name: chunk_dataarray(ds[name], chunks).variable
        for name in ds.data_vars
        if "preferred_chunks" in ds[name].encoding
    }
    return ds.assign(updated)


# --------------------------------------------------------------------------------------------
# DataTree in one pass
# --------------------------------------------------------------------------------------------
# Everything a DataTree node holds; build_tree links nodes directly only if a node made by the
# public constructor holds exactly these (checked once per class).
_NODE_SLOTS = frozenset(
    {
        "_name",
        "_parent",
        "_children",
        "_data_variables",
        "_node_coord_variables",
        "_node_dims",
        "_node_indexes",
        "_attrs",
        "_encoding",
        "_close",
    }
)


def build_tree(
    datasets: Mapping[str, xr.Dataset | None],
    name: str | None = None,
    *,
    cls: type[xr.DataTree] = xr.DataTree,
    copy: bool = True,
) -> xr.DataTree:
    """``cls.from_dict(datasets, name=name)``, in one pass when that gives the same tree.

    ``from_dict`` copies each dataset twice and attaches nodes one at a time, aligning each
    with all it inherits and scanning its siblings: ~0.3 ms a node. When no node shares a
    dimension or an index with its ancestors and no child is named like a variable above it
    (as :func:`groups_as_dict` guarantees), there is nothing to align or inherit, and nodes are
    linked directly through xarray's private node slots. ``copy=False`` hands the datasets'
    variables to the tree (for datasets nothing else holds). Anything else (intermediate nodes
    left out, values that are not datasets, other xarray internals) goes through ``from_dict``.
    """
    with backend.gc_paused():
        tree = _direct_tree(datasets, name, cls, copy)
    return tree if tree is not None else cls.from_dict(datasets, name=name)


def _path_parts(key: str) -> tuple[str, ...] | None:
    """``("a", "b")`` for ``/a/b`` (or ``a/b``), ``()`` for the root; None if not plain."""
    if key in ("", ".", "/", "./"):
        return ()
    parts = tuple(key.removeprefix("/").split("/"))
    return None if any(part in ("", ".", "..") for part in parts) else parts


def _direct_tree(
    datasets: Mapping[str, xr.Dataset | None],
    name: str | None,
    cls: type[xr.DataTree],
    copy: bool,
) -> xr.DataTree | None:
    if not _links_directly(cls):
        return None
    items: dict[tuple[str, ...], xr.Dataset] = {}
    for key, value in datasets.items():
        parts = _path_parts(key) if isinstance(key, str) else None
        if parts is None or parts in items or not (value is None or isinstance(value, xr.Dataset)):
            return None
        items[parts] = xr.Dataset() if value is None else value
    root = cls(dataset=items.pop((), None), name=name)
    top = root.dataset
    # per node: (node, its variables, the dims and index names of it and its ancestors)
    built: dict[
        tuple[str, ...], tuple[xr.DataTree, Mapping[Hashable, Any], set[Hashable], set[Hashable]]
    ]
    built = {(): (root, top.variables, set(top.dims), set(top.xindexes))}
    setslot = object.__setattr__  # DataTree.__setattr__ would only add a check
    for parts, value in sorted(items.items(), key=lambda item: len(item[0])):
        above = built.get(parts[:-1])
        if above is None:
            return None
        parent, parent_variables, dims_above, indexes_above = above
        child = parts[-1]
        ds = value.copy(deep=False) if copy else value
        dims, indexes, variables = ds._dims, ds._indexes, ds._variables
        if (
            child in parent_variables
            or child in indexes_above
            or not dims_above.isdisjoint(dims)
            or not indexes_above.isdisjoint(indexes)
            or any(isinstance(var, str) and "/" in var for var in variables)
        ):
            return None
        node = object.__new__(cls)
        node._set_node_data(ds)
        setslot(node, "_close", None)  # as from_dict, whose copies drop it
        setslot(node, "_name", child)
        setslot(node, "_parent", parent)
        setslot(node, "_children", {})
        parent._children[child] = node
        built[parts] = (node, variables, dims_above.union(dims), indexes_above.union(indexes))
    return root


@cache
def _links_directly(cls: type[xr.DataTree]) -> bool:
    """Whether a node of ``cls`` holds exactly ``_NODE_SLOTS`` (and can be set up by hand)."""
    if not callable(getattr(cls, "_set_node_data", None)):
        return False
    probe = cls()
    held = set()
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            descriptor = klass.__dict__.get(slot)
            if descriptor is None:
                continue
            try:
                descriptor.__get__(probe, cls)
            except AttributeError:
                continue
            held.add(slot)
    return held == _NODE_SLOTS


# --------------------------------------------------------------------------------------------
# Event / interval alignment
# --------------------------------------------------------------------------------------------
def _event_times(events: Any) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    if isinstance(events, Group):
        events = table_to_xarray(events)
    if isinstance(events, xr.Dataset):
        dim = next(iter(events["start_time"].dims))
        return np.asarray(events["start_time"].values, float), np.asarray(events[dim].values)
    return np.atleast_1d(np.asarray(events, dtype=float)), None


def _nearest_positions(
    da: xr.DataArray, times: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    """Nearest sample position of every time, the sample times there, and the sample step."""
    index = da.xindexes.get("time")
    n = da.sizes["time"]
    if isinstance(index, RangeIndex):
        step = float(index.step)
        pos = np.clip(np.rint((times - index.start) / step), 0, n - 1).astype(np.int64)
        return pos, index.start + pos * step, step
    stamps = np.asarray(da["time"].values, dtype=float)
    step = float(np.median(np.diff(stamps))) if n > 1 else 1.0
    right = np.clip(np.searchsorted(stamps, times), 1, max(n - 1, 1))
    left = right - 1
    pos = np.where(np.abs(times - stamps[left]) <= np.abs(stamps[right] - times), left, right)
    pos = np.clip(pos, 0, n - 1)
    return pos, stamps[pos], step


def align(
    series: xr.DataArray | Group,
    events: Any,
    window: tuple[float, float],
) -> xr.DataArray:
    """Cut a window around every event: dims ``(trial, time_from_event, ...)``, lazily.

    Parameters
    ----------
    series
        A DataArray from :func:`series_to_xarray` (any ``chunks``) or a TimeSeries group.
    events
        Event times in seconds, or an intervals table (group or Dataset; ``start_time`` used).
    window
        ``(t_before, t_after)``: seconds before and after each event, both >= 0.

    Notes
    -----
    Each window sample is the nearest sample of the series to ``event + offset``; offsets are
    whole sample steps. Samples outside the recording are clipped to its ends and flagged
    False in the ``valid`` coordinate. ``sample_time`` holds the time of each sample used.
    """
    t_before, t_after = (float(w) for w in window)
    if t_before < 0 or t_after < 0:
        raise ValueError(f"window={window!r}: expected (seconds before, seconds after), both >= 0")
    da = series_to_xarray(series, chunks=None) if isinstance(series, Group) else series
    times, trial_ids = _event_times(events)
    _, _, step = _nearest_positions(da, times[:1] if len(times) else np.zeros(1))
    offsets = np.arange(-round(t_before / step), round(t_after / step) + 1) * step
    targets = times[:, None] + offsets[None, :]
    pos, sample_times, _ = _nearest_positions(da, targets.ravel())
    pos = pos.reshape(targets.shape)
    sample_times = sample_times.reshape(targets.shape)
    valid = np.abs(sample_times - targets) <= step / 2 + 1e-12
    time_coords_ = [c for c in da.coords if "time" in da[c].dims]
    base = da.drop_vars(time_coords_)
    cut = base.isel(time=xr.DataArray(pos, dims=("trial", "time_from_event")))
    trial = trial_ids if trial_ids is not None else np.arange(len(times))
    cut = cut.assign_coords(
        trial=trial,
        time_from_event=offsets,
        event_time=("trial", times),
        sample_time=(("trial", "time_from_event"), sample_times),
        valid=(("trial", "time_from_event"), valid),
    )
    order = [
        "trial",
        "time_from_event",
        *(d for d in cut.dims if d not in ("trial", "time_from_event")),
    ]
    return cut.transpose(*order)


# --------------------------------------------------------------------------------------------
# Back into a file
# --------------------------------------------------------------------------------------------
def regular_rate(times: np.ndarray[Any, Any], rtol: float = 1e-6) -> float | None:
    """The sampling rate if ``times`` are evenly spaced within ``rtol`` of a step, else None."""
    if len(times) < 2:
        return None
    diffs = np.diff(times)
    step = (times[-1] - times[0]) / (len(times) - 1)
    if step <= 0 or not np.all(np.abs(diffs - step) <= rtol * step):
        return None
    return float(1.0 / step)


def timeseries_from_xarray(
    da: xr.DataArray,
    parent: Group,
    name: str,
    *,
    unit: str | None = None,
    conversion: float = 1.0,
    offset: float = 0.0,
    resolution: float = -1.0,
    description: str | None = None,
    comments: str | None = None,
    neurodata_type: str = "TimeSeries",
    rtol: float = 1e-6,
) -> Group:
    """Write ``da`` (``time`` first) as a TimeSeries group ``name`` under ``parent``.

    A ``time`` coordinate evenly spaced within ``rtol`` is stored as ``starting_time`` + ``rate``,
    any other as ``timestamps``; without one, ``rate`` 1 Hz from 0 is assumed. Data is written
    block by block along time, so dask-backed arrays are never loaded whole.
    """
    if not da.dims or da.dims[0] != "time":
        raise ValueError(f"dims={da.dims!r}: the first dimension must be 'time'")
    attrs = da.attrs
    unit = unit if unit is not None else str(attrs.get("unit", "unknown"))
    group = parent.create_group(
        name,
        attrs={
            "namespace": "core",
            "neurodata_type": neurodata_type,
            "object_id": str(uuid.uuid4()),
            "description": description or str(attrs.get("description", "no description")),
            "comments": comments or str(attrs.get("comments", "no comments")),
        },
    )
    n = da.sizes["time"]
    array = group.create_array(
        "data",
        shape=da.shape,
        dtype=np.dtype(da.dtype),
        dims=[str(d) for d in da.dims],
        attrs={
            "unit": unit,
            "conversion": np.float64(conversion),
            "offset": np.float64(offset),
            "resolution": np.float64(resolution),
        },
    )
    step = _write_step(array, n)
    for start in range(0, n, step):
        array[start : start + step] = np.asarray(da.isel(time=slice(start, start + step)).values)
    _write_time(group, da, n, rtol)
    return group


def _write_step(array: Array, n: int, target: int = 16 << 20) -> int:
    """Rows per write: whole storage chunks, about ``target`` bytes."""
    row_bytes = max(array.nbytes // max(n, 1), 1)
    chunk_rows = (array.chunks or (1,))[0] if array.chunks else 1
    rows = max(chunk_rows, target // row_bytes // chunk_rows * chunk_rows)
    return max(1, rows)


def _write_time(group: Group, da: xr.DataArray, n: int, rtol: float) -> None:
    index = da.xindexes.get("time")
    if isinstance(index, RangeIndex):
        start, rate = float(index.start), float(1.0 / index.step)
    elif "time" in da.coords:
        times = np.asarray(da["time"].values, dtype=np.float64)
        found = regular_rate(times, rtol)
        if found is None:
            group.create_array(
                "timestamps",
                times,
                dims=["time"],
                attrs={"interval": np.int32(1), "unit": "seconds"},
            )
            return
        start, rate = float(times[0]), found
    else:
        start, rate = 0.0, 1.0
    group.create_array(
        "starting_time",
        np.float64(start),
        attrs={"rate": np.float64(rate), "unit": "seconds"},
    )


__all__ = [
    "TimeRangeIndex",
    "align",
    "build_tree",
    "chunk_dataarray",
    "group_to_dataset",
    "groups_as_dict",
    "ragged_row",
    "regular_rate",
    "series_dataset",
    "series_to_xarray",
    "table_to_xarray",
    "time_coords",
    "time_index",
    "timeseries_from_xarray",
    "to_datatree",
]
