"""nwbzarr.spec: the bundled schema, the catalog (lookups, inheritance, merged fields), errors."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from nwbzarr.errors import NwbZarrError, SchemaError, UnknownTypeError
from nwbzarr.spec import (
    Catalog,
    DatasetSpec,
    GroupSpec,
    RefSpec,
    bundled_catalog,
    read_namespace_file,
)
from nwbzarr.spec.parse import quantity, shape

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_IMPORTS = {
    "__future__",
    "collections",
    "dataclasses",
    "functools",
    "hashlib",
    "json",
    "importlib",
    "os",
    "pathlib",
    "re",
    "threading",
    "typing",
    "warnings",
    "numpy",
    "yaml",
    "nwbzarr",
}


def test_bundled_catalog_has_core_and_hdmf_common() -> None:
    catalog = bundled_catalog()
    assert set(catalog.namespaces) == {"core", "hdmf-common", "hdmf-experimental"}
    core = catalog.namespaces["core"]
    assert core.dependency_names == ("hdmf-common",)
    assert "nwb.base" in core.sources and "nwb.ecephys" in core.sources
    assert len(catalog.types_of("core")) > 60
    assert catalog.namespace_of("TimeSeries") == "core"
    assert catalog.namespace_of("VectorData") == "hdmf-common"
    assert catalog.get("SpatialSeries").parent == "TimeSeries"
    assert bundled_catalog() is catalog  # memoized


def test_lookup_through_namespace_includes() -> None:
    catalog = bundled_catalog()
    assert catalog.get("DynamicTable", "core").namespace == "hdmf-common"
    assert catalog.find("NoSuchType") is None
    with pytest.raises(
        UnknownTypeError,
        match=r"no neurodata type 'NoSuchType' in namespace "
        r"'core' \(namespaces loaded: core .*load_namespaces",
    ) as info:
        catalog.get("NoSuchType", "core")
    assert isinstance(info.value, KeyError) and isinstance(info.value, NwbZarrError)


def test_ancestry_and_is_a() -> None:
    catalog = bundled_catalog()
    names = [t.name for t in catalog.ancestry("ElectricalSeries")]
    assert names == [
        "ElectricalSeries",
        "TimeSeries",
        "NWBDataInterface",
        "NWBContainer",
        "Container",
    ]
    assert [t.name for t in catalog.ancestry("VectorIndex")] == [
        "VectorIndex",
        "VectorData",
        "Data",
    ]
    assert catalog.is_a("Position", "NWBDataInterface")
    assert catalog.is_a("Units", "DynamicTable")
    assert not catalog.is_a("Units", "TimeSeries")
    assert not catalog.is_a("Unknown", "Container")


def test_resolved_merges_inherited_fields_with_refinements() -> None:
    catalog = bundled_catalog()
    series = catalog.resolved("ElectricalSeries")
    assert isinstance(series, GroupSpec)
    assert series.data_type_def == "ElectricalSeries"
    data = series.child("data")
    assert isinstance(data, DatasetSpec)
    # refined by ElectricalSeries: unit fixed to volts; inherited from TimeSeries: conversion
    unit = data.attribute("unit")
    assert unit is not None and unit.value == "volts"
    conversion = data.attribute("conversion")
    assert conversion is not None and conversion.default_value == 1.0
    assert conversion.dtype == "float32" and not conversion.required
    assert data.dims is not None and data.dims[0] == ("num_times",)
    # TimeSeries' own fields come along; ElectricalSeries adds electrodes
    names = {d.name for d in series.datasets}
    assert {"data", "timestamps", "starting_time", "electrodes"} <= names
    assert series.child("timestamps").quantity == "?"  # type: ignore[union-attr]
    assert catalog.resolved("ElectricalSeries") is series  # computed once


def test_resolved_dataset_type_refines_dtype() -> None:
    catalog = bundled_catalog()
    index = catalog.resolved("VectorIndex")
    assert isinstance(index, DatasetSpec)
    assert index.dtype == "uint8"  # VectorData leaves it open
    target = index.attribute("target")
    assert target is not None and target.dtype == RefSpec("VectorData", "object")
    assert index.attribute("description") is not None  # inherited from VectorData
    data = catalog.resolved("VectorData")
    assert isinstance(data, DatasetSpec) and data.dtype is None


def test_resolve_field_merges_the_included_type() -> None:
    catalog = bundled_catalog()
    series = catalog.resolved("ElectricalSeries")
    assert isinstance(series, GroupSpec)
    electrodes = series.child("electrodes")
    assert isinstance(electrodes, DatasetSpec) and electrodes.data_type_inc == "DynamicTableRegion"
    field = catalog.resolve_field(electrodes, "core")
    assert isinstance(field, DatasetSpec)
    assert field.name == "electrodes" and field.data_type_def is None
    assert field.doc == electrodes.doc  # the refinement's doc
    assert field.attribute("table") is not None  # from DynamicTableRegion
    assert field.dtype == "int32"
    assert catalog.resolve_field(electrodes, "core") is field
    data = series.child("data")
    assert isinstance(data, DatasetSpec) and catalog.resolve_field(data) is data  # untyped


def test_links_and_typed_children() -> None:
    catalog = bundled_catalog()
    group = catalog.resolved("ElectrodeGroup")
    assert isinstance(group, GroupSpec)
    device = group.child("device")
    assert device is not None and device.kind == "link"
    module = catalog.resolved("ProcessingModule")
    assert isinstance(module, GroupSpec)
    kinds = {(g.data_type_inc, g.quantity) for g in module.groups}
    assert ("NWBDataInterface", "*") in kinds and ("DynamicTable", "*") in kinds


def test_quantity_and_shape_forms() -> None:
    assert quantity("zero_or_many", "x") == "*"
    assert quantity(None, "x") == 1
    assert shape([None, 3], "x") == ((None, 3),)
    assert shape([[None], [None, None]], "x") == ((None,), (None, None))
    with pytest.raises(SchemaError, match=r"^x: quantity 'many' is not a count nor one of"):
        quantity("many", "x")


def _write_extension(tmp_path: Path, source_text: str) -> Path:
    (tmp_path / "ndx-bad.extensions.yaml").write_text(textwrap.dedent(source_text))
    ns = tmp_path / "ndx-bad.namespace.yaml"
    ns.write_text(
        textwrap.dedent("""\
        namespaces:
        - name: ndx-bad
          version: 0.1.0
          doc: a test extension
          schema:
          - namespace: core
          - source: ndx-bad.extensions.yaml
        """)
    )
    return ns


def test_schema_that_does_not_parse_names_file_and_namespace(tmp_path: Path) -> None:
    ns = _write_extension(tmp_path, "groups: [ {neurodata_type_def: X, \n")
    with pytest.raises(SchemaError, match=r"ndx-bad.extensions.yaml: not valid YAML") as info:
        read_namespace_file(ns)
    assert isinstance(info.value, ValueError)
    ns = _write_extension(
        tmp_path,
        """\
        groups:
        - neurodata_type_def: Bad
          neurodata_type_inc: NWBDataInterface
          quantity: lots
        """,
    )
    with pytest.raises(
        SchemaError,
        match=r"namespace 'ndx-bad' 0.1.0, source "
        r"'ndx-bad.extensions'/Bad: quantity 'lots' is not a count",
    ):
        Catalog(read_namespace_file(ns))


def test_type_extending_unknown_type_is_reported(tmp_path: Path) -> None:
    ns = _write_extension(
        tmp_path,
        """\
        groups:
        - neurodata_type_def: Orphan
          neurodata_type_inc: NoSuchParent
          doc: x
        """,
    )
    catalog = bundled_catalog().with_documents(read_namespace_file(ns))
    assert catalog.get("Orphan").namespace == "ndx-bad"
    with pytest.raises(
        SchemaError,
        match=r"ndx-bad.namespace.yaml: namespace 'ndx-bad': "
        r"type 'Orphan' extends 'NoSuchParent', which no loaded namespace",
    ):
        catalog.resolved("Orphan")


def test_nothing_parsed_at_import_and_pynwb_never_imported() -> None:
    code = textwrap.dedent("""\
        import sys
        import nwbzarr, nwbzarr.spec
        from nwbzarr.spec import sources
        assert sources.bundled_catalog.cache_info().currsize == 0
        sources.bundled_catalog()
        bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pynwb', 'hdmf'))
        print(bad)
        """)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "[]"


def test_spec_modules_import_no_io_libraries() -> None:
    """nwbzarr.spec works on the tree API and plain data: no zarr, xarray, dask, h5py..."""
    for path in sorted((ROOT / "nwbzarr" / "spec").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in ALLOWED_IMPORTS, f"{path.name} imports {name}"
                if name.startswith("nwbzarr."):
                    assert name.split(".")[1] in {"errors", "dtypes", "tree", "spec"}, name


def test_the_bundled_schema_is_parsed_once_per_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The YAML of the bundled schema is kept as JSON in the cache directory and used while
    its files are unchanged; a stale, damaged or unwritable cache falls back to the YAML."""
    from nwbzarr.spec import sources

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = sources.bundled_namespace_files()[0]
    fresh = sources.read_namespace_file(path)
    first = sources._read_bundled(path)  # parses the YAML, keeps it
    [entry] = (tmp_path / "nwbzarr").iterdir()

    def no_yaml(file: Path) -> None:
        raise AssertionError(f"parsed {file}")

    with monkeypatch.context() as m:
        m.setattr(sources, "read_yaml", no_yaml)
        cached = sources._read_bundled(path)
    assert [d.sources for d in cached] == [d.sources for d in first] == [d.sources for d in fresh]
    assert [d.namespace for d in cached] == [d.namespace for d in fresh]

    parsed: list[Path] = []
    real = sources.read_yaml

    def counted(file: Path) -> Any:
        parsed.append(file)
        return real(file)

    monkeypatch.setattr(sources, "read_yaml", counted)
    text = entry.read_text()
    entry.write_text(text.replace('"files": {"', '"files": {"x', 1))  # a file it names is gone
    assert [d.sources for d in sources._read_bundled(path)] == [d.sources for d in fresh]
    entry.write_text(text[: len(text) // 2])  # damaged
    assert [d.sources for d in sources._read_bundled(path)] == [d.sources for d in fresh]
    assert len(parsed) == 2 * (1 + sum(len(d.sources) for d in fresh))
    monkeypatch.setenv("XDG_CACHE_HOME", str(entry))  # a file: the cache cannot be written
    assert [d.sources for d in sources._read_bundled(path)] == [d.sources for d in fresh]
