"""The kerchunk form of the virtual index: version-1 reference JSON over an HDF5 file.

``nwbzarr.index(src, dst, format="kerchunk")`` writes what fsspec's ``ReferenceFileSystem``
reads (``{"version": 1, "templates": {"u": SRC}, "refs": {...}}``): a Zarr format 2 store,
the form kerchunk writes, so that zarr-python 3 (``zarr_format=2``), xarray's ``engine="zarr"``
over ``reference://`` and ``engine="kerchunk"`` open it without nwbzarr. It is made from the
nwbzarr index (:func:`nwbzarr.virtual.build_index`, built in a temporary directory), so the
tree, its attributes and the conventions are the same:

* links stay in the NWB-Zarr convention: ``_LINKS`` on the parent group;
* references too: ``{"_REFERENCE": {...}}`` attributes, reference arrays as text marked
  ``_DTYPE: "object_reference"``, compound fields named in ``_REFERENCE_FIELDS``;
* dimension names from the NWB schema in ``_ARRAY_DIMENSIONS`` (xarray's attribute);
* what Zarr cannot say but HDF5 can (maxshape, text kinds, compound types) in ``_NWBZARR``;
* chunks of numeric datasets are ``["{{u}}", offset, size]`` byte ranges of the HDF5 file (a
  contiguous dataset is one chunk), with the HDF5 filters as numcodecs filters; arrays of up to
  :data:`INLINE_BYTES` and every text, reference and compound array are inline.

``{{u}}`` is the HDF5 file's absolute path or URL (fsspec resolves no relative path); a reader
may point it elsewhere (fsspec's ``template_overrides``). nwbzarr reads the file back with
:func:`nwbzarr.open`, as it reads LINDI files.
"""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np

from nwbzarr.api import open as nwb_open
from nwbzarr.backends.zarr import ZarrFile, zarrio
from nwbzarr.backends.zarr.conventions import RECORD
from nwbzarr.errors import DestinationExistsError, FormatError
from nwbzarr.storage import Location, exists, filesystem, remove, resolve
from nwbzarr.virtual import build_index

INLINE_BYTES = 4096
"""Arrays whose stored bytes are at most this are inline (no request to read them)."""
TEMPLATE = "{{u}}"


def build_kerchunk(
    src: str | os.PathLike[str] | Location,
    dst: str | os.PathLike[str] | Location,
    *,
    overwrite: bool = False,
    storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
) -> str:
    """Write the kerchunk reference JSON of the HDF5 file ``src`` at ``dst``; return ``dst``.

    Examples
    --------
    >>> nwbzarr.index("session.nwb", "session.kerchunk.json", format="kerchunk")  # doctest: +SKIP
    >>> import fsspec, zarr
    >>> fs = fsspec.filesystem("reference", fo="session.kerchunk.json")  # doctest: +SKIP
    >>> zarr.open_group(fs.get_mapper(), zarr_format=2, mode="r")       # doctest: +SKIP
    """
    src_loc = resolve(src, storage_options)
    dst_loc = resolve(dst, dst_storage_options)
    if src_loc.path == dst_loc.path:
        raise ValueError(f"{dst_loc}: source and index are the same")
    if exists(dst_loc) and not overwrite:
        raise DestinationExistsError(
            f"{dst_loc}: already exists (pass overwrite=True to replace it)"
        )
    with tempfile.TemporaryDirectory(prefix="nwbzarr-kerchunk-") as tmp:
        index = Path(tmp) / "index.nwb.zarr"
        build_index(src_loc, str(index))
        # the local index names a remote source with the caller's options
        index_loc = Location(str(index), "file", dict(src_loc.storage_options))
        root = nwb_open(index_loc, links="all")
        try:
            zfile = root.file
            assert isinstance(zfile, ZarrFile)
            refs = _References(zfile, index_loc, dst_loc).translate()
        finally:
            root.file.close()
    document = {"version": 1, "templates": {"u": src_loc.path}, "refs": refs}
    data = json.dumps(document, separators=(",", ":"), allow_nan=True).encode()
    _write(dst_loc, data, overwrite)
    return str(dst_loc)


