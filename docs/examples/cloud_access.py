"""Cloud access: write a Zarr store to S3, open it remotely, read only what is needed.

Uses a local S3 endpoint (moto, from ``nwbzarr.testing.servers``) so that it runs anywhere;
for a real bucket drop the server and pass your own ``storage_options`` (or none, with
credentials in the environment). Needs the ``cloud`` extra.
Run: ``python docs/examples/cloud_access.py [OUTPUT_DIR]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nwbzarr
from nwbzarr.demo import build_nwbfile
from nwbzarr.testing.servers import S3Server


def main(out_dir: Path) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    local = out_dir / "session.nwb"
    nwbzarr.write(build_nwbfile(seconds=3.0, channels=8), local, overwrite=True)

    with S3Server() as s3:
        s3.create_bucket("lab-data")
        options = s3.storage_options  # {"key", "secret", "client_kwargs": {"endpoint_url"}}
        url = "s3://lab-data/sessions/session.nwb.zarr"
        nwbzarr.convert(local, url, storage_options=options)

        s3.log.reset()
        with nwbzarr.open(url, storage_options=options) as root:
            opened = s3.log.count
            lfp = nwbzarr.series_to_xarray(root.group("acquisition/ElectricalSeries"), chunks=None)
            window = lfp.sel(time=slice(1.0, 1.1)).values
        print(f"open: {opened} requests; 0.1 s window {window.shape}: {s3.log.count} in all")

        # HDF5 files are read remotely too, by byte ranges
        s3.upload(local, "s3://lab-data/sessions/session.nwb")
        with nwbzarr.open("s3://lab-data/sessions/session.nwb", storage_options=options) as root:
            print("remote HDF5:", root.array("acquisition/ElectricalSeries/data").shape)
    return url


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
