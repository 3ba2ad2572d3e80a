"""Interrupted work: convert, write and an append loop killed with SIGKILL at random points.

Each trial runs the work in a subprocess and kills it after a random delay drawn from the
measured duration of an uninterrupted run (from the start of the work, after the
interpreter's start-up). Afterwards the destination is either complete and
valid, or refused by ``nwbzarr.open`` (``IncompleteFileError``/``FormatError``, or absent); a
re-run with ``overwrite=True`` completes it, and the source's bytes never change.
``pytest -m slow tests/test_kill.py`` runs 60 trials per kind (``NWBZARR_KILL_TRIALS``).
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr import FormatError, IncompleteFileError
from nwbzarr.testing import tree_diff

DEFAULT_TRIALS = 5
SLOW_TRIALS = int(os.environ.get("NWBZARR_KILL_TRIALS", "60"))
BLOCKS = 40
BLOCK = 20_000

WORK = {
    "convert": """
        import sys, nwbzarr
        print("start", flush=True)
        nwbzarr.convert(sys.argv[1], sys.argv[2], overwrite=True)
    """,
    "write": """
        import sys
        from datetime import datetime, timezone
        import numpy as np
        import nwbzarr
        from nwbzarr.model import NWBFile, TimeSeries
        nwb = NWBFile(session_description="kill test", identifier="k",
                      session_start_time=datetime(2024, 1, 1, tzinfo=timezone.utc))
        for i in range(8):
            nwb.add_acquisition(TimeSeries(name=f"ts{i}", unit="V", rate=1000.0,
                data=np.full((200_000, 4), i, dtype="int16")))
        print("start", flush=True)
        nwbzarr.write(nwb, sys.argv[2], overwrite=True)
    """,
    "append": f"""
        import sys
        import numpy as np
        import nwbzarr
        print("start", flush=True)
        with nwbzarr.open(sys.argv[2], "w", overwrite=True) as root:
            x = root.create_array("x", shape=(0,), dtype="int64", maxshape=(None,),
                                  chunks=({BLOCK},))
            for i in range({BLOCKS}):
                x.append(np.full({BLOCK}, i, dtype="int64"))
                root.file.flush()
    """,
}


def require_slow(request: pytest.FixtureRequest) -> None:
    """Slow tests run only when selected with ``-m slow`` (the default suite stays quick)."""
    if "slow" not in (request.config.getoption("markexpr", "") or ""):
        pytest.skip("slow: run with -m slow")


def digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        h.update(str(p.relative_to(path) if path.is_dir() else p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _start(kind: str, src: Path, dst: Path) -> subprocess.Popen[bytes]:
    code = textwrap.dedent(WORK[kind])
    return subprocess.Popen(
        [sys.executable, "-c", code, str(src), str(dst)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _started(proc: subprocess.Popen[bytes]) -> float:
    """Wait for the work (not the interpreter start-up) to begin; its monotonic time."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == b"start", line + (proc.stderr.read() if proc.stderr else b"")
    return time.monotonic()


def _run(kind: str, src: Path, dst: Path) -> float:
    proc = _start(kind, src, dst)
    started = _started(proc)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - started


def check_complete(kind: str, src: Path, dst: Path) -> None:
    """The destination is complete and holds exactly what the work writes."""
    with nwbzarr.open(dst) as root:
        if kind == "convert":
            with nwbzarr.open(src) as source:
                assert tree_diff(source, root) == []
        elif kind == "write":
            for i in range(8):
                data = root.array(f"acquisition/ts{i}/data")
                assert data.shape == (200_000, 4)
                assert np.all(data[-10:] == i) and np.all(data[:10] == i)
        else:
            x = root.array("x")
            assert x.shape == (BLOCKS * BLOCK,)
            assert np.array_equal(x[...], np.repeat(np.arange(BLOCKS), BLOCK))


def outcome_after_kill(kind: str, src: Path, dst: Path) -> str:
    """What a reader finds at ``dst`` after the kill: complete, refused or absent."""
    if not dst.exists():
        return "absent"
    try:
        root = nwbzarr.open(dst)
    except IncompleteFileError:
        return "incomplete"
    except FileNotFoundError:  # an empty Zarr directory: nothing was written yet
        return "absent"
    except FormatError as err:
        return f"refused:{str(err).split(': ', 1)[-1][:40]}"
    root.close()
    try:
        check_complete(kind, src, dst)
    except (FormatError, AssertionError):
        return "checkpoint" if kind == "append" and _valid_prefix(dst) else "complete-but-damaged"
    return "complete"


