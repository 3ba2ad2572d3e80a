"""The container base class, the type registry and the contexts of one write or read.

Every typed container maps itself to the tree in ``to_tree`` and back in ``from_tree``: one
explicit mapping per type, no spec interpretation at run time. References and links are
resolved through the contexts: on write, a container's path is known once it is written
(links and reference attributes are set at the end); on read, a referenced object is read on
demand and memoized by path.
"""

from __future__ import annotations

import posixpath
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from nwbzarr import copier
from nwbzarr.copier import copy_array
from nwbzarr.dtypes import UTF8
from nwbzarr.errors import ValidationError
from nwbzarr.links import direct_link, external_link_to
from nwbzarr.model.classinfo import ClassInfo, reading
from nwbzarr.model.dataio import DataIO
from nwbzarr.model.iterators import AbstractDataChunkIterator
from nwbzarr.model.lazy import LazyContainers
from nwbzarr.model.streaming import fit_dims, write_dataio
from nwbzarr.model.values import text
from nwbzarr.tree import Array, Group, Node, Reference, SoftLink

REGISTRY: dict[str, type[Container]] = {}


def register[C: type[Container]](cls: C) -> C:
    """Hand-written code for ``cls.neurodata_type``: the class the mechanism completes.

    The schema's fields that the class does not map itself are read and written by the
    generic mapping; its constructor takes pynwb's arguments (positional order included).
    """
    REGISTRY[cls.neurodata_type] = cls
    cls._handwritten = True  # type: ignore[attr-defined]
    cls._dc_init = cls.__dict__["__init__"]  # type: ignore[attr-defined]
    install_init(cls)
    return cls


def install_init(cls: type[Container]) -> None:
    """Give ``cls`` the model's constructor (pynwb's arguments, the schema's checks)."""
    from nwbzarr.model.classinfo import make_init

    cls.__init__ = make_init(cls, _prepare)  # type: ignore[method-assign]


class Mechanism:
    """The parts of the mechanism above this module, set when ``nwbzarr.model`` is imported
    (``classes`` and ``mapping`` register themselves: this module imports neither)."""

    prepare: Callable[[type], ClassInfo]
    find_class: Callable[[str, str | None, Any], type[Container] | None]
    registered_class: Callable[[str, str | None], type[Container] | None]
    add_mixins: Callable[[type], None]
    read_fields: Callable[[Container, Node, ReadContext, ClassInfo], None]
    write_fields: Callable[[Container, Node, WriteContext, ClassInfo], None]
    node_attrs: Callable[[Container, ClassInfo], dict[str, Any]]


MECHANISM = Mechanism()


def _prepare(cls: type) -> ClassInfo:
    return MECHANISM.prepare(cls)


def class_info(obj: Container | type[Container]) -> ClassInfo:
    """The schema facts of a container's class (computed on first use)."""
    cls = obj if isinstance(obj, type) else type(obj)
    info = cls.__dict__.get("_info")
    return info if info is not None else _prepare(cls)


def new_object_id() -> str:
    return str(uuid.uuid4())


def data_len(data: Any) -> int:
    if isinstance(data, DataIO):
        return len(data)
    if isinstance(data, AbstractDataChunkIterator):
        shape = data.recommended_data_shape()
        return shape[0] if shape else 0
    if isinstance(data, Iterator):
        return 0  # a stream's length is known once written
    if isinstance(data, Array | np.ndarray):
        return int(data.shape[0]) if data.shape else 0
    return len(data)


def as_values(data: Any) -> Any:
    """Everything in memory (reads a lazy array)."""
    if isinstance(data, DataIO):
        return as_values(data.data)
    if isinstance(data, Array):
        return data[()]
    return data


