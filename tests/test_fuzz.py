"""Fuzzing: mutated files and stores, random trees, huge declared shapes, decompression bombs.

Mutated inputs are read end to end in a sandboxed worker process (``nwbzarr.testing.fuzz``: 10 s per
input, 2 GiB address space); the only acceptable outcomes are success, an ``NwbZarrError`` or a
documented builtin (``OSError``, ``KeyError``, ``ValueError``, ``TypeError``). Budgets are small
by default; ``NWBZARR_FUZZ_EXAMPLES=5000 pytest -m slow tests/test_fuzz.py -s`` runs a campaign.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.corpus import MISSING, is_third_party, require, third_party_present

import nwbzarr
from nwbzarr import NwbZarrError
from nwbzarr.testing import values_equal
from nwbzarr.testing.fuzz import (
    ALLOWED_BUILTINS,
    Report,
    Worker,
    classify,
    copy_seed,
    examples_budget,
    fuzz,
    is_failure,
)

HDF5_SEEDS = [
    "pynwb42/basic_ecephys.nwb",
    "pynwb42/no_cache.nwb",
    "hdf5/pynwb_back_compat__1.0.2_nwbfile.nwb",
    "hdf5/hdmf_back_compat__1.0.5.h5",
]
ZARR2_SEEDS = ["hdmfzarr013/basic_ecephys.nwb.zarr", "zarr/pynwb_b3fcbf8__zarr_tutorial.nwb.zarr"]
CONVERTED = ["pynwb42/no_cache.nwb", "pynwb42/basic_ecephys.nwb"]
# default budget per campaign (NWBZARR_FUZZ_EXAMPLES overrides it for the slow campaign)
DEFAULT_EXAMPLES = {"hdf5": 12, "zarr2": 8, "zarr3": 8}

# Failures whose cause is known, with the patch that fixes it: (campaign, outcome) -> patch
# Bugs found by this harness and fixed (rel-hdf5-runtime-error, rel-zarr-v2-codec-error) are
# checked by test_mutated_inputs_fail_cleanly; an entry here excuses a known, unfixed one.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def require_slow(request: pytest.FixtureRequest) -> None:
    """Slow tests run only when selected with ``-m slow`` (the default suite stays quick)."""
    if "slow" not in (request.config.getoption("markexpr", "") or ""):
        pytest.skip("slow: run with -m slow")


def _present(corpus: Path, rels: list[str]) -> list[Path]:
    """The seeds of ``rels`` that this checkout has (third-party ones need ../shared)."""
    return [corpus / rel for rel in rels if not is_third_party(rel) or third_party_present()]


@pytest.fixture(scope="module")
def seeds(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Seed inputs by campaign; ``zarr3`` are Zarr format 3 stores made by nwbzarr.convert."""
    out = tmp_path_factory.mktemp("fuzz-seeds")
    zarr3 = []
    for rel in CONVERTED:
        dst = out / (Path(rel).stem + ".nwb.zarr")
        nwbzarr.convert(corpus / rel, dst)
        zarr3.append(dst)
    return {
        "hdf5": _present(corpus, HDF5_SEEDS),
        "zarr2": _present(corpus, ZARR2_SEEDS),
        "zarr3": zarr3,
    }


def run_campaigns(
    seeds: dict[str, list[Path]], budget: dict[str, int], seed: int, tmp: Path
) -> dict[str, Report]:
    """One worker per campaign that has seeds, two at a time (two cores)."""
    budget = {name: count for name, count in budget.items() if seeds[name]}

    def one(name: str) -> Report:
        with Worker() as worker:
            return fuzz(seeds[name], budget[name], seed=seed, worker=worker, workdir=tmp)

    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = dict(zip(budget, pool.map(one, budget), strict=True))
    total = Report(seed)
    for name, report in reports.items():
        print(f"[{name}] {report.summary()}")
        total.merge(report)
    print(f"[total] {total.summary()}")
    return reports


