"""Damaged Zarr metadata and chunks: every document is checked for shape and type before use (a
wrong type is a FormatError naming the node and the key), chunks are bounded before decoding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numcodecs
import numpy as np
import pytest
from conftest import CORPUS, copy_writable

import nwbzarr
from nwbzarr import FormatError
from nwbzarr.testing.fuzz import read_everything


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "s.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.attrs["title"] = "t"
        root.create_array("g/x", np.arange(2000, dtype="int64"), chunks=(1000,))
        root.create_array("g/text", np.array(["a", "bb", "ccc"], dtype=object))
    return path


def _garble(store: Path, key: str, path: list[Any], value: Any) -> None:
    """Set ``path`` inside the consolidated entry of ``key`` (and in its own document)."""
    for doc_path in (store / "zarr.json", store / key / "zarr.json"):
        doc = json.loads(doc_path.read_text())
        target = doc["consolidated_metadata"]["metadata"][key] if doc_path.parent == store else doc
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        doc_path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["codecs", 0], 1.5, r"codecs\[0\] must be an object \(found 1\.5\)"),
        (["codecs"], [[]], r"codecs\[0\] must be an object"),
        (["codecs", 0, "name"], True, r"codecs\[0\]\.name must be a string"),
        (["chunk_grid", "configuration"], "/etc/passwd", r"chunk_grid\.configuration must be"),
        (["chunk_grid"], 1.5, r"'chunk_grid' must be an object"),
        (["chunk_grid", "configuration", "chunk_shape"], [0], r"positive integers"),
        (["shape"], [-5], r"shape must be a list of non-negative integers"),
        (["shape"], [2**63], r"shape must be a list of non-negative integers"),
        (["shape"], "[1000]", r"'shape' must be a list"),
        (["attributes"], "{}", r"'attributes' must be an object"),
        (["chunk_key_encoding", "configuration", "separator"], 1.5, r"separator must be / or \."),
        (["dimension_names"], 7, r"'dimension_names' must be a list or null"),
    ],
)
def test_wrong_types_are_format_errors_naming_the_key(
    store: Path, path: list[Any], value: Any, message: str
) -> None:
    _garble(store, "g/x", path, value)
    where = re.escape(f"{store}:/g/x: malformed Zarr metadata: ")
    with pytest.raises(FormatError, match=rf"^{where}.*{message}"):
        read_everything(str(store))


@pytest.mark.parametrize("fill", [2**63, -(2**63) - 1, 10**400])
def test_fill_value_the_data_type_cannot_hold(store: Path, fill: int) -> None:
    """An out-of-range fill value (found by the seed-2032 campaign, as OverflowError)."""
    _garble(store, "g/x", ["fill_value"], fill)
    message = f"{store}:/g/x: malformed Zarr metadata: fill_value {fill!r} does not fit the "
    with pytest.raises(FormatError, match=f"^{re.escape(message)}array's data type int64$"):
        read_everything(str(store))


def test_null_record_is_refused(store: Path) -> None:
    """nwbzarr's record set to null (Zarr campaign seed 2033, #283: AttributeError before)."""
    doc = json.loads((store / "zarr.json").read_text())
    doc["attributes"]["_NWBZARR"] = None
    (store / "zarr.json").write_text(json.dumps(doc))
    message = f"{store}:/: malformed Zarr metadata: attribute '_NWBZARR' must be an object"
    with pytest.raises(FormatError, match=f"^{re.escape(message)}"):
        nwbzarr.open(store)


@pytest.mark.parametrize("inner", ["'>i2'", 1.5, None, [1]])
def test_reference_attribute_of_the_wrong_shape(store: Path, inner: Any) -> None:
    """An hdmf-zarr reference attribute whose value is not an object (seed 2033, #588 and
    #3168: AttributeError before): FormatError naming the attribute."""
    doc = json.loads((store / "zarr.json").read_text())
    attrs = doc["consolidated_metadata"]["metadata"]["g/x"]["attributes"]
    attrs["target"] = {"value": inner, "zarr_dtype": "object"}
    (store / "zarr.json").write_text(json.dumps(doc))
    with nwbzarr.open(store) as root, pytest.raises(FormatError) as info:
        root.array("g/x").attrs["target"]
    assert str(info.value).startswith(f"{store}:/g/x: attribute 'target' = ")
    assert "malformed object reference" in str(info.value)


