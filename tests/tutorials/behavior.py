"""Behavior data, in the style of pynwb's ``domain/plot_behavior.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, TimeSeries
from pynwb.behavior import (
    BehavioralEpochs,
    BehavioralEvents,
    BehavioralTimeSeries,
    CompassDirection,
    EyeTracking,
    Position,
    PupilTracking,
    SpatialSeries,
)
from pynwb.misc import IntervalSeries

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="Mouse exploring an open field",
        identifier="Mouse5_Day3",
        session_start_time=START,
        session_id="session_1234",
        experimenter="My Name",
        lab="My Lab Name",
        institution="University of My Institution",
        related_publications="DOI:10.1016/j.neuron.2016.12.011",
    )
    timestamps = np.linspace(0, 50) / 200
    position_spatial_series = SpatialSeries(
        name="SpatialSeries",
        description="(x,y) position in open field",
        data=np.array([np.linspace(0, 10, 50), np.linspace(0, 8, 50)]).T,
        timestamps=timestamps,
        reference_frame="(0,0) is bottom left corner",
    )
    position = Position(spatial_series=position_spatial_series)

    direction_spatial_series = SpatialSeries(
        name="SpatialSeries",
        description="view angle",
        data=np.linspace(0, 4, 50),
        timestamps=timestamps,
        reference_frame="bottom left",
        unit="radians",
    )
    direction = CompassDirection(spatial_series=direction_spatial_series, name="CompassDirection")

    speed_time_series = TimeSeries(
        name="speed", data=np.linspace(0, 0.4, 50), timestamps=timestamps, unit="m/s"
    )
    behavioral_time_series = BehavioralTimeSeries(
        time_series=speed_time_series, name="BehavioralTimeSeries"
    )

    duration_of_stimulus = np.full(50, np.nan)
    duration_of_stimulus[::5] = np.ones(10)
    time_series = TimeSeries(
        name="stimulus_duration", data=duration_of_stimulus, timestamps=timestamps, unit="seconds"
    )
    behavioral_events = BehavioralEvents(time_series=time_series, name="BehavioralEvents")

    run_intervals = IntervalSeries(
        name="running",
        description="intervals when the animal was running",
        data=[1, -1, 1, -1],
        timestamps=[0.5, 1.5, 3.5, 4.0],
    )
    run_intervals.add_interval(start=6.0, stop=8.5)
    behavioral_epochs = BehavioralEpochs(name="BehavioralEpochs")
    behavioral_epochs.add_interval_series(run_intervals)
    sleep = behavioral_epochs.create_interval_series(
        name="sleeping", data=[1, -1], timestamps=[10.0, 20.0]
    )
    sleep.add_interval(start=30.0, stop=40.0)

    pupil_diameter = TimeSeries(
        name="pupil_diameter",
        description="Pupil diameter extracted from the video of the right eye.",
        data=np.linspace(0.001, 0.002, 50),
        rate=10.0,
        unit="meters",
    )
    pupil_tracking = PupilTracking(time_series=pupil_diameter, name="PupilTracking")

    eye_tracking = EyeTracking(name="EyeTracking")
    eye_tracking.create_spatial_series(
        name="right_eye_position",
        description="The position of the right eye measured in degrees.",
        data=np.linspace(-20, 30, 60).reshape(30, 2),
        rate=50.0,
        reference_frame="bottom left",
        unit="degrees",
    )

    behavior_module = nwbfile.create_processing_module(
        name="behavior", description="processed behavioral data"
    )
    for interface in (
        position,
        direction,
        behavioral_time_series,
        behavioral_events,
        behavioral_epochs,
        pupil_tracking,
        eye_tracking,
    ):
        behavior_module.add(interface)
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "behavioral_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "behavioral_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        behavior = nwbfile.processing["behavior"]
        position = behavior["Position"].spatial_series["SpatialSeries"]
        epochs = behavior["BehavioralEpochs"]
        running = epochs.get_interval_series("running")
        sleeping = epochs.interval_series["sleeping"]
        eye = behavior["EyeTracking"].get_spatial_series("right_eye_position")
        return {
            "interfaces": sorted(behavior.data_interfaces),
            "types": sorted(type(v).__name__ for v in behavior.data_interfaces.values()),
            "position": position.data[:],
            "position timestamps": position.timestamps[:],
            "position frame": position.reference_frame,
            "position unit": position.unit,
            "direction": behavior["CompassDirection"]["SpatialSeries"].data[:],
            "direction unit": behavior["CompassDirection"]["SpatialSeries"].unit,
            "speed": behavior["BehavioralTimeSeries"]["speed"].data[:],
            "events": behavior["BehavioralEvents"].get_timeseries("stimulus_duration").data[:],
            "running data": running.data[:],
            "running timestamps": running.timestamps[:],
            "running description": running.description,
            "sleeping data": sleeping.data[:],
            "sleeping timestamps": sleeping.timestamps[:],
            "pupil": behavior["PupilTracking"].time_series["pupil_diameter"].data[:],
            "pupil rate": behavior["PupilTracking"].time_series["pupil_diameter"].rate,
            "eye": eye.data[:],
            "eye rate": eye.rate,
            "eye unit": eye.unit,
        }
