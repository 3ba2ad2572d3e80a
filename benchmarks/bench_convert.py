"""Scenario ``convert``: NWB HDF5 -> Zarr (and back) with nwbzarr, hdmf-zarr and the floors.

Source: an NWB file written by pynwb holding a ``(rows, 64)`` int16 ElectricalSeries chunked
``(65536, 64)``, once without compression (``none``) and once with shuffle + gzip level 4
(``gzip4``). Variants, each run in a fresh subprocess, into a fresh directory, with the source
made hot in the page cache first (``--cold``: evicted instead), repeats interleaved:

HDF5 -> Zarr
  * ``nwbzarr``     ``nwbzarr.convert(src, dst)``
  * ``hdmf-zarr``   ``NWBZarrIO(dst, "w").export(src_io=NWBHDF5IO(src, "r"), link_data=False)``
  * ``plain loop``  h5py dataset -> zarr v3 array with the chunks and codecs nwbzarr chose (read
    from its ``zarr.json``), ``z[sl] = ds[sl]`` chunk by chunk, one thread: the floor for a
    decode/encode copy of the data alone (no NWB metadata)
  * ``raw chunk loop``  h5py ``read_direct_chunk`` -> chunk files, one thread: the floor for
    nwbzarr's actual method (its codecs store HDF5's chunk bytes unchanged), no target
  * ``cp``          ``cp src dst`` (page-cache write, no sync) and ``dd conv=fsync`` (durable);
    ``memcpy``       ``np.copyto`` of the logical bytes between two pre-faulted buffers
Zarr -> HDF5 (source: nwbzarr's own output store, verified equal to the source first)
  * ``nwbzarr``     ``nwbzarr.convert(store, dst.nwb)``
  * ``hdmf-zarr``   ``NWBHDF5IO(dst, "w").export(src_io=NWBZarrIO(store, "r"), link_data=False)``
  * ``cp -r``       copy of the store
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    DATA_DIR,
    ES_PATH,
    MB,
    ChildResult,
    best,
    cool,
    ephys_nwb,
    fmt_num,
    fmt_ratio,
    markdown_table,
    median,
    ratio,
    run_child,
    run_command,
    scratch_dir,
    timed,
    tree_size,
    warm,
)

FULL_ROWS = 3_000_000
QUICK_ROWS = 300_000
CHANNELS = 64
CHUNK_ROWS = 65536
CASES = ("none", "gzip4")
# Targets for nwbzarr (HDF5 -> Zarr): speedup over hdmf-zarr per case, slowdown vs the plain
# loop, peak RSS.
SPEEDUP_TARGET = {"none": 4.0, "gzip4": 5.0}
FLOOR_TARGET = 1.3
RSS_TARGET_MB = 300.0

# ----------------------------------------------------------------------------- child functions
# Each runs in its own fresh interpreter (see benchmarks.common.run_child) and times only the
# operation, opening and closing of the files included.


def nwbzarr_convert(src: str, dst: str) -> dict[str, Any]:
    import nwbzarr

    result: dict[str, Any] = {}
    with timed(result):
        nwbzarr.convert(src, dst, progress=False)
    return result


def hdmf_zarr_export(src: str, dst: str) -> dict[str, Any]:
    """HDF5 -> Zarr with hdmf-zarr's documented export."""
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb import NWBHDF5IO

    result: dict[str, Any] = {}
    with timed(result), NWBHDF5IO(src, "r") as reader, NWBZarrIO(dst, "w") as writer:
        writer.export(src_io=reader, write_args=dict(link_data=False))
    return result


def hdmf_zarr_export_to_hdf5(src: str, dst: str) -> dict[str, Any]:
    """Zarr -> HDF5: read with hdmf-zarr, export with pynwb's HDF5 IO."""
    from hdmf_zarr.nwb import NWBZarrIO
    from pynwb import NWBHDF5IO

    result: dict[str, Any] = {}
    with timed(result), NWBZarrIO(src, "r") as reader, NWBHDF5IO(dst, "w") as writer:
        writer.export(src_io=reader, write_args=dict(link_data=False))
    return result