def test_links_attribute_of_the_wrong_shape(store: Path) -> None:
    doc = json.loads((store / "zarr.json").read_text())
    doc["consolidated_metadata"]["metadata"]["g"]["attributes"]["_LINKS"] = [{"name": 3}]
    (store / "zarr.json").write_text(json.dumps(doc))
    with pytest.raises(FormatError, match=r":/g: .*attribute '_LINKS'\[0\]\.name must be a string"):
        nwbzarr.open(store)


def test_v3_vlen_chunk_declaring_too_many_items(store: Path) -> None:
    """A text chunk whose item count is damaged (2**31): refused before zarr allocates it."""
    chunk = store / "g/text/c/0"
    codecs = json.loads((store / "g/text/zarr.json").read_text())["codecs"]
    outer = numcodecs.get_codec(_nc(codecs[1])) if len(codecs) > 1 else None
    data = chunk.read_bytes()
    raw = bytearray(outer.decode(data) if outer is not None else data)
    raw[:4] = (2**31).to_bytes(4, "little")
    chunk.write_bytes(bytes(outer.encode(bytes(raw))) if outer is not None else bytes(raw))
    message = "2147483648 variable-length items"
    with nwbzarr.open(store) as root, pytest.raises(FormatError, match=message):
        root.array("g/text")[...]


def _nc(codec: dict[str, Any]) -> dict[str, Any]:
    conf = dict(codec.get("configuration") or {})
    name = codec["name"].removeprefix("numcodecs.")
    if name == "blosc":
        shuffle = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}
        conf["shuffle"] = shuffle.get(conf.get("shuffle", 0), conf.get("shuffle", 0))
        conf.pop("typesize", None)
    return {"id": name, **conf}


@pytest.mark.skipif(not (CORPUS / "README.md").is_file(), reason="no corpus")
def test_v2_object_array_with_a_garbled_shape(tmp_path: Path) -> None:
    """hdmf-zarr 0.13: an object array's shape garbled to 10**15 fails at its first missing
    chunk, before 10**15 objects are allocated; a scalar of shape [0] is damage."""
    store = copy_writable(CORPUS / "hdmfzarr013/ext_a.nwb.zarr", tmp_path / "a.nwb.zarr")
    key = "specifications/core/2.11.0/nwb.event"
    zarray = store / key / ".zarray"
    doc = json.loads(zarray.read_text())
    doc["shape"] = [10**15]
    zarray.write_text(json.dumps(doc))
    with nwbzarr.open(store) as root, pytest.raises(FormatError, match="chunk '1' is missing"):
        root.array(key)[()]
    doc["shape"] = [0]
    zarray.write_text(json.dumps(doc))
    with nwbzarr.open(store) as root, pytest.raises(FormatError, match=r"a scalar of shape \(0,\)"):
        root.array(key)[()]


def _mutations(doc: Any) -> Any:
    """Copies of ``doc`` with one value replaced by a wrong one, or one key removed."""
    garbage: list[Any] = [None, 1.5, True, -1, 0, "x", [], {}, [0], [-1], [2**63], ["a"], [1.5]]
    if isinstance(doc, dict):
        for key in doc:
            yield {k: v for k, v in doc.items() if k != key}
            for value in [*garbage, *_mutations(doc[key])]:
                yield {**doc, key: value}
    elif isinstance(doc, list):
        for i in range(len(doc)):
            for value in [*garbage, *_mutations(doc[i])]:
                yield [*doc[:i], value, *doc[i + 1 :]]


def test_the_fast_check_accepts_only_what_the_full_check_accepts(store: Path) -> None:
    """The common-case check of array documents (most of an open's documents) never lets
    through a document that the field-by-field check refuses."""
    from nwbzarr.backends.zarr.checks import _check_array, _plain_v3_array

    docs = json.loads((store / "zarr.json").read_text())["consolidated_metadata"]["metadata"]
    accepted = refused = 0
    for key in ("g/x", "g/text"):
        assert _plain_v3_array(docs[key])
        for doc in _mutations(docs[key]):
            if _plain_v3_array(doc):
                accepted += 1
                _check_array(doc, False, key)  # raises if the fast check was wrong
            else:
                refused += 1
    assert accepted and refused > 100
