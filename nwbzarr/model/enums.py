"""hdmf-experimental's ``EnumData``: a column of indices into a fixed set of ``elements``.

As hdmf: a row is added by its value (``add_row("b")``, or its index with ``index=True``); a
new value joins the elements; reading a row gives the value (``get(key, index=True)``: the
index). The elements are a VectorData ``<column>_elements`` stored next to the column in its
table, referred to by the column's ``elements`` attribute; the indices are the smallest
unsigned integers that hold them. A mixin of the generated class (see
:mod:`nwbzarr.model.extend`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nwbzarr.dtypes import smallest_unsigned
from nwbzarr.model.base import REGISTRY, as_values, data_len
from nwbzarr.model.extend import extends

__all__ = ["EnumDataMethods", "elements_column"]


def elements_column(column: str, values: Any) -> Any:
    """The VectorData of the elements of EnumData column ``column`` (hdmf's name and text)."""
    vector_data: Any = REGISTRY["VectorData"]  # the table module is above this one
    if isinstance(values, vector_data):
        return values
    data = list(as_values(values)) if data_len(values) else []
    return vector_data(
        name=f"{column}_elements",
        description=f"fixed set of elements referenced by {column}",
        data=data,
    )


@extends("EnumData")
class EnumDataMethods:
    """Values in, values out; indices stored."""

    name: str
    data: Any
    elements: Any

    def _elements(self) -> Any:
        if not hasattr(self.elements, "data"):  # built with a list of values
            self.elements = elements_column(self.name, self.elements)
        return self.elements

    def _values(self) -> np.ndarray[Any, Any]:
        return np.asarray(as_values(self._elements().data))

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)

    def get(self, key: Any, index: bool = False, join: bool = False) -> Any:
        """The value(s) of rows ``key`` (``index=True``: their indices into ``elements``;
        ``join=True``: the values of several rows joined as one text, as hdmf's)."""
        stored = self.data
        picked = stored[key] if not isinstance(stored, list) else np.asarray(stored)[key]
        if index:
            return picked
        values = self._values()[np.asarray(picked, dtype=np.int64)]
        if np.ndim(values) == 0:
            return values.item() if isinstance(values, np.generic) else values
        return "".join(values.ravel()) if join else values

    def add_row(self, val: Any, index: bool = False) -> None:
        """Add a row by its value (a new value joins the elements), or by its index."""
        self.append(val if not index else int(val), index=index)

    def append(self, val: Any, index: bool = False) -> None:
        """Add one row (DynamicTable.add_row's way into a column)."""
        position = int(val) if index else self._term(val)
        if not isinstance(self.data, list):
            loaded = as_values(self.data)
            self.data = loaded.tolist() if isinstance(loaded, np.ndarray) else list(loaded)
        self.data.append(position)

    def _term(self, value: Any) -> int:
        elements = self._elements()
        known = [v.decode() if isinstance(v, bytes) else v for v in self._values().tolist()]
        if value in known:
            return known.index(value)
        elements.append(value)
        return len(known)

    def write_dtype(self) -> Any:
        """The smallest unsigned integer that holds every index."""
        return smallest_unsigned(max(data_len(self._elements().data) - 1, 0))
