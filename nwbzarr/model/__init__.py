"""The typed NWB data model: pynwb's classes and method names on nwbzarr's node tree."""

from nwbzarr.model.base import (
    Container,
    DataIO,
    GenericContainer,
    NWBContainer,
    NWBDataInterface,
)
from nwbzarr.model.core import (
    Device,
    ProcessingModule,
    ScratchData,
    Subject,
    TimeIntervals,
    TimeSeries,
)
from nwbzarr.model.ecephys import ElectricalSeries, ElectrodeGroup, ElectrodesTable, Units
from nwbzarr.model.file import NWBFile
from nwbzarr.model.io import read, write
from nwbzarr.model.ophys import (
    DfOverF,
    Fluorescence,
    ImageSegmentation,
    ImagingPlane,
    OpticalChannel,
    PlaneSegmentation,
    RoiResponseSeries,
    TwoPhotonSeries,
)
from nwbzarr.model.table import (
    DynamicTable,
    DynamicTableRegion,
    ElementIdentifiers,
    VectorData,
    VectorIndex,
)

__all__ = [
    "TwoPhotonSeries",
    "RoiResponseSeries",
    "PlaneSegmentation",
    "OpticalChannel",
    "ImagingPlane",
    "ImageSegmentation",
    "Fluorescence",
    "DfOverF",
    "Container",
    "DataIO",
    "Device",
    "DynamicTable",
    "DynamicTableRegion",
    "ElectricalSeries",
    "ElectrodeGroup",
    "ElectrodesTable",
    "ElementIdentifiers",
    "GenericContainer",
    "NWBContainer",
    "NWBDataInterface",
    "NWBFile",
    "ProcessingModule",
    "ScratchData",
    "Subject",
    "TimeIntervals",
    "TimeSeries",
    "Units",
    "VectorData",
    "VectorIndex",
    "read",
    "write",
]
