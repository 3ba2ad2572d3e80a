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
from typing import NamedTuple

from nwbzarr.backends.hdf5.heaps import first_bad_id

MAX_CHUNKS = 4096
"""Header chunks followed per object at most (a damaged continuation list could be a cycle)."""
MAX_HEADER_BYTES = 16 << 20
"""Header bytes read per object at most."""

_ATTRIBUTE = 0x000C
_ATTRIBUTE_INFO = 0x0015
_CONTINUATION = 0x0010
_VLEN_CLASS = 9
_U32 = struct.Struct("<I")
_CONTINUATION_FIELDS = struct.Struct("<QQ")


class _Malformed(ValueError):
    """The header does not parse: left to libhdf5."""


Source = int | mmap.mmap
"""Where header bytes come from: a file descriptor, or the file mapped in memory (cheaper:
no system call per read)."""


def read_at(fd: Source, offset: int, length: int, file_size: int) -> bytes:
    """``length`` bytes at ``offset`` of the file (:class:`_Malformed` past its end)."""
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
    prefix = read_at(fd, addr, min(32, file_size - addr), file_size)
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
        return 2, read_at(fd, start, min(size, MAX_HEADER_BYTES), file_size), bool(flags & 0x04)
    if len(prefix) < 16 or prefix[0] != 1:
        raise _Malformed
    size = _U32.unpack_from(prefix, 8)[0]
    return 1, read_at(fd, addr + 16, min(size, MAX_HEADER_BYTES), file_size), False


_V1_HEAD = struct.Struct("<HH")
_V2_HEAD = struct.Struct("<BH")
_ATTRIBUTE_HEAD = struct.Struct("<BBHHH")  # version, flags, sizes of name, type, dataspace


class RawAttribute(NamedTuple):
    """Where one attribute message's parts lie in the header chunk that holds it."""

    chunk: bytes
    type_at: int
    type_size: int
    space_at: int
    values_at: int
    end: int
    flags: int  # bit 0: shared datatype, bit 1: shared dataspace


class HeaderAttributes(NamedTuple):
    """The attribute messages of one object header."""

    found: dict[str, RawAttribute]
    """By name."""
    listed: bool
    """Whether ``found`` is every attribute of the object and libhdf5 lists them by name
    (no attribute stored densely, in a fractal heap; creation order not tracked; no name twice):
    then a name not in ``found`` is no attribute of the object."""


def attribute_messages(
    fd: Source, addr: int, file_size: int, base: int = 0
) -> HeaderAttributes | None:
    """The attributes stored in the object header at byte ``addr`` of the file (read from
    ``fd``: :data:`Source`); None if the header does not parse here. ``base``: where HDF5
    addresses (of continuation chunks) start, the userblock's size.

    One loop over the messages of every chunk (continuations followed), reading fields in place:
    this runs once for each object whose attributes are read, ~3,000 per 1,000 series.
    """
    found: dict[str, RawAttribute] = {}
    count = 0
    listed = True
    try:
        version, chunk, ordered = _first_chunk(fd, addr, file_size)
        head, fields = (8, _V1_HEAD) if version == 1 else (6 if ordered else 4, _V2_HEAD)
        unpack = fields.unpack_from
        pending = [chunk]
        seen: set[int] = set()
        total = len(chunk)
        while pending:
            chunk = pending.pop()
            at, end = 0, len(chunk)
            while at + head <= end:
                kind, size = unpack(chunk, at)
                start = at + head
                at = start + size
                if kind == _ATTRIBUTE:
                    if at > end:
                        raise _Malformed
                    _add_attribute(found, chunk, start, at)
                    count += 1
                elif kind == _ATTRIBUTE_INFO:
                    listed = False  # attributes may be stored densely too
                elif kind == _CONTINUATION:
                    if at > end or size < 16:
                        raise _Malformed
                    offset, length = _CONTINUATION_FIELDS.unpack_from(chunk, start)
                    if (
                        offset in seen
                        or len(seen) >= MAX_CHUNKS
                        or total + length > MAX_HEADER_BYTES
                    ):
                        raise _Malformed
                    seen.add(offset)
                    total += length
                    block = read_at(fd, offset + base, length, file_size)
                    if version == 2:
                        if block[:4] != b"OCHK":
                            raise _Malformed
                        block = block[4:-4]  # signature and checksum
                    pending.append(block)
    except (_Malformed, OSError, struct.error, ValueError, IndexError):
        return None
    return HeaderAttributes(found, listed and not ordered and count == len(found))


def _add_attribute(found: dict[str, RawAttribute], chunk: bytes, start: int, end: int) -> None:
    """Add the attribute message at ``chunk[start:end]`` to ``found``."""
    if end - start < 8:
        raise _Malformed
    version, flags, name_size, type_size, space_size = _ATTRIBUTE_HEAD.unpack_from(chunk, start)
    if version == 1:  # name, datatype and dataspace each padded to 8 bytes
        name_at = start + 8
        type_at = name_at + ((name_size + 7) & ~7)
        space_at = type_at + ((type_size + 7) & ~7)
        values_at = space_at + ((space_size + 7) & ~7)
    elif version in {2, 3}:
        name_at = start + (8 if version == 2 else 9)
        type_at = name_at + name_size
        space_at = type_at + type_size
        values_at = space_at + space_size
    else:
        raise _Malformed
    if values_at > end:
        raise _Malformed
    name = chunk[name_at : name_at + name_size].split(b"\x00", 1)[0]
    found[name.decode("utf-8", "surrogateescape")] = RawAttribute(
        chunk, type_at, type_size, space_at, values_at, end, flags
    )


def variable_length_attributes(fd: Source, addr: int, file_size: int) -> dict[str, bytes] | None:
    """``{name: raw values}`` of the variable-length attributes stored in the object header at
    ``addr``; None if the header does not parse here."""
    header = attribute_messages(fd, addr, file_size)
    return None if header is None else variable_length_values(header.found)


def variable_length_values(found: dict[str, RawAttribute]) -> dict[str, bytes]:
    """The raw values (heap IDs) of the attributes of ``found`` whose type is variable-length
    (not shared: a shared datatype is stored elsewhere)."""
    return {
        name: raw.chunk[raw.values_at : raw.end]
        for name, raw in found.items()
        if not raw.flags & 0x01 and raw.type_size and raw.chunk[raw.type_at] & 0x0F == _VLEN_CLASS
    }


def damaged_attributes(
    fd: Source, addr: int, file_size: int, collections: dict[int, int]
) -> dict[str, str]:
    """``{attribute name: what is wrong}`` for the variable-length attributes of the object
    header at ``addr`` whose heap IDs declare more items than their collection (or, for a
    collection not known, the file) holds. Empty when the header does not parse here."""
    header = attribute_messages(fd, addr, file_size)
    return {} if header is None else damaged_values(header.found, collections, file_size)


def damaged_values(
    found: dict[str, RawAttribute], collections: dict[int, int], file_size: int
) -> dict[str, str]:
    """:func:`damaged_attributes` of attribute messages already parsed."""
    bad: dict[str, str] = {}
    for name, raw in variable_length_values(found).items():
        problem = first_bad_id(raw, collections, file_size)
        if problem is not None:
            bad[name] = problem
    return bad


__all__ = [
    "MAX_CHUNKS",
    "HeaderAttributes",
    "RawAttribute",
    "attribute_messages",
    "damaged_values",
    "read_at",
    "variable_length_values",
    "Source",
    "MAX_HEADER_BYTES",
    "damaged_attributes",
    "variable_length_attributes",
]
