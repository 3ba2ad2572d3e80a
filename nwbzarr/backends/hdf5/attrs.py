"""HDF5 attributes: read once per object on read-only files, with libhdf5's low-level API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from nwbzarr.backends.hdf5.guard import LIBHDF5_ERRORS, raise_damaged
from nwbzarr.backends.hdf5.types import TYPES, decode, dtype_from_h5, dtype_to_h5, encode, read_attr
from nwbzarr.dtypes import DType
from nwbzarr.errors import FormatError, NodeNotFoundError, NwbZarrError, ValidationError
from nwbzarr.tree import Attributes

if TYPE_CHECKING:
    from collections.abc import Iterator

    from nwbzarr.backends.hdf5.file import H5File

# Set on the root group while nwbzarr writes a new file, removed when writing completes.
INCOMPLETE_ATTR = "_NWBZARR_INCOMPLETE"


class H5Node:
    """What both node kinds keep: the low-level object id (``oid``) and the h5py object."""

    oid: Any
    h5file: H5File
    path: str
    addr: int | None = None
    """The object header's address when known from the link that led here (else looked up)."""

    @property
    def h5(self) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(slots=True)
class CachedAttrs:
    """The attributes of one object read so far (``complete``: all of them, ``names`` in
    order). An attribute nwbzarr cannot read is kept as its error, raised when it is asked
    for (or listed with its value), so that the others stay readable. Object references
    (``deferred``) are read when asked for: naming a reference's target makes libhdf5 search
    the whole file (~20-60 ms for 1,000 series), and reading all of an object's attributes
    is no reason to pay that (the root's ``.specloc``)."""

    values: dict[str, tuple[Any, DType]] = field(default_factory=dict)
    failed: dict[str, NwbZarrError] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    deferred: set[str] = field(default_factory=set)
    complete: bool = False


_NUMBER_CLASSES = (h5py.h5t.INTEGER, h5py.h5t.FLOAT)


def _name_order(name: str) -> bytes:
    """libhdf5's name order: the names' bytes compared (``strcmp``)."""
    return name.encode("utf-8", "surrogateescape")