def _valid_prefix(dst: Path) -> bool:
    """A Zarr append loop flushed after block k: whole blocks, each with its index as values."""
    with nwbzarr.open(dst) as root:
        x = root.array("x")
        n = x.shape[0]
        return n % BLOCK == 0 and np.array_equal(x[...], np.repeat(np.arange(n // BLOCK), BLOCK))


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A read-only HDF5 source of a few MB with every feature, for convert."""
    base = tmp_path_factory.mktemp("kill-src")
    src = base / "src.nwb"
    with nwbzarr.open(src, "w") as root:
        root.attrs["neurodata_type"] = "NWBFile"
        for i in range(4):
            ts = root.create_group(f"acquisition/ts{i}", attrs={"neurodata_type": "TimeSeries"})
            ts.create_array(
                "data", np.arange(300_000 * 4, dtype="int16").reshape(-1, 4), chunks=(20_000, 4)
            )
            ts.create_array("timestamps", np.linspace(0, 1, 1000))
            ts.set_link("linked", nwbzarr.SoftLink(f"/acquisition/ts{i}/timestamps"))
    os.chmod(src, 0o444)
    return {"convert": src, "write": src, "append": src}


def kill_trials(
    kind: str, suffix: str, src: Path, tmp: Path, trials: int, seed: int, *, fresh: bool
) -> Counter[str]:
    """``fresh``: the destination does not exist when the work starts; otherwise it holds a
    complete earlier result that the work overwrites (``overwrite=True``)."""
    rng = random.Random(seed)
    before = digest(src)
    dst = tmp / f"dst{suffix}"
    duration = _run(kind, src, tmp / f"timing{suffix}")
    outcomes: Counter[str] = Counter()
    for _ in range(trials):
        if fresh:
            remove(dst)
        elif not dst.exists():
            _run(kind, src, dst)
        delay = rng.uniform(0.0, duration * 1.1)
        proc = _start(kind, src, dst)
        _started(proc)
        try:
            proc.wait(delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        outcome = outcome_after_kill(kind, src, dst)
        outcomes[outcome if proc.returncode == -signal.SIGKILL else f"finished/{outcome}"] += 1
        assert outcome != "complete-but-damaged", "a damaged destination opens as complete"
        if outcome != "complete":  # recovery: the same work again, to the end
            _run(kind, src, dst)
            check_complete(kind, src, dst)
    assert digest(src) == before, "the source changed"
    if outcomes["checkpoint"]:
        pytest.xfail(
            "docs/reliability.md (flush checkpoints): a killed Zarr append loop leaves its last "
            f"flush() checkpoint, which opens as complete ({outcomes['checkpoint']} trials)"
        )
    print(
        f"kill {kind} -> {suffix} ({'fresh' if fresh else 'overwrite'}): {trials} trials, "
        f"run {duration:.2f} s: {dict(outcomes)}"
    )
    return outcomes


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


CASES = [
    ("convert", ".nwb.zarr"),
    ("convert", "_copy.nwb"),
    ("write", ".nwb.zarr"),
    ("write", ".nwb"),
    ("append", ".nwb.zarr"),
    ("append", ".nwb"),
]
DEFAULT_CASES = [("convert", ".nwb.zarr", 5), ("write", ".nwb", 3), ("append", ".nwb", 3)]
OVERWRITE_BUG = pytest.mark.xfail(
    strict=False,
    reason="docs/reliability.md (rel-overwrite-remove): overwrite=True deletes the old Zarr store "
    "with rmtree, root zarr.json not first: a kill leaves a store that opens as complete with "
    "chunks missing",
)


@pytest.mark.parametrize(("kind", "suffix", "trials"), DEFAULT_CASES)
def test_killed_work(
    kind: str, suffix: str, trials: int, sources: dict[str, Path], tmp_path: Path
) -> None:
    outcomes = kill_trials(kind, suffix, sources[kind], tmp_path, trials, seed=1, fresh=True)
    assert sum(outcomes.values()) == trials


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "suffix"), CASES)
def test_killed_work_many(
    kind: str, suffix: str, sources: dict[str, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    require_slow(request)
    seed = int(os.environ.get("NWBZARR_KILL_SEED", "2"))
    outcomes = kill_trials(kind, suffix, sources[kind], tmp_path, SLOW_TRIALS, seed, fresh=True)
    assert outcomes["incomplete"] + outcomes["absent"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "suffix"),
    [pytest.param(k, s, marks=OVERWRITE_BUG) if "zarr" in s else (k, s) for k, s in CASES],
)
def test_killed_overwrite_many(
    kind: str,
    suffix: str,
    sources: dict[str, Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Killed while replacing a complete earlier result (``overwrite=True``)."""
    require_slow(request)
    seed = int(os.environ.get("NWBZARR_KILL_SEED", "3"))
    kill_trials(kind, suffix, sources[kind], tmp_path, SLOW_TRIALS // 2, seed, fresh=False)


@OVERWRITE_BUG
def test_overwrite_killed_during_removal(sources: dict[str, Path], tmp_path: Path) -> None:
    """Deterministic: the old store is half removed (what a kill during rmtree leaves)."""
    dst = tmp_path / "dst.nwb.zarr"
    nwbzarr.convert(sources["convert"], dst)
    proc = subprocess.run(
        [sys.executable, "-c", REMOVE_HALF, str(dst)], check=True, capture_output=True
    )
    del proc
    assert outcome_after_kill("convert", sources["convert"], dst) != "complete-but-damaged"


# removes the store with nwbzarr's own remove(), stopping (like a kill) half way through
REMOVE_HALF = """
import os, sys, shutil
from nwbzarr.storage import remove, resolve
files = []
real_unlink = os.unlink
def unlink(path, *a, **k):
    files.append(path)
    if len(files) > 20:
        os._exit(9)
    return real_unlink(path, *a, **k)
os.unlink = unlink
remove(resolve(sys.argv[1]))
"""
