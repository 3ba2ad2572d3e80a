"""LINDI's ``_EXTERNAL_ARRAY_LINK`` read as data: an array whose values come from the HDF5 file.

The LINDI files are written by the tests' own writer (``support.lindi_files``) with a low
``external_chunks`` threshold, so that the many-chunk series and the gzip + shuffle
ElectricalSeries are external array links (LINDI keeps their ``.zarray`` and ``.zattrs`` and
lists no chunk). Their chunks are the HDF5 file's stored bytes when its chunks and filters are
those of the ``.zarray``, else its values re-encoded per the ``.zarray``; both ways must give
h5py's values, locally, over HTTP and on S3, and the link policy must refuse a url outside the
origin as it refuses byte-range references.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from support.h5compare import differences, tree_reader
from support.lindi_files import write_lindi, write_session

import nwbzarr
from nwbzarr.backends import lindi_external
from nwbzarr.backends.lindi_external import ExternalArray, HDF5Files, stored_as_is
from nwbzarr.backends.references import ReferenceFile, ReferenceStore
from nwbzarr.errors import FormatError, LinkPolicyError
from nwbzarr.testing import tree_diff
from nwbzarr.tree import Array, Group

SERIES = "acquisition/ElectricalSeries/data"  # gzip + shuffle, 3 chunks of (16384, 8)
MANY = "acquisition/many_chunks/data"  # 100 unfiltered chunks of 20
EXTERNAL = (SERIES, MANY)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lindi_external")
    src = write_session(folder / "session.nwb")
    write_lindi(src, folder / "session.nwb.lindi.json", external_chunks=2)
    write_lindi(src, folder / "session.nwb.lindi.tar", external_chunks=2)
    write_lindi(src, folder / "listed.nwb.lindi.json")  # every chunk listed: no link
    return folder


def _refs(folder: Path) -> dict[str, Any]:
    document = json.loads((folder / "session.nwb.lindi.json").read_bytes())
    refs: dict[str, Any] = document["refs"]
    return refs


def _edit(folder: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = json.loads((folder / "session.nwb.lindi.json").read_bytes())
    change(document["refs"])
    out = tmp_path / "edited.nwb.lindi.json"
    out.write_text(json.dumps(document))
    shutil.copy(folder / "session.nwb", tmp_path / "session.nwb")
    return out


def _edit_zarray(path: str, **changes: Any) -> Callable[[dict[str, Any]], None]:
    def change(refs: dict[str, Any]) -> None:
        zarray = json.loads(refs[f"{path}/.zarray"])
        zarray.update(changes)
        refs[f"{path}/.zarray"] = json.dumps(zarray)

    return change


def _diff(a: Group, b: Group) -> list[str]:
    # LINDI keeps neither maxshape nor the ASCII / UTF-8 kind of text (Zarr 2 has one string)
    return [
        d for d in tree_diff(a, b, maxshape=False) if "string(ascii, vlen) vs string(utf-8" not in d
    ]


def _h5(folder: Path, path: str) -> Any:
    with h5py.File(folder / "session.nwb", "r") as f:
        return f[path][()]


# --------------------------------------------------------------------------------------------
# the array
# --------------------------------------------------------------------------------------------
def test_fixture_has_external_array_links(folder: Path) -> None:
    refs = _refs(folder)
    for path in EXTERNAL:
        link = json.loads(refs[f"{path}/.zattrs"])["_EXTERNAL_ARRAY_LINK"]
        assert link == {"link_type": "hdf5_dataset", "name": path, "url": "session.nwb"}
        assert [k for k in refs if k.startswith(f"{path}/") and "/." not in k] == []


@pytest.mark.parametrize("suffix", [".lindi.json", ".lindi.tar"])
def test_external_array_is_an_array_equal_to_h5py(folder: Path, suffix: str) -> None:
    with (
        nwbzarr.open(folder / f"session.nwb{suffix}") as root,
        h5py.File(folder / "session.nwb", "r") as f,
    ):
        for path in EXTERNAL:
            array = root[path]
            assert isinstance(array, Array)
            assert root.group(path.rpartition("/")[0]).get_link("data") is None
            assert (array.shape, array.dtype, array.chunks) == (
                f[path].shape,
                f[path].dtype,
                f[path].chunks,
            )
            np.testing.assert_array_equal(array[...], f[path][()])
            np.testing.assert_array_equal(array[1000:1234], f[path][1000:1234])
            assert dict(array.attrs) == {k: _value(v) for k, v in f[path].attrs.items()}
        assert differences(folder / "session.nwb", tree_reader(root)) == []


def _value(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


@pytest.mark.parametrize("suffix", [".lindi.json", ".lindi.tar"])
def test_tree_diff_against_hdf5_is_empty(folder: Path, suffix: str) -> None:
    with (
        nwbzarr.open(folder / "session.nwb") as a,
        nwbzarr.open(folder / f"session.nwb{suffix}") as b,
    ):
        assert _diff(a, b) == []


def test_stored_chunks_are_served_as_they_are(folder: Path) -> None:
    refs = _refs(folder)
    with nwbzarr.open(folder / "session.nwb") as h5:
        for path in EXTERNAL:
            zarray = json.loads(refs[f"{path}/.zarray"])
            codecs = zarray["filters"] or []
            assert stored_as_is(h5.array(path), zarray["chunks"], np.dtype(zarray["dtype"]), codecs)
        zarray = json.loads(refs[f"{SERIES}/.zarray"])
        other_chunks = [1000, 8]
        assert not stored_as_is(h5.array(SERIES), other_chunks, np.dtype("<i2"), zarray["filters"])
        assert not stored_as_is(h5.array(SERIES), zarray["chunks"], np.dtype(">i2"), [])


@pytest.mark.parametrize(
    ("path", "changes"),
    [
        (SERIES, {"chunks": [5000, 3]}),  # other chunking, same filters
        (SERIES, {"filters": None, "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5}}),
        (SERIES, {"order": "F", "chunks": [7000, 5], "filters": [{"id": "zlib", "level": 1}]}),
        (SERIES, {"dtype": ">i2"}),  # other byte order
        (MANY, {"chunks": [64], "filters": [{"id": "shuffle", "elementsize": 8}]}),
    ],
)
def test_values_are_reencoded_when_the_zarray_differs(
    folder: Path, tmp_path: Path, path: str, changes: dict[str, Any]
) -> None:
    index = _edit(folder, tmp_path, _edit_zarray(path, **changes))
    with nwbzarr.open(index) as root:
        array = root.array(path)
        np.testing.assert_array_equal(array[...], _h5(folder, path))
        np.testing.assert_array_equal(array[17:9000], _h5(folder, path)[17:9000])


def test_unwritten_chunks_read_as_the_hdf5_fill_value(tmp_path: Path) -> None:
    src = tmp_path / "sparse.h5"
    with h5py.File(src, "w") as f:
        ds = f.create_dataset("x", shape=(100, 6), chunks=(10, 4), dtype="f4", fillvalue=-1.5)
        ds[20:35, 1:5] = 7.0
        f.create_dataset("y", data=np.arange(50, dtype="u2"), chunks=(5,), compression="gzip")
    index = write_lindi(src, tmp_path / "sparse.h5.lindi.json", external_chunks=1)
    with nwbzarr.open(index) as root, h5py.File(src, "r") as f:
        for name in ("x", "y"):
            np.testing.assert_array_equal(root.array(name)[...], f[name][()])


def test_encoding_equals_the_stored_bytes(folder: Path) -> None:
    """The fast path (stored bytes) and the general one (values encoded per the .zarray) make
    chunks that decode to the same values."""
    import numcodecs

    zarray = json.loads(_refs(folder)[f"{SERIES}/.zarray"])
    external = ExternalArray("test:/" + SERIES, "session.nwb", SERIES, zarray, HDF5Files())
    with nwbzarr.open(folder / "session.nwb") as h5:
        array = h5.array(SERIES)
        for index in ((0, 0), (2, 0)):  # a whole chunk and the edge chunk
            stored = array.read_chunk_raw(index)
            assert stored is not None
            region = tuple(
                slice(i * c, (i + 1) * c) for i, c in zip(index, zarray["chunks"], strict=True)
            )
            encoded = external.encode(np.asarray(array[region]))

            def decode(data: bytes) -> np.ndarray[Any, Any]:
                for config in reversed(zarray["filters"]):
                    data = numcodecs.get_codec(config).decode(data)
                return np.frombuffer(data, dtype="<i2")

            whole = decode(stored).reshape(zarray["chunks"])
            valid = tuple(slice(0, n) for n in np.asarray(array[region]).shape)
            np.testing.assert_array_equal(
                decode(encoded).reshape(zarray["chunks"])[valid], whole[valid]
            )


# --------------------------------------------------------------------------------------------
# convert and the xarray engine
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".nwb.zarr", ".nwb"])
def test_convert_copies_the_data(folder: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"converted{suffix}"
    nwbzarr.convert(folder / "session.nwb.lindi.json", out)
    with nwbzarr.open(out) as b:
        for path in EXTERNAL:
            assert b.group(path.rpartition("/")[0]).get_link("data") is None
            assert isinstance(b[path], Array)
        with nwbzarr.open(folder / "session.nwb") as a:
            assert _diff(a, b) == []
    (tmp_path / "session.nwb").write_bytes(b"")  # the converted file needs no HDF5 beside it
    expected = _h5(folder, MANY)
    if suffix == ".nwb":
        import pynwb

        with pynwb.NWBHDF5IO(str(out), "r") as io:
            nwb = io.read()
            np.testing.assert_array_equal(nwb.acquisition["many_chunks"].data[:], expected)
            series = nwb.acquisition["ElectricalSeries"].data[:]
            np.testing.assert_array_equal(series, _h5(folder, SERIES))
    else:
        from hdmf_zarr.nwb import NWBZarrIO

        with NWBZarrIO(str(out), mode="r") as io:
            nwb = io.read()
            np.testing.assert_array_equal(nwb.acquisition["many_chunks"].data[:], expected)


def test_xarray_engine_reads_external_arrays(folder: Path) -> None:
    xr = pytest.importorskip("xarray")
    tree = xr.open_datatree(folder / "session.nwb.lindi.json", engine="nwbzarr")
    data = tree["acquisition/ElectricalSeries"].dataset["data"]
    np.testing.assert_array_equal(data.values, _h5(folder, SERIES))


# --------------------------------------------------------------------------------------------
# by URL: the file is opened on the first read; the link policy
# --------------------------------------------------------------------------------------------
def test_open_over_http_reads_only_the_index(folder: Path) -> None:
    from nwbzarr.testing.servers import HTTPServer

    with HTTPServer(folder) as http:
        counts = {}
        for name in ("listed.nwb.lindi.json", "session.nwb.lindi.json"):
            http.log.reset()
            with nwbzarr.open(http.url(name)) as root:
                assert isinstance(root[MANY], Array)
                counts[name] = [r.path for r in http.log.snapshot()]
        assert set(counts["session.nwb.lindi.json"]) == {"/session.nwb.lindi.json"}
        assert len(counts["session.nwb.lindi.json"]) == len(counts["listed.nwb.lindi.json"])
        http.log.reset()
        with nwbzarr.open(http.url("session.nwb.lindi.tar")) as root:
            opened = http.log.count
            assert {r.path for r in http.log.snapshot()} == {"/session.nwb.lindi.tar"}
            np.testing.assert_array_equal(root.array(SERIES)[100:200], _h5(folder, SERIES)[100:200])
            assert http.log.count > opened
            assert "/session.nwb" in {r.path for r in http.log.snapshot()}
            assert differences(folder / "session.nwb", tree_reader(root)) == []


@pytest.mark.parametrize("direct", [0, lindi_external.DIRECT_BYTES])
def test_stored_chunks_over_http(
    folder: Path, monkeypatch: pytest.MonkeyPatch, direct: int
) -> None:
    """A remote stored chunk of at least DIRECT_BYTES is one ranged read of its bytes; smaller
    ones come through the HDF5 file's block cache (this file fits in one block)."""
    from nwbzarr.testing.servers import HTTPServer

    monkeypatch.setattr(lindi_external, "DIRECT_BYTES", direct)
    with HTTPServer(folder) as http, nwbzarr.open(http.url("session.nwb.lindi.json")) as root:
        np.testing.assert_array_equal(root.array(SERIES)[100:200], _h5(folder, SERIES)[100:200])
        http.log.reset()  # the file is open: another chunk, then 100 small ones
        series = root.array(SERIES)[20_000:20_010]
        np.testing.assert_array_equal(series, _h5(folder, SERIES)[20_000:20_010])
        np.testing.assert_array_equal(root.array(MANY)[...], _h5(folder, MANY))
        with h5py.File(folder / "session.nwb", "r") as f:
            chunks = [f[SERIES].id.get_chunk_info_by_coord((16_384, 0))]
            chunks += [f[MANY].id.get_chunk_info(i) for i in range(f[MANY].id.get_num_chunks())]
        expected = [f"bytes={c.byte_offset}-{c.byte_offset + c.size - 1}" for c in chunks]
        got = [str(r.range) for r in http.log.snapshot()]
        assert all(r.path == "/session.nwb" for r in http.log.snapshot())
        assert sorted(got) == (sorted(expected) if direct == 0 else [])


