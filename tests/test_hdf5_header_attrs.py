"""Attributes decoded from object headers (attrvalues.py) read exactly as libhdf5 + h5py read
them, on every writer's files and on the forms the decoder leaves to libhdf5; attribute names
listed from headers come in libhdf5's order; files with a userblock read right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import nwbzarr
from nwbzarr.backends.hdf5 import H5File
from nwbzarr.backends.hdf5.attrs import H5Attributes
from nwbzarr.backends.hdf5.attrvalues import HeapObjects, decode_attribute
from nwbzarr.backends.hdf5.types import decode


def _libhdf5_read(f: H5File, obj: Any, name: str) -> Any:
    """The attribute as h5py reads it, text decoded as nwbzarr decodes it."""
    value = obj.attrs[name]
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, np.ndarray) and value.dtype == object:
        flat = [
            v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v
            for v in value.ravel()
        ]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(value.shape)
    return value


def _same(got: Any, expected: Any) -> bool:
    if isinstance(expected, np.ndarray):
        return (
            isinstance(got, np.ndarray)
            and got.dtype == expected.dtype
            and got.shape == expected.shape
            and np.array_equal(got, expected, equal_nan=expected.dtype.kind == "f")
        )
    if type(got) is not type(expected):
        return False
    both_nan = isinstance(got, np.floating) and bool(np.isnan(got) and np.isnan(expected))
    return bool(got == expected) or both_nan


def _compare_file(path: Path) -> tuple[int, int]:
    """(attributes, decoded from headers) of ``path``; asserts every decoded one is equal and
    every listing from headers is libhdf5's."""
    total = decoded = 0
    f = H5File(str(path), "r")
    try:
        names: list[str] = []
        f.h5.visit(names.append)
        heap = None
        for obj in [f.h5, *(f.h5[name] for name in names)]:
            addr = h5py.h5o.get_info(obj.id).addr
            header = f.header_attributes(obj.id, addr, obj.name)
            assert header is not None, (path.name, obj.name)
            if header.listed:
                in_order = sorted(header.found, key=lambda n: n.encode("utf-8", "surrogateescape"))
                assert in_order == list(obj.attrs), (path.name, obj.name)
            for name in obj.attrs:
                total += 1
                raw = header.found.get(name)
                if raw is None:
                    continue
                assert f._headers is not None
                heap = heap or HeapObjects(f._headers, f.size, f.base)
                hit = decode_attribute(raw, heap)
                if hit is None:
                    continue
                decoded += 1
                value = decode(hit[0], hit[1], f.refs)
                expected = _libhdf5_read(f, obj, name)
                assert _same(value, expected), (path.name, obj.name, name, value, expected)
    finally:
        f.close()
    return total, decoded


def test_decoded_attributes_equal_libhdf5_on_every_writer(corpus: Path) -> None:
    """pynwb's generated files, and with ../shared every third-party HDF5 file (pynwb 1.0-4.2,
    MatNWB, DANDI sessions): each attribute decoded from its header equals h5py's value."""
    paths = sorted(p for p in corpus.rglob("*.nwb") if p.is_file() and "family" not in p.name)
    total = decoded = 0
    for path in paths:
        if h5py.is_hdf5(path):
            t, d = _compare_file(path)
            total, decoded = total + t, decoded + d
    assert decoded > 1000 and decoded > 0.9 * total, (total, decoded)


