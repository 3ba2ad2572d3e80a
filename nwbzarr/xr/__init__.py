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
multiples of them near dask's ``array.chunk-size``. This package is the only one that imports
xarray and dask.

Modules: :mod:`~nwbzarr.xr.lazy` (the lazy backend array, dask chunks), :mod:`~nwbzarr.xr.coords`
(the lazy time axis), :mod:`~nwbzarr.xr.values` (attributes and variables),
:mod:`~nwbzarr.xr.datasets` (series, tables, any group), :mod:`~nwbzarr.xr.datatree` (a file),
:mod:`~nwbzarr.xr.alignment` (events against series, series back into a file) and
:mod:`~nwbzarr.xr._private`, the one module that uses xarray's private names.
"""

from nwbzarr.xr.alignment import align, regular_rate, timeseries_from_xarray
from nwbzarr.xr.coords import TimeRangeIndex, time_coords, time_index
from nwbzarr.xr.datasets import (
    generic_dataset,
    group_to_dataset,
    is_table,
    ragged_row,
    series_dataset,
    series_to_xarray,
    table_to_xarray,
)
from nwbzarr.xr.datatree import build_tree, groups_as_dict, to_datatree
from nwbzarr.xr.lazy import Chunks, NodeArray, chunk_dataarray, lazy_variable, storage_chunks
from nwbzarr.xr.values import numpy_variable, plain, plain_attrs

__all__ = [
    "Chunks",
    "NodeArray",
    "TimeRangeIndex",
    "align",
    "build_tree",
    "chunk_dataarray",
    "generic_dataset",
    "group_to_dataset",
    "groups_as_dict",
    "is_table",
    "lazy_variable",
    "numpy_variable",
    "plain",
    "plain_attrs",
    "ragged_row",
    "regular_rate",
    "series_dataset",
    "series_to_xarray",
    "storage_chunks",
    "table_to_xarray",
    "time_coords",
    "time_index",
    "timeseries_from_xarray",
    "to_datatree",
]
