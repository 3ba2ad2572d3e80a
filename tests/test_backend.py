"""The one backend suite: every test runs against HDF5 and against Zarr (the ``fmt`` fixture).

Each test writes through ``nwbzarr.open(..., "w")``, closes, reopens read-only and checks what
came back, so what is tested is what is stored, not what a writer kept in memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import nwbzarr
from nwbzarr import (
    Array,
    DestinationExistsError,
    ExternalLink,
    Filter,
    FormatError,
    Group,
    IncompleteFileError,
    LinkError,
    NodeNotFoundError,
    NwbZarrError,
    ReadOnlyError,
    Reference,
    SoftLink,
)
from nwbzarr.dtypes import ASCII, REFERENCE, UTF8, CompoundType, DType, StringType
from nwbzarr.testing import values_equal

GZIP = (Filter.of("shuffle"), Filter.of("deflate", level=4))


def objects(*values: object) -> np.ndarray[Any, np.dtype[np.object_]]:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def as_array(node: object) -> Array:
    assert isinstance(node, Array), node
    return node


def as_group(node: object) -> Group:
    assert isinstance(node, Group), node
    return node


ATTRS: list[tuple[str, Any, DType | None, DType]] = [
    # (name, value written, dtype passed to attrs.set, stored type read back)
    ("utf8", "Grüße 🧠", None, UTF8),
    ("ascii", "plain", ASCII, ASCII),
    ("utf8_plain", "plain", None, UTF8),
    ("int32", np.int32(-7), None, np.dtype("int32")),
    ("float32", np.float32(0.5), None, np.dtype("float32")),
    ("float64", np.float64(1e-3), None, np.dtype("float64")),
    ("int64", np.int64(2**40), None, np.dtype("int64")),
    ("py_int", 3, None, np.dtype("int64")),
    ("py_float", 2.5, None, np.dtype("float64")),
    ("uint8", np.uint8(255), None, np.dtype("uint8")),
    ("bool", True, None, np.dtype(bool)),
    ("np_bool", np.bool_(False), None, np.dtype(bool)),
    ("nan", float("nan"), None, np.dtype("float64")),
    ("int32s", np.array([1, -2, 3], dtype="int32"), None, np.dtype("int32")),
    ("float32s", np.array([0.5, 1.5], dtype="float32"), None, np.dtype("float32")),
    ("float64s", np.linspace(0, 1, 5), None, np.dtype("float64")),
    ("int64s", np.arange(3, dtype="int64"), None, np.dtype("int64")),
    ("empty_int32s", np.array([], dtype="int32"), None, np.dtype("int32")),
    ("words", ["a", "bé", ""], None, UTF8),
    ("ascii_words", objects("x", "y"), ASCII, ASCII),
    ("one_word", objects("only"), None, UTF8),
    ("ref", Reference("/g"), None, REFERENCE),
    ("refs", objects(Reference("/g"), Reference("/x")), None, REFERENCE),
]


def expected_value(value: Any) -> Any:
    if isinstance(value, list):
        return objects(*value)
    return value


class TestBackend:
    """Create, close, reopen, compare: once per format."""

    @pytest.fixture
    def path(self, fmt: str, new_path: Callable[..., Path]) -> Path:
        return new_path(fmt)

    # ---------------------------------------------------------------- groups
    def test_groups_and_nested_paths(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_group("a")
            deep = root.create_group("b/c/d")  # intermediates are created
            assert deep.path == "/b/c/d"
            assert root.require_group("a").path == "/a"
            with pytest.raises(FileExistsError, match=r"'/b/c/d' already exists"):
                root.create_group("b/c/d")
        with nwbzarr.open(path) as root:
            assert sorted(root) == ["a", "b"]
            assert len(root) == 2
            assert "a" in root and "b/c/d" in root and "b/x" not in root
            b = as_group(root["b"])
            assert as_group(b["c/d"]).path == "/b/c/d"
            assert as_group(b["/a"]).path == "/a"  # absolute from a subgroup
            assert as_group(root["/b/c/"]).name == "c"
            assert [g.path for g in root.groups()] == ["/a", "/b"]
            assert [p for p, _ in root.walk()] == ["/a", "/b", "/b/c", "/b/c/d"]

    def test_format_is_guessed_from_content(self, path: Path, fmt: str) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_group("g")
        with nwbzarr.open(path) as root:
            assert root.file.format == fmt
            assert repr(root).startswith("<nwbzarr Group '/'")

    # ---------------------------------------------------------------- attributes
    @pytest.mark.parametrize(("name", "value", "dtype", "stored"), ATTRS, ids=[a[0] for a in ATTRS])
    def test_attribute_round_trip(
        self, path: Path, name: str, value: Any, dtype: DType | None, stored: DType
    ) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_group("g")
            root.create_array("x", np.arange(3))
            root["g"].attrs.set(name, value, dtype)
        with nwbzarr.open(path) as root:
            attrs = root["g"].attrs
            assert list(attrs) == [name]
            assert attrs.type_of(name) == stored
            got = attrs[name]
            assert values_equal(got, expected_value(value)), got
            if isinstance(value, np.generic | np.ndarray) and value.dtype.kind != "O":
                assert np.asarray(got).dtype == value.dtype

    def test_ascii_and_utf8_attributes_stay_distinct(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.attrs.set("a", "same text", StringType("ascii"))
            root.attrs["u"] = "same text"
        with nwbzarr.open(path) as root:
            assert root.attrs["a"] == root.attrs["u"] == "same text"
            assert root.attrs.type_of("a") == ASCII
            assert root.attrs.type_of("u") == UTF8

    def test_scalar_string_vs_one_element_array(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.attrs["scalar"] = "x"
            root.attrs["array"] = objects("x")
            root.create_array("ds_scalar", "x")
            root.create_array("ds_array", objects("x"), dtype=UTF8)
        with nwbzarr.open(path) as root:
            assert root.attrs["scalar"] == "x"
            assert isinstance(root.attrs["scalar"], str)
            one = root.attrs["array"]
            assert isinstance(one, np.ndarray) and one.shape == (1,) and one[0] == "x"
            assert as_array(root["ds_scalar"]).shape == ()
            assert as_array(root["ds_scalar"]).read() == "x"
            assert as_array(root["ds_array"]).shape == (1,)
            assert list(as_array(root["ds_array"])[...]) == ["x"]

    def test_attribute_overwrite_delete_and_missing(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.attrs["a"] = 1
            root.attrs["a"] = "now text"
            root.attrs["b"] = 2.0
            del root.attrs["b"]
            with pytest.raises(NodeNotFoundError, match=r"no attribute 'b'"):
                del root.attrs["b"]
        with nwbzarr.open(path) as root:
            assert dict(root.attrs) == {"a": "now text"}
            assert root.attrs.type_of("a") == UTF8
            with pytest.raises(KeyError, match=r"no attribute 'missing'"):
                root.attrs["missing"]
            assert root.attrs.get("missing") is None

    def test_two_dimensional_attributes(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.attrs["ints"] = np.arange(6, dtype="int16").reshape(2, 3)
            root.attrs["words"] = np.array([["a", "b"], ["c", "d"]], dtype=object)
        with nwbzarr.open(path) as root:
            ints = root.attrs["ints"]
            assert ints.dtype == np.int16 and ints.tolist() == [[0, 1, 2], [3, 4, 5]]
            assert root.attrs["words"].tolist() == [["a", "b"], ["c", "d"]]

    def test_reference_attribute_dereferences(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("target/data", np.arange(4))
            root.attrs["ref"] = Reference("/target/data")
        with nwbzarr.open(path) as root:
            ref = root.attrs["ref"]
            assert ref == Reference("/target/data")
            assert list(as_array(root[ref.path])[...]) == [0, 1, 2, 3]

    # ---------------------------------------------------------------- arrays
    def test_scalar_arrays(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("f", 3.5)
            root.create_array("i", np.int32(-2))
            root.create_array("s", "scalar text ✓")
            root.create_array("a", "ascii", dtype=ASCII)
        with nwbzarr.open(path) as root:
            f, i, s, a = (as_array(root[n]) for n in "fisa")
            assert f.shape == () and f.ndim == 0 and f.size == 1
            assert f.read() == 3.5 and f.dtype == np.float64
            assert i.read() == -2 and i.dtype == np.int32
            assert s.read() == "scalar text ✓" and s.datatype == UTF8
            assert a.read() == "ascii" and a.datatype == ASCII
            with pytest.raises(TypeError, match="len"):
                len(f)

    def test_scalar_array_to_numpy(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("f", 3.5)
            root.create_array("s", "text")
        with nwbzarr.open(path) as root:
            f = np.asarray(as_array(root["f"]))
            assert f.shape == () and f.dtype == np.float64 and f[()] == 3.5
            s = np.asarray(as_array(root["s"]))
            assert s.shape == () and s[()] == "text"

    @pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "int64", "float32", "float64"])
    def test_nd_numeric(self, path: Path, dtype: str) -> None:
        values = np.arange(2 * 3 * 5).reshape(2, 3, 5).astype(dtype)
        with nwbzarr.open(path, "w") as root:
            root.create_array("x", values)
        with nwbzarr.open(path) as root:
            x = as_array(root["x"])
            assert (x.shape, x.dtype, x.ndim, x.size, len(x)) == ((2, 3, 5), values.dtype, 3, 30, 2)
            assert x.nbytes == values.nbytes
            np.testing.assert_array_equal(x[...], values)
            np.testing.assert_array_equal(np.asarray(x), values)

    def test_bool_array(self, path: Path) -> None:
        values = np.array([[True, False], [False, True]])
        with nwbzarr.open(path, "w") as root:
            root.create_array("b", values)
        with nwbzarr.open(path) as root:
            b = as_array(root["b"])
            assert b.dtype == np.bool_
            np.testing.assert_array_equal(b[...], values)

    @pytest.mark.parametrize(
        ("shape", "dtype"),
        [((0,), "float64"), ((0, 4), "float32"), ((3, 0), "int16"), ((0,), "text")],
    )
    def test_zero_length(self, path: Path, shape: tuple[int, ...], dtype: str) -> None:
        datatype: Any = UTF8 if dtype == "text" else np.dtype(dtype)
        with nwbzarr.open(path, "w") as root:
            root.create_array("z", shape=shape, dtype=datatype)
        with nwbzarr.open(path) as root:
            z = as_array(root["z"])
            assert z.shape == shape and z.size == 0 and z.datatype == datatype
            assert z[...].shape == shape

    def test_zero_length_compressed(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("z", np.zeros((0, 3), "int16"), compression=GZIP)
        with nwbzarr.open(path) as root:
            assert as_array(root["z"]).shape == (0, 3)

    def test_resizable_append(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            a = root.create_array("a", np.zeros((2, 3)), maxshape=(None, 3), chunks=(4, 3))
            a.append(np.ones((3, 3)))
            a.append(np.full(3, 2.0))  # one row: ndim - 1
            assert a.shape == (6, 3)
            with pytest.raises(ValueError, match=r"maxshape is \(None, 3\)"):
                a.resize((6, 4))
        with nwbzarr.open(path) as root:
            a = as_array(root["a"])
            assert a.shape == (6, 3)
            assert a.maxshape == (None, 3)
            assert a.chunks == (4, 3)
            np.testing.assert_array_equal(a[:, 0], [0, 0, 1, 1, 1, 2])
        with nwbzarr.open(path, "r+") as root:
            as_array(root["a"]).append(np.full((1, 3), 3.0))
        with nwbzarr.open(path) as root:
            np.testing.assert_array_equal(as_array(root["a"])[-2:, 2], [2.0, 3.0])

    def test_fill_value_is_reported(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("i", np.arange(6, dtype="int32"), chunks=(4,), fillvalue=-1)
            root.create_array("f", np.arange(6.0), chunks=(4,), fillvalue=2.5)
        with nwbzarr.open(path) as root:
            assert as_array(root["i"]).fillvalue == -1
            assert as_array(root["f"]).fillvalue == 2.5

    def test_nan_fill_value_is_a_number(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("nan", np.arange(6.0), chunks=(4,), fillvalue=np.nan)
            root.create_array("inf", np.arange(6.0), chunks=(4,), fillvalue=-np.inf)
        with nwbzarr.open(path) as root:
            assert math.isnan(as_array(root["nan"]).fillvalue)
            assert as_array(root["inf"]).fillvalue == -math.inf

    def test_unwritten_region_reads_fill_value(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            a = root.create_array("a", shape=(10,), dtype="int32", chunks=(4,), fillvalue=-1)
            a[0:2] = [7, 8]
            b = root.create_array(
                "b", np.arange(3, dtype="int32"), maxshape=(None,), chunks=(2,), fillvalue=-1
            )
            b.resize((7,))  # the grown region is never written
        with nwbzarr.open(path) as root:
            np.testing.assert_array_equal(as_array(root["a"])[...], [7, 8] + [-1] * 8)
            np.testing.assert_array_equal(as_array(root["b"])[...], [0, 1, 2, -1, -1, -1, -1])

    def test_compound_with_string_and_reference_fields(self, path: Path) -> None:
        ctype = CompoundType((("idx", np.dtype("int32")), ("label", UTF8), ("ref", REFERENCE)))
        rows = np.empty(2, dtype=[("idx", "i4"), ("label", "O"), ("ref", "O")])
        rows[0] = (1, "première", Reference("/data"))
        rows[1] = (2, "", Reference("/g"))
        with nwbzarr.open(path, "w") as root:
            root.create_group("g")
            root.create_array("data", np.arange(3))
            root.create_array("table", rows, dtype=ctype)
        with nwbzarr.open(path) as root:
            table = as_array(root["table"])
            assert table.datatype == ctype
            got = table[...]
            assert got.dtype.names == ("idx", "label", "ref")
            assert list(got["idx"]) == [1, 2]
            assert list(got["label"]) == ["première", ""]
            assert list(got["ref"]) == [Reference("/data"), Reference("/g")]
            assert as_array(root[got["ref"][0].path]).shape == (3,)

    def test_vlen_utf8_and_ascii_string_arrays(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("u", objects("λ", "日本", ""), dtype=UTF8)
            root.create_array("a", objects("x", "yz"), dtype=ASCII)
            root.create_array("u2d", np.array([["a", "b"], ["c", "dé"]], dtype=object), dtype=UTF8)
        with nwbzarr.open(path) as root:
            u, a, u2d = as_array(root["u"]), as_array(root["a"]), as_array(root["u2d"])
            assert (u.datatype, a.datatype, u2d.datatype) == (UTF8, ASCII, UTF8)
            assert u.dtype == np.dtype(object)
            assert list(u[...]) == ["λ", "日本", ""]
            assert list(a[...]) == ["x", "yz"]
            assert u2d[...].tolist() == [["a", "b"], ["c", "dé"]]
            assert list(u[1:]) == ["日本", ""]

    def test_fixed_length_strings(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("f", np.array([b"ab", b"cdef"], dtype="S4"))
            root.create_array("f8", objects("a", "bb"), dtype=StringType("ascii", 8))
        with nwbzarr.open(path) as root:
            f = as_array(root["f"])
            assert f.datatype == StringType("ascii", 4)
            assert list(f[...]) == ["ab", "cdef"]
            assert as_array(root["f8"]).datatype == StringType("ascii", 8)
            assert list(as_array(root["f8"])[...]) == ["a", "bb"]

    def test_object_reference_arrays(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("g/data", np.arange(3))
            root.create_array("refs", objects(Reference("/g"), Reference("/g/data")))
            root.create_array("one_ref", Reference("/g/data"))
        with nwbzarr.open(path) as root:
            refs = as_array(root["refs"])
            assert refs.datatype == REFERENCE
            got = list(refs[...])
            assert got == [Reference("/g"), Reference("/g/data")]
            assert isinstance(root[got[0].path], Group)
            assert as_array(root["one_ref"]).read() == Reference("/g/data")

    def test_chunks_are_reported(self, path: Path, fmt: str) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("chunked", np.zeros((10, 6), "int16"), chunks=(4, 3))
            root.create_array("plain", np.zeros((10, 6), "int16"))
        with nwbzarr.open(path) as root:
            chunked = as_array(root["chunked"])
            assert chunked.chunks == (4, 3)
            assert chunked.chunk_grid_shape() == (3, 2)
            assert len(list(chunked.iter_chunks())) == 6
            plain = as_array(root["plain"])
            if fmt == "hdf5":
                assert plain.chunks is None  # pynwb's layout: contiguous unless asked
            else:
                assert plain.chunks is not None and len(plain.chunks) == 2

    def test_compression_is_reported(self, path: Path, fmt: str) -> None:
        values = np.arange(5000, dtype="int32") % 97
        with nwbzarr.open(path, "w") as root:
            root.create_array("gz", values, chunks=(1000,), compression=GZIP)
            root.create_array("raw", values, chunks=(1000,), compression=None)
        with nwbzarr.open(path) as root:
            gz = as_array(root["gz"])
            assert gz.compression == GZIP
            np.testing.assert_array_equal(gz[...], values)
            assert as_array(root["raw"]).compression == ()
        if fmt == "hdf5":
            with h5py.File(path, "r") as h5:
                assert h5["gz"].compression == "gzip"
                assert h5["gz"].compression_opts == 4
                assert h5["gz"].shuffle

    # ---------------------------------------------------------------- lazy reads
    @pytest.mark.parametrize(
        "key",
        [
            (slice(2, 7),),
            (slice(1, 19, 3), 1),
            (-1,),
            (Ellipsis, 2),
            (slice(None), slice(None, None, 2)),
            (3, slice(1, 3)),
        ],
        ids=str,
    )
    def test_slice_reads(self, path: Path, key: tuple[Any, ...]) -> None:
        values = np.arange(20 * 4, dtype="float32").reshape(20, 4)
        with nwbzarr.open(path, "w") as root:
            root.create_array("x", values, chunks=(5, 2))
        with nwbzarr.open(path) as root:
            np.testing.assert_array_equal(as_array(root["x"])[key], values[key])

    def test_reads_touch_only_the_chunks_asked_for(self, path: Path, fmt: str) -> None:
        values = np.arange(40, dtype="int64")
        with nwbzarr.open(path, "w") as root:
            root.create_array("grp/x", values, chunks=(10,), compression=GZIP)
        damage_chunk(path, fmt, "grp/x", 3)
        with nwbzarr.open(path) as root:
            x = as_array(root["grp/x"])  # opening reads no chunk
            np.testing.assert_array_equal(x[:30], values[:30])
            with pytest.raises(FormatError, match=r"\.nwb(\.zarr)?:/grp/x: "):
                x[25:35]

    # ---------------------------------------------------------------- links
    def test_soft_links(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("a/data", np.arange(3))
            root["a/alias"] = SoftLink("/a/data")
            root.set_link("group_alias", SoftLink("/a"))
        with nwbzarr.open(path) as root:
            alias = as_array(root["a/alias"])
            assert alias.path == "/a/data"  # followed: the node is the target
            assert list(alias[...]) == [0, 1, 2]
            assert root.get_link("a/alias") == SoftLink("/a/data")
            assert root.get_link("group_alias") == SoftLink("/a")
            assert root.get_link("a/data") is None
            assert as_array(root["group_alias/data"]).path == "/a/data"
            assert dict(as_group(root["a"]).members())["alias"] == SoftLink("/a/data")
            assert ("/group_alias", SoftLink("/a")) in list(root.walk())

    def test_external_links_same_format(self, fmt: str, new_path: Callable[..., Path]) -> None:
        target, path = new_path(fmt, "target"), new_path(fmt, "main")
        with nwbzarr.open(target, "w") as root:
            root.create_array("x/data", np.arange(5, dtype="uint8"))
        # HDF5 resolves against the file's directory, Zarr against the store itself
        source = target.name if fmt == "hdf5" else f"../{target.name}"
        with nwbzarr.open(path, "w") as root:
            root["ext"] = ExternalLink(source, "/x/data")
            root.set_link("ext_group", ExternalLink(source, "/x"))
        with nwbzarr.open(path) as root:
            assert root.get_link("ext") == ExternalLink(source, "/x/data")
            ext = as_array(root["ext"])
            assert list(ext[...]) == [0, 1, 2, 3, 4]
            assert ext.file.location == str(target)
            assert as_array(root["ext_group/data"]).shape == (5,)

    def test_broken_link_names_link_and_target(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("g/ok", np.arange(3))
            root["g/broken"] = SoftLink("/nowhere/data")
        with nwbzarr.open(path) as root:
            with pytest.raises(LinkError, match=r"broken link in '/g' to '/nowhere/data'") as info:
                root["g/broken"]
            assert isinstance(info.value, KeyError | NwbZarrError)
            assert str(path) in str(info.value)
            # the rest of the file is readable
            assert list(as_array(root["g/ok"])[...]) == [0, 1, 2]
            assert root.get_link("g/broken") == SoftLink("/nowhere/data")
            assert sorted(as_group(root["g"])) == ["broken", "ok"]

    def test_broken_external_link_names_the_missing_file(
        self, fmt: str, new_path: Callable[..., Path]
    ) -> None:
        path = new_path(fmt)
        with nwbzarr.open(path, "w") as root:
            root["ext"] = ExternalLink(f"missing{path.suffix}", "/x")
            root.create_group("fine")
        with nwbzarr.open(path) as root:
            with pytest.raises(LinkError, match=r"broken external link to missing.*:/x: "):
                root["ext"]
            assert isinstance(root["fine"], Group)

    def test_link_cycle_is_detected(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root["a"] = SoftLink("/b")
            root["b"] = SoftLink("/a")
            root["self"] = SoftLink("/self/x")
        with nwbzarr.open(path) as root:
            with pytest.raises(LinkError, match=r"link cycle: more than 32 links followed"):
                root["a"]
            with pytest.raises(LinkError, match=r"link cycle"):
                root["self"]

    def test_link_cycle_message_is_short(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root["a"] = SoftLink("/b")
            root["b"] = SoftLink("/a")
        with nwbzarr.open(path) as root, pytest.raises(LinkError) as info:
            root["a"]
        assert len(str(info.value)) < 500, str(info.value)

    # ---------------------------------------------------------------- errors
    def test_missing_node(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("g/x", np.arange(2))
        with nwbzarr.open(path) as root:
            with pytest.raises(NodeNotFoundError, match=r"no 'y' in group '/g'") as info:
                root["g/y"]
            assert isinstance(info.value, KeyError)
            assert isinstance(info.value, NwbZarrError)
            with pytest.raises(KeyError, match=r"no 'nope' in group '/' \(looking up 'nope/x'\)"):
                root["nope/x"]
            with pytest.raises(NodeNotFoundError, match=r"'/g/x' is an array, it has no member"):
                root["g/x/z"]
            assert root.get("nope") is None

    def test_read_only_writes_raise(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_array("x", np.arange(3))
        writes: list[Callable[[Group], object]] = [
            lambda r: r.create_group("g"),
            lambda r: r.create_array("y", np.arange(2)),
            lambda r: r.attrs.__setitem__("a", 1),
            lambda r: as_array(r["x"]).__setitem__(0, 5),
            lambda r: as_array(r["x"]).resize((5,)),
            lambda r: r.set_link("l", SoftLink("/x")),
            lambda r: r.__delitem__("x"),
        ]
        with nwbzarr.open(path) as root:
            for write in writes:
                with pytest.raises(ReadOnlyError, match="the file is open read-only") as info:
                    write(root)
                assert isinstance(info.value, PermissionError)
            assert list(as_array(root["x"])[...]) == [0, 1, 2]

    def test_existing_destination_is_refused(self, path: Path) -> None:
        with nwbzarr.open(path, "w") as root:
            root.create_group("old")
        with pytest.raises(DestinationExistsError, match="already exists") as info:
            nwbzarr.open(path, "w")
        assert isinstance(info.value, FileExistsError)
        with nwbzarr.open(path) as root:  # untouched by the refusal
            assert list(root) == ["old"]
        with nwbzarr.open(path, "w", overwrite=True) as root:
            root.create_group("new")
        with nwbzarr.open(path) as root:
            assert list(root) == ["new"]

    def test_exception_in_with_block_leaves_an_incomplete_file(self, path: Path) -> None:
        with pytest.raises(RuntimeError, match="boom"), nwbzarr.open(path, "w") as root:
            root.create_array("x", np.arange(3))
            raise RuntimeError("boom")
        with pytest.raises(IncompleteFileError, match="incomplete"):
            nwbzarr.open(path)

    def test_bad_mode(self, path: Path) -> None:
        with pytest.raises(ValueError, match=r"mode='x': expected one of"):
            nwbzarr.open(path, "x")

    def test_append_mode_creates_then_modifies(self, path: Path) -> None:
        with nwbzarr.open(path, "a") as root:
            root.create_group("first")
        with nwbzarr.open(path, "a") as root:
            root.create_group("second")
            root.attrs["n"] = 2
        with nwbzarr.open(path) as root:
            assert sorted(root) == ["first", "second"]
            assert root.attrs["n"] == 2


def damage_chunk(path: Path, fmt: str, name: str, index: int) -> None:
    """Overwrite the stored bytes of one chunk of a 1-D array with garbage."""
    if fmt == "zarr":
        (path / name / "c" / str(index)).write_bytes(b"\x00garbage, not a chunk\xff" * 4)
        return
    with h5py.File(path, "r") as h5:
        info = h5[name].id.get_chunk_info(index)
        offset, size = info.byte_offset, info.size
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(b"\xff" * size)
