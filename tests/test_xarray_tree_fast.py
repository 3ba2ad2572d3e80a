"""The one-pass DataTree construction gives the tree the public xarray constructors give.

``build_tree`` links nodes through xarray's private node slots, ``_dataset`` builds datasets
with ``Dataset._construct_direct`` and ``NWBDataTree.map_over_datasets`` rebuilds the tree
``xr.open_datatree`` asks for without ``DataTree.from_dict``. Each is compared here, node by
node and variable by variable, with the public path (and is checked to fall back to it), on
small files of both formats: one written here and the pynwb corpus file with its tables.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from conftest import ecephys_as
from xarray.backends.api import _maybe_create_default_indexes

import nwbzarr
import nwbzarr.xr as nx
import nwbzarr.xr._private as P
from nwbzarr import Group
from nwbzarr.tree import SoftLink
from nwbzarr.xarray_backend import NWBZarrBackendEntrypoint
from nwbzarr.xr._private import NWBDataTree, _default_index_adder
from nwbzarr.xr.values import make_dataset

TS = {"namespace": "core", "neurodata_type": "TimeSeries"}

pytestmark = pytest.mark.filterwarnings("ignore:left out of the xarray view")


def _write_small(path: Path) -> Path:
    """Rate-timed and timestamped series, nested containers, a table and a link."""
    with nwbzarr.open(path, "w") as root:
        root.attrs["neurodata_type"] = "NWBFile"
        root.create_array("session_description", np.array("small", dtype=object))
        for i in range(3):
            ts = root.create_group(f"acquisition/ts{i}", attrs={**TS, "object_id": f"id{i}"})
            ts.create_array("data", np.arange(20.0) + i, attrs={"unit": "m", "conversion": 1.0})
            ts.create_array("starting_time", np.float64(i), attrs={"rate": np.float64(10.0)})
        stamped = root.create_group("processing/mod/stamped", attrs={**TS, "object_id": "s"})
        stamped.create_array("data", np.arange(5, dtype=np.int16), attrs={"unit": "V"})
        stamped.create_array("timestamps", np.array([0.0, 0.5, 1.5, 2.0, 4.0]))
        linked = root.create_group("processing/mod/linked", attrs={**TS, "object_id": "l"})
        linked.create_array("data", np.arange(5.0), attrs={"unit": "V"})
        linked.set_link("timestamps", SoftLink("/processing/mod/stamped/timestamps"))
        trials = root.create_group(
            "intervals/trials",
            attrs={"namespace": "core", "neurodata_type": "TimeIntervals", "object_id": "t"},
        )
        trials.attrs["colnames"] = ["start_time", "stop_time"]
        trials.create_array("id", np.arange(4))
        trials.create_array("start_time", np.arange(4.0))
        trials.create_array("stop_time", np.arange(4.0) + 0.5)
    return path


@pytest.fixture(
    scope="module", params=["small.nwb", "small.nwb.zarr", "ecephys.nwb", "ecephys.nwb.zarr"]
)
def path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small file in both formats, basic_ecephys.nwb and its Zarr conversion."""
    name = str(request.param)
    if name.startswith("small"):
        return _write_small(tmp_path_factory.mktemp("fast") / name)
    return ecephys_as("hdf5" if name == "ecephys.nwb" else "zarr", tmp_path_factory)


@pytest.fixture
def root(path: Path) -> Iterator[Group]:
    with nwbzarr.open(path) as r:
        yield r


# --------------------------------------------------------------------------------------------
# comparison: everything a node holds, in order
# --------------------------------------------------------------------------------------------
def _assert_same_dataset(a: xr.Dataset, b: xr.Dataset, where: str = "") -> None:
    assert type(a) is type(b), where
    assert list(a.variables) == list(b.variables), where
    assert sorted(map(str, a.coords)) == sorted(map(str, b.coords)), where
    assert list(a.data_vars) == list(b.data_vars), where
    assert dict(a.sizes) == dict(b.sizes) and list(a.dims) == list(b.dims), where
    assert a.attrs == b.attrs and a.encoding == b.encoding, where
    assert {k: type(v) for k, v in a.xindexes.items()} == {
        k: type(v) for k, v in b.xindexes.items()
    }, where
    for key in a.xindexes:
        assert a.xindexes[key].equals(b.xindexes[key]), f"{where}: index {key}"
    for name, var in a.variables.items():
        other = b.variables[name]
        assert type(var) is type(other), f"{where}: {name}"
        assert var.dims == other.dims and var.dtype == other.dtype, f"{where}: {name}"
        assert var.attrs == other.attrs and var.encoding == other.encoding, f"{where}: {name}"
        assert type(var._data) is type(other._data), f"{where}: {name}"
        if var.size < 10_000:
            assert var.identical(other), f"{where}: {name}"  # type: ignore[no-untyped-call]
    assert a.identical(b), where


