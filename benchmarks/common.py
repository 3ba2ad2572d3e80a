"""Timing helpers shared by the benchmark scenarios.

* :func:`run_child` runs one measurement in a fresh Python subprocess. The child times only the
  operation (after its imports) and writes a small JSON result with its ``VmHWM`` (peak RSS of
  the new process image); the parent reaps it with ``os.wait4``. (The child's own
  ``ru_maxrss`` is not enough: Linux carries it across ``exec``, so it starts at the parent's
  high-water mark at fork time.)
  (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the same counter but the *maximum over every
  child reaped so far*, so it cannot tell the second measurement from the first.)
* :func:`run_command` does the same for a plain command (``cp``, ``dd``), timed from outside.
* While a child runs, ``/proc/stat`` gives the CPU time used by everything else on this shared
  machine: ``other_cpu`` is that time as a share of all cores (0 = idle machine, 1 = all
  cores busy with others' work). Quote it next to the timings.
* :func:`ephys_nwb` writes the NWB test files once into ``benchmarks/.data/`` (gitignored).
* :func:`scratch_dir` gives each repeat a fresh output directory, deleted (then ``sync``) after,
  so no run reads or overwrites what another left in the page cache, and no dirty pages of one
  run are written back during the next. :func:`warm` / :func:`cool` put the *source* in a known
  page-cache state before each run.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
RESULTS_DIR = BENCH_DIR / "results"
MB = 1_000_000  # throughputs and sizes are in decimal MB (10**6 bytes), like the notes
CHILD_TIMEOUT = 900.0

# ----------------------------------------------------------------------------- subprocesses


@dataclass
class ChildResult:
    """One measurement made in a subprocess."""

    seconds: float  # the timed section (measured in the child), or the whole command
    wall: float  # the whole child, interpreter start-up and imports included
    peak_rss_mb: float  # ru_maxrss of the child
    base_rss_mb: float | None  # RSS of the child just before the timed section
    cpu_seconds: float  # user + system time of the child
    other_cpu: float  # others' share of all cores while the child ran
    info: dict[str, Any] = field(default_factory=dict)  # what the child returned besides


class ChildError(RuntimeError):
    pass


def run_child(
    target: str, kwargs: dict[str, Any], *, timeout: float = CHILD_TIMEOUT
) -> ChildResult:
    """Run ``target`` (``"module:function"``) with ``kwargs`` in a fresh interpreter.

    The function runs in the child and returns a JSON-able dict holding at least ``seconds``
    (use :func:`timed`); anything else it returns lands in :attr:`ChildResult.info`.
    """
    with tempfile.TemporaryDirectory(prefix="nwbzarr-bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        code = "import sys; from benchmarks.common import child_main; child_main(sys.argv[1:])"
        cmd = [sys.executable, "-c", code, target, json.dumps(kwargs), str(result_file)]
        res = run_command(cmd, timeout=timeout, label=target)
        info: dict[str, Any] = json.loads(result_file.read_text())
    res.seconds = float(info.pop("seconds"))
    hwm = info.pop("hwm_mb", None)
    if hwm is not None and not math.isnan(float(hwm)):
        # ru_maxrss survives exec: it includes the parent's high-water mark at fork time
        res.peak_rss_mb = float(hwm)
    base = info.pop("base_rss_mb", None)
    res.base_rss_mb = None if base is None else float(base)
    res.info = info
    return res


def run_command(
    cmd: Sequence[str], *, timeout: float = CHILD_TIMEOUT, label: str | None = None
) -> ChildResult:
    """Run ``cmd`` and measure it from outside (wall time, peak RSS, CPU, others' CPU)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH")]))
    with tempfile.TemporaryFile() as log:
        busy0 = _machine_busy_seconds()
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=REPO_DIR, env=env, stdout=log, stderr=log)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        busy1 = _machine_busy_seconds()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if proc.returncode != 0:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-4000:]
            raise ChildError(f"{label or cmd[0]} failed (exit {proc.returncode}):\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    others = max(0.0, (busy1 - busy0) - cpu) / ((os.cpu_count() or 1) * wall)
    return ChildResult(
        seconds=wall,
        wall=wall,
        peak_rss_mb=usage.ru_maxrss * 1024 / MB,  # ru_maxrss is in KiB on Linux
        base_rss_mb=None,
        cpu_seconds=cpu,
        other_cpu=min(1.0, others),
    )


def preload_nwbzarr() -> None:
    """Import nwbzarr's backends and model now, and load the model's schema (untimed).

    ``import nwbzarr`` loads them on first use (an HDF5 read never imports zarr), and the
    typed model's classes are defined by the bundled NWB schema, loaded on first use too
    (~18 ms, once per process, from its cache: `docs/schema.md`); the hand-written model that
    came before had its classes defined at import. The measurements time operations, not
    imports or definitions, as before those changes.
    """
    for name in ("nwbzarr.backends.hdf5", "nwbzarr.backends.zarr", "nwbzarr.backends.virtual"):
        importlib.import_module(name)
    importlib.import_module("nwbzarr.model")
    importlib.import_module("nwbzarr.model.classes").bundled_catalog()


def child_main(argv: list[str]) -> None:
    """Entry point of the child interpreter started by :func:`run_child`."""
    target, kwargs_json, result_file = argv
    module_name, func_name = target.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    result = func(**json.loads(kwargs_json))
    result["hwm_mb"] = _vm_hwm_mb()
    Path(result_file).write_text(json.dumps(result))


def _vm_hwm_mb() -> float:
    """Peak RSS of this process image (``VmHWM``: starts afresh at exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MB
    return float("nan")


def _machine_busy_seconds() -> float:
    """CPU seconds spent busy by all cores since boot (``/proc/stat``; 0 where unavailable)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0.0
    # user nice system idle iowait irq softirq steal guest guest_nice (guest is in user)
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    """The current RSS of this process (``VmRSS``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / MB
    return float("nan")


@contextmanager
def timed(result: dict[str, Any]) -> Iterator[None]:
    """Time the block into ``result["seconds"]`` and note the RSS before it."""
    result["base_rss_mb"] = rss_mb()
    t0 = time.perf_counter()
    yield
    result["seconds"] = time.perf_counter() - t0


# ----------------------------------------------------------------------------- files


def tree_size(path: Path) -> int:
    """Bytes stored at ``path`` (a file, or every file below a directory)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
    else:
        yield from (p for p in path.rglob("*") if p.is_file())


def warm(path: Path) -> None:
    """Read every byte of ``path`` so that the runs that follow find it in the page cache."""
    buf = bytearray(8 << 20)
    for p in _files(path):
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def cool(path: Path) -> None:
    """Evict ``path`` from the page cache (guest-cold: the host may still cache the disk)."""
    os.sync()
    for p in _files(path):
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


@contextmanager
def scratch_dir(tag: str) -> Iterator[Path]:
    """A fresh, empty directory next to the data, deleted (and the disk synced) afterwards."""
    root = DATA_DIR / "scratch"
    root.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{tag}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.sync()


# ----------------------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def best(values: Sequence[float]) -> float:
    return min(values) if values else math.nan


def fmt_num(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits (thousands separated), '-' when missing."""
    if x is None or math.isnan(x):
        return "-"
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{decimals}f}"


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None or math.isnan(x) else f"{fmt_num(x)}x"


def ratio(numerator: float, denominator: float) -> float:
    if math.isnan(numerator) or math.isnan(denominator) or denominator <= 0:
        return math.nan
    return numerator / denominator


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# ----------------------------------------------------------------------------- test data

FIXTURE_VERSION = 1  # bump when the generated data or file layout change
FIXTURE_SEED = 20_240_601
ES_PATH = "acquisition/ElectricalSeries/data"  # the data array inside the NWB file / store


def ephys_block(start: int, rows: int, channels: int) -> npt.NDArray[np.int16]:
    """Ephys-like int16 samples for rows ``start:start+rows`` (deterministic per block).

    A random walk per channel, high-passed by subtracting its centred moving average (so it
    stays bounded, like a wide-band LFP trace), plus white noise and a per-channel offset.
    Compression ratios on this signal (shuffle+gzip-4: ~1.9) match the notes' random walk.
    """
    rng = np.random.default_rng([FIXTURE_SEED, start])
    walk = np.cumsum(rng.normal(0.0, 6.0, (rows, channels)).astype(np.float32), axis=0)
    csum = np.zeros((rows + 1, channels), dtype=np.float64)
    np.cumsum(walk, axis=0, out=csum[1:])
    half = 256
    idx = np.arange(rows)
    lo = np.maximum(idx - half, 0)
    hi = np.minimum(idx + half + 1, rows)
    walk -= ((csum[hi] - csum[lo]) / (hi - lo)[:, None]).astype(np.float32)
    del csum
    walk += rng.normal(0.0, 4.0, (rows, channels)).astype(np.float32)
    walk += rng.integers(-300, 300, channels).astype(np.float32)
    return np.clip(np.rint(walk), -32768, 32767).astype(np.int16)


def ephys_nwb(
    rows: int, *, channels: int = 64, chunk_rows: int = 65536, compression: str = "none"
) -> Path:
    """The cached NWB file with an ElectricalSeries of ``(rows, channels)`` int16.

    ``compression`` is ``"none"`` (chunked, no filter) or ``"gzip4"`` (shuffle + gzip level 4).
    Written once by pynwb in a subprocess, one chunk at a time (never the whole array).
    """
    if compression not in ("none", "gzip4"):
        raise ValueError(f"compression={compression!r}: expected 'none' or 'gzip4'")
    name = f"ephys-v{FIXTURE_VERSION}-{rows}x{channels}-c{chunk_rows}-{compression}.nwb"
    path = DATA_DIR / name
    if path.exists():
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    print(f"[fixture] writing {path.name} ...", file=sys.stderr, flush=True)
    res = run_child(
        "benchmarks.common:write_ephys_nwb",
        dict(
            path=str(partial),
            rows=rows,
            channels=channels,
            chunk_rows=chunk_rows,
            compression=compression,
        ),
    )
    os.replace(partial, path)
    print(
        f"[fixture] {path.name}: {res.seconds:.1f} s, {tree_size(path) / MB:,.0f} MB",
        file=sys.stderr,
        flush=True,
    )
    return path


def write_ephys_nwb(
    path: str, rows: int, channels: int, chunk_rows: int, compression: str
) -> dict[str, Any]:
    """(child) Write the NWB file of :func:`ephys_nwb` with pynwb."""
    from hdmf.backends.hdf5 import H5DataIO
    from hdmf.data_utils import GenericDataChunkIterator
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.ecephys import ElectricalSeries

    class Samples(GenericDataChunkIterator):  # type: ignore[misc]
        def _get_data(self, selection: tuple[slice, ...]) -> npt.NDArray[np.int16]:
            rows_sel, cols_sel = selection
            block = ephys_block(rows_sel.start, rows_sel.stop - rows_sel.start, channels)
            return block[:, cols_sel]

        def _get_maxshape(self) -> tuple[int, int]:
            return (rows, channels)

        def _get_dtype(self) -> np.dtype[np.int16]:
            return np.dtype(np.int16)

    nwbfile = NWBFile(
        session_description="nwbzarr benchmark: synthetic ephys",
        identifier=f"nwbzarr-bench-{rows}x{channels}-{compression}",
        session_start_time=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
    )
    device = nwbfile.create_device(name="probe", description="synthetic 64-channel probe")
    group = nwbfile.create_electrode_group(
        name="shank0", description="synthetic shank", location="CA1", device=device
    )
    for ch in range(channels):
        nwbfile.add_electrode(group=group, location="CA1", rel_x=0.0, rel_y=20.0 * ch)
    region = nwbfile.create_electrode_table_region(
        region=list(range(channels)), description="all electrodes"
    )
    samples = Samples(
        buffer_shape=(chunk_rows, channels),
        chunk_shape=(chunk_rows, channels),
        display_progress=False,
    )
    filters: dict[str, Any] = (
        dict(compression="gzip", compression_opts=4, shuffle=True) if compression == "gzip4" else {}
    )
    series = ElectricalSeries(
        name="ElectricalSeries",
        data=H5DataIO(samples, chunks=(chunk_rows, channels), **filters),
        electrodes=region,
        starting_time=0.0,
        rate=30_000.0,
        conversion=0.195e-6,
        description="synthetic ephys-like int16 (high-passed random walk + noise)",
    )
    nwbfile.add_acquisition(series)
    result: dict[str, Any] = {}
    with timed(result), NWBHDF5IO(path, "w") as io:
        io.write(nwbfile)
    return result


def environment() -> dict[str, str]:
    """Versions and machine facts for the report header (without importing the packages)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {
        "python": sys.version.split()[0],
        "cpus": str(os.cpu_count()),
    }
    for pkg in ("nwbzarr", "zarr", "numcodecs", "h5py", "pynwb", "hdmf", "hdmf-zarr", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "-"
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "nwbzarr"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        out["git"] = rev + (" (nwbzarr/ modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        out["git"] = "-"
    return out
