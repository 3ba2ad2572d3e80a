"""Icechunk repositories as a storage format: the NWB-Zarr v3 tree inside, one commit per write.

Covers conversion into and out of a repository (every value and attribute kept), plain
zarr-python and xarray reading it without nwbzarr, versions (snapshot, branch, tag), one
commit per flush, concurrent writers, the xarray engine, the command line, and S3 (moto).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from append_writer import block
from conftest import ecephys_as
from test_append import ROWS, check_blocks, new_stream_file

import nwbzarr
from nwbzarr import CommitConflictError, VersionNotFoundError
from nwbzarr.testing import tree_diff

icechunk = pytest.importorskip("icechunk")
zarr = pytest.importorskip("zarr")

ROOT = Path(__file__).resolve().parents[1]
KILL_BLOCKS = 1_000  # more than a writer appends before it is killed


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """basic_ecephys.nwb as pynwb 4.2 wrote it."""
    return ecephys_as("hdf5", tmp_path_factory)


@pytest.fixture(scope="module")
def repo_path(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ecephys session converted into a new local repository (no suffix: found by content)."""
    dst = tmp_path_factory.mktemp("ic") / "session"
    nwbzarr.convert(source, dst, format="icechunk")
    return dst


def plain_repo(path: Path) -> object:
    return icechunk.Repository.open(icechunk.local_filesystem_storage(str(path)))


def commits(path: Path, branch: str = "main") -> list[str]:
    repo = plain_repo(path)
    return [c.message for c in repo.ancestry(branch=branch)]  # type: ignore[attr-defined]


def test_convert_into_a_repository_keeps_every_node(source: Path, repo_path: Path) -> None:
    with nwbzarr.open(source) as want, nwbzarr.open(repo_path) as got:
        assert got.file.transactional and got.file.format == "zarr"
        assert tree_diff(want, got) == []
    assert commits(repo_path) == [f"nwbzarr convert {source}", "Repository initialized"]


def test_a_repository_converts_back_to_hdf5_and_zarr(
    source: Path, repo_path: Path, tmp_path: Path
) -> None:
    for dst in (tmp_path / "back.nwb", tmp_path / "back.nwb.zarr"):
        nwbzarr.convert(repo_path, dst)
        with nwbzarr.open(source) as want, nwbzarr.open(dst) as got:
            assert tree_diff(want, got) == []


