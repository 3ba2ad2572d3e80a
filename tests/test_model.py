"""The typed model: write the extracellular workflow, read it with pynwb / hdmf-zarr and nwbzarr."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from model_peers import peer_read, peer_validate
from support.corpus import third_party_param

import nwbzarr
from nwbzarr.errors import ValidationError
from nwbzarr.model import (
    DynamicTable,
    ElectricalSeries,
    GenericContainer,
    NWBFile,
    ScratchData,
    TimeSeries,
    read,
    write,
)
from nwbzarr.tree import Array, SoftLink

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "ecephys.py"
START = datetime(2019, 4, 3, 11, 0, tzinfo=timezone(timedelta(hours=-7)))

pynwb = pytest.importorskip("pynwb")
pytestmark = pytest.mark.interop


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ecephys_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example() -> ModuleType:
    return load_example()


@pytest.fixture
def written(example: ModuleType, fmt: str, new_path: Callable[..., Path]) -> Path:
    path = new_path(fmt, "ecephys")
    write(example.build(), path)
    return path


# --------------------------------------------------------------------------------------------
# peers read what we write
# --------------------------------------------------------------------------------------------
def test_peer_reads_same_values(written: Path, example: ModuleType) -> None:
    expected = example.build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io: Any = peer_read(written)
        with io:
            nwb = io.read()
            assert nwb.identifier == expected.identifier
            assert nwb.session_start_time == expected.session_start_time
            assert list(nwb.experimenter) == expected.experimenter
            assert list(nwb.keywords) == expected.keywords
            assert nwb.lab == expected.lab
            assert nwb.subject.subject_id == "001"
            es = nwb.acquisition["ElectricalSeries"]
            np.testing.assert_array_equal(es.data[:], expected.acquisition["ElectricalSeries"].data)
            assert es.rate == 1000.0
            assert list(es.electrodes.data[:]) == [0, 2]
            assert es.electrodes.table is nwb.electrodes
            electrodes = nwb.electrodes.to_dataframe()
            assert list(electrodes.columns) == [
                "location",
                "group",
                "label",
                "group_name",
                "x",
                "y",
                "z",
            ]
            assert list(electrodes["label"]) == ["ch0", "ch1", "ch2", "ch3"]
            assert electrodes["group"].iloc[0] is nwb.electrode_groups["shank0"]
            assert nwb.electrode_groups["shank0"].device is nwb.devices["array"]
            ts = nwb.acquisition["ts_timestamps"]
            assert ts.conversion == 0.001 and ts.offset == 0.5 and ts.resolution == 0.01
            assert ts.continuity == "continuous" and ts.comments == "c"
            stamps = np.cumsum([0.0, 1.0, 1.1, 0.9, 1.0, 1.2, 0.8, 1.0, 1.1, 0.9, 1.0])
            np.testing.assert_array_equal(ts.timestamps[:], stamps)
            linked = nwb.acquisition["ts_linked_timestamps"]
            assert linked.timestamps is ts.timestamps
            rate = nwb.acquisition["ts_rate"]
            assert rate.rate == 30.0 and rate.starting_time == 0.0 and rate.unit == "V"
            trials = nwb.trials.to_dataframe()
            assert list(trials["correct"]) == [True, False]
            assert list(trials["stop_time"]) == [1.0, 3.5]
            units = nwb.units
            assert list(units["spike_times"][0]) == [0.1, 0.2, 0.3]
            assert list(units["spike_times"][1]) == [0.5]
            np.testing.assert_array_equal(units["obs_intervals"][1], [[0.0, 0.5], [1.0, 2.0]])
            speed = nwb.processing["behavior"]["speed"]
            np.testing.assert_array_equal(speed.data[:], np.arange(5.0))
            assert nwb.get_scratch("scratch_note") == "a note"
            np.testing.assert_array_equal(nwb.get_scratch("scratch_array"), np.arange(5.0))


def test_peer_validates(written: Path) -> None:
    assert peer_validate(written) == []


def test_layout_details(written: Path) -> None:
    with nwbzarr.open(written) as root:
        assert root.attrs["nwb_version"] == "2.11.0"
        assert root.attrs["namespace"] == "core"
        assert root["file_create_date"].shape == (1,)  # type: ignore[attr-defined]
        assert str(root["session_start_time"].datatype) == "string(ascii, vlen)"  # type: ignore[attr-defined]
        assert root["session_start_time"][()] == "2019-04-03T11:00:00-07:00"  # type: ignore[index]
        for group in (
            "acquisition",
            "analysis",
            "processing",
            "general",
            "stimulus/presentation",
            "stimulus/templates",
        ):
            assert group in root
        assert root.get_link("acquisition/ts_linked_timestamps/timestamps") == SoftLink(
            "/acquisition/ts_timestamps/timestamps"
        )
        assert root.get_link("general/extracellular_ephys/shank0/device") == SoftLink(
            "/general/devices/array"
        )
        index = root["units/spike_times_index"]
        assert isinstance(index, Array) and index.dtype == np.dtype("uint8")
        assert root["units/electrodes"].dtype == np.dtype("int64")  # type: ignore[attr-defined]
        assert root["acquisition/ElectricalSeries/electrodes"].dtype == np.dtype("int64")  # type: ignore[attr-defined]
        rate = root["acquisition/ts_rate/starting_time"].attrs["rate"]
        assert isinstance(rate, float | np.floating) and float(rate) == 30.0
        data = root["acquisition/ElectricalSeries/data"]
        if root.file.format == "zarr":
            assert data.dims == ("time", "channel")  # type: ignore[attr-defined]
        assert list(root["general/extracellular_ephys/electrodes"].attrs["colnames"]) == [
            "location",
            "group",
            "label",
            "group_name",
            "x",
            "y",
            "z",
        ]
        for path in ("acquisition/ts_rate", "general/devices/array", "units/spike_times"):
            node = root[path]
            assert {"namespace", "neurodata_type", "object_id"} <= set(node.attrs)


# --------------------------------------------------------------------------------------------
# nwbzarr reads it back
# --------------------------------------------------------------------------------------------
def test_read_back(written: Path, example: ModuleType) -> None:
    expected = example.build()
    nwb = read(written)
    assert nwb.identifier == expected.identifier
    assert nwb.session_start_time == expected.session_start_time
    assert nwb.experimenter == ["Baggins, Bilbo"]
    es = nwb.acquisition["ElectricalSeries"]
    assert isinstance(es, ElectricalSeries)
    assert isinstance(es.data, Array)  # lazy
    np.testing.assert_array_equal(es.data[:], expected.acquisition["ElectricalSeries"].data)
    assert es.electrodes.table is nwb.electrodes
    assert list(es.electrodes.data[:]) == [0, 2]
    assert list(es.electrodes[:].index) == [0, 2]  # the referenced rows, as pynwb
    linked = nwb.acquisition["ts_linked_timestamps"]
    assert isinstance(linked, TimeSeries)
    source = nwb.acquisition["ts_timestamps"]
    assert isinstance(source, TimeSeries)
    assert linked.timestamps is source.timestamps  # pynwb: the timestamps, not the series
    assert linked.timestamps_from is source  # still written as a link to them
    assert nwb.electrodes is not None
    row = nwb.electrodes[1]  # a DataFrame of one row, as pynwb's
    assert list(row.index) == [1] and row["label"].iloc[0] == "ch1"
    assert nwb.electrodes[1, "group"] is nwb.electrode_groups["shank0"]
    assert nwb.electrode_groups["shank0"].device is nwb.devices["array"]
    assert nwb.trials is not None
    assert list(nwb.trials["correct"][:]) == [True, False]
    assert nwb.units is not None and len(nwb.units) == 2
    assert list(nwb.units["spike_times"][0]) == [0.1, 0.2, 0.3]
    assert list(nwb.units["electrodes"][0].index) == [0, 1]  # rows, as pynwb gives them
    scratch = nwb.scratch["scratch_note"]
    assert isinstance(scratch, ScratchData) and scratch.notes == "a string note"
    assert nwb.get_scratch("scratch_note") == "a note"
    assert nwb.subject is not None and nwb.subject.species == "Mus musculus"


def test_to_dataframe(written: Path) -> None:
    pytest.importorskip("pandas")
    nwb = read(written)
    assert nwb.trials is not None
    frame = nwb.trials.to_dataframe()
    assert list(frame.columns) == ["start_time", "stop_time", "correct"]
    assert list(frame.index) == [0, 1]


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
def test_rewrite_validates(written: Path, dst_fmt: str, new_path: Callable[..., Path]) -> None:
    out = new_path(dst_fmt, "rewritten")
    write(read(written), out)
    assert peer_validate(out) == []
    nwb = read(out)
    np.testing.assert_array_equal(
        nwb.acquisition["ts_rate"].data[:],  # type: ignore[attr-defined]
        np.arange(20, dtype="int16").reshape(10, 2),
    )


# --------------------------------------------------------------------------------------------
# the corpus: files from pynwb 4.2 and hdmf-zarr 0.14 (generated) and hdmf-zarr 0.13
# --------------------------------------------------------------------------------------------
CORPUS_FILES = [
    "pynwb42/basic_ecephys.nwb",
    "pynwb42/ophys.nwb",
    "hdmfzarr014/basic_ecephys.nwb.zarr",
    "hdmfzarr014/ophys.nwb.zarr",
    third_party_param("hdmfzarr013/basic_ecephys.nwb.zarr"),
]


# hdmf-zarr 0.14's v2 reader drops the electrodes ``group`` column of its own 0.13 stores, so
# the 0.13 store is compared with the pynwb file written from the same script.
PEER_SOURCE = {"hdmfzarr013/basic_ecephys.nwb.zarr": "pynwb42/basic_ecephys.nwb"}


@pytest.mark.parametrize("rel", CORPUS_FILES)
def test_corpus_read_matches_pynwb(corpus: Path, rel: str) -> None:
    nwb = read(corpus / rel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io: Any = peer_read(corpus / PEER_SOURCE.get(rel, rel))
        with io:
            peer = io.read()
            assert nwb.identifier == peer.identifier
            assert nwb.session_start_time == peer.session_start_time
            assert sorted(nwb.acquisition) == sorted(peer.acquisition)
            assert sorted(nwb.processing) == sorted(peer.processing)
            for name, series in peer.acquisition.items():
                ours = nwb.acquisition[name]
                if isinstance(ours, TimeSeries):
                    np.testing.assert_array_equal(np.asarray(ours.data[()]), series.data[:])
                    assert ours.unit == series.unit
                    assert ours.rate == series.rate
            if peer.units is not None:
                assert nwb.units is not None
                for i in range(len(peer.units)):
                    np.testing.assert_array_equal(
                        nwb.units["spike_times"][i], peer.units["spike_times"][i]
                    )
            if peer.electrodes is not None:
                assert nwb.electrodes is not None
                assert nwb.electrodes.colnames == list(peer.electrodes.colnames)


@pytest.mark.parametrize("rel", CORPUS_FILES)
def test_corpus_rewrite_keeps_everything(
    corpus: Path, rel: str, fmt: str, new_path: Callable[..., Path]
) -> None:
    out = new_path(fmt, "copy")
    nwb = read(corpus / rel)
    write(nwb, out)
    assert peer_validate(out) == []
    with nwbzarr.open(corpus / rel) as src, nwbzarr.open(out) as dst:
        src_paths = {p for p, _ in src.walk() if not p.startswith("/specifications")}
        dst_paths = {p for p, _ in dst.walk() if not p.startswith("/specifications")}
        assert src_paths == dst_paths


def test_unknown_type_is_generic(written: Path, fmt: str, new_path: Callable[..., Path]) -> None:
    with nwbzarr.open(written, "r+") as root:
        root["processing/behavior"].create_group(  # type: ignore[attr-defined]
            "custom",
            attrs={"namespace": "ndx-foo", "neurodata_type": "FooThing", "object_id": "x1"},
        )
        root["processing/behavior/custom"].create_array("values", np.arange(3))  # type: ignore[attr-defined]
    nwb = read(written)
    custom = nwb.processing["behavior"]["custom"]
    assert isinstance(custom, GenericContainer)
    assert custom.type_name == "FooThing" and custom.type_namespace == "ndx-foo"
    out = new_path(fmt, "generic")
    write(nwb, out)
    with nwbzarr.open(out) as root:
        node = root["processing/behavior/custom"]
        assert node.attrs["neurodata_type"] == "FooThing"
        assert node.attrs["object_id"] == "x1"
        np.testing.assert_array_equal(node["values"][()], np.arange(3))  # type: ignore[index]


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def test_naive_start_time_raises() -> None:
    with pytest.raises(ValidationError, match=r"^session_start_time: .* has no timezone"):
        NWBFile(session_description="d", identifier="i", session_start_time=datetime(2020, 1, 1))


def test_timestamps_reference_time_defaults() -> None:
    nwb = NWBFile(session_description="d", identifier="i", session_start_time=START)
    assert nwb.timestamps_reference_time == START


def test_timing_both_or_neither() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^TimeSeries 'x': give either timestamps or starting_time and rate, not both$",
    ):
        TimeSeries(name="x", data=[1, 2], unit="m", timestamps=[0.0, 1.0], rate=1.0)
    with pytest.raises(
        ValidationError,
        match=r"^TimeSeries 'x': give either timestamps or rate \(with starting_time\), "
        r"not neither$",
    ):
        TimeSeries(name="x", data=[1, 2], unit="m")


def test_length_mismatch_raises() -> None:
    with pytest.raises(
        ValidationError, match=r"^TimeSeries 'x': data has 3 time points, timestamps has 2$"
    ):
        TimeSeries(name="x", data=[1, 2, 3], unit="m", timestamps=[0.0, 1.0])


def test_decreasing_timestamps_warn() -> None:
    with pytest.warns(UserWarning, match="timestamps are not ascending"):
        TimeSeries(name="x", data=[1, 2], unit="m", timestamps=[1.0, 0.0])


def test_region_outside_table_raises(example: ModuleType) -> None:
    nwb = example.build()
    with pytest.raises(
        ValidationError,
        match=r"^create_electrode_table_region: indices \[4\] are outside the table "
        r"'electrodes' of 4 rows$",
    ):
        nwb.create_electrode_table_region(region=[0, 4], description="bad")


def test_add_row_missing_column() -> None:
    table = DynamicTable(name="t", description="d")
    table.add_column("a", "a column")
    with pytest.raises(ValidationError, match=r"^t: add_row: missing columns \['a'\]"):
        table.add_row(b=1)


def test_iterator_data(fmt: str, new_path: Callable[..., Path]) -> None:
    from nwbzarr.model import DataIO

    nwb = NWBFile(session_description="d", identifier="i", session_start_time=START)
    blocks = iter([np.ones((10, 3), dtype="int16") * i for i in range(4)])
    data = DataIO(data=blocks, shape=(0, 3), dtype="int16", maxshape=(None, 3), chunks=(10, 3))
    nwb.add_acquisition(TimeSeries(name="stream", data=data, unit="V", rate=10.0))
    path = new_path(fmt)
    write(nwb, path)
    back = read(path).acquisition["stream"]
    assert isinstance(back, TimeSeries)
    assert back.data.shape == (40, 3)
    assert peer_validate(path) == []


def test_example_script_runs(tmp_path: Path, fmt: str) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path), fmt],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "samples x channels, 2 units" in result.stdout


def test_copy_is_shallow(example: ModuleType) -> None:
    nwb = example.build()
    clone = nwb.copy()
    assert clone.acquisition is not nwb.acquisition
    assert clone.acquisition["ts_rate"] is nwb.acquisition["ts_rate"]
