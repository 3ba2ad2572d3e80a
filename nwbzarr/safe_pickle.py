"""Decode hdmf-zarr 0.13's pickled reference arrays without running pickled code.

hdmf-zarr < 0.14 stored object references in Zarr arrays through ``numcodecs.Pickle``: each
chunk is a pickle of a numpy object array of ``hdmf_zarr.utils.ZarrReference`` (a dict
subclass). Unpickling such a chunk with :mod:`pickle` would import and call whatever the
payload names. :func:`loads` instead runs the pickle machine with a ``find_class`` that never
imports anything: the few names such payloads legitimately contain are mapped to inert
stand-ins defined here, which only collect plain data (dicts, lists, strings, numbers); every
other name is refused with :class:`~nwbzarr.errors.UnsafeContentError`.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

import numpy as np

from nwbzarr.errors import UnsafeContentError


class _ArrayStub:
    """Stands in for ``numpy.ndarray`` while the pickle is read; holds shape and elements."""

    def __init__(self, *args: Any) -> None:
        del args
        self.shape: tuple[int, ...] = (0,)
        self.items: list[Any] = []

    def __setstate__(self, state: Any) -> None:
        # ndarray.__reduce__ state: (version, shape, dtype, is_fortran, data)
        if not isinstance(state, tuple) or len(state) != 5:
            raise UnsafeContentError(f"unexpected ndarray state {type(state).__name__!r}")
        _version, shape, _dtype, fortran, data = state
        if not isinstance(shape, tuple) or not all(isinstance(n, int) for n in shape):
            raise UnsafeContentError(f"unexpected ndarray shape {shape!r}")
        if not isinstance(data, list):
            raise UnsafeContentError("only object arrays of plain values can be decoded")
        self.shape = shape
        self.items = data
        if fortran:
            self.items = list(np.asarray(data, dtype=object).reshape(shape[::-1]).T.ravel())

    def to_numpy(self) -> np.ndarray[Any, Any]:
        out = np.empty(len(self.items), dtype=object)
        for i, item in enumerate(self.items):
            out[i] = item
        return out.reshape(self.shape)


class _DtypeStub:
    """Stands in for ``numpy.dtype``; its state is ignored (only object arrays are accepted)."""

    def __init__(self, *args: Any) -> None:
        self.args = args

    def __setstate__(self, state: Any) -> None:
        self.state = state


class _PlainDict(dict[str, Any]):
    """Stands in for ``hdmf_zarr.utils.ZarrReference`` (a dict subclass)."""

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.update(state)


def _reconstruct(cls: Any, shape: Any, dtype: Any) -> _ArrayStub:
    if cls is not _ArrayStub:
        raise UnsafeContentError("ndarray reconstruction of an unexpected class")
    del shape, dtype
    return _ArrayStub()


def _new_dict(cls: Any, *args: Any) -> _PlainDict:
    del cls, args
    return _PlainDict()


_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _ArrayStub,
    ("numpy", "dtype"): _DtypeStub,
    ("hdmf_zarr.utils", "ZarrReference"): _PlainDict,
    ("builtins", "dict"): _PlainDict,
    ("copyreg", "_reconstructor"): _new_dict,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafeContentError(
                f"refusing to unpickle {module}.{name}: only plain reference data is decoded"
            ) from None


def loads(payload: bytes) -> np.ndarray[Any, Any]:
    """Decode a numcodecs Pickle chunk into an object array of plain values (dicts, str...)."""
    try:
        result = _RestrictedUnpickler(io.BytesIO(payload)).load()
    except UnsafeContentError:
        raise
    except Exception as err:  # a malformed pickle: any error of the pickle machine
        raise UnsafeContentError(f"malformed pickle payload: {err}") from err
    if isinstance(result, _ArrayStub):
        return result.to_numpy()
    raise UnsafeContentError(f"pickle payload is a {type(result).__name__}, not an array")


def plain(value: Any) -> Any:
    """Turn stand-ins into builtins (dict subclasses into dict)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


__all__ = ["loads", "plain"]
