"""The backend-agnostic node tree: groups, arrays, attributes, links and references.

A :class:`Group` is a mapping of names to nodes, an :class:`Array` is lazy and numpy-like,
``attrs`` is a mapping, and links and references are small values::

    root = nwbzarr.open("session.nwb")
    data = root["acquisition/ElectricalSeries/data"]     # nothing read yet
    window = data[30_000:60_000]                          # reads only those chunks
    root.get_link("acquisition/ts2/timestamps")           # SoftLink('/acquisition/ts1/timestamps')

Backends subclass :class:`File`, :class:`Group`, :class:`Array` and :class:`Attributes` and
implement the underscored hooks; everything else (path walking, link following, cycle
detection, array creation arguments) lives here, once.
"""

from __future__ import annotations

import math
import posixpath
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Protocol, Self

import numpy as np

from nwbzarr.dtypes import DType, as_dtype, default_fillvalue, dtype_str, infer_dtype, numpy_dtype
from nwbzarr.errors import LinkError, NodeNotFoundError, ReadOnlyError

MAX_LINK_HOPS = 32


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SoftLink:
    """A link to another node of the same file, by absolute path."""

    path: str


@dataclass(frozen=True, slots=True)
class ExternalLink:
    """A link to a node of another file or store.

    ``source`` is relative to the directory (or URL prefix) of the linking file, or absolute
    (a path or a URL); it may name a file of the other format (a cross-format link).
    """

    source: str
    path: str


Link = SoftLink | ExternalLink


@dataclass(frozen=True, slots=True)
class Reference:
    """An object reference: the path of the referenced node (``source="."``: same file)."""

    path: str
    source: str = "."

    def __bool__(self) -> bool:
        return bool(self.path)


@dataclass(frozen=True, slots=True)
class Filter:
    """One step of a storage pipeline, named portably (``deflate``, ``shuffle``, ``blosc``...).

    ``options`` is a tuple of (key, value) pairs so that filters are hashable and comparable.
    """

    name: str
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, name: str, **options: Any) -> Filter:
        return cls(name, tuple(sorted(options.items())))

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    def __str__(self) -> str:
        if not self.options:
            return self.name
        args = ",".join(f"{k}={v}" for k, v in self.options)
        return f"{self.name}({args})"


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


# --------------------------------------------------------------------------------------------
# Link resolution is injected by whoever opens a file (see nwbzarr.links)
# --------------------------------------------------------------------------------------------
class LinkResolver(Protocol):
    def open_external(self, link: ExternalLink, origin: File) -> Group:
        """Open the root group of ``link.source`` as seen from ``origin``."""
        ...