def write_data(
    group: Group,
    name: str,
    data: Any,
    *,
    dtype: Any = None,
    dims: tuple[str, ...] | None = None,
    attrs: Mapping[str, Any] | None = None,
    expandable: bool = False,
    ctx: WriteContext | None = None,
) -> Array:
    """Write ``data`` (array-like, lazy Array, list, DataIO or scalar) as array ``name``.

    With ``ctx``, an array read from another file becomes an external link to it (pynwb's
    ``link_data=True``) unless wrapped in ``DataIO(data, link_data=False)``; ``attrs`` then
    stay those of the linked array.
    """
    if ctx is not None:
        wrapped = isinstance(data, DataIO)
        link = data.link_data if wrapped and data.link_data is not None else ctx.link_data
        source = data.data if wrapped else data
        if link and isinstance(source, Array) and ctx.link_external(group, name, source):
            return source
    if isinstance(data, DataIO):
        src = data.data
        if isinstance(src, Array) and _plain_copy(data):
            # copied chunk by chunk, with storage settings each format can hold
            data.dataset = copy_array(src, group, name, dims=_fit(dims, src.ndim), attrs=attrs)
            return data.dataset  # type: ignore[no-any-return]
        return write_dataio(group, name, data, dtype=dtype, dims=dims, attrs=attrs)
    if isinstance(data, Iterator):  # a generator or a DataChunkIterator as data
        return write_dataio(group, name, DataIO(data), dtype=dtype, dims=dims, attrs=attrs)
    if isinstance(data, Array):
        return copy_array(data, group, name, dims=_fit(dims, data.ndim), attrs=attrs)
    if dtype is None and not isinstance(data, np.ndarray | str):
        arr = np.asarray(data)
        if arr.dtype.kind in "OU":
            dtype = UTF8
        else:
            data = arr
    shape = np.shape(data) if not isinstance(data, str) else ()
    maxshape = (None, *shape[1:]) if expandable and shape else None
    return group.create_array(
        name,
        data,
        dtype=dtype,
        dims=_fit(dims, len(shape)),
        attrs=attrs,
        maxshape=maxshape,
        chunks=True if expandable and shape and shape[0] else None,
    )


def _plain_copy(dio: DataIO) -> bool:
    """True if ``dio`` asks for no storage setting of its own (an array is copied as stored)."""
    return (
        dio.shape is None
        and dio.maxshape is None
        and dio.chunks is None
        and dio.compression == "default"
        and dio.fillvalue is None
    )


_fit = fit_dims


@dataclass
class WriteContext:
    """State of one write: where each container went, and work that waits for all paths."""

    root: Group
    paths: dict[int, str] = field(default_factory=dict)
    deferred: list[Callable[[], object]] = field(default_factory=list)
    # Files whose containers and arrays are copied, not linked: the source of the NWBFile
    # being written (reading a file and writing it elsewhere copies it; NWBFile.copy() links).
    copy_from: set[int] = field(default_factory=set)
    # pynwb's write(link_data=...): arrays of other files are linked (True) or copied
    link_data: bool = True
    # containers of other files are copied too (an export that resolves every link)
    copy_foreign: bool = False
    # the containers read from the source file, by path: one that is not written was
    # removed from the NWBFile, and copy_missing does not bring it back
    read_objects: Mapping[str, Container] = field(default_factory=dict)

    def was_removed(self, node: Node) -> bool:
        """True if ``node`` was read as a container that this write left out."""
        obj = self.read_objects.get(node.path)
        return obj is not None and id(obj) not in self.paths and node.path != "/"

    def is_foreign(self, node: Node | None) -> bool:
        """True if ``node`` belongs to another open file whose content is linked, not copied."""
        if node is None or node.file is self.root.file or node.file.closed or self.copy_foreign:
            return False
        return id(node.file) not in self.copy_from

    def link_external(self, group: Group, name: str, target: Node) -> bool:
        """Make ``group/name`` an external link to ``target`` if it is foreign; True if done."""
        if not self.is_foreign(target):
            return False
        link = external_link_to(self.root.file, target)
        if link is None:
            return False
        group.set_link(name, link)
        return True

    def path_of(self, obj: Container) -> str:
        try:
            return self.paths[id(obj)]
        except KeyError:
            raise ValidationError(
                f"{type(obj).__name__} {obj.name!r} is referenced but not part of the file "
                "(add it to the NWBFile first)"
            ) from None

    def link(self, group: Group, name: str, target: Container, suffix: str = "") -> None:
        """Soft link ``group/name`` to ``target`` (or to its member ``suffix``)."""

        def run() -> None:
            source = target.source_node
            if id(target) not in self.paths and self.is_foreign(source):
                assert source is not None  # reusing data of a series of another file
                node = source[suffix] if suffix and isinstance(source, Group) else source
                if self.link_external(group, name, node):
                    return
            path = self.path_of(target)
            link = SoftLink(posixpath.join(path, suffix) if suffix else path)
            # a target written as a link (a container of another file): link to what it names
            group.set_link(name, direct_link(self.root, link))

        self.deferred.append(run)

    def reference_attr(self, node: Node, name: str, target: Container) -> None:
        def run() -> None:
            node.attrs[name] = Reference(self.path_of(target))

        self.deferred.append(run)

    def finish(self) -> None:
        while self.deferred:
            pending, self.deferred = self.deferred, []
            for task in pending:
                task()


