"""Conversion: one round-trip suite over every (source, destination) pair of formats.

The synthetic file of ``conftest.write_full_tree`` holds every feature of the tree; after
``convert`` and after the way back, :func:`nwbzarr.testing.tree_diff` must find nothing.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
import xarray as xr

import nwbzarr
from nwbzarr import Array, DestinationExistsError, Filter, Group
from nwbzarr.testing import tree_diff

FORMATS = ("hdf5", "zarr")
PAIRS = list(itertools.product(FORMATS, FORMATS))
GZIP = (Filter.of("shuffle"), Filter.of("deflate", level=4))


def as_array(node: object) -> Array:
    assert isinstance(node, Array), node
    return node


def zarr_doc(store: Path, name: str) -> dict[str, Any]:
    doc = json.loads((store / name / "zarr.json").read_text())
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize(("src_fmt", "dst_fmt"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_round_trip(
    src_fmt: str,
    dst_fmt: str,
    new_path: Callable[..., Path],
    full_tree: Callable[[Path], Path],
    opened: Callable[[Path], Group],
) -> None:
    src = full_tree(new_path(src_fmt, "src"))
    dst = new_path(dst_fmt, "dst")
    back = new_path(src_fmt, "back")
    assert nwbzarr.convert(src, dst) == str(dst)
    assert nwbzarr.convert(dst, back) == str(back)
    source, there, again = opened(src), opened(dst), opened(back)
    assert there.file.format == dst_fmt
    assert tree_diff(source, there) == []
    assert tree_diff(source, again) == []
    assert tree_diff(there, again) == []
    # links still resolve from the new location, references still point at the right nodes
    for root in (there, again):
        assert list(as_array(root["external"])[...]) == [0, 1, 2, 3, 4]
        assert as_array(root["soft_group/gzip"]).path == "/arrays/gzip"
        ref = root.attrs["ref"]
        assert isinstance(root[ref.path], Group)
        assert as_array(root["arrays/gzip"]).compression == GZIP
        assert as_array(root["arrays/filled"]).fillvalue == -1.0
        assert as_array(root["arrays/growing"]).maxshape == (None, 3)
        assert as_array(root["arrays/gzip"]).chunks == (128,)


def test_tree_diff_sees_differences(
    new_path: Callable[..., Path],
    full_tree: Callable[[Path], Path],
    opened: Callable[[Path], Group],
) -> None:
    """The oracle itself: a changed value, attribute type and missing node are all reported."""
    src = full_tree(new_path("hdf5", "src"))
    dst = new_path("zarr", "dst")
    nwbzarr.convert(src, dst)
    with nwbzarr.open(dst, "r+") as root:
        as_array(root["arrays/bools"])[1] = True
        root["general"].attrs["i32"] = np.int64(-5)
        del root["arrays/ascii"]
    diff = tree_diff(opened(src), opened(dst))
    assert diff == [
        "/arrays/ascii: only in " + str(src),
        "/arrays/bools: values differ in (slice(0, 3, None),)",
        "/general@i32: type int32 vs int64",
    ]


@pytest.mark.parametrize("dst_fmt", FORMATS)
def test_existing_destination_is_refused(
    dst_fmt: str, new_path: Callable[..., Path], full_tree: Callable[[Path], Path]
) -> None:
    src = full_tree(new_path("hdf5", "src"))
    dst = new_path(dst_fmt, "dst")
    with nwbzarr.open(dst, "w") as root:
        root.create_group("precious")
    with pytest.raises(DestinationExistsError, match=r"already exists \(pass overwrite=True"):
        nwbzarr.convert(src, dst)
    with nwbzarr.open(dst) as root:
        assert list(root) == ["precious"]
    nwbzarr.convert(src, dst, overwrite=True)
    with nwbzarr.open(dst) as root:
        assert "precious" not in root and "arrays" in root


def test_same_source_and_destination(
    new_path: Callable[..., Path], full_tree: Callable[[Path], Path]
) -> None:
    src = full_tree(new_path("hdf5", "src"))
    with pytest.raises(ValueError, match="source and destination are the same"):
        nwbzarr.convert(src, src, overwrite=True)


def test_format_argument_and_guess(
    tmp_path: Path, new_path: Callable[..., Path], full_tree: Callable[[Path], Path]
) -> None:
    src = full_tree(new_path("hdf5", "src"))
    nwbzarr.convert(src, tmp_path / "plain_name", format="zarr")
    assert (tmp_path / "plain_name" / "zarr.json").is_file()
    nwbzarr.convert(src, tmp_path / "no_suffix")  # no suffix: the other format
    with nwbzarr.open(tmp_path / "no_suffix") as root:
        assert root.file.format == "zarr"


# ------------------------------------------------------------------------------------------------
# codecs and layout
# ------------------------------------------------------------------------------------------------
VALUES = (np.arange(1050, dtype="int32") * 7) % 101  # 11 chunks of 100, the last one partial


def test_hdf5_gzip_becomes_numcodecs_shuffle_zlib_byte_for_byte(
    new_path: Callable[..., Path],
) -> None:
    src, dst = new_path("hdf5"), new_path("zarr")
    with nwbzarr.open(src, "w") as root:
        root.create_array("g/x", VALUES, chunks=(100,), compression=GZIP)
    nwbzarr.convert(src, dst)
    codecs = zarr_doc(dst, "g/x")["codecs"]
    assert [c["name"] for c in codecs] == ["bytes", "numcodecs.shuffle", "numcodecs.zlib"]
    assert codecs[1]["configuration"] == {"elementsize": 4}
    assert codecs[2]["configuration"] == {"level": 4}
    with nwbzarr.open(dst) as root:
        x = as_array(root["g/x"])
        assert x.compression == GZIP
        assert x.chunks == (100,)
        np.testing.assert_array_equal(x[...], VALUES)
    with h5py.File(src, "r") as h5:  # the chunks were copied, not re-encoded
        for i in range(11):
            _mask, stored = h5["g/x"].id.read_direct_chunk((i * 100,))
            assert (dst / "g" / "x" / "c" / str(i)).read_bytes() == stored, f"chunk {i}"


def test_zarr_shuffle_zlib_becomes_hdf5_gzip_byte_for_byte(new_path: Callable[..., Path]) -> None:
    src, dst = new_path("zarr"), new_path("hdf5")
    with nwbzarr.open(src, "w") as root:
        root.create_array("x", VALUES, chunks=(100,), compression=GZIP)
    nwbzarr.convert(src, dst)
    with h5py.File(dst, "r") as h5:
        ds = h5["x"]
        assert (ds.compression, ds.compression_opts, ds.shuffle, ds.chunks) == (
            "gzip",
            4,
            True,
            (100,),
        )
        np.testing.assert_array_equal(ds[...], VALUES)
        for i in range(11):
            _mask, stored = ds.id.read_direct_chunk((i * 100,))
            assert (src / "x" / "c" / str(i)).read_bytes() == stored, f"chunk {i}"


def test_default_compression_reencodes(
    new_path: Callable[..., Path], opened: Callable[[Path], Group]
) -> None:
    src, dst = new_path("hdf5"), new_path("zarr")
    with nwbzarr.open(src, "w") as root:
        root.create_array("x", VALUES, chunks=(100,), compression=GZIP)
    nwbzarr.convert(src, dst, compression="default")
    x = as_array(opened(dst)["x"])
    assert [f.name for f in x.compression] == ["blosc"]
    assert dict(x.compression[0].options)["shuffle"] == "shuffle"
    assert tree_diff(opened(src), opened(dst)) == []


def test_contiguous_stays_contiguous_and_maxshape_is_kept(
    new_path: Callable[..., Path], opened: Callable[[Path], Group]
) -> None:
    src, mid, back = new_path("hdf5", "src"), new_path("zarr", "mid"), new_path("hdf5", "back")
    with nwbzarr.open(src, "w") as root:
        root.create_array("contiguous", np.arange(20, dtype="float64").reshape(4, 5))
        root.create_array("fixed_chunks", np.arange(20).reshape(4, 5), chunks=(2, 5))
        root.create_array("growing", np.arange(10).reshape(2, 5), maxshape=(None, 5), chunks=(2, 5))
    nwbzarr.convert(src, mid)
    nwbzarr.convert(mid, back)
    with h5py.File(back, "r") as h5:
        assert h5["contiguous"].chunks is None
        assert h5["contiguous"].maxshape == (4, 5)
        assert h5["fixed_chunks"].chunks == (2, 5)
        assert h5["fixed_chunks"].maxshape == (4, 5)
        assert h5["growing"].maxshape == (None, 5)
    middle = opened(mid)
    assert as_array(middle["contiguous"]).maxshape == (4, 5)
    assert as_array(middle["growing"]).maxshape == (None, 5)
    assert tree_diff(opened(src), opened(back)) == []


def test_byte_order_survives_zarr(
    new_path: Callable[..., Path], opened: Callable[[Path], Group]
) -> None:
    src, mid, back = new_path("hdf5", "src"), new_path("zarr", "mid"), new_path("hdf5", "back")
    with nwbzarr.open(src, "w") as root:
        root.create_array("be", np.arange(6, dtype=">i4"))
    nwbzarr.convert(src, mid)
    nwbzarr.convert(mid, back)
    assert as_array(opened(mid)["be"]).dtype == np.dtype(">i4")
    assert tree_diff(opened(src), opened(back)) == []


# ------------------------------------------------------------------------------------------------
# dimension names on Zarr: xarray opens a TimeSeries group directly
# ------------------------------------------------------------------------------------------------
def test_zarr_arrays_get_dimension_names(
    new_path: Callable[..., Path], opened: Callable[[Path], Group]
) -> None:
    src, dst = new_path("hdf5", "src"), new_path("zarr", "dst")
    data = np.arange(30, dtype="int16").reshape(10, 3)
    timestamps = np.linspace(0.0, 0.9, 10)
    with nwbzarr.open(src, "w") as root:
        series = root.create_group(
            "acquisition/ElectricalSeries",
            attrs={"neurodata_type": "ElectricalSeries", "namespace": "core"},
        )
        series.create_array("data", data, attrs={"unit": "volts"})
        series.create_array("timestamps", timestamps, attrs={"unit": "seconds"})
    nwbzarr.convert(src, dst)
    group = "acquisition/ElectricalSeries"
    assert zarr_doc(dst, f"{group}/data")["dimension_names"] == ["time", "channel"]
    assert zarr_doc(dst, f"{group}/timestamps")["dimension_names"] == ["time"]
    assert as_array(opened(dst)[f"{group}/data"]).dims == ("time", "channel")
    with xr.open_zarr(dst, group=group) as ds:
        assert dict(ds.sizes) == {"time": 10, "channel": 3}
        assert ds["data"].dims == ("time", "channel")
        np.testing.assert_array_equal(ds["data"].values, data)
        np.testing.assert_array_equal(ds["timestamps"].values, timestamps)
