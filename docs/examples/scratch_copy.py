"""Scratch analysis on a shallow copy: link to the raw data, add results, never copy raw bytes.

pynwb's "scratch data" and "shallow copy" workflows with nwbzarr: the analysis file holds
external links to the objects of the raw file (HDF5 or Zarr; its metadata in ``/general`` and
its units are copied, as pynwb reads them), plus new results computed with
xarray and notes in ``/scratch``. Run: ``python docs/examples/scratch_copy.py [OUTPUT_DIR]``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

import numpy as np

import nwbzarr
from nwbzarr.demo import build_nwbfile
from nwbzarr.spec import cache_schema

ROOT_GROUPS = ("acquisition", "analysis", "processing", "stimulus", "intervals")
# small, and read by pynwb only in the file itself: the electrodes table, and the units whose
# electrodes refer to it (hdmf builds no object that a linked table refers to in another file)
COPIED = ("general", "units")


def shallow_copy(src: Path, dst: Path) -> None:
    """``dst``: the metadata of ``src`` (root values, ``/general``) and its units copied, every
    other object linked (no recorded data copied)."""
    source = os.path.relpath(src, dst.parent)  # relative: the pair can move together
    with nwbzarr.open(src) as raw, nwbzarr.open(dst, "w", overwrite=True) as out:
        # .specloc points into the source's /specifications: the copy caches its own schema
        out.attrs.update_typed(t for t in raw.attrs.items_typed() if t[0] != ".specloc")
        cache_schema(out)
        for name, member in raw.members():
            if isinstance(member, nwbzarr.Array):  # identifier, session_start_time...
                value = member[()] if not member.shape else member[...]
                out.create_array(name, value, dtype=member.datatype)
            elif name in COPIED and isinstance(member, nwbzarr.Group):
                _copy_metadata(member, out.create_group(name))
            elif isinstance(member, nwbzarr.Group) and name in ROOT_GROUPS:
                _link_members(member, out.create_group(name), source)
        for name in ("stimulus/presentation", "stimulus/templates", "analysis"):
            out.require_group(name)


def _link_members(group: nwbzarr.Group, out: nwbzarr.Group, source: str) -> None:
    out.attrs.update_typed(group.attrs.items_typed())
    for name, _ in group.members():
        out[name] = nwbzarr.ExternalLink(source, f"{group.path}/{name}")


def _copy_metadata(group: nwbzarr.Group, out: nwbzarr.Group) -> None:
    """Copy ``group``'s tree: arrays with their values, links and references by their paths
    (the copy has the source's layout, so they point to the copies)."""
    arrays: list[tuple[nwbzarr.Array, nwbzarr.Group, str]] = []
    _copy_groups(group, out, arrays)
    for member, parent, name in arrays:  # after the groups their references point to
        value = member[()] if not member.shape else member[...]
        copied = parent.create_array(name, value, dtype=member.datatype)
        copied.attrs.update_typed(member.attrs.items_typed())


def _copy_groups(
    group: nwbzarr.Group, out: nwbzarr.Group, arrays: list[tuple[nwbzarr.Array, nwbzarr.Group, str]]
) -> None:
    out.attrs.update_typed(group.attrs.items_typed())
    for name in group:
        link = group.get_link(name)
        member = group[name]
        if link is not None:
            out[name] = link
        elif isinstance(member, nwbzarr.Array):
            arrays.append((member, out, name))
        elif isinstance(member, nwbzarr.Group):
            _copy_groups(member, out.create_group(name), arrays)


def main(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / "raw.nwb"
    nwbzarr.write(build_nwbfile(seconds=3.0, channels=8), raw, overwrite=True)
    analysis = out_dir / "analysis.nwb"
    shallow_copy(raw, analysis)

    with nwbzarr.open(analysis, "r+") as root:
        # the raw recording, read through the link, in volts
        volts = nwbzarr.series_to_xarray(root.group("acquisition/ElectricalSeries"), scaled=True)
        # a result: the common average reference, decimated to 1 kHz, as a new TimeSeries
        car = (volts - volts.mean("channel")).isel(time=slice(None, None, 30)).compute()
        nwbzarr.timeseries_from_xarray(
            car, root.group("analysis"), "common_average", unit="volts", description="CAR, 1 kHz"
        )
        # a note in /scratch, typed as pynwb's ScratchData
        root.create_array(
            "scratch/note",
            "channel 3 looks noisy after 2 s",
            attrs={
                "namespace": "core",
                "neurodata_type": "ScratchData",
                "object_id": str(uuid.uuid4()),
                "notes": "manual",
            },
        )

    raw_mib = raw.stat().st_size / 2**20
    copy_mib = analysis.stat().st_size / 2**20
    with nwbzarr.open(analysis) as root:
        link = root.get_link("acquisition/ElectricalSeries")
        result = root.array("analysis/common_average/data")
        assert isinstance(link, nwbzarr.ExternalLink)
        assert np.isfinite(result[...]).all()
        print(f"{analysis.name}: {copy_mib:.2f} MiB, raw {raw.name}: {raw_mib:.2f} MiB")
        print(f"  acquisition/ElectricalSeries -> {link.source}:{link.path}")
        print(f"  analysis/common_average {result.shape}")
    return analysis


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
