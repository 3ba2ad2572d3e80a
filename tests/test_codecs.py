"""One codec table: HDF5 filters <-> portable filters <-> Zarr codecs <-> numcodecs.

Each translation is checked against the library that owns the format: h5py for HDF5 filter
pipelines, zarr-python for Zarr codec documents, numcodecs for the bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import h5py
import numcodecs
import numpy as np
import pytest
import zarr

from nwbzarr import codecs
from nwbzarr.errors import UnsupportedFeatureError
from nwbzarr.tree import Filter

GZIP = (Filter.of("shuffle"), Filter.of("deflate", level=4))
PORTABLE = [
    (),
    (Filter.of("deflate", level=6),),
    GZIP,
    (Filter.of("blosc", cname="zstd", clevel=3, shuffle="bitshuffle"),),
    (Filter.of("zstd", level=2),),
    (Filter.of("gzip", level=5),),
]
VALUES = (np.arange(3000, dtype="<i2") * 37) % 1013


def _pipeline(ds: h5py.Dataset) -> list[tuple[int, Any]]:
    plist = ds.id.get_create_plist()
    return [plist.get_filter(i)[::2] for i in range(plist.get_nfilters())]


@pytest.mark.parametrize("filters", [(), GZIP, (Filter.of("fletcher32"),), (Filter.of("lzf"),)])
def test_hdf5_pipelines_read_back_as_written(tmp_path: Path, filters: tuple[Filter, ...]) -> None:
    with h5py.File(tmp_path / "f.h5", "w") as h5:
        ds = h5.create_dataset(
            "x", data=VALUES, chunks=(500,), **codecs.hdf5_filter_kwargs(filters, "f.h5:/x")
        )
        assert codecs.filters_from_hdf5(_pipeline(ds)) == codecs.canonical(filters)


def test_hdf5_refuses_filters_it_cannot_write_by_name() -> None:
    with pytest.raises(UnsupportedFeatureError, match=r"f\.h5:/x: HDF5 cannot write the .*blosc"):
        codecs.hdf5_filter_kwargs((Filter.of("blosc"),), "f.h5:/x")


@pytest.mark.parametrize("filters", PORTABLE, ids=str)
def test_zarr_codecs_are_valid_and_read_back(tmp_path: Path, filters: tuple[Filter, ...]) -> None:
    found = codecs.codecs_for(filters, 2, text=False)
    assert found is not None
    assert codecs.filters_from_codecs(found) == codecs.canonical(filters)
    meta = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [3000],
        "data_type": "int16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [500]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": found,
    }
    store = zarr.storage.LocalStore(str(tmp_path))
    (tmp_path / "zarr.json").write_text(json.dumps(meta))
    arr = zarr.open_array(store, mode="r+")
    arr[:] = VALUES
    np.testing.assert_array_equal(arr[:], VALUES)


def test_filters_without_a_zarr_form_have_no_codecs() -> None:
    assert codecs.codecs_for((Filter.of("lzf"),), 4, text=False) is None
    assert codecs.codecs_for((Filter.of("scaleoffset", factor=2),), 4, text=False) is None
    text = codecs.codecs_for(GZIP, 16, text=True)  # shuffle of text is dropped
    assert text is not None and [c["name"] for c in text] == ["vlen-utf8", "numcodecs.zlib"]


def test_hdf5_chunks_decode_with_their_zarr_codecs(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "f.h5", "w") as h5:
        ds = h5.create_dataset("x", data=VALUES.astype(">i2"), chunks=(500,), **_gzip())
        pipeline = _pipeline(ds)
        _mask, raw = ds.id.read_direct_chunk((0,))
    found = codecs.zarr_codecs_of_hdf5(pipeline, np.dtype(">i2"))
    assert found is not None and found[0] == {"name": "bytes", "configuration": {"endian": "big"}}
    data: Any = raw
    for conf in reversed(found[1:]):
        data = codecs.numcodecs_codec(conf).decode(data)
    np.testing.assert_array_equal(np.frombuffer(bytes(data), ">i2"), VALUES[:500])
    # the portable names of the pipeline give the same Zarr codecs
    same = codecs.codecs_for(codecs.filters_from_hdf5(pipeline), 2, text=False)
    assert same is not None and same[1:] == found[1:]
    fletcher = [*pipeline, (codecs.H5Z_FLETCHER32, ())]
    assert codecs.zarr_codecs_of_hdf5(fletcher, np.dtype("<i2")) is None


def _gzip() -> dict[str, Any]:
    return codecs.hdf5_filter_kwargs(GZIP, "f.h5:/x")


def test_encode_hdf5_chunk_is_what_libhdf5_writes(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "f.h5", "w") as h5:
        ds = h5.create_dataset("x", data=VALUES, chunks=(700,), **_gzip())
        for i in range(5):  # the last chunk is partial: padded with the fill value
            _mask, stored = ds.id.read_direct_chunk((i * 700,))
            mine = codecs.encode_hdf5_chunk(VALUES[i * 700 : (i + 1) * 700], (700,), GZIP, 0)
            assert mine == stored, i
    assert codecs.hdf5_encodable(GZIP) == GZIP
    assert codecs.hdf5_encodable((Filter.of("lzf"),)) is None


@pytest.mark.parametrize(
    ("conf", "reference"),
    [
        (
            {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle"}},
            numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1),
        ),
        ({"name": "zstd", "configuration": {"level": 3}}, numcodecs.Zstd(level=3)),
        ({"name": "gzip", "configuration": {"level": 5}}, numcodecs.GZip(level=5)),
        ({"name": "numcodecs.zlib", "configuration": {"level": 4}}, numcodecs.Zlib(level=4)),
        (
            {"name": "numcodecs.shuffle", "configuration": {"elementsize": 2}},
            numcodecs.Shuffle(elementsize=2),
        ),
    ],
)
def test_numcodecs_codecs_encode_as_zarr_does(conf: dict[str, Any], reference: Any) -> None:
    mine = codecs.numcodecs_codec(conf)
    assert mine == reference
    assert codecs.numcodecs_codec({"name": "zstd", "configuration": {"checksum": True}}) is None


def test_format2_compressors_read_as_portable_filters() -> None:
    blosc = {"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 2}
    assert codecs.filters_from_v2([], blosc) == (
        Filter.of("blosc", cname="zstd", clevel=3, shuffle="bitshuffle"),
    )
    assert codecs.filters_from_v2([{"id": "vlen-utf8"}], {"id": "zlib", "level": 5}) == (
        Filter.of("deflate", level=5),
    )
    assert codecs.filters_from_v2([{"id": "shuffle", "elementsize": 2}], None) == (
        Filter.of("shuffle"),
    )


@pytest.mark.parametrize("dst", ["hdf5", "zarr"])
def test_conversion_keeps_what_the_destination_expresses(dst: str) -> None:
    blosc = (Filter.of("blosc", cname="lz4", clevel=5, shuffle="shuffle"),)
    kept = codecs.destination_filters(blosc, dst, numeric=True)
    assert kept == (blosc if dst == "zarr" else codecs.HDF5_FALLBACK)
    assert codecs.destination_filters(blosc, dst, numeric=False) == (blosc if dst == "zarr" else ())
    assert codecs.destination_filters(GZIP, dst, numeric=True) == GZIP
    zlib = (Filter.of("shuffle"), Filter.of("zlib", level=4))
    assert codecs.same_stored_bytes(zlib, GZIP)
    assert not codecs.same_stored_bytes(GZIP, (*GZIP, Filter.of("fletcher32")))


def test_the_codec_table_imports_neither_zarr_nor_h5py() -> None:
    code = (
        "import sys, nwbzarr.codecs; "
        "print(sorted(m for m in ('zarr', 'h5py', 'numcodecs') if m in sys.modules))"
    )
    before = subprocess.run(
        [sys.executable, "-c", "import sys, nwbzarr; print('zarr' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    if before.stdout.strip() == "True":
        pytest.skip("import nwbzarr still imports zarr (issue 16 item 6, the lazy imports)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
