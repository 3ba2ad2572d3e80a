"""Files, groups and arrays: the interface every backend implements, and what it shares."""

from __future__ import annotations

import math
import posixpath
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, Protocol, Self

import numpy as np

from nwbzarr.dtypes import DType, dtype_str, numpy_dtype
from nwbzarr.errors import LinkError, NodeNotFoundError, ReadOnlyError
from nwbzarr.tree.attrs import Attributes, TypedAttr, typed_items
from nwbzarr.tree.blocks import block_shape, iter_blocks, normalize_key
from nwbzarr.tree.spec import ArraySpec, check_name, make_spec
from nwbzarr.tree.values import ExternalLink, Filter, Link, SoftLink

MAX_LINK_HOPS = 32


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
    # True where writes become visible only when committed (an abort leaves nothing behind)
    transactional: bool = False

    def __init__(self, location: str, mode: str) -> None:
        self.location = location
        self.mode = mode
        self.resolver: LinkResolver | None = None
        self.closed = False
        self._close_hooks: list[Callable[[], None]] = []

    @property
    def storage_format(self) -> str:
        """What holds the tree, as ``nwbzarr.open(format=...)`` names it: ``format``, or
        ``"icechunk"`` for an Icechunk repository and ``"references"`` for a kerchunk or LINDI
        reference file (both hold a Zarr tree: their ``format`` is ``"zarr"``)."""
        return self.format

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
        if "/" not in key and key and key != ".":  # a member of this group: most lookups
            member = self._member(key)
            if member is None:
                raise NodeNotFoundError(f"{self.file.location}: no {key!r} in group {self.path!r}")
            if isinstance(member, SoftLink | ExternalLink):
                return self.file.resolve(member, self, hops)
            return member
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
    def create_group(
        self, name: str, attrs: Mapping[str, Any] | Iterable[TypedAttr] | None = None
    ) -> Group:
        """Create a group (intermediate groups in ``name`` are created as needed).

        ``attrs`` is a mapping (types inferred from the values) or ``(name, value, dtype)``
        triples as :meth:`Attributes.items_typed` yields them (stored types kept); the group
        and its attributes are written at once.
        """
        parent, leaf = self._new_member(name, "create group")
        return parent._create_group(leaf, typed_items(attrs))

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
        attrs: Mapping[str, Any] | Iterable[TypedAttr] | None = None,
    ) -> Array:
        """Create an array from ``data`` or from ``shape`` and ``dtype``.

        ``compression="default"`` lets the backend choose what fits neural data (Blosc with
        shuffle on Zarr; none on HDF5, as pynwb writes); ``None`` or ``()`` stores raw bytes.
        ``chunks=True`` or None picks a chunk shape; ``maxshape`` with ``None`` entries makes
        the array extendable (``append``).
        """
        if isinstance(data, Array):
            spec = replace(data.spec, dims=data.spec.dims if dims is None else tuple(dims))
        else:
            spec = make_spec(
                data, shape, dtype, chunks, maxshape, compression, fillvalue, dims, shards
            )
        array = self.create_array_from_spec(name, spec, attrs)
        if data is not None and not isinstance(data, Array):
            array.write(data)
        elif isinstance(data, Array):
            for block in data.iter_chunks():
                array[block] = data[block]
        return array

    def create_array_from_spec(
        self,
        name: str,
        spec: ArraySpec,
        attrs: Mapping[str, Any] | Iterable[TypedAttr] | None = None,
    ) -> Array:
        """Create the array ``spec`` describes, with ``attrs`` (see :meth:`create_group`).

        No value is written: copies use it with a source array's ``spec`` (adapted with
        :func:`dataclasses.replace`), then write chunks or raw chunks.
        """
        parent, leaf = self._new_member(name, "create array")
        return parent._create_array(leaf, spec, typed_items(attrs))

    def set_link(self, name: str, link: Link) -> None:
        """Store ``link`` (a :class:`SoftLink` or :class:`ExternalLink`) under ``name``."""
        parent, leaf = self._new_member(name, "create link")
        parent._set_link(leaf, link)

    def _new_member(self, name: str, what: str) -> tuple[Group, str]:
        """The parent group and leaf name for a new member ``name`` (which must not exist)."""
        self.file.check_writable(f"{what} {name!r} in {self.path!r}")
        parent, leaf = self._parent_for_create(name)
        if parent._member(leaf) is not None:
            raise FileExistsError(
                f"{self.file.location}: {posixpath.join(parent.path, leaf)!r} already exists"
            )
        return parent, leaf

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


__all__ = ["MAX_LINK_HOPS", "Array", "File", "Group", "LinkResolver", "Node"]
