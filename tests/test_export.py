"""export (links resolved or kept), the typed model's links (link_data, containers from other
files, NWBFile.copy, scratch), and HDF5 families: checked against the corpus written by pynwb
and read back by pynwb / hdmf-zarr."""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FORMATS, SUFFIX, copy_writable

import nwbzarr
from nwbzarr import DataIO, ExternalLink, SoftLink, TimeSeries
from nwbzarr.export import export

CHAINS = ("external_linkcontainer", "external_linkdataset", "scratch_analysis")


@pytest.fixture(scope="module")
def pynwb42(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the files pynwb 4.2 wrote (generated; they link to each other)."""
    return copy_writable(corpus / "pynwb42", tmp_path_factory.mktemp("export") / "pynwb42")


def external_links(path: Path) -> list[tuple[str, ExternalLink]]:
    with nwbzarr.open(path, links="none") as root:
        return [(p, m) for p, m in root.walk() if isinstance(m, ExternalLink)]


def peer_read(path: Path) -> Any:
    """pynwb (HDF5) or hdmf-zarr (Zarr) reading ``path``: returns (io, nwbfile)."""
    import pynwb

    if path.suffix == ".zarr":
        hdmf_zarr = pytest.importorskip("hdmf_zarr")
        io: Any = hdmf_zarr.NWBZarrIO(str(path), "r")
    else:
        io = pynwb.NWBHDF5IO(str(path), "r")
    return io, io.read()


def series_values(nwbfile: Any) -> dict[str, np.ndarray[Any, Any]]:
    out = {}
    for name, ts in nwbfile.acquisition.items():
        out[f"acquisition/{name}"] = np.asarray(ts.data[:])
        if ts.timestamps is not None:
            out[f"acquisition/{name}/timestamps"] = np.asarray(ts.timestamps[:])
    for mod in nwbfile.processing.values():
        for name, obj in mod.data_interfaces.items():
            if hasattr(obj, "data"):
                out[f"processing/{mod.name}/{name}"] = np.asarray(obj.data[:])
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", CHAINS)
def test_resolved_export_is_self_contained_and_peers_read_it(
    name: str, fmt: str, pynwb42: Path, tmp_path: Path
) -> None:
    pytest.importorskip("pynwb")
    src = pynwb42 / f"{name}.nwb"
    assert external_links(src), "the corpus file links to others"
    dst = tmp_path / f"standalone{SUFFIX[fmt]}"
    assert export(src, dst) == str(dst)
    assert external_links(dst) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io_src, expected = peer_read(src)
        io_dst, got = peer_read(dst)
        try:
            want = series_values(expected)
            have = series_values(got)
            assert sorted(have) == sorted(want)
            for key, values in want.items():
                np.testing.assert_array_equal(have[key], values, err_msg=key)
        finally:
            io_src.close()
            io_dst.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_resolved_export_keeps_chunking_and_compression(fmt: str, tmp_path: Path) -> None:
    raw = tmp_path / f"raw{SUFFIX[fmt]}"
    values = np.arange(4000, dtype=np.int16).reshape(1000, 4)
    with nwbzarr.open(raw, "w") as root:
        root.create_array(
            "acquisition/es/data",
            values,
            chunks=(100, 4),
            compression=[nwbzarr.Filter.of("deflate", level=4)],
        )
    session = tmp_path / f"session{SUFFIX[fmt]}"
    with nwbzarr.open(session, "w") as root:
        root.set_link(
            "acquisition/es",
            ExternalLink(raw.name if fmt == "hdf5" else f"../{raw.name}", "/acquisition/es"),
        )
        root.set_link("acquisition/alias", SoftLink("/acquisition/es/data"))
    out = tmp_path / f"out{SUFFIX[fmt]}"
    export(session, out)
    with nwbzarr.open(out) as root, nwbzarr.open(raw) as ref:
        data, orig = root.array("acquisition/es/data"), ref.array("acquisition/es/data")
        assert data.chunks == orig.chunks == (100, 4)
        assert [f.name for f in data.compression] == [f.name for f in orig.compression]
        np.testing.assert_array_equal(data[:], values)
        np.testing.assert_array_equal(root.array("acquisition/alias")[:], values)
        assert root.get_link("acquisition/es") is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_kept_links_are_repointed_from_the_destination(
    fmt: str, pynwb42: Path, tmp_path: Path
) -> None:
    src = pynwb42 / "external_linkcontainer.nwb"
    dst = tmp_path / "deeper" / f"kept{SUFFIX[fmt]}"
    dst.parent.mkdir()
    export(src, dst, links="keep")
    kept = external_links(dst)
    assert [p for p, _ in kept] == [p for p, _ in external_links(src)]
    with nwbzarr.open(dst) as root, nwbzarr.open(src) as ref:
        for path, _link in kept:
            np.testing.assert_array_equal(
                root.array(f"{path}/data")[:], ref.array(f"{path}/data")[:]
            )


def test_export_refuses_existing_destination(tmp_path: Path, pynwb42: Path) -> None:
    dst = tmp_path / "x.nwb"
    export(pynwb42 / "external_linkdataset.nwb", dst)
    with pytest.raises(nwbzarr.DestinationExistsError):
        export(pynwb42 / "external_linkdataset.nwb", dst)
    export(pynwb42 / "external_linkdataset.nwb", dst, overwrite=True)
    with pytest.raises(ValueError, match="links="):
        export(pynwb42 / "external_linkdataset.nwb", tmp_path / "y.nwb", links="copy")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# The typed model: data and containers of other files become links
# --------------------------------------------------------------------------------------------
def _nwbfile(identifier: str = "x") -> nwbzarr.NWBFile:
    from datetime import UTC, datetime

    return nwbzarr.NWBFile(
        session_description="links",
        identifier=identifier,
        session_start_time=datetime(2024, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(("src_fmt", "dst_fmt"), [(a, b) for a in FORMATS for b in FORMATS])
def test_data_from_another_file_is_linked_unless_link_data_false(
    src_fmt: str, dst_fmt: str, tmp_path: Path
) -> None:
    raw = tmp_path / f"raw{SUFFIX[src_fmt]}"
    source = _nwbfile("raw")
    source.add_acquisition(TimeSeries(name="x", data=np.arange(10.0), unit="V", rate=10.0))
    source.add_acquisition(
        TimeSeries(name="t", data=np.arange(3.0), unit="V", timestamps=[0.0, 1.0, 2.0])
    )
    nwbzarr.write(source, raw)
    other = nwbzarr.read(raw)
    try:
        x, t = other.acquisition["x"], other.acquisition["t"]
        assert isinstance(x, TimeSeries) and isinstance(t, TimeSeries)
        new = _nwbfile("new")
        new.add_acquisition(TimeSeries(name="linked", data=x.data, unit="V", rate=10.0))
        new.add_acquisition(
            TimeSeries(name="copied", data=DataIO(x.data, link_data=False), unit="V", rate=10.0)
        )
        new.add_acquisition(t)  # a whole container of another file
        new.add_acquisition(TimeSeries(name="same_times", data=np.ones(3), unit="V", timestamps=t))
        out = tmp_path / f"new{SUFFIX[dst_fmt]}"
        nwbzarr.write(new, out)
    finally:
        assert other.source_node is not None
        other.source_node.file.close()
    with nwbzarr.open(out) as root:
        link = root.get_link("acquisition/linked/data")
        assert isinstance(link, ExternalLink) and link.path == "/acquisition/x/data"
        assert root.get_link("acquisition/copied/data") is None
        assert isinstance(root.get_link("acquisition/t"), ExternalLink)
        assert root.get_link("acquisition/same_times/timestamps") is not None
        for name in ("linked", "copied"):
            np.testing.assert_array_equal(
                root.array(f"acquisition/{name}/data")[:], np.arange(10.0)
            )
        np.testing.assert_array_equal(root.array("acquisition/t/data")[:], np.arange(3.0))
        np.testing.assert_array_equal(
            root.array("acquisition/same_times/timestamps")[:], [0.0, 1.0, 2.0]
        )
    back = nwbzarr.read(out)
    ts = back.acquisition["linked"]
    assert isinstance(ts, TimeSeries)
    np.testing.assert_array_equal(ts.data[:], np.arange(10.0))


def test_reading_and_writing_a_file_copies_it(tmp_path: Path) -> None:
    raw = tmp_path / "raw.nwb"
    source = _nwbfile()
    source.add_acquisition(TimeSeries(name="x", data=np.arange(4.0), unit="V", rate=1.0))
    nwbzarr.write(source, raw)
    nwbzarr.write(nwbzarr.read(raw), tmp_path / "again.nwb.zarr")
    assert external_links(tmp_path / "again.nwb.zarr") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_copy_links_everything_like_pynwb(fmt: str, pynwb42: Path) -> None:
    """NWBFile.copy() then write: the layout of pynwb's basic_ecephys_copy.nwb."""
    src = nwbzarr.read(pynwb42 / "basic_ecephys.nwb")
    out = pynwb42 / f"my_copy{SUFFIX[fmt]}"
    try:
        clone = src.copy()
        clone.add_scratch(np.arange(5), name="added", description="added in the copy")
        nwbzarr.write(clone, out, overwrite=True)
    finally:
        assert src.source_node is not None
        src.source_node.file.close()
    theirs = {p for p, _ in external_links(pynwb42 / "basic_ecephys_copy.nwb")}
    ours = {p for p, _ in external_links(out)}
    assert ours == theirs
    copy = nwbzarr.read(out)
    ref = nwbzarr.read(pynwb42 / "basic_ecephys.nwb")
    try:
        assert copy.get_scratch("added").tolist() == list(range(5))
        for name, ts in ref.acquisition.items():
            np.testing.assert_array_equal(copy.acquisition[name].data[:], ts.data[:])  # type: ignore[attr-defined]
        assert copy.units is not None and ref.units is not None
        assert copy.units.to_dataframe().to_string() == ref.units.to_dataframe().to_string()
        assert copy.electrodes is not None and len(copy.electrodes) == len(ref.electrodes or [])
    finally:
        for f in (copy, ref):
            assert f.source_node is not None
            f.source_node.file.close()


def test_scratch_chain_reads_like_pynwb(pynwb42: Path) -> None:
    """scratch_analysis -> scratch_proc -> scratch_raw: values through the chain."""
    pynwb = pytest.importorskip("pynwb")
    ours = nwbzarr.read(pynwb42 / "scratch_analysis.nwb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pynwb.NWBHDF5IO(str(pynwb42 / "scratch_analysis.nwb"), "r") as io:
            theirs = io.read()
            for name, value in theirs.scratch.items():
                mine = ours.get_scratch(name)
                if hasattr(value, "data"):
                    np.testing.assert_array_equal(np.asarray(mine), np.asarray(value.data[:]))
            for key, values in series_values(theirs).items():
                kind, *rest = key.split("/")
                if kind == "acquisition" and len(rest) == 1:
                    np.testing.assert_array_equal(ours.acquisition[rest[0]].data[:], values)  # type: ignore[attr-defined]
    assert ours.source_node is not None
    ours.source_node.file.close()


# --------------------------------------------------------------------------------------------
# HDF5 families
# --------------------------------------------------------------------------------------------
def test_family_converts_to_zarr(pynwb42: Path, tmp_path: Path) -> None:
    out = tmp_path / "family.nwb.zarr"
    nwbzarr.convert(str(pynwb42 / "family_%d.nwb"), out)
    with nwbzarr.open(str(pynwb42 / "family_%d.nwb")) as fam, nwbzarr.open(out) as root:
        assert sorted(fam.group("acquisition")) == sorted(root.group("acquisition"))
        for path, member in fam.walk():
            if isinstance(member, nwbzarr.Array) and member.dtype.kind in "fiu":
                np.testing.assert_array_equal(root.array(path)[...], member[...])


needs_memb_size = pytest.mark.skipif(
    "memb_size" not in inspect.signature(nwbzarr.open).parameters,
    reason="nwbzarr.open(memb_size=) is not available",
)


@needs_memb_size
def test_family_write_with_member_size(tmp_path: Path) -> None:
    pattern = str(tmp_path / "fam_%d.nwb")
    values = np.arange(50_000, dtype=np.float64)
    options: dict[str, Any] = {"memb_size": 65536}
    with nwbzarr.open(pattern, "w", **options) as root:
        root.create_array("acquisition/x/data", values)
    members = sorted(tmp_path.glob("fam_*.nwb"))
    assert len(members) > 4 and all(p.stat().st_size <= 65536 for p in members)
    with nwbzarr.open(pattern, "r+") as root:
        root.create_array("acquisition/y", np.arange(3))
    with nwbzarr.open(pattern) as root:
        np.testing.assert_array_equal(root.array("acquisition/x/data")[:], values)
    import h5py

    with h5py.File(pattern, "r", driver="family", memb_size=0) as h5:
        np.testing.assert_array_equal(h5["acquisition/x/data"][:], values)
