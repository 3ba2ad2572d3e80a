"""Data as an iterator of blocks (pynwb's / hdmf's ``DataChunkIterator`` family).

An iterator given as data is streamed to disk chunk by chunk; only a few chunks are ever
in memory. :class:`DataChunkIterator` wraps a generator (of elements or of blocks along
``iter_axis``) or an array; :class:`GenericDataChunkIterator` is the base for readers of
large sources that know their shape (subclasses give ``_get_data``, ``_get_maxshape`` and
``_get_dtype``) and yields buffers aligned to whole chunks.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.tree import block_shape

Selection = tuple[slice, ...]


@dataclass
class DataChunk:
    """A block of data and where it goes (``selection``: one slice per axis)."""

    data: np.ndarray[Any, Any]
    selection: Any  # an int, a slice, or a tuple of them (one per leading axis)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def dtype(self) -> np.dtype[Any]:
        dtype: np.dtype[Any] = self.data.dtype
        return dtype

    def astype(self, dtype: Any) -> DataChunk:
        return DataChunk(self.data.astype(dtype), self.selection)

    def get_min_bounds(self) -> tuple[int, ...]:
        """The smallest dataset shape (of the leading axes selected) that holds this block.

        ``selection`` is an int, a slice, or a tuple of them, as hdmf's."""
        parts = self.selection if isinstance(self.selection, tuple) else (self.selection,)
        out = []
        for part in parts:
            if isinstance(part, slice):
                out.append(int(part.stop or 0))
            elif isinstance(part, int | np.integer):
                out.append(int(part) + 1)
            else:
                raise TypeError(
                    f"DataChunk: selection {self.selection!r} must be an int, a slice, or a "
                    "tuple of ints and slices"
                )
        return tuple(out)


class AbstractDataChunkIterator(ABC):
    """Iterates :class:`DataChunk` blocks; knows the dtype and the (largest) shape."""

    @abstractmethod
    def __next__(self) -> DataChunk: ...

    def __iter__(self) -> Iterator[DataChunk]:
        return self

    @property
    @abstractmethod
    def dtype(self) -> np.dtype[Any]: ...

    @property
    @abstractmethod
    def maxshape(self) -> tuple[int | None, ...]: ...

    def recommended_chunk_shape(self) -> tuple[int, ...] | None:
        """A chunk shape for the dataset, or None to let the writer choose."""
        return None

    def recommended_data_shape(self) -> tuple[int, ...]:
        """The initial shape of the dataset (it grows along unlimited axes as blocks come)."""
        return tuple(0 if n is None else n for n in self.maxshape)


class DataChunkIterator(AbstractDataChunkIterator):
    """Blocks of ``buffer_size`` elements along ``iter_axis`` from a generator or an array.

    Parameters
    ----------
    data
        An iterable of elements (each one slice along ``iter_axis``, as pynwb's generators
        yield them), or an array (read ``buffer_size`` elements at a time).
    maxshape
        The largest shape; inferred from the first element (unlimited along ``iter_axis``
        for generators) when omitted.
    dtype
        The type of the data; inferred from the first element when omitted.
    buffer_size
        Elements per block.
    iter_axis
        The axis along which elements follow each other.
    """

    def __init__(
        self,
        data: Any = None,
        maxshape: tuple[int | None, ...] | None = None,
        dtype: Any = None,
        buffer_size: int = 1,
        iter_axis: int = 0,
    ) -> None:
        if buffer_size < 1:
            raise ValidationError(f"DataChunkIterator: buffer_size={buffer_size} must be >= 1")
        self.data = data
        self.buffer_size = int(buffer_size)
        self.iter_axis = int(iter_axis)
        self._offset = 0
        self._array = data if _is_array(data) else None
        self._elements: Iterator[Any] | None = None
        self._first: Any = None
        if self._array is None and data is not None:
            self._elements = iter(data)
            self._first = next(self._elements, None)
        self._dtype: np.dtype[Any] = np.dtype(dtype) if dtype is not None else self._infer_dtype()
        self._maxshape = tuple(maxshape) if maxshape is not None else self._infer_maxshape()

    def _infer_dtype(self) -> np.dtype[Any]:
        if self._array is not None:
            dtype: np.dtype[Any] = np.dtype(self._array.dtype)
            return dtype
        if self._first is None:
            return np.dtype("float64")
        return np.dtype(np.asarray(self._first).dtype)

    def _infer_maxshape(self) -> tuple[int | None, ...]:
        if self._array is not None:
            return tuple(int(n) for n in self._array.shape)
        if self._first is None:
            return (None,)
        element = np.shape(self._first)
        out: list[int | None] = list(element)
        out.insert(self.iter_axis, None)
        return tuple(out)

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._dtype

    @property
    def maxshape(self) -> tuple[int | None, ...]:
        return self._maxshape

    def recommended_data_shape(self) -> tuple[int, ...]:
        if self._array is not None:
            return tuple(int(n) for n in self._array.shape)
        return tuple(0 if n is None else int(n) for n in self._maxshape)

    def __next__(self) -> DataChunk:
        block = self._next_block()
        if block is None:
            raise StopIteration
        start = self._offset
        self._offset += block.shape[self.iter_axis]
        selection = [slice(0, n) for n in block.shape]
        selection[self.iter_axis] = slice(start, self._offset)
        return DataChunk(block, tuple(selection))

    def _next_block(self) -> np.ndarray[Any, Any] | None:
        if self._array is not None:
            total = int(self._array.shape[self.iter_axis])
            if self._offset >= total:
                return None
            key: list[Any] = [slice(None)] * len(self._array.shape)
            key[self.iter_axis] = slice(self._offset, min(total, self._offset + self.buffer_size))
            return np.asarray(self._array[tuple(key)], dtype=self._dtype)
        elements: list[np.ndarray[Any, Any]] = []
        while len(elements) < self.buffer_size:
            element = self._pop()
            if element is None:
                break
            elements.append(np.asarray(element, dtype=self._dtype))
        if not elements:
            return None
        return np.stack(elements, axis=self.iter_axis)

    def _pop(self) -> Any:
        if self._first is not None:
            element, self._first = self._first, None
            return element
        if self._elements is None:
            return None
        return next(self._elements, None)


