"""A link whose target is itself reached through a link is stored to its final target.

pynwb writes an external link straight to the linked dataset; hdmf-zarr 0.14 follows no link
through another one ("Found bad link to object ..."). Every writer is checked: the model's
write (shallow copy of a file, a series whose timestamps are those of a series of another
file), the tree copy of a converted file, and export; both formats, read back by the peers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr import ExternalLink, NWBFile, ProcessingModule, SoftLink, TimeSeries
from nwbzarr.links import direct_link

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

TIMES = np.linspace(0.0, 100.0, 64)


@contextmanager
def peer_read(path: Path) -> Iterator[Any]:
    """The file as pynwb (HDF5) or hdmf-zarr (Zarr) reads it."""
    if str(path).endswith(".zarr"):
        hdmf_zarr = pytest.importorskip("hdmf_zarr")
        with hdmf_zarr.NWBZarrIO(str(path), "r") as io:
            yield io.read()
    else:
        pynwb = pytest.importorskip("pynwb")
        with pynwb.NWBHDF5IO(str(path), "r") as io:
            yield io.read()


def sibling(fmt: str, path: Path) -> str:
    """A link source naming ``path`` from a file of the same directory (Zarr sources are
    relative to the store itself, HDF5 ones to the file's directory)."""
    return f"../{path.name}" if fmt == "zarr" else path.name


def raw_file(path: Path) -> None:
    nwb = NWBFile(
        session_description="raw",
        identifier="raw",
        session_start_time=datetime(2020, 1, 1, tzinfo=UTC),
    )
    nwb.add_acquisition(
        TimeSeries(name="raw_timeseries", data=np.sin(TIMES), unit="m", timestamps=TIMES)
    )
    nwbzarr.write(nwb, path)


def test_shallow_copy_links_timestamps_to_final_target(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    raw, proc = new_path(fmt, "raw"), new_path(fmt, "proc")
    raw_file(raw)
    nwb_in = nwbzarr.read(raw)
    copy = nwb_in.copy()
    module = ProcessingModule(name="filtering", description="filtered")
    copy.add_processing_module(module)
    raw_ts = nwb_in.acquisition["raw_timeseries"]
    assert isinstance(raw_ts, TimeSeries)
    module.add(TimeSeries(name="filtered", data=np.cos(TIMES), unit="m", timestamps=raw_ts))
    nwbzarr.write(copy, proc)
    nwb_in.source_node.close()  # type: ignore[union-attr]

    with nwbzarr.open(proc) as root:
        link = root.get_link("processing/filtering/filtered/timestamps")
        assert link == ExternalLink(sibling(fmt, raw), "/acquisition/raw_timeseries/timestamps")
    with peer_read(proc) as peer:
        filtered = peer.processing["filtering"]["filtered"]
        np.testing.assert_array_equal(filtered.timestamps[:], TIMES)
        np.testing.assert_array_equal(filtered.data[:], np.cos(TIMES))
        np.testing.assert_array_equal(peer.acquisition["raw_timeseries"].data[:], np.sin(TIMES))


def through_link_file(fmt: str, new_path: Callable[..., Path]) -> tuple[Path, Path]:
    """A file whose soft links cross links: one through an external link, one through an
    alias (a soft link to a group), as the tree API lets anyone write them."""
    raw, linked = new_path(fmt, "raw"), new_path(fmt, "linked")
    raw_file(raw)
    nwb = NWBFile(
        session_description="linked",
        identifier="linked",
        session_start_time=datetime(2020, 1, 1, tzinfo=UTC),
    )
    nwbzarr.write(nwb, linked)
    with nwbzarr.open(linked, "r+") as root:
        target = ExternalLink(sibling(fmt, raw), "/acquisition/raw_timeseries")
        root.set_link("acquisition/raw_timeseries", target)
        root.create_group("analysis/alias_target")
        root.set_link("analysis/alias", SoftLink("/acquisition"))
        for name, path in (
            ("derived", "/acquisition/raw_timeseries/timestamps"),
            ("derived_alias", "/analysis/alias/raw_timeseries/timestamps"),
        ):
            series = root.create_group(
                f"analysis/{name}",
                attrs={
                    "neurodata_type": "TimeSeries",
                    "namespace": "core",
                    "object_id": str(uuid.uuid4()),
                },
            )
            series.create_array("data", np.cos(TIMES), attrs={"unit": "m"})
            series.set_link("timestamps", SoftLink(path))
    return raw, linked


def test_direct_link_resolves_chains(fmt: str, new_path: Callable[..., Path]) -> None:
    raw, linked = through_link_file(fmt, new_path)
    final = ExternalLink(sibling(fmt, raw), "/acquisition/raw_timeseries/timestamps")
    with nwbzarr.open(linked) as root:
        assert direct_link(root, SoftLink("/acquisition/raw_timeseries/timestamps")) == final
        assert direct_link(root, SoftLink("/analysis/alias/raw_timeseries/timestamps")) == final
        assert direct_link(root, SoftLink("/analysis/alias")) == SoftLink("/acquisition")
        assert direct_link(root, SoftLink("/analysis/alias_target")) == SoftLink(
            "/analysis/alias_target"
        )
        assert direct_link(
            root, SoftLink("/analysis/alias/raw_timeseries/timestamps"), across_files=False
        ) == SoftLink("/acquisition/raw_timeseries/timestamps")


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
def test_convert_keeps_links_to_final_target(
    fmt: str, dst_fmt: str, new_path: Callable[..., Path]
) -> None:
    raw, linked = through_link_file(fmt, new_path)
    out = new_path(dst_fmt, "converted")
    nwbzarr.convert(linked, out)
    final = ExternalLink(sibling(dst_fmt, raw), "/acquisition/raw_timeseries/timestamps")
    with nwbzarr.open(out) as root:
        assert root.get_link("analysis/derived/timestamps") == final
        assert root.get_link("analysis/derived_alias/timestamps") == final
        np.testing.assert_array_equal(root.array("analysis/derived/timestamps")[:], TIMES)
    if fmt != dst_fmt:
        return  # the peers follow no link from one format to the other
    with peer_read(out) as peer:
        np.testing.assert_array_equal(peer.acquisition["raw_timeseries"].timestamps[:], TIMES)
        np.testing.assert_array_equal(peer.analysis["derived_alias"].timestamps[:], TIMES)


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
def test_export_resolves_links_through_links(
    fmt: str, dst_fmt: str, new_path: Callable[..., Path]
) -> None:
    _, linked = through_link_file(fmt, new_path)
    out = new_path(dst_fmt, "exported")
    nwbzarr.export(linked, out)
    with nwbzarr.open(out) as root:
        assert root.get_link("acquisition/raw_timeseries") is None
        assert root.get_link("analysis/alias") == SoftLink("/acquisition")
        np.testing.assert_array_equal(root.array("analysis/derived/timestamps")[:], TIMES)
    if fmt != dst_fmt:
        return  # the peers follow no link from one format to the other
    with peer_read(out) as peer:
        np.testing.assert_array_equal(peer.acquisition["raw_timeseries"].timestamps[:], TIMES)
        np.testing.assert_array_equal(peer.analysis["derived_alias"].timestamps[:], TIMES)
