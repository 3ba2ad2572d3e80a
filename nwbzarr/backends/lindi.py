"""LINDI's annotations, rewritten into the conventions the Zarr backend reads.

LINDI (``.lindi.json``, ``.lindi.tar``) writes an HDF5 file's tree as Zarr format 2 documents
with its own attributes for what Zarr 2 cannot say:

* ``_SCALAR: true``: a scalar dataset stored with shape ``(1,)``: read as it is;
* ``_SOFT_LINK: {"path"}``: an empty group standing for a soft link: read as it is;
* ``_REFERENCE: {"source", "path", ...}``: an object reference, in attributes (read as it is)
  and as items of JSON-encoded object arrays, which carry no other mark: the first chunk of
  each such array is looked at, and one that holds references is marked ``zarr_dtype:
  "object"`` (hdmf-zarr 0.13's mark for reference arrays);
* ``_COMPOUND_DTYPE: [[name, dtype], ...]`` (``"<REFERENCE>"`` for a reference field): becomes
  hdmf-zarr 0.13's ``zarr_dtype`` list of ``{"name", "dtype"}`` (``"object"`` for references);
* ``_EXTERNAL_ARRAY_LINK: {"link_type": "hdf5_dataset", "url", "name"}``: a dataset of the
  indexed HDF5 file with too many chunks to list, whose ``.zarray`` and ``.zattrs`` LINDI keeps
  and whose values its reader takes from the dataset ``name`` of the HDF5 file at ``url``: it
  stays an array (the annotation is removed from its attributes), and its chunks are served
  to the store from that dataset by an
  :class:`~nwbzarr.backends.lindi_external.ExternalArray`, under the link policy as
  byte-range references are; the HDF5 file is opened on the first read, not at open.

The rewritten documents are gathered into one consolidated ``.zmetadata``, so opening the
store reads nothing after the reference file.
"""

from __future__ import annotations

import json
from typing import Any

from nwbzarr.backends import bounded
from nwbzarr.backends.lindi_external import LINK_TYPE, ExternalArray, HDF5Files
from nwbzarr.backends.references import ByteRange, References, read_member
from nwbzarr.errors import FormatError, NwbZarrError

_DOCUMENTS = (".zgroup", ".zarray", ".zattrs")
PEEK_BYTES = 1 << 20  # the first chunk of an object array is decoded up to this size to look


def normalize(references: References) -> None:
    """Rewrite LINDI's annotations in ``references`` and add a consolidated ``.zmetadata``."""
    refs = references.refs
    where = str(references.location)
    docs = _documents(refs, where)
    if docs is None:
        return  # documents held by byte range: the backend lists the store instead
    files = HDF5Files()  # the files of its external array links, opened once each
    for path in sorted({k.rpartition("/")[0] for k in docs if k.endswith("/.zattrs")}):
        attrs = docs.get(f"{path}/.zattrs")
        zarray = docs.get(f"{path}/.zarray")
        if attrs is None or zarray is None:
            continue
        if "_EXTERNAL_ARRAY_LINK" in attrs:
            link = _external_array(refs, path, attrs, zarray, where, files)
            references.arrays[path] = link
        elif "_COMPOUND_DTYPE" in attrs and "zarr_dtype" not in attrs:
            attrs["zarr_dtype"] = _compound(attrs["_COMPOUND_DTYPE"], f"{where}:/{path}")
        elif (
            zarray.get("dtype") == "|O"
            and "zarr_dtype" not in attrs
            and _holds_references(references, path, zarray, f"{where}:/{path}")
        ):
            attrs["zarr_dtype"] = "object"
    for key, value in docs.items():
        refs[key] = json.dumps(value).encode()
    refs[".zmetadata"] = json.dumps(
        {"zarr_consolidated_format": 1, "metadata": docs}, allow_nan=True
    ).encode()


def _documents(refs: dict[str, bytes | ByteRange], where: str) -> dict[str, Any] | None:
    docs: dict[str, Any] = {}
    for key, value in refs.items():
        if key.rpartition("/")[2] not in _DOCUMENTS:
            continue
        if isinstance(value, ByteRange):
            return None
        try:
            docs[key] = json.loads(value)
        except ValueError as err:
            raise FormatError(f"{where}: {key} is not valid JSON: {err}") from err
        if not isinstance(docs[key], dict):
            raise FormatError(f"{where}: {key} holds {type(docs[key]).__name__}, not an object")
    return docs


def _external_array(
    refs: dict[str, bytes | ByteRange],
    path: str,
    attrs: dict[str, Any],
    zarray: dict[str, Any],
    where: str,
    files: HDF5Files,
) -> ExternalArray:
    """The chunk source of an array with LINDI's ``_EXTERNAL_ARRAY_LINK`` (removed from its
    attributes; any chunk keys the file lists for it are dropped: the dataset has them all)."""
    info = attrs.pop("_EXTERNAL_ARRAY_LINK")
    if not isinstance(info, dict) or not isinstance(info.get("url"), str) or "name" not in info:
        raise FormatError(
            f"{where}:/{path}: malformed _EXTERNAL_ARRAY_LINK {info!r} (expected url and name)"
        )
    if info.get("link_type", LINK_TYPE) != LINK_TYPE:
        raise FormatError(
            f"{where}:/{path}: _EXTERNAL_ARRAY_LINK of link_type {info['link_type']!r} "
            f"(LINDI writes {LINK_TYPE!r} only)"
        )
    for key in [k for k in refs if k.startswith(f"{path}/")]:
        if key.rpartition("/")[2] not in _DOCUMENTS:
            refs.pop(key)
    return ExternalArray(f"{where}:/{path}", info["url"], str(info["name"]), zarray, files)


def _compound(fields: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(fields, list) or not all(
        isinstance(f, list | tuple) and len(f) == 2 and all(isinstance(p, str) for p in f)
        for f in fields
    ):
        raise FormatError(f"{where}: malformed _COMPOUND_DTYPE {fields!r}")
    return [
        {"name": name, "dtype": "object" if dtype == "<REFERENCE>" else dtype}
        for name, dtype in fields
    ]


def _holds_references(
    references: References, path: str, zarray: dict[str, Any], where: str
) -> bool:
    """Whether the first chunk of a JSON-encoded object array holds LINDI references (the
    chunk inline, or a blob of the LINDI tar)."""
    refs = references.refs
    filters = [f for f in zarray.get("filters") or [] if isinstance(f, dict)]
    if not any(f.get("id") == "json2" for f in filters):
        return False
    shape = zarray.get("shape") or []
    sep = zarray.get("dimension_separator", ".") or "."
    first = refs.get(f"{path}/{sep.join('0' for _ in shape) or '0'}")
    if isinstance(first, ByteRange):
        first = read_member(references, first, PEEK_BYTES)
    if first is None:
        return False
    data = first
    compressor = zarray.get("compressor")
    if isinstance(compressor, dict):
        import numcodecs

        try:
            codec = numcodecs.get_codec(compressor)
            bounded.check(data, [f"numcodecs.{codec.codec_id}"], PEEK_BYTES, where)
            data = bytes(codec.decode(data))
        except NwbZarrError:
            raise
        except (RuntimeError, ValueError, TypeError, KeyError) as err:
            raise FormatError(f"{where}: cannot decode its first chunk: {err}") from err
    return b'"_REFERENCE"' in data


__all__ = ["normalize"]
