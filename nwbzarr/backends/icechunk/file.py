"""An Icechunk repository as an NWB file: the Zarr backend's tree on a session's store.

The tree inside a repository is the same NWB-Zarr v3 layout nwbzarr writes to plain stores
(consolidated metadata in the root ``zarr.json`` included), so ``zarr.open_group(session.store)``
and ``xarray.open_zarr`` read it without nwbzarr. What Icechunk adds is transactions: every
:meth:`IcechunkFile.flush` (and the flush of ``close``) is one commit with a message, readers
see whole commits only, and a writer killed before its commit leaves the branch as it was.
A writer whose branch moved since it opened (another writer committed first) gets a
:class:`~nwbzarr.errors.CommitConflictError` naming the repository and the branch.
"""

from __future__ import annotations

import json
from typing import Any

from zarr.storage import WrapperStore

from nwbzarr._version import __version__
from nwbzarr.backends.icechunk.repository import DEFAULT_BRANCH, is_conflict
from nwbzarr.backends.zarr import ZarrFile
from nwbzarr.errors import CommitConflictError, UnsupportedFeatureError, VersionNotFoundError

CHUNK_DIR = "/c/"  # Zarr v3 default chunk keys: <array>/c/<i>/<j>


class SessionStore(WrapperStore[Any]):
    """An Icechunk session's store, named and compared in Python.

    zarr-python names a store (``str``) whenever it builds an array; ``IcechunkStore``
    answers that in Rust by waiting on its runtime while holding the GIL, and deadlocks when
    one of its tasks, started by another thread's write, needs the GIL to finish. Copies
    write from several threads, so the name is given here instead.
    """

    def __init__(self, store: Any, location: str) -> None:
        super().__init__(store)
        self._location = location
        # asked once, here, for the same reason (Rust getters of the session)
        self._flags = (
            bool(store.read_only),
            bool(store.supports_writes),
            bool(store.supports_deletes),
            bool(store.supports_listing),
        )

    @property
    def read_only(self) -> bool:
        return self._flags[0]

    @property
    def supports_writes(self) -> bool:
        return self._flags[1]

    @property
    def supports_deletes(self) -> bool:
        return self._flags[2]

    @property
    def supports_listing(self) -> bool:
        return self._flags[3]

    # IcechunkStore has no synchronous IO: hide the wrapper's delegating methods from the
    # ``SupportsGetSync`` protocol check (a None member fails it)
    get_sync = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"icechunk://{self._location}"

    def __repr__(self) -> str:
        return f"SessionStore({self._location!r})"

    def __eq__(self, value: object) -> bool:
        return value is self

    def __hash__(self) -> int:
        return id(self)


def _node_of(key: str) -> str | None:
    """The array that the chunk ``key`` belongs to (None for documents)."""
    if key.endswith("/c"):  # the one chunk of a scalar
        return key[:-2]
    head, sep, _ = key.rpartition(CHUNK_DIR)
    return head if sep else None


