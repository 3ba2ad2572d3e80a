"""Scenario ``tuning``: evidence for nwbzarr's Zarr defaults on an ephys int16 array.

Plain zarr-python 3 (the engine nwbzarr reads and writes through), the ``(rows, 64)`` int16
signal from memory. Each layout is written once per repeat in a fresh subprocess (write
timed, no sync), then read back with fresh handles: full read hot, a 30,000-row window hot
(median of 5) and cold (sync + fadvise DONTNEED). Sweeps, one setting changed at a time from
nwbzarr's default (chunks (16384, 64) = 2 MiB, Blosc lz4 clevel 5 + byte shuffle, unsharded,
``async.concurrency`` 10):

* codec: Blosc lz4 / zstd at clevel 1 and 5 with shuffle; zstd (zarr's default codec, level
  0 = 3) without shuffle
* chunk size: 0.5 / 2 / 8 MiB ((4096|16384|65536, 64))
* ``async.concurrency`` 4 / 10 / 32 for the full read (default layout)
* sharded (64 MiB shards of 2 MiB inner chunks, what nwbzarr writes above 512 MiB) vs not
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_convert import Options
from benchmarks.common import MB, fmt_num, markdown_table, median, run_child, scratch_dir
from benchmarks.harness import CHANNELS, ephys_npy

FULL_ROWS = 3_000_000
QUICK_ROWS = 300_000
WINDOW = 30_000
CONCURRENCY = (4, 10, 32)

# name -> (codec spec, chunk rows, shard rows or 0)
LAYOUTS: dict[str, tuple[str, int, int]] = {
    "lz4-5 shuffle, 2 MiB (default)": ("lz4:5:shuffle", 16384, 0),
    "lz4-1 shuffle, 2 MiB": ("lz4:1:shuffle", 16384, 0),
    "zstd-1 shuffle, 2 MiB": ("zstd:1:shuffle", 16384, 0),
    "zstd-5 shuffle, 2 MiB": ("zstd:5:shuffle", 16384, 0),
    "zstd (plain, no shuffle), 2 MiB": ("plain-zstd", 16384, 0),
    "lz4-5 shuffle, 0.5 MiB": ("lz4:5:shuffle", 4096, 0),
    "lz4-5 shuffle, 8 MiB": ("lz4:5:shuffle", 65536, 0),
    "lz4-5 shuffle, 2 MiB in 64 MiB shards": ("lz4:5:shuffle", 16384, 524288),
}
DEFAULT = "lz4-5 shuffle, 2 MiB (default)"


def _compressors(spec: str) -> list[Any]:
    from zarr.codecs import BloscCodec, ZstdCodec

    if spec == "plain-zstd":
        return [ZstdCodec(level=0, checksum=False)]
    cname, level, shuffle = spec.split(":")
    codec: Any = BloscCodec
    return [codec(cname=cname, clevel=int(level), shuffle=shuffle, typesize=2, blocksize=0)]


def layout_case(
    src: str, dst: str, codec: str, chunk_rows: int, shard_rows: int, concurrency: list[int]
) -> dict[str, Any]:
    import numpy as np
    import zarr

    from benchmarks.common import cool

    data = np.load(src)
    rows = data.shape[0]
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    z = zarr.create_array(
        store=dst,
        shape=data.shape,
        chunks=(chunk_rows, CHANNELS),
        shards=(max(chunk_rows, min(shard_rows, rows // chunk_rows * chunk_rows)), CHANNELS)
        if shard_rows
        else None,
        dtype=data.dtype,
        compressors=_compressors(codec),
        fill_value=0,
        zarr_format=3,
    )
    z[:] = data
    out["write_s"] = time.perf_counter() - t0
    out["stored_bytes"] = sum(p.stat().st_size for p in Path(dst).rglob("*") if p.is_file())
    del data
    for c in concurrency:
        with zarr.config.set({"async.concurrency": c}):
            times = []
            for _ in range(2):
                t0 = time.perf_counter()
                full = zarr.open_array(store=dst, mode="r")[:]
                times.append(time.perf_counter() - t0)
                del full
            out[f"full_read_s_c{c}"] = min(times)  # the 2nd read: hot page cache
    mid = rows // 2
    hot = []
    for _ in range(5):
        t0 = time.perf_counter()
        zarr.open_array(store=dst, mode="r")[mid : mid + WINDOW]
        hot.append(time.perf_counter() - t0)
    out["window_hot_s"] = statistics.median(hot)
    cold = []
    for _ in range(3):
        cool(Path(dst))
        t0 = time.perf_counter()
        zarr.open_array(store=dst, mode="r")[mid : mid + WINDOW]
        cold.append(time.perf_counter() - t0)
    out["window_cold_s"] = statistics.median(cold)
    out["seconds"] = out["write_s"]
    return out


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    rows = QUICK_ROWS if opts.quick else FULL_ROWS
    npy = ephys_npy(rows)
    logical = rows * CHANNELS * 2
    reps = opts.repeats or (1 if opts.quick else 2)  # keeps the full suite < 15 min
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in LAYOUTS}
    for rep in range(reps):
        for name, (codec, chunk_rows, shard_rows) in LAYOUTS.items():
            conc = list(CONCURRENCY) if name == DEFAULT else [10]
            with scratch_dir("tuning") as d:
                res = run_child(
                    "benchmarks.bench_tuning:layout_case",
                    dict(
                        src=str(npy), dst=str(d / "a.zarr"), codec=codec,
                        chunk_rows=chunk_rows, shard_rows=shard_rows, concurrency=conc,
                    ),
                )  # fmt: skip
            info = dict(res.info, peak_rss_mb=res.peak_rss_mb, other_cpu=res.other_cpu)
            info["write_s"] = res.seconds
            runs[name].append(info)
            print(f"[tuning] rep {rep + 1} {name}: write {res.seconds:.2f} s", flush=True)

    def med(name: str, key: str) -> float:
        return median([float(r[key]) for r in runs[name] if key in r])

    def mbps(seconds: float) -> str:
        return fmt_num(logical / MB / seconds if seconds > 0 else math.nan)

    headers = [
        "layout",
        "ratio",
        "write MB/s",
        "full read MB/s (hot)",
        "window hot ms",
        "window cold ms",
        "others' CPU",
    ]
    table = []
    for name in LAYOUTS:
        table.append(
            [
                name,
                f"{logical / med(name, 'stored_bytes'):.2f}",
                mbps(med(name, "write_s")),
                mbps(med(name, "full_read_s_c10")),
                fmt_num(med(name, "window_hot_s") * 1000),
                fmt_num(med(name, "window_cold_s") * 1000),
                f"{med(name, 'other_cpu'):.2f}",
            ]
        )
    conc_rows = [
        [f"async.concurrency={c}", mbps(med(DEFAULT, f"full_read_s_c{c}"))] for c in CONCURRENCY
    ]
    lines = [
        f"## tuning: Zarr layout sweeps, ({rows:,}, {CHANNELS}) int16 ephys "
        f"({logical / MB:,.0f} MB)",
        "",
        f"Plain zarr-python {_zarr_version()}; median of {reps} repeat(s) "
        "(fresh subprocess per layout and repeat); write from memory, no sync; full read = "
        "best of 2 back-to-back reads (hot); window = 30,000 x 64 rows from the middle, hot "
        "median of 5 and cold median of 3 (fresh handle each).",
        "",
        markdown_table(headers, table),
        "",
        "Full read of the default layout vs `async.concurrency` (MB/s, hot):",
        "",
        markdown_table(["setting", "full read MB/s"], conc_rows),
        "",
    ]
    return "\n".join(lines), {"options": {"rows": rows, "repeats": reps}, "runs": runs}


def _zarr_version() -> str:
    from importlib.metadata import version

    return version("zarr")
