"""The peers judge our output: pynwb 4.2 reads our HDF5, hdmf-zarr 0.14 reads our Zarr.

For every corpus entry that the peer can read in its original form, the peer must read our
converted output with the same content, and validation must find no error that the original did
not already have.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

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


def peer_view(path: Path) -> PeerView:
    with warnings.catch_warnings(), peer_io(path) as io:
        warnings.simplefilter("ignore")
        summary = summarize(io.read())
        errors = frozenset(str(err) for err in pynwb.validate(io=io))
    return PeerView(summary, errors)


@pytest.fixture(scope="module")
def peer() -> Callable[[Path], PeerView]:
    """``peer(path)``: the peer's view of ``path``, computed once per module."""
    cache: dict[Path, PeerView | Exception] = {}

    def view(path: Path) -> PeerView:
        if path not in cache:
            try:
                cache[path] = peer_view(path)
            except Exception as err:
                cache[path] = err
        result = cache[path]
        if isinstance(result, Exception):
            raise result
        return result

    return view


def source_view(peer: Callable[[Path], PeerView], source: Path) -> PeerView:
    """The peer's view of a corpus entry; entries the peer cannot read are skipped."""
    try:
        return peer(source)
    except Exception as err:  # the peer's own limits, not ours
        pytest.skip(f"the peer cannot read the source: {type(err).__name__}: {str(err)[:200]}")


def assert_same(expected: PeerView, actual: PeerView) -> None:
    assert sorted(expected.summary) == sorted(actual.summary)
    for key, value in expected.summary.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(actual.summary[key], value, err_msg=key)
        else:
            assert actual.summary[key] == value, key
    assert actual.errors <= expected.errors, "validation errors the source did not have"


def links_across_formats(path: Path) -> list[str]:
    """External links of ``path`` into files of the other format (the peers cannot follow
    them: hdmf-zarr reads no HDF5 file, pynwb follows no ``_EXTERNAL_LINK``)."""
    fmt_is_zarr = path.name.endswith(".zarr")
    with nwbzarr.open(path) as root:
        return [
            f"{name} -> {member.source}"
            for name, member in root.walk()
            if isinstance(member, ExternalLink)
            and member.source.rstrip("/").endswith(".zarr") != fmt_is_zarr
        ]


def skip_if_links_across_formats(path: Path) -> None:
    links = links_across_formats(path)
    if links:
        pytest.skip(f"cross-format links the peer cannot follow: {links[:3]}")


# ------------------------------------------------------------------------------------------------
# pynwb reads our HDF5
# ------------------------------------------------------------------------------------------------
def test_pynwb_reads_round_tripped_hdf5(
    hdf5_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView],
) -> None:
    expected = source_view(peer, corpus_copy / hdf5_source)
    _mid, back = round_trip(hdf5_source)
    assert_same(expected, peer(back))


def test_pynwb_reads_hdf5_converted_from_zarr(
    zarr_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView],
) -> None:
    expected = source_view(peer, corpus_copy / zarr_source)
    mid, _back = round_trip(zarr_source)
    skip_if_links_across_formats(mid)
    assert_same(expected, peer(mid))


# ------------------------------------------------------------------------------------------------
# hdmf-zarr reads our Zarr
# ------------------------------------------------------------------------------------------------
def test_hdmf_zarr_reads_zarr_converted_from_hdf5(
    hdf5_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView],
) -> None:
    expected = source_view(peer, corpus_copy / hdf5_source)
    mid, _back = round_trip(hdf5_source)
    skip_if_links_across_formats(mid)
    assert_same(expected, peer(mid))


def test_hdmf_zarr_reads_round_tripped_zarr(
    zarr_source: str,
    corpus_copy: Path,
    round_trip: Callable[[str], tuple[Path, Path]],
    peer: Callable[[Path], PeerView],
) -> None:
    expected = source_view(peer, corpus_copy / zarr_source)
    _mid, back = round_trip(zarr_source)
    assert (back / "zarr.json").is_file() and not (back / ".zgroup").exists()  # format 3
    assert_same(expected, peer(back))