class IcechunkFile(ZarrFile):
    """A branch, tag or snapshot of an Icechunk repository, read or written as a Zarr tree.

    Parameters
    ----------
    location
        What the user passed, for messages.
    repository
        The open ``icechunk.Repository``.
    mode
        ``"r"`` reads one snapshot; ``"w"`` replaces the branch's tree; ``"r+"`` changes it.
    branch, tag, snapshot
        The version to read (one of them; default the ``main`` branch), or the branch to write
        (created from ``main``'s tip if it does not exist).
    message
        The commit message of each commit (default names nwbzarr and the operation).
    """

    # the tree inside is Zarr's (everything that asks the format sees Zarr); what the
    # repository adds is ``transactional``: nothing is visible before a commit
    marks_incomplete = False
    transactional = True

    @property
    def storage_format(self) -> str:
        return "icechunk"

    def __init__(
        self,
        location: str,
        repository: Any,
        mode: str = "r",
        *,
        branch: str | None = None,
        tag: str | None = None,
        snapshot: str | None = None,
        message: str | None = None,
    ) -> None:
        self.repository = repository
        self.branch = branch
        self.message = message
        self.commits: list[str] = []
        if mode == "r":
            session = self._readonly(branch, tag, snapshot, location)
        else:
            if tag is not None or snapshot is not None:
                raise ValueError(
                    f"{location}: tag= and snapshot= name versions to read; "
                    f"mode={mode!r} writes a branch (pass branch=)"
                )
            self.branch = branch or DEFAULT_BRANCH
            session = self._writable()
            if mode == "w":
                session.store.sync_clear()  # the new tree replaces the branch's (history kept)
        self.session = session
        # nodes whose document is in the session (chunks need their array to exist there)
        self._in_session: set[str] = set()
        try:
            super().__init__(location, SessionStore(session.store, location), mode)
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f"{location}: snapshot {session.snapshot_id} of this Icechunk repository holds "
                "no tree (the repository's first, empty commit, or nothing written yet)"
            ) from err
        if mode != "w":
            self._in_session.update(self.docs)

    # ----- versions
    def _readonly(
        self, branch: str | None, tag: str | None, snapshot: str | None, location: str
    ) -> Any:
        given = {k: v for k, v in (("branch", branch), ("tag", tag), ("snapshot", snapshot)) if v}
        if len(given) > 1:
            raise ValueError(f"{location}: pass one of branch=, tag=, snapshot=; got {given}")
        if not given:
            branch = DEFAULT_BRANCH
        try:
            if snapshot is not None:
                self.repository.lookup_snapshot(snapshot)  # sessions check it only when read
            return self.repository.readonly_session(branch=branch, tag=tag, snapshot_id=snapshot)
        except (KeyError, ValueError) as err:  # not found; not an id at all
            raise VersionNotFoundError(
                self._missing(location, given or {"branch": branch})
            ) from err

    def _missing(self, location: str, given: dict[str, Any]) -> str:
        ((kind, name),) = given.items()
        known = {
            "branch": sorted(self.repository.list_branches()),
            "tag": sorted(self.repository.list_tags()),
        }.get(kind)
        listed = "" if known is None else f" (it has: {', '.join(known) or 'none'})"
        return f"{location}: no {kind} {name!r} in this Icechunk repository{listed}"

    def _writable(self) -> Any:
        branch = self.branch or DEFAULT_BRANCH
        if branch not in self.repository.list_branches():
            tip = self.repository.lookup_branch(DEFAULT_BRANCH)
            self.repository.create_branch(branch, tip)
        return self.repository.writable_session(branch)

    @property
    def snapshot_id(self) -> str:
        """The snapshot this file reads (the last commit, for a writer)."""
        return str(self.session.snapshot_id)

    # ----- writing: nodes before their chunks, one commit per flush
    def _ensure_nodes(self, keys: set[str]) -> None:
        missing = {k for k in keys if k not in self._in_session and k in self.docs}
        if missing:
            docs = {
                f"{k}/zarr.json": json.dumps(self.docs[k], allow_nan=True).encode() for k in missing
            }
            super().put_objects(docs)
            self._in_session.update(missing)

    def put_objects(self, items: dict[str, bytes]) -> None:
        """Write objects; an array's document goes into the session before its chunks."""
        nodes = {n for n in map(_node_of, items) if n is not None}
        self._ensure_nodes(nodes)
        super().put_objects(items)
        self._in_session.update(k[: -len("/zarr.json")] for k in items if k.endswith("/zarr.json"))

    def write_node(self, key: str) -> None:
        """Put the document of ``key`` into the session now (before chunks are set for it)."""
        self._in_session.discard(key)
        self._ensure_nodes({key})

    def set_virtual_chunks(self, key: str, url: str, chunks: list[tuple[Any, int, int]]) -> None:
        """Make chunks of the array ``key`` references to byte ranges of ``url``:
        ``(chunk index, offset, length)`` each. The repository must have a virtual-chunk
        container whose prefix holds ``url``."""
        from icechunk import VirtualChunkSpec

        self.write_node(key)
        specs = [
            VirtualChunkSpec(index=[int(i) for i in index], location=url, offset=o, length=n)
            for index, o, n in chunks
        ]
        failed = self.session.store.set_virtual_refs("/" + key, specs, validate_containers=True)
        if failed:
            raise UnsupportedFeatureError(
                f"{self.location}:/{key}: no virtual-chunk container of this repository "
                f"holds {url} ({len(failed)} chunks refused)"
            )

    def array_changed(self, key: str) -> None:
        """A resized or re-chunked array: its document in the session changes now (the
        session checks chunk writes against the array's shape)."""
        super().array_changed(key)
        if key in self._in_session:
            self._in_session.discard(key)
            self._ensure_nodes({key})

    def zarr_array(self, key: str) -> Any:
        if self.writable and not self.closed:
            self._ensure_nodes({key})
        return super().zarr_array(key)

    def remove_subtree(self, key: str) -> None:
        super().remove_subtree(key)
        prefix = key + "/"
        self._in_session = {k for k in self._in_session if k != key and not k.startswith(prefix)}

    def flush(self) -> None:
        """Write what changed and commit it: one commit on the branch, with the message."""
        if not self.writable or self.closed:
            return
        self.write_pending()
        super().flush()
        if not self.session.has_uncommitted_changes:
            return
        message = (
            self.message or f"nwbzarr {__version__}: {'write' if self.mode == 'w' else 'update'}"
        )
        try:
            snapshot = self.session.commit(message, metadata={"writer": "nwbzarr"})
        except Exception as err:
            if not is_conflict(err):
                raise
            self.session.discard_changes()
            self.dirty.clear()
            self.pending.clear()
            raise CommitConflictError(
                f"{self.location}: commit to branch {self.branch!r} refused: another writer "
                f"committed to it after this writer opened it; nothing of this write was "
                f"committed (open the repository again and repeat the write)"
            ) from err
        self.commits.append(str(snapshot))
        self.session = self.repository.writable_session(self.branch)
        self.replace_store(SessionStore(self.session.store, self.location))

    def _close(self, commit: bool) -> None:
        try:
            if commit:
                self.flush()
        finally:
            if not self.session.read_only and self.session.has_uncommitted_changes:
                self.session.discard_changes()  # aborted: the branch stays as it was
            self.store.close()


__all__ = ["IcechunkFile"]
