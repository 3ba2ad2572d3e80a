"""Compressed HDF5 chunks checked before libhdf5 decodes them (decompression bombs).

libhdf5's deflate filter grows its output buffer until the stream ends: an 8 kB chunk whose
stored data inflates to gigabytes is allocated in full. Before a read, each chunk it touches is
checked once per open file: its stored size comes from the chunk index (one lookup); a chunk
whose worst case (stored size times the compressor's largest ratio) is harmless is let through,
any other is read raw and checked by :mod:`nwbzarr.backends.bounded` (a bounded decode for
deflate and bzip2, the declared size for blosc, lz4 and zstd) against the chunk's declared size.

A dataset whose whole storage could not inflate to more than :data:`HARMLESS` bytes is never
looked at again (small arrays: nearly every array of an NWB file of many small series).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from nwbzarr.backends import bounded
from nwbzarr.errors import FormatError

HARMLESS = 64 << 20
"""Decoded bytes a chunk may reach without being checked first (its worst case)."""
# Largest output/input ratio of each compressor's format (deflate: 258 bytes per 2 bits).
_RATIO = {"deflate": 1032, "lzf": 100}
_CHECKED_BY_US = {"deflate", "bzip2", "hdf5-blosc", "hdf5-zstd", "hdf5-lz4"}
_UNBOUNDED = 1 << 62


class ChunkCheck:
    """Which chunks of one dataset were checked, and how to check the others."""

    def __init__(self, did: Any, names: tuple[str, ...], chunks: tuple[int, ...], where: str):
        self.did = did
        self.names = names
        self.chunks = chunks
        self.where = where
        self.nbytes = math.prod(chunks) * did.get_type().get_size()
        ratio = max((_RATIO.get(n, _UNBOUNDED) for n in names if _expands(n)), default=1)
        self.ratio = ratio
        self.done: set[tuple[int, ...]] = set()
        # nothing to check when no filter expands, or when all stored data could not reach
        # HARMLESS bytes even at the largest ratio
        self.trusted = ratio == 1 or did.get_storage_size() * ratio <= HARMLESS

    def before_read(self, key: tuple[Any, ...], shape: tuple[int, ...]) -> None:
        """Check every chunk that a read of ``key`` touches (each once)."""
        if self.trusted:
            return
        for index in _touched(key, shape, self.chunks):
            if index not in self.done:
                self._check(index)
                self.done.add(index)

    def _check(self, index: tuple[int, ...]) -> None:
        offset = tuple(i * c for i, c in zip(index, self.chunks, strict=True))
        where = f"{self.where} chunk {index}"
        info = self.did.get_chunk_info_by_coord(offset)
        stored = int(info.size or 0)
        if info.byte_offset is None or stored * self.ratio <= max(HARMLESS, 2 * self.nbytes):
            return  # not stored (fill value), or harmless at worst
        active = tuple(n for i, n in enumerate(self.names) if not (info.filter_mask >> i) & 1)
        if not any(_expands(n) for n in active):
            return
        if any(_expands(n) and n not in _CHECKED_BY_US for n in active):
            # no decoder of ours (lzf, plugins): stored data cannot be larger than its input
            if stored > self.nbytes + bounded.SLACK * len(active):
                raise FormatError(
                    f"{where}: damaged or hostile chunk: {stored} stored bytes for a chunk of "
                    f"{self.nbytes} bytes (refused before decoding)"
                )
            return
        _mask, data = self.did.read_direct_chunk(offset)
        bounded.check(data, [_portable(n) for n in active], self.nbytes, where)


def _expands(name: str) -> bool:
    return name in _RATIO or name in _CHECKED_BY_US or name.startswith("hdf5-filter-")


def _portable(name: str) -> str:
    return {"hdf5-lz4": "hdf5-lz4", "bzip2": "bz2"}.get(name, name)


def _touched(
    key: tuple[Any, ...], shape: tuple[int, ...], chunks: tuple[int, ...]
) -> Iterator[tuple[int, ...]]:
    """Indices of the chunks a read of ``key`` (normalized: one entry per dimension) touches;
    a superset for strided and fancy selections."""
    axes: list[range | list[int]] = []
    for k, n, c in zip(key, shape, chunks, strict=True):
        if isinstance(k, slice):
            start, stop, _step = k.indices(n)
            lo, hi = min(start, stop), max(start, stop)
            axes.append(range(lo // c, (hi - 1) // c + 1) if hi > lo else range(0))
        elif isinstance(k, int | np.integer):
            i = int(k) + n if int(k) < 0 else int(k)
            axes.append([i // c] if 0 <= i < n else [])
        else:
            picks = np.asarray(k).ravel()
            if picks.dtype == bool:
                picks = np.flatnonzero(picks)
            picks = np.where(picks < 0, picks + n, picks)
            axes.append(sorted({int(p) // c for p in picks if 0 <= p < n}))
    yield from _product(axes)


def _product(axes: list[range | list[int]]) -> Iterator[tuple[int, ...]]:
    if not axes:
        yield ()
        return
    for i in axes[0]:
        for rest in _product(axes[1:]):
            yield (i, *rest)


__all__ = ["HARMLESS", "ChunkCheck"]
