"""Campaigns at scale: every file and store of a corpus, plus stores written the way the tests
write them, mutated with a fixed seed and a budget per format, each input read end to end in
the sandboxed worker (deadline and address-space limit).

``python -m nwbzarr.testing.fuzz --corpus ../shared/corpus --generated --examples 10000``
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from nwbzarr.testing.fuzz import FAMILIES, Report, fuzz
from nwbzarr.testing.fuzz.worker import Worker

MAX_SEED_BYTES = 8 << 20
"""Seeds larger than this are left out (every input is a fresh copy of its seed)."""
HDF5_SUFFIXES = (".nwb", ".h5", ".hdf5")
FORMATS = ("hdf5", "zarr")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def corpus_seeds(roots: Iterable[Path], max_bytes: int = MAX_SEED_BYTES) -> dict[str, list[Path]]:
    """Every HDF5 file and Zarr store under ``roots`` (up to ``max_bytes`` each), by format."""
    out: dict[str, list[Path]] = {fmt: [] for fmt in FORMATS}
    for root in roots:
        for path in sorted(_candidates(root)):
            if _size(path) <= max_bytes:
                out["zarr" if path.is_dir() else "hdf5"].append(path)
    return out


def _candidates(root: Path) -> Iterable[Path]:
    if root.name.endswith(".zarr") and root.is_dir():
        yield root
        return
    if root.is_file():
        with root.open("rb") as f:
            if f.read(8) == b"\x89HDF\r\n\x1a\n":
                yield root
        return
    if root.is_dir():
        for child in sorted(root.iterdir()):
            yield from _candidates(child)


def generated_seeds(
    workdir: Path, sources: Sequence[Path], limit: int = 4
) -> dict[str, list[Path]]:
    """Stores written as the tests write them: the smallest ``limit`` HDF5 sources converted
    by nwbzarr to Zarr format 3, and those stores converted back to HDF5 (nwbzarr's writer)."""
    from nwbzarr.convert import convert
    from nwbzarr.errors import NwbZarrError

    out: dict[str, list[Path]] = {fmt: [] for fmt in FORMATS}
    for i, src in enumerate(sorted(sources, key=_size)[:limit]):
        store = workdir / f"gen{i}_{src.stem}.nwb.zarr"
        back = workdir / f"gen{i}_{src.stem}.nwb"
        try:
            convert(src, store)
            convert(store, back)
        except (NwbZarrError, OSError, ValueError, KeyError, TypeError):
            continue  # a source nwbzarr does not convert: its damage is not the point here
        out["zarr"].append(store)
        out["hdf5"].append(back)
    out["zarr"].append(sharded_store(workdir / "sharded.nwb.zarr"))
    return out


def sharded_store(path: Path) -> Path:
    """A small Zarr format 3 store with sharded, compressed arrays (numbers and text)."""
    import numpy as np

    from nwbzarr.api import open as nwb_open

    with nwb_open(path, "w") as root:
        root.attrs["neurodata_type"] = "NWBFile"
        data = np.arange(12_000, dtype="<i4").reshape(-1, 4) % 251
        root.create_array("acquisition/s/data", data, chunks=(250, 4), shards=(1000, 4))
        root.create_array("acquisition/s/timestamps", np.linspace(0, 1, 3000), shards=(1500,))
        root.create_array("acquisition/s/labels", np.array(["a", "bb", "ccc"] * 40, dtype=object))
    return path


def campaign(
    seeds: dict[str, list[Path]],
    examples: int,
    *,
    seed: int = 0,
    timeout: float = 10.0,
    memory: int = 2 << 30,
    model: bool = False,
    workdir: Path | None = None,
    families: Sequence[str] = FAMILIES,
) -> dict[str, Report]:
    """``examples`` inputs per format (round robin over its seeds), one worker per format."""
    reports: dict[str, Report] = {}
    for fmt in FORMATS:
        if not seeds.get(fmt):
            continue
        with Worker(timeout, memory) as worker:
            reports[fmt] = fuzz(
                seeds[fmt],
                examples,
                seed=seed,
                worker=worker,
                model=model,
                workdir=workdir,
                families=families,
            )
    return reports


def run(
    roots: Sequence[Path],
    examples: int,
    *,
    seed: int = 0,
    generated: bool = False,
    timeout: float = 10.0,
    memory: int = 2 << 30,
    model: bool = False,
    families: Sequence[str] = FAMILIES,
    formats: Sequence[str] = FORMATS,
) -> dict[str, Report]:
    """Seeds from ``roots`` (and generated stores), then :func:`campaign` over ``formats``;
    prints the figures."""
    with tempfile.TemporaryDirectory(prefix="nwbzarr-campaign-") as tmp:
        seeds = corpus_seeds(roots)
        if generated:
            made = generated_seeds(Path(tmp), seeds["hdf5"])
            for fmt in FORMATS:
                seeds[fmt].extend(made[fmt])
        seeds = {fmt: paths for fmt, paths in seeds.items() if fmt in formats}
        for fmt in seeds:
            print(f"[{fmt}] {len(seeds[fmt])} seeds")
        reports = campaign(
            seeds,
            examples,
            seed=seed,
            timeout=timeout,
            memory=memory,
            model=model,
            workdir=Path(tmp),
            families=families,
        )
    total = Report(seed)
    for fmt, report in reports.items():
        print(f"[{fmt}] {report.summary()}")
        total.merge(report)
    print(f"[total] {total.summary()}")
    return reports


__all__ = ["campaign", "corpus_seeds", "generated_seeds", "run"]
