"""Groups and arrays of a Zarr file: views of the file's node documents.

A node object holds only its file and key; what it reads comes from the document the file
holds (``ZarrFile.docs``), and what it derives (spec, read plan, zarr-python array) from the
file's caches. Small numeric single-chunk arrays are read and written by the small-chunk path
(:mod:`nwbzarr.backends.zarr.smallchunk`); everything else through zarr-python.
"""

from __future__ import annotations

import copy
import json
import posixpath
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from nwbzarr.backends import bounded
from nwbzarr.backends.zarr import smallchunk
from nwbzarr.backends.zarr.attributes import ZarrAttributes
from nwbzarr.backends.zarr.conventions import RECORD, node_key, reference_from_json
from nwbzarr.backends.zarr.datatypes import compound_zarr_dtype
from nwbzarr.backends.zarr.documents import array_document, read_spec
from nwbzarr.backends.zarr.legacy import read_v2_object_array
from nwbzarr.backends.zarr.smallchunk import NO_PLAN, SmallPlan, small_plan
from nwbzarr.backends.zarr.zarrio import ArrayIO
from nwbzarr.dtypes import DType, ReferenceType, StringType, numpy_dtype
from nwbzarr.errors import FormatError, LinkPolicyError, UnsupportedFeatureError
from nwbzarr.tree import (
    Array,
    ArraySpec,
    Attributes,
    ExternalLink,
    Group,
    Link,
    Node,
    Reference,
    SoftLink,
)

if TYPE_CHECKING:
    from nwbzarr.backends.zarr.file import ZarrFile


class ZarrNode(Node):
    """What Zarr groups and arrays share: their file, key, document and attributes.

    The first base of :class:`ZarrGroup` and :class:`ZarrArray`, before the tree's ``Group``
    and ``Array``.
    """

    def __init__(self, file: ZarrFile, path: str) -> None:
        super().__init__(file, path)
        self.zfile = file
        self.key = node_key(path)
        self._attrs = ZarrAttributes(self)

    @property
    def doc(self) -> dict[str, Any]:
        return self.zfile.docs[self.key]

    @property
    def attrs(self) -> Attributes:
        return self._attrs

    @property
    def identity(self) -> Hashable:
        return ("zarr", id(self.zfile), self.key)


class ZarrGroup(ZarrNode, Group):
    """A Zarr group: members from the file's documents and the ``_LINKS`` attribute."""

    def _links(self) -> dict[str, Link]:
        attrs = self.doc.get("attributes", {})
        out: dict[str, Link] = {}
        for entry in attrs.get("_LINKS") or attrs.get("zarr_link") or []:
            if not isinstance(entry, dict) or "name" not in entry:
                raise FormatError(f"{self.describe()}: malformed link entry {entry!r}")
            source = str(entry.get("source", "."))
            path = "/" + str(entry.get("path", "")).lstrip("/")
            out[str(entry["name"])] = (
                SoftLink(path) if source in (".", "") else ExternalLink(source, path)
            )
        return out

    def _names(self) -> list[str]:
        names = list(self.zfile.children.get(self.key, []))
        names.extend(n for n in self._links() if n not in names)
        return sorted(names)

    def _member(self, name: str) -> ZarrGroup | ZarrArray | Link | None:
        if "/" in name or name in ("", ".", ".."):
            return None
        zfile = self.zfile
        key = f"{self.key}/{name}" if self.key else name
        node: ZarrGroup | ZarrArray | None = zfile.caches.nodes.get(key)
        if node is not None:
            return node
        doc = zfile.docs.get(key)
        if doc is None:
            return self._links().get(name)
        attrs = doc.get("attributes", {})
        if "_SOFT_LINK" in attrs:  # LINDI
            return SoftLink(str(attrs["_SOFT_LINK"].get("path", "")))
        path = "/" + key  # group paths are canonical: "/" + key
        node = ZarrGroup(zfile, path) if doc.get("node_type") == "group" else ZarrArray(zfile, path)
        zfile.caches.nodes.put(key, node)
        return node

    def _create_group(self, name: str, attrs: Iterable[tuple[str, Any, DType]]) -> Group:
        path = posixpath.join(self.path, name)
        self.zfile.add_doc(
            node_key(path), {"zarr_format": 3, "node_type": "group", "attributes": {}}
        )
        group = ZarrGroup(self.zfile, path)
        group.attrs.update_typed(attrs)
        return group

    def _create_array(
        self, name: str, spec: ArraySpec, attrs: Iterable[tuple[str, Any, DType]]
    ) -> Array:
        path = posixpath.join(self.path, name)
        doc = array_document(spec, name, f"{self.file.location}:{path}", self.zfile.caches)
        self.zfile.add_doc(node_key(path), doc)
        array = ZarrArray(self.zfile, path)
        array.attrs.update_typed(attrs)
        return array

    def _set_link(self, name: str, link: Link) -> None:
        attrs = self.doc.setdefault("attributes", {})
        links = list(attrs.get("_LINKS", []))
        if isinstance(link, SoftLink):
            links.append({"name": name, "source": ".", "path": link.path})
        else:
            links.append({"name": name, "source": link.source, "path": link.path})
        attrs["_LINKS"] = links
        self.zfile.mark_dirty(self.key)

    def _delete(self, name: str) -> None:
        attrs = self.doc.setdefault("attributes", {})
        links = [e for e in attrs.get("_LINKS", []) if e.get("name") != name]
        if len(links) != len(attrs.get("_LINKS", [])):
            attrs["_LINKS"] = links
            if not links:
                del attrs["_LINKS"]
            self.zfile.mark_dirty(self.key)
            return
        self.zfile.remove_subtree(f"{self.key}/{name}" if self.key else name)


