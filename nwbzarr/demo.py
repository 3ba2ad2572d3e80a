"""``nwbzarr demo``: build a small realistic session, convert it both ways, and show the result.

The session is written with the node tree in exactly the layout pynwb writes (so pynwb reads
it): an extracellular recording (electrodes table, ElectricalSeries of filtered noise with
spikes) and trials. It is written to HDF5, converted to Zarr and back, compared node by node,
and summarised.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nwbzarr.api import open as nwb_open
from nwbzarr.convert import convert
from nwbzarr.dtypes import ASCII, REFERENCE, UTF8
from nwbzarr.testing import tree_diff
from nwbzarr.tree import Group, Reference, SoftLink

RATE = 30_000.0


def _typed(namespace: str, neurodata_type: str, **attrs: Any) -> dict[str, Any]:
    return {
        "namespace": namespace,
        "neurodata_type": neurodata_type,
        "object_id": str(uuid.uuid4()),
        **attrs,
    }


def synthetic_ephys(n_samples: int, n_channels: int, seed: int = 0) -> np.ndarray[Any, Any]:
    """Band-limited noise with spikes, int16, like a raw extracellular recording."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 20, size=(n_samples, n_channels)).astype(np.float32)
    kernel = np.exp(-np.arange(8) / 2.0).astype(np.float32)
    kernel /= kernel.sum()
    smooth = np.zeros_like(noise)
    for lag, weight in enumerate(kernel):  # a causal low-pass filter along time
        smooth[lag:] += weight * noise[: n_samples - lag]
    spikes = rng.random((n_samples, n_channels)) < 2e-4
    smooth[spikes] -= 300
    out: np.ndarray[Any, Any] = np.clip(smooth, -32768, 32767).astype(np.int16)
    return out


def build_session(path: Path, *, seconds: float = 10.0, channels: int = 32) -> None:
    """Write a pynwb-layout NWB HDF5 file with an ElectricalSeries, electrodes and trials."""
    n = int(seconds * RATE)
    start = datetime(2024, 5, 1, 9, 30, tzinfo=UTC).isoformat()
    with nwb_open(path, "w", format="hdf5", overwrite=True) as root:
        root.attrs.update(_typed("core", "NWBFile", nwb_version="2.9.0"))
        root.create_array("identifier", "nwbzarr-demo", dtype=UTF8)
        root.create_array("session_description", "nwbzarr demo session", dtype=UTF8)
        root.create_array("session_start_time", start, dtype=ASCII)
        root.create_array("timestamps_reference_time", start, dtype=ASCII)
        root.create_array(
            "file_create_date", np.array([datetime.now(UTC).isoformat()], dtype=object), dtype=ASCII
        )
        for name in (
            "acquisition",
            "analysis",
            "processing",
            "stimulus/presentation",
            "stimulus/templates",
        ):
            root.create_group(name)
        general = root.create_group("general")
        device = general.create_group(
            "devices/probe", _typed("core", "Device", description="32-channel silicon probe")
        )
        ecephys = general.create_group("extracellular_ephys")
        shank = ecephys.create_group(
            "shank0", _typed("core", "ElectrodeGroup", description="shank 0", location="CA1")
        )
        shank.set_link("device", SoftLink(device.path))
        _electrodes(ecephys, shank, channels)
        _series(
            root.create_group(
                "acquisition/ElectricalSeries",
                _typed(
                    "core", "ElectricalSeries", description="raw voltage", comments="no comments"
                ),
            ),
            n,
            channels,
        )
        _trials(root, seconds)


def _electrodes(ecephys: Group, shank: Group, channels: int) -> None:
    colnames = np.array(["location", "group", "group_name"], dtype=object)
    table = ecephys.create_group(
        "electrodes",
        _typed(
            "core",
            "ElectrodesTable",
            description="metadata about extracellular electrodes",
            colnames=colnames,
        ),
    )
    ids = np.arange(channels, dtype=np.int64)
    table.create_array(
        "id",
        ids,
        maxshape=(None,),
        chunks=(channels,),
        attrs=_typed("hdmf-common", "ElementIdentifiers"),
    )
    col = _typed("hdmf-common", "VectorData")
    table.create_array(
        "location",
        np.array(["CA1"] * channels, dtype=object),
        dtype=UTF8,
        maxshape=(None,),
        chunks=(channels,),
        attrs=col | {"description": "brain area", "object_id": str(uuid.uuid4())},
    )
    refs = np.array([Reference(shank.path)] * channels, dtype=object)
    table.create_array(
        "group",
        refs,
        dtype=REFERENCE,
        maxshape=(None,),
        chunks=(channels,),
        attrs=col | {"description": "electrode group", "object_id": str(uuid.uuid4())},
    )
    table.create_array(
        "group_name",
        np.array(["shank0"] * channels, dtype=object),
        dtype=UTF8,
        maxshape=(None,),
        chunks=(channels,),
        attrs=col | {"description": "group name", "object_id": str(uuid.uuid4())},
    )


