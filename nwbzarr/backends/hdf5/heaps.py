"""Global heap collections checked before libhdf5 reads variable-length values from them.

Variable-length strings and sequences live in the file's global heap: collections (signature
``GCOL``) of objects, each with a 16-byte header (index, reference count, size). libhdf5 walks
a collection's objects when it first loads it and advances by each object's size; the free-space
object (index 0) advances by its size alone, so a collection damaged to hold a zero-sized free
object (a zeroed 512-byte block inside it is enough) makes libhdf5 loop forever, holding the
GIL: no timeout in the process can stop it.

nwbzarr walks every collection of a local file the same way before the first variable-length
value is read, with a step of at least one byte, and refuses the file if a walk would not end.
The walk costs one pass over the file at memory speed (a search for the signature), once per
open file, and only when variable-length data is read; files larger than
:data:`SCAN_LIMIT` and files read through file objects (remote) are not walked.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator

import numpy as np

from nwbzarr.errors import FormatError

SIGNATURE = b"GCOL"
HEADER = 16  # signature, version, 3 reserved bytes, collection size (8 bytes)
OBJECT_HEADER = 16  # index (2), reference count (2), reserved (4), size (8)
SCAN_LIMIT = 64 << 20
"""Files up to this size are walked (about 10 ms for a 4 MB file of 1,000 series); larger ones
are not (the search alone costs about a second per 400 MB)."""

_OBJECT = struct.Struct("<HHIQ")
_SIZE_T = (1 << 64) - 1
_WRAPS = 1 << 63
"""A step this large moves libhdf5's pointer past the end of memory: it wraps around."""
_U64 = struct.Struct("<Q")


def _align(n: int) -> int:
    return (n + 7) & ~7


def walk_objects(heap: bytes | mmap.mmap, at: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """``(offset, index, size, step)`` of each object of the global heap collection at
    ``heap[at]`` whose objects end at ``end``, stepping as libhdf5 does: in its size_t
    arithmetic, the free-space object (index 0) by its size alone. The walk stops after an
    object whose step would not advance it (:func:`stalls`), and where too few bytes are left
    for an object (free space)."""
    p = at + HEADER
    while p + OBJECT_HEADER <= end:
        index, _refs, _reserved, length = _OBJECT.unpack_from(heap, p)
        # a size near 2**64 wraps the step to zero or to a step backwards, not past the end
        step = (OBJECT_HEADER + _align(length) if index else length) & _SIZE_T
        yield p, index, length, step
        if stalls(step):
            return
        p += step


def stalls(step: int) -> bool:
    """Whether libhdf5's walk of a collection does not get past a step: zero, or so large
    that its pointer wraps around."""
    return step == 0 or step >= _WRAPS


def stalled_object(heap: bytes | mmap.mmap, at: int) -> int | None:
    """Offset of the object where libhdf5's walk of the collection at ``at`` would stall (an
    object whose size, in libhdf5's 64-bit arithmetic, does not advance the walk: zero, or so
    large that the pointer wraps around), or None if the walk ends or this is not a
    collection libhdf5 would load (it reports those itself)."""
    if heap[at + 4 : at + 5] != b"\x01" or at + HEADER > len(heap):
        return None
    size = _U64.unpack_from(heap, at + 8)[0]
    if size < HEADER or size > len(heap) - at:
        return None  # libhdf5 refuses a collection that does not fit in the file
    for p, _index, _length, step in walk_objects(heap, at, at + size):
        if stalls(step):
            return p
    return None


def check_file(path: str, where: str) -> dict[int, int]:
    """Walk every global heap collection of the local file at ``path`` as libhdf5 would;
    :class:`FormatError` naming the first one whose walk would not end. The collections found:
    ``{address: size}`` (empty for files that are not walked)."""
    found: dict[int, int] = {}
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < HEADER or size > SCAN_LIMIT:
            return found
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            at = data.find(SIGNATURE)
            while at >= 0:
                stalled = stalled_object(data, at)
                if stalled is not None:
                    length = _U64.unpack_from(data, stalled + 8)[0]
                    raise FormatError(
                        f"{where}: damaged HDF5 metadata: the global heap collection at byte "
                        f"{at} holds an object of size {length} at byte {stalled}, which "
                        "libhdf5's walk does not get past (reading its variable-length values "
                        "would never end)"
                    )
                found[at] = _U64.unpack_from(data, at + 8)[0] if at + HEADER <= size else 0
                at = data.find(SIGNATURE, at + 4)
    return found


_HEAP_ID = np.dtype([("length", "<u4"), ("address", "<u8"), ("index", "<u4")])
HEAP_ID_FIELDS = struct.Struct("<IQI")
"""A heap ID as stored: length, collection address, object index."""
_FEW_IDS = 16


def first_bad_id(raw: bytes, collections: dict[int, int], file_size: int) -> str | None:
    """What is wrong with the first damaged heap ID in ``raw`` (heap IDs as stored: length,
    collection address, index), or None. libhdf5 allocates ``length`` items before it looks at
    the address, so a damaged length of 2**31 costs gigabytes. A length must fit in the
    collection it names, or in the file for a collection not known (when ``collections`` is
    empty: the file was not walked); with ``collections`` known, the collection must exist."""
    if len(raw) <= _FEW_IDS * _HEAP_ID.itemsize:  # an attribute's few values: no numpy
        for length, address, _index in HEAP_ID_FIELDS.iter_unpack(raw[: len(raw) & ~15]):
            limit = collections.get(address, -1) if collections else file_size
            if length and length > limit:
                return _bad_id(length, address, limit)
        return None
    ids = np.frombuffer(raw, _HEAP_ID, count=len(raw) // _HEAP_ID.itemsize)
    used = ids[ids["length"] > 0]
    if not used.size:
        return None
    if collections:
        bound = np.array([collections.get(int(a), -1) for a in used["address"]], dtype=np.int64)
    else:
        bound = np.full(len(used), file_size, dtype=np.int64)
    bad = np.flatnonzero((bound < 0) | (used["length"].astype(np.int64) > bound))
    if not bad.size:
        return None
    first = used[bad[0]]
    return _bad_id(int(first["length"]), int(first["address"]), int(bound[bad[0]]))


def _bad_id(length: int, address: int, limit: int) -> str:
    return (
        f"damaged variable-length value: {length} items in the global heap collection at "
        f"byte {address}, which " + ("does not exist" if limit < 0 else f"holds {limit} bytes")
    )


def check_ids(raw: bytes, collections: dict[int, int], file_size: int, where: str) -> None:
    """Heap IDs of variable-length values (as stored in a dataset's raw data) checked before
    libhdf5 follows them (:func:`first_bad_id`): :class:`FormatError` naming ``where``."""
    problem = first_bad_id(raw, collections, file_size)
    if problem is not None:
        raise FormatError(f"{where}: {problem}")


__all__ = [
    "HEADER",
    "OBJECT_HEADER",
    "stalls",
    "walk_objects",
    "HEAP_ID_FIELDS",
    "SCAN_LIMIT",
    "check_file",
    "check_ids",
    "first_bad_id",
    "stalled_object",
]
