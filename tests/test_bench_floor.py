"""The C floor of the many_series benchmark reads what nwbzarr reads (counts agree)."""

from __future__ import annotations

from pathlib import Path

import pytest

import nwbzarr
from benchmarks import floor
from nwbzarr.tree import Node


@pytest.mark.parametrize("name", ["pynwb42/basic_ecephys.nwb", "pynwb42/ophys.nwb"])
def test_c_floor_reads_every_object_and_attribute(corpus: Path, name: str) -> None:
    if floor.build() is None:
        pytest.skip("no C compiler or libhdf5 in this process's memory map")
    path = corpus / name
    measured = floor.hdf5_metadata_floor(str(path))
    assert measured is not None
    with nwbzarr.open(path) as root:
        members = list(root.walk())
        nodes = [root, *(node for _, node in members if isinstance(node, Node))]
        identities = {node.identity for node in nodes}
        attributes = sum(len(node.attrs) for node in nodes)
    assert measured["links"] == len(members)
    assert measured["objects"] == len(identities) == len(nodes)
    assert measured["attributes"] == attributes
    assert 0 < measured["seconds"] < 60
