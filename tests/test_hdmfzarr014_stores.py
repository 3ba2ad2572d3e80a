"""Stores written by hdmf-zarr 0.14 itself (Zarr v3): read, converted both ways, read by pynwb."""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr.testing import tree_diff

pynwb = pytest.importorskip("pynwb")
hdmf_zarr_nwb = pytest.importorskip("hdmf_zarr.nwb")

pytestmark = pytest.mark.interop


def _session() -> object:
    from pynwb import NWBFile, TimeSeries
    from pynwb.ecephys import ElectricalSeries

    tz = datetime.UTC
    nwb = NWBFile(
        session_description="hdmf-zarr 0.14 store",
        identifier="hz014",
        session_start_time=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=tz),
    )
    ts1 = TimeSeries(
        name="ts_timestamps", data=np.arange(10.0), unit="m", timestamps=np.arange(10) / 10.0
    )
    ts2 = TimeSeries(
        name="ts_rate",
        data=np.arange(20, dtype=np.int32).reshape(10, 2),
        unit="V",
        starting_time=0.5,
        rate=30.0,
    )
    ts3 = TimeSeries(
        name="ts_linked", data=np.arange(10, dtype=np.float32), unit="m", timestamps=ts1
    )
    for ts in (ts1, ts2, ts3):
        nwb.add_acquisition(ts)
    device = nwb.create_device(name="dev", description="a device")
    group = nwb.create_electrode_group(
        name="eg", description="shank", location="CA1", device=device
    )
    for _ in range(4):
        nwb.add_electrode(group=group, location="CA1")
    region = nwb.create_electrode_table_region(region=[0, 1, 2, 3], description="all")
    nwb.add_acquisition(
        ElectricalSeries(
            name="es",
            data=np.arange(40, dtype=np.int16).reshape(10, 4),
            electrodes=region,
            rate=1000.0,
            conversion=1e-6,
        )
    )
    nwb.add_trial_column(name="good", description="bool column")
    nwb.add_trial(start_time=0.0, stop_time=1.0, good=True, timeseries=[ts1])
    nwb.add_trial(start_time=1.0, stop_time=2.0, good=False, timeseries=[ts1, ts2])
    nwb.add_unit(spike_times=[0.1, 0.2, 0.3])
    nwb.add_unit(spike_times=[0.5])
    nwb.add_scratch(np.arange(5), name="scr", description="scratch data")
    return nwb


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hz014") / "written_by_hdmf_zarr.nwb.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with hdmf_zarr_nwb.NWBZarrIO(str(path), mode="w") as io:
            io.write(_session())
    return path


def test_reads_every_node(store: Path) -> None:
    with nwbzarr.open(store) as root:
        for _, member in root.walk():
            if isinstance(member, nwbzarr.Array):
                member[...]
                dict(member.attrs)
        assert root.get_link("acquisition/ts_linked/timestamps") == nwbzarr.SoftLink(
            "/acquisition/ts_timestamps/timestamps"
        )
        refs = root.array("general/extracellular_ephys/electrodes/group")[:]
        assert {r.path for r in refs} == {"/general/extracellular_ephys/eg"}
        rows = root.array("intervals/trials/timeseries")[:]
        assert rows["timeseries"][0] == nwbzarr.Reference("/acquisition/ts_timestamps")


def test_round_trips_and_pynwb_reads_the_hdf5(store: Path, tmp_path: Path) -> None:
    h5 = tmp_path / "converted.nwb"
    back = tmp_path / "back.nwb.zarr"
    nwbzarr.convert(store, h5, progress=False)
    nwbzarr.convert(h5, back, progress=False)
    with nwbzarr.open(store) as a, nwbzarr.open(h5) as b, nwbzarr.open(back) as c:
        assert tree_diff(a, b) == []
        assert tree_diff(a, c) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pynwb.NWBHDF5IO(str(h5), "r") as io:
            nwb = io.read()
            np.testing.assert_array_equal(
                nwb.acquisition["es"].data[:], np.arange(40).reshape(10, 4)
            )
            np.testing.assert_array_equal(
                nwb.acquisition["ts_linked"].timestamps[:], np.arange(10) / 10.0
            )
            assert list(nwb.trials["good"][:]) == [True, False]
        assert pynwb.validate(path=str(h5)) == []
