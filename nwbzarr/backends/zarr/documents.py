"""Zarr v3 node documents (``zarr.json``): writing an array's, reading an array spec from one.

An array document carries the convention's attributes (``_DTYPE``, ``_REFERENCE_FIELDS``),
``dimension_names``, and nwbzarr's record (``_NWBZARR``) of what Zarr cannot say: HDF5 maxshape,
layout, filters without a Zarr form, text length and encoding, sparse (partly unwritten) data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from nwbzarr.backends.zarr.cache import NodeCaches
from nwbzarr.backends.zarr.conventions import (
    DEFAULT_CHUNK_BYTES,
    RECORD,
    SHARD_BYTES,
    SHARD_THRESHOLD,
)
from nwbzarr.backends.zarr.datatypes import (
    datatype_from_numpy,
    fill_from_json,
    fill_json,
    native_dtype,
    zarr_type,
)
from nwbzarr.backends.zarr.legacy import read_spec_v2
from nwbzarr.codecs import codecs_for, default_codecs, filters_from_codecs, hashable_option
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
from nwbzarr.errors import FormatError
from nwbzarr.tree import ArraySpec, Filter, block_shape

CodecsInfo = tuple[tuple[Filter, ...], str | None, tuple[int, ...] | None]
# (codec list, compute) -> the analysis, found again by value (a file's NodeCaches.codec_info)
CodecsLookup = Callable[[list[dict[str, Any]], Callable[[Any], Any]], Any]


def array_document(
    spec: ArraySpec, name: str, where: str, caches: NodeCaches | None = None
) -> dict[str, Any]:
    """The ``zarr.json`` document of a new array (format 3); ``caches``: its file's."""
    memo = caches.types if caches is not None else None
    del where
    datatype = spec.datatype
    zdtype, itemsize, attributes, record = zarr_type(datatype, memo)
    shape = spec.shape
    if spec.chunks is None and memo is not None:
        found = memo.chunks.get((shape, itemsize), lambda k: default_chunks(*k))
    else:
        found = spec.chunks or default_chunks(shape, itemsize)
    chunks = tuple(max(1, int(c)) for c in found)
    codecs = _codecs(spec, itemsize, record)
    if isinstance(datatype, np.dtype) and datatype.byteorder == ">":
        _set_endian(codecs, "big")  # Zarr v3 keeps byte order in the bytes codec
    shards = spec.shards
    if shards is None and spec.chunks is None and spec.extra.get("auto_shard", True):
        shards = auto_shards(shape, chunks, itemsize)
    grid_chunks = chunks
    if shards:
        grid_chunks = tuple(max(c, (int(s) // c) * c) for s, c in zip(shards, chunks, strict=True))
        codecs = [_sharding_codec(chunks, codecs)]
    if spec.maxshape is not None and tuple(spec.maxshape) != (None,) * len(shape):
        record["maxshape"] = list(spec.maxshape)
    for key in ("layout", "empty"):
        if spec.extra.get(key):
            record[key] = spec.extra[key]
    if not spec.extra.get("filled", True):
        record["sparse"] = True  # unwritten chunks are fill values, not damage
    if record:
        attributes[RECORD] = record
    dims = list(spec.dims) if spec.dims else [f"{name}_dim{i}" for i in range(len(shape))]
    return {
        "zarr_format": 3,
        "node_type": "array",
        "shape": list(shape),
        "data_type": zdtype,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(grid_chunks)}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": fill_json(spec.fillvalue, datatype, numpy_dtype(datatype), memo),
        "codecs": codecs,
        "attributes": attributes,
        "dimension_names": dims,
        "storage_transformers": [],
    }


def _set_endian(codecs: list[dict[str, Any]], endian: str) -> None:
    for codec in codecs:
        if codec.get("name") == "bytes":
            codec.setdefault("configuration", {})["endian"] = endian
        elif codec.get("name") == "sharding_indexed":
            _set_endian(codec["configuration"]["codecs"], endian)


def _stored_endian(codecs: list[dict[str, Any]]) -> str | None:
    for codec in codecs:
        if codec.get("name") == "bytes":
            return (codec.get("configuration") or {}).get("endian")
        if codec.get("name") == "sharding_indexed":
            return _stored_endian(codec["configuration"]["codecs"])
    return None


def _codecs(spec: ArraySpec, itemsize: int, record: dict[str, Any]) -> list[dict[str, Any]]:
    datatype = spec.datatype
    text = isinstance(datatype, StringType | ReferenceType)
    if spec.compression is None:
        if isinstance(datatype, CompoundType):
            return [
                {"name": "bytes", "configuration": {"endian": "little"}},
                {"name": "zstd", "configuration": {"level": 3, "checksum": False}},
            ]
        return default_codecs(text, itemsize)
    codecs = codecs_for(spec.compression, itemsize, text)
    if codecs is None:
        # The source's filters have no Zarr form (lzf, scaleoffset, szip...): store with the
        # default codecs and remember the filters so a conversion back restores them.
        record["filters"] = [[f.name, [list(o) for o in f.options]] for f in spec.compression]
        return default_codecs(text, itemsize)
    return codecs


def _sharding_codec(chunks: tuple[int, ...], codecs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "sharding_indexed",
        "configuration": {
            "chunk_shape": list(chunks),
            "codecs": codecs,
            "index_codecs": [
                {"name": "bytes", "configuration": {"endian": "little"}},
                {"name": "crc32c"},
            ],
            "index_location": "end",
        },
    }


def default_chunks(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """About 2 MiB per chunk, time-major (whole rows of channels / frames)."""
    if not shape:
        return ()
    return block_shape(tuple(max(n, 1) for n in shape), itemsize, DEFAULT_CHUNK_BYTES)


def auto_shards(
    shape: tuple[int, ...], chunks: tuple[int, ...], itemsize: int
) -> tuple[int, ...] | None:
    """Shards of ~64 MiB along time for arrays above 512 MiB (few objects on object stores)."""
    nbytes = math.prod(shape) * itemsize
    if not shape or nbytes < SHARD_THRESHOLD:
        return None
    per_chunk = math.prod(chunks) * itemsize
    n = max(1, SHARD_BYTES // max(per_chunk, 1))
    return (chunks[0] * n, *shape[1:]) if len(shape) > 1 else (chunks[0] * n,)


def read_spec(doc: dict[str, Any], where: str, caches: NodeCaches | None = None) -> ArraySpec:
    """An :class:`ArraySpec` from a stored array document (format 3 or 2); ``caches``: its
    file's (analyses of codec lists and data types are kept there)."""
    attrs = doc.get("attributes", {})
    record = attrs.get(RECORD, {})
    if doc.get("zarr_format") == 2:
        return read_spec_v2(doc, attrs, where)
    data_type = doc.get("data_type")
    datatype: DType
    if "dtype" in record:
        datatype = from_json(record["dtype"])
    elif attrs.get("_DTYPE") == "object_reference":
        datatype = REFERENCE
    elif data_type in ("string", "str", "variable_length_utf8"):
        datatype = StringType("ascii") if attrs.get("_DTYPE") in ("ascii", "bytes") else UTF8
    else:
        try:
            np_dtype = native_dtype(data_type, caches.types if caches else None)
        except Exception as err:
            raise FormatError(f"{where}: unsupported Zarr data type {data_type!r}: {err}") from err
        datatype = datatype_from_numpy(np_dtype, attrs)
    codecs = doc.get("codecs") or []
    compression, endian, inner_chunks = codecs_info(
        codecs, caches.codec_info.get if caches else None
    )
    if isinstance(datatype, np.dtype) and datatype.itemsize > 1 and endian == "big":
        datatype = datatype.newbyteorder(">")
    shape = tuple(int(n) for n in doc.get("shape", ()))
    grid = doc.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape")
    chunks = tuple(int(c) for c in grid) if grid is not None else shape
    shards = None
    if inner_chunks is not None:
        shards = chunks
        chunks = inner_chunks
    if "filters" in record:
        compression = tuple(
            Filter(str(name), tuple((str(k), hashable_option(v)) for k, v in opts))
            for name, opts in record["filters"]
        )
    maxshape = tuple(record["maxshape"]) if "maxshape" in record else (None,) * len(shape)
    extra: dict[str, Any] = {}
    if record.get("layout"):
        extra["layout"] = record["layout"]
    if record.get("empty"):
        extra["empty"] = True
    dims = doc.get("dimension_names")
    return ArraySpec(
        shape=shape,
        datatype=datatype,
        chunks=chunks,
        maxshape=maxshape,
        compression=compression,
        fillvalue=fill_from_json(doc.get("fill_value"), datatype, 3, where),
        dims=tuple(str(d) for d in dims) if dims and all(d is not None for d in dims) else None,
        shards=shards,
        extra=extra,
    )


def codecs_info(codecs: list[dict[str, Any]], lookup: CodecsLookup | None = None) -> CodecsInfo:
    """(portable filters, stored byte order, inner chunk shape if sharded) of a codec list."""
    info: CodecsInfo = (
        _make_codecs_info(codecs) if lookup is None else lookup(codecs, _make_codecs_info)
    )
    return info


def _make_codecs_info(codecs: list[dict[str, Any]]) -> CodecsInfo:
    codecs = list(codecs)
    inner = None
    if codecs and codecs[0].get("name") == "sharding_indexed":
        inner = tuple(int(c) for c in codecs[0]["configuration"]["chunk_shape"])
    return filters_from_codecs(codecs), _stored_endian(codecs), inner


def strip_consolidated(doc: dict[str, Any]) -> dict[str, Any]:
    """A loaded group document without its own consolidated metadata (not nested inline)."""
    if doc.get("node_type") == "group":
        out = {k: v for k, v in doc.items() if k != "consolidated_metadata"}
        return out
    return doc


__all__ = [
    "array_document",
    "auto_shards",
    "codecs_info",
    "default_chunks",
    "read_spec",
    "strip_consolidated",
]
