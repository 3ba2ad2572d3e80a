"""HDF5 backend (h5py): translates HDF5 objects to and from nodes, and nothing else.

Links are never followed by h5py here: every member is looked up with ``getlink=True`` so that
soft and external links surface as :class:`SoftLink` / :class:`ExternalLink` values and are
followed by the tree, under the file's link policy.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

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
from nwbzarr.errors import (
    FormatError,
    IncompleteFileError,
    NodeNotFoundError,
    NwbZarrError,
    UnsupportedFeatureError,
    ValidationError,
)
from nwbzarr.filters import HDF5_NAMES, HDF5_WRITABLE, canonical
from nwbzarr.storage import guess_format_from_name
from nwbzarr.tree import (
    Array,
    ArraySpec,
    Attributes,
    ExternalLink,
    File,
    Filter,
    Group,
    Link,
    Reference,
    SoftLink,
    block_shape,
)

# Set on the root group while nwbzarr writes a new file, removed when writing completes.
INCOMPLETE_ATTR = "_NWBZARR_INCOMPLETE"
# A group or dataset carrying this attribute is a link to a Zarr store or a URL (DESIGN.md).
EXTERNAL_LINK_ATTR = "_EXTERNAL_LINK"
EXTERNAL_LINK_KEY = EXTERNAL_LINK_ATTR.encode()
DEFAULT_CHUNK_BYTES = 1 << 20


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
_ALL = slice(None)


def _whole(key: tuple[Any, ...]) -> bool:
    """True if ``key`` (normalized) selects every element."""
    return all(type(k) is slice and k == _ALL for k in key)


def _lcpl(cset: int) -> Any:
    lcpl = h5py.h5p.create(h5py.h5p.LINK_CREATE)
    lcpl.set_create_intermediate_group(True)
    lcpl.set_char_encoding(cset)
    return lcpl


_LCPL = {cset: _lcpl(cset) for cset in (h5py.h5t.CSET_ASCII, h5py.h5t.CSET_UTF8)}


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
class _Refs:
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


def decode(raw: Any, dtype: DType, refs: _Refs) -> Any:
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


def encode(values: Any, dtype: DType, refs: _Refs) -> Any:
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


# --------------------------------------------------------------------------------------------
# attributes
# --------------------------------------------------------------------------------------------
def _raise_damaged(err: RuntimeError | OSError, where: str) -> NoReturn:
    """h5py reports much metadata damage as RuntimeError (or OSError): raise a FormatError.

    Called from ``except (RuntimeError, OSError)`` on hot paths (a context manager costs more
    than the lookup it guards); :func:`_damaged` is the same for the rest.
    """
    if isinstance(err, FileNotFoundError | NwbZarrError):
        raise err
    raise FormatError(f"{where}: damaged HDF5 metadata: {err}") from err


@contextlib.contextmanager
def _damaged(where: str) -> Iterator[None]:
    try:
        yield
    except (RuntimeError, OSError) as err:
        _raise_damaged(err, where)


def _read_attr(aid: Any, dtype: np.dtype[Any], shape: tuple[int, ...]) -> Any:
    """The value of an open attribute (what h5py's ``attrs[name]`` does, without reopening it)."""
    if dtype.subdtype is not None:
        raise UnsupportedFeatureError(f"array-typed attribute elements {dtype} are not supported")
    arr = np.zeros(shape, dtype=dtype, order="C")
    if arr.size:
        aid.read(arr, mtype=None if dtype.kind in "iuf" else h5py.h5t.py_create(dtype))
    return arr[()] if arr.ndim == 0 else arr


class _TypeMemo:
    """What an attribute's HDF5 type reads as, remembered per file type (cheap checks first).

    h5py builds a numpy dtype for every type it is asked about (~7-10 us); the attributes of an
    NWB file use a handful of types. Numbers are matched exactly (``H5Tequal``) against the types
    seen before; variable-length text only differs by character set.
    """

    def __init__(self) -> None:
        self._numbers: dict[tuple[int, int], list[tuple[Any, Any, np.dtype[Any], DType]]] = {}
        self._text: dict[int, tuple[Any, np.dtype[Any], DType]] = {}

    def number(self, tid: Any, cls: int, where: str) -> tuple[Any, np.dtype[Any], DType]:
        """``(memory type, numpy dtype, nwbzarr type)``; read with the memory type h5py would
        use (conversions such as a precision narrower than the size happen in libhdf5)."""
        seen = self._numbers.setdefault((cls, tid.get_size()), [])
        for known, mtype, h5dtype, dtype in seen:
            if tid.equal(known):
                return mtype, h5dtype, dtype
        h5dtype = tid.dtype
        hit = (h5py.h5t.py_create(h5dtype), h5dtype, dtype_from_h5(h5dtype, where))
        seen.append((tid.copy(), *hit))
        return hit

    def text(self, tid: Any, where: str) -> tuple[Any, np.dtype[Any], DType]:
        cset = tid.get_cset()
        hit = self._text.get(cset)
        if hit is None:
            h5dtype = tid.dtype
            hit = self._text[cset] = (
                h5py.h5t.py_create(h5dtype),
                h5dtype,
                dtype_from_h5(h5dtype, where),
            )
        return hit


_TYPES = _TypeMemo()


@dataclass(slots=True)
class _CachedAttrs:
    """The attributes of one object read so far (``complete``: all of them, ``names`` in
    order). An attribute nwbzarr cannot read is kept as its error, raised when it is asked
    for (or listed with its value), so that the others stay readable."""

    values: dict[str, tuple[Any, DType]] = field(default_factory=dict)
    failed: dict[str, NwbZarrError] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    complete: bool = False


_NUMBER_CLASSES = (h5py.h5t.INTEGER, h5py.h5t.FLOAT)


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
        # h5py's ``attrs.__iter__`` (creation order where tracked, else name order), low-level
        names: list[str] = []

        def add(name: bytes, *_: Any) -> None:
            names.append(name.decode("utf-8", "surrogateescape"))

        oid = self._node.oid
        with _damaged(self.owner):
            plist = oid.get_create_plist()
            tracked = plist.get_attr_creation_order() & h5py.h5p.CRT_ORDER_TRACKED
            index = h5py.h5.INDEX_CRT_ORDER if tracked else h5py.h5.INDEX_NAME
            h5py.h5a.iterate(oid, add, index_type=index)
        return [name for name in names if name != INCOMPLETE_ATTR]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or name == INCOMPLETE_ATTR:
            return False
        cached = self._cached()
        if cached is not None and (cached.complete or name in cached.values):
            return name in cached.values or name in cached.failed
        try:
            return bool(h5py.h5a.exists(self._node.oid, name.encode("utf-8", "surrogateescape")))
        except (RuntimeError, OSError) as err:
            _raise_damaged(err, self.owner)

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
        if not cached.complete and name != INCOMPLETE_ATTR:
            if not cached.values:  # the first lookup: maybe the only one, read just it
                hit = cached.values[name] = self._get_uncached(name)
                return hit
            self._every_of(cached)  # another: they are being read, read them all
            hit = cached.values.get(name)
            if hit is not None:
                return hit
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
            value, dtype = cached.values[name]
            yield name, value, dtype

    def _cached(self) -> _CachedAttrs | None:
        """What was read of this object's attributes, on a file open read-only (else None)."""
        cache = self._node.h5file.attr_cache
        if cache is None:
            return None
        hit = cache.get(self._node.path)
        if hit is None:
            hit = cache[self._node.path] = _CachedAttrs()
        return hit

    def _every_of(self, cached: _CachedAttrs) -> _CachedAttrs:
        """``cached`` with every attribute read, in one pass, once (read-only files).

        Listing the attributes reads them all (the values are wanted next, as a rule), and so
        does a second lookup of one (a reader of an object's fields wants most of them); the
        first lookup reads just that one: a reader that wants one attribute of each of many
        objects (the type of every group, say) pays for one each.
        """
        if not cached.complete:
            cached.names = self._stored_names()
            cached.failed = {}
            cached.values = self._read_named(cached.names, cached.failed)
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
        self, names: list[str], failed: dict[str, NwbZarrError] | None
    ) -> dict[str, tuple[Any, DType]]:
        out: dict[str, tuple[Any, DType]] = {}
        for name in names:
            try:
                out[name] = self._read_one(name)
            except NwbZarrError as err:
                if failed is None:
                    raise
                failed[name] = err
        return out

    def _read_one(self, name: str) -> tuple[Any, DType]:
        """One attribute known to exist, opened once. Numbers and variable-length text (nearly
        every attribute of an NWB file) are read with the type remembered from earlier
        attributes; anything else (references, compounds, fixed-length text, enums, empty
        dataspaces) takes :meth:`_get_uncached`."""
        where = f"{self.owner} attribute {name!r}"
        try:
            aid = h5py.h5a.open(self._node.oid, name.encode("utf-8", "surrogateescape"))
            tid = aid.get_type()
            cls = tid.get_class()
            space = aid.get_space()
            kind = space.get_simple_extent_type()
            if kind == h5py.h5s.NULL:
                return self._get_uncached(name)
            if cls in _NUMBER_CLASSES:
                mtype, h5dtype, dtype = _TYPES.number(tid, cls, where)
            elif cls == h5py.h5t.STRING and tid.is_variable_str():
                mtype, h5dtype, dtype = _TYPES.text(tid, where)
            else:
                return self._get_uncached(name)
            raw = np.empty(() if kind == h5py.h5s.SCALAR else space.shape, dtype=h5dtype)
            if raw.size:
                aid.read(raw, mtype=mtype)
            value = raw[()] if raw.ndim == 0 else raw
            return decode(value, dtype, self._node.h5file.refs), dtype
        except (RuntimeError, OSError) as err:
            _raise_damaged(err, where)

    def _get_uncached(self, name: str) -> tuple[Any, DType]:
        oid = self._node.oid
        key = name.encode("utf-8", "surrogateescape")
        try:
            if not h5py.h5a.exists(oid, key):
                raise NodeNotFoundError(f"{self.owner}: no attribute {name!r}")
            aid = h5py.h5a.open(oid, key)
            h5dtype, shape = aid.dtype, aid.shape
            where = f"{self.owner} attribute {name!r}"
            dtype = dtype_from_h5(h5dtype, where)
            if shape is None:  # HDF5 null dataspace
                return None, dtype
            return decode(_read_attr(aid, h5dtype, shape), dtype, self._node.h5file.refs), dtype
        except (RuntimeError, OSError) as err:
            _raise_damaged(err, f"{self.owner} attribute {name!r}")

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


