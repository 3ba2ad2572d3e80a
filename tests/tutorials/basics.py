"""NWB basics, in the style of pynwb's ``general/plot_file.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, TimeSeries
from pynwb.behavior import Position, SpatialSeries
from pynwb.file import Subject

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="Mouse exploring an open field",
        identifier=str(uuid4()),
        session_start_time=START,
        session_id="session_1234",
        experimenter=["Ryan, Jack"],
        lab="My Lab Name",
        institution="University of My Institution",
        experiment_description="I went on an adventure to reclaim vast treasures.",
        related_publications="DOI:10.1016/j.neuron.2016.12.011",
        keywords=["behavior", "exploration"],
    )
    nwbfile.subject = Subject(
        subject_id="001",
        age="P90D",
        description="mouse 5",
        species="Mus musculus",
        sex="M",
    )
    data = np.arange(100, 200, 10)
    time_series_with_rate = TimeSeries(
        name="test_timeseries",
        description="an example time series",
        data=data,
        unit="m",
        starting_time=0.0,
        rate=1.0,
    )
    timestamps = np.arange(10.0)
    time_series_with_timestamps = TimeSeries(
        name="test_timeseries_ts",
        description="an example time series",
        data=data,
        unit="m",
        timestamps=timestamps,
    )
    nwbfile.add_acquisition(time_series_with_rate)
    nwbfile.add_acquisition(time_series_with_timestamps)
    nwbfile.add_acquisition(
        TimeSeries(
            name="shares_timestamps",
            data=data * 2,
            unit="m",
            timestamps=time_series_with_timestamps,
        )
    )

    position_data = np.array([np.linspace(0, 10, 50), np.linspace(0, 8, 50)]).T
    spatial_series_obj = SpatialSeries(
        name="SpatialSeries",
        description="(x,y) position in open field",
        data=position_data,
        timestamps=np.linspace(0, 50) / 200,
        reference_frame="(0,0) is bottom left corner",
    )
    position_obj = Position(spatial_series=spatial_series_obj)
    behavior_module = nwbfile.create_processing_module(
        name="behavior", description="processed behavioral data"
    )
    behavior_module.add(position_obj)

    nwbfile.add_trial_column(name="correct", description="whether the trial was correct")
    nwbfile.add_trial(start_time=1.0, stop_time=5.0, correct=True)
    nwbfile.add_trial(start_time=6.0, stop_time=10.0, correct=False)
    nwbfile.add_epoch(
        start_time=2.0,
        stop_time=4.0,
        tags=["first", "example"],
        timeseries=[time_series_with_timestamps],
    )
    nwbfile.add_epoch(
        start_time=6.0,
        stop_time=8.0,
        tags=["second", "example"],
        timeseries=[time_series_with_rate],
    )
    nwbfile.add_invalid_time_interval(start_time=0.0, stop_time=0.5)

    nwbfile.add_unit_column(name="quality", description="sorting quality")
    rng = np.random.default_rng(2)
    for n_units_per_shank in range(3):
        spike_times = np.sort(rng.random(5 + n_units_per_shank) * 10)
        nwbfile.add_unit(spike_times=spike_times, quality="good")
    return nwbfile


def write(folder: str) -> None:
    nwbfile = build()
    assert nwbfile.objects[nwbfile.acquisition["test_timeseries"].object_id].name == (
        "test_timeseries"
    )
    with NWBHDF5IO(os.path.join(folder, "basics_tutorial" + SUFFIX), "w") as io:
        io.write(nwbfile)


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "basics_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        ts = nwbfile.acquisition["test_timeseries"]
        shared = nwbfile.get_acquisition("shares_timestamps")
        position = nwbfile.processing["behavior"]["Position"]
        spatial = position.spatial_series["SpatialSeries"]
        trials = nwbfile.trials.to_dataframe()
        epochs = nwbfile.epochs.to_dataframe()
        units = nwbfile.units
        by_type = sorted(type(obj).__name__ for obj in nwbfile.objects.values())
        return {
            "session_description": nwbfile.session_description,
            "session_id": nwbfile.session_id,
            "experimenter": list(nwbfile.experimenter),
            "keywords": list(nwbfile.keywords[:]),
            "related_publications": list(nwbfile.related_publications),
            "subject": [nwbfile.subject.subject_id, nwbfile.subject.age, nwbfile.subject.sex],
            "species": nwbfile.subject.species,
            "data": ts.data[:],
            "rate": ts.rate,
            "starting_time": ts.starting_time,
            "description": ts.description,
            "unit": ts.unit,
            "shared timestamps": np.asarray(shared.timestamps[:]),
            "spatial": spatial.data[:],
            "spatial frame": spatial.reference_frame,
            "spatial unit": spatial.unit,
            "module description": nwbfile.processing["behavior"].description,
            "trials start": trials["start_time"].to_numpy(),
            "trials correct": [bool(v) for v in trials["correct"]],
            "epochs tags": [list(tags) for tags in epochs["tags"]],
            "epoch series": [[ref.timeseries.name for ref in row] for row in epochs["timeseries"]],
            "epoch idx": [[int(ref.idx_start) for ref in row] for row in epochs["timeseries"]],
            "invalid": nwbfile.invalid_times["start_time"][:],
            "units": len(units),
            "spikes 1": units["spike_times"][1],
            "spikes of unit 2": np.asarray(units.get_unit_spike_times(2)),
            "quality": list(units["quality"][:]),
            "object types": by_type,
        }
