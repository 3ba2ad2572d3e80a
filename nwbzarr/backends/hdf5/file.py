"""HDF5 files: opening (local paths, families, file objects), the incomplete marker, closing."""

from __future__ import annotations

import math
import mmap
import os
import re
import sys
from collections.abc import Callable, Hashable
from typing import Any

import h5py
import numpy as np

from nwbzarr.backends.hdf5 import headers, heaps
from nwbzarr.backends.hdf5.attrs import INCOMPLETE_ATTR, CachedAttrs, H5Node
from nwbzarr.backends.hdf5.attrvalues import HeapObjects, decode_attribute
from nwbzarr.backends.hdf5.guard import LIBHDF5_ERRORS, raise_damaged
from nwbzarr.backends.hdf5.nodes import H5Group
from nwbzarr.backends.hdf5.types import Refs, decode, dtype_to_h5
from nwbzarr.dtypes import DType
from nwbzarr.errors import FormatError, IncompleteFileError
from nwbzarr.tree import File, Group


def _lcpl(cset: int) -> Any:
    lcpl = h5py.h5p.create(h5py.h5p.LINK_CREATE)
    lcpl.set_create_intermediate_group(True)
    lcpl.set_char_encoding(cset)
    return lcpl


_LCPL = {cset: _lcpl(cset) for cset in (h5py.h5t.CSET_ASCII, h5py.h5t.CSET_UTF8)}


_NONE_DAMAGED: dict[str, str] = {}
MAX_PARSED = 8192
"""Parsed object headers kept per file (a few hundred bytes each)."""


