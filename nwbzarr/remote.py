"""A read-only file object over byte-range requests, with a block cache sized for NWB metadata.

h5py reads HDF5 metadata in many small pieces scattered over the file (object headers, B-trees,
heaps). One request per piece costs thousands of round trips; fsspec's default read-ahead moves
many times the file size. :class:`RangeFile` fetches aligned blocks of ``block_size`` bytes
(1 MiB by default: a small NWB file is one or two requests), merges adjacent missing blocks into
one request, and keeps a bounded LRU of blocks, so that opening and listing a file takes a
handful of requests and a data read moves only the blocks it touches.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Fetch = Callable[[int, int], bytes]  # (start, stop) -> bytes


class RangeFile(io.RawIOBase):
    """A seekable binary file whose bytes come from ``fetch(start, stop)``."""

    def __init__(
        self,
        fetch: Fetch,
        size: int,
        name: str,
        *,
        block_size: int = 1 << 20,
        max_blocks: int = 128,
    ) -> None:
        super().__init__()
        self._fetch = fetch
        self.size = size
        self.name = name
        self.block_size = block_size
        self.max_blocks = max_blocks
        self._pos = 0
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        elif whence == io.SEEK_END:
            self._pos = self.size + offset
        else:
            raise ValueError(f"{self.name}: invalid whence {whence!r}")
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        start = self._pos
        stop = min(self.size, start + len(view))
        if start >= stop:
            return 0
        data = self._read_range(start, stop)
        view[: len(data)] = data
        self._pos = start + len(data)
        return len(data)

    def _read_range(self, start: int, stop: int) -> bytes:
        first, last = start // self.block_size, (stop - 1) // self.block_size
        with self._lock:
            missing = [i for i in range(first, last + 1) if i not in self._blocks]
            for run_start, run_stop in _runs(missing):
                self._load(run_start, run_stop)
            pieces = []
            for i in range(first, last + 1):
                self._blocks.move_to_end(i)
                pieces.append(self._blocks[i])
            self._evict(keep=range(first, last + 1))
        joined = b"".join(pieces)
        offset = start - first * self.block_size
        return joined[offset : offset + (stop - start)]

    def _load(self, first: int, last: int) -> None:
        start = first * self.block_size
        stop = min(self.size, (last + 1) * self.block_size)
        data = self._fetch(start, stop)
        self.requests += 1
        if len(data) != stop - start:
            raise OSError(
                f"{self.name}: asked for bytes {start}-{stop - 1}, got {len(data)} bytes "
                "(the object changed or the server ignores Range requests)"
            )
        for i in range(first, last + 1):
            lo = (i - first) * self.block_size
            self._blocks[i] = data[lo : lo + self.block_size]

    def _evict(self, keep: range) -> None:
        while len(self._blocks) > max(self.max_blocks, len(keep)):
            oldest = next(iter(self._blocks))
            if oldest in keep:
                break
            del self._blocks[oldest]


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


__all__ = ["RangeFile"]