@dataclass
class ReadContext:
    """State of one read: containers by path, read on demand, and the file's schema.

    ``catalog`` is the schema the file caches (with the bundled namespaces behind it), or
    the bundled one; a type that it lacks reads as a :class:`GenericContainer`, with one
    warning per type.
    """

    root: Group
    objects: dict[str, Container] = field(default_factory=dict)
    catalog: Any = None
    missing: set[str] = field(default_factory=set)
    classes: dict[tuple[str, str | None], type[Container]] = field(default_factory=dict)

    def class_for(self, node: Node) -> type[Container]:
        """The class of a typed node (:class:`GenericContainer` if its schema is missing)."""
        kind = node.neurodata_type or ""
        stored = node.attrs.get("namespace")
        namespace = text(stored) if stored is not None else None
        found = self.classes.get((kind, namespace))
        if found is None:
            found = self.classes[kind, namespace] = self.class_for_type(kind, namespace)
        return found

    def class_for_type(self, kind: str, namespace: str | None) -> type[Container]:
        hand = MECHANISM.registered_class(kind, namespace)
        if hand is not None:
            return hand  # hand-written for a bundled type: no schema needed to read it
        if self.catalog is None:
            self.catalog = catalog_of(self.root)
        cls = MECHANISM.find_class(kind, namespace, self.catalog)
        if cls is not None:
            return cls
        if kind not in self.missing:
            self.missing.add(kind)
            warnings.warn(
                f"{self.root.file.location}: no schema for neurodata type {kind!r} "
                f"(namespace {namespace!r}): read as a GenericContainer",
                UserWarning,
                stacklevel=2,
            )
        return GenericContainer

    def get(self, path: str) -> Container:
        """The container stored at ``path`` (read now if not read yet)."""
        path = "/" + path.strip("/")
        if path not in self.objects:
            node = self.root[path]
            self.objects[path] = read_node(node, self)
        return self.objects[path]

    def read_child(self, node: Node) -> Container:
        if node.path not in self.objects:
            self.objects[node.path] = read_node(node, self)
        return self.objects[node.path]

    def target(self, group: Group, name: str) -> Container | None:
        """The container behind member ``name`` (a link or a node), or None."""
        link = group.get_link(name)
        if isinstance(link, SoftLink):
            return self.get(link.path)
        if name in group:
            return self.read_child(group[name])
        return None


def read_members(group: Group, ctx: ReadContext, links: bool = True) -> LazyContainers[Any]:
    """The typed members of ``group`` (and its links), as containers read on first access."""
    out: LazyContainers[Any] = LazyContainers()
    linked = []
    for name, member in group.members():
        if not isinstance(member, Node):
            if links:
                linked.append(name)
        elif "neurodata_type" in member.attrs:
            out.add_pending(name, partial(ctx.read_child, member))
    for name in linked:  # after the stored objects, as they were always listed
        out.add_pending(name, partial(_read_link, group, name, ctx))
    return out


def _read_link(group: Group, name: str, ctx: ReadContext) -> Container:
    return ctx.read_child(group[name])


