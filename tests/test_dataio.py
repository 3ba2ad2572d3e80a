"""DataIO, H5DataIO, ZarrDataIO and iterators as data: settings kept, chunks chosen by size,
streams written chunk by chunk; pynwb and hdmf-zarr read the values back."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nwbzarr
from nwbzarr import NWBFile, TimeSeries
from nwbzarr.errors import ValidationError
from nwbzarr.model.dataio import GROWTH_CHUNK_BYTES, DataIO, H5DataIO, ZarrDataIO
from nwbzarr.model.iterators import (
    AbstractDataChunkIterator,
    DataChunk,
    DataChunkIterator,
    GenericDataChunkIterator,
    Selection,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

START = datetime(2020, 1, 1, tzinfo=UTC)


def new_file() -> NWBFile:
    return NWBFile(session_description="dataio", identifier="dataio", session_start_time=START)


def write_series(path: Path, data: Any) -> None:
    nwb = new_file()
    nwb.add_acquisition(TimeSeries(name="ts", data=data, unit="m", rate=10.0))
    nwbzarr.write(nwb, path)


def peer_data(path: Path) -> np.ndarray[Any, Any]:
    """``/acquisition/ts/data`` as pynwb (HDF5) or hdmf-zarr (Zarr) reads it."""
    if str(path).endswith(".zarr"):
        hdmf_zarr = pytest.importorskip("hdmf_zarr")
        with hdmf_zarr.NWBZarrIO(str(path), "r") as io:
            return np.asarray(io.read().acquisition["ts"].data[:])
    pynwb = pytest.importorskip("pynwb")
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        return np.asarray(io.read().acquisition["ts"].data[:])


def rows(n: int, width: int = 10) -> Iterator[np.ndarray[Any, Any]]:
    for i in range(n):
        yield np.full(width, i, dtype="float64")


def stored_files(path: Path) -> int:
    """Objects stored for a Zarr array (directory); 1 for anything inside an HDF5 file."""
    return sum(len(files) for _, _, files in os.walk(path)) if path.is_dir() else 1


EXPECTED_40K = np.repeat(np.arange(40_000, dtype="float64")[:, None], 10, axis=1)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DataChunkIterator(rows(40_000)),
        lambda: DataIO((r[None] for r in rows(40_000)), dtype="float64", shape=(0, 10)),
        lambda: H5DataIO(DataChunkIterator(rows(40_000), buffer_size=7)),
    ],
    ids=["DataChunkIterator", "DataIO-generator", "H5DataIO-iterator"],
)
def test_stream_of_rows_gets_chunks_by_size(
    fmt: str, new_path: Callable[..., Path], make: Callable[[], Any]
) -> None:
    path = new_path(fmt)
    write_series(path, make())
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        assert data.shape == (40_000, 10)
        assert data.chunks is not None
        chunk_bytes = int(np.prod(data.chunks)) * 8
        assert GROWTH_CHUNK_BYTES // 2 <= chunk_bytes <= 4 * GROWTH_CHUNK_BYTES
        assert data.chunks[1] == 10  # time-major: whole rows
        np.testing.assert_array_equal(data[:], EXPECTED_40K)
    # 40,000 one-row blocks, 3.2 MB: a handful of chunk objects, not 40,000
    assert stored_files(path / "acquisition" / "ts" / "data") < 10
    np.testing.assert_array_equal(peer_data(path), EXPECTED_40K)


def test_short_stream_gets_its_exact_shape(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    write_series(path, DataChunkIterator(rows(25, width=3)))
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        assert data.shape == (25, 3)
        assert data.maxshape == (None, 3)
        assert data.chunks is not None and data.chunks[0] <= 25
    np.testing.assert_array_equal(peer_data(path)[:, 0], np.arange(25.0))


def test_user_chunks_win(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    write_series(path, H5DataIO(DataChunkIterator(rows(100)), chunks=(8, 10)))
    with nwbzarr.open(path) as root:
        assert root.array("acquisition/ts/data").chunks == (8, 10)


def test_empty_extendable_dataset_gets_chunks_by_size(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    path = new_path(fmt)
    dio = H5DataIO(shape=(0, 10), dtype=np.dtype("float64"), maxshape=(None, 10))
    write_series(path, dio)
    assert dio.dataset is not None
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        assert data.shape == (0, 10)
        assert data.maxshape == (None, 10)
        assert data.chunks == (GROWTH_CHUNK_BYTES // 80, 10)


class Ramp(GenericDataChunkIterator):
    """A source of known shape, read in buffers."""

    def __init__(self, shape: tuple[int, int], **kwargs: Any) -> None:
        self.full = np.arange(shape[0] * shape[1], dtype="int32").reshape(shape)
        super().__init__(**kwargs)

    def _get_data(self, selection: Selection) -> Any:
        return self.full[selection]

    def _get_maxshape(self) -> Iterable[int]:
        return self.full.shape

    def _get_dtype(self) -> Any:
        return self.full.dtype


def test_generic_iterator_writes_buffers_at_their_place(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    path = new_path(fmt)
    source = Ramp((1000, 6), chunk_shape=(100, 6), buffer_shape=(300, 6))
    write_series(path, source)
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        assert data.chunks == (100, 6)
        np.testing.assert_array_equal(data[:], source.full)
    np.testing.assert_array_equal(peer_data(path), source.full)


def test_generic_iterator_refuses_buffers_across_chunks() -> None:
    with pytest.raises(ValidationError, match=r"buffer_shape=\(150, 6\) is not a whole number"):
        Ramp((1000, 6), chunk_shape=(100, 6), buffer_shape=(150, 6))


def test_h5dataio_compression_is_stored(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    values = np.arange(2000, dtype="int16").reshape(200, 10)
    write_series(
        path,
        H5DataIO(values, compression="gzip", compression_opts=6, shuffle=True, chunks=(50, 10)),
    )
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        names = [f.name for f in data.compression]
        assert "shuffle" in names and "deflate" in names
        assert data.chunks == (50, 10)
    np.testing.assert_array_equal(peer_data(path), values)


def test_zarrdataio_codecs_are_stored(fmt: str, new_path: Callable[..., Path]) -> None:
    zarr_codecs = pytest.importorskip("zarr.codecs")
    path = new_path(fmt)
    values = np.arange(3000, dtype="float32").reshape(300, 10)
    codec = zarr_codecs.BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle")
    write_series(path, ZarrDataIO(values, chunks=(100, 10), compressors=[codec]))
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        assert data.chunks == (100, 10)
        if fmt == "zarr":
            (blosc,) = data.compression
            assert (blosc.name, blosc.get("cname"), blosc.get("shuffle")) == (
                "blosc",
                "zstd",
                "bitshuffle",
            )
        np.testing.assert_array_equal(data[:], values)


def test_dataio_without_data_needs_shape_and_dtype(fmt: str, new_path: Callable[..., Path]) -> None:
    with pytest.raises(ValidationError, match=r"H5DataIO: give data, or shape and dtype"):
        H5DataIO(maxshape=(None, 3))
    with pytest.raises(ValidationError, match=r"'data': H5DataIO without data needs dtype="):
        write_series(new_path(fmt), H5DataIO(shape=(0, 3), maxshape=(None, 3)))


def test_extendable_array_gets_chunks_for_growth(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    write_series(path, DataIO(np.zeros((2, 10)), maxshape=(None, 10)))
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        assert data.shape == (2, 10) and data.maxshape == (None, 10)
        assert data.chunks == (GROWTH_CHUNK_BYTES // 80, 10)  # not (2, 10): it will grow


class Sparse(AbstractDataChunkIterator):
    """pynwb's iterative-write example: only the non-zero blocks of a large array."""

    def __init__(self, shape: tuple[int, int], blocks: dict[int, np.ndarray[Any, Any]]) -> None:
        self.shape, self.blocks, self.order = shape, blocks, iter(sorted(blocks))

    def __next__(self) -> DataChunk:
        start = next(self.order)
        block = self.blocks[start]
        return DataChunk(data=block, selection=np.s_[start : start + len(block), :])

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.dtype("float32")

    @property
    def maxshape(self) -> tuple[int | None, ...]:
        return self.shape

    def recommended_chunk_shape(self) -> tuple[int, ...] | None:
        return (100, self.shape[1])

    def recommended_data_shape(self) -> tuple[int, ...]:
        return self.shape


def test_custom_chunk_iterator_writes_at_selections(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    path = new_path(fmt)
    blocks = {200: np.ones((100, 4), "float32"), 700: np.full((100, 4), 2, "float32")}
    write_series(path, Sparse((1000, 4), blocks))
    expected = np.zeros((1000, 4), "float32")
    expected[200:300], expected[700:800] = 1, 2
    with nwbzarr.open(path) as root:
        data = root.array("acquisition/ts/data")
        assert data.chunks == (100, 4)
        np.testing.assert_array_equal(data[:], expected)
    np.testing.assert_array_equal(peer_data(path), expected)


def test_chunk_selection_bounds() -> None:
    data = np.zeros((2, 3))
    assert DataChunk(data, np.s_[4:6, 0:3]).get_min_bounds() == (6, 3)
    assert DataChunk(data, 7).get_min_bounds() == (8,)
    with pytest.raises(TypeError, match=r"selection \[1, 2\] must be an int, a slice"):
        DataChunk(data, [1, 2]).get_min_bounds()