# --------------------------------------------------------------------------------------------
# nodes
# --------------------------------------------------------------------------------------------
class H5Node:
    """What both node kinds keep: the low-level object id (``oid``) and the h5py object."""

    oid: Any
    h5file: H5File
    path: str

    @property
    def h5(self) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class H5Group(Group, H5Node):
    def __init__(
        self, file: H5File, path: str, oid: h5py.h5g.GroupID, h5: h5py.Group | None = None
    ) -> None:
        super().__init__(file, path)
        self.oid = oid
        self.h5file = file
        self._h5 = h5
        self._attrs = H5Attributes(self)

    @property
    def h5(self) -> h5py.Group:
        if self._h5 is None:
            self._h5 = h5py.Group(self.oid)
        return self._h5

    @property
    def attrs(self) -> Attributes:
        return self._attrs

    @property
    def identity(self) -> Hashable:
        return ("hdf5", id(self.h5file), hash(self.oid))

    def _names(self) -> list[str]:
        with _damaged(self.describe()):
            return list(self.h5.keys())

    def _member(self, name: str) -> H5Group | H5Array | Link | None:
        cache = self.h5file.member_cache
        key = (self.path, name)
        if cache is not None and key in cache:
            cached: H5Group | H5Array | Link | None = cache[key]
            return cached
        try:
            member = self._member_unchecked(name)
        except (RuntimeError, OSError) as err:
            _raise_damaged(err, f"{self.file.location}:{posixpath.join(self.path, name)}")
        if cache is not None:
            cache[key] = member
        return member

    def _member_unchecked(self, name: str) -> H5Group | H5Array | Link | None:
        # The low-level API: h5py's high-level lookups cost ~10x more per member, and a file
        # of many small series is made of little else.
        key = name.encode("utf-8", "surrogateescape")
        links = self.oid.links
        if not name or "/" in name or not links.exists(key):
            return None
        kind = links.get_info(key).type
        if kind == h5py.h5l.TYPE_SOFT:
            return SoftLink(links.get_val(key).decode("utf-8", "surrogateescape"))
        if kind == h5py.h5l.TYPE_EXTERNAL:
            filename, target = links.get_val(key)
            return ExternalLink(
                filename.decode("utf-8", "surrogateescape"),
                target.decode("utf-8", "surrogateescape"),
            )
        path = posixpath.join(self.path, name)
        if kind != h5py.h5l.TYPE_HARD:
            raise FormatError(f"{self.file.location}: {path!r} is a user-defined link")
        try:
            oid = h5py.h5o.open(self.oid, key)
        except (KeyError, OSError) as err:
            raise FormatError(f"{self.file.location}: cannot open {path!r}: {err}") from err
        if h5py.h5a.exists(oid, EXTERNAL_LINK_KEY):
            aid = h5py.h5a.open(oid, EXTERNAL_LINK_KEY)
            marker = _read_attr(aid, aid.dtype, aid.shape or ())
            return _external_link_from_marker(marker, f"{self.file.location}:{path}")
        if isinstance(oid, h5py.h5g.GroupID):
            return H5Group(self.h5file, path, oid)
        if isinstance(oid, h5py.h5d.DatasetID):
            return H5Array(self.h5file, path, oid)
        raise FormatError(f"{self.file.location}: {path!r} is a committed datatype, not data")

    def _create_group(self, name: str, attrs: Iterable[tuple[str, Any, DType]]) -> Group:
        h5file = self.h5file
        gid = h5py.h5g.create(self.oid, *h5file.link_name(name), gcpl=h5file.gcpl)
        group = H5Group(h5file, posixpath.join(self.path, name), gid)
        group.attrs.update_typed(attrs)
        return group

    def _create_array(
        self, name: str, spec: ArraySpec, attrs: Iterable[tuple[str, Any, DType]]
    ) -> Array:
        path = posixpath.join(self.path, name)
        kwargs = dataset_kwargs(spec, f"{self.file.location}:{path}")
        h5file = self.h5file
        if kwargs.keys() == {"shape", "dtype"}:
            # contiguous, unfiltered (most small arrays): what h5py does, minus its overhead
            htype = h5file.types_for(spec.datatype)[0]
            space = h5py.h5s.create_simple(spec.shape)
            did = h5py.h5d.create(
                self.oid, name.encode("utf-8", "surrogateescape"), htype, space, h5file.dcpl
            )
            array = H5Array(h5file, path, did)
            datatype = spec.datatype
            array._spec = ArraySpec(  # what _read_spec reads back from such a dataset
                shape=spec.shape,
                datatype=datatype,
                maxshape=spec.shape or None,
                compression=(),
                fillvalue=np.zeros((), datatype)[()] if isinstance(datatype, np.dtype) else None,
            )
        else:
            array = H5Array(h5file, path, self.h5.create_dataset(name, **kwargs).id)
        array.attrs.update_typed(attrs)
        return array

    def _set_link(self, name: str, link: Link) -> None:
        if isinstance(link, SoftLink):
            self.h5[name] = h5py.SoftLink(link.path)
        elif guess_format_from_name(link.source) == "zarr" or "://" in link.source:
            # HDF5 has no link into a Zarr store (or to a URL): a placeholder group says where.
            marker = json.dumps({"source": link.source, "path": link.path})
            self.h5.create_group(name).attrs.create(
                EXTERNAL_LINK_ATTR, marker, dtype=h5py.string_dtype("utf-8")
            )
        else:
            self.h5[name] = h5py.ExternalLink(link.source, link.path)

    def _delete(self, name: str) -> None:
        del self.h5[name]


