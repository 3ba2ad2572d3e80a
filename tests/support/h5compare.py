"""Every dataset of an HDF5 file, as h5py reads it, against what another reader gives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from nwbzarr.tree import Array, Group, Reference


def datasets(h5path: Path) -> list[str]:
    """Paths of every dataset of the file (links not followed)."""
    names: list[str] = []
    with h5py.File(h5path, "r") as f:
        f.visititems(
            lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None
        )
    return names


def differences(h5path: Path, read: Callable[[str], Any]) -> list[str]:
    """Datasets whose value ``read(path)`` differs from h5py's (text as str, references as
    the path they name: an h5py reference, a :class:`Reference` or a path string)."""
    problems: list[str] = []
    with h5py.File(h5path, "r") as f:
        for name in datasets(h5path):
            try:
                got = read(name)
            except Exception as err:
                problems.append(f"/{name}: {type(err).__name__}: {err}")
                continue
            if not same(f, f[name][()], got):
                problems.append(f"/{name}: values differ")
    return problems


def tree_reader(root: Group) -> Callable[[str], Any]:
    """``read(path)`` over an nwbzarr tree."""

    def read(name: str) -> Any:
        node = root[name]
        if not isinstance(node, Array):
            raise TypeError("not an array")
        return node[()]

    return read


def same(f: h5py.File, expected: Any, got: Any) -> bool:
    if isinstance(expected, np.ndarray) and expected.dtype.names:
        arr = np.asarray(got)
        return expected.shape == arr.shape and all(
            same(f, expected[n], arr[n]) for n in expected.dtype.names
        )
    numeric = np.asarray(expected).dtype.kind in "biuf"
    exp = np.asarray(expected) if numeric else np.asarray(expected, dtype=object)
    arr = np.asarray(got) if numeric else np.asarray(got, dtype=object)
    if exp.shape != arr.shape:
        return False
    if numeric:
        return bool(np.array_equal(exp, arr, equal_nan=exp.dtype.kind == "f"))
    return all(
        _item(f, e) == _item(f, g) for e, g in zip(exp.reshape(-1), arr.reshape(-1), strict=True)
    )


def _item(f: h5py.File, value: Any) -> Any:
    if isinstance(value, h5py.Reference):
        return f[value].name
    if isinstance(value, Reference):
        return value.path
    if isinstance(value, bytes):
        return value.decode()
    return value


__all__ = ["datasets", "differences", "same", "tree_reader"]
