"""Scenario ``window``: partial reads of the ``(rows, 64)`` int16 ElectricalSeries.

Operations: a 1 s x 64 channel window (30,000 rows from the middle) and one channel over
the whole duration; each *cold* (``os.sync`` + ``posix_fadvise(DONTNEED)`` on every file of
the store) and *warm* (every byte read first). Each repeat opens a fresh handle (open time
reported apart) and times only the slice. Stores: written by nwbzarr's model
(:func:`benchmarks.harness.ephys_stores`): Zarr default layout (2 MiB chunks, Blosc lz4) and
HDF5 chunks (65536, 64) uncompressed. Variants per store: direct zarr-python / h5py, nwbzarr
``Array`` slicing, ``series_to_xarray(chunks=None)`` + ``isel`` and + ``sel`` (time labels).
Each variant runs in one subprocess that does all repeats, operations and states.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_convert import Options
from benchmarks.common import ES_PATH, fmt_num, markdown_table, median, ratio, run_child
from benchmarks.harness import Checks, ephys_stores

FULL_ROWS = 3_000_000
QUICK_ROWS = 300_000
WINDOW = 30_000
CHANNEL = 5
RATE = 30_000.0
TARGET = 1.3
OPS = ("window", "channel")
STATES = ("warm", "cold")


def _opener(kind: str, path: str) -> Any:
    """A function that opens a fresh handle and returns ``read(op) -> ndarray``."""
    if kind == "zarr":
        import zarr

        def open_zarr() -> Any:
            z = zarr.open_array(store=f"{path}/{ES_PATH}", mode="r")
            return lambda sl: z[sl]

        return open_zarr
    if kind == "h5py":
        import h5py

        def open_h5() -> Any:
            f = h5py.File(path, "r")
            ds = f[ES_PATH]
            return lambda sl: ds[sl]

        return open_h5
    import nwbzarr

    if kind == "nwbzarr":

        def open_nwbzarr() -> Any:
            arr: Any = nwbzarr.open(path)[ES_PATH]
            return lambda sl: arr[sl]

        return open_nwbzarr
    from nwbzarr.xr import series_to_xarray

    def open_xr() -> Any:
        group: Any = nwbzarr.open(path)["acquisition/ElectricalSeries"]
        da = series_to_xarray(group, chunks=None)
        if kind == "xr-isel":
            return lambda sl: da.isel(time=sl[0], channel=sl[1]).values
        channel_ids = da["channel"].values

        def by_label(sl: tuple[slice | int, slice | int]) -> Any:
            rows, ch = sl
            assert isinstance(rows, slice)
            t = (
                slice(None)
                if rows.start is None
                else slice(rows.start / RATE, (rows.stop - 1) / RATE)
            )
            c = slice(None) if isinstance(ch, slice) else channel_ids[ch]
            return da.sel(time=t, channel=c).values

        return by_label

    return open_xr


def measure_reads(kind: str, path: str, rows: int, repeats: int) -> dict[str, Any]:
    """All repeats x states x operations for one variant (in one subprocess)."""
    from benchmarks.common import cool, warm

    open_handle = _opener(kind, path)
    mid = rows // 2
    slices: dict[str, tuple[slice | int, slice | int]] = {
        "window": (slice(mid, mid + WINDOW), slice(None)),
        "channel": (slice(None), CHANNEL),
    }
    # Untimed warm-up of the code paths (lazy imports of zarr codecs, xarray indexing): one
    # open + a 10-row read of each shape. Picking one channel makes xarray import dask once
    # (``as_compatible_data`` checks for dask arrays), ~0.15 s that is no part of a read. The
    # page-cache state is set before every timed read anyway.
    warm_up = open_handle()
    warm_up((slice(mid, mid + 10), slice(None)))
    warm_up((slice(mid, mid + 10), CHANNEL))
    out: dict[str, Any] = {f"{op}_{st}": [] for op in OPS for st in STATES}
    out.update({f"open_{st}": [] for st in STATES})
    t_all = time.perf_counter()
    for _ in range(repeats):
        for st in STATES:
            for op in OPS:
                (cool if st == "cold" else warm)(Path(path))
                t0 = time.perf_counter()
                read = open_handle()
                t1 = time.perf_counter()
                arr = read(slices[op])
                t2 = time.perf_counter()
                expect = (WINDOW, 64) if op == "window" else (rows,)
                if tuple(arr.shape) != expect:
                    raise AssertionError(f"{kind} {op}: shape {arr.shape}, expected {expect}")
                out[f"open_{st}"].append(t1 - t0)
                out[f"{op}_{st}"].append(t2 - t1)
    out["seconds"] = time.perf_counter() - t_all
    return out


VARIANTS = [  # (store, name, kind, reference)
    ("zarr", "zarr-python direct", "zarr", True),
    ("zarr", "nwbzarr Array", "nwbzarr", False),
    ("zarr", "series_to_xarray isel", "xr-isel", False),
    ("zarr", "series_to_xarray sel", "xr-sel", False),
    ("hdf5", "h5py direct", "h5py", True),
    ("hdf5", "nwbzarr Array", "nwbzarr", False),
    ("hdf5", "series_to_xarray isel", "xr-isel", False),
    ("hdf5", "series_to_xarray sel", "xr-sel", False),
]


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    rows = QUICK_ROWS if opts.quick else FULL_ROWS
    repeats = opts.repeats or (2 if opts.quick else 3)
    zstore, h5file = ephys_stores(rows)
    paths = {"zarr": zstore, "hdf5": h5file}
    results: dict[tuple[str, str], dict[str, Any]] = {}
    peaks: dict[tuple[str, str], float] = {}
    for rep in range(repeats):  # interleaved: one subprocess per variant and repeat
        for store, name, kind, _ in VARIANTS:
            res = run_child(
                "benchmarks.bench_window:measure_reads",
                dict(kind=kind, path=str(paths[store]), rows=rows, repeats=1),
            )
            got = results.setdefault((store, name), {})
            for key, value in res.info.items():
                got.setdefault(key, []).extend(value)
            peaks[(store, name)] = max(peaks.get((store, name), 0.0), res.peak_rss_mb)
            print(
                f"[window] rep {rep + 1} {store}/{name}: {res.wall:.1f} s, "
                f"others' CPU {res.other_cpu:.2f}",
                flush=True,
                file=sys.stderr,
            )

    def med(store: str, name: str, key: str) -> float:
        return median(results[(store, name)][key])

    cols = [f"{op}_{st}" for op in OPS for st in STATES]
    headers = ["store", "variant"] + [f"{c.replace('_', ' ')} ms" for c in cols]
    headers += ["open warm ms", "open cold ms", "peak RSS MB"]
    rows_md = []
    for store, name, _, _ in VARIANTS:
        rows_md.append(
            [store, name]
            + [fmt_num(med(store, name, c) * 1000) for c in cols]
            + [fmt_num(med(store, name, f"open_{st}") * 1000) for st in STATES]
            + [fmt_num(peaks[(store, name)])]
        )
    checks = Checks()
    for store, name, _, is_ref in VARIANTS:
        if is_ref:
            continue
        ref = next(n for s, n, _, r in VARIANTS if s == store and r)
        for c in cols:
            value = ratio(med(store, name, c), med(store, ref, c))
            checks.at_most(f"{store} {c.replace('_', ' ')}: {name} / {ref}", value, TARGET)
    lines = [
        f"## window: partial reads of the ({rows:,}, 64) int16 ElectricalSeries",
        "",
        f"Window = rows {rows // 2:,}..+{WINDOW:,} x 64 channels (3.84 MB); channel = column "
        f"{CHANNEL} over all {rows:,} rows. Median of {repeats} repeats (interleaved, one "
        "subprocess per variant and repeat, fresh handle per read; "
        "slice timed apart from the open); cold = os.sync + fadvise(DONTNEED) on every file "
        "of the store (guest-cold), warm = every byte read first. Zarr store: nwbzarr default "
        "(chunks (16384, 64) 2 MiB, Blosc lz4 + shuffle); HDF5: chunks (65536, 64), no "
        f"compression. Stores: {zstore.name}, {h5file.name}.",
        "",
        markdown_table(headers, rows_md),
        "",
        "### Ratios (medians) and targets",
        "",
        checks.table(),
        "",
    ]
    record = {
        "options": {"rows": rows, "repeats": repeats},
        "results": {f"{s}/{n}": v for (s, n), v in results.items()},
        "peak_rss_mb": {f"{s}/{n}": v for (s, n), v in peaks.items()},
        "checks": checks.records,
    }
    return "\n".join(lines), record