def _assert_same_tree(a: xr.DataTree, b: xr.DataTree, closers: bool = True) -> None:
    assert a.identical(b)
    nodes_a, nodes_b = list(a.subtree), list(b.subtree)
    assert [n.path for n in nodes_a] == [n.path for n in nodes_b]
    for x, y in zip(nodes_a, nodes_b, strict=True):
        assert type(x) is type(y) and x.name == y.name, x.path
        assert list(x.children) == list(y.children), x.path
        assert list(x._data_variables) == list(y._data_variables), x.path
        assert list(x._node_coord_variables) == list(y._node_coord_variables), x.path
        assert dict(x._node_dims) == dict(y._node_dims), x.path
        assert list(x._node_indexes) == list(y._node_indexes), x.path
        assert not closers or (x._close is None) == (y._close is None), x.path
        _assert_same_dataset(x.to_dataset(inherit=False), y.to_dataset(inherit=False), x.path)


def _public_groups(
    start: Group, monkeypatch: pytest.MonkeyPatch, scaled: bool = False
) -> dict[str, xr.Dataset]:
    with monkeypatch.context() as m:
        m.setattr(P, "ENABLED", False)
        return nx.groups_as_dict(start, scaled=scaled)


# --------------------------------------------------------------------------------------------
# datasets
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scaled", [False, True])
def test_direct_datasets_equal_public_constructor(
    root: Group, monkeypatch: pytest.MonkeyPatch, scaled: bool
) -> None:
    fast = nx.groups_as_dict(root, scaled=scaled)
    public = _public_groups(root, monkeypatch, scaled)
    assert list(fast) == list(public)
    for key in fast:
        _assert_same_dataset(fast[key], public[key], key)
    assert any(isinstance(ds.xindexes.get("time"), nx.TimeRangeIndex) for ds in fast.values())


def test_direct_dataset_falls_back_when_constructing_would_change_something() -> None:
    index = nx.time_index(0.0, 10.0, 4)
    data: dict[Hashable, xr.Variable] = {"data": xr.Variable("time", np.arange(4.0))}
    assert P.direct_dataset(data, {}, {"a": 1}, index) is not None  # the fast path
    direct = make_dataset(data, {}, {"a": 1}, index)
    assert isinstance(direct.xindexes["time"], nx.TimeRangeIndex)
    assert direct.identical(
        xr.Dataset(data, attrs={"a": 1}).assign_coords(xr.Coordinates.from_xindex(index))
    )
    # a variable named after its dimension needs a default index: public constructor
    labelled = make_dataset({"x": xr.Variable("x", [3, 4])}, {}, {})
    assert "x" in labelled.xindexes
    # sizes that disagree: the public constructor raises
    with pytest.raises(ValueError, match="conflicting sizes"):
        make_dataset({"a": xr.Variable("x", [1]), "b": xr.Variable("x", [1, 2])}, {}, {})
    # no attributes: None, as the constructor stores them
    assert make_dataset({"a": xr.Variable("x", [1])}, {}, {})._attrs is None


@pytest.mark.parametrize(
    "values",
    [
        np.arange(3.0),
        np.arange(3, dtype=np.int8),
        np.array([True, False]),
        np.array(["a", "bc"]),
        np.array(b"x"),
        np.array(["a", "bc"], dtype=object),
        np.array(["a", None], dtype=object),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
    ],
)
def test_numpy_variable_equals_variable(values: np.ndarray[Any, Any]) -> None:
    """The variable xarray makes (of the values as unicode when they are all Python str)."""
    dims = [f"d{i}" for i in range(values.ndim)]
    texts = values.dtype.kind == "O" and all(type(v) is str for v in values.flat)
    made = nx.numpy_variable(dims, values, {"a": 1})
    public = xr.Variable(dims, values.astype(str) if texts else values, {"a": 1})
    assert made.identical(public) and made.dtype == public.dtype  # type: ignore[no-untyped-call]
    assert type(made._data) is type(public._data)


# --------------------------------------------------------------------------------------------
# trees
# --------------------------------------------------------------------------------------------
def test_build_tree_equals_from_dict(path: Path) -> None:
    with nwbzarr.open(path) as r:
        groups = nx.groups_as_dict(r)
        expected = xr.DataTree.from_dict(groups)
        assert P.direct_tree(groups, None, xr.DataTree, True) is not None  # the fast path
        _assert_same_tree(nx.build_tree(groups), expected)
        _assert_same_tree(nx.build_tree(nx.groups_as_dict(r), copy=False), expected)
        _assert_same_tree(nx.to_datatree(r), expected)
        named = nx.build_tree(groups, name="x", cls=NWBDataTree)
        _assert_same_tree(named, NWBDataTree.from_dict(groups, name="x"))
        assert type(named) is NWBDataTree and named.name == "x"


