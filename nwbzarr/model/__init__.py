# ruff: noqa: F405  (the type names come from the generated stub when type checking)
"""The typed NWB data model: one class per neurodata type, generated from the schema.

Every type of core, hdmf-common and hdmf-experimental (and of any extension loaded with
:func:`nwbzarr.load_namespaces` or cached in a file that was read) is a class with pynwb's
name, constructor and the schema's fields; the hand-written modules hold only what the schema
cannot say (convenience methods, NWBFile's layout, tables). Classes are made on first use:
``nwbzarr.model.SpatialSeries`` (or :func:`get_class`) builds it, so importing is cheap.
"""

from typing import TYPE_CHECKING

from nwbzarr.model import core, ecephys, file, imageseries, ophys, table  # noqa: F401  (registers)
from nwbzarr.model.base import REGISTRY, DataIO, GenericContainer
from nwbzarr.model.classes import bundled_class, bundled_type_names, get_class
from nwbzarr.model.io import read, write

if TYPE_CHECKING:  # the classes with pynwb's constructors, for type checkers (stubgen.py)
    from nwbzarr.model._generated import *  # noqa: F403


def __getattr__(name: str) -> object:
    """A neurodata type's class, completed (or generated) from the schema on first use."""
    if name[:1].isupper():
        cls = bundled_class(name)
        if cls is not None:
            globals()[name] = cls
            return cls
    raise AttributeError(f"module 'nwbzarr.model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *bundled_type_names()})


__all__ = [
    "Container",
    "Data",
    "NWBContainer",
    "NWBData",
    "NWBDataInterface",
    "Device",
    "ProcessingModule",
    "ScratchData",
    "Subject",
    "TimeIntervals",
    "TimeSeries",
    "ElectricalSeries",
    "ElectrodeGroup",
    "ElectrodesTable",
    "Units",
    "NWBFile",
    "ImageSeries",
    "ImagingPlane",
    "OpticalChannel",
    "PlaneSegmentation",
    "RoiResponseSeries",
    "DynamicTable",
    "DynamicTableRegion",
    "ElementIdentifiers",
    "VectorData",
    "VectorIndex",
    "REGISTRY",
    "DataIO",
    "GenericContainer",
    "bundled_type_names",
    "get_class",
    "read",
    "write",
]