# --------------------------------------------------------------------------------------------
# Files, nodes, attributes
# --------------------------------------------------------------------------------------------
class File(ABC):
    """An open file or store. ``location`` is what users passed (path or URL), for messages."""

    format: str = ""

    def __init__(self, location: str, mode: str) -> None:
        self.location = location
        self.mode = mode
        self.resolver: LinkResolver | None = None
        self.closed = False
        self._close_hooks: list[Callable[[], None]] = []

    @property
    @abstractmethod
    def root(self) -> Group: ...

    @property
    def writable(self) -> bool:
        return self.mode != "r"

    def check_writable(self, what: str) -> None:
        if not self.writable:
            raise ReadOnlyError(f"{self.location}: cannot {what}: the file is open read-only")

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Write pending metadata (a no-op where writes are immediate)."""

    @abstractmethod
    def _close(self, commit: bool) -> None:
        """Release the file; ``commit=False`` leaves a written file marked incomplete."""

    def close(self) -> None:
        """Finish writing (the file is then complete) and release it."""
        self._finish(commit=True)

    def abort(self) -> None:
        """Release the file without marking what was written as complete."""
        self._finish(commit=False)

    def add_close_hook(self, hook: Callable[[], None]) -> None:
        self._close_hooks.append(hook)

    def _finish(self, commit: bool) -> None:
        if self.closed:
            return
        try:
            self._close(commit and self.writable)
        finally:
            self.closed = True
            hooks, self._close_hooks = self._close_hooks, []
            for hook in hooks:
                hook()

    def resolve(self, link: Link, origin: Group, hops: int = 0) -> Node:
        """Follow ``link`` found in ``origin``; raises :class:`LinkError` with the whole story."""
        if hops > MAX_LINK_HOPS:
            raise LinkError(
                f"{self.location}: link cycle: more than {MAX_LINK_HOPS} links followed "
                f"from {origin.path!r} towards {link!r}"
            )
        if isinstance(link, SoftLink):
            try:
                return self.root._walk(link.path, hops + 1)
            except (NodeNotFoundError, LinkError) as err:
                if hops:  # inside a chain: the first link of the chain tells the story once
                    raise
                raise LinkError(
                    f"{self.location}: broken link in {origin.path!r} to {link.path!r}: {err}"
                ) from err
        if self.resolver is None:
            raise LinkError(
                f"{self.location}: cannot follow the external link in {origin.path!r} to "
                f"{link.source}:{link.path}: no link resolver (open the file with nwbzarr.open)"
            )
        target_root = self.resolver.open_external(link, self)
        try:
            return target_root._walk(link.path, hops + 1)
        except (NodeNotFoundError, LinkError) as err:
            if hops:
                raise
            raise LinkError(
                f"{self.location}: broken external link in {origin.path!r} to "
                f"{link.source}:{link.path}: {err}"
            ) from err


class Attributes(MutableMapping[str, Any]):
    """The attributes of a node: a mapping of names to values.

    Values are ``str``, numpy scalars and arrays, :class:`Reference` or arrays of them.
    :meth:`type_of` gives the stored :data:`DType` (for example ASCII vs UTF-8 text), and
    :meth:`set` stores a value with a given type.
    """

    @abstractmethod
    def _get(self, name: str) -> tuple[Any, DType]: ...

    @abstractmethod
    def _set(self, name: str, value: Any, dtype: DType) -> None: ...

    @abstractmethod
    def _delete(self, name: str) -> None: ...

    @abstractmethod
    def _names(self) -> list[str]: ...

    @property
    @abstractmethod
    def owner(self) -> str: ...

    def __getitem__(self, name: str) -> Any:
        return self._get(name)[0]

    def __setitem__(self, name: str, value: Any) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise NodeNotFoundError(f"{self.owner}: no attribute {name!r}")
        self._delete(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def type_of(self, name: str) -> DType:
        """The stored type of attribute ``name``."""
        return self._get(name)[1]

    def items_typed(self) -> Iterator[tuple[str, Any, DType]]:
        for name in self._names():
            value, dtype = self._get(name)
            yield name, value, dtype

    def set(self, name: str, value: Any, dtype: DType | None = None) -> None:
        """Store ``value``; ``dtype`` defaults to the type inferred from the value."""
        if not isinstance(name, str) or not name or "\x00" in name:
            raise ValueError(f"{self.owner}: invalid attribute name {name!r}")
        self._set(name, value, infer_dtype(value) if dtype is None else dtype)

    def update_typed(self, items: Iterable[tuple[str, Any, DType]]) -> None:
        for name, value, dtype in items:
            self._set(name, value, dtype)

    def __repr__(self) -> str:
        return f"<Attributes of {self.owner}: {sorted(self._names())}>"


class Node(ABC):
    """A group or an array, at ``path`` in ``file``."""

    def __init__(self, file: File, path: str) -> None:
        self.file = file
        self.path = path

    @property
    def name(self) -> str:
        return posixpath.basename(self.path) or "/"

    @property
    @abstractmethod
    def attrs(self) -> Attributes: ...

    @property
    def root(self) -> Group:
        return self.file.root

    @property
    def identity(self) -> Hashable:
        """Equal for two names of the same stored object (HDF5 hard links)."""
        return (id(self.file), self.path)

    @property
    def neurodata_type(self) -> str | None:
        value = self.attrs.get("neurodata_type")
        if value is None:
            return None
        if isinstance(value, np.ndarray) and value.size == 1:  # MatNWB: 1-element arrays
            value = value.ravel()[0]
        return value.decode() if isinstance(value, bytes) else str(value)

    def describe(self) -> str:
        return f"{self.file.location}:{self.path}"


class Group(Node, Mapping[str, "Node"]):
    """A mapping of names to nodes; links are followed on access (see :meth:`get_link`)."""

    # ----- backend hooks
    @abstractmethod
    def _member(self, name: str) -> Node | Link | None: ...

    @abstractmethod
    def _names(self) -> list[str]: ...

    @abstractmethod
    def _create_group(self, name: str, attrs: Iterable[tuple[str, Any, DType]]) -> Group: ...

    @abstractmethod
    def _create_array(
        self, name: str, spec: ArraySpec, attrs: Iterable[tuple[str, Any, DType]]
    ) -> Array: ...

    @abstractmethod
    def _set_link(self, name: str, link: Link) -> None: ...

    @abstractmethod
    def _delete(self, name: str) -> None: ...

    # ----- reading
    def _walk(self, key: str, hops: int = 0) -> Node:
        node: Node = self.root if key.startswith("/") else self
        for part in (p for p in key.split("/") if p and p != "."):
            if not isinstance(node, Group):
                raise NodeNotFoundError(
                    f"{self.file.location}: {node.path!r} is an array, it has no member {part!r}"
                )
            member = node._member(part)
            if member is None:
                raise NodeNotFoundError(
                    f"{self.file.location}: no {part!r} in group {node.path!r}"
                    + (f" (looking up {key!r})" if key.strip("/") != part else "")
                )
            node = (
                node.file.resolve(member, node, hops)
                if isinstance(member, SoftLink | ExternalLink)
                else member
            )
        return node

    def __getitem__(self, key: str) -> Node:
        return self._walk(key)

    def array(self, key: str) -> Array:
        """The array at ``key`` (a typed accessor: raises TypeError if it is a group)."""
        node = self._walk(key)
        if not isinstance(node, Array):
            raise TypeError(f"{self.file.location}: {node.path!r} is a group, not an array")
        return node

    def group(self, key: str) -> Group:
        """The group at ``key`` (a typed accessor: raises TypeError if it is an array)."""
        node = self._walk(key)
        if not isinstance(node, Group):
            raise TypeError(f"{self.file.location}: {node.path!r} is an array, not a group")
        return node

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if "/" not in key.strip("/"):
            return self._member(key.strip("/")) is not None
        try:
            self._walk(key)
        except (NodeNotFoundError, LinkError):
            return False
        return True

    def get_link(self, key: str) -> Link | None:
        """The link stored at ``key`` (not followed), or None if ``key`` is not a link."""
        parent_path, _, name = key.rstrip("/").rpartition("/")
        parent = self._walk(parent_path) if parent_path else self
        if not isinstance(parent, Group):
            return None
        member = parent._member(name)
        return member if isinstance(member, SoftLink | ExternalLink) else None

    def members(self) -> Iterator[tuple[str, Node | Link]]:
        """Every member as stored: nodes, and links as :class:`SoftLink`/:class:`ExternalLink`."""
        for name in self._names():
            member = self._member(name)
            if member is not None:
                yield name, member

    def groups(self) -> Iterator[Group]:
        for _, member in self.members():
            if isinstance(member, Group):
                yield member

    def arrays(self) -> Iterator[Array]:
        for _, member in self.members():
            if isinstance(member, Array):
                yield member

    def walk(self) -> Iterator[tuple[str, Node | Link]]:
        """Depth-first ``(path, member)`` of everything below, links not followed."""
        for name, member in self.members():
            yield posixpath.join(self.path, name), member
            if isinstance(member, Group):
                yield from member.walk()

    # ----- writing
    def create_group(self, name: str, attrs: Mapping[str, Any] | None = None) -> Group:
        """Create a group (intermediate groups in ``name`` are created as needed)."""
        self.file.check_writable(f"create group {name!r} in {self.path!r}")
        parent, leaf = self._parent_for_create(name)
        if parent._member(leaf) is not None:
            raise FileExistsError(
                f"{self.file.location}: {posixpath.join(parent.path, leaf)!r} already exists"
            )
        return parent._create_group(leaf, _typed(attrs))

    def require_group(self, name: str) -> Group:
        existing = self.get(name)
        if isinstance(existing, Group):
            return existing
        return self.create_group(name)

    def create_array(
        self,
        name: str,
        data: Any = None,
        *,
        shape: Iterable[int] | None = None,
        dtype: Any = None,
        chunks: Iterable[int] | bool | None = None,
        maxshape: Iterable[int | None] | None = None,
        compression: Iterable[Filter] | str | None = "default",
        fillvalue: Any = None,
        dims: Iterable[str] | None = None,
        shards: Iterable[int] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> Array:
        """Create an array from ``data`` or from ``shape`` and ``dtype``.

        ``compression="default"`` lets the backend choose what fits neural data (Blosc with
        shuffle on Zarr; none on HDF5, as pynwb writes); ``None`` or ``()`` stores raw bytes.
        ``chunks=True`` or None picks a chunk shape; ``maxshape`` with ``None`` entries makes
        the array extendable (``append``).
        """
        self.file.check_writable(f"create array {name!r} in {self.path!r}")
        spec = make_spec(data, shape, dtype, chunks, maxshape, compression, fillvalue, dims, shards)
        parent, leaf = self._parent_for_create(name)
        if parent._member(leaf) is not None:
            raise FileExistsError(
                f"{self.file.location}: {posixpath.join(parent.path, leaf)!r} already exists"
            )
        array = parent._create_array(leaf, spec, _typed(attrs))
        if data is not None and not isinstance(data, Array):
            array.write(data)
        elif isinstance(data, Array):
            for block in data.iter_chunks():
                array[block] = data[block]
        return array

    def set_link(self, name: str, link: Link) -> None:
        self.file.check_writable(f"create link {name!r} in {self.path!r}")
        parent, leaf = self._parent_for_create(name)
        if parent._member(leaf) is not None:
            raise FileExistsError(
                f"{self.file.location}: {posixpath.join(parent.path, leaf)!r} already exists"
            )
        parent._set_link(leaf, link)

    def __setitem__(self, name: str, value: Any) -> None:
        if isinstance(value, SoftLink | ExternalLink):
            self.set_link(name, value)
        else:
            self.create_array(name, value)

    def __delitem__(self, name: str) -> None:
        self.file.check_writable(f"delete {name!r} from {self.path!r}")
        parent, leaf = self._parent_for_create(name)
        if parent._member(leaf) is None:
            raise NodeNotFoundError(f"{self.file.location}: no {leaf!r} in group {parent.path!r}")
        parent._delete(leaf)

    def _parent_for_create(self, name: str) -> tuple[Group, str]:
        check_name(name, f"{self.file.location}: {self.path!r}")
        parent_path, _, leaf = name.strip("/").rpartition("/")
        if not leaf:
            raise ValueError(f"{self.file.location}: empty name in {self.path!r}")
        parent: Group = self.root if name.startswith("/") else self
        for part in (p for p in parent_path.split("/") if p):
            existing = parent._member(part)
            if existing is None:
                parent = parent._create_group(part, ())
            else:
                node = parent._walk(part)
                if not isinstance(node, Group):
                    raise FileExistsError(f"{self.file.location}: {node.path!r} is not a group")
                parent = node
        return parent, leaf

    # ----- context manager on the root group closes the file
    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.file.close()
        else:
            self.file.abort()

    def __repr__(self) -> str:
        kind = self.neurodata_type
        return (
            f"<nwbzarr Group {self.path!r}{f' ({kind})' if kind else ''} in {self.file.location}>"
        )


class Array(Node):
    """A lazy, numpy-like array: nothing is read until it is indexed."""

    # ----- backend hooks
    @property
    @abstractmethod
    def spec(self) -> ArraySpec: ...

    @abstractmethod
    def _read(self, key: tuple[Any, ...]) -> np.ndarray[Any, Any]: ...

    @abstractmethod
    def _write(self, key: tuple[Any, ...], value: np.ndarray[Any, Any]) -> None: ...

    @abstractmethod
    def _resize(self, shape: tuple[int, ...]) -> None: ...

    def read_chunk_raw(self, index: tuple[int, ...]) -> bytes | None:
        """The stored (encoded) bytes of chunk ``index``, or None where the backend cannot."""
        return None

    def write_chunk_raw(self, index: tuple[int, ...], data: bytes) -> None:
        raise NotImplementedError(f"{self.describe()}: raw chunk writes are not supported")

    # ----- numpy-like surface
    @property
    def shape(self) -> tuple[int, ...]:
        return self.spec.shape

    @property
    def datatype(self) -> DType:
        """The stored type (see :mod:`nwbzarr.dtypes`)."""
        return self.spec.datatype

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype of values read (``object`` for text and references)."""
        return numpy_dtype(self.spec.datatype)

    @property
    def chunks(self) -> tuple[int, ...] | None:
        """Storage chunk shape (inner chunks of a sharded array); None if contiguous."""
        return self.spec.chunks

    @property
    def shards(self) -> tuple[int, ...] | None:
        return self.spec.shards

    @property
    def maxshape(self) -> tuple[int | None, ...]:
        spec = self.spec
        return spec.maxshape if spec.maxshape is not None else spec.shape

    @property
    def compression(self) -> tuple[Filter, ...]:
        return self.spec.compression or ()

    @property
    def fillvalue(self) -> Any:
        return self.spec.fillvalue

    @property
    def dims(self) -> tuple[str, ...] | None:
        return self.spec.dims

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.spec.nbytes

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError(f"{self.describe()}: len() of a scalar array")
        return self.shape[0]

    def __getitem__(self, key: Any) -> Any:
        return self._read(normalize_key(key, self.shape))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray[Any, Any]:
        # 0-d reads give a scalar (np.float64, str, Reference): numpy wants an ndarray here
        values = self._read(normalize_key(Ellipsis, self.shape))
        if not isinstance(values, np.ndarray):
            out = np.empty((), dtype=self.dtype)
            out[()] = values
            values = out
        return values if dtype is None else values.astype(dtype)

    def read(self) -> Any:
        """All values (a Python scalar-like value for 0-d arrays)."""
        return self[()]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.file.check_writable(f"write to {self.path!r}")
        self._write(normalize_key(key, self.shape), np.asarray(value, dtype=self.dtype))

    def write(self, data: Any) -> None:
        """Write ``data`` (same shape as the array), chunk by chunk when ``data`` is iterable."""
        if isinstance(data, Iterator):
            offset = 0
            for block in data:
                block_arr = np.asarray(block, dtype=self.dtype)
                stop = offset + (block_arr.shape[0] if block_arr.ndim else 1)
                self[offset:stop] = block_arr
                offset = stop
            return
        arr = np.asarray(data, dtype=self.dtype)
        if arr.shape != self.shape:
            arr = arr.reshape(self.shape)
        self[...] = arr

    def resize(self, shape: Iterable[int]) -> None:
        self.file.check_writable(f"resize {self.path!r}")
        new = tuple(int(n) for n in shape)
        for n, limit in zip(new, self.maxshape, strict=True):
            if limit is not None and n > limit:
                raise ValueError(
                    f"{self.describe()}: cannot resize to {new}: maxshape is {self.maxshape}"
                )
        self._resize(new)

    def append(self, block: Any, axis: int = 0) -> None:
        """Append ``block`` along ``axis`` (the array must be extendable along it)."""
        arr = np.asarray(block, dtype=self.dtype)
        if arr.ndim == self.ndim - 1:
            arr = np.expand_dims(arr, axis)
        start = self.shape[axis]
        new_shape = list(self.shape)
        new_shape[axis] = start + arr.shape[axis]
        self.resize(new_shape)
        key = [slice(None)] * self.ndim
        key[axis] = slice(start, new_shape[axis])
        self[tuple(key)] = arr

    def iter_chunks(self) -> Iterator[tuple[slice, ...]]:
        """The region of every storage chunk (or of ~4 MiB blocks for contiguous arrays)."""
        if not self.shape:
            yield ()
            return
        grid = self.chunks or block_shape(self.shape, self.dtype.itemsize)
        yield from iter_blocks(self.shape, grid)

    def chunk_grid_shape(self) -> tuple[int, ...]:
        grid = self.chunks or self.shape
        return tuple(math.ceil(n / c) if c else 0 for n, c in zip(self.shape, grid, strict=True))

    def __repr__(self) -> str:
        return (
            f"<nwbzarr Array {self.path!r} shape={self.shape} dtype={dtype_str(self.datatype)} "
            f"chunks={self.chunks} in {self.file.location}>"
        )


