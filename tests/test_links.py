"""Links across files and formats: moving a set of files, uploading it, caching, cycles,
broken links, and the link policy for files opened from a URL (untrusted files)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import FORMATS, SUFFIX

import nwbzarr
from nwbzarr import ExternalLink, LinkError, LinkPolicyError
from nwbzarr.cli import main as cli_main

PAIRS = [(a, b) for a in FORMATS for b in FORMATS]
BUCKET = "nwb-links"


def relative_source(linking: Path, target: Path, linking_fmt: str) -> str:
    """The source of a link from ``linking`` to ``target`` as each format stores it."""
    base = linking if linking_fmt == "zarr" else linking.parent
    return os.path.relpath(target, base)


def make_raw(path: Path, values: np.ndarray) -> None:
    with nwbzarr.open(path, "w") as root:
        root.create_array("acquisition/raw/data", values, attrs={"unit": "volts"})


def make_session(path: Path, fmt: str, links: dict[str, ExternalLink]) -> None:
    with nwbzarr.open(path, "w", format=fmt) as root:
        root.create_array("general/notes", "linked session")
        for name, link in links.items():
            root.set_link(name, link)


@pytest.mark.parametrize(("session_fmt", "raw_fmt"), PAIRS)
def test_relative_links_survive_moving_the_set(
    session_fmt: str, raw_fmt: str, tmp_path: Path
) -> None:
    """Same-format and cross-format links are relative: the set moves as one."""
    values = np.arange(12.0).reshape(4, 3)
    first = tmp_path / "first"
    raw = first / "streams" / f"raw{SUFFIX[raw_fmt]}"
    session = first / "sessions" / f"session{SUFFIX[session_fmt]}"
    raw.parent.mkdir(parents=True)
    session.parent.mkdir(parents=True)
    make_raw(raw, values)
    source = relative_source(session, raw, session_fmt)
    make_session(
        session, session_fmt, {"acquisition/raw": ExternalLink(source, "/acquisition/raw")}
    )
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(first, moved)
    cwd = os.getcwd()
    os.chdir(tmp_path)  # resolution never depends on the working directory
    try:
        with nwbzarr.open(moved / "sessions" / session.name) as root:
            assert root.get_link("acquisition/raw") == ExternalLink(source, "/acquisition/raw")
            np.testing.assert_array_equal(root.array("acquisition/raw/data")[:], values)
            assert root["acquisition/raw/data"].attrs["unit"] == "volts"
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("fmt", FORMATS)
def test_link_targets_are_opened_once(fmt: str, tmp_path: Path) -> None:
    raw = tmp_path / "raw.nwb"
    make_raw(raw, np.arange(5.0))
    session = tmp_path / f"s{SUFFIX[fmt]}"
    source = relative_source(session, raw, fmt)
    make_session(
        session,
        fmt,
        {
            "acquisition/a": ExternalLink(source, "/acquisition/raw"),
            "acquisition/b": ExternalLink(source, "/acquisition/raw/data"),
        },
    )
    with nwbzarr.open(session) as root:
        first = root.array("acquisition/a/data")
        second = root.array("acquisition/b")
        assert first.file is second.file
        np.testing.assert_array_equal(second[:], np.arange(5.0))
    assert first.file.closed, "targets are closed with the file that opened them"


@pytest.mark.parametrize(("a_fmt", "b_fmt"), PAIRS)
def test_cycle_across_files_is_detected(a_fmt: str, b_fmt: str, tmp_path: Path) -> None:
    a, b = tmp_path / f"a{SUFFIX[a_fmt]}", tmp_path / f"b{SUFFIX[b_fmt]}"
    make_session(a, a_fmt, {"x": ExternalLink(relative_source(a, b, a_fmt), "/y")})
    make_session(b, b_fmt, {"y": ExternalLink(relative_source(b, a, b_fmt), "/x")})
    with nwbzarr.open(a) as root:
        with pytest.raises(LinkError, match="cycle"):
            root["x"]
        assert root.array("general/notes")[()] == "linked session"


@pytest.mark.parametrize("fmt", FORMATS)
def test_broken_link_fails_only_when_followed(fmt: str, tmp_path: Path) -> None:
    session = tmp_path / f"s{SUFFIX[fmt]}"
    make_session(
        session,
        fmt,
        {
            "acquisition/gone": ExternalLink("missing.nwb", "/acquisition/raw"),
            "acquisition/gone_zarr": ExternalLink("missing.nwb.zarr", "/acquisition/raw"),
        },
    )
    with nwbzarr.open(session) as root:
        assert root.array("general/notes")[()] == "linked session"  # the rest reads
        assert sorted(root.group("acquisition")) == ["gone", "gone_zarr"]
        for name, target in (("gone", "missing.nwb"), ("gone_zarr", "missing.nwb.zarr")):
            with pytest.raises(LinkError) as info:
                root[f"acquisition/{name}/data"]
            message = str(info.value)
            assert target in message and "/acquisition/raw" in message
            assert str(session) in message


def test_ls_marks_broken_links(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = tmp_path / "raw.nwb"
    make_raw(raw, np.arange(3.0))
    session = tmp_path / "s.nwb"
    make_session(
        session,
        "hdf5",
        {
            "acquisition/ok": ExternalLink("raw.nwb", "/acquisition/raw"),
            "acquisition/gone": ExternalLink("missing.nwb", "/acquisition/raw"),
        },
    )
    assert cli_main(["ls", str(session), "acquisition"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line}
    assert "BROKEN" in lines["gone"]
    assert "BROKEN" not in lines["ok"]


# --------------------------------------------------------------------------------------------
# Files opened from a URL: the link policy
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3() -> Iterator[object]:
    pytest.importorskip("moto")
    pytest.importorskip("obstore")
    from nwbzarr.testing.servers import S3Server

    with S3Server() as server:
        server.create_bucket(BUCKET, public=True)
        server.create_bucket("other-bucket", public=True)
        yield server


HOSTILE = {
    "passwd": "/etc/passwd",
    "file_url": "file:///etc/passwd",
    "other_host": "https://example.invalid/data.nwb",
    "other_bucket": "s3://other-bucket/raw.nwb",
    "escape": "../../../../raw.nwb",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_url_files_follow_links_to_their_own_origin_only(
    fmt: str, s3: object, tmp_path: Path
) -> None:
    from nwbzarr.testing.servers import S3Server

    assert isinstance(s3, S3Server)
    raw = tmp_path / "set" / "raw.nwb"
    raw.parent.mkdir()
    make_raw(raw, np.arange(4.0))
    shutil.copyfile(raw, tmp_path / "other.nwb")
    session = tmp_path / "set" / f"session{SUFFIX[fmt]}"
    links = {f"acquisition/{k}": ExternalLink(v, "/acquisition/raw") for k, v in HOSTILE.items()}
    links["acquisition/ok"] = ExternalLink(relative_source(session, raw, fmt), "/acquisition/raw")
    make_session(session, fmt, links)
    prefix = f"s3://{BUCKET}/{fmt}/set"
    s3.upload(raw, f"{prefix}/raw.nwb")
    s3.upload(session, f"{prefix}/{session.name}")
    s3.upload(raw, "s3://other-bucket/raw.nwb")
    url = f"{prefix}/{session.name}"
    with nwbzarr.open(url, storage_options=s3.storage_options) as root:
        np.testing.assert_array_equal(root.array("acquisition/ok/data")[:], np.arange(4.0))
        for name, source in HOSTILE.items():
            with pytest.raises(LinkPolicyError) as info:
                root[f"acquisition/{name}/data"]
            message = str(info.value)
            assert source in message and "refused" in message, message
            assert "links='all'" in message
            assert isinstance(info.value, LinkError)
    with nwbzarr.open(url, storage_options=s3.storage_options, links="all") as root:
        # allowed now: the other bucket is followed; /etc/passwd is followed and is no NWB file
        np.testing.assert_array_equal(
            root.array("acquisition/other_bucket/data")[:], np.arange(4.0)
        )
        with pytest.raises((LinkError, OSError)) as err:
            root["acquisition/passwd/data"]
        assert not isinstance(err.value, LinkPolicyError)
    with (
        nwbzarr.open(url, storage_options=s3.storage_options, links="none") as root,
        pytest.raises(LinkPolicyError, match="links='none'"),
    ):
        root["acquisition/ok/data"]


def test_local_files_follow_every_link_by_default(tmp_path: Path) -> None:
    raw = tmp_path / "a" / "raw.nwb"
    raw.parent.mkdir()
    make_raw(raw, np.arange(2.0))
    session = tmp_path / "b" / "s.nwb"
    session.parent.mkdir()
    make_session(session, "hdf5", {"x": ExternalLink(str(raw), "/acquisition/raw")})
    with nwbzarr.open(session) as root:
        np.testing.assert_array_equal(root.array("x/data")[:], np.arange(2.0))
    with nwbzarr.open(session, links="same-origin") as root:
        np.testing.assert_array_equal(root.array("x/data")[:], np.arange(2.0))
