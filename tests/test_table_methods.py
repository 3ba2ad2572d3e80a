"""The arguments of pynwb's table methods do what pynwb (hdmf) does with them (issue 14 item 2).

``add_column`` (data, table, index levels or offsets, col_cls, check_ragged, enum refused),
``add_row`` (data dict, id, enforce_unique_id, check_ragged), ``to_dataframe(exclude, index)``,
``create_region``, ``ProcessingModule.add`` / ``get``, ``NWBFile.add_electrode`` and
``create_imaging_plane``'s required arguments, ``Units.add_unit`` with doubly ragged waveforms:
each against hdmf / pynwb where they agree, and failure cases with their messages.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr.errors import ValidationError

hdmf_common = pytest.importorskip("hdmf.common")
pynwb = pytest.importorskip("pynwb")

START = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def _tables() -> list[Any]:
    """An empty table of nwbzarr and one of hdmf."""
    return [
        nwbzarr.DynamicTable(name="t", description="a table"),
        hdmf_common.DynamicTable(name="t", description="a table"),
    ]


def test_add_column_index_levels_and_offsets_as_hdmf() -> None:
    for table in _tables():
        table.add_row(id=5)
        table.add_row(id=6)
        table.add_column("two", "doubly ragged", data=[[[1, 2], [3]], [[4]]], index=2)
        table.add_column("given", "offsets given", data=[7, 8, 9], index=[1, 3])
        assert [list(map(int, v)) for v in table["two"][0]] == [[1, 2], [3]]
        assert [list(map(int, v)) for v in table["two"][1]] == [[4]]
        assert [list(map(int, v)) for v in table["given"][:]] == [[7], [8, 9]]


@pytest.mark.parametrize("kind", ["nwbzarr", "hdmf"])
def test_ragged_warnings(kind: str) -> None:
    table = _tables()[0 if kind == "nwbzarr" else 1]
    table.add_row(id=0)
    table.add_row(id=1)
    with pytest.warns(UserWarning, match="Use the 'index' argument when adding a column"):
        table.add_column("r", "ragged without index", data=[[1, 2], [3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table.add_column("q", "not checked", data=[[1, 2], [3]], check_ragged=False)
    other = _tables()[0 if kind == "nwbzarr" else 1]
    other.add_column("v", "values")
    other.add_row(v=[1, 2])
    with pytest.warns(UserWarning, match="Use the 'index' argument when creating a column"):
        other.add_row(v=[1, 2, 3])


def test_add_column_refusals() -> None:
    table = nwbzarr.DynamicTable(name="t", description="a table")
    with pytest.raises(ValueError, match="cannot be both a table region and come from an enum"):
        table.add_column("x", "both", table=True, enum=True)
    table.add_column("a", "first")
    with pytest.raises(ValidationError, match=r"^column 'a' already exists in DynamicTable 't'$"):
        table.add_column("a", "again")
    table.add_row(a=1)
    with pytest.raises(
        ValidationError,
        match=r"^t: column 'b' has 2 rows, the table has 1 \(column must have the same",
    ):
        table.add_column("b", "too long", data=[1, 2])
    with pytest.raises(ValueError, match="'index=1' may be too small for the given data"):
        table.add_column("c", "deep", data=[[[1]]], index=True)


@pytest.mark.parametrize("kind", ["nwbzarr", "hdmf"])
def test_enum_columns_as_hdmf(kind: str) -> None:
    """``enum=[...]`` (a fixed set) or ``enum=True`` (values join as they come): values in
    and out, indices into ``elements`` stored."""
    table = _tables()[0 if kind == "nwbzarr" else 1]
    table.add_column("fixed", "a fixed set", enum=["a", "b", "c"])
    table.add_column("open", "an open set", enum=True)
    table.add_row(fixed="c", open="y")
    table.add_row(fixed="a", open="x")
    table.add_row(fixed="c", open="y")
    assert list(table["fixed"][:]) == ["c", "a", "c"]
    assert [int(i) for i in table["fixed"].get(slice(None), index=True)] == [2, 0, 2]
    assert list(table["open"].elements.data) == ["y", "x"]
    assert table["open"][1] == "x"
    assert list(table.to_dataframe()["fixed"]) == ["c", "a", "c"]
    assert table["fixed"].elements.name == "fixed_elements"


def test_add_row_ids_and_data() -> None:
    table = nwbzarr.DynamicTable(name="t", description="a table")
    table.add_column("a", "a column")
    table.add_row({"a": 1}, 10)
    table.add_row({"a": 2, "id": 20})
    table.add_row(a=3)
    assert list(table.id.data) == [10, 20, 2]
    with pytest.raises(ValidationError, match=r"^t: id 20 already in the table$"):
        table.add_row(a=4, id=20, enforce_unique_id=True)
    assert len(table) == 3
    with pytest.raises(ValidationError, match=r"missing columns \['a'\], unknown columns \['b'\]"):
        table.add_row(b=1)


def test_to_dataframe_exclude_and_index() -> None:
    target = nwbzarr.DynamicTable(name="target", description="rows")
    target.add_column("label", "labels")
    for label in ("x", "y", "z"):
        target.add_row(label=label)
    table = nwbzarr.DynamicTable(name="t", description="refers")
    table.add_column("row", "a row of target", table=target)
    table.add_column("rows", "rows of target", table=target, index=True)
    table.add_column("extra", "to leave out")
    table.add_row(row=2, rows=[0, 1], extra=0)
    plain = table.to_dataframe(exclude={"extra"})
    assert list(plain.columns) == ["row", "rows"]
    assert list(plain["row"].iloc[0]["label"]) == ["z"]
    assert list(plain["rows"].iloc[0]["label"]) == ["x", "y"]
    indexed = table.to_dataframe(index=True)
    assert indexed["row"].iloc[0] == 2
    assert list(indexed["rows"].iloc[0]) == [0, 1]


def test_create_region() -> None:
    table = nwbzarr.DynamicTable(name="t", description="a table")
    table.add_column("a", "a column")
    for i in range(4):
        table.add_row(a=i)
    region = table.create_region("r", slice(1, 3), "two rows")
    assert list(region.data) == [1, 2]
    assert region.table is table
    assert list(region[:]["a"]) == [1, 2]
    with pytest.raises(
        IndexError,
        match=r"^region slice slice\(0, 9, None\) is out of range for this "
        r"DynamicTable of length 4$",
    ):
        table.create_region("bad", slice(0, 9), "too far")


def test_processing_module_add_and_get() -> None:
    module = nwbzarr.ProcessingModule("m", "a module")
    one = nwbzarr.DynamicTable(name="one", description="a table")
    given = [one, nwbzarr.DynamicTable(name="two", description="another")]
    assert module.add(given) is given
    module.add({"three": nwbzarr.DynamicTable(name="three", description="a third")})
    assert module.get("one") is one
    with pytest.raises(
        ValidationError,
        match=r"^ProcessingModule 'm' holds 3 data interfaces: name one \(\['one', 'two', ",
    ):
        module.get()
    only = nwbzarr.ProcessingModule("n", "one thing")
    only.add(one)
    assert only.get() is one
    with pytest.raises(ValidationError, match=r"^ProcessingModule 'n': add 3: expected an "):
        only.add(3)


def test_add_electrode_needs_location_and_group() -> None:
    nwbfile = nwbzarr.NWBFile("e", "E-1", START)
    device = nwbfile.create_device("d")
    group = nwbfile.create_electrode_group("g", "a group", "CA1", device)
    with pytest.raises(
        ValidationError,
        match=r"^NWBFile.add_electrode: the 'location' argument is required when creating an "
        r"electrode$",
    ):
        nwbfile.add_electrode(1.0, 2.0, 3.0, group=group)
    with pytest.raises(ValidationError, match="the 'group' argument is required"):
        nwbfile.add_electrode(location="CA1")
    nwbfile.add_electrode(1.0, 2.0, 3.0, -1.0, "CA1", "none", group, 7)
    electrodes = nwbfile.electrodes
    assert electrodes is not None
    assert list(electrodes.id.data) == [7]
    with pytest.raises(ValidationError, match=r"^electrodes: id 7 already in the table$"):
        nwbfile.add_electrode(1.0, 2.0, 3.0, -1.0, "CA1", "none", group, 7)
    nwbfile.add_electrode(
        data={
            "x": 4.0,
            "y": 5.0,
            "z": 6.0,
            "imp": -1.0,
            "location": "CA3",
            "filtering": "none",
            "group": group,
            "group_name": "g",
        }
    )
    assert list(electrodes["location"].data) == ["CA1", "CA3"]


def test_create_imaging_plane_checks_as_pynwb() -> None:
    nwbfile = nwbzarr.NWBFile("p", "P-1", START)
    channel = nwbzarr.OpticalChannel("green", "green", 525.0)
    device = nwbfile.create_device("scope")
    with pytest.raises(
        ValidationError, match=r"^ImagingPlane 'p0': the 'indicator' argument is required$"
    ):
        nwbfile.create_imaging_plane("p0", channel, "a plane", device, 920.0)
    with pytest.raises(
        ValidationError,
        match=r"^ImagingPlane 'p0': the 'manifold' argument is deprecated in favor of "
        r"'origin_coords' and 'grid_spacing'$",
    ):
        nwbfile.create_imaging_plane(
            "p0", channel, None, device, 920.0, "GCaMP", "V1", manifold=np.zeros((2, 2, 3))
        )
    plane = nwbfile.create_imaging_plane("p0", channel, None, device, 920.0, "GCaMP", "V1")
    assert nwbfile.imaging_planes["p0"] is plane


def test_creators_take_pynwb_positions() -> None:
    nwbfile = nwbzarr.NWBFile("c", "C-1", START)
    device = nwbfile.create_device("rig")
    electrode = nwbfile.create_icephys_electrode("e0", device, "a pipette", "slice 1")
    assert getattr(electrode, "slice") == "slice 1"  # noqa: B009
    site = nwbfile.create_ogen_site("s0", device, "a fibre", 470.0, "VISp")
    assert nwbfile.ogen_sites["s0"] is site
    ids = nwbzarr.DynamicTable(name="x", description="x").id
    table = nwbfile.create_time_intervals("blocks", "blocks", ids)
    assert table.id is ids


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
def test_units_waveforms_doubly_ragged(fmt: str, tmp_path: Path) -> None:
    nwbfile = nwbzarr.NWBFile("u", "U-1", START)
    rng = np.random.default_rng(3)
    shapes = [(3, 2, 5), (1, 2, 5)]  # spikes x electrodes x samples
    waves = [rng.normal(size=s) for s in shapes]
    for i, wave in enumerate(waves):
        nwbfile.add_unit(np.arange(float(len(wave))), waveforms=wave, id=i)
    path = tmp_path / ("u.nwb" if fmt == "hdf5" else "u.nwb.zarr")
    nwbzarr.write(nwbfile, path)
    if fmt == "hdf5":
        from pynwb import NWBHDF5IO as PeerIO
    else:
        from hdmf_zarr.nwb import NWBZarrIO as PeerIO
    with PeerIO(str(path), "r") as io:
        units = io.read().units
        np.testing.assert_array_equal(np.asarray(units["waveforms"][0]), waves[0])
        np.testing.assert_array_equal(np.asarray(units["waveforms"][1]), waves[1])
    ours = nwbzarr.read(path).units
    assert ours is not None
    np.testing.assert_array_equal(np.asarray(ours["waveforms"][1], dtype=float), waves[1])
    assert list(ours.indexes["waveforms"].data[:]) == [2, 4, 6, 8]  # per spike
    assert list(ours["waveforms_index"].data[:]) == [3, 4]  # per unit, as pynwb reads it


def _peer_read(path: Path, fmt: str) -> Any:
    if fmt == "hdf5":
        from pynwb import NWBHDF5IO as PeerIO
    else:
        from hdmf_zarr.nwb import NWBZarrIO as PeerIO
    return PeerIO(str(path), "r")


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
def test_decomposition_series_has_its_bands_table(fmt: str, tmp_path: Path) -> None:
    """pynwb makes the (required) bands table of a new DecompositionSeries; so does nwbzarr."""
    nwbfile = nwbzarr.NWBFile("d", "D-1", START)
    module = nwbfile.create_processing_module("ecephys", "spectral analysis")
    empty = nwbzarr.DecompositionSeries("empty", np.zeros((4, 1, 0)), "power", rate=10.0)
    assert empty.bands is not None and list(empty.bands.colnames) == ["band_name", "band_limits"]
    filled = nwbzarr.DecompositionSeries("filled", np.ones((4, 1, 2)), "power", rate=10.0)
    filled.add_band("theta", (4.0, 8.0))
    filled.add_band("gamma", (30.0, 80.0))
    module.add([empty, filled])
    path = tmp_path / ("d.nwb" if fmt == "hdf5" else "d.nwb.zarr")
    nwbzarr.write(nwbfile, path)
    with _peer_read(path, fmt) as io:
        interfaces = io.read().processing["ecephys"].data_interfaces
        assert len(interfaces["empty"].bands) == 0
        assert interfaces["empty"].bands.description == empty.bands.description
        bands = interfaces["filled"].bands.to_dataframe()
        assert list(bands["band_name"]) == ["theta", "gamma"]
        np.testing.assert_array_equal(np.stack(list(bands["band_limits"])), [[4, 8], [30, 80]])
    ours = nwbzarr.read(path).processing["ecephys"].get("filled")
    assert list(getattr(ours, "bands")["band_name"][:]) == ["theta", "gamma"]  # noqa: B009


@pytest.mark.parametrize("kind", ["nwbzarr", "hdmf"])
def test_from_dataframe_as_hdmf(kind: str) -> None:
    import pandas as pd

    cls = nwbzarr.DynamicTable if kind == "nwbzarr" else hdmf_common.DynamicTable
    frame = pd.DataFrame(
        {"a": [1, 2], "r": [[1], [2, 3]], "s": ["x", "y"]}, index=pd.Index([4, 5], name="id")
    )
    table = cls.from_dataframe(
        frame, "t", table_description="d", columns=[{"name": "s", "description": "S"}]
    )
    assert list(table.colnames) == ["a", "r", "s"] and [int(i) for i in table.id[:]] == [4, 5]
    assert [list(map(int, v)) for v in table["r"][:]] == [[1], [2, 3]]
    assert table["s"].description == "S" and table["a"].description == "no description"
    with pytest.raises(ValueError, match=r"^cols specified but not provided: \{'q'\}$"):
        cls.from_dataframe(frame, "t", columns=[{"name": "q", "description": "Q"}])
