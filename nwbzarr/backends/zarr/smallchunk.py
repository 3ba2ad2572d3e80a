"""A fast path for small Zarr arrays held in a single chunk.

NWB files hold thousands of tiny arrays (``starting_time``, 100-sample series, table columns).
Going through zarr-python for each costs ~2.5 ms (an array object, a codec pipeline and a hop to
its event-loop thread) against ~0.05 ms for reading the chunk file and decoding it with numcodecs.
nwbzarr already holds every array's metadata document, so for numeric arrays that fit in one
chunk and use plain byte codecs, it encodes and decodes the chunk itself. Anything else (sharding,
text, checksums, several chunks) goes through zarr-python.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numcodecs.blosc
import numcodecs.vlen
import numpy as np

from nwbzarr.backends import bounded
from nwbzarr.backends.zarr.cache import RecentCache
from nwbzarr.backends.zarr.conventions import RECORD
from nwbzarr.backends.zarr.datatypes import NATIVE_BY_NAME
from nwbzarr.codecs import numcodecs_codec

SMALL_BYTES = 1 << 20


def _codec(conf: dict[str, Any]) -> Any:
    """The codec object of one Zarr v3 bytes-to-bytes codec, or None."""
    codec = numcodecs_codec(conf)
    return _Blosc(codec) if isinstance(codec, numcodecs.blosc.Blosc) else codec


class _Blosc:
    """numcodecs' Blosc without its per-call buffer checks (same functions, same bytes)."""

    __slots__ = ("blocksize", "clevel", "cname", "shuffle")

    def __init__(self, codec: Any) -> None:
        self.cname = codec.cname.encode("ascii")
        self.clevel = int(codec.clevel)
        self.shuffle = int(codec.shuffle)
        self.blocksize = int(codec.blocksize)

    def encode(self, data: np.ndarray[Any, Any]) -> Any:
        # the item size of ``data`` (a contiguous array) is blosc's shuffle type size
        return numcodecs.blosc.compress(data, self.cname, self.clevel, self.shuffle, self.blocksize)

    def decode(self, data: Any) -> Any:
        return numcodecs.blosc.decompress(data)


class Chain(NamedTuple):
    """What a codec list reads as: byte order, the numcodecs codecs after ``bytes`` (encode
    order), and what bounds their output (bounded.py): the outermost compressor, if any, and
    the slack the stages may add."""

    endian: str
    codecs: list[Any]
    outer: str | None
    slack: int


def plan(
    doc: dict[str, Any],
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    chains: RecentCache | None = None,
) -> tuple[np.dtype[Any], list[Any]] | None:
    """(stored dtype, byte codecs in encode order) if the fast path applies, else None."""
    found = _plan(doc, dtype, shape, chains)
    return None if found is None else (found[0], found[1].codecs)


def _plan(
    doc: dict[str, Any],
    dtype: np.dtype[Any],
    shape: tuple[int, ...],
    chains: RecentCache | None,
) -> tuple[np.dtype[Any], Chain] | None:
    if doc.get("zarr_format") != 3 or dtype.kind not in "biuf" or dtype.names is not None:
        return None
    grid = doc.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape")
    if grid is None or tuple(grid) != shape or 0 in shape:
        return None
    if math.prod(shape) * dtype.itemsize > SMALL_BYTES:
        return None
    chain = _chain(doc.get("codecs") or [], chains)
    if chain is None:
        return None
    stored = _STORED.get((dtype, chain.endian))
    if stored is None:
        stored = dtype.newbyteorder("<" if chain.endian == "little" else ">")
        _STORED[dtype, chain.endian] = stored
    return stored, chain


_STORED: dict[tuple[np.dtype[Any], str], np.dtype[Any]] = {}


def _chain(codecs: list[dict[str, Any]], chains: RecentCache | None) -> Chain | None:
    """The :class:`Chain` of a codec list, None if unsupported (``chains``: found again by
    equality, as a file repeats a few codec lists thousands of times)."""
    if chains is None:
        return _make_chain(codecs)
    found: Chain | None = chains.get(codecs, _make_chain)
    return found


def _make_chain(codecs: list[dict[str, Any]]) -> Chain | None:
    if not codecs or codecs[0].get("name") != "bytes":
        return None
    endian = (codecs[0].get("configuration") or {}).get("endian", "little")
    chain = [_codec(codec) for codec in codecs[1:]]
    if any(c is None for c in chain):
        return None
    names = codec_names(chain)
    compressors = [name for name in names if bounded.is_compressor(name)]
    outer = compressors[-1] if compressors else None
    return Chain(endian, chain, outer, bounded.SLACK * len(names))


def chunk_key(doc: dict[str, Any], array_key: str, index: tuple[int, ...]) -> str:
    """The store key of chunk ``index`` of the array ``array_key`` (its key encoding)."""
    encoding = doc.get("chunk_key_encoding", {})
    sep = (encoding.get("configuration") or {}).get(
        "separator", "/" if encoding.get("name") != "v2" else "."
    )
    if encoding.get("name") == "v2":
        name = sep.join(map(str, index)) or "0"
    else:
        name = sep.join(["c", *map(str, index)])
    return f"{array_key}/{name}" if array_key else name


