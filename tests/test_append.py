"""Appending during acquisition: TimeSeries.append in both formats, and a writer killed with
SIGKILL at random points leaves a readable file holding every block it finished.

The guarantee (documented in TimeSeries.append): the writer opens the file, appends one block
(data, then timestamps), and closes it; a block reported done is durable in the file. A block
cut by the kill may be partly there: readers use ``min(len(data), len(timestamps))`` samples.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from append_writer import CHANNELS, block
from conftest import FORMATS, SUFFIX

import nwbzarr
from nwbzarr import DataIO, TimeSeries, ValidationError

BLOCKS, ROWS = 20, 256
ROOT = Path(__file__).resolve().parents[1]


def new_stream_file(path: Path) -> None:
    nwbfile = nwbzarr.NWBFile(
        session_description="acquisition",
        identifier="stream",
        session_start_time=datetime(2024, 1, 1, tzinfo=UTC),
    )
    nwbfile.add_acquisition(
        TimeSeries(
            name="stream",
            data=DataIO(
                np.zeros((0, CHANNELS), dtype=np.int32),
                maxshape=(None, CHANNELS),
                chunks=(ROWS, CHANNELS),
            ),
            timestamps=DataIO(np.zeros(0), maxshape=(None,), chunks=(ROWS,)),
            unit="V",
        )
    )
    nwbzarr.write(nwbfile, path)


def check_blocks(path: Path, done: int) -> int:
    """Every finished block reads back; returns the number of complete samples."""
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/stream/data")
        times = root.array("acquisition/stream/timestamps")
        assert data.shape[0] >= done * ROWS and times.shape[0] >= done * ROWS
        for i in range(done):
            want_data, want_times = block(i, ROWS)
            rows = slice(i * ROWS, (i + 1) * ROWS)
            np.testing.assert_array_equal(data[rows], want_data, err_msg=f"block {i}")
            np.testing.assert_array_equal(times[rows], want_times, err_msg=f"block {i}")
        return min(data.shape[0], times.shape[0])


@pytest.mark.parametrize("fmt", FORMATS)
def test_append_keeps_timestamps_in_step(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"stream{SUFFIX[fmt]}"
    new_stream_file(path)
    nwbfile = nwbzarr.read(path, mode="r+")
    assert nwbfile.source_node is not None
    try:
        series = nwbfile.acquisition["stream"]
        assert isinstance(series, TimeSeries)
        for i in range(3):
            series.append(*block(i, ROWS))
            # a reader sees every finished block while the writer keeps the file open
            assert check_blocks(path, i + 1) == (i + 1) * ROWS
        with pytest.raises(ValidationError, match="timestamps"):
            series.append(block(3, ROWS)[0])
        with pytest.raises(ValidationError, match="2 timestamps"):
            series.append(block(3, ROWS)[0], timestamps=[0.0, 1.0])
    finally:
        nwbfile.source_node.file.close()
    assert check_blocks(path, 3) == 3 * ROWS
    back = nwbzarr.read(path)
    series = back.acquisition["stream"]
    assert isinstance(series, TimeSeries)
    assert series.num_samples == 3 * ROWS
    np.testing.assert_array_equal(series.get_timestamps()[:ROWS], block(0, ROWS)[1])


@pytest.mark.parametrize("fmt", FORMATS)
def test_append_needs_an_extendable_series_in_a_writable_file(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"fixed{SUFFIX[fmt]}"
    nwbfile = nwbzarr.NWBFile(
        session_description="x", identifier="x", session_start_time=datetime(2024, 1, 1, tzinfo=UTC)
    )
    nwbfile.add_acquisition(TimeSeries(name="fixed", data=np.zeros(4), unit="V", rate=10.0))
    nwbzarr.write(nwbfile, path)
    read_only = nwbzarr.read(path)
    series = read_only.acquisition["fixed"]
    assert isinstance(series, TimeSeries)
    with pytest.raises(nwbzarr.ReadOnlyError):
        series.append(np.ones(2))
    assert read_only.source_node is not None
    read_only.source_node.file.close()
    writable = nwbzarr.read(path, mode="r+")
    series = writable.acquisition["fixed"]
    assert isinstance(series, TimeSeries) and writable.source_node is not None
    if fmt == "hdf5":  # Zarr arrays are always resizable
        with pytest.raises(ValueError, match="maxshape"):
            series.append(np.ones(2))
    writable.source_node.file.close()
    with pytest.raises(ValidationError, match="stored in a file"):
        TimeSeries(name="mem", data=np.zeros(2), unit="V", rate=1.0).append(
            np.ones(1), timestamps=[1.0]
        )


def run_and_kill(path: Path, delay: float) -> int:
    """Start the writer, SIGKILL it after ``delay`` seconds; the number of blocks it finished."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.append_writer", str(path), str(BLOCKS), str(ROWS)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    done = [line for line in out.decode().splitlines() if line.startswith("done ")]
    assert [int(line.split()[1]) for line in done] == list(range(len(done)))
    return len(done)


def kill_trials(fmt: str, tmp_path: Path, delays: list[float]) -> list[int]:
    finished = []
    for n, delay in enumerate(delays):
        path = tmp_path / f"killed{n}{SUFFIX[fmt]}"
        new_stream_file(path)
        done = run_and_kill(path, delay)
        check_blocks(path, done)
        finished.append(done)
    return finished


def _delays(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(0.8, 3.0) for _ in range(n)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_sigkill_mid_append_keeps_every_finished_block(fmt: str, tmp_path: Path) -> None:
    finished = kill_trials(fmt, tmp_path, _delays(3, seed=len(fmt)))
    assert len(finished) == 3


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_sigkill_mid_append_many_trials(
    fmt: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if "slow" not in str(request.config.getoption("markexpr") or ""):
        pytest.skip("25 kill trials per format: run with -m slow")
    finished = kill_trials(fmt, tmp_path, _delays(25, seed=1000 + len(fmt)))
    assert any(0 < n < BLOCKS for n in finished), finished
