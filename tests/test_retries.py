"""Transient remote errors (5xx, 429, dropped connections) are retried, boundedly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr.remote import RangeFile, fsspec_fetch, is_transient, retrying
from nwbzarr.testing.servers import HTTPServer, S3Server
from nwbzarr.virtual import build_index

# a remote test that hangs fails instead of stalling the suite (pytest-timeout)
pytestmark = pytest.mark.timeout(180)

BUCKET = "nwb-retry"
DATA = np.arange(100_000.0).reshape(-1, 10)


class Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, start: int, stop: int) -> bytes:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return bytes(range(256))[start:stop]


def test_transient_errors_are_retried() -> None:
    fetch = Flaky([ConnectionResetError("reset by peer"), OSError("x: 503 Service Unavailable")])
    f = RangeFile(retrying(fetch, "x", sleep=lambda s: None), 256, "x", retries=1)
    assert f.read(4) == bytes(range(4))
    assert fetch.calls == 3


def test_retries_are_bounded() -> None:
    fetch = Flaky([OSError("x: 500 InternalError")] * 100)
    delays: list[float] = []
    with pytest.raises(OSError, match="500") as info:
        retrying(fetch, "x", tries=5, sleep=delays.append)(0, 4)
    assert fetch.calls == 5
    assert len(delays) == 4 and max(delays) <= 2.0
    assert any("gave up after 5 attempts" in n for n in getattr(info.value, "__notes__", []))


def test_deadline_bounds_retries() -> None:
    fetch = Flaky([TimeoutError("timed out")] * 100)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        retrying(fetch, "x", tries=50, deadline_s=0.3, base_s=0.05, max_delay_s=0.1)(0, 4)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "err",
    [FileNotFoundError("x: no such object"), PermissionError("x: access denied (403)")],
)
def test_permanent_errors_fail_at_once(err: Exception) -> None:
    fetch = Flaky([err])
    with pytest.raises(type(err)):
        retrying(fetch, "x", sleep=lambda s: None)(0, 4)
    assert fetch.calls == 1
    assert not is_transient(err)


def test_is_transient() -> None:
    assert is_transient(OSError("s3://b/k: GenericError: ... status 429 Too Many Requests"))
    assert is_transient(ConnectionAbortedError())
    assert not is_transient(OSError("s3://b/k: asked for bytes 0-9, got 3 bytes"))


# ----------------------------------------------------------------------------- servers
@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("retry")
    with nwbzarr.open(d / "s.nwb", "w") as root:
        root.create_array("acquisition/x/data", DATA, chunks=(1000, 10))
    build_index(d / "s.nwb", d / "s.index.zarr")
    nwbzarr.convert(d / "s.nwb", d / "s.nwb.zarr", progress=False)
    return d


@pytest.fixture(scope="module")
def s3(files: Path) -> Iterator[S3Server]:
    pytest.importorskip("moto")
    with S3Server() as server:
        server.create_bucket(BUCKET)
        for name in ("s.nwb", "s.index.zarr", "s.nwb.zarr"):
            server.upload(files / name, f"s3://{BUCKET}/{name}")
        yield server


@pytest.mark.parametrize("failure", [503, 429, 500, "reset"])
@pytest.mark.parametrize("name", ["s.nwb", "s.index.zarr", "s.nwb.zarr"])
def test_s3_reads_survive_transient_failures(s3: S3Server, name: str, failure: int | str) -> None:
    s3.fail_next(3, failure)
    with nwbzarr.open(f"s3://{BUCKET}/{name}", storage_options=s3.storage_options) as root:
        np.testing.assert_array_equal(root.array("acquisition/x/data")[5000:5002], DATA[5000:5002])
    assert s3.failures.remaining == 0


def test_fsspec_path_retries_too(
    s3: S3Server, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NWBZARR_NO_OBSTORE", "1")
    s3.fail_next(2, 503)  # the file is one block, fetched on opening: fail those requests
    with nwbzarr.open(f"s3://{BUCKET}/s.nwb", storage_options=s3.storage_options) as root:
        array = root.array("acquisition/x/data")
        np.testing.assert_array_equal(array[9_000:9_002], DATA[9_000:9_002])
    assert s3.failures.remaining == 0


def test_a_stalled_request_is_given_up(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that does not answer (here: slower than the bound) is given up after
    REQUEST_TIMEOUT_S, retried within the retry deadline, and the read fails in bounded time
    (s3fs and botocore alone would wait and retry for minutes)."""
    import fsspec

    import nwbzarr.remote

    fs = fsspec.filesystem("s3", skip_instance_cache=True, **s3.storage_options)
    path = f"{BUCKET}/s.nwb"
    f = RangeFile(fsspec_fetch(fs, path), fs.size(path), path, block_size=4096)
    assert f.read(8) == b"\x89HDF\r\n\x1a\n"
    monkeypatch.setattr(nwbzarr.remote, "REQUEST_TIMEOUT_S", 0.5)
    s3.latency_ms = 3000
    started = time.monotonic()
    try:
        f.seek(500_000)
        with pytest.raises(TimeoutError) as info:
            f.read(10)
    finally:
        s3.latency_ms = 0
    assert time.monotonic() - started < 20
    assert any("gave up after" in note for note in getattr(info.value, "__notes__", []))


def test_persistent_failure_gives_up_in_bounded_time(s3: S3Server) -> None:
    s3.fail_next(1000, 503)
    started = time.monotonic()
    try:
        with pytest.raises(OSError):
            nwbzarr.open(f"s3://{BUCKET}/s.nwb", storage_options=s3.storage_options)
    finally:
        s3.fail_next(0)
    assert time.monotonic() - started < 30


def test_http_reads_survive_transient_failures(files: Path) -> None:
    with HTTPServer(files, fail_first=2) as http:
        with nwbzarr.open(http.url("s.nwb")) as root:
            np.testing.assert_array_equal(root.array("acquisition/x/data")[:2], DATA[:2])
        assert http.failures.injected == 2