class ZarrArray(ZarrNode, Array):
    """A Zarr array: small single-chunk ones through the fast path, others through zarr."""

    @property
    def spec(self) -> ArraySpec:
        caches = self.zfile.caches
        cached: ArraySpec | None = caches.specs.get(self.key)
        if cached is None:
            cached = read_spec(self.doc, self.describe(), caches)
            caches.specs.put(self.key, cached)
        return cached

    def metadata_document(self) -> dict[str, Any]:
        """A copy of this array's Zarr metadata: its ``zarr.json`` as the next flush writes it.

        With it, :func:`nwbzarr.backends.zarr_stores.array_writer` writes this array's chunks
        from another process before the file is flushed (a conversion on a dask cluster).
        """
        return copy.deepcopy({k: v for k, v in self.doc.items() if k != "consolidated_metadata"})

    def _zarr(self) -> ArrayIO:
        return self.zfile.zarr_array(self.key)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._described().shape

    @property
    def dtype(self) -> np.dtype[Any]:
        described = self._described()
        if isinstance(described, SmallPlan):
            return described.dtype
        return numpy_dtype(described.datatype)

    def _described(self) -> ArraySpec | SmallPlan:
        """The spec if built already, else the read plan of a small array, else the spec:
        shape and dtype without building a spec or a plan that nothing else needs."""
        spec: ArraySpec | None = self.zfile.caches.specs.get(self.key)
        if spec is not None:
            return spec
        small = self._small()
        return small if small is not None else self.spec

    def _small(self) -> SmallPlan | None:
        """The single-chunk fast-path plan of this array (see smallchunk.py), cached."""
        caches = self.zfile.caches
        cached: SmallPlan | None = caches.plans.lookup(self.key, NO_PLAN)
        if cached is not NO_PLAN:
            return cached
        plan = small_plan(self.doc, self.key, caches.chains)
        caches.plans.put(self.key, plan)
        return plan

    def _read(self, key: tuple[Any, ...]) -> np.ndarray[Any, Any]:
        small = self._small()
        if small is not None:
            data = self.zfile.get_bytes(small.chunk)
            if data is None:
                whole = self._missing_small_chunk(small)
            else:
                outer = small.outer
                try:
                    if outer is not None and not bounded.declares_within(outer, data, small.limit):
                        where = f"{self.describe()}: cannot decode chunk {small.chunk!r}"
                        bounded.check_one(outer, data, small.limit, where)
                    whole = smallchunk.decode(
                        data, small.stored, small.chain, small.shape, small.dtype
                    )
                except FormatError:
                    raise
                except Exception as err:  # numcodecs raises RuntimeError/ValueError on damage
                    raise FormatError(
                        f"{self.describe()}: cannot decode chunk {small.chunk!r}: {err}"
                    ) from err
            return orthogonal(whole, key) if key else whole[()]
        spec = self.spec
        if spec.extra.get("v2_object"):
            values = self._read_v2_objects()
            return values[key] if key and spec.shape else values
        if spec.extra.get("empty"):
            return np.empty((0,), dtype=self.dtype)
        arr = self._zarr()
        try:
            raw = arr.read((0, *key) if spec.extra.get("v2_scalar") else key)
        except LinkPolicyError:
            raise  # a reference file's chunk outside the allowed origin: not a damaged file
        except Exception as err:  # zarr raises many types for corrupt chunks
            raise _read_error(self.describe(), key, err) from err
        decoded: np.ndarray[Any, Any] = self._decode(raw)
        return decoded

    def _missing_small_chunk(self, small: SmallPlan) -> np.ndarray[Any, Any]:
        if self.zfile.strict_chunks and not self.doc.get("attributes", {}).get(RECORD, {}).get(
            "sparse"
        ):
            raise FormatError(f"{self.describe()}: a chunk is missing ({small.chunk!r})")
        return np.full(small.shape, self.spec.fillvalue, dtype=small.dtype)

    def _decode(self, raw: Any) -> Any:
        datatype = self.datatype
        if isinstance(datatype, np.dtype):
            return raw
        if isinstance(datatype, StringType):
            if isinstance(raw, np.ndarray):
                return _as_object(raw, str)
            return str(raw)
        if isinstance(datatype, ReferenceType):
            if isinstance(raw, np.ndarray):
                return _as_object(raw, _reference_from_text)
            return _reference_from_text(raw)
        arr = np.asarray(raw)
        out = np.empty(arr.shape, dtype=numpy_dtype(datatype))
        for name, sub in datatype.fields:
            col = arr[name]
            if isinstance(sub, ReferenceType):
                out[name] = _as_object(col, _reference_from_text)
            elif isinstance(sub, StringType):
                out[name] = _as_object(col, str)
            else:
                out[name] = col
        return out if out.ndim else out[()]

    def _encode(self, value: np.ndarray[Any, Any]) -> Any:
        datatype = self.datatype
        if isinstance(datatype, np.dtype):
            return value
        if isinstance(datatype, StringType):
            return _as_object(value, _text)
        if isinstance(datatype, ReferenceType):
            return _as_object(value, lambda v: v.path if isinstance(v, Reference) else str(v or ""))
        zdt, _ = compound_zarr_dtype(datatype)
        out = np.empty(value.shape, dtype=zdt)
        for name, sub in datatype.fields:
            col = value[name]
            if isinstance(sub, ReferenceType):
                out[name] = _as_object(
                    col, lambda v: v.path if isinstance(v, Reference) else str(v or "")
                )
            elif isinstance(sub, StringType):
                out[name] = _as_object(col, _text)
            else:
                out[name] = col
        return out

    def _write(self, key: tuple[Any, ...], value: np.ndarray[Any, Any]) -> None:
        small = self._small()
        if small is not None and all(k == slice(None) for k in key):
            if value.shape != small.shape:
                value = np.broadcast_to(value, small.shape)
            self.zfile.pending[small.chunk] = smallchunk.encode(value, small.stored, small.chain)
            return
        data = self._encode(value)
        if all(k == slice(None) for k in key):
            text = smallchunk.text_plan(self.doc, self.key, self.zfile.caches.chains)
            if text is not None:  # a whole text array in one chunk: encoded here, as zarr does
                chunk, chain = text
                whole = np.broadcast_to(data, tuple(self.doc["shape"]))
                self.zfile.pending[chunk] = smallchunk.encode_text(whole, chain)
                return
        self._zarr().write(key, data)

    def _resize(self, shape: tuple[int, ...]) -> None:
        self.zfile.write_pending()
        self.doc["shape"] = list(shape)
        # the grown region may stay unwritten: read it as the fill value
        self.doc.setdefault("attributes", {}).setdefault(RECORD, {})["sparse"] = True
        self.zfile.array_changed(self.key)

    def _chunk_key(self, index: tuple[int, ...]) -> str | None:
        if self.spec.shards or self.spec.extra.get("v2_object") or self.spec.extra.get("v2_scalar"):
            return None
        chunk = self._zarr().chunk_key(index)
        return f"{self.key}/{chunk}" if self.key else chunk

    def read_chunk_raw(self, index: tuple[int, ...]) -> bytes | None:
        key = self._chunk_key(index)
        if key is None:
            return None
        return self.zfile.get_bytes(key)

    def write_chunk_raw(self, index: tuple[int, ...], data: bytes) -> None:
        key = self._chunk_key(index)
        if key is None:
            raise UnsupportedFeatureError(f"{self.describe()}: no raw chunk writes into shards")
        self.zfile.set_bytes(key, data)

    def relayout(
        self,
        chunks: tuple[int, ...],
        codecs: list[dict[str, Any]],
        record: dict[str, Any],
        drop: Iterable[str] = (),
    ) -> None:
        """Store this array with a regular grid of ``chunks`` and ``codecs``, its nwbzarr
        record updated with ``record`` and without the entries ``drop``.

        For arrays whose chunks are not written by this file (a virtual index points at
        another file's chunks): nothing stored is re-encoded.
        """
        doc = self.doc
        doc["chunk_grid"] = {"name": "regular", "configuration": {"chunk_shape": list(chunks)}}
        doc["chunk_key_encoding"] = {"name": "default", "configuration": {"separator": "/"}}
        doc["codecs"] = codecs
        entries = doc.setdefault("attributes", {}).setdefault(RECORD, {})
        for name in drop:
            entries.pop(name, None)
        entries.update(record)
        self.zfile.array_changed(self.key)

    def _read_v2_objects(self) -> np.ndarray[Any, Any]:
        return read_v2_object_array(self.zfile.store, self.key, self.doc, self.describe())


