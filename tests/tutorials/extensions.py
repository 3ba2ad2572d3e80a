"""An extension, in the style of pynwb's ``general/extensions.py`` tutorial: a namespace on
disk is loaded with ``load_namespaces``, its types are classes from ``get_class``, objects of
them are written, and the file carries the extension's schema for readers."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pynwb import NWBHDF5IO, NWBFile, get_class, load_namespaces

SUFFIX = ".nwb"
START = datetime(2018, 4, 25, 2, 30, 3, tzinfo=ZoneInfo("US/Pacific"))
NAMESPACE = """\
namespaces:
- name: ndx-tutorial-tetrode
  doc: An example extension with a series type and a metadata type
  author: [A. Tutorial]
  contact: [tutorial@example.org]
  version: 0.1.0
  schema:
  - namespace: core
  - source: ndx-tutorial-tetrode.extensions.yaml
"""
EXTENSIONS = """\
groups:
- neurodata_type_def: TetrodeSeries
  neurodata_type_inc: ElectricalSeries
  doc: An ElectricalSeries of one tetrode
  attributes:
  - name: trode_id
    dtype: int32
    doc: the tetrode number
- neurodata_type_def: LabNotes
  neurodata_type_inc: LabMetaData
  doc: Free-text notes of the lab
  datasets:
  - name: notes
    dtype: text
    doc: the notes
  attributes:
  - name: author
    dtype: text
    doc: who wrote them
"""


def _load(folder: str) -> None:
    spec = os.path.join(folder, "ndx-tutorial-tetrode.namespace.yaml")
    if not os.path.exists(spec):
        with open(spec, "w") as out:
            out.write(NAMESPACE)
        with open(os.path.join(folder, "ndx-tutorial-tetrode.extensions.yaml"), "w") as out:
            out.write(EXTENSIONS)
    load_namespaces(spec)


def write(folder: str) -> None:
    _load(folder)
    tetrode_series = get_class("TetrodeSeries", "ndx-tutorial-tetrode")
    lab_notes = get_class("LabNotes", "ndx-tutorial-tetrode")
    nwbfile = NWBFile(
        session_description="an extension", identifier="EXT", session_start_time=START
    )
    device = nwbfile.create_device(name="tetrode drive")
    group = nwbfile.create_electrode_group(
        name="tetrode1", description="tetrode 1", location="CA1", device=device
    )
    for _ in range(4):
        nwbfile.add_electrode(group=group, location="CA1")
    region = nwbfile.create_electrode_table_region(region=[0, 1, 2, 3], description="tetrode 1")
    nwbfile.add_acquisition(
        tetrode_series(
            name="TetrodeSeries",
            description="tetrode 1 traces",
            data=np.arange(40.0).reshape(10, 4),
            electrodes=region,
            rate=1000.0,
            trode_id=1,
        )
    )
    nwbfile.add_lab_meta_data(lab_notes(name="notes", notes="all went well", author="me"))
    with NWBHDF5IO(os.path.join(folder, "extension_tutorial" + SUFFIX), "w") as io:
        io.write(nwbfile)


def read(folder: str) -> dict[str, Any]:
    with NWBHDF5IO(os.path.join(folder, "extension_tutorial" + SUFFIX), "r") as io:
        nwbfile = io.read()
        series = nwbfile.acquisition["TetrodeSeries"]
        notes = nwbfile.get_lab_meta_data("notes")
        return {
            "series type": type(series).__name__,
            "data": series.data[:],
            "trode_id": int(series.trode_id),
            "rate": series.rate,
            "electrodes": list(series.electrodes.data[:]),
            "notes type": type(notes).__name__,
            "notes": str(notes.notes),
            "author": notes.author,
        }