class H5Attributes(Attributes):
    def __init__(self, node: H5Node) -> None:
        self._node = node

    @property
    def owner(self) -> str:
        return self._node.describe()

    def _names(self) -> list[str]:
        cached = self._cached()
        if cached is None:
            return self._stored_names()
        return list(self._every_of(cached).names)

    def _stored_names(self) -> list[str]:
        # h5py's ``attrs.__iter__`` (creation order where tracked, else name order): from the
        # object header where it lists them all (in name order), else from libhdf5
        header = self._node.h5file.node_header(self._node)
        if header is not None and header.listed:
            names = sorted(header.found, key=_name_order)
            return [name for name in names if name != INCOMPLETE_ATTR]
        names = []
        # a damaged attribute index can list more names than the file has bytes: stop there
        most = self._node.h5file.max_items

        def add(name: bytes, *_: Any) -> bool | None:
            names.append(name.decode("utf-8", "surrogateescape"))
            return True if len(names) > most else None  # not None: stop iterating

        oid = self._node.oid
        try:  # not ``with guarded()``: a hot path (every object's attributes are listed)
            plist = oid.get_create_plist()
            tracked = plist.get_attr_creation_order() & h5py.h5p.CRT_ORDER_TRACKED
            index = h5py.h5.INDEX_CRT_ORDER if tracked else h5py.h5.INDEX_NAME
            h5py.h5a.iterate(oid, add, index_type=index)
        except LIBHDF5_ERRORS as err:
            raise_damaged(err, self.owner)
        if len(names) > most:
            raise FormatError(
                f"{self.owner}: damaged HDF5 metadata: more attributes listed than the file "
                f"({self._node.h5file.size} bytes) can hold"
            )
        return [name for name in names if name != INCOMPLETE_ATTR]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or name == INCOMPLETE_ATTR:
            return False
        cached = self._cached()
        if cached is not None and (cached.complete or name in cached.values):
            return name in cached.values or name in cached.failed or name in cached.deferred
        try:
            return bool(h5py.h5a.exists(self._node.oid, name.encode("utf-8", "surrogateescape")))
        except LIBHDF5_ERRORS as err:
            raise_damaged(err, self.owner)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self._get(name)[0]
        except NodeNotFoundError:
            return default

    def _get(self, name: str) -> tuple[Any, DType]:
        cached = self._cached()
        if cached is None:
            return self._get_uncached(name)
        hit = cached.values.get(name)
        if hit is not None:
            return hit
        if name in cached.deferred:
            return self._read_deferred(cached, name)
        if not cached.complete and name != INCOMPLETE_ATTR:
            if not cached.values:  # the first lookup: maybe the only one, read just it
                hit = cached.values[name] = self._read_existing(name)
                return hit
            self._every_of(cached)  # another: they are being read, read them all
            hit = cached.values.get(name)
            if hit is not None:
                return hit
            if name in cached.deferred:
                return self._read_deferred(cached, name)
        failed = cached.failed.get(name)
        if failed is not None:
            raise failed
        raise NodeNotFoundError(f"{self.owner}: no attribute {name!r}")

    def items_typed(self) -> Iterator[tuple[str, Any, DType]]:
        cached = self._cached()
        if cached is None:
            for name, (value, dtype) in self.read_all().items():
                yield name, value, dtype
            return
        self._every_of(cached)
        for name in cached.names:
            failed = cached.failed.get(name)
            if failed is not None:
                raise failed
            if name in cached.deferred:
                value, dtype = self._read_deferred(cached, name)
            else:
                value, dtype = cached.values[name]
            yield name, value, dtype

    def _read_deferred(self, cached: CachedAttrs, name: str) -> tuple[Any, DType]:
        """A reference left out of :meth:`_every_of`, read now (its error kept, as theirs)."""
        cached.deferred.discard(name)
        try:
            hit = cached.values[name] = self._get_uncached(name)
        except NwbZarrError as err:
            cached.failed[name] = err
            raise
        return hit

    def _cached(self) -> CachedAttrs | None:
        """What was read of this object's attributes, on a file open read-only (else None)."""
        cache = self._node.h5file.attr_cache
        if cache is None:
            return None
        hit = cache.get(self._node.path)
        if hit is None:
            hit = cache[self._node.path] = CachedAttrs()
        return hit

    def _every_of(self, cached: CachedAttrs) -> CachedAttrs:
        """``cached`` with every attribute read, in one pass, once (read-only files).

        Listing the attributes reads them all (the values are wanted next, as a rule), and so
        does a second lookup of one (a reader of an object's fields wants most of them); the
        first lookup reads just that one: a reader that wants one attribute of each of many
        objects (the type of every group, say) pays for one each.
        """
        if not cached.complete:
            cached.names = self._stored_names()
            cached.failed = {}
            cached.deferred = set()
            known = cached.values  # read by earlier lookups: not read again
            unread = [name for name in cached.names if name not in known]
            read = self._read_named(unread, cached.failed, cached.deferred)
            cached.values = {  # in the listing's order
                name: known[name] if name in known else read[name]
                for name in cached.names
                if name in known or name in read
            }
            cached.complete = True
        return cached

    def read_all(
        self, failed: dict[str, NwbZarrError] | None = None
    ) -> dict[str, tuple[Any, DType]]:
        """``{name: (value, type)}`` of every attribute, in h5py's order, each opened once.

        An attribute that cannot be read raises; with ``failed``, it is left out and its error
        kept there instead (the others are still read).
        """
        return self._read_named(self._stored_names(), failed)

    def _read_named(
        self,
        names: list[str],
        failed: dict[str, NwbZarrError] | None,
        deferred: set[str] | None = None,
    ) -> dict[str, tuple[Any, DType]]:
        """Read ``names``; with ``deferred``, object references are only noted there."""
        out: dict[str, tuple[Any, DType]] = {}
        for name in names:
            try:
                value = self._read_one(name, deferred is not None)
                if value is None:
                    assert deferred is not None
                    deferred.add(name)
                else:
                    out[name] = value
            except NwbZarrError as err:
                if failed is None:
                    raise
                failed[name] = err
        return out

    def _read_one(self, name: str, defer_references: bool = False) -> tuple[Any, DType] | None:
        """One attribute known to exist, opened once. Numbers and variable-length text (nearly
        every attribute of an NWB file) are read with the type remembered from earlier
        attributes; anything else (references, compounds, fixed-length text, enums, empty
        dataspaces) takes :meth:`_get_uncached`; None: an object reference left unread
        (``defer_references``)."""

        def where() -> str:  # built only for an error or a type not seen yet
            return f"{self.owner} attribute {name!r}"

        decoded = self._node.h5file.attribute_value(self._node, name)
        if decoded is not None:
            return decoded
        try:
            aid = h5py.h5a.open(self._node.oid, name.encode("utf-8", "surrogateescape"))
            tid = aid.get_type()
            cls = tid.get_class()
            space = aid.get_space()
            kind = space.get_simple_extent_type()
            if kind == h5py.h5s.NULL:
                return self._get_uncached(name)
            if cls in _NUMBER_CLASSES:
                mtype, h5dtype, dtype = TYPES.number(tid, cls, where)
            elif cls == h5py.h5t.STRING and tid.is_variable_str():
                mtype, h5dtype, dtype = TYPES.text(tid, where)
                h5file = self._node.h5file
                if not h5file.heaps_ok:
                    h5file.check_heaps()
                h5file.check_attribute(self._node.oid, name, where, self._node.addr)
            elif defer_references and cls == h5py.h5t.REFERENCE:
                return None
            else:
                return self._get_uncached(name)
            shape = () if kind == h5py.h5s.SCALAR else space.shape
            if shape:
                self._node.h5file.check_fits(shape, where())
            raw = np.empty(shape, dtype=h5dtype)
            if raw.size:
                aid.read(raw, mtype=mtype)
            value = raw[()] if raw.ndim == 0 else raw
            return decode(value, dtype, self._node.h5file.refs), dtype
        except LIBHDF5_ERRORS as err:
            raise_damaged(err, where())

    def _read_existing(self, name: str) -> tuple[Any, DType]:
        """One attribute by name (:class:`NodeNotFoundError` if absent), read as
        :meth:`_read_one` reads the attributes it lists."""
        header = self._node.h5file.node_header(self._node)
        if header is not None and header.listed:
            exists = name in header.found
        else:
            try:
                exists = h5py.h5a.exists(self._node.oid, name.encode("utf-8", "surrogateescape"))
            except LIBHDF5_ERRORS as err:
                raise_damaged(err, f"{self.owner} attribute {name!r}")
        if not exists:
            raise NodeNotFoundError(f"{self.owner}: no attribute {name!r}")
        hit = self._read_one(name)
        assert hit is not None  # None only for references left unread, when asked to
        return hit

    def _get_uncached(self, name: str) -> tuple[Any, DType]:
        self._node.h5file.check_heaps()
        oid = self._node.oid
        key = name.encode("utf-8", "surrogateescape")
        try:
            if not h5py.h5a.exists(oid, key):
                raise NodeNotFoundError(f"{self.owner}: no attribute {name!r}")
            aid = h5py.h5a.open(oid, key)
            h5dtype, shape = aid.dtype, aid.shape
            where = f"{self.owner} attribute {name!r}"
            self._node.h5file.check_attribute(oid, name, where, self._node.addr)
            dtype = dtype_from_h5(h5dtype, where)
            if shape is None:  # HDF5 null dataspace
                return None, dtype
            self._node.h5file.check_fits(shape, where)
            return decode(read_attr(aid, h5dtype, shape), dtype, self._node.h5file.refs), dtype
        except LIBHDF5_ERRORS as err:
            raise_damaged(err, f"{self.owner} attribute {name!r}")

    def _set(self, name: str, value: Any, dtype: DType) -> None:
        # What h5py's ``attrs.create`` does (delete, then create with the logical type and
        # write with the bit-level one), through the low-level API: a third of its cost.
        h5file = self._node.h5file
        h5file.check_writable(f"set attribute {name!r}")
        if value is None:
            self._node.h5.attrs.create(name, h5py.Empty(dtype_to_h5(dtype)))
            return
        htype, mtype, h5dtype = h5file.types_for(dtype)
        try:
            data = np.asarray(encode(value, dtype, h5file.refs), dtype=h5dtype)
        except OverflowError as err:
            raise ValidationError(
                f"{self.owner} attribute {name!r}: {value!r} does not fit {h5dtype}: {err}"
            ) from err
        oid = self._node.oid
        key = name.encode("utf-8", "surrogateescape")
        if h5py.h5a.exists(oid, key):
            h5py.h5a.delete(oid, key)
        aid = h5py.h5a.create(oid, key, htype, h5py.h5s.create_simple(data.shape))
        try:
            aid.write(data, mtype=mtype)
        except BaseException:
            aid.close()
            h5py.h5a.delete(oid, key)
            raise
        aid.close()

    def _delete(self, name: str) -> None:
        self._node.h5file.check_writable(f"delete attribute {name!r}")
        del self._node.h5.attrs[name]


__all__ = ["INCOMPLETE_ATTR", "CachedAttrs", "H5Attributes", "H5Node"]
