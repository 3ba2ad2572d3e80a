"""The kerchunk form of the index: reference JSON that fsspec + zarr and xarray open without
nwbzarr, and that nwbzarr reads back with links, references and values intact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.corpus import check_each
from support.h5compare import datasets, differences, same, tree_reader
from support.lindi_files import write_session

import nwbzarr
from nwbzarr.errors import DestinationExistsError, LinkPolicyError, UnsupportedFeatureError
from nwbzarr.testing import tree_diff
from nwbzarr.tree import Reference


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_session(tmp_path_factory.mktemp("kerchunk") / "session.nwb")


@pytest.fixture(scope="module")
def refs_file(session: Path) -> Path:
    out = session.with_name("session.kerchunk.json")
    assert nwbzarr.index(session, out, format="kerchunk") == str(out)
    return out


def _zarr_group(path: Path, **options: Any) -> Any:
    """The reference file opened with fsspec + zarr alone."""
    import fsspec
    import zarr

    fs = fsspec.filesystem("reference", fo=str(path), **options)
    return zarr.open_group(fs.get_mapper(), zarr_format=2, mode="r")


def _plain_value(group: Any, name: str) -> Any:
    arr = group[name]
    values = arr[...]
    if arr.attrs.get("_DTYPE") == "object_reference":
        return np.asarray(values, dtype=object)  # paths: compared with h5py's targets
    return values


def test_nwbzarr_reads_it_back_intact(session: Path, refs_file: Path) -> None:
    with nwbzarr.open(session) as a, nwbzarr.open(refs_file) as b:
        assert tree_diff(a, b) == []
        assert differences(session, tree_reader(b)) == []


def test_plain_zarr_over_fsspec_reads_every_dataset(session: Path, refs_file: Path) -> None:
    group = _zarr_group(refs_file)
    assert "acquisition/ElectricalSeries/data" in datasets(session)
    assert differences(session, lambda n: _plain_value(group, n)) == []


def test_the_document(session: Path, refs_file: Path) -> None:
    document = json.loads(refs_file.read_bytes())
    assert document["version"] == 1
    assert document["templates"] == {"u": str(session)}
    refs = document["refs"]
    # byte ranges of the HDF5 file for chunks, small arrays inline
    assert refs["acquisition/ElectricalSeries/data/0.0"][0] == "{{u}}"
    assert isinstance(refs["general/extracellular_ephys/electrodes/id/0"], str)
    zattrs = json.loads(refs["acquisition/ElectricalSeries/data/.zattrs"])
    assert zattrs["_ARRAY_DIMENSIONS"] == ["time", "channel"]
    assert not any(
        "phony_dim" in json.dumps(json.loads(v).get("_ARRAY_DIMENSIONS", []))
        for k, v in refs.items()
        if k.endswith(".zattrs")
    )
    # links and references in the NWB-Zarr conventions
    linked = json.loads(refs["acquisition/linked/.zattrs"])
    assert {"name": "data", "source": ".", "path": "/acquisition/many_chunks/data"} in linked[
        "_LINKS"
    ]
    region = json.loads(refs["acquisition/ElectricalSeries/electrodes/.zattrs"])
    assert region["table"] == {
        "_REFERENCE": {"source": ".", "path": "/general/extracellular_ephys/electrodes"}
    }
    column = json.loads(refs["general/extracellular_ephys/electrodes/group/.zattrs"])
    assert column["_DTYPE"] == "object_reference"
    assert "_REFERENCE_FIELDS" in json.loads(refs["intervals/trials/timeseries/.zattrs"])


def test_xarray_engines_open_a_series(refs_file: Path) -> None:
    xr = pytest.importorskip("xarray")
    pytest.importorskip("kerchunk")
    ds = xr.open_dataset(str(refs_file), engine="kerchunk", group="acquisition/ElectricalSeries")
    assert ds["data"].dims == ("time", "channel")
    assert ds["data"].dtype == np.int16
    plain = xr.open_dataset(
        "reference://",
        engine="zarr",
        group="acquisition/ElectricalSeries",
        backend_kwargs={
            "storage_options": {"fo": str(refs_file)},
            "consolidated": False,
            "zarr_format": 2,
        },
    )
    np.testing.assert_array_equal(plain["data"].values[:100], ds["data"].values[:100])


def test_corpus_files_indexed_equal_h5py(corpus: Path, tmp_path: Path, hdf5_source: str) -> None:
    """Every HDF5 file of the corpus (pynwb 1.0-4.2, MatNWB, DANDI sessions, extensions):
    read back by nwbzarr and by zarr alone, every dataset equals h5py's."""

    def check(rel: str) -> None:
        source = corpus / rel
        out = tmp_path / f"{rel.replace('/', '__').replace('%d', 'N')}.kerchunk.json"
        try:
            nwbzarr.index(source, out, format="kerchunk")
        except UnsupportedFeatureError as err:
            assert "region references are not supported" in str(err)
            pytest.skip("region references (refused by nwbzarr, not used by NWB)")
        with nwbzarr.open(source) as a, nwbzarr.open(out) as b:
            assert tree_diff(a, b) == []
            if "%d" not in rel:
                assert differences(source, tree_reader(b)) == []
        if "%d" not in rel:
            group = _zarr_group(out)  # zarr alone reads every dataset too
            assert differences(source, lambda n: _plain_value(group, n)) == []

    check_each(hdf5_source, check)


