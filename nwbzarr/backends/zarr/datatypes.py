"""nwbzarr data types <-> Zarr data types and fill values (through ``zarr.dtype``).

zarr-python's data type registry tries every data type class in turn (~0.3 ms a lookup), and a
file has thousands of arrays of a handful of types: given a file's :class:`~.cache.TypeMemo`,
the translations are memoized there, keyed on hashable immutable values (dtypes, fill value
bytes), and callers get their own copies of mutable results.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
from zarr.dtype import parse_dtype

from nwbzarr.backends.zarr.cache import TypeMemo
from nwbzarr.dtypes import (
    REFERENCE,
    UTF8,
    CompoundType,
    DType,
    ReferenceType,
    StringType,
    to_json,
)
from nwbzarr.errors import FormatError, UnsupportedFeatureError

__all__ = [
    "compound_zarr_dtype",
    "datatype_from_numpy",
    "fill_from_json",
    "fill_json",
    "NATIVE_BY_NAME",
    "native_dtype",
    "zarr_type",
]


def zarr_type(
    datatype: DType, memo: TypeMemo | None = None
) -> tuple[Any, int, dict[str, Any], dict[str, Any]]:
    """(Zarr data_type JSON, item size, convention attributes, nwbzarr record) of a DType."""
    if memo is None:
        found = _zarr_type(datatype, None)
    else:
        found = memo.zarr_types.get(datatype, lambda d: _zarr_type(d, memo))
    zdtype, itemsize, attributes, record = found
    if not isinstance(zdtype, str):  # structured and parametric types: the document owns a copy
        zdtype = copy.deepcopy(zdtype)
    return zdtype, itemsize, {k: _own(v) for k, v in attributes}, {k: _own(v) for k, v in record}


def _own(value: Any) -> Any:
    """A cached JSON value for one document: containers copied, immutable values shared."""
    return copy.deepcopy(value) if isinstance(value, list | dict | tuple) else value


def _zarr_type(
    datatype: DType, memo: TypeMemo | None
) -> tuple[Any, int, tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]:
    attributes: dict[str, Any]
    record: dict[str, Any] = {}
    if isinstance(datatype, ReferenceType):
        return "string", 16, (("_DTYPE", "object_reference"),), ()
    if isinstance(datatype, StringType):
        if datatype.length is not None:
            record["dtype"] = to_json(datatype)
        attributes = {"_DTYPE": "ascii" if datatype.encoding == "ascii" else "str"}
        return "string", 16, tuple(attributes.items()), tuple(record.items())
    if isinstance(datatype, CompoundType):
        np_struct, ref_fields = compound_zarr_dtype(datatype)
        record["dtype"] = to_json(datatype)
        attributes = {"_REFERENCE_FIELDS": ref_fields} if ref_fields else {}
        zdt = parse_dtype(np_struct, zarr_format=3)
        return (
            zdt.to_json(zarr_format=3),
            np_struct.itemsize,
            tuple(attributes.items()),
            tuple(record.items()),
        )
    zdt = _zdtype(datatype, memo)
    dtype_name = "bool" if datatype.kind == "b" else datatype.name
    return zdt.to_json(zarr_format=3), datatype.itemsize, (("_DTYPE", dtype_name),), ()


def _zdtype(np_dtype: np.dtype[Any], memo: TypeMemo | None) -> Any:
    """zarr-python's data type object for a numpy dtype (format 3)."""
    if memo is None:
        return parse_dtype(np_dtype, zarr_format=3)
    return memo.zdtypes.get(np_dtype, lambda d: parse_dtype(d, zarr_format=3))


def compound_zarr_dtype(datatype: CompoundType) -> tuple[np.dtype[Any], list[str]]:
    """The structured numpy dtype Zarr stores a compound type as, and its reference fields."""
    fields = []
    refs = []
    for name, sub in datatype.fields:
        if isinstance(sub, ReferenceType):
            fields.append((name, np.dtype("U256")))
            refs.append(name)
        elif isinstance(sub, StringType):
            fields.append((name, np.dtype(f"U{max(sub.length or 64, 1)}")))
        elif isinstance(sub, np.dtype):
            fields.append((name, sub))
        else:
            raise UnsupportedFeatureError(f"nested compound field {name!r} is not supported")
    return np.dtype(fields), refs


