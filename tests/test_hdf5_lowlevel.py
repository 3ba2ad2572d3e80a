"""The HDF5 backend's low-level fast paths give what h5py's high-level API gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import nwbzarr
from nwbzarr.dtypes import ASCII, UTF8, DType

CASES: list[tuple[str, Any, DType | None]] = [
    ("f8", np.arange(5.0), None),
    ("f4_scalar", np.float32(3), None),
    ("i2_2d", np.arange(6, dtype="i2").reshape(2, 3), None),
    ("utf8", "h\u00e9llo", UTF8),
    ("ascii", "x", ASCII),
    ("bool", np.array([True, False]), None),
    ("empty", np.zeros((0,)), None),
    ("text_list", ["a", "bb"], UTF8),
    ("caf\u00e9", np.arange(3, dtype="u1"), None),
]


@pytest.mark.parametrize(("name", "value", "dtype"), CASES, ids=[c[0] for c in CASES])
def test_created_array_reads_back_as_written(
    tmp_path: Path, name: str, value: Any, dtype: DType | None
) -> None:
    """The spec known at creation equals the one read from the file; values round-trip."""
    path = tmp_path / "a.h5"
    with nwbzarr.open(path, "w") as root:
        written = root.create_array(name, value, dtype=dtype, compression=None)
        written.attrs["unit"] = "m"
        written.attrs["scale"] = np.float64(0.5)
        spec = written.spec
    with nwbzarr.open(path) as root:
        array = root.array(name)
        got = array.spec
        assert (got.shape, got.datatype, got.chunks, got.maxshape, got.compression) == (
            spec.shape,
            spec.datatype,
            spec.chunks,
            spec.maxshape,
            spec.compression,
        )
        assert type(got.fillvalue) is type(spec.fillvalue)
        assert repr(got.fillvalue) == repr(spec.fillvalue)
        np.testing.assert_array_equal(
            np.asarray(array[()], dtype=object), np.asarray(value, dtype=object)
        )
        assert array.attrs["unit"] == "m"
        assert array.attrs.type_of("unit") == UTF8
        assert array.attrs["scale"] == 0.5


def test_objects_are_created_as_h5py_creates_them(tmp_path: Path) -> None:
    """Same property lists as h5py's create_group / create_dataset / attrs.create."""
    ours, theirs = tmp_path / "ours.h5", tmp_path / "theirs.h5"
    with nwbzarr.open(ours, "w") as root:
        group = root.create_group("g\u00e9")
        group.attrs["description"] = "d"
        group.create_array("data", np.arange(4.0), compression=None)
    with h5py.File(theirs, "w", libver="earliest") as h5:
        g = h5.create_group("g\u00e9")
        g.attrs["description"] = "d"
        g.create_dataset("data", data=np.arange(4.0))
    with h5py.File(ours, "r") as a, h5py.File(theirs, "r") as b:
        for path in ("g\u00e9", "g\u00e9/data"):
            times = (h5[path].id.get_create_plist().get_obj_track_times() for h5 in (a, b))
            assert next(times) == next(times)
            assert (
                a.id.links.get_info(path.encode()).cset == b.id.links.get_info(path.encode()).cset
            )
        assert a["g\u00e9"].attrs.get_id("description").get_type().get_cset() == (
            b["g\u00e9"].attrs.get_id("description").get_type().get_cset()
        )
        assert a["g\u00e9/data"].id.get_create_plist().get_layout() == h5py.h5d.CONTIGUOUS
        np.testing.assert_array_equal(a["g\u00e9/data"][()], b["g\u00e9/data"][()])


def test_attribute_overwrite_replaces_the_value_and_type(tmp_path: Path) -> None:
    path = tmp_path / "a.h5"
    with nwbzarr.open(path, "w") as root:
        root.attrs["x"] = "text"
        root.attrs["x"] = np.int32(7)
    with h5py.File(path, "r") as h5:
        assert h5.attrs["x"] == 7
        assert h5.attrs["x"].dtype == np.int32