# --------------------------------------------------------------------------------------------
# Helpers shared by backends
# --------------------------------------------------------------------------------------------
def check_name(name: str, where: str) -> None:
    """Refuse node names that cannot be stored portably: '.' and '..' segments (a Zarr key
    would leave the store), empty segments inside a path, NUL."""
    parts = name.strip("/").split("/")
    if any(p in ("", ".", "..") for p in parts) or "\x00" in name:
        raise ValueError(
            f"{where}: invalid name {name!r} ('.', '..', empty segments and NUL are not allowed)"
        )


def _typed(attrs: Mapping[str, Any] | None) -> list[tuple[str, Any, DType]]:
    if not attrs:
        return []
    if isinstance(attrs, Attributes):
        return list(attrs.items_typed())
    return [(k, v, infer_dtype(v)) for k, v in attrs.items()]


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
    if data is not None and isinstance(data, Array):
        base = data.spec
        spec = replace(base, dims=base.dims if dims is None else tuple(dims))
        return spec
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


def normalize_key(key: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Expand ``Ellipsis`` and pad ``key`` to one entry per dimension."""
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        fill = len(shape) - (len(key) - 1)
        key = key[:i] + (slice(None),) * fill + key[i + 1 :]
    if len(key) > len(shape):
        raise IndexError(f"too many indices ({len(key)}) for an array of shape {shape}")
    padded: tuple[Any, ...] = key + (slice(None),) * (len(shape) - len(key))
    return padded


def block_shape(shape: tuple[int, ...], itemsize: int, target: int = 4 << 20) -> tuple[int, ...]:
    """A time-major block of about ``target`` bytes (whole trailing dims where they fit)."""
    if not shape:
        return ()
    out = list(shape)
    remaining = max(target // max(itemsize, 1), 1)
    for axis in range(len(shape) - 1, 0, -1):
        row = math.prod(out[axis:])
        if row > remaining:
            out[axis] = max(1, remaining // max(math.prod(out[axis + 1 :]), 1))
    rows = max(1, remaining // max(math.prod(out[1:]), 1))
    out[0] = max(1, min(shape[0], rows))
    return tuple(max(1, n) for n in out)


def iter_blocks(shape: tuple[int, ...], grid: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:
    if any(n == 0 for n in shape):
        return
    counts = [math.ceil(n / c) for n, c in zip(shape, grid, strict=True)]
    for index in np.ndindex(*counts):
        yield tuple(
            slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(index, grid, shape, strict=True)
        )


def chunk_index(region: tuple[slice, ...], grid: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((s.start or 0) // c for s, c in zip(region, grid, strict=True))


__all__ = [
    "Array",
    "ArraySpec",
    "Attributes",
    "ExternalLink",
    "File",
    "Filter",
    "Group",
    "Link",
    "LinkResolver",
    "Node",
    "Reference",
    "SoftLink",
    "block_shape",
    "iter_blocks",
    "make_spec",
    "normalize_key",
]
