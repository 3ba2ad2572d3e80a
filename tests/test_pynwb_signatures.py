"""nwbzarr's classes take pynwb 4.2's constructor and method signatures (issue 14 item 2).

For every class of pynwb 4.2 in the core, hdmf-common and hdmf-experimental namespaces, and
for the methods and properties pynwb's tutorials use, ``inspect.signature`` of nwbzarr's
class must give pynwb's names, in pynwb's order for what pynwb takes positionally, with
pynwb's defaults. nwbzarr may add keyword-only parameters with defaults (they break no pynwb
call). Every other difference must be listed in ``docs/pynwb-compat.md`` with its reason;
a listed difference that no longer exists fails too, so the page stays true.
"""

from __future__ import annotations

import fnmatch
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pynwb")

from pynwb_docval import extract

import nwbzarr
from nwbzarr.model.signatures import CLASSES, Sig, method_sig

COMPAT = Path(__file__).resolve().parents[1] / "docs" / "pynwb-compat.md"
_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
_NAMED = (*_POSITIONAL, _P.KEYWORD_ONLY)
# the members pynwb's tutorials use beyond the constructors, checked on every class named
TUTORIAL_METHODS: dict[str, tuple[str, ...]] = {
    "NWBFile": (
        "add_acquisition",
        "add_analysis",
        "add_device",
        "add_electrode",
        "add_electrode_column",
        "add_electrode_group",
        "add_epoch",
        "add_epoch_column",
        "add_icephys_electrode",
        "add_imaging_plane",
        "add_intracellular_recording",
        "add_icephys_simultaneous_recording",
        "add_icephys_sequential_recording",
        "add_icephys_repetition",
        "add_icephys_experimental_condition",
        "add_invalid_time_interval",
        "add_lab_meta_data",
        "add_ogen_site",
        "add_processing_module",
        "add_scratch",
        "add_stimulus",
        "add_stimulus_template",
        "add_time_intervals",
        "add_trial",
        "add_trial_column",
        "add_unit",
        "add_unit_column",
        "create_device",
        "create_electrode_group",
        "create_electrode_table_region",
        "create_icephys_electrode",
        "create_imaging_plane",
        "create_ogen_site",
        "create_processing_module",
        "create_time_intervals",
        "get_acquisition",
        "get_analysis",
        "get_device",
        "get_processing_module",
        "get_scratch",
        "get_stimulus",
        "get_time_intervals",
        "generate_new_id",
    ),
    "DynamicTable": ("add_row", "add_column", "to_dataframe", "create_region"),
    "VectorData": ("add_row",),
    "ProcessingModule": ("add", "get"),
    "Images": ("add_image", "get_image"),
    "ImageSegmentation": (
        "add_plane_segmentation",
        "create_plane_segmentation",
        "get_plane_segmentation",
    ),
    "PlaneSegmentation": ("add_roi", "create_roi_table_region"),
    "Fluorescence": (
        "add_roi_response_series",
        "create_roi_response_series",
        "get_roi_response_series",
    ),
    "DfOverF": ("add_roi_response_series", "create_roi_response_series", "get_roi_response_series"),
    "Position": ("add_spatial_series", "create_spatial_series", "get_spatial_series"),
    "CompassDirection": ("add_spatial_series", "create_spatial_series", "get_spatial_series"),
    "EyeTracking": ("add_spatial_series", "create_spatial_series", "get_spatial_series"),
    "BehavioralTimeSeries": ("add_timeseries", "create_timeseries", "get_timeseries"),
    "BehavioralEvents": ("add_timeseries", "create_timeseries", "get_timeseries"),
    "PupilTracking": ("add_timeseries", "create_timeseries", "get_timeseries"),
    "BehavioralEpochs": ("add_interval_series", "create_interval_series", "get_interval_series"),
    "LFP": ("add_electrical_series", "create_electrical_series", "get_electrical_series"),
    "FilteredEphys": ("add_electrical_series", "create_electrical_series", "get_electrical_series"),
    "TimeIntervals": ("add_interval",),
    "Units": ("add_unit", "get_unit_spike_times", "get_unit_obs_intervals"),
    "AnnotationSeries": ("add_annotation",),
    "IntervalSeries": ("add_interval",),
    "DecompositionSeries": ("add_band",),
    "FrequencyBandsTable": ("add_band",),
    "AbstractFeatureSeries": ("add_features",),
    "IntracellularRecordingsTable": ("add_recording",),
    "SimultaneousRecordingsTable": ("add_simultaneous_recording",),
    "SequentialRecordingsTable": ("add_sequential_recording",),
    "RepetitionsTable": ("add_repetition",),
    "ExperimentalConditionsTable": ("add_experimental_condition",),
    "MotionCorrection": (
        "add_corrected_image_stack",
        "create_corrected_image_stack",
        "get_corrected_image_stack",
    ),
}
# properties (not calls) the tutorials read
TUTORIAL_PROPERTIES: dict[str, tuple[str, ...]] = {
    "NWBFile": (
        "objects",
        "acquisition",
        "analysis",
        "processing",
        "scratch",
        "devices",
        "electrodes",
        "electrode_groups",
        "units",
        "trials",
        "epochs",
        "intervals",
        "subject",
        "stimulus",
        "stimulus_template",
        "imaging_planes",
        "icephys_electrodes",
        "ogen_sites",
        "lab_meta_data",
        "intracellular_recordings",
        "icephys_simultaneous_recordings",
        "icephys_sequential_recordings",
        "icephys_repetitions",
        "icephys_experimental_conditions",
    ),
    "DynamicTable": ("colnames", "columns", "id"),
    "ProcessingModule": ("data_interfaces",),
    "TimeSeries": ("data", "timestamps", "rate", "starting_time", "unit", "conversion"),
}


