"""Scenario ``many_series``: a file of many small objects (1,000 TimeSeries x 100 samples).

Write: build the NWBFile with ``n`` TimeSeries (float64, 100 samples, rate-timed) and write
it: nwbzarr's typed model on Zarr and HDF5, pynwb (HDF5) and hdmf-zarr (Zarr).
Open: open the file each tool wrote (written once, untimed) and touch every series: read
``data[:]`` and the attributes ``unit``, ``description``, ``conversion``, ``rate``,
``starting_time``. Time = open + touch ("open" alone is reported as a separate column; the
100 ms target applies to it). A floor for HDF5: the same writes and reads through h5py's
low-level API with nothing else (no model, no checks), to show what libhdf5 itself costs.
DataTree: ``xr.open_datatree(path, engine="nwbzarr")`` on nwbzarr's files (lazy: no data read).
Its floor on HDF5: the same metadata (every link, attribute, dataset type, space and layout, 0-d
values) read by a C program straight from libhdf5 (benchmarks/floor), where a C compiler exists.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks import floor
from benchmarks.bench_convert import Options
from benchmarks.common import (
    DATA_DIR,
    fmt_num,
    markdown_table,
    median,
    preload_nwbzarr,
    ratio,
    run_child,
    timed,
)
from benchmarks.harness import (
    Checks,
    Variant,
    find,
    run_variants,
    variant_table,
    variants_record,
)

N_SERIES = 1_000
QUICK_SERIES = 100  # --quick: hdmf-zarr needs ~90 s for 1,000
SAMPLES = 100
SPEEDUP_TARGET = 10.0
OPEN_TARGET_S = 0.100
DATATREE_TARGET_S = 0.300
TREE_REPEATS = 9  # a second each: enough repeats for a median on a noisy machine
SUFFIX = {"zarr": ".nwb.zarr", "hdf5": ".nwb"}
FLOOR = "h5py low-level (floor)"
C_FLOOR = "libhdf5 in C, the DataTree's metadata (floor)"
INDEX_BUILD = "nwbzarr.index: virtual Zarr index (once per file)"
VIA_INDEX = "xr.open_datatree nwbzarr, through the virtual index"


def _series_data(i: int, samples: int) -> Any:
    import numpy as np

    return np.arange(samples, dtype=np.float64) + i


# ----------------------------------------------------------------------------- child functions


def nwbzarr_many_write(dst: str, fmt: str, n: int, samples: int = SAMPLES) -> dict[str, Any]:
    from datetime import UTC, datetime

    import nwbzarr.model

    preload_nwbzarr()
    from nwbzarr.model import NWBFile, TimeSeries

    result: dict[str, Any] = {}
    with timed(result):
        nwbfile = NWBFile(
            session_description="many series",
            identifier="nwbzarr-bench-many",
            session_start_time=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
        )
        for i in range(n):
            nwbfile.add_acquisition(
                TimeSeries(
                    name=f"ts{i:05d}",
                    data=_series_data(i, samples),
                    unit="m",
                    rate=10.0,
                    starting_time=0.0,
                    description=f"series {i}",
                )
            )
        nwbzarr.model.write(nwbfile, dst, format=fmt)
    return result


def _pynwb_many(n: int, samples: int) -> Any:
    from datetime import UTC, datetime

    from pynwb import NWBFile, TimeSeries

    nwbfile = NWBFile(
        session_description="many series",
        identifier="nwbzarr-bench-many",
        session_start_time=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
    )
    for i in range(n):
        nwbfile.add_acquisition(
            TimeSeries(
                name=f"ts{i:05d}",
                data=_series_data(i, samples),
                unit="m",
                rate=10.0,
                starting_time=0.0,
                description=f"series {i}",
            )
        )
    return nwbfile


def pynwb_many_write(dst: str, n: int, samples: int = SAMPLES) -> dict[str, Any]:
    from pynwb import NWBHDF5IO

    result: dict[str, Any] = {}
    with timed(result):
        nwbfile = _pynwb_many(n, samples)
        with NWBHDF5IO(dst, "w") as io:
            io.write(nwbfile)
    return result


def hdmf_zarr_many_write(dst: str, n: int, samples: int = SAMPLES) -> dict[str, Any]:
    from hdmf_zarr.nwb import NWBZarrIO

    result: dict[str, Any] = {}
    with timed(result):
        nwbfile = _pynwb_many(n, samples)
        with NWBZarrIO(dst, "w") as io:
            io.write(nwbfile)
    return result


def h5py_floor_write(dst: str, n: int, samples: int = SAMPLES) -> dict[str, Any]:
    """The same objects and attributes as nwbzarr's file, through h5py's low-level API only.

    What the HDF5 library costs for this layout (group + 5 attributes, ``data`` + 4,
    ``starting_time`` + 2, per series), with no NWB model and no checks: a floor.
    """
    import uuid

    import h5py
    import numpy as np
    from h5py import h5a, h5d, h5g, h5s, h5t

    result: dict[str, Any] = {}
    with timed(result):
        text_t = h5t.py_create(h5py.string_dtype(), logical=True)
        text_m = h5t.py_create(h5py.string_dtype())
        float_t = h5t.py_create(np.dtype("f8"), logical=True)

        def text(oid: Any, key: bytes, value: str) -> None:
            aid = h5a.create(oid, key, text_t, h5s.create_simple(()))
            aid.write(np.array(value.encode(), dtype=h5py.string_dtype()), mtype=text_m)

        def number(oid: Any, key: bytes, value: float) -> None:
            h5a.create(oid, key, float_t, h5s.create_simple(())).write(np.array(value))

        with h5py.File(dst, "w", libver="earliest") as h5:
            acquisition = h5.create_group("acquisition").id
            for i in range(n):
                g = h5g.create(acquisition, f"ts{i:05d}".encode())
                for key, value in (
                    (b"namespace", "core"),
                    (b"neurodata_type", "TimeSeries"),
                    (b"object_id", str(uuid.uuid4())),
                    (b"comments", "no comments"),
                    (b"description", f"series {i}"),
                ):
                    text(g, key, value)
                d = h5d.create(g, b"data", float_t, h5s.create_simple((samples,)))
                d.write(h5s.ALL, h5s.ALL, _series_data(i, samples))
                for key, number_value in (
                    (b"conversion", 1.0),
                    (b"offset", 0.0),
                    (b"resolution", -1.0),
                ):
                    number(d, key, number_value)
                text(d, b"unit", "m")
                st = h5d.create(g, b"starting_time", float_t, h5s.create_simple(()))
                st.write(h5s.ALL, h5s.ALL, np.array(0.0))
                number(st, b"rate", 10.0)
                text(st, b"unit", "seconds")
    return result


def h5py_floor_open(path: str) -> dict[str, Any]:
    """Open + touch with h5py's low-level API: what ``_touch`` reads, nothing else (a floor)."""
    import numpy as np
    from h5py import h5a, h5d, h5f, h5g, h5s, h5t

    def attr(oid: Any, key: bytes) -> Any:
        aid = h5a.open(oid, key)
        out = np.zeros(aid.shape, dtype=aid.dtype)
        aid.read(out, mtype=h5t.py_create(aid.dtype))
        return out[()]

    result: dict[str, Any] = {}
    with timed(result):
        t0 = time.perf_counter()
        fid = h5f.open(path.encode(), h5f.ACC_RDONLY)
        acquisition = h5g.open(fid, b"acquisition")
        names: list[bytes] = []
        acquisition.links.iterate(names.append)
        result["open_seconds"] = time.perf_counter() - t0
        total = 0.0
        for name in names:
            g = h5g.open(acquisition, name)
            attr(g, b"description")
            d = h5d.open(g, b"data")
            attr(d, b"unit")
            attr(d, b"conversion")
            data = np.empty(d.shape, dtype=d.dtype)
            d.read(h5s.ALL, h5s.ALL, data)
            total += float(data.sum())
            st = h5d.open(g, b"starting_time")
            attr(st, b"rate")
            start = np.empty((), dtype="f8")
            st.read(h5s.ALL, h5s.ALL, start)
        result["checksum"] = total
        result["count"] = len(names)
        fid.close()
    return result


