"""pynwb and hdmf-zarr as judges of what the typed model writes (shared by the model tests)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any


def peer_read(path: Path) -> Any:
    """Open ``path`` with pynwb (HDF5) or hdmf-zarr (Zarr; 0.13 stores with the v2 reader)."""
    if path.suffix == ".zarr":
        from hdmf_zarr.nwb import NWBZarrIO
        from hdmf_zarr.nwb_zarrv2 import NWBZarrV2IO

        if (path / ".zgroup").exists():  # the corpus is trusted: its pickled columns are fine
            return NWBZarrV2IO(str(path), "r", allow_pickle=True)
        return NWBZarrIO(str(path), "r")
    import pynwb

    return pynwb.NWBHDF5IO(str(path), "r")


def peer_validate(path: Path) -> list[Any]:
    """The validator's findings (``pynwb.validate``; through NWBZarrIO for Zarr)."""
    import pynwb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if path.suffix == ".zarr":
            from hdmf_zarr.nwb import NWBZarrIO

            return list(pynwb.validate(io=NWBZarrIO(str(path), "r")))
        return list(pynwb.validate(path=str(path)))
