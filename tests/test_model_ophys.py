"""The typed ophys model: imaging planes, two-photon series, segmentation, ROI responses."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from model_peers import peer_read, peer_validate

from nwbzarr.errors import ValidationError
from nwbzarr.model import (
    ImagingPlane,
    PlaneSegmentation,
    RoiResponseSeries,
    TwoPhotonSeries,
    read,
    write,
)
from nwbzarr.tree import Array

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "ophys.py"

pytest.importorskip("pynwb")
pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ophys_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def written(example: ModuleType, fmt: str, new_path: Callable[..., Path]) -> Path:
    path = new_path(fmt, "ophys")
    write(example.build(), path)
    return path


def test_peer_validates(written: Path) -> None:
    assert peer_validate(written) == []


def test_peer_reads_same_values(written: Path, example: ModuleType) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io: Any = peer_read(written)
        with io:
            nwb = io.read()
            series = nwb.acquisition["TwoPhotonSeries"]
            expected = np.arange(20 * 8 * 8, dtype="uint16").reshape(20, 8, 8)
            np.testing.assert_array_equal(series.data[:], expected)
            assert series.imaging_plane is nwb.imaging_planes["ImagingPlane"]
            assert series.rate == 30.0
            external = nwb.acquisition["TwoPhotonSeriesExternal"]
            assert list(external.external_file[:]) == [example.EXTERNAL]
            assert external.format == "external"
            plane = nwb.imaging_planes["ImagingPlane"]
            assert plane.device is nwb.devices["Microscope"]
            assert plane.optical_channel[0].emission_lambda == 500.0
            segmentation = nwb.processing["ophys"]["ImageSegmentation"]
            pixels = segmentation["PlaneSegmentationPix"]["pixel_mask"][1]
            assert [tuple(p) for p in pixels] == [(1, 1, 1.0), (2, 1, 0.5), (1, 2, 0.5)]
            assert segmentation["PlaneSegmentation"]["image_mask"].data.shape == (3, 8, 8)
            rrs = nwb.processing["ophys"]["Fluorescence"]["RoiResponseSeries"]
            assert rrs.rois.table is segmentation["PlaneSegmentation"]
            assert list(rrs.rois.data[:]) == [0, 1]


def test_read_back(written: Path) -> None:
    nwb = read(written)
    plane = nwb.imaging_planes["ImagingPlane"]
    assert isinstance(plane, ImagingPlane) and plane.device is nwb.devices["Microscope"]
    series = nwb.acquisition["TwoPhotonSeries"]
    assert isinstance(series, TwoPhotonSeries) and isinstance(series.data, Array)
    assert series.imaging_plane is plane
    module = nwb.processing["ophys"]
    segmentation = module["ImageSegmentation"]
    table = segmentation["PlaneSegmentationPix"]  # type: ignore[index]
    assert isinstance(table, PlaneSegmentation) and table.imaging_plane is plane
    assert [tuple(p) for p in table["pixel_mask"][2]] == [(2, 2, 1.0), (3, 2, 0.5), (2, 3, 0.5)]
    dff = module["DfOverF"]["dff"]  # type: ignore[index]
    assert isinstance(dff, RoiResponseSeries)
    assert dff.rois.table is segmentation["PlaneSegmentation"]  # type: ignore[index]


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
def test_rewrite_validates(written: Path, dst_fmt: str, new_path: Callable[..., Path]) -> None:
    out = new_path(dst_fmt, "again")
    write(read(written), out)
    assert peer_validate(out) == []


def test_two_photon_needs_data_or_file(example: ModuleType) -> None:
    plane = example.build().imaging_planes["ImagingPlane"]
    with pytest.raises(
        ValidationError, match=r"^TwoPhotonSeries 'x': give data or external_file, not neither$"
    ):
        TwoPhotonSeries(name="x", imaging_plane=plane, rate=1.0)


def test_roi_region_outside_table(example: ModuleType) -> None:
    segmentation = example.build().processing["ophys"]["ImageSegmentation"]
    with pytest.raises(ValidationError, match=r"indices \[3\] are outside the table"):
        segmentation["PlaneSegmentation"].create_roi_table_region("bad", region=[3])


def test_example_script_runs(tmp_path: Path, fmt: str) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), str(tmp_path), fmt],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "TwoPhotonSeriesExternal" in result.stdout
