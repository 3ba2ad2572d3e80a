"""The peers judge our output: pynwb 4.2 reads our HDF5, hdmf-zarr 0.14 reads our Zarr.

For every corpus entry that the peer can read in its original form, the peer must read our
converted output with the same content, and validation must find no error that the original did
not already have (the generated entries one test each, the third-party entries in one test).
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from support.corpus import check_each

import nwbzarr
from nwbzarr import ExternalLink

pynwb = pytest.importorskip("pynwb")
hdmf_zarr = pytest.importorskip("hdmf_zarr")

pytestmark = [
    pytest.mark.interop,
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

Summary = dict[str, Any]


# ------------------------------------------------------------------------------------------------
# opening with the peers
# ------------------------------------------------------------------------------------------------
@contextmanager
def peer_io(path: Path) -> Iterator[Any]:
    """The peer's IO for ``path``: pynwb for HDF5 (families too), hdmf-zarr for Zarr v3 and v2."""
    text = str(path)
    if text.endswith(".zarr"):
        v2 = (path / ".zgroup").is_file()
        cls = hdmf_zarr.NWBZarrV2IO if v2 else hdmf_zarr.nwb.NWBZarrIO
        # The corpus is trusted; hdmf-zarr 0.13 stored references with the Pickle codec.
        kwargs = {"allow_pickle": True} if v2 else {}
        with cls(text, "r", **kwargs) as io:
            yield io
    elif "%d" in text:
        with (
            h5py.File(text, "r", driver="family", memb_size=0) as h5,
            pynwb.NWBHDF5IO(file=h5, mode="r") as io,
        ):
            yield io
    else:
        with pynwb.NWBHDF5IO(text, "r") as io:
            yield io


def values(data: Any) -> Any:
    if data is None:
        return None
    arr = np.asarray(data[()] if hasattr(data, "shape") else data)
    if arr.dtype.kind == "S":
        return arr.astype(str)
    return arr


def summarize(nwbfile: Any) -> Summary:
    """What the peer sees: file fields, acquisition data, processing modules, tables."""
    out: Summary = {
        "identifier": nwbfile.identifier,
        "session_description": nwbfile.session_description,
        "session_start_time": nwbfile.session_start_time,
    }
    for name, obj in nwbfile.acquisition.items():
        out[f"acquisition/{name}"] = type(obj).__name__
        for field in ("data", "timestamps"):
            data = getattr(obj, field, None)
            if data is not None and hasattr(data, "shape"):
                out[f"acquisition/{name}/{field}"] = values(data)
    for name, module in nwbfile.processing.items():
        out[f"processing/{name}"] = sorted(module.data_interfaces)
    if nwbfile.units is not None:
        out["units"] = sorted(nwbfile.units.colnames)
        out["units/id"] = values(nwbfile.units.id.data)
    if nwbfile.electrodes is not None:
        out["electrodes"] = sorted(nwbfile.electrodes.colnames)
    return out


@dataclass(frozen=True)
class PeerView:
    """What the peer makes of a file: its summary and its validation errors."""

    summary: Summary
    errors: frozenset[str]


def peer_view(path: Path) -> PeerView | str:
    """Read and validate ``path`` with the peer; a string says why the peer failed (runs in a
    worker process: the peers' exceptions do not all survive pickling)."""
    try:
        with warnings.catch_warnings(), peer_io(path) as io:
            warnings.simplefilter("ignore")
            summary = summarize(io.read())
            errors = frozenset(str(err) for err in pynwb.validate(io=io))
    except Exception as err:
        return f"{type(err).__name__}: {str(err)[:300]}"
    return PeerView(summary, errors)


@pytest.fixture(scope="module")
def peer(
    corpus_entries: dict[str, list[str]],
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
) -> Iterator[Callable[[Path], PeerView | str]]:
    """``peer(path)``: the peer's view of a corpus entry or of one of our outputs.

    pynwb and hdmf-zarr are slow to open a file (namespaces are loaded and validated each
    time), so every view is computed once, on all cores, while the tests consume them."""
    workers = max(2, min(4, os.cpu_count() or 2))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        sources = [corpus_copy / rel for rel in corpus_entries["hdf5"] + corpus_entries["zarr"]]
        futures = {path: pool.submit(peer_view, path) for path in sources}
        for rel in corpus_entries["hdf5"] + corpus_entries["zarr"]:
            try:
                outputs = round_trip(rel)
            except Exception:  # reported by test_corpus; nothing for the peers to read
                continue
            futures.update((path, pool.submit(peer_view, path)) for path in outputs)

        def view(path: Path) -> PeerView | str:
            try:
                return futures[path].result()
            except Exception:  # no worker (e.g. --import-mode=importlib): read it here
                return peer_view(path)

        yield view