def _every_form(path: Path, **kwargs: Any) -> None:
    """Attributes of the forms decoded here, and of those left to libhdf5."""
    with h5py.File(path, "w", **kwargs) as f:
        g = f.create_group("g")
        target = f.create_group("target")
        values: dict[str, Any] = {
            "f8": np.float64(1.25),
            "f4": np.float32(-2.5),
            "f2": np.float16(1.5),
            "nan": np.float64("nan"),
            "i1": np.int8(-3),
            "u2": np.uint16(7),
            "i8": np.int64(-(2**40)),
            "u8": np.uint64(2**63 + 5),
            "array": np.arange(6, dtype="<f8").reshape(2, 3),
            "empty_array": np.zeros((0,), dtype="<i4"),
            "big_endian": np.array([1, 2], dtype=">i4"),
            "big_endian_scalar": np.array(3.5, dtype=">f8"),
            "text": "h\u00e9llo",
            "empty_text": "",
            "ascii": np.array(b"plain", dtype=h5py.string_dtype("ascii")),
            "texts": np.array(["a", "", "\u00fc\u00df"], dtype=h5py.string_dtype()),
            "fixed": np.bytes_(b"fixed"),
            "bool": np.bool_(True),
            "ref": target.ref,
            "compound": np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
            "null": h5py.Empty("f8"),
        }
        for name, value in values.items():
            g.attrs[name] = value
        # the same, seven to a group: kept in the object header by the newest format too
        # (more than eight go to dense storage)
        for i, (name, value) in enumerate(values.items()):
            group = f.require_group(f"few/{i // 7}")
            group.attrs[name] = value


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"libver": "latest"}, {"userblock_size": 512}, {"track_order": True}],
    ids=["earliest", "latest", "userblock", "track_order"],
)
def test_every_attribute_form_reads_as_h5py(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    """Numbers, text (empty, non-ASCII, with a NUL inside), arrays; and what libhdf5 reads
    instead (big-endian, fixed-length, enums, references, compounds, null dataspaces); with the
    newest header format, a userblock, and creation order tracked (listing left to libhdf5)."""
    path = tmp_path / "a.h5"
    _every_form(path, **kwargs)
    total, decoded = _compare_file(path)
    expected = 14 if kwargs.get("libver") == "latest" else 28  # the first group is dense there
    assert (total, decoded) == (42, expected)
    with nwbzarr.open(path) as root, h5py.File(path, "r") as h5:
        attrs = root.group("g").attrs
        assert list(attrs) == list(h5["g"].attrs)
        assert attrs["text"] == "h\u00e9llo" and attrs["empty_text"] == ""
        assert attrs["ref"] == nwbzarr.Reference("/target")
        assert np.array_equal(attrs["big_endian"], [1, 2])


def test_dense_attribute_storage_is_left_to_libhdf5(tmp_path: Path) -> None:
    """Attributes stored in a fractal heap (many of them, newest format) are not in the header:
    the header is not trusted to list them, and every one reads."""
    path = tmp_path / "dense.h5"
    with h5py.File(path, "w", libver="latest") as f:
        g = f.create_group("g")
        for i in range(40):
            g.attrs[f"a{i:02d}"] = f"value {i}"
    with nwbzarr.open(path) as root:
        attrs: Any = root.group("g").attrs
        h5file = attrs._node.h5file
        header = h5file.node_header(attrs._node)
        assert header is not None and not header.listed
        assert dict(attrs.items()) == {f"a{i:02d}": f"value {i}" for i in range(40)}
        assert "a39" in attrs and "b" not in attrs


@pytest.mark.parametrize("userblock", [1024, 1 << 17])
def test_userblock_files_read_their_text(tmp_path: Path, userblock: int) -> None:
    """HDF5 addresses count from the end of a userblock: text attributes and text datasets
    of such a file read (the heap check refused them before), and the file is found to be
    HDF5 whatever the userblock's size."""
    path = tmp_path / "ub.h5"
    with h5py.File(path, "w", userblock_size=userblock) as f:
        f.attrs["neurodata_type"] = "NWBFile"
        f.create_dataset("names", data=np.array(["a", "bb"], dtype=h5py.string_dtype()))
        f.create_group("g").attrs["description"] = "in a group"
    with nwbzarr.open(path) as root:
        assert root.attrs["neurodata_type"] == "NWBFile"
        assert root.group("g").attrs["description"] == "in a group"
        assert list(root.array("names")[:]) == ["a", "bb"]


def test_a_damaged_heap_id_is_not_decoded(tmp_path: Path) -> None:
    """A text attribute whose heap ID claims more bytes than its heap object holds is not
    decoded from the header; libhdf5's path refuses it as before (FormatError)."""
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w", libver="earliest") as f:
        f.create_group("g").attrs["description"] = "twelve chars"
    data = bytearray(path.read_bytes())
    with h5py.File(path, "r") as f:
        addr = h5py.h5o.get_info(f["g"].id).addr
    length = (12).to_bytes(4, "little")
    at = data.index(length, addr)  # the heap ID's length field, in the group's header
    data[at : at + 4] = (2**31).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with nwbzarr.open(path) as root:
        attrs: Any = root.group("g").attrs
        assert isinstance(attrs, H5Attributes)
        with pytest.raises(nwbzarr.FormatError, match="damaged variable-length value"):
            attrs["description"]


def test_parsed_headers_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At most MAX_PARSED headers are kept per file; a dropped one is parsed again, with the
    same values."""
    from nwbzarr.backends.hdf5 import file as h5file_module

    monkeypatch.setattr(h5file_module, "MAX_PARSED", 16)
    path = tmp_path / "many.h5"
    with h5py.File(path, "w", libver="earliest") as f:
        for i in range(100):
            f.create_group(f"g{i:03d}").attrs.update({"i": i, "name": f"group {i}"})
    with nwbzarr.open(path) as root:
        for _ in range(2):
            for i in range(100):
                attrs = root.group(f"g{i:03d}").attrs
                assert (attrs["i"], attrs["name"]) == (i, f"group {i}")
        h5file: Any = root.file
        assert 0 < len(h5file._parsed) <= 16
        assert len(h5file._damaged_attrs) <= 16
