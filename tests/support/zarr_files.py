"""The same workflows written by hdmf-zarr (``NWBZarrIO``, Zarr format 3).

The pynwb HDF5 files are exported to Zarr the way hdmf-zarr's users convert (``export`` with
``link_data=False``), and a pair of stores is written directly, the second linking a whole
series of the first (an external link between stores).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

EXPORTED = (
    "basic_ecephys",
    "ophys",
    "exported_single",
    "behavior_ogen",
    "icephys",
    "images_misc",
    "extension",
)


def export_to_zarr(source: Path, store: Path) -> Path:
    """``source`` (HDF5, read by pynwb) exported to ``store`` by hdmf-zarr."""
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb import NWBHDF5IO

    shutil.rmtree(store, ignore_errors=True)
    with NWBHDF5IO(str(source), "r") as src, NWBZarrIO(str(store), mode="w") as io:
        io.export(src_io=src, write_args={"link_data": False})
    return store


def write_linked_stores(folder: Path) -> None:
    """``ext_a.nwb.zarr`` (one series) and ``ext_b.nwb.zarr``: a series of its own and
    ``ts_a`` of store A, written as a link to it."""
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb import NWBFile, TimeSeries, get_manager

    start = datetime(2019, 4, 3, 11, tzinfo=UTC)
    first = NWBFile(session_description="A", identifier="A", session_start_time=start)
    first.add_acquisition(TimeSeries(name="ts_a", data=np.arange(10.0), unit="m", rate=1.0))
    with NWBZarrIO(str(folder / "ext_a.nwb.zarr"), "w") as io:
        io.write(first)
    manager = get_manager()
    with NWBZarrIO(str(folder / "ext_a.nwb.zarr"), "r", manager=manager) as io_a:
        second = NWBFile(session_description="B", identifier="B", session_start_time=start)
        second.add_acquisition(io_a.read().acquisition["ts_a"])
        second.add_acquisition(
            TimeSeries(name="ts_b", data=np.ones(10), unit="m", timestamps=np.arange(10.0))
        )
        with NWBZarrIO(str(folder / "ext_b.nwb.zarr"), "w", manager=manager) as io_b:
            io_b.write(second)


def write_stores(hdf5_folder: Path, folder: Path) -> None:
    """Every store: the exports of ``hdf5_folder``'s files, then the linked pair."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in EXPORTED:
        export_to_zarr(hdf5_folder / f"{name}.nwb", folder / f"{name}.nwb.zarr")
    write_linked_stores(folder)
