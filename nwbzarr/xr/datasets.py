"""Groups as datasets: a TimeSeries, a DynamicTable, or any other group."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import xarray as xr
from xarray.indexes import Index

from nwbzarr.dims import TABLE_TYPES, group_dims, is_series
from nwbzarr.errors import NwbZarrError
from nwbzarr.tree import Array, Group, Reference
from nwbzarr.xr.coords import time_index
from nwbzarr.xr.lazy import Chunks, chunk_dataarray, lazy_variable
from nwbzarr.xr.values import (
    Members,
    array_variables,
    is_lazy_candidate,
    make_dataset,
    members_of,
    node_attrs,
    numpy_variable,
    plain,
    plain_attrs,
)


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
    members: Members,
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
    return _series_dataset(group, members_of(group), scaled)


def _series_dataset(group: Group, members: Members, scaled: bool) -> xr.Dataset:
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
        variables["data"] = lazy_variable(data, data_dims, data_attrs, scale)
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
    return make_dataset(variables, coords, attrs, time)


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
    return _table_dataset(group, members_of(group))


def _table_dataset(group: Group, members: Members) -> xr.Dataset:
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
    return _generic_dataset(group, members_of(group))


def _generic_dataset(group: Group, members: Members) -> xr.Dataset:
    variables: dict[Hashable, xr.Variable] = {}
    for name, array in members.arrays.items():
        try:
            variables.update(
                array_variables(name, array, [f"{name}_dim{i}" for i in range(array.ndim)])
            )
        except (NwbZarrError, OSError, ValueError, TypeError) as err:
            err.add_note(f"while reading {array.describe()}")
            raise
    return make_dataset(variables, {}, node_attrs(group))


def group_to_dataset(group: Group, *, scaled: bool = False) -> xr.Dataset:
    """A series, table or other group as a Dataset (see the module conventions)."""
    return group_dataset(group, members_of(group), scaled)


def group_dataset(group: Group, members: Members, scaled: bool) -> xr.Dataset:
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


__all__ = [
    "generic_dataset",
    "group_dataset",
    "group_to_dataset",
    "is_table",
    "ragged_row",
    "series_dataset",
    "series_to_xarray",
    "table_to_xarray",
]
