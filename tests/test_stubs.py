"""The type stubs of the generated classes are current, and mypy sees pynwb's constructors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nwbzarr.model
from nwbzarr.model import stubgen

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _generated_classes() -> None:
    if not hasattr(nwbzarr.model, "bundled_class"):
        pytest.xfail("the classes generated from the schema have not landed (model, item 1)")


def test_stub_is_current() -> None:
    """Regenerate with ``python -m nwbzarr.model.stubgen`` when this fails."""
    assert stubgen.STUB.exists(), f"{stubgen.STUB} is missing"
    assert stubgen.render() == stubgen.STUB.read_text(), "run python -m nwbzarr.model.stubgen"


def test_stub_declares_every_pynwb_class() -> None:
    from nwbzarr.model.signatures import CLASSES

    text = stubgen.STUB.read_text()
    missing = [name for name in CLASSES if f"\nclass {name}(" not in text]
    assert not missing


def test_check_mode_reports_a_stale_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "_generated.pyi"
    stale.write_text("class Old: ...\n")
    monkeypatch.setattr(stubgen, "STUB", stale)
    assert stubgen.main(["--check"]) == 1
    assert stubgen.main([]) == 0
    assert stubgen.main(["--check"]) == 0


def test_mypy_sees_pynwb_constructors(tmp_path: Path) -> None:
    """A user script type-checks against pynwb's signatures (errors where pynwb would fail)."""
    script = tmp_path / "user_script.py"
    script.write_text(
        textwrap.dedent(
            """
            from datetime import datetime, timezone

            import numpy as np

            from nwbzarr.model import IntervalSeries, NWBFile, Position, SpatialSeries

            nwbfile = NWBFile("a session", "ID1", datetime.now(timezone.utc))
            series = SpatialSeries("position", np.zeros((2, 2)), "corner", timestamps=[0.0, 1.0])
            position = Position(spatial_series=series)
            position.add_spatial_series(series)
            running = IntervalSeries("running", [1, -1], timestamps=[0.0, 1.0])
            running.add_interval(2.0, 3.0)
            frame: int = series.reference_frame
            missing = SpatialSeries(name="position")
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    errors = [
        line.split(": error: ")[1] for line in result.stdout.splitlines() if ": error: " in line
    ]
    assert errors == [
        'Incompatible types in assignment (expression has type "str | None", variable has type '
        '"int")  [assignment]',
        'Missing positional argument "data" in call to "SpatialSeries"  [call-arg]',
    ], result.stdout
