"""Scenario ``scaling``: how costs grow with 10x more data and 10x more objects.

Data size (300,000 -> 3,000,000 rows x 64 int16; ``--quick``: 30,000 -> 300,000):
  * convert  ``nwbzarr.convert`` of the pynwb HDF5 fixture (uncompressed, chunks (65536, 64))
    vs ``hdmf-zarr`` export (as in ``convert``)
  * open     ``nwbzarr.open(store)`` + the ElectricalSeries data array vs ``zarr.open_array``
  * window   30,000 x 64 rows from the middle (hot, fresh handle) nwbzarr vs zarr-python
Object count (100 -> 1,000 TimeSeries x 100 samples, ``--quick`` 10 -> 100; 1 repeat unless
``--repeats``):
  * write    nwbzarr (Zarr) vs pynwb (HDF5)
  * open     open + touch every series, nwbzarr (Zarr) vs pynwb (HDF5)
  * convert  ``nwbzarr.convert`` of pynwb's HDF5 file to Zarr (hdmf-zarr left out: its
    1,000-series write alone takes ~90 s, see ``many_series``)
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_convert import Options
from benchmarks.bench_many_series import many_file
from benchmarks.common import (
    DATA_DIR,
    ES_PATH,
    ephys_nwb,
    fmt_num,
    fmt_ratio,
    markdown_table,
    median,
    ratio,
    run_child,
    timed,
    warm,
)
from benchmarks.harness import Variant, run_variants, variants_record

ROWS = (300_000, 3_000_000)
QUICK_ROWS = (30_000, 300_000)
SERIES = (100, 1_000)
QUICK_SERIES = (10, 100)
WINDOW = 30_000


def open_array(path: str, tool: str) -> dict[str, Any]:
    import zarr

    import nwbzarr

    result: dict[str, Any] = {}
    with timed(result):
        if tool == "nwbzarr":
            node: Any = nwbzarr.open(path)[ES_PATH]
            shape = node.shape
        else:
            shape = zarr.open_array(store=f"{path}/{ES_PATH}", mode="r").shape
    result["rows"] = int(shape[0])
    return result


def window_read(path: str, tool: str) -> dict[str, Any]:
    import zarr

    import nwbzarr

    arr: Any = (
        nwbzarr.open(path)[ES_PATH]
        if tool == "nwbzarr"
        else zarr.open_array(store=f"{path}/{ES_PATH}", mode="r")
    )
    mid = arr.shape[0] // 2
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        arr[mid : mid + WINDOW]
        times.append(time.perf_counter() - t0)
    return {"seconds": median(times)}


def nwbzarr_convert(src: str, dst: str) -> dict[str, Any]:
    import nwbzarr

    result: dict[str, Any] = {}
    with timed(result):
        nwbzarr.convert(src, dst, progress=False)
    return result


def _store_for(src: Path) -> Path:
    store = DATA_DIR / "stores" / f"{src.stem}.nwb.zarr"
    if not store.exists():
        run_child("benchmarks.bench_convert:_convert_overwrite", dict(src=str(src), dst=str(store)))
    return store


def _shape(growth: float) -> str:
    if math.isnan(growth):
        return "-"
    if growth < 2:
        return "flat"
    if growth < 8:
        return "sub-linear"
    return "linear" if growth <= 12 else "super-linear"


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    sizes = QUICK_ROWS if opts.quick else ROWS
    series = QUICK_SERIES if opts.quick else SERIES
    conv = "benchmarks.bench_convert"
    me = "benchmarks.bench_scaling"
    ms = "benchmarks.bench_many_series"
    data_variants: list[Variant] = []
    for rows in sizes:
        src = ephys_nwb(rows, channels=64, chunk_rows=min(65536, rows), compression="none")
        store = _store_for(src)

        def hot(src: Path = src, store: Path = store) -> None:
            warm(src)
            warm(store)

        g = f"{rows:,} rows"
        specs: list[tuple[str, str, dict[str, Any], str | None]] = [
            ("convert nwbzarr", f"{me}:nwbzarr_convert", dict(src=str(src)), "o.nwb.zarr"),
            ("convert hdmf-zarr", f"{conv}:hdmf_zarr_export", dict(src=str(src)), "o.nwb.zarr"),
            ("open nwbzarr", f"{me}:open_array", dict(path=str(store), tool="nwbzarr"), None),
            ("open zarr-python", f"{me}:open_array", dict(path=str(store), tool="zarr"), None),
            ("window nwbzarr", f"{me}:window_read", dict(path=str(store), tool="nwbzarr"), None),
            ("window zarr-python", f"{me}:window_read", dict(path=str(store), tool="zarr"), None),
        ]
        data_variants += [Variant(g, n, t, kw, out, hot) for n, t, kw, out in specs]
    object_variants: list[Variant] = []
    for n in series:
        g = f"{n:,} series"
        pynwb_file = many_file("pynwb", n)
        nz_file = str(many_file("nwbzarr-zarr", n))
        specs = [
            ("write nwbzarr", f"{ms}:nwbzarr_many_write", dict(fmt="zarr", n=n), "o.nwb.zarr"),
            ("write pynwb", f"{ms}:pynwb_many_write", dict(n=n), "o.nwb"),
            ("open nwbzarr", f"{ms}:nwbzarr_many_open", dict(path=nz_file), None),
            ("open pynwb", f"{ms}:pynwb_many_open", dict(path=str(pynwb_file)), None),
            ("convert nwbzarr", f"{me}:nwbzarr_convert", dict(src=str(pynwb_file)), "o.nwb.zarr"),
        ]
        object_variants += [Variant(g, name, t, kw, out) for name, t, kw, out in specs]
    data_reps = opts.repeats or (1 if opts.quick else 2)  # keeps the full suite < 15 min
    run_variants("scaling/data", data_variants, data_reps)
    obj_reps = opts.repeats or 1
    run_variants("scaling/objects", object_variants, obj_reps)

    def growth(variants: list[Variant], groups: tuple[str, str]) -> str:
        names = [v.name for v in variants if v.group == groups[0]]
        rows_md = []
        for name in names:
            small = next(v for v in variants if v.group == groups[0] and v.name == name).med()
            large = next(v for v in variants if v.group == groups[1] and v.name == name).med()
            g = ratio(large, small)
            rows_md.append(
                [
                    name,
                    fmt_num(small * 1000),
                    fmt_num(large * 1000),
                    fmt_ratio(g),
                    _shape(g),
                ]
            )
        headers = ["operation", f"{groups[0]} ms", f"{groups[1]} ms", "growth (10x input)", ""]
        return markdown_table(headers, rows_md)

    data_groups = (f"{sizes[0]:,} rows", f"{sizes[1]:,} rows")
    obj_groups = (f"{series[0]:,} series", f"{series[1]:,} series")
    lines = [
        "## scaling: 10x more data, 10x more objects",
        "",
        f"Medians of {data_reps} (data size) / {obj_reps} (object count) repeat(s), "
        "interleaved, fresh subprocess per run, sources hot. Window = median of 5 reads in "
        "one process after the open. A growth of 10x is linear; open and window should stay "
        "flat with the data size.",
        "",
        "### Data size",
        "",
        growth(data_variants, data_groups),
        "",
        "### Object count",
        "",
        growth(object_variants, obj_groups),
        "",
    ]
    record = {
        "options": {"sizes": list(sizes), "series": list(series), "repeats": data_reps},
        "data": variants_record(data_variants),
        "objects": variants_record(object_variants),
    }
    return "\n".join(lines), record
