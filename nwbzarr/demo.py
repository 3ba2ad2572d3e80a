"""``nwbzarr demo``: a small realistic session, both formats, xarray, a figure.

The session is built with the typed model (:mod:`nwbzarr.model`, pynwb's class and method
names): an extracellular recording (probe, electrodes table, ElectricalSeries with an evoked
potential after every trial start, sorted units with spike times), calcium imaging (a
TwoPhotonSeries, ROIs in a PlaneSegmentation, their Fluorescence as a RoiResponseSeries) and
a trials table. It is written to HDF5, converted to Zarr and back, compared node by node
(:func:`nwbzarr.diff.tree_diff`), opened as xarray from both formats, and summarised; a PNG
shows the trial-aligned ephys average (:func:`nwbzarr.align`) and one ROI trace.

Everything is synthetic and local: no network, a few seconds on two cores.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from nwbzarr.api import open as nwb_open
from nwbzarr.convert import convert
from nwbzarr.diff import tree_diff
from nwbzarr.model import (
    DataIO,
    ElectricalSeries,
    Fluorescence,
    ImageSegmentation,
    NWBFile,
    OpticalChannel,
    Subject,
    TwoPhotonSeries,
    write,
)
from nwbzarr.tree import Array, Group

RATE = 30_000.0  # ephys sampling rate, Hz
FRAME_RATE = 30.0  # imaging frame rate, Hz
CONVERSION = 0.195e-6  # volts per int16 count (Intan-like)
TRIAL_PERIOD = 1.0  # seconds between trial starts
EVOKED_LATENCY = 0.05  # seconds from trial start to the evoked trough
N_ROIS = 8
FOV = 48  # imaging field of view, pixels per side (fewer than the frames of the shortest demo)
EPHYS = "acquisition/ElectricalSeries"
ROI_SERIES = "processing/ophys/Fluorescence/RoiResponseSeries"


# --------------------------------------------------------------------------------------------
# Synthetic signals
# --------------------------------------------------------------------------------------------
def trial_starts(seconds: float) -> np.ndarray[Any, Any]:
    """Trial start times: one per second, leaving room for a full window at both ends."""
    return np.arange(0.5, seconds - 0.6, TRIAL_PERIOD)


def synthetic_ephys(
    start: int, n_samples: int, n_channels: int, starts: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Samples ``start:start+n_samples``: filtered noise, spikes and an evoked potential (int16)."""
    rng = np.random.default_rng(start)
    noise = rng.normal(0, 20, size=(n_samples, n_channels)).astype(np.float32)
    smooth = noise.copy()
    for lag, weight in enumerate((0.5, 0.3, 0.2)):  # a short causal low-pass along time
        if lag:
            smooth[lag:] += weight * noise[:-lag]
    spikes = rng.random((n_samples, n_channels)) < 2e-4
    smooth[spikes] -= 300
    t = (start + np.arange(n_samples)) / RATE
    since = t[:, None] - starts[None, :] - EVOKED_LATENCY  # (time, trial)
    evoked = -400.0 * np.exp(-0.5 * (since / 0.012) ** 2).sum(axis=1)  # ~80 uV trough
    depth = np.linspace(1.0, 0.3, n_channels, dtype=np.float32)  # stronger on deep channels
    smooth += evoked[:, None].astype(np.float32) * depth[None, :]
    out: np.ndarray[Any, Any] = np.clip(smooth, -32768, 32767).astype(np.int16)
    return out


def ephys_blocks(
    n: int, channels: int, starts: np.ndarray[Any, Any], block: int = 65_536
) -> Iterator[np.ndarray[Any, Any]]:
    """The recording in blocks, so that memory stays bounded however long it is."""
    for first in range(0, n, block):
        yield synthetic_ephys(first, min(block, n - first), channels, starts)


def spike_trains(
    seconds: float, starts: np.ndarray[Any, Any], n_units: int, seed: int = 1
) -> list[np.ndarray[Any, Any]]:
    """Poisson spike times per unit, firing more in the 200 ms after each trial start."""
    rng = np.random.default_rng(seed)
    trains = []
    for unit in range(n_units):
        base = rng.uniform(2, 8)
        background = np.sort(rng.uniform(0, seconds, rng.poisson(base * seconds)))
        bursts = [s + rng.uniform(0.02, 0.2, rng.poisson(3 + unit % 3)) for s in starts]
        trains.append(np.sort(np.concatenate([background, *bursts])))
    return trains


