"""Every private name of xarray that nwbzarr uses, in this one module, behind a version check.

Opening a file of many series as a DataTree is dominated by object construction; three
shortcuts through xarray's internals skip work whose result is known (docs/performance.md
gives what each buys on ``many_series``):

* :func:`direct_dataset`: ``Dataset._construct_direct`` when the public constructor could not
  change anything (no variable named after a dimension, distinct names, sizes that agree);
* :func:`direct_tree`: DataTree nodes linked through their slots when no node shares a
  dimension or an index with its ancestors (``DataTree.from_dict`` aligns every node with all
  it inherits and scans its siblings: ~0.3 ms a node);
* :class:`NWBDataTree`: ``xr.open_datatree`` maps ``_maybe_create_default_indexes`` over the
  backend's tree and rebuilds it with ``from_dict``; when every dimension coordinate has an
  index already, the tree is the answer.

Each returns None (or defers to xarray) unless :data:`ENABLED`: the installed xarray is one
whose internals these were written and tested against (:data:`TESTED`). The callers then take
the public path (``xr.Dataset``, ``DataTree.from_dict``), and tests/test_xarray_tree_fast.py
checks that both paths give the same objects.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import cache
from typing import Any, cast

import xarray as xr
from xarray.indexes import Index

TESTED = ((2025, 7), (2026, 12))
"""xarray releases (year, month), first and last, whose internals this module was tested with."""


def tested_version(version: str) -> bool:
    """Whether xarray ``version`` (``"2026.9.0"``) is within :data:`TESTED`."""
    found = re.match(r"(\d+)\.(\d+)", version)
    if found is None:
        return False
    release = (int(found.group(1)), int(found.group(2)))
    return TESTED[0] <= release <= TESTED[1]


ENABLED = tested_version(xr.__version__)
"""Use the shortcuts (tests switch them off to compare with the public path)."""


# --------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------
def direct_dataset(
    data_vars: dict[Hashable, xr.Variable],
    coords: dict[Hashable, xr.Variable],
    attrs: dict[str, Any],
    extra: xr.Coordinates | Index | None,
) -> xr.Dataset | None:
    """The dataset, built directly (see the module), or None: build it with the public API."""
    construct = getattr(xr.Dataset, "_construct_direct", None)
    if not ENABLED or construct is None or isinstance(extra, xr.Coordinates):
        return None
    indexed = extra.create_variables() if extra is not None else {}
    variables = data_vars | coords | indexed
    if len(variables) != len(data_vars) + len(coords) + len(indexed):
        return None
    dims: dict[Hashable, int] = {}
    for var in variables.values():
        for dim, size in zip(var.dims, var.shape, strict=True):
            if dims.setdefault(dim, size) != size:
                return None
    if not (dims.keys().isdisjoint(data_vars) and dims.keys().isdisjoint(coords)):
        return None
    try:
        ds = construct(
            variables=variables,
            coord_names={*coords, *indexed},
            dims=dims,
            attrs=dict(attrs) if attrs else None,
            indexes=dict.fromkeys(indexed, extra),
            encoding=None,
        )
    except TypeError:  # another signature: use the public constructor
        return None
    return ds if isinstance(ds, xr.Dataset) else None


# --------------------------------------------------------------------------------------------
# Trees
# --------------------------------------------------------------------------------------------
# Everything a DataTree node holds; build_tree links nodes directly only if a node made by the
# public constructor holds exactly these (checked once per class).
_NODE_SLOTS = frozenset(
    {
        "_name",
        "_parent",
        "_children",
        "_data_variables",
        "_node_coord_variables",
        "_node_dims",
        "_node_indexes",
        "_attrs",
        "_encoding",
        "_close",
    }
)


def _path_parts(key: str) -> tuple[str, ...] | None:
    """``("a", "b")`` for ``/a/b`` (or ``a/b``), ``()`` for the root; None if not plain."""
    if key in ("", ".", "/", "./"):
        return ()
    parts = tuple(key.removeprefix("/").split("/"))
    return None if any(part in ("", ".", "..") for part in parts) else parts


def direct_tree(
    datasets: Mapping[str, xr.Dataset | None],
    name: str | None,
    cls: type[xr.DataTree],
    copy: bool,
) -> xr.DataTree | None:
    """The tree of ``datasets`` with nodes linked directly (see the module), or None."""
    if not ENABLED or not _links_directly(cls):
        return None
    items: dict[tuple[str, ...], xr.Dataset] = {}
    for key, value in datasets.items():
        parts = _path_parts(key) if isinstance(key, str) else None
        if parts is None or parts in items or not (value is None or isinstance(value, xr.Dataset)):
            return None
        items[parts] = xr.Dataset() if value is None else value
    root = cls(dataset=items.pop((), None), name=name)
    top = root.dataset
    # per node: (node, its variables, the dims and index names of it and its ancestors)
    built: dict[
        tuple[str, ...], tuple[xr.DataTree, Mapping[Hashable, Any], set[Hashable], set[Hashable]]
    ]
    built = {(): (root, top.variables, set(top.dims), set(top.xindexes))}
    setslot = object.__setattr__  # DataTree.__setattr__ would only add a check
    for parts, value in sorted(items.items(), key=lambda item: len(item[0])):
        above = built.get(parts[:-1])
        if above is None:
            return None
        parent, parent_variables, dims_above, indexes_above = above
        child = parts[-1]
        ds = value.copy(deep=False) if copy else value
        dims, indexes, variables = ds._dims, ds._indexes, ds._variables
        if (
            child in parent_variables
            or child in indexes_above
            or not dims_above.isdisjoint(dims)
            or not indexes_above.isdisjoint(indexes)
            or any(isinstance(var, str) and "/" in var for var in variables)
        ):
            return None
        node = object.__new__(cls)
        node._set_node_data(ds)
        setslot(node, "_close", None)  # as from_dict, whose copies drop it
        setslot(node, "_name", child)
        setslot(node, "_parent", parent)
        setslot(node, "_children", {})
        parent._children[child] = node
        built[parts] = (node, variables, dims_above.union(dims), indexes_above.union(indexes))
    return root


@cache
def _links_directly(cls: type[xr.DataTree]) -> bool:
    """Whether a node of ``cls`` holds exactly ``_NODE_SLOTS`` (and can be set up by hand)."""
    if not callable(getattr(cls, "_set_node_data", None)):
        return False
    probe = cls()
    held = set()
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            descriptor = klass.__dict__.get(slot)
            if descriptor is None:
                continue
            try:
                descriptor.__get__(probe, cls)
            except AttributeError:
                continue
            held.add(slot)
    return held == _NODE_SLOTS


# --------------------------------------------------------------------------------------------
# The tree xr.open_datatree rebuilds
# --------------------------------------------------------------------------------------------
class NWBDataTree(xr.DataTree):  # type: ignore[no-untyped-call]  # xarray's __init_subclass__
    """The tree :meth:`NWBZarrBackendEntrypoint.open_datatree` hands to xarray.

    ``xr.open_datatree`` maps a function over it (to add default indexes) and rebuilds a tree
    of the results with ``DataTree.from_dict``, which attaches nodes one at a time (~0.3 ms
    each). Here the results are linked by :func:`direct_tree` in one pass, giving
    the same plain :class:`xarray.DataTree`. Several trees, or results that are not datasets,
    take xarray's own path. With ``create_default_indexes=False`` xarray returns this tree
    itself: a DataTree in every other respect.
    """

    __slots__ = ()

    def map_over_datasets(
        self,
        func: Callable[..., Any],
        *args: Any,
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        options = dict(kwargs or {})
        if not ENABLED or any(isinstance(arg, xr.DataTree) for arg in args):
            return super().map_over_datasets(func, *args, kwargs=kwargs)
        copies_only = func is _default_index_adder() and not args and not options
        if copies_only and self._indexed_throughout():
            # The function would return every dataset as it is, and xarray asks this of the
            # tree the engine has just built, then drops that tree: the tree is the answer.
            # Its nodes become plain DataTrees (same slots), as from_dict would make them.
            for plain in self.subtree:
                cast(Any, plain).__class__ = xr.DataTree
            return self
        results = self._map_each(func, args, options, copies_only)
        if all(result is None or isinstance(result, xr.Dataset) for result in results.values()):
            tree = direct_tree(results, self.name, xr.DataTree, copy=False)
            return tree if tree is not None else xr.DataTree.from_dict(results, name=self.name)
        return super().map_over_datasets(func, *args, kwargs=kwargs)

    def _map_each(
        self,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        options: dict[str, Any],
        copies_only: bool,
    ) -> dict[str, Any]:
        """``func`` applied to every node's dataset, by path (as xarray would call it)."""
        results: dict[str, Any] = {}
        # (path, node, whether an ancestor has an index, which the node's dataset would inherit)
        queue: deque[tuple[str, xr.DataTree, bool]] = deque([("/", self, False)])
        while queue:
            path, node, inherits = queue.popleft()
            own = node.to_dataset(inherit=False) if copies_only and not inherits else None
            try:
                if own is not None and _has_default_indexes(own):
                    # node.dataset holds the same variables: the function would copy them
                    result = _copy_variables(own)
                else:
                    result = func(node.dataset, *args, **options)
                    if isinstance(result, xr.Dataset):
                        result = result.copy(deep=False)  # as from_dict: share nothing
            except Exception as err:
                err.add_note(f"Raised whilst mapping function over node with path {path!r}")
                raise
            results[path] = result
            if own is not None:
                inherits = bool(own._indexes)  # what its children inherit
            prefix = path.rstrip("/")
            queue.extend(
                (f"{prefix}/{name}", child, inherits) for name, child in node.children.items()
            )
        return results

    def _indexed_throughout(self) -> bool:
        """Whether every node is a root-level NWBDataTree whose dimension coordinates all
        have indexes (so that adding default indexes changes nothing)."""
        if self.parent is not None:
            return False
        try:
            return all(
                type(node) is NWBDataTree
                and _dims_indexed(node._node_coord_variables.items(), node._node_indexes)
                for node in self.subtree
            )
        except AttributeError:  # other xarray internals: take the general path
            return False


