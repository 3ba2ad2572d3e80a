"""Scenario ``dask_mean``: mean over time of the ``(rows, 64)`` int16 ElectricalSeries.

Store: nwbzarr's Zarr store (default layout: 2 MiB chunks, Blosc lz4), hot in the page cache.
Variants (fresh subprocess each, timed = open + compute):
  * ``zarr + numpy (reference)``  ``zarr.open_array(...)[:]`` then ``.mean(axis=0)``
  * ``series_to_xarray storage``  ``series_to_xarray(g, chunks="storage").mean("time").compute()``
    (dask threaded scheduler, one task per storage chunk)
  * ``series_to_xarray auto``     same with ``chunks="auto"`` (multiples near 128 MiB)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.bench_convert import Options
from benchmarks.common import ES_PATH, MB, ratio, timed, warm
from benchmarks.harness import (
    CHANNELS,
    Checks,
    Variant,
    ephys_stores,
    find,
    run_variants,
    variant_table,
    variants_record,
)

FULL_ROWS = 3_000_000
QUICK_ROWS = 300_000
TARGET = 1.0  # xarray + dask at least as fast as zarr + numpy


def zarr_numpy_mean(path: str) -> dict[str, Any]:
    import zarr

    zarr.open_array(store=f"{path}/{ES_PATH}", mode="r")[:1]  # untimed: lazy imports
    result: dict[str, Any] = {}
    with timed(result):
        z = zarr.open_array(store=f"{path}/{ES_PATH}", mode="r")
        full: Any = z[:]
        mean = full.mean(axis=0)
    result["check"] = float(mean.sum())
    return result


def xarray_dask_mean(path: str, chunks: str) -> dict[str, Any]:
    import nwbzarr
    from nwbzarr.xr import series_to_xarray

    # Untimed warm-up: dask's first compute imports distributed (get_scheduler) and xarray
    # imports pandas / coding modules lazily: ~1-2.5 s that is not the reduction's cost.
    warm_group: Any = nwbzarr.open(path)["acquisition/ElectricalSeries"]
    series_to_xarray(warm_group, chunks="storage")[:10].mean("time").compute()
    result: dict[str, Any] = {}
    with timed(result):
        group: Any = nwbzarr.open(path)["acquisition/ElectricalSeries"]
        how: Any = chunks
        da = series_to_xarray(group, chunks=how)
        mean = da.mean("time").compute()
    result["check"] = float(mean.sum())
    result["tasks"] = int(da.data.npartitions)
    return result


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    rows = QUICK_ROWS if opts.quick else FULL_ROWS
    zstore, _ = ephys_stores(rows)
    me = "benchmarks.bench_dask_mean"

    def hot() -> None:
        warm(Path(zstore))

    p = str(zstore)
    variants = [
        Variant("zarr", "zarr + numpy (reference)", f"{me}:zarr_numpy_mean", dict(path=p)),
        Variant(
            "zarr",
            "series_to_xarray storage + dask",
            f"{me}:xarray_dask_mean",
            dict(path=p, chunks="storage"),
        ),
        Variant(
            "zarr",
            "series_to_xarray auto + dask",
            f"{me}:xarray_dask_mean",
            dict(path=p, chunks="auto"),
        ),
    ]
    for v in variants:
        v.prepare = hot
    run_variants("dask_mean", variants, opts.n_repeats)
    for v in variants:
        tasks = sorted({int(r.info["tasks"]) for r in v.runs if "tasks" in r.info})
        v.note = f"{tasks[0]} dask tasks" if tasks else "one z[:] read"
    checks = Checks()
    ref = find(variants, "zarr/zarr + numpy (reference)").med()
    for v in variants[1:]:
        checks.at_most(f"{v.name} / zarr + numpy", ratio(v.med(), ref), TARGET)
    logical = rows * CHANNELS * 2
    lines = [
        f"## dask_mean: mean over time of the ({rows:,}, {CHANNELS}) int16 series",
        "",
        f"Median of {opts.n_repeats} repeat(s), interleaved, fresh subprocess per run, store "
        f"hot ({zstore.name}); timed = open + compute (dask's default threaded scheduler).",
        "",
        variant_table(variants, logical_bytes=logical),
        "",
        "### Ratios (medians) and targets",
        "",
        checks.table(),
        "",
    ]
    record = {
        "options": {"rows": rows, "repeats": opts.n_repeats, "logical_mb": logical / MB},
        "variants": variants_record(variants),
        "checks": checks.records,
    }
    return "\n".join(lines), record
