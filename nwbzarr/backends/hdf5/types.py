"""HDF5 types and values: numpy / h5py dtypes to nwbzarr types, and values both ways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import h5py
import numpy as np

from nwbzarr.dtypes import (
    REFERENCE,
    CompoundType,
    DType,
    ReferenceType,
    StringType,
    numpy_dtype,
)
from nwbzarr.errors import UnsupportedFeatureError
from nwbzarr.tree import Reference


# --------------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------------
def dtype_from_h5(dt: np.dtype[Any], where: str) -> DType:
    """The :data:`DType` of an h5py dtype (strings keep encoding and length)."""
    if dt.kind in "iuf" and dt.names is None and dt.subdtype is None:
        return _PLAIN.get(dt.str) or _PLAIN.setdefault(dt.str, np.dtype(dt.str))
    info = h5py.check_string_dtype(dt)
    if info is not None:
        return StringType("ascii" if info.encoding == "ascii" else "utf-8", info.length)
    ref = h5py.check_ref_dtype(dt)
    if ref is not None:
        if ref is not h5py.Reference:
            raise UnsupportedFeatureError(
                f"{where}: region references are not supported (NWB does not use them)"
            )
        return REFERENCE
    if dt.names is not None:
        fields = []
        for name in dt.names:
            sub = dt.fields[name][0]  # type: ignore[index]
            fields.append((name, dtype_from_h5(sub, where)))
        return CompoundType(tuple(fields))
    vlen = h5py.check_vlen_dtype(dt)
    if vlen is not None:
        raise UnsupportedFeatureError(
            f"{where}: variable-length sequences of {vlen} are not supported"
        )
    if dt.subdtype is not None:
        raise UnsupportedFeatureError(f"{where}: array-typed elements {dt} are not supported")
    if dt.kind in "biufc":
        return np.dtype(dt.str) if dt.kind != "b" else np.dtype(bool)
    raise UnsupportedFeatureError(f"{where}: HDF5 type {dt} is not supported")


_PLAIN: dict[str, np.dtype[Any]] = {}


def dtype_to_h5(dtype: DType) -> np.dtype[Any]:
    if isinstance(dtype, StringType):
        text: np.dtype[Any] = h5py.string_dtype(dtype.encoding, dtype.length)
        return text
    if isinstance(dtype, ReferenceType):
        return h5py.ref_dtype  # type: ignore[no-any-return]
    if isinstance(dtype, CompoundType):
        return np.dtype([(name, dtype_to_h5(t)) for name, t in dtype.fields])
    return dtype


# --------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------
class Refs:
    """Turns h5py references into paths (cached per file: columns repeat their targets)."""

    def __init__(self, h5: h5py.File) -> None:
        self._h5 = h5
        self._cache: dict[Any, str] = {}

    def path(self, ref: Any) -> Reference:
        if not ref:
            return Reference("")
        key = ref
        name = self._cache.get(key)
        if name is None:
            raw = h5py.h5r.get_name(ref, self._h5.id)
            name = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
            self._cache[key] = name
        return Reference(name)

    def ref(self, value: Reference | str | None) -> Any:
        path = value.path if isinstance(value, Reference) else value
        if not path:
            return h5py.Reference()
        return self._h5[path].ref


def _decode_text(value: Any, encoding: str) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8" if encoding != "ascii" else "ascii", "surrogateescape")
    if isinstance(value, np.bytes_):
        return bytes(value).decode("utf-8", "surrogateescape")
    return value


def decode(raw: Any, dtype: DType, refs: Refs) -> Any:
    """h5py values -> nwbzarr values (text as str, references as Reference)."""
    if isinstance(dtype, np.dtype):
        return raw
    if isinstance(dtype, StringType):
        if isinstance(raw, np.ndarray):
            out = np.empty(raw.shape, dtype=object)
            flat = raw.ravel()
            out_flat = out.reshape(-1)
            for i, v in enumerate(flat):
                out_flat[i] = _decode_text(v, dtype.encoding)
            return out
        return _decode_text(raw, dtype.encoding)
    if isinstance(dtype, ReferenceType):
        if isinstance(raw, np.ndarray):
            out = np.empty(raw.shape, dtype=object)
            out_flat = out.reshape(-1)
            for i, v in enumerate(raw.ravel()):
                out_flat[i] = refs.path(v)
            return out
        return refs.path(raw)
    target = np.empty(np.shape(raw), dtype=numpy_dtype(dtype))
    for name, sub in dtype.fields:
        target[name] = decode(np.asarray(raw[name]), sub, refs)
    return target if target.ndim else target[()]


def encode(values: Any, dtype: DType, refs: Refs) -> Any:
    """nwbzarr values -> what h5py writes with ``dtype_to_h5(dtype)``."""
    if isinstance(dtype, np.dtype):
        return values
    if isinstance(dtype, StringType):
        # Encode here, with surrogateescape, so that bytes read from legacy files that are not
        # valid text (MatNWB's Latin-1 "\xb5V") are written back unchanged.
        codec = "ascii" if dtype.encoding == "ascii" else "utf-8"
        arr = np.asarray(values, dtype=object)
        out = np.empty(arr.shape, dtype=object)
        out_flat = out.reshape(-1)
        for i, v in enumerate(arr.reshape(-1)):
            out_flat[i] = v.encode(codec, "surrogateescape") if isinstance(v, str) else (v or b"")
        if dtype.length is not None:
            return out.astype(f"S{dtype.length}")
        return out if out.ndim else out[()]
    if isinstance(dtype, ReferenceType):
        arr = np.asarray(values, dtype=object)
        out = np.empty(arr.shape, dtype=h5py.ref_dtype)
        out_flat = out.reshape(-1)
        for i, v in enumerate(arr.ravel()):
            out_flat[i] = refs.ref(v)
        return out
    src = np.asarray(values)
    out = np.empty(src.shape, dtype=dtype_to_h5(dtype))
    for name, sub in dtype.fields:
        out[name] = encode(src[name], sub, refs)
    return out


def read_attr(aid: Any, dtype: np.dtype[Any], shape: tuple[int, ...]) -> Any:
    """The value of an open attribute (what h5py's ``attrs[name]`` does, without reopening it)."""
    if dtype.subdtype is not None:
        raise UnsupportedFeatureError(f"array-typed attribute elements {dtype} are not supported")
    arr = np.zeros(shape, dtype=dtype, order="C")
    if arr.size:
        aid.read(arr, mtype=None if dtype.kind in "iuf" else h5py.h5t.py_create(dtype))
    return arr[()] if arr.ndim == 0 else arr


class TypeMemo:
    """What an attribute's HDF5 type reads as, remembered per file type (cheap checks first).

    h5py builds a numpy dtype for every type it is asked about (~7-10 us); the attributes of an
    NWB file use a handful of types. Numbers are matched exactly (``H5Tequal``) against the types
    seen before; variable-length text only differs by character set.
    """

    def __init__(self) -> None:
        self._numbers: dict[tuple[int, int], list[tuple[Any, Any, np.dtype[Any], DType]]] = {}
        self._text: dict[int, tuple[Any, np.dtype[Any], DType]] = {}

    def number(
        self, tid: Any, cls: int, where: Callable[[], str]
    ) -> tuple[Any, np.dtype[Any], DType]:
        """``(memory type, numpy dtype, nwbzarr type)``; read with the memory type h5py would
        use (conversions such as a precision narrower than the size happen in libhdf5).
        ``where()`` names the attribute, for errors (built only for a type not seen yet)."""
        seen = self._numbers.setdefault((cls, tid.get_size()), [])
        for known, mtype, h5dtype, dtype in seen:
            if tid.equal(known):
                return mtype, h5dtype, dtype
        h5dtype = tid.dtype
        hit = (h5py.h5t.py_create(h5dtype), h5dtype, dtype_from_h5(h5dtype, where()))
        seen.append((tid.copy(), *hit))
        return hit

    def text(self, tid: Any, where: Callable[[], str]) -> tuple[Any, np.dtype[Any], DType]:
        cset = tid.get_cset()
        hit = self._text.get(cset)
        if hit is None:
            h5dtype = tid.dtype
            hit = self._text[cset] = (
                h5py.h5t.py_create(h5dtype),
                h5dtype,
                dtype_from_h5(h5dtype, where()),
            )
        return hit


TYPES = TypeMemo()


__all__ = [
    "TYPES",
    "Refs",
    "TypeMemo",
    "decode",
    "dtype_from_h5",
    "dtype_to_h5",
    "encode",
    "read_attr",
]
