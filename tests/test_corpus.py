"""Files written by other tools: pynwb 1.0 to 4.2, hdmf-zarr 0.13 and 0.14, MatNWB, DANDI.

Every entry is opened and read in full, then converted to the other format and back; both
outputs must equal the source node for node. The files pynwb 4.2, hdmf-zarr 0.14 and h5py
write are generated (``support.generate``); the third-party ones run as one test per check
when ``../shared/corpus`` is there. The corpus is copied once per session (links between its
files keep working) and never written to.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from support.corpus import (
    GENERATED,
    MISSING,
    check_each,
    group_param,
    is_third_party,
    third_party_present,
    third_party_sources,
)

import nwbzarr
from nwbzarr import (
    Array,
    ExternalLink,
    Group,
    LinkError,
    SoftLink,
    UnsupportedFeatureError,
)
from nwbzarr.testing import tree_diff
from nwbzarr.tree import Node

# Corpus facts: region references that nwbzarr refuses, and external links whose target files
# were never part of the corpus (MatNWB's stimulus library).
REGION_REFERENCES = {
    "h5py/region_references.nwb": {"/acquisition/ECoG/electrodes"},
    "hdf5/matnwb_0bab88c__tutorials_ecephys_tutorial.nwb": {
        "/acquisition/ECoG/electrodes",
        "/acquisition/ECoG2/electrodes",
    },
    "hdf5/matnwb_7947b3d__test_output.nwb": {"/epochs/epochs"},
    "hdf5/matnwb_e7401f8__ecephys_tutorial.nwb": {"/units/spike_times_index"},
}
MISSING_LINK_TARGETS = {
    "hdf5/matnwb_06e46a1__testdata_20080606_R1.nwb": {
        f"/stimulus/presentation/rec_stim_{i}/data" for i in (1, 2, 3)
    },
}


def read_everything(root: Group) -> tuple[int, dict[str, Exception]]:
    """Read every attribute, array and link target below ``root``; count what was read and
    return what failed, by path."""
    count = 0
    failures: dict[str, Exception] = {}

    def read_attrs(node: Node) -> int:
        for name in node.attrs:
            node.attrs.type_of(name)
            node.attrs[name]
        return len(node.attrs)

    count += read_attrs(root)
    for path, member in root.walk():
        try:
            if isinstance(member, SoftLink | ExternalLink):
                target = root[path]
                assert isinstance(target, Group | Array)
            else:
                count += read_attrs(member)
            if isinstance(member, Array):
                values = member[...]
                shape = np.shape(values)
                assert shape == member.shape or (member.size == 0 and math.prod(shape) == 0)
                count += 1
        except (UnsupportedFeatureError, LinkError) as err:
            failures[path] = err
    return count, failures


def test_generated_inventory(corpus: Path) -> None:
    """The generated files are what the tests below are parametrised over."""
    for rel in GENERATED["hdf5"]:
        assert (corpus / rel.replace("%d", "0")).is_file(), rel
    for rel in GENERATED["zarr"]:
        assert (corpus / rel / "zarr.json").is_file(), rel  # hdmf-zarr 0.14: Zarr format 3
    assert sorted(p.name for p in (corpus / "pynwb42").glob("family_*.nwb")) == [
        f"family_{i}.nwb" for i in range(4)
    ]


def test_third_party_inventory(corpus: Path) -> None:
    if not third_party_present():
        pytest.skip(MISSING)
    assert (corpus / "hdmfzarr013" / "basic_ecephys.nwb.zarr" / ".zgroup").is_file()
    entries = third_party_sources("hdf5") + third_party_sources("zarr")
    assert set(REGION_REFERENCES) - set(GENERATED["hdf5"]) <= set(entries)
    assert all((corpus / rel).exists() for rel in entries)


def _check_read(rel: str, corpus_copy: Path) -> None:
    with nwbzarr.open(corpus_copy / rel) as root:
        count, failures = read_everything(root)
    assert count > 0
    expected = REGION_REFERENCES.get(rel, set()) | MISSING_LINK_TARGETS.get(rel, set())
    assert set(failures) == expected
    for path, err in failures.items():
        if path in REGION_REFERENCES.get(rel, set()):
            assert isinstance(err, UnsupportedFeatureError)
            assert f"{Path(rel).name}:{path}: region references are not supported" in str(err)
        else:
            assert isinstance(err, LinkError)
            assert "broken external link to stim_lib/" in str(err)
            assert "does not exist" in str(err)


def test_read_every_hdf5_file(hdf5_source: str, corpus_copy: Path) -> None:
    check_each(hdf5_source, lambda rel: _check_read(rel, corpus_copy))


def test_read_every_zarr_store(zarr_source: str, corpus_copy: Path) -> None:
    check_each(zarr_source, lambda rel: _check_read(rel, corpus_copy))


def _check_round_trip(
    rel: str, corpus_copy: Path, round_trip: Callable[[str], tuple[Path, Path]]
) -> None:
    mid, back = round_trip(rel)
    with (
        nwbzarr.open(corpus_copy / rel) as source,
        nwbzarr.open(mid) as there,
        nwbzarr.open(back) as again,
    ):
        assert there.file.format != source.file.format
        assert again.file.format == source.file.format
        assert tree_diff(source, there) == []
        assert tree_diff(source, again) == []


def test_hdf5_to_zarr_to_hdf5(
    hdf5_source: str, corpus_copy: Path, round_trip: Callable[[str], tuple[Path, Path]]
) -> None:
    def check(rel: str) -> None:
        if rel in REGION_REFERENCES:
            pytest.skip("region references: see test_region_references_are_refused")
        _check_round_trip(rel, corpus_copy, round_trip)

    check_each(hdf5_source, check)


def test_zarr_to_hdf5_to_zarr(
    zarr_source: str, corpus_copy: Path, round_trip: Callable[[str], tuple[Path, Path]]
) -> None:
    check_each(zarr_source, lambda rel: _check_round_trip(rel, corpus_copy, round_trip))


@pytest.mark.parametrize(
    "rel", [*(r for r in sorted(REGION_REFERENCES) if not is_third_party(r)), group_param("hdf5")]
)
@pytest.mark.parametrize("dst_suffix", [".nwb.zarr", ".nwb"])
def test_region_references_are_refused(
    rel: str, dst_suffix: str, corpus_copy: Path, tmp_path: Path
) -> None:
    check_each(
        rel, lambda one: _check_refused(one, dst_suffix, corpus_copy, tmp_path), REGION_REFERENCES
    )


def _check_refused(rel: str, dst_suffix: str, corpus_copy: Path, tmp_path: Path) -> None:
    src = corpus_copy / rel
    dst = tmp_path / f"out{dst_suffix}"
    with pytest.raises(UnsupportedFeatureError) as info:
        nwbzarr.convert(src, dst)
    message = str(info.value)
    assert message.startswith(f"{src}:")
    assert "region references are not supported" in message
    assert (
        message.split(": region", maxsplit=1)[0].removeprefix(f"{src}:") in REGION_REFERENCES[rel]
    )
    assert any(f"nothing was kept at {dst}" in note for note in info.value.__notes__)
    assert not os.path.lexists(dst)
    assert list(tmp_path.iterdir()) == []