class H5File(File):
    format = "hdf5"

    def __init__(
        self,
        location: str,
        mode: str = "r",
        *,
        fileobj: Any = None,
        page_size: int | None = None,
        driver: str | None = None,
        **h5_kwargs: Any,
    ) -> None:
        super().__init__(location, mode)
        kwargs: dict[str, Any] = dict(h5_kwargs)
        target: Any = fileobj if fileobj is not None else location
        if fileobj is None and "%d" in location and not os.path.exists(location):
            kwargs.setdefault("driver", "family")
            # an existing family tells its member size (0 infers it); new ones get 2 GiB - 1
            kwargs.setdefault("memb_size", 2**31 - 1 if mode in ("w", "w-", "x") else 0)
        if driver is not None:
            kwargs["driver"] = driver
        if mode in ("w", "w-", "x") and page_size:
            kwargs.update(fs_strategy="page", fs_page_size=page_size, fs_persist=True)
        if mode in ("w", "w-", "x"):
            kwargs.setdefault("libver", "earliest")
        try:
            self.h5 = h5py.File(target, mode, **kwargs)
        except FileNotFoundError:
            raise
        except LIBHDF5_ERRORS as err:
            hint = ""
            member = re.fullmatch(r"(.*?)(\d+)(\.[^./]+)", os.path.basename(location))
            pattern = (
                os.path.join(os.path.dirname(location), f"{member[1]}%d{member[3]}")
                if member
                else ""
            )
            if member and os.path.exists(pattern % 0) and os.path.exists(pattern % 1):
                hint = f" (this looks like one member of an HDF5 family: open {pattern!r})"
            raise FormatError(f"{location}: cannot open as HDF5 ({mode=}): {err}{hint}") from err
        self.refs = Refs(self.h5)
        read_only = mode == "r"
        try:
            self.size = max(int(self.h5.id.get_filesize()), 1)
            # Most members or attributes one object can list (each takes more than one byte of
            # the file): a damaged index that lists more is refused. No bound while writing.
            self.max_items = self.size + 1024 if read_only else sys.maxsize
            self._root = H5Group(self, "/", self.h5.id, self.h5)
        except LIBHDF5_ERRORS as err:
            self.h5.close()
            raise_damaged(err, f"{location}:/")
        local = fileobj is None and driver is None and "driver" not in kwargs
        self._init_caches(read_only, local)
        if mode in ("w", "w-", "x"):
            self.h5.attrs[INCOMPLETE_ATTR] = "writing"
            self.h5.flush()
        elif self._marked_incomplete(location):  # any mode: closing r+/a would hide it
            self.h5.close()
            raise IncompleteFileError(
                f"{location}: incomplete file: nwbzarr was still writing it when it stopped "
                "(re-run the conversion or the write)"
            )

    def _init_caches(self, read_only: bool, local: bool) -> None:
        """What is read once per file: members and attributes of read-only files; the global
        heap walk and parsed object headers of local read-only ones."""
        # A file open read-only does not change under us: members and attributes are looked
        # up once (the typed model asks for the same ones several times).
        self.member_cache: dict[tuple[str, str], Any] | None = {} if read_only else None
        self.attr_cache: dict[str, CachedAttrs] | None = {} if read_only else None
        self._types: dict[Hashable, tuple[Any, Any, np.dtype[Any]]] = {}
        # global heaps are walked before the first variable-length value is read (heaps.py)
        self.heaps_ok = not (read_only and local)
        self._heap_error: FormatError | None = None
        self.heaps: dict[int, int] = {}  # global heap collections: address -> size
        # attribute heap IDs are checked in object headers read through libhdf5's own file
        # descriptor (local files only): per object, its damaged attributes (headers.py)
        self._header_check = not self.heaps_ok
        self._headers: headers.Source | None = None  # opened on first use
        self._damaged_attrs: dict[int, dict[str, str]] = {}
        self._parsed: dict[int, headers.HeaderAttributes | None] = {}
        self._heap_objects: HeapObjects | None = None
        self.base = 0  # where HDF5 addresses start in the file: after the userblock
        if self._header_check:
            self._check_layout()

    def _check_layout(self) -> None:
        """Parsing headers and heap IDs here assumes 8-byte addresses and lengths (what
        libhdf5 writes by default); other files are left to libhdf5 alone. Addresses count
        from the end of the userblock, if any."""
        try:
            fcpl = self.h5.id.get_create_plist()
            sizes, self.base = fcpl.get_sizes(), int(fcpl.get_userblock())
        except LIBHDF5_ERRORS:
            sizes = (0, 0)
        if tuple(sizes) != (8, 8):
            self._header_check = False
            self.heaps_ok = True

    def _marked_incomplete(self, location: str) -> bool:
        try:
            return bool(h5py.h5a.exists(self.h5.id, INCOMPLETE_ATTR.encode()))
        except LIBHDF5_ERRORS as err:
            self.h5.close()
            raise_damaged(err, f"{location}:/")

    @property
    def root(self) -> Group:
        return self._root

    def check_heaps(self) -> None:
        """Walk the file's global heap collections once, before variable-length values are
        read (:mod:`.heaps`); a collection libhdf5 would loop on refuses every such read."""
        if self.heaps_ok:
            return
        if self._heap_error is None:
            try:
                found = heaps.check_file(self.location, self.location)
                self.heaps = {at - self.base: size for at, size in found.items()}
            except FormatError as err:
                self._heap_error = err
            except OSError:
                pass  # not a plain local file after all: libhdf5 reads it as it can
        if self._heap_error is not None:
            raise FormatError(*self._heap_error.args)
        self.heaps_ok = True

    def _header_source(self) -> headers.Source | None:
        """Where object headers are read from: libhdf5's own file descriptor, mapped in memory
        for files the global heap walk maps too (the others: read with a call per header)."""
        try:
            handle = self.h5.id.get_vfd_handle()
        except LIBHDF5_ERRORS:
            return None
        if not isinstance(handle, int) or handle < 0:
            return None
        if self.size > heaps.SCAN_LIMIT:
            return handle
        try:
            return mmap.mmap(handle, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return handle

    def header_attributes(
        self, oid: Any, addr: int | None, where: str | Callable[[], str]
    ) -> headers.HeaderAttributes | None:
        """The attribute messages of ``oid``'s object header, parsed once (:mod:`.headers`);
        None where headers are not parsed (remote or written files) or this one does not parse.
        ``addr``: the header's address if known (a hard link's target), else looked up (~10 us
        a call)."""
        if not self._header_check:
            return None
        if self._headers is None:
            self._headers = self._header_source()
            if self._headers is None:
                self._header_check = False
                return None
        return self._parsed_at(self._address(oid, addr, where))

    def _address(self, oid: Any, addr: int | None, where: str | Callable[[], str]) -> int:
        if addr is not None:
            return addr
        try:
            return int(h5py.h5o.get_info(oid).addr)
        except LIBHDF5_ERRORS as err:
            raise_damaged(err, where if isinstance(where, str) else where())

    def _parsed_at(self, addr: int) -> headers.HeaderAttributes | None:
        """The parsed header at ``addr``: at most :data:`MAX_PARSED` are kept (each holds its
        header's bytes), the oldest dropped first (parsed again if asked for again)."""
        parsed = self._parsed
        if addr in parsed:
            return parsed[addr]
        assert self._headers is not None
        if len(parsed) >= MAX_PARSED:
            for old in list(parsed)[: MAX_PARSED // 8]:
                del parsed[old]
                self._damaged_attrs.pop(old, None)
        found = parsed[addr] = headers.attribute_messages(
            self._headers, addr + self.base, self.size, self.base
        )
        return found

    def node_header(self, node: H5Node) -> headers.HeaderAttributes | None:
        """:meth:`header_attributes` of ``node`` (its address remembered once looked up)."""
        if not self._header_check:
            return None
        if node.addr is None:
            try:
                node.addr = int(h5py.h5o.get_info(node.oid).addr)
            except LIBHDF5_ERRORS as err:
                raise_damaged(err, node.describe())
        return self.header_attributes(node.oid, node.addr, node.describe)

    def has_attribute(self, oid: Any, addr: int | None, name: str, where: str) -> bool | None:
        """Whether ``oid`` has the attribute ``name``, from its object header; None: ask
        libhdf5 (the header does not list every attribute, or is not parsed)."""
        header = self.header_attributes(oid, addr, where)
        if header is None or not header.listed:
            return None
        return name in header.found

    def attribute_value(self, node: H5Node, name: str) -> tuple[Any, DType] | None:
        """``(value, type)`` of the attribute ``name`` of ``node`` decoded from its object
        header (:mod:`.attrvalues`: numbers and variable-length text, as libhdf5 + h5py read
        them); None: read it through libhdf5 (not decoded here, not in the header, or headers
        not parsed)."""
        header = self.node_header(node)
        raw = None if header is None else header.found.get(name)
        if raw is None:
            return None
        if self._heap_objects is None:
            assert self._headers is not None
            self._heap_objects = HeapObjects(self._headers, self.size, self.base)
        hit = decode_attribute(raw, self._heap_objects)
        if hit is None:
            return None
        value, dtype = hit
        return (value if isinstance(dtype, np.dtype) else decode(value, dtype, self.refs)), dtype

    def check_attribute(
        self, oid: Any, name: str, where: str | Callable[[], str], addr: int | None = None
    ) -> None:
        """Refuse (:class:`FormatError`) to read the variable-length attribute ``name`` of the
        object ``oid`` if a heap ID of it declares more items than its collection holds
        (:mod:`.headers`: libhdf5 would allocate them first). Call after :meth:`check_heaps`.
        ``addr``: the object header's address if known (a hard link's target), else looked up
        (~10 us a call, for each of the file's objects)."""
        if not self._header_check:
            return
        addr = self._address(oid, addr, where)
        damaged = self._damaged_attrs.get(addr)
        if damaged is None:
            header = self.header_attributes(oid, addr, where)
            if header is None:
                return
            damaged = headers.damaged_values(header.found, self.heaps, self.size)
            self._damaged_attrs[addr] = damaged or _NONE_DAMAGED
        problem = damaged.get(name)
        if problem is not None:
            raise FormatError(f"{where if isinstance(where, str) else where()}: {problem}")

    def check_fits(self, shape: tuple[int, ...], where: str) -> None:
        """Values stored in the file's metadata (attributes) hold at most one element per byte
        of the file: a larger declared shape is damage, refused before it is allocated."""
        if shape and math.prod(shape) > self.size and self.max_items != sys.maxsize:
            raise FormatError(
                f"{where}: damaged HDF5 metadata: shape {shape} has more elements than the "
                f"file has bytes ({self.size})"
            )

    def types_for(self, dtype: DType) -> tuple[Any, Any, np.dtype[Any]]:
        """HDF5 types of ``dtype``: logical (to create with), bit-level (to write with), numpy."""
        hit = self._types.get(dtype)
        if hit is None:
            h5dtype = dtype_to_h5(dtype)
            hit = (
                h5py.h5t.py_create(h5dtype, logical=True),
                h5py.h5t.py_create(h5dtype),
                h5dtype,
            )
            self._types[dtype] = hit
        return hit

    def link_name(self, name: str) -> tuple[bytes, Any]:
        """``name`` encoded, and the link creation list h5py would use for it."""
        try:
            return name.encode("ascii"), _LCPL[h5py.h5t.CSET_ASCII]
        except UnicodeEncodeError:
            return name.encode("utf-8", "surrogateescape"), _LCPL[h5py.h5t.CSET_UTF8]

    @property
    def gcpl(self) -> Any:
        """Group creation list as h5py makes it: no times, creation order if configured."""
        gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
        if h5py.get_config().track_order:
            flags = h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED
            gcpl.set_link_creation_order(flags)
            gcpl.set_attr_creation_order(flags)
        gcpl.set_obj_track_times(False)
        return gcpl

    @property
    def dcpl(self) -> Any:
        """Creation list of a contiguous dataset as h5py makes it (no times)."""
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_obj_track_times(False)
        return dcpl

    def flush(self) -> None:
        if self.writable and not self.closed:
            self.h5.flush()

    def _close(self, commit: bool) -> None:
        if isinstance(self._headers, mmap.mmap):
            self._headers.close()
        self._headers = None
        if commit and INCOMPLETE_ATTR in self.h5.attrs:
            # Everything reaches the file before the marker goes: libhdf5 flushes its caches
            # in no set order, so a kill during close() could otherwise leave the marker's
            # removal on disk without data written before it.
            self.h5.flush()
            del self.h5.attrs[INCOMPLETE_ATTR]
        self.h5.close()


__all__ = ["H5File"]
