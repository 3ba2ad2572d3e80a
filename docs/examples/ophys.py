"""Calcium imaging with nwbzarr's typed model (pynwb's ophys tutorial, imports changed).

Run: ``python docs/examples/ophys.py [OUTPUT_DIR] [hdf5|zarr ...]``.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from nwbzarr.model import (
    DfOverF,
    Fluorescence,
    ImageSegmentation,
    NWBFile,
    OpticalChannel,
    Subject,
    TwoPhotonSeries,
    read,
    write,
)

SUFFIX = {"hdf5": ".nwb", "zarr": ".nwb.zarr"}
EXTERNAL = "frames.npy"  # an ImageSeries may keep its frames in an external file


def movie() -> np.ndarray:
    """20 frames of 8 x 8 pixels."""
    return np.arange(20 * 8 * 8, dtype="uint16").reshape(20, 8, 8)


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="calcium imaging",
        identifier="ophys-example",
        session_start_time=datetime(2019, 4, 3, 11, 0, tzinfo=ZoneInfo("US/Pacific")),
        subject=Subject(subject_id="002", species="Mus musculus", sex="F", age="P60D"),
    )
    microscope = nwbfile.create_device(name="Microscope", description="2p scope")
    channel = OpticalChannel(name="OpticalChannel", description="green", emission_lambda=500.0)
    plane = nwbfile.create_imaging_plane(
        name="ImagingPlane",
        optical_channel=channel,
        description="a plane",
        device=microscope,
        excitation_lambda=600.0,
        indicator="GFP",
        location="VISp",  # the Allen CCF name of V1
        imaging_rate=30.0,
        grid_spacing=[0.01, 0.01],
        origin_coords=[1.0, 2.0, 0.0],
    )
    frames = movie()
    nwbfile.add_acquisition(
        TwoPhotonSeries(
            name="TwoPhotonSeries",
            data=frames,
            imaging_plane=plane,
            rate=30.0,
            unit="n.a.",
            field_of_view=[0.1, 0.1],
            dimension=[8, 8],
        )
    )
    nwbfile.add_acquisition(
        TwoPhotonSeries(
            name="TwoPhotonSeriesExternal",
            external_file=[EXTERNAL],  # written next to the file by main()
            starting_frame=[0],
            format="external",
            imaging_plane=plane,
            rate=30.0,
        )
    )
    ophys = nwbfile.create_processing_module(name="ophys", description="processed")
    segmentation = ImageSegmentation()
    ophys.add(segmentation)
    masks = segmentation.create_plane_segmentation(
        name="PlaneSegmentation", description="image masks", imaging_plane=plane
    )
    for i in range(3):
        mask = np.zeros((8, 8), dtype="float32")
        mask[i : i + 2, i : i + 2] = 1.0
        masks.add_roi(image_mask=mask)
    pixels = segmentation.create_plane_segmentation(
        name="PlaneSegmentationPix", description="pixel masks", imaging_plane=plane
    )
    for i in range(3):
        pixels.add_roi(pixel_mask=[(i, i, 1.0), (i + 1, i, 0.5), (i, i + 1, 0.5)])
    voxels = segmentation.create_plane_segmentation(
        name="PlaneSegmentationVox", description="voxel masks", imaging_plane=plane
    )
    voxels.add_roi(voxel_mask=[(1, 2, 3, 1.0), (2, 2, 3, 0.5)])
    fluorescence = Fluorescence()
    ophys.add(fluorescence)
    fluorescence.create_roi_response_series(
        name="RoiResponseSeries",
        data=np.ones((50, 2)),
        rois=masks.create_roi_table_region(description="first two ROIs", region=[0, 1]),
        unit="lumens",
        rate=30.0,
    )
    dff = DfOverF()
    ophys.add(dff)
    dff.create_roi_response_series(
        name="dff",
        data=np.zeros((50, 3)),
        rois=masks.create_roi_table_region(description="all ROIs"),
        unit="n.a.",
        timestamps=np.cumsum(np.r_[0.0, np.full(49, 1 / 30.0)] * np.tile([1.0, 1.1], 25)),
    )
    return nwbfile


def main(out_dir: Path, formats: list[str]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"ophys{SUFFIX[fmt]}"
        np.save(out_dir / EXTERNAL, movie())  # the movie the external series points to
        write(build(), path, overwrite=True)
        back = read(path)
        print(f"{path}: {sorted(back.acquisition)}")
        paths.append(path)
    return paths


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    main(out, sys.argv[2:] or ["hdf5", "zarr"])
