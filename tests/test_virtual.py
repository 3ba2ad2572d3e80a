"""Virtual Zarr indexes of HDF5 files: same tree, data read by byte range from the HDF5 file."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr.backends.virtual import VirtualStore
from nwbzarr.errors import DestinationExistsError, FormatError
from nwbzarr.testing import tree_diff
from nwbzarr.virtual import build_index

ROWS, CHANNELS, CHUNK_ROWS = 120_000, 64, 30_000


def _data() -> np.ndarray[Any, Any]:
    return (
        (np.arange(ROWS * CHANNELS, dtype=np.int64) % 1000).astype(np.int16).reshape(-1, CHANNELS)
    )


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An HDF5 file with chunked (plain and shuffle+deflate), contiguous, big-endian, text,
    scalar, reference and linked datasets."""
    path = tmp_path_factory.mktemp("virtual") / "session.nwb"
    with nwbzarr.open(path, "w") as root:
        root.attrs["neurodata_type"] = "NWBFile"
        series = root.create_group(
            "acquisition/ElectricalSeries", {"neurodata_type": "ElectricalSeries"}
        )
        series.create_array("data", _data(), chunks=(CHUNK_ROWS, CHANNELS), attrs={"unit": "volts"})
        series.create_array("starting_time", np.float64(0.0), attrs={"rate": np.float64(30_000.0)})
        gz = root.create_group("acquisition/Compressed")
        gz.create_array(
            "data",
            _data()[:50_000].astype(np.float32),
            chunks=(7_000, 16),  # edge chunks on both axes
            compression=(nwbzarr.Filter.of("shuffle"), nwbzarr.Filter.of("deflate", level=4)),
        )
        gz.create_array("timestamps", np.linspace(0, 1, 300_001))  # contiguous, > 2 MiB
        gz.create_array("big_endian", np.arange(1000, dtype=">i4").reshape(100, 10))
        gz.create_array("many_chunks", np.arange(3_000, dtype="i4"), chunks=(10,))  # 300
        gz.create_array("labels", np.array(["a", "bb", "ccc"], dtype=object))
        gz.attrs["source_ref"] = nwbzarr.Reference("/acquisition/ElectricalSeries")
        root.set_link("acquisition/alias", nwbzarr.SoftLink("/acquisition/ElectricalSeries"))
    return path


@pytest.fixture(scope="module")
def index(session: Path) -> Path:
    out = session.with_name("session.index.nwb.zarr")
    assert build_index(session, out) == str(out)
    return out


def test_index_has_the_same_tree_and_values(session: Path, index: Path) -> None:
    with nwbzarr.open(session) as a, nwbzarr.open(index) as b:
        assert isinstance(b.file.store, VirtualStore)  # type: ignore[attr-defined]
        assert tree_diff(a, b) == []
        assert b.array("acquisition/Compressed/data").chunks == (7_000, 16)


def test_index_copies_no_array_data(index: Path, session: Path) -> None:
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    assert size < session.stat().st_size / 20
    assert not (index / "acquisition/ElectricalSeries/data/c").exists()
    record = json.loads((index / "zarr.json").read_text())["attributes"]["_NWBZARR"]
    assert record["virtual"]["source"] == "../session.nwb"


def test_small_manifests_live_in_the_document(index: Path) -> None:
    """Up to INLINE_MANIFEST_CHUNKS chunks: [offset, nbytes] pairs in the array's record (read
    with the document, no object); more: a manifest.npy object next to its zarr.json."""
    data = index / "acquisition/ElectricalSeries/data"
    doc = json.loads((data / "zarr.json").read_text())
    chunks = doc["attributes"]["_NWBZARR"]["virtual"]["chunks"]
    assert np.asarray(chunks).shape == (math.ceil(ROWS / CHUNK_ROWS), 1, 2)
    assert not (data / "manifest.npy").exists()
    many = index / "acquisition/Compressed/many_chunks"
    assert (many / "manifest.npy").is_file()
    assert "chunks" not in json.loads((many / "zarr.json").read_text())["attributes"]["_NWBZARR"]
    with nwbzarr.open(index) as root:
        np.testing.assert_array_equal(
            root.array("acquisition/Compressed/many_chunks")[...], np.arange(3_000)
        )


def test_malformed_inline_manifest_is_named(index: Path, tmp_path: Path) -> None:
    copy = tmp_path / "bad.nwb.zarr"
    shutil.copytree(index, copy)
    shutil.copy(index.parent / "session.nwb", tmp_path / "session.nwb")
    root_doc = json.loads((copy / "zarr.json").read_text())
    key = "acquisition/ElectricalSeries/data"
    meta = root_doc["consolidated_metadata"]["metadata"][key]
    meta["attributes"]["_NWBZARR"]["virtual"]["chunks"] = [[1, 2, 3]]
    (copy / "zarr.json").write_text(json.dumps(root_doc))
    with (
        nwbzarr.open(copy) as root,
        pytest.raises(FormatError, match=rf"{key}: malformed chunk manifest in its document"),
    ):
        root.array(key)[:10]


