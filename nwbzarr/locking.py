"""One writer per destination: a lock file beside it, created with ``O_EXCL``.

``<destination>.nwbzarr.lock`` holds the writer's pid and host. A second writer is refused with
:class:`DestinationLockedError` naming the holder, instead of interleaving its writes (Zarr) or
silently writing into an unlinked file (HDF5 ``overwrite``). A lock left by a writer that was
killed (its pid no longer runs on this host) is taken over. Readers never take the lock.
Object stores have no lock (their writes are made safe by writing the root document last).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time

from nwbzarr.errors import NwbZarrError


class DestinationLockedError(NwbZarrError, BlockingIOError):
    """Another process is writing this destination."""


def lock_path(path: str) -> str:
    return path.replace("%d", "").rstrip(os.sep) + ".nwbzarr.lock"


def acquire(path: str) -> str:
    """Take the writer lock of ``path``; returns the lock file to pass to :func:`release`."""
    lock = lock_path(path)
    os.makedirs(os.path.dirname(lock) or ".", exist_ok=True)
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if _stale(holder, lock):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(lock)
                continue
            raise DestinationLockedError(
                f"{path}: another process is writing it (pid {holder.get('pid', '?')} on "
                f"{holder.get('host', '?')}; lock {lock}); wait for it to finish, or remove "
                "the lock file if that process is gone"
            ) from None
        with os.fdopen(fd, "w") as fh:
            json.dump({"pid": os.getpid(), "host": socket.gethostname()}, fh)
        return lock
    raise DestinationLockedError(f"{path}: could not take the writer lock {lock}")


def release(lock: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(lock)


def _holder(lock: str) -> dict[str, object]:
    try:
        with open(lock) as fh:
            value = json.load(fh)
    except (OSError, ValueError):
        return {}
    return dict(value) if isinstance(value, dict) else {}


def _stale(holder: dict[str, object], lock: str) -> bool:
    if not holder:  # empty or unreadable: being created now, or its writer died creating it
        try:
            return time.time() - os.path.getmtime(lock) > 10
        except FileNotFoundError:
            return True
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False  # another machine: never guess
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


__all__ = ["DestinationLockedError", "acquire", "lock_path", "release"]
