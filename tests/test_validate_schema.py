"""nwbzarr validate against the schema, side by side with pynwb.validate on the corpus.

Each pynwb finding must have a finding of nwbzarr's at the same path with the same kind, and
each nwbzarr error one of pynwb's, except the differences listed here (and in
docs/schema.md) with their reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from model_peers import peer_validate
from support.corpus import GENERATED, check_each, group_param

import nwbzarr
from nwbzarr.spec.check import accepted
from nwbzarr.validate import validate

pytestmark = pytest.mark.interop

# (path, code) that one side reports and the other does not, with the reason.
ONLY_OURS = {
    # the text is not ISO 8601 for the schema's pattern (a space for 'T'); nwbzarr's structural
    # date check also says that it has no timezone
    "hdf5/matnwb_7947b3d__test_output.nwb": {("/session_start_time", "timezone")},
}
ONLY_PYNWB = {
    # hdmf-zarr's Zarr-2 reader does not see the pickled reference column 'group' as a
    # VectorData; the same file with the JSON codec validates clean in both
    "hdmfzarr013/basic_ecephys.nwb.zarr": {("/general/extracellular_ephys/electrodes", "missing")},
}
# files pynwb cannot validate at all (it raises): nwbzarr reports their problems instead
PYNWB_FAILS = {
    "h5py/region_references.nwb",  # NWB 2.0b layout, no cached schema, no typed children
    "hdf5/hdmf_back_compat__1.0.5.h5",  # not an NWB file
    "hdf5/matnwb_06e46a1__testdata_20080606_R1.nwb",  # no nwb_version
    "hdf5/matnwb_0bab88c__tutorials_ecephys_tutorial.nwb",
    "hdf5/matnwb_e7401f8__ecephys_tutorial.nwb",
    "hdf5/matnwb_e7401f8__tutorials_membrane_potential.nwb",
}
CODES = {
    "MissingError": "missing",
    "MissingDataType": "missing",
    "DtypeError": "dtype",
    "ShapeError": "shape",
    "ExpectedArrayError": "shape",
    "IncorrectQuantityError": "quantity",
    "IllegalLinkError": "link",
    "IncorrectDataType": "target",
}


# known differences, found on the generated files, not yet fixed: file -> reason
KNOWN: dict[str, str] = {}


def corpus_files() -> list[Any]:
    """Each generated file (families aside), and one parameter for the third-party ones."""
    generated = [
        pytest.param(rel, marks=pytest.mark.xfail(reason=KNOWN[rel])) if rel in KNOWN else rel
        for rel in GENERATED["hdf5"] + GENERATED["zarr"]
        if "%d" not in rel
    ]
    return [*generated, group_param("hdf5", "zarr", "lindi")]


def pynwb_keys(error: Any) -> set[tuple[str, str]]:
    """Where and what, as nwbzarr says it: the paths a pynwb finding may be reported at."""
    location = "/" + str(error.location or "").split(".")[0]
    name = str(error.name).removeprefix("root/")
    code = CODES.get(type(error).__name__, "timezone" if "timezone" in error.reason else "?")
    if "isodatetime" in str(error.reason):
        code = "dtype"
    paths = {location.rstrip("/") or "/"}
    if code == "missing":  # a missing child is reported at the child's path
        paths.add(f"{location.rstrip('/')}/{name.rsplit('/', 1)[-1]}")
        if not error.location:
            paths.add("/" + name)
    return {(p, code) for p in paths}


def peer_errors(path: Path) -> list[Any]:
    """pynwb.validate's findings; Zarr-2 stores through hdmf-zarr's Zarr-2 reader."""
    if (path / ".zgroup").exists():
        import warnings

        import pynwb
        from hdmf_zarr.nwb_zarrv2 import NWBZarrV2IO

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            io = NWBZarrV2IO(str(path), "r", allow_pickle=True)  # the corpus is trusted
            try:
                return list(pynwb.validate(io=io))
            finally:
                io.close()
    return peer_validate(path)


def compare(corpus: Path, rel: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    path = corpus / rel
    ours = {(f.path, f.code) for f in validate(path) if f.severity == "error"}
    peer = peer_errors(path)
    only_pynwb: set[tuple[str, str]] = set()
    matched: set[tuple[str, str]] = set()
    for error in peer:
        keys = pynwb_keys(error)
        if keys & ours:
            matched |= keys & ours
        elif not keys & ONLY_PYNWB.get(rel, set()):
            only_pynwb.add(min(keys))
    only_ours = ours - matched - ONLY_OURS.get(rel, set())
    return only_ours, only_pynwb


def _check(corpus: Path, rel: str) -> None:
    if rel in PYNWB_FAILS:
        assert [f for f in validate(corpus / rel) if f.severity == "error"], rel
        return
    only_ours, only_pynwb = compare(corpus, rel)
    assert not only_ours, f"{rel}: nwbzarr only: {sorted(only_ours)}"
    assert not only_pynwb, f"{rel}: pynwb only: {sorted(only_pynwb)}"


@pytest.mark.parametrize("rel", corpus_files())
def test_same_findings_as_pynwb_on_the_corpus(rel: str, corpus: Path) -> None:
    check_each(rel, lambda one: _check(corpus, one))


def test_findings_of_a_broken_copy(fmt: str, new_path: Callable[..., Path], corpus: Path) -> None:
    src = corpus / "pynwb42" / "basic_ecephys.nwb"
    path = new_path(fmt, "broken")
    nwbzarr.convert(src, path)
    with nwbzarr.open(path, "r+") as root:
        group = root.group("general/extracellular_ephys")
        name = next(n for n in group if n not in ("electrodes",))
        del group[f"{name}/device"]  # a required link
        root.array("acquisition/ElectricalSeries/data").attrs["conversion"] = "1"  # text
        del root["file_create_date"]
    found = {(f.path, f.code, f.message) for f in validate(path) if f.code != "structure"}
    assert (
        f"/general/extracellular_ephys/{name}/device",
        "missing",
        "required link 'device' is missing",
    ) in found
    assert (
        "/acquisition/ElectricalSeries/data",
        "dtype",
        "attribute 'conversion': dtype string(utf-8, vlen) does not satisfy the schema's 'float32'",
    ) in found
    assert ("/file_create_date", "missing", "required dataset is missing") in found
    peer = {(e.location, type(e).__name__) for e in peer_validate(path)}
    assert ("general/extracellular_ephys/" + name, "MissingDataType") in peer
    assert ("acquisition/ElectricalSeries/data.conversion", "DtypeError") in peer


def test_empty_attribute_array_has_no_dtype(
    fmt: str, new_path: Callable[..., Path], corpus: Path
) -> None:
    """An empty attribute array is not dtype-checked (as hdmf's validator): pynwb writes an
    empty ``colnames`` that h5py stores as float64; a non-empty float one is a finding."""
    src = corpus / "pynwb42" / "basic_ecephys.nwb"
    path = new_path(fmt, "empty_attr")
    nwbzarr.convert(src, path)
    table = "/general/extracellular_ephys/electrodes"
    with nwbzarr.open(path, "r+") as root:
        root.group(table).attrs["description"] = np.zeros(0, dtype="float64")
    assert not [f for f in validate(path) if f.path == table and f.code == "dtype"]
    with nwbzarr.open(path, "r+") as root:
        root.group(table).attrs["description"] = np.ones(1, dtype="float64")
    found = {(f.path, f.code, f.message) for f in validate(path)}
    assert (
        table,
        "dtype",
        "attribute 'description': dtype float64 does not satisfy the schema's 'text'",
    ) in found


def test_type_missing_from_the_schema_is_a_finding(
    fmt: str, new_path: Callable[..., Path], corpus: Path
) -> None:
    path = new_path(fmt, "unknown")
    nwbzarr.convert(corpus / "pynwb42" / "basic_ecephys.nwb", path)
    with nwbzarr.open(path, "r+") as root:
        attrs = {"neurodata_type": "MysteryData", "namespace": "ndx-mystery", "object_id": "x"}
        root.create_group("acquisition/mystery", attrs=attrs)
    found = [(f.severity, f.path, f.code, f.message) for f in validate(path)]
    assert found == [
        (
            "warning",
            "/acquisition/mystery",
            "type",
            "type 'MysteryData' (namespace 'ndx-mystery') is not in the file's schema "
            "(read as a generic container)",
        )
    ]


def test_dtype_widening_rules() -> None:
    assert accepted("float32") == {"float", "double"}
    assert accepted("int8") == {"int8", "short", "int", "long"}
    assert "uint64" in accepted("uint8") and "int16" not in accepted("uint8")
    assert accepted("text") == {"utf", "ascii"} and accepted("ascii") == {"ascii"}
    assert {"float", "uint8", "long"} <= accepted("numeric")


def test_structural_only(tmp_path: Path, corpus: Path) -> None:
    path = tmp_path / "s.nwb"
    nwbzarr.convert(corpus / "pynwb42" / "basic_ecephys.nwb", path)
    with nwbzarr.open(path, "r+") as root:
        root.array("identifier").attrs["extra"] = np.int8(1)  # extra content: not a finding
    assert validate(path, schema=False) == validate(path) == []


def _example(name: str) -> Any:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "docs" / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("builder", ["demo", "ecephys", "ophys"])
def test_same_findings_as_pynwb_on_files_we_write(
    builder: str, fmt: str, new_path: Callable[..., Path]
) -> None:
    from nwbzarr.demo import build_nwbfile
    from nwbzarr.model import write

    nwbfile = build_nwbfile(seconds=1.0, channels=4) if builder == "demo" else None
    if nwbfile is None:
        nwbfile = _example(builder).build()
    path = new_path(fmt, builder)
    write(nwbfile, path)
    ours = [f for f in validate(path) if f.severity == "error"]
    assert ours == [], ours
    assert peer_validate(path) == []


LINK_EXTENSION = """\
groups:
- neurodata_type_def: Holder
  neurodata_type_inc: NWBDataInterface
  doc: holds a fixed dataset and a link to a series
  datasets:
  - name: fixed
    dtype: float64
    shape: [null]
    linkable: false
    doc: must be stored here, not linked
  links:
  - name: series
    target_type: TimeSeries
    doc: the series this holder describes
"""


def test_illegal_links_and_link_targets(
    fmt: str, new_path: Callable[..., Path], corpus: Path
) -> None:
    """A link where the spec is not linkable, and a link to an object of the wrong type."""
    from nwbzarr.spec import bundled_catalog, cache_schema, read_namespace_file
    from nwbzarr.tree import SoftLink

    folder = new_path(fmt, "ext").with_suffix("")
    folder.mkdir()
    (folder / "ndx-holder.extensions.yaml").write_text(LINK_EXTENSION)
    ns = folder / "ndx-holder.namespace.yaml"
    ns.write_text(
        "namespaces:\n- name: ndx-holder\n  version: 0.1.0\n  doc: test\n  schema:\n"
        "  - namespace: core\n  - source: ndx-holder.extensions.yaml\n"
    )
    catalog = bundled_catalog().with_documents(read_namespace_file(ns))
    path = new_path(fmt, "holder")
    nwbzarr.convert(corpus / "pynwb42" / "basic_ecephys.nwb", path)
    attrs = {"neurodata_type": "Holder", "namespace": "ndx-holder", "object_id": "0" * 8}
    with nwbzarr.open(path, "r+") as root:
        cache_schema(root, ["ndx-holder"], catalog)
        good = root.create_group("acquisition/good", attrs=attrs)
        good.create_array("fixed", np.arange(3.0))
        good.set_link("series", SoftLink("/acquisition/ts_rate"))
        bad = root.create_group("acquisition/bad", attrs=attrs)
        bad.set_link("fixed", SoftLink("/acquisition/ts_rate/data"))
        bad.set_link("series", SoftLink("/general/devices/array"))
    found = {(f.path, f.code, f.message) for f in validate(path) if f.severity == "error"}
    assert found == {
        ("/acquisition/bad/fixed", "link", "dataset 'fixed' must not be a link"),
        ("/acquisition/bad/series", "missing", "required link 'series' is missing"),
    }
    peer = {(e.location, type(e).__name__) for e in peer_errors(path)}
    assert peer == {("acquisition/bad", "IllegalLinkError"), ("acquisition/bad", "MissingDataType")}
