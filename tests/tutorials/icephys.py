"""Intracellular electrophysiology, in the style of pynwb's ``domain/plot_icephys.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hdmf.common import DynamicTable, VectorData
from pynwb import NWBHDF5IO, NWBFile
from pynwb.icephys import VoltageClampSeries, VoltageClampStimulusSeries

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="my first synthetic recording",
        identifier="EXAMPLE_ID",
        session_start_time=START,
        experimenter=["Baggins, Bilbo"],
        lab="Bag End Laboratory",
        institution="University of Middle Earth at the Shire",
        experiment_description="I went on an adventure to reclaim vast treasures.",
        session_id="LONELYMTN001",
    )
    device = nwbfile.create_device(name="Heka ITC-1600")
    electrode = nwbfile.create_icephys_electrode(
        name="elec0", description="a mock intracellular electrode", device=device
    )
    stimulus = VoltageClampStimulusSeries(
        name="vcss",
        data=[1, 2, 3, 4, 5],
        starting_time=123.6,
        rate=10e3,
        electrode=electrode,
        gain=0.02,
        sweep_number=np.uint64(15),
    )
    response = VoltageClampSeries(
        name="vcs",
        data=[0.1, 0.2, 0.3, 0.4, 0.5],
        conversion=1e-12,
        resolution=np.nan,
        starting_time=123.6,
        rate=20e3,
        electrode=electrode,
        gain=0.02,
        capacitance_slow=100e-12,
        resistance_comp_correction=70.0,
        sweep_number=np.uint64(15),
    )
    row1 = nwbfile.add_intracellular_recording(
        electrode=electrode, stimulus=stimulus, response=response, id=10
    )
    row2 = nwbfile.add_intracellular_recording(
        electrode=electrode,
        stimulus=stimulus,
        stimulus_start_index=1,
        stimulus_index_count=3,
        response=response,
        response_start_index=2,
        response_index_count=3,
        id=11,
    )
    row3 = nwbfile.add_intracellular_recording(electrode=electrode, response=response, id=12)

    nwbfile.intracellular_recordings.add_column(
        name="recording_tag",
        data=["A1", "A2", "A3"],
        description="String with a recording tag",
    )
    location_column = VectorData(
        name="location",
        data=["Mordor", "Gondor", "Rohan"],
        description="Recording location in Middle Earth",
    )
    lab_category = DynamicTable(
        name="recording_lab_data",
        description="category table for lab-specific recording metadata",
        colnames=["location"],
        columns=[location_column],
    )
    nwbfile.intracellular_recordings.add_category(category=lab_category)
    nwbfile.intracellular_recordings.add_column(
        name="voltage_threshold",
        data=[0.1, 0.12, 0.13],
        description="Just an example column on the electrodes category table",
        category="electrodes",
    )

    simultaneous = nwbfile.get_icephys_simultaneous_recordings()
    simultaneous.add_column(
        name="simultaneous_recording_tag", description="A custom tag for simultaneous_recordings"
    )
    nwbfile.add_icephys_simultaneous_recording(
        recordings=[row1, row2, row3], id=12, simultaneous_recording_tag="LabTag1"
    )
    nwbfile.add_icephys_sequential_recording(
        simultaneous_recordings=[0], stimulus_type="square", id=15
    )
    nwbfile.add_icephys_repetition(sequential_recordings=[0], id=17)
    nwbfile.add_icephys_experimental_condition(repetitions=[0], id=19)
    nwbfile.icephys_experimental_conditions.add_column(
        name="tag", data=np.arange(1), description="integer tag for a experimental condition"
    )
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "icephys_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def _reference(row: Any) -> tuple[int, int, str] | None:
    """A TimeSeriesReference: start, count and series name (None where there is none)."""
    start, count, series = row
    if series is None:
        return None
    return int(start), int(count), series.name


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "icephys_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        recordings = nwbfile.intracellular_recordings
        responses = recordings.category_tables["responses"]["response"]
        stimuli = recordings.category_tables["stimuli"]["stimulus"]
        vcs = nwbfile.acquisition["vcs"]
        vcss = nwbfile.stimulus["vcss"]
        simultaneous = nwbfile.icephys_simultaneous_recordings
        return {
            "ids": list(recordings.id[:]),
            "categories": list(recordings.categories),
            "recording tags": list(recordings["recording_tag"][:]),
            "locations": list(recordings.category_tables["recording_lab_data"]["location"][:]),
            "thresholds": list(recordings.category_tables["electrodes"]["voltage_threshold"][:]),
            "electrode": recordings.category_tables["electrodes"]["electrode"][0].name,
            "response rows": [_reference(r) for r in responses[:]],
            "stimulus rows": [_reference(r) for r in stimuli[:]],
            "vcs": vcs.data[:],
            "vcs conversion": vcs.conversion,
            "vcs capacitance_slow": vcs.capacitance_slow,
            "vcs sweep": int(vcs.sweep_number),
            "vcs electrode": vcs.electrode.description,
            "vcss": vcss.data[:],
            "vcss gain": vcss.gain,
            "vcss unit": vcss.unit,
            "device": nwbfile.icephys_electrodes["elec0"].device.name,
            "simultaneous ids": list(simultaneous.id[:]),
            "simultaneous recordings": list(simultaneous["recordings"][0].index),
            "simultaneous tag": list(simultaneous["simultaneous_recording_tag"][:]),
            "sequential type": list(nwbfile.icephys_sequential_recordings["stimulus_type"][:]),
            "repetitions ids": list(nwbfile.icephys_repetitions.id[:]),
            "conditions ids": list(nwbfile.icephys_experimental_conditions.id[:]),
            "conditions tag": list(nwbfile.icephys_experimental_conditions["tag"][:]),
        }