def codec_names(chain: list[Any]) -> tuple[str, ...]:
    """Names of a chain's codecs (numcodecs ids; the blosc wrapper is ``blosc``)."""
    return tuple(getattr(c, "codec_id", "blosc") for c in chain)


def decode(
    data: bytes,
    stored: np.dtype[Any],
    chain: list[Any],
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
) -> np.ndarray[Any, Any]:
    """The values of one chunk: ``data`` through ``chain`` backwards, read as ``stored``."""
    raw: Any = data
    for codec in reversed(chain):
        raw = codec.decode(raw)
    if type(raw) is not bytes:
        raw = raw.view(np.uint8) if isinstance(raw, np.ndarray) else bytes(raw)
    out: np.ndarray[Any, Any] = np.frombuffer(raw, stored).reshape(shape).astype(dtype)
    return out  # astype copies: a writable array that owns its memory


def encode(values: np.ndarray[Any, Any], stored: np.dtype[Any], chain: list[Any]) -> bytes:
    """One chunk's bytes: ``values`` as ``stored``, through ``chain`` in order."""
    data: Any = np.ascontiguousarray(values, dtype=stored)
    for codec in chain:
        data = codec.encode(data)
    return bytes(data) if not isinstance(data, bytes) else data


class SmallPlan(NamedTuple):
    """How to read and write a small single-chunk array without zarr-python."""

    stored: np.dtype[Any]  # dtype of the stored bytes (byte order of the bytes codec)
    chain: list[Any]  # bytes-to-bytes codecs, in encode order
    chunk: str  # the key of the one chunk
    shape: tuple[int, ...]
    dtype: np.dtype[Any]  # dtype of values read
    outer: str | None  # the outermost compressor of ``chain`` (bounded.py), if any
    limit: int  # the most bytes its output may hold (the chunk's size, plus slack)


def small_plan(
    doc: dict[str, Any], key: str, chains: RecentCache | None = None
) -> SmallPlan | None:
    """The fast-path plan of a small numeric single-chunk array, straight from its document.

    Only documents whose spec (:func:`read_spec`) is a plain numpy dtype without shards or
    extras qualify; shape and dtype are then those of the spec, read without building it.
    """
    if doc.get("zarr_format") != 3:
        return None
    attrs = doc.get("attributes") or {}
    record = attrs.get(RECORD)
    if record and ("dtype" in record or record.get("layout") or record.get("empty")):
        return None  # not a plain numpy dtype, or an extra in the spec
    if attrs.get("_DTYPE") == "object_reference":
        return None
    data_type = doc.get("data_type")
    np_dtype = NATIVE_BY_NAME.get(data_type) if isinstance(data_type, str) else None
    if np_dtype is None:
        return None
    shape = tuple(map(int, doc.get("shape", ())))
    found = _plan(doc, np_dtype, shape, chains)
    if found is None:
        return None
    stored, chain = found
    dtype = np_dtype
    if stored.byteorder == ">" and np_dtype.itemsize > 1:
        dtype = np_dtype.newbyteorder(">")  # as read_spec: big-endian bytes read big-endian
    chunk = chunk_key(doc, key, (0,) * len(shape))
    limit = math.prod(shape) * stored.itemsize + chain.slack
    return SmallPlan(stored, chain.codecs, chunk, shape, dtype, chain.outer, limit)


def text_plan(
    doc: dict[str, Any], key: str, chains: RecentCache | None = None
) -> tuple[str, list[Any]] | None:
    """(chunk key, bytes-to-bytes codecs) to write a single-chunk text array of ``doc`` whole
    (``vlen-utf8`` first), as zarr-python would encode it; None if another layout applies.

    Writing only: nwbzarr writes dozens of such arrays per file (the cached schema, the
    file's text fields), ~1 ms each through zarr-python; reads still go through zarr-python.
    """
    if doc.get("zarr_format") != 3 or doc.get("data_type") != "string":
        return None
    shape = doc.get("shape")
    grid = doc.get("chunk_grid", {}).get("configuration", {}).get("chunk_shape")
    codecs = doc.get("codecs") or []
    if not isinstance(shape, list) or grid != shape or 0 in shape or not codecs:
        return None
    if codecs[0].get("name") != "vlen-utf8" or codecs[0].get("configuration"):
        return None
    found = _chain([{"name": "bytes"}, *codecs[1:]], chains)
    if found is None:
        return None
    return chunk_key(doc, key, (0,) * len(shape)), found.codecs


def encode_text(values: np.ndarray[Any, Any], chain: list[Any]) -> bytes:
    """One text chunk's bytes: numcodecs' vlen-utf8 of ``values`` (C order), then ``chain``."""
    data: Any = _VLEN_UTF8.encode(np.ascontiguousarray(values, dtype=object))
    for codec in chain:
        data = codec.encode(data)
    return bytes(data) if not isinstance(data, bytes) else data


_VLEN_UTF8 = numcodecs.vlen.VLenUTF8()

# "not computed yet" in a cache whose values may be None
NO_PLAN: SmallPlan | None = SmallPlan(np.dtype("u1"), [], "", (), np.dtype("u1"), None, 0)


__all__ = [
    "NO_PLAN",
    "SmallPlan",
    "chunk_key",
    "decode",
    "encode",
    "encode_text",
    "plan",
    "small_plan",
    "text_plan",
]
