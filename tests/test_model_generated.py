"""Classes generated from the schema: every type, pynwb's arguments, checks, collections, peers.

Files with behavior, icephys, optogenetics, images and misc types are written in both formats,
read back as typed objects and read by pynwb / hdmf-zarr with the same values.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from model_peers import peer_read

import nwbzarr
import nwbzarr.model
from nwbzarr.errors import UnknownTypeError, ValidationError
from nwbzarr.model.base import LazyContainers
from nwbzarr.spec import bundled_catalog

START = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
M: Any = nwbzarr  # the generated classes are module attributes made on first use


def test_every_bundled_type_is_a_class_with_the_schema_inheritance() -> None:
    catalog = bundled_catalog()
    names = nwbzarr.model.bundled_type_names()
    assert len(names) >= 90
    for name in names:
        cls = getattr(nwbzarr, name)
        assert cls is getattr(nwbzarr.model, name) and cls.neurodata_type == name
        tspec = catalog.get(name)
        if tspec.parent is not None:
            assert issubclass(cls, getattr(nwbzarr, tspec.parent)), name
        assert cls.__doc__, name
    assert M.SpatialSeries.__doc__ == catalog.get("SpatialSeries").doc


def test_get_class_as_pynwb() -> None:
    assert nwbzarr.get_class("SpatialSeries", "core") is M.SpatialSeries
    assert nwbzarr.get_class("DynamicTable", "hdmf-common") is M.DynamicTable
    with pytest.raises(UnknownTypeError, match=r"^no neurodata type 'NoSuchType'"):
        nwbzarr.get_class("NoSuchType", "core")


def test_signatures_are_pynwb_s_and_positional() -> None:
    params = list(inspect.signature(M.SpatialSeries).parameters)
    assert params[:4] == ["name", "data", "reference_frame", "unit"]
    nwbfile = M.NWBFile("my first synthetic recording", "EXAMPLE_ID", START)
    assert nwbfile.identifier == "EXAMPLE_ID"
    series = M.SpatialSeries("pos", np.ones((4, 2)), "corner", rate=1.0)
    assert series.reference_frame == "corner" and series.unit == "meters"
    with pytest.raises(TypeError, match=r"got multiple values for argument 'data'"):
        M.SpatialSeries("pos", np.ones(3), data=np.ones(3), rate=1.0)


def test_checks_at_construction_name_class_field_and_value() -> None:
    device = M.Device(name="amp")
    with pytest.raises(ValidationError, match=r"^IntracellularElectrode 'e': device is required$"):
        M.IntracellularElectrode(name="e", description="patch")
    with pytest.raises(
        ValidationError,
        match=r"^OptogeneticStimulusSite 's': excitation_lambda='blue': expected float values",
    ):
        M.OptogeneticStimulusSite(
            name="s", device=device, description="d", excitation_lambda="blue", location="x"
        )
    with pytest.raises(
        ValidationError,
        match=r"^SpatialSeries 'p': data=<float64 array of shape \(3, 4\)>: shape \(3, 4\) "
        r"does not match the schema's \(None,\) or \(None, 1\) or \(None, 2\) or \(None, 3\)$",
    ):
        M.SpatialSeries(name="p", data=np.ones((3, 4)), rate=1.0)


def test_collections_as_pynwb() -> None:
    series = M.SpatialSeries("pos", np.ones((3, 2)), "corner", rate=1.0)
    position = M.Position(spatial_series=series)
    assert position.name == "Position"
    assert position["pos"] is series and position.get_spatial_series() is series
    made = position.create_spatial_series(name="other", data=np.ones(3), rate=1.0)
    assert position.spatial_series == {"pos": series, "other": made}
    with pytest.raises(ValidationError, match=r"spatial_series already has 'pos'"):
        position.add_spatial_series(series)
    fluo = M.Fluorescence()
    assert fluo.roi_response_series == {} and hasattr(fluo, "add_roi_response_series")
    images = M.Images("imgs", images=[M.GrayscaleImage(name="g", data=np.zeros((2, 2)))])
    assert list(images.images) == ["g"]


def test_timestamps_of_another_series_are_its_timestamps() -> None:
    source = M.TimeSeries(name="a", data=np.ones(3), unit="m", timestamps=[0.0, 1.0, 2.0])
    other = M.TimeSeries(name="b", data=np.ones(3), unit="m", timestamps=source)
    np.testing.assert_array_equal(other.timestamps, [0.0, 1.0, 2.0])
    assert other.timestamps_from is source


def _build() -> Any:
    nwbfile = M.NWBFile("generated types", "gen-1", START)
    device = nwbfile.create_device(name="rig", description="acquisition rig")
    behavior = nwbfile.create_processing_module("behavior", "behavior")
    position = M.Position()
    position.create_spatial_series(
        name="pos", data=np.arange(10.0).reshape(5, 2), reference_frame="corner", rate=5.0
    )
    behavior.add(position)
    compass = M.CompassDirection()
    compass.add_spatial_series(
        M.SpatialSeries(
            name="heading",
            data=np.linspace(0, 1, 5),
            reference_frame="north",
            unit="radians",
            timestamps=np.arange(5.0),
        )
    )
    behavior.add(compass)
    electrode = nwbfile.create_icephys_electrode(name="elec0", description="patch", device=device)
    nwbfile.add_acquisition(
        M.CurrentClampSeries(
            name="ccs", data=np.arange(6.0), electrode=electrode, gain=0.02, rate=100.0
        )
    )
    site = nwbfile.create_ogen_site(
        name="site", device=device, description="laser", excitation_lambda=473.0, location="VISp"
    )
    nwbfile.add_acquisition(M.OptogeneticSeries(name="ogen", data=np.ones(4), site=site, rate=2.0))
    nwbfile.add_acquisition(
        M.Images("imgs", images=[M.GrayscaleImage(name="g", data=np.eye(3), description="gray")])
    )
    nwbfile.add_acquisition(
        M.OpticalSeries(
            name="movie",
            data=np.zeros((2, 3, 3), dtype="uint8"),
            distance=0.5,
            field_of_view=[0.1, 0.1],
            orientation="up",
            unit="n/a",
            rate=30.0,
        )
    )
    notes = M.AnnotationSeries(name="notes", data=["a", "b"], timestamps=[1.0, 2.0])
    nwbfile.add_acquisition(notes)
    nwbfile.add_acquisition(M.IntervalSeries(name="iv", data=[1, -1], timestamps=[0.0, 1.0]))
    nwbfile.add_unit_column("waveform_mean", "mean waveform")
    nwbfile.add_unit(spike_times=[0.1, 0.2], waveform_mean=np.ones(4))
    nwbfile.add_unit(spike_times=[0.3], waveform_mean=np.zeros(4))
    return nwbfile


def test_round_trip_gives_typed_objects(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt, "generated")
    nwbzarr.write(_build(), path)
    back: Any = nwbzarr.read(path)
    kinds = {name: type(obj).__name__ for name, obj in back.acquisition.items()}
    assert kinds == {
        "ccs": "CurrentClampSeries",
        "imgs": "Images",
        "iv": "IntervalSeries",
        "movie": "OpticalSeries",
        "notes": "AnnotationSeries",
        "ogen": "OptogeneticSeries",
    }
    behavior = back.processing["behavior"]
    position = behavior["Position"]
    assert isinstance(position, M.Position)
    assert isinstance(position.spatial_series, LazyContainers)
    assert not isinstance(dict.__getitem__(position.spatial_series, "pos"), M.TimeSeries)
    pos = position["pos"]
    assert isinstance(pos, M.SpatialSeries) and pos.reference_frame == "corner"
    np.testing.assert_array_equal(pos.data[:], np.arange(10.0).reshape(5, 2))
    ccs = back.acquisition["ccs"]
    assert ccs.electrode is back.icephys_electrodes["elec0"] and ccs.gain == pytest.approx(0.02)
    assert back.acquisition["ogen"].site is back.ogen_sites["site"]
    assert back.acquisition["movie"].orientation == "up"
    assert {type(o).__name__ for o in back.objects.values()} >= {"Position", "SpatialSeries"}
    again = new_path(fmt, "again")
    nwbzarr.write(back, again)
    assert isinstance(nwbzarr.read(again).processing["behavior"]["CompassDirection"], M.Container)


def test_peers_read_the_same_values(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt, "generated")
    nwbzarr.write(_build(), path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io: Any = peer_read(path)
        with io:
            nwb = io.read()
            behavior = nwb.processing["behavior"]
            pos = behavior["Position"]["pos"]
            assert type(pos).__name__ == "SpatialSeries" and pos.reference_frame == "corner"
            np.testing.assert_array_equal(pos.data[:], np.arange(10.0).reshape(5, 2))
            heading = behavior["CompassDirection"]["heading"]
            assert heading.unit == "radians"
            ccs = nwb.acquisition["ccs"]
            assert type(ccs).__name__ == "CurrentClampSeries" and ccs.gain == 0.02
            assert ccs.electrode is nwb.icephys_electrodes["elec0"]
            assert nwb.ogen_sites["site"].excitation_lambda == 473.0
            np.testing.assert_array_equal(nwb.acquisition["imgs"].images["g"].data[:], np.eye(3))
            assert nwb.acquisition["movie"].distance == 0.5
            assert list(nwb.acquisition["notes"].data[:]) == ["a", "b"]
            np.testing.assert_array_equal(nwb.units["waveform_mean"][1], np.zeros(4))


def test_missing_schema_reads_generic_with_one_warning(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    path = new_path(fmt, "ext")
    nwbzarr.write(_build(), path)
    with nwbzarr.open(path, "r+") as root:
        for name in ("x1", "x2"):
            root["acquisition"].create_group(  # type: ignore[attr-defined]
                name, attrs={"namespace": "ndx-nope", "neurodata_type": "Nope", "object_id": name}
            )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        back = nwbzarr.read(path)
        kinds = [type(back.acquisition[n]).__name__ for n in ("x1", "x2")]
    assert kinds == ["GenericContainer", "GenericContainer"]
    found = [str(w.message) for w in caught if "Nope" in str(w.message)]
    assert found == [
        f"{path}: no schema for neurodata type 'Nope' (namespace 'ndx-nope'): "
        "read as a GenericContainer"
    ]


NAMESPACE = """namespaces:
- name: ndx-model-test
  version: 0.1.0
  doc: an extension for the model's tests
  author: [nwbzarr]
  contact: [nwbzarr@example.org]
  schema:
  - namespace: core
  - source: ndx-model-test.extensions.yaml
