"""Reading Zarr format 2 stores: hdmf-zarr 0.13 and earlier, and LINDI annotations.

Format 2 keeps each node's metadata in ``.zgroup`` / ``.zarray`` / ``.zattrs`` objects (or in
one ``.zmetadata``); they are read into format-3-shaped documents marked ``"zarr_format": 2``,
which :func:`read_spec_v2` reads. Object arrays hold references as pickles or JSON: they are
decoded chunk by chunk with a restricted unpickler (:mod:`nwbzarr.safe_pickle`) that builds only
plain values, never by unpickling arbitrary objects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from zarr.abc.store import Store

from nwbzarr import safe_pickle
from nwbzarr.backends import bounded
from nwbzarr.backends.zarr import zarrio
from nwbzarr.backends.zarr.conventions import RECORD, reference_from_json
from nwbzarr.backends.zarr.datatypes import datatype_from_numpy, fill_from_json
from nwbzarr.codecs import filters_from_v2
from nwbzarr.dtypes import (
    REFERENCE,
    UTF8,
    CompoundType,
    DType,
    ReferenceType,
    StringType,
    from_json,
    numpy_dtype,
)
from nwbzarr.errors import FormatError, NwbZarrError, UnsafeContentError
from nwbzarr.tree import ArraySpec, Reference

GetJson = Callable[[str], dict[str, Any] | None]
AddNode = Callable[[str, dict[str, Any]], None]


# --------------------------------------------------------------------------------------------
# the hierarchy
# --------------------------------------------------------------------------------------------
def load_consolidated(location: str, zmeta: dict[str, Any], add: AddNode) -> dict[str, Any]:
    """Add every node of a ``.zmetadata`` document; return the root's document."""
    meta = zmeta.get("metadata")
    if not isinstance(meta, dict):
        raise FormatError(f"{location}: .zmetadata has no 'metadata' object")
    nodes: dict[str, dict[str, Any]] = {}
    for key, value in meta.items():
        if not isinstance(value, dict):
            raise FormatError(
                f"{location}: malformed Zarr metadata: .zmetadata entry {key!r} must be an "
                f"object (found {type(value).__name__})"
            )
        path, _, leaf = key.rpartition("/")
        node = nodes.setdefault(path, {"zarr_format": 2, "attributes": {}})
        if leaf == ".zgroup":
            node["node_type"] = "group"
        elif leaf == ".zarray":
            node.update(value)
            node["node_type"] = "array"
            node["zarr_format"] = 2
        elif leaf == ".zattrs":
            node["attributes"] = value
    root = nodes.pop("", {"zarr_format": 2, "node_type": "group", "attributes": {}})
    for path, doc in nodes.items():
        if "node_type" not in doc:
            raise FormatError(f"{location}: {path!r} has attributes but no .zgroup/.zarray")
        add(path, doc)
    return root


def group_doc(get_json: GetJson, key: str) -> dict[str, Any]:
    """The document of the format-2 group ``key`` (its ``.zattrs``)."""
    attrs = get_json(f"{key}/.zattrs" if key else ".zattrs") or {}
    return {"zarr_format": 2, "node_type": "group", "attributes": attrs}


def walk(store: Store, get_json: GetJson, add: AddNode, key: str = "") -> None:
    """Add every node below ``key`` by listing the store (parents before their children)."""
    for name in sorted(zarrio.list_dir(store, key)):
        child = f"{key}/{name}" if key else name
        if name.startswith("."):
            continue
        zarray = get_json(f"{child}/.zarray")
        if zarray is not None:
            doc = dict(zarray)
            doc.update(
                zarr_format=2, node_type="array", attributes=get_json(f"{child}/.zattrs") or {}
            )
            add(child, doc)
        elif get_json(f"{child}/.zgroup") is not None:
            add(child, group_doc(get_json, child))
            walk(store, get_json, add, child)


