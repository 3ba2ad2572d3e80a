"""Inside the sandboxed worker: read an input end to end and classify the outcome."""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from collections import Counter
from typing import Any

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
MAGIC = "@@NWBZARR-FUZZ@@ "


# ------------------------------------------------------------------------------------------------
# reading everything (runs inside the worker)
# ------------------------------------------------------------------------------------------------
def read_everything(path: str, model: bool = False) -> dict[str, int]:
    """Open ``path`` and read every attribute, array value and link; counts of what was read."""
    from nwbzarr.api import open as nwb_open
    from nwbzarr.tree import Array, ExternalLink, Group, SoftLink

    counts: Counter[str] = Counter()
    with nwb_open(path) as root:
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
    from nwbzarr.api import open as nwb_open
    from nwbzarr.tree import Array

    out: dict[str, Any] = {"rss_before": _maxrss()}
    t0 = time.perf_counter()
    with nwb_open(path) as root:
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


def serve_requests(memory: int) -> None:
    """Serve requests (one JSON line each) on stdin; answers go to the original stdout."""
    import warnings

    # what a read uses is imported before the memory limit is set
    import nwbzarr.api
    import nwbzarr.backends.hdf5
    import nwbzarr.backends.virtual
    import nwbzarr.backends.zarr
    import nwbzarr.model  # noqa: F401

    warnings.simplefilter("ignore")
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything a library prints goes to stderr
    sys.stdout = sys.stderr
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    out.write(MAGIC + json.dumps({"ready": True}) + "\n")
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
        out.write(MAGIC + json.dumps(answer, default=str) + "\n")
