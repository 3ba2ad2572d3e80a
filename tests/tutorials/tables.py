"""Tables and their columns, in the style of hdmf's DynamicTable how-to and pynwb's ecephys
tutorial: pynwb's positional calls and the arguments of ``add_column`` / ``add_row`` /
``add_unit`` / ``to_dataframe`` / ``create_region``; ``ProcessingModule.add`` / ``get``;
``create_icephys_electrode``, ``create_ogen_site``, ``create_imaging_plane`` as pynwb takes them.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from hdmf.common import DynamicTable, VectorData
from pynwb import NWBHDF5IO, NWBFile, ProcessingModule
from pynwb.ophys import OpticalChannel

SUFFIX = ".nwb"
START = datetime(2021, 3, 4, 9, 30, 0, tzinfo=ZoneInfo("Europe/Paris"))


def electrodes_and_units(nwbfile: NWBFile) -> None:
    device = nwbfile.create_device("array", "a 4-channel probe", "the lab")
    group = nwbfile.create_electrode_group("shank0", "the first shank", "CA1", device)
    nwbfile.add_electrode_column("label", "label of the electrode")
    for i in range(4):
        # x, y, z, imp, location, filtering, group: pynwb's positional order
        nwbfile.add_electrode(float(i), 2.0, 3.0, -1.0, "CA1", "none", group, label=f"ch{i}")
    nwbfile.add_unit_column("quality", "sorting quality")
    rng = np.random.default_rng(11)
    for unit in range(3):
        spikes = np.sort(rng.uniform(0.0, 10.0, 5 + unit))
        # spike_times, obs_intervals, electrodes, electrode_group, waveform_mean (positional)
        nwbfile.add_unit(
            spikes,
            [[0.0, 10.0]],
            [unit, unit + 1],
            group,
            np.linspace(0.0, 1.0, 8) * (unit + 1),
            waveforms=rng.normal(size=(5 + unit, 2, 8)),  # spikes x electrodes x samples
            id=10 + unit,
            quality="good" if unit else "noise",
        )


def free_tables() -> tuple[DynamicTable, DynamicTable]:
    table = DynamicTable(name="stimuli", description="the stimuli shown")
    table.add_column(name="label", description="what was shown")
    table.add_column("durations", "durations of each presentation", index=True)
    table.add_column("color", "the colour (categorical)", enum=["red", "green", "blue"])
    table.add_column("screen", "the screen (categories added as they come)", enum=True)
    table.add_row(label="grating", durations=[0.5, 0.25], color="blue", screen="left", id=100)
    table.add_row({"label": "dots", "durations": [1.0], "color": "red", "screen": "right"}, 101)
    table.add_row(
        label="noise",
        durations=[0.1, 0.2, 0.3],
        color="blue",
        screen="left",
        enforce_unique_id=True,
    )
    table.add_column("contrast", "stimulus contrast", data=[0.1, 0.5, 1.0])
    table.add_column(
        "frames", "frame numbers of each stimulus", data=[0, 1, 2, 3, 4, 5], index=[2, 3, 6]
    )
    table.add_column(
        "nested", "doubly ragged values", data=[[[1, 2], [3]], [[4]], [[5, 6, 7]]], index=2
    )
    table.add_column("kind", "a column of a given class", col_cls=VectorData, data=["a", "b", "c"])

    trials = DynamicTable(name="presentations", description="which stimulus, when")
    trials.add_column("stimulus", "the stimulus presented", table=table)
    trials.add_column("start", "start time")
    trials.add_row(stimulus=2, start=0.0)
    trials.add_row(stimulus=0, start=1.5)
    return table, trials


def build() -> NWBFile:
    nwbfile = NWBFile("tables and columns", "TABLES-1", START)
    electrodes_and_units(nwbfile)
    table, trials = free_tables()
    module = nwbfile.create_processing_module("tables", "free tables")
    module.add([table, trials])
    frame = pd.DataFrame(
        {"score": [0.5, 0.75], "steps": [[1, 2], [3]], "tag": ["p", "q"]},
        index=pd.Index([7, 8], name="id"),
    )
    module.add(
        DynamicTable.from_dataframe(
            frame,
            "scores",
            table_description="a table from a DataFrame",
            columns=[{"name": "tag", "description": "a tag"}],
        )
    )
    extra = ProcessingModule("extra", "a module built by itself")
    extra.add({"region_owner": DynamicTable(name="region_owner", description="holds a region")})
    owner = extra.get()
    owner.add_column("picked", "rows of the stimuli table", table=table, index=True)
    owner.add_row(picked=[0, 2])
    nwbfile.add_processing_module(extra)

    device = nwbfile.create_device("rig", "the rig")
    nwbfile.create_icephys_electrode("patch0", device, "a patch electrode", location="V1")
    nwbfile.create_ogen_site("site0", device, "an optical fibre", 470.0, "VISp")
    channel = OpticalChannel("green", "the green channel", 525.0)
    nwbfile.create_imaging_plane(
        "plane0",
        channel,
        "the imaging plane",
        device,
        920.0,
        "GCaMP6f",
        "V1",
        imaging_rate=30.0,
        origin_coords=[1.0, 2.0, 0.0],
        grid_spacing=[0.01, 0.01],
    )
    nwbfile.create_time_intervals("blocks", "blocks of the session")
    nwbfile.get_time_intervals("blocks").add_interval(0.0, 60.0)
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "tables_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def region_values(nwbfile: Any, table: Any) -> dict[str, Any]:
    region = table.create_region("chosen", [0, 2], "two stimuli")
    sliced = table.create_region("first_two", slice(0, 2), "the first two")
    trials = nwbfile.processing["tables"].get("presentations")
    by_index = trials.to_dataframe(index=True)
    nested = trials.to_dataframe()
    picked = nwbfile.processing["extra"]["region_owner"].to_dataframe(index=True)
    return {
        "region labels": list(region[:]["label"]),
        "slice rows": list(sliced.data),
        "presentations stimulus": [int(v) for v in by_index["stimulus"]],
        "presentations nested": [list(df["label"]) for df in nested["stimulus"]],
        "picked": [list(map(int, v)) for v in picked["picked"]],
        "row 0 label": list(table[0]["label"]),
        "rows 0:2 ids": list(table[0:2].index),
        "rows [0, 2] contrast": table[[0, 2]]["contrast"].to_numpy(),
        "cell": float(table[1, "contrast"]),
        "presentation 0 stimulus": int(trials[0]["stimulus"].iloc[0]),
    }


def from_dataframe_values(scores: Any) -> dict[str, Any]:
    frame = scores.to_dataframe()
    return {
        "scores ids": list(frame.index),
        "scores columns": list(frame.columns),
        "scores": frame["score"].to_numpy(),
        "scores steps": [list(map(int, v)) for v in frame["steps"]],
        "scores tag description": scores["tag"].description,
        "scores description": scores.description,
    }


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "tables_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        units = nwbfile.units
        table = nwbfile.processing["tables"]["stimuli"]
        frame = table.to_dataframe(exclude={"nested", "frames"})
        electrodes = nwbfile.electrodes.to_dataframe()
        plane = nwbfile.imaging_planes["plane0"]
        return {
            "electrode x": electrodes["x"].to_numpy(),
            "electrode labels": list(electrodes["label"]),
            "electrode columns": list(nwbfile.electrodes.colnames),
            "unit ids": units.id[:],
            "unit columns": list(units.colnames),
            "unit spikes": units.get_unit_spike_times(1),
            "unit electrodes": [
                list(map(int, e)) for e in units.to_dataframe(index=True)["electrodes"]
            ],
            "unit groups": [g.name for g in units["electrode_group"][:]],
            "waveform mean": np.asarray(units["waveform_mean"][2]),
            "quality": list(units["quality"][:]),
            "waveforms": np.asarray(units["waveforms"][1], dtype=float),
            "waveform index": units["waveforms_index"].data[:],
            "stimuli columns": list(table.colnames),
            "stimuli ids": table.id[:],
            "frame columns": list(frame.columns),
            "durations": [list(d) for d in frame["durations"]],
            "contrast": frame["contrast"].to_numpy(),
            "frames": [list(map(int, f)) for f in table["frames"][:]],
            "nested": [[list(map(int, v)) for v in row] for row in table["nested"][:]],
            "kind": list(table["kind"][:]),
            "color": list(frame["color"]),
            "color indices": [int(i) for i in table["color"].get(slice(None), index=True)],
            "screens": list(table["screen"][:]),
            "screen elements": list(table["screen"].elements[:]),
            **region_values(nwbfile, table),
            "icephys location": nwbfile.icephys_electrodes["patch0"].location,
            "ogen lambda": float(nwbfile.ogen_sites["site0"].excitation_lambda),
            "plane rate": float(plane.imaging_rate),
            "plane origin": np.asarray(plane.origin_coords[:]),
            "plane unit": plane.grid_spacing_unit,
            "blocks": nwbfile.intervals["blocks"]["stop_time"][:],
            **from_dataframe_values(nwbfile.processing["tables"]["scores"]),
        }