def catalog_of(root: Group) -> Any:
    """The schema a file caches (its extensions included), else the bundled one."""
    from nwbzarr.spec import catalog_from_file

    return catalog_from_file(root)


def read_node(node: Node, ctx: ReadContext) -> Container:
    """The container for a typed node: the class of its type, or a generic one."""
    cls = ctx.class_for(node)
    with reading():
        obj = cls.from_tree(node, ctx)
        stored = node.attrs.get("object_id")
        if stored is not None:
            obj.object_id = text(stored)
    obj.source_node = node
    if cls is not GenericContainer:
        obj.__dict__[_PENDING] = ctx  # the schema's other fields: read on first use
    return obj


_PENDING = "_fields_from"


def load_fields(obj: Container) -> None:
    """Read the generic fields of a container read from a file (once; a no-op otherwise)."""
    ctx = obj.__dict__.pop(_PENDING, None)
    if ctx is None:
        return
    info = class_info(obj)
    for f in info.args:
        obj.__dict__.setdefault(f.name, {} if f.kind == "children" else None)
    if info.extras and obj.source_node is not None:
        with reading():
            MECHANISM.read_fields(obj, obj.source_node, ctx, info)


def typed_members(group: Group) -> Iterator[tuple[str, Node]]:
    """Members of ``group`` that carry a neurodata type (links not followed)."""
    for name, member in group.members():
        if isinstance(member, Node) and member.neurodata_type is not None:
            yield name, member


# --------------------------------------------------------------------------------------------
# Containers
# --------------------------------------------------------------------------------------------
@register
@dataclass(kw_only=True, eq=False)
class Container:
    """Base of every typed NWB object: a name, an object id and a place in the tree."""

    neurodata_type: ClassVar[str] = "Container"
    namespace: ClassVar[str] = "hdmf-common"

    name: str
    object_id: str = field(default_factory=new_object_id, repr=False)
    source_node: Node | None = field(default=None, repr=False)

    def typed_attrs(self) -> dict[str, Any]:
        """The node's attributes: the type's, then the schema fields mapped generically."""
        out = {
            "namespace": self.namespace,
            "neurodata_type": self.neurodata_type,
            "object_id": self.object_id,
        }
        info = class_info(self)
        if info.node_attrs:
            out.update(MECHANISM.node_attrs(self, info))
        return out

    def write(self, parent: Group, ctx: WriteContext) -> Node:
        """Write this container into ``parent`` and remember where.

        A container read from another file (not the source of the NWBFile being written)
        becomes an external link to it, as pynwb writes it.
        """
        source = self.source_node
        if source is not None and ctx.link_external(parent, self.name, source):
            ctx.paths[id(self)] = posixpath.join(parent.path, self.name)
            return source
        node = self.to_tree(parent, ctx)
        local = node.file is parent.file
        ctx.paths[id(self)] = node.path if local else posixpath.join(parent.path, self.name)
        info = class_info(self)
        if local and (info.members or info.ref_attrs):
            MECHANISM.write_fields(self, node, ctx, info)
        if source is not None and local:
            # after this write's links are set, so that they win over the stored ones
            ctx.deferred.append(lambda: copy_missing(source, node, ctx))
        return node

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        """The container's own node; :meth:`write` adds the fields mapped generically."""
        if class_info(self).is_dataset:
            data = getattr(self, "data", None)
            return write_data(
                parent, self.name, [] if data is None else data, attrs=self.typed_attrs(), ctx=ctx
            )
        return parent.create_group(self.name, attrs=self.typed_attrs())

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        """A container of ``cls`` named as ``node``: its fields are read by the mapping."""
        obj = cls.__new__(cls)
        cls._dc_init(obj, name=node.name)  # type: ignore[attr-defined]
        return obj

    if not TYPE_CHECKING:  # for type checkers, a missing attribute stays an error

        def __getattr__(self, name: str) -> Any:
            """A schema field of a container read from a file: read on first use."""
            state = self.__dict__
            if name.startswith("__"):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            if _PENDING not in state:
                return _from_mixins(self, name)
            load_fields(self)
            try:
                return state[name]
            except KeyError:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                ) from None


