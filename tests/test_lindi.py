"""LINDI files (``.lindi.json``, ``.lindi.tar``) as a source: open, xarray engine, convert.

The LINDI files are written by the tests' own writer (``support.lindi_files``, from LINDI's
documented format) over pynwb files the tests write, and, when ``../shared`` is there, are
LINDI 0.4.6's own (``corpus/lindi/``). Every dataset read through the LINDI file equals what
h5py reads from the HDF5 file.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import zlib
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from support.corpus import SHARED_CORPUS, third_party_param
from support.h5compare import differences, tree_reader
from support.lindi_files import SESSION_CHANNELS, write_lindi, write_session

import nwbzarr
from nwbzarr.dtypes import ReferenceType
from nwbzarr.errors import FormatError, LinkPolicyError, ReadOnlyError
from nwbzarr.testing import tree_diff
from nwbzarr.tree import Array, Group, Reference

CHANNELS = SESSION_CHANNELS


@pytest.fixture(scope="module")
def lindi_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lindi")
    src = write_session(folder / "session.nwb")
    write_lindi(src, folder / "session.nwb.lindi.json", external_chunks=50)
    write_lindi(src, folder / "session.nwb.lindi.tar", external_chunks=50)
    write_lindi(src, folder / "plain.nwb.lindi.tar")  # no external array link
    return folder


def _h5_equal(h5path: Path, root: Group) -> list[str]:
    return differences(h5path, tree_reader(root))


EXTERNAL = "/acquisition/many_chunks/data"  # LINDI's _EXTERNAL_ARRAY_LINK: read as data


def _diff(a: Group, b: Group) -> list[str]:
    # LINDI keeps neither maxshape nor the ASCII / UTF-8 kind of text (Zarr 2 has one string
    # dtype)
    return [
        d for d in tree_diff(a, b, maxshape=False) if "string(ascii, vlen) vs string(utf-8" not in d
    ]


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".lindi.json", ".lindi.tar"])
def test_lindi_values_equal_h5py(lindi_dir: Path, suffix: str) -> None:
    index = lindi_dir / f"session.nwb{suffix}"
    with nwbzarr.open(lindi_dir / "session.nwb") as a, nwbzarr.open(index) as b:
        assert _h5_equal(lindi_dir / "session.nwb", b) == []
        assert _diff(a, b) == []


def test_lindi_annotations_are_mapped(lindi_dir: Path) -> None:
    refs = json.loads((lindi_dir / "session.nwb.lindi.json").read_bytes())["refs"]
    prefix = "acquisition/ElectricalSeries/data/"
    data_refs = [v for k, v in refs.items() if k.startswith(prefix) and "/." not in k]
    assert data_refs and all(isinstance(v, list) and v[0] == "session.nwb" for v in data_refs)
    with nwbzarr.open(lindi_dir / "session.nwb.lindi.json") as root:
        assert root.group("acquisition/linked").get_link("data") is not None  # _SOFT_LINK
        assert root.group("acquisition/many_chunks").get_link("data") is None  # an array:
        external = root.array(EXTERNAL)  # _EXTERNAL_ARRAY_LINK, its values from the HDF5 file
        assert external[:3].tolist() == [0.0, 1.0, 2.0]
        assert "_EXTERNAL_ARRAY_LINK" not in external.attrs
        assert external.attrs["unit"] == "m"
        group = root["general/extracellular_ephys/electrodes/group"]  # _REFERENCE items
        assert isinstance(group, Array)
        assert isinstance(group.datatype, ReferenceType)
        with h5py.File(lindi_dir / "session.nwb", "r") as f:  # mock names count up
            target = f[f["general/extracellular_ephys/electrodes/group"][0]].name
        assert group[0] == Reference(target)
        timeseries = root["intervals/trials/timeseries"]  # _COMPOUND_DTYPE with a reference
        assert isinstance(timeseries, Array)
        rows = timeseries[...]
        assert rows["timeseries"][2] == Reference("/acquisition/many_chunks")
        assert root.array("acquisition/ElectricalSeries/starting_time").shape == ()  # _SCALAR
        assert root.attrs[".specloc"] == Reference("/specifications")


@pytest.mark.parametrize(
    "name",
    [
        third_party_param(n)
        for n in (
            "lindi_ecephys.nwb.lindi.json",
            "lindi_ecephys.nwb.lindi.tar",
            "basic_ecephys.nwb.lindi.json",
            "ophys.nwb.lindi.json",
            "scratch_raw.nwb.lindi.json",
        )
    ],
)
def test_lindi_046_files_equal_h5py(name: str) -> None:
    index = SHARED_CORPUS / "lindi" / name
    source = index.parent / name.split(".lindi.", maxsplit=1)[0]
    with nwbzarr.open(source) as a, nwbzarr.open(index) as b:
        assert _h5_equal(source, b) == []
        assert _diff(a, b) == []


def test_lindi_is_read_only(lindi_dir: Path) -> None:
    with pytest.raises(ReadOnlyError, match=r"session.nwb.lindi.json: reference files"):
        nwbzarr.open(lindi_dir / "session.nwb.lindi.json", "r+")


def test_format_is_detected_from_content(lindi_dir: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "renamed.bin"
    shutil.copy(lindi_dir / "session.nwb.lindi.json", renamed)
    shutil.copy(lindi_dir / "session.nwb", tmp_path / "session.nwb")
    tarred = tmp_path / "other.dat"
    shutil.copy(lindi_dir / "session.nwb.lindi.tar", tarred)
    for path in (renamed, tarred):
        with nwbzarr.open(path) as root:
            assert root.array("acquisition/ElectricalSeries/data")[:2, 0].shape == (2,)


# --------------------------------------------------------------------------------------------
# the xarray engine and convert
# --------------------------------------------------------------------------------------------
def test_xarray_engine_reads_lindi(lindi_dir: Path) -> None:
    xr = pytest.importorskip("xarray")
    tree = xr.open_datatree(lindi_dir / "session.nwb.lindi.json", engine="nwbzarr")
    direct = xr.open_datatree(lindi_dir / "session.nwb", engine="nwbzarr")
    got = tree["acquisition/ElectricalSeries"].dataset["data"]
    expected = direct["acquisition/ElectricalSeries"].dataset["data"]
    assert got.dims == expected.dims
    np.testing.assert_array_equal(got.values, expected.values)


@pytest.mark.parametrize("suffix", [".nwb.zarr", ".nwb"])
def test_convert_lindi(lindi_dir: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"converted{suffix}"
    nwbzarr.convert(lindi_dir / "plain.nwb.lindi.tar", out)
    with nwbzarr.open(lindi_dir / "session.nwb") as a, nwbzarr.open(out) as b:
        assert _diff(a, b) == []
    if suffix == ".nwb":
        import pynwb

        with pynwb.NWBHDF5IO(str(out), "r") as io:
            nwb = io.read()
            np.testing.assert_array_equal(
                nwb.acquisition["ElectricalSeries"].data[:100],
                h5py.File(lindi_dir / "session.nwb")["acquisition/ElectricalSeries/data"][:100],
            )


# --------------------------------------------------------------------------------------------
# damaged and hostile files
# --------------------------------------------------------------------------------------------
def _edit(lindi_dir: Path, tmp_path: Path, change: Any) -> Path:
    document = json.loads((lindi_dir / "session.nwb.lindi.json").read_bytes())
    change(document["refs"])
    out = tmp_path / "edited.nwb.lindi.json"
    out.write_text(json.dumps(document))
    shutil.copy(lindi_dir / "session.nwb", tmp_path / "session.nwb")
    return out


def test_gzip_bomb_chunk_is_refused(lindi_dir: Path, tmp_path: Path) -> None:
    bomb = zlib.compress(bytes(256 << 20), 9)  # 256 MiB of zeros in ~260 KB

    def change(refs: dict[str, Any]) -> None:
        refs["acquisition/ElectricalSeries/data/0.0"] = "base64:" + base64.b64encode(bomb).decode()

    path = _edit(lindi_dir, tmp_path, change)
    with nwbzarr.open(path) as root, pytest.raises(FormatError, match="data"):
        root.array("acquisition/ElectricalSeries/data")[:10]


def test_malformed_reference_is_named(lindi_dir: Path, tmp_path: Path) -> None:
    def change(refs: dict[str, Any]) -> None:
        refs["acquisition/ElectricalSeries/data/0.0"] = ["session.nwb", "x"]

    path = _edit(lindi_dir, tmp_path, change)
    with pytest.raises(
        FormatError,
        match=r"edited.nwb.lindi.json: acquisition/ElectricalSeries/data/0.0: malformed "
        r"reference \[\"session.nwb\", \"x\"\]",
    ):
        nwbzarr.open(path)


def test_cut_short_source_is_named(lindi_dir: Path, tmp_path: Path) -> None:
    def change(refs: dict[str, Any]) -> None:
        url, offset, size = refs["acquisition/ElectricalSeries/data/0.0"]
        refs["acquisition/ElectricalSeries/data/0.0"] = [url, offset + 10**9, size]

    path = _edit(lindi_dir, tmp_path, change)
    with nwbzarr.open(path) as root, pytest.raises(FormatError, match=r"holds 0 of the"):
        root.array("acquisition/ElectricalSeries/data")[:10]


# --------------------------------------------------------------------------------------------
# by URL: a Range-capable HTTP server and a local S3 endpoint; the link policy
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".lindi.json", ".lindi.tar"])
def test_lindi_over_http(lindi_dir: Path, suffix: str) -> None:
    from nwbzarr.testing.servers import HTTPServer

    with HTTPServer(lindi_dir) as http, nwbzarr.open(http.url(f"session.nwb{suffix}")) as root:
        assert _h5_equal(lindi_dir / "session.nwb", root) == []


def test_lindi_on_s3(lindi_dir: Path) -> None:
    from nwbzarr.testing.servers import S3Server

    with S3Server() as s3:
        s3.create_bucket("lindi")
        s3.upload(lindi_dir / "session.nwb", "s3://lindi/dandi/session.nwb")
        s3.upload(lindi_dir / "session.nwb.lindi.json", "s3://lindi/dandi/session.nwb.lindi.json")
        url = "s3://lindi/dandi/session.nwb.lindi.json"
        with nwbzarr.open(url, storage_options=s3.storage_options) as root:
            data = root["acquisition/ElectricalSeries/data"]
            assert isinstance(data, Array)
            expected = h5py.File(lindi_dir / "session.nwb")["acquisition/ElectricalSeries/data"]
            np.testing.assert_array_equal(data[15_000:17_000], expected[15_000:17_000])


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("{local}", "a file opened from a URL may not link to local paths"),
        ("http://127.0.0.2:9/session.nwb", "http://127.0.0.2:9/session.nwb is not on http://"),
        ("../../../session.nwb", "'..' escapes http://"),
    ],
)
def test_reference_outside_the_origin_is_refused(
    lindi_dir: Path, tmp_path: Path, target: str, reason: str
) -> None:
    from nwbzarr.testing.servers import HTTPServer

    local = str(lindi_dir / "session.nwb")
    url = target.format(local=local)

    def change(refs: dict[str, Any]) -> None:
        for key, value in refs.items():
            if isinstance(value, list) and value[0] == "session.nwb":
                refs[key] = [url, *value[1:]]

    path = _edit(lindi_dir, tmp_path, change)
    with HTTPServer(tmp_path) as http:
        with nwbzarr.open(http.url(path.name)) as root:
            data = root["acquisition/ElectricalSeries/data"]
            assert isinstance(data, Array)
            with pytest.raises(
                LinkPolicyError,
                match=re.escape(f"byte-range reference to {url} refused: {reason}"),
            ):
                data[:10]
        if target == "{local}":  # links="all" follows it
            with nwbzarr.open(http.url(path.name), links="all") as root:
                data = root.array("acquisition/ElectricalSeries/data")
                assert data[:10].shape == (10, CHANNELS)
