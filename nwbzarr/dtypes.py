"""The one dtype table of nwbzarr.

NWB needs more than numpy dtypes can say: variable-length UTF-8 and ASCII strings must stay
distinct, fixed-length strings keep their length, object references are a type of their own,
and compound types may hold strings and references. A :data:`DType` is one of

* a numpy ``dtype`` for numbers and booleans (byte order kept),
* :class:`StringType` (encoding, and ``length=None`` for variable length),
* :data:`REFERENCE` (an object reference; values are :class:`Reference`),
* :class:`CompoundType` (named fields, each a :data:`DType`).

In memory, strings and references are held in numpy ``object`` arrays (like h5py's vlen
strings), and compound values in structured arrays whose string and reference fields are
``object`` fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Encoding = Literal["utf-8", "ascii"]
Padding = Literal["nullterm", "nullpad", "spacepad"]


@dataclass(frozen=True, slots=True)
class StringType:
    """A text type: ``length=None`` is variable length; otherwise a fixed length in bytes."""

    encoding: Encoding = "utf-8"
    length: int | None = None
    padding: Padding = "nullpad"

    def __str__(self) -> str:
        kind = "vlen" if self.length is None else f"fixed[{self.length}]"
        return f"string({self.encoding}, {kind})"


@dataclass(frozen=True, slots=True)
class ReferenceType:
    """An object reference to a group or array of the same file."""

    def __str__(self) -> str:
        return "object_reference"


@dataclass(frozen=True, slots=True)
class Reference:
    """An object reference: the path of the referenced node (``source="."``: same file).

    The value of the :data:`REFERENCE` type (also exported as :class:`nwbzarr.tree.Reference`).
    """

    path: str
    source: str = "."

    def __bool__(self) -> bool:
        return bool(self.path)


@dataclass(frozen=True, slots=True)
class CompoundType:
    """A compound (struct) type; fields keep their order."""

    fields: tuple[tuple[str, DType], ...]

    def __str__(self) -> str:
        inner = ", ".join(f"{name}: {dtype_str(t)}" for name, t in self.fields)
        return f"compound({inner})"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.fields)


DType = np.dtype[Any] | StringType | ReferenceType | CompoundType

UTF8 = StringType("utf-8")
ASCII = StringType("ascii")
REFERENCE = ReferenceType()
OBJECT = np.dtype(object)


def dtype_str(dtype: DType) -> str:
    """A short readable name, used by ``nwbzarr ls`` and in error messages."""
    if isinstance(dtype, np.dtype):
        return (
            "bool"
            if dtype.kind == "b"
            else str(dtype.newbyteorder("=") if dtype.isnative else dtype)
        )
    return str(dtype)


def is_text(dtype: DType) -> bool:
    return isinstance(dtype, StringType)


def numpy_dtype(dtype: DType) -> np.dtype[Any]:
    """The numpy dtype that holds values of ``dtype`` in memory."""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, StringType | ReferenceType):
        return OBJECT
    return np.dtype([(name, numpy_dtype(t)) for name, t in dtype.fields])


def as_dtype(value: Any) -> DType:
    """Turn anything dtype-like (a DType, a numpy dtype or its name, ``str``) into a DType."""
    if isinstance(value, StringType | ReferenceType | CompoundType):
        return value
    if value is str:
        return UTF8
    if value is bytes:
        return ASCII
    dt = np.dtype(value)
    if dt.kind == "U":
        return UTF8
    if dt.kind == "S":
        return StringType("ascii", dt.itemsize)
    if dt.kind == "O":
        raise TypeError(
            "an object dtype does not say what it holds; pass nwbzarr.dtypes.UTF8 for text "
            "or nwbzarr.dtypes.REFERENCE for references"
        )
    if dt.names is not None:
        fields = tuple((name, as_dtype(dt.fields[name][0])) for name in dt.names)
        return CompoundType(fields)
    plain: np.dtype[Any] = dt
    return plain


def infer_dtype(data: Any) -> DType:
    """The DType to store ``data`` with (numpy arrays keep their dtype; text is UTF-8)."""
    if isinstance(data, str):
        return UTF8
    if isinstance(data, bytes):
        return ASCII
    if isinstance(data, Reference):
        return REFERENCE
    if isinstance(data, bool | np.bool_):
        return np.dtype(bool)
    if isinstance(data, int) and not isinstance(data, bool):
        return np.dtype("int64")
    if isinstance(data, float):
        return np.dtype("float64")
    arr = data if isinstance(data, np.ndarray) else None
    if arr is None and hasattr(data, "dtype") and not isinstance(data, Sequence):
        return _dtype_of_arraylike(data)
    if arr is None:
        arr = np.asarray(data)
    if arr.dtype.kind == "O":
        return _object_dtype(arr)
    if arr.dtype.kind == "U":
        return UTF8
    return as_dtype(arr.dtype)


def _dtype_of_arraylike(data: Any) -> DType:
    declared = getattr(data, "datatype", None)
    if declared is not None:
        return as_dtype(declared)
    dt = np.dtype(data.dtype)
    if dt.kind == "O":
        return UTF8
    return as_dtype(dt)


def _object_dtype(arr: np.ndarray[Any, Any]) -> DType:
    flat = arr.ravel()
    first = next((v for v in flat if v is not None), None)
    if isinstance(first, Reference):
        return REFERENCE
    if isinstance(first, bytes):
        return ASCII
    if first is None or isinstance(first, str):
        return UTF8
    raise TypeError(f"cannot store an object array holding {type(first).__name__!r} values")


def default_fillvalue(dtype: DType) -> Any:
    if isinstance(dtype, StringType):
        return ""
    if isinstance(dtype, ReferenceType | CompoundType):
        return None
    return dtype.type(0)


def to_json(dtype: DType) -> Any:
    """A JSON form of ``dtype`` for nwbzarr's own metadata records."""
    if isinstance(dtype, np.dtype):
        return dtype.str if dtype.kind != "b" else "bool"
    if isinstance(dtype, StringType):
        out: dict[str, Any] = {"string": dtype.encoding}
        if dtype.length is not None:
            out["length"] = dtype.length
            out["padding"] = dtype.padding
        return out
    if isinstance(dtype, ReferenceType):
        return "object_reference"
    return {"compound": [[name, to_json(t)] for name, t in dtype.fields]}


def from_json(value: Any) -> DType:
    """Inverse of :func:`to_json`."""
    if value == "object_reference":
        return REFERENCE
    if value == "bool":
        return np.dtype(bool)
    if isinstance(value, str):
        return np.dtype(value)
    if isinstance(value, dict) and "string" in value:
        return StringType(value["string"], value.get("length"), value.get("padding", "nullpad"))
    if isinstance(value, dict) and "compound" in value:
        return CompoundType(tuple((str(name), from_json(t)) for name, t in value["compound"]))
    raise ValueError(f"not a dtype record: {value!r}")


def smallest_unsigned(max_value: int) -> np.dtype[Any]:
    """The smallest unsigned integer dtype that holds ``max_value`` (NWB VectorIndex rule)."""
    for name in ("uint8", "uint16", "uint32"):
        if max_value <= np.iinfo(name).max:
            return np.dtype(name)
    return np.dtype("uint64")


__all__ = [
    "ASCII",
    "CompoundType",
    "DType",
    "REFERENCE",
    "Reference",
    "ReferenceType",
    "StringType",
    "UTF8",
    "as_dtype",
    "default_fillvalue",
    "dtype_str",
    "from_json",
    "infer_dtype",
    "numpy_dtype",
    "smallest_unsigned",
    "to_json",
]
