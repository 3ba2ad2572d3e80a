"""One ``storage_options`` for every remote location of a call (issue 15, item 5).

``storage_options`` names the endpoint for the source and the destination alike, as fsspec,
zarr and xarray take it; ``src_storage_options`` / ``dst_storage_options`` replace it for one
side. Checked on a local moto S3 endpoint: the writes reach the endpoint the options name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr.cli import main as cli_main
from nwbzarr.storage import call_options
from nwbzarr.testing.servers import S3Server

pytest.importorskip("moto")
pytest.importorskip("s3fs")

BUCKET = "nwb-options"
# an endpoint nothing listens on: a side given these options fails if they are used
NOWHERE = {"key": "k", "secret": "s", "client_kwargs": {"endpoint_url": "http://127.0.0.1:9"}}
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        server.create_bucket(BUCKET)
        yield server


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small local HDF5 NWB file with one TimeSeries."""
    path = tmp_path_factory.mktemp("options") / "session.nwb"
    with nwbzarr.open(path, "w") as root:
        root.attrs["neurodata_type"] = "NWBFile"
        series = root.create_group("acquisition/ts", {"neurodata_type": "TimeSeries"})
        series.create_array("data", np.arange(600, dtype=np.float64).reshape(200, 3))
        series.create_array("starting_time", np.float64(0.0), attrs={"rate": np.float64(10.0)})
    return path


def _puts(s3: S3Server, key: str) -> list[str]:
    """Paths of the PUT requests the endpoint received under ``BUCKET/key``."""
    prefix = f"/{BUCKET}/{key}"
    return [r.path for r in s3.log.snapshot() if r.method == "PUT" and r.path.startswith(prefix)]


def _data(path_or_url: str | Path, options: dict[str, Any] | None = None) -> Any:
    with nwbzarr.open(path_or_url, storage_options=options) as root:
        return root.array("acquisition/ts/data")[...]


def test_call_options_apply_to_both_sides_unless_one_is_given() -> None:
    shared, own = {"anon": True}, {"anon": False}
    assert call_options(shared) == (shared, shared)
    assert call_options(shared, src_storage_options=own) == (own, shared)
    assert call_options(shared, dst_storage_options=own) == (shared, own)
    assert call_options(None) == (None, None)


def test_convert_writes_to_the_endpoint_storage_options_name(s3: S3Server, session: Path) -> None:
    url = f"s3://{BUCKET}/convert.nwb.zarr"
    s3.log.reset()
    nwbzarr.convert(session, url, storage_options=s3.storage_options, progress=False)
    assert f"/{BUCKET}/convert.nwb.zarr/zarr.json" in _puts(s3, "convert.nwb.zarr")
    np.testing.assert_array_equal(_data(url, s3.storage_options), _data(session))


def test_remote_to_remote_takes_one_set_of_options(s3: S3Server, session: Path) -> None:
    src = f"s3://{BUCKET}/both-src.nwb.zarr"
    dst = f"s3://{BUCKET}/both-dst.nwb.zarr"
    nwbzarr.convert(session, src, storage_options=s3.storage_options, progress=False)
    s3.log.reset()
    nwbzarr.convert(src, dst, storage_options=s3.storage_options, progress=False)
    assert _puts(s3, "both-dst.nwb.zarr")
    np.testing.assert_array_equal(_data(dst, s3.storage_options), _data(session))


def test_side_options_replace_the_shared_ones(s3: S3Server, session: Path) -> None:
    src = f"s3://{BUCKET}/side-src.nwb.zarr"
    nwbzarr.convert(session, src, dst_storage_options=s3.storage_options, progress=False)
    # the shared options point nowhere: each side uses only its own
    nwbzarr.convert(
        src,
        f"s3://{BUCKET}/side-dst.nwb.zarr",
        storage_options=NOWHERE,
        src_storage_options=s3.storage_options,
        dst_storage_options=s3.storage_options,
        progress=False,
    )
    np.testing.assert_array_equal(
        _data(f"s3://{BUCKET}/side-dst.nwb.zarr", s3.storage_options), _data(session)
    )


