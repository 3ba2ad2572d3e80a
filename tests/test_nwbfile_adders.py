"""NWBFile's adders, creators and getters take pynwb's arguments (names, lists, no-name getters)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import nwbzarr

START = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def _file() -> nwbzarr.NWBFile:
    return nwbzarr.NWBFile("adders", "ADD-1", START)


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
def test_create_device_and_group_take_pynwb_fields(fmt: str, tmp_path: Path) -> None:
    nwbfile = _file()
    device = nwbfile.create_device(
        "probe", "a probe", "maker", model_number="M1", model_name="N", serial_number="S9"
    )
    nwbfile.create_electrode_group("shank0", "first shank", "CA1", device, position=[1.0, 2.0, 3.0])
    path = tmp_path / ("f.nwb" if fmt == "hdf5" else "f.nwb.zarr")
    nwbzarr.write(nwbfile, path)
    if fmt == "hdf5":
        from pynwb import NWBHDF5IO as PeerIO
    else:
        from hdmf_zarr.nwb import NWBZarrIO as PeerIO
    with PeerIO(str(path), "r") as io:
        read = io.read()
        assert read.devices["probe"].serial_number == "S9"
        assert read.devices["probe"].model_number == "M1"
        assert tuple(read.electrode_groups["shank0"].position[()]) == (1.0, 2.0, 3.0)
    with nwbzarr.NWBHDF5IO(str(path)) if fmt == "hdf5" else nwbzarr.NWBZarrIO(str(path)) as ours:
        assert getattr(ours.read().get_device("probe"), "model_number") == "M1"  # noqa: B009


def test_adders_take_one_a_list_or_a_dict() -> None:
    nwbfile = _file()
    nwbfile.add_device(nwbzarr.Device(name="a"))
    nwbfile.add_device([nwbzarr.Device(name="b"), nwbzarr.Device(name="c")])
    nwbfile.add_device(devices={"d": nwbzarr.Device(name="d")})
    assert sorted(nwbfile.devices) == ["a", "b", "c", "d"]
    with pytest.raises(nwbzarr.ValidationError, match="devices already has an object named 'a'"):
        nwbfile.add_device(nwbzarr.Device(name="a"))


def test_getters_without_a_name_give_the_only_object() -> None:
    nwbfile = _file()
    module = nwbfile.create_processing_module("behavior", "behaviour")
    assert nwbfile.get_processing_module() is module
    nwbfile.create_device("one")
    assert nwbfile.get_device().name == "one"
    nwbfile.create_device("two")
    with pytest.raises(
        ValueError, match=r"devices holds 2 objects \(\['one', 'two'\]\): give a name"
    ):
        nwbfile.get_device()
    assert nwbfile.get_device("two").name == "two"
