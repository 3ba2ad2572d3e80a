"""Scenario ``cloud``: reading NWB from a (local, moto) S3 endpoint with 20 ms per request.

Source: the pynwb-written NWB file of the ``convert`` scenario, ``(rows, 64)`` int16
ElectricalSeries chunked ``(65536, 64)`` with shuffle + gzip-4. Uploaded (untimed) to an
:class:`nwbzarr.testing.servers.S3Server` in this process, together with nwbzarr's Zarr
conversion of it (consolidated metadata) and nwbzarr's virtual index of it. Then the server
sleeps ``LATENCY_MS`` before answering each request, and each reader runs in a fresh
subprocess:

* ``open + list``: open the file or store and walk the whole tree (every group and array);
* ``window``: read 1 s x 64 channels (30,000 rows, straddling a chunk boundary) of the data.

Requests and bytes are counted by the server (response bodies); time is the child's wall time of
the operation. Readers: nwbzarr on Zarr (obstore), on HDF5 (RangeFile, 1 MiB blocks), on the
virtual index; hdmf-zarr 0.14 ``NWBZarrIO(url, "r", storage_options=...)`` (fsspec store); h5py
over ``s3fs`` ``fs.open(path)`` with fsspec defaults; h5py over ``remfile.File(url)``
(anonymous HTTP; the bucket is public-read).
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bench_convert import Options
from benchmarks.common import (
    DATA_DIR,
    ES_PATH,
    MB,
    ChildError,
    ephys_nwb,
    fmt_num,
    markdown_table,
    run_child,
)

CHANNELS = 64
CHUNK_ROWS = 65536
LATENCY_MS = 20.0
WINDOW_ROWS = 30_000  # 1 s at 30 kHz
BUCKET = "nwb-bench"
READERS = ("nwbzarr zarr", "nwbzarr hdf5", "nwbzarr virtual", "hdmf-zarr", "h5py+s3fs", "remfile")


@dataclass
class Measure:
    reader: str
    target: str
    ops: dict[str, dict[str, float]] = field(default_factory=dict)  # op -> requests/MB/seconds
    note: str = ""


def _window_start(rows: int) -> int:
    return min(rows - WINDOW_ROWS, CHUNK_ROWS * 2 - WINDOW_ROWS // 2)  # across a chunk boundary


# ----------------------------------------------------------------------------- child side
def measure(reader: str, url: str, endpoint: str, rows: int) -> dict[str, Any]:
    """(child) Open + list, then read the window; wall-clock marks let the parent split the
    server's request log between the two operations."""
    import numpy as np

    options = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": endpoint}}
    start = _window_start(rows)
    marks: dict[str, float] = {}
    for module in _IMPORTS[reader]:  # imports are not part of the timed operation
        importlib.import_module(module)
    t0 = time.time()
    opened = _OPENERS[reader](url, options, endpoint)
    names = opened.list()
    t1 = time.time()
    window = np.asarray(opened.read(ES_PATH, start, start + WINDOW_ROWS))
    t2 = time.time()
    opened.close()
    marks.update(t0=t0, t1=t1, t2=t2)
    return {
        "seconds": t2 - t0,
        "marks": marks,
        "nodes": names,
        "window_shape": list(window.shape),
        "window_sum": int(window.astype(np.int64).sum()),
    }


class _Opened:
    def __init__(
        self,
        list_fn: Callable[[], int],
        read_fn: Callable[[str, int, int], Any],
        close_fn: Callable[[], None],
    ) -> None:
        self.list, self.read, self.close = list_fn, read_fn, close_fn


def _open_nwbzarr(url: str, options: dict[str, Any], endpoint: str) -> _Opened:
    import nwbzarr

    root = nwbzarr.open(url, storage_options=options)

    def read(path: str, a: int, b: int) -> Any:
        return root.array(path)[a:b]

    return _Opened(lambda: len(list(root.walk())), read, root.file.close)


