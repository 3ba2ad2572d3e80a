"""Regions of an array: index normalisation, block and chunk grids."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np


def normalize_key(key: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Expand ``Ellipsis`` and pad ``key`` to one entry per dimension."""
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        fill = len(shape) - (len(key) - 1)
        key = key[:i] + (slice(None),) * fill + key[i + 1 :]
    if len(key) > len(shape):
        raise IndexError(f"too many indices ({len(key)}) for an array of shape {shape}")
    padded: tuple[Any, ...] = key + (slice(None),) * (len(shape) - len(key))
    return padded


def block_shape(shape: tuple[int, ...], itemsize: int, target: int = 4 << 20) -> tuple[int, ...]:
    """A time-major block of about ``target`` bytes (whole trailing dims where they fit)."""
    if not shape:
        return ()
    out = list(shape)
    remaining = max(target // max(itemsize, 1), 1)
    for axis in range(len(shape) - 1, 0, -1):
        row = math.prod(out[axis:])
        if row > remaining:
            out[axis] = max(1, remaining // max(math.prod(out[axis + 1 :]), 1))
    rows = max(1, remaining // max(math.prod(out[1:]), 1))
    out[0] = max(1, min(shape[0], rows))
    return tuple(max(1, n) for n in out)


def iter_blocks(shape: tuple[int, ...], grid: tuple[int, ...]) -> Iterator[tuple[slice, ...]]:
    if any(n == 0 for n in shape):
        return
    counts = [math.ceil(n / c) for n, c in zip(shape, grid, strict=True)]
    for index in np.ndindex(*counts):
        yield tuple(
            slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(index, grid, shape, strict=True)
        )


def chunk_index(region: tuple[slice, ...], grid: tuple[int, ...]) -> tuple[int, ...]:
    return tuple((s.start or 0) // c for s, c in zip(region, grid, strict=True))


__all__ = ["block_shape", "chunk_index", "iter_blocks", "normalize_key"]