class GenericDataChunkIterator(AbstractDataChunkIterator):
    """Base of iterators over a source of known shape, read in buffers of whole chunks.

    Subclasses implement ``_get_data(selection)``, ``_get_maxshape()`` and
    ``_get_dtype()``. Chunks are ``chunk_shape`` or about ``chunk_mb`` MiB (default 10,
    as hdmf's); buffers are ``buffer_shape`` or about ``buffer_gb`` GiB of whole chunks
    (default 1).
    """

    def __init__(
        self,
        buffer_gb: float | None = None,
        buffer_shape: tuple[int, ...] | None = None,
        chunk_mb: float | None = None,
        chunk_shape: tuple[int, ...] | None = None,
        display_progress: bool = False,
        progress_bar_class: Any = None,
        progress_bar_options: dict[str, Any] | None = None,
    ) -> None:
        del display_progress, progress_bar_class, progress_bar_options
        self._maxshape_known = tuple(int(n) for n in self._get_maxshape())
        self._dtype_known: np.dtype[Any] = np.dtype(self._get_dtype())
        itemsize = self._dtype_known.itemsize
        self.chunk_shape = (
            tuple(chunk_shape)
            if chunk_shape is not None
            else block_shape(self._maxshape_known, itemsize, int((chunk_mb or 10.0) * 2**20))
        )
        self.buffer_shape = (
            tuple(buffer_shape)
            if buffer_shape is not None
            else self._buffer_for(int((buffer_gb or 1.0) * 2**30), itemsize)
        )
        for buf, chunk, n in zip(
            self.buffer_shape, self.chunk_shape, self._maxshape_known, strict=True
        ):
            if buf % chunk and buf != n:
                raise ValidationError(
                    f"{type(self).__name__}: buffer_shape={self.buffer_shape} is not a whole "
                    f"number of chunks of chunk_shape={self.chunk_shape}"
                )
        self._buffers = self._selections()

    def _buffer_for(self, nbytes: int, itemsize: int) -> tuple[int, ...]:
        shape = self._maxshape_known
        per_chunk = math.prod(self.chunk_shape) * itemsize
        n_chunks = max(1, nbytes // max(per_chunk, 1))
        rows = min(shape[0], self.chunk_shape[0] * n_chunks) if shape else 0
        return (max(rows, 1), *shape[1:]) if shape else ()

    def _selections(self) -> Iterator[Selection]:
        shape = self._maxshape_known
        if any(n == 0 for n in shape):
            return
        counts = [math.ceil(n / b) for n, b in zip(shape, self.buffer_shape, strict=True)]
        for index in np.ndindex(*counts):
            yield tuple(
                slice(i * b, min((i + 1) * b, n))
                for i, b, n in zip(index, self.buffer_shape, shape, strict=True)
            )

    def __next__(self) -> DataChunk:
        selection = next(self._buffers)
        data = np.asarray(self._get_data(selection), dtype=self._dtype_known)
        return DataChunk(data, selection)

    @abstractmethod
    def _get_data(self, selection: Selection) -> Any:
        """The values of ``selection`` (one slice per axis)."""

    @abstractmethod
    def _get_maxshape(self) -> Iterable[int]:
        """The full shape of the source."""

    @abstractmethod
    def _get_dtype(self) -> Any:
        """The dtype of the source."""

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._dtype_known

    @property
    def maxshape(self) -> tuple[int | None, ...]:
        return self._maxshape_known

    def recommended_chunk_shape(self) -> tuple[int, ...] | None:
        return self.chunk_shape

    def recommended_data_shape(self) -> tuple[int, ...]:
        return self._maxshape_known


def _is_array(data: Any) -> bool:
    return hasattr(data, "shape") and hasattr(data, "dtype") and not isinstance(data, Iterator)


__all__ = [
    "AbstractDataChunkIterator",
    "DataChunk",
    "DataChunkIterator",
    "GenericDataChunkIterator",
]