# --------------------------------------------------------------------------------------------
# arrays
# --------------------------------------------------------------------------------------------
def read_spec_v2(doc: dict[str, Any], attrs: dict[str, Any], where: str) -> ArraySpec:
    """The :class:`ArraySpec` of a format-2 array document (``attrs``: its attributes)."""
    zdtype = attrs.get("zarr_dtype")
    raw_dtype = doc.get("dtype")
    shape = tuple(int(n) for n in doc.get("shape", []))
    chunks = tuple(int(c) for c in doc.get("chunks", shape))
    filters_json = doc.get("filters") or []
    filter_ids = [f.get("id") for f in filters_json if isinstance(f, dict)]
    extra: dict[str, Any] = {}
    datatype: DType
    record = attrs.get(RECORD)
    record = record if isinstance(record, dict) else {}
    if "dtype" in record:  # nwbzarr's own format-2 documents (the kerchunk form of the index)
        datatype = from_json(record["dtype"])
        extra["v2_object"] = raw_dtype == "|O"
    elif attrs.get("_DTYPE") == "object_reference":  # the NWB-Zarr convention's mark
        datatype = REFERENCE
        extra["v2_object"] = raw_dtype == "|O"
    elif isinstance(zdtype, list) or isinstance(raw_dtype, list):
        datatype = _v2_compound(zdtype if isinstance(zdtype, list) else None, raw_dtype, where)
        # rows as objects: pickled or JSON (LINDI's _COMPOUND_DTYPE), references inside or not
        if raw_dtype == "|O" or (
            isinstance(zdtype, list)
            and any(isinstance(sub, ReferenceType) for _, sub in datatype.fields)
        ):
            extra["v2_object"] = True
    elif zdtype == "object":
        datatype = REFERENCE
        extra["v2_object"] = True
    elif raw_dtype == "|O" or zdtype in ("str", "utf", "text"):
        datatype = (
            StringType("ascii")
            if zdtype in ("bytes", "ascii")
            or attrs.get("_DTYPE") in ("bytes", "ascii")
            or "vlen-bytes" in filter_ids
            else UTF8
        )
        extra["v2_object"] = raw_dtype == "|O"
    else:
        try:
            datatype = datatype_from_numpy(np.dtype(raw_dtype), attrs)
        except TypeError as err:
            raise FormatError(f"{where}: unsupported Zarr v2 dtype {raw_dtype!r}") from err
    if zdtype == "scalar" or attrs.get("_SCALAR"):
        extra["v2_scalar"] = True
        shape = ()
        chunks = ()
    compression = filters_from_v2(filters_json, doc.get("compressor"))
    fill = fill_from_json(doc.get("fill_value"), datatype, 2, where)
    dims = attrs.get("_ARRAY_DIMENSIONS")
    maxshape = record.get("maxshape")
    return ArraySpec(
        shape=shape,
        datatype=datatype,
        chunks=chunks,
        maxshape=tuple(maxshape)
        if isinstance(maxshape, list) and len(maxshape) == len(shape)
        else (None,) * len(shape),
        compression=compression,
        fillvalue=fill,
        dims=tuple(dims) if isinstance(dims, list) and len(dims) == len(shape) else None,
        extra=extra,
    )


def _v2_compound(zdtype: list[Any] | None, raw_dtype: Any, where: str) -> CompoundType:
    fields: list[tuple[str, DType]] = []
    if zdtype:
        for entry in zdtype:
            name, sub = str(entry["name"]), entry["dtype"]
            if sub == "object" or isinstance(sub, dict):
                fields.append((name, REFERENCE))
            elif sub in ("str", "utf", "utf8", "text"):
                fields.append((name, UTF8))
            elif sub in ("ascii", "bytes"):
                fields.append((name, StringType("ascii")))
            else:
                fields.append((name, np.dtype(sub)))
        return CompoundType(tuple(fields))
    for name, sub in raw_dtype:
        fields.append((str(name), UTF8 if sub == "|O" else np.dtype(sub)))
    del where
    return CompoundType(tuple(fields))


def read_v2_object_array(
    store: Store, key: str, doc: dict[str, Any], where: str
) -> np.ndarray[Any, Any]:
    """Decode a format-2 object array (pickled or JSON references) chunk by chunk, safely."""
    import numcodecs

    shape = tuple(int(n) for n in doc.get("shape", []))
    chunks = tuple(int(c) for c in doc.get("chunks", shape))
    sep = doc.get("dimension_separator", ".") or "."
    compressor = doc.get("compressor")
    codec = numcodecs.get_codec(compressor) if isinstance(compressor, dict) else None
    filters = [f for f in (doc.get("filters") or []) if isinstance(f, dict)]
    counts = [math.ceil(n / c) if c else 0 for n, c in zip(shape, chunks, strict=True)]
    # every chunk is read before the output is allocated: a declared shape must be backed by
    # chunks that exist and hold that many items (a garbled shape fails at its first gap)
    blocks = []
    for index in _indices(counts):  # lazily: np.ndindex materializes each axis's range
        name = sep.join(map(str, index)) if index else "0"
        chunk_key = f"{key}/{name}" if key else name
        limit = bounded.VARIABLE_CHUNK_BYTES
        values = _read_v2_chunk(store, chunk_key, codec, filters, where, limit)
        region = tuple(
            slice(i * c, min((i + 1) * c, n)) for i, c, n in zip(index, chunks, shape, strict=True)
        )
        block_shape_ = tuple(c for c in chunks)
        values = values.reshape(block_shape_) if values.size == math.prod(block_shape_) else values
        blocks.append((region, values[tuple(slice(0, r.stop - r.start) for r in region)]))
    out = np.empty(shape, dtype=object)
    for region, values in blocks:
        out[region] = values
    attrs = doc.get("attributes", {})
    scalar = attrs.get("zarr_dtype") == "scalar" or bool(attrs.get("_SCALAR"))  # LINDI's mark
    references = isinstance(read_spec_v2(doc, attrs, where).datatype, ReferenceType)
    conv = np.empty(out.shape, dtype=object)
    flat = conv.reshape(-1)
    for i, v in enumerate(out.reshape(-1)):
        if isinstance(v, dict) or (references and isinstance(v, str)):
            flat[i] = reference_from_json(safe_pickle.plain(v))
        elif isinstance(v, bytes):
            flat[i] = v.decode("utf-8", "surrogateescape")
        else:
            flat[i] = v
    if any(isinstance(v, tuple | list) for v in flat):
        return _v2_compound_rows(
            conv, read_spec_v2(doc, doc.get("attributes", {}), where).datatype, where
        )
    if scalar and conv.size != 1:
        raise FormatError(f"{where}: a scalar of shape {conv.shape}")
    return conv.reshape(-1)[0] if scalar else conv