def test_external_array_on_s3(folder: Path) -> None:
    from nwbzarr.testing.servers import S3Server

    with S3Server() as s3:
        s3.create_bucket("lindi")
        for name in ("session.nwb", "session.nwb.lindi.json", "listed.nwb.lindi.json"):
            s3.upload(folder / name, f"s3://lindi/dandi/{name}")
        counts = []
        for name in ("listed.nwb.lindi.json", "session.nwb.lindi.json"):
            s3.log.reset()
            url = f"s3://lindi/dandi/{name}"
            with nwbzarr.open(url, storage_options=s3.storage_options) as root:
                counts.append(s3.log.count)
                assert not any(r.path.endswith("/session.nwb") for r in s3.log.snapshot())
                for path in EXTERNAL:
                    np.testing.assert_array_equal(root.array(path)[...], _h5(folder, path))
        assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("{local}", "a file opened from a URL may not link to local paths"),
        ("http://127.0.0.2:9/session.nwb", "http://127.0.0.2:9/session.nwb is not on http://"),
        ("../../../session.nwb", "'..' escapes http://"),
    ],
)
def test_url_outside_the_origin_is_refused(
    folder: Path, tmp_path: Path, target: str, reason: str
) -> None:
    from nwbzarr.testing.servers import HTTPServer

    url = target.format(local=str(folder / "session.nwb"))

    def change(refs: dict[str, Any]) -> None:
        attrs = json.loads(refs[f"{MANY}/.zattrs"])
        attrs["_EXTERNAL_ARRAY_LINK"]["url"] = url
        refs[f"{MANY}/.zattrs"] = json.dumps(attrs)

    path = _edit(folder, tmp_path, change)
    with HTTPServer(tmp_path) as http:
        with nwbzarr.open(http.url(path.name)) as root:
            array = root.array(MANY)  # opening does not follow it
            with pytest.raises(
                LinkPolicyError,
                match=re.escape(f"byte-range reference to {url} refused: {reason}"),
            ):
                array[:10]
            assert root.array(SERIES)[:3].shape == (3, 8)  # the other link is on the origin
        if target == "{local}":  # links="all" follows it
            with nwbzarr.open(http.url(path.name), links="all") as root:
                np.testing.assert_array_equal(root.array(MANY)[...], _h5(folder, MANY))


