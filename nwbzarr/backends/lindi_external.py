"""LINDI's external array links: arrays whose chunks come from a dataset of an HDF5 file.

LINDI writes ``_EXTERNAL_ARRAY_LINK: {"link_type": "hdf5_dataset", "url", "name"}`` on a
dataset of the indexed HDF5 file that has too many chunks to list: it keeps the dataset's
``.zarray`` and ``.zattrs``, drops its chunk references, and its own reader takes the values
from the dataset ``name`` of the HDF5 file at ``url``. Here such an array stays an array: an
:class:`ExternalArray` serves the reference store each chunk key of its grid
(:class:`~nwbzarr.backends.references.ChunkSource`), so that the Zarr backend reads it as any
other array.

* The HDF5 file is located by the store's ``locate`` (``url`` relative to the reference file,
  or a URL, under the link policy exactly as byte-range references are) and opened with
  nwbzarr's HDF5 backend on the first chunk read, never when the store opens.
* When the dataset's chunks, byte order and filters are those of the ``.zarray`` (HDF5's
  shuffle and deflate are numcodecs' ``shuffle`` and ``zlib``), a chunk is its stored bytes:
  the byte range LINDI left out is found in the dataset's chunk index when the chunk is first
  read, and read as byte-range references are (one ranged read, concurrent with others), or,
  for a chunk under :data:`DIRECT_BYTES` of a remote file, through the file's block cache
  (thousands of small chunks are then a few block reads, not one request each).
* Otherwise (other chunking or filters, an unwritten chunk), the chunk's values are read
  through the HDF5 backend and encoded per the ``.zarray``: its order, fill value, filters and
  compressor. Both ways give the same values (tested).
"""

from __future__ import annotations

import asyncio
import math
import os
import posixpath
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nwbzarr.backends.references import Locate, ReferenceStore
from nwbzarr.errors import FormatError, NwbZarrError
from nwbzarr.storage import Location, open_binary
from nwbzarr.tree import Array, File, Filter

if TYPE_CHECKING:
    from nwbzarr.backends.hdf5 import H5Array

