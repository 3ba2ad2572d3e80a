"""Remote locations are told by their content, in no more requests than opening needs anyway.

The first bytes of a remote object are read once, through the file object that the HDF5 (or
reference file) open then reads on from: an HDF5 file under a suffix-less name (DANDI's S3
blobs) opens in as many requests as under ``.nwb``, and a kerchunk or LINDI reference file
is recognised whatever its name. A prefix with no object is an Icechunk repository (its
``repo`` object) or a Zarr store (its root document). Local S3 (moto) and HTTP servers count
the requests.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import h5py
import numpy as np
import pytest
from support.h5compare import differences, tree_reader
from support.lindi_files import write_lindi, write_session

import nwbzarr
from nwbzarr.errors import FormatError
from nwbzarr.storage import HDF5_SIGNATURE, TAR_ENTRY, detect, format_of_head, resolve
from nwbzarr.testing.servers import HTTPServer, Request, S3Server

pytest.importorskip("moto")
pytestmark = pytest.mark.timeout(600)

BUCKET = "detect-bucket"
SERIES = "acquisition/ElectricalSeries/data"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        server.create_bucket(BUCKET, public=True)
        yield server


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pynwb session and its LINDI indexes (JSON and tar, references relative to it)."""
    folder = tmp_path_factory.mktemp("detect")
    session = write_session(folder / "session.nwb")
    write_lindi(session, folder / "session.nwb.lindi.json")
    write_lindi(session, folder / "session.nwb.lindi.tar")
    return folder


def _shape(log: list[Request]) -> list[tuple[str, str | None]]:
    """Requests without their paths: what a renamed object must repeat exactly."""
    return [(r.method, r.range) for r in log]


def _open_and_read(url: str, options: dict[str, object] | None) -> tuple[str, np.ndarray]:
    with nwbzarr.open(url, storage_options=options) as root:
        listed = len(list(root.walk()))
        assert listed > 10
        return root.file.storage_format, root.array(SERIES)[1000:1100]


def _expected(files: Path) -> np.ndarray:
    with h5py.File(files / "session.nwb", "r") as f:
        data = f[SERIES]
        assert isinstance(data, h5py.Dataset)
        return np.asarray(data[1000:1100])


# --------------------------------------------------------------------------------------------
# HDF5: a suffix-less object costs nothing more than a .nwb one
# --------------------------------------------------------------------------------------------
def test_hdf5_without_suffix_on_s3_opens_in_the_requests_of_nwb(s3: S3Server, files: Path) -> None:
    shapes = []
    for key in ("named/session.nwb", "blobs/0a1b2c3d"):
        url = f"s3://{BUCKET}/{key}"
        s3.upload(files / "session.nwb", url)
        s3.log.reset()
        fmt, window = _open_and_read(url, s3.storage_options)
        log = s3.log.snapshot()
        assert fmt == "hdf5"
        assert all(r.path.startswith(f"/{BUCKET}/{key}") for r in log), log
        np.testing.assert_array_equal(window, _expected(files))
        shapes.append(_shape(log))
    assert shapes[0] == shapes[1]
    assert shapes[0][0] == ("HEAD", None)  # the size, then ranged reads only
    assert all(method == "GET" for method, _ in shapes[0][1:])


@pytest.mark.parametrize("name", ["blob", "blob?x=1"])
def test_hdf5_without_suffix_over_http_opens_in_the_requests_of_nwb(
    files: Path, tmp_path: Path, name: str
) -> None:
    shutil.copy(files / "session.nwb", tmp_path / "session.nwb")
    shutil.copy(files / "session.nwb", tmp_path / "blob")
    with HTTPServer(tmp_path) as http:
        counts = []
        for url in (http.url("session.nwb"), http.url(name)):
            http.log.reset()
            fmt, window = _open_and_read(url, None)
            assert fmt == "hdf5"
            np.testing.assert_array_equal(window, _expected(files))
            counts.append(http.log.count)
        if "?" in name:  # the query is sent as it is (a signed URL stays signed)
            assert {r.path for r in http.log.snapshot()} == {"/blob?x=1"}
    assert counts[1] <= counts[0]


