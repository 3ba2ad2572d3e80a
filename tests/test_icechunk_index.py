"""The Icechunk form of the virtual index: an HDF5 file's tree in an Icechunk repository,
numeric chunks as virtual references into the file.

pynwb writes the sources; nwbzarr reads the index back equal to the file, plain Icechunk +
zarr / xarray read it with the virtual-chunk container authorized, and the link policy refuses
containers outside the allowed origin.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from support.corpus import check_each
from test_corpus import REGION_REFERENCES

import nwbzarr
from nwbzarr.testing import tree_diff

icechunk = pytest.importorskip("icechunk")
pynwb = pytest.importorskip("pynwb")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES, CHANNELS = 20_000, 8


def write_pynwb_session(path: Path) -> None:
    """An ecephys session as pynwb writes it: a gzip-chunked ElectricalSeries with its
    electrodes table (object references), a contiguous TimeSeries with timestamps, a link."""
    from hdmf.backends.hdf5 import H5DataIO

    nwbfile = pynwb.NWBFile(
        session_description="index",
        identifier="ic-index",
        session_start_time=datetime(2024, 1, 1, tzinfo=UTC),
    )
    device = nwbfile.create_device(name="probe")
    group = nwbfile.create_electrode_group(
        name="shank", description="d", location="CA1", device=device
    )
    for _ in range(CHANNELS):
        nwbfile.add_electrode(group=group, location="CA1")
    region = nwbfile.create_electrode_table_region(list(range(CHANNELS)), "all")
    data = (np.arange(SAMPLES * CHANNELS) % 997).astype(np.int16).reshape(SAMPLES, CHANNELS)
    nwbfile.add_acquisition(
        pynwb.ecephys.ElectricalSeries(
            name="ElectricalSeries",
            data=H5DataIO(data, chunks=(4_096, CHANNELS), compression="gzip", shuffle=True),
            electrodes=region,
            rate=30_000.0,
        )
    )
    times = np.arange(SAMPLES) / 1_000.0
    speed = pynwb.TimeSeries(name="speed", data=np.sin(times), timestamps=times, unit="m/s")
    nwbfile.add_acquisition(speed)
    nwbfile.add_acquisition(
        pynwb.TimeSeries(name="speed_again", data=np.cos(times), timestamps=speed, unit="m/s")
    )
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("src") / "session.nwb"
    write_pynwb_session(path)
    return path


@pytest.fixture(scope="module")
def index(source: Path) -> Path:
    dst = source.parent / "session.icechunk"
    nwbzarr.index(source, dst, format="icechunk")
    return dst


def test_nwbzarr_reads_the_index_as_the_file(source: Path, index: Path) -> None:
    with nwbzarr.open(source) as want, nwbzarr.open(index) as got:
        assert tree_diff(want, got) == []
        with h5py.File(source) as f:
            for path in ("acquisition/ElectricalSeries/data", "acquisition/speed/data"):
                np.testing.assert_array_equal(got.array(path)[...], f[path][...])
        speed = got["acquisition/speed_again"]
        assert got.file.resolve(speed.get_link("timestamps"), speed).path == (  # type: ignore[arg-type, attr-defined]
            "/acquisition/speed/timestamps"
        )


def test_every_corpus_hdf5_file_indexes_intact(
    hdf5_source: str, corpus_copy: Path, tmp_path: Path
) -> None:
    def check(rel: str) -> None:
        if rel in REGION_REFERENCES:
            pytest.skip("region references: refused as by every conversion (test_corpus)")
        src = corpus_copy / rel
        dst = tmp_path / (rel.replace("/", "__").replace("%d", "") + ".icechunk")
        nwbzarr.index(src, dst, format="icechunk")
        with nwbzarr.open(src) as want, nwbzarr.open(dst) as got:
            assert tree_diff(want, got) == []

    check_each(hdf5_source, check)


def plain_session(index: Path, prefix: str) -> Any:
    repo = icechunk.Repository.open(
        icechunk.local_filesystem_storage(str(index)),
        authorize_virtual_chunk_access={prefix: icechunk.credentials.LocalFileSystemAccess},
    )
    return repo.readonly_session("main")


def test_numeric_chunks_are_virtual_references_into_the_file(source: Path, index: Path) -> None:
    session = plain_session(index, f"file://{source.parent}/")
    locations = session.all_virtual_chunk_locations()
    # 5 chunks of ElectricalSeries data, the contiguous data and timestamps of speed and the
    # data of speed_again: one reference each, into the file
    assert sorted(locations) == [f"file://{source}"] * 8


def test_plain_icechunk_and_xarray_open_the_index(source: Path, index: Path) -> None:
    xr = pytest.importorskip("xarray")
    zarr = pytest.importorskip("zarr")
    session = plain_session(index, f"file://{source.parent}/")
    group = zarr.open_group(session.store, mode="r")
    series = group["acquisition/ElectricalSeries"]
    assert series.attrs["neurodata_type"] == "ElectricalSeries"
    ds = xr.open_zarr(session.store, group="acquisition/ElectricalSeries", consolidated=False)
    assert ds["data"].dims == ("time", "channel")
    with h5py.File(source) as f:
        np.testing.assert_array_equal(ds["data"].values, f["acquisition/ElectricalSeries/data"])


def test_the_command_line_writes_the_icechunk_form(source: Path, tmp_path: Path) -> None:
    dst = tmp_path / "cli-index"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "nwbzarr.cli",
            "index",
            str(source),
            str(dst),
            "--format",
            "icechunk",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    with nwbzarr.open(source) as want, nwbzarr.open(dst) as got:
        assert tree_diff(want, got) == []


def test_links_none_refuses_the_virtual_chunks(source: Path, index: Path) -> None:
    with pytest.raises(nwbzarr.LinkPolicyError) as err:
        nwbzarr.open(index, links="none")
    assert str(err.value) == (
        f"{index}: virtual chunks in 'file://{source.parent}/' refused: links='none' follows "
        "nothing outside the repository (links='none'; pass links='all' to read them)"
    )


# --------------------------------------------------------------------------------------------
# S3 (moto)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    pytest.importorskip("moto")
    from nwbzarr.testing.servers import S3Server

    with S3Server() as server:
        server.create_bucket("ic-index")
        yield server


def test_an_index_on_s3_of_a_file_on_s3(s3: Any, source: Path) -> None:
    options = s3.storage_options
    src = "s3://ic-index/data/session.nwb"
    s3.upload(source, src)
    dst = "s3://ic-index/indexes/session"
    nwbzarr.index(src, dst, format="icechunk", storage_options=options, dst_storage_options=options)
    with nwbzarr.open(dst, storage_options=options) as got, nwbzarr.open(source) as want:
        assert tree_diff(want, got) == []


def test_a_url_repository_pointing_into_local_files_is_refused(s3: Any, source: Path) -> None:
    options = s3.storage_options
    dst = "s3://ic-index/indexes/points-home"
    nwbzarr.index(source, dst, format="icechunk", dst_storage_options=options)
    with pytest.raises(nwbzarr.LinkPolicyError) as err:
        nwbzarr.open(dst, storage_options=options)
    assert str(err.value) == (
        f"{dst}: virtual chunks in 'file://{source.parent}/' refused: a repository opened "
        "from a URL may not point into local files (links='same-origin'; pass links='all' "
        "to read them)"
    )


def test_an_index_of_a_file_served_over_http(source: Path, tmp_path: Path) -> None:
    from nwbzarr.testing.servers import HTTPServer

    with HTTPServer(source.parent) as http:
        url = http.url(source.name)
        dst = tmp_path / "http-index"
        nwbzarr.index(url, dst, format="icechunk")
        with nwbzarr.open(dst) as got, nwbzarr.open(source) as want:
            assert tree_diff(want, got) == []
            http.log.reset()
            got.array("acquisition/ElectricalSeries/data")[:10]
            assert http.log.count == 1  # one ranged read of the first chunk
