"""nwbzarr: NWB on HDF5 and Zarr behind one IO interface.

>>> import nwbzarr
>>> root = nwbzarr.open("session.nwb")                    # doctest: +SKIP
>>> nwbzarr.convert("session.nwb", "session.nwb.zarr")    # doctest: +SKIP
"""

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
from nwbzarr.tree import Array, ExternalLink, Filter, Group, Reference, SoftLink

__version__ = "0.1.0"

__all__ = [
    "Array",
    "DestinationExistsError",
    "ExternalLink",
    "Filter",
    "FormatError",
    "Group",
    "IncompleteFileError",
    "LinkError",
    "LinkPolicyError",
    "NodeNotFoundError",
    "NwbZarrError",
    "ReadOnlyError",
    "Reference",
    "SoftLink",
    "UnsafeContentError",
    "UnsupportedFeatureError",
    "ValidationError",
    "__version__",
    "convert",
    "open",
]
