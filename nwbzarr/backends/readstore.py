"""What nwbzarr's index stores share: ranged reads of files, and zarr ``Store`` methods.

Two stores serve a Zarr tree whose bytes are (partly) in other files: the
:class:`~nwbzarr.backends.virtual.VirtualStore` of a virtual index (chunks of virtual arrays
read from the HDF5 file) and the :class:`~nwbzarr.backends.references.ReferenceStore` of a
kerchunk or LINDI reference file (every key inline or a byte range of some file). Both read
files through a :class:`SourceReader`, answer a key's byte range by slicing what they read
(:func:`slice_bytes`), and answer partial reads with their own ``get``
(:class:`ServedStore`); a reference file is also read-only (:class:`ReadOnlyStore`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from zarr.abc.buffer import Buffer, BufferPrototype
from zarr.abc.store import (
    ByteRequest,
    OffsetByteRequest,
    RangeByteRequest,
    Store,
    SuffixByteRequest,
)

from nwbzarr.storage import Location


class SourceReader:
    """Ranged reads of one file: ``pread`` locally, obstore (or fsspec) on remote stores."""

    def __init__(self, loc: Location) -> None:
        self.loc = loc
        self._fd: int | None = None
        self._raw: Any = None
        self._name = ""
        self._fs: Any = None
        self._path = ""

    def _local_fd(self) -> int:
        if self._fd is None:
            try:
                self._fd = os.open(self.loc.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            except FileNotFoundError as err:
                raise FileNotFoundError(
                    f"{self.loc.path}: the HDF5 file of this virtual index is missing "
                    "(an index and its file move together)"
                ) from err
        return self._fd

    async def read(self, start: int, stop: int) -> bytes:
        if stop <= start:
            return b""
        if self.loc.is_local:
            fd = self._local_fd()
            return await asyncio.to_thread(os.pread, fd, stop - start, start)
        from nwbzarr.storage import filesystem, obstore_raw, remote_error

        if self._raw is None and self._fs is None:
            directory, _, self._name = urlsplit(self.loc.path).path.rpartition("/")
            self._raw = obstore_raw(self.loc, prefix=directory.strip("/"))
            if self._raw is None:
                self._fs, self._path = filesystem(self.loc)
        if self._raw is not None:
            import obstore

            try:
                data = await obstore.get_range_async(self._raw, self._name, start=start, end=stop)
            except Exception as err:
                raise remote_error(self.loc, err) from err
            return bytes(data)
        result = await asyncio.to_thread(self._fs.cat_file, self._path, start=start, end=stop)
        return bytes(result)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def slice_bytes(data: bytes, byte_range: ByteRequest | None) -> bytes:
    """The part of ``data`` (a key's whole value) that ``byte_range`` asks for."""
    if byte_range is None:
        return data
    if isinstance(byte_range, RangeByteRequest):
        return data[byte_range.start : byte_range.end]
    if isinstance(byte_range, OffsetByteRequest):
        return data[byte_range.offset :]
    if isinstance(byte_range, SuffixByteRequest):
        return data[-byte_range.suffix :] if byte_range.suffix else b""
    raise TypeError(f"unexpected byte range {byte_range!r}")


class ServedStore(Store):
    """A zarr store that answers every read with its own :meth:`get`: partial reads of several
    keys are those reads, run concurrently."""

    async def get_partial_values(
        self,
        prototype: BufferPrototype,
        key_ranges: Iterable[tuple[str, ByteRequest | None]],
    ) -> list[Buffer | None]:
        return list(
            await asyncio.gather(*(self.get(key, prototype, rng) for key, rng in key_ranges))
        )


class ReadOnlyStore(ServedStore):
    """A :class:`ServedStore` that nothing writes to or deletes from; a write or delete raises
    :class:`PermissionError` naming the store (:meth:`read_only_reason`)."""

    def read_only_reason(self) -> str:
        """Why the store is read-only, starting with what it is (for the error message)."""
        return f"{self!r} is read-only"

    @property
    def supports_writes(self) -> bool:
        return False

    async def set(self, key: str, value: Buffer) -> None:
        raise PermissionError(f"{self.read_only_reason()} (writing {key!r})")

    @property
    def supports_deletes(self) -> bool:
        return False

    async def delete(self, key: str) -> None:
        raise PermissionError(f"{self.read_only_reason()} (deleting {key!r})")


__all__ = ["ReadOnlyStore", "ServedStore", "SourceReader", "slice_bytes"]