def test_zarr_and_xarray_read_the_repository_without_nwbzarr(source: Path, repo_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    store = plain_repo(repo_path).readonly_session("main").store  # type: ignore[attr-defined]
    group = zarr.open_group(store, mode="r")
    data = group["acquisition/ElectricalSeries/data"]
    with nwbzarr.open(source) as root:
        want = root.array("acquisition/ElectricalSeries/data")[...]
    np.testing.assert_array_equal(data[...], want)
    assert group["acquisition/ElectricalSeries"].attrs["neurodata_type"] == "ElectricalSeries"
    ds = xr.open_zarr(store, group="acquisition/ElectricalSeries", consolidated=False)
    assert ds["data"].dims == ("time", "channel")
    np.testing.assert_array_equal(ds["data"].values, want)


def test_the_xarray_engine_opens_a_repository(repo_path: Path, source: Path) -> None:
    xr = pytest.importorskip("xarray")
    tree = xr.open_datatree(repo_path, engine="nwbzarr")
    with nwbzarr.open(source) as root:
        want = root.array("acquisition/ts_rate/data")[...]
    np.testing.assert_array_equal(tree["acquisition/ts_rate"]["data"].values, want)
    tree.close()


def test_the_command_line_converts_a_repository(repo_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli.nwb"
    run = subprocess.run(
        [sys.executable, "-m", "nwbzarr.cli", "convert", str(repo_path), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    with nwbzarr.open(repo_path) as want, nwbzarr.open(out) as got:
        assert tree_diff(want, got) == []


# --------------------------------------------------------------------------------------------
# commits and versions
# --------------------------------------------------------------------------------------------
@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    """A repository with one array ``/data`` = [0, 1, 2] in its first commit."""
    path = tmp_path / "small.icechunk"
    with nwbzarr.open(path, "w", message="first") as root:
        root.attrs["neurodata_type"] = "NWBFile"
        root.create_array("data", np.arange(3), maxshape=(None,), chunks=(4,))
    return path


def test_each_flush_is_one_commit_with_its_message(small_repo: Path) -> None:
    with nwbzarr.open(small_repo, "r+", message="append") as root:
        data = root.array("data")
        data.resize((6,))
        data[3:6] = [3, 4, 5]
        root.file.flush()
        data.resize((9,))
        data[6:9] = [6, 7, 8]
    assert commits(small_repo) == ["append", "append", "first", "Repository initialized"]
    with nwbzarr.open(small_repo) as root:
        np.testing.assert_array_equal(root.array("data")[...], np.arange(9))


def test_snapshot_branch_and_tag_read_their_version(small_repo: Path) -> None:
    repo = plain_repo(small_repo)
    first = repo.lookup_branch("main")  # type: ignore[attr-defined]
    repo.create_tag("v1", first)  # type: ignore[attr-defined]
    with nwbzarr.open(small_repo, "r+", branch="edit", message="on a branch") as root:
        root.array("data")[0] = 100
    with nwbzarr.open(small_repo, "a") as root:
        root.array("data")[1] = 200
    versions = {
        "main": nwbzarr.open(small_repo),
        "edit": nwbzarr.open(small_repo, branch="edit"),
        "tag": nwbzarr.open(small_repo, tag="v1"),
        "snapshot": nwbzarr.open(small_repo, snapshot=first),
    }
    seen = {k: root.array("data")[...].tolist() for k, root in versions.items()}
    for root in versions.values():
        root.close()
    assert seen == {
        "main": [0, 200, 2],
        "edit": [100, 1, 2],
        "tag": [0, 1, 2],
        "snapshot": [0, 1, 2],
    }


def test_an_unknown_version_names_what_the_repository_has(small_repo: Path) -> None:
    with pytest.raises(VersionNotFoundError) as err:
        nwbzarr.open(small_repo, branch="nope")
    assert str(err.value) == (
        f"{small_repo}: no branch 'nope' in this Icechunk repository (it has: main)"
    )
    with pytest.raises(VersionNotFoundError, match="no snapshot 'not-an-id' in this Icechunk"):
        nwbzarr.open(small_repo, snapshot="not-an-id")
    with pytest.raises(VersionNotFoundError, match=r"no tag 'v9' in .* \(it has: none\)"):
        nwbzarr.open(small_repo, tag="v9")
    empty = plain_commit(small_repo, "Repository initialized")
    with pytest.raises(FileNotFoundError, match=f"snapshot {empty} of this Icechunk repository"):
        nwbzarr.open(small_repo, snapshot=empty)
    with pytest.raises(ValueError, match="branch=, tag= name versions of Icechunk"):
        nwbzarr.open(ROOT / "tests", branch="main", tag="v1", format="zarr")


def test_a_concurrent_writer_gets_a_conflict_naming_repository_and_branch(
    small_repo: Path,
) -> None:
    first = nwbzarr.open(small_repo, "r+")
    second = nwbzarr.open(small_repo, "r+")
    second.array("data")[0] = 7
    second.close()
    first.array("data")[1] = 8
    with pytest.raises(CommitConflictError) as err:
        first.file.flush()
    assert str(err.value) == (
        f"{small_repo}: commit to branch 'main' refused: another writer committed to it "
        "after this writer opened it; nothing of this write was committed "
        "(open the repository again and repeat the write)"
    )
    first.close()
    with nwbzarr.open(small_repo) as root:
        assert root.array("data")[...].tolist() == [7, 1, 2]


def test_an_aborted_write_commits_nothing(small_repo: Path) -> None:
    root = nwbzarr.open(small_repo, "r+")
    root.array("data")[0] = 99
    root.file.abort()
    assert commits(small_repo) == ["first", "Repository initialized"]


def test_writing_over_a_repository_is_a_new_commit(small_repo: Path) -> None:
    with nwbzarr.open(small_repo, "w", overwrite=True, message="again") as root:
        root.create_array("other", np.ones(2))
    with nwbzarr.open(small_repo) as root:
        assert list(root) == ["other"]
    with nwbzarr.open(small_repo, tag=None, snapshot=plain_commit(small_repo, "first")) as root:
        assert list(root) == ["data"]


def plain_commit(path: Path, message: str) -> str:
    repo = plain_repo(path)
    for c in repo.ancestry(branch="main"):  # type: ignore[attr-defined]
        if c.message == message:
            return str(c.id)
    raise AssertionError(message)


def test_model_write_to_a_repository(tmp_path: Path) -> None:
    nwbfile = nwbzarr.NWBFile(
        session_description="icechunk",
        identifier="ic1",
        session_start_time=datetime(2024, 1, 1, tzinfo=UTC),
    )
    nwbfile.add_acquisition(
        nwbzarr.TimeSeries(name="ts", data=np.arange(10.0), rate=10.0, unit="V")
    )
    path = tmp_path / "model"
    nwbzarr.write(nwbfile, path, format="icechunk")
    back = nwbzarr.read(path)
    series = back.acquisition["ts"]
    assert isinstance(series, nwbzarr.TimeSeries)
    np.testing.assert_array_equal(series.data[:], np.arange(10.0))
    assert back.identifier == "ic1"


# --------------------------------------------------------------------------------------------
# S3 (moto)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3() -> Iterator[object]:
    pytest.importorskip("moto")
    from nwbzarr.testing.servers import S3Server

    with S3Server() as server:
        server.create_bucket("ic-bucket")
        yield server


def test_a_repository_on_s3_round_trips(s3: object, source: Path, tmp_path: Path) -> None:
    options = s3.storage_options  # type: ignore[attr-defined]
    url = "s3://ic-bucket/sessions/one"
    nwbzarr.convert(source, url, format="icechunk", dst_storage_options=options)
    with nwbzarr.open(url, storage_options=options) as got, nwbzarr.open(source) as want:
        assert got.file.transactional and got.file.format == "zarr"
        assert tree_diff(want, got) == []
    with nwbzarr.open(url, "r+", storage_options=options, message="s3 edit") as root:
        root.array("acquisition/ts_rate/data")[0] = [9, 9]
    with nwbzarr.open(url, storage_options=options) as root:
        assert root.array("acquisition/ts_rate/data")[0].tolist() == [9, 9]


# --------------------------------------------------------------------------------------------
# a writer killed while appending
# --------------------------------------------------------------------------------------------
def whole_blocks(path: Path) -> int:
    """The blocks a reader sees: data and timestamps of equal length, whole blocks only,
    every one with its values (the last commit, whole)."""
    with nwbzarr.open(path) as root:
        rows = root.array("acquisition/stream/data").shape[0]
        assert root.array("acquisition/stream/timestamps").shape[0] == rows
    assert rows % ROWS == 0, rows
    check_blocks(path, rows // ROWS)
    return rows // ROWS


def run_polling_and_kill(path: Path, target: int, rng: random.Random) -> tuple[int, int]:
    """Start the appending writer, read the repository while it writes; once it reported
    ``target`` blocks done, SIGKILL it at a random moment of the next appends. Returns the
    blocks it reported done and the number of reads made meanwhile."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.append_writer", str(path), str(KILL_BLOCKS), str(ROWS)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), ICECHUNK_LOG="error"),
    )
    assert proc.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    reads = 0
    deadline = time.monotonic() + 120
    while len(lines) < target and proc.poll() is None and time.monotonic() < deadline:
        whole_blocks(path)
        reads += 1
    time.sleep(rng.uniform(0.0, 0.3))  # somewhere inside the next appends
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    reader.join(timeout=60)
    return sum(line.startswith("done ") for line in lines), reads


def test_a_writer_killed_while_appending_leaves_the_last_commit_whole(tmp_path: Path) -> None:
    rng = random.Random(15)
    for trial in range(3):
        path = tmp_path / f"killed{trial}.icechunk"
        new_stream_file(path)
        done, reads = run_polling_and_kill(path, rng.randrange(1, 6), rng)
        assert reads > 0 and 0 < done < KILL_BLOCKS
        seen = whole_blocks(path)
        # the kill came after the last "done" line, or between a commit and its line
        assert seen in (done, done + 1), (seen, done)
        # no repair: the next writer appends to what the last commit holds
        nwbfile = nwbzarr.read(path, mode="r+")
        series = nwbfile.acquisition["stream"]
        assert isinstance(series, nwbzarr.TimeSeries) and nwbfile.source_node is not None
        series.append(*block(seen, ROWS))
        nwbfile.source_node.file.close()
        assert whole_blocks(path) == seen + 1


def test_a_repository_is_found_by_its_content_not_its_name(
    s3: object, small_repo: Path, tmp_path: Path
) -> None:
    options = s3.storage_options  # type: ignore[attr-defined]
    local = tmp_path / "looks-like.nwb.zarr"
    nwbzarr.convert(small_repo, local, format="icechunk")
    url = "s3://ic-bucket/looks-like.nwb.zarr"
    nwbzarr.convert(small_repo, url, format="icechunk", dst_storage_options=options)
    for where, opts in ((local, None), (url, options)):
        with nwbzarr.open(where, storage_options=opts) as root:
            assert root.file.transactional
            assert root.array("data")[...].tolist() == [0, 1, 2]


def test_nwbzarrio_reads_and_writes_repositories(small_repo: Path, tmp_path: Path) -> None:
    nwbfile = nwbzarr.NWBFile(
        session_description="io",
        identifier="io1",
        session_start_time=datetime(2024, 1, 1, tzinfo=UTC),
    )
    path = tmp_path / "io.icechunk"
    with nwbzarr.NWBZarrIO(path, "w") as io:
        io.write(nwbfile)
    assert commits(path)[0] == "nwbzarr 0.1.0: write"
    with nwbzarr.NWBZarrIO(path, "r") as io:
        assert io.read().identifier == "io1"
    assert nwbzarr.NWBZarrIO.can_read(path) and not nwbzarr.NWBHDF5IO.can_read(path)
    with pytest.raises(nwbzarr.FormatError, match="open it with NWBZarrIO"):
        nwbzarr.NWBHDF5IO(path, "r")


def test_icechunk_is_imported_only_for_repositories(source: Path, repo_path: Path) -> None:
    code = (
        "import sys, nwbzarr\n"
        f"nwbzarr.open({str(source)!r}).close()\n"
        "assert 'icechunk' not in sys.modules, 'imported for an HDF5 file'\n"
        f"nwbzarr.open({str(repo_path)!r}).close()\n"
        "assert 'icechunk' in sys.modules\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert run.returncode == 0, run.stderr


def test_a_file_without_suffix_on_s3_is_still_hdf5(s3: object, source: Path) -> None:
    options = s3.storage_options  # type: ignore[attr-defined]
    url = "s3://ic-bucket/blobs/0a1b2c"
    s3.upload(source, url)  # type: ignore[attr-defined]
    with nwbzarr.open(url, storage_options=options) as root:
        assert root.file.format == "hdf5" and not root.file.transactional


# --------------------------------------------------------------------------------------------
# Icechunk's logs
# --------------------------------------------------------------------------------------------
LOCAL_WARNING = "The LocalFileSystem storage is not safe for concurrent commits"


@pytest.mark.parametrize("user_filter", [None, "warn"])
def test_local_repositories_are_written_and_read_without_warnings(
    tmp_path: Path, user_filter: str | None
) -> None:
    """Icechunk warns about every local repository; nwbzarr quiets that for its own calls,
    unless the user chose a filter (``ICECHUNK_LOG``), which it leaves as it is."""
    path = tmp_path / "quiet.icechunk"
    code = (
        "import numpy, nwbzarr\n"
        f"with nwbzarr.open({str(path)!r}, 'w') as root:\n"
        "    root.create_array('data', numpy.arange(3))\n"
        f"with nwbzarr.open({str(path)!r}, 'r+') as root:\n"
        "    root.array('data')[0] = 5\n"
        f"with nwbzarr.open({str(path)!r}) as root:\n"
        "    print(root.array('data')[...].tolist())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICECHUNK_LOG")}
    if user_filter is not None:
        env["ICECHUNK_LOG"] = user_filter
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(env, PYTHONPATH=str(ROOT)),
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[5, 1, 2]"
    if user_filter is None:
        assert "WARN" not in run.stderr and "unsafe_use_metadata" not in run.stderr, run.stderr
    else:
        assert LOCAL_WARNING in run.stderr, run.stderr


def test_processes_that_opened_a_repository_exit_cleanly(repo_path: Path) -> None:
    """Sessions left in reference cycles were freed while the interpreter tore down, and
    Icechunk's runtime then crashed (SIGSEGV) in about one exit in seven after a repository
    was read: twelve exits one after another (6 runs in 7 would see a crash), none may."""
    code = (
        "import nwbzarr\n"
        "from nwbzarr.tree import Array\n"
        f"with nwbzarr.open({str(repo_path)!r}) as root:\n"
        "    for _, node in root.walk():\n"
        "        if isinstance(node, Array) and node.size < 100_000:\n"
        "            node[...]\n"
        f"root = nwbzarr.open({str(repo_path)!r})  # still open at exit\n"
    )
    # Icechunk's default logs, as users have them (with ICECHUNK_LOG=error it crashed less)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICECHUNK_LOG")}
    env["PYTHONPATH"] = str(ROOT)
    done = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, check=False
        )
        for _ in range(12)
    ]
    assert [run.returncode for run in done] == [0] * len(done), [r.stderr[-300:] for r in done]
