"""Tree comparison: every difference between two trees (also :mod:`nwbzarr.testing`).

:func:`tree_diff` compares two trees the way the round-trip checks require: the same groups,
arrays (values, dtypes including string kinds, shapes, maxshape), attributes (values and
types), links (external links compared by the location they resolve to) and references.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from nwbzarr.dtypes import dtype_str
from nwbzarr.links import base_is_dir
from nwbzarr.tree import Array, ExternalLink, Group, Link, Node, SoftLink, iter_blocks


def tree_diff(a: Group, b: Group, *, values: bool = True, maxshape: bool = True) -> list[str]:
    """Every difference between the trees below ``a`` and ``b`` (empty when they are equal)."""
    return list(_diff_group(a, b, values=values, maxshape=maxshape))


def _diff_group(a: Group, b: Group, *, values: bool, maxshape: bool) -> Iterator[str]:
    yield from _diff_attrs(a, b)
    ma = dict(a.members())
    mb = dict(b.members())
    for name in sorted(set(ma) | set(mb)):
        path = f"{a.path.rstrip('/')}/{name}"
        if name not in mb:
            yield f"{path}: only in {a.file.location}"
            continue
        if name not in ma:
            yield f"{path}: only in {b.file.location}"
            continue
        x, y = ma[name], mb[name]
        if isinstance(x, SoftLink | ExternalLink) or isinstance(y, SoftLink | ExternalLink):
            yield from _diff_link(path, x, y, a, b)
        elif isinstance(x, Group) and isinstance(y, Group):
            yield from _diff_group(x, y, values=values, maxshape=maxshape)
        elif isinstance(x, Array) and isinstance(y, Array):
            yield from _diff_array(x, y, values=values, maxshape=maxshape)
        else:
            yield f"{path}: {_kind(x)} vs {_kind(y)}"


def _kind(node: Node | Link) -> str:
    return type(node).__name__.removeprefix("H5").removeprefix("Zarr")


def _diff_link(path: str, x: Node | Link, y: Node | Link, a: Group, b: Group) -> Iterator[str]:
    if isinstance(x, SoftLink) and isinstance(y, SoftLink):
        if x.path != y.path:
            yield f"{path}: soft link to {x.path!r} vs {y.path!r}"
        return
    if isinstance(x, ExternalLink) and isinstance(y, ExternalLink):
        tx, ty = _link_target(x, a), _link_target(y, b)
        if tx != ty:
            yield f"{path}: external link to {tx} vs {ty}"
        return
    yield f"{path}: {_kind(x)} {x!r} vs {_kind(y)} {y!r}"


def _link_target(link: ExternalLink, group: Group) -> tuple[str, str]:
    from nwbzarr.storage import resolve

    loc = resolve(group.file.location)
    target = loc.resolve_relative(link.source, base_is_dir=base_is_dir(group.file))
    return target.path.rstrip("/"), "/" + link.path.strip("/")


def _diff_attrs(a: Node, b: Node) -> Iterator[str]:
    na, nb = set(a.attrs), set(b.attrs)
    for name in sorted(na ^ nb):
        yield f"{a.path}@{name}: only in {(a if name in na else b).file.location}"
    for name in sorted(na & nb):
        va, ta = a.attrs._get(name)
        vb, tb = b.attrs._get(name)
        if ta != tb:
            yield f"{a.path}@{name}: type {dtype_str(ta)} vs {dtype_str(tb)}"
        elif not values_equal(va, vb):
            yield f"{a.path}@{name}: {va!r} vs {vb!r}"


def _diff_array(x: Array, y: Array, *, values: bool, maxshape: bool) -> Iterator[str]:
    yield from _diff_attrs(x, y)
    if x.shape != y.shape:
        yield f"{x.path}: shape {x.shape} vs {y.shape}"
        return
    if x.datatype != y.datatype:
        yield f"{x.path}: dtype {dtype_str(x.datatype)} vs {dtype_str(y.datatype)}"
        return
    if maxshape and x.maxshape != y.maxshape:
        yield f"{x.path}: maxshape {x.maxshape} vs {y.maxshape}"
    if not values:
        return
    if not x.shape or x.size == 0:
        if not values_equal(x[...], y[...]):
            yield f"{x.path}: values differ"
        return
    grid = x.chunks or y.chunks or x.shape
    for region in iter_blocks(x.shape, grid):
        if not values_equal(x[region], y[region]):
            yield f"{x.path}: values differ in {region}"
            return


def values_equal(a: Any, b: Any) -> bool:
    """Equality for attribute and array values (NaN equals NaN; arrays by shape and content)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        aa, bb = np.asarray(a), np.asarray(b)
        if aa.shape != bb.shape:
            return False
        if aa.dtype.kind in "fc" and bb.dtype.kind in "fc":
            return bool(np.array_equal(aa, bb, equal_nan=True))
        if aa.dtype.names is not None or bb.dtype.names is not None:
            if aa.dtype.names != bb.dtype.names:
                return False
            return all(values_equal(aa[n], bb[n]) for n in aa.dtype.names or ())
        return (
            bool(np.array_equal(aa, bb))
            if aa.dtype.kind != "O"
            else list(aa.ravel()) == list(bb.ravel())
        )
    if isinstance(a, float | np.floating) and isinstance(b, float | np.floating):
        return bool(a == b or (np.isnan(a) and np.isnan(b)))
    return bool(a == b)


__all__ = ["tree_diff", "values_equal"]