def allowed_differences() -> dict[str, str]:
    """``{pattern: reason}`` of the table rows under ``## Differences`` in the docs page."""
    section = COMPAT.read_text().split("\n## Differences\n", 1)[1]
    rows = re.findall(r"^\|\s*`([^`]+)`\s*\|(.+)\|\s*$", section, re.M)
    return {pattern: reason.strip() for pattern, reason in rows}


def sig_differences(actual: inspect.Signature, expected: Sig, method: bool) -> list[str]:
    """What ``actual`` lacks or does differently from pynwb's ``expected`` (empty if none)."""
    params = list(actual.parameters.values())
    if method and params and params[0].kind in _POSITIONAL:
        params = params[1:]  # self (unbound function)
    kwargs = any(p.kind is _P.VAR_KEYWORD for p in params)
    out = _param_differences({p.name: p for p in params}, expected, kwargs)
    positional = [p.name for p in params if p.kind in _POSITIONAL]
    want_pos = list(expected.names()) if expected.positional else []
    if positional[: len(want_pos)] != want_pos:
        out.append(f"positional order {positional}, pynwb {want_pos}")
    added = [p.name for p in params if p.name not in expected.names() and p.kind in _NAMED]
    required = [n for n in added if next(p for p in params if p.name == n).default is _P.empty]
    if required:
        out.append(f"parameters pynwb does not have are required: {required}")
    if expected.extra and not kwargs:
        out.append("no **kwargs (pynwb accepts extra keywords)")
    return out


def _param_differences(
    have: dict[str, inspect.Parameter], expected: Sig, kwargs: bool
) -> list[str]:
    out: list[str] = []
    for want in expected.signature(method=False).parameters.values():
        got = have.get(want.name)
        if got is None:
            if not kwargs or want.default is _P.empty:
                out.append(f"no parameter {want.name!r}")
        elif want.default is not got.default and not _same(want.default, got.default):
            out.append(f"{want.name!r} defaults to {_text(got)}, pynwb {_text(want)}")
    return out


def _text(param: inspect.Parameter) -> str:
    return "nothing (required)" if param.default is _P.empty else repr(param.default)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(type(a) is type(b) and a == b)
    except (TypeError, ValueError):
        return False


def _method(name: str, method: str) -> Sig:
    found = method_sig(name, method)
    if found is None:
        raise KeyError(f"{name}.{method} is not a pynwb method")
    return found


def class_differences(name: str) -> dict[str, list[str]]:
    """``{"Class.member": [differences]}`` of nwbzarr's class ``name`` against pynwb."""
    cls = getattr(nwbzarr, name, None)
    if not isinstance(cls, type):
        return {name: ["not importable from nwbzarr"]}
    out: dict[str, list[str]] = {}
    init = sig_differences(inspect.signature(cls), CLASSES[name].init, method=False)
    if init:
        out[f"{name}.__init__"] = init
    for method in TUTORIAL_METHODS.get(name, ()):
        expected = _method(name, method)
        func: Callable[..., Any] | None = getattr(cls, method, None)
        if func is None:
            out[f"{name}.{method}"] = ["missing"]
            continue
        diffs = sig_differences(inspect.signature(func), expected, method=True)
        if diffs:
            out[f"{name}.{method}"] = diffs
    for prop in TUTORIAL_PROPERTIES.get(name, ()):
        if not _has_attribute(cls, prop):
            out[f"{name}.{prop}"] = ["missing property"]
    return out


def _has_attribute(cls: type, name: str) -> bool:
    """A class attribute, property, or an annotated (dataclass) field."""
    annotated = any(name in vars(k).get("__annotations__", {}) for k in cls.__mro__)
    return annotated or hasattr(cls, name)


def test_signature_data_matches_pynwb() -> None:
    """The committed data is what pynwb 4.2's docval says (regenerate: tests/pynwb_docval.py)."""
    live = extract()
    assert list(CLASSES) == list(live)
    for name, sig in live.items():
        assert CLASSES[name] == sig, name


def test_tutorial_members_are_pynwb_methods() -> None:
    for name, methods in TUTORIAL_METHODS.items():
        for method in methods:
            _method(name, method)


@pytest.mark.parametrize("name", list(CLASSES))
def test_class_matches_pynwb(name: str) -> None:
    allowed = allowed_differences()
    found = class_differences(name)
    unlisted = {
        key: diffs
        for key, diffs in found.items()
        if not any(fnmatch.fnmatchcase(key, pattern) for pattern in allowed)
    }
    assert not unlisted, f"differences from pynwb 4.2 not in docs/pynwb-compat.md: {unlisted}"


def test_listed_differences_exist() -> None:
    """Each row of docs/pynwb-compat.md names a difference that still exists."""
    found = [key for name in CLASSES for key in class_differences(name)]
    stale = [p for p in allowed_differences() if not fnmatch.filter(found, p)]
    assert not stale, f"docs/pynwb-compat.md lists differences that are gone: {stale}"
