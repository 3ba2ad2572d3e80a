"""All of nwbzarr's Zarr store IO, on one event loop of nwbzarr's own.

zarr-python's stores are asynchronous, and stores whose async clients bind to the loop they
first ran on (fsspec's aiohttp sessions: s3fs, HTTP) must see every call on that same loop.
nwbzarr therefore runs every store call it makes (documents, small chunks, listings, deletes)
and every read and write of array data (:class:`ArrayIO`, zarr-python's public
``AsyncArray`` awaited here) on one loop thread of its own (:class:`_LoopThread`), never on
zarr-python's: zarr reaches its own loop only through ``zarr.core.sync``, which zarr-python
says is private. The fsspec file systems nwbzarr makes are its own too (see
:mod:`nwbzarr.backends.zarr_stores`), so a user's zarr-python calls in the same process, on
zarr's loop, never share an aiohttp session with nwbzarr's.

A call from synchronous code costs what zarr's own ``sync`` costs: one hand-over to the loop
thread and back (~40 us on a memory store, 2026-12-04, zarr 3.4.2, this 2-core machine).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any

import numpy as np
import zarr
from zarr.abc.store import Store, SupportsGetSync
from zarr.buffer import default_buffer_prototype
from zarr.storage import StorePath

WRITE_BATCH = 256


class _LoopThread:
    """One event loop on a daemon thread, made on first use (and again in a forked child)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop (started here if there is none in this process)."""
        with self._lock:
            loop = self._loop
            if loop is None or loop.is_closed() or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=loop.run_forever, name="nwbzarr-store-io", daemon=True
                )
                self._thread.start()
                self._loop, self._pid = loop, os.getpid()
            return loop

    def run[T](self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self.loop()
        if threading.current_thread() is self._thread:
            coro.close()  # waiting here for the loop would wait for ourselves
            raise RuntimeError("nwbzarr store IO called from its own event loop")
        return asyncio.run_coroutine_threadsafe(coro, loop).result()


_LOOP = _LoopThread()


def run[T](coro: Coroutine[Any, Any, T]) -> T:
    """Run a store coroutine to its end from synchronous code, on nwbzarr's loop."""
    return _LOOP.run(coro)


def event_loop() -> asyncio.AbstractEventLoop:
    """The loop every store call of nwbzarr runs on (for stores that take a loop)."""
    return _LOOP.loop()


def get_object(store: Store, key: str) -> bytes | None:
    """One stored object, None if it is missing."""
    proto = default_buffer_prototype()
    if isinstance(store, SupportsGetSync):
        buf = store.get_sync(key, prototype=proto)
    else:
        buf = run(store.get(key, proto))
    return None if buf is None else bytes(buf.to_bytes())


def get_object_async(store: Store, key: str) -> Coroutine[Any, Any, Any]:
    """The coroutine of one ``store.get`` (a buffer or None), for callers on the loop."""
    return store.get(key, default_buffer_prototype())


async def _write(store: Store, items: dict[str, bytes]) -> None:
    proto = default_buffer_prototype()
    pairs = list(items.items())
    for start in range(0, len(pairs), WRITE_BATCH):
        await asyncio.gather(
            *(
                store.set(k, proto.buffer.from_bytes(v))
                for k, v in pairs[start : start + WRITE_BATCH]
            )
        )


def put_objects(store: Store, items: dict[str, bytes]) -> None:
    """Write stored objects, a batch of them at a time concurrently."""
    run(_write(store, items))


def delete(store: Store, key: str) -> None:
    """Delete one stored object."""
    run(store.delete(key))


async def _delete_dirs(store: Store, keys: list[str]) -> None:
    for key in keys:
        await store.delete_dir(key)


def delete_dirs(store: Store, keys: list[str]) -> None:
    """Delete every object under each of ``keys``."""
    run(_delete_dirs(store, keys))


async def _list_dir(store: Store, key: str) -> list[str]:
    return [name.rstrip("/") async for name in store.list_dir(key)]


def list_dir(store: Store, key: str) -> list[str]:
    """Names directly under ``key``."""
    return run(_list_dir(store, key))


async def _first(store: Store) -> bool:
    async for _ in store.list():
        return True
    return False


def has_any_key(store: Store) -> bool:
    """Whether the store holds any object."""
    return run(_first(store))


class ArrayIO:
    """One zarr-python array, its data read and written on nwbzarr's loop.

    ``zarr.AsyncArray`` is zarr-python's public array; its coroutines are awaited here,
    on the loop of every other store call (see the module docstring).
    """

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array

    @property
    def metadata(self) -> Any:
        return self.array.metadata

    def chunk_key(self, index: tuple[int, ...]) -> str:
        """The store key of the chunk at grid ``index``, relative to the array."""
        key: str = self.array.metadata.encode_chunk_key(index)
        return key

    def read(self, key: tuple[Any, ...]) -> Any:
        """``array[key]``; integer or boolean arrays in ``key`` select per axis (``oindex``)."""
        if any(isinstance(k, list | np.ndarray) for k in key):
            return run(self.array.get_orthogonal_selection(key))
        return run(self.array.getitem(key))

    def write(self, key: tuple[Any, ...], value: Any) -> None:
        """``array[key] = value`` (basic selections)."""
        run(self.array.setitem(key, value))

    def write_chunk(self, index: tuple[int, ...], data: bytes) -> None:
        """Store the encoded bytes of the chunk at grid ``index`` as they are."""
        path = self.array.store_path
        chunk = self.chunk_key(index)
        put_objects(path.store, {f"{path.path}/{chunk}" if path.path else chunk: data})


def open_array(store: Store, key: str, meta: dict[str, Any], config: dict[str, Any]) -> ArrayIO:
    """The array of the document ``meta`` at ``key``, without reading the store."""
    async_array = zarr.AsyncArray(metadata=meta, store_path=StorePath(store, key), config=config)  # type: ignore[call-overload]
    return ArrayIO(async_array)


__all__ = [
    "ArrayIO",
    "delete",
    "delete_dirs",
    "event_loop",
    "get_object",
    "has_any_key",
    "list_dir",
    "open_array",
    "put_objects",
    "run",
]
