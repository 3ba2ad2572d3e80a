"""Storage filters: portable names, and their translation between HDF5, Zarr and numcodecs.

HDF5 filter pipelines and Zarr codec lists are both ordered lists of byte transforms. Naming
them portably (:class:`~nwbzarr.tree.Filter`) lets conversion keep compression (HDF5
``shuffle + deflate`` becomes the Zarr codecs ``numcodecs.shuffle + numcodecs.zlib``, byte for
byte the same chunks) instead of stacking a second compressor on top. This module is the one
place where filters are translated; it imports neither h5py nor zarr (numcodecs only when a
codec object is asked for), so both backends, conversion, export and the virtual index share it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from nwbzarr.errors import UnsupportedFeatureError
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

# Zarr format 2 object codecs: they turn objects into bytes, they are not storage filters
_V2_OBJECT_CODECS = ("vlen-utf8", "vlen-bytes", "pickle", "json2")
_V2_BLOSC_SHUFFLE = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}
BLOSC_SHUFFLE = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}


# --------------------------------------------------------------------------------------------
# portable filters
# --------------------------------------------------------------------------------------------
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
    """Whether h5py writes ``filters`` without plugins."""
    return all(f.name in HDF5_WRITABLE for f in canonical(filters))


def hashable_option(value: Any) -> Any:
    """A JSON option value as a hashable one (lists -> tuples, objects -> sorted pairs)."""
    if isinstance(value, list):
        return tuple(hashable_option(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable_option(v)) for k, v in value.items()))
    return value


def destination_filters(
    filters: Sequence[Filter], dst_format: str, numeric: bool
) -> tuple[Filter, ...]:
    """The filters to write ``filters``' data with in ``dst_format`` (``"hdf5"``/``"zarr"``).

    Zarr stores every portable filter (the backend records what it cannot express); HDF5
    keeps what h5py writes, numeric data whose filters it cannot write gets
    :data:`HDF5_FALLBACK`, and other data none.
    """
    if dst_format == "zarr":
        return tuple(filters)
    if hdf5_expressible(filters):
        return canonical(filters)
    return HDF5_FALLBACK if numeric else ()


def same_stored_bytes(src: Sequence[Filter], dst: Sequence[Filter]) -> bool:
    """Whether chunks encoded with ``src`` are, unchanged, chunks encoded with ``dst``.

    Fletcher32 checksums cover the chunk's position in HDF5, so they are never copied raw.
    """
    return canonical(src) == canonical(dst) and not any(f.name == "fletcher32" for f in dst)


def hdf5_encodable(filters: Sequence[Filter]) -> tuple[Filter, ...] | None:
    """``filters`` if :func:`encode_hdf5_chunk` encodes them (shuffle, deflate), else None."""
    found = canonical(filters)
    if found and all(f.name in ("shuffle", "deflate") for f in found):
        return found
    return None


def encode_hdf5_chunk(
    values: np.ndarray[Any, Any], chunk: tuple[int, ...], filters: tuple[Filter, ...], fill: Any
) -> bytes:
    """Encode one chunk the way libhdf5 would (edge chunks padded to the full chunk shape)."""
    if values.shape != chunk:
        padded = np.full(chunk, fill if fill is not None else 0, dtype=values.dtype)
        padded[tuple(slice(0, n) for n in values.shape)] = values
        values = padded
    data = np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<"), copy=False).tobytes()
    itemsize = values.dtype.itemsize
    for f in filters:
        if f.name == "shuffle" and itemsize > 1:
            data = np.frombuffer(data, dtype=np.uint8).reshape(-1, itemsize).T.tobytes()
        elif f.name == "deflate":
            data = zlib.compress(data, int(f.get("level", 4)))
    return data


# --------------------------------------------------------------------------------------------
# HDF5 filter pipelines
# --------------------------------------------------------------------------------------------
def filters_from_hdf5(pipeline: Iterable[tuple[int, Sequence[int]]]) -> tuple[Filter, ...]:
    """Portable filters of an HDF5 pipeline given as ``(filter id, client values)`` pairs."""
    out = []
    for code, values in pipeline:
        name = HDF5_NAMES.get(code, f"hdf5-filter-{code}")
        if name == "deflate":
            out.append(Filter.of("deflate", level=int(values[0]) if values else 4))
        elif name == "scaleoffset":
            out.append(Filter.of("scaleoffset", factor=int(values[1]) if len(values) > 1 else 0))
        elif name in ("shuffle", "fletcher32", "lzf"):
            out.append(Filter.of(name))
        else:
            out.append(Filter.of(name, values=tuple(int(v) for v in values)))
    return tuple(out)


def hdf5_filter_kwargs(filters: Sequence[Filter], where: str) -> dict[str, Any]:
    """h5py ``create_dataset`` arguments for a portable filter pipeline."""
    kwargs: dict[str, Any] = {}
    for f in filters:
        if f.name not in HDF5_WRITABLE:
            raise UnsupportedFeatureError(
                f"{where}: HDF5 cannot write the {f} filter without a plugin"
            )
        if f.name == "deflate":
            kwargs["compression"] = "gzip"
            kwargs["compression_opts"] = int(f.get("level", 4))
        elif f.name == "lzf":
            kwargs["compression"] = "lzf"
        elif f.name == "scaleoffset":
            kwargs["scaleoffset"] = f.get("factor")
        else:  # shuffle, fletcher32
            kwargs[f.name] = True
    return kwargs


def zarr_codecs_of_hdf5(
    pipeline: Iterable[tuple[int, Sequence[int]]], dtype: np.dtype[Any]
) -> list[dict[str, Any]] | None:
    """Zarr v3 codecs that decode raw HDF5 chunks of ``dtype`` as they are; None if none do.

    Only shuffle and deflate have byte-identical Zarr codecs; fletcher32, lzf, szip and
    plugins do not.
    """
    endian = "big" if dtype.byteorder == ">" else "little"
    codecs: list[dict[str, Any]] = [
        {"name": "bytes", "configuration": {"endian": endian} if dtype.itemsize > 1 else {}}
    ]
    for code, values in pipeline:
        if code == H5Z_SHUFFLE:
            codecs.append(
                {"name": "numcodecs.shuffle", "configuration": {"elementsize": dtype.itemsize}}
            )
        elif code == H5Z_DEFLATE:
            level = int(values[0]) if values else 4
            codecs.append({"name": "numcodecs.zlib", "configuration": {"level": level}})
        else:
            return None
    return codecs


# --------------------------------------------------------------------------------------------
# Zarr codecs
# --------------------------------------------------------------------------------------------
def default_codecs(text: bool, itemsize: int) -> list[dict[str, Any]]:
    """Zarr v3 codecs for new data: Blosc(lz4, shuffle) for numbers, zstd for text.

    Measured on int16 ephys (docs/performance.md): Blosc-lz4 with byte shuffle writes ~5x faster
    than zstd-5 for a 5% larger file, and shuffle is what makes Blosc compress neural data at all.
    """
    if text:
        return [
            {"name": "vlen-utf8", "configuration": {}},
            {"name": "zstd", "configuration": {"level": 3, "checksum": False}},
        ]
    return [
        {"name": "bytes", "configuration": {"endian": "little"}}
        if itemsize > 1
        else {"name": "bytes", "configuration": {}},
        {
            "name": "blosc",
            "configuration": {
                "cname": "lz4",
                "clevel": 5,
                "shuffle": "shuffle",
                "typesize": itemsize,
                "blocksize": 0,
            },
        },
    ]


def filters_from_codecs(codecs: list[dict[str, Any]]) -> tuple[Filter, ...]:
    """Portable filters of a Zarr v3 codec list (array-to-bytes codecs are not filters)."""
    out: list[Filter] = []
    for codec in codecs:
        name = str(codec.get("name", ""))
        conf = dict(codec.get("configuration") or {})
        short = name.removeprefix("numcodecs.")
        if short in ("bytes", "vlen-utf8", "vlen-bytes", "transpose"):
            continue
        if short == "sharding_indexed":
            out.extend(filters_from_codecs(list(conf.get("codecs", []))))
            continue
        if short == "zlib":
            out.append(Filter.of("deflate", level=int(conf.get("level", 1))))
        elif short == "shuffle":
            out.append(Filter.of("shuffle"))
        elif short == "blosc":
            out.append(
                Filter.of(
                    "blosc",
                    cname=conf.get("cname", "lz4"),
                    clevel=int(conf.get("clevel", 5)),
                    shuffle=str(conf.get("shuffle", "shuffle")),
                )
            )
        elif short in ("gzip", "zstd"):
            out.append(Filter.of(short, level=int(conf.get("level", 0))))
        else:
            out.append(Filter.of(short, **{k: hashable_option(v) for k, v in conf.items()}))
    return tuple(out)


def codecs_for(
    filters: tuple[Filter, ...], itemsize: int, text: bool
) -> list[dict[str, Any]] | None:
    """Zarr v3 codecs for a portable filter list; None if one of them has no Zarr form."""
    head: dict[str, Any]
    if text:
        head = {"name": "vlen-utf8", "configuration": {}}
    elif itemsize > 1:
        head = {"name": "bytes", "configuration": {"endian": "little"}}
    else:
        head = {"name": "bytes", "configuration": {}}
    out = [head]
    for f in canonical(filters):
        codec = _zarr_codec(f, itemsize, text)
        if codec is None:
            return None
        if codec:
            out.append(codec)
    return out


def _zarr_codec(f: Filter, itemsize: int, text: bool) -> dict[str, Any] | None:
    """One filter's Zarr v3 codec; ``{}`` when it is dropped (shuffle of text); None if none."""
    if f.name == "deflate":
        return {"name": "numcodecs.zlib", "configuration": {"level": int(f.get("level", 4))}}
    if f.name == "shuffle":
        if text:
            return {}
        return {"name": "numcodecs.shuffle", "configuration": {"elementsize": itemsize}}
    if f.name == "fletcher32":
        return {"name": "numcodecs.fletcher32", "configuration": {}}
    if f.name == "blosc":
        return {
            "name": "blosc",
            "configuration": {
                "cname": f.get("cname", "lz4"),
                "clevel": int(f.get("clevel", 5)),
                "shuffle": f.get("shuffle", "shuffle"),
                "typesize": itemsize,
                "blocksize": 0,
            },
        }
    if f.name in ("gzip", "zstd"):
        conf: dict[str, Any] = {"level": int(f.get("level", 1))}
        if f.name == "zstd":
            conf["checksum"] = False
        return {"name": f.name, "configuration": conf}
    return None