def _series(series: Group, n: int, channels: int) -> None:
    data = series.create_array(
        "data",
        shape=(n, channels),
        dtype="int16",
        chunks=(65536, channels),
        maxshape=(None, channels),
        attrs={
            "unit": "volts",
            "conversion": np.float64(0.195e-6),
            "offset": np.float64(0.0),
            "resolution": np.float64(-1.0),
        },
    )
    block = 65536
    for start in range(0, n, block):
        stop = min(n, start + block)
        data[start:stop] = synthetic_ephys(stop - start, channels, seed=start)
    series.create_array(
        "starting_time", np.float64(0.0), attrs={"rate": np.float64(RATE), "unit": "seconds"}
    )
    region = series.create_array(
        "electrodes",
        np.arange(channels, dtype=np.int64),
        attrs=_typed("hdmf-common", "DynamicTableRegion", description="all electrodes"),
    )
    region.attrs.set("table", Reference("/general/extracellular_ephys/electrodes"), REFERENCE)


def _trials(root: Group, seconds: float) -> None:
    starts = np.arange(0.5, seconds - 1, 1.0)
    colnames = np.array(["start_time", "stop_time", "correct"], dtype=object)
    trials = root.create_group(
        "intervals/trials",
        _typed("core", "TimeIntervals", description="experimental trials", colnames=colnames),
    )
    trials.create_array(
        "id",
        np.arange(len(starts), dtype=np.int64),
        maxshape=(None,),
        attrs=_typed("hdmf-common", "ElementIdentifiers"),
    )
    for name, values, text in (
        ("start_time", starts, "start of trial"),
        ("stop_time", starts + 0.5, "end of trial"),
        ("correct", np.arange(len(starts)) % 3 != 0, "correct response"),
    ):
        trials.create_array(
            name,
            values,
            maxshape=(None,),
            attrs=_typed("hdmf-common", "VectorData", description=text),
        )


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def run(outdir: Path, *, seconds: float = 10.0, channels: int = 32) -> dict[str, Any]:
    """Build, convert both ways, compare; returns the timings and sizes it printed."""
    outdir.mkdir(parents=True, exist_ok=True)
    h5 = outdir / "session.nwb"
    zarr_path = outdir / "session.nwb.zarr"
    back = outdir / "session_roundtrip.nwb"
    timings: dict[str, float] = {}
    t = time.perf_counter()
    build_session(h5, seconds=seconds, channels=channels)
    timings["write HDF5"] = time.perf_counter() - t
    t = time.perf_counter()
    convert(h5, zarr_path, overwrite=True, progress=False)
    timings["HDF5 -> Zarr"] = time.perf_counter() - t
    t = time.perf_counter()
    convert(zarr_path, back, overwrite=True, progress=False)
    timings["Zarr -> HDF5"] = time.perf_counter() - t
    with nwb_open(h5) as a, nwb_open(zarr_path) as b, nwb_open(back) as c:
        t = time.perf_counter()
        window = b.array("acquisition/ElectricalSeries/data")[30_000:60_000]
        timings["read 1 s x all channels (Zarr)"] = time.perf_counter() - t
        differences = tree_diff(a, b) + tree_diff(a, c)
    sizes = {p.name: _size(p) for p in (h5, zarr_path, back)}
    print(f"nwbzarr demo: {seconds:g} s x {channels} channels at {RATE:g} Hz, in {outdir}")
    for name, size in sizes.items():
        print(f"  {name:28s} {size / 2**20:8.1f} MiB")
    for name, value in timings.items():
        print(f"  {name:28s} {value * 1000:8.1f} ms")
    same = "identical" if not differences else "DIFFERENT"
    print(f"  window mean {window.mean():.1f} counts; trees after both conversions: {same}")
    for diff in differences[:10]:
        print(f"    {diff}")
    return {"timings": timings, "sizes": sizes, "differences": differences}
