"""The index benchmark's worker (benchmarks/index_tools.py) on nwbzarr's own forms."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.lindi_files import write_session

WORKER = Path(__file__).resolve().parents[1] / "benchmarks" / "index_tools.py"


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
