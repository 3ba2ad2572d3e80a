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

    python -m nwbzarr.fuzz --examples 2000 --seed 7 [seed files or stores ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ALLOWED_BUILTINS: tuple[type[BaseException], ...] = (OSError, KeyError, ValueError, TypeError)
"""Builtin exception types a reader may raise on a damaged input (besides NwbZarrError)."""

FORBIDDEN_IN_CHAIN: tuple[type[BaseException], ...] = (MemoryError, RecursionError)
"""Never acceptable, even when wrapped as the cause of an acceptable exception."""

DEFAULT_TIMEOUT = 10.0
DEFAULT_MEMORY = 2 << 30
MAX_READ_ELEMENTS = 1 << 24
"""Arrays up to this many elements (and :data:`MAX_READ_REGIONS` chunks) are read in full;
larger ones (a mutated shape) are read at their first and last elements only."""
MAX_READ_REGIONS = 4096
_MAGIC = "@@NWBZARR-FUZZ@@ "


# ------------------------------------------------------------------------------------------------
# reading everything (runs inside the worker)
# ------------------------------------------------------------------------------------------------
def read_everything(path: str, model: bool = False) -> dict[str, int]:
    """Open ``path`` and read every attribute, array value and link; counts of what was read."""
    import nwbzarr
    from nwbzarr.tree import Array, ExternalLink, Group, SoftLink

    counts: Counter[str] = Counter()
    with nwbzarr.open(path) as root:
        _read_attrs(root, counts)
        _ = root.neurodata_type
        for sub, member in root.walk():
            if isinstance(member, SoftLink | ExternalLink):
                counts["links"] += 1
                target = root[sub]
                _read_attrs(target, counts)
                if isinstance(target, Array):
                    _read_window(target, counts)
                continue
            _read_attrs(member, counts)
            if isinstance(member, Array):
                _read_array(member, counts)
            elif isinstance(member, Group):
                counts["groups"] += 1
        if model:
            from nwbzarr.model.io import read_tree

            read_tree(root)
            counts["model"] += 1
    return dict(counts)


def _read_attrs(node: Any, counts: Counter[str]) -> None:
    for name in node.attrs:
        node.attrs.type_of(name)
        _ = node.attrs[name]
        counts["attrs"] += 1


def _read_array(array: Any, counts: Counter[str]) -> None:
    counts["arrays"] += 1
    _ = (array.spec, array.dtype, array.chunks, array.maxshape, array.compression, array.dims)
    if not array.shape:
        array[()]
        counts["values"] += 1
        return
    grid = array.chunks or array.shape
    regions = math.prod(math.ceil(n / max(c, 1)) for n, c in zip(array.shape, grid, strict=False))
    if array.size > MAX_READ_ELEMENTS or regions > MAX_READ_REGIONS:
        _read_window(array, counts)
        return
    for region in array.iter_chunks():
        array[region]
        counts["values"] += math.prod(s.stop - s.start for s in region)


def _read_window(array: Any, counts: Counter[str]) -> None:
    """The first and the last element (a huge declared shape must not be read in full)."""
    if not array.shape:
        array[()]
        return
    if array.size == 0:
        return
    array[tuple(slice(0, 1) for _ in array.shape)]
    array[tuple(slice(n - 1, n) for n in array.shape)]
    counts["windows"] += 1


def classify(err: BaseException) -> str:
    """``clean:<Type>``, ``builtin:<Type>`` or ``bad:<Type>`` for an exception of a read."""
    from nwbzarr.errors import NwbZarrError

    name = type(err).__name__
    seen: set[int] = set()
    link: BaseException | None = err
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, FORBIDDEN_IN_CHAIN):
            inner = type(link).__name__
            return f"bad:{inner}" if link is err else f"bad:{name}({inner})"
        link = link.__cause__ or link.__context__
    if isinstance(err, NwbZarrError):
        return f"clean:{name}"
    if isinstance(err, ALLOWED_BUILTINS):
        return f"builtin:{name}"
    return f"bad:{name}"


