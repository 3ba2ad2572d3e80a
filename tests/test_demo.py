"""``nwbzarr demo``: a lossless round trip, xarray from both formats, a figure, quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from inspection import nwb_files, serious_findings

import nwbzarr
from nwbzarr.cli import main
from nwbzarr.demo import run


def test_demo_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    start = time.perf_counter()
    result = run(tmp_path, seconds=3.0, channels=8)
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert result["differences"] == []
    assert result["same_values"]
    assert "HDF5 -> Zarr -> HDF5 trees: identical" in out
    assert "/processing/ophys/Fluorescence/RoiResponseSeries" in out
    figure = result["figure"]
    assert isinstance(figure, Path) and figure.read_bytes()[:4] == b"\x89PNG"
    assert str(figure) in out
    assert elapsed < 60
    with nwbzarr.open(result["paths"]["zarr"]) as root:
        assert root["units"].neurodata_type == "Units"
        assert root["acquisition/TwoPhotonSeries"].neurodata_type == "TwoPhotonSeries"
        assert len(root.array("intervals/trials/start_time")) == 2


def test_demo_cli_without_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["demo", "--outdir", str(tmp_path), "--seconds", "2", "--channels", "4", "--no-figure"]
    )
    assert code == 0
    assert not (tmp_path / "demo.png").exists()
    assert "identical" in capsys.readouterr().out


def test_demo_files_pass_nwbinspector(tmp_path: Path) -> None:
    """The shortest demo (2 s): no CRITICAL, best-practice violation or reading error."""
    result = run(tmp_path, seconds=2.0, channels=4, figure=False)
    written = nwb_files(tmp_path)
    assert {p.name for p in written} == {p.name for p in result["paths"].values()}
    findings = [f for path in written for f in serious_findings(path)]
    assert findings == [], "\n".join(findings)


def test_demo_too_short_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--outdir", str(tmp_path), "--seconds", "1"]) == 1
    assert "at least 2 s" in capsys.readouterr().err
