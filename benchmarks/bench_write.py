"""Scenario ``write``: a new NWB file with a ``(rows, 64)`` int16 ElectricalSeries.

The signal is loaded into memory before the timed section (every variant writes the same
in-memory array; object construction, file creation and close are timed). Variants:

Zarr (all with nwbzarr's default layout: chunks of 2 MiB = (16384, 64), Blosc lz4 clevel 5
+ byte shuffle; not sharded below 512 MiB)
  * ``nwbzarr``     typed model: NWBFile + ElectricalSeries(DataIO(iterator of 65536-row
    blocks, shape, dtype)) -> ``nwbzarr.model.write(f, "x.nwb.zarr")`` (streams block by block)
  * ``hdmf-zarr``   pynwb objects, ``ZarrDataIO(data, chunks=(16384, 64),
    compressors=BloscCodec(lz4, 5, shuffle))`` -> ``NWBZarrIO.write``
  * ``plain zarr (floor)``  ``zarr.create_array(same chunks and codecs)``; ``z[:] = data``
HDF5 (chunks (65536, 64), no compression: what pynwb writes by default, and nwbzarr's
HDF5 default compression)
  * ``nwbzarr``     same model code, ``DataIO(chunks=(65536, 64))`` -> ``x.nwb``
  * ``pynwb``       ``H5DataIO(data, chunks=(65536, 64))`` -> ``NWBHDF5IO.write``
  * ``plain h5py (floor)``  ``create_dataset(chunks=(65536, 64), data=data)``
"""

from __future__ import annotations

from typing import Any

from benchmarks.bench_convert import Options
from benchmarks.common import MB, ratio, timed
from benchmarks.harness import (
    CHANNELS,
    H5_CHUNK_ROWS,
    Checks,
    Variant,
    build_ephys_nwbfile,
    ephys_npy,
    find,
    load_npy,
    run_variants,
    variant_table,
    variants_record,
)

FULL_ROWS = 3_000_000
QUICK_ROWS = 300_000
ZARR_CHUNK_ROWS = 16384  # nwbzarr's default for (n, 64) int16: 2 MiB
HDMF_ZARR_TARGET = 3.0  # hdmf-zarr / nwbzarr >= 3x
FLOOR_TARGET = 1.2  # nwbzarr / plain zarr <= 1.2x


def _blosc() -> Any:
    from zarr.codecs import BloscCodec

    return BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", typesize=2, blocksize=0)


def _pynwb_file(data: Any, zarr_io: bool) -> Any:
    from datetime import UTC, datetime

    from pynwb import NWBFile
    from pynwb.ecephys import ElectricalSeries

    nwbfile = NWBFile(
        session_description="nwbzarr benchmark: synthetic ephys",
        identifier="nwbzarr-bench",
        session_start_time=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
    )
    device = nwbfile.create_device(name="probe", description="synthetic 64-channel probe")
    group = nwbfile.create_electrode_group(
        name="shank0", description="synthetic shank", location="CA1", device=device
    )
    for _ in range(data.shape[1]):
        nwbfile.add_electrode(group=group, location="CA1")
    region = nwbfile.create_electrode_table_region(
        region=list(range(data.shape[1])), description="all electrodes"
    )
    if zarr_io:
        from hdmf_zarr import ZarrDataIO

        wrapped: Any = ZarrDataIO(
            data=data, chunks=(ZARR_CHUNK_ROWS, data.shape[1]), compressors=[_blosc()]
        )
    else:
        from hdmf.backends.hdf5.h5_utils import H5DataIO

        wrapped = H5DataIO(data=data, chunks=(H5_CHUNK_ROWS, data.shape[1]))
    nwbfile.add_acquisition(
        ElectricalSeries(
            name="ElectricalSeries",
            data=wrapped,
            electrodes=region,
            starting_time=0.0,
            rate=30_000.0,
            conversion=0.195e-6,
            description="synthetic ephys-like int16",
        )
    )
    return nwbfile


# ----------------------------------------------------------------------------- child functions


def nwbzarr_write(src: str, dst: str, fmt: str) -> dict[str, Any]:
    import nwbzarr.model

    data = load_npy(src)
    result: dict[str, Any] = {}
    with timed(result):
        nwbfile = build_ephys_nwbfile(data, data.shape, h5_chunks=fmt == "hdf5")
        nwbzarr.model.write(nwbfile, dst, format=fmt)
    return result


def pynwb_write(src: str, dst: str) -> dict[str, Any]:
    from pynwb import NWBHDF5IO

    data = load_npy(src)
    result: dict[str, Any] = {}
    with timed(result):
        nwbfile = _pynwb_file(data, zarr_io=False)
        with NWBHDF5IO(dst, "w") as io:
            io.write(nwbfile)
    return result


def hdmf_zarr_write(src: str, dst: str) -> dict[str, Any]:
    from hdmf_zarr.nwb import NWBZarrIO

    data = load_npy(src)
    result: dict[str, Any] = {}
    with timed(result):
        nwbfile = _pynwb_file(data, zarr_io=True)
        with NWBZarrIO(dst, "w") as io:
            io.write(nwbfile)
    return result


def plain_zarr_write(src: str, dst: str) -> dict[str, Any]:
    import zarr

    data = load_npy(src)
    result: dict[str, Any] = {}
    with timed(result):
        z = zarr.create_array(
            store=dst,
            shape=data.shape,
            chunks=(ZARR_CHUNK_ROWS, data.shape[1]),
            dtype=data.dtype,
            compressors=[_blosc()],
            fill_value=0,
            zarr_format=3,
        )
        z[:] = data
    return result


