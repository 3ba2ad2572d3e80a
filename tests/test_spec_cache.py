"""The schema cached in the files we write (pynwb's / hdmf-zarr 0.14's layout) and read back."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from model_peers import peer_read, peer_validate
from support.corpus import require, third_party_param

import nwbzarr
from nwbzarr.dtypes import UTF8, StringType
from nwbzarr.errors import SchemaError
from nwbzarr.model import NWBFile, TimeSeries, write
from nwbzarr.spec import (
    bundled_catalog,
    cache_schema,
    cached_texts,
    catalog_from_file,
    namespace_json,
)
from nwbzarr.tree import Array, Group, Reference
from nwbzarr.validate import validate

pytestmark = pytest.mark.interop
BUNDLED = {"core": "2.11.0", "hdmf-common": "1.10.0", "hdmf-experimental": "0.6.0"}


def _nwbfile() -> NWBFile:
    nwbfile = NWBFile(
        session_description="cache test",
        identifier="cache-1",
        session_start_time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    nwbfile.add_acquisition(
        TimeSeries(name="ts", data=np.arange(10.0), unit="m", rate=10.0, starting_time=0.0)
    )
    return nwbfile


@pytest.fixture
def written(fmt: str, new_path: Callable[..., Path]) -> Path:
    path = new_path(fmt, "cached")
    write(_nwbfile(), path)
    return path


def test_files_we_write_carry_the_bundled_schema(written: Path) -> None:
    catalog = bundled_catalog()
    with nwbzarr.open(written) as root:
        assert root.attrs[".specloc"] == Reference("/specifications")
        spec = root.group("specifications")
        assert {name: list(spec.group(name)) for name in spec} == {
            name: [version] for name, version in BUNDLED.items()
        }
        core = spec.group("core/2.11.0")
        assert sorted(core) == sorted(["namespace", *catalog.namespaces["core"].sources])
        node = core["nwb.base"]
        assert isinstance(node, Array) and node.shape == () and node.datatype == UTF8
        cached = json.loads(node[()])
        assert cached == dict(catalog.documents["core"].sources["nwb.base"])
        namespace = json.loads(core.array("namespace")[()])["namespaces"][0]
        assert namespace["version"] == "2.11.0"
        assert namespace["schema"][:2] == [{"namespace": "hdmf-common"}, {"source": "nwb.base"}]
        assert catalog_from_file(root).namespaces["core"].version == "2.11.0"


def test_pynwb_and_hdmf_zarr_see_the_cached_namespaces(written: Path) -> None:
    from hdmf.spec import NamespaceCatalog
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb import NWBHDF5IO
    from pynwb.spec import NWBDatasetSpec, NWBGroupSpec, NWBNamespace

    catalog = NamespaceCatalog(NWBGroupSpec, NWBDatasetSpec, NWBNamespace)
    io_class = NWBZarrIO if written.suffix == ".zarr" else NWBHDF5IO
    loaded = io_class.load_namespaces(catalog, str(written))
    assert set(loaded) == set(BUNDLED)
    assert {ns: catalog.get_namespace(ns).version for ns in BUNDLED} == BUNDLED
    assert "ElectricalSeries" in catalog.get_namespace("core").get_registered_types()
    if io_class is NWBHDF5IO:
        assert NWBHDF5IO.get_namespaces(str(written)) == BUNDLED
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "ignoring cached namespace" nor fallback warning
        io = peer_read(written)
        try:
            nwbfile = io.read()
            assert nwbfile.acquisition["ts"].rate == 10.0
        finally:
            io.close()


def test_files_we_write_validate_clean(written: Path) -> None:
    assert validate(written) == []
    assert peer_validate(written) == []


@pytest.mark.parametrize("dst_fmt", ["hdf5", "zarr"])
def test_conversion_keeps_the_cache_and_specloc(
    written: Path, dst_fmt: str, new_path: Callable[..., Path]
) -> None:
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb import NWBHDF5IO

    dst = new_path(dst_fmt, "converted")
    nwbzarr.convert(written, dst)
    with nwbzarr.open(dst) as root:
        assert root.attrs[".specloc"] == Reference("/specifications")
        assert {n: ns.version for n, ns in catalog_from_file(root).namespaces.items()} == BUNDLED
    if dst_fmt == "hdf5":
        assert NWBHDF5IO.get_namespaces(str(dst)) == BUNDLED
    else:
        from hdmf.spec import NamespaceCatalog
        from pynwb.spec import NWBDatasetSpec, NWBGroupSpec, NWBNamespace

        catalog = NamespaceCatalog(NWBGroupSpec, NWBDatasetSpec, NWBNamespace)
        assert set(NWBZarrIO.load_namespaces(catalog, str(dst))) == set(BUNDLED)
    assert peer_validate(dst) == []


def test_rewrite_keeps_a_cached_older_schema_and_adds_ours(
    fmt: str, new_path: Callable[..., Path], corpus: Path
) -> None:
    require("hdf5/pynwb_back_compat__3.0.0_fiber_photometry_extension.nwb")
    src = corpus / "hdf5" / "pynwb_back_compat__3.0.0_fiber_photometry_extension.nwb"
    dst = new_path(fmt, "copy")
    nwbzarr.convert(src, dst)
    with nwbzarr.open(dst, "r+") as root:
        before = catalog_from_file(root)
        assert before.namespaces["core"].version == "2.8.0"
        assert "ndx-fiber-photometry" in before.namespaces
        assert root.attrs[".specloc"] == Reference("/specifications")
        written = cache_schema(root)
        assert written == ["hdmf-common/1.10.0", "core/2.11.0", "hdmf-experimental/0.6.0"]
        assert cache_schema(root) == []  # idempotent
    with nwbzarr.open(dst) as root:
        after = catalog_from_file(root)
        # pynwb's choice among cached versions (name order): 2.8.0 goes after 2.11.0
        assert after.namespaces["core"].version == "2.8.0"
        assert after.namespaces["hdmf-experimental"].version == "0.6.0"
        assert "FiberPhotometryResponseSeries" in after or after.find("FiberPhotometry")


def test_cache_schema_of_unknown_namespace_is_refused(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    path = new_path(fmt)
    with nwbzarr.open(path, "w") as root:
        with pytest.raises(
            SchemaError,
            match=r"cannot cache the schema of namespace\(s\) "
            r"'ndx-nothing': not loaded",
        ):
            cache_schema(root, ["ndx-nothing"])
        assert cache_schema(root, ["hdmf-experimental"]) == [
            "hdmf-common/1.10.0",
            "hdmf-experimental/0.6.0",
        ]


def test_cached_json_that_does_not_parse_names_file_and_namespace(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    path = new_path(fmt)
    with nwbzarr.open(path, "w") as root:
        group = root.create_group("specifications/ndx-broken/0.1.0")
        group.create_array("namespace", '{"namespaces": [', dtype=UTF8)
        root.attrs[".specloc"] = Reference("/specifications")
    with (
        nwbzarr.open(path) as root,
        pytest.raises(
            SchemaError,
            match=r"specifications/ndx-broken/0.1.0/namespace: "
            r"namespace 'ndx-broken': the cached schema is not valid JSON",
        ),
    ):
        catalog_from_file(root)


def test_cached_namespace_missing_a_source_falls_back_with_a_warning(
    fmt: str, new_path: Callable[..., Path]
) -> None:
    doc = bundled_catalog().documents["hdmf-experimental"]
    path = new_path(fmt)
    with nwbzarr.open(path, "w") as root:
        group = root.create_group("specifications/hdmf-experimental/0.5.0")
        group.create_array("namespace", namespace_json(doc), dtype=StringType("ascii"))
        root.attrs[".specloc"] = Reference("/specifications")
    with (
        nwbzarr.open(path) as root,
        pytest.warns(
            UserWarning,
            match=r"cached namespace 'hdmf-experimental' lacks the source\(s\) "
            r"experimental; using the loaded version 0.6.0",
        ),
    ):
        catalog = catalog_from_file(root)
    assert catalog.namespaces["hdmf-experimental"].version == "0.6.0"


@pytest.mark.parametrize(
    "name,versions",
    [
        third_party_param("hdf5/pynwb_back_compat__1.0.3_nwbfile.nwb", {"core": "2.0.2"}),
        third_party_param(
            "hdf5/pynwb_back_compat__2.1.0_nwbfile_with_extension.nwb",
            {"core": "2.5.0", "hdmf-common": "1.5.1", "ndx-testextension": "0.1.0"},
        ),
        third_party_param(
            "hdf5/pynwb_back_compat__3.0.0_device_model_str_special_chars.nwb",
            {"core": "2.10.0-alpha"},
        ),
        # no cache: the bundled one
        third_party_param("hdf5/pynwb_back_compat__1.0.2_nwbfile.nwb", BUNDLED),
        third_party_param("zarr/pynwb_b3fcbf8__zarr_tutorial.nwb.zarr", {"core": "2.6.0-alpha"}),
        third_party_param("hdmfzarr013/ophys.nwb.zarr", BUNDLED),
        ("pynwb42/no_cache.nwb", BUNDLED),
        ("pynwb42/extension.nwb", {**BUNDLED, "ndx-nwbzarr-tests": "0.1.0"}),
        ("hdmfzarr014/extension.nwb.zarr", {**BUNDLED, "ndx-nwbzarr-tests": "0.1.0"}),
    ],
)
def test_corpus_files_are_read_with_their_cached_schema(
    name: str, versions: dict[str, str], corpus: Path
) -> None:
    with nwbzarr.open(corpus / name) as root:
        catalog = catalog_from_file(root)
    for ns, version in versions.items():
        assert catalog.namespaces[ns].version == version
    for spec in catalog.all_types():  # every type of every cached version resolves
        catalog.resolved(spec.name, spec.namespace)
    assert catalog.is_a("TimeSeries", "NWBDataInterface")


@pytest.mark.parametrize("source", ["pynwb42/basic_ecephys.nwb", "ours"])
def test_a_cache_of_the_loaded_schema_is_not_read_again(
    source: str, fmt: str, new_path: Callable[..., Path], corpus: Path
) -> None:
    """pynwb 4.2's cache and ours are the bundled schema: three reads, the bundled catalog."""
    if source == "ours":
        path = new_path(fmt, "ours")
        write(_nwbfile(), path)
    else:
        path = new_path(fmt, "theirs")
        nwbzarr.convert(corpus / source, path)
    with nwbzarr.open(path) as root:
        texts = cached_texts(root, bundled_catalog())
        assert {ns: (v, s) for ns, (v, _, s) in texts.items()} == {
            ns: (v, None) for ns, v in BUNDLED.items()
        }
        assert catalog_from_file(root) is bundled_catalog()
        full = cached_texts(root)  # without a catalog to compare with: everything is read
        assert sorted(full["core"][2] or ()) == sorted(bundled_catalog().namespaces["core"].sources)