def _copy_variables(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with shallow copies of its variables (its other containers are its own already)."""
    return ds._replace({name: var.copy(deep=False) for name, var in ds._variables.items()})


def _default_index_adder() -> Callable[..., Any] | None:
    """The function ``xr.open_datatree`` maps over a backend's tree (private to xarray).

    It indexes dimension coordinates that have no index, by ``ds.assign_coords``: a copy of
    ``ds`` when every one has an index already. If xarray renames it, this is None and the
    function is simply called.
    """
    from xarray.backends import api

    found = getattr(api, "_maybe_create_default_indexes", None)
    return found if callable(found) else None


def _has_default_indexes(ds: xr.Dataset) -> bool:
    """Whether every dimension coordinate of ``ds`` has an index."""
    variables = ds._variables
    return _dims_indexed(((name, variables[name]) for name in ds._coord_names), ds._indexes)


def _dims_indexed(
    coords: Iterable[tuple[Hashable, xr.Variable]], indexes: Mapping[Hashable, Any]
) -> bool:
    """Whether every dimension coordinate among ``coords`` has an index in ``indexes``."""
    return all(name in indexes or var.dims != (name,) for name, var in coords)


__all__ = ["ENABLED", "TESTED", "NWBDataTree", "direct_dataset", "direct_tree", "tested_version"]