def is_failure(outcome: str) -> bool:
    return not (outcome == "ok" or outcome.startswith(("clean:", "builtin:")))


def window_probe(path: str, array_path: str, n: int) -> dict[str, Any]:
    """Open ``path`` and read ``array[:n]`` (first axis): times, shape and peak memory."""
    import nwbzarr
    from nwbzarr.tree import Array

    out: dict[str, Any] = {"rss_before": _maxrss()}
    t0 = time.perf_counter()
    with nwbzarr.open(path) as root:
        out["open_s"] = time.perf_counter() - t0
        out["rss_open"] = _maxrss()
        node = root[array_path]
        assert isinstance(node, Array)
        out["shape"] = list(node.shape)
        t1 = time.perf_counter()
        try:
            values = node[(slice(0, n),) + (slice(0, 1),) * (node.ndim - 1)]
            out["window"] = [float(v) for v in values.ravel()[:n]]
        except BaseException as err:
            out["window_error"] = classify(err)
            out["message"] = str(err)[:300]
        out["read_s"] = time.perf_counter() - t1
    out["rss_after"] = _maxrss()
    return out


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _selftest(what: str) -> int:
    """Misbehave on purpose, to check that the sandbox reports it."""
    if what == "hang":
        time.sleep(3600)
    elif what == "segfault":
        import ctypes

        ctypes.string_at(0)
    elif what == "allocate":
        return len(bytearray(4 << 30))
    return 0


