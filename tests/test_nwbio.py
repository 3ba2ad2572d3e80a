"""NWBHDF5IO and NWBZarrIO: pynwb's / hdmf-zarr's IO interface on nwbzarr, both formats.

Modes with pynwb's semantics, write / read / append / export, linking through a shared
manager, empty extendable datasets filled after the write; pynwb and hdmf-zarr read what
was written with the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr import (
    NWBHDF5IO,
    DataChunkIterator,
    DestinationExistsError,
    ExternalLink,
    H5DataIO,
    NWBFile,
    NWBZarrIO,
    ProcessingModule,
    TimeSeries,
    get_manager,
)
from nwbzarr.nwbio import NWBIO, UnsupportedOperation

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

START = datetime(2020, 1, 1, tzinfo=UTC)
IO: dict[str, type[NWBIO]] = {"hdf5": NWBHDF5IO, "zarr": NWBZarrIO}


def new_file(identifier: str = "io") -> NWBFile:
    return NWBFile(session_description="io", identifier=identifier, session_start_time=START)


def series(name: str, n: int = 20, scale: float = 1.0) -> TimeSeries:
    return TimeSeries(
        name=name,
        data=np.arange(n, dtype="float64") * scale,
        unit="m",
        timestamps=np.arange(n) / 10,
    )


@contextmanager
def peer(path: Path) -> Iterator[Any]:
    """The file as pynwb (HDF5) or hdmf-zarr (Zarr) reads it."""
    if str(path).endswith(".zarr"):
        hdmf_zarr = pytest.importorskip("hdmf_zarr")
        with hdmf_zarr.NWBZarrIO(str(path), "r") as io:
            yield io.read()
    else:
        pynwb = pytest.importorskip("pynwb")
        with pynwb.NWBHDF5IO(str(path), "r") as io:
            yield io.read()


def write_file(fmt: str, path: Path, *items: TimeSeries, identifier: str = "io") -> None:
    nwb = new_file(identifier)
    for item in items:
        nwb.add_acquisition(item)
    with IO[fmt](path, "w") as io:
        io.write(nwb)


def test_write_read_round_trip(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    write_file(fmt, path, series("ts"))
    with IO[fmt](path, "r") as io:
        nwb = io.read()
        assert io.read() is nwb
        ts = nwb.acquisition["ts"]
        assert isinstance(ts, TimeSeries)
        np.testing.assert_array_equal(ts.data[:], np.arange(20.0))
    with peer(path) as other:
        np.testing.assert_array_equal(other.acquisition["ts"].data[:], np.arange(20.0))


def test_modes(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    io_class = IO[fmt]
    with pytest.raises(FileNotFoundError, match=r"no such file or store \(mode='r'\)"):
        io_class(path, "r")
    with pytest.raises(FileNotFoundError, match=r"no such file or store \(mode='r\+'\)"):
        io_class(path, "r+")
    with pytest.raises(ValueError, match=r"mode='rw', expected one of"):
        io_class(path, "rw")
    write_file(fmt, path, series("first"))
    for mode in ("w-", "x"):
        with pytest.raises(DestinationExistsError, match=rf"already exists \(mode='{mode}'"):
            io_class(path, mode)
    with io_class(path, "w") as io:  # "w" replaces
        with pytest.raises(UnsupportedOperation, match=r"Cannot read from file .* mode 'w'"):
            io.read()
        io.write(new_file("second"))
    with io_class(path, "r") as io:
        assert io.read().identifier == "second"
        with pytest.raises(UnsupportedOperation, match=r"Cannot write to file .* mode 'r'"):
            io.write(new_file())
    fresh = new_path(fmt, "fresh")
    with io_class(fresh, "a") as io:  # "a" creates a missing file
        io.write(new_file("created"))
    with io_class(fresh, "r") as io:
        assert io.read().identifier == "created"


@pytest.mark.parametrize("mode", ["a", "r+"])
def test_append_adds_new_containers(fmt: str, mode: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    write_file(fmt, path, series("first"))
    with IO[fmt](path, mode) as io:
        nwb = io.read()
        nwb.add_acquisition(series("second", scale=2.0))
        module = ProcessingModule(name="behavior", description="derived")
        nwb.add_processing_module(module)
        module.add(series("derived", scale=3.0))
        io.write(nwb)
    with IO[fmt](path, "r") as io:
        nwb = io.read()
        assert sorted(nwb.acquisition) == ["first", "second"]
        derived = nwb.processing["behavior"]["derived"]
        assert isinstance(derived, TimeSeries)
        np.testing.assert_array_equal(derived.data[:], np.arange(20.0) * 3)
    with peer(path) as other:
        np.testing.assert_array_equal(other.acquisition["first"].data[:], np.arange(20.0))
        np.testing.assert_array_equal(other.acquisition["second"].data[:], np.arange(20.0) * 2)


def test_shared_manager_links_containers_and_data(fmt: str, new_path: Callable[..., Path]) -> None:
    one, two, linked = new_path(fmt, "one"), new_path(fmt, "two"), new_path(fmt, "linked")
    write_file(fmt, one, series("ts1"), identifier="one")
    write_file(fmt, two, series("ts2", scale=2.0), identifier="two")
    manager = get_manager()
    io1 = IO[fmt](one, "r", manager=manager)
    io2 = IO[fmt](two, "r", manager=manager)
    ts1 = io1.read().acquisition["ts1"]
    ts2 = io2.read().acquisition["ts2"]
    assert isinstance(ts1, TimeSeries)
    nwb = new_file("linked")
    nwb.add_acquisition(TimeSeries(name="ts3", data=ts1.data, unit="m", timestamps=ts1))
    nwb.add_acquisition(ts2)
    nwb.add_acquisition(
        TimeSeries(name="copied", data=H5DataIO(ts1.data, link_data=False), unit="m", rate=1.0)
    )
    with IO[fmt](linked, "w", manager=manager) as io:
        io.write(nwb, link_data=True)
    manager.close()
    assert not io1.is_open and not io2.is_open
    source = "../" if fmt == "zarr" else ""
    with nwbzarr.open(linked) as root:
        assert root.get_link("acquisition/ts2") == ExternalLink(
            f"{source}{two.name}", "/acquisition/ts2"
        )
        assert root.get_link("acquisition/ts3/data") == ExternalLink(
            f"{source}{one.name}", "/acquisition/ts1/data"
        )
        assert root.get_link("acquisition/ts3/timestamps") == ExternalLink(
            f"{source}{one.name}", "/acquisition/ts1/timestamps"
        )
        assert root.get_link("acquisition/copied/data") is None
    with peer(linked) as other:
        np.testing.assert_array_equal(other.acquisition["ts3"].data[:], np.arange(20.0))
        np.testing.assert_array_equal(other.acquisition["ts2"].data[:], np.arange(20.0) * 2)
        np.testing.assert_array_equal(other.acquisition["copied"].data[:], np.arange(20.0))


def test_write_link_data_false_copies_arrays(fmt: str, new_path: Callable[..., Path]) -> None:
    one, out = new_path(fmt, "one"), new_path(fmt, "out")
    write_file(fmt, one, series("ts1"))
    with IO[fmt](one, "r") as io1:
        ts1 = io1.read().acquisition["ts1"]
        assert isinstance(ts1, TimeSeries)
        nwb = new_file("out")
        nwb.add_acquisition(TimeSeries(name="ts", data=ts1.data, unit="m", rate=1.0))
        with IO[fmt](out, "w") as io:
            io.write(nwb, link_data=False)
    with nwbzarr.open(out) as root:
        assert root.get_link("acquisition/ts/data") is None
        np.testing.assert_array_equal(root.array("acquisition/ts/data")[:], np.arange(20.0))


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
@pytest.mark.parametrize("link_data", [True, False])
def test_export(fmt: str, dst_fmt: str, link_data: bool, new_path: Callable[..., Path]) -> None:
    one, linked, out = new_path(fmt, "one"), new_path(fmt, "linked"), new_path(dst_fmt, "out")
    write_file(fmt, one, series("ts1"))
    with IO[fmt](one, "r") as io1:
        ts1 = io1.read().acquisition["ts1"]
        nwb = new_file("linked")
        nwb.add_acquisition(ts1)
        with IO[fmt](linked, "w") as io:
            io.write(nwb)
    with IO[fmt](linked, "r") as src, IO[dst_fmt](out, "w") as dst:
        dst.export(src_io=src, write_args={"link_data": link_data})
    with nwbzarr.open(out) as root:
        link = root.get_link("acquisition/ts1")
        assert (link is not None) == link_data
        np.testing.assert_array_equal(root.array("acquisition/ts1/data")[:], np.arange(20.0))
    if fmt == dst_fmt or not link_data:  # the peers follow no link across formats
        with peer(out) as other:
            assert other.identifier == "linked"
            np.testing.assert_array_equal(other.acquisition["ts1"].data[:], np.arange(20.0))


def test_export_of_a_read_nwbfile_copies_linked_containers(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    one, linked, out = new_path(fmt, "one"), new_path(fmt, "linked"), new_path(fmt, "out")
    write_file(fmt, one, series("ts1"))
    with IO[fmt](one, "r") as io1:
        nwb = new_file("linked")
        nwb.add_acquisition(io1.read().acquisition["ts1"])
        with IO[fmt](linked, "w") as io:
            io.write(nwb)
    with IO[fmt](linked, "r") as src, IO[fmt](out, "w") as dst:
        dst.export(src_io=src, nwbfile=src.read(), write_args={"link_data": False})
    one.rename(one.with_name("gone" + one.name))  # the export stands alone
    with nwbzarr.open(out) as root:
        assert root.get_link("acquisition/ts1") is None
    with peer(out) as other:
        np.testing.assert_array_equal(other.acquisition["ts1"].data[:], np.arange(20.0))


def test_export_of_a_changed_nwbfile(fmt: str, new_path: Callable[..., Path]) -> None:
    src_path, out = new_path(fmt, "src"), new_path(fmt, "out")
    write_file(fmt, src_path, series("ts1"), series("removed"))
    with IO[fmt](src_path, "r") as src, IO[fmt](out, "w") as dst:
        nwb = src.read()
        nwb.add_acquisition(series("added", scale=5.0))
        nwb.acquisition.pop("removed")  # pynwb's way to leave a container out of an export
        with pytest.raises(ValueError, match=r"must have been read by src_io"):
            dst.export(src_io=src, nwbfile=new_file())
        dst.export(src_io=src, nwbfile=nwb)
    with peer(out) as other:
        assert sorted(other.acquisition) == ["added", "ts1"]
        np.testing.assert_array_equal(other.acquisition["added"].data[:], np.arange(20.0) * 5)


def test_export_needs_mode_w(fmt: str, new_path: Callable[..., Path]) -> None:
    path, other = new_path(fmt), new_path(fmt, "other")
    write_file(fmt, path, series("ts"))
    with (
        IO[fmt](path, "r") as src,
        IO[fmt](other, "a") as dst,
        pytest.raises(UnsupportedOperation, match=r"Cannot export to file .* mode 'a'"),
    ):
        dst.export(src_io=src)


def test_empty_dataset_filled_after_write(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    nwb = new_file()
    dio = H5DataIO(shape=(0, 4), dtype=np.dtype("float64"), maxshape=(None, 4), fillvalue=np.nan)
    nwb.add_acquisition(TimeSeries(name="grow", data=dio, unit="m", rate=1.0))
    with IO[fmt](path, "w") as io:
        io.write(nwb)
        dio.dataset.resize((6, 4))
        dio.dataset[0:3] = np.ones((3, 4))
        dio.dataset[3:6] = np.full((3, 4), 2.0)
    with IO[fmt](path, "a") as io:  # the iterative-write tutorial's second step
        grow = io.read().acquisition["grow"]
        assert isinstance(grow, TimeSeries)
        data = grow.data
        assert data.maxshape == (None, 4)
        data.resize((8, 4))
        data[6:8] = np.full((2, 4), 3.0)
    expected = np.repeat([1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0], 4).reshape(8, 4)
    with peer(path) as other:
        np.testing.assert_array_equal(other.acquisition["grow"].data[:], expected)


def test_iterator_as_data(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    nwb = new_file()
    rows = (np.full(3, i, dtype="int16") for i in range(50))
    nwb.add_acquisition(TimeSeries(name="rows", data=DataChunkIterator(rows), unit="m", rate=1.0))
    with IO[fmt](path, "w") as io:
        io.write(nwb)
    with peer(path) as other:
        data = other.acquisition["rows"].data[:]
        assert data.dtype == np.int16
        np.testing.assert_array_equal(data[:, 0], np.arange(50))


def test_failed_write_leaves_no_complete_file(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    with pytest.raises(RuntimeError, match="stop"), IO[fmt](path, "w") as io:
        io.write(new_file())
        raise RuntimeError("stop")
    with pytest.raises(nwbzarr.IncompleteFileError):
        IO[fmt](path, "r").read()


def test_write_that_fails_midway_is_incomplete(fmt: str, new_path: Callable[..., Path]) -> None:
    def broken() -> Iterator[np.ndarray[Any, Any]]:
        yield np.zeros(3)
        raise RuntimeError("sensor unplugged")

    path = new_path(fmt)
    nwb = new_file()
    nwb.add_acquisition(
        TimeSeries(name="rows", data=DataChunkIterator(broken()), unit="m", rate=1.0)
    )
    with pytest.raises(RuntimeError, match="sensor unplugged"), IO[fmt](path, "w") as io:
        io.write(nwb)
    with pytest.raises(nwbzarr.IncompleteFileError):
        IO[fmt](path, "r").read()


def test_unsupported_hdf5_arguments(tmp_path: Path) -> None:
    path = tmp_path / "x.nwb"
    with pytest.raises(nwbzarr.UnsupportedFeatureError, match=r"parallel HDF5 \(comm=\)"):
        NWBHDF5IO(path, "w", comm=object())
    with pytest.raises(nwbzarr.UnsupportedFeatureError, match=r"driver='mpio' is not supported"):
        NWBHDF5IO(path, "w", driver="mpio")


def test_wrong_format_names_the_other_io(new_path: Callable[..., Path]) -> None:
    h5, zarr_path = new_path("hdf5"), new_path("zarr")
    write_file("hdf5", h5, series("ts"))
    write_file("zarr", zarr_path, series("ts"))
    with pytest.raises(nwbzarr.FormatError, match=r"a Zarr store, not an HDF5 file: .*NWBZarrIO"):
        NWBHDF5IO(zarr_path, "r")
    with pytest.raises(nwbzarr.FormatError, match=r"an HDF5 file, not a Zarr store: .*NWBHDF5IO"):
        NWBZarrIO(h5, "a")


def test_can_read(new_path: Callable[..., Path]) -> None:
    h5, zarr_path = new_path("hdf5"), new_path("zarr")
    write_file("hdf5", h5, series("ts"))
    write_file("zarr", zarr_path, series("ts"))
    assert NWBHDF5IO.can_read(h5) and not NWBHDF5IO.can_read(zarr_path)
    assert NWBZarrIO.can_read(zarr_path) and not NWBZarrIO.can_read(h5)
