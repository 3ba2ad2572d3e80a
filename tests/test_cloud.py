"""Object stores: a moto S3 endpoint and a Range-capable HTTP server on 127.0.0.1, started here.

Request counts are upper bounds that a reader must meet: each request costs 20-100 ms on a real
object store.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr.testing import tree_diff
from nwbzarr.testing.servers import HTTPServer, S3Server

pytest.importorskip("moto")
pytest.importorskip("obstore")

# a remote test that hangs fails instead of stalling the suite (pytest-timeout)
pytestmark = pytest.mark.timeout(600)

BUCKET = "nwb-cloud"
ROWS, CHANNELS, CHUNK_ROWS = 120_000, 64, 30_000


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        server.create_bucket(BUCKET, public=True)
        yield server


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local HDF5 session with a multi-chunk ElectricalSeries-like array."""
    path = tmp_path_factory.mktemp("cloud") / "session.nwb"
    data = (
        (np.arange(ROWS * CHANNELS, dtype=np.int64) % 1000).astype(np.int16).reshape(ROWS, CHANNELS)
    )
    with nwbzarr.open(path, "w") as root:
        root.attrs["neurodata_type"] = "NWBFile"
        series = root.create_group(
            "acquisition/ElectricalSeries", {"neurodata_type": "ElectricalSeries"}
        )
        series.create_array("data", data, chunks=(CHUNK_ROWS, CHANNELS), attrs={"unit": "volts"})
        series.create_array("starting_time", np.float64(0.0), attrs={"rate": np.float64(30_000.0)})
    return path


def test_open_consolidated_zarr_in_one_request(s3: S3Server, session: Path) -> None:
    url = f"s3://{BUCKET}/open.nwb.zarr"
    nwbzarr.convert(session, url, dst_storage_options=s3.storage_options, progress=False)
    s3.log.reset()
    root = nwbzarr.open(url, storage_options=s3.storage_options)
    assert s3.log.count <= 2, [(r.method, r.path) for r in s3.log.snapshot()]
    s3.log.reset()
    data = root.array("acquisition/ElectricalSeries/data")
    window = data[30_000:60_000]  # 1 s at 30 kHz, exactly one chunk
    touched = math.ceil(30_000 / CHUNK_ROWS)
    assert s3.log.count <= touched + 1, [(r.method, r.path) for r in s3.log.snapshot()]
    assert not any(r.method == "HEAD" for r in s3.log.snapshot())
    with nwbzarr.open(session) as local:
        np.testing.assert_array_equal(
            window, local.array("acquisition/ElectricalSeries/data")[30_000:60_000]
        )


def test_window_across_chunks_reads_only_those_chunks(s3: S3Server, session: Path) -> None:
    url = f"s3://{BUCKET}/window.nwb.zarr"
    nwbzarr.convert(session, url, dst_storage_options=s3.storage_options, progress=False)
    root = nwbzarr.open(url, storage_options=s3.storage_options)
    s3.log.reset()
    root.array("acquisition/ElectricalSeries/data")[25_000:65_000]  # spans chunks 0, 1, 2
    assert s3.log.count <= 3 + 1


def test_round_trip_through_s3_keeps_every_value(
    s3: S3Server, session: Path, tmp_path: Path
) -> None:
    url = f"s3://{BUCKET}/roundtrip.nwb.zarr"
    nwbzarr.convert(session, url, dst_storage_options=s3.storage_options, progress=False)
    back = tmp_path / "back.nwb"
    nwbzarr.convert(url, back, storage_options=s3.storage_options, progress=False)
    with nwbzarr.open(session) as a, nwbzarr.open(back) as b:
        assert tree_diff(a, b) == []


def test_corpus_hdf5_opens_and_lists_in_few_requests(s3: S3Server, corpus: Path) -> None:
    source = corpus / "pynwb42" / "basic_ecephys.nwb"
    url = f"s3://{BUCKET}/basic_ecephys.nwb"
    s3.upload(source, url)
    s3.log.reset()
    with nwbzarr.open(url, storage_options=s3.storage_options) as root:
        listed = list(root.walk())
        count = s3.log.count
    assert count <= 6, [(r.method, r.range) for r in s3.log.snapshot()]
    with nwbzarr.open(source) as local:
        assert [p for p, _ in listed] == [p for p, _ in local.walk()]


def test_hdf5_over_http_reads_values(session: Path, tmp_path: Path) -> None:
    shutil.copy(session, tmp_path / "session.nwb")
    with HTTPServer(tmp_path) as http:
        with nwbzarr.open(http.url("session.nwb")) as root:
            window = root.array("acquisition/ElectricalSeries/data")[1000:2000]
        assert http.log.count <= 6
    with nwbzarr.open(session) as local:
        np.testing.assert_array_equal(
            window, local.array("acquisition/ElectricalSeries/data")[1000:2000]
        )


def test_append_to_remote_zarr(s3: S3Server) -> None:
    url = f"s3://{BUCKET}/append.nwb.zarr"
    with nwbzarr.open(url, "w", storage_options=s3.storage_options) as root:
        root.create_array(
            "acquisition/ts/data",
            shape=(0, 4),
            dtype="float32",
            maxshape=(None, 4),
            chunks=(100, 4),
        )
    for i in range(3):
        with nwbzarr.open(url, "r+", storage_options=s3.storage_options) as root:
            root.array("acquisition/ts/data").append(np.full((100, 4), i, dtype="float32"))
    with nwbzarr.open(url, storage_options=s3.storage_options) as root:
        data = root.array("acquisition/ts/data")[...]
    assert data.shape == (300, 4)
    np.testing.assert_array_equal(data[::100, 0], [0, 1, 2])


def test_private_bucket_without_credentials_names_the_url(s3: S3Server, session: Path) -> None:
    s3.create_bucket("nwb-private")
    url = "s3://nwb-private/x.nwb"
    s3.upload(session, url)
    anonymous = {"anon": True, "client_kwargs": {"endpoint_url": s3.endpoint}}
    with pytest.raises(PermissionError, match=re.escape("s3://nwb-private/x.nwb: access denied")):
        nwbzarr.open(url, storage_options=anonymous)


def test_missing_object_is_file_not_found(s3: S3Server) -> None:
    with pytest.raises(FileNotFoundError, match=re.escape(f"s3://{BUCKET}/nothing-here.nwb")):
        nwbzarr.open(f"s3://{BUCKET}/nothing-here.nwb", storage_options=s3.storage_options)


def test_cross_store_links_resolve_from_urls(s3: S3Server, tmp_path: Path) -> None:
    """A Zarr session linking into an HDF5 file (and the reverse) works after upload."""
    with nwbzarr.open(tmp_path / "raw.nwb", "w") as raw:
        raw.create_array("acquisition/raw/data", np.arange(10.0))
    with nwbzarr.open(tmp_path / "session.nwb.zarr", "w") as sess:
        sess.set_link("acquisition/raw", nwbzarr.ExternalLink("../raw.nwb", "/acquisition/raw"))
    s3.upload(tmp_path / "raw.nwb", f"s3://{BUCKET}/linked/raw.nwb")
    s3.upload(tmp_path / "session.nwb.zarr", f"s3://{BUCKET}/linked/session.nwb.zarr")
    with nwbzarr.open(
        f"s3://{BUCKET}/linked/session.nwb.zarr", storage_options=s3.storage_options
    ) as root:
        np.testing.assert_array_equal(root.array("acquisition/raw/data")[:], np.arange(10.0))
