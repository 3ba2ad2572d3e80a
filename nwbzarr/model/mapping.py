"""The generic mapping: a container's schema fields to the tree and back.

Driven by the class's field table (:mod:`nwbzarr.model.classinfo`): attributes go on the
container's node, datasets are written with their attributes in one call, typed children
are written in place (or linked when already written elsewhere), links and references are
set once every path is known. Reading mirrors it: attributes and scalar datasets become
values, arrays stay lazy, typed children become containers (collections read on lookup).
"""

from __future__ import annotations

import posixpath
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from nwbzarr.dtypes import ASCII, REFERENCE, UTF8, CompoundType, DType
from nwbzarr.model.fields import Field
from nwbzarr.model.lazy import LazyContainers
from nwbzarr.tree import Array, Group, Node, Reference, SoftLink

if TYPE_CHECKING:
    from nwbzarr.model.base import Container, ReadContext, WriteContext
    from nwbzarr.model.classinfo import ClassInfo

_NUMPY = {
    "float": "float32",
    "float32": "float32",
    "double": "float64",
    "float64": "float64",
    "long": "int64",
    "int64": "int64",
    "int": "int32",
    "int32": "int32",
    "short": "int16",
    "int16": "int16",
    "int8": "int8",
    "uint": "uint32",
    "uint32": "uint32",
    "uint64": "uint64",
    "uint16": "uint16",
    "uint8": "uint8",
    "bool": "bool",
}
_TEXT = {"text": UTF8, "utf": UTF8, "utf8": UTF8, "utf-8": UTF8, "ascii": ASCII, "str": UTF8}


# --------------------------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------------------------
def to_stored(f: Field, value: Any) -> Any:
    """A value as the schema stores it: text as str, dates as ISO text, numbers cast up."""
    dtype = f.dtype
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple) and value and isinstance(value[0], datetime | date):
        return np.array([v.isoformat() for v in value], dtype=object)
    if not isinstance(dtype, str) or isinstance(value, str | bytes | Array):
        return value
    if dtype in _TEXT:
        if isinstance(value, list | tuple | np.ndarray):
            return np.array([str(v) for v in np.ravel(value)], dtype=object).reshape(
                np.shape(value)
            )
        return value
    target = _NUMPY.get(dtype)
    if target is None or not _plain(value):
        return value
    arr = np.asarray(value)
    wanted = np.dtype(target)
    if arr.dtype.kind == wanted.kind and arr.dtype.itemsize >= wanted.itemsize:
        return arr[()] if arr.ndim == 0 else arr
    if arr.dtype.kind in "OUSb" or wanted.kind == "b":
        return value
    # hdmf's rule: the schema's kind, at least as wide as the given values
    size = max(arr.dtype.itemsize, wanted.itemsize)
    cast = arr.astype(np.dtype(f"{wanted.kind}{size}"))
    return cast[()] if cast.ndim == 0 else cast


def _plain(value: Any) -> bool:
    return isinstance(value, int | float | bool | np.number | np.bool_ | list | tuple | np.ndarray)


def stored_dtype(f: Field) -> DType | None:
    if f.is_ref:
        return REFERENCE
    if isinstance(f.dtype, str):
        if f.dtype in _TEXT:
            return _TEXT[f.dtype]
        if f.dtype in ("isodatetime", "datetime"):
            return ASCII
    return None


def dims_for(f: Field, value: Any) -> tuple[str, ...] | None:
    if not f.dims:
        return None
    ndim = int(np.ndim(value)) if not hasattr(value, "ndim") else int(value.ndim)
    for dims in f.dims:
        if len(dims) == ndim:
            return dims
    return None