def test_catalog_from_file_is_memoized_by_content(corpus: Path) -> None:
    paths = [corpus / "pynwb42" / "basic_ecephys.nwb", corpus / "pynwb42" / "ophys.nwb"]
    catalogs = []
    for path in paths:
        with nwbzarr.open(path) as root:
            catalogs.append(catalog_from_file(root))
    assert catalogs[0] is catalogs[1]


def test_group_without_specloc_still_found(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    with nwbzarr.open(path, "w") as root:
        cache_schema(root, ["core"])
        del root.attrs[".specloc"]
    with nwbzarr.open(path) as root:
        assert isinstance(root["specifications"], Group)
        assert catalog_from_file(root).namespaces["core"].version == "2.11.0"


def test_cache_goes_where_specloc_points(fmt: str, new_path: Callable[..., Path]) -> None:
    path = new_path(fmt)
    with nwbzarr.open(path, "w") as root:
        root.create_group("cached/schema")
        root.attrs[".specloc"] = Reference("/cached/schema")
        assert cache_schema(root, ["hdmf-common"]) == ["hdmf-common/1.10.0"]
        assert "specifications" not in root
    with nwbzarr.open(path) as root:
        assert root.attrs[".specloc"] == Reference("/cached/schema")
        assert sorted(root.group("cached/schema")) == ["hdmf-common"]
        assert catalog_from_file(root).namespaces["hdmf-common"].version == "1.10.0"
