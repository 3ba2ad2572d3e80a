"""Shared plumbing of the scenarios added after ``convert``.

* :class:`Variant`: one measured thing (a child function + its arguments), run in a fresh
  subprocess per repeat (:func:`benchmarks.common.run_child`), repeats interleaved across the
  variants of a scenario so that machine noise spreads over all of them.
* :func:`ephys_npy` / :func:`ephys_stores`: the ``(rows, 64)`` int16 test signal as a cached
  ``.npy`` (loaded before the timed section: writes are timed from memory) and as NWB files
  written by nwbzarr's typed model (Zarr with its default layout, HDF5 chunked (65536, 64)).
* :class:`Checks`: the "ratios and targets" table every scenario ends with.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.common import (
    DATA_DIR,
    MB,
    ChildResult,
    best,
    ephys_block,
    fmt_num,
    fmt_ratio,
    markdown_table,
    median,
    run_child,
    scratch_dir,
    timed,
)

CHANNELS = 64
H5_CHUNK_ROWS = 65536  # pynwb / h5py chunks in every scenario: (65536, 64) = 8 MiB
DATA_VERSION = 1  # bump when ephys_npy / ephys_stores change


# ----------------------------------------------------------------------------- variants


@dataclass
class Variant:
    """One measured variant: ``target(**kwargs, **extra(scratch))`` in a fresh subprocess."""

    group: str  # e.g. the format ("zarr", "hdf5") or the operation
    name: str
    target: str  # "benchmarks.module:function"
    kwargs: dict[str, Any] = field(default_factory=dict)
    output: str | None = None  # when set: kwargs["dst"] = <fresh scratch dir>/<output>
    prepare: Callable[[], None] | None = None  # before each run (warm / cool a source)
    note: str = ""
    runs: list[ChildResult] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.group}/{self.name}"

    def seconds(self) -> list[float]:
        return [r.seconds for r in self.runs]

    def med(self) -> float:
        return median(self.seconds())

    def info(self, key: str) -> list[float]:
        return [float(r.info[key]) for r in self.runs if key in r.info]

    def peak(self) -> float:
        return median([r.peak_rss_mb for r in self.runs])

    def measure(self) -> ChildResult:
        if self.prepare is not None:
            self.prepare()
        if self.output is None:
            return run_child(self.target, self.kwargs)
        with scratch_dir(self.name.split()[0].replace("/", "-")) as d:
            return run_child(self.target, {**self.kwargs, "dst": str(d / self.output)})


def run_variants(scenario: str, variants: Sequence[Variant], repeats: int) -> None:
    """Run every variant ``repeats`` times, interleaved, logging each run to stderr."""
    total = repeats * len(variants)
    done = 0
    for _ in range(repeats):
        for v in variants:
            res = v.measure()
            v.runs.append(res)
            done += 1
            print(
                f"[{scenario}] {done}/{total} {v.label}: {res.seconds:.3f} s, "
                f"peak {res.peak_rss_mb:.0f} MB, others' CPU {res.other_cpu:.2f}",
                file=sys.stderr,
                flush=True,
            )


def find(variants: Sequence[Variant], label: str) -> Variant:
    for v in variants:
        if v.label == label:
            return v
    raise KeyError(label)


def variant_table(
    variants: Sequence[Variant], *, logical_bytes: int | None = None, unit: str = "s"
) -> str:
    """Median / best time, MB/s (when ``logical_bytes``), peak RSS, others' CPU, notes."""
    scale = 1000.0 if unit == "ms" else 1.0
    headers = ["group", "variant", f"median {unit}", f"best {unit}"]
    headers += ["MB/s (logical)"] if logical_bytes else []
    headers += ["peak RSS MB", "RSS before op MB", "others' CPU", "notes"]
    rows = []
    for v in variants:
        med = v.med()
        row = [v.group, v.name, fmt_num(med * scale), fmt_num(best(v.seconds()) * scale)]
        if logical_bytes:
            row.append(fmt_num(logical_bytes / MB / med if med > 0 else math.nan))
        base = [r.base_rss_mb for r in v.runs if r.base_rss_mb is not None]
        row += [
            fmt_num(v.peak()),
            fmt_num(median(base)) if base else "-",
            f"{median([r.other_cpu for r in v.runs]):.2f}",
            v.note,
        ]
        rows.append(row)
    return markdown_table(headers, rows)


def variants_record(variants: Sequence[Variant]) -> list[dict[str, Any]]:
    return [
        {
            "group": v.group,
            "name": v.name,
            "seconds": v.seconds(),
            "peak_rss_mb": [r.peak_rss_mb for r in v.runs],
            "base_rss_mb": [r.base_rss_mb for r in v.runs],
            "cpu_seconds": [r.cpu_seconds for r in v.runs],
            "other_cpu": [r.other_cpu for r in v.runs],
            "info": [r.info for r in v.runs],
            "note": v.note,
        }
        for v in variants
    ]


# ----------------------------------------------------------------------------- checks


