"""xarray backend for NWB files (HDF5 and Zarr): the engine entry point and the lazy array.

``xr.open_dataset(path, engine="nwbzarr", group="/acquisition/ElectricalSeries")`` gives one
TimeSeries or table as a :class:`xarray.Dataset`; ``xr.open_datatree(path, engine="nwbzarr")``
gives the whole file. How groups become datasets lives in :mod:`nwbzarr.xr`; this module only
plugs it into xarray and wraps nwbzarr arrays for lazy indexing. It never imports dask: storage
chunks are reported in ``encoding["preferred_chunks"]`` and :mod:`nwbzarr.xr` makes dask chunks.

Opening a file of many series is dominated by object construction, so the tree is built in
one pass (:func:`nwbzarr.xr.build_tree`, and :class:`NWBDataTree` for the rebuild xarray asks
for) with the cyclic garbage collector paused (:func:`gc_paused`).
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

import numpy as np
import xarray as xr
from xarray.backends import BackendArray, BackendEntrypoint
from xarray.backends.locks import HDF5_LOCK
from xarray.core import indexing

import nwbzarr
from nwbzarr import xr as nx  # imports this module: names used at call time
from nwbzarr.storage import HDF5_SIGNATURE, Location
from nwbzarr.tree import Array, File, Group, block_shape

NWB_SUFFIXES = (".nwb", ".nwb.zarr", ".nwb.h5", ".nwb.hdf5")

# One open root per (location) and process: workers reopen a file once, not once per task.
_OPEN_ROOTS: dict[str, Group] = {}
_OPEN_LOCK = threading.Lock()


def reopen(location: str | Location) -> Group:
    """The root group of ``location``, opened read-only once per process."""
    key = str(location)
    with _OPEN_LOCK:
        root = _OPEN_ROOTS.get(key)
        if root is None or root.file.closed:
            root = nwbzarr.open(location)
            _OPEN_ROOTS[key] = root
        return root


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file's xarray objects are built.

    Opening a file of many series builds ~100 objects per series that all survive: the
    collector would scan them, and in its full collections everything else in the process,
    several times over for nothing (a third of opening 1,000 series). At the end, one
    collection of the young generations scans them once (and they age out of them).
    Nested or already paused: left as it is.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)


def file_location(file: File) -> str | Location:
    """What reopens ``file`` elsewhere: its Location (with storage options) when known."""
    resolver = file.resolver
    found = getattr(resolver, "locations", {}).get(id(file)) if resolver is not None else None
    return found if isinstance(found, Location) else file.location


class NodeArray(BackendArray):
    """A picklable, lazily indexed view of one nwbzarr :class:`~nwbzarr.tree.Array`.

    It keeps the file location and the node path; the open array is a cache that is dropped
    when pickled and reopened (once per process) on first read, so dask workers can use it.
    ``scale=(conversion, offset)`` returns ``values * conversion + offset``.
    """

    def __init__(self, array: Array, scale: tuple[float, float] | None = None) -> None:
        file = array.file
        self.location = file_location(file)
        self.path = array.path
        self.is_hdf5 = file.format == "hdf5"
        self.scale = scale
        self.shape = array.shape
        stored = array.dtype
        self.dtype = (
            np.result_type(stored, np.float32 if stored.itemsize <= 2 else np.float64)
            if scale is not None and stored.kind in "iub"
            else stored
        )
        self._array: Array | None = array

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_array"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def array(self) -> Array:
        array = self._array
        if array is None or array.file.closed:
            node = reopen(self.location)[self.path]
            if not isinstance(node, Array):
                raise TypeError(f"{self.location}: {self.path!r} is a group, not an array")
            array = self._array = node
        return array

    def __getitem__(self, key: indexing.ExplicitIndexer) -> Any:
        support = (
            indexing.IndexingSupport.OUTER_1VECTOR
            if self.is_hdf5
            else indexing.IndexingSupport.OUTER
        )
        return indexing.explicit_indexing_adapter(key, self.shape, support, self._raw)

    def _raw(self, key: tuple[Any, ...]) -> np.ndarray[Any, Any]:
        key = tuple(k.tolist() if isinstance(k, np.ndarray) and self.is_hdf5 else k for k in key)
        if self.is_hdf5:
            with HDF5_LOCK:
                values = np.asarray(self.array[key])
        else:
            values = np.asarray(self.array[key])
        if self.scale is not None:
            conversion, offset = self.scale
            values = (values * conversion + offset).astype(self.dtype, copy=False)
        return values


def storage_chunks(array: Array) -> tuple[int, ...]:
    """The preferred read unit: the shard, else the chunk, else ~4 MiB time-major blocks."""
    spec = array.spec
    if spec.shards:
        return tuple(spec.shards)
    if spec.chunks:
        return tuple(spec.chunks)
    return block_shape(spec.shape, max(array.dtype.itemsize, 1))


def lazy_variable(
    array: Array,
    dims: Iterable[str],
    attrs: dict[str, Any] | None = None,
    scale: tuple[float, float] | None = None,
) -> xr.Variable:
    """An :class:`xarray.Variable` that reads ``array`` only when indexed."""
    dims = tuple(dims)
    data = indexing.LazilyIndexedArray(NodeArray(array, scale))
    chunks = storage_chunks(array)
    encoding = {
        "preferred_chunks": dict(zip(dims, chunks, strict=True)),
        "chunks": chunks,
        "source": f"{array.file.location}:{array.path}",
    }
    stored = array.spec.chunks
    if stored:
        encoding["storage_chunks"] = tuple(stored)
    # fastpath: the lazy array is kept as it is either way, without xarray's type checks
    return xr.Variable(dims, data, attrs or {}, encoding, fastpath=True)


def _looks_like_nwb(filename_or_obj: Any) -> bool:
    if not isinstance(filename_or_obj, str | os.PathLike):
        return False
    path = os.fspath(filename_or_obj)
    if "://" not in path:
        if os.path.isdir(path):
            return _zarr_root_is_nwb(path)
        if os.path.isfile(path):
            try:
                with open(path, "rb") as fh:
                    magic = fh.read(8)
            except OSError:
                return False
            return magic == HDF5_SIGNATURE and path.endswith(NWB_SUFFIXES)
    return path.rstrip("/").endswith(NWB_SUFFIXES)


def _zarr_root_is_nwb(path: str) -> bool:
    """A Zarr group whose root metadata names an NWB file (v3 ``zarr.json`` or v2 ``.zattrs``)."""
    for name in ("zarr.json", ".zattrs"):
        meta = os.path.join(path, name)
        if os.path.isfile(meta):
            with open(meta, "rb") as fh:
                head = fh.read(1 << 16)
            if b'"nwb_version"' in head or b'"NWBFile"' in head:
                return True
    return path.rstrip("/").endswith(".nwb.zarr") and (
        os.path.isfile(os.path.join(path, "zarr.json"))
        or os.path.isfile(os.path.join(path, ".zgroup"))
    )


class NWBZarrBackendEntrypoint(BackendEntrypoint):
    """Open NWB files (HDF5 or Zarr, local or remote) with ``engine="nwbzarr"``.

    ``group`` selects one node (``"/acquisition/ElectricalSeries"``); TimeSeries come with a
    ``time`` coordinate and ``channel`` labels, tables with one dimension named after the table.
    """

    description = "NWB files (HDF5 and Zarr) as lazy xarray objects, via nwbzarr"
    url = "https://github.com/nwbzarr/nwbzarr"
    open_dataset_parameters = ("filename_or_obj", "drop_variables", "group", "scaled")
    supports_groups = True

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        return _looks_like_nwb(filename_or_obj)

    def open_dataset(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        group: str | None = None,
        scaled: bool = False,
    ) -> xr.Dataset:
        root = _open_root(filename_or_obj)
        node = root[group] if group not in (None, "", "/") else root
        if not isinstance(node, Group):
            raise ValueError(f"{root.file.location}: group={group!r} is an array, not a group")
        ds = nx.group_to_dataset(node, scaled=scaled)
        ds = _drop(ds, drop_variables)
        ds.set_close(root.close)
        return ds

    def open_groups_as_dict(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        group: str | None = None,
        scaled: bool = False,
    ) -> dict[str, xr.Dataset]:
        with gc_paused():
            root = _open_root(filename_or_obj)
            start = root[group] if group not in (None, "", "/") else root
            if not isinstance(start, Group):
                raise ValueError(f"{root.file.location}: group={group!r} is an array, not a group")
            out = {
                path: _drop(ds, drop_variables)
                for path, ds in nx.groups_as_dict(start, scaled=scaled).items()
            }
        first = next(iter(out.values()), None)
        if first is not None:
            first.set_close(root.close)
        return out

    def open_datatree(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        group: str | None = None,
        scaled: bool = False,
    ) -> xr.DataTree:
        with gc_paused():
            groups = self.open_groups_as_dict(
                filename_or_obj, drop_variables=drop_variables, group=group, scaled=scaled
            )
            first = next(iter(groups.values()), None)
            tree = nx.build_tree(groups, cls=NWBDataTree, copy=False)
        tree.set_close(first._close if first is not None else None)
        return tree


class NWBDataTree(xr.DataTree):  # type: ignore[no-untyped-call]  # xarray's __init_subclass__
    """The tree :meth:`NWBZarrBackendEntrypoint.open_datatree` hands to xarray.

    ``xr.open_datatree`` maps a function over it (to add default indexes) and rebuilds a tree
    of the results with ``DataTree.from_dict``, which attaches nodes one at a time (~0.3 ms
    each). Here the results are linked by :func:`nwbzarr.xr.build_tree` in one pass, giving
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
        if any(isinstance(arg, xr.DataTree) for arg in args):
            return super().map_over_datasets(func, *args, kwargs=kwargs)
        options = dict(kwargs or {})
        copies_only = func is _default_index_adder() and not args and not options
        if copies_only and self._indexed_throughout():
            # The function would return every dataset as it is, and xarray asks this of the
            # tree the engine has just built, then drops that tree: the tree is the answer.
            # Its nodes become plain DataTrees (same slots), as from_dict would make them.
            for plain in self.subtree:
                cast(Any, plain).__class__ = xr.DataTree
            return self
        results: dict[str, Any] = {}
        # (path, node, whether an ancestor has an index, which the node's dataset would inherit)
        queue: deque[tuple[str, xr.DataTree, bool]] = deque([("/", self, False)])
        with gc_paused():
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
            if all(result is None or isinstance(result, xr.Dataset) for result in results.values()):
                return nx.build_tree(results, name=self.name, copy=False)
        return super().map_over_datasets(func, *args, kwargs=kwargs)

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


def _open_root(filename_or_obj: Any) -> Group:
    if isinstance(filename_or_obj, Group):
        return filename_or_obj.root
    if isinstance(filename_or_obj, str | os.PathLike):
        return nwbzarr.open(os.fspath(filename_or_obj))
    raise TypeError(
        f"engine='nwbzarr' opens paths and URLs (or nwbzarr groups), not {filename_or_obj!r}"
    )


def _drop(ds: xr.Dataset, drop_variables: str | Iterable[str] | None) -> xr.Dataset:
    if drop_variables is None:
        return ds
    names = [drop_variables] if isinstance(drop_variables, str) else list(drop_variables)
    return ds.drop_vars([n for n in names if n in ds.variables])


__all__ = [
    "NWBDataTree",
    "NWBZarrBackendEntrypoint",
    "NodeArray",
    "gc_paused",
    "lazy_variable",
    "reopen",
    "storage_chunks",
]