def _touch(acquisition: Any) -> float:
    total = 0.0
    for ts in acquisition.values():
        total += float(ts.data[:].sum())
        _ = (ts.unit, ts.description, ts.conversion, ts.rate, ts.starting_time)
    return total


def nwbzarr_many_open(path: str) -> dict[str, Any]:
    import nwbzarr.model

    preload_nwbzarr()

    result: dict[str, Any] = {}
    with timed(result):
        t0 = time.perf_counter()
        nwbfile = nwbzarr.model.read(path)
        result["open_seconds"] = time.perf_counter() - t0
        result["checksum"] = _touch(nwbfile.acquisition)
        result["count"] = len(nwbfile.acquisition)
        root: Any = nwbfile.source_node
        root.file.close()
    return result


def _peer_open(io_class: Any, path: str) -> dict[str, Any]:
    """Open ``path`` with a pynwb-style IO class (read eagerly, as the peers do) and touch."""
    result: dict[str, Any] = {}
    with timed(result), io_class(path, "r") as io:
        t0 = time.perf_counter()
        nwbfile = io.read()
        result["open_seconds"] = time.perf_counter() - t0
        result["checksum"] = _touch(nwbfile.acquisition)
        result["count"] = len(nwbfile.acquisition)
    return result


def pynwb_many_open(path: str) -> dict[str, Any]:
    from pynwb import NWBHDF5IO

    return _peer_open(NWBHDF5IO, path)


