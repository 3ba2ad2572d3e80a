"""xarray analysis: a TimeSeries as a labelled lazy DataArray, trials, trial-aligned averages.

Run: ``python docs/examples/xarray_analysis.py [OUTPUT_DIR]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

import nwbzarr
from nwbzarr.demo import build_nwbfile


def main(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "session.nwb.zarr"
    nwbzarr.write(build_nwbfile(seconds=4.0, channels=8), path, overwrite=True)

    with nwbzarr.open(path) as root:
        # data stays on disk: a dask array whose chunks are the storage chunks
        lfp = nwbzarr.series_to_xarray(root.group("acquisition/ElectricalSeries"), scaled=True)
        print(lfp.dims, lfp.sizes, lfp.attrs["unit"])
        print("channel ids:", lfp["channel"].values[:4], "location:", lfp["location"].values[0])

        # label-based selection in seconds reads only the chunks it needs
        one_second = lfp.sel(time=slice(1.0, 2.0))
        print("1 s window, mean per channel (uV):", (one_second.mean("time") * 1e6).values[:3])

        # the trials table as a Dataset indexed by trial id
        trials = nwbzarr.table_to_xarray(root.group("intervals/trials"))
        correct = trials["start_time"].where(trials["correct"], drop=True)

        # one window per correct trial: dims (trial, time_from_event, channel)
        aligned = nwbzarr.align(lfp, correct.values, window=(0.1, 0.3))
        evoked_uv = (aligned.mean("trial") * 1e6).compute()
        trough = float(evoked_uv.mean("channel").idxmin("time_from_event"))
        print(f"{aligned.sizes['trial']} correct trials; evoked trough at {trough * 1000:.0f} ms")
        assert 0.03 < trough < 0.07

        # spikes: the units table with its ragged spike_times (CF contiguous ragged layout)
        units = nwbzarr.table_to_xarray(root.group("units"))
        counts = units["spike_times_count"].values
        print(f"{len(counts)} units, {counts.sum()} spikes")

        # the whole file as a DataTree
        tree = nwbzarr.to_datatree(root)
        rois = tree["processing/ophys/Fluorescence/RoiResponseSeries"].dataset["data"]
        print("ROI traces:", dict(rois.sizes), "mean", float(np.mean(rois.values)))

        # back into a file: a derived series written as a new TimeSeries
    with nwbzarr.open(path, "r+") as root:
        nwbzarr.timeseries_from_xarray(
            evoked_uv.rename(time_from_event="time"),
            root.group("analysis"),
            "evoked_potential",
            unit="microvolts",
            description="mean over correct trials, aligned on trial start",
        )
    return path


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
