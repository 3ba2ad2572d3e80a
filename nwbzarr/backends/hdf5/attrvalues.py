"""Attribute values decoded from their object header, for the common types, without libhdf5.

Reading one attribute through libhdf5 takes six calls (open, type, class, dataspace, its kind,
read) and three h5py objects: ~25 us, and an NWB file of 1,000 series has 10,000 attributes
to read. Their object headers are parsed anyway (:mod:`.headers`, for the check of
variable-length lengths), and nearly all of those attributes are of three kinds whose stored
form is simple: IEEE floats and plain integers stored little-endian, and variable-length text
(heap IDs into the file's global heap). Those are decoded here, from the same bytes libhdf5
would read, to the values libhdf5 + h5py return.

Anything else (other byte orders, bit offsets or precisions, fixed-length or space-padded text,
shared types or dataspaces, null dataspaces, references, compounds, enums, a heap object not
found whole) is not decoded here: :func:`decode_attribute` returns None and the caller reads it
through libhdf5, which also reports damage in its own words. A value decoded here is never
partial: a heap ID whose length exceeds its object, or values past the end of their message,
mean None.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

from nwbzarr.backends.hdf5 import heaps
from nwbzarr.backends.hdf5.headers import RawAttribute, Source, read_at
from nwbzarr.backends.hdf5.types import dtype_from_h5
from nwbzarr.dtypes import DType, StringType

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_WRAPS = 1 << 63
_MAX_RANK = 32

_FIXED, _FLOAT, _VLEN = 0, 1, 9
# IEEE layouts by size: (sign bit, bit offset, precision, exponent location and size, mantissa
# location and size, exponent bias), as libhdf5 stores them for H5T_IEEE_F16/32/64LE
_IEEE = {
    2: (15, 0, 16, 10, 5, 0, 10, 15),
    4: (31, 0, 32, 23, 8, 0, 23, 127),
    8: (63, 0, 64, 52, 11, 0, 52, 1023),
}
_FLOAT_FIELDS = struct.Struct("<HHBBBBI")
_NUMBERS: dict[tuple[int, int, int], tuple[np.dtype[Any], DType]] = {}
_TEXT = {0: StringType("ascii", None), 1: StringType("utf-8", None)}


class HeapObjects:
    """Objects of a file's global heap collections, read from ``source`` (each collection
    indexed once, on first use). ``base``: where HDF5 addresses start (the userblock's size)."""

    def __init__(self, source: Source, file_size: int, base: int) -> None:
        self._source = source
        self._size = file_size
        self._base = base
        self._collections: dict[int, dict[int, tuple[int, int]] | None] = {}

    def get(self, address: int, index: int, length: int) -> bytes | None:
        """``length`` bytes of object ``index`` of the collection at ``address``; None if the
        collection does not index cleanly or the object is missing or shorter."""
        objects = self._collections.get(address, _UNSEEN)
        if objects is _UNSEEN:
            objects = self._collections[address] = self._index(address)
        if objects is None:
            return None
        found = objects.get(index)
        if found is None or length > found[1]:
            return None
        return read_at(self._source, found[0], length, self._size)

    def _index(self, address: int) -> dict[int, tuple[int, int]] | None:
        """``{index: (file offset, size)}`` of a collection's objects, walked as libhdf5 walks
        it; None where libhdf5 would refuse it or its walk would not end (heaps.py)."""
        at = address + self._base
        try:
            head = read_at(self._source, at, heaps.HEADER, self._size)
            if head[:4] != b"GCOL" or head[4] != 1:
                return None
            size = _U64.unpack_from(head, 8)[0]
            if size < heaps.HEADER or at + size > self._size:
                return None
            data = read_at(self._source, at, size, self._size)
        except (OSError, ValueError):  # cannot be read here: left to libhdf5
            return None
        objects: dict[int, tuple[int, int]] = {}
        for p, index, length, step in heaps.walk_objects(data, 0, size):
            if heaps.stalls(step):
                return None
            if index:  # not free space
                if p + heaps.OBJECT_HEADER + length > size or index in objects:
                    return None
                objects[index] = (at + p + heaps.OBJECT_HEADER, length)
        return objects


_UNSEEN: dict[int, tuple[int, int]] = {}


def decode_attribute(raw: RawAttribute, heap: HeapObjects) -> tuple[Any, DType] | None:
    """``(value, type)`` of an attribute as libhdf5 + h5py read it (text as bytes, numbers as
    numpy scalars or arrays), or None where it is left to libhdf5 (see the module docs)."""
    chunk, type_at, type_size, space_at, values_at, end, flags = raw
    if flags & 0x03 or type_size < 8:
        return None  # a shared datatype or dataspace
    shape = _shape(chunk, space_at, values_at)
    if shape is None:
        return None
    cls = chunk[type_at] & 0x0F
    size = _U32.unpack_from(chunk, type_at + 4)[0]
    count = math.prod(shape)
    if cls == _VLEN:
        return _text(chunk, type_at, size, values_at, end, shape, count, heap)
    if cls not in (_FIXED, _FLOAT) or values_at + count * size > end:
        return None
    number = _number(chunk, type_at, type_size, cls, size)
    if number is None:
        return None
    np_dtype, dtype = number
    values = np.frombuffer(chunk, np_dtype, count, values_at)
    return (values.reshape(shape).copy() if shape else values[0]), dtype


def _shape(chunk: bytes, at: int, limit: int) -> tuple[int, ...] | None:
    """The dataspace message at ``chunk[at:]``: ``()`` scalar, the dimensions of a simple one;
    None for a null dataspace or anything not understood."""
    if at + 4 > limit:
        return None
    version, rank = chunk[at], chunk[at + 1]
    if version == 1:
        dims_at = at + 8
    elif version == 2:
        kind = chunk[at + 3]
        if kind == 0 and rank == 0:
            return ()
        if kind != 1:
            return None
        dims_at = at + 4
    else:
        return None
    if rank > _MAX_RANK or dims_at + 8 * rank > limit:
        return None
    dims = struct.unpack_from(f"<{rank}Q", chunk, dims_at)
    return None if dims and max(dims) >= _WRAPS else dims


def _number(
    chunk: bytes, at: int, type_size: int, cls: int, size: int
) -> tuple[np.dtype[Any], DType] | None:
    """numpy and nwbzarr types of a little-endian integer or IEEE float with no padding bits."""
    bits = chunk[at + 1] | chunk[at + 2] << 8 | chunk[at + 3] << 16
    if cls == _FIXED:
        if type_size < 12 or bits & 0x07 or size not in (1, 2, 4, 8):
            return None  # big-endian or padded
        offset, precision = _U16.unpack_from(chunk, at + 8)[0], _U16.unpack_from(chunk, at + 10)[0]
        if offset or precision != 8 * size:
            return None
        key = (cls, size, bits & 0x08)
    else:
        layout = _IEEE.get(size)
        if type_size < 20 or layout is None or bits & 0x4F or (bits >> 4) & 0x03 != 2:
            return None  # big-endian or VAX order, padded, or not an implied-one mantissa
        if ((bits >> 8) & 0xFF, *_FLOAT_FIELDS.unpack_from(chunk, at + 8)) != layout:
            return None
        key = (cls, size, 0)
    found = _NUMBERS.get(key)
    if found is None:
        kind = "f" if cls == _FLOAT else ("i" if key[2] else "u")
        np_dtype = np.dtype(f"<{kind}{size}")
        found = _NUMBERS[key] = (np_dtype, dtype_from_h5(np_dtype, "attribute"))
    return found


def _text(
    chunk: bytes,
    at: int,
    size: int,
    values_at: int,
    end: int,
    shape: tuple[int, ...],
    count: int,
    heap: HeapObjects,
) -> tuple[Any, DType] | None:
    """Variable-length text (null-terminated or null-padded; UTF-8 or ASCII) as h5py reads it:
    bytes up to the first NUL, ``b""`` for an empty value."""
    bits = chunk[at + 1] | chunk[at + 2] << 8
    dtype = _TEXT.get((bits >> 8) & 0x0F)
    if (
        bits & 0x0F != 1
        or (bits >> 4) & 0x0F > 1
        or dtype is None
        or size != heaps.HEAP_ID_FIELDS.size
    ):
        return None  # a sequence, space-padded, another character set, or other address sizes
    if values_at + count * size > end:
        return None
    items: list[bytes] = []
    for length, address, index in heaps.HEAP_ID_FIELDS.iter_unpack(
        chunk[values_at : values_at + count * size]
    ):
        if not length:
            items.append(b"")
            continue
        data = heap.get(address, index, length)
        if data is None:
            return None
        items.append(data.split(b"\x00", 1)[0])
    if not shape:
        return items[0], dtype
    values = np.empty(count, dtype=object)
    values[:] = items
    return values.reshape(shape), dtype


__all__ = ["HeapObjects", "decode_attribute"]
