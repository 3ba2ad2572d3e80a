"""nwbzarr's classes take pynwb 4.2's constructor and method signatures (issue 14 item 2)."""

from __future__ import annotations

import pytest

pytest.importorskip("pynwb")

from pynwb_docval import extract

from nwbzarr.model.signatures import CLASSES


def test_signature_data_matches_pynwb() -> None:
    """The committed data is what pynwb 4.2's docval says (regenerate: tests/pynwb_docval.py)."""
    live = extract()
    assert list(CLASSES) == list(live)
    for name, sig in live.items():
        assert CLASSES[name] == sig, name
