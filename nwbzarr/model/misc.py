"""pynwb's convenience methods of the ``misc`` types: annotations, intervals, bands, units.

Mixins of the classes generated from the schema (see :mod:`nwbzarr.model.extend`); the methods
follow ``pynwb.misc`` (names, arguments, results).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.model.base import as_values
from nwbzarr.model.extend import extends

__all__ = [
    "AbstractFeatureSeriesMethods",
    "AnnotationSeriesMethods",
    "DecompositionSeriesMethods",
    "FrequencyBandsTableMethods",
    "IntervalSeriesMethods",
    "UnitsMethods",
    "appended",
]

BANDS_DESCRIPTION = "Table for describing the bands that DecompositionSeries was generated from."


def appended(values: Any, *items: Any) -> list[Any]:
    """``values`` (None, a list, an array or a lazy array) as a list, with ``items`` appended.

    A list is extended in place (pynwb appends to the list the user passed).
    """
    if values is None:
        return list(items)
    if not isinstance(values, list):
        loaded = as_values(values)
        values = loaded.tolist() if isinstance(loaded, np.ndarray) else list(loaded)
    out: list[Any] = values
    out.extend(items)
    return out


@extends("AnnotationSeries")
class AnnotationSeriesMethods:
    """``AnnotationSeries.add_annotation``."""

    data: Any
    timestamps: Any

    def add_annotation(self, time: float, annotation: str) -> None:
        """Add ``annotation`` (text) at ``time`` (seconds)."""
        self.timestamps = appended(self.timestamps, float(time))
        self.data = appended(self.data, annotation)


@extends("IntervalSeries")
class IntervalSeriesMethods:
    """``IntervalSeries.add_interval``: a start (1) and a stop (-1) event."""

    data: Any
    timestamps: Any

    def add_interval(self, start: float, stop: float) -> None:
        """Add the interval from ``start`` to ``stop`` (seconds)."""
        if stop < start:
            raise ValidationError(f"add_interval: stop {stop!r} is before start {start!r}")
        self.timestamps = appended(self.timestamps, float(start), float(stop))
        self.data = appended(self.data, 1, -1)


@extends("AbstractFeatureSeries")
class AbstractFeatureSeriesMethods:
    """``AbstractFeatureSeries.add_features``."""

    data: Any
    timestamps: Any

    def add_features(self, time: float, features: Sequence[float] | np.ndarray) -> None:
        """Add one row of ``features`` at ``time`` (seconds)."""
        row = np.asarray(features).tolist()
        self.timestamps = appended(self.timestamps, float(time))
        self.data = appended(self.data, row)


@extends("FrequencyBandsTable")
class FrequencyBandsTableMethods:
    """``FrequencyBandsTable.add_band``: one row of the bands table."""

    # pynwb's descriptions of the columns (the schema's differ a little)
    column_docs: ClassVar[Mapping[str, str]] = {
        "band_name": "Name of the band, e.g. theta.",
        "band_limits": "Low and high limit of each band in Hz.",
        "band_mean": "The mean Gaussian filters, in Hz.",
        "band_stdev": "The standard deviation Gaussian filters, in Hz.",
    }

    def add_band(
        self,
        band_name: str,
        band_limits: Sequence[float] | np.ndarray,
        band_mean: float | None = None,
        band_stdev: float | None = None,
        **kwargs: Any,
    ) -> None:
        """Add a band: its name, low and high limits in Hz, and optionally its mean and sd."""
        limits = np.asarray(band_limits, dtype=float)
        if limits.shape != (2,):
            raise ValidationError(
                f"add_band {band_name!r}: band_limits must be (low, high), got {band_limits!r}"
            )
        optional = {"band_mean": band_mean, "band_stdev": band_stdev}
        values = {k: float(v) for k, v in optional.items() if v is not None}
        table: Any = self  # a DynamicTable: the mixin adds methods, not columns
        table.add_row(band_name=band_name, band_limits=limits, **values, **kwargs)


@extends("DecompositionSeries")
class DecompositionSeriesMethods:
    """A new DecompositionSeries has an empty ``bands`` table unless given one (pynwb's);
    ``add_band`` adds a row to it."""

    bands: Any

    def post_fields(self) -> None:
        """The ``bands`` table (required by the schema), empty, as pynwb makes it."""
        if self.bands is None:
            self.bands = _bands_table()

    def add_band(
        self,
        band_name: str,
        band_limits: Sequence[float] | np.ndarray,
        band_mean: float | None = None,
        band_stdev: float | None = None,
        **kwargs: Any,
    ) -> None:
        """Add a frequency band to the bands table of this series."""
        if self.bands is None:  # read from a file that has none
            self.bands = _bands_table()
        self.bands.add_band(band_name, band_limits, band_mean, band_stdev, **kwargs)


def _bands_table() -> Any:
    from nwbzarr import model

    # generated from the schema on first use
    table_class: Any = getattr(model, "FrequencyBandsTable")  # noqa: B009
    return table_class(name="bands", description=BANDS_DESCRIPTION)


@extends("Units")
class UnitsMethods:
    """``Units.get_unit_spike_times`` and ``get_unit_obs_intervals``."""

    def get_unit_spike_times(
        self,
        index: int | Sequence[int] | np.ndarray,
        in_interval: tuple[float, float] | Sequence[float] | None = None,
    ) -> Any:
        """The spike times of unit ``index`` (row number; a list of arrays for several).

        With ``in_interval=(start, stop)``, only those in ``[start, stop]``.
        """
        if not isinstance(index, int | np.integer):
            return [self.get_unit_spike_times(int(i), in_interval) for i in index]
        table: Any = self  # a DynamicTable (Units)
        column = table["spike_times"]
        if in_interval is None:
            return np.asarray(column[int(index)])
        ends = column.data
        i = int(index)
        unit_start = 0 if i == 0 else int(ends[i - 1])
        unit_stop = int(ends[i])
        times = np.asarray(as_values(column.target.data)[unit_start:unit_stop])
        start_time, stop_time = in_interval
        lo = bisect_left(times, start_time)
        hi = bisect_right(times, stop_time, lo)
        return times[lo:hi]

    def get_unit_obs_intervals(self, index: int) -> Any:
        """The observation intervals of unit ``index`` (an n x 2 array)."""
        table: Any = self
        return np.asarray(table["obs_intervals"][int(index)])
