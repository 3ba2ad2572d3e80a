"""The xarray adapter: series, tables and files as lazy labelled xarray objects, and back.

Values are checked against the node tree (which other tests check against pynwb), on the
pynwb 4.2 corpus file, on its Zarr conversion, and on a large multi-chunk file written here
through the tree API, where store reads are counted.
"""

from __future__ import annotations

import pickle
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from conftest import ecephys_as
from support.corpus import GENERATED, check_each, group_param

import nwbzarr
from nwbzarr import Array, Group
from nwbzarr.backends.hdf5 import H5Array
from nwbzarr.xarray_backend import NWBZarrBackendEntrypoint
from nwbzarr.xr import (
    TimeRangeIndex,
    align,
    regular_rate,
    series_to_xarray,
    table_to_xarray,
    timeseries_from_xarray,
    to_datatree,
)
from nwbzarr.xr.lazy import NodeArray

N, C, CHUNK, RATE = 200_000, 4, 10_000, 1000.0

pytestmark = pytest.mark.filterwarnings("ignore:left out of the xarray view")


def _array(group: Group, name: str) -> Array:
    node = group[name]
    assert isinstance(node, Array)
    return node


def _group(group: Group, name: str) -> Group:
    node = group[name]
    assert isinstance(node, Group)
    return node