def test_compound_rows_with_references(refs_file: Path) -> None:
    with nwbzarr.open(refs_file) as root:
        rows = root.array("intervals/trials/timeseries")[...]
        assert rows["timeseries"][2] == Reference("/acquisition/many_chunks")
        assert int(rows["count"][2]) == 999


def test_existing_destination_is_refused(session: Path, refs_file: Path) -> None:
    with pytest.raises(DestinationExistsError, match=r"session.kerchunk.json: already exists"):
        nwbzarr.index(session, refs_file, format="kerchunk")


def test_cli_index_format_kerchunk(session: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.kerchunk.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nwbzarr.cli",
            "index",
            str(session),
            str(out),
            "--format",
            "kerchunk",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with nwbzarr.open(out) as root, nwbzarr.open(session) as a:
        assert tree_diff(a, root) == []


def test_remote_source_and_the_link_policy(session: Path, tmp_path: Path) -> None:
    from nwbzarr.testing.servers import S3Server

    with S3Server() as s3:
        s3.create_bucket("kc-bucket")
        s3.upload(session, "s3://kc-bucket/a/session.nwb")
        options = s3.storage_options
        local = tmp_path / "remote.kerchunk.json"
        nwbzarr.index(
            "s3://kc-bucket/a/session.nwb", local, format="kerchunk", storage_options=options
        )
        assert json.loads(local.read_bytes())["templates"]["u"] == "s3://kc-bucket/a/session.nwb"
        with nwbzarr.open(local, storage_options=options) as root:
            data = root.array("acquisition/ElectricalSeries/data")
            with nwbzarr.open(session) as direct:
                expected = direct.array("acquisition/ElectricalSeries/data")[100:200]
            np.testing.assert_array_equal(data[100:200], expected)
        # the index uploaded beside the file opens by URL; one naming a local path is refused
        s3.upload(local, "s3://kc-bucket/a/session.kerchunk.json")
        with nwbzarr.open(
            "s3://kc-bucket/a/session.kerchunk.json", storage_options=options
        ) as root:
            assert root.array("acquisition/ElectricalSeries/data")[:5].shape == (5, 8)
        hostile = json.loads(local.read_bytes())
        hostile["templates"]["u"] = str(session)
        bad = tmp_path / "bad.kerchunk.json"
        bad.write_text(json.dumps(hostile))
        s3.upload(bad, "s3://kc-bucket/a/bad.kerchunk.json")
        with nwbzarr.open("s3://kc-bucket/a/bad.kerchunk.json", storage_options=options) as root:
            data = root.array("acquisition/ElectricalSeries/data")
            with pytest.raises(LinkPolicyError, match="may not link to local paths"):
                data[:5]


def test_values_of_h5py_equal_through_helpers_are_strict(session: Path) -> None:
    import h5py

    with h5py.File(session, "r") as f:
        data = f["acquisition/ElectricalSeries/data"][:10]
        assert same(f, data, data)
        assert not same(f, data, data + 1)
