"""The Zarr backend's shortcuts for small objects give what the plain paths give.

The backend writes local stores with plain system calls, reuses each node's JSON text for the
root document, derives the shape and dtype of small single-chunk arrays straight from their
documents, caches node objects and codec analyses, and calls Blosc directly. Each test checks
one shortcut against the slow path it replaces, or against what is stored.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.storage import WrapperStore

import nwbzarr
from nwbzarr import Array, Filter, Group, codecs
from nwbzarr.backends import zarr as zb
from nwbzarr.backends.zarr import datatypes, documents, localfiles, smallchunk
from nwbzarr.backends.zarr.cache import NodeCaches, RecentCache, TypeMemo
from nwbzarr.dtypes import ASCII, UTF8, numpy_dtype


def zfile_of(root: Group) -> zb.ZarrFile:
    file = root.file
    assert isinstance(file, zb.ZarrFile)
    return file


def reference_root_document(file: zb.ZarrFile) -> str:
    """The root document as the backend built it before reusing node texts."""
    root = dict(file.docs[""])
    root["consolidated_metadata"] = {
        "kind": "inline",
        "must_understand": False,
        "metadata": {
            k: documents.strip_consolidated(doc) for k, doc in sorted(file.docs.items()) if k
        },
    }
    root.setdefault("zarr_format", 3)
    root.setdefault("node_type", "group")
    return json.dumps(root, indent=None, allow_nan=True)


def all_files(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def test_root_document_is_the_json_of_every_document(
    tmp_path: Path, full_tree: Callable[[Path], Path]
) -> None:
    path = full_tree(tmp_path / "f.nwb.zarr")
    stored = (path / "zarr.json").read_text()
    with nwbzarr.open(path) as root:
        assert stored == reference_root_document(zfile_of(root))
    # modified: loaded documents (whose texts were never written) and changed ones
    with nwbzarr.open(path, "r+") as root:
        root.group("general").attrs["later"] = "x"
        root.create_array("late", np.arange(3.0))
        del root["arrays/bools"]
        zfile = zfile_of(root)
        zfile.flush()
        expected = reference_root_document(zfile)
    assert (path / "zarr.json").read_text() == expected
    for key in ("general", "late", "arrays/gzip"):  # every node file is its document
        with nwbzarr.open(path) as root:
            doc = zfile_of(root).docs[key]
        assert json.loads((path / key / "zarr.json").read_text()) == doc


def test_nothing_but_the_store_is_left_behind(tmp_path: Path) -> None:
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.create_array("a/x", np.arange(4.0), attrs={"unit": "m"})
        root.create_array("a/big", np.arange(100_000), chunks=(10_000,))
        root.file.flush()
        root.array("a/x").attrs["unit"] = "s"
        root.create_array("b/y", np.arange(2))
    files = all_files(path)
    assert not [f for f in files if f.endswith(".partial") or f == zb.INCOMPLETE_KEY], files
    assert "a/x/c/0" in files and "b/y/zarr.json" in files
    with nwbzarr.open(path) as root:
        assert root.array("a/x").attrs["unit"] == "s"
        assert np.array_equal(root.array("a/big")[()], np.arange(100_000))


def test_objects_are_written_in_place_only_while_the_store_has_no_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[tuple[str, bool]] = []
    original = localfiles.LocalFiles.write

    def spy(self: localfiles.LocalFiles, key: str, data: bytes, atomic: bool) -> None:
        writes.append((key, atomic))
        original(self, key, data, atomic)

    monkeypatch.setattr(localfiles.LocalFiles, "write", spy)
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.create_array("x", np.arange(3.0))
        root.file.flush()
        first, writes[:] = list(writes), []
        root.array("x").attrs["unit"] = "m"
        root.create_array("y", np.arange(2.0))
    assert first[0] == (zb.INCOMPLETE_KEY, False)  # the marker: first, in place
    assert first[-1] == ("zarr.json", True)  # the root: last, atomically
    assert {atomic for key, atomic in first[:-1]} == {False}
    assert {k for k, _ in first[1:-1]} == {"x/c/0", "x/zarr.json"}
    assert writes[-1] == ("zarr.json", True)
    assert {atomic for _, atomic in writes} == {True}  # published: every object by rename
    # a "w" file on a store that already has a root document never writes in place
    store = zarr.storage.LocalStore(str(path))
    file = zb.ZarrFile(str(path), store, "w")
    assert not file.unpublished
    file.abort()


def test_removed_then_recreated_nodes(tmp_path: Path) -> None:
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.create_array("g/a", np.arange(5.0))
        root.create_array("g/h/b", np.arange(3, dtype="int16"))
        assert root.array("g/a").shape == (5,)
        assert root.array("g/h/b")[()].tolist() == [0, 1, 2]
        del root["g"]
        root.create_array("g/a", np.arange(7, dtype="int8"))
        root.create_array("g/h", np.ones(2))  # was a group
        assert root.array("g/a").shape == (7,) and root.array("g/a").dtype == np.dtype("int8")
        assert isinstance(root["g/h"], Array)
        root.file.flush()
        del root["g/a"]
        root.create_group("g/a")
        root.create_array("g/a/c", np.arange(2.0))
    with nwbzarr.open(path) as root:
        assert root.array("g/a/c")[()].tolist() == [0.0, 1.0]
        assert root.array("g/h")[()].tolist() == [1.0, 1.0]
        assert "b" not in root.group("g")


@pytest.mark.parametrize(
    ("fill", "dtype"),
    [(0.0, "f8"), (-0.0, "f8"), (float("nan"), "f8"), (float("inf"), "f4"), (1.5, ">f8"),
     (3, "i2"), (True, "bool"), (1, "bool"), (1 + 2j, "c16"), (7, "u8")],
)  # fmt: skip
def test_fill_values_are_those_zarr_writes(fill: Any, dtype: str) -> None:
    np_dtype = np.dtype(dtype)
    memo = TypeMemo()
    for cached in (None, memo, memo):  # the third call answers from the file's memo
        got = datatypes.fill_json(fill, np_dtype, np_dtype, cached)
        zdt = zarr.dtype.parse_dtype(np_dtype, zarr_format=3)
        want = zdt.to_json_scalar(np_dtype.type(fill), zarr_format=3)
        assert json.dumps(got) == json.dumps(want)
        if isinstance(got, float) and got == 0.0:
            assert np.signbit(got) == np.signbit(fill)


def test_documents_share_no_mutable_parts() -> None:
    from nwbzarr.tree import make_spec

    values = np.zeros(2, dtype=[("a", "i4"), ("b", "f8")])
    spec = make_spec(values, None, None, None, None, "default", None, None, None)
    caches = NodeCaches()  # one file's: the second document's parts come from its memo
    one = zb.array_document(spec, "one", "x", caches)
    two = zb.array_document(spec, "two", "x", caches)
    assert len(caches.types.zarr_types._items) == 1
    for key in ("data_type", "fill_value", "attributes", "codecs"):
        assert one[key] == two[key]
        if isinstance(one[key], list | dict):
            assert one[key] is not two[key]
    one["attributes"][zb.RECORD]["changed"] = 1
    three = zb.array_document(spec, "three", "x", caches)
    assert "changed" not in three["attributes"][zb.RECORD]
    assert zb.array_document(spec, "three", "x") == three  # without a memo: the same document


ATTRS: list[tuple[Any, Any]] = [
    ("text", None),
    ("ascii", ASCII),
    ("", None),
    ("\udcff surrogate", None),
    (7, None),
    (-1.25, None),
    (float("nan"), None),
    (True, None),
    (0.5, np.dtype("float32")),
    (3, np.dtype("int8")),
    (1, np.dtype("float64")),
    (np.int32(4), None),
    (np.float64(2.5), None),
    (np.arange(3), None),
]


def test_attributes_round_trip_with_their_types(tmp_path: Path) -> None:
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        for i, (value, dtype) in enumerate(ATTRS):
            root.attrs.set(f"a{i}", value, dtype)
        written = {k: (root.attrs[k], root.attrs.type_of(k)) for k in root.attrs}
    with nwbzarr.open(path) as root:
        attrs = root.attrs
        for i, (value, dtype) in enumerate(ATTRS):
            name = f"a{i}"
            got, stored = attrs[name], attrs.type_of(name)
            assert name in attrs and attrs.get(name) is not None
            expected_type = dtype if dtype is not None else nwbzarr.dtypes.infer_dtype(value)
            assert stored == expected_type, (name, stored)
            if isinstance(stored, np.dtype):
                assert np.asarray(got).dtype == stored, (name, got)
            numeric = isinstance(stored, np.dtype) and stored.kind in "fc"
            same = np.array_equal(np.asarray(got), np.asarray(value), equal_nan=numeric)
            assert same, (name, got, value)
            assert written[name][1] == stored
        assert attrs.get("missing", "d") == "d" and "missing" not in attrs
        assert "_DTYPE" not in attrs and attrs.get(zb.RECORD) is None
        assert zb.RECORD not in attrs


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def _legacy_plan(array: zb.ZarrArray) -> Any:
    """The small-array eligibility as it was decided from the full spec."""
    spec = zb.read_spec(array.doc, array.describe())
    datatype = spec.datatype
    if not isinstance(datatype, np.dtype) or spec.shards or spec.extra:
        return None
    return smallchunk.plan(array.doc, datatype, spec.shape)


def test_small_plans_agree_with_the_full_spec(
    tmp_path: Path, full_tree: Callable[[Path], Path]
) -> None:
    path = full_tree(tmp_path / "f.nwb.zarr")
    with nwbzarr.open(path, "r+") as root:
        more = root.create_group("more")
        more.create_array("big_endian", np.arange(5, dtype=">i4"))
        more.create_array("u1", np.arange(5, dtype="u1"))
        more.create_array("scalar", np.float32(2.5))
        more.create_array("f2", np.ones((2, 3), dtype="f2"))
        more.create_array("complex", np.ones(2, dtype="c8"))
        more.create_array("several", np.arange(10.0), chunks=(4,))
        more.create_array("sharded", np.arange(10.0), chunks=(2,), shards=(10,))
        more.create_array("raw", np.arange(4.0), compression=None)
        more.create_array("gz", np.arange(4.0), compression=[Filter.of("gzip", level=3)])
        more.create_array("zs", np.arange(4.0), compression=[Filter.of("zstd", level=2)])
        more.create_array("lzf", np.arange(4.0), compression=[Filter.of("lzf")])
        more.create_array("fixed_text", np.array([b"ab"], dtype="S2"))
        more.create_array("empty", np.zeros((0,)))
    with nwbzarr.open(path) as root:
        arrays = [m for _, m in root.walk() if isinstance(m, zb.ZarrArray)]
        small = 0
        for array in arrays:
            plan = smallchunk.small_plan(array.doc, array.key)
            legacy = _legacy_plan(array)
            assert (plan is None) == (legacy is None), array.path
            spec = array.spec
            assert array.shape == spec.shape and array.dtype == numpy_dtype(spec.datatype)
            if plan is not None and legacy is not None:
                small += 1
                assert plan.stored == legacy[0] and plan.shape == spec.shape
                assert plan.dtype == spec.datatype, array.path
            values = array[()]
            assert np.shape(values) == spec.shape
        assert small >= 8
        assert root.array("more/big_endian").dtype == np.dtype(">i4")
        assert root.array("more/big_endian")[()].tolist() == [0, 1, 2, 3, 4]
        assert root.array("more/scalar")[()] == np.float32(2.5)


def test_nodes_are_looked_up_once(tmp_path: Path, full_tree: Callable[[Path], Path]) -> None:
    path = full_tree(tmp_path / "f.nwb.zarr")
    with nwbzarr.open(path) as root:
        ts = root["acquisition/ts"]
        assert ts is root["acquisition/ts"]
        assert root["acquisition/ts/data"] is root.group("acquisition/ts")["data"]
        assert root["acquisition/ts/data"].path == "/acquisition/ts/data"
        assert root["soft_group"] is root["arrays"]  # a link resolves to the same node
        assert root.get_link("soft_group") is not None


def test_local_reads(tmp_path: Path) -> None:
    files = localfiles.LocalFiles(str(tmp_path))
    (tmp_path / "d").mkdir()
    for n in (
        0,
        1,
        localfiles.READ_SIZE - 1,
        localfiles.READ_SIZE,
        localfiles.READ_SIZE + 1,
        5 * localfiles.READ_SIZE,
    ):
        data = os.urandom(n)
        (tmp_path / "f").write_bytes(data)
        assert files.read("f") == data
    assert files.read("missing") is None
    assert files.read("d") is None
    assert files.read("f/below_a_file") is None


def test_missing_and_damaged_small_chunks(tmp_path: Path) -> None:
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.create_array("x", np.arange(4.0))
        root.create_array("y", np.arange(4.0))
        root.create_array("sparse", shape=(3,), dtype="f8", fillvalue=-1.0)
    os.remove(path / "x" / "c" / "0")
    (path / "y" / "c" / "0").write_bytes(b"not blosc")
    with nwbzarr.open(path) as root:
        with pytest.raises(nwbzarr.FormatError, match="chunk is missing"):
            root.array("x")[()]
        with pytest.raises(nwbzarr.FormatError, match="cannot decode chunk"):
            root.array("y")[()]
        assert root.array("sparse")[()].tolist() == [-1.0, -1.0, -1.0]


def test_codec_caches_compare_values() -> None:
    cache = RecentCache(size=2)
    calls: list[Any] = []

    def compute(key: Any) -> int:
        calls.append(key)
        return len(calls)

    key: list[dict[str, Any]] = [{"name": "bytes", "configuration": {"endian": "little"}}]
    assert cache.get(key, compute) == 1
    key[0]["configuration"]["endian"] = "big"  # the cache kept its own copy
    assert cache.get(key, compute) == 2
    assert cache.get([{"name": "bytes", "configuration": {"endian": "little"}}], compute) == 1
    cache.get([1], compute)
    cache.get([2], compute)  # size 2: the oldest entries are dropped
    assert cache.get([{"name": "bytes", "configuration": {"endian": "big"}}], compute) == 5


@pytest.mark.parametrize("shuffle", ["noshuffle", "shuffle", "bitshuffle"])
@pytest.mark.parametrize("cname", ["lz4", "zstd", "blosclz"])
def test_blosc_bytes_are_numcodecs_bytes(shuffle: str, cname: str) -> None:
    conf = {"name": "blosc", "configuration": {"cname": cname, "clevel": 5, "shuffle": shuffle}}
    fast = smallchunk._codec(conf)
    ref = numcodecs.Blosc(cname=cname, clevel=5, shuffle=codecs.BLOSC_SHUFFLE[shuffle])
    for dtype in ("f8", "i2", "u1", ">f4"):
        for shape in ((), (1,), (100,), (7, 3)):
            values = np.ascontiguousarray(np.arange(int(np.prod(shape))).reshape(shape) % 11)
            values = values.astype(dtype)
            encoded = bytes(fast.encode(values))
            assert encoded == bytes(ref.encode(values))
            assert bytes(fast.decode(encoded)) == bytes(ref.decode(encoded))


def test_text_attribute_types_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.attrs.set("a", "x", ASCII)
        root.attrs.set("a", "y")  # set again as UTF-8: the record goes
        root.attrs.set("b", "z", ASCII)
    with nwbzarr.open(path) as root:
        assert root.attrs.type_of("a") == UTF8 and root.attrs["a"] == "y"
        assert root.attrs.type_of("b") == ASCII


# --------------------------------------------------------------------------------------------
# zarr-python's private event loop and its public fallback; bounded per-file caches
# --------------------------------------------------------------------------------------------
def _snapshot(path: Path | str) -> dict[str, Any]:
    """Every array's values and every node's attributes, as plain values."""
    out: dict[str, Any] = {}
    with nwbzarr.open(path) as root:
        for name, node in root.walk():
            if not isinstance(node, Array | Group):  # a link
                out[name] = repr(node)
                continue
            attrs = {k: repr(v) for k, v in node.attrs.items()}
            values = repr(np.asarray(node[()]).tolist()) if isinstance(node, Array) else None
            out[name] = (attrs, values)
    return out


def _write_and_edit(path: Path | str) -> None:
    with nwbzarr.open(path, "w") as root:
        root.create_array("a/x", np.arange(4.0), attrs={"unit": "m"})
        root.create_array("a/big", np.arange(50_000), chunks=(10_000,))
        root.create_array("t", np.array(["a", "bc"], dtype=object))
    with nwbzarr.open(path, "r+") as root:
        del root["a/x"]
        root.create_array("a/x", np.arange(3, dtype="int16"))
        root.array("a/big")[:5] = -1


class _LoopRecorder(WrapperStore[Any]):
    """A store that records the event loop each of its calls runs on."""

    loops: ClassVar[list[asyncio.AbstractEventLoop]] = []

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        self.loops.append(asyncio.get_running_loop())
        return await super().get(*args, **kwargs)

    async def set(self, *args: Any, **kwargs: Any) -> None:
        self.loops.append(asyncio.get_running_loop())
        await super().set(*args, **kwargs)

    async def delete_dir(self, *args: Any, **kwargs: Any) -> None:
        self.loops.append(asyncio.get_running_loop())
        await super().delete_dir(*args, **kwargs)


def test_every_store_call_runs_on_nwbzarr_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents, chunks (zarr-python's arrays included) and deletes: one loop, nwbzarr's own,
    whatever the store (fsspec's aiohttp sessions bind to the loop they first ran on)."""
    from nwbzarr.backends import zarr_stores
    from nwbzarr.backends.zarr import zarrio

    made = zarr_stores.zarr_store
    monkeypatch.setattr(zarr_stores, "zarr_store", lambda loc, mode: _LoopRecorder(made(loc, mode)))
    monkeypatch.setattr(zarrio, "get_object", _through_loop(zarrio))  # no get_sync shortcut
    _LoopRecorder.loops.clear()
    path = f"memory://{tmp_path.name}/loop.nwb.zarr"
    _write_and_edit(path)
    loops = set(_LoopRecorder.loops)
    assert len(_LoopRecorder.loops) > 10 and loops == {zarrio.event_loop()}
    monkeypatch.undo()
    assert _snapshot(path)["/a/big"][1].startswith("[-1, -1, -1, -1, -1, 5,")