@pytest.fixture(scope="module", params=["hdf5", "zarr"])
def ecephys(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """basic_ecephys.nwb as written by pynwb, and its Zarr conversion."""
    return ecephys_as(str(request.param), tmp_path_factory)


@pytest.fixture
def root(ecephys: Path) -> Iterator[Group]:
    with nwbzarr.open(ecephys) as r:
        yield r


@pytest.fixture(scope="module", params=["hdf5", "zarr"])
def big(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    suffix = ".nwb" if request.param == "hdf5" else ".nwb.zarr"
    path = tmp_path_factory.mktemp("big") / f"big{suffix}"
    with nwbzarr.open(path, "w") as r:
        values = np.arange(N * C, dtype=np.float32).reshape(N, C)
        series = r.create_group(
            "acquisition/big",
            attrs={"namespace": "core", "neurodata_type": "TimeSeries", "object_id": "x"},
        )
        series.create_array("data", values, chunks=(CHUNK, C), attrs={"unit": "volts"})
        series.create_array("starting_time", np.float64(0.0), attrs={"rate": np.float64(RATE)})
    return path


# --------------------------------------------------------------------------------------------
# series
# --------------------------------------------------------------------------------------------
def test_electrical_series_values_and_coords(root: Group) -> None:
    group = _group(root, "acquisition/ElectricalSeries")
    da = series_to_xarray(group, chunks=None)
    stored = _array(group, "data")[...]
    assert da.dims == ("time", "channel")
    np.testing.assert_array_equal(da.values, stored)
    rate = float(_array(group, "starting_time").attrs["rate"])
    t0 = float(_array(group, "starting_time")[()])
    np.testing.assert_allclose(da["time"].values, t0 + np.arange(stored.shape[0]) / rate)
    rows = _array(group, "electrodes")[...]
    table = _group(root, "general/extracellular_ephys/electrodes")
    np.testing.assert_array_equal(da["channel"].values, _array(table, "id")[...][rows])
    np.testing.assert_array_equal(da["electrodes"].values, rows)
    for col in ("location", "group_name", "x", "y", "z"):
        np.testing.assert_array_equal(da[col].values, _array(table, col)[...][rows])
    assert da["electrodes"].attrs["table"] == "/general/extracellular_ephys/electrodes"
    data_attrs = _array(group, "data").attrs
    for key in ("unit", "conversion", "offset", "resolution"):
        assert da.attrs[key] == data_attrs[key]
    for key in ("description", "neurodata_type", "object_id"):
        assert da.attrs[key] == group.attrs[key]
    assert da.attrs["path"] == "/acquisition/ElectricalSeries"
    np.testing.assert_array_equal(
        series_to_xarray(group, chunks="storage").compute().values, stored
    )


def test_rate_time_is_lazy_and_selectable(root: Group) -> None:
    da = series_to_xarray(_group(root, "acquisition/ElectricalSeries"), chunks=None)
    assert isinstance(da.xindexes["time"], TimeRangeIndex)
    assert not isinstance(da["time"].variable._data, np.ndarray)  # not materialised
    window = da.sel(time=slice(0.010, 0.020))
    np.testing.assert_allclose(window["time"].values, np.arange(10, 21) / 1000.0)
    np.testing.assert_array_equal(window.values, da.values[10:21])
    assert isinstance(window.xindexes["time"], TimeRangeIndex)
    assert float(da.sel(time=0.0123, method="nearest")["time"]) == pytest.approx(0.012)
    assert float(da.sel(time=0.012)["time"]) == pytest.approx(0.012)
    with pytest.raises(KeyError):
        da.sel(time=0.0123)
    nearest = da.sel(time=slice(0.0101, 0.0119), method="nearest")
    assert nearest.sizes["time"] >= 1


def test_timestamps_and_linked_timestamps(root: Group) -> None:
    own = series_to_xarray(_group(root, "acquisition/ts_timestamps"), chunks=None)
    linked = series_to_xarray(_group(root, "acquisition/ts_linked_timestamps"), chunks=None)
    stamps = _array(root, "acquisition/ts_timestamps/timestamps")[...]
    np.testing.assert_array_equal(own["time"].values, stamps)
    np.testing.assert_array_equal(linked["time"].values, stamps)
    assert linked.attrs["timestamps_link"] == "/acquisition/ts_timestamps/timestamps"
    np.testing.assert_array_equal(
        linked.values, _array(root, "acquisition/ts_linked_timestamps/data")[...]
    )


def test_scaled(root: Group) -> None:
    group = _group(root, "acquisition/ts_timestamps")
    data = _array(group, "data")
    conversion, offset = float(data.attrs["conversion"]), float(data.attrs["offset"])
    for chunks in (None, "storage"):
        da = series_to_xarray(group, scaled=True, chunks=chunks)
        np.testing.assert_allclose(da.values, data[...] * conversion + offset)
    ints = series_to_xarray(_group(root, "acquisition/ts_rate"), scaled=True, chunks=None)
    assert ints.dtype.kind == "f"


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def test_units_table_ragged(root: Group) -> None:
    units = _group(root, "units")
    ds = table_to_xarray(units)
    np.testing.assert_array_equal(ds["units"].values, _array(units, "id")[...])
    spikes = _array(units, "spike_times")[...]
    ends = _array(units, "spike_times_index")[...]
    np.testing.assert_array_equal(ds["spike_times"].values, spikes)
    np.testing.assert_array_equal(np.cumsum(ds["spike_times_count"].values), ends)
    assert ds["spike_times"].dims == ("spike_times_element",)
    inner = _array(units, "waveform_tags_index")[...]
    outer = _array(units, "waveform_tags_index_index")[...]
    np.testing.assert_array_equal(np.cumsum(ds["waveform_tags_sublist_count"].values), inner)
    np.testing.assert_array_equal(np.cumsum(ds["waveform_tags_count"].values), outer)
    assert ds["electrodes"].attrs["table"] == "/general/extracellular_ephys/electrodes"
    np.testing.assert_array_equal(ds["electrodes"].values, _array(units, "electrodes")[...])


def test_tables_references_and_columns(root: Group) -> None:
    electrodes = table_to_xarray(_group(root, "general/extracellular_ephys/electrodes"))
    assert list(electrodes["group"].values) == ["/general/extracellular_ephys/shank0"] * 4
    trials = table_to_xarray(_group(root, "intervals/trials"))
    assert trials["start_time"].dims == ("trials",)
    np.testing.assert_array_equal(
        trials["correct"].values, _array(root, "intervals/trials/correct")[...]
    )


# --------------------------------------------------------------------------------------------
# engine and DataTree
# --------------------------------------------------------------------------------------------
def test_open_dataset_engine(ecephys: Path) -> None:
    with xr.open_dataset(ecephys, engine="nwbzarr", group="/acquisition/ElectricalSeries") as ds:
        assert ds["data"].dims == ("time", "channel")
        assert ds.sizes["time"] == 100
    with xr.open_dataset(ecephys, engine="nwbzarr", group="/units") as ds:
        assert "spike_times_count" in ds
    with xr.open_dataset(
        ecephys, engine="nwbzarr", group="/acquisition/ElectricalSeries", chunks={}
    ) as ds:
        assert ds["data"].chunks is not None
    assert NWBZarrBackendEntrypoint().guess_can_open(ecephys)
    assert not NWBZarrBackendEntrypoint().guess_can_open("x.nc")


def test_guess_can_open(tmp_path: Path, corpus: Path) -> None:
    entry = NWBZarrBackendEntrypoint()
    stores = sorted(corpus.glob("hdmfzarr01*/*.nwb.zarr"))  # Zarr 3, and 2 when present
    assert stores
    for path in stores:
        assert entry.guess_can_open(path)
    plain = tmp_path / "plain.zarr"
    plain.mkdir()
    (plain / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group", "attributes": {}}')
    assert not entry.guess_can_open(plain)
    (tmp_path / "not_hdf5.nwb").write_bytes(b"hello")
    assert not entry.guess_can_open(tmp_path / "not_hdf5.nwb")
    assert entry.guess_can_open("s3://bucket/session.nwb.zarr")


def test_url_store_and_pickled_reader(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A store given by URL opens through nwbzarr.open; readers pickle with their Location."""
    url = "memory://xr-test/basic_ecephys.nwb.zarr"
    nwbzarr.convert(ecephys_as("hdf5", tmp_path_factory), url)
    with xr.open_dataset(url, engine="nwbzarr", group="/acquisition/ElectricalSeries") as ds:
        expected = ds["data"].values
    tree = xr.open_datatree(url, engine="nwbzarr")
    assert tree["units"].ds.sizes["units"] == 2
    with nwbzarr.open(url) as r:
        reader = NodeArray(_array(r, "acquisition/ElectricalSeries/data"))
    clone = pickle.loads(pickle.dumps(reader))
    np.testing.assert_array_equal(clone._raw((slice(None), slice(None))), expected)


def test_datatree_alignment_rules(root: Group) -> None:
    tree = to_datatree(root)
    assert "specifications" not in tree.children
    assert tree["acquisition"].ds.sizes == {}  # containers hold nothing
    assert tree["acquisition/ElectricalSeries"].ds["data"].dims == ("time", "channel")
    assert tree["intervals/trials"].ds.sizes["trials"] == 2
    assert "links" in tree["general/extracellular_ephys/shank0"].ds.attrs


# each generated entry, and the third-party ones in one test (they skip when absent)
CORPUS_ENTRIES = [*GENERATED["hdf5"], *GENERATED["zarr"], group_param("hdf5", "zarr")]


@pytest.mark.parametrize("rel", CORPUS_ENTRIES)
def test_open_datatree_corpus(rel: str, corpus: Path) -> None:
    check_each(rel, lambda one: _check_open_datatree(corpus / one))


def _check_open_datatree(path: Path) -> None:
    tree = xr.open_datatree(path, engine="nwbzarr")
    assert tree.attrs["path"] == "/"
    for node in tree.subtree:
        kind = node.ds.attrs.get("neurodata_type", "")
        if "data" in node.ds and "time" in node.ds["data"].dims and node.ds.sizes["time"]:
            node.ds["data"].isel(time=slice(0, 2)).load()
        assert isinstance(kind, str)


@pytest.mark.parametrize("rel", CORPUS_ENTRIES)
def test_open_datatree_corpus_with_auto_chunks(rel: str, corpus: Path) -> None:
    """``chunks="auto"``: dask sizes every variable (text is numpy unicode, not objects, which
    dask refuses to size) and numeric data becomes dask arrays."""
    check_each(rel, lambda one: _check_auto_chunks(corpus / one))


def _check_auto_chunks(path: Path) -> None:
    with xr.open_datatree(path, engine="nwbzarr", chunks="auto") as tree:
        chunked = [
            var
            for node in tree.subtree
            for var in node.to_dataset(inherit=False).data_vars.values()
            if var.chunks is not None
        ]
        assert chunked, "no variable became a dask array"


# --------------------------------------------------------------------------------------------
# laziness: count reads
# --------------------------------------------------------------------------------------------
def _count_reads(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[Any]:
    """Record what reaches storage: HDF5 read keys of ``data``, or Zarr chunk keys."""
    calls: list[Any] = []
    if path.suffix == ".zarr":
        import zarr.storage

        original = zarr.storage.LocalStore.get

        async def get(self: Any, key: str, *args: Any, **kwargs: Any) -> Any:
            if "big/data/c" in key:
                calls.append(key)
            return await original(self, key, *args, **kwargs)

        monkeypatch.setattr(zarr.storage.LocalStore, "get", get)
    else:
        original_read = H5Array._read

        def read(self: H5Array, key: tuple[Any, ...]) -> Any:
            if self.path.endswith("big/data"):
                calls.append(key)
            return original_read(self, key)

        monkeypatch.setattr(H5Array, "_read", read)
    return calls


@pytest.mark.parametrize("chunks", [None, "storage"])
def test_open_reads_no_data_and_window_reads_its_chunks(
    big: Path, monkeypatch: pytest.MonkeyPatch, chunks: Any
) -> None:
    calls = _count_reads(monkeypatch, big)
    with nwbzarr.open(big) as r:
        da = series_to_xarray(_group(r, "acquisition/big"), chunks=chunks)
        assert calls == []
        if chunks == "storage":
            assert da.chunks == ((CHUNK,) * (N // CHUNK), (C,))
        window = da.sel(time=slice(50.5, 51.5)).values  # rows 50 500..51 500: chunk 5 only
        expected = np.arange(50_500 * C, 51_501 * C, dtype=np.float32).reshape(-1, C)
        np.testing.assert_array_equal(window, expected)
    if big.suffix == ".zarr":
        assert sorted(set(calls)) == [calls[0]] and calls[0].endswith("c/5/0")
    else:
        assert len(calls) == 1
        rows = calls[0][0]
        assert isinstance(rows, slice) and rows.stop - rows.start <= CHUNK


def test_window_read_timing(big: Path) -> None:
    """Record the cost of a window read through xarray vs a direct slice (both < 1 s)."""
    with nwbzarr.open(big) as r:
        group = _group(r, "acquisition/big")
        t0 = time.perf_counter()
        direct = _array(group, "data")[50_500:51_501]
        t_direct = time.perf_counter() - t0
        t0 = time.perf_counter()
        via = series_to_xarray(group, chunks=None).sel(time=slice(50.5, 51.5)).values
        t_xr = time.perf_counter() - t0
    np.testing.assert_array_equal(direct, via)
    assert t_xr < 1.0 and t_direct < 1.0


def test_sharded_series_chunks_follow_shards(tmp_path: Path) -> None:
    path = tmp_path / "sharded.nwb.zarr"
    values = np.arange(40_000 * 2, dtype=np.int16).reshape(-1, 2)
    with nwbzarr.open(path, "w") as r:
        series = r.create_group("acquisition/s", attrs={"neurodata_type": "TimeSeries"})
        series.create_array("data", values, chunks=(1_000, 2), shards=(10_000, 2))
        series.create_array("starting_time", np.float64(0.0), attrs={"rate": np.float64(100.0)})
    with nwbzarr.open(path) as r:
        da = series_to_xarray(_group(r, "acquisition/s"))
        assert da.chunks == ((10_000,) * 4, (2,))
        assert da.encoding["storage_chunks"] == (1_000, 2)
        np.testing.assert_array_equal(da.values, values)
        auto = series_to_xarray(_group(r, "acquisition/s"), chunks="auto")
        assert auto.chunks is not None and auto.chunks[0][0] % 10_000 == 0
        explicit = series_to_xarray(_group(r, "acquisition/s"), chunks={"time": 20_000})
        assert explicit.chunks == ((20_000, 20_000), (2,))


def test_node_array_pickles(big: Path) -> None:
    with nwbzarr.open(big) as r:
        da = series_to_xarray(_group(r, "acquisition/big"), chunks="storage")
        lazy = NodeArray(_array(r, "acquisition/big/data"))
    clone = pickle.loads(pickle.dumps(lazy))
    assert clone._array is None
    np.testing.assert_array_equal(
        clone._raw((slice(0, 2), slice(None))), [[0, 1, 2, 3], [4, 5, 6, 7]]
    )
    # the file is closed: dask tasks reopen it by location
    assert float(da.isel(time=slice(0, 2)).sum().compute()) == 28.0


# --------------------------------------------------------------------------------------------
# alignment
# --------------------------------------------------------------------------------------------
def test_align_events(root: Group) -> None:
    da = series_to_xarray(_group(root, "acquisition/ElectricalSeries"), chunks=None)
    cut = align(da, np.array([0.020, 0.0504]), window=(0.005, 0.010))
    assert cut.dims == ("trial", "time_from_event", "channel")
    assert cut.shape == (2, 16, 2)
    np.testing.assert_allclose(cut["time_from_event"].values, np.arange(-5, 11) / 1000.0)
    values = da.values
    np.testing.assert_array_equal(cut.values[0], values[15:31])
    np.testing.assert_array_equal(cut.values[1], values[45:61])
    assert bool(cut["valid"].all())
    lazy = align(series_to_xarray(_group(root, "acquisition/ElectricalSeries")), [0.02], (0, 0))
    assert lazy.chunks is not None
    np.testing.assert_array_equal(lazy.values[0, 0], values[20])


def test_align_trials_on_timestamps(root: Group) -> None:
    series = _group(root, "acquisition/ts_timestamps")
    cut = align(series, _group(root, "intervals/trials"), window=(0.0, 0.2))
    stamps = _array(series, "timestamps")[...]
    data = _array(series, "data")[...]
    assert cut.shape == (2, 3)
    np.testing.assert_array_equal(cut["trial"].values, [0, 1])
    np.testing.assert_array_equal(cut.values[0], data[0:3])
    np.testing.assert_allclose(cut["sample_time"].values[0], stamps[0:3])
    assert list(cut["valid"].values[1]) == [True, False, False]  # the recording ends at 1.0
    with pytest.raises(ValueError, match="window"):
        align(series, [0.5], window=(-0.1, 0.1))


# --------------------------------------------------------------------------------------------
# back into a file
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".nwb", ".nwb.zarr"])
def test_round_trip(root: Group, tmp_path: Path, suffix: str) -> None:
    source = series_to_xarray(_group(root, "acquisition/ElectricalSeries"))
    irregular = series_to_xarray(_group(root, "acquisition/ts_timestamps"), chunks=None)
    irregular = irregular.assign_coords(time=irregular["time"].values ** 2)
    path = tmp_path / f"out{suffix}"
    with nwbzarr.open(path, "w") as out:
        parent = out.require_group("processing/analysis")
        timeseries_from_xarray(source, parent, "copy", description="a copy")
        timeseries_from_xarray(irregular, parent, "irregular")
    with nwbzarr.open(path) as back:
        copy = _group(back, "processing/analysis/copy")
        assert "starting_time" in copy and "timestamps" not in copy
        assert copy.attrs["neurodata_type"] == "TimeSeries"
        assert copy.attrs["description"] == "a copy"
        da = series_to_xarray(copy, chunks=None)
        np.testing.assert_array_equal(da.values, source.values)
        np.testing.assert_allclose(da["time"].values, source["time"].values)
        assert da.attrs["unit"] == "volts"
        assert isinstance(da.xindexes["time"], TimeRangeIndex)
        irr = series_to_xarray(_group(back, "processing/analysis/irregular"), chunks=None)
        np.testing.assert_array_equal(irr["time"].values, irregular["time"].values)
        np.testing.assert_array_equal(irr.values, irregular.values)
        assert "timestamps" in _group(back, "processing/analysis/irregular")


@pytest.mark.parametrize("suffix", [".nwb", ".nwb.zarr"])
def test_write_large_lazy_series(tmp_path: Path, suffix: str) -> None:
    """A dask-backed 200 000-row series is written block by block, then read back equal."""
    values = np.arange(N * C, dtype=np.float32).reshape(N, C)
    coords = xr.Coordinates.from_xindex(
        TimeRangeIndex.linspace(2.0, 2.0 + (N - 1) / RATE, num=N, dim="time")
    )
    da = xr.DataArray(values, dims=("time", "channel"), coords=coords).chunk({"time": 7_000})
    path = tmp_path / f"big{suffix}"
    with nwbzarr.open(path, "w") as out:
        timeseries_from_xarray(da, out.require_group("acquisition"), "big", unit="volts")
    with nwbzarr.open(path) as back:
        group = _group(back, "acquisition/big")
        assert float(_array(group, "starting_time").attrs["rate"]) == pytest.approx(RATE)
        assert float(_array(group, "starting_time")[()]) == 2.0
        again = series_to_xarray(group, chunks=None)
        np.testing.assert_array_equal(again.values, values)
        assert again.attrs["unit"] == "volts"


def test_regular_rate() -> None:
    assert regular_rate(np.arange(10) / 30.0) == pytest.approx(30.0)
    assert regular_rate(np.array([0.0, 1.0, 3.0])) is None
    assert regular_rate(np.array([1.0])) is None


# --------------------------------------------------------------------------------------------
# dask.distributed
# --------------------------------------------------------------------------------------------
def test_distributed_mean(big: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
    try:
        with nwbzarr.open(big) as r:
            da = series_to_xarray(_group(r, "acquisition/big"), chunks="auto")
            assert da.chunks is not None
            assert all(n % CHUNK == 0 for n in da.chunks[0][:-1])  # whole storage chunks
            mean = float(da.mean().compute())
        assert mean == pytest.approx((N * C - 1) / 2)
    finally:
        client.close()
        cluster.close()
