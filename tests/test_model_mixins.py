"""pynwb's convenience methods on the classes generated from the schema (model/extend.py hook)."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import nwbzarr.model
from nwbzarr.errors import ValidationError
from nwbzarr.model.extend import extends, load_mixins, mixins_for
from nwbzarr.model.misc import appended


def model_class(name: str, method: str) -> Any:
    """The model's class ``name``; xfail while the generated classes have not landed."""
    cls = getattr(nwbzarr.model, name, None)
    if cls is None or not hasattr(cls, method):
        pytest.xfail(
            f"nwbzarr.model has no {name}.{method} yet (classes from the schema and their "
            "mixins: model, item 1)"
        )
    return cls


def test_extends_registers_in_order() -> None:
    @extends("MadeUpTypeForTest")
    class First:
        pass

    @extends("MadeUpTypeForTest", "OtherMadeUpType")
    class Second:
        pass

    assert mixins_for("MadeUpTypeForTest") == (First, Second)
    assert mixins_for("OtherMadeUpType") == (Second,)
    assert mixins_for("NoSuchType") == ()
    with pytest.raises(TypeError, match="at least one neurodata type"):
        extends()


def test_load_mixins_registers_the_domain_modules() -> None:
    load_mixins()
    names = {m.__name__ for m in mixins_for("IntervalSeries")}
    assert "IntervalSeriesMethods" in names
    assert {m.__name__ for m in mixins_for("Units")} == {"UnitsMethods"}


def test_appended_keeps_lists_and_loads_arrays() -> None:
    values = [1]
    assert appended(values, 2) is values and values == [1, 2]
    assert appended(None, 3, 4) == [3, 4]
    assert appended(np.array([1.5]), 2.5) == [1.5, 2.5]


def test_annotation_series_add_annotation() -> None:
    series = model_class("AnnotationSeries", "add_annotation")(name="notes", data=[], timestamps=[])
    series.add_annotation(1.0, "asleep")
    series.add_annotation(time=2.5, annotation="awake")
    assert list(series.data) == ["asleep", "awake"]
    assert list(series.timestamps) == [1.0, 2.5]
    assert list(inspect.signature(type(series).add_annotation).parameters) == [
        "self",
        "time",
        "annotation",
    ]


def test_interval_series_add_interval() -> None:
    series = model_class("IntervalSeries", "add_interval")(
        name="running", data=[1, -1], timestamps=[0.5, 1.5]
    )
    series.add_interval(3.0, 4.0)
    assert list(series.data) == [1, -1, 1, -1]
    assert list(series.timestamps) == [0.5, 1.5, 3.0, 4.0]
    with pytest.raises(ValidationError, match=r"add_interval: stop 1\.0 is before start 2\.0"):
        series.add_interval(2.0, 1.0)


def test_abstract_feature_series_add_features() -> None:
    series = model_class("AbstractFeatureSeries", "add_features")(
        name="features", data=[], features=["a", "b"], feature_units=["m", "s"], timestamps=[]
    )
    series.add_features(0.5, np.array([1.0, 2.0]))
    series.add_features(1.5, [3.0, 4.0])
    assert series.data == [[1.0, 2.0], [3.0, 4.0]]
    assert series.timestamps == [0.5, 1.5]


PREDEFINED_COLUMNS = "tables' columns declared by the schema (model: FrequencyBandsTable.band_name)"


@pytest.mark.xfail(reason=PREDEFINED_COLUMNS, strict=False)
def test_decomposition_series_add_band() -> None:
    series = model_class("DecompositionSeries", "add_band")(
        name="spectrum", data=np.zeros((4, 1, 2)), metric="power", rate=10.0
    )
    series.add_band(band_name="theta", band_limits=(4.0, 12.0), band_mean=8.0, band_stdev=2.0)
    series.add_band("gamma", [30.0, 80.0], 55.0, 12.0)
    assert series.bands.name == "bands"
    assert len(series.bands) == 2
    assert list(series.bands["band_name"][:]) == ["theta", "gamma"]
    with pytest.raises(ValidationError, match=r"add_band 'bad': band_limits must be \(low, high\)"):
        series.add_band("bad", [1.0, 2.0, 3.0])


def test_units_spike_times_and_obs_intervals() -> None:
    units = model_class("Units", "get_unit_spike_times")()
    units.add_unit(spike_times=[1.0, 2.0, 3.0], obs_intervals=[[0.0, 5.0]])
    units.add_unit(spike_times=[0.5, 4.0], obs_intervals=[[0.0, 2.0], [3.0, 6.0]])
    np.testing.assert_array_equal(units.get_unit_spike_times(1), [0.5, 4.0])
    within = units.get_unit_spike_times([0, 1], in_interval=(1.5, 4.0))
    np.testing.assert_array_equal(within[0], [2.0, 3.0])
    np.testing.assert_array_equal(within[1], [4.0])
    np.testing.assert_array_equal(units.get_unit_obs_intervals(1), [[0.0, 2.0], [3.0, 6.0]])
