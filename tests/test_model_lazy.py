"""Containers of a read file are read when first looked up, and behave as a dict."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr.model import NWBFile, TimeSeries
from nwbzarr.model.base import LazyContainers


def _write(path: Path, n: int = 5) -> None:
    nwbfile = NWBFile(
        session_description="lazy",
        identifier="lazy",
        session_start_time=datetime(2024, 1, 1, tzinfo=UTC),
    )
    for i in range(n):
        nwbfile.add_acquisition(
            TimeSeries(name=f"ts{i}", data=np.arange(4.0) + i, unit="m", rate=2.0)
        )
    module = nwbfile.create_processing_module("behavior", "processed")
    module.add(TimeSeries(name="speed", data=np.ones(3), unit="m/s", rate=1.0))
    nwbzarr.write(nwbfile, path)


@pytest.fixture(params=["hdf5", "zarr"])
def path(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    out = tmp_path / ("f.nwb" if request.param == "hdf5" else "f.nwb.zarr")
    _write(out)
    return out


def test_names_are_known_and_nothing_is_read_before_lookup(path: Path) -> None:
    nwbfile = nwbzarr.read(path)
    acquisition = nwbfile.acquisition
    assert isinstance(acquisition, LazyContainers)
    assert list(acquisition) == [f"ts{i}" for i in range(5)]
    assert len(acquisition) == 5 and "ts3" in acquisition
    pending = [v for v in dict.values(acquisition) if not isinstance(v, TimeSeries)]
    assert len(pending) == 5
    ts = acquisition["ts3"]
    assert isinstance(ts, TimeSeries)
    np.testing.assert_array_equal(ts.data[:], np.arange(4.0) + 3)
    assert acquisition["ts3"] is ts  # read once
    assert sum(not isinstance(v, TimeSeries) for v in dict.values(acquisition)) == 4


def test_every_dict_view_gives_containers(path: Path) -> None:
    nwbfile = nwbzarr.read(path)
    acq = nwbfile.acquisition
    assert all(isinstance(v, TimeSeries) for v in acq.values())
    assert all(isinstance(v, TimeSeries) for _, v in acq.items())
    for plain in (dict(acq), {**acq}, acq.copy(), acq | {}, {} | acq, copy.copy(acq)):
        assert all(isinstance(v, TimeSeries) for v in plain.values())
        assert list(plain) == list(acq)
    assert acq == dict(acq)
    assert isinstance(acq.get("ts0"), TimeSeries) and acq.get("nope") is None
    assert isinstance(acq.pop("ts0"), TimeSeries) and "ts0" not in acq
    lazy: Any = acq  # a dict: setdefault(key) with no default, as dict has it
    assert isinstance(lazy.setdefault("ts1"), TimeSeries)
    module = nwbfile.processing["behavior"]
    members = list(module)
    assert len(members) == 1 and isinstance(members[0], TimeSeries)
    assert members[0].unit == "m/s"


def test_the_same_object_through_every_path(path: Path) -> None:
    nwbfile = nwbzarr.read(path)
    ts = nwbfile.acquisition["ts2"]
    assert nwbfile.acquisition.get("ts2") is ts
    assert next(v for k, v in nwbfile.acquisition.items() if k == "ts2") is ts


def test_a_read_file_rewrites_completely(path: Path, tmp_path: Path) -> None:
    """Writing a read file reads every container (nothing is skipped because it was lazy)."""
    nwbfile = nwbzarr.read(path)
    other = tmp_path / ("copy.nwb.zarr" if path.suffix == ".nwb" else "copy.nwb")
    nwbzarr.write(nwbfile, other)
    again = nwbzarr.read(other)
    assert sorted(again.acquisition) == sorted(nwbfile.acquisition)
    for name, ts in again.acquisition.items():
        assert isinstance(ts, TimeSeries)
        original = nwbfile.acquisition[name]
        assert isinstance(original, TimeSeries)
        np.testing.assert_array_equal(ts.data[:], original.data[:])
    assert [ts.name for ts in again.processing["behavior"]] == ["speed"]


def _object_ids(path: Path) -> dict[str, str]:
    """``{path: object_id}`` of every typed node of ``path``, as stored."""
    found: dict[str, str] = {}
    with nwbzarr.open(path) as root:
        for node in [root, *(member for _, member in root.walk())]:
            if not isinstance(node, nwbzarr.Group | nwbzarr.Array):
                continue  # a link
            if node.neurodata_type is not None and "object_id" in node.attrs:
                found[node.path] = str(node.attrs["object_id"])
    return found


def test_read_containers_carry_the_stored_object_ids(path: Path) -> None:
    """Each container read has its node's object id; none is left empty or shared."""
    stored = _object_ids(path)
    nwbfile = nwbzarr.model.read(path)
    try:
        read = {obj.source_node.path: obj.object_id for obj in nwbfile.objects.values()}  # type: ignore[union-attr]
        assert len(read) >= 8
        assert {p: read[p] for p in read if p in stored} == {p: stored[p] for p in read}
        assert all(read.values()) and len(set(read.values())) == len(read)
    finally:
        nwbfile.source_node.close()  # type: ignore[union-attr]


def test_containers_without_a_stored_object_id_get_new_ones(tmp_path: Path) -> None:
    """A file whose nodes carry no object id (NWB before 2.1): each container read gets a new
    UUID4, distinct from the others."""
    import uuid

    import h5py

    path = tmp_path / "old.nwb"
    _write(path)
    with h5py.File(path, "a") as f:
        names: list[str] = []
        f.visit(names.append)
        for obj in [f, *(f[name] for name in names)]:
            if "object_id" in obj.attrs:
                del obj.attrs["object_id"]
    nwbfile = nwbzarr.model.read(path)
    try:
        ids = [obj.object_id for obj in nwbfile.objects.values()]
        assert len(ids) >= 8 and len(set(ids)) == len(ids)
        assert all(uuid.UUID(i).version == 4 for i in ids)
    finally:
        nwbfile.source_node.close()  # type: ignore[union-attr]