def split_codecs(
    codecs: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    """A zarr v3 ``codecs`` list as (array->array filters, array->bytes serializer, compressors)."""
    from zarr.abc.codec import ArrayBytesCodec
    from zarr.registry import get_codec_class

    for i, codec in enumerate(codecs):
        if issubclass(get_codec_class(codec["name"]), ArrayBytesCodec):
            return codecs[:i], codec, codecs[i + 1 :]
    raise ValueError(f"no array->bytes codec in {codecs}")


def plain_loop(src: str, dst: str, dataset: str, codecs: list[dict[str, Any]]) -> dict[str, Any]:
    """h5py -> zarr v3, chunk by chunk on one thread, with the given codecs."""
    import h5py
    import zarr

    filters, serializer, compressors = split_codecs(codecs)
    result: dict[str, Any] = {}
    with timed(result), h5py.File(src, "r") as f:
        ds = f[dataset]
        z = zarr.create_array(
            store=dst,
            shape=ds.shape,
            chunks=ds.chunks,
            dtype=ds.dtype,
            filters=filters or None,
            serializer=serializer,
            compressors=compressors or None,
            fill_value=0,
            zarr_format=3,
        )
        grid = [range(0, n, c) for n, c in zip(ds.shape, ds.chunks, strict=True)]
        for starts in itertools.product(*grid):
            sl = tuple(
                slice(s, min(s + c, n)) for s, c, n in zip(starts, ds.chunks, ds.shape, strict=True)
            )
            z[sl] = ds[sl]
    return result


def raw_chunk_loop(
    src: str, dst: str, dataset: str, codecs: list[dict[str, Any]]
) -> dict[str, Any]:
    """h5py ``read_direct_chunk`` -> chunk files of a zarr v3 array, one thread, no decoding.

    Valid only where the codecs write the same bytes as the HDF5 filters (none <-> ``bytes``,
    shuffle+deflate <-> ``numcodecs.shuffle+numcodecs.zlib``), which is what nwbzarr uses too.
    """
    import h5py
    import zarr

    filters, serializer, compressors = split_codecs(codecs)
    result: dict[str, Any] = {}
    with timed(result), h5py.File(src, "r") as f:
        ds = f[dataset]
        z = zarr.create_array(
            store=dst,
            shape=ds.shape,
            chunks=ds.chunks,
            dtype=ds.dtype,
            filters=filters or None,
            serializer=serializer,
            compressors=compressors or None,
            fill_value=0,
            zarr_format=3,
        )
        grid = [range(math.ceil(n / c)) for n, c in zip(ds.shape, ds.chunks, strict=True)]
        root = Path(dst)
        made: set[Path] = set()
        for index in itertools.product(*grid):
            offsets = tuple(i * c for i, c in zip(index, ds.chunks, strict=True))
            mask, data = ds.id.read_direct_chunk(offsets)
            if mask:
                raise ValueError(f"chunk {index}: filter mask {mask}")
            path = root / z.metadata.encode_chunk_key(index)
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(data)
    return result


def memcpy(nbytes: int) -> dict[str, Any]:
    """Copy ``nbytes`` between two buffers already faulted in (the in-memory ceiling)."""
    src = np.ones(nbytes, dtype=np.uint8)
    dst = np.zeros(nbytes, dtype=np.uint8)
    dst.fill(1)
    result: dict[str, Any] = {}
    with timed(result):
        np.copyto(dst, src)
    return result


def verify_copy(src: str, store: str, dataset: str) -> dict[str, Any]:
    """(setup) The ElectricalSeries data of ``store`` equals the source's, chunk by chunk."""
    import h5py
    import zarr

    result: dict[str, Any] = {}
    with timed(result), h5py.File(src, "r") as f:
        ds = f[dataset]
        z = zarr.open_array(store=f"{store}/{dataset}", mode="r")
        if z.shape != ds.shape or z.dtype != ds.dtype:
            raise AssertionError(f"{store}: {z.shape} {z.dtype} vs {ds.shape} {ds.dtype}")
        step = ds.chunks[0]
        for start in range(0, ds.shape[0], step):
            sl = slice(start, min(start + step, ds.shape[0]))
            if not np.array_equal(z[sl], ds[sl]):
                raise AssertionError(f"{store}: rows {sl.start}:{sl.stop} differ from {src}")
    result["metadata"] = json.loads((Path(store) / dataset / "zarr.json").read_text())
    return result


def hdf5_layout(path: str, dataset: str) -> dict[str, Any]:
    """(setup) Chunks and filters of ``dataset`` in an HDF5 file, for the notes."""
    import h5py

    result: dict[str, Any] = {"seconds": 0.0}
    with h5py.File(path, "r") as f:
        ds = f[dataset]
        result["layout"] = (
            f"chunks={ds.chunks} compression={ds.compression} shuffle={ds.shuffle}"
            if ds.chunks
            else "contiguous"
        )
    return result


# ----------------------------------------------------------------------------- scenario


@dataclass
class Variant:
    direction: str  # "h5->zarr" or "zarr->h5"
    name: str
    measure: Callable[[Path, Path], ChildResult]  # (source, fresh output dir) -> result
    output: str | None = "out"  # name of the output inside the scratch dir (None: no output)
    runs: list[ChildResult] = field(default_factory=list)
    out_bytes: list[int] = field(default_factory=list)
    note: str = ""

    def seconds(self) -> list[float]:
        return [r.seconds for r in self.runs]


@dataclass
class Options:
    quick: bool = False
    repeats: int | None = None
    cold: bool = False

    @property
    def rows(self) -> int:
        return QUICK_ROWS if self.quick else FULL_ROWS

    @property
    def n_repeats(self) -> int:
        return self.repeats or (1 if self.quick else 3)


def _variants(logical_bytes: int, codecs: list[dict[str, Any]]) -> list[Variant]:
    def child(target: str, out: str, **extra: Any) -> Callable[[Path, Path], ChildResult]:
        def measure(src: Path, d: Path) -> ChildResult:
            return run_child(
                f"benchmarks.bench_convert:{target}", dict(src=str(src), dst=str(d / out), **extra)
            )

        return measure

    def command(*argv: str, out: str) -> Callable[[Path, Path], ChildResult]:
        def measure(src: Path, d: Path) -> ChildResult:
            return run_command([a.format(src=src, dst=d / out) for a in argv])

        return measure

    def copy_in_memory(src: Path, d: Path) -> ChildResult:
        del src, d
        return run_child("benchmarks.bench_convert:memcpy", dict(nbytes=logical_bytes))

    return [
        Variant("h5->zarr", "nwbzarr", child("nwbzarr_convert", "out.nwb.zarr"), "out.nwb.zarr"),
        Variant("h5->zarr", "hdmf-zarr", child("hdmf_zarr_export", "out.nwb.zarr"), "out.nwb.zarr"),
        Variant(
            "h5->zarr",
            "plain loop (floor)",
            child("plain_loop", "out.zarr", dataset=ES_PATH, codecs=codecs),
            "out.zarr",
            note="data array only, nwbzarr's codecs",
        ),
        Variant(
            "h5->zarr",
            "raw chunk loop (floor)",
            child("raw_chunk_loop", "out.zarr", dataset=ES_PATH, codecs=codecs),
            "out.zarr",
            note="data array only: read_direct_chunk -> chunk files, no decode",
        ),
        Variant(
            "h5->zarr",
            "cp (ceiling)",
            command("cp", "--", "{src}", "{dst}", out="out.nwb"),
            "out.nwb",
            note="page-cache write, no sync",
        ),
        Variant(
            "h5->zarr",
            "dd conv=fsync",
            command("dd", "if={src}", "of={dst}", "bs=8M", "conv=fsync", "status=none", out="o"),
            "o",
            note="cp made durable",
        ),
        Variant(
            "h5->zarr",
            "memcpy (ceiling)",
            copy_in_memory,
            None,
            note="np.copyto, pre-faulted",
        ),
        Variant("zarr->h5", "nwbzarr", child("nwbzarr_convert", "out.nwb"), "out.nwb"),
        Variant("zarr->h5", "hdmf-zarr", child("hdmf_zarr_export_to_hdf5", "out.nwb"), "out.nwb"),
        Variant(
            "zarr->h5",
            "cp -r (ceiling)",
            command("cp", "-r", "--", "{src}", "{dst}", out="out.nwb.zarr"),
            "out.nwb.zarr",
            note="page-cache write, no sync",
        ),
    ]


@dataclass
class CaseResult:
    case: str
    src: Path
    store: Path
    logical_bytes: int
    variants: list[Variant]
    src_bytes: int
    store_bytes: int


def run_case(case: str, opts: Options) -> CaseResult:
    rows = opts.rows
    src = ephys_nwb(rows, channels=CHANNELS, chunk_rows=CHUNK_ROWS, compression=case)
    logical = rows * CHANNELS * np.dtype(np.int16).itemsize
    # Setup (untimed): nwbzarr's output, verified, is the Zarr -> HDF5 source and tells the
    # plain loop which codecs to use.
    store = DATA_DIR / "stores" / f"{src.stem}.nwb.zarr"
    store.parent.mkdir(parents=True, exist_ok=True)
    run_child("benchmarks.bench_convert:_convert_overwrite", dict(src=str(src), dst=str(store)))
    check = run_child(
        "benchmarks.bench_convert:verify_copy",
        dict(src=str(src), store=str(store), dataset=ES_PATH),
    )
    codecs: list[dict[str, Any]] = check.info["metadata"]["codecs"]
    variants = _variants(logical, codecs)
    total = opts.n_repeats * len(variants)
    done = 0
    for rep in range(opts.n_repeats):  # interleaved: noise spreads over all variants
        for v in variants:
            source = src if v.direction == "h5->zarr" else store
            if opts.cold:
                cool(source)
            else:
                warm(source)
            with scratch_dir(f"{case}-{v.name.split()[0]}") as d:
                res = v.measure(source, d)
                v.runs.append(res)
                if v.output is not None:
                    v.out_bytes.append(tree_size(d / v.output))
                if rep == 0 and v.output is not None:
                    v.note = "; ".join(filter(None, [v.note, _layout_note(d / v.output)]))
            done += 1
            print(
                f"[convert/{case}] {done}/{total} {v.direction} {v.name}: {res.seconds:.2f} s, "
                f"peak {res.peak_rss_mb:.0f} MB, others' CPU {res.other_cpu:.2f}",
                file=sys.stderr,
                flush=True,
            )
    return CaseResult(case, src, store, logical, variants, tree_size(src), tree_size(store))


def _layout_note(out: Path) -> str:
    """The layout of the ElectricalSeries data in an output (for the notes column)."""
    if out.suffix == ".nwb" and out.is_file():
        if out.name != "out.nwb":
            return ""
        lay = run_child(
            "benchmarks.bench_convert:hdf5_layout", dict(path=str(out), dataset=ES_PATH)
        )
        return "output " + str(lay.info["layout"])
    for meta in (out / ES_PATH / "zarr.json", out / "zarr.json"):
        if meta.is_file():
            array = json.loads(meta.read_text())
            if array.get("node_type") == "array":
                codecs = "+".join(c["name"] for c in array["codecs"])
                return f"output zarr v3 codecs {codecs}"
    return ""


def _convert_overwrite(src: str, dst: str) -> dict[str, Any]:
    import nwbzarr

    result: dict[str, Any] = {}
    with timed(result):
        nwbzarr.convert(src, dst, overwrite=True, progress=False)
    return result


def _find(res: CaseResult, direction: str, name: str) -> Variant:
    for v in res.variants:
        if v.direction == direction and v.name.startswith(name):
            return v
    raise KeyError((direction, name))


def _table(results: list[CaseResult]) -> str:
    headers = [
        "case",
        "direction",
        "variant",
        "median s",
        "best s",
        "MB/s (logical)",
        "peak RSS MB",
        "RSS before op MB",
        "output MB",
        "others' CPU",
        "notes",
    ]
    rows = []
    for res in results:
        for v in res.variants:
            secs = v.seconds()
            med = median(secs)
            base = [r.base_rss_mb for r in v.runs if r.base_rss_mb is not None]
            rows.append(
                [
                    res.case,
                    v.direction,
                    v.name,
                    fmt_num(med),
                    fmt_num(best(secs)),
                    fmt_num(res.logical_bytes / MB / med if med > 0 else math.nan),
                    fmt_num(median([r.peak_rss_mb for r in v.runs])),
                    fmt_num(median(base)) if base else "-",
                    fmt_num(median([float(b) for b in v.out_bytes]) / MB) if v.out_bytes else "-",
                    f"{median([r.other_cpu for r in v.runs]):.2f}",
                    v.note,
                ]
            )
    return markdown_table(headers, rows)


def _ratios(results: list[CaseResult]) -> tuple[str, list[dict[str, Any]]]:
    headers = ["case", "comparison", "value", "target", "met"]
    rows: list[list[str]] = []
    records: list[dict[str, Any]] = []

    def add(case: str, what: str, value: float, target: str = "-", met: bool | None = None) -> None:
        shown = f"{fmt_num(value)} MB" if what.endswith("RSS") else fmt_ratio(value)
        ok = "-" if met is None or math.isnan(value) else ("yes" if met else "**NO**")
        rows.append([case, what, shown, target, ok])
        records.append(dict(case=case, comparison=what, value=value, target=target, met=met))

    for res in results:
        c = res.case

        def secs(direction: str, name: str, res: CaseResult = res) -> float:
            return median(_find(res, direction, name).seconds())

        def rss(direction: str, res: CaseResult = res) -> float:
            return median([r.peak_rss_mb for r in _find(res, direction, "nwbzarr").runs])

        nz = secs("h5->zarr", "nwbzarr")
        speed = ratio(secs("h5->zarr", "hdmf-zarr"), nz)
        want = SPEEDUP_TARGET[c]
        add(c, "h5->zarr: hdmf-zarr / nwbzarr (speedup)", speed, f">= {want:g}x", speed >= want)
        slow = ratio(nz, secs("h5->zarr", "plain loop"))
        want = FLOOR_TARGET
        add(c, "h5->zarr: nwbzarr / plain loop (slowdown)", slow, f"<= {want:g}x", slow <= want)
        add(c, "h5->zarr: nwbzarr / raw chunk loop", ratio(nz, secs("h5->zarr", "raw chunk")))
        add(c, "h5->zarr: nwbzarr / cp", ratio(nz, secs("h5->zarr", "cp")))
        add(c, "h5->zarr: nwbzarr / memcpy", ratio(nz, secs("h5->zarr", "memcpy")))
        peak = rss("h5->zarr")
        add(c, "h5->zarr: nwbzarr peak RSS", peak, f"< {RSS_TARGET_MB:g} MB", peak < RSS_TARGET_MB)
        back = secs("zarr->h5", "nwbzarr")
        add(
            c, "zarr->h5: hdmf-zarr / nwbzarr (speedup)", ratio(secs("zarr->h5", "hdmf-zarr"), back)
        )
        add(c, "zarr->h5: nwbzarr / cp -r", ratio(back, secs("zarr->h5", "cp -r")))
        peak = rss("zarr->h5")
        add(c, "zarr->h5: nwbzarr peak RSS", peak, f"< {RSS_TARGET_MB:g} MB", peak < RSS_TARGET_MB)
    return markdown_table(headers, rows), records


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    """Run the scenario; returns its markdown section and a JSON-able record."""
    results = [run_case(case, opts) for case in CASES]
    ratios_md, ratio_records = _ratios(results)
    first = results[0]
    lines = [
        f"## convert: NWB HDF5 <-> Zarr, ({opts.rows:,}, {CHANNELS}) int16 ElectricalSeries, "
        f"chunks ({CHUNK_ROWS}, {CHANNELS})",
        "",
        f"Logical data {first.logical_bytes / MB:,.0f} MB; median of {opts.n_repeats} "
        f"repeat(s), interleaved; each run in a fresh subprocess writing to a fresh directory "
        f"(deleted + sync after); source {'evicted (guest-cold)' if opts.cold else 'hot'} "
        f"in the page cache before each run; outputs are not synced (except dd). "
        f"Peak RSS = ru_maxrss of the child (interpreter + imports included; "
        f"'RSS before op' is after imports). others' CPU = share of all cores used by other "
        f"processes during the run.",
        "",
        "Sources: "
        + "; ".join(
            f"`{r.case}`: {r.src.name} {r.src_bytes / MB:,.0f} MB (ratio "
            f"{r.logical_bytes / r.src_bytes:.2f}), nwbzarr store {r.store_bytes / MB:,.0f} MB"
            for r in results
        ),
        "",
        _table(results),
        "",
        "### Ratios (medians) and targets",
        "",
        ratios_md,
        "",
        "Reading: the *plain loop* decodes with h5py and re-encodes with zarr (one thread), so "
        "on gzip4 it is far slower than nwbzarr, which stores HDF5's chunk bytes unchanged; the "
        "*raw chunk loop* (read_direct_chunk -> chunk files, data array only) is the floor for "
        "that method. hdmf-zarr writes zarr's default codec (zstd) where the source has none, "
        "and its Zarr -> HDF5 export writes a contiguous, uncompressed dataset (see notes).",
        "",
    ]
    record = {
        "options": {"rows": opts.rows, "repeats": opts.n_repeats, "cold": opts.cold},
        "cases": [
            {
                "case": r.case,
                "src": str(r.src),
                "src_bytes": r.src_bytes,
                "logical_bytes": r.logical_bytes,
                "variants": [
                    {
                        "direction": v.direction,
                        "name": v.name,
                        "seconds": v.seconds(),
                        "peak_rss_mb": [x.peak_rss_mb for x in v.runs],
                        "base_rss_mb": [x.base_rss_mb for x in v.runs],
                        "cpu_seconds": [x.cpu_seconds for x in v.runs],
                        "wall": [x.wall for x in v.runs],
                        "other_cpu": [x.other_cpu for x in v.runs],
                        "out_bytes": v.out_bytes,
                        "note": v.note,
                    }
                    for v in r.variants
                ],
            }
            for r in results
        ],
        "ratios": ratio_records,
    }
    return "\n".join(lines), record
