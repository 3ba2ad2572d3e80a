"""A writer for tests/test_append.py: appends blocks to a TimeSeries, one line per block.

``python -m tests.append_writer PATH BLOCKS ROWS`` opens the file "r+", appends block i
(every value == i, timestamps i*ROWS...), closes it, then prints ``done i``.
"""

from __future__ import annotations

import sys

import numpy as np

import nwbzarr
from nwbzarr import TimeSeries

CHANNELS = 4


def block(i: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    data = np.full((rows, CHANNELS), i, dtype=np.int32)
    times = (i * rows + np.arange(rows)) / 1000.0
    return data, times


def main(path: str, blocks: int, rows: int) -> None:
    for i in range(blocks):
        nwbfile = nwbzarr.read(path, mode="r+")
        assert nwbfile.source_node is not None
        try:
            series = nwbfile.acquisition["stream"]
            assert isinstance(series, TimeSeries)
            series.append(*block(i, rows))
        finally:
            nwbfile.source_node.file.close()
        print(f"done {i}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