@pytest.fixture(scope="module")
def reports(seeds: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    seed = int(os.environ.get("NWBZARR_FUZZ_SEED", "0"))
    return run_campaigns(seeds, DEFAULT_EXAMPLES, seed, tmp_path_factory.mktemp("fuzz"))


def campaign_report(reports: dict[str, Report], campaign: str) -> Report:
    """The campaign's report; skips when it had no seed (Zarr format 2 seeds are third-party)."""
    if campaign not in reports:
        pytest.skip(f"no seed for the {campaign} campaign: {MISSING}")
    return reports[campaign]


def unknown_failures(name: str, report: Report) -> list[str]:
    return [
        f"{f.outcome} {f.seed_file} #{f.example}: {f.mutation}: {f.message[-300:]}"
        for f in report.failures
        if (name, f.outcome) not in KNOWN_BUGS
    ]


@pytest.mark.parametrize("campaign", sorted(DEFAULT_EXAMPLES))
def test_mutated_inputs_fail_cleanly(campaign: str, reports: dict[str, Report]) -> None:
    """No crash, hang, huge allocation or undocumented exception type (known bugs aside)."""
    report = campaign_report(reports, campaign)
    assert report.tried == DEFAULT_EXAMPLES[campaign]
    assert unknown_failures(campaign, report) == []


@pytest.mark.parametrize(
    ("campaign", "outcome"),
    [
        pytest.param(
            c, o, marks=pytest.mark.xfail(strict=False, reason=f"docs/reliability.md ({patch})")
        )
        for (c, o), patch in sorted(KNOWN_BUGS.items())
    ]
    or [pytest.param("hdf5", "bad:RuntimeError"), pytest.param("zarr2", "bad:RuntimeError")],
)
def test_known_bugs_absent(campaign: str, outcome: str, reports: dict[str, Report]) -> None:
    """The known package bugs (one test each, xfail until the patch lands)."""
    hits = [f for f in campaign_report(reports, campaign).failures if f.outcome == outcome]
    assert hits == [], f"{len(hits)} inputs: {hits[0].mutation}: {hits[0].message[-300:]}"


@pytest.mark.slow
def test_fuzz_campaign_long(
    seeds: dict[str, list[Path]], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``NWBZARR_FUZZ_EXAMPLES`` inputs in all (default 3000), split over the campaigns."""
    require_slow(request)
    total = examples_budget(3000)
    budget = {name: max(1, total // len(DEFAULT_EXAMPLES)) for name in DEFAULT_EXAMPLES}
    seed = int(os.environ.get("NWBZARR_FUZZ_SEED", "1"))
    reports = run_campaigns(seeds, budget, seed, tmp_path)
    unknown = [u for name, r in reports.items() for u in unknown_failures(name, r)]
    assert unknown == []


def test_the_sandbox_catches_hangs_crashes_and_allocations(tmp_path: Path) -> None:
    """The harness itself: a timeout, a segfault and an allocation are reported as failures."""
    assert not is_failure("ok") and not is_failure("clean:FormatError")
    assert not is_failure("builtin:KeyError")
    assert is_failure("bad:MemoryError") and is_failure("timeout")
    assert is_failure("crash:SIGSEGV")
    err = NwbZarrError("wrapped")
    err.__cause__ = MemoryError()
    assert classify(err) == "bad:NwbZarrError(MemoryError)"
    assert classify(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "x")) == "builtin:UnicodeDecodeError"
    assert classify(IndexError()) == "bad:IndexError"
    with Worker(timeout=2.0, memory=1 << 30) as worker:
        assert worker.request({"op": "selftest", "what": "hang"})["outcome"] == "timeout"
        assert worker.request({"op": "selftest", "what": "segfault"})["outcome"] == "crash:SIGSEGV"
        assert (
            worker.request({"op": "selftest", "what": "allocate"})["outcome"] == "bad:MemoryError"
        )
        answer = worker.request({"op": "read", "path": str(tmp_path / "nothing.nwb")})
        assert answer["outcome"] == "builtin:FileNotFoundError"
        assert worker.restarts == 2


# ------------------------------------------------------------------------------------------------
# huge declared shapes, decompression bombs
# ------------------------------------------------------------------------------------------------
TEN15 = 10**15


def _set_shape(store: Path, key: str, shape: list[int], chunks: list[int] | None = None) -> None:
    """Declare ``shape`` (and chunk shape) for array ``key`` in both its document and the root's
    consolidated metadata."""
    for doc_path in (store / key / "zarr.json", store / "zarr.json"):
        doc = json.loads(doc_path.read_text())
        target = doc if doc_path.parent != store else doc["consolidated_metadata"]["metadata"][key]
        target["shape"] = shape
        if chunks is not None:
            target["chunk_grid"]["configuration"]["chunk_shape"] = chunks
        doc_path.write_text(json.dumps(doc))


@pytest.fixture
def probe() -> Iterator[Callable[[Path, str, int], dict[str, Any]]]:
    """Open a file in a 2 GiB sandbox and read ``array[:n]``: timings, peak memory, outcome."""
    with Worker(timeout=20.0) as worker:

        def run(path: Path, array: str, n: int = 10) -> dict[str, Any]:
            args = {"path": str(path), "array_path": array, "n": n}
            return worker.request({"op": "window", "args": args})

        yield run


def _assert_small(answer: dict[str, Any]) -> None:
    assert answer["outcome"] == "ok", answer
    assert answer["open_s"] < 5.0
    assert answer["rss_open"] - answer["rss_before"] < 200 << 20, "opening allocated"


@pytest.mark.parametrize("chunk", [1000, 100_000])
def test_zarr3_declared_shape_of_1e15(
    tmp_path: Path, probe: Callable[[Path, str, int], dict[str, Any]], chunk: int
) -> None:
    store = tmp_path / "huge.nwb.zarr"
    with nwbzarr.open(store, "w") as root:
        root.create_array("x", np.arange(chunk, dtype="int64"), chunks=(chunk,))
    _set_shape(store, "x", [TEN15])
    answer = probe(store, "x", 10)
    _assert_small(answer)
    assert answer["shape"] == [TEN15]
    # the window is in the first chunk, which exists; the rest of the shape is never touched
    assert answer.get("window") == list(range(10)) or not is_failure(answer["window_error"])
    assert answer["read_s"] < 5.0
    assert answer["rss_after"] - answer["rss_before"] < 200 << 20


def test_zarr2_declared_shape_of_1e15(
    tmp_path: Path, probe: Callable[[Path, str, int], dict[str, Any]], corpus: Path
) -> None:
    require("hdmfzarr013/basic_ecephys.nwb.zarr")  # Zarr format 2: only hdmf-zarr 0.13 wrote it
    store = copy_seed(corpus / "hdmfzarr013/basic_ecephys.nwb.zarr", tmp_path / "v2.nwb.zarr")
    zarray = store / "acquisition/ElectricalSeries/data/.zarray"
    doc = json.loads(zarray.read_text())
    doc["shape"] = [TEN15, doc["shape"][1]]
    zarray.write_text(json.dumps(doc))
    answer = probe(store, "acquisition/ElectricalSeries/data", 10)
    _assert_small(answer)
    assert answer["shape"][0] == TEN15
    assert "window" in answer or not is_failure(answer["window_error"])
    assert answer["rss_after"] - answer["rss_before"] < 200 << 20


def test_hdf5_declared_shape_of_1e15(
    tmp_path: Path, probe: Callable[[Path, str, int], dict[str, Any]]
) -> None:
    path = tmp_path / "huge.nwb"
    with h5py.File(path, "w") as f:  # legitimate in HDF5: chunks are allocated when written
        ds = f.create_dataset("x", shape=(TEN15,), maxshape=(None,), chunks=(1000,), dtype="f8")
        ds[:1000] = np.arange(1000.0)
    answer = probe(path, "x", 10)
    _assert_small(answer)
    assert answer["window"] == [float(i) for i in range(10)]
    assert answer["rss_after"] - answer["rss_before"] < 200 << 20


def test_zarr3_declared_chunk_of_1e12_elements(
    tmp_path: Path, probe: Callable[[Path, str, int], dict[str, Any]]
) -> None:
    store = tmp_path / "hugechunk.nwb.zarr"
    with nwbzarr.open(store, "w") as root:
        root.create_array("x", np.arange(1000, dtype="int64"), chunks=(1000,))
    _set_shape(store, "x", [TEN15], [10**12])
    answer = probe(store, "x", 10)
    _assert_small(answer)
    # acceptable: a clean refusal before any allocation (never a MemoryError, even wrapped)
    assert "window_error" in answer, answer
    assert not is_failure(answer["window_error"]), answer
    assert answer["rss_after"] - answer["rss_before"] < 200 << 20


def _zlib_bomb(nbytes: int) -> bytes:
    """A valid zlib stream of ``nbytes`` zero bytes (~1/1000 of that), built in a fraction of a
    second: one fully flushed deflate block of 64 MiB of zeros, repeated."""
    block = 64 << 20
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)  # level 9: ~1:1029 on zeros
    piece = comp.compress(bytes(block)) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    count = nbytes // block
    adler = ((count * block) % 65521) << 16 | 1  # adler32 of zeros: a = 1, b = n mod 65521
    return b"\x78\x01" + piece * count + tail + adler.to_bytes(4, "big")


@pytest.fixture(scope="module")
def zlib_bomb() -> bytes:
    bomb = _zlib_bomb(1 << 30)  # 1 GiB of zeros in ~1 MiB
    assert zlib.decompressobj().decompress(bomb[:4096], 1 << 20) == bytes(1 << 20)
    return bomb


def test_zarr_decompression_bomb(
    tmp_path: Path, zlib_bomb: bytes, probe: Callable[[Path, str, int], dict[str, Any]]
) -> None:
    """A deflate chunk of an 8 kB array that inflates to 1 GiB: refused, never allocated."""
    store = tmp_path / "bomb.nwb.zarr"
    deflate = [nwbzarr.Filter.of("deflate", level=1)]
    with nwbzarr.open(store, "w") as root:
        root.create_array("x", np.arange(1000, dtype="int64"), chunks=(1000,), compression=deflate)
    chunk = store / "x" / "c" / "0"
    assert chunk.is_file()
    chunk.write_bytes(zlib_bomb)
    answer = probe(store, "x", 10)
    _assert_small(answer)
    assert "window_error" in answer, answer
    assert not is_failure(answer["window_error"]), answer
    assert answer["read_s"] < 5.0
    assert answer["rss_after"] - answer["rss_before"] < 200 << 20


def test_hdf5_decompression_bomb(
    tmp_path: Path, zlib_bomb: bytes, probe: Callable[[Path, str, int], dict[str, Any]]
) -> None:
    """The same bomb in an HDF5 deflate chunk: refused or read without inflating it all."""
    path = tmp_path / "bomb.nwb"
    with h5py.File(path, "w") as f:
        f.create_dataset(
            "x", data=np.arange(1000, dtype="int64"), chunks=(1000,), compression="gzip"
        )
    with h5py.File(path, "r+") as f:
        f["x"].id.write_direct_chunk((0,), zlib_bomb)
    answer = probe(path, "x", 10)
    _assert_small(answer)
    assert "window" in answer or not is_failure(answer["window_error"]), answer
    assert answer["read_s"] < 10.0
    assert answer["rss_after"] - answer["rss_before"] < 200 << 20


# ------------------------------------------------------------------------------------------------
# hypothesis: random attribute values and names
# ------------------------------------------------------------------------------------------------
CLEAN: tuple[type[BaseException], ...] = (NwbZarrError, *ALLOWED_BUILTINS)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec=None), max_size=20),  # surrogates included
    st.binary(max_size=20),
    st.sampled_from([np.int8(-3), np.uint64(2**64 - 1), np.float32("nan"), np.float16(1.5)]),
    st.complex_numbers(allow_nan=True),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
names = st.one_of(
    st.sampled_from(["", ".", "..", "/", "a/b", "../x", "/abs", "a/../..", "x" * 300, "\x00"]),
    st.text(st.characters(codec=None), min_size=0, max_size=12),
)


def _is_simple(value: Any) -> bool:
    if isinstance(value, bool | float | np.floating):
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    if isinstance(value, str):
        return not any(0xD800 <= ord(c) <= 0xDFFF for c in value) and "\x00" not in value
    return False


HYPO = settings(
    max_examples=int(os.environ.get("NWBZARR_HYPOTHESIS_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _fresh(tmp_path: Path, fmt: str) -> Path:
    base = tmp_path / "h"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir()
    return base / ("f.nwb" if fmt == "hdf5" else "f.nwb.zarr")


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
@HYPO
@given(value=values)
def test_random_attribute_values(fmt: str, value: Any, tmp_path: Path) -> None:
    """Any value: stored and read back (equal when it is a plain scalar), or a clean error."""
    path = _fresh(tmp_path, fmt)
    stored = True
    with nwbzarr.open(path, "w") as root:
        try:
            root.attrs["v"] = value
        except CLEAN:
            stored = False
    if fmt == "zarr":  # the root document parses; NaN/Infinity tokens (zarr-python's) for floats
        json.loads((path / "zarr.json").read_text())
    with nwbzarr.open(path) as root:
        if not stored:
            assert "v" not in root.attrs
            return
        got = root.attrs["v"]
        if _is_simple(value):
            if isinstance(value, float) and not math.isnan(value):
                assert float(got) == value
            else:
                assert values_equal(got, value) or (
                    isinstance(value, float) and math.isnan(float(got))
                ), (got, value)


def _dot_segments(name: str) -> bool:
    return any(p in (".", "..") for p in name.split("/"))


def _create(root: nwbzarr.Group, kind: str, name: str) -> None:
    group = root.group("g")
    if kind == "group":
        group.create_group(name)
    elif kind == "array":
        group.create_array(name, np.arange(3))
    elif kind == "attr":
        group.attrs[name] = 1
    else:
        group.set_link(name, nwbzarr.SoftLink("/g"))


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
@HYPO
@given(name=names, kind=st.sampled_from(["group", "array", "attr", "link"]))
def test_random_names(fmt: str, name: str, kind: str, tmp_path: Path) -> None:
    """Any name: created and found again, or a clean error; nothing is written outside.
    (Names with '.'/'..' segments: see test_dot_segments_in_names.)"""
    if (kind != "attr" and _dot_segments(name)) or not name or "\x00" in name:
        name = name.replace(".", "_").replace("\x00", "_") or "_"  # test_dot_segments_in_names
    path = _fresh(tmp_path, fmt)
    created = False
    try:
        with nwbzarr.open(path, "w") as root:
            root.create_group("g")
            try:
                _create(root, kind, name)
                created = True
            except CLEAN:
                pass
        closed = True
    except CLEAN:  # e.g. a name too long for the file system, found when writing at close
        closed = created = False
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "wrote outside"
    if not closed:
        with pytest.raises(CLEAN):
            nwbzarr.open(path).close()
        return
    with nwbzarr.open(path) as root:
        group = root.group("g")
        if created and kind == "attr":
            assert group.attrs[name] == 1
        elif created and kind != "link":
            assert name.strip("/") in group or name.strip("/") in root
        for _sub, _member in root.walk():
            pass


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
@pytest.mark.parametrize("kind", ["group", "array", "link"])
@pytest.mark.parametrize("name", [".", "..", "../../escaped", "a/../../escaped", "a\x00b"])
def test_dot_segments_in_names(
    fmt: str, kind: str, name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """'.' and '..' are refused as names (ValueError) and nothing is written outside."""
    base = tmp_path / "in" / "deeper"
    base.mkdir(parents=True)
    path = base / ("f.nwb" if fmt == "hdf5" else "f.nwb.zarr")
    with nwbzarr.open(path, "w") as root:
        root.create_group("g")
        with pytest.raises(CLEAN):
            _create(root, kind, name)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and path not in p.parents]
    assert outside == [] if fmt == "zarr" else outside == [path]
    with nwbzarr.open(path) as root:
        assert list(root.group("g")) == []


# ------------------------------------------------------------------------------------------------
# campaigns at scale: the whole corpus and generated stores, structure-aware mutations
# ------------------------------------------------------------------------------------------------
def test_structures_found_in_a_seed(corpus: Path) -> None:
    """The HDF5 structures mutations aim at: superblock, object headers, B-trees, heaps."""
    from nwbzarr.testing.fuzz.structure import hdf5_structures

    kinds = {kind for kind, _ in hdf5_structures(corpus / HDF5_SEEDS[0])}
    assert {"HDF", "object", "TREE", "HEAP", "SNOD", "GCOL"} <= kinds


def test_structure_mutations_reproduce(tmp_path: Path, corpus: Path) -> None:
    """Same seed, same recipe and bytes: a failing input can be rebuilt from its report."""
    import random

    require(ZARR2_SEEDS[0])

    from nwbzarr.testing.fuzz import mutate

    outs = []
    for i in range(2):
        (tmp_path / str(i)).mkdir()
        dst = copy_seed(corpus / HDF5_SEEDS[0], tmp_path / str(i) / "f.nwb")
        store = copy_seed(corpus / ZARR2_SEEDS[0], tmp_path / str(i) / "f.nwb.zarr")
        rng = random.Random(5)
        steps = [
            str(mutate(corpus / HDF5_SEEDS[0], dst, rng, 3)),
            str(mutate(store, store, rng, 3)),
        ]
        outs.append((steps, dst.read_bytes()))
    assert outs[0] == outs[1]
    assert all(outs[0][0])


def test_damage_mutations_reproduce_and_cover_every_kind(tmp_path: Path, corpus: Path) -> None:
    """The storage-damage family (:mod:`nwbzarr.testing.fuzz.damage`): same seed, same recipe
    and bytes; over 80 draws it makes every kind of damage, shard indexes included."""
    import random

    from nwbzarr.testing.fuzz import mutate
    from nwbzarr.testing.fuzz.campaign import sharded_store

    seed_store = sharded_store(tmp_path / "seed.nwb.zarr")
    outs: list[list[str]] = []
    kinds: set[str] = set()
    for i in range(2):
        rng = random.Random(11)
        steps = []
        for j in range(80):
            case = tmp_path / f"{i}-{j}"
            case.mkdir()
            src = corpus / HDF5_SEEDS[0] if j % 2 else seed_store
            dst = copy_seed(src, case / src.name)
            steps.append(str(mutate(src, dst, rng, 1, families=("damage",))))
        outs.append(steps)
    assert outs[0] == outs[1]
    for step in outs[0]:
        kinds.update(k for k in _DAMAGE_KINDS if k in step)
    assert kinds == set(_DAMAGE_KINDS), set(_DAMAGE_KINDS) - kinds


_DAMAGE_KINDS = (
    "set to",  # a byte range (files, chunks) or a JSON value moved
    "truncated",
    "bit flips",
    "swap",
    "copy",
    "inserted",
    "removed",
    "changed to",
    "shard index entry",
    "deleted",
    "replaced by",
)


def _campaign_figures(output: str) -> dict[str, tuple[int, int]]:
    """``{format: (inputs, failures)}`` from the campaign's printed summary."""
    import re

    found = re.findall(r"^\[(\w+)\] fuzz seed=\d+: (\d+) inputs .*?, (\d+) failures", output, re.M)
    return {fmt: (int(n), int(bad)) for fmt, n, bad in found}


def test_campaign_over_the_corpus(tmp_path: Path, corpus: Path) -> None:
    """The one command: every corpus file and store plus generated stores, both formats, a
    fixed seed and a small budget (the CI run); no input fails."""
    import subprocess
    import sys

    budget = int(os.environ.get("NWBZARR_CAMPAIGN_EXAMPLES", "20"))
    cmd = [sys.executable, "-m", "nwbzarr.testing.fuzz", "--corpus", str(corpus), "--generated"]
    cmd += ["--examples", str(budget), "--seed", "3"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    print(done.stdout[-3000:])
    figures = _campaign_figures(done.stdout)
    assert figures == {"hdf5": (budget, 0), "zarr": (budget, 0), "total": (2 * budget, 0)}, (
        done.stdout[-3000:] + done.stderr[-2000:]
    )
    assert done.returncode == 0


@pytest.mark.slow
def test_campaign_10000_per_format(
    request: pytest.FixtureRequest, tmp_path: Path, corpus: Path
) -> None:
    """``NWBZARR_CAMPAIGN_EXAMPLES`` (default 10,000) inputs per format over the corpus."""
    require_slow(request)
    from nwbzarr.testing.fuzz.campaign import run

    budget = int(os.environ.get("NWBZARR_CAMPAIGN_EXAMPLES", "10000"))
    seed = int(os.environ.get("NWBZARR_FUZZ_SEED", "1"))
    reports = run([corpus], budget, seed=seed, generated=True)
    assert {fmt: r.tried for fmt, r in reports.items()} == {"hdf5": budget, "zarr": budget}
    assert [f for r in reports.values() for f in r.failures] == []


class _ScriptedWorker(Worker):
    """A worker that answers from a script (no process)."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        super().__init__()
        self.answers = answers

    def request(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.answers.pop(0)


@pytest.mark.parametrize(
    ("answers", "outcome", "retried"),
    [
        ([{"outcome": "timeout"}, {"outcome": "ok"}], "ok", 1),
        ([{"outcome": "timeout"}, {"outcome": "timeout"}], "timeout", 0),
    ],
)
def test_a_timeout_is_confirmed_by_a_second_read(
    tmp_path: Path, answers: list[dict[str, Any]], outcome: str, retried: int
) -> None:
    """A read that misses the deadline once (a loaded machine) is read again; only a second
    miss is a failure."""
    seed = tmp_path / "seed.nwb"
    seed.write_bytes(bytes(4096))
    report = fuzz([seed], 1, worker=_ScriptedWorker(answers))
    assert report.outcomes == {outcome: 1}
    assert report.retried == retried
    assert [f.outcome for f in report.failures] == ([] if outcome == "ok" else ["timeout"])