LINK_TYPE = "hdf5_dataset"
DIRECT_BYTES = 1 << 20
"""Stored chunks of a remote file this large are read by a ranged read of their own; smaller
ones through the HDF5 file's block cache (of this size), which neighbouring chunks share."""
_SPECIAL_FILLS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class HDF5Files:
    """The HDF5 files that the external arrays of one reference file read, each opened once
    (on the first read of any of its arrays) and shared by them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[File, Location]] = {}
        self.generation = 0  # counts closes: arrays of an older generation are reopened

    def open(self, url: str, locate: Locate, where: str) -> tuple[File, Location]:
        """The open file of ``url`` and where it is (located under the link policy)."""
        with self._lock:
            found = self._files.get(url)
            if found is not None:
                return found
            loc = locate(url)  # the link policy refuses here, as for byte-range references
            if loc.is_local and not os.path.exists(loc.path):
                raise FileNotFoundError(
                    f"{where}: _EXTERNAL_ARRAY_LINK to {loc.path}: no such file"
                )
            self._files[url] = found = (open_hdf5(loc), loc)
            return found

    def close(self) -> None:
        with self._lock:
            for file, _loc in self._files.values():
                file.close()
            self._files.clear()
            self.generation += 1


class ExternalArray:
    """The chunks of one array of a reference file, served from a dataset of an HDF5 file.

    Parameters
    ----------
    where : str
        The array, for messages (``reference-file:/path``).
    url : str
        The HDF5 file, as the annotation gives it (located through the store's ``locate``).
    name : str
        The dataset's path inside the HDF5 file.
    zarray : dict
        The array's ``.zarray`` document (Zarr format 2).
    files : HDF5Files
        The HDF5 files opened for the reference file's external arrays (shared by them).
    """

    def __init__(
        self, where: str, url: str, name: str, zarray: dict[str, Any], files: HDF5Files
    ) -> None:
        self.files = files
        self.where = where
        self.url = url
        self.name = posixpath.join("/", name.lstrip("/"))
        self.shape = _ints(zarray.get("shape"), "shape", where)
        self.chunks = _ints(zarray.get("chunks"), "chunks", where)
        if len(self.chunks) != len(self.shape) or 0 in self.chunks:
            raise FormatError(
                f"{where}: .zarray chunks {list(self.chunks)} do not fit shape {list(self.shape)}"
            )
        try:
            self.dtype = np.dtype(zarray.get("dtype"))
        except (TypeError, ValueError) as err:
            raise FormatError(f"{where}: .zarray dtype {zarray.get('dtype')!r}: {err}") from err
        self.order = str(zarray.get("order") or "C")
        self.separator = str(zarray.get("dimension_separator") or ".")
        self.fill_value = zarray.get("fill_value")
        compressor = zarray.get("compressor")
        configs = [*(zarray.get("filters") or []), *([compressor] if compressor else [])]
        if not all(isinstance(c, dict) and isinstance(c.get("id"), str) for c in configs):
            raise FormatError(f"{where}: .zarray filters or compressor malformed: {configs!r}")
        self.codecs: list[dict[str, Any]] = configs
        self.grid = tuple(-(-n // c) for n, c in zip(self.shape, self.chunks, strict=True))
        self._lock = threading.Lock()
        self._array: H5Array | None = None
        self._as_stored = False
        self._local = True
        self._generation = 0
        self._pipeline: list[Any] | None = None

    def __repr__(self) -> str:
        return f"ExternalArray({self.where!r} -> {self.url}:{self.name})"

    # ----- the ChunkSource protocol
    def has(self, name: str) -> bool:
        """Whether ``name`` is a chunk key of this array's grid (no I/O)."""
        return self._index(name) is not None

    async def chunk(self, name: str, store: ReferenceStore) -> bytes | None:
        """The encoded chunk ``name`` (``"i.j"``), or None if it is not in the grid."""
        index = self._index(name)
        if index is None:
            return None
        # libhdf5 (and, for a remote file, its blocking reads) runs off the event loop
        array = await asyncio.to_thread(self._target, store.locate)
        if self._as_stored:
            extent = await asyncio.to_thread(array.chunk_extent, index)
            if extent is not None:
                self._check_extent(index, extent[1])
            if extent is not None and (self._local or extent[1] >= DIRECT_BYTES):
                return await self._stored(store, index, *extent)
            if extent is not None:  # a small remote chunk: through the file's block cache
                data = await asyncio.to_thread(array.read_chunk_raw, index)
                if data is not None:
                    return data
        return await asyncio.to_thread(self._encoded, array, index)

    def close(self) -> None:
        """Close the HDF5 files (shared by every external array of the reference file); a
        later read opens them again."""
        with self._lock:
            self._array = None
        self.files.close()

    # ----- reading
    def _index(self, name: str) -> tuple[int, ...] | None:
        parts = name.split(self.separator) if self.shape else [name]
        if not all(p.isdigit() for p in parts):
            return None
        index = tuple(int(p) for p in parts)
        if not self.shape:
            return () if index == (0,) else None
        if len(index) != len(self.grid):
            return None
        if any(i >= n for i, n in zip(index, self.grid, strict=True)):
            return None
        return index

    def _check_extent(self, index: tuple[int, ...], size: int) -> None:
        """A stored size no chunk of this array can have (a damaged chunk index) is refused
        before anything that size is read or allocated."""
        nbytes = math.prod(self.chunks) * self.dtype.itemsize
        limit = nbytes + nbytes // 100 + 1024  # deflate's worst-case growth, with room
        if size > limit:
            raise FormatError(
                f"{self.where}: chunk {index} of {self.url}:{self.name}: the HDF5 chunk index "
                f"gives {size} stored bytes, more than a chunk of {nbytes} bytes can take "
                "(damaged file)"
            )

    async def _stored(
        self, store: ReferenceStore, index: tuple[int, ...], offset: int, size: int
    ) -> bytes:
        """A chunk's stored bytes, by one ranged read (as byte-range references are read)."""
        data = await store.reader(self.url).read(offset, offset + size)
        if len(data) != size:
            raise FormatError(
                f"{self.where}: chunk {index} of {self.url}:{self.name} is cut short ({len(data)} "
                f"of {size} bytes at offset {offset}): the HDF5 file is damaged or changed"
            )
        return data

    def _encoded(self, array: H5Array, index: tuple[int, ...]) -> bytes:
        region = tuple(
            slice(i * c, min(i * c + c, n))
            for i, c, n in zip(index, self.chunks, self.shape, strict=True)
        )
        return self.encode(np.asarray(array[region]))

    def _target(self, locate: Locate) -> H5Array:
        """The HDF5 dataset, opened and checked against the ``.zarray`` on first use."""
        with self._lock:
            if self._array is not None and self._generation == self.files.generation:
                return self._array
            self._generation = self.files.generation
            file, loc = self.files.open(self.url, locate, self.where)
            self._local = loc.is_local
            array = self._dataset(file, loc)
            self._as_stored = self.order == "C" and stored_as_is(
                array, self.chunks, self.dtype, self.codecs
            )
            self._array = array
            return array

    def _dataset(self, file: File, loc: Location) -> H5Array:
        from nwbzarr.backends.hdf5 import H5Array

        target = f"{self.where}: _EXTERNAL_ARRAY_LINK to {loc.path}:{self.name}"
        try:
            node = file.root[self.name.lstrip("/")] if self.name != "/" else file.root
        except (KeyError, NwbZarrError) as err:
            raise FormatError(f"{target}: no such dataset ({err})") from err
        if not isinstance(node, H5Array):
            raise FormatError(f"{target}: a group, not a dataset")
        if node.shape != self.shape:
            raise FormatError(
                f"{target}: the dataset has shape {node.shape}, the .zarray {self.shape} "
                "(the file changed after indexing)"
            )
        stored = node.datatype
        if self.dtype.kind in "biufc" and not (
            isinstance(stored, np.dtype)
            and stored.newbyteorder("=") == self.dtype.newbyteorder("=")
        ):
            raise FormatError(f"{target}: the dataset holds {stored}, the .zarray {self.dtype}")
        return node

    # ----- encoding per the .zarray
    def encode(self, values: np.ndarray[Any, Any]) -> bytes:
        """The chunk holding ``values`` (at its origin; the rest is fill), encoded per the
        ``.zarray``: its order, then its filters and compressor."""
        block = np.full(self.chunks, self._fill(), dtype=self.dtype)
        block[tuple(slice(0, n) for n in values.shape)] = values
        flat: Any = block.ravel(order="F" if self.order == "F" else "C")
        data: Any = flat if self.dtype.hasobject else flat.tobytes()
        try:
            for codec in self._codecs():
                data = codec.encode(data)
        except (RuntimeError, ValueError, TypeError) as err:
            raise FormatError(
                f"{self.where}: cannot encode a chunk per its .zarray: {err}"
            ) from err
        if isinstance(data, bytes):
            return data
        return bytes(memoryview(np.ascontiguousarray(data)).cast("B"))

    def _codecs(self) -> list[Any]:
        if self._pipeline is None:
            import numcodecs

            try:
                self._pipeline = [numcodecs.get_codec(dict(c)) for c in self.codecs]
            except (KeyError, ValueError, TypeError) as err:
                raise FormatError(f"{self.where}: unknown codec in its .zarray: {err}") from err
        return self._pipeline

    def _fill(self) -> Any:
        fill = self.fill_value
        if self.dtype.hasobject:
            return fill
        if fill is None:
            return 0
        fill = _SPECIAL_FILLS.get(fill, fill) if isinstance(fill, str) else fill
        try:
            return np.asarray(fill).astype(self.dtype)[()]
        except (TypeError, ValueError) as err:
            raise FormatError(f"{self.where}: .zarray fill_value {fill!r}: {err}") from err


def stored_as_is(
    array: Array, chunks: Sequence[int], dtype: np.dtype[Any], codecs: Sequence[dict[str, Any]]
) -> bool:
    """Whether the stored chunks of ``array`` are chunks of a Zarr 2 array of ``chunks``,
    ``dtype`` (byte order included) and ``codecs``: each HDF5 filter has its numcodecs twin."""
    spec = array.spec
    if spec.chunks is None or tuple(spec.chunks) != tuple(chunks) or spec.datatype != dtype:
        return False
    filters: tuple[Filter, ...] = spec.compression or ()
    return len(filters) == len(codecs) and all(
        _twins(f, c, dtype.itemsize) for f, c in zip(filters, codecs, strict=True)
    )


def _twins(hdf5: Filter, codec: dict[str, Any], itemsize: int) -> bool:
    if hdf5.name == "deflate":
        return codec.get("id") == "zlib"  # the same zlib stream (the level only writes)
    if hdf5.name == "shuffle":
        return codec.get("id") == "shuffle" and codec.get("elementsize", 4) == itemsize
    return False


def open_hdf5(loc: Location) -> File:
    """The HDF5 file at ``loc``, read-only, with nwbzarr's HDF5 backend (imported here: a
    reference file without external array links never imports h5py)."""
    from nwbzarr.backends.hdf5 import H5File

    if loc.is_local:
        return H5File(loc.path, "r")
    return H5File(str(loc), "r", fileobj=open_binary(loc))


def _ints(value: Any, what: str, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise FormatError(f"{where}: .zarray {what} {value!r} is not a list of sizes")
    return tuple(value)


__all__ = ["DIRECT_BYTES", "LINK_TYPE", "ExternalArray", "HDF5Files", "open_hdf5", "stored_as_is"]
