"""The command line: help with examples, JSON, one-line errors, exit codes, validate, plot."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pytest

import nwbzarr
from nwbzarr.cli import build_parser, main
from nwbzarr.demo import build_nwbfile
from nwbzarr.validate import validate

SERIES = "acquisition/ElectricalSeries"
ROIS = "processing/ophys/Fluorescence/RoiResponseSeries"


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "session.nwb"
    nwbzarr.write(build_nwbfile(seconds=2.0, channels=4, units=2), path)
    return path


@pytest.fixture(scope="module")
def session_zarr(session: Path) -> Path:
    out = session.with_name("session.nwb.zarr")
    nwbzarr.convert(session, out)
    return out


def test_all_commands_exist() -> None:
    expected = {"info", "ls", "convert", "export", "index", "validate", "plot", "demo"}
    assert expected <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "example" in capsys.readouterr().out


def test_main_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes" in out
    for code in ("0", "1", "2", "130"):
        assert f"\n  {code} " in out


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["ls"])
    assert exit_.value.code == 2


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
def test_ls_and_info_json(
    fmt: str, session: Path, session_zarr: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(session if fmt == "hdf5" else session_zarr)
    assert main(["ls", path, "/acquisition", "-r", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    data = next(r for r in rows if r["path"] == f"/{SERIES}/data")
    assert data["shape"] == [60_000, 4] and data["dtype"] == "int16"
    assert main(["info", path, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == fmt and info["identifier"] == "nwbzarr-demo"
    assert info["neurodata_types"]["ElectricalSeries"] == 1


@pytest.mark.parametrize("fmt", ["icechunk", "references"])
def test_info_names_what_holds_the_tree(
    fmt: str, session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "no-suffix"  # found by its content
    if fmt == "icechunk":
        pytest.importorskip("icechunk")
        nwbzarr.convert(session, path, format="icechunk", progress=False)
    else:
        nwbzarr.index(session, path, format="kerchunk")
    assert main(["info", str(path)]) == 0
    assert re.search(rf"^format +{fmt}$", capsys.readouterr().out, re.MULTILINE)
    assert main(["info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == fmt


def test_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.nwb"
    assert main(["info", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("nwbzarr info: error: ") and str(missing) in err


def test_missing_node_names_file_and_path(
    session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ls", str(session), "/acquisition/nope"]) == 1
    err = capsys.readouterr().err
    assert str(session) in err and "nope" in err and err.count("\n") == 1


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_traceback(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["info", str(tmp_path / "nope.nwb")]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    assert main(args) == 1
    assert "Traceback" in capsys.readouterr().err


def test_convert_quiet_off_terminal(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.nwb.zarr"
    assert main(["convert", str(session), str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and f"wrote {out}" in captured.out
    assert main(["convert", str(session), str(out)]) == 1
    assert "overwrite" in capsys.readouterr().err


def test_storage_option_parsing(session: Path) -> None:
    args = build_parser().parse_args(["ls", str(session), "-s", "anon=true", "-s", "x=abc"])
    assert args.storage_options == [("anon", True), ("x", "abc")]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ls", str(session), "-s", "novalue"])


# ----- validate
@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
def test_validate_clean(
    fmt: str, session: Path, session_zarr: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = session if fmt == "hdf5" else session_zarr
    assert validate(path) == []
    assert main(["validate", str(path)]) == 0
    assert "ok: 0 errors" in capsys.readouterr().out


def _broken(tmp_path: Path, session: Path, fmt: str) -> Path:
    path = tmp_path / ("broken.nwb" if fmt == "hdf5" else "broken.nwb.zarr")
    nwbzarr.convert(session, path)
    with nwbzarr.open(path, "r+") as root:
        del root["identifier"]
        root.array("session_start_time").write(np.array("2024-05-01T09:30:00", dtype=object))
        del root[f"{SERIES}/starting_time"]
        root.create_array(f"{SERIES}/timestamps", np.arange(60_000, dtype=np.int64))
        trials = root.group("intervals/trials")
        trials.attrs["colnames"] = np.array(["start_time", "stop_time", "missing"], dtype=object)
        root["acquisition/dangling"] = nwbzarr.SoftLink("/does/not/exist")
        attrs = dict(root.array("units/spike_times_index").attrs)
        root.create_array("units/signed_index", np.arange(3, dtype=np.int32), attrs=attrs)
        del root[f"{ROIS}/data"]
    return path


@pytest.mark.parametrize("fmt", ["hdf5", "zarr"])
def test_validate_finds_problems(
    fmt: str, session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _broken(tmp_path, session, fmt)
    found = {(f.path, f.message.split(" ")[0]) for f in validate(path)}
    messages = " | ".join(str(f) for f in validate(path))
    assert ("/identifier", "required") in found, messages
    assert "has no timezone" in messages
    assert (
        "timestamps: error: dataset: dtype int64 does not satisfy the schema's 'float64'"
        in messages
    )
    assert "'missing', which is not a column" in messages
    assert "/acquisition/dangling: error: link to /does/not/exist does not resolve" in messages
    assert (
        "signed_index: error: dataset: dtype int32 does not satisfy the schema's 'uint8'"
        in messages
    )
    assert f"/{ROIS}/data: error: required dataset 'data' is missing" in messages
    assert main(["validate", str(path), "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert {r["severity"] for r in rows} == {"error"}


# ----- plot
def test_plot_series_and_image(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    for node, extra in (
        (SERIES, ["--stop", "0.2"]),
        (ROIS, []),
        ("acquisition/TwoPhotonSeries", ["--frame", "3"]),
        ("processing/ophys/ImageSegmentation/PlaneSegmentation/image_mask", []),
    ):
        out = tmp_path / (node.replace("/", "_") + ".png")
        assert main(["plot", str(session), node, "-o", str(out), *extra]) == 0, node
        assert out.read_bytes()[:4] == b"\x89PNG"


def test_plot_labels(session: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from nwbzarr import plot

    captured: dict[str, object] = {}
    real = plot.pyplot

    def spy() -> object:
        plt = real()
        original = plt.Figure.savefig

        def savefig(fig: object, *args: object, **kwargs: object) -> None:
            ax = fig.axes[0]  # type: ignore[attr-defined]
            captured["x"], captured["y"] = ax.get_xlabel(), ax.get_ylabel()
            captured["legend"] = [t.get_text() for t in ax.get_legend().get_texts()]
            original(fig, *args, **kwargs)

        plt.Figure.savefig = savefig
        captured["restore"] = lambda: setattr(plt.Figure, "savefig", original)
        return plt

    with nwbzarr.open(session) as root:
        plot.pyplot = spy
        try:
            plot.plot_node(root[SERIES], tmp_path / "x.png", stop=0.1)
        finally:
            plot.pyplot = real
            restore = captured["restore"]
            assert callable(restore)
            restore()
    assert captured["x"] == "time (s)"
    assert captured["y"] == "ElectricalSeries (volts)"
    assert captured["legend"] == [f"channel {i}" for i in range(4)]


def test_plot_error_is_one_line(session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    assert main(["plot", str(session), "general", "-o", "x.png"]) == 1
    err = capsys.readouterr().err
    assert "not a time series" in err and err.count("\n") == 1


# ----- commands that call the other modules
def test_export(session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("nwbzarr.export")
    out = tmp_path / "standalone.nwb.zarr"
    assert main(["export", str(session), str(out)]) == 0
    with nwbzarr.open(out) as root:
        assert root.array(f"{SERIES}/data").shape == (60_000, 4)


def test_index(session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("nwbzarr.virtual")
    out = tmp_path / "session.index.zarr"
    assert main(["index", str(session), str(out)]) == 0
    with nwbzarr.open(out) as index, nwbzarr.open(session) as src:
        assert np.array_equal(
            index.array(f"{SERIES}/data")[:100], src.array(f"{SERIES}/data")[:100]
        )
