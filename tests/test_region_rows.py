"""A DynamicTableRegion's ``[...]`` gives the referenced rows of its table, as pynwb's does
(a pandas DataFrame indexed by id, the table's columns in order); ``.data`` and
``get(key, index=True)`` give the row positions."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr import ElectricalSeries, NWBFile

pd = pytest.importorskip("pandas")
START = datetime(2020, 1, 1, tzinfo=UTC)


def build(module: Any) -> Any:
    """The same file with nwbzarr's or pynwb's classes."""
    nwb = module.NWBFile(
        session_description="region", identifier="region", session_start_time=START
    )
    device = nwb.create_device(name="array", description="probe")
    group = nwb.create_electrode_group(
        name="shank0", description="g", location="CA1", device=device
    )
    nwb.add_electrode_column(name="label", description="label")
    for i in range(4):
        nwb.add_electrode(group=group, location="CA1", label=f"ch{i}", x=float(i), y=2.0, z=3.0)
    region = nwb.create_electrode_table_region(region=[3, 1], description="two")
    series_class = getattr(module, "ElectricalSeries", None) or module.ecephys.ElectricalSeries
    nwb.add_acquisition(
        series_class(name="es", data=np.zeros((5, 2)), electrodes=region, rate=10.0)
    )
    return nwb


def compare(ours: Any, theirs: Any) -> None:
    assert list(ours.index) == list(theirs.index)
    assert ours.index.name == theirs.index.name == "id"
    assert list(ours.columns) == list(theirs.columns)
    for column in ("location", "label", "group_name", "x", "y", "z"):
        assert list(ours[column]) == list(theirs[column]), column
    assert [g.name for g in ours["group"]] == [g.name for g in theirs["group"]]


def test_region_rows_as_pynwb(fmt: str, new_path: Callable[..., Path]) -> None:
    pynwb = pytest.importorskip("pynwb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = build(pynwb).acquisition["es"].electrodes
    built = build(nwbzarr)
    assert isinstance(built, NWBFile)
    path = new_path(fmt)
    nwbzarr.write(built, path)
    read = nwbzarr.read(path)
    for nwb in (built, read):
        ours = nwb.acquisition["es"]
        assert isinstance(ours, ElectricalSeries)
        region = ours.electrodes
        compare(region[:], theirs[:])
        compare(region[0], theirs[0])  # one row: a one-row DataFrame, as pynwb
        compare(region[[1]], theirs[[1]])
        assert list(np.asarray(region.data[:])) == [3, 1]
        assert list(region.get(slice(None), index=True)) == [3, 1]
        rows = region.get(slice(None), df=False)
        assert rows["id"] == [3, 1] and rows["label"] == ["ch3", "ch1"]
    read.source_node.close()  # type: ignore[union-attr]


def test_rows_outside_the_table() -> None:
    nwb = build(nwbzarr)
    assert nwb.electrodes is not None
    with pytest.raises(IndexError, match=r"electrodes: rows \[7\] are outside the table of 4"):
        nwb.electrodes.rows([7])