def fill_json(
    fill: Any, datatype: DType, np_dtype: np.dtype[Any], memo: TypeMemo | None = None
) -> Any:
    """The ``fill_value`` JSON of a new array."""
    if isinstance(datatype, StringType | ReferenceType):
        return ""
    if isinstance(datatype, CompoundType):
        if memo is None:
            return _compound_fill_json(datatype)
        return _own(memo.compound_fills.get(datatype, _compound_fill_json))
    if fill is None:
        key: tuple[Any, ...] = (np_dtype, None, b"")
    else:
        value = np_dtype.type(fill)
        # keyed on the value's bytes: 0.0 and -0.0 (or 1 and True) are different fill values,
        # and NaN, unequal to itself, is still found
        key = (np_dtype, value.dtype, value.tobytes())
    if memo is None:
        return _scalar_fill_json(key, None)
    return _own(memo.scalar_fills.get(key, lambda k: _scalar_fill_json(k, memo)))


def _scalar_fill_json(key: tuple[Any, ...], memo: TypeMemo | None) -> Any:
    np_dtype, value_dtype, raw = key
    zdt = _zdtype(np_dtype, memo)
    value = zdt.default_scalar() if value_dtype is None else np.frombuffer(raw, value_dtype)[0]
    return zdt.to_json_scalar(value, zarr_format=3)


def _compound_fill_json(datatype: CompoundType) -> Any:
    zdt = parse_dtype(compound_zarr_dtype(datatype)[0], zarr_format=3)
    return zdt.to_json_scalar(zdt.default_scalar(), zarr_format=3)


def fill_from_json(fill: Any, datatype: DType, zarr_format: Any, where: str) -> Any:
    """A stored fill value as a number of ``datatype`` (JSON has "NaN", "Infinity", [re, im]);
    :class:`FormatError` naming ``where`` for a number the type cannot hold."""
    if fill is None or not isinstance(datatype, np.dtype):
        return None
    if isinstance(fill, bool | int | float) and datatype.kind in "biuf" and datatype.names is None:
        try:
            return datatype.type(fill)  # the common case, without zarr's dtype registry
        except OverflowError as err:
            raise FormatError(
                f"{where}: malformed Zarr metadata: fill_value {fill!r} does not fit the "
                f"array's data type {datatype}"
            ) from err
    try:
        zdt = parse_dtype(datatype, zarr_format=zarr_format)
        return zdt.from_json_scalar(fill, zarr_format=zarr_format)
    except Exception:  # a fill value zarr cannot read either: keep it for messages
        return fill


# numpy dtypes of the Zarr v3 data type names that need no parameters
NATIVE_BY_NAME: dict[str, np.dtype[Any]] = {
    name: np.dtype(name)
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    )
}


def native_dtype(data_type: Any, memo: TypeMemo | None = None) -> np.dtype[Any]:
    """numpy dtype of a Zarr v3 ``data_type`` (a name, or JSON for parametric types)."""
    found = NATIVE_BY_NAME.get(data_type) if isinstance(data_type, str) else None
    if found is not None:
        return found
    text = json.dumps(data_type, sort_keys=True)
    native: np.dtype[Any] = (
        _native_dtype(text) if memo is None else memo.natives.get(text, _native_dtype)
    )
    return native


def _native_dtype(data_type_json: str) -> np.dtype[Any]:
    """numpy dtype of a Zarr v3 ``data_type`` (cached: zarr's dtype registry lookup is slow)."""
    zdt = parse_dtype(json.loads(data_type_json), zarr_format=3)
    native: np.dtype[Any] = zdt.to_native_dtype()
    return native


def datatype_from_numpy(np_dtype: np.dtype[Any], attrs: dict[str, Any]) -> DType:
    """The DType of a stored numpy dtype (``_REFERENCE_FIELDS`` in ``attrs`` name references)."""
    if np_dtype.names is None:
        if np_dtype.kind in "US":
            return StringType("ascii" if np_dtype.kind == "S" else "utf-8")
        return np_dtype
    refs = set(attrs.get("_REFERENCE_FIELDS", []))
    fields: list[tuple[str, DType]] = []
    for name in np_dtype.names:
        sub = np_dtype.fields[name][0]  # type: ignore[index]
        if name in refs:
            fields.append((name, REFERENCE))
        elif sub.kind in "UO":
            fields.append((name, UTF8))
        elif sub.kind == "S":
            fields.append((name, StringType("ascii")))
        else:
            fields.append((name, sub))
    return CompoundType(tuple(fields))
