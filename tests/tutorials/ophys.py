"""Calcium imaging, in the style of pynwb's ``domain/ophys.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, TimeSeries
from pynwb.image import ImageSeries
from pynwb.ophys import (
    CorrectedImageStack,
    DfOverF,
    Fluorescence,
    ImageSegmentation,
    MotionCorrection,
    OnePhotonSeries,
    OpticalChannel,
    RoiResponseSeries,
    TwoPhotonSeries,
)

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def build() -> NWBFile:
    nwbfile = NWBFile(
        "my first synthetic recording",
        "EXAMPLE_ID",
        START,
        experimenter=["Baggins, Bilbo"],
        lab="Bag End Laboratory",
        institution="University of Middle Earth at the Shire",
        experiment_description="I went on an adventure to reclaim vast treasures.",
        session_id="LONELYMTN001",
    )
    device = nwbfile.create_device(
        name="Microscope",
        description="My two-photon microscope",
        manufacturer="The best microscope manufacturer",
    )
    optical_channel = OpticalChannel(
        name="OpticalChannel", description="an optical channel", emission_lambda=500.0
    )
    imaging_plane = nwbfile.create_imaging_plane(
        name="ImagingPlane",
        optical_channel=optical_channel,
        imaging_rate=30.0,
        description="a very interesting part of the brain",
        device=device,
        excitation_lambda=600.0,
        indicator="GFP",
        location="V1",
        grid_spacing=[0.01, 0.01],
        grid_spacing_unit="meters",
        origin_coords=[1.0, 2.0, 3.0],
        origin_coords_unit="meters",
    )
    rng = np.random.default_rng(0)
    one_p_series = OnePhotonSeries(
        name="OnePhotonSeries",
        description="Raw 1p data",
        data=rng.random((20, 16, 16)),
        imaging_plane=imaging_plane,
        rate=1.0,
        unit="normalized amplitude",
    )
    nwbfile.add_acquisition(one_p_series)
    two_p_series = TwoPhotonSeries(
        name="TwoPhotonSeries",
        description="Raw 2p data",
        data=rng.random((20, 16, 16)),
        imaging_plane=imaging_plane,
        rate=1.0,
        unit="normalized amplitude",
    )
    nwbfile.add_acquisition(two_p_series)

    corrected = ImageSeries(
        name="corrected",
        data=np.ones((20, 16, 16)),
        unit="na",
        format="raw",
        starting_time=0.0,
        rate=1.0,
    )
    xy_translation = TimeSeries(
        name="xy_translation",
        data=np.ones((20, 2)),
        unit="pixels",
        starting_time=0.0,
        rate=1.0,
    )
    corrected_image_stack = CorrectedImageStack(
        corrected=corrected, original=one_p_series, xy_translation=xy_translation
    )
    motion_correction = MotionCorrection(corrected_image_stacks=[corrected_image_stack])
    ophys_module = nwbfile.create_processing_module(
        name="ophys", description="optical physiology processed data"
    )
    ophys_module.add(motion_correction)

    img_seg = ImageSegmentation()
    ps = img_seg.create_plane_segmentation(
        "output from segmenting my favorite imaging plane",
        imaging_plane,
        "PlaneSegmentation",
        one_p_series,  # reference_images
    )
    ophys_module.add(img_seg)
    for i in range(6):
        image_mask = np.zeros((16, 16))
        image_mask[i : i + 3, i : i + 3] = 1
        ps.add_roi(image_mask=image_mask)

    ps2 = img_seg.create_plane_segmentation(
        name="PlaneSegmentation2",
        description="output from segmenting my favorite imaging plane",
        imaging_plane=imaging_plane,
        reference_images=one_p_series,
    )
    for i in range(4):
        pixel_mask = [(i, i, 1.0), (i + 1, i, 0.5), (i, i + 1, 0.25)]
        ps2.add_roi(pixel_mask=pixel_mask)

    rt_region = ps.create_roi_table_region(region=[0, 1], description="the first of two ROIs")
    roi_resp_series = RoiResponseSeries(
        name="RoiResponseSeries",
        description="Fluorescence responses for two ROIs",
        data=rng.random((50, 2)),
        rois=rt_region,
        unit="lumens",
        rate=30.0,
    )
    fl = Fluorescence(roi_response_series=roi_resp_series)
    ophys_module.add(fl)
    dff_series = RoiResponseSeries(
        name="RoiResponseSeries",
        description="dF/F for two ROIs",
        data=rng.random((50, 2)),
        rois=ps.create_roi_table_region(region=[2, 3], description="two more ROIs"),
        unit="n.a.",
        rate=30.0,
    )
    ophys_module.add(DfOverF(roi_response_series=dff_series))
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "ophys_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "ophys_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        ophys = nwbfile.processing["ophys"]
        two_p = nwbfile.acquisition["TwoPhotonSeries"]
        rrs = ophys["Fluorescence"]["RoiResponseSeries"]
        seg = ophys["ImageSegmentation"]
        ps = seg["PlaneSegmentation"]
        ps2 = seg.get_plane_segmentation("PlaneSegmentation2")
        stack = ophys["MotionCorrection"].corrected_image_stacks["CorrectedImageStack"]
        return {
            "identifier": nwbfile.identifier,
            "session_description": nwbfile.session_description,
            "experimenter": list(nwbfile.experimenter),
            "session_start_time": nwbfile.session_start_time.isoformat(),
            "2p data": two_p.data[:],
            "2p window": two_p.data[:, :8, :8],
            "2p rate": two_p.rate,
            "2p unit": two_p.unit,
            "plane": two_p.imaging_plane.name,
            "plane location": two_p.imaging_plane.location,
            "plane rate": two_p.imaging_plane.imaging_rate,
            "plane device": two_p.imaging_plane.device.name,
            "plane channel": two_p.imaging_plane.optical_channel[0].emission_lambda,
            "grid_spacing": np.asarray(two_p.imaging_plane.grid_spacing[:]),
            "rrs data": rrs.data[:],
            "rrs first": rrs.data[:10, :1],
            "rrs rois": list(rrs.rois.data[:]),
            "rrs roi table": rrs.rois.table.name,
            "dff data": ophys["DfOverF"]["RoiResponseSeries"].data[:],
            "image_mask": np.asarray(ps["image_mask"][:]),
            "ps ids": list(ps.id[:]),
            "ps reference": ps.reference_images[0].name,
            "ps2 pixel_mask": [tuple(float(v) for v in px) for px in ps2["pixel_mask"][1]],
            "ps2 rows": len(ps2),
            "ps columns": list(ps.colnames),
            "df image_mask rows": len(ps.to_dataframe()),
            "corrected": stack.corrected.data[:],
            "original": stack.original.name,
            "xy": stack.xy_translation.data[:],
        }
