"""Iterative and incremental writes, in the style of pynwb's ``advanced_io`` tutorials
(``plot_iterative_write.py``, ``h5dataio.py``): data from a generator, empty extendable
datasets filled after the write, chunking and compression settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hdmf.backends.hdf5.h5_utils import H5DataIO
from hdmf.data_utils import DataChunkIterator
from pynwb import NWBHDF5IO, NWBFile, TimeSeries

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def iter_sin(chunk_length: int = 10, max_chunks: int = 100) -> Iterator[np.ndarray]:
    """A generator of blocks of a sine wave, one block per call."""
    x = 0
    for _ in range(max_chunks):
        yield np.sin(np.arange(x, x + chunk_length) / 10.0)
        x += chunk_length


def iter_rows(rows: int = 40, width: int = 6) -> Iterator[np.ndarray]:
    for i in range(rows):
        yield np.full(width, i, dtype=np.int16)


def write(folder: str) -> None:
    path = os.path.join(folder, "iterative_tutorial" + SUFFIX)
    nwbfile = NWBFile(
        session_description="demonstrate iterative write",
        identifier="iterative",
        session_start_time=START,
    )
    sine = DataChunkIterator(data=iter_sin(10, 50), buffer_size=20)
    nwbfile.add_acquisition(
        TimeSeries(
            name="synthetic_timeseries",
            description="a sine wave",
            data=sine,
            unit="n.a.",
            rate=1.0,
            starting_time=0.0,
        )
    )
    rows = DataChunkIterator(data=iter_rows(), maxshape=(None, 6), dtype=np.dtype("int16"))
    nwbfile.add_acquisition(TimeSeries(name="rows", data=rows, unit="n.a.", rate=10.0))
    compressed = H5DataIO(
        data=np.arange(1000.0).reshape(250, 4), compression="gzip", chunks=(50, 4)
    )
    nwbfile.add_acquisition(TimeSeries(name="compressed", data=compressed, unit="n.a.", rate=5.0))
    empty = H5DataIO(shape=(0, 3), dtype=np.dtype("float64"), maxshape=(None, 3), chunks=(10, 3))
    nwbfile.add_acquisition(TimeSeries(name="appended", data=empty, unit="n.a.", rate=1.0))
    with NWBHDF5IO(path, "w") as io:
        io.write(nwbfile)
        empty.dataset.resize((5, 3))
        empty.dataset[0:5, :] = np.arange(15.0).reshape(5, 3)


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "iterative_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        sine = nwbfile.acquisition["synthetic_timeseries"]
        rows = nwbfile.acquisition["rows"]
        compressed = nwbfile.acquisition["compressed"]
        appended = nwbfile.acquisition["appended"]
        return {
            "sine": sine.data[:],
            "sine shape": tuple(sine.data.shape),
            "rows": rows.data[:],
            "compressed": compressed.data[:],
            "compressed chunks": tuple(compressed.data.chunks),
            "appended": appended.data[:],
            "appended rate": appended.rate,
        }
