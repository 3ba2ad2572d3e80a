"""Values as NWB stores them: dates, text, attributes and small datasets of the tree."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any

import numpy as np

from nwbzarr.dtypes import ASCII, UTF8, DType
from nwbzarr.errors import ValidationError
from nwbzarr.tree import Array, Group, Node


def iso(value: datetime, field_name: str) -> str:
    """ISO text of a tz-aware datetime, as pynwb writes it."""
    if not isinstance(value, datetime):
        raise ValidationError(f"{field_name}: expected a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            f"{field_name}: {value!r} has no timezone; pass a tz-aware datetime "
            "(for example datetime(..., tzinfo=ZoneInfo('US/Pacific')))"
        )
    return value.isoformat()


def parse_date(text: Any) -> datetime:
    """A stored ISO date; one without a timezone gets the local one, as pynwb reads it."""
    value = text.decode() if isinstance(text, bytes) else str(text)
    date = datetime.fromisoformat(value)
    if date.tzinfo is None:
        warnings.warn(
            f"date {value!r} has no timezone: read in the local timezone (as pynwb does)",
            UserWarning,
            stacklevel=2,
        )
        date = date.astimezone()
    return date


def text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return text(value.reshape(-1)[0]) if value.size else ""
    return str(value)


# --------------------------------------------------------------------------------------------
# Contexts
# --------------------------------------------------------------------------------------------


def attr_float(node: Node, name: str, default: float) -> float:
    value = node.attrs.get(name)
    return default if value is None else float(value)


def attr_text(node: Node, name: str, default: str | None = None) -> str | None:
    value = node.attrs.get(name)
    return default if value is None else text(value)


def dataset_text(group: Group, name: str) -> str | None:
    if name not in group:
        return None
    node = group[name]
    return text(node[()]) if isinstance(node, Array) else None


def write_text(group: Group, name: str, value: str | None, ascii_: bool = False) -> None:
    if value is not None:
        dtype: DType = ASCII if ascii_ else UTF8
        group.create_array(name, value, dtype=dtype)


def text_list(group: Group, name: str) -> list[str] | None:
    if name not in group:
        return None
    node = group[name]
    if not isinstance(node, Array):
        return None
    values = node[()]
    if np.ndim(values) == 0:
        return [text(values)]
    return [text(v) for v in values]


def check_increasing(values: Any, where: str) -> None:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1 and arr.size > 1 and np.any(np.diff(arr) < 0):
        warnings.warn(f"{where}: timestamps are not ascending", UserWarning, stacklevel=3)


__all__ = [
    "attr_float",
    "attr_text",
    "check_increasing",
    "dataset_text",
    "iso",
    "parse_date",
    "text",
    "text_list",
    "write_text",
]