def _external_link_from_marker(marker: Any, where: str) -> ExternalLink:
    try:
        value = json.loads(marker if isinstance(marker, str) else bytes(marker).decode())
        return ExternalLink(str(value["source"]), str(value["path"]))
    except (ValueError, KeyError, TypeError) as err:
        raise FormatError(f"{where}: malformed {EXTERNAL_LINK_ATTR} attribute {marker!r}") from err


def dataset_kwargs(spec: ArraySpec, where: str) -> dict[str, Any]:
    """h5py ``create_dataset`` arguments for ``spec`` (contiguous unless chunking is needed)."""
    kwargs: dict[str, Any] = {"shape": spec.shape, "dtype": dtype_to_h5(spec.datatype)}
    if not spec.shape:  # HDF5 scalars are never chunked or filtered
        return kwargs
    resizable = spec.maxshape is not None and tuple(spec.maxshape) != spec.shape
    if 0 in spec.shape and not resizable:
        # No chunk fits a fixed dimension of length 0 (h5py refuses chunks larger than the
        # shape), and there is nothing to compress: store it contiguous.
        return kwargs
    filters = canonical(spec.compression or ())
    kwargs.update(filter_kwargs(filters, where))
    wants_chunks = spec.chunks is not None or spec.shards or spec.extra.get("want_chunks")
    if resizable or filters or wants_chunks:
        itemsize = np.dtype(kwargs["dtype"]).itemsize
        chunks = spec.chunks or block_shape(spec.shape, itemsize, DEFAULT_CHUNK_BYTES)
        kwargs["chunks"] = tuple(max(1, int(c)) for c in chunks)
        if spec.maxshape is not None:
            kwargs["maxshape"] = tuple(spec.maxshape)
    if isinstance(spec.datatype, np.dtype) and spec.fillvalue is not None:
        fill = np.asarray(spec.fillvalue, dtype=spec.datatype)
        if fill.any():
            kwargs["fillvalue"] = fill[()]
    return kwargs


