"""nwbzarr: NWB on HDF5 and Zarr behind one IO interface.

>>> import nwbzarr
>>> root = nwbzarr.open("session.nwb")                    # doctest: +SKIP
>>> nwbzarr.convert("session.nwb", "session.nwb.zarr")    # doctest: +SKIP
>>> nwbfile = nwbzarr.read("session.nwb.zarr")            # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from nwbzarr.api import open
from nwbzarr.convert import convert
from nwbzarr.errors import (
    DestinationExistsError,
    FormatError,
    IncompleteFileError,
    LinkError,
    LinkPolicyError,
    NodeNotFoundError,
    NwbZarrError,
    ReadOnlyError,
    UnsafeContentError,
    UnsupportedFeatureError,
    ValidationError,
)
from nwbzarr.export import export
from nwbzarr.model import (
    DataIO,
    Device,
    DfOverF,
    DynamicTable,
    DynamicTableRegion,
    ElectricalSeries,
    ElectrodeGroup,
    ElectrodesTable,
    ElementIdentifiers,
    Fluorescence,
    GenericContainer,
    ImageSegmentation,
    ImagingPlane,
    NWBContainer,
    NWBDataInterface,
    NWBFile,
    OpticalChannel,
    PlaneSegmentation,
    ProcessingModule,
    RoiResponseSeries,
    ScratchData,
    Subject,
    TimeIntervals,
    TimeSeries,
    TwoPhotonSeries,
    Units,
    VectorData,
    VectorIndex,
    read,
    write,
)
from nwbzarr.tree import Array, ExternalLink, Filter, Group, Reference, SoftLink
from nwbzarr.virtual import build_index as index

if TYPE_CHECKING:
    from nwbzarr.model.dataio import H5DataIO, ZarrDataIO
    from nwbzarr.model.iterators import (
        AbstractDataChunkIterator,
        DataChunk,
        DataChunkIterator,
        GenericDataChunkIterator,
    )
    from nwbzarr.nwbio import NWBHDF5IO, NWBZarrIO, get_manager
    from nwbzarr.spec import load_namespaces
    from nwbzarr.xr import (
        align,
        series_to_xarray,
        table_to_xarray,
        timeseries_from_xarray,
        to_datatree,
    )

__version__ = "0.1.0"

# The xarray adapter imports xarray and pandas: loaded on first use.
_XR_EXPORTS = (
    "align",
    "series_to_xarray",
    "table_to_xarray",
    "timeseries_from_xarray",
    "to_datatree",
)

# pynwb's IO classes and data wrappers (issue 14 item 6): loaded on first use.
_LAZY = {
    "NWBHDF5IO": "nwbzarr.nwbio",
    "NWBZarrIO": "nwbzarr.nwbio",
    "get_manager": "nwbzarr.nwbio",
    "H5DataIO": "nwbzarr.model.dataio",
    "ZarrDataIO": "nwbzarr.model.dataio",
    "AbstractDataChunkIterator": "nwbzarr.model.iterators",
    "DataChunk": "nwbzarr.model.iterators",
    "DataChunkIterator": "nwbzarr.model.iterators",
    "GenericDataChunkIterator": "nwbzarr.model.iterators",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    if name == "load_namespaces":  # nwbzarr.spec reads the schema on first use only
        from nwbzarr.spec import load_namespaces

        return load_namespaces
    if name in _XR_EXPORTS:
        from nwbzarr import xr

        return getattr(xr, name)
    raise AttributeError(f"module 'nwbzarr' has no attribute {name!r}")


__all__ = [
    "AbstractDataChunkIterator",
    "Array",
    "DataChunk",
    "DataChunkIterator",
    "GenericDataChunkIterator",
    "H5DataIO",
    "NWBHDF5IO",
    "NWBZarrIO",
    "ZarrDataIO",
    "get_manager",
    "DataIO",
    "DestinationExistsError",
    "Device",
    "DfOverF",
    "DynamicTable",
    "DynamicTableRegion",
    "ElectricalSeries",
    "ElectrodeGroup",
    "ElectrodesTable",
    "ElementIdentifiers",
    "ExternalLink",
    "Filter",
    "Fluorescence",
    "FormatError",
    "GenericContainer",
    "Group",
    "ImageSegmentation",
    "ImagingPlane",
    "IncompleteFileError",
    "LinkError",
    "LinkPolicyError",
    "NWBContainer",
    "NWBDataInterface",
    "NWBFile",
    "NodeNotFoundError",
    "NwbZarrError",
    "OpticalChannel",
    "PlaneSegmentation",
    "ProcessingModule",
    "ReadOnlyError",
    "Reference",
    "RoiResponseSeries",
    "ScratchData",
    "SoftLink",
    "Subject",
    "TimeIntervals",
    "TimeSeries",
    "TwoPhotonSeries",
    "UnsafeContentError",
    "Units",
    "UnsupportedFeatureError",
    "ValidationError",
    "VectorData",
    "VectorIndex",
    "__version__",
    "align",
    "convert",
    "export",
    "index",
    "load_namespaces",
    "open",
    "read",
    "series_to_xarray",
    "table_to_xarray",
    "timeseries_from_xarray",
    "to_datatree",
    "write",
]