def _from_mixins(obj: Container, name: str) -> Any:
    """A method of a mixin of a hand-written class read from a file (mixins load lazily)."""
    for klass in type(obj).__mro__:
        if "_handwritten" in klass.__dict__ and "_mixed" not in klass.__dict__:
            MECHANISM.add_mixins(klass)
            return getattr(obj, name)
    raise AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")


@register
@dataclass(kw_only=True, eq=False)
class Data(Container):
    """A typed dataset: the container is one array (``data``) with attributes."""

    neurodata_type: ClassVar[str] = "Data"

    data: Any = None

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        data = [] if self.data is None else self.data
        return write_data(parent, self.name, data, attrs=self.typed_attrs(), ctx=ctx)

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        obj = super().from_tree(node, ctx)
        obj.data = node
        return obj

    def __len__(self) -> int:
        return data_len(self.data)

    def __getitem__(self, key: Any) -> Any:
        data = self.data
        return np.asarray(data)[key] if isinstance(data, list | tuple) else data[key]


@register
@dataclass(kw_only=True, eq=False)
class NWBContainer(Container):
    neurodata_type: ClassVar[str] = "NWBContainer"
    namespace: ClassVar[str] = "core"


@register
@dataclass(kw_only=True, eq=False)
class NWBData(Data):
    neurodata_type: ClassVar[str] = "NWBData"
    namespace: ClassVar[str] = "core"


@register
@dataclass(kw_only=True, eq=False)
class NWBDataInterface(NWBContainer):
    neurodata_type: ClassVar[str] = "NWBDataInterface"


@dataclass(kw_only=True, eq=False)
class GenericContainer(NWBDataInterface):
    """Any neurodata type nwbzarr does not model (extensions): kept as stored, written back.

    ``type_name`` and ``type_namespace`` are the stored ``neurodata_type`` and ``namespace``.
    """

    type_name: str = ""
    type_namespace: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        if self.source_node is None:
            raise ValidationError(f"GenericContainer {self.name!r} has no stored node to write")
        return copy_node(self.source_node, parent, self.name, ctx)

    def write(self, parent: Group, ctx: WriteContext) -> Node:
        source = self.source_node
        if source is not None and ctx.link_external(parent, self.name, source):
            ctx.paths[id(self)] = posixpath.join(parent.path, self.name)
            return source
        node = self.to_tree(parent, ctx)
        ctx.paths[id(self)] = node.path
        return node

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        return cls(
            name=node.name,
            type_name=node.neurodata_type or "",
            type_namespace=text(node.attrs.get("namespace", "")),
            attrs=dict(node.attrs),
        )

    def __getitem__(self, key: str) -> Node:
        if not isinstance(self.source_node, Group):
            raise KeyError(key)
        return self.source_node[key]


def copy_node(src: Node, parent: Group, name: str, ctx: WriteContext | None = None) -> Node:
    """Copy ``src`` to ``parent/name`` with the tree copier (:func:`nwbzarr.copier.copy_node`);
    with ``ctx``, what holds references waits until the end of the write."""
    return copier.copy_node(src, parent, name, defer=_defer(ctx), skip=_skip(ctx))


def copy_missing(src: Node, dst: Node, ctx: WriteContext | None = None) -> None:
    """Copy what ``dst`` lacks from ``src`` (:func:`nwbzarr.copier.copy_missing`), leaving out
    the containers this write removed."""
    copier.copy_missing(src, dst, defer=_defer(ctx), skip=_skip(ctx))


def _defer(ctx: WriteContext | None) -> Callable[[Callable[[], object]], object] | None:
    return None if ctx is None else ctx.deferred.append


def _skip(ctx: WriteContext | None) -> Callable[[Node], bool] | None:
    return None if ctx is None else ctx.was_removed


__all__ = [
    "REGISTRY",
    "Container",
    "Data",
    "DataIO",
    "GenericContainer",
    "LazyContainers",
    "MECHANISM",
    "NWBContainer",
    "NWBData",
    "NWBDataInterface",
    "ReadContext",
    "WriteContext",
    "register",
]