# --------------------------------------------------------------------------------------------
# an index that does not match its file
# --------------------------------------------------------------------------------------------
def test_shape_mismatch_is_named(folder: Path, tmp_path: Path) -> None:
    index = _edit(folder, tmp_path, _edit_zarray(MANY, shape=[3000]))
    with (
        nwbzarr.open(index) as root,
        pytest.raises(
            FormatError,
            match=re.escape(
                f"edited.nwb.lindi.json:/{MANY}: _EXTERNAL_ARRAY_LINK to {tmp_path}/session.nwb:/"
                f"{MANY}: the dataset has shape (2000,), the .zarray (3000,) (the file changed "
                "after indexing)"
            ),
        ),
    ):
        root.array(MANY)[:5]


def test_missing_dataset_is_named(folder: Path, tmp_path: Path) -> None:
    def change(refs: dict[str, Any]) -> None:
        attrs = json.loads(refs[f"{MANY}/.zattrs"])
        attrs["_EXTERNAL_ARRAY_LINK"]["name"] = "acquisition/nothing"
        refs[f"{MANY}/.zattrs"] = json.dumps(attrs)

    index = _edit(folder, tmp_path, change)
    with (
        nwbzarr.open(index) as root,
        pytest.raises(
            FormatError,
            match=re.escape(
                f"_EXTERNAL_ARRAY_LINK to {tmp_path}/session.nwb:/acquisition/nothing: "
                "no such dataset"
            ),
        ),
    ):
        root.array(MANY)[:5]


