"""Attribute values <-> JSON, and the attribute mapping of Zarr nodes.

Plain JSON scalars (str, int, float, bool) are stored as they are and read as UTF-8 text,
int64, float64 and bool; any other type is recorded under ``_NWBZARR.attrs`` so that it reads
back as written (ASCII text, int8, float32, compound, references...).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from nwbzarr.backends.zarr.conventions import RECORD, RESERVED, SPECLOC, reference_from_json
from nwbzarr.dtypes import (
    REFERENCE,
    UTF8,
    CompoundType,
    DType,
    ReferenceType,
    StringType,
    from_json,
    numpy_dtype,
    to_json,
)
from nwbzarr.errors import FormatError, NodeNotFoundError, ValidationError
from nwbzarr.tree import Attributes, Reference

if TYPE_CHECKING:
    from nwbzarr.backends.zarr.nodes import ZarrNode


def _json_default_dtype(value: Any) -> DType:
    """The DType a JSON attribute value reads as when no record says otherwise."""
    if isinstance(value, dict) and ("_REFERENCE" in value or value.get("zarr_dtype") == "object"):
        return REFERENCE
    if isinstance(value, bool):
        return np.dtype(bool)
    if isinstance(value, int):
        return np.dtype("int64")
    if isinstance(value, float):
        return np.dtype("float64")
    if isinstance(value, str):
        return UTF8
    if isinstance(value, list):
        flat = list(_flatten(value))
        if not flat:
            return np.dtype("float64")
        kinds = {type(_json_default_dtype(v)) for v in flat}
        if kinds == {StringType}:
            return UTF8
        if kinds == {ReferenceType}:
            return REFERENCE
        dtypes = [_json_default_dtype(v) for v in flat]
        if all(isinstance(d, np.dtype) for d in dtypes):
            return np.result_type(*dtypes)  # type: ignore[arg-type]
    return UTF8


def _flatten(value: Any) -> Iterable[Any]:
    if isinstance(value, list):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


def attr_to_json(value: Any, dtype: DType) -> Any:
    """An attribute value of ``dtype`` as the JSON value stored for it."""
    if value is None:
        return None
    if isinstance(dtype, ReferenceType):
        if isinstance(value, np.ndarray):
            return [attr_to_json(v, dtype) for v in value.tolist()]
        if isinstance(value, list):
            return [attr_to_json(v, dtype) for v in value]
        ref = value if isinstance(value, Reference) else Reference(str(value))
        return {"_REFERENCE": {"source": ref.source, "path": ref.path}}
    if isinstance(dtype, CompoundType):
        arr = np.asarray(value)
        return [[attr_to_json(row[name], t) for name, t in dtype.fields] for row in arr.reshape(-1)]
    return _plain_json(value)


def _plain_json(value: Any) -> Any:
    """numpy values, bytes and nested sequences as JSON values: text keeps undecodable bytes as
    surrogate escapes (what HDF5 reads back); non-finite floats stay floats, written as the
    ``NaN`` / ``Infinity`` tokens that zarr-python and hdmf-zarr write and read (as strings,
    hdmf-zarr would hand pynwb text where the schema wants a float); bytes holding NUL are
    refused, as HDF5 refuses them."""
    if isinstance(value, np.ndarray):
        return _plain_json(value.tolist())
    if isinstance(value, np.generic):
        return _plain_json(value.item())
    if isinstance(value, bytes):
        if b"\x00" in value:
            raise ValueError("bytes holding NUL cannot be stored as text (HDF5 refuses them too)")
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    return value


def attr_from_json(value: Any, dtype: DType) -> Any:
    """A stored JSON attribute value read as ``dtype``."""
    if value is None:
        return None
    if isinstance(dtype, ReferenceType):
        if isinstance(value, list):
            out = np.empty(len(value), dtype=object)
            for i, v in enumerate(value):
                out[i] = attr_from_json(v, dtype)
            return out
        return reference_from_json(value)
    if isinstance(dtype, StringType):
        if isinstance(value, list):  # nested lists for N-d text attributes
            arr = np.array(value, dtype=object)
            flat = arr.reshape(-1)
            for i, v in enumerate(flat):
                flat[i] = str(v)
            return arr
        return str(value)
    if isinstance(dtype, CompoundType):
        rows = [
            tuple(attr_from_json(v, t) for v, (_, t) in zip(row, dtype.fields, strict=True))
            for row in value
        ]
        return np.array(rows, dtype=numpy_dtype(dtype))
    if isinstance(value, list):
        return np.asarray(value, dtype=dtype)
    return dtype.type(value)


class ZarrAttributes(Attributes):
    """The attributes of a Zarr node: the ``attributes`` of its document, reserved names hidden."""

    def __init__(self, node: ZarrNode) -> None:
        self._node = node

    @property
    def owner(self) -> str:
        return self._node.describe()

    @property
    def _raw(self) -> dict[str, Any]:
        return self._node.doc.setdefault("attributes", {})  # type: ignore[no-any-return]

    def _record(self) -> dict[str, Any]:
        return self._raw.get(RECORD, {}).get("attrs", {})  # type: ignore[no-any-return]

    def _names(self) -> list[str]:
        return [k for k in self._raw if k not in RESERVED]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._raw and name not in RESERVED

    def get(self, name: str, default: Any = None) -> Any:
        raw = self._raw
        if name not in raw or name in RESERVED:
            return default
        return self._value(raw, name)[0]

    def _get(self, name: str) -> tuple[Any, DType]:
        raw = self._raw
        if name in RESERVED or name not in raw:
            raise NodeNotFoundError(f"{self.owner}: no attribute {name!r}")
        return self._value(raw, name)

    def items_typed(self) -> Iterator[tuple[str, Any, DType]]:
        raw = self._raw  # one pass over the document's attributes
        for name in self._names():
            value, dtype = self._value(raw, name)
            yield name, value, dtype

    def _value(self, raw: dict[str, Any], name: str) -> tuple[Any, DType]:
        value = raw[name]
        if name == SPECLOC and isinstance(value, str):
            # hdmf-zarr stores the spec location as a path string; HDF5 as an object reference
            return Reference("/" + value.strip("/")), REFERENCE
        record = raw.get(RECORD)
        recorded = record.get("attrs", {}).get(name) if record is not None else None
        if recorded is None:
            plain = _PLAIN_READ.get(type(value))
            if plain is not None:  # str, int, float, bool with no record: the common case
                if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
                    return self._wide_int(name, value)
                return plain[0](value), plain[1]
            dtype = _json_default_dtype(value)
        else:
            dtype = from_json(recorded)
        try:
            return attr_from_json(value, dtype), dtype
        except (TypeError, ValueError) as err:
            raise FormatError(f"{self.owner}: attribute {name!r} = {value!r}: {err}") from err

    def _wide_int(self, name: str, value: int) -> tuple[Any, DType]:
        """A JSON integer beyond int64 (another writer's): uint64 if it fits, else an error."""
        if 0 <= value <= _UINT64_MAX:
            return np.uint64(value), np.dtype("uint64")
        raise FormatError(
            f"{self.owner}: attribute {name!r} = {value} does not fit a 64-bit integer"
        )

    def _set(self, name: str, value: Any, dtype: DType) -> None:
        node = self._node
        node.file.check_writable(f"set attribute {name!r}")
        if name in RESERVED:
            raise ValueError(f"{self.owner}: {name!r} is a reserved attribute name")
        raw = self._raw
        if name == SPECLOC and isinstance(value, Reference | str):
            raw[name] = (value.path if isinstance(value, Reference) else value).strip("/")
            node.zfile.attrs_changed(node.key)
            return
        if isinstance(dtype, np.dtype) and dtype.kind in "iu":
            try:  # as HDF5 does: an integer that does not fit its type is refused here
                np.asarray(value, dtype=dtype)
            except OverflowError as err:
                raise ValidationError(
                    f"{self.owner} attribute {name!r}: {value!r} does not fit {dtype}: {err}"
                ) from err
        if (
            type(value) in _JSON_SCALARS
            and not isinstance(dtype, ReferenceType | CompoundType)
            and (type(value) is not float or math.isfinite(value))
        ):
            encoded = value  # str, int, float, bool: stored as they are, always valid JSON
        else:
            try:  # fail here, naming the attribute, rather than when the document is written
                encoded = attr_to_json(value, dtype)
                json.dumps(encoded, allow_nan=True)
            except (TypeError, ValueError) as err:
                raise ValueError(
                    f"{self.owner}: attribute {name!r} = {value!r} cannot be stored in Zarr: {err}"
                ) from err
        raw[name] = encoded
        if value is None or _json_default_dtype(encoded) != dtype:
            raw.setdefault(RECORD, {}).setdefault("attrs", {})[name] = to_json(dtype)
        else:
            record = raw.get(RECORD)
            if record is not None:
                record.get("attrs", {}).pop(name, None)
                _prune_record(raw)
        node.zfile.attrs_changed(node.key)

    def _delete(self, name: str) -> None:
        self._node.file.check_writable(f"delete attribute {name!r}")
        raw = self._raw
        del raw[name]
        raw.get(RECORD, {}).get("attrs", {}).pop(name, None)
        _prune_record(raw)
        self._node.zfile.attrs_changed(self._node.key)


_JSON_SCALARS = (str, int, float, bool)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_UINT64_MAX = 2**64 - 1
# what attr_from_json(value, _json_default_dtype(value)) gives for plain JSON scalars
_PLAIN_READ: dict[type, tuple[Any, DType]] = {
    str: (str, UTF8),
    int: (np.int64, np.dtype("int64")),
    float: (np.float64, np.dtype("float64")),
    bool: (np.bool_, np.dtype(bool)),
}


def _prune_record(raw: dict[str, Any]) -> None:
    record = raw.get(RECORD)
    if record is None:
        return
    if not record.get("attrs"):
        record.pop("attrs", None)
    if not record:
        del raw[RECORD]
