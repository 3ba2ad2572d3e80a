"""The xarray engine ``"nwbzarr"``: NWB files (HDF5 and Zarr) opened with ``xr.open_*``.

``xr.open_dataset(path, engine="nwbzarr", group="/acquisition/ElectricalSeries")`` gives one
TimeSeries or table as a :class:`xarray.Dataset`; ``xr.open_datatree(path, engine="nwbzarr")``
gives the whole file. How groups become datasets lives in :mod:`nwbzarr.xr`; this module only
plugs it into xarray's backend API (the entry point named in pyproject.toml). It never imports
dask: storage chunks are reported in ``encoding["preferred_chunks"]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import xarray as xr
from xarray.backends import BackendEntrypoint

from nwbzarr.api import open as nwb_open
from nwbzarr.storage import HDF5_SIGNATURE, REFERENCE_SUFFIXES
from nwbzarr.tree import Group
from nwbzarr.xr._private import ENABLED, NWBDataTree
from nwbzarr.xr.datasets import group_to_dataset
from nwbzarr.xr.datatree import build_tree, groups_as_dict

NWB_SUFFIXES = (".nwb", ".nwb.zarr", ".nwb.h5", ".nwb.hdf5")


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
            return (magic == HDF5_SIGNATURE and path.endswith(NWB_SUFFIXES)) or path.endswith(
                REFERENCE_SUFFIXES
            )
    return path.rstrip("/").endswith(NWB_SUFFIXES + REFERENCE_SUFFIXES)


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
    ``storage_options`` are the fsspec / obstore options of a URL, as other engines take them.
    """

    description = "NWB files (HDF5 and Zarr) as lazy xarray objects, via nwbzarr"
    url = "https://github.com/nwbzarr/nwbzarr"
    open_dataset_parameters = (
        "filename_or_obj",
        "drop_variables",
        "group",
        "scaled",
        "storage_options",
    )
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
        storage_options: dict[str, Any] | None = None,
    ) -> xr.Dataset:
        root = _open_root(filename_or_obj, storage_options)
        node = root[group] if group not in (None, "", "/") else root
        if not isinstance(node, Group):
            raise ValueError(f"{root.file.location}: group={group!r} is an array, not a group")
        ds = group_to_dataset(node, scaled=scaled)
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
        storage_options: dict[str, Any] | None = None,
    ) -> dict[str, xr.Dataset]:
        root = _open_root(filename_or_obj, storage_options)
        start = root[group] if group not in (None, "", "/") else root
        if not isinstance(start, Group):
            raise ValueError(f"{root.file.location}: group={group!r} is an array, not a group")
        out = {
            path: _drop(ds, drop_variables)
            for path, ds in groups_as_dict(start, scaled=scaled).items()
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
        storage_options: dict[str, Any] | None = None,
    ) -> xr.DataTree:
        groups = self.open_groups_as_dict(
            filename_or_obj,
            drop_variables=drop_variables,
            group=group,
            scaled=scaled,
            storage_options=storage_options,
        )
        first = next(iter(groups.values()), None)
        # NWBDataTree answers the default-index pass of xr.open_datatree without a rebuild
        tree = build_tree(groups, cls=NWBDataTree if ENABLED else xr.DataTree, copy=False)
        tree.set_close(first._close if first is not None else None)
        return tree


def _open_root(filename_or_obj: Any, storage_options: dict[str, Any] | None = None) -> Group:
    if isinstance(filename_or_obj, Group):
        return filename_or_obj.root
    if isinstance(filename_or_obj, str | os.PathLike):
        return nwb_open(os.fspath(filename_or_obj), storage_options=storage_options)
    raise TypeError(
        f"engine='nwbzarr' opens paths and URLs (or nwbzarr groups), not {filename_or_obj!r}"
    )


def _drop(ds: xr.Dataset, drop_variables: str | Iterable[str] | None) -> xr.Dataset:
    if drop_variables is None:
        return ds
    names = [drop_variables] if isinstance(drop_variables, str) else list(drop_variables)
    return ds.drop_vars([n for n in names if n in ds.variables])


__all__ = ["NWBZarrBackendEntrypoint"]
