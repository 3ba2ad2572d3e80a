"""Links between files and export, in the style of pynwb's ``advanced_io/plot_linking_data.py``."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hdmf.backends.hdf5.h5_utils import H5DataIO
from pynwb import NWBHDF5IO, NWBFile, TimeSeries, get_manager

SUFFIX = ".nwb"
START = datetime(2017, 4, 3, 11, tzinfo=ZoneInfo("US/Pacific"))
CREATED = datetime(2017, 4, 15, 12, tzinfo=ZoneInfo("US/Pacific"))


def _path(folder: str, name: str) -> str:
    return os.path.join(folder, name + SUFFIX)


def _nwbfile(identifier: str) -> NWBFile:
    return NWBFile(
        session_description="demonstrate external files",
        identifier=identifier,
        session_start_time=START,
        file_create_date=CREATED,
    )


def write(folder: str) -> None:
    data = np.arange(100, 200, 10)
    timestamps = np.arange(10.0)
    for number in (1, 2, 3):
        nwbfile = _nwbfile(f"NWBE{number}")
        nwbfile.add_acquisition(
            TimeSeries(
                name=f"test_timeseries{number}",
                data=data * number,
                unit="SIunit",
                timestamps=timestamps,
            )
        )
        with NWBHDF5IO(_path(folder, f"external{number}_example"), "w") as io:
            io.write(nwbfile)

    manager = get_manager()
    io1 = NWBHDF5IO(_path(folder, "external1_example"), "r", manager=manager)
    timeseries_1 = io1.read().get_acquisition("test_timeseries1")
    io2 = NWBHDF5IO(_path(folder, "external2_example"), "r", manager=manager)
    timeseries_2 = io2.read().get_acquisition("test_timeseries2")
    io3 = NWBHDF5IO(_path(folder, "external3_example"), "r", manager=manager)
    timeseries_3 = io3.read().get_acquisition("test_timeseries3")

    nwbfile4 = _nwbfile("NWBE4")
    # a new series whose data and timestamps are the datasets of another file (linked)
    nwbfile4.add_acquisition(
        TimeSeries(
            name="test_timeseries4",
            data=timeseries_1.data,
            unit="SIunit",
            timestamps=timeseries_1,
        )
    )
    nwbfile4.add_acquisition(timeseries_2)  # a whole container of another file (linked)
    nwbfile4.add_acquisition(  # a copy of the data, not a link
        TimeSeries(
            name="test_timeseries5",
            data=H5DataIO(data=timeseries_3.data, link_data=False),
            unit="SIunit",
            timestamps=timestamps,
        )
    )
    with NWBHDF5IO(_path(folder, "external_linkcontainer_example"), "w", manager=manager) as io4:
        io4.write(nwbfile4, link_data=True)
    for io in (io1, io2, io3):
        io.close()

    with (
        NWBHDF5IO(_path(folder, "external_linkcontainer_example"), "r", manager=manager) as src,
        NWBHDF5IO(_path(folder, "exported_example"), "w") as export_io,
    ):
        export_io.export(src_io=src, write_args={"link_data": False})


def _series(nwbfile: NWBFile, name: str) -> dict[str, Any]:
    series = nwbfile.get_acquisition(name)
    return {
        f"{name} data": series.data[:],
        f"{name} timestamps": series.timestamps[:],
        f"{name} unit": series.unit,
    }


def read(folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("external_linkcontainer_example", "exported_example"):
        with NWBHDF5IO(_path(folder, name), "r") as io:
            nwbfile = io.read()
            out[f"{name} identifier"] = nwbfile.identifier
            out[f"{name} acquisition"] = sorted(nwbfile.acquisition)
            for series in ("test_timeseries4", "test_timeseries2", "test_timeseries5"):
                out.update({f"{name} {k}": v for k, v in _series(nwbfile, series).items()})
    # the export is self-contained: it reads with the linked files gone
    for number in (1, 2, 3):
        os.rename(_path(folder, f"external{number}_example"), _path(folder, f"gone{number}"))
    try:
        with NWBHDF5IO(_path(folder, "exported_example"), "r") as io:
            out["exported alone"] = io.read().get_acquisition("test_timeseries4").data[:]
    finally:
        for number in (1, 2, 3):
            os.rename(_path(folder, f"gone{number}"), _path(folder, f"external{number}_example"))
    return out