def _write(loc: Location, data: bytes, overwrite: bool) -> None:
    if exists(loc) and overwrite:
        remove(loc)
    if loc.is_local:
        part = f"{loc.path}.part-{os.getpid()}"
        Path(part).write_bytes(data)
        os.replace(part, loc.path)  # a reader never sees half a file
        return
    fs, path = filesystem(loc)
    fs.pipe_file(path, data)


class _References:
    """The reference map of one nwbzarr index (its documents, manifests and inline arrays)."""

    def __init__(self, zfile: ZarrFile, index: Location, dst: Location) -> None:
        self.zfile = zfile
        self.index = index
        self.dst = dst
        self.refs: dict[str, Any] = {}

    def _links(self, attrs: dict[str, Any]) -> None:
        """External link sources, relative to the temporary index, made relative to ``dst``'s
        directory (where a reference file's links are resolved)."""
        links = attrs.get("_LINKS")
        if not isinstance(links, list):
            return
        moved = []
        for entry in links:
            source = entry.get("source", ".") if isinstance(entry, dict) else "."
            if source in (".", ""):
                moved.append(entry)
                continue
            target = self.index.resolve_relative(str(source), base_is_dir=True)
            moved.append({**entry, "source": self.dst.relative_to_base(target, base_is_dir=False)})
        attrs["_LINKS"] = moved

    def translate(self) -> dict[str, Any]:
        for key in sorted(self.zfile.docs):
            doc = self.zfile.docs[key]
            if doc.get("node_type") == "group":
                self._group(key, doc)
            else:
                self._array(key, doc)
        return self.refs

    def _put_json(self, key: str, leaf: str, value: Any) -> None:
        self.refs[f"{key}/{leaf}" if key else leaf] = json.dumps(
            value, separators=(",", ":"), allow_nan=True
        )

    def _put_bytes(self, key: str, data: bytes) -> None:
        self.refs[key] = "base64:" + base64.b64encode(data).decode()

    def _group(self, key: str, doc: dict[str, Any]) -> None:
        self._put_json(key, ".zgroup", {"zarr_format": 2})
        attrs = _attributes(doc)
        self._links(attrs)
        if attrs:
            self._put_json(key, ".zattrs", attrs)

    def _array(self, key: str, doc: dict[str, Any]) -> None:
        attrs = _attributes(doc)
        shape = [int(n) for n in doc.get("shape", [])]
        names = doc.get("dimension_names") or [None] * len(shape)
        leaf = key.rpartition("/")[2]
        attrs["_ARRAY_DIMENSIONS"] = [
            str(n) if n is not None else f"{leaf}_dim{i}" for i, n in enumerate(names)
        ]
        virtual = doc.get("attributes", {}).get(RECORD, {}).get("virtual")
        stored = _stored_bytes(self.zfile, key, virtual) if isinstance(virtual, dict) else None
        if stored is not None and stored > INLINE_BYTES:
            self._virtual(key, doc, attrs, virtual)
        else:
            self._inline(key, shape, attrs)

    def _virtual(
        self, key: str, doc: dict[str, Any], attrs: dict[str, Any], entry: dict[str, Any]
    ) -> None:
        shape = [int(n) for n in doc["shape"]]
        chunks = [int(c) for c in doc["chunk_grid"]["configuration"]["chunk_shape"]]
        dtype, filters = _v2_codecs(doc, f"{self.zfile.location}:/{key}")
        manifest = _manifest(self.zfile, key, entry)
        flat = manifest.reshape(-1, 2)
        written = flat[flat[:, 1] > 0]
        if len(written) and int(written[:, 1].min()) < int(entry.get("chunk_nbytes", 0)):
            # a contiguous dataset cut in row blocks, the last one short: Zarr 2 wants whole
            # chunks, so it is one chunk (its blocks follow each other in the file)
            chunks = shape
            manifest = np.zeros((*([1] * len(shape)), 2), dtype="<u8")
            manifest.reshape(-1, 2)[0] = (int(written[0, 0]), int(written[:, 1].sum()))
        zarray = _zarray(shape, chunks, dtype, filters, _fill(doc.get("fill_value")))
        self._put_json(key, ".zarray", zarray)
        self._put_json(key, ".zattrs", attrs)
        for index in np.ndindex(*manifest.shape[:-1]):
            offset, nbytes = (int(v) for v in manifest[index])
            if nbytes:
                self.refs[f"{key}/{'.'.join(map(str, index)) or '0'}"] = [
                    TEMPLATE,
                    offset,
                    nbytes,
                ]

    def _inline(self, key: str, shape: list[int], attrs: dict[str, Any]) -> None:
        values = np.asarray(self.zfile.zarr_array(key).read((Ellipsis,)))
        filters: list[dict[str, Any]] = []
        fill: Any
        if values.dtype.kind in "OUT" and values.dtype.names is None:  # text (or references)
            values = np.asarray(values, dtype=object)
            codec = numcodecs.VLenUTF8()
            dtype: Any = "|O"
            filters = [codec.get_config()]
            fill = None
            data = codec.encode(values.reshape(-1)) if values.size else b""
        else:
            values = np.ascontiguousarray(values)
            dtype = values.dtype.descr if values.dtype.names else values.dtype.str
            fill = None  # zeros, as HDF5's default; xarray masks no value then
            data = values.tobytes()
        self._put_json(key, ".zarray", _zarray(shape, shape, dtype, filters, fill))
        self._put_json(key, ".zattrs", attrs)
        if values.size:
            self._put_bytes(f"{key}/{'.'.join('0' for _ in shape) or '0'}", data)


