"""Adding to a written file and removing by export, in the style of pynwb's
``general/add_remove_containers.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, TimeSeries

SUFFIX = ".nwb"
START = datetime(2020, 1, 2, 3, tzinfo=ZoneInfo("UTC"))


def _series(name: str, offset: int) -> TimeSeries:
    return TimeSeries(
        name=name,
        data=list(range(100 + offset, 200 + offset, 10)),
        unit="m",
        timestamps=np.arange(10, dtype=float),
    )


def write(folder: str) -> None:
    appended = os.path.join(folder, "appended" + SUFFIX)
    nwbfile = NWBFile(
        session_description="demonstrate adding to an NWB file",
        identifier="NWB123",
        session_start_time=START,
    )
    with NWBHDF5IO(appended, "w") as io:
        io.write(nwbfile)
    with NWBHDF5IO(appended, "r+") as io:
        read_nwbfile = io.read()
        read_nwbfile.add_acquisition(_series("test_timeseries", 0))
        io.write(read_nwbfile)

    source = os.path.join(folder, "source" + SUFFIX)
    nwbfile = NWBFile(
        session_description="demonstrate export of an NWB file",
        identifier="NWB456",
        session_start_time=START,
    )
    nwbfile.add_acquisition(_series("test_timeseries1", 1))
    nwbfile.create_processing_module(name="behavior", description="processed behavioral data")
    nwbfile.processing["behavior"].add(_series("test_timeseries2", 2))
    with NWBHDF5IO(source, "w") as io:
        io.write(nwbfile)

    with NWBHDF5IO(source, mode="r") as read_io:
        read_nwbfile = read_io.read()
        read_nwbfile.processing["behavior"].add(_series("test_timeseries3", 3))
        read_nwbfile.acquisition.pop("test_timeseries1")
        read_nwbfile.processing["behavior"].data_interfaces.pop("test_timeseries2")
        with NWBHDF5IO(os.path.join(folder, "exported" + SUFFIX), mode="w") as export_io:
            export_io.export(src_io=read_io, nwbfile=read_nwbfile)

    with NWBHDF5IO(source, mode="r") as read_io:
        read_nwbfile = read_io.read()
        read_nwbfile.generate_new_id()
        with NWBHDF5IO(os.path.join(folder, "new_ids" + SUFFIX), mode="w") as export_io:
            export_io.export(src_io=read_io, nwbfile=read_nwbfile)


def _ids(path: str) -> dict[str, str]:
    with NWBHDF5IO(path, "r") as io:
        nwbfile = io.read()
        return {
            "root": nwbfile.object_id,
            "series": nwbfile.acquisition["test_timeseries1"].object_id,
        }


def read(folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with NWBHDF5IO(os.path.join(folder, "appended" + SUFFIX), "r") as io:
        nwbfile = io.read()
        out["appended acquisition"] = sorted(nwbfile.acquisition)
        out["appended data"] = nwbfile.acquisition["test_timeseries"].data[:]
        out["appended description"] = nwbfile.session_description
    with NWBHDF5IO(os.path.join(folder, "exported" + SUFFIX), "r") as io:
        nwbfile = io.read()
        behavior = nwbfile.processing["behavior"]
        out["exported acquisition"] = sorted(nwbfile.acquisition)
        out["exported behavior"] = sorted(behavior.data_interfaces)
        out["exported data"] = behavior["test_timeseries3"].data[:]
        out["exported timestamps"] = behavior["test_timeseries3"].timestamps[:]
        out["exported identifier"] = nwbfile.identifier
    source = _ids(os.path.join(folder, "source" + SUFFIX))
    renewed = _ids(os.path.join(folder, "new_ids" + SUFFIX))
    out["new ids differ"] = [source[k] != renewed[k] for k in sorted(source)]
    return out