def _open_hdmf_zarr(url: str, options: dict[str, Any], endpoint: str) -> _Opened:
    from hdmf_zarr import NWBZarrIO

    io = NWBZarrIO(url, mode="r", storage_options=options)
    nwbfile = io.read()

    def listing() -> int:
        return len(list(nwbfile.objects))

    def read(path: str, a: int, b: int) -> Any:
        return nwbfile.acquisition["ElectricalSeries"].data[a:b]

    return _Opened(listing, read, io.close)


def _h5(fh: Any, closers: list[Callable[[], None]]) -> _Opened:
    import h5py

    f = h5py.File(fh, "r")
    closers.insert(0, f.close)

    def listing() -> int:
        names: list[str] = []

        def visit(name: str, obj: Any) -> None:
            names.append(name)

        f.visititems(visit)
        for name in names:  # touch attributes too, as a tree walk does
            dict(f[name].attrs)
        return len(names)

    def read(path: str, a: int, b: int) -> Any:
        return f[path][a:b]

    def close() -> None:
        for c in closers:
            c()

    return _Opened(listing, read, close)


def _open_h5py_s3fs(url: str, options: dict[str, Any], endpoint: str) -> _Opened:
    import s3fs

    fs = s3fs.S3FileSystem(**options)
    fh = fs.open(url, "rb")  # fsspec defaults (readahead cache, default block size)
    return _h5(fh, [fh.close])


def _open_remfile(url: str, options: dict[str, Any], endpoint: str) -> _Opened:
    import remfile

    http_url = f"{endpoint}/{url.removeprefix('s3://')}"
    fh = remfile.File(http_url)
    return _h5(fh, [fh.close])


_IMPORTS: dict[str, tuple[str, ...]] = {
    "nwbzarr zarr": ("nwbzarr", "zarr", "obstore", "nwbzarr.virtual"),
    "nwbzarr hdf5": ("nwbzarr", "h5py", "obstore", "nwbzarr.virtual"),
    "nwbzarr virtual": ("nwbzarr", "zarr", "obstore", "nwbzarr.virtual"),
    "hdmf-zarr": ("hdmf_zarr", "pynwb", "s3fs"),
    "h5py+s3fs": ("h5py", "s3fs"),
    "remfile": ("h5py", "remfile"),
}

_OPENERS: dict[str, Callable[[str, dict[str, Any], str], _Opened]] = {
    "nwbzarr zarr": _open_nwbzarr,
    "nwbzarr hdf5": _open_nwbzarr,
    "nwbzarr virtual": _open_nwbzarr,
    "hdmf-zarr": _open_hdmf_zarr,
    "h5py+s3fs": _open_h5py_s3fs,
    "remfile": _open_remfile,
}


# ----------------------------------------------------------------------------- parent side
def _prepare(src: Path, rows: int) -> tuple[Path, Path]:
    """Local Zarr conversion and virtual index of ``src`` (cached next to it)."""
    store = DATA_DIR / "cloud" / f"{src.stem}.nwb.zarr"
    index = DATA_DIR / "cloud" / f"{src.stem}.index.nwb.zarr"
    local_src = DATA_DIR / "cloud" / src.name
    store.parent.mkdir(parents=True, exist_ok=True)
    if not local_src.exists():
        local_src.symlink_to(src)
    run_child(
        "benchmarks.bench_cloud:prepare_child",
        dict(src=str(local_src), store=str(store), index=str(index)),
    )
    return store, index


