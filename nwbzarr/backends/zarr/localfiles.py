"""Plain system calls for the objects of a local Zarr store (zarr's ``LocalStore``)."""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Any

import zarr.storage


def local_files_of(store: Any) -> LocalFiles | None:
    """Plain file access to ``store`` if it is zarr's own ``LocalStore`` (not a subclass)."""
    return LocalFiles(str(store.root)) if type(store) is zarr.storage.LocalStore else None


class LocalFiles:
    """Reads and writes of a local store's objects with plain system calls.

    zarr's LocalStore sends every call through its event-loop thread and a thread pool, and
    creates each object's directories again: for thousands of small objects that costs more
    than the I/O. The outcome on disk is the same (atomic writes are a temporary file renamed
    into place, as LocalStore does).
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.prefix = os.path.join(root, "")  # keys use "/", which every platform accepts
        self.dirs: set[str] = {""}

    def exists(self, key: str) -> bool:
        return os.path.exists(os.path.join(self.root, key))

    def read(self, key: str) -> bytes | None:
        try:
            fd = os.open(self.prefix + key, _READ_FLAGS)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        try:
            data = os.read(fd, READ_SIZE)
            if len(data) < READ_SIZE:  # a short read of a regular file is its end
                return data
            parts = [data, os.read(fd, max(os.fstat(fd).st_size - len(data), 0) + 1)]
            while parts[-1]:
                parts.append(os.read(fd, READ_SIZE))
            return b"".join(parts)
        except IsADirectoryError:
            return None
        finally:
            os.close(fd)

    def write(self, key: str, data: bytes, atomic: bool) -> None:
        parent = key.rpartition("/")[0]
        if parent not in self.dirs:
            self._make_dirs(parent)
        path = self.prefix + key
        if not atomic:
            _write_file(path, data)
            return
        tmp = f"{path}.{uuid.uuid4().hex}.partial"
        try:
            _write_file(tmp, data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.root, key))

    def forget_dirs(self) -> None:
        """Directories may have been removed behind this object's back."""
        self.dirs = {""}

    def _make_dirs(self, rel: str) -> None:
        if not rel or rel in self.dirs:
            return
        self._make_dirs(rel.rpartition("/")[0])
        with contextlib.suppress(FileExistsError):
            os.mkdir(os.path.join(self.root, rel))
        self.dirs.add(rel)


READ_SIZE = 1 << 16  # small chunks and documents: one read
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _write_file(path: str, data: bytes) -> None:
    fd = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


__all__ = ["READ_SIZE", "LocalFiles", "local_files_of"]
