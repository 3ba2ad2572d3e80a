"""Portable names for storage filters, and their translation between HDF5 and Zarr.

HDF5 filter pipelines and Zarr codec lists are both ordered lists of byte transforms. Naming
them portably lets conversion keep compression (HDF5 ``shuffle + deflate`` becomes the Zarr
codecs ``numcodecs.shuffle + numcodecs.zlib``, byte for byte the same chunks) instead of
stacking a second compressor on top.
"""

from __future__ import annotations

from collections.abc import Sequence

from nwbzarr.tree import Filter

# HDF5 filter ids (H5Zpublic.h and the registered plugin ids)
H5Z_DEFLATE = 1
H5Z_SHUFFLE = 2
H5Z_FLETCHER32 = 3
H5Z_SZIP = 4
H5Z_NBIT = 5
H5Z_SCALEOFFSET = 6
H5Z_LZF = 32000
H5Z_BLOSC = 32001
H5Z_BZIP2 = 307
H5Z_LZ4 = 32004
H5Z_ZSTD = 32015

HDF5_NAMES = {
    H5Z_DEFLATE: "deflate",
    H5Z_SHUFFLE: "shuffle",
    H5Z_FLETCHER32: "fletcher32",
    H5Z_SZIP: "szip",
    H5Z_NBIT: "nbit",
    H5Z_SCALEOFFSET: "scaleoffset",
    H5Z_LZF: "lzf",
    H5Z_BLOSC: "hdf5-blosc",
    H5Z_BZIP2: "bzip2",
    H5Z_LZ4: "hdf5-lz4",
    H5Z_ZSTD: "hdf5-zstd",
}

# Filters that h5py can write without plugins.
HDF5_WRITABLE = {"deflate", "shuffle", "fletcher32", "lzf", "scaleoffset"}
# Filters that zarr-python can read and write (as codecs); "zlib" is HDF5's deflate stream.
ZARR_BYTES_CODECS = {
    "shuffle",
    "zlib",
    "gzip",
    "zstd",
    "blosc",
    "lz4",
    "bz2",
    "lzma",
    "fletcher32",
    "crc32c",
}

# What new HDF5 data gets when the source's compression has no HDF5 form: what pynwb users
# get from H5DataIO(compression="gzip"), with shuffle (2x faster and 1.5x smaller on ephys).
HDF5_FALLBACK = (Filter.of("shuffle"), Filter.of("deflate", level=4))


def canonical(filters: Sequence[Filter]) -> tuple[Filter, ...]:
    """Map aliases to one name: HDF5 ``deflate`` and Zarr ``zlib`` are the same stream."""
    out = []
    for f in filters:
        if f.name == "zlib":
            out.append(Filter.of("deflate", level=f.get("level", 4)))
        elif f.name == "shuffle":
            out.append(Filter.of("shuffle"))
        else:
            out.append(f)
    return tuple(out)


def hdf5_expressible(filters: Sequence[Filter]) -> bool:
    return all(f.name in HDF5_WRITABLE for f in canonical(filters))


__all__ = [
    "HDF5_FALLBACK",
    "HDF5_NAMES",
    "canonical",
    "hdf5_expressible",
]