"""
EXTENSIONS = """groups:
- neurodata_type_def: LabNotes
  neurodata_type_inc: LabMetaData
  doc: Notes of the lab.
  attributes:
  - name: lab_name
    dtype: text
    doc: name of the lab
  datasets:
  - name: temperature
    dtype: float64
    doc: room temperature
    quantity: '?'
- neurodata_type_def: GainSeries
  neurodata_type_inc: TimeSeries
  doc: A series with a gain.
  attributes:
  - name: gain
    dtype: float64
    doc: the gain
  links:
  - name: camera
    target_type: Device
    doc: the camera
    quantity: '?'
"""


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Namespaces loaded in this test only (every file written later would cache them)."""
    from nwbzarr.spec import sources

    monkeypatch.setattr(sources, "_loaded", {})
    monkeypatch.setattr(sources, "_loaded_catalog", [])


@pytest.mark.usefixtures("registry")
def test_extension_types_are_classes_that_write_and_read(
    fmt: str, new_path: Callable[..., Path], tmp_path: Path
) -> None:
    (tmp_path / "ndx-model-test.namespace.yaml").write_text(NAMESPACE)
    (tmp_path / "ndx-model-test.extensions.yaml").write_text(EXTENSIONS)
    nwbzarr.load_namespaces(str(tmp_path / "ndx-model-test.namespace.yaml"))
    notes_cls: Any = nwbzarr.get_class("LabNotes", "ndx-model-test")
    series_cls: Any = nwbzarr.get_class("GainSeries", "ndx-model-test")
    assert issubclass(notes_cls, M.LabMetaData) and issubclass(series_cls, M.TimeSeries)
    assert notes_cls.__doc__ == "Notes of the lab."
    assert list(inspect.signature(notes_cls).parameters) == ["name", "lab_name", "temperature"]
    assert list(inspect.signature(series_cls).parameters)[:4] == ["name", "data", "unit", "gain"]
    nwbfile = M.NWBFile("extension", "ext-1", START)
    camera = nwbfile.create_device(name="camera")
    nwbfile.add_lab_meta_data(notes_cls("notes", "the lab", 21.5))
    nwbfile.add_acquisition(series_cls("gs", np.ones(3), "V", 2.5, rate=1.0, camera=camera))
    with pytest.raises(ValidationError, match=r"^GainSeries 'bad': gain is required$"):
        series_cls(name="bad", data=np.ones(3), unit="V", rate=1.0)
    path = new_path(fmt, "ext")
    nwbzarr.write(nwbfile, path)
    back: Any = nwbzarr.read(path)
    notes = back.lab_meta_data["notes"]
    assert isinstance(notes, notes_cls) and notes.lab_name == "the lab"
    assert notes.temperature == 21.5
    series = back.acquisition["gs"]
    assert isinstance(series, series_cls) and series.gain == 2.5
    assert series.camera is back.devices["camera"]