def roi_masks(seed: int = 2) -> np.ndarray[Any, Any]:
    """``N_ROIS`` round cells in a ``FOV x FOV`` plane, as float32 image masks."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:FOV, 0:FOV]
    centres = rng.uniform(8, FOV - 8, size=(N_ROIS, 2))
    masks = [((yy - cy) ** 2 + (xx - cx) ** 2 <= 16).astype(np.float32) for cy, cx in centres]
    return np.stack(masks)


def fluorescence(
    n_frames: int, starts: np.ndarray[Any, Any], seed: int = 3
) -> np.ndarray[Any, Any]:
    """Calcium traces (frames x ROIs): a transient after each trial start, decaying in ~0.5 s."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / FRAME_RATE
    since = t[:, None] - starts[None, :]
    kernel = np.where(since >= 0, np.exp(-np.clip(since, 0, None) / 0.5), 0.0).sum(axis=1)
    gain = rng.uniform(0.2, 1.0, N_ROIS)
    trace = 1.0 + kernel[:, None] * gain[None, :] + rng.normal(0, 0.05, (n_frames, N_ROIS))
    return trace.astype(np.float32)


def movie(traces: np.ndarray[Any, Any], masks: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Frames (uint16) whose ROIs brighten with their traces, over a dim background."""
    rng = np.random.default_rng(4)
    frames = np.einsum("tr,ryx->tyx", traces, masks) * 400 + 100
    frames += rng.normal(0, 10, frames.shape)
    out: np.ndarray[Any, Any] = np.clip(frames, 0, 65535).astype(np.uint16)
    return out


# --------------------------------------------------------------------------------------------
# The session
# --------------------------------------------------------------------------------------------
def build_nwbfile(*, seconds: float = 10.0, channels: int = 32, units: int = 6) -> NWBFile:
    """The demo session as an :class:`~nwbzarr.model.NWBFile` (ephys, imaging, trials)."""
    starts = trial_starts(seconds)
    nwbfile = NWBFile(
        session_description="nwbzarr demo: probe recording and 2-photon imaging in VISp",
        identifier="nwbzarr-demo",
        session_start_time=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        experimenter=["Doe, Jane"],
        lab="nwbzarr lab",
        institution="nowhere",
        experiment_description="synthetic visual responses, recorded and imaged at once",
        keywords=["ecephys", "ophys", "synthetic"],
        subject=Subject(
            subject_id="m01",
            description="synthetic mouse",
            species="Mus musculus",
            sex="F",
            age="P90D",
        ),
    )
    _add_ephys(nwbfile, seconds, channels, units, starts)
    _add_ophys(nwbfile, seconds, starts)
    nwbfile.add_trial_column(name="correct", description="the animal responded correctly")
    for i, start in enumerate(starts):
        nwbfile.add_trial(start_time=float(start), stop_time=float(start) + 0.5, correct=i % 3 != 0)
    return nwbfile


def _add_ephys(
    nwbfile: NWBFile, seconds: float, channels: int, units: int, starts: np.ndarray[Any, Any]
) -> None:
    probe = nwbfile.create_device(
        name="probe", description=f"{channels}-channel silicon probe", manufacturer="acme"
    )
    shank = nwbfile.create_electrode_group(
        name="shank0", description="single shank", location="VISp", device=probe
    )
    for i in range(channels):
        nwbfile.add_electrode(group=shank, location="VISp", x=0.0, y=float(i * 25), z=0.0)
    region = nwbfile.create_electrode_table_region(
        region=list(range(channels)), description="all electrodes"
    )
    n = int(seconds * RATE)
    nwbfile.add_acquisition(
        ElectricalSeries(
            name="ElectricalSeries",
            description="raw voltage, int16 counts",
            data=DataIO(
                data=ephys_blocks(n, channels, starts),
                shape=(n, channels),
                dtype=np.dtype("int16"),
                chunks=(min(65_536, n), channels),
            ),
            electrodes=region,
            rate=RATE,
            starting_time=0.0,
            conversion=CONVERSION,
        )
    )
    for unit, train in enumerate(spike_trains(seconds, starts, units)):
        nwbfile.add_unit(spike_times=train, electrodes=[unit * channels // units])
    if nwbfile.units is not None:  # made by add_unit
        nwbfile.units.resolution = 1 / RATE  # spike times are known to one sample


def _add_ophys(nwbfile: NWBFile, seconds: float, starts: np.ndarray[Any, Any]) -> None:
    scope = nwbfile.create_device(name="microscope", description="2-photon microscope")
    plane = nwbfile.create_imaging_plane(
        name="ImagingPlane",
        optical_channel=OpticalChannel(
            name="green", description="GCaMP emission", emission_lambda=510.0
        ),
        description="layer 2/3",
        device=scope,
        excitation_lambda=920.0,
        indicator="GCaMP6f",
        location="VISp",
        imaging_rate=FRAME_RATE,
    )
    n_frames = int(seconds * FRAME_RATE)
    masks = roi_masks()
    traces = fluorescence(n_frames, starts)
    nwbfile.add_acquisition(
        TwoPhotonSeries(
            name="TwoPhotonSeries",
            description="GCaMP6f movie of layer 2/3",
            data=movie(traces, masks),
            imaging_plane=plane,
            rate=FRAME_RATE,
            unit="n.a.",
            dimension=[FOV, FOV],
        )
    )
    ophys = nwbfile.create_processing_module(name="ophys", description="segmented ROIs")
    segmentation = ImageSegmentation()
    ophys.add(segmentation)
    cells = segmentation.create_plane_segmentation(
        name="PlaneSegmentation", description="round cells", imaging_plane=plane
    )
    for mask in masks:
        cells.add_roi(image_mask=mask)
    responses = Fluorescence()
    ophys.add(responses)
    responses.create_roi_response_series(
        name="RoiResponseSeries",
        description="fluorescence of each ROI",
        data=traces,
        rois=cells.create_roi_table_region(description="all ROIs"),
        unit="a.u.",
        rate=FRAME_RATE,
    )


# --------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------
def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def tree_overview(root: Group, depth: int = 4) -> list[str]:
    """One line per typed group at most ``depth`` levels down: path, type, data shape."""
    lines = []
    for _, member in root.walk():
        if not isinstance(member, Group) or not member.neurodata_type:
            continue
        if member.path.strip("/").count("/") >= depth:
            continue
        data = member.get("data")
        shape = ""
        if isinstance(data, Array):
            shape = f"  data {'x'.join(map(str, data.shape))} {data.dtype}"
        lines.append(f"{member.path:48s} {member.neurodata_type}{shape}")
    return lines


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def time(self, name: str) -> _Timer:
        return _Timer(self.timings, name)


class _Timer:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.perf_counter() - self.start


def _analyse(h5: Path, zarr_path: Path, clock: _Clock) -> dict[str, Any]:
    """Open both files as xarray, align the ephys on trials, return what the figure needs."""
    from nwbzarr.xr import align, series_to_xarray, to_datatree

    with nwb_open(h5) as a, nwb_open(zarr_path) as b:
        with clock.time("open as xarray (Zarr DataTree)"):
            tree = to_datatree(b)
        with clock.time("trial-aligned mean (Zarr)"):
            volts = series_to_xarray(b.group(EPHYS), scaled=True, chunks=None)
            aligned = align(volts, b.group("intervals/trials"), window=(0.1, 0.4))
            evoked = (aligned.mean("trial") * 1e6).compute()  # volts -> microvolts
        with clock.time("same window from HDF5"):
            h5_volts = series_to_xarray(a.group(EPHYS), scaled=True, chunks=None)
            same = bool(
                np.array_equal(
                    h5_volts.isel(time=slice(0, 30_000)).values,
                    volts.isel(time=slice(0, 30_000)).values,
                )
            )
        roi = series_to_xarray(b.group(ROI_SERIES), chunks=None).load()
        trials = np.asarray(tree["intervals/trials"].dataset["start_time"].values)
    return {
        "evoked": evoked,
        "roi": roi,
        "trials": trials,
        "n_trials": int(aligned.sizes["trial"]),
        "tree_nodes": len(list(tree.subtree)),
        "same": same,
    }


def run(
    outdir: Path,
    *,
    seconds: float = 10.0,
    channels: int = 32,
    figure: bool = True,
) -> dict[str, Any]:
    """Build, convert both ways, compare, analyse and plot; returns what it printed.

    Returns a dict with ``timings`` (seconds), ``sizes`` (bytes), ``differences`` (from
    :func:`nwbzarr.diff.tree_diff`; empty when both conversions are lossless), ``figure``
    (the PNG path, or None) and ``paths``.
    """
    if seconds < 2:
        raise ValueError(f"seconds={seconds!r}: the demo needs at least 2 s for its trials")
    outdir.mkdir(parents=True, exist_ok=True)
    h5 = outdir / "session.nwb"
    zarr_path = outdir / "session.nwb.zarr"
    back = outdir / "session_roundtrip.nwb"
    png = outdir / "demo.png"
    clock = _Clock()
    with clock.time("build + write HDF5"):
        write(build_nwbfile(seconds=seconds, channels=channels), h5, overwrite=True)
    with clock.time("HDF5 -> Zarr"):
        convert(h5, zarr_path, overwrite=True, progress=False)
    with clock.time("Zarr -> HDF5"):
        convert(zarr_path, back, overwrite=True, progress=False)
    with nwb_open(h5) as a, nwb_open(zarr_path) as b, nwb_open(back) as c:
        with clock.time("compare trees"):
            differences = tree_diff(a, b) + tree_diff(a, c)
        overview = tree_overview(b)
    result = _analyse(h5, zarr_path, clock)
    figure_path: Path | None = None
    figure_note = ""
    if figure:
        try:
            with clock.time("figure"):
                figure_path = draw_figure(result, png)
        except ImportError as err:
            figure_note = f"figure skipped: {err}"
    sizes = {p.name: _size(p) for p in (h5, zarr_path, back)}
    _print_summary(outdir, seconds, channels, overview, sizes, clock.timings, differences, result)
    print("  " + (figure_note or f"figure: {figure_path}"))
    print("next:")
    print(f"  nwbzarr ls {zarr_path} -r")
    print(f"  nwbzarr info {h5}")
    print(f"  nwbzarr validate {zarr_path}")
    print(f"  nwbzarr plot {zarr_path} {ROI_SERIES} -o roi.png")
    return {
        "timings": clock.timings,
        "sizes": sizes,
        "differences": differences,
        "figure": figure_path,
        "paths": {"hdf5": h5, "zarr": zarr_path, "roundtrip": back},
        "same_values": result["same"],
    }


def _print_summary(
    outdir: Path,
    seconds: float,
    channels: int,
    overview: list[str],
    sizes: dict[str, int],
    timings: dict[str, float],
    differences: list[str],
    result: dict[str, Any],
) -> None:
    print(
        f"nwbzarr demo: {seconds:g} s of {channels}-channel ephys at {RATE:g} Hz, "
        f"{N_ROIS} ROIs at {FRAME_RATE:g} Hz, {result['n_trials']} trials; in {outdir}/"
    )
    print("tree (Zarr):")
    for line in overview:
        print(f"  {line}")
    print("files:")
    for name, size in sizes.items():
        print(f"  {name:34s} {size / 2**20:8.1f} MiB")
    print("timings:")
    for name, value in timings.items():
        print(f"  {name:34s} {value * 1000:8.0f} ms")
    same = "identical" if not differences else "DIFFERENT"
    print("checks:")
    print(f"  HDF5 -> Zarr -> HDF5 trees: {same}")
    for diff in differences[:10]:
        print(f"    {diff}")
    values = "equal" if result["same"] else "DIFFERENT"
    print(f"  ephys values read via xarray from HDF5 and Zarr: {values}")
    trough = float(result["evoked"].mean("channel").min())
    print(f"  trial-averaged evoked trough: {trough:.0f} uV ({result['tree_nodes']} tree nodes)")


def draw_figure(result: dict[str, Any], path: Path) -> Path:
    """Two panels: trial-averaged ephys per depth, and one ROI trace with trial starts."""
    from nwbzarr.plot import pyplot

    plt = pyplot()
    evoked = result["evoked"]
    roi = result["roi"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    offsets = evoked["time_from_event"].values * 1000
    for channel in range(0, evoked.sizes["channel"], max(1, evoked.sizes["channel"] // 4)):
        trace = evoked.isel(channel=channel).values
        left.plot(offsets, trace, lw=1, label=f"channel {int(evoked['channel'][channel])}")
    left.plot(offsets, evoked.mean("channel").values, color="k", lw=2, label="all channels")
    left.axvline(0, color="grey", ls="--", lw=0.8)
    left.set_xlabel("time from trial start (ms)")
    left.set_ylabel("voltage (uV)")
    left.set_title(f"ElectricalSeries, mean of {result['n_trials']} trials")
    left.legend(fontsize=7, loc="lower right")
    first = roi.isel(roi=0)
    right.plot(first["time"].values, first.values, color="tab:green", lw=1)
    for start in result["trials"]:
        right.axvline(start, color="grey", ls=":", lw=0.6)
    right.set_xlabel("time (s)")
    right.set_ylabel(f"fluorescence ({roi.attrs.get('unit', 'a.u.')})")
    right.set_title(f"RoiResponseSeries, ROI {int(roi['roi'][0])} (dotted: trial starts)")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


__all__ = ["build_nwbfile", "draw_figure", "run", "tree_overview"]
