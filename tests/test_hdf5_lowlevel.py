"""The HDF5 backend's low-level fast paths give what h5py's high-level API gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from conftest import corpus_sources

import nwbzarr
from nwbzarr.dtypes import ASCII, UTF8, DType, Reference
from nwbzarr.errors import NwbZarrError, UnsupportedFeatureError
from nwbzarr.tree import Node

CASES: list[tuple[str, Any, DType | None]] = [
    ("f8", np.arange(5.0), None),
    ("f4_scalar", np.float32(3), None),
    ("i2_2d", np.arange(6, dtype="i2").reshape(2, 3), None),
    ("utf8", "h\u00e9llo", UTF8),
    ("ascii", "x", ASCII),
    ("bool", np.array([True, False]), None),
    ("empty", np.zeros((0,)), None),
    ("text_list", ["a", "bb"], UTF8),
    ("caf\u00e9", np.arange(3, dtype="u1"), None),
]


@pytest.mark.parametrize(("name", "value", "dtype"), CASES, ids=[c[0] for c in CASES])
def test_created_array_reads_back_as_written(
    tmp_path: Path, name: str, value: Any, dtype: DType | None
) -> None:
    """The spec known at creation equals the one read from the file; values round-trip."""
    path = tmp_path / "a.h5"
    with nwbzarr.open(path, "w") as root:
        written = root.create_array(name, value, dtype=dtype, compression=None)
        written.attrs["unit"] = "m"
        written.attrs["scale"] = np.float64(0.5)
        spec = written.spec
    with nwbzarr.open(path) as root:
        array = root.array(name)
        got = array.spec
        assert (got.shape, got.datatype, got.chunks, got.maxshape, got.compression) == (
            spec.shape,
            spec.datatype,
            spec.chunks,
            spec.maxshape,
            spec.compression,
        )
        assert type(got.fillvalue) is type(spec.fillvalue)
        assert repr(got.fillvalue) == repr(spec.fillvalue)
        np.testing.assert_array_equal(
            np.asarray(array[()], dtype=object), np.asarray(value, dtype=object)
        )
        assert array.attrs["unit"] == "m"
        assert array.attrs.type_of("unit") == UTF8
        assert array.attrs["scale"] == 0.5


def test_objects_are_created_as_h5py_creates_them(tmp_path: Path) -> None:
    """Same property lists as h5py's create_group / create_dataset / attrs.create."""
    ours, theirs = tmp_path / "ours.h5", tmp_path / "theirs.h5"
    with nwbzarr.open(ours, "w") as root:
        group = root.create_group("g\u00e9")
        group.attrs["description"] = "d"
        group.create_array("data", np.arange(4.0), compression=None)
    with h5py.File(theirs, "w", libver="earliest") as h5:
        g = h5.create_group("g\u00e9")
        g.attrs["description"] = "d"
        g.create_dataset("data", data=np.arange(4.0))
    with h5py.File(ours, "r") as a, h5py.File(theirs, "r") as b:
        for path in ("g\u00e9", "g\u00e9/data"):
            times = (h5[path].id.get_create_plist().get_obj_track_times() for h5 in (a, b))
            assert next(times) == next(times)
            assert (
                a.id.links.get_info(path.encode()).cset == b.id.links.get_info(path.encode()).cset
            )
        assert a["g\u00e9"].attrs.get_id("description").get_type().get_cset() == (
            b["g\u00e9"].attrs.get_id("description").get_type().get_cset()
        )
        assert a["g\u00e9/data"].id.get_create_plist().get_layout() == h5py.h5d.CONTIGUOUS
        np.testing.assert_array_equal(a["g\u00e9/data"][()], b["g\u00e9/data"][()])


def test_attribute_overwrite_replaces_the_value_and_type(tmp_path: Path) -> None:
    path = tmp_path / "a.h5"
    with nwbzarr.open(path, "w") as root:
        root.attrs["x"] = "text"
        root.attrs["x"] = np.int32(7)
    with h5py.File(path, "r") as h5:
        assert h5.attrs["x"] == 7
        assert h5.attrs["x"].dtype == np.int32


def _every_kind_of_attribute(path: Path) -> None:
    """Attributes of every kind h5py writes, on a group that tracks creation order."""
    with h5py.File(path, "w") as h5:
        group = h5.create_group("g", track_order=True)
        target = h5.create_dataset("target", data=np.arange(3))
        attrs: dict[str, Any] = {
            "z_first": "created first, sorts last",
            "f2": np.float16(1.5),
            "f8_be": np.array(2.5, dtype=">f8"),
            "i8_be_1d": np.arange(4, dtype=">i8"),
            "u8_max": np.uint64(2**64 - 1),
            "i1_2d": np.arange(6, dtype="i1").reshape(2, 3),
            "empty_1d": np.zeros((0,), dtype="f4"),
            "utf8": "h\u00e9llo",
            "utf8_list": np.array(["a", "\u00e9"], dtype=h5py.string_dtype()),
            "ascii_list": np.array([b"x", b"yy"], dtype=h5py.string_dtype("ascii")),
            "fixed": np.bytes_(b"fixed"),
            "fixed_list": np.array([b"ab", b"c"], dtype="S2"),
            "bool": np.True_,
            "null": h5py.Empty("f8"),
            "ref": target.ref,
            "compound": np.array((1, 2.0), dtype=[("a", "i4"), ("b", "f8")]),
        }
        for name, value in attrs.items():
            group.attrs[name] = value
        group.attrs.create("ascii", "plain", dtype=h5py.string_dtype("ascii"))
        narrow = h5py.h5t.STD_I16LE.copy()  # 12 significant bits in 2 bytes
        narrow.set_precision(12)
        aid = h5py.h5a.create(group.id, b"i12", narrow, h5py.h5s.create(h5py.h5s.SCALAR))
        aid.write(np.array(-5, dtype="<i2"))