def test_export_and_index_take_one_set_of_options(s3: S3Server, session: Path) -> None:
    s3.log.reset()
    nwbzarr.export(session, f"s3://{BUCKET}/export.nwb.zarr", storage_options=s3.storage_options)
    nwbzarr.index(session, f"s3://{BUCKET}/index.nwb.zarr", storage_options=s3.storage_options)
    assert _puts(s3, "export.nwb.zarr") and _puts(s3, "index.nwb.zarr")
    for name in ("export.nwb.zarr", "index.nwb.zarr"):
        url = f"s3://{BUCKET}/{name}"
        np.testing.assert_array_equal(_data(url, s3.storage_options), _data(session))


def test_cli_storage_option_applies_to_the_destination(
    s3: S3Server, session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"s3://{BUCKET}/cli.nwb.zarr"
    endpoint = s3.storage_options["client_kwargs"]["endpoint_url"]
    args = [f"{k}={v}" for k, v in s3.storage_options.items() if k != "client_kwargs"]
    args.append(f'client_kwargs={{"endpoint_url": "{endpoint}"}}')
    options = [arg for kv in args for arg in ("-s", kv)]
    assert cli_main(["convert", str(session), url, "--no-progress", *options]) == 0
    assert f"wrote {url}" in capsys.readouterr().out
    np.testing.assert_array_equal(_data(url, s3.storage_options), _data(session))


def test_xarray_engine_takes_storage_options(s3: S3Server, session: Path) -> None:
    xr = pytest.importorskip("xarray")
    url = f"s3://{BUCKET}/xarray.nwb.zarr"
    nwbzarr.convert(session, url, storage_options=s3.storage_options, progress=False)
    tree = xr.open_datatree(url, engine="nwbzarr", storage_options=s3.storage_options)
    np.testing.assert_array_equal(tree["acquisition/ts"]["data"].values, _data(session))
    tree.close()
    ds = xr.open_dataset(
        url, engine="nwbzarr", group="/acquisition/ts", storage_options=s3.storage_options
    )
    np.testing.assert_array_equal(ds["data"].values, _data(session))
    ds.close()


def test_index_gives_each_side_its_own_options(s3: S3Server, session: Path) -> None:
    url = f"s3://{BUCKET}/index-side.nwb.zarr"
    nwbzarr.index(session, url, src_storage_options=NOWHERE, dst_storage_options=s3.storage_options)
    np.testing.assert_array_equal(_data(url, s3.storage_options), _data(session))


def test_zarr_python_and_nwbzarr_share_a_process_on_one_url(
    s3: S3Server, session: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through fsspec (aiohttp sessions bind to the loop they first ran on): nwbzarr's store
    calls run on its own loop with file systems of its own, zarr-python's on zarr's."""
    zarr = pytest.importorskip("zarr")
    monkeypatch.setenv("NWBZARR_NO_OBSTORE", "1")
    url = f"s3://{BUCKET}/shared.nwb.zarr"
    nwbzarr.convert(session, url, storage_options=s3.storage_options, progress=False)
    expected = _data(session)
    fsspec = pytest.importorskip("fsspec")
    from nwbzarr.backends.zarr_stores import zarr_store

    ours = zarr_store(nwbzarr.storage.resolve(url, s3.storage_options), "r").fs
    theirs, _ = fsspec.core.url_to_fs(url, asynchronous=True, **s3.storage_options)
    assert ours is not theirs and ours.asynchronous
    for _ in range(2):  # each in turn, twice: neither one's session is the other's
        group = zarr.open_group(url, mode="r", storage_options=s3.storage_options)
        np.testing.assert_array_equal(group["acquisition/ts/data"][...], expected)
        np.testing.assert_array_equal(_data(url, s3.storage_options), expected)
