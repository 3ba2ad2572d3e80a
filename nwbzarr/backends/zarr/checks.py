"""Zarr metadata documents checked for shape and type before use.

Every node document nwbzarr loads (format 3 ``zarr.json`` and its consolidated entries, format 2
``.zarray`` / ``.zgroup`` / ``.zattrs`` and hdmf-zarr 0.13 ``.zmetadata`` entries) goes through
:func:`check_node` once, when it is loaded: each field nwbzarr reads has the JSON type it must
have (a shape is a list of non-negative integers, a codec an object with a string ``name``, the
attributes an object, ...), else :class:`~nwbzarr.errors.FormatError` names the store, the node
and the key. Values are checked where they are used (data types, codec parameters).
"""

from __future__ import annotations

from typing import Any

from nwbzarr.backends.zarr.conventions import RECORD
from nwbzarr.errors import FormatError

_ANY = object()
_MAX_EXTENT = 2**63  # extents are 64-bit signed integers in numpy and zarr-python
NoneType = type(None)

# field -> allowed JSON types, per kind of document (fields nwbzarr reads; absent is allowed)
_V3_ARRAY: dict[str, tuple[type, ...]] = {
    "shape": (list,),
    "data_type": (str, dict),
    "chunk_grid": (dict,),
    "chunk_key_encoding": (dict,),
    "codecs": (list,),
    "attributes": (dict,),
    "dimension_names": (list, NoneType),
    "storage_transformers": (list,),
}
_V2_ARRAY: dict[str, tuple[type, ...]] = {
    "shape": (list,),
    "chunks": (list,),
    "dtype": (str, list),
    "compressor": (dict, NoneType),
    "filters": (list, NoneType),
    "order": (str,),
    "dimension_separator": (str, NoneType),
    "attributes": (dict,),
}
_GROUP: dict[str, tuple[type, ...]] = {
    "attributes": (dict,),
    "consolidated_metadata": (dict, NoneType),
}


def _fail(where: str, key: str, what: str, value: Any) -> FormatError:
    text = repr(value)
    text = text if len(text) <= 80 else text[:77] + "..."
    return FormatError(f"{where}: malformed Zarr metadata: {key} {what} (found {text})")


def check_node(doc: dict[str, Any], where: str) -> None:
    """Check the fields of one node document (``where``: store and node, for messages)."""
    kind = doc.get("node_type")
    if kind == "group":
        if not (
            type(doc.get("attributes", _EMPTY)) is dict
            and type(doc.get("consolidated_metadata")) in (dict, NoneType)
        ):
            _fields(doc, _GROUP, where)
    elif kind == "array":
        v2 = doc.get("zarr_format") == 2
        if v2 or not _plain_v3_array(doc):
            _check_array(doc, v2, where)
    attrs = doc.get("attributes")
    if attrs and ("_LINKS" in attrs or "zarr_link" in attrs or RECORD in attrs):
        _attributes(attrs, where)


def _check_array(doc: dict[str, Any], v2: bool, where: str) -> None:
    """Each field of an array document, the first one malformed named in a FormatError."""
    _fields(doc, _V2_ARRAY if v2 else _V3_ARRAY, where)
    _shape(doc.get("shape"), "shape", where, positive=False)
    if v2:
        _v2_array(doc, where)
    else:
        _v3_array(doc, where)


def _extents(value: Any, least: int) -> bool:
    """A list of integers in [least, 2**63)."""
    if type(value) is not list:
        return False
    for n in value:  # noqa: SIM110 - a loop costs half of all() over a generator here
        if type(n) is not int or n < least or n >= _MAX_EXTENT:
            return False
    return True


def _plain_v3_array(doc: dict[str, Any]) -> bool:
    """True if a format 3 array document is well formed in the common way (no sharding, no
    absent field that :func:`_check_array` allows): the same verdict, at a fifth of its cost
    (3,000 documents are loaded per open of a file of 1,000 series). False is no verdict:
    :func:`_check_array` decides and names what is wrong."""
    get = doc.get
    shape: Any = get("shape")
    grid = get("chunk_grid")
    encoding = get("chunk_key_encoding")
    codecs = get("codecs")
    if not (
        (shape == [] or _extents(shape, 0))
        and type(get("data_type")) in (str, dict)
        and type(grid) is dict
        and type(encoding) is dict
        and type(codecs) is list
        and type(get("attributes", _EMPTY)) is dict
        and type(get("dimension_names")) in (list, NoneType)
        and type(get("storage_transformers", _LIST)) is list
    ):
        return False
    grid_conf = grid.get("configuration", _EMPTY)
    encoding_conf = encoding.get("configuration", _EMPTY)
    chunk_shape: Any = grid_conf.get("chunk_shape") if type(grid_conf) is dict else None
    if not (
        (chunk_shape == [] or _extents(chunk_shape, 1))
        and len(chunk_shape) == len(shape)
        and type(encoding.get("name", "")) is str
        and type(encoding_conf) is dict
        and encoding_conf.get("separator", "/") in ("/", ".")
    ):
        return False
    for codec in codecs:
        if not (
            type(codec) is dict
            and type(codec.get("name")) is str
            and codec["name"] != "sharding_indexed"
            and type(codec.get("configuration", _EMPTY)) is dict
        ):
            return False
    return True


