"""Extensions: namespaces loaded with nwbzarr.load_namespaces, and extensions cached in files."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
from model_peers import peer_read, peer_validate
from support.corpus import third_party_param

import nwbzarr
from nwbzarr.errors import SchemaError
from nwbzarr.model import NWBFile, write
from nwbzarr.spec import GroupSpec, catalog_from_file, loaded_catalog, sources
from nwbzarr.validate import validate

pytestmark = pytest.mark.interop
START = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def namespace_file(package: str, namespace: str) -> Path:
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed (pip install nwbzarr[test])")
    return next(Path(spec.submodule_search_locations[0]).rglob(f"{namespace}.namespace.yaml"))


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process-wide registry of loaded namespaces that this test alone fills."""
    monkeypatch.setattr(sources, "_loaded", {})
    monkeypatch.setattr(sources, "_loaded_catalog", [])
    yield


def test_load_namespaces_of_installed_extensions(registry: None) -> None:
    events = nwbzarr.load_namespaces(namespace_file("ndx_events", "ndx-events"))
    pose = nwbzarr.load_namespaces(str(namespace_file("ndx_pose", "ndx-pose")))
    assert list(events) == ["ndx-events"] and list(pose) == ["ndx-pose"]
    assert "core" in pose["ndx-pose"]
    catalog = loaded_catalog()
    assert catalog.namespace_of("PoseEstimationSeries") == "ndx-pose"
    assert [t.name for t in catalog.ancestry("PoseEstimationSeries")][:3] == [
        "PoseEstimationSeries",
        "SpatialSeries",
        "TimeSeries",
    ]
    series = catalog.resolved("PoseEstimationSeries")
    assert isinstance(series, GroupSpec)
    assert {"data", "timestamps", "confidence"} <= {d.name for d in series.datasets}
    assert catalog.is_a("EventsTable", "DynamicTable")
    assert catalog.get("TimeSeries").namespace == "core"  # core names keep meaning core
    # loading again is a no-op, not a second copy
    assert nwbzarr.load_namespaces(namespace_file("ndx_pose", "ndx-pose")) == {}
    assert sources.loaded_extensions() == ["ndx-events", "ndx-pose"]


def test_extension_including_unknown_namespace_is_refused(registry: None, tmp_path: Path) -> None:
    path = tmp_path / "ndx-x.namespace.yaml"
    path.write_text(
        "namespaces:\n- name: ndx-x\n  version: 0.1.0\n  schema:\n  - namespace: ndx-missing\n"
    )
    with pytest.raises(
        SchemaError,
        match=r"ndx-x.namespace.yaml: namespace 'ndx-x' includes "
        r"'ndx-missing', which is not loaded \(load it first\)",
    ):
        nwbzarr.load_namespaces(path)
    assert sources.loaded_extensions() == []


def test_files_we_write_cache_loaded_extensions(
    registry: None, fmt: str, new_path: Callable[..., Path]
) -> None:
    nwbzarr.load_namespaces(namespace_file("ndx_events", "ndx-events"))
    path = new_path(fmt, "with_ext")
    write(NWBFile(session_description="d", identifier="i", session_start_time=START), path)
    with nwbzarr.open(path) as root:
        cached = catalog_from_file(root)
        assert cached.namespaces["ndx-events"].version == "0.4.0"
        assert sorted(root.group("specifications")) == [
            "core",
            "hdmf-common",
            "hdmf-experimental",
            "ndx-events",
        ]
    assert validate(path) == []
    assert peer_validate(path) == []


