"""The lazy time axis: ``starting_time + i / rate`` as an index whose values are never stored."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr
from xarray.core.indexing import IndexSelResult
from xarray.indexes import Index, RangeIndex


class TimeRangeIndex(RangeIndex):
    """A :class:`xarray.indexes.RangeIndex` that also supports plain label selection.

    ``.sel(time=slice(t0, t1))`` keeps the samples with ``t0 <= t <= t1`` (as pandas does),
    ``.sel(time=t)`` needs an exact sample time (within 1e-6 of a step), and
    ``method="nearest"`` works as in ``RangeIndex``.
    """

    def sel(
        self, labels: dict[Any, Any], method: Any = None, tolerance: Any = None
    ) -> IndexSelResult:
        label = labels[self.dim]
        if method is None and isinstance(label, slice) and label.step is None:
            return IndexSelResult({self.dim: self._label_slice(label)})
        if method is None:
            result = super().sel(labels, method="nearest", tolerance=tolerance)
            positions = np.asarray(result.dim_indexers[self.dim])
            found = self.start + positions * self.step
            if not np.allclose(
                found, np.asarray(label, dtype=float), rtol=0, atol=1e-6 * abs(self.step)
            ):
                raise KeyError(
                    f"{label!r}: not a sample time of {self.dim!r} "
                    "(use method='nearest' or a slice)"
                )
            return result
        return super().sel(labels, method=method, tolerance=tolerance)

    def _label_slice(self, label: slice) -> slice:
        eps = 1e-9
        first = 0
        last = self.size
        if label.start is not None:
            first = math.ceil((float(label.start) - self.start) / self.step - eps)
        if label.stop is not None:
            last = math.floor((float(label.stop) - self.start) / self.step + eps) + 1
        first = min(max(first, 0), self.size)
        return slice(first, max(min(last, self.size), first))

    def isel(self, indexers: Mapping[Any, Any]) -> Index | None:
        result = super().isel(indexers)
        if type(result) is RangeIndex:
            return TimeRangeIndex(result.transform)
        return result


def time_index(start: float, rate: float, n: int, dim: str = "time") -> TimeRangeIndex:
    """The lazy index of ``start + i / rate`` for ``i < n``."""
    index = TimeRangeIndex.linspace(start, start + (n - 1) / rate, num=n, endpoint=True, dim=dim)
    return index if isinstance(index, TimeRangeIndex) else TimeRangeIndex(index.transform)


def time_coords(start: float, rate: float, n: int, dim: str = "time") -> xr.Coordinates:
    """A lazy ``time`` coordinate: ``start + i / rate`` for ``i < n``."""
    return xr.Coordinates.from_xindex(time_index(start, rate, n, dim))


__all__ = ["TimeRangeIndex", "time_coords", "time_index"]
