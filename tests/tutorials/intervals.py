"""Time intervals, in the style of pynwb's ``general/plot_timeintervals.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, TimeSeries
from pynwb.epoch import TimeIntervals

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="demonstrate time intervals",
        identifier="intervals",
        session_start_time=START,
    )
    rng = np.random.default_rng(5)
    ts1 = TimeSeries(name="ts1", data=rng.random(100), unit="unit", timestamps=np.arange(100.0))
    ts2 = TimeSeries(name="ts2", data=rng.random(200), unit="unit", starting_time=0.0, rate=2.0)
    nwbfile.add_acquisition(ts1)
    nwbfile.add_acquisition(ts2)

    nwbfile.add_trial_column(name="stim", description="the visual stimuli during the trial")
    nwbfile.add_trial(start_time=0.0, stop_time=2.0, stim="person", timeseries=[ts1])
    nwbfile.add_trial(start_time=3.0, stop_time=5.0, stim="ocean", timeseries=[ts1, ts2])
    nwbfile.add_trial(start_time=6.0, stop_time=8.0, stim="desert", timeseries=[ts2])

    nwbfile.add_epoch(start_time=2.0, stop_time=4.0, tags=["first", "example"], timeseries=[ts1])
    nwbfile.add_epoch(1.5, 3.0, ["second", "example"], [ts2])

    sleep_stages = TimeIntervals(name="sleep_stages", description="intervals for each sleep stage")
    sleep_stages.add_column(name="stage", description="stage of sleep")
    sleep_stages.add_column(name="confidence", description="confidence in stage (0-1)")
    sleep_stages.add_row(start_time=0.3, stop_time=0.5, stage=1, confidence=0.5)
    sleep_stages.add_row(start_time=0.7, stop_time=0.9, stage=2, confidence=0.99)
    sleep_stages.add_row(start_time=1.3, stop_time=3.0, stage=3, confidence=0.7)
    nwbfile.add_time_intervals(sleep_stages)

    saccades = nwbfile.create_time_intervals(
        name="saccades", description="the saccades of the right eye"
    )
    saccades.add_interval(start_time=1.0, stop_time=1.2, tags=["slow"])
    saccades.add_interval(2.0, 2.1, tags=["fast"])
    nwbfile.add_invalid_time_interval(start_time=50.0, stop_time=51.0)
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "intervals_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "intervals_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        trials = nwbfile.trials
        sleep = nwbfile.intervals["sleep_stages"].to_dataframe()
        saccades = nwbfile.get_time_intervals("saccades")
        refs = trials["timeseries"]
        return {
            "intervals": sorted(nwbfile.intervals),
            "trials columns": list(trials.colnames),
            "trials start": trials["start_time"][:],
            "trials stop": trials["stop_time"][:],
            "stim": list(trials["stim"][:]),
            "trial 1 series": [ref.timeseries.name for ref in refs[1]],
            "trial 1 counts": [int(ref.count) for ref in refs[1]],
            "trial 2 start idx": [int(ref.idx_start) for ref in refs[2]],
            "trial 1 data": np.concatenate([ref.data for ref in refs[1]]),
            "epochs": nwbfile.epochs.to_dataframe()["start_time"].to_numpy(),
            "epoch tags": [list(t) for t in nwbfile.epochs["tags"][:]],
            "sleep stage": sleep["stage"].to_numpy(),
            "sleep confidence": sleep["confidence"].to_numpy(),
            "sleep description": nwbfile.intervals["sleep_stages"].description,
            "saccades": saccades["stop_time"][:],
            "saccade tags": [list(t) for t in saccades["tags"][:]],
            "invalid": nwbfile.invalid_times["stop_time"][:],
        }