def hdmf_zarr_many_open(path: str) -> dict[str, Any]:
    from hdmf_zarr.nwb import NWBZarrIO

    return _peer_open(NWBZarrIO, path)


def libhdf5_datatree_floor(path: str) -> dict[str, Any]:
    """What libhdf5 alone takes to read the metadata the DataTree holds (timed in C)."""
    from benchmarks import floor

    result = floor.hdf5_metadata_floor(path)
    if result is None:
        raise RuntimeError("no C compiler or libhdf5 found: the floor cannot be built")
    result["count"] = result["objects"]
    return result


def index_build(src: str, dst: str) -> dict[str, Any]:
    """``nwbzarr.index``: the HDF5 file's virtual Zarr index (metadata only, data left)."""
    from nwbzarr.virtual import build_index

    preload_nwbzarr()
    result: dict[str, Any] = {}
    with timed(result):
        build_index(src, dst)
    return result


def datatree_open(path: str) -> dict[str, Any]:
    import xarray as xr

    import nwbzarr.xarray_backend  # noqa: F401 - engine registration (import cost untimed)

    preload_nwbzarr()

    result: dict[str, Any] = {}
    with timed(result):
        tree = xr.open_datatree(path, engine="nwbzarr")
    result["nodes"] = len(list(tree.subtree))
    return result


# ----------------------------------------------------------------------------- fixtures

WRITERS = {
    "nwbzarr-zarr": ("nwbzarr_many_write", {"fmt": "zarr"}, ".nwb.zarr"),
    "nwbzarr-hdf5": ("nwbzarr_many_write", {"fmt": "hdf5"}, ".nwb"),
    "pynwb": ("pynwb_many_write", {}, ".nwb"),
    "hdmf-zarr": ("hdmf_zarr_many_write", {}, ".nwb.zarr"),
}


def many_file(writer: str, n: int) -> Path:
    """The file ``writer`` wrote with ``n`` series (cached; written in a subprocess)."""
    func, kw, suffix = WRITERS[writer]
    path = DATA_DIR / "many" / f"many-v1-{writer}-{n}x{SAMPLES}{suffix}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name("partial-" + path.name)
        if partial.is_dir():
            shutil.rmtree(partial)
        partial.unlink(missing_ok=True)
        run_child(
            f"benchmarks.bench_many_series:{func}",
            dict(dst=str(partial), n=n, samples=SAMPLES, **kw),
        )
        partial.rename(path)
    return path


