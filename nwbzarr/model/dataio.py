"""Data with storage settings (pynwb's ``DataIO``, ``H5DataIO``, hdmf-zarr's ``ZarrDataIO``).

Wrapping data sets how it is stored: chunks, compression, an extendable shape
(``maxshape`` with ``None``), a fill value, and whether an array read from another file is
linked or copied. Without data (``shape``, ``dtype``, ``maxshape``) the wrapper makes an
empty dataset that the user fills after the write through :attr:`DataIO.dataset`, as in
pynwb's iterative-write tutorial. Data may also be an iterator of blocks (a generator, a
:class:`~nwbzarr.model.iterators.DataChunkIterator`): it is streamed to disk chunk by chunk.

Chunk shapes the user does not set are chosen by size (about 1 MiB, time-major): for an
array that grows (an iterator of unknown length, an empty extendable dataset), the rows of
a chunk fill that size, not the size of the first block.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.tree import Filter

# Chunks of arrays that grow are sized for reading: the project's rule of 1-4 MiB per chunk.
GROWTH_CHUNK_BYTES = 1 << 20

Shape = tuple[int, ...]
MaxShape = tuple[int | None, ...]


class DataIO:
    """Data and the settings of the dataset it becomes (pynwb's ``DataIO``).

    Parameters
    ----------
    data
        Array-like data, a lazy array of another file, an iterator of blocks, or None for
        an empty dataset of ``shape`` and ``dtype`` to fill after the write.
    dtype, shape
        Type and (initial) shape of the dataset; needed without data and for iterators
        of unknown length.
    maxshape
        Largest shape; ``None`` entries make the dataset extendable along those axes.
    chunks
        Chunk shape; chosen by size when omitted (and needed).
    compression
        Portable filters (:class:`~nwbzarr.tree.Filter`), ``None`` for none, or
        ``"default"`` for the format's default.
    fillvalue
        Value of elements never written.
    link_data
        An array read from another file is linked (True) or copied (False); None (the
        default) follows the write's ``link_data``.
    """

    def __init__(
        self,
        data: Any = None,
        dtype: Any = None,
        shape: Shape | None = None,
        *,
        maxshape: MaxShape | None = None,
        chunks: Shape | bool | None = None,
        compression: tuple[Filter, ...] | str | None = "default",
        fillvalue: Any = None,
        link_data: bool | None = None,
    ) -> None:
        if data is None and shape is None:
            raise ValidationError(
                f"{type(self).__name__}: give data, or shape and dtype for an empty dataset"
            )
        if (
            data is not None
            and shape is not None
            and not _is_stream(data)
            and not _is_lazy(data)
            and tuple(np.shape(data)) != tuple(shape)
        ):
            raise ValidationError(
                f"{type(self).__name__}: shape={tuple(shape)} does not match the data's "
                f"shape {tuple(np.shape(data))}"
            )
        self.data = data
        self.dtype = np.dtype(dtype) if dtype is not None and not isinstance(dtype, str) else dtype
        self.shape = None if shape is None else tuple(int(n) for n in shape)
        self.maxshape = None if maxshape is None else tuple(maxshape)
        self.chunks = chunks if chunks is None or isinstance(chunks, bool) else tuple(chunks)
        self.compression = compression
        self.fillvalue = fillvalue
        self.link_data = link_data
        self.dataset: Any = None  # the written array, once written

    # ----- the wrapped data, as pynwb's DataIO exposes it
    @property
    def valid(self) -> bool:
        """True while there is data (or a dataset) behind the wrapper."""
        return self.data is not None or self.dataset is not None

    def __len__(self) -> int:
        if self.dataset is not None:
            return len(self.dataset)
        if self.data is None or _is_stream(self.data):
            return self.shape[0] if self.shape else 0
        return len(self.data)

    def __getitem__(self, key: Any) -> Any:
        source = self.dataset if self.dataset is not None else self.data
        if source is None:
            raise ValidationError(f"{type(self).__name__}: no data to index (not written yet)")
        return source[key]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray[Any, Any]:
        source = self.dataset if self.dataset is not None else self.data
        return np.asarray(source[()] if hasattr(source, "file") else source, dtype=dtype)

    def __repr__(self) -> str:
        what = "no data" if self.data is None else type(self.data).__name__
        return (
            f"{type(self).__name__}({what}, shape={self.shape}, dtype={self.dtype}, "
            f"maxshape={self.maxshape}, chunks={self.chunks})"
        )


class H5DataIO(DataIO):
    """pynwb's / hdmf's ``H5DataIO``: HDF5 dataset settings (kept where Zarr can hold them).

    ``compression`` is ``"gzip"`` (or an integer level, or True: gzip level 4), ``"lzf"``,
    or None; ``compression_opts`` the gzip level; ``shuffle`` and ``fletcher32`` add those
    filters. ``link_data`` defaults to False, as pynwb's: wrapping an array of another file
    copies it. ``allow_plugin_filters`` is accepted for compatibility: filters that need a
    plugin are refused by the HDF5 writer with a message naming them.
    """

    def __init__(
        self,
        data: Any = None,
        maxshape: MaxShape | None = None,
        chunks: Shape | bool | None = None,
        compression: str | bool | int | None = None,
        compression_opts: Any = None,
        fillvalue: Any = None,
        shuffle: bool | None = None,
        fletcher32: bool | None = None,
        link_data: bool = False,
        allow_plugin_filters: bool = False,
        shape: Shape | None = None,
        dtype: Any = None,
    ) -> None:
        filters = h5_filters(compression, compression_opts, shuffle, fletcher32)
        super().__init__(
            data,
            dtype,
            shape,
            maxshape=maxshape,
            chunks=chunks,
            compression="default" if filters is None else filters,
            fillvalue=fillvalue,
            link_data=link_data,
        )
        self.allow_plugin_filters = allow_plugin_filters
        self.io_settings: dict[str, Any] = {
            k: v
            for k, v in {
                "maxshape": maxshape,
                "chunks": chunks,
                "compression": compression,
                "compression_opts": compression_opts,
                "fillvalue": fillvalue,
                "shuffle": shuffle,
                "fletcher32": fletcher32,
            }.items()
            if v is not None
        }


def h5_filters(
    compression: str | bool | int | None,
    compression_opts: Any,
    shuffle: bool | None,
    fletcher32: bool | None,
) -> tuple[Filter, ...] | None:
    """Portable filters for h5py's compression arguments (None: none was asked for)."""
    out: list[Filter] = []
    if shuffle:
        out.append(Filter.of("shuffle"))
    level = _gzip_level(compression, compression_opts)
    if level is not None:
        out.append(Filter.of("deflate", level=level))
    elif compression == "lzf":
        out.append(Filter.of("lzf"))
    elif isinstance(compression, str):
        out.append(Filter.of(compression))
    elif compression not in (None, False):
        raise ValidationError(f"H5DataIO: compression={compression!r} is not a known filter")
    if fletcher32:
        out.append(Filter.of("fletcher32"))
    if not out:
        return None if compression is None else ()
    return tuple(out)


class ZarrDataIO(DataIO):
    """hdmf-zarr's ``ZarrDataIO``: Zarr array settings.

    ``compressors`` (or the older ``compressor``) and ``filters`` are zarr-python codecs or
    numcodecs objects; ``shards`` is the shard shape. ``shape``, ``dtype`` and ``maxshape``
    (keywords, beyond hdmf-zarr's) make an empty extendable array to fill after the write.
    """

    def __init__(
        self,
        data: Any = None,
        chunks: Shape | bool | None = None,
        fillvalue: Any = None,
        compressors: Any = None,
        compressor: Any = None,
        filters: Any = None,
        serializer: Any = None,
        shards: Shape | None = None,
        link_data: bool = False,
        *,
        shape: Shape | None = None,
        dtype: Any = None,
        maxshape: MaxShape | None = None,
    ) -> None:
        del serializer  # the bytes codec follows from the dtype
        codecs = [*_as_list(filters), *_as_list(compressors), *_as_list(compressor)]
        super().__init__(
            data,
            dtype,
            shape,
            maxshape=maxshape,
            chunks=chunks,
            compression=zarr_filters(codecs) if codecs else "default",
            fillvalue=fillvalue,
            link_data=link_data,
        )
        self.shards = None if shards is None else tuple(shards)


def _gzip_level(compression: str | bool | int | None, opts: Any) -> int | None:
    """The gzip level h5py's arguments ask for (True and "gzip": 4, an int: that level)."""
    if compression is True or compression in ("gzip", "deflate"):
        return int(4 if opts is None else opts)
    if isinstance(compression, int) and not isinstance(compression, bool):
        return int(compression)
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def zarr_filters(codecs: list[Any]) -> tuple[Filter, ...]:
    """Portable filters for zarr-python codecs, numcodecs objects or codec documents."""
    from nwbzarr.codecs import filters_from_codecs

    docs = []
    for codec in codecs:
        if isinstance(codec, dict):
            docs.append(codec)
        elif hasattr(codec, "to_dict") and "name" in codec.to_dict():
            docs.append(_plain(codec.to_dict()))
        elif hasattr(codec, "get_config"):  # numcodecs
            config = dict(codec.get_config())
            name = str(config.pop("id"))
            if name == "blosc":
                config["shuffle"] = {0: "noshuffle", 1: "shuffle", 2: "bitshuffle"}.get(
                    config.get("shuffle", 1), "shuffle"
                )
            docs.append({"name": name, "configuration": config})
        else:
            raise ValidationError(f"ZarrDataIO: {codec!r} is not a Zarr codec")
    return filters_from_codecs(docs)


def _plain(doc: dict[str, Any]) -> dict[str, Any]:
    """A codec document with enum values as their strings (zarr's BloscShuffle...)."""
    conf = {k: getattr(v, "value", v) for k, v in dict(doc.get("configuration") or {}).items()}
    return {"name": doc["name"], "configuration": conf}


def _is_stream(data: Any) -> bool:
    return isinstance(data, Iterator)


def _is_lazy(data: Any) -> bool:
    return hasattr(data, "file") and hasattr(data, "spec")


def growth_chunks(shape: Shape, maxshape: MaxShape, itemsize: int) -> Shape:
    """Chunks for an array that grows along its unlimited axes: about
    :data:`GROWTH_CHUNK_BYTES` per chunk, time-major, whatever its current length."""
    from nwbzarr.tree import block_shape

    extent = tuple(
        (1 << 40 if axis == 0 else max(n, 1)) if m is None else max(int(m), 1)
        for axis, (n, m) in enumerate(zip(shape, maxshape, strict=True))
    )
    return block_shape(extent, itemsize, GROWTH_CHUNK_BYTES)


__all__ = [
    "GROWTH_CHUNK_BYTES",
    "DataIO",
    "H5DataIO",
    "ZarrDataIO",
    "growth_chunks",
    "h5_filters",
    "zarr_filters",
]