def _indices(counts: list[int]) -> Iterator[tuple[int, ...]]:
    """Chunk indices in C order, generated as they are used."""
    if not counts:
        yield ()
        return
    for i in range(counts[0]):
        for rest in _indices(counts[1:]):
            yield (i, *rest)


def _read_v2_chunk(
    store: Store,
    key: str,
    codec: Any,
    filters: list[dict[str, Any]],
    where: str,
    limit: int = 64 << 20,
) -> np.ndarray[Any, Any]:
    data = zarrio.get_object(store, key)
    if data is None:
        raise FormatError(f"{where}: chunk {key.rpartition('/')[2]!r} is missing")
    try:
        if codec is not None:
            bounded.check(data, [f"numcodecs.{codec.codec_id}"], limit, where)
            data = bytes(codec.decode(data))
        return _decode_object_chunk(data, filters, where)
    except NwbZarrError:
        raise
    except (RuntimeError, ValueError, TypeError, IndexError, EOFError) as err:
        chunk = key.rpartition("/")[2]
        raise FormatError(
            f"{where}: cannot decode chunk {chunk!r}: {type(err).__name__}: {err}"
        ) from err


def _v2_compound_rows(
    conv: np.ndarray[Any, Any], datatype: DType, where: str
) -> np.ndarray[Any, Any]:
    """Rows of a v2 compound object array (references inside) as a structured array."""
    if not isinstance(datatype, CompoundType):
        raise FormatError(f"{where}: object array of rows, but its dtype is not compound")
    table = np.empty(conv.shape, dtype=numpy_dtype(datatype))
    for i, row in enumerate(conv.reshape(-1)):
        if not isinstance(row, tuple | list) or len(row) != len(datatype.fields):
            raise FormatError(f"{where}: row {i} does not match the compound dtype")
        values = []
        for v, (_, sub) in zip(row, datatype.fields, strict=True):
            if isinstance(sub, ReferenceType):
                values.append(
                    reference_from_json(safe_pickle.plain(v))
                    if isinstance(v, dict)
                    else Reference(str(v))
                )
            else:
                values.append(v)
        table.reshape(-1)[i] = tuple(values)
    return table


def _decode_object_chunk(
    data: bytes, filters: list[dict[str, Any]], where: str
) -> np.ndarray[Any, Any]:
    for f in reversed(filters):
        fid = f.get("id")
        if fid == "pickle":
            try:
                return safe_pickle.loads(data)
            except UnsafeContentError as err:
                raise UnsafeContentError(f"{where}: {err}") from err
        if fid == "json2":
            try:
                items = json.loads(data.decode("utf-8"))
            except ValueError as err:
                raise FormatError(f"{where}: malformed JSON chunk: {err}") from err
            *values, _dtype, shape = items
            arr = np.empty(len(values), dtype=object)
            for i, v in enumerate(values):
                arr[i] = tuple(v) if isinstance(v, list) else v
            return arr.reshape(shape) if isinstance(shape, list) else arr
        if fid in ("vlen-utf8", "vlen-bytes"):
            import numcodecs

            items = int.from_bytes(data[:4], "little")
            if len(data) < 4 or items > (len(data) - 4) // 4:  # 4 bytes of length per item
                raise FormatError(
                    f"{where}: damaged chunk: it declares {items} items in {len(data)} bytes"
                )
            decoded = numcodecs.get_codec(f).decode(data)
            return np.asarray(decoded, dtype=object)
    raise FormatError(f"{where}: object array without a known object codec ({filters!r})")