def _slow_reads(attributes: Any) -> list[tuple[str, Any, DType]]:
    return [(name, *attributes._get_uncached(name)) for name in attributes._stored_names()]


def _same(a: list[tuple[str, Any, DType]], b: list[tuple[str, Any, DType]]) -> None:
    assert [(name, dtype) for name, _, dtype in a] == [(name, dtype) for name, _, dtype in b]
    for (name, x, _), (_, y, _) in zip(a, b, strict=True):
        assert type(x) is type(y), name
        assert np.asarray(x).dtype == np.asarray(y).dtype, name
        np.testing.assert_array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object))


@pytest.mark.parametrize("mode", ["r", "r+"])
def test_bulk_attribute_read_equals_one_by_one(tmp_path: Path, mode: str) -> None:
    """``read_all`` (each attribute opened once, types remembered) gives what reading them one
    by one gives: names in h5py's order, values, numpy types and nwbzarr types."""
    path = tmp_path / "a.h5"
    _every_kind_of_attribute(path)
    with h5py.File(path, "r") as h5:
        h5py_order = list(h5["g"].attrs)
    with nwbzarr.open(path, mode) as root:
        attributes = root.group("g").attrs
        bulk = [(name, value, dtype) for name, value, dtype in attributes.items_typed()]
        assert [name for name, _, _ in bulk] == h5py_order
        _same(bulk, _slow_reads(attributes))
        # twice: the remembered types give the same answer as the first sighting
        _same([(n, *v) for n, v in attributes.read_all().items()], bulk)  # type: ignore[attr-defined]
        assert attributes["null"] is None
        assert attributes["i12"] == -5  # libhdf5 sign-extends it, as for h5py
        assert attributes.get("missing", 3) == 3
        assert "utf8" in attributes and "missing" not in attributes
        with pytest.raises(KeyError, match="no attribute 'missing'"):
            attributes["missing"]


def test_bulk_attribute_read_on_the_corpus(corpus: Path) -> None:
    """Every attribute of every object of the HDF5 corpus: bulk read == one by one."""
    for source in corpus_sources("hdf5"):
        with nwbzarr.open(corpus / source) as root:
            nodes = [root, *(node for _, node in root.walk() if isinstance(node, Node))]
            for node in nodes:
                try:
                    slow = _slow_reads(node.attrs)
                except NwbZarrError as err:  # region references (MatNWB 2017-18)
                    with pytest.raises(type(err)):
                        list(node.attrs.items_typed())
                    continue
                _same(list(node.attrs.items_typed()), slow)


def test_read_only_attribute_cache_reads_one_then_all(tmp_path: Path) -> None:
    """First lookup: that attribute alone; a second lookup or a listing: all, in one pass."""
    path = tmp_path / "a.h5"
    _every_kind_of_attribute(path)
    with nwbzarr.open(path) as root:
        attributes: Any = root.group("g").attrs
        assert attributes.get("utf8") == "h\u00e9llo"
        cached = attributes._cached()
        assert (list(cached.values), cached.complete) == (["utf8"], False)
        assert attributes.get("missing", 7) == 7  # a miss before the full read: looked up
        assert cached.complete
        assert list(attributes) == list(h5py.File(path)["g"].attrs)
        # references are named only when asked for (libhdf5 searches the file to name one)
        assert cached.deferred == {"ref"}
        assert list(cached.values) == [name for name in attributes if name != "ref"]
        assert attributes["ref"] == Reference("/target")
        assert "ref" in cached.values and not cached.deferred
        assert attributes["f2"] == np.float16(1.5)
        with pytest.raises(KeyError, match="no attribute 'missing'"):
            attributes["missing"]
        root_attributes: Any = root.attrs
        listed = root_attributes._cached()
        assert len(root_attributes) == 0 and listed.complete  # a listing reads them all


def test_an_unreadable_attribute_leaves_the_others_readable(tmp_path: Path) -> None:
    """A region reference (which nwbzarr does not read) fails when it is asked for, listed
    with its value or read in bulk; the object's other attributes read as before."""
    path = tmp_path / "a.h5"
    with h5py.File(path, "w") as h5:
        data = h5.create_dataset("data", data=np.arange(10))
        data.attrs["a"] = 1
        data.attrs["region"] = data.regionref[2:4]
        data.attrs["z"] = "text"
    with nwbzarr.open(path) as root:
        attributes = root.array("data").attrs
        assert attributes["a"] == 1
        assert attributes["z"] == "text"  # a second lookup: reads them all, keeps the error
        assert attributes.get("missing", 0) == 0
        assert "region" in attributes and list(attributes) == ["a", "region", "z"]
        with pytest.raises(UnsupportedFeatureError, match="region references"):
            attributes["region"]
        with pytest.raises(UnsupportedFeatureError, match="region references"):
            dict(attributes.items())
    with nwbzarr.open(path, "r+") as root:  # writable: no cache, one by one
        attributes = root.array("data").attrs
        assert attributes["z"] == "text"
        with pytest.raises(UnsupportedFeatureError, match="region references"):
            list(attributes.items_typed())