def from_stored(f: Field, value: Any) -> Any:
    """A stored attribute or scalar value as Python gives it (text as str, dates parsed)."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, np.ndarray) and value.dtype.kind in "OSU":
        value = [v.decode() if isinstance(v, bytes) else v for v in value.tolist()]
    if f.dtype in ("isodatetime", "datetime"):
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        if isinstance(value, list):
            return [datetime.fromisoformat(str(v)) for v in value]
    if isinstance(value, np.str_):
        return str(value)
    return value


def compound_with_references(spec_dtype: Any) -> CompoundType | None:
    """The stored type of a compound schema dtype that holds references (else None)."""
    if not isinstance(spec_dtype, tuple) or not any(
        getattr(c.dtype, "target_type", None) is not None for c in spec_dtype
    ):
        return None
    fields: list[tuple[str, DType]] = []
    for c in spec_dtype:
        if getattr(c.dtype, "target_type", None) is not None:
            fields.append((c.name, REFERENCE))
        elif isinstance(c.dtype, str) and c.dtype in _TEXT:
            fields.append((c.name, _TEXT[c.dtype]))
        else:
            fields.append((c.name, np.dtype(_NUMPY.get(str(c.dtype), "float64"))))
    return CompoundType(tuple(fields))


def write_compound_rows(
    group: Group,
    name: str,
    rows: list[Any],
    ctype: CompoundType,
    attrs: dict[str, Any],
    ctx: WriteContext,
) -> Array:
    """An extendable compound array whose references are filled once every path is known."""
    from nwbzarr.model.base import Container

    array = group.create_array(
        name, shape=(len(rows),), dtype=ctype, maxshape=(None,), chunks=True, attrs=attrs
    )

    def fill() -> None:
        if not rows:
            return
        layout = [(n, object if not isinstance(t, np.dtype) else t) for n, t in ctype.fields]
        values = np.empty(len(rows), dtype=layout)
        for i, row in enumerate(rows):
            values[i] = tuple(
                Reference(ctx.path_of(v)) if isinstance(v, Container) else v for v in row
            )
        array[0 : len(rows)] = values

    ctx.deferred.append(fill)
    return array


def write_reference_rows(
    group: Group, name: str, targets: list[Any], attrs: dict[str, Any], ctx: WriteContext
) -> Array:
    """An extendable array of references to containers, filled once every path is known."""
    array = group.create_array(
        name, shape=(len(targets),), dtype=REFERENCE, maxshape=(None,), chunks=True, attrs=attrs
    )

    def fill() -> None:
        values = np.empty(len(targets), dtype=object)
        for i, target in enumerate(targets):
            values[i] = target if isinstance(target, Reference) else Reference(ctx.path_of(target))
        if len(values):
            array[0 : len(values)] = values

    ctx.deferred.append(fill)
    return array


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def node_attrs(obj: Container, info: ClassInfo) -> dict[str, Any]:
    """The generic attributes of the container's own node (references are set later)."""
    out: dict[str, Any] = {}
    for f in info.node_attrs:
        value = getattr(obj, f.name, None)
        if value is None:
            value = f.fixed if f.fixed is not None else f.default
        if value is not None:
            out[f.path or f.name] = to_stored(f, value)
    return out


def write_members(obj: Container, node: Node, ctx: WriteContext, info: ClassInfo) -> None:
    """Write the generic datasets, children, links and reference attributes of ``obj``."""
    for f in info.ref_attrs:
        target = getattr(obj, f.name, None)
        if target is not None:
            ctx.reference_attr(node, f.path or f.name, target)
    if not isinstance(node, Group):
        return
    for f in info.members:
        value = getattr(obj, f.name, None)
        if f.kind == "dataset":
            _write_dataset(obj, node, f, value, ctx, info)
        elif value is None:
            continue
        elif f.kind == "link":
            ctx.link(node, f.path or value.name, value)
        elif f.kind == "child":
            _write_child(_within(node, f), f, value, ctx)
        elif value:
            where = _within(node, f)
            for child in value.values() if isinstance(value, dict) else value:
                _write_child(where, f, child, ctx)


def _within(group: Group, f: Field) -> Group:
    if f.within is None:
        return group
    sub = group.get(f.within)
    if isinstance(sub, Group):
        return sub
    return group.create_group(f.within)


def as_compound(spec_dtype: Any, value: Any) -> Any:
    """Plain numbers given for a numeric compound dataset (pynwb takes ``position=(x, y, z)``)
    as the compound value pynwb writes: one record from a flat sequence of one number per
    field, records from rows of them. Anything else is returned as it is."""
    if not isinstance(spec_dtype, tuple) or any(not isinstance(c.dtype, str) for c in spec_dtype):
        return value
    if any(c.dtype not in _NUMPY for c in spec_dtype):
        return value  # text or unknown fields: left to the general path
    if isinstance(value, np.ndarray) and value.dtype.names:
        return value
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return value
    n = len(spec_dtype)
    if arr.dtype.kind not in "iuf" or arr.ndim not in (1, 2) or arr.shape[-1] != n:
        return value
    dtype = np.dtype([(c.name, _NUMPY[c.dtype]) for c in spec_dtype])
    if arr.ndim == 1:
        return np.array(tuple(arr.tolist()), dtype=dtype)
    return np.array([tuple(row) for row in arr.tolist()], dtype=dtype)


def _write_dataset(
    obj: Container, group: Group, f: Field, value: Any, ctx: WriteContext, info: ClassInfo
) -> None:
    from nwbzarr.model.base import Container, write_data

    if value is None:
        if f.fixed is None:
            return
        value = f.fixed
    name = f.path or f.name
    if isinstance(value, Container):  # data of another series: linked, as pynwb does
        ctx.link(group, name, value, name)
        return
    attrs = {}
    for a in info.owned.get(name, ()):
        v = getattr(obj, a.name, None)
        v = a.fixed if v is None and a.fixed is not None else v
        v = a.default if v is None else v
        if v is not None and not a.is_ref:
            attrs[a.path or a.name] = to_stored(a, v)
    stored = to_stored(f, value)
    if f.is_ref:
        ctx.deferred.append(partial(_write_references, group, name, stored, attrs, ctx))
        return
    stored = as_compound(f.dtype, stored)
    write_data(
        group,
        name,
        stored,
        dtype=stored_dtype(f),
        dims=dims_for(f, stored),
        attrs=attrs or None,
        ctx=ctx,
    )