def orthogonal(values: np.ndarray[Any, Any], key: tuple[Any, ...]) -> Any:
    """``values[key]`` with integer arrays applied per axis (zarr's ``oindex``), not broadcast."""
    for k in key:
        if isinstance(k, list | np.ndarray):
            break
    else:
        return values[key]
    out = values
    basic: list[Any] = []
    for axis, k in enumerate(key):
        if isinstance(k, list | np.ndarray):
            index = np.asarray(k)
            if index.dtype == bool:
                index = np.nonzero(index)[0]
            out = np.take(out, index, axis=axis)
            basic.append(slice(None))
        else:
            basic.append(k)
    return out[tuple(basic)]


def _text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    return "" if v is None else str(v)


def _reference_from_text(v: Any) -> Reference:
    if isinstance(v, dict):
        return reference_from_json(v)
    text = str(v)
    if text.startswith("{"):
        try:
            return reference_from_json(json.loads(text))
        except ValueError:
            pass
    return Reference(text)


def _as_object(raw: Any, fn: Any) -> np.ndarray[Any, Any]:
    arr = np.asarray(raw)
    out = np.empty(arr.shape, dtype=object)
    flat_out = out.reshape(-1)
    for i, v in enumerate(arr.reshape(-1).tolist()):
        flat_out[i] = fn(v)
    return out


def _read_error(where: str, key: Any, err: Exception) -> Exception:
    msg = f"{where}: cannot read {key!r}: {type(err).__name__}: {err}"
    if "ChunkNotFound" in type(err).__name__ or "missing" in str(err).lower():
        return FormatError(f"{where}: a chunk is missing (read of {key!r}): {err}")
    return FormatError(msg)


__all__ = ["ZarrArray", "ZarrGroup", "ZarrNode", "orthogonal"]
