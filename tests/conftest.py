"""Shared fixtures: the two formats, new file paths, the corpus and a full synthetic tree.

Every test that takes ``fmt`` runs once per backend, the way zarr's ``StoreTests`` run once per
store. The corpus of files written by other tools lives beside the repository
(``../shared/corpus``); tests never write into it: they work on copies under ``tmp_path``.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr import ExternalLink, Filter, Group, Reference, SoftLink
from nwbzarr.dtypes import ASCII, REFERENCE, UTF8, CompoundType

FORMATS = ("hdf5", "zarr")
SUFFIX = {"hdf5": ".nwb", "zarr": ".nwb.zarr"}
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
ECEPHYS = CORPUS / "pynwb42" / "basic_ecephys.nwb"


def ecephys_as(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """basic_ecephys.nwb as pynwb wrote it (``"hdf5"``), or converted to Zarr (``"zarr"``)."""
    if not ECEPHYS.is_file():
        pytest.skip(f"corpus not found at {ECEPHYS}")
    if fmt == "hdf5":
        return ECEPHYS
    dst = tmp_path_factory.mktemp("ecephys") / "basic_ecephys.nwb.zarr"
    nwbzarr.convert(ECEPHYS, dst)
    return dst


def copy_writable(src: Path, dst: Path) -> Path:
    """Copy a corpus file or store; the corpus is read-only, the copy is writable."""
    if src.is_dir():
        shutil.copytree(src, dst, copy_function=shutil.copyfile)
        for dirpath, _dirs, files in os.walk(dst):
            os.chmod(dirpath, 0o755)
            for name in files:
                os.chmod(os.path.join(dirpath, name), stat.S_IRUSR | stat.S_IWUSR)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return dst


# --------------------------------------------------------------------------------------------
# formats and paths
# --------------------------------------------------------------------------------------------
@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    """The backend under test: every test using it runs for HDF5 and for Zarr."""
    return str(request.param)


@pytest.fixture
def new_path(tmp_path: Path) -> Callable[..., Path]:
    """``new_path(fmt, stem="f")``: a fresh, not yet existing path with the format's suffix."""
    counter = iter(range(1_000_000))

    def make(fmt: str, stem: str = "f") -> Path:
        path = tmp_path / f"{stem}{SUFFIX[fmt]}"
        while path.exists():
            path = tmp_path / f"{stem}{next(counter)}{SUFFIX[fmt]}"
        return path

    return make


# --------------------------------------------------------------------------------------------
# corpus
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def corpus() -> Path:
    """The read-only corpus of third-party NWB files (skips when it is not checked out)."""
    if not (CORPUS / "README.md").is_file():
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_copy(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the whole corpus per session, so that external links between files keep
    working; it stays read-only, which also proves that reading and converting never write
    into a source."""
    dst = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(corpus, dst)
    return dst


# MatNWB 2017-2018 files that store HDF5 region references: the first node that holds one.
REGION_REFERENCES = {
    "hdf5/matnwb_0bab88c__tutorials_ecephys_tutorial.nwb": "/acquisition/ECoG/electrodes",
    "hdf5/matnwb_7947b3d__test_output.nwb": "/epochs/epochs",
    "hdf5/matnwb_e7401f8__ecephys_tutorial.nwb": "/units/spike_times_index",
}


def corpus_sources(fmt: str) -> list[str]:
    """Corpus entries (relative paths) of one format; HDF5 families by their pattern."""
    if not CORPUS.is_dir():
        return []
    if fmt == "zarr":
        stores = [*CORPUS.glob("hdmfzarr013/*.zarr"), *CORPUS.glob("zarr/*.zarr")]
        return sorted(str(p.relative_to(CORPUS)) for p in stores)
    files = [p for p in CORPUS.glob("hdf5/*") if p.is_file()]
    files += [p for p in CORPUS.glob("pynwb42/*.nwb") if not p.name.startswith("family_")]
    out = sorted(str(p.relative_to(CORPUS)) for p in files)
    if (CORPUS / "pynwb42" / "family_0.nwb").is_file():
        out.append("pynwb42/family_%d.nwb")
    return out


@pytest.fixture(scope="session")
def corpus_entries(corpus: Path) -> dict[str, list[str]]:
    """Every corpus entry by format: ``{"hdf5": [...], "zarr": [...]}``."""
    return {fmt: corpus_sources(fmt) for fmt in FORMATS}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``hdf5_source`` / ``zarr_source`` arguments: one test per corpus entry."""
    for argname, fmt in (("hdf5_source", "hdf5"), ("zarr_source", "zarr")):
        if argname in metafunc.fixturenames:
            metafunc.parametrize(argname, corpus_sources(fmt))


@pytest.fixture(scope="session")
def round_trip(
    corpus_copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], tuple[Path, Path]]:
    """``round_trip(rel)``: the corpus entry converted to the other format (``mid``) and back
    (``back``), done once per session and shared by the corpus and interop tests."""
    out_dir = tmp_path_factory.mktemp("converted")
    done: dict[str, tuple[Path, Path]] = {}

    def get(rel: str) -> tuple[Path, Path]:
        if rel not in done:
            zarr_source = rel.endswith(".zarr")
            stem = rel.replace("_%d", "").replace("%d", "").replace("/", "__")
            mid = out_dir / f"{stem}.mid{'.nwb' if zarr_source else '.nwb.zarr'}"
            back = out_dir / f"{stem}.back{'.nwb.zarr' if zarr_source else '.nwb'}"
            nwbzarr.convert(corpus_copy / rel, mid, overwrite=True)
            nwbzarr.convert(mid, back, overwrite=True)
            done[rel] = (mid, back)
        return done[rel]

    return get


