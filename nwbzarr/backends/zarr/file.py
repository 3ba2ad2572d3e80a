"""The Zarr file: loading the hierarchy's documents, and flushing and committing changes.

Reading: the whole hierarchy's metadata comes from one document where possible (consolidated
metadata in the root ``zarr.json``, or ``.zmetadata`` for format 2), so opening a file is one
read; arrays are built from those documents without touching the store again.

Writing: node documents are kept in memory, each written once at :meth:`ZarrFile.flush` /
close, and the root ``zarr.json`` (with the consolidated metadata of every node) is written
last: a store whose writer was killed has no root document and is refused as incomplete.
Local stores are written with plain system calls (see :mod:`.localfiles`): objects in place
while no root document exists (nothing is visible to a reader yet), by temporary file and
rename once one does, and the root document always by rename.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any, Literal

import zarr
from zarr.abc.store import Store

from nwbzarr.backends.zarr import checks, legacy, zarrio
from nwbzarr.backends.zarr.boundedstore import BoundedStore, limit_of
from nwbzarr.backends.zarr.cache import NodeCaches
from nwbzarr.backends.zarr.conventions import INCOMPLETE_KEY, RECORD, record_of
from nwbzarr.backends.zarr.documents import strip_consolidated
from nwbzarr.backends.zarr.localfiles import LocalFiles, local_files_of
from nwbzarr.backends.zarr.nodes import ZarrGroup
from nwbzarr.errors import FormatError, IncompleteFileError
from nwbzarr.tree import File, Group


class ZarrFile(File):
    """A Zarr store (format 3, or format 2 read-only) as a tree of node documents."""

    format = "zarr"
    # whether a new store carries the "incomplete" marker until its first flush
    marks_incomplete = True

    def __init__(
        self, location: str, store: Store, mode: str = "r", *, nwbzarr_written: bool | None = None
    ) -> None:
        super().__init__(location, mode)
        self.store = store
        self.docs: dict[str, dict[str, Any]] = {}
        self.children: dict[str, list[str]] = {}
        self.dirty: set[str] = set()
        # chunks of small arrays encoded by nwbzarr itself, written together at flush
        self.pending: dict[str, bytes] = {}
        # everything derived from ``docs``, bounded, forgotten when a document changes
        self.caches = NodeCaches()
        self.zarr_format = 3
        self.consolidated = False
        self._local_store: Store | None = None
        self._local: LocalFiles | None = None
        self._is_index_key: Callable[[str], bool] | None = None
        self._index_local: LocalFiles | None = None
        # True while no root document exists (a new store): nothing written is visible to a
        # reader yet, so objects are written in place; once the root exists, by rename
        self.unpublished = False
        if mode == "w":
            local = self.local_files()
            self.unpublished = local is not None and not local.exists("zarr.json")
            self.docs[""] = {"zarr_format": 3, "node_type": "group", "attributes": {}}
            self.dirty.add("")
            # Until the root zarr.json exists the store is incomplete; this object makes that
            # visible even when nothing else was written yet (removed by the first flush).
            # Stores with transactions (Icechunk) show nothing before a commit: no marker.
            if self.marks_incomplete:
                self.set_bytes(INCOMPLETE_KEY, b'{"writer": "nwbzarr", "state": "writing"}')
                self.incomplete_marker = True
        else:
            self._load()
        self.strict_chunks = (
            nwbzarr_written
            if nwbzarr_written is not None
            else bool(record_of(self.docs.get("", {})).get("writer"))
        )
        self._root = ZarrGroup(self, "/")

    @property
    def root(self) -> Group:
        return self._root

    # ----- reading the hierarchy
    def _get_json(self, key: str) -> dict[str, Any] | None:
        data = self.get_bytes(key)
        if data is None:
            return None
        try:
            value = json.loads(data)
        except ValueError as err:
            raise FormatError(f"{self.location}: {key} is not valid JSON: {err}") from err
        if not isinstance(value, dict):
            raise FormatError(f"{self.location}: {key} holds {type(value).__name__}, not an object")
        return value

    def _load(self) -> None:
        root = self._get_json("zarr.json")
        if root is not None:
            if root.get("node_type") != "group":
                raise FormatError(f"{self.location}: the root zarr.json is not a group")
            self._load_v3(root)
            return
        zgroup = self._get_json(".zgroup")
        zmeta = self._get_json(".zmetadata") if zgroup is not None else None
        if zgroup is not None:
            self.zarr_format = 2
            # hdmf-zarr 0.13 stores may carry a stale .zmetadata (written before the spec was
            # cached): trust it only where listing the store costs requests.
            if zmeta is not None and not isinstance(self.store, zarr.storage.LocalStore):
                self.consolidated = True
                self.docs[""] = legacy.load_consolidated(self.location, zmeta, self._add_loaded)
            else:
                self.docs[""] = legacy.group_doc(self._get_json, "")
                legacy.walk(self.store, self._get_json, self._add_loaded)
            checks.check_node(self.docs[""], f"{self.location}:/")
            return
        if self._has_any_key():
            raise IncompleteFileError(
                f"{self.location}: incomplete Zarr store: it has content but no root zarr.json "
                "(a write that did not finish; re-run the conversion or the write)"
            )
        raise FileNotFoundError(f"{self.location}: no Zarr store here (no zarr.json or .zgroup)")

    def _has_any_key(self) -> bool:
        return zarrio.has_any_key(self.store)

    def _load_v3(self, root: dict[str, Any]) -> None:
        checks.check_node(root, f"{self.location}:/")
        consolidated = root.get("consolidated_metadata")
        self.docs[""] = root
        if isinstance(consolidated, dict) and isinstance(consolidated.get("metadata"), dict):
            self.consolidated = True
            for path, doc in consolidated["metadata"].items():
                if not isinstance(doc, dict):
                    raise FormatError(
                        f"{self.location}: consolidated entry {path!r} is not an object"
                    )
                self._add_loaded(path.strip("/"), doc)
        else:
            self._walk_store(3)

    def _walk_store(self, zarr_format: Literal[2, 3]) -> None:
        try:
            group = zarr.open_group(
                self.store, mode="r", zarr_format=zarr_format, use_consolidated=False
            )
            self.docs[""] = _doc_of(group)
            for name, node in group.members(max_depth=None):
                self._add_loaded(name, _doc_of(node))
        except (ValueError, KeyError, TypeError) as err:
            raise FormatError(f"{self.location}: malformed Zarr metadata: {err}") from err

    def _add_loaded(self, key: str, doc: dict[str, Any]) -> None:
        if (not key or "." in key or "//" in key or key[0] == "/" or key[-1] == "/") and any(
            p in ("", ".", "..") for p in key.split("/")
        ):
            raise FormatError(f"{self.location}: refusing node key {key!r} (escapes the store)")
        if doc.get("node_type") not in ("group", "array"):
            raise FormatError(
                f"{self.location}: node {key!r} has node_type {doc.get('node_type')!r}"
            )
        checks.check_node(doc, f"{self.location}:/{key}")
        self.docs[key] = doc
        parent, _, name = key.rpartition("/")
        self.children.setdefault(parent, []).append(name)

    # ----- writing
    def add_doc(self, key: str, doc: dict[str, Any]) -> None:
        """A new node ``key`` with its document (written at the next flush)."""
        self.docs[key] = doc
        parent, _, name = key.rpartition("/")
        self.children.setdefault(parent, []).append(name)
        self.dirty.add(key)

    def record(self, key: str) -> dict[str, Any]:
        """The nwbzarr record (``_NWBZARR``) of the node ``key``; empty if it has none."""
        return record_of(self.docs.get(key, {}))

    def set_record(self, key: str, name: str, value: Any) -> None:
        """Set one entry of the nwbzarr record of ``key`` (written at the next flush)."""
        self.docs[key].setdefault("attributes", {}).setdefault(RECORD, {})[name] = value
        self.mark_dirty(key)

    def array_records(self, name: str) -> dict[str, Any]:
        """The entry ``name`` of every array record that has one, by array key."""
        found: dict[str, Any] = {}
        for key, doc in self.docs.items():
            if key and doc.get("node_type") == "array":
                entry = record_of(doc).get(name)
                if entry is not None:
                    found[key] = entry
        return found

    def remove_subtree(self, key: str) -> None:
        """Remove the node ``key`` and everything below it, from the store too."""
        prefix = key + "/"

        def below(k: str) -> bool:
            return k == key or k.startswith(prefix)

        for k in [k for k in self.docs if below(k)]:
            del self.docs[k]
            self.children.pop(k, None)
            self.dirty.discard(k)
        self.caches.remove(key)
        parent, _, name = key.rpartition("/")
        if name in self.children.get(parent, []):
            self.children[parent].remove(name)
        for pending in [k for k in self.pending if k.startswith(prefix)]:
            del self.pending[pending]
        # delete now: a node created again at this path writes its chunks before the flush
        zarrio.delete_dirs(self.store, [key])
        local = self.local_files()
        if local is not None:
            local.forget_dirs()
        self.dirty.add("")

    def mark_dirty(self, key: str) -> None:
        """The document of ``key`` changed (anything in it: its spec is read again)."""
        self.dirty.add(key)
        self.caches.changed(key)

    def array_changed(self, key: str) -> None:
        """The array ``key`` changed shape or codecs: zarr-python's view of it is dropped too."""
        self.dirty.add(key)
        self.caches.array_changed(key)

    def replace_store(self, store: Store) -> None:
        """Read and write through ``store`` from now on (a wrapper of the current one)."""
        self.store = store
        self.caches.store_changed()

    def attrs_changed(self, key: str) -> None:
        """Only user attributes of ``key`` changed (its spec and chunk plan stay valid)."""
        self.dirty.add(key)
        self.caches.attrs_changed(key)

    def local_files(self) -> LocalFiles | None:
        """Plain file access when the store is a local directory (zarr's own LocalStore)."""
        store = self.store
        if store is not self._local_store:  # the store may be replaced (nwbzarr.virtual)
            self._local_store = store
            self._local = local_files_of(store)
            plain = getattr(store, "is_index_key", None)  # a virtual index's wrapper
            self._is_index_key = plain if callable(plain) else None
            self._index_local = local_files_of(getattr(store, "index_store", None))
        return self._local

    def _reader_for(self, key: str) -> LocalFiles | None:
        """Plain file access for ``key``: the local store's, or the local index's (its own
        objects: a virtual index reads only its chunks of virtual arrays from the source)."""
        local = self.local_files()
        index, is_index_key = self._index_local, self._is_index_key
        if local is None and index is not None and is_index_key is not None and is_index_key(key):
            return index
        return local

    def get_bytes(self, key: str) -> bytes | None:
        """One stored object (pending chunks first), read without zarr's event-loop hop locally."""
        pending = self.pending.get(key)
        if pending is not None:
            return pending
        local = self._reader_for(key)
        if local is not None:
            return local.read(key)
        return zarrio.get_object(self.store, key)

    def put_objects(self, items: dict[str, bytes]) -> None:
        """Write stored objects: in place while the store is unpublished, else atomically."""
        if not items:
            return
        local = self.local_files()
        if local is None:
            zarrio.put_objects(self.store, items)
            return
        atomic = not self.unpublished
        for key, data in items.items():
            local.write(key, data, atomic)

    def write_pending(self) -> None:
        if self.pending:
            items, self.pending = self.pending, {}
            self.put_objects(items)

    def set_bytes(self, key: str, data: bytes) -> None:
        """Write one stored object now (raw chunks, manifests, markers), not at flush."""
        self.pending.pop(key, None)
        self.put_objects({key: data})

    def zarr_array(self, key: str) -> zarrio.ArrayIO:
        """zarr-python's array for ``key``, built from its document without a read."""
        if self.pending:  # zarr-python reads the store: give it the chunks encoded so far
            self.write_pending()
        arr: zarrio.ArrayIO | None = self.caches.arrays.get(key)
        if arr is None:
            doc = self.docs[key]
            meta = {k: v for k, v in doc.items() if k != "consolidated_metadata"}
            sparse = bool(record_of(doc).get("sparse"))
            config = {
                "write_empty_chunks": True,
                "read_missing_chunks": sparse or not self.strict_chunks,
            }
            try:
                # chunks are checked against their declared size before zarr decodes them
                store = BoundedStore(self.store, f"{self.location}:/{key}", limit_of(doc))
                arr = zarrio.open_array(store, key, meta, config)
            except Exception as err:
                raise FormatError(f"{self.location}:/{key}: invalid array metadata: {err}") from err
            self.caches.arrays.put(key, arr)
        return arr

    def flush(self) -> None:
        """Write pending chunks, changed documents, then the root document (last)."""
        if not self.writable or self.closed or not self.dirty:
            return
        self.docs[""].setdefault("attributes", {}).setdefault(RECORD, {})["writer"] = "nwbzarr"
        self.write_pending()
        texts = self.caches.texts
        objects: dict[str, bytes] = {}
        for key in self.dirty:
            if key:
                text = json.dumps(self.docs[key], allow_nan=True)
                texts.put(key, text)
                objects[f"{key}/zarr.json"] = text.encode()
        self.put_objects(objects)
        root = self.root_document().encode()
        local = self.local_files()
        if local is not None:
            local.write("zarr.json", root, atomic=True)
        else:
            zarrio.put_objects(self.store, {"zarr.json": root})
        self.unpublished = False
        if getattr(self, "incomplete_marker", False):
            if local is not None:
                local.delete(INCOMPLETE_KEY)
            else:
                zarrio.delete(self.store, INCOMPLETE_KEY)
            self.incomplete_marker = False
        self.dirty.clear()

    def root_document(self) -> str:
        """The root ``zarr.json``: the root group with every node's document inline.

        Built from each node's JSON text (written once, reused here) rather than encoding
        every document again; the text is what ``json.dumps`` gives for the whole document.
        """
        root = dict(self.docs[""])
        token = f"nwbzarr-consolidated-{uuid.uuid4().hex}"
        root["consolidated_metadata"] = token
        root.setdefault("zarr_format", 3)
        root.setdefault("node_type", "group")
        texts = self.caches.texts
        parts = []
        for key in sorted(self.docs):
            if not key:
                continue
            doc = self.docs[key]
            text: str | None
            if "consolidated_metadata" in doc:  # a loaded group's own: not nested inline
                text = json.dumps(strip_consolidated(doc), allow_nan=True)
            else:
                text = texts.get(key)
                if text is None:
                    text = json.dumps(doc, allow_nan=True)
                    texts.put(key, text)
            parts.append(f"{json.dumps(key)}: {text}")
        inline = (
            '{"kind": "inline", "must_understand": false, "metadata": {' + ", ".join(parts) + "}}"
        )
        return json.dumps(root, allow_nan=True).replace(json.dumps(token), inline, 1)

    def _close(self, commit: bool) -> None:
        try:
            if commit:
                self.flush()
        finally:
            self.store.close()


def _doc_of(node: Any) -> dict[str, Any]:
    meta = node.metadata
    doc: dict[str, Any] = meta.to_dict()
    if getattr(meta, "zarr_format", 3) == 2:
        doc["zarr_format"] = 2
        doc["node_type"] = "group" if isinstance(node, zarr.Group) else "array"
        doc.setdefault("attributes", dict(node.attrs))
    return doc


__all__ = ["ZarrFile"]
