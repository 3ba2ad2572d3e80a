"""Linking across files and formats, then exporting one self-contained file.

During acquisition each stream goes to its own file (here ephys in HDF5, imaging in Zarr); one
small NWB file links them. nwbzarr follows the links whatever the formats; ``convert`` with
``links="resolve"`` (the command ``nwbzarr export`` does the same) then writes one file that
holds everything. Run: ``python docs/examples/linking_export.py [OUTPUT_DIR]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

import nwbzarr
from nwbzarr.demo import build_nwbfile
from nwbzarr.testing import tree_diff


def main(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    full = out_dir / "full.nwb"
    nwbzarr.write(build_nwbfile(seconds=2.0, channels=8), full, overwrite=True)
    # one file per stream, in the format that suits it
    ephys, imaging = out_dir / "ephys.nwb", out_dir / "imaging.nwb.zarr"
    nwbzarr.convert(full, ephys, overwrite=True)
    nwbzarr.convert(full, imaging, overwrite=True)

    # the session file: metadata of its own, data linked (an HDF5 file linking into Zarr)
    session = out_dir / "session.nwb"
    nwbzarr.convert(full, session, overwrite=True)
    with nwbzarr.open(session, "r+") as root:
        for path, source in (
            ("acquisition/ElectricalSeries", "ephys.nwb"),
            ("acquisition/TwoPhotonSeries", "imaging.nwb.zarr"),
        ):
            del root[path]
            root[path] = nwbzarr.ExternalLink(source, f"/{path}")

    with nwbzarr.open(session) as root:
        print(root.get_link("acquisition/TwoPhotonSeries"))
        frames = root.array("acquisition/TwoPhotonSeries/data")  # read from the Zarr store
        print(f"{session.name}: {session.stat().st_size / 2**20:.2f} MiB, frames {frames.shape}")

    # one self-contained file: every link replaced by the data it points to
    standalone = out_dir / "standalone.nwb.zarr"
    nwbzarr.convert(session, standalone, links="resolve", overwrite=True)
    with nwbzarr.open(standalone) as out, nwbzarr.open(full) as ref:
        assert out.get_link("acquisition/TwoPhotonSeries") is None
        assert np.array_equal(
            out.array("acquisition/ElectricalSeries/data")[:100],
            ref.array("acquisition/ElectricalSeries/data")[:100],
        )
        # links inside the linked objects (imaging_plane) become copies when resolved
        for difference in tree_diff(ref, out, values=False):
            print("  differs:", difference[:100])
    return standalone


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