@pytest.fixture(scope="module")
def pose_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pynwb-written file with ndx-pose objects (pynwb caches the extension)."""
    pytest.importorskip("ndx_pose")
    import pynwb
    from ndx_pose import PoseEstimation, PoseEstimationSeries, Skeleton, Skeletons

    nwbfile = pynwb.NWBFile("pose", "pose-1", START)
    skeleton = Skeleton(name="mouse", nodes=["nose", "tail"], edges=np.array([[0, 1]], "uint8"))
    series = PoseEstimationSeries(
        name="nose",
        description="nose",
        data=np.random.default_rng(0).random((20, 2)),
        unit="pixels",
        reference_frame="top left",
        timestamps=np.linspace(0, 1, 20),
        confidence=np.ones(20),
        confidence_definition="softmax",
    )
    estimation = PoseEstimation(
        name="PoseEstimation",
        pose_estimation_series=[series],
        description="dlc",
        original_videos=["cam.mp4"],
        dimensions=np.array([[640, 480]], "uint16"),
        scorer="DLC",
        source_software="DeepLabCut",
        skeleton=skeleton,
    )
    module = nwbfile.create_processing_module(name="behavior", description="pose")
    module.add(Skeletons(skeletons=[skeleton]))
    module.add(estimation)
    path = tmp_path_factory.mktemp("pose") / "pose.nwb"
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwbfile)
    return path


def test_cached_extension_is_read_and_validated(
    pose_file: Path, fmt: str, new_path: Callable[..., Path]
) -> None:
    path = pose_file if fmt == "hdf5" else new_path(fmt, "pose")
    if fmt == "zarr":
        nwbzarr.convert(pose_file, path)  # /specifications and .specloc come along
    with nwbzarr.open(path) as root:
        catalog = catalog_from_file(root)
        assert catalog.namespace_of("PoseEstimation") == "ndx-pose"
        node = root["processing/behavior/PoseEstimation/nose"]
        assert catalog.is_a(node.neurodata_type or "", "SpatialSeries", "ndx-pose")
    assert [f for f in validate(path) if f.severity == "error"] == []
    assert peer_validate(path) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        io = peer_read(path)
        try:
            pose = io.read().processing["behavior"]["PoseEstimation"]
            assert pose.pose_estimation_series["nose"].data.shape == (20, 2)
        finally:
            io.close()


def test_validator_finds_extension_problems(pose_file: Path, new_path: Callable[..., Path]) -> None:
    path = new_path("hdf5", "pose_broken")
    nwbzarr.convert(pose_file, path)
    series = "processing/behavior/PoseEstimation/nose"
    with nwbzarr.open(path, "r+") as root:
        del root[f"{series}/data"]
        del root[f"{series}/confidence"]
        root.create_array(f"{series}/confidence", np.ones((20, 2)))
    found = {(f.path, f.code, f.message) for f in validate(path)}
    assert found == {
        (f"/{series}/data", "missing", "required dataset 'data' is missing"),
        (f"/{series}/confidence", "shape", "dataset: shape (20, 2) is not one of (any)"),
    }
    peer = {(e.location, type(e).__name__) for e in peer_validate(path)}
    assert peer == {(series, "MissingError"), (f"{series}/confidence", "ShapeError")}


@pytest.mark.parametrize(
    "name,extension,type_name",
    [
        third_party_param(
            "hdf5/pynwb_back_compat__2.1.0_nwbfile_with_extension.nwb", "ndx-testextension", None
        ),
        third_party_param(
            "hdf5/pynwb_back_compat__3.0.0_fiber_photometry_extension.nwb",
            "ndx-fiber-photometry",
            "FiberPhotometryResponseSeries",
        ),
        third_party_param(
            "hdf5/pynwb_back_compat__3.0.0_ophys_devices_extension.nwb", "ndx-ophys-devices", None
        ),
        third_party_param(
            "hdf5/pynwb_back_compat__3.0.0_optogenetics_extension.nwb", "ndx-optogenetics", None
        ),
        ("pynwb42/extension.nwb", "ndx-nwbzarr-tests", "TetrodeSeries"),
        ("hdmfzarr014/extension.nwb.zarr", "ndx-nwbzarr-tests", "SessionNotes"),
    ],
)
def test_corpus_files_with_cached_extensions(
    name: str, extension: str, type_name: str | None, corpus: Path
) -> None:
    with nwbzarr.open(corpus / name) as root:
        catalog = catalog_from_file(root)
        types = catalog.types_of(extension)
        assert types, extension
        if type_name is not None:
            assert catalog.namespace_of(type_name) == extension
        used = {
            (node.neurodata_type, _text(node.attrs.get("namespace")))
            for _, node in root.walk()
            if not isinstance(node, nwbzarr.SoftLink | nwbzarr.ExternalLink) and node.neurodata_type
        }
    # every typed object of the file resolves in the file's own schema
    for kind, ns in used:
        assert catalog.find(kind, ns) is not None, (kind, ns)
    assert any(ns == extension for _, ns in used)
    assert [f for f in validate(corpus / name) if f.severity == "error"] == []


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")