def source_view(peer: Callable[[Path], PeerView | str], source: Path) -> PeerView:
    """The peer's view of a corpus entry; entries the peer cannot read are skipped."""
    view = peer(source)
    if isinstance(view, str):  # the peer's own limits, not ours
        pytest.skip(f"the peer cannot read the source: {view[:200]}")
    return view


def output_view(peer: Callable[[Path], PeerView | str], output: Path) -> PeerView:
    view = peer(output)
    if isinstance(view, str):
        pytest.fail(f"the peer cannot read our output {output.name}: {view}")
    return view


def assert_same(
    expected: PeerView, actual: PeerView, peer_limits: frozenset[str] = frozenset()
) -> None:
    """Same summary; no validation error that the source, or the peer's own writing of the
    source (``peer_limits``), did not already have."""
    assert sorted(expected.summary) == sorted(actual.summary)
    for key, value in expected.summary.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(actual.summary[key], value, err_msg=key)
        else:
            assert actual.summary[key] == value, key
    new = actual.errors - peer_limits
    assert new <= expected.errors, "validation errors the source did not have"


def hdmf_zarr_limits(
    peer: Callable[[Path], PeerView | str], corpus_copy: Path, rel: str
) -> frozenset[str]:
    """Validation errors hdmf-zarr finds in its own export of the HDF5 file ``rel`` (generated
    beside it): limits of its reader that no Zarr writer avoids (it reads a uint32 attribute
    back as a JSON integer, int64)."""
    own = corpus_copy / "hdmfzarr014" / f"{Path(rel).name}.zarr"
    if not rel.startswith("pynwb42/") or not own.is_dir():
        return frozenset()
    view = peer(own)
    return view.errors if isinstance(view, PeerView) else frozenset()


def unfollowable_links(path: Path) -> list[str]:
    """External links of ``path`` that the peers cannot follow: into files of the other
    format (hdmf-zarr reads no HDF5 file, pynwb follows no ``_EXTERNAL_LINK``), and, for
    hdmf-zarr 0.14, into Zarr format 2 stores (the corpus's hdmf-zarr 0.13 stores)."""
    is_zarr = path.name.endswith(".zarr")
    out = []
    with nwbzarr.open(path) as root:
        for name, member in root.walk():
            if not isinstance(member, ExternalLink):
                continue
            to_zarr = member.source.rstrip("/").endswith(".zarr")
            target = (path if is_zarr else path.parent) / member.source
            if to_zarr != is_zarr or (to_zarr and (target / ".zgroup").exists()):
                out.append(f"{name} -> {member.source}")
    return out


def skip_if_unfollowable_links(path: Path) -> None:
    links = unfollowable_links(path)
    if links:
        pytest.skip(f"links the peer cannot follow: {links[:3]}")


# ------------------------------------------------------------------------------------------------
# pynwb reads our HDF5
# ------------------------------------------------------------------------------------------------
def test_pynwb_reads_round_tripped_hdf5(
    hdf5_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView | str],
) -> None:
    def check(rel: str) -> None:
        expected = source_view(peer, corpus_copy / rel)
        _mid, back = round_trip(rel)
        assert_same(expected, output_view(peer, back))

    check_each(hdf5_source, check)


def test_pynwb_reads_hdf5_converted_from_zarr(
    zarr_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView | str],
) -> None:
    def check(rel: str) -> None:
        expected = source_view(peer, corpus_copy / rel)
        mid, _back = round_trip(rel)
        skip_if_unfollowable_links(mid)
        assert_same(expected, output_view(peer, mid))

    check_each(zarr_source, check)


# ------------------------------------------------------------------------------------------------
# hdmf-zarr reads our Zarr
# ------------------------------------------------------------------------------------------------
def test_hdmf_zarr_reads_zarr_converted_from_hdf5(
    hdf5_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView | str],
) -> None:
    def check(rel: str) -> None:
        expected = source_view(peer, corpus_copy / rel)
        mid, _back = round_trip(rel)
        skip_if_unfollowable_links(mid)
        assert_same(expected, output_view(peer, mid), hdmf_zarr_limits(peer, corpus_copy, rel))

    check_each(hdf5_source, check)


def test_hdmf_zarr_reads_round_tripped_zarr(
    zarr_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView | str],
) -> None:
    def check(rel: str) -> None:
        expected = source_view(peer, corpus_copy / rel)
        _mid, back = round_trip(rel)
        assert (back / "zarr.json").is_file() and not (back / ".zgroup").exists()  # format 3
        skip_if_unfollowable_links(back)
        assert_same(expected, output_view(peer, back))

    check_each(zarr_source, check)
