"""Checks at construction: a value against its field's dtype, shape and quantity.

Only the value's type and shape are looked at (a lazy array, a ``DataIO`` or an iterator is
never read); the messages name the class, the field and the value.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.model.fields import Field
from nwbzarr.tree import Array

TEXT = frozenset({"text", "utf", "utf8", "utf-8", "ascii", "str"})
FLOATS = frozenset({"float", "float32", "float64", "double"})
INTS = frozenset(
    {"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"}
)
NUMBERS = FLOATS | INTS | frozenset({"numeric", "number", "short", "long"})
_KINDS = {"numeric": "biuf", "float": "fiub", "int": "iub", "bool": "b"}


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.size > 4:
        return f"<{value.dtype} array of shape {value.shape}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(owner: str, field: Field, value: Any, why: str) -> ValidationError:
    return ValidationError(f"{owner}: {field.name}={_short(value)}: {why}")


_SCALARS = {str: "text", float: "float", int: "int", bool: "bool"}
_FITS = {
    "text": frozenset({"text"}),
    "float": frozenset({"float", "numeric"}),
    "int": frozenset({"int", "float", "numeric"}),
    "bool": frozenset({"bool", "int", "float", "numeric"}),
}


def check_field(owner: str, field: Field, value: Any) -> None:
    """Raise :class:`ValidationError` if ``value`` does not fit ``field`` (None passes)."""
    if value is None:
        return
    scalar = _SCALARS.get(type(value))
    if scalar is not None and field.shape is None:
        kind = _kind_of(field.dtype) if isinstance(field.dtype, str) else None
        if kind is None or kind in _FITS[scalar]:
            return  # the common case: a Python scalar of the right kind
    if field.kind in ("child", "link", "children"):
        return  # containers: their classes are checked where they are used
    dtype = field.dtype
    if field.is_ref or isinstance(dtype, tuple):
        return
    if not _lazy(value):
        _check_dtype(owner, field, value, dtype)
    if field.shape is not None:
        _check_shape(owner, field, value)


def _lazy(value: Any) -> bool:
    container = hasattr(value, "neurodata_type") and hasattr(value, "object_id")
    return (
        container
        or isinstance(value, Iterator)
        or type(value).__name__
        in (
            "DataIO",
            "H5DataIO",
            "DataChunkIterator",
        )
    )


@cache
def _kind_of(dtype: str) -> str | None:
    if dtype in TEXT:
        return "text"
    if dtype in FLOATS:
        return "float"
    if dtype in INTS:
        return "int"
    if dtype in ("numeric", "number"):
        return "numeric"
    if dtype == "bool":
        return "bool"
    if dtype in ("isodatetime", "datetime"):
        return "datetime"
    return None


def _check_dtype(owner: str, field: Field, value: Any, dtype: Any) -> None:
    kind = _kind_of(dtype) if isinstance(dtype, str) else None
    if kind is None:
        return
    if kind == "datetime":
        values = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, datetime | date | str) for v in values):
            raise fail(owner, field, value, "expected a datetime")
        return
    found = _numpy_kind(value)
    if found is None:
        return
    if kind == "text":
        if found not in "USOT":
            raise fail(owner, field, value, f"expected text (dtype {dtype!r})")
    elif found not in _KINDS[kind]:
        raise fail(owner, field, value, f"expected {kind} values (dtype {dtype!r})")


def _numpy_kind(value: Any) -> str | None:
    if isinstance(value, str | bytes):
        return "U"
    if isinstance(value, bool | np.bool_):
        return "b"
    if isinstance(value, int | np.integer):
        return "i"
    if isinstance(value, float | np.floating):
        return "f"
    dtype = getattr(value, "dtype", None)
    if isinstance(value, Array):
        return None  # stored data: checked when it was written
    if isinstance(dtype, np.dtype):
        return dtype.kind
    if isinstance(value, list | tuple):
        if not value:
            return None
        try:
            return np.asarray(value).dtype.kind
        except ValueError:
            return None  # ragged
    return "T" if hasattr(value, "__array__") else None


def _shape_of(value: Any) -> tuple[int, ...] | None:
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        return tuple(int(s) for s in shape)
    if isinstance(value, str | bytes | int | float | bool):
        return ()
    if isinstance(value, list | tuple):
        try:
            return tuple(np.shape(value))
        except ValueError:
            return None
    return None


def _check_shape(owner: str, field: Field, value: Any) -> None:
    shape = _shape_of(value)
    if shape is None or field.shape is None:
        return
    if 0 in shape[:1] and len(shape) == 1:
        return  # an empty array fits any shape (pynwb's data=[] placeholders)
    for allowed in field.shape:
        if len(allowed) == len(shape) and all(
            a is None or a == s for a, s in zip(allowed, shape, strict=True)
        ):
            return
    wanted = " or ".join(str(tuple(a)) for a in field.shape)
    raise fail(owner, field, value, f"shape {shape} does not match the schema's {wanted}")


__all__ = ["check_field", "fail"]