def many_index(n: int) -> Path:
    """The virtual Zarr index of nwbzarr's HDF5 file of ``n`` series (cached, beside it)."""
    source = many_file("nwbzarr-hdf5", n)
    path = source.with_name(f"many-v1-index-{n}x{SAMPLES}.nwb.zarr")
    if not path.exists():
        partial = path.with_name("partial-" + path.name)
        shutil.rmtree(partial, ignore_errors=True)
        run_child(
            "benchmarks.bench_many_series:index_build", dict(src=str(source), dst=str(partial))
        )
        partial.rename(path)  # the source is recorded relative to the index: same folder
    return path


def write_variants(n: int) -> list[Variant]:
    me = "benchmarks.bench_many_series"
    source = str(many_file("nwbzarr-hdf5", n))
    return [
        Variant("zarr", "nwbzarr", f"{me}:nwbzarr_many_write", dict(fmt="zarr", n=n), "o.nwb.zarr"),
        Variant("zarr", "hdmf-zarr", f"{me}:hdmf_zarr_many_write", dict(n=n), "o.nwb.zarr"),
        Variant("hdf5", "nwbzarr", f"{me}:nwbzarr_many_write", dict(fmt="hdf5", n=n), "o.nwb"),
        Variant("hdf5", "pynwb", f"{me}:pynwb_many_write", dict(n=n), "o.nwb"),
        Variant("hdf5", FLOOR, f"{me}:h5py_floor_write", dict(n=n), "o.nwb"),
        Variant("hdf5", INDEX_BUILD, f"{me}:index_build", dict(src=source), "o.nwb.zarr"),
    ]


def _open_variant(group: str, name: str, func: str, writer: str, n: int) -> Variant:
    path = many_file(writer, n)
    return Variant(
        group, name, f"benchmarks.bench_many_series:{func}", dict(path=str(path)), note=path.name
    )


def open_variants(n: int) -> list[Variant]:
    return [
        _open_variant("zarr", "nwbzarr", "nwbzarr_many_open", "nwbzarr-zarr", n),
        _open_variant("zarr", "hdmf-zarr", "hdmf_zarr_many_open", "hdmf-zarr", n),
        _open_variant("hdf5", "nwbzarr", "nwbzarr_many_open", "nwbzarr-hdf5", n),
        _open_variant("hdf5", "pynwb", "pynwb_many_open", "pynwb", n),
        _open_variant("hdf5", FLOOR, "h5py_floor_open", "nwbzarr-hdf5", n),
    ]


def datatree_variants(n: int) -> list[Variant]:
    """``xr.open_datatree`` on both formats, and its C floor on HDF5 where it can be built."""
    tree = "xr.open_datatree nwbzarr"
    out = [
        _open_variant("zarr", tree, "datatree_open", "nwbzarr-zarr", n),
        _open_variant("hdf5", tree, "datatree_open", "nwbzarr-hdf5", n),
    ]
    index = many_index(n)
    out.append(
        Variant(
            "hdf5",
            VIA_INDEX,
            "benchmarks.bench_many_series:datatree_open",
            dict(path=str(index)),
            note=index.name,
        )
    )
    if floor.build() is not None:
        out.append(_open_variant("hdf5", C_FLOOR, "libhdf5_datatree_floor", "nwbzarr-hdf5", n))
    return out