def filters_from_v2(filters: list[Any], compressor: Any) -> tuple[Filter, ...]:
    """Portable filters of a Zarr format 2 array (its ``filters`` and ``compressor``)."""
    out = [
        Filter.of(str(f["id"]))
        for f in filters
        if isinstance(f, dict) and f.get("id") not in _V2_OBJECT_CODECS
    ]
    if isinstance(compressor, dict):
        cid = str(compressor.get("id"))
        if cid == "blosc":
            shuffle = _V2_BLOSC_SHUFFLE.get(int(compressor.get("shuffle", 1)), "shuffle")
            out.append(
                Filter.of(
                    "blosc",
                    cname=compressor.get("cname", "lz4"),
                    clevel=int(compressor.get("clevel", 5)),
                    shuffle=shuffle,
                )
            )
        elif cid == "zlib":
            out.append(Filter.of("deflate", level=int(compressor.get("level", 1))))
        else:
            out.append(Filter.of(cid))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# numcodecs
# --------------------------------------------------------------------------------------------
def numcodecs_codec(codec: dict[str, Any]) -> Any:
    """The numcodecs codec of one Zarr v3 bytes-to-bytes codec, or None if it has none here.

    zstd with checksums and every other codec go through zarr-python instead.
    """
    import numcodecs

    name = codec.get("name")
    conf = codec.get("configuration") or {}
    if name == "blosc":
        shuffle = conf.get("shuffle", "noshuffle")
        return numcodecs.Blosc(
            cname=conf.get("cname", "lz4"),
            clevel=int(conf.get("clevel", 5)),
            shuffle=BLOSC_SHUFFLE.get(shuffle, shuffle)
            if isinstance(shuffle, str)
            else int(shuffle),
            blocksize=int(conf.get("blocksize", 0)),
        )
    if name == "zstd" and not conf.get("checksum"):
        return numcodecs.Zstd(level=int(conf.get("level", 0)))
    if name == "gzip":
        return numcodecs.GZip(level=int(conf.get("level", 5)))
    if name == "numcodecs.zlib":
        return numcodecs.Zlib(level=int(conf.get("level", 1)))
    if name == "numcodecs.shuffle":
        return numcodecs.Shuffle(elementsize=int(conf.get("elementsize", 4)))
    return None


__all__ = [
    "HDF5_FALLBACK",
    "HDF5_NAMES",
    "HDF5_WRITABLE",
    "canonical",
    "codecs_for",
    "default_codecs",
    "destination_filters",
    "encode_hdf5_chunk",
    "filters_from_codecs",
    "filters_from_hdf5",
    "filters_from_v2",
    "hdf5_encodable",
    "hdf5_expressible",
    "hdf5_filter_kwargs",
    "hashable_option",
    "numcodecs_codec",
    "same_stored_bytes",
    "zarr_codecs_of_hdf5",
]
