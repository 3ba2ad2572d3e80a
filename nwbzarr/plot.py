"""Quick looks at NWB data: a time series as traces, a 2-D array or a frame as an image.

``nwbzarr plot FILE PATH -o out.png`` calls :func:`plot_node`. matplotlib is optional
(``pip install 'nwbzarr[plot]'``) and imported only here, with the Agg backend, so that
plotting works on machines without a display.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from nwbzarr.errors import NwbZarrError
from nwbzarr.tree import Array, Group, Node

MAX_TRACES = 16  # channels drawn at most; more would be an unreadable figure
MAX_POINTS = 200_000  # samples per trace before the time axis is decimated


class PlotError(NwbZarrError, ValueError):
    """A node that cannot be drawn (not a series, not an image)."""


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend, or an ImportError that says what to install."""
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError(
            "matplotlib is not installed: pip install 'nwbzarr[plot]' (or matplotlib)"
        ) from err
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_node(
    node: Node,
    out: str | os.PathLike[str],
    *,
    start: float | None = None,
    stop: float | None = None,
    channels: int = MAX_TRACES,
    frame: int = 0,
) -> Path:
    """Draw ``node`` into the image file ``out`` (PNG, SVG, PDF: from the suffix).

    Parameters
    ----------
    node
        A TimeSeries group (traces against time in seconds; 3-D image series: one frame), or
        an array (1-D: a line; 2-D: an image; 3-D: frame ``frame``).
    start, stop
        Time window in seconds for series (default: all of it, decimated to fit).
    channels
        At most this many traces (channels, ROIs) are drawn.
    frame
        Frame index for image series and 3-D arrays.

    Returns
    -------
    Path
        ``out``.
    """
    out = Path(out)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.5), constrained_layout=True)
    try:
        if isinstance(node, Group):
            _plot_group(ax, fig, node, start, stop, channels, frame)
        elif isinstance(node, Array):
            _plot_array(ax, fig, node, frame)
        fig.savefig(out, dpi=100)
    finally:
        plt.close(fig)
    return out


def _plot_group(
    ax: Any,
    fig: Any,
    group: Group,
    start: float | None,
    stop: float | None,
    channels: int,
    frame: int,
) -> None:
    if not isinstance(group.get("data"), Array):
        raise PlotError(
            f"{group.describe()}: not a time series (no 'data' array); "
            "give the path of a TimeSeries group or of an array"
        )
    from nwbzarr.xr import series_to_xarray

    da = series_to_xarray(group, scaled=True, chunks=None)
    if "time" in da.dims and (start is not None or stop is not None):
        da = da.sel(time=slice(start, stop))
    title = f"{group.path} ({group.neurodata_type or 'group'})"
    if da.ndim >= 3:
        _image(ax, fig, np.asarray(da.isel({da.dims[0]: frame}).values), title, da.attrs)
        ax.set_title(f"{title}, frame {frame}")
        return
    if "time" not in da.dims:
        raise PlotError(f"{group.describe()}: data has dims {da.dims}, no time axis to plot")
    if da.ndim == 2:
        other = str(da.dims[1])
        da = da.isel({other: slice(0, channels)})
    step = max(1, da.sizes["time"] // MAX_POINTS)
    da = da.isel(time=slice(None, None, step))
    values = np.asarray(da.values)
    times = np.asarray(da["time"].values, dtype=float)
    unit = str(da.attrs.get("unit", "")) or "a.u."
    if values.ndim == 1:
        ax.plot(times, values, lw=0.8)
    else:
        labels = [str(v) for v in da[da.dims[1]].values]
        prefix = {"channel": "channel", "roi": "ROI"}.get(str(da.dims[1]), str(da.dims[1]))
        for i, label in enumerate(labels):
            ax.plot(times, values[:, i], lw=0.8, label=f"{prefix} {label}")
        if len(labels) <= MAX_TRACES:
            ax.legend(fontsize=7, ncol=max(1, len(labels) // 8), loc="upper right")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(f"{group.name} ({unit})")
    ax.set_title(title + (f", every {step}th sample" if step > 1 else ""))


def _plot_array(ax: Any, fig: Any, array: Array, frame: int) -> None:
    if array.dtype.kind not in "biuf" or array.ndim == 0:
        raise PlotError(
            f"{array.describe()}: dtype {array.dtype} shape {array.shape} is not a numeric "
            "1-D, 2-D or 3-D array"
        )
    unit = str(array.attrs.get("unit", "")) or "value"
    if array.ndim == 1:
        step = max(1, array.shape[0] // MAX_POINTS)
        ax.plot(np.arange(0, array.shape[0], step), np.asarray(array[::step]), lw=0.8)
        ax.set_xlabel("index")
        ax.set_ylabel(f"{array.name} ({unit})")
    elif array.ndim == 2:
        _image(ax, fig, np.asarray(array[...]), array.path, dict(array.attrs))
    elif array.ndim == 3:
        _image(ax, fig, np.asarray(array[frame]), f"{array.path}, frame {frame}", dict(array.attrs))
    else:
        raise PlotError(f"{array.describe()}: {array.ndim}-D arrays are not drawn")
    ax.set_title(array.path)


def _image(ax: Any, fig: Any, image: np.ndarray[Any, Any], title: str, attrs: Any) -> None:
    shown = ax.imshow(image, origin="upper", aspect="equal", cmap="gray", interpolation="nearest")
    bar = fig.colorbar(shown, ax=ax)
    bar.set_label(str(attrs.get("unit", "")) or "value")
    ax.set_xlabel("x (pixel)")
    ax.set_ylabel("y (pixel)")
    ax.set_title(title)


__all__ = ["PlotError", "plot_node", "pyplot"]