def _write_references(
    group: Group, name: str, targets: Any, attrs: dict[str, Any], ctx: WriteContext
) -> None:
    from nwbzarr.model.base import Container

    if isinstance(targets, Container):
        data: Any = Reference(ctx.path_of(targets))
    else:
        data = np.empty(len(targets), dtype=object)
        for i, target in enumerate(targets):
            data[i] = target if isinstance(target, Reference) else Reference(ctx.path_of(target))
    group.create_array(name, data, dtype=REFERENCE, attrs=attrs or None)


def _write_child(group: Group, f: Field, child: Container, ctx: WriteContext) -> None:
    if f.path is not None and child.name != f.path:
        child.name = f.path
    written = ctx.paths.get(id(child))
    if written == posixpath.join(group.path, child.name):
        return  # here already (a named field that is also in a collection)
    if written is not None:  # already written elsewhere in this file: linked
        ctx.link(group, child.name, child)
    else:
        child.write(group, ctx)


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def read_members(obj: Container, node: Node, ctx: ReadContext, info: ClassInfo) -> None:
    """Set the generic fields of ``obj`` from its node."""
    for f in info.node_attrs:
        key = f.path or f.name
        if key in node.attrs:
            setattr(obj, f.name, from_stored(f, node.attrs[key]))
    for f in info.ref_attrs:
        ref = node.attrs.get(f.path or f.name)
        if isinstance(ref, Reference):
            setattr(obj, f.name, ctx.get(ref.path))
    if isinstance(node, Group):
        _read_group_members(obj, node, ctx, info)


def _read_group_members(obj: Container, node: Group, ctx: ReadContext, info: ClassInfo) -> None:
    present = set(node) if info.members else set()  # one listing, not a lookup per field
    for f in info.members:
        if (f.within or f.path) not in present and (f.within or f.path) is not None:
            continue
        if f.kind == "dataset":
            _read_dataset(obj, node, f, ctx, info)
        elif f.within is not None:
            _read_within(obj, node, f, ctx)
        elif f.path is not None:
            if f.kind == "children":
                continue
            target = ctx.target(node, f.path)
            if target is not None:
                setattr(obj, f.name, target)
    if info.unnamed:
        _read_unnamed(obj, node, ctx, info)


def _read_within(obj: Container, group: Group, f: Field, ctx: ReadContext) -> None:
    sub = group.get(f.within or "")
    if not isinstance(sub, Group):
        return
    if f.kind == "child":
        target = ctx.target(sub, f.path) if f.path else None
        if target is None:
            target = next((ctx.read_child(m) for _, m in _typed(sub)), None)
        setattr(obj, f.name, target)
        return
    setattr(obj, f.name, tuple(ctx.read_child(member) for _, member in _typed(sub)))


def _typed(group: Group) -> list[tuple[str, Node]]:
    out = []
    for name, member in group.members():
        node = member if isinstance(member, Node) else group[name]
        if node.neurodata_type is not None:
            out.append((name, node))
    return out


def _read_dataset(
    obj: Container, group: Group, f: Field, ctx: ReadContext, info: ClassInfo
) -> None:
    name = f.path or f.name
    link = group.get_link(name)
    if isinstance(link, SoftLink) and f.fixed is None:
        owner, _, member = link.path.rpartition("/")
        target = ctx.get(owner) if owner and member == name else None
        if target is not None and not isinstance(target, type(None)):
            setattr(obj, f.name, target)
            return
    if name not in group:
        return
    array = group[name]
    if not isinstance(array, Array):
        return
    for a in info.owned.get(name, ()):
        key = a.path or a.name
        if key in array.attrs:
            setattr(obj, a.name, from_stored(a, array.attrs[key]))
    if f.fixed is not None:
        return
    if array.ndim == 0 and not f.is_ref:
        setattr(obj, f.name, from_stored(f, array[()]))
    else:
        setattr(obj, f.name, array)


def _read_unnamed(obj: Container, group: Group, ctx: ReadContext, info: ClassInfo) -> None:
    """Typed members without a fixed name go to the first field whose type they are."""
    fields = info.unnamed
    bins: dict[str, LazyContainers[Any]] = {
        f.name: LazyContainers() for f in fields if f.kind == "children"
    }
    named = {f.path for f in info.fields if f.path is not None}
    named.update(f.within for f in info.fields if f.within is not None)
    for name, item in group.members():
        if name in named and not bins:
            continue  # a named field (a collection also takes it: AlignedDynamicTable)
        # a link to a typed object: its target's type decides
        member = item if isinstance(item, Node) else group[name]
        if member.neurodata_type is None:
            continue
        cls = ctx.class_for(member)
        for f in fields:
            if name in named and f.kind != "children":
                continue
            if issubclass(cls, ctx.class_for_type(f.type_name or "", info.namespace)):
                if f.kind == "children":
                    bins[f.name].add_pending(name, partial(_read_at, group, name, ctx))
                elif getattr(obj, f.name, None) is None:
                    setattr(obj, f.name, ctx.read_child(member))
                break
    for key, value in bins.items():
        setattr(obj, key, value)


def _read_at(group: Group, name: str, ctx: ReadContext) -> Any:
    return ctx.read_child(group[name])


__all__ = ["node_attrs", "read_members", "write_members"]
