"""Extracellular electrophysiology, in the style of pynwb's ``domain/ecephys.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ecephys import LFP, ElectricalSeries

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
    device = nwbfile.create_device(
        name="array", description="the best array", manufacturer="Probe Company 9000"
    )
    nwbfile.add_electrode_column(name="label", description="label of electrode")
    nshanks, nchannels_per_shank = 2, 3
    electrode_counter = 0
    for ishank in range(nshanks):
        electrode_group = nwbfile.create_electrode_group(
            name=f"shank{ishank}",
            description=f"electrode group for shank {ishank}",
            device=device,
            location="brain area",
        )
        for ielec in range(nchannels_per_shank):
            nwbfile.add_electrode(
                group=electrode_group,
                label=f"shank{ishank}elec{ielec}",
                location="brain area",
            )
            electrode_counter += 1

    all_table_region = nwbfile.create_electrode_table_region(
        region=list(range(electrode_counter)), description="all electrodes"
    )
    rng = np.random.default_rng(3)
    raw_data = rng.standard_normal((50, 6))
    raw_electrical_series = ElectricalSeries(
        name="ElectricalSeries",
        description="Raw acquisition traces",
        data=raw_data,
        electrodes=all_table_region,
        starting_time=0.0,
        rate=20000.0,
    )
    nwbfile.add_acquisition(raw_electrical_series)

    lfp_electrical_series = ElectricalSeries(
        name="ElectricalSeries",
        description="LFP data",
        data=rng.standard_normal((50, 6)),
        electrodes=all_table_region,
        starting_time=0.0,
        rate=200.0,
        filtering="Low-pass filter at 300 Hz",
    )
    lfp = LFP(electrical_series=lfp_electrical_series)
    ecephys_module = nwbfile.create_processing_module(
        name="ecephys", description="processed extracellular electrophysiology data"
    )
    ecephys_module.add(lfp)

    nwbfile.add_unit_column(name="quality", description="sorting quality")
    firing_rate = 20
    n_units = 4
    res = 1000
    duration = 20
    for _ in range(n_units):
        spike_times = np.where(rng.random(res * duration) < (firing_rate / res))[0] / res
        nwbfile.add_unit(spike_times=spike_times, quality="good")
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "ecephys_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "ecephys_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        raw = nwbfile.acquisition["ElectricalSeries"]
        lfp = nwbfile.processing["ecephys"]["LFP"]["ElectricalSeries"]
        electrodes = nwbfile.electrodes.to_dataframe()
        units = nwbfile.units.to_dataframe()
        return {
            "raw": raw.data[:],
            "raw window": raw.data[:10, :2],
            "raw rate": raw.rate,
            "raw unit": raw.unit,
            "raw electrodes": list(raw.electrodes.data[:]),
            "raw region rows": len(raw.electrodes.to_dataframe()),
            "lfp": lfp.data[:],
            "lfp filtering": lfp.filtering,
            "lfp description": lfp.description,
            "electrodes columns": list(nwbfile.electrodes.colnames),
            "electrode labels": list(electrodes["label"]),
            "electrode locations": list(electrodes["location"]),
            "electrode groups": [g.name for g in electrodes["group"]],
            "group names": list(electrodes["group_name"]),
            "groups": sorted(nwbfile.electrode_groups),
            "group device": nwbfile.electrode_groups["shank1"].device.name,
            "device manufacturer": nwbfile.devices["array"].manufacturer,
            "units": len(units),
            "unit spikes": units["spike_times"].iloc[2],
            "unit quality": list(units["quality"]),
            "spike times of 3": np.asarray(nwbfile.units["spike_times"][3]),
        }
