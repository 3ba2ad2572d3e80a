"""The index benchmark's worker (benchmarks/index_tools.py) on nwbzarr's own forms."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np
import pytest
from support.lindi_files import write_session

import nwbzarr
from benchmarks.bench_index import ENVIRONMENTS, VENVS, _cloud_row, _worker
from benchmarks.common import ES_PATH, MB, fmt_num
from benchmarks.index_tools import SUFFIX
from nwbzarr.testing.servers import Request, S3Server

WORKER = Path(__file__).resolve().parents[1] / "benchmarks" / "index_tools.py"
OPEN_REQUESTS = {"nwbzarr": 1, "kerchunk": 2, "icechunk": 5}


@pytest.mark.parametrize("tool", ["nwbzarr", "kerchunk"])
def test_worker_builds_and_checks(tmp_path: Path, tool: str) -> None:
    source = write_session(tmp_path / "session.nwb")
    done = subprocess.run(
        [sys.executable, str(WORKER), "corpus", tool, str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["tool"] == tool and "error" not in record, record
    assert record["datasets"] > 10 and record["differ"] == []
    assert record["bytes"] > 0 and record["seconds"] > 0


@pytest.fixture(scope="module")
def s3_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[S3Server, Path]]:
    source = write_session(tmp_path_factory.mktemp("bench-index") / "session.nwb")
    with S3Server() as s3:
        s3.create_bucket("nwb-index")
        s3.upload(source, f"s3://nwb-index/{source.name}")
        yield s3, source


@pytest.mark.parametrize("tool", ["nwbzarr", "kerchunk", "icechunk"])
def test_worker_reads_an_index_on_s3(
    tmp_path: Path, s3_session: tuple[S3Server, Path], tool: str
) -> None:
    s3, source = s3_session
    src_url = f"s3://nwb-index/{source.name}"
    url = src_url + SUFFIX[tool]
    if tool == "icechunk":  # the repository itself on the endpoint, as the benchmark does
        nwbzarr.index(src_url, url, format=tool, storage_options=s3.storage_options)
    else:
        local = tmp_path / f"session{SUFFIX[tool]}"
        nwbzarr.index(src_url, local, format=tool, storage_options=s3.storage_options)
        s3.upload(local, url)
    s3.log.reset()
    args = [url, s3.endpoint, ES_PATH, "10000", "20000", str(source)]
    done = subprocess.run(
        [sys.executable, str(WORKER), "read", tool, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    with h5py.File(source, "r") as f:
        expected = int(f[ES_PATH][10000:20000].astype(np.int64).sum())
    assert record["equal"] is True and record["sum"] == record["h5py_sum"] == expected
    marks = record["marks"]
    assert marks["t0"] <= marks["t1"] <= marks["t2"] and record["nodes"] > 20
    log = s3.log.snapshot()
    opening = [r for r in log if r.time < marks["t1"]]
    # the consolidated document; size + JSON; the repository (config, branch, repo object
    # twice) and snapshot: opened once, its containers authorized by reopening, no probe
    assert len(opening) <= OPEN_REQUESTS[tool], [(r.method, r.path) for r in opening]
    window = [r for r in log if r.time >= marks["t1"]]
    assert window and all(r.method == "GET" for r in window)


def _log(*times_sizes: tuple[float, int]) -> list[Request]:
    return [Request("GET", "/b/k", None, 200, n, t) for t, n in times_sizes]


def test_cloud_row_splits_the_log_by_the_marks() -> None:
    rec = {"marks": {"t0": 10.0, "t1": 11.0, "t2": 12.5}, "sum": 7, "h5py_sum": 7, "equal": True}
    log = _log((10.2, 1_000_000), (10.9, 2_000_000), (11.5, 4_000_000), (13.0, 8))
    row = _cloud_row("kerchunk", rec, log)
    assert row[0] == "kerchunk" and row[1] == "2" and row[4] == "1"
    assert row[2] == fmt_num(3_000_000 / MB) and row[3] == "1.00" and row[6] == "1.50"
    assert row[7] == "sum 7, equal to h5py"


def test_cloud_row_says_when_the_window_differs_or_the_build_failed() -> None:
    rec = {
        "marks": {"t0": 0.0, "t1": 1.0, "t2": 2.0},
        "sum": 7,
        "h5py_sum": 9,
        "equal": False,
        "scope": "acquisition/ElectricalSeries only (whole file: ValueError: x)",
    }
    assert _cloud_row("vz", rec, []) == [
        "vz", "0", "0", "1.00", "0", "0", "1.00",
        "sum 7, DIFFERS from h5py (sum 9); acquisition/ElectricalSeries only "
        "(whole file: ValueError: x)",
    ]  # fmt: skip
    failed = _cloud_row("vz", {"error": "worker failed: ValueError: y"}, [])
    assert failed == ["vz", "-", "-", "-", "-", "-", "-", "worker failed: ValueError: y"]


@pytest.mark.parametrize("tool", ["virtualizarr", "virtualizarr-lr", "icechunk-xarray"])
def test_icechunk_indexes_on_s3_read_by_a_plain_icechunk_user(
    s3_session: tuple[S3Server, Path], tool: str
) -> None:
    env = VENVS / ENVIRONMENTS["virtualizarr"][0] / "bin" / "python"
    if not env.exists():
        pytest.skip(f"VirtualiZarr's environment not found at {env} (the benchmark makes it)")
    s3, source = s3_session
    src_url = f"s3://nwb-index/{source.name}"
    url = f"{src_url}.{tool}.icechunk"
    if tool == "icechunk-xarray":  # nwbzarr's Icechunk form, read without nwbzarr
        nwbzarr.index(src_url, url, format="icechunk", storage_options=s3.storage_options)
        target = {"array": ES_PATH, "scope": "whole file"}
    else:
        (target,) = _worker(tool, "cloud-build", src_url, url, s3.endpoint)
        assert "error" not in target, target
        # pynwb's electrodes region and data share phony_dim_0 with different sizes, and
        # without links_and_references the object references stop VirtualiZarr
        assert target["scope"].startswith("acquisition/ElectricalSeries only (whole file: ")
        assert target["array"] == "data"
    (record,) = _worker(
        tool, "read", url, s3.endpoint, target["array"], "10000", "20000", str(source)
    )
    assert record.get("equal") is True, record
    assert record["sum"] == record["h5py_sum"] and record["nodes"] >= 3
