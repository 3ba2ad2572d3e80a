"""nwbzarr: NWB on HDF5 and Zarr behind one IO interface.

>>> import nwbzarr
>>> root = nwbzarr.open("session.nwb")                    # doctest: +SKIP
>>> nwbzarr.convert("session.nwb", "session.nwb.zarr")    # doctest: +SKIP
>>> nwbfile = nwbzarr.read("session.nwb.zarr")            # doctest: +SKIP

Exports are loaded on first use (``_LAZY`` below), so ``import nwbzarr`` loads neither zarr,
xarray, dask nor fsspec, and a command or a read loads only what it needs (an HDF5 read never
imports zarr). To add an export, add it to ``_LAZY``, to the ``TYPE_CHECKING`` block (for type
checkers) and to ``__all__``. Exception: a function named like its module (``convert``,
``export``) is imported here at once, because importing ``nwbzarr.convert`` anywhere binds the
attribute ``nwbzarr.convert`` to the module, which a lazy export would not override.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from nwbzarr._version import __version__
from nwbzarr.convert import convert
from nwbzarr.errors import (
    CommitConflictError,
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
    VersionNotFoundError,
)
from nwbzarr.export import export

if TYPE_CHECKING:
    from nwbzarr.api import (
        open,
    )
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
        get_class,
        read,
        write,
    )
    from nwbzarr.model._generated import *  # noqa: F403  (every neurodata type's class)
    from nwbzarr.model.dataio import H5DataIO, ZarrDataIO
    from nwbzarr.model.iterators import (
        AbstractDataChunkIterator,
        DataChunk,
        DataChunkIterator,
        GenericDataChunkIterator,
    )
    from nwbzarr.nwbio import NWBHDF5IO, NWBZarrIO, get_manager
    from nwbzarr.spec import (
        load_namespaces,
    )
    from nwbzarr.tree import (
        Array,
        ExternalLink,
        Filter,
        Group,
        Reference,
        SoftLink,
    )
    from nwbzarr.virtual import index
    from nwbzarr.xr import (
        align,
        series_to_xarray,
        table_to_xarray,
        timeseries_from_xarray,
        to_datatree,
    )


# public name -> (module, attribute): imported on first access by __getattr__
_LAZY: dict[str, tuple[str, str]] = {
    "open": ("nwbzarr.api", "open"),
    "index": ("nwbzarr.virtual", "index"),
    "load_namespaces": ("nwbzarr.spec", "load_namespaces"),
    "Array": ("nwbzarr.tree", "Array"),
    "ExternalLink": ("nwbzarr.tree", "ExternalLink"),
    "Filter": ("nwbzarr.tree", "Filter"),
    "Group": ("nwbzarr.tree", "Group"),
    "Reference": ("nwbzarr.tree", "Reference"),
    "SoftLink": ("nwbzarr.tree", "SoftLink"),
    "DataIO": ("nwbzarr.model", "DataIO"),
    "Device": ("nwbzarr.model", "Device"),
    "DfOverF": ("nwbzarr.model", "DfOverF"),
    "DynamicTable": ("nwbzarr.model", "DynamicTable"),
    "DynamicTableRegion": ("nwbzarr.model", "DynamicTableRegion"),
    "ElectricalSeries": ("nwbzarr.model", "ElectricalSeries"),
    "ElectrodeGroup": ("nwbzarr.model", "ElectrodeGroup"),
    "ElectrodesTable": ("nwbzarr.model", "ElectrodesTable"),
    "ElementIdentifiers": ("nwbzarr.model", "ElementIdentifiers"),
    "Fluorescence": ("nwbzarr.model", "Fluorescence"),
    "GenericContainer": ("nwbzarr.model", "GenericContainer"),
    "ImageSegmentation": ("nwbzarr.model", "ImageSegmentation"),
    "ImagingPlane": ("nwbzarr.model", "ImagingPlane"),
    "NWBContainer": ("nwbzarr.model", "NWBContainer"),
    "NWBDataInterface": ("nwbzarr.model", "NWBDataInterface"),
    "NWBFile": ("nwbzarr.model", "NWBFile"),
    "OpticalChannel": ("nwbzarr.model", "OpticalChannel"),
    "PlaneSegmentation": ("nwbzarr.model", "PlaneSegmentation"),
    "ProcessingModule": ("nwbzarr.model", "ProcessingModule"),
    "RoiResponseSeries": ("nwbzarr.model", "RoiResponseSeries"),
    "ScratchData": ("nwbzarr.model", "ScratchData"),
    "Subject": ("nwbzarr.model", "Subject"),
    "TimeIntervals": ("nwbzarr.model", "TimeIntervals"),
    "TimeSeries": ("nwbzarr.model", "TimeSeries"),
    "TwoPhotonSeries": ("nwbzarr.model", "TwoPhotonSeries"),
    "Units": ("nwbzarr.model", "Units"),
    "VectorData": ("nwbzarr.model", "VectorData"),
    "VectorIndex": ("nwbzarr.model", "VectorIndex"),
    "get_class": ("nwbzarr.model", "get_class"),
    "read": ("nwbzarr.model", "read"),
    "write": ("nwbzarr.model", "write"),
    "align": ("nwbzarr.xr", "align"),
    "series_to_xarray": ("nwbzarr.xr", "series_to_xarray"),
    "table_to_xarray": ("nwbzarr.xr", "table_to_xarray"),
    "timeseries_from_xarray": ("nwbzarr.xr", "timeseries_from_xarray"),
    "to_datatree": ("nwbzarr.xr", "to_datatree"),
    "NWBHDF5IO": ("nwbzarr.nwbio", "NWBHDF5IO"),
    "NWBZarrIO": ("nwbzarr.nwbio", "NWBZarrIO"),
    "get_manager": ("nwbzarr.nwbio", "get_manager"),
    "H5DataIO": ("nwbzarr.model.dataio", "H5DataIO"),
    "ZarrDataIO": ("nwbzarr.model.dataio", "ZarrDataIO"),
    "AbstractDataChunkIterator": ("nwbzarr.model.iterators", "AbstractDataChunkIterator"),
    "DataChunk": ("nwbzarr.model.iterators", "DataChunk"),
    "DataChunkIterator": ("nwbzarr.model.iterators", "DataChunkIterator"),
    "GenericDataChunkIterator": ("nwbzarr.model.iterators", "GenericDataChunkIterator"),
}


def __getattr__(name: str) -> object:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        if name[:1].isupper():  # any neurodata type: its class, made from the schema
            value = getattr(import_module("nwbzarr.model"), name, None)
            if value is not None:
                globals()[name] = value
                return value
        raise AttributeError(f"module 'nwbzarr' has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    from nwbzarr.model import bundled_type_names

    return sorted(set(globals()) | set(_LAZY) | set(bundled_type_names()))


__all__ = [
    "AbstractDataChunkIterator",
    "Array",
    "DataChunk",
    "DataChunkIterator",
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
    "GenericDataChunkIterator",
    "get_class",
    "Group",
    "H5DataIO",
    "ImageSegmentation",
    "ImagingPlane",
    "IncompleteFileError",
    "CommitConflictError",
    "VersionNotFoundError",
    "LinkError",
    "LinkPolicyError",
    "NWBContainer",
    "NWBDataInterface",
    "NWBFile",
    "NWBHDF5IO",
    "NWBZarrIO",
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
    "Units",
    "UnsafeContentError",
    "UnsupportedFeatureError",
    "ValidationError",
    "VectorData",
    "VectorIndex",
    "ZarrDataIO",
    "__version__",
    "align",
    "convert",
    "export",
    "get_manager",
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