def test_index_moves_with_its_file(session: Path, index: Path, tmp_path: Path) -> None:
    shutil.copy(session, tmp_path / "session.nwb")
    shutil.copytree(index, tmp_path / "session.index.nwb.zarr")
    with nwbzarr.open(tmp_path / "session.index.nwb.zarr") as root:
        np.testing.assert_array_equal(
            root.array("acquisition/ElectricalSeries/data")[5:7], _data()[5:7]
        )


def test_existing_destination_is_refused(session: Path, index: Path) -> None:
    with pytest.raises(DestinationExistsError):
        build_index(session, index)
    build_index(session, index, overwrite=True)


def test_missing_hdf5_file_is_named(index: Path, tmp_path: Path) -> None:
    moved = tmp_path / "alone.nwb.zarr"
    shutil.copytree(index, moved)
    with (
        nwbzarr.open(moved) as root,
        pytest.raises(Exception, match="HDF5 file of this virtual index is missing"),
    ):
        root.array("acquisition/ElectricalSeries/data")[:10]


def test_corpus_file_indexes_to_the_same_tree(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "pynwb42" / "basic_ecephys.nwb"
    out = tmp_path / "basic.nwb.zarr"
    build_index(source, out)
    with nwbzarr.open(source) as a, nwbzarr.open(out) as b:
        assert tree_diff(a, b) == []


# ----------------------------------------------------------------------------- S3
@pytest.fixture(scope="module")
def s3() -> Iterator[object]:
    pytest.importorskip("moto")
    pytest.importorskip("obstore")
    from nwbzarr.testing.servers import S3Server

    with S3Server() as server:
        server.create_bucket("nwb-virtual")
        yield server


def test_index_on_s3_opens_in_one_request_and_reads_only_touched_chunks(
    s3: object, session: Path, index: Path
) -> None:
    from nwbzarr.testing.servers import S3Server

    assert isinstance(s3, S3Server)
    s3.upload(session, "s3://nwb-virtual/up/session.nwb")
    s3.upload(index, "s3://nwb-virtual/up/session.index.nwb.zarr")
    url = "s3://nwb-virtual/up/session.index.nwb.zarr"
    s3.log.reset()
    root = nwbzarr.open(url, storage_options=s3.storage_options)
    list(root.walk())
    assert s3.log.count <= 2, [(r.method, r.path) for r in s3.log.snapshot()]
    s3.log.reset()
    window = root.array("acquisition/ElectricalSeries/data")[25_000:65_000]  # chunks 0, 1, 2
    touched = math.ceil(65_000 / CHUNK_ROWS)
    # its manifest came with the document: one request a chunk (merged ones even fewer)
    assert s3.log.count <= touched, [(r.method, r.path) for r in s3.log.snapshot()]
    assert not any(r.method == "HEAD" for r in s3.log.snapshot())
    np.testing.assert_array_equal(window, _data()[25_000:65_000])
    s3.log.reset()
    few = root.array("acquisition/Compressed/many_chunks")[5:25]  # 3 chunks + its manifest
    assert s3.log.count <= 3 + 1, [(r.method, r.path) for r in s3.log.snapshot()]
    np.testing.assert_array_equal(few, np.arange(5, 25))
    with nwbzarr.open(session) as local:
        assert tree_diff(local, root) == []
    root.file.close()


def test_index_written_straight_to_s3(s3: object, session: Path) -> None:
    from nwbzarr.testing.servers import S3Server

    assert isinstance(s3, S3Server)
    s3.upload(session, "s3://nwb-virtual/direct/session.nwb")
    url = "s3://nwb-virtual/direct/session.nwb.zarr"
    build_index(
        "s3://nwb-virtual/direct/session.nwb",
        url,
        storage_options=s3.storage_options,
        dst_storage_options=s3.storage_options,
    )
    with (
        nwbzarr.open(url, storage_options=s3.storage_options) as root,
        nwbzarr.open(session) as local,
    ):
        assert tree_diff(local, root) == []


def test_local_index_reads_its_own_objects_as_plain_files(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small inline arrays of a local index (a series' starting_time) are read as plain
    files, not through zarr's event loop; virtual chunks still come through the VirtualStore."""
    asked: list[str] = []
    real_get = VirtualStore.get

    async def counting_get(self: VirtualStore, key: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(key)
        return await real_get(self, key, *args, **kwargs)

    monkeypatch.setattr(VirtualStore, "get", counting_get)
    with nwbzarr.open(index) as root:
        assert root.array("acquisition/ElectricalSeries/starting_time")[()] == 0.0
        assert asked == []
        window = root.array("acquisition/ElectricalSeries/data")[:10, :3]
        np.testing.assert_array_equal(window, _data()[:10, :3])
    assert asked == ["acquisition/ElectricalSeries/data/c/0/0"], asked


def test_index_dispatches_on_format(session: Path, tmp_path: Path) -> None:
    out = tmp_path / "via_index.nwb.zarr"
    assert nwbzarr.index(session, out, format="nwbzarr") == str(out)
    with nwbzarr.open(session) as a, nwbzarr.open(out) as b:
        assert tree_diff(a, b) == []
    with pytest.raises(ValueError, match=r"format='parquet': expected one of \[.*'nwbzarr'"):
        nwbzarr.index(session, tmp_path / "x", format="parquet")
