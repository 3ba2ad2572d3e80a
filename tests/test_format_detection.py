"""Format detection looks at the content first: a directory holding a Zarr store is Zarr
whatever its name (``run_%d.nwb.zarr`` included); a name with ``%d`` is an HDF5 family only
where no file or store has that very name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr import NWBFile, TimeSeries
from nwbzarr.storage import exists, guess_format, resolve


def small_file() -> NWBFile:
    nwb = NWBFile(
        session_description="percent",
        identifier="percent",
        session_start_time=datetime(2020, 1, 1, tzinfo=UTC),
    )
    nwb.add_acquisition(TimeSeries(name="ts", data=np.arange(5.0), unit="m", rate=10.0))
    return nwb


def test_zarr_store_named_with_percent_d(tmp_path: Path) -> None:
    path = tmp_path / "run_%d.nwb.zarr"
    nwbzarr.write(small_file(), path)
    assert path.is_dir() and not (tmp_path / "run_0.nwb.zarr").exists()
    loc = resolve(path)
    assert exists(loc)
    assert guess_format(loc) == "zarr"
    back = nwbzarr.read(path)
    ts = back.acquisition["ts"]
    assert isinstance(ts, TimeSeries)
    np.testing.assert_array_equal(ts.data[:], np.arange(5.0))
    # an existing store is refused, then replaced with overwrite=True (not left in place)
    with pytest.raises(nwbzarr.DestinationExistsError, match=r"run_%d\.nwb\.zarr: already"):
        nwbzarr.write(small_file(), path)
    nwbzarr.write(small_file(), path, overwrite=True)
    converted = tmp_path / "run_%d.nwb"
    nwbzarr.convert(path, converted)
    assert (tmp_path / "run_0.nwb").is_file()  # a new HDF5 name with %d is a family
    assert guess_format(resolve(converted)) == "hdf5"
    with nwbzarr.open(converted) as root:
        np.testing.assert_array_equal(root.array("acquisition/ts/data")[:], np.arange(5.0))


def test_zarr_store_with_percent_d_read_by_hdmf_zarr(tmp_path: Path) -> None:
    hdmf_zarr = pytest.importorskip("hdmf_zarr")
    path = tmp_path / "run_%d.nwb.zarr"
    nwbzarr.write(small_file(), path)
    with hdmf_zarr.NWBZarrIO(str(path), "r") as io:
        np.testing.assert_array_equal(io.read().acquisition["ts"].data[:], np.arange(5.0))


def test_missing_family_names_member_zero(tmp_path: Path) -> None:
    path = tmp_path / "missing_%d.nwb"
    with pytest.raises(FileNotFoundError, match=r"missing_%d\.nwb: no such file or store"):
        guess_format(resolve(path))
