"""References to a range of a TimeSeries (pynwb's ``TimeSeriesReference``) and their columns.

A ``TimeSeriesReferenceVectorData`` column (the ``timeseries`` column of trials and epochs,
the ``stimulus`` and ``response`` columns of the icephys tables) holds one
``(idx_start, count, timeseries)`` per row; ``(-1, -1, series)`` marks a missing value.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.model.base import as_values
from nwbzarr.model.extend import extends

__all__ = [
    "NONE_REFERENCE",
    "TimeSeriesReference",
    "TimeSeriesReferenceMethods",
    "idx_count",
    "interval_row",
    "references_for",
]


class TimeSeriesReference(NamedTuple):
    """``count`` samples of ``timeseries`` from ``idx_start`` (pynwb's ``TimeSeriesReference``)."""

    idx_start: int
    count: int  # type: ignore[assignment]  # pynwb names the field so (hides tuple.count)
    timeseries: Any

    @classmethod
    def empty(cls, timeseries: Any) -> TimeSeriesReference:
        """The missing value: ``(-1, -1, timeseries)``."""
        return cls(-1, -1, timeseries)

    def isvalid(self) -> bool:
        """False for the missing value; raises IndexError for a range outside the series."""
        if self.idx_start < 0 and self.count < 0:
            return False
        samples = _num_samples(self.timeseries)
        if self.idx_start < 0 or (samples is not None and self.idx_start >= samples):
            raise IndexError(
                f"'idx_start' {self.idx_start} out of range for timeseries "
                f"{getattr(self.timeseries, 'name', self.timeseries)!r}"
            )
        if self.count < 0:
            raise IndexError(f"'count' {self.count} invalid. 'count' must be positive")
        if samples is not None and self.idx_start + self.count > samples:
            raise IndexError(
                f"'idx_start + count' out of range for timeseries {self.timeseries.name!r}"
            )
        return True

    @property
    def data(self) -> Any:
        """The referenced samples (None for the missing value)."""
        if not self.isvalid():
            return None
        return self.timeseries.data[self.idx_start : self.idx_start + self.count]

    @property
    def timestamps(self) -> Any:
        """The times of the referenced samples (None for the missing value)."""
        if not self.isvalid():
            return None
        series = self.timeseries
        if series.timestamps is not None:
            return series.timestamps[self.idx_start : self.idx_start + self.count]
        return (self.idx_start + np.arange(self.count)) / series.rate + series.starting_time


NONE_REFERENCE = TimeSeriesReference(None, None, None)  # type: ignore[arg-type]


def _num_samples(series: Any) -> int | None:
    data = getattr(series, "data", None)
    if data is None:
        return None
    shape = getattr(data, "shape", None)
    if shape is not None:
        return int(shape[0]) if len(shape) else None
    try:
        return len(data)
    except TypeError:
        return None


def idx_count(start_time: float, stop_time: float, series: Any) -> tuple[int, int]:
    """The first sample and number of samples of ``series`` in ``[start_time, stop_time)``.

    As pynwb computes them: from ``starting_time`` and ``rate`` when the series has them,
    else by bisecting its timestamps.
    """
    rate, starting_time = getattr(series, "rate", None), getattr(series, "starting_time", None)
    if rate is not None and starting_time is not None:
        start = int((start_time - starting_time) * rate)
        stop = int((stop_time - starting_time) * rate)
    else:
        timestamps = series.timestamps
        if timestamps is None or len(timestamps) == 0:
            raise ValidationError(
                f"TimeSeries {series.name!r} must have timestamps or starting_time and rate"
            )
        values = np.asarray(as_values(getattr(timestamps, "data", timestamps)))
        start = bisect_left(values, start_time)
        stop = bisect_left(values, stop_time)
    return int(start), int(stop - start)


def references_for(start_time: float, stop_time: float, series: Any) -> list[TimeSeriesReference]:
    """pynwb's ``timeseries=`` of ``add_interval``: a series or several, as references."""
    items: Iterable[Any] = series if isinstance(series, list | tuple) else [series]
    return [TimeSeriesReference(*idx_count(start_time, stop_time, s), s) for s in items]


def interval_row(
    start_time: float,
    stop_time: float,
    tags: str | list[str] | None = None,
    timeseries: Any = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """The row values of pynwb's ``TimeIntervals.add_interval``.

    ``tags`` given as text are split at commas; ``timeseries`` (a series or several) become
    references to the samples in ``[start_time, stop_time)``; both are left out when None
    (or, for ``timeseries``, empty), so that a table without those columns takes the row.
    """
    row: dict[str, Any] = {"start_time": float(start_time), "stop_time": float(stop_time)}
    if tags is not None:
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",") if not t.isspace()]
        row["tags"] = list(tags)
    if timeseries is not None and not (isinstance(timeseries, list | tuple) and not timeseries):
        row["timeseries"] = references_for(start_time, stop_time, timeseries)
    row.update(kwargs)
    return row


@extends("TimeSeriesReferenceVectorData")
class TimeSeriesReferenceMethods:
    """Rows of a ``TimeSeriesReferenceVectorData`` as :class:`TimeSeriesReference` values."""

    data: Any

    def add_row(self, val: Any) -> None:
        """Append one reference (a TimeSeriesReference or an ``(idx_start, count, series)``)."""
        current = self.data
        values = [] if current is None else current if isinstance(current, list) else None
        rows = list(as_values(current)) if values is None else values
        self.data = [*rows, TimeSeriesReference(*val)]  # a new list: defaults may be shared

    append = add_row

    def __getitem__(self, key: Any) -> Any:
        """Row ``key`` as a :class:`TimeSeriesReference` (a list of them for a slice)."""
        data = self.data
        if isinstance(key, int | np.integer):
            return self.as_reference(data[int(key)])
        rows = data[key] if isinstance(data, list) else as_values(data)[key]
        return [self.as_reference(row) for row in rows]

    def __len__(self) -> int:
        return 0 if self.data is None else len(self.data)

    @staticmethod
    def as_reference(row: Any) -> TimeSeriesReference:
        """A stored row (a tuple, a numpy record) as a :class:`TimeSeriesReference`.

        A missing value (negative start or count) is ``TimeSeriesReference(None, None,
        None)``, as pynwb returns it.
        """
        start, count, series = tuple(row)
        if start < 0 or count < 0:  # a missing value reads as pynwb's (None, None, None)
            return NONE_REFERENCE
        if isinstance(row, TimeSeriesReference):
            return row
        return TimeSeriesReference(int(start), int(count), series)