def _open_table(variants: list[Variant]) -> str:
    rows = []
    for x in variants:
        opened = x.info("open_seconds")
        rows.append(
            [
                x.group,
                x.name,
                fmt_num(x.med() * 1000),
                fmt_num(median(opened) * 1000) if opened else "-",
                fmt_num(x.peak()),
                f"{median([r.other_cpu for r in x.runs]):.2f}",
                x.note,
            ]
        )
    headers = [
        "format",
        "variant",
        "open + touch all, median ms",
        "of which open ms",
        "peak RSS MB",
        "others' CPU",
        "file",
    ]
    return markdown_table(headers, rows)


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    n = QUICK_SERIES if opts.quick else N_SERIES
    writes = write_variants(n)
    opens = open_variants(n)
    trees = datatree_variants(n)
    reps = opts.repeats or 1  # ~3.5 min per repeat on 2 busy cores: 1 unless --repeats
    tree_reps = max(reps, TREE_REPEATS)
    run_variants("many_series/write", writes, reps)
    run_variants("many_series/open", opens, reps)
    run_variants("many_series/datatree", trees, tree_reps)
    checks = Checks()
    for fmt, peer in (("zarr", "hdmf-zarr"), ("hdf5", "pynwb")):
        checks.at_least(
            f"{fmt} write: {peer} / nwbzarr (speedup)",
            ratio(find(writes, f"{fmt}/{peer}").med(), find(writes, f"{fmt}/nwbzarr").med()),
            SPEEDUP_TARGET,
        )
        checks.at_least(
            f"{fmt} open + touch: {peer} / nwbzarr (speedup)",
            ratio(find(opens, f"{fmt}/{peer}").med(), find(opens, f"{fmt}/nwbzarr").med()),
            SPEEDUP_TARGET,
        )
    for what, variants in (("write", writes), ("open + touch", opens)):
        h5py_floor = find(variants, f"hdf5/{FLOOR}").med()
        checks.add(
            f"hdf5 {what}: pynwb / h5py floor (the largest speedup the library allows)",
            ratio(find(variants, "hdf5/pynwb").med(), h5py_floor),
        )
        checks.add(
            f"hdf5 {what}: nwbzarr / h5py floor (slowdown)",
            ratio(find(variants, "hdf5/nwbzarr").med(), h5py_floor),
        )
    for fmt in ("zarr", "hdf5"):
        nwbzarr_open = find(opens, f"{fmt}/nwbzarr")
        checks.under(
            f"{fmt}: nwbzarr open (nwbzarr.read)",
            median(nwbzarr_open.info("open_seconds")),
            OPEN_TARGET_S,
        )
        checks.add(f"{fmt}: nwbzarr open + touch all", nwbzarr_open.med(), kind="ms")
    for fmt in ("zarr", "hdf5"):
        checks.under(
            f"{fmt}: xr.open_datatree(engine='nwbzarr')",
            find(trees, f"{fmt}/xr.open_datatree nwbzarr").med(),
            DATATREE_TARGET_S,
        )
    checks.under(
        "hdf5 through its virtual index: xr.open_datatree(engine='nwbzarr')",
        find(trees, f"hdf5/{VIA_INDEX}").med(),
        DATATREE_TARGET_S,
    )
    checks.add(
        "hdf5: building the index (once)", find(writes, f"hdf5/{INDEX_BUILD}").med(), kind="ms"
    )
    if any(x.name == C_FLOOR for x in trees):
        c_floor = find(trees, f"hdf5/{C_FLOOR}").med()
        checks.add("hdf5: the DataTree's metadata read by libhdf5 in C", c_floor, kind="ms")
        checks.add(
            "hdf5: xr.open_datatree / libhdf5 C floor (slowdown)",
            ratio(find(trees, "hdf5/xr.open_datatree nwbzarr").med(), c_floor),
        )
    lines = [
        f"## many_series: {n:,} TimeSeries x {SAMPLES} samples",
        "",
        f"Median of {reps} repeat(s) (1 unless `--repeats`: hdmf-zarr alone takes ~90 s), "
        "interleaved, fresh subprocess per run (imports untimed). Write = build the NWBFile + "
        "write + close, into a fresh directory. Open = open the file that tool wrote + read "
        "every `data[:]` and 5 attributes per series, hot page cache. DataTree: "
        f"`xr.open_datatree` (lazy: no data read), median of {tree_reps}; its HDF5 floor is the "
        "same metadata read by a C program from libhdf5 (time measured inside it).",
        "",
        "### Write",
        "",
        variant_table(writes),
        "",
        "### Open + touch every series",
        "",
        _open_table(opens),
        "",
        "### DataTree",
        "",
        _open_table(trees),
        "",
        "### Ratios (medians) and targets",
        "",
        checks.table(),
        "",
    ]
    record = {
        "options": {"n": n, "samples": SAMPLES, "repeats": reps},
        "write": variants_record(writes),
        "open": variants_record(opens),
        "datatree": variants_record(trees),
        "checks": checks.records,
    }
    return "\n".join(lines), record