# --------------------------------------------------------------------------------------------
# reference files under any name
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".lindi.json", ".lindi.tar"])
def test_lindi_file_renamed_on_s3_opens_and_reads_equal(
    s3: S3Server, files: Path, suffix: str
) -> None:
    s3.upload(files / "session.nwb", f"s3://{BUCKET}/lindi/session.nwb")
    shapes = []
    for key in (f"lindi/session.nwb{suffix}", f"lindi/{suffix.strip('.').replace('.', '')}"):
        url = f"s3://{BUCKET}/{key}"
        s3.upload(files / f"session.nwb{suffix}", url)
        s3.log.reset()
        with nwbzarr.open(url, storage_options=s3.storage_options) as root:
            shapes.append(_shape(s3.log.snapshot()))
            assert root.file.storage_format == "references"
            assert differences(files / "session.nwb", tree_reader(root)) == []
    assert shapes[0] == shapes[1]


def test_kerchunk_file_renamed_on_s3_opens_and_reads_equal(
    s3: S3Server, files: Path, tmp_path: Path
) -> None:
    source = f"s3://{BUCKET}/kc/session.nwb"
    s3.upload(files / "session.nwb", source)
    local = tmp_path / "session.kerchunk.json"
    nwbzarr.index(source, local, format="kerchunk", storage_options=s3.storage_options)
    url = f"s3://{BUCKET}/kc/abc"
    s3.upload(local, url)
    fmt, window = _open_and_read(url, s3.storage_options)
    assert fmt == "references"
    np.testing.assert_array_equal(window, _expected(files))


def test_lindi_file_with_a_query_over_http(files: Path, tmp_path: Path) -> None:
    shutil.copy(files / "session.nwb", tmp_path / "session.nwb")
    shutil.copy(files / "session.nwb.lindi.json", tmp_path / "blob")
    with HTTPServer(tmp_path) as http:
        fmt, window = _open_and_read(http.url("blob?x=1"), None)
        assert [r.path for r in http.log.snapshot()][:2] == ["/blob?x=1", "/blob?x=1"]
    assert fmt == "references"
    np.testing.assert_array_equal(window, _expected(files))


# --------------------------------------------------------------------------------------------
# prefixes: Icechunk repositories and Zarr stores; what is none of them
# --------------------------------------------------------------------------------------------
def test_icechunk_repository_and_zarr_store_without_suffix(s3: S3Server, files: Path) -> None:
    pytest.importorskip("icechunk")
    options = s3.storage_options
    for fmt, url in (("icechunk", f"s3://{BUCKET}/repos/r1"), ("zarr", f"s3://{BUCKET}/z/z1")):
        nwbzarr.convert(files / "session.nwb", url, format=fmt, dst_storage_options=options)
        assert detect(resolve(url, options)).format == fmt
        with (
            nwbzarr.open(url, storage_options=options) as root,
            nwbzarr.open(files / "session.nwb") as local,
        ):
            assert root.file.storage_format == fmt
            assert root.file.transactional == (fmt == "icechunk")
            np.testing.assert_array_equal(root.array(SERIES)[:100], local.array(SERIES)[:100])


def test_nothing_there_and_something_else(s3: S3Server, tmp_path: Path) -> None:
    url = f"s3://{BUCKET}/nothing/here"
    message = f"{url}: no such object, nor a Zarr store or Icechunk repository under it"
    with pytest.raises(FileNotFoundError, match=re.escape(message)):
        nwbzarr.open(url, storage_options=s3.storage_options)
    (tmp_path / "text").write_text("just some text\n")
    s3.upload(tmp_path / "text", f"s3://{BUCKET}/other/text")
    message = (
        f"s3://{BUCKET}/other/text: not an HDF5 file (signature b'just som'), not a reference "
        "file (kerchunk, LINDI), and no Zarr store or Icechunk repository under it"
    )
    with pytest.raises(FormatError, match=re.escape(message)):
        nwbzarr.open(f"s3://{BUCKET}/other/text", storage_options=s3.storage_options)