def plain_h5py_write(src: str, dst: str) -> dict[str, Any]:
    import h5py

    data = load_npy(src)
    result: dict[str, Any] = {}
    with timed(result), h5py.File(dst, "w") as f:
        f.create_dataset("data", data=data, chunks=(H5_CHUNK_ROWS, data.shape[1]))
    return result


def _layout(dst: str) -> dict[str, Any]:
    """(check) chunks and codecs of the ElectricalSeries data (or the bare array) in ``dst``."""
    import json
    from pathlib import Path

    import h5py

    path = Path(dst)
    result: dict[str, Any] = {"seconds": 0.0}
    if path.is_dir():
        for meta in (path / "acquisition/ElectricalSeries/data/zarr.json", path / "zarr.json"):
            if meta.is_file():
                doc = json.loads(meta.read_text())
                if doc.get("node_type") == "array":
                    result["layout"] = (
                        f"chunks {tuple(doc['chunk_grid']['configuration']['chunk_shape'])}, "
                        + "+".join(
                            c["name"]
                            + (
                                f"({c['configuration'].get('cname')},"
                                f"{c['configuration'].get('clevel')},"
                                f"{c['configuration'].get('shuffle')})"
                                if c["name"] == "blosc"
                                else ""
                            )
                            for c in doc["codecs"]
                        )
                    )
                    break
    else:
        with h5py.File(dst, "r") as f:
            ds = f.get("acquisition/ElectricalSeries/data") or f["data"]
            result["layout"] = f"chunks {ds.chunks}, compression {ds.compression}"
    return result


def write_and_describe(src: str, dst: str, target: str, **kw: Any) -> dict[str, Any]:
    """Run ``target`` then describe its output (first repeat only, for the notes)."""
    import importlib

    module, func = target.split(":")
    result: dict[str, Any] = getattr(importlib.import_module(module), func)(src=src, dst=dst, **kw)
    result["layout"] = _layout(dst)["layout"]
    return result


# ----------------------------------------------------------------------------- scenario


def run(opts: Options) -> tuple[str, dict[str, Any]]:
    rows = QUICK_ROWS if opts.quick else FULL_ROWS
    npy = ephys_npy(rows)
    logical = rows * CHANNELS * 2
    me = "benchmarks.bench_write"

    def v(group: str, name: str, func: str, out: str, **kw: Any) -> Variant:
        return Variant(
            group,
            name,
            f"{me}:write_and_describe",
            dict(src=str(npy), target=f"{me}:{func}", **kw),
            output=out,
        )

    variants = [
        v("zarr", "nwbzarr", "nwbzarr_write", "out.nwb.zarr", fmt="zarr"),
        v("zarr", "hdmf-zarr", "hdmf_zarr_write", "out.nwb.zarr"),
        v("zarr", "plain zarr (floor)", "plain_zarr_write", "out.zarr"),
        v("hdf5", "nwbzarr", "nwbzarr_write", "out.nwb", fmt="hdf5"),
        v("hdf5", "pynwb", "pynwb_write", "out.nwb"),
        v("hdf5", "plain h5py (floor)", "plain_h5py_write", "out.h5"),
    ]
    run_variants("write", variants, opts.n_repeats)
    for x in variants:
        layouts = sorted({str(r.info.get("layout")) for r in x.runs})
        x.note = "; ".join(layouts)

    checks = Checks()
    nz = find(variants, "zarr/nwbzarr").med()
    checks.at_least(
        "zarr: hdmf-zarr / nwbzarr (speedup)",
        ratio(find(variants, "zarr/hdmf-zarr").med(), nz),
        HDMF_ZARR_TARGET,
    )
    checks.at_most(
        "zarr: nwbzarr / plain zarr same codec (slowdown)",
        ratio(nz, find(variants, "zarr/plain zarr (floor)").med()),
        FLOOR_TARGET,
    )
    nh = find(variants, "hdf5/nwbzarr").med()
    checks.add("hdf5: pynwb / nwbzarr (speedup)", ratio(find(variants, "hdf5/pynwb").med(), nh))
    checks.add(
        "hdf5: nwbzarr / plain h5py (slowdown)",
        ratio(nh, find(variants, "hdf5/plain h5py (floor)").med()),
    )
    checks.add("zarr: nwbzarr peak RSS", find(variants, "zarr/nwbzarr").peak(), kind="MB")
    checks.add("hdf5: nwbzarr peak RSS", find(variants, "hdf5/nwbzarr").peak(), kind="MB")

    lines = [
        f"## write: new NWB file, ({rows:,}, {CHANNELS}) int16 ElectricalSeries",
        "",
        f"Logical data {logical / MB:,.0f} MB, in memory before the timed section (peak RSS "
        f"includes it); median of {opts.n_repeats} repeat(s), interleaved, fresh subprocess "
        "and output directory per run, no sync in the timed section. Zarr variants all use "
        f"nwbzarr's default layout (chunks ({ZARR_CHUNK_ROWS}, 64) = 2 MiB, Blosc lz4 clevel 5 "
        f"+ shuffle); HDF5 variants all use chunks ({H5_CHUNK_ROWS}, 64), no compression "
        "(pynwb's default and nwbzarr's HDF5 default). nwbzarr streams the data through "
        "`DataIO(iterator, shape, dtype)` (65536-row blocks); the peers get the whole array.",
        "",
        variant_table(variants, logical_bytes=logical),
        "",
        "### Ratios (medians) and targets",
        "",
        checks.table(),
        "",
    ]
    record = {
        "options": {"rows": rows, "repeats": opts.n_repeats},
        "variants": variants_record(variants),
        "checks": checks.records,
    }
    return "\n".join(lines), record