@pytest.fixture
def corpus_file(corpus: Path, tmp_path: Path) -> Callable[[str], Path]:
    """``corpus_file("pynwb42/basic_ecephys.nwb")``: a private, writable copy in ``tmp_path``."""

    def copy(rel: str) -> Path:
        return copy_writable(corpus / rel, tmp_path / "corpus_copy" / rel)

    return copy


# --------------------------------------------------------------------------------------------
# a synthetic file that exercises every feature of the tree
# --------------------------------------------------------------------------------------------
COMPOUND = CompoundType((("idx", np.dtype("int32")), ("label", UTF8), ("target", REFERENCE)))
H5_GZIP = (Filter.of("shuffle"), Filter.of("deflate", level=4))


def compound_values() -> np.ndarray[tuple[int], np.dtype[np.void]]:
    rows = np.empty(3, dtype=[("idx", "i4"), ("label", "O"), ("target", "O")])
    rows[0] = (0, "zéro", Reference("/acquisition/ts/data"))
    rows[1] = (1, "one", Reference("/general"))
    rows[2] = (2, "", Reference("/acquisition/ts/timestamps"))
    return rows


def object_array(values: list[object]) -> np.ndarray[tuple[int], np.dtype[np.object_]]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def write_full_tree(root: Group, target: str) -> None:
    """Every feature at once; ``target`` is the source of an external link to ``/x/data``."""
    root.attrs["neurodata_type"] = "NWBFile"
    root.attrs.set("nwb_version", "2.8.0", ASCII)
    general = root.create_group("general")
    attrs = general.attrs
    attrs["utf8"] = "Grüße, 世界"
    attrs.set("ascii", "plain ascii", ASCII)
    attrs["i32"] = np.int32(-5)
    attrs["i64"] = np.int64(2**40)
    attrs["f32"] = np.float32(0.25)
    attrs["f64"] = 1e-3
    attrs["u8"] = np.uint8(200)
    attrs["flag"] = np.bool_(True)
    attrs["nan"] = float("nan")
    attrs["i32s"] = np.arange(4, dtype="int32")
    attrs["f64s"] = np.linspace(0, 1, 3)
    attrs["words"] = object_array(["a", "bé", ""])
    attrs["one_word"] = object_array(["only"])

    ts = root.create_group(
        "acquisition/ts", attrs={"neurodata_type": "ElectricalSeries", "namespace": "core"}
    )
    ts.create_array("data", np.arange(60, dtype="int16").reshape(20, 3), attrs={"unit": "V"})
    ts.create_array("timestamps", np.linspace(0.0, 1.9, 20), maxshape=(None,), chunks=(8,))
    ts.create_array("starting_time", 0.5, attrs={"rate": 10.0})
    ts.set_link("linked_timestamps", SoftLink("/acquisition/ts/timestamps"))

    arrays = root.create_group("arrays")
    arrays.create_array("scalar_text", "a scalar string")
    arrays.create_array("scalar_ascii", "ascii scalar", dtype=ASCII)
    arrays.create_array("empty", np.zeros((0, 4), dtype="float32"))
    arrays.create_array("gzip", np.arange(1000, dtype="int32"), chunks=(128,), compression=H5_GZIP)
    arrays.create_array("filled", np.arange(10.0), chunks=(4,), fillvalue=-1.0)
    arrays.create_array("bools", np.array([True, False, True]))
    arrays.create_array("utf8", object_array(["λ", "日本", "plain"]), dtype=UTF8)
    arrays.create_array("ascii", object_array(["x", "y"]), dtype=ASCII)
    arrays.create_array("fixed", np.array([b"ab", b"cdef"], dtype="S4"))
    arrays.create_array("text2d", np.array([["a", "b"], ["c", "d"]], dtype=object), dtype=UTF8)
    arrays.create_array(
        "refs", object_array([Reference("/acquisition/ts"), Reference("/arrays/gzip")])
    )
    arrays.create_array("table", compound_values(), dtype=COMPOUND)
    growing = arrays.create_array("growing", np.zeros((2, 3)), maxshape=(None, 3), chunks=(2, 3))
    growing.append(np.ones((3, 3)))
    # HDF5 references need their target: set them once every node exists
    root.attrs["ref"] = Reference("/acquisition/ts")
    attrs["refs"] = object_array([Reference("/acquisition/ts"), Reference("/general")])
    root.set_link("soft_group", SoftLink("/arrays"))
    root.set_link("external", ExternalLink(target, "/x/data"))


@pytest.fixture
def full_tree(tmp_path: Path) -> Callable[[Path], Path]:
    """``full_tree(path)`` writes the synthetic file at ``path`` (and its link target)."""

    def build(path: Path) -> Path:
        fmt = "zarr" if path.name.endswith(".zarr") else "hdf5"
        target = tmp_path / f"link_target{SUFFIX[fmt]}"
        if not target.exists():
            with nwbzarr.open(target, "w") as root:
                root.create_array("x/data", np.arange(5, dtype="uint8"))
        rel = os.path.relpath(target, path if fmt == "zarr" else path.parent)
        with nwbzarr.open(path, "w") as root:
            write_full_tree(root, rel)
        return path

    return build


@pytest.fixture
def opened() -> Iterator[Callable[[Path], Group]]:
    """``opened(path)`` opens read-only and closes at teardown (several files at once)."""
    roots: list[Group] = []

    def open_(path: Path) -> Group:
        root = nwbzarr.open(path)
        roots.append(root)
        return root

    yield open_
    for root in roots:
        root.close()