def _through_loop(zarrio: Any) -> Callable[[Any, str], bytes | None]:
    def get_object(store: Any, key: str) -> bytes | None:
        buf = zarrio.run(zarrio.get_object_async(store, key))
        return None if buf is None else bytes(buf.to_bytes())

    return get_object


def test_store_io_from_its_own_loop_is_refused() -> None:
    """A store call made from inside the loop would wait for itself: it is an error instead."""
    from nwbzarr.backends.zarr import zarrio

    async def nested() -> None:
        zarrio.run(asyncio.sleep(0))

    with pytest.raises(RuntimeError, match="nwbzarr store IO called from its own event loop"):
        zarrio.run(nested())


def test_tiny_caches_read_and_write_the_same(
    tmp_path: Path, full_tree: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nwbzarr.backends.zarr import cache as cache_module

    path = full_tree(tmp_path / "f.nwb.zarr")
    expected = _snapshot(path)
    stored = (path / "zarr.json").read_text()
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 3)
    monkeypatch.setattr(cache_module.NodeCaches.__init__, "__defaults__", (3,))
    with nwbzarr.open(path) as root:
        caches = zfile_of(root).caches
        assert caches.specs.size == 3
        for _, node in root.walk():
            if isinstance(node, Array):
                node[()]
        assert max(len(c) for c in caches._by_key()) <= 3
    assert _snapshot(path) == expected
    copy = tmp_path / "g.nwb.zarr"
    full_tree(copy)
    assert (copy / "zarr.json").read_text().count('"node_type"') == stored.count('"node_type"')
    assert _snapshot(copy) == expected