def filter_kwargs(filters: tuple[Filter, ...], where: str) -> dict[str, Any]:
    """h5py arguments for a portable filter pipeline."""
    kwargs: dict[str, Any] = {}
    for f in filters:
        if f.name not in HDF5_WRITABLE:
            raise UnsupportedFeatureError(
                f"{where}: HDF5 cannot write the {f} filter without a plugin"
            )
        if f.name == "deflate":
            kwargs["compression"] = "gzip"
            kwargs["compression_opts"] = int(f.get("level", 4))
        elif f.name == "lzf":
            kwargs["compression"] = "lzf"
        elif f.name == "scaleoffset":
            kwargs["scaleoffset"] = f.get("factor")
        else:  # shuffle, fletcher32
            kwargs[f.name] = True
    return kwargs


class H5Array(Array, H5Node):
    def __init__(self, file: H5File, path: str, oid: h5py.h5d.DatasetID) -> None:
        super().__init__(file, path)
        self.oid = oid
        self.h5file = file
        self._h5: h5py.Dataset | None = None
        self._attrs = H5Attributes(self)
        self._spec: ArraySpec | None = None

    @property
    def h5(self) -> h5py.Dataset:
        if self._h5 is None:
            self._h5 = h5py.Dataset(self.oid)
        return self._h5

    @property
    def attrs(self) -> Attributes:
        return self._attrs

    @property
    def identity(self) -> Hashable:
        return ("hdf5", id(self.h5file), hash(self.oid))

    @property
    def spec(self) -> ArraySpec:
        if self._spec is None:
            with _damaged(self.describe()):
                self._spec = self._read_spec()
        return self._spec

    def _read_spec(self) -> ArraySpec:
        did = self.oid
        where = self.describe()
        h5dtype = did.dtype
        datatype = dtype_from_h5(h5dtype, where)
        space = did.get_space()
        empty = space.get_simple_extent_type() == h5py.h5s.NULL
        shape: tuple[int, ...] = () if empty else tuple(space.shape)
        dcpl = did.get_create_plist()
        chunks = dcpl.get_chunk() if dcpl.get_layout() == h5py.h5d.CHUNKED else None
        maxshape: tuple[int | None, ...] | None = shape or None
        if shape and chunks is not None:  # only chunked datasets can grow
            maxshape = tuple(
                None if n == h5py.h5s.UNLIMITED else int(n)
                for n in space.get_simple_extent_dims(True)
            )
        fill: Any = None
        if isinstance(datatype, np.dtype):
            value = np.zeros((1,), dtype=h5dtype)
            dcpl.get_fill_value(value)
            fill = value[0]
        return ArraySpec(
            shape=shape,
            datatype=datatype,
            chunks=None if chunks is None else tuple(chunks),
            maxshape=maxshape,
            compression=read_filters(dcpl, chunks is not None),
            fillvalue=fill,
            extra={"empty": True} if empty else {},
        )

    def _read(self, key: tuple[Any, ...]) -> np.ndarray[Any, Any]:
        spec = self.spec
        if spec.extra.get("empty"):
            return np.empty((0,), dtype=self.dtype)
        datatype = spec.datatype
        try:
            if isinstance(datatype, np.dtype) and _whole(key):
                # the whole array of numbers: one read, no selection (small arrays are common)
                out = np.empty(spec.shape, dtype=datatype)
                if out.size:
                    self.oid.read(h5py.h5s.ALL, h5py.h5s.ALL, out)
                return out if out.ndim else out[()]
            raw = self.h5[key] if key else self.h5[()]
        except (OSError, RuntimeError) as err:
            raise FormatError(f"{self.describe()}: cannot read {key!r}: {err}") from err
        return decode(raw, datatype, self.h5file.refs)  # type: ignore[no-any-return]

    def _write(self, key: tuple[Any, ...], value: np.ndarray[Any, Any]) -> None:
        spec = self.spec
        datatype = spec.datatype
        if isinstance(datatype, np.dtype) and value.shape == spec.shape and _whole(key):
            if value.size:
                arr = np.ascontiguousarray(value, dtype=datatype)
                self.oid.write(h5py.h5s.ALL, h5py.h5s.ALL, arr)
            return
        data = encode(value, datatype, self.h5file.refs)
        if key:
            self.h5[key] = data
        else:
            self.h5[()] = data
        self._spec = None

    def _resize(self, shape: tuple[int, ...]) -> None:
        self.h5.resize(shape)
        self._spec = None

    def read_chunk_raw(self, index: tuple[int, ...]) -> bytes | None:
        chunks = self.spec.chunks
        if chunks is None or (not self.spec.compression and not chunks):
            return None
        offsets = tuple(i * c for i, c in zip(index, chunks, strict=True))
        try:
            mask, data = self.oid.read_direct_chunk(offsets)
        except (OSError, KeyError, ValueError):
            return None
        return None if mask else bytes(data)

    def write_chunk_raw(self, index: tuple[int, ...], data: bytes) -> None:
        chunks = self.spec.chunks
        assert chunks is not None
        offsets = tuple(i * c for i, c in zip(index, chunks, strict=True))
        self.oid.write_direct_chunk(offsets, data)

    def describe(self) -> str:
        return f"{self.file.location}:{self.path}"