def test_absent_file_is_named(folder: Path, tmp_path: Path) -> None:
    index = _edit(folder, tmp_path, lambda refs: None)
    (tmp_path / "session.nwb").unlink()
    with (
        nwbzarr.open(index) as root,
        pytest.raises(
            FormatError,
            match=re.escape(
                f"FileNotFoundError: {index}:/{MANY}: _EXTERNAL_ARRAY_LINK to "
                f"{tmp_path}/session.nwb: no such file"
            ),
        ),
    ):
        root.array(MANY)[:5]


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (
            {"link_type": "zarr_array", "url": "x", "name": "y"},
            "_EXTERNAL_ARRAY_LINK of link_type 'zarr_array' (LINDI writes 'hdf5_dataset' only)",
        ),
        ({"url": 3, "name": "y"}, "malformed _EXTERNAL_ARRAY_LINK {'url': 3, 'name': 'y'}"),
    ],
)
def test_malformed_annotation_is_refused_at_open(
    folder: Path, tmp_path: Path, link: dict[str, Any], message: str
) -> None:
    def change(refs: dict[str, Any]) -> None:
        attrs = json.loads(refs[f"{MANY}/.zattrs"])
        attrs["_EXTERNAL_ARRAY_LINK"] = link
        refs[f"{MANY}/.zattrs"] = json.dumps(attrs)

    index = _edit(folder, tmp_path, change)
    with pytest.raises(FormatError, match=re.escape(f"edited.nwb.lindi.json:/{MANY}: {message}")):
        nwbzarr.open(index)