# --------------------------------------------------------------------------------------------
# the first bytes, local and remote alike
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (HDF5_SIGNATURE + bytes(100), "hdf5"),
        (bytes(512) + HDF5_SIGNATURE + bytes(8), "hdf5"),  # after a 512-byte user block
        (bytes(2048) + HDF5_SIGNATURE, "hdf5"),
        (bytes(700) + HDF5_SIGNATURE, None),  # not where a user block can end
        (b'  {"version": 1, "refs": {".zgroup": "{}"}}', "references"),
        (b'{".zgroup": "{\\"zarr_format\\": 2}"}', "references"),  # kerchunk version 0
        (b'{"name": "not references"}', None),
        (TAR_ENTRY.encode() + bytes(257 - len(TAR_ENTRY)) + b"ustar\x0000", "references"),
        (bytes(257) + b"ustar\x0000", None),  # a tar, but not LINDI's
        (b"", None),
    ],
)
def test_format_of_head(head: bytes, expected: str | None) -> None:
    assert format_of_head(head) == expected


def test_local_reference_file_without_suffix(files: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "refs"
    document = json.loads((files / "session.nwb.lindi.json").read_text())
    renamed.write_text(json.dumps(document))
    shutil.copy(files / "session.nwb", tmp_path / "session.nwb")
    assert detect(resolve(renamed)).format == "references"
    with nwbzarr.open(renamed) as root:
        assert root.file.storage_format == "references"
        np.testing.assert_array_equal(root.array(SERIES)[1000:1100], _expected(files))


def test_convert_and_the_xarray_engine_take_a_suffixless_object(
    s3: S3Server, files: Path, tmp_path: Path
) -> None:
    xr = pytest.importorskip("xarray")
    url = f"s3://{BUCKET}/blobs/e5f6"
    s3.upload(files / "session.nwb", url)
    out = tmp_path / "session.nwb.zarr"
    nwbzarr.convert(url, out, storage_options=s3.storage_options, progress=False)
    with nwbzarr.open(out) as root:
        np.testing.assert_array_equal(root.array(SERIES)[1000:1100], _expected(files))
    tree = xr.open_datatree(url, engine="nwbzarr", storage_options=s3.storage_options)
    try:
        series = tree["acquisition/ElectricalSeries"].to_dataset()
        np.testing.assert_array_equal(series["data"][1000:1100].values, _expected(files))
    finally:
        tree.close()


def test_a_bucket_that_may_not_be_listed_answers_403_for_missing_keys(files: Path) -> None:
    """S3 denies (403) a missing key to readers that may not list the bucket: the object
    probe's denial is not the answer while a repository or store is under the prefix."""
    with S3Server() as s3:
        s3.create_bucket("unlisted", public=True)
        options = s3.storage_options
        found = [("hdf5", "s3://unlisted/blobs/0a1b")]
        s3.upload(files / "session.nwb", found[0][1])
        for fmt, url in (("zarr", "s3://unlisted/z/one"), ("icechunk", "s3://unlisted/r/one")):
            if fmt == "icechunk" and importlib.util.find_spec("icechunk") is None:
                continue
            nwbzarr.convert(files / "session.nwb", url, format=fmt, dst_storage_options=options)
            found.append((fmt, url))
        s3.unlisted.add("unlisted")  # from now on, as S3 answers readers without s3:ListBucket
        for fmt, url in found:
            assert detect(resolve(url, options)).format == fmt
            with nwbzarr.open(url, storage_options=options) as root:
                assert root.file.storage_format == fmt
                np.testing.assert_array_equal(root.array(SERIES)[1000:1100], _expected(files))
        with pytest.raises(PermissionError, match=re.escape("s3://unlisted/none: access denied")):
            nwbzarr.open("s3://unlisted/none", storage_options=options)