def test_caches_are_per_file_and_forget_removed_nodes(tmp_path: Path) -> None:
    path = tmp_path / "f.nwb.zarr"
    with nwbzarr.open(path, "w") as root:
        root.create_array("g/a", np.arange(3.0))
        root.create_array("g/h/b", np.arange(2))
        root.create_array("other", np.arange(2))
        zfile = zfile_of(root)
        for name in ("g/a", "g/h/b", "other"):
            root.array(name).spec  # noqa: B018
        assert {"g/a", "g/h/b", "other"} <= set(zfile.caches.specs)
        del root["g"]
        assert not [k for k in zfile.caches.specs if k.startswith("g")]
        assert "other" in zfile.caches.specs
        with nwbzarr.open(tmp_path / "h.nwb.zarr", "w") as other:
            assert zfile_of(other).caches is not zfile.caches


def test_bounded_cache_drops_its_oldest_entries() -> None:
    from nwbzarr.backends.zarr.cache import BoundedCache

    cache: BoundedCache[int] = BoundedCache(size=16)
    for i in range(40):
        cache.put(f"k{i}", i)
        assert len(cache) <= 16
    assert cache.get("k39") == 39 and cache.get("k0") is None
    cache.put("g", 1)
    cache.put("g/a", 2)
    cache.put("ga", 3)
    cache.remove_below("g")
    assert "g" not in cache and "g/a" not in cache and cache.get("ga") == 3
    assert cache.lookup("missing", "default") == "default"


