"""HDF5 features that pynwb no longer writes, written with h5py: region references.

pynwb 1.x and MatNWB (2017-2018) stored ``DynamicTableRegion`` columns and epochs as HDF5
region references; hdmf 4 dropped them, so no current writer makes them. nwbzarr refuses them
with a clear error; ``region_references.nwb`` lets the suite check that without MatNWB's files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# the node holding the region reference (the first, and only, one in the file)
REGION_REFERENCE_PATH = "/acquisition/ECoG/electrodes"


def write_region_references(path: Path) -> Path:
    """An NWB 2.0b-style file whose ElectricalSeries selects its electrodes by a region
    reference into a compound electrodes table."""
    import h5py

    electrode = np.dtype([("id", "<i4"), ("x", "<f8"), ("location", h5py.string_dtype())])
    rows = np.array([(i, float(i), "CA1") for i in range(4)], dtype=electrode)
    with h5py.File(path, "w") as f:
        f.attrs.update({"nwb_version": "2.0b", "namespace": "core", "neurodata_type": "NWBFile"})
        f.create_dataset("identifier", data="region-references")
        f.create_dataset("session_description", data="an ElectricalSeries with region references")
        table = f.create_dataset("general/extracellular_ephys/electrodes", data=rows)
        series = f.create_group("acquisition/ECoG")
        series.attrs.update({"namespace": "core", "neurodata_type": "ElectricalSeries"})
        series.create_dataset("data", data=np.arange(20, dtype="f4").reshape(10, 2))
        regions = series.create_dataset("electrodes", shape=(1,), dtype=h5py.regionref_dtype)
        regions[0] = table.regionref[1:3]
        series.create_dataset("starting_time", data=0.0).attrs["rate"] = 100.0
    return path
