"""Events and intervals against series, and series back into a file."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import xarray as xr
from xarray.indexes import RangeIndex

from nwbzarr.tree import Array, Group
from nwbzarr.xr.datasets import series_to_xarray, table_to_xarray


def _event_times(events: Any) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    if isinstance(events, Group):
        events = table_to_xarray(events)
    if isinstance(events, xr.Dataset):
        dim = next(iter(events["start_time"].dims))
        return np.asarray(events["start_time"].values, float), np.asarray(events[dim].values)
    return np.atleast_1d(np.asarray(events, dtype=float)), None


def _nearest_positions(
    da: xr.DataArray, times: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    """Nearest sample position of every time, the sample times there, and the sample step."""
    index = da.xindexes.get("time")
    n = da.sizes["time"]
    if isinstance(index, RangeIndex):
        step = float(index.step)
        pos = np.clip(np.rint((times - index.start) / step), 0, n - 1).astype(np.int64)
        return pos, index.start + pos * step, step
    stamps = np.asarray(da["time"].values, dtype=float)
    step = float(np.median(np.diff(stamps))) if n > 1 else 1.0
    right = np.clip(np.searchsorted(stamps, times), 1, max(n - 1, 1))
    left = right - 1
    pos = np.where(np.abs(times - stamps[left]) <= np.abs(stamps[right] - times), left, right)
    pos = np.clip(pos, 0, n - 1)
    return pos, stamps[pos], step


def align(
    series: xr.DataArray | Group,
    events: Any,
    window: tuple[float, float],
) -> xr.DataArray:
    """Cut a window around every event: dims ``(trial, time_from_event, ...)``, lazily.

    Parameters
    ----------
    series
        A DataArray from :func:`series_to_xarray` (any ``chunks``) or a TimeSeries group.
    events
        Event times in seconds, or an intervals table (group or Dataset; ``start_time`` used).
    window
        ``(t_before, t_after)``: seconds before and after each event, both >= 0.

    Notes
    -----
    Each window sample is the nearest sample of the series to ``event + offset``; offsets are
    whole sample steps. Samples outside the recording are clipped to its ends and flagged
    False in the ``valid`` coordinate. ``sample_time`` holds the time of each sample used.
    """
    t_before, t_after = (float(w) for w in window)
    if t_before < 0 or t_after < 0:
        raise ValueError(f"window={window!r}: expected (seconds before, seconds after), both >= 0")
    da = series_to_xarray(series, chunks=None) if isinstance(series, Group) else series
    times, trial_ids = _event_times(events)
    _, _, step = _nearest_positions(da, times[:1] if len(times) else np.zeros(1))
    offsets = np.arange(-round(t_before / step), round(t_after / step) + 1) * step
    targets = times[:, None] + offsets[None, :]
    pos, sample_times, _ = _nearest_positions(da, targets.ravel())
    pos = pos.reshape(targets.shape)
    sample_times = sample_times.reshape(targets.shape)
    valid = np.abs(sample_times - targets) <= step / 2 + 1e-12
    time_coords_ = [c for c in da.coords if "time" in da[c].dims]
    base = da.drop_vars(time_coords_)
    cut = base.isel(time=xr.DataArray(pos, dims=("trial", "time_from_event")))
    trial = trial_ids if trial_ids is not None else np.arange(len(times))
    cut = cut.assign_coords(
        trial=trial,
        time_from_event=offsets,
        event_time=("trial", times),
        sample_time=(("trial", "time_from_event"), sample_times),
        valid=(("trial", "time_from_event"), valid),
    )
    order = [
        "trial",
        "time_from_event",
        *(d for d in cut.dims if d not in ("trial", "time_from_event")),
    ]
    return cut.transpose(*order)


# --------------------------------------------------------------------------------------------
# Back into a file
# --------------------------------------------------------------------------------------------
def regular_rate(times: np.ndarray[Any, Any], rtol: float = 1e-6) -> float | None:
    """The sampling rate if ``times`` are evenly spaced within ``rtol`` of a step, else None."""
    if len(times) < 2:
        return None
    diffs = np.diff(times)
    step = (times[-1] - times[0]) / (len(times) - 1)
    if step <= 0 or not np.all(np.abs(diffs - step) <= rtol * step):
        return None
    return float(1.0 / step)


def timeseries_from_xarray(
    da: xr.DataArray,
    parent: Group,
    name: str,
    *,
    unit: str | None = None,
    conversion: float = 1.0,
    offset: float = 0.0,
    resolution: float = -1.0,
    description: str | None = None,
    comments: str | None = None,
    neurodata_type: str = "TimeSeries",
    rtol: float = 1e-6,
) -> Group:
    """Write ``da`` (``time`` first) as a TimeSeries group ``name`` under ``parent``.

    A ``time`` coordinate evenly spaced within ``rtol`` is stored as ``starting_time`` + ``rate``,
    any other as ``timestamps``; without one, ``rate`` 1 Hz from 0 is assumed. Data is written
    block by block along time, so dask-backed arrays are never loaded whole.
    """
    if not da.dims or da.dims[0] != "time":
        raise ValueError(f"dims={da.dims!r}: the first dimension must be 'time'")
    attrs = da.attrs
    unit = unit if unit is not None else str(attrs.get("unit", "unknown"))
    group = parent.create_group(
        name,
        attrs={
            "namespace": "core",
            "neurodata_type": neurodata_type,
            "object_id": str(uuid.uuid4()),
            "description": description or str(attrs.get("description", "no description")),
            "comments": comments or str(attrs.get("comments", "no comments")),
        },
    )
    n = da.sizes["time"]
    array = group.create_array(
        "data",
        shape=da.shape,
        dtype=np.dtype(da.dtype),
        dims=[str(d) for d in da.dims],
        attrs={
            "unit": unit,
            "conversion": np.float64(conversion),
            "offset": np.float64(offset),
            "resolution": np.float64(resolution),
        },
    )
    step = _write_step(array, n)
    for start in range(0, n, step):
        array[start : start + step] = np.asarray(da.isel(time=slice(start, start + step)).values)
    _write_time(group, da, n, rtol)
    return group


def _write_step(array: Array, n: int, target: int = 16 << 20) -> int:
    """Rows per write: whole storage chunks, about ``target`` bytes."""
    row_bytes = max(array.nbytes // max(n, 1), 1)
    chunk_rows = (array.chunks or (1,))[0] if array.chunks else 1
    rows = max(chunk_rows, target // row_bytes // chunk_rows * chunk_rows)
    return max(1, rows)


def _write_time(group: Group, da: xr.DataArray, n: int, rtol: float) -> None:
    index = da.xindexes.get("time")
    if isinstance(index, RangeIndex):
        start, rate = float(index.start), float(1.0 / index.step)
    elif "time" in da.coords:
        times = np.asarray(da["time"].values, dtype=np.float64)
        found = regular_rate(times, rtol)
        if found is None:
            group.create_array(
                "timestamps",
                times,
                dims=["time"],
                attrs={"interval": np.int32(1), "unit": "seconds"},
            )
            return
        start, rate = float(times[0]), found
    else:
        start, rate = 0.0, 1.0
    group.create_array(
        "starting_time",
        np.float64(start),
        attrs={"rate": np.float64(rate), "unit": "seconds"},
    )


__all__ = ["align", "regular_rate", "timeseries_from_xarray"]