@dataclass
class Checks:
    """Rows of "comparison, value, target, met" (ratios are of medians)."""

    rows: list[list[str]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        what: str,
        value: float,
        target: str = "-",
        met: bool | None = None,
        *,
        kind: str = "ratio",
    ) -> None:
        if kind == "ratio":
            shown = fmt_ratio(value)
        elif kind == "ms":
            shown = f"{fmt_num(value * 1000)} ms"
        else:
            shown = f"{fmt_num(value)} {kind}"
        ok = "-" if met is None or math.isnan(value) else ("yes" if met else "**NO**")
        self.rows.append([what, shown, target, ok])
        self.records.append(dict(comparison=what, value=value, target=target, met=met))

    def at_least(self, what: str, value: float, want: float) -> None:
        """A speedup (peer / nwbzarr) that must be >= ``want``."""
        self.add(what, value, f">= {want:g}x", value >= want)

    def at_most(self, what: str, value: float, want: float) -> None:
        """A slowdown (nwbzarr / floor) that must be <= ``want``."""
        self.add(what, value, f"<= {want:g}x", value <= want)

    def under(self, what: str, seconds: float, limit: float) -> None:
        self.add(what, seconds, f"< {fmt_num(limit * 1000)} ms", seconds < limit, kind="ms")

    def table(self) -> str:
        return markdown_table(["comparison", "value", "target", "met"], self.rows)


# ----------------------------------------------------------------------------- test data


def ephys_npy(rows: int) -> Path:
    """``(rows, 64)`` int16 ephys signal (:func:`ephys_block`) cached as ``.npy``.

    Generated in a subprocess: the parent must stay small, because a child started by
    ``fork`` + ``exec`` inherits the parent's ``ru_maxrss`` high-water mark (Linux keeps it
    across exec), which would then floor every later child's peak RSS.
    """
    path = DATA_DIR / f"ephys-v{DATA_VERSION}-{rows}x{CHANNELS}.npy"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        run_child("benchmarks.harness:_write_npy", dict(path=str(path), rows=rows))
    return path


def _write_npy(path: str, rows: int) -> dict[str, Any]:
    """(setup, in a child) write the signal block by block."""
    final = Path(path)
    partial = final.with_name(final.name + ".partial.npy")
    out = np.lib.format.open_memmap(partial, mode="w+", dtype=np.int16, shape=(rows, CHANNELS))
    step = 1 << 18
    for start in range(0, rows, step):
        n = min(step, rows - start)
        out[start : start + n] = ephys_block(start, n, CHANNELS)
    out.flush()
    del out
    os.replace(partial, final)
    return {"seconds": 0.0}


def load_npy(path: str) -> npt.NDArray[np.int16]:
    """The whole signal in memory, pages faulted in (untimed setup of a child)."""
    data: npt.NDArray[np.int16] = np.load(path)
    return data


def blocks(data: npt.NDArray[Any], rows: int = H5_CHUNK_ROWS) -> Iterator[npt.NDArray[Any]]:
    for start in range(0, data.shape[0], rows):
        yield data[start : start + rows]


def build_ephys_nwbfile(data: Any, shape: tuple[int, int], h5_chunks: bool) -> Any:
    """An nwbzarr-model NWBFile with one ElectricalSeries streamed from ``data`` blocks."""
    from datetime import UTC, datetime

    from nwbzarr.model import DataIO, ElectricalSeries, NWBFile

    nwbfile = NWBFile(
        session_description="nwbzarr benchmark: synthetic ephys",
        identifier=f"nwbzarr-bench-{shape[0]}x{shape[1]}",
        session_start_time=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
    )
    device = nwbfile.create_device(name="probe", description="synthetic 64-channel probe")
    group = nwbfile.create_electrode_group(
        name="shank0", description="synthetic shank", location="CA1", device=device
    )
    for _ in range(shape[1]):
        nwbfile.add_electrode(group=group, location="CA1")
    region = nwbfile.create_electrode_table_region(
        region=list(range(shape[1])), description="all electrodes"
    )
    nwbfile.add_acquisition(
        ElectricalSeries(
            name="ElectricalSeries",
            data=DataIO(
                data=blocks(data),
                shape=shape,
                dtype=np.dtype(np.int16),
                chunks=(H5_CHUNK_ROWS, shape[1]) if h5_chunks else None,
            ),
            electrodes=region,
            starting_time=0.0,
            rate=30_000.0,
            conversion=0.195e-6,
            description="synthetic ephys-like int16",
        )
    )
    return nwbfile


def _write_ephys_store(src: str, dst: str, fmt: str) -> dict[str, Any]:
    """(setup) nwbzarr model write of the cached signal into ``dst``."""
    import nwbzarr.model

    data = np.load(src, mmap_mode="r")
    nwbfile = build_ephys_nwbfile(data, data.shape, h5_chunks=fmt == "hdf5")
    result: dict[str, Any] = {}
    with timed(result):
        nwbzarr.model.write(nwbfile, dst, format=fmt, overwrite=True)
    return result


def ephys_stores(rows: int) -> tuple[Path, Path]:
    """(Zarr store, HDF5 file) written by nwbzarr from :func:`ephys_npy`, cached."""
    npy = ephys_npy(rows)
    out = []
    for fmt, suffix in (("zarr", ".nwb.zarr"), ("hdf5", ".nwb")):
        path = DATA_DIR / "stores" / f"model-v{DATA_VERSION}-{rows}x{CHANNELS}{suffix}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name("partial-" + path.name)
            print(f"[fixture] writing {path.name} ...", file=sys.stderr, flush=True)
            run_child(
                "benchmarks.harness:_write_ephys_store",
                dict(src=str(npy), dst=str(partial), fmt=fmt),
            )
            os.replace(partial, path)
        out.append(path)
    return out[0], out[1]