_EMPTY: dict[str, Any] = {}
_LIST: list[Any] = []


def _fields(doc: dict[str, Any], table: dict[str, tuple[type, ...]], where: str) -> None:
    for key, types in table.items():
        value = doc.get(key, _ANY)
        if value is not _ANY and not isinstance(value, types):
            names = " or ".join(_json_name(t) for t in types)
            raise _fail(where, repr(key), f"must be {names}", value)


def _json_name(t: type) -> str:
    return {list: "a list", dict: "an object", str: "a string", NoneType: "null"}.get(t, t.__name__)


def _shape(value: Any, key: str, where: str, positive: bool, ndim: int | None = None) -> None:
    if value is None:
        return
    least = 1 if positive else 0
    if not isinstance(value, list) or not all(
        type(n) is int and least <= n < _MAX_EXTENT for n in value
    ):
        kind = "positive" if positive else "non-negative"
        raise _fail(where, key, f"must be a list of {kind} integers", value)
    if ndim is not None and len(value) != ndim:
        raise _fail(where, key, f"must have {ndim} entries (one per dimension)", value)


def _v3_array(doc: dict[str, Any], where: str) -> None:
    shape = doc.get("shape")
    ndim = len(shape) if isinstance(shape, list) else None
    grid = doc.get("chunk_grid")
    if grid is not None:
        conf = _object(grid.get("configuration", {}), "chunk_grid.configuration", where)
        _shape(conf.get("chunk_shape"), "chunk_grid.configuration.chunk_shape", where, True, ndim)
    encoding = doc.get("chunk_key_encoding")
    if encoding is not None:
        _string(encoding.get("name", ""), "chunk_key_encoding.name", where)
        conf = _object(encoding.get("configuration", {}), "chunk_key_encoding.configuration", where)
        separator = conf.get("separator", "/")
        if separator not in ("/", "."):
            key = "chunk_key_encoding.configuration.separator"
            raise _fail(where, key, "must be / or .", separator)
    _codecs(doc.get("codecs") or [], "codecs", where, ndim)


def _codecs(codecs: Any, key: str, where: str, ndim: int | None) -> None:
    if not isinstance(codecs, list):
        raise _fail(where, key, "must be a list", codecs)
    for i, codec in enumerate(codecs):
        here = f"{key}[{i}]"
        if isinstance(codec, str):  # the short form of a codec without configuration
            codecs[i] = {"name": codec}
        entry = _object(codecs[i], here, where)
        name = _string(entry.get("name"), f"{here}.name", where)
        conf = _object(entry.get("configuration", {}), f"{here}.configuration", where)
        if name == "sharding_indexed":
            _shape(conf.get("chunk_shape"), f"{here}.configuration.chunk_shape", where, True, ndim)
            _codecs(conf.get("codecs", []), f"{here}.configuration.codecs", where, ndim)
            _codecs(conf.get("index_codecs", []), f"{here}.configuration.index_codecs", where, ndim)


def _v2_array(doc: dict[str, Any], where: str) -> None:
    shape = doc.get("shape")
    ndim = len(shape) if isinstance(shape, list) else None
    _shape(doc.get("chunks"), "chunks", where, True, ndim)
    compressor = doc.get("compressor")
    if compressor is not None:
        _string(compressor.get("id"), "compressor.id", where)
    for i, f in enumerate(doc.get("filters") or []):
        _string(_object(f, f"filters[{i}]", where).get("id"), f"filters[{i}].id", where)


def _attributes(attrs: dict[str, Any], where: str) -> None:
    """The attributes nwbzarr itself interprets: its record, links and hdmf-zarr's markers."""
    links = attrs.get("_LINKS") or attrs.get("zarr_link")
    if links is not None:
        if not isinstance(links, list):
            raise _fail(where, "attribute '_LINKS'", "must be a list", links)
        for i, link in enumerate(links):
            entry = _object(link, f"attribute '_LINKS'[{i}]", where)
            for field in ("name", "path"):
                _string(entry.get(field, ""), f"attribute '_LINKS'[{i}].{field}", where)
    if RECORD in attrs:
        record = _object(attrs[RECORD], "attribute '_NWBZARR'", where)
        _object(record.get("attrs", {}), "attribute '_NWBZARR'.attrs", where)
        for key in ("filters", "maxshape"):
            if key in record and not isinstance(record[key], list):
                raise _fail(where, f"attribute '_NWBZARR'.{key}", "must be a list", record[key])


def _object(value: Any, key: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, key, "must be an object", value)
    return value


def _string(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, key, "must be a string", value)
    return value


__all__ = ["check_node"]
