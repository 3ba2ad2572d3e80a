"""Extracellular ephys with nwbzarr's typed model: the pynwb tutorial with one import changed.

Run: ``python docs/examples/ecephys.py [OUTPUT_DIR] [hdf5|zarr ...]``. Writes ``ecephys.nwb``
and/or ``ecephys.nwb.zarr`` into OUTPUT_DIR (a temporary directory by default), then reads
them back.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from nwbzarr.model import (
    ElectricalSeries,
    NWBFile,
    Subject,
    TimeSeries,
    read,
    write,
)

SUFFIX = {"hdf5": ".nwb", "zarr": ".nwb.zarr"}


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="mouse in open field",
        identifier="ecephys-example",
        session_start_time=datetime(2019, 4, 3, 11, 0, tzinfo=ZoneInfo("US/Pacific")),
        experimenter=["Baggins, Bilbo"],
        lab="Bag End Laboratory",
        institution="University of Middle Earth",
        experiment_description="an example",
        keywords=["ecephys", "example"],
        related_publications="doi:10.0000/example",
        subject=Subject(subject_id="001", species="Mus musculus", sex="M", age="P90D"),
    )
    device = nwbfile.create_device(name="array", description="probe", manufacturer="acme")
    shank = nwbfile.create_electrode_group(
        name="shank0", description="shank 0", location="CA1", device=device
    )
    nwbfile.add_electrode_column(name="label", description="electrode label")
    for i in range(4):
        nwbfile.add_electrode(
            group=shank, location="CA1", label=f"ch{i}", x=float(i), y=0.0, z=-float(i)
        )
    region = nwbfile.create_electrode_table_region(region=[0, 2], description="two electrodes")
    rng = np.random.default_rng(0)
    nwbfile.add_acquisition(
        ElectricalSeries(
            name="ElectricalSeries",
            data=rng.normal(size=(100, 2)).astype("float32"),
            electrodes=region,
            rate=1000.0,
            starting_time=0.0,
            filtering="none",
            channel_conversion=[1.0, 1.0],
        )
    )
    nwbfile.add_acquisition(
        TimeSeries(
            name="ts_rate", data=np.arange(20, dtype="int16").reshape(10, 2), unit="V", rate=30.0
        )
    )
    with_ts = TimeSeries(
        name="ts_timestamps",
        data=np.linspace(0, 1, 11),
        unit="m",
        timestamps=np.cumsum([0.0, 1.0, 1.1, 0.9, 1.0, 1.2, 0.8, 1.0, 1.1, 0.9, 1.0]),  # irregular
        conversion=0.001,
        offset=0.5,
        resolution=0.01,
        continuity="continuous",
        description="explicit timestamps",
        comments="c",
    )
    nwbfile.add_acquisition(with_ts)
    nwbfile.add_acquisition(
        TimeSeries(name="ts_linked_timestamps", data=np.ones(11), unit="m", timestamps=with_ts)
    )
    nwbfile.add_trial_column(name="correct", description="correct trial")
    nwbfile.add_trial(start_time=0.0, stop_time=1.0, correct=True)
    nwbfile.add_trial(start_time=2.0, stop_time=3.5, correct=False)
    nwbfile.add_unit(spike_times=[0.1, 0.2, 0.3], obs_intervals=[[0.0, 1.0]], electrodes=[0, 1])
    nwbfile.add_unit(spike_times=[0.5], obs_intervals=[[0.0, 0.5], [1.0, 2.0]], electrodes=[2])
    if nwbfile.units is not None:  # made by add_unit
        nwbfile.units.resolution = 1e-3  # spike times are known to the sampling period (1 ms)
    behavior = nwbfile.create_processing_module(name="behavior", description="behavioral data")
    behavior.add(TimeSeries(name="speed", data=np.arange(5.0), unit="m/s", rate=10.0))
    nwbfile.add_scratch(np.arange(5.0), name="scratch_array", description="an ndarray in scratch")
    nwbfile.add_scratch("a note", name="scratch_note", description="a string note")
    return nwbfile


def main(out_dir: Path, formats: list[str]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"ecephys{SUFFIX[fmt]}"
        write(build(), path, overwrite=True)
        back = read(path)
        series = back.acquisition["ElectricalSeries"]
        assert isinstance(series, ElectricalSeries)
        print(f"{path}: {series.data.shape} samples x channels, {len(back.units or [])} units")
        paths.append(path)
    return paths


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    main(out, sys.argv[2:] or ["hdf5", "zarr"])
