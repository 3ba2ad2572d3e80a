"""Fuzzing nwbzarr's readers: mutate small files, read them end to end in a sandboxed process.

Each input is a copy of a small seed file (HDF5) or store (Zarr) with one or a few mutations
(bit flips, truncation, byte overwrites, chunk deletion, garbled JSON metadata, deleted store
files). A long-lived worker process opens it with :func:`nwbzarr.open` and reads everything:
every attribute, every array value (chunk by chunk), every link followed. The worker runs under
an address-space limit (``RLIMIT_AS``, 2 GiB by default) and each input has a time limit (10 s by
default), so a hang or a huge allocation shows up as a failure instead of stalling the machine.

Acceptable outcomes (see ``docs/reliability.md``):

* success;
* an exception that is an :class:`~nwbzarr.errors.NwbZarrError` (``clean``);
* an exception of a documented builtin type: ``OSError``, ``KeyError``, ``ValueError``,
  ``TypeError`` and their subclasses (``UnicodeDecodeError`` is a ``ValueError``)
  (``builtin``: accepted, counted separately because nwbzarr's own errors are preferred).

Everything else is a failure: a crash (signal), a timeout, ``MemoryError`` (also when it was
wrapped into another exception, since the allocation was attempted), ``RecursionError`` and any
other exception type (``IndexError``, ``AttributeError``, ``AssertionError``...).

Run a campaign from the command line::

    python -m nwbzarr.testing.fuzz --examples 2000 --seed 7 [seed files or stores ...]
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nwbzarr.testing.fuzz.damage import damage
from nwbzarr.testing.fuzz.mutations import Mutation, mutate_file, mutate_store
from nwbzarr.testing.fuzz.reader import (
    ALLOWED_BUILTINS,
    FORBIDDEN_IN_CHAIN,
    classify,
    is_failure,
    read_everything,
    window_probe,
)
from nwbzarr.testing.fuzz.structure import mutate_hdf5_structure, mutate_zarr_structure
from nwbzarr.testing.fuzz.worker import Worker


# ------------------------------------------------------------------------------------------------
# campaigns
# ------------------------------------------------------------------------------------------------
@dataclass
class Failure:
    seed_file: str
    example: int
    mutation: str
    outcome: str
    message: str


@dataclass
class Report:
    """Figures of a campaign: inputs tried, outcomes by type, failures with their recipe."""

    seed: int
    tried: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    restarts: int = 0
    retried: int = 0
    """Inputs that missed the deadline once and answered when read again."""

    def add(self, seed_file: str, example: int, mutation: str, answer: dict[str, Any]) -> None:
        outcome = str(answer["outcome"])
        self.tried += 1
        self.outcomes[outcome] += 1
        if is_failure(outcome):
            message = str(answer.get("message", ""))
            self.failures.append(Failure(seed_file, example, mutation, outcome, message))

    def merge(self, other: Report) -> None:
        self.tried += other.tried
        self.outcomes.update(other.outcomes)
        self.failures.extend(other.failures)
        self.seconds += other.seconds
        self.restarts += other.restarts
        self.retried += other.retried

    def summary(self) -> str:
        lines = [
            f"fuzz seed={self.seed}: {self.tried} inputs in {self.seconds:.1f} s "
            f"({self.tried / max(self.seconds, 1e-9):.1f} inputs/s), "
            f"{len(self.failures)} failures, {self.restarts} worker restarts, "
            f"{self.retried} timeouts not confirmed on a second read",
        ]
        for outcome, n in sorted(self.outcomes.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {n:6d}  {outcome}")
        for f in self.failures[:20]:
            lines.append(
                f"  FAIL {f.outcome} {f.seed_file} #{f.example}: {f.mutation} -- "
                f"{f.message.strip().splitlines()[-1] if f.message.strip() else ''}"[:400]
            )
        return "\n".join(lines)


def examples_budget(default: int) -> int:
    """``NWBZARR_FUZZ_EXAMPLES`` when set, else ``default``."""
    value = os.environ.get("NWBZARR_FUZZ_EXAMPLES")
    return int(value) if value else default


def copy_seed(src: Path, dst: Path) -> Path:
    """A writable copy of a seed file or store."""
    if src.is_dir():
        shutil.copytree(src, dst, copy_function=shutil.copyfile)
    else:
        shutil.copyfile(src, dst)
    for dirpath, _dirs, files in os.walk(dst) if dst.is_dir() else []:
        os.chmod(dirpath, 0o755)
        for name in files:
            os.chmod(os.path.join(dirpath, name), 0o644)
    if dst.is_file():
        os.chmod(dst, 0o644)
    return dst


FAMILIES = ("structure", "blind", "damage")
"""Kinds of mutation: structure-aware (:mod:`.structure`), blind (:mod:`.mutations`: bit
flips, overwrites, garbled JSON, deletions) and storage damage (:mod:`.damage`: byte ranges,
truncation, swapped and shifted blocks, JSON edits, chunk files damaged, shard indexes)."""


def mutate(
    src: Path,
    dst: Path,
    rng: random.Random,
    rounds: int,
    families: Sequence[str] = FAMILIES,
) -> Mutation:
    """``rounds`` mutations of ``dst`` (a copy of ``src``), each of a family drawn from
    ``families`` (:data:`FAMILIES`)."""
    m = Mutation()
    for _ in range(rounds):
        family = rng.choice(families)
        if family == "damage":
            damage(dst, rng, m)
        elif dst.is_dir():
            if family == "structure":
                mutate_zarr_structure(dst, rng, m)
            else:
                m.steps.extend(mutate_store(dst, rng, 1).steps)
        elif family == "structure":
            mutate_hdf5_structure(dst, src, rng, m)
        else:
            m.steps.extend(mutate_file(dst, rng, 1).steps)
    return m


def fuzz(
    seeds: Sequence[Path],
    examples: int,
    *,
    seed: int = 0,
    workdir: Path | None = None,
    worker: Worker | None = None,
    model: bool = False,
    max_rounds: int = 3,
    on_input: Callable[[int, str, dict[str, Any]], None] | None = None,
    families: Sequence[str] = FAMILIES,
) -> Report:
    """Mutate ``examples`` inputs from ``seeds`` (round robin) and read each in the worker."""
    rng = random.Random(seed)
    report = Report(seed)
    own_worker = worker is None
    work = worker or Worker()
    tmp = Path(tempfile.mkdtemp(prefix="nwbzarr-fuzz-", dir=workdir))
    started = time.monotonic()
    try:
        for i in range(examples):
            src = seeds[i % len(seeds)]
            case = tmp / f"case{i % 2}"
            shutil.rmtree(case, ignore_errors=True)
            case.mkdir()
            dst = copy_seed(src, case / src.name)
            mutation = mutate(src, dst, rng, rng.randint(1, max_rounds), families)
            request = {"op": "read", "path": str(dst), "model": model}
            answer = work.request(request)
            if answer["outcome"] == "timeout":
                # confirmed in a fresh worker (the first was stopped): on a loaded machine a
                # read of a few hundred milliseconds can miss the deadline once
                answer = work.request(request)
                report.retried += answer["outcome"] != "timeout"
            report.add(src.name, i, str(mutation), answer)
            if on_input is not None:
                on_input(i, str(mutation), answer)
    finally:
        report.seconds = time.monotonic() - started
        report.restarts = work.restarts
        if own_worker:
            work.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return report


__all__ = [
    "ALLOWED_BUILTINS",
    "FAMILIES",
    "FORBIDDEN_IN_CHAIN",
    "Failure",
    "Mutation",
    "Report",
    "Worker",
    "classify",
    "copy_seed",
    "examples_budget",
    "fuzz",
    "is_failure",
    "mutate",
    "mutate_file",
    "mutate_store",
    "read_everything",
    "window_probe",
]
