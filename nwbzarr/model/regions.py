"""pynwb's ``DynamicTableRegion.to_dataframe`` (the referenced rows of the target table) and
``VectorData.add_row``.

Mixins (see :mod:`nwbzarr.model.extend`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.model.base import as_values
from nwbzarr.model.extend import extends

__all__ = ["RegionMethods", "VectorDataMethods"]


@extends("VectorData")
class VectorDataMethods:
    """``VectorData.add_row``: append one value (pynwb's)."""

    def add_row(self, val: Any) -> None:
        """Append ``val`` to the column."""
        column: Any = self
        column.append(val)


@extends("DynamicTableRegion")
class RegionMethods:
    """``to_dataframe`` of a region (pynwb's)."""

    name: str
    table: Any
    data: Any

    def to_dataframe(self, **kwargs: Any) -> Any:
        """The referenced rows of ``table`` as a DataFrame, in the region's order.

        Keyword arguments go to the table's ``to_dataframe``.
        """
        if self.table is None:
            raise ValidationError(f"DynamicTableRegion {self.name!r} has no table")
        rows = np.asarray(as_values(self.data), dtype=np.int64)
        return self.table.to_dataframe(**kwargs).iloc[rows]
