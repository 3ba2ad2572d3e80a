"""Variable-length attribute values checked in their object header before libhdf5 reads them.

A variable-length value (text, sequence) is stored as a heap ID: its length (4 bytes), the
address of its global heap collection (8) and its index there (4). libhdf5 allocates and clears
a buffer of ``length`` items before it looks at the heap, and only then finds that the object
is smaller: a damaged length of 2**31 costs gigabytes and seconds (more than a reader's time
limit on a loaded machine). Heap IDs of datasets are in their raw data (:mod:`.heaps`); those
of attributes are in the object header, which h5py does not expose, so the header is read here:
its chunks (version 1 and 2, continuation chunks followed), its attribute messages (versions 1
to 3), and the heap IDs of every attribute whose type is variable-length.

An object header is parsed once per object, only when one of its variable-length attributes is
read from a local file. What this parser does not follow (attributes stored densely in a
fractal heap, shared datatypes, addresses of other than 8 bytes) is left to libhdf5; a header
this parser finds malformed is left to libhdf5 too, which reports its own errors.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator

from nwbzarr.backends.hdf5.heaps import first_bad_id

MAX_CHUNKS = 4096
"""Header chunks followed per object at most (a damaged continuation list could be a cycle)."""
MAX_HEADER_BYTES = 16 << 20
"""Header bytes read per object at most."""

_ATTRIBUTE = 0x000C
_CONTINUATION = 0x0010
_VLEN_CLASS = 9
_U32 = struct.Struct("<I")
_CONTINUATION_FIELDS = struct.Struct("<QQ")


class _Malformed(Exception):
    """The header does not parse: left to libhdf5."""


Source = int | mmap.mmap
"""Where header bytes come from: a file descriptor, or the file mapped in memory (cheaper:
no system call per read)."""


def _read(fd: Source, offset: int, length: int, file_size: int) -> bytes:
    if offset < 0 or length < 0 or offset + length > file_size:
        raise _Malformed
    data = (
        fd[offset : offset + length] if isinstance(fd, mmap.mmap) else os.pread(fd, length, offset)
    )
    if len(data) != length:
        raise _Malformed
    return data


def _first_chunk(fd: Source, addr: int, file_size: int) -> tuple[int, bytes, bool]:
    """``(version, message bytes, has creation order)`` of the header's first chunk."""
    prefix = _read(fd, addr, min(32, file_size - addr), file_size)
    if prefix[:4] == b"OHDR":
        if len(prefix) < 7 or prefix[4] != 2:
            raise _Malformed
        flags = prefix[5]
        at = 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 0x03)
        if at + width > len(prefix):
            raise _Malformed
        size = int.from_bytes(prefix[at : at + width], "little")
        start = addr + at + width
        return 2, _read(fd, start, min(size, MAX_HEADER_BYTES), file_size), bool(flags & 0x04)
    if len(prefix) < 16 or prefix[0] != 1:
        raise _Malformed
    size = _U32.unpack_from(prefix, 8)[0]
    return 1, _read(fd, addr + 16, min(size, MAX_HEADER_BYTES), file_size), False


_V1_HEAD = struct.Struct("<HH")
_V2_HEAD = struct.Struct("<BH")
_WANTED = (_ATTRIBUTE, _CONTINUATION)


def _messages(chunk: bytes, version: int, ordered: bool) -> list[tuple[int, bytes]]:
    """``(type, data)`` of the attribute and continuation messages of one chunk."""
    head, fields = (8, _V1_HEAD) if version == 1 else (6 if ordered else 4, _V2_HEAD)
    out = []
    at, end = 0, len(chunk)
    unpack = fields.unpack_from
    while at + head <= end:
        kind, size = unpack(chunk, at)
        start = at + head
        at = start + size
        if kind in _WANTED:
            if at > end:
                raise _Malformed
            out.append((kind, chunk[start:at]))
    return out


def _chunks(fd: Source, addr: int, file_size: int) -> Iterator[bytes]:
    """The data of every attribute message of the header at ``addr``, all its chunks."""
    version, chunk, ordered = _first_chunk(fd, addr, file_size)
    pending = [chunk]
    seen: set[int] = set()
    total = len(chunk)
    while pending:
        for kind, data in _messages(pending.pop(), version, ordered):
            if kind == _ATTRIBUTE:
                yield data
                continue
            if len(data) < 16:
                raise _Malformed
            offset, length = _CONTINUATION_FIELDS.unpack_from(data)
            if offset in seen or len(seen) >= MAX_CHUNKS or total + length > MAX_HEADER_BYTES:
                raise _Malformed
            seen.add(offset)
            total += length
            block = _read(fd, offset, length, file_size)
            if version == 2:
                if block[:4] != b"OCHK":
                    raise _Malformed
                block = block[4:-4]  # signature and checksum
            pending.append(block)


_ATTRIBUTE_HEAD = struct.Struct("<BBHHH")  # version, flags, sizes of name, type, dataspace


def _vlen_attribute(data: bytes) -> tuple[str, bytes] | None:
    """``(name, raw values)`` of an attribute message whose type is variable-length."""
    version, flags, name_size, type_size, space_size = _ATTRIBUTE_HEAD.unpack_from(data)
    if version == 1:  # name, datatype and dataspace each padded to 8 bytes
        type_at = 8 + ((name_size + 7) & ~7)
        values_at = type_at + ((type_size + 7) & ~7) + ((space_size + 7) & ~7)
        name_at = 8
    elif version in {2, 3}:
        name_at = 8 if version == 2 else 9
        type_at = name_at + name_size
        values_at = type_at + type_size + space_size
    else:
        raise _Malformed
    if flags & 0x01 or not type_size or data[type_at] & 0x0F != _VLEN_CLASS:
        return None  # a shared (committed) datatype, or not variable-length
    name = data[name_at : name_at + name_size].split(b"\x00", 1)[0]
    return name.decode("utf-8", "surrogateescape"), data[values_at:]


def variable_length_attributes(fd: Source, addr: int, file_size: int) -> dict[str, bytes] | None:
    """``{name: raw values}`` of the variable-length attributes stored in the object header at
    ``addr`` (read from ``fd``: :data:`Source`); None if the header does not parse here."""
    found: dict[str, bytes] = {}
    try:
        for data in _chunks(fd, addr, file_size):
            attribute = _vlen_attribute(data)
            if attribute is not None:
                found[attribute[0]] = attribute[1]
    except (_Malformed, OSError, struct.error, ValueError, IndexError):
        return None
    return found


def damaged_attributes(
    fd: Source, addr: int, file_size: int, collections: dict[int, int]
) -> dict[str, str]:
    """``{attribute name: what is wrong}`` for the variable-length attributes of the object
    header at ``addr`` whose heap IDs declare more items than their collection (or, for a
    collection not known, the file) holds. Empty when the header does not parse here."""
    bad: dict[str, str] = {}
    for name, raw in (variable_length_attributes(fd, addr, file_size) or {}).items():
        problem = first_bad_id(raw, collections, file_size)
        if problem is not None:
            bad[name] = problem
    return bad


__all__ = [
    "MAX_CHUNKS",
    "Source",
    "MAX_HEADER_BYTES",
    "damaged_attributes",
    "variable_length_attributes",
]