def _worker_main(memory: int) -> None:
    """Serve requests (one JSON line each) on stdin; answers go to the original stdout."""
    import warnings

    import nwbzarr  # noqa: F401  (imported before the memory limit is set)

    warnings.simplefilter("ignore")
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything a library prints goes to stderr
    sys.stdout = sys.stderr
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    out.write(_MAGIC + json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        answer: dict[str, Any]
        try:
            if request["op"] == "read":
                counts = read_everything(request["path"], bool(request.get("model")))
                answer = {"outcome": "ok", "counts": counts}
            elif request["op"] == "window":
                answer = {"outcome": "ok", **window_probe(**request["args"])}
            else:
                answer = {"outcome": "ok", "value": _selftest(request["what"])}
        except BaseException as err:  # classified, never re-raised: the worker carries on
            answer = {"outcome": classify(err), "message": f"{type(err).__name__}: {err}"[:500]}
        out.write(_MAGIC + json.dumps(answer, default=str) + "\n")


# ------------------------------------------------------------------------------------------------
# the sandboxed worker (parent side)
# ------------------------------------------------------------------------------------------------
class Worker:
    """A long-lived reader process under an address-space limit; restarted after a failure."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, memory: int = DEFAULT_MEMORY) -> None:
        self.timeout = timeout
        self.memory = memory
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr: IO[bytes] | None = None
        self._buf = b""
        self.restarts = 0

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ, MALLOC_ARENA_MAX="2", PYTHONFAULTHANDLER="1")
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nwbzarr.fuzz", "--worker", "--memory", str(self.memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )
        self._buf = b""
        ready = self._answer(60.0)
        if ready is None or not ready.get("ready"):
            raise RuntimeError(f"fuzz worker did not start: {self.stderr_tail()}")
        return self.proc

    def stderr_tail(self, n: int = 2000) -> str:
        if self.stderr is None:
            return ""
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-n:]

    def _answer(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buf:
                line, self._buf = self._buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith(_MAGIC):
                    answer: dict[str, Any] = json.loads(text[len(_MAGIC) :])
                    return answer
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return {"eof": True}
                self._buf += chunk

    def request(self, request: dict[str, Any]) -> dict[str, Any]:
        proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
        assert proc.stdin is not None
        started = time.monotonic()
        try:
            proc.stdin.write((json.dumps(request) + "\n").encode())
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        answer = self._answer(self.timeout)
        elapsed = time.monotonic() - started
        if answer is None:
            self.stop()
            return {"outcome": "timeout", "message": f"no answer in {self.timeout:.0f} s"}
        if answer.get("eof"):
            code = proc.wait()
            tail = self.stderr_tail()
            self.proc = None
            self.restarts += 1
            what = f"crash:{signal.Signals(-code).name}" if code < 0 else f"exit:{code}"
            return {"outcome": what, "message": tail}
        answer["seconds"] = elapsed
        return answer

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.restarts += 1

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------------
# mutations
# ------------------------------------------------------------------------------------------------
INTERESTING_BYTES = [
    b"\xff" * 8,
    b"\x00" * 8,
    b"\x7f\xff\xff\xff\xff\xff\xff\xff",
    b"\x80\x00\x00\x00",
    b"\xff\xff\xff\x7f",
    b"\x01",
]
INTERESTING_JSON: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    10**15,
    [10**15],
    [10**15, 10**15],
    -(10**15),
    1e308,
    "",
    "..",
    "/",
    "../../outside",
    "/etc/passwd",
    "x" * 10_000,
    "\udcff",
    [],
    {},
    [[[[]]]],
    {"name": "..", "source": "..", "path": "/.."},
    "int64",
    "object",
    "|O",
    "<f8",
    ">i2",
    "variable_length_utf8",
]
METADATA_NAMES = ("zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata")


@dataclass
class Mutation:
    """What was done to an input: one line per step, for the report and for reproducing it."""

    steps: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.steps)


def _offset(rng: random.Random, size: int) -> int:
    if size <= 1:
        return 0
    if rng.random() < 0.4:  # superblock, root group and first object headers
        return rng.randrange(min(size, 4096))
    return rng.randrange(size)


def mutate_bytes(data: bytearray, rng: random.Random, m: Mutation, name: str) -> bytearray:
    """One byte-level mutation of ``data`` (in place where possible)."""
    size = len(data)
    kind = rng.choice(["bitflip", "bitflip", "overwrite", "interesting", "truncate", "zero"])
    if size == 0:
        kind = "overwrite"
    if kind == "bitflip":
        flips = []
        for _ in range(rng.randint(1, 8)):
            at, bit = _offset(rng, size), rng.randrange(8)
            data[at] ^= 1 << bit
            flips.append(f"{at}.{bit}")
        m.steps.append(f"{name}: flip bits {','.join(flips)}")
    elif kind == "overwrite":
        at = _offset(rng, max(size, 1))
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        data[at : at + len(junk)] = junk
        m.steps.append(f"{name}: overwrite {len(junk)} bytes at {at}")
    elif kind == "interesting":
        at = _offset(rng, size)
        value = rng.choice(INTERESTING_BYTES)
        data[at : at + len(value)] = value
        m.steps.append(f"{name}: write {value.hex()} at {at}")
    elif kind == "truncate":
        at = rng.randrange(size)
        del data[at:]
        m.steps.append(f"{name}: truncate to {at} bytes")
    else:
        at = _offset(rng, size)
        n = rng.choice([64, 512, 4096])
        data[at : at + n] = bytes(min(n, size - at))
        m.steps.append(f"{name}: zero {n} bytes at {at}")
    return data


def _json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:64]):
            yield from _json_paths(v, (*prefix, i))


def _set_path(doc: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def garble_json(text: bytes, rng: random.Random, m: Mutation, name: str) -> bytes:
    """A structural mutation of a JSON document (a value replaced or deleted, a shape blown up),
    or a textual one when the document does not parse."""
    try:
        doc = json.loads(text)
    except ValueError:
        return bytes(mutate_bytes(bytearray(text), rng, m, name))
    choice = rng.random()
    if choice < 0.15:
        cut = rng.randrange(max(len(text), 1))
        m.steps.append(f"{name}: JSON text cut at {cut}")
        return text[:cut]
    paths = list(_json_paths(doc))
    shapes = [p for p in paths if p and p[-1] in ("shape", "chunks", "chunk_shape")]
    if choice < 0.35 and shapes:
        path = rng.choice(shapes)
        value = rng.choice([[10**15], [10**15] * 2, [2**62, 3], [0], [-5], [1] * 40])
        m.steps.append(f"{name}: {'/'.join(map(str, path))} = {value}")
        doc = _set_path(doc, path, value)
    elif choice < 0.5 and len(paths) > 1:
        path = rng.choice(paths[1:])
        m.steps.append(f"{name}: delete {'/'.join(map(str, path))}")
        doc = _set_path(doc, path, None, delete=True)
    elif choice < 0.6 and len(paths) > 1:  # swap a subtree into another place
        src, dst = rng.choice(paths[1:]), rng.choice(paths[1:])
        value = doc
        for part in src:
            value = value[part]
        m.steps.append(f"{name}: {'/'.join(map(str, dst))} = copy of {'/'.join(map(str, src))}")
        with contextlib.suppress(KeyError, IndexError, TypeError):
            doc = _set_path(doc, dst, json.loads(json.dumps(value)))
    else:
        path = rng.choice(paths)
        value = rng.choice(INTERESTING_JSON)
        m.steps.append(f"{name}: {'/'.join(map(str, path)) or '<root>'} = {str(value)[:40]!r}")
        doc = _set_path(doc, path, value)
    return json.dumps(doc).encode("utf-8", "surrogatepass")


def mutate_file(path: Path, rng: random.Random, rounds: int = 1) -> Mutation:
    """Mutate an HDF5 file in place."""
    m = Mutation()
    data = bytearray(path.read_bytes())
    for _ in range(rounds):
        data = mutate_bytes(data, rng, m, path.name)
    path.write_bytes(bytes(data))
    return m


def mutate_store(store: Path, rng: random.Random, rounds: int = 1) -> Mutation:
    """Mutate a Zarr store (a directory) in place."""
    m = Mutation()
    for _ in range(rounds):
        files = sorted(p for p in store.rglob("*") if p.is_file())
        if not files:
            break
        meta = [p for p in files if p.name in METADATA_NAMES]
        chunks = [p for p in files if p.name not in METADATA_NAMES]
        choice = rng.random()
        if choice < 0.45 and meta:
            # the root document (consolidated metadata) is what opening reads: weight it
            target = store / "zarr.json" if (store / "zarr.json").exists() else rng.choice(meta)
            if rng.random() < 0.5:
                target = rng.choice(meta)
            rel = str(target.relative_to(store))
            target.write_bytes(garble_json(target.read_bytes(), rng, m, rel))
        elif choice < 0.75 and chunks:
            target = rng.choice(chunks)
            rel = str(target.relative_to(store))
            target.write_bytes(bytes(mutate_bytes(bytearray(target.read_bytes()), rng, m, rel)))
        elif choice < 0.9:
            target = rng.choice(chunks or files)
            target.unlink()
            m.steps.append(f"delete {target.relative_to(store)}")
        else:
            dirs = sorted(p for p in store.rglob("*") if p.is_dir())
            if dirs:
                target = rng.choice(dirs)
                shutil.rmtree(target)
                m.steps.append(f"delete directory {target.relative_to(store)}")
    return m


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

    def summary(self) -> str:
        lines = [
            f"fuzz seed={self.seed}: {self.tried} inputs in {self.seconds:.1f} s, "
            f"{len(self.failures)} failures, {self.restarts} worker restarts",
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
            rounds = rng.randint(1, max_rounds)
            mutation = (
                mutate_store(dst, rng, rounds) if dst.is_dir() else mutate_file(dst, rng, rounds)
            )
            answer = work.request({"op": "read", "path": str(dst), "model": model})
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


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nwbzarr.fuzz", description=__doc__)
    parser.add_argument("seeds", nargs="*", type=Path, help="seed files or stores")
    parser.add_argument("--examples", type=int, default=examples_budget(200))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY)
    parser.add_argument("--model", action="store_true", help="also read the typed NWBFile")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker_main(args.memory)
        return 0
    if not args.seeds:
        parser.error("give at least one seed file or store")
    with Worker(args.timeout, args.memory) as worker:
        report = fuzz(args.seeds, args.examples, seed=args.seed, worker=worker, model=args.model)
    print(report.summary())
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(_main())