def _attributes(doc: dict[str, Any]) -> dict[str, Any]:
    """A node's attributes with the nwbzarr record less its index-only entries."""
    attrs = dict(doc.get("attributes", {}))
    record = attrs.get(RECORD)
    if isinstance(record, dict):
        kept = {k: v for k, v in record.items() if k not in ("virtual", "sparse")}
        if kept:
            attrs[RECORD] = kept
        else:
            del attrs[RECORD]
    return attrs


def _stored_bytes(zfile: ZarrFile, key: str, entry: dict[str, Any]) -> int:
    return int(_manifest(zfile, key, entry)[..., 1].sum())


def _manifest(zfile: ZarrFile, key: str, entry: dict[str, Any]) -> np.ndarray[Any, Any]:
    """A virtual array's ``[..., (offset, nbytes)]`` per chunk, from its record or object."""
    if "chunks" in entry:
        return np.asarray(entry["chunks"], dtype=np.uint64)
    name = str(entry.get("manifest", "manifest.npy"))
    store = getattr(zfile.store, "index_store", zfile.store)
    raw = zarrio.get_object(store, f"{key}/{name}")
    if raw is None:
        raise FormatError(f"{zfile.location}:/{key}: the chunk manifest {name} is missing")
    import io

    return np.asarray(np.load(io.BytesIO(raw), allow_pickle=False), dtype=np.uint64)


def _v2_codecs(doc: dict[str, Any], where: str) -> tuple[str, list[dict[str, Any]]]:
    """The v2 dtype and numcodecs filters of a virtual array's v3 codecs (bytes + filters)."""
    dtype = np.dtype(str(doc["data_type"]))
    filters: list[dict[str, Any]] = []
    for codec in doc.get("codecs", []):
        name, config = codec.get("name"), codec.get("configuration") or {}
        if name == "bytes":
            if config.get("endian") == "big":
                dtype = dtype.newbyteorder(">")
        elif isinstance(name, str) and name.startswith("numcodecs."):
            filters.append({"id": name.removeprefix("numcodecs."), **config})
        else:
            raise FormatError(f"{where}: codec {name!r} has no kerchunk form")
    return dtype.str, filters


def _fill(value: Any) -> Any:
    """A v2 fill value: none for zeros (HDF5's default; xarray would mask every 0 as missing)."""
    return None if value in (0, 0.0, False, None) else value


def _zarray(
    shape: list[int], chunks: list[int], dtype: Any, filters: list[dict[str, Any]], fill: Any
) -> dict[str, Any]:
    return {
        "chunks": chunks if math.prod(chunks) else [max(1, c) for c in chunks],
        "compressor": None,
        "dimension_separator": ".",
        "dtype": dtype,
        "fill_value": fill,
        "filters": filters or None,
        "order": "C",
        "shape": shape,
        "zarr_format": 2,
    }


__all__ = ["INLINE_BYTES", "build_kerchunk"]