def test_dynamic_table_takes_pynwb_s_arguments() -> None:
    a = M.VectorData(name="a", description="A", data=[1, 2])
    b = M.VectorData(name="b", description="B", data=[1, 2, 3])
    b_index = M.VectorIndex(name="b_index", description="index", data=[1, 3], target=b)
    table = M.DynamicTable("t", "a table", [5, 6], [a, b, b_index])
    assert table.colnames == ["a", "b"] and len(table) == 2
    row = table[1]  # a DataFrame of one row (hdmf's), a cell by (row, column)
    assert list(row.index) == [6] and row["a"].iloc[0] == 2 and list(row["b"].iloc[0]) == [2, 3]
    assert table[1, "a"] == 2 and list(table[1, 1]) == [2, 3]
    assert list(table[[0, 1]]["a"]) == [1, 2] and list(table[0:1].index) == [5]
    empty = M.DynamicTable("e", "empty", None, None, None)
    empty.add_column("x", "X")
    empty.add_row(x=1)
    assert empty.colnames == ["x"] and len(empty) == 1


def test_units_waveform_attributes(fmt: str, new_path: Callable[..., Path]) -> None:
    nwbfile = M.NWBFile("units", "units-1", START)
    nwbfile.units = M.Units("units", resolution=1e-4, waveform_rate=30000.0, waveform_unit="uV")
    nwbfile.add_unit(spike_times=[0.5, 1.5], waveform_mean=np.ones((3, 2)))
    nwbfile.add_unit(spike_times=[2.5], waveform_mean=np.zeros((3, 2)))
    path = new_path(fmt, "units")
    nwbzarr.write(nwbfile, path)
    back: Any = nwbzarr.read(path)
    assert back.units.resolution == 1e-4 and back.units.waveform_rate == 30000.0
    assert back.units.waveform_unit == "uV"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io: Any = peer_read(path)
        with io:
            units = io.read().units
            assert units.resolution == 1e-4 and units.waveform_rate == 30000.0
            assert units.waveform_unit == "uV"
            np.testing.assert_array_equal(units["waveform_mean"][0], np.ones((3, 2)))