def read_filters(plist: Any, chunked: bool) -> tuple[Filter, ...]:
    """The filter pipeline of a dataset creation property list, in order, portable names."""
    if not chunked:
        return ()
    out = []
    for i in range(plist.get_nfilters()):
        code, _flags, values, _name = plist.get_filter(i)
        name = HDF5_NAMES.get(code, f"hdf5-filter-{code}")
        if name == "deflate":
            out.append(Filter.of("deflate", level=int(values[0]) if values else 4))
        elif name == "scaleoffset":
            out.append(Filter.of("scaleoffset", factor=int(values[1]) if len(values) > 1 else 0))
        elif name in ("shuffle", "fletcher32", "lzf"):
            out.append(Filter.of(name))
        else:
            out.append(Filter.of(name, values=tuple(int(v) for v in values)))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# file
# --------------------------------------------------------------------------------------------
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
        except OSError as err:
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
        self.refs = _Refs(self.h5)
        # A file open read-only does not change under us: members and attributes are looked
        # up once (the typed model asks for the same ones several times).
        read_only = mode == "r"
        self.member_cache: dict[tuple[str, str], Any] | None = {} if read_only else None
        self.attr_cache: dict[str, _CachedAttrs] | None = {} if read_only else None
        self._types: dict[Hashable, tuple[Any, Any, np.dtype[Any]]] = {}
        self._root = H5Group(self, "/", self.h5.id, self.h5)
        if mode in ("w", "w-", "x"):
            self.h5.attrs[INCOMPLETE_ATTR] = "writing"
            self.h5.flush()
        elif INCOMPLETE_ATTR in self.h5.attrs:  # any mode: closing r+/a would hide it
            self.h5.close()
            raise IncompleteFileError(
                f"{location}: incomplete file: nwbzarr was still writing it when it stopped "
                "(re-run the conversion or the write)"
            )

    @property
    def root(self) -> Group:
        return self._root

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
        if commit and INCOMPLETE_ATTR in self.h5.attrs:
            # Everything reaches the file before the marker goes: libhdf5 flushes its caches
            # in no set order, so a kill during close() could otherwise leave the marker's
            # removal on disk without data written before it.
            self.h5.flush()
            del self.h5.attrs[INCOMPLETE_ATTR]
        self.h5.close()


__all__ = ["H5Array", "H5File", "H5Group", "dtype_from_h5", "dtype_to_h5"]
