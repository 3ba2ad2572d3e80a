"""HDF5 backend (h5py): translates HDF5 objects to and from nodes, and nothing else.

One module per concern: :mod:`.file` (opening, closing), :mod:`.nodes` (groups, links),
:mod:`.arrays` (datasets), :mod:`.attrs` (attributes), :mod:`.types` (types and values) and
:mod:`.guard`, the one door through which libhdf5's errors on read paths become
:class:`~nwbzarr.errors.FormatError` naming the file and the path inside it.
"""

from __future__ import annotations

from nwbzarr.backends.hdf5.arrays import H5Array, dataset_kwargs, filter_kwargs, read_filters
from nwbzarr.backends.hdf5.attrs import INCOMPLETE_ATTR, H5Attributes
from nwbzarr.backends.hdf5.file import H5File
from nwbzarr.backends.hdf5.nodes import EXTERNAL_LINK_ATTR, H5Group
from nwbzarr.backends.hdf5.types import decode, dtype_from_h5, dtype_to_h5, encode

__all__ = [
    "EXTERNAL_LINK_ATTR",
    "INCOMPLETE_ATTR",
    "H5Array",
    "H5Attributes",
    "H5File",
    "H5Group",
    "dataset_kwargs",
    "decode",
    "dtype_from_h5",
    "dtype_to_h5",
    "encode",
    "filter_kwargs",
    "read_filters",
]