def test_zarr_private_names_live_in_one_module() -> None:
    """``zarr.core`` is private to zarr-python: no module of nwbzarr reaches it."""
    import ast

    package = Path(nwbzarr.__file__).parent
    users = set()
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text(), str(source))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.Attribute) and node.attr == "_supports_sync_io":
                names = [node.attr]
            elif isinstance(node, ast.Attribute) and node.attr == "core":
                value = node.value
                if isinstance(value, ast.Name) and value.id == "zarr":  # zarr.core.x
                    names = ["zarr.core"]
            if any(n == "zarr.core" or n.startswith("zarr.core.") for n in names) or (
                "_supports_sync_io" in names
            ):
                users.add(source.relative_to(package).as_posix())
    assert users == set()


def test_zarr_backend_modules_are_small() -> None:
    package = Path(nwbzarr.__file__).parent / "backends" / "zarr"
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("*.py")}
    assert len(sizes) >= 10 and max(sizes.values()) <= 600, sizes


@pytest.mark.parametrize(
    "values",
    [
        np.array("h\u00e9llo", dtype=object),
        np.array(["a", "", "ccc\u2603"], dtype=object),
        np.array([["a", "bb"], ["ccc", ""]], dtype=object),
    ],
    ids=["scalar", "1d", "2d"],
)
def test_text_arrays_are_encoded_as_zarr_python_encodes_them(
    tmp_path: Path, values: np.ndarray[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole single-chunk text array is encoded without zarr-python (the cached schema is
    26 of them per file): the same chunk bytes, read back by zarr-python and nwbzarr."""

    def write(path: Path) -> bytes:
        with nwbzarr.open(path, "w") as root:
            root.create_array("t", values, dtype=UTF8)
        [chunk] = [p for p in (path / "t").rglob("*") if p.is_file() and p.name != "zarr.json"]
        return chunk.read_bytes()

    encoded: list[Any] = []
    real = smallchunk.encode_text

    def counted(*args: Any) -> bytes:
        encoded.append(args)
        return real(*args)

    monkeypatch.setattr(smallchunk, "encode_text", counted)
    fast = write(tmp_path / "fast.nwb.zarr")
    assert len(encoded) == 1
    monkeypatch.setattr(smallchunk, "text_plan", lambda *a: None)  # through zarr-python
    assert fast == write(tmp_path / "slow.nwb.zarr")
    read = zarr.open_array(tmp_path / "fast.nwb.zarr" / "t", mode="r")[...]
    assert np.asarray(read, dtype=object).tolist() == values.tolist()
    with nwbzarr.open(tmp_path / "fast.nwb.zarr") as root:
        assert np.asarray(root.array("t")[()], dtype=object).tolist() == values.tolist()
