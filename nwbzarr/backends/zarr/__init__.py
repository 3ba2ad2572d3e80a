"""Zarr backend (zarr-python 3): translates Zarr nodes to and from the tree, and nothing else.

On-disk conventions: the shared NWB-Zarr v3 convention (``_LINKS``, ``_REFERENCE``,
``_DTYPE = "object_reference"``, ``_REFERENCE_FIELDS``, 0-d scalars), plus ``dimension_names``
on every array and one reserved attribute ``_NWBZARR`` holding what Zarr cannot say but HDF5
can (ASCII vs UTF-8 text, fixed string lengths, attribute dtypes other than int64/float64,
HDF5 maxshape, layout and filters), so a round trip HDF5 -> Zarr -> HDF5 loses nothing.
Also read: hdmf-zarr 0.13 (format 2: ``zarr_link``, ``zarr_dtype``, pickled or JSON reference
arrays) and LINDI annotations (``_SOFT_LINK``, ``_EXTERNAL_ARRAY_LINK``, ``_SCALAR``).

The modules, by concern (each imports only those above it):

- :mod:`.conventions`: reserved names, node keys, references as JSON.
- :mod:`.zarrio`: every store call and array read/write, on one event loop of nwbzarr's own.
- :mod:`.datatypes`: nwbzarr data types <-> Zarr data types and fill values.
- :mod:`.cache`: the bounded caches of one file and their invalidation.
- :mod:`.localfiles`: raw local file IO for zarr's ``LocalStore``.
- :mod:`.legacy`: Zarr format 2 (hdmf-zarr 0.13) hierarchies and object arrays.
- :mod:`.documents`: array documents written and read (``zarr.json``).
- :mod:`.smallchunk`: the fast path for small single-chunk arrays (kept apart, see its tests).
- :mod:`.attributes`: attribute values <-> JSON.
- :mod:`.nodes`: groups and arrays.
- :mod:`.file`: load, flush, commit.

Codec translation (HDF5 filters <-> Zarr codecs <-> numcodecs) is :mod:`nwbzarr.codecs`.
"""

from __future__ import annotations

from nwbzarr.backends.zarr.conventions import INCOMPLETE_KEY, RECORD
from nwbzarr.backends.zarr.documents import array_document, read_spec
from nwbzarr.backends.zarr.file import ZarrFile
from nwbzarr.backends.zarr.nodes import ZarrArray, ZarrGroup

__all__ = [
    "INCOMPLETE_KEY",
    "RECORD",
    "ZarrArray",
    "ZarrFile",
    "ZarrGroup",
    "array_document",
    "read_spec",
]