def prepare_child(src: str, store: str, index: str) -> dict[str, Any]:
    """(child) Convert to Zarr and build the virtual index, if not there yet."""
    import nwbzarr
    from nwbzarr.virtual import build_index

    result: dict[str, Any] = {"seconds": 0.0}
    if not Path(store).exists():
        nwbzarr.convert(src, store, progress=False)
    if not Path(index).exists():
        t0 = time.perf_counter()
        build_index(src, index)
        result["index_seconds"] = time.perf_counter() - t0
    return result


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    """Run the scenario; returns its markdown section and a JSON-able record."""
    from nwbzarr.testing.servers import S3Server

    rows = opts.rows
    src = ephys_nwb(rows, channels=CHANNELS, chunk_rows=CHUNK_ROWS, compression="gzip4")
    store, index = _prepare(src, rows)
    name = src.name
    targets = {
        "nwbzarr zarr": f"s3://{BUCKET}/{store.name}",
        "nwbzarr hdf5": f"s3://{BUCKET}/{name}",
        "nwbzarr virtual": f"s3://{BUCKET}/{index.name}",
        "hdmf-zarr": f"s3://{BUCKET}/{store.name}",
        "h5py+s3fs": f"s3://{BUCKET}/{name}",
        "remfile": f"s3://{BUCKET}/{name}",
    }
    measures: list[Measure] = []
    with S3Server() as s3:
        s3.create_bucket(BUCKET, public=True)
        s3.upload(src, f"s3://{BUCKET}/{name}")
        s3.upload(store, f"s3://{BUCKET}/{store.name}")
        s3.upload(index, f"s3://{BUCKET}/{index.name}")
        s3.latency_ms = LATENCY_MS
        for reader in READERS:
            m = Measure(reader, targets[reader])
            measures.append(m)
            if reader == "remfile" and not _importable("remfile"):
                m.note = "remfile is not installed (pip install remfile)"
                continue
            s3.log.reset()
            try:
                res = run_child(
                    "benchmarks.bench_cloud:measure",
                    dict(reader=reader, url=targets[reader], endpoint=s3.endpoint, rows=rows),
                )
            except ChildError as err:
                m.note = "failed: " + str(err).strip().splitlines()[-1][:200]
                print(f"[cloud] {reader}: {m.note}", file=sys.stderr, flush=True)
                continue
            marks = res.info["marks"]
            log = s3.log.snapshot()
            for op, lo, hi in (("open", "t0", "t1"), ("window", "t1", "t2")):
                got = [r for r in log if marks[lo] <= r.time < marks[hi] + 1e-3]
                m.ops[op] = {
                    "requests": len(got),
                    "mb": sum(r.nbytes for r in got) / MB,
                    "seconds": marks[hi] - marks[lo],
                }
            m.ops["window"]["sum"] = res.info["window_sum"]
            m.ops["open"]["nodes"] = res.info["nodes"]
            print(
                f"[cloud] {reader}: open {m.ops['open']['requests']} req "
                f"{m.ops['open']['seconds']:.2f} s; window {m.ops['window']['requests']} req "
                f"{m.ops['window']['seconds']:.2f} s",
                file=sys.stderr,
                flush=True,
            )
    sums = {m.ops["window"]["sum"] for m in measures if "window" in m.ops}
    rows_md = []
    for m in measures:
        o, w = m.ops.get("open"), m.ops.get("window")
        cells = [m.reader]
        for stats in (o, w):
            cells += (
                [f"{stats['requests']:.0f}", fmt_num(stats["mb"]), fmt_num(stats["seconds"])]
                if stats
                else ["-", "-", "-"]
            )
        cells.append(m.note or ("" if len(sums) == 1 else "window values differ!"))
        rows_md.append(cells)
    table = markdown_table(
        [
            "reader",
            "open+list requests",
            "MB",
            "s",
            "window requests",
            "MB",
            "s",
            "note",
        ],
        rows_md,
    )
    lines = [
        f"## cloud: reading from S3 (moto on 127.0.0.1, {LATENCY_MS:g} ms per request), "
        f"({rows:,}, {CHANNELS}) int16 ElectricalSeries, chunks ({CHUNK_ROWS}, {CHANNELS}), "
        "shuffle + gzip-4",
        "",
        f"Source {src.name} ({src.stat().st_size / MB:,.0f} MB, pynwb); Zarr = nwbzarr's "
        "conversion (consolidated metadata); virtual = nwbzarr's index of the HDF5 file "
        "(metadata + chunk manifests, data read from the HDF5 object). 'open+list' opens "
        "and walks the whole tree; 'window' reads 1 s x 64 channels (30,000 rows across a "
        "chunk boundary). Requests and MB counted by the server (response bodies); seconds = "
        "wall time in a fresh subprocess; one run each.",
        "",
        table,
        "",
    ]
    record = {
        "rows": rows,
        "latency_ms": LATENCY_MS,
        "results": [
            {"reader": m.reader, "target": m.target, "ops": m.ops, "note": m.note} for m in measures
        ],
    }
    return "\n".join(lines), record


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
