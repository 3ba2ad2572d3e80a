"""Optogenetics, in the style of pynwb's ``domain/ogen.py`` tutorial."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile
from pynwb.ogen import OptogeneticSeries

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))


def build() -> NWBFile:
    nwbfile = NWBFile(
        session_description="my first synthetic recording",
        identifier="EXAMPLE_ID",
        session_start_time=START,
        experimenter="Dr. Bilbo Baggins",
        lab="Bag End Laboratory",
        institution="University of Middle Earth at the Shire",
        experiment_description="I went on an adventure to reclaim vast treasures.",
        session_id="LONELYMTN",
    )
    device = nwbfile.create_device(
        name="device",
        description="description of device",
        manufacturer="optrode manufacturer",
    )
    ogen_site = nwbfile.create_ogen_site(
        name="OptogeneticStimulusSite",
        device=device,
        description="This is an example optogenetic site.",
        excitation_lambda=600.0,
        location="VISrl",
    )
    ogen_series = OptogeneticSeries(
        name="OptogeneticSeries",
        data=np.linspace(0.0, 0.03, 20),
        site=ogen_site,
        rate=30.0,
    )
    nwbfile.add_stimulus(ogen_series)
    return nwbfile


def write(folder: str) -> None:
    with NWBHDF5IO(os.path.join(folder, "ogen_tutorial" + SUFFIX), "w") as io:
        io.write(build())


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "ogen_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        series = nwbfile.stimulus["OptogeneticSeries"]
        site = nwbfile.ogen_sites["OptogeneticStimulusSite"]
        return {
            "data": series.data[:],
            "rate": series.rate,
            "unit": series.unit,
            "site": series.site.name,
            "site location": site.location,
            "site lambda": site.excitation_lambda,
            "site description": site.description,
            "site device": site.device.name,
            "manufacturer": site.device.manufacturer,
            "type": type(series).__name__,
        }
