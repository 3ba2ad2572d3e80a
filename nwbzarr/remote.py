"""A read-only file object over byte-range requests, with a block cache sized for NWB metadata.

h5py reads HDF5 metadata in many small pieces scattered over the file (object headers, B-trees,
heaps). One request per piece costs thousands of round trips; fsspec's default read-ahead moves
many times the file size. :class:`RangeFile` fetches aligned blocks of ``block_size`` bytes
(1 MiB by default: a small NWB file is one or two requests), merges adjacent missing blocks into
one request, and keeps a bounded LRU of blocks, so that opening and listing a file takes a
handful of requests and a data read moves only the blocks it touches.

Transient failures (connection resets, timeouts, 5xx and 429 answers) are retried with
exponential back-off, a bounded number of times within a bounded time (:func:`retrying`);
missing objects and denied access fail at once.
"""

from __future__ import annotations

import io
import random
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Fetch = Callable[[int, int], bytes]  # (start, stop) -> bytes

RETRY_TRIES = 5
RETRY_DEADLINE_S = 10.0
RETRY_BASE_S = 0.1
RETRY_MAX_DELAY_S = 2.0
REQUEST_TIMEOUT_S = 30.0
"""Longest one request through an async fsspec filesystem may take, its own retries included
(s3fs retries 5 times, botocore 5 times, each read waiting up to 15 s: unbounded, one request
could take half an hour), plus the time to move its bytes at :data:`SLOWEST_BYTES_PER_S`."""
SLOWEST_BYTES_PER_S = 1 << 20
"""Slowest transfer a byte-range request is given time for (a large read is one request)."""
_TRANSIENT_TEXT = re.compile(
    r"\b(429|5\d\d)\b|slow ?down|too many requests|service unavailable|internal ?error|"
    r"connection (reset|aborted|refused|closed)|reset by peer|timed? ?out|temporar|"
    r"broken pipe|incomplete ?read|server disconnected",
    re.IGNORECASE,
)


def is_transient(err: BaseException) -> bool:
    """Whether retrying the request that raised ``err`` may succeed."""
    if isinstance(err, FileNotFoundError | PermissionError | IsADirectoryError | ValueError):
        return False
    if isinstance(err, ConnectionError | TimeoutError):
        return True
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:  # the cause chain too
        seen.add(id(current))
        if isinstance(current, ConnectionError | TimeoutError):
            return True
        status = getattr(current, "status", None) or getattr(current, "status_code", None)
        if isinstance(status, int) and (status == 429 or 500 <= status < 600):
            return True
        if _TRANSIENT_TEXT.search(f"{type(current).__name__}: {current}"):
            return True
        current = current.__cause__ or current.__context__
    return False


def retrying(
    fetch: Fetch,
    name: str,
    *,
    tries: int = RETRY_TRIES,
    deadline_s: float = RETRY_DEADLINE_S,
    base_s: float = RETRY_BASE_S,
    max_delay_s: float = RETRY_MAX_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetch:
    """``fetch`` retried on transient errors: at most ``tries`` attempts within ``deadline_s``.

    Delays grow as ``base_s * 2**attempt`` (capped at ``max_delay_s``) with full jitter.
    """

    def attempt(start: int, stop: int) -> bytes:
        began = time.monotonic()
        for n in range(tries):
            try:
                return fetch(start, stop)
            except Exception as err:
                if not is_transient(err) or n + 1 >= tries:
                    if n:
                        err.add_note(f"{name}: gave up after {n + 1} attempts")
                    raise
                delay = min(max_delay_s, base_s * 2**n) * (0.5 + random.random() / 2)
                if time.monotonic() - began + delay > deadline_s:
                    err.add_note(f"{name}: gave up after {n + 1} attempts ({deadline_s:g} s)")
                    raise
                sleep(delay)
        raise AssertionError("unreachable")

    return attempt


def bounded_call(fs: Any, name: str, *args: Any, nbytes: int = 0, **kwargs: Any) -> Any:
    """``fs.<name>(*args, **kwargs)`` on an fsspec filesystem, given up after
    :data:`REQUEST_TIMEOUT_S` plus the time to move ``nbytes`` (a ``TimeoutError``, which
    :func:`retrying` retries) when the filesystem is asynchronous; a synchronous one is called
    as it is."""
    if getattr(fs, "async_impl", False) and getattr(fs, "loop", None) is not None:
        from fsspec.asyn import sync

        timeout = REQUEST_TIMEOUT_S + nbytes / SLOWEST_BYTES_PER_S
        return sync(fs.loop, getattr(fs, f"_{name}"), *args, timeout=timeout, **kwargs)
    return getattr(fs, name)(*args, **kwargs)


def fsspec_fetch(fs: Any, path: str) -> Fetch:
    """A :data:`Fetch` of byte ranges of ``path`` on ``fs``, each request bounded in time."""

    def fetch(start: int, stop: int) -> bytes:
        return bytes(bounded_call(fs, "cat_file", path, start=start, end=stop, nbytes=stop - start))

    return fetch


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
        retries: int = RETRY_TRIES,
    ) -> None:
        super().__init__()
        self._fetch = retrying(fetch, name, tries=retries) if retries > 1 else fetch
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


__all__ = [
    "REQUEST_TIMEOUT_S",
    "SLOWEST_BYTES_PER_S",
    "RangeFile",
    "bounded_call",
    "fsspec_fetch",
    "is_transient",
    "retrying",
]
