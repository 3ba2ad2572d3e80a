"""Scratch data and shallow copies, in the style of pynwb's ``general/scratch.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, TimeSeries

SUFFIX = ".nwb"
START = datetime(2019, 4, 3, 11, tzinfo=ZoneInfo("US/Pacific"))
CREATED = datetime(2019, 4, 15, 12, tzinfo=ZoneInfo("US/Pacific"))


def write(folder: str) -> None:
    raw_path = os.path.join(folder, "raw_data" + SUFFIX)
    nwbfile = NWBFile(
        session_description="demonstrate NWBFile scratch",
        identifier="NWB456",
        session_start_time=START,
        file_create_date=CREATED,
    )
    rng = np.random.default_rng(1)
    data = rng.normal(size=200)
    timestamps = np.arange(200) / 10.0
    test_ts = TimeSeries(name="test_timeseries", data=data, unit="m", timestamps=timestamps)
    nwbfile.add_acquisition(test_ts)
    with NWBHDF5IO(raw_path, mode="w") as io:
        io.write(nwbfile)

    raw_io = NWBHDF5IO(raw_path, "r")
    nwb_in = raw_io.read()
    nwb_proc = nwb_in.copy()  # a shallow copy: links to the raw file's objects

    raw = nwb_in.get_acquisition("test_timeseries")
    filt_data = np.convolve(raw.data[:], np.ones(5) / 5, mode="same")
    filt_ts = TimeSeries(
        name="filtered_timeseries",
        data=filt_data,
        unit="m",
        timestamps=raw,  # the timestamps of the raw series, linked
    )
    nwb_proc.add_scratch(filt_ts)
    fft = np.abs(np.fft.fft(filt_data))
    nwb_proc.add_scratch(
        fft,
        name="dft_filtered",
        description="discrete Fourier transform from filtering of test_timeseries",
    )
    nwb_proc.add_scratch(
        "the filter is a 5-sample box car", name="filter_note", description="a note"
    )
    with NWBHDF5IO(
        os.path.join(folder, "processed_data" + SUFFIX), mode="w", manager=raw_io.manager
    ) as io:
        io.write(nwb_proc)
    raw_io.close()


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "processed_data" + SUFFIX), "r") as io:
        nwbfile = io.read()
        scratch_ts = nwbfile.scratch["filtered_timeseries"]
        fft_data = nwbfile.get_scratch("dft_filtered")
        fft_container = nwbfile.get_scratch("dft_filtered", convert=False)
        raw = nwbfile.get_acquisition("test_timeseries")
        return {
            "identifier": nwbfile.identifier,
            "file_create_date": [d.isoformat() for d in nwbfile.file_create_date],
            "raw data": raw.data[:],
            "raw timestamps": raw.timestamps[:],
            "filtered": scratch_ts.data[:],
            "filtered timestamps": np.asarray(scratch_ts.timestamps[:]),
            "fft": np.asarray(fft_data[:]),
            "fft description": fft_container.description,
            "note": nwbfile.get_scratch("filter_note"),
            "scratch names": sorted(nwbfile.scratch),
        }
