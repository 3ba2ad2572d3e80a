"""What it takes to create an array besides its values, and the names a tree may hold."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nwbzarr.dtypes import DType, as_dtype, default_fillvalue, infer_dtype, numpy_dtype
from nwbzarr.tree.values import Filter


@dataclass(frozen=True, slots=True)
class ArraySpec:
    """Everything needed to create an array, besides its values."""

    shape: tuple[int, ...]
    datatype: DType
    chunks: tuple[int, ...] | None = None
    maxshape: tuple[int | None, ...] | None = None
    compression: tuple[Filter, ...] | None = None
    fillvalue: Any = None
    dims: tuple[str, ...] | None = None
    shards: tuple[int, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * numpy_dtype(self.datatype).itemsize


def check_name(name: str, where: str) -> None:
    """Refuse node names that cannot be stored portably: '.' and '..' segments (a Zarr key
    would leave the store), empty segments inside a path, NUL."""
    parts = name.strip("/").split("/")
    if any(p in ("", ".", "..") for p in parts) or "\x00" in name:
        raise ValueError(
            f"{where}: invalid name {name!r} ('.', '..', empty segments and NUL are not allowed)"
        )


def make_spec(
    data: Any,
    shape: Iterable[int] | None,
    dtype: Any,
    chunks: Iterable[int] | bool | None,
    maxshape: Iterable[int | None] | None,
    compression: Iterable[Filter] | str | None,
    fillvalue: Any,
    dims: Iterable[str] | None,
    shards: Iterable[int] | None,
) -> ArraySpec:
    """Build an :class:`ArraySpec` from ``create_array`` arguments (backends fill defaults)."""
    datatype = as_dtype(dtype) if dtype is not None else None
    if shape is None:
        if data is None:
            raise TypeError("create_array needs data, or shape and dtype")
        if isinstance(data, Iterator):
            raise TypeError("create_array with an iterator needs shape= and dtype= (or maxshape)")
        arr_shape = tuple(getattr(data, "shape", np.shape(data)))
    else:
        arr_shape = tuple(int(n) for n in shape)
    if datatype is None:
        if data is None:
            raise TypeError("create_array needs data, or shape and dtype")
        datatype = infer_dtype(data)
    comp: tuple[Filter, ...] | None
    if compression == "default":
        comp = None
    elif compression is None or isinstance(compression, str):
        comp = () if compression is None else (Filter.of(compression),)
    else:
        comp = tuple(compression)
    return ArraySpec(
        shape=arr_shape,
        datatype=datatype,
        chunks=None if chunks is None or isinstance(chunks, bool) else tuple(chunks),
        maxshape=None if maxshape is None else tuple(maxshape),
        compression=comp,
        fillvalue=default_fillvalue(datatype) if fillvalue is None else fillvalue,
        dims=None if dims is None else tuple(dims),
        shards=None if shards is None else tuple(shards),
        # "filled": create_array writes every element (data given); otherwise the stored
        # array may keep unwritten chunks, which read as the fill value
        extra={"want_chunks": chunks is True, "filled": data is not None},
    )


__all__ = ["ArraySpec", "check_name", "make_spec"]
