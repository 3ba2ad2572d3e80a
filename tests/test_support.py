"""The corpus machinery of the suite (``support.corpus``): what a third-party parameter runs,
how its entries' failures and skips are reported, what the generated files' cache depends on."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import corpus as sc


@pytest.fixture
def third_party(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Pretend the third-party corpus holds three HDF5 entries."""
    entries = ["hdf5/a.nwb", "hdf5/b.nwb", "hdf5/c.nwb"]
    monkeypatch.setattr(sc, "third_party_present", lambda: True)
    monkeypatch.setattr(sc, "third_party_sources", lambda fmt: entries if fmt == "hdf5" else [])
    return entries


def test_a_generated_entry_is_checked_alone() -> None:
    seen: list[str] = []
    sc.check_each("pynwb42/basic_ecephys.nwb", seen.append)
    assert seen == ["pynwb42/basic_ecephys.nwb"]


def test_the_group_checks_every_entry_and_names_each_failure(third_party: list[str]) -> None:
    seen: list[str] = []

    def check(rel: str) -> None:
        seen.append(rel)
        assert rel != "hdf5/b.nwb", "b is broken"
        if rel == "hdf5/c.nwb":
            raise ValueError("c is unreadable")

    with pytest.raises(pytest.fail.Exception) as info:
        sc.check_each("third-party/hdf5", check)
    assert seen == third_party
    message = str(info.value)
    assert message.startswith("2 of 3 entries failed:")
    assert "hdf5/b.nwb: AssertionError: b is broken" in message
    assert "hdf5/c.nwb: ValueError: c is unreadable" in message
    assert "hdf5/a.nwb" not in message


def test_the_group_skips_only_when_every_entry_skips(third_party: list[str]) -> None:
    def skip_b(rel: str) -> None:
        if rel == "hdf5/b.nwb":
            pytest.skip("not for b")

    sc.check_each("third-party/hdf5", skip_b)  # a and c ran: a pass
    with pytest.raises(pytest.skip.Exception, match=r"every entry skipped: hdf5/a\.nwb: no"):
        sc.check_each("third-party/hdf5", lambda rel: pytest.skip("no"))
    ran: list[str] = []
    sc.check_each("third-party/hdf5", ran.append, among={"hdf5/c.nwb"})
    assert ran == ["hdf5/c.nwb"]


def test_the_group_skips_with_the_reason_when_the_corpus_is_absent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sc, "third_party_present", lambda: False)
    with pytest.raises(pytest.skip.Exception, match="third-party corpus not found at "):
        sc.check_each("third-party/hdf5+zarr", lambda rel: None)
    with pytest.raises(pytest.skip.Exception, match="MatNWB, DANDI"):
        sc.require("hdmfzarr013/ext_a.nwb.zarr")
    sc.require("hdmfzarr014/ext_a.nwb.zarr")  # generated: never skips


def test_every_generated_entry_is_in_the_session_corpus(corpus: Path) -> None:
    for rel in [*sc.GENERATED["hdf5"], *sc.GENERATED["zarr"]]:
        assert (corpus / rel.replace("%d", "0")).exists(), rel


def test_the_cache_key_follows_the_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    key = sc.generator_key()
    assert key == sc.generator_key()
    monkeypatch.setattr(sc, "LIBRARIES", (*sc.LIBRARIES, "pytest"))
    assert sc.generator_key() != key
