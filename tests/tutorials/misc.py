"""Images and miscellaneous types, in the style of pynwb's ``domain/images.py`` tutorial
and the ``pynwb.misc`` API (annotations, intervals, spectral decomposition)."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, TimeSeries
from pynwb.base import Images
from pynwb.image import GrayscaleImage, ImageSeries, IndexSeries, OpticalSeries, RGBImage
from pynwb.misc import AnnotationSeries, DecompositionSeries

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="my first synthetic recording",
        identifier="EXAMPLE_ID",
        session_start_time=START,
    )
    rng = np.random.default_rng(4)
    optical_series = OpticalSeries(
        name="StimulusPresentation",
        distance=0.7,
        field_of_view=[0.2, 0.3, 0.7],
        orientation="lower left",
        data=rng.integers(0, 255, (20, 8, 6, 3), dtype=np.uint8),
        unit="n.a.",
        format="raw",
        rate=1.0,
        comments="no comments",
        description="The images presented to the subject as stimuli",
    )
    nwbfile.add_stimulus(stimulus=optical_series)

    behavior_external_file = ImageSeries(
        name="ExternalFiles",
        description="Behavior video of animal moving in environment",
        unit="n.a.",
        external_file=["test1.mp4", "test2.avi"],
        format="external",
        starting_frame=[0, 2],
        num_samples=4,
        rate=1.0,
    )
    nwbfile.add_acquisition(behavior_external_file)

    gray = GrayscaleImage(
        name="gray", data=rng.random((10, 12)), description="Grayscale version", resolution=35.43
    )
    rgb = RGBImage(name="rgb", data=rng.random((10, 12, 3)), resolution=70.0, description="RGB")
    images = Images(name="images", images=[gray], description="images of a scene")
    images.add_image(rgb)
    nwbfile.add_stimulus_template(images)
    index_series = IndexSeries(
        name="stimuli",
        data=[0, 1, 0, 1],
        indexed_images=images,
        unit="N/A",
        timestamps=[0.1, 0.2, 0.3, 0.4],
    )
    nwbfile.add_stimulus(index_series)

    annotations = AnnotationSeries(
        name="annotations", description="experimenter notes", data=[], timestamps=[]
    )
    annotations.add_annotation(time=1.0, annotation="the animal fell asleep")
    annotations.add_annotation(2.5, "the animal woke up")
    nwbfile.add_acquisition(annotations)

    source = TimeSeries(name="lfp", data=rng.standard_normal((30, 2)), unit="volts", rate=100.0)
    nwbfile.add_acquisition(source)
    decomposition = DecompositionSeries(
        name="spectrum",
        description="power in two bands",
        data=rng.random((30, 2, 2)),
        metric="power",
        rate=100.0,
        source_timeseries=source,
    )
    decomposition.add_band(
        band_name="theta", band_limits=(4.0, 12.0), band_mean=8.0, band_stdev=2.0
    )
    decomposition.add_band(
        band_name="gamma", band_limits=(30.0, 80.0), band_mean=55.0, band_stdev=12.0
    )
    module = nwbfile.create_processing_module(name="ecephys", description="spectra")
    module.add(decomposition)
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "images_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "images_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        optical = nwbfile.stimulus["StimulusPresentation"]
        external = nwbfile.acquisition["ExternalFiles"]
        images = nwbfile.stimulus_template["images"]
        index_series = nwbfile.stimulus["stimuli"]
        annotations = nwbfile.acquisition["annotations"]
        spectrum = nwbfile.processing["ecephys"]["spectrum"]
        bands = spectrum.bands.to_dataframe()
        return {
            "optical": optical.data[:],
            "optical distance": optical.distance,
            "optical fov": np.asarray(optical.field_of_view[:]),
            "optical orientation": optical.orientation,
            "external files": list(external.external_file[:]),
            "starting frames": list(external.starting_frame[:]),
            "external format": external.format,
            "num_samples": int(external.num_samples),
            "images": sorted(images.images),
            "gray": images.get_image("gray").data[:],
            "gray resolution": images["gray"].resolution,
            "rgb": images.images["rgb"].data[:],
            "index data": index_series.data[:],
            "indexed images": index_series.indexed_images.name,
            "annotations": list(annotations.data[:]),
            "annotation times": annotations.timestamps[:],
            "spectrum": spectrum.data[:],
            "spectrum metric": spectrum.metric,
            "spectrum source": spectrum.source_timeseries.name,
            "band names": list(bands["band_name"]),
            "band limits": np.stack(list(bands["band_limits"])),
            "band mean": bands["band_mean"].to_numpy(),
        }
