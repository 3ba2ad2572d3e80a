"""pynwb's names for the collections of the behavior types, and the helpers behind them.

pynwb calls the methods of ``BehavioralEvents``, ``BehavioralTimeSeries`` and
``PupilTracking`` ``add_timeseries``, ``get_timeseries`` and ``create_timeseries`` (one word),
and those of ``Images`` ``add_image``, ``get_image``, ``create_image``; the generator names
collection methods after the child type. These mixins (see :mod:`nwbzarr.model.extend`) give
pynwb's names, working on the collection (a dict of children by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nwbzarr.errors import ValidationError
from nwbzarr.model.extend import extends
from nwbzarr.model.signatures import method_sig

__all__ = [
    "TimeSeriesCollectionMethods",
    "add_children",
    "child_named",
    "model_class",
    "with_pynwb_signature",
]


def model_class(name: str) -> Any:
    """The model's class of neurodata type ``name`` (generated on first use)."""
    from nwbzarr import model

    return getattr(model, name)


def add_children(owner: Any, attribute: str, items: Any, type_name: str) -> Any:
    """Add a child, a list or a dict of children of type ``type_name`` to ``owner.<attribute>``.

    Returns the child (or the list of children) added.
    """
    store = getattr(owner, attribute, None)
    if store is None:
        store = {}
        setattr(owner, attribute, store)
    if isinstance(items, Mapping):
        values = list(items.values())
    elif isinstance(items, list | tuple):
        values = list(items)
    else:
        values = [items]
    kind = model_class(type_name)
    where = f"{type(owner).__name__} {getattr(owner, 'name', '')!r}"
    for value in values:
        if not isinstance(value, kind):
            raise ValidationError(f"{where}: {attribute}: expected a {type_name}, got {value!r}")
        if value.name in store:
            raise ValidationError(f"{where}: {attribute} already has {value.name!r}")
        store[value.name] = value
    return values[0] if len(values) == 1 else values


def child_named(owner: Any, attribute: str, name: str | None, type_name: str) -> Any:
    """``owner.<attribute>[name]`` (the only child when ``name`` is None)."""
    store = getattr(owner, attribute, None) or {}
    where = f"{type(owner).__name__} {getattr(owner, 'name', '')!r}"
    if name is None:
        if len(store) == 1:
            return next(iter(store.values()))
        raise ValidationError(f"{where}: {attribute} holds {len(store)} objects: name one")
    if name not in store:
        raise KeyError(f"{where}: no {type_name} named {name!r} in {attribute} ({list(store)})")
    return store[name]


def with_pynwb_signature(type_name: str, method: Any) -> None:
    """Show pynwb's signature of ``type_name.<method>`` on a method taking ``*args, **kwargs``."""
    sig = method_sig(type_name, method.__name__)
    if sig is None:
        raise ValueError(f"pynwb's {type_name} has no method {method.__name__!r}")
    method.__signature__ = sig.signature()


@extends("BehavioralEvents", "BehavioralTimeSeries", "PupilTracking")
class TimeSeriesCollectionMethods:
    """``add_timeseries``, ``get_timeseries``, ``create_timeseries`` on ``time_series``."""

    def add_timeseries(self, time_series: Any) -> Any:
        """Add a TimeSeries (or a list or dict of them)."""
        return add_children(self, "time_series", time_series, "TimeSeries")

    def get_timeseries(self, name: str | None = None) -> Any:
        """The TimeSeries called ``name`` (the only one when ``name`` is None)."""
        return child_named(self, "time_series", name, "TimeSeries")

    def create_timeseries(self, *args: Any, **kwargs: Any) -> Any:
        """Build a TimeSeries with these arguments (TimeSeries's) and add it."""
        return self.add_timeseries(model_class("TimeSeries")(*args, **kwargs))


with_pynwb_signature("BehavioralEvents", TimeSeriesCollectionMethods.create_timeseries)