@pytest.mark.parametrize(
    ("zeros", "message"),
    [
        # ~4 kB stored: a plausible size, refused by the bounded decode
        (4 << 20, "x/1': damaged or hostile chunk: its zlib data decodes to more than"),
        # ~16 kB stored: more than a chunk of 8000 bytes can take, refused before the read
        (16 << 20, "more than a chunk of 8000 bytes can take (damaged file)"),
    ],
)
def test_hostile_chunk_behind_the_link_is_refused(tmp_path: Path, zeros: int, message: str) -> None:
    import zlib

    src = tmp_path / "bomb.h5"
    with h5py.File(src, "w") as f:
        ds = f.create_dataset("x", shape=(3000,), chunks=(1000,), dtype="f8", compression="gzip")
        ds[...] = 1.0
        ds.id.write_direct_chunk((1000,), zlib.compress(bytes(zeros)))
    index = write_lindi(src, tmp_path / "bomb.h5.lindi.json", external_chunks=1)
    with nwbzarr.open(index) as root:
        assert root.array("x")[:1000].tolist() == [1.0] * 1000
        with pytest.raises(FormatError, match=re.escape(message)):
            root.array("x")[1500:1510]


@pytest.mark.parametrize("codec", ["vlen-utf8", "json2"])
def test_text_dataset_behind_the_link(tmp_path: Path, codec: str) -> None:
    import numcodecs

    src = tmp_path / "text.h5"
    words = np.array([f"wörd {i}" for i in range(45)], dtype=object)
    with h5py.File(src, "w") as f:
        f.create_dataset("s", data=words, dtype=h5py.string_dtype(), chunks=(10,))
    config = numcodecs.get_codec({"id": codec}).get_config()
    zarray = {"chunks": [10], "compressor": None, "dtype": "|O", "fill_value": 0}
    zarray |= {"filters": [config], "order": "C", "shape": [45], "zarr_format": 2}
    link = {"link_type": "hdf5_dataset", "url": "text.h5", "name": "s"}
    refs = {
        ".zgroup": json.dumps({"zarr_format": 2}),
        "s/.zarray": json.dumps(zarray),
        "s/.zattrs": json.dumps({"_EXTERNAL_ARRAY_LINK": link, "note": "text"}),
    }
    index = tmp_path / "text.h5.lindi.json"
    index.write_text(json.dumps({"version": 1, "refs": refs}))
    with nwbzarr.open(index) as root:
        array = root.array("s")
        assert array[...].tolist() == words.tolist()
        assert array[38:].tolist() == words[38:].tolist()
        assert dict(array.attrs) == {"note": "text"}


