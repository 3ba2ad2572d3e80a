"""One door for libhdf5's errors on read paths.

h5py reports damage in a file's structure as whatever its wrapper of the failing libhdf5 call
raises: ``RuntimeError`` ("Can't retrieve object name (bad symbol table node signature)"),
``OSError``, ``ValueError``, ``KeyError`` ("Can't synchronously determine if attribute exists
by name ..."), ``SystemError``, ``TypeError``, ``OverflowError`` (a dataspace or type size
beyond what numpy takes), ``IndexError``... Every read path of the backend goes through
:func:`guarded` or :func:`raise_damaged`, so that each of them becomes one
:class:`~nwbzarr.errors.FormatError` naming the file and the path inside it.

The hot paths use ``try: ... except LIBHDF5_ERRORS as err: raise_damaged(err, where)``
(a ``with`` block costs more than the lookup it guards); the rest use ``with guarded(where):``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NoReturn

from nwbzarr.errors import FormatError, NwbZarrError

LIBHDF5_ERRORS: tuple[type[Exception], ...] = (
    RuntimeError,  # NotImplementedError and RecursionError are subclasses: see damaged()
    SystemError,
    OSError,
    ValueError,  # UnicodeDecodeError included
    LookupError,  # KeyError, IndexError
    TypeError,
    ArithmeticError,  # OverflowError, ZeroDivisionError
)
"""What h5py raises for a libhdf5 failure (or numpy for a size read from a damaged header)."""


def damaged(err: BaseException, where: str) -> BaseException:
    """The exception to raise for ``err``, raised by h5py while reading ``where``.

    nwbzarr's own errors and ``FileNotFoundError`` (an external link's file is missing) are
    kept; everything else becomes a :class:`FormatError` naming ``where`` (``file:path``).
    """
    if isinstance(err, NwbZarrError | FileNotFoundError | RecursionError):
        return err
    if not isinstance(err, LIBHDF5_ERRORS):
        return err
    text = str(err) or type(err).__name__
    return FormatError(f"{where}: damaged HDF5 metadata: {text}")


def raise_damaged(err: BaseException, where: str) -> NoReturn:
    """Raise :func:`damaged` of ``err`` (chained to it)."""
    out = damaged(err, where)
    if out is err:
        raise err
    raise out from err


@contextlib.contextmanager
def guarded(where: str) -> Iterator[None]:
    """libhdf5's errors inside the block become :class:`FormatError` naming ``where``."""
    try:
        yield
    except LIBHDF5_ERRORS as err:
        raise_damaged(err, where)


__all__ = ["LIBHDF5_ERRORS", "damaged", "guarded", "raise_damaged"]