def test_build_tree_copies_unless_told(path: Path) -> None:
    with nwbzarr.open(path) as r:
        groups = nx.groups_as_dict(r)
        tree = nx.build_tree(groups)
        tree["acquisition"].attrs["changed"] = 1
        assert "changed" not in groups["/acquisition"].attrs
        key = next(k for k, ds in groups.items() if "data" in ds)
        assert tree[key].ds["data"].variable is not groups[key]["data"].variable


def test_build_tree_falls_back_to_from_dict(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with nwbzarr.open(path) as r:
        groups = nx.groups_as_dict(r)
    expected = xr.DataTree.from_dict(groups)
    monkeypatch.setattr(P, "ENABLED", False)
    _assert_same_tree(nx.build_tree(groups), expected)


def test_build_tree_without_xarray_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another xarray whose nodes hold other slots: the public path, same tree."""
    groups = {"/": xr.Dataset(attrs={"a": 1}), "/b": xr.Dataset({"v": ("x", [1, 2])})}
    P._links_directly.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setattr(P, "_NODE_SLOTS", P._NODE_SLOTS | {"_new_slot"})
            assert not P._links_directly(xr.DataTree)
            _assert_same_tree(nx.build_tree(groups), xr.DataTree.from_dict(groups))
    finally:
        P._links_directly.cache_clear()
    assert P._links_directly(xr.DataTree)


@pytest.mark.parametrize(
    "groups",
    [
        # a child shares a dimension with its parent: inheritance, alignment
        {"/": xr.Dataset(coords={"x": [1, 2]}), "/a": xr.Dataset({"v": ("x", [3, 4])})},
        {"/": xr.Dataset(coords={"x": [1, 2]}), "/a": xr.Dataset(coords={"x": [1, 2]})},
        # intermediate nodes left out, relative and odd keys, empty nodes, no root
        {"/a/b": xr.Dataset({"v": ("y", [1])}), "c": None, "/": xr.Dataset()},
        {".": None, "a": xr.Dataset(), "a/b": None, "./c": xr.Dataset()},
    ],
)
def test_build_tree_edge_cases(groups: dict[str, Any]) -> None:
    assert P.direct_tree(groups, None, xr.DataTree, True) is None
    _assert_same_tree(nx.build_tree(groups), xr.DataTree.from_dict(groups))


@pytest.mark.parametrize(
    "groups",
    [
        {"/": xr.Dataset(coords={"x": [1, 2]}), "/a": xr.Dataset(coords={"x": [1, 3]})},
        {"/": xr.Dataset({"a": 1}), "/a": xr.Dataset()},
        {"/": xr.Dataset(), "/a": xr.Dataset(), "a": xr.Dataset()},
    ],
)
def test_build_tree_raises_as_from_dict(groups: dict[str, Any]) -> None:
    with pytest.raises((ValueError, KeyError)) as public:
        xr.DataTree.from_dict(groups)
    with pytest.raises(public.type):
        nx.build_tree(groups)


# --------------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------------
def _backend_tree(path: Path) -> xr.DataTree:
    return NWBZarrBackendEntrypoint().open_datatree(path)


def test_map_over_default_indexes_equals_xarray(path: Path) -> None:
    mine = _backend_tree(path)
    assert type(mine) is NWBDataTree
    assert _default_index_adder() is _maybe_create_default_indexes  # the fast path
    public = xr.DataTree.from_dict({n.path: n.to_dataset(inherit=False) for n in mine.subtree})
    expected = xr.map_over_datasets(_maybe_create_default_indexes, public)
    result = mine.map_over_datasets(_maybe_create_default_indexes)
    # nothing to index: the engine's tree itself, made of plain DataTrees (xarray drops the
    # tree it asked this of, after setting its closers on the result)
    assert result is mine
    assert all(type(node) is xr.DataTree for node in result.subtree)
    _assert_same_tree(result, expected, closers=False)


@pytest.mark.parametrize("top", [xr.Dataset(coords={"x": [1, 2]}), xr.Dataset(attrs={"a": 1})])
def test_map_over_default_indexes_with_inheritance_and_unindexed_coords(top: xr.Dataset) -> None:
    unindexed = xr.Coordinates({"z": ("z", [5, 6])}, indexes={})
    groups = {
        "/": top,
        "/a": xr.Dataset({"v": ("x", [3, 4])}),
        "/a/b": xr.Dataset({"w": ("y", [1])}),
        "/c": xr.Dataset(coords=unindexed),
        "/c/d": xr.Dataset({"u": ("z", [7, 8])}),
        "/e": xr.Dataset(coords={"t": [0.0]}),
        "/e/f": xr.Dataset({"s": ("t", [1])}),
        "/e/g": xr.Dataset({"r": ("q", [1, 2])}),
    }
    mine = NWBDataTree.from_dict(groups)
    plain = xr.DataTree.from_dict(groups)
    assert "z" not in mine["c"].xindexes
    result = mine.map_over_datasets(_maybe_create_default_indexes)
    _assert_same_tree(result, xr.map_over_datasets(_maybe_create_default_indexes, plain))
    assert "z" in result["c"].xindexes


def test_map_over_other_functions(path: Path) -> None:
    mine = _backend_tree(path)
    public = xr.DataTree.from_dict({n.path: n.to_dataset(inherit=False) for n in mine.subtree})

    def tag(ds: xr.Dataset, value: int, *, key: str) -> xr.Dataset:
        return ds.assign_attrs({key: value})

    def same(ds: xr.Dataset) -> xr.Dataset:
        return ds

    _assert_same_tree(
        mine.map_over_datasets(tag, 3, kwargs={"key": "k"}),
        xr.map_over_datasets(tag, public, 3, kwargs={"key": "k"}),
    )
    unchanged = mine.map_over_datasets(same)
    _assert_same_tree(unchanged, xr.map_over_datasets(same, public))
    unchanged.attrs["changed"] = 1  # results are copies, as from_dict makes them
    assert "changed" not in mine.attrs

    def split(ds: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
        return ds, ds

    first, second = mine.map_over_datasets(split)
    expected, _ = xr.map_over_datasets(split, public)
    _assert_same_tree(first, expected)
    _assert_same_tree(second, expected)
    # several trees: xarray's path
    both = mine.map_over_datasets(lambda a, b: a, mine)
    _assert_same_tree(both, public)

    def fail(ds: xr.Dataset) -> xr.Dataset:
        if ds.attrs.get("path") == "/acquisition":
            raise RuntimeError("boom")
        return ds

    with pytest.raises(RuntimeError, match="boom") as err:
        mine.map_over_datasets(fail)
    assert "'/acquisition'" in "".join(err.value.__notes__)


def test_open_datatree_equals_public_construction(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = xr.open_datatree(path, engine="nwbzarr")
    assert type(tree) is xr.DataTree
    with nwbzarr.open(path) as r:
        public = xr.DataTree.from_dict(_public_groups(r, monkeypatch))
    expected = xr.map_over_datasets(_maybe_create_default_indexes, public)
    expected.encoding["source"] = tree.encoding["source"]  # xr.open_datatree adds it
    # xarray wraps lazy variables for caching; compare what they read
    _assert_same_tree(tree.load(), expected.load(), closers=False)
    assert tree._close is not None  # the root closes the file
    assert all(node._close is None for node in tree.descendants)


def test_open_datatree_reads_after_close(path: Path) -> None:
    with xr.open_datatree(path, engine="nwbzarr") as tree:
        key = next(node.path for node in tree.subtree if "data" in node.ds)
    assert tree[key].ds["data"].size == tree[key].ds["data"].values.size


def test_open_datatree_public_path_when_internals_differ(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = xr.open_datatree(path, engine="nwbzarr").load()
    monkeypatch.setattr(P, "ENABLED", False)  # another xarray: public constructors only
    public = xr.open_datatree(path, engine="nwbzarr")
    assert all(type(node) is xr.DataTree for node in public.subtree)
    _assert_same_tree(public.load(), expected)
    monkeypatch.setattr(P, "ENABLED", True)
    monkeypatch.setattr(P, "_default_index_adder", lambda: None)  # xarray renamed it
    _assert_same_tree(xr.open_datatree(path, engine="nwbzarr").load(), expected)


@pytest.mark.parametrize(
    ("version", "tested"),
    [
        ("2026.9.0", True),
        ("2025.7.1", True),
        ("2025.6.0", False),
        ("2027.1.0", False),
        ("x", False),
    ],
)
def test_private_names_only_with_tested_xarray(version: str, tested: bool) -> None:
    assert P.tested_version(version) is tested
    assert P.ENABLED is P.tested_version(xr.__version__)


def test_groups_never_share_dimensions_with_ancestors(path: Path) -> None:
    with nwbzarr.open(path) as r:
        groups = nx.groups_as_dict(r)
    for key, ds in groups.items():
        parts = key.strip("/").split("/") if key != "/" else []
        above: set[Hashable] = set()
        for depth in range(len(parts)):
            above |= set(groups["/" + "/".join(parts[:depth])].dims)
        assert not above & set(ds.dims), key


def test_opening_never_pauses_the_collector(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    xr.open_datatree(path, engine="nwbzarr").close()
    with nwbzarr.open(path) as r:
        nx.to_datatree(r)
    assert calls == []