def test_absolute_url_on_the_origin_is_read(folder: Path, tmp_path: Path) -> None:
    from nwbzarr.testing.servers import HTTPServer

    with HTTPServer(tmp_path) as http:
        url = http.url("data/session.nwb")  # as DANDI's LINDI files name their HDF5 file

        def change(refs: dict[str, Any]) -> None:
            attrs = json.loads(refs[f"{MANY}/.zattrs"])
            attrs["_EXTERNAL_ARRAY_LINK"]["url"] = url
            refs[f"{MANY}/.zattrs"] = json.dumps(attrs)

        path = _edit(folder, tmp_path, change)
        (tmp_path / "data").mkdir()
        shutil.copy(folder / "session.nwb", tmp_path / "data" / "session.nwb")
        with nwbzarr.open(http.url(path.name)) as root:
            np.testing.assert_array_equal(root.array(MANY)[...], _h5(folder, MANY))
            assert "/data/session.nwb" in {r.path for r in http.log.snapshot()}


def test_damaged_chunk_index_size_is_refused(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nwbzarr.backends.hdf5 import H5Array

    def huge(self: H5Array, index: tuple[int, ...]) -> tuple[int, int]:
        return 4096, 1 << 40  # what a damaged chunk index can say

    monkeypatch.setattr(H5Array, "chunk_extent", huge)
    with (
        nwbzarr.open(folder / "session.nwb.lindi.json") as root,
        pytest.raises(
            FormatError,
            match=re.escape(
                f"chunk (0,) of session.nwb:/{MANY}: the HDF5 chunk index gives {1 << 40} stored "
                "bytes, more than a chunk of 160 bytes can take (damaged file)"
            ),
        ),
    ):
        root.array(MANY)[:5]


def test_files_closed_by_one_array_reopen_for_the_others(folder: Path) -> None:
    with nwbzarr.open(folder / "session.nwb.lindi.json") as root:
        file = root.file
        assert isinstance(file, ReferenceFile)
        store = file.store
        assert isinstance(store, ReferenceStore)
        np.testing.assert_array_equal(root.array(MANY)[:5], _h5(folder, MANY)[:5])
        np.testing.assert_array_equal(root.array(SERIES)[:5], _h5(folder, SERIES)[:5])
        store.references.arrays[MANY].close()  # closes the shared HDF5 file
        np.testing.assert_array_equal(root.array(SERIES)[-5:], _h5(folder, SERIES)[-5:])
        np.testing.assert_array_equal(root.array(MANY)[-5:], _h5(folder, MANY)[-5:])
