"""Core NWB types: TimeSeries, ProcessingModule, ScratchData, Device, Subject, TimeIntervals."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Self

import numpy as np

from nwbzarr.dims import SERIES_DATA_DIMS
from nwbzarr.dtypes import ASCII
from nwbzarr.errors import ValidationError
from nwbzarr.model.base import (
    Container,
    DataIO,
    NWBContainer,
    NWBData,
    NWBDataInterface,
    ReadContext,
    WriteContext,
    as_values,
    class_info,
    data_len,
    read_members,
    register,
    write_data,
)
from nwbzarr.model.table import DynamicTable, VectorData
from nwbzarr.model.values import attr_float, attr_text, dataset_text, iso, parse_date, write_text
from nwbzarr.tree import Array, Group, Node, SoftLink

CONTINUITY = ("continuous", "instantaneous", "step")


def _stored(group: Group, name: str) -> Node | None:
    """The member ``name`` of ``group`` (a link followed: :class:`LinkError` if it cannot be),
    None if there is none. Not ``group.get``: that would take a link that cannot be followed
    for no member."""
    if name not in group:
        return None
    return group[name]


@register
@dataclass(kw_only=True, eq=False)
class TimeSeries(NWBDataInterface):
    """Data over time, with ``timestamps`` or ``starting_time`` + ``rate`` (exactly one).

    ``timestamps`` may be another TimeSeries: its timestamps are then linked, not copied.
    """

    neurodata_type: ClassVar[str] = "TimeSeries"

    data: Any
    unit: str = "unknown"
    resolution: float = -1.0
    conversion: float = 1.0
    offset: float = 0.0
    timestamps: Any = None
    starting_time: float | None = None
    rate: float | None = None
    comments: str = "no comments"
    description: str = "no description"
    continuity: str | None = None
    # the series whose data / timestamps these are (stored as links to them, as pynwb does)
    data_from: TimeSeries | None = field(default=None, init=False, repr=False)
    timestamps_from: TimeSeries | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.validate()

    def _take_linked(self) -> None:
        """``data=`` / ``timestamps=`` another series: its values, linked when written."""
        if isinstance(self.timestamps, TimeSeries):
            source = self.timestamps
            if source.timestamps is None:
                raise ValidationError(
                    f"{type(self).__name__} {self.name!r}: timestamps={source.name!r} "
                    "has no stored timestamps"
                )
            self.timestamps_from, self.timestamps = source, source.timestamps
        if isinstance(self.data, TimeSeries):
            self.data_from, self.data = self.data, self.data.data

    def validate(self) -> None:
        self._take_linked()
        kind, name = type(self).__name__, self.name
        if self.timestamps is not None and (
            self.rate is not None or self.starting_time is not None
        ):
            raise ValidationError(
                f"{kind} {name!r}: give either timestamps or starting_time and rate, not both"
            )
        if self.timestamps is None and self.rate is None:
            raise ValidationError(
                f"{kind} {name!r}: give either timestamps or rate (with starting_time), not neither"
            )
        if self.rate is not None and self.starting_time is None:
            self.starting_time = 0.0
        if self.continuity is not None and self.continuity not in CONTINUITY:
            raise ValidationError(
                f"{kind} {name!r}: continuity={self.continuity!r}, expected one of {CONTINUITY}"
            )
        ts = self.timestamps
        if ts is not None and not isinstance(ts, TimeSeries | Array | DataIO):
            self.timestamps = ts = np.asarray(ts, dtype="float64")
            if ts.ndim == 1 and ts.size > 1 and bool(np.any(np.diff(ts) < 0)):
                warnings.warn(
                    f"{kind} {name!r}: timestamps are not ascending", UserWarning, stacklevel=4
                )
        n_ts = self.num_timestamps()
        if n_ts is not None:
            n_data = (
                data_len(self.data)
                if np.ndim(self.data) or isinstance(self.data, DataIO | Array)
                else 0
            )
            if n_data and n_data != n_ts:
                raise ValidationError(
                    f"{kind} {name!r}: data has {n_data} time points, timestamps has {n_ts}"
                )

    def num_timestamps(self) -> int | None:
        ts = self.timestamps
        return None if ts is None else data_len(ts)

    def get_timestamps(self) -> np.ndarray[Any, Any]:
        """Timestamps in seconds (computed from starting_time and rate if not stored)."""
        ts = self.timestamps
        if ts is not None:
            return np.asarray(as_values(ts), dtype="float64")
        n = data_len(self.data)
        assert self.rate is not None
        return (self.starting_time or 0.0) + np.arange(n) / self.rate

    @property
    def num_samples(self) -> int:
        return data_len(self.data)

    def append(self, data: Any, timestamps: Any = None) -> None:
        """Append a block of samples (and their timestamps) to a series of a writable file.

        The series must have been read from a file opened for writing
        (``nwbzarr.read(path, mode="r+")``) and its ``data`` (and ``timestamps``) stored
        extendable along time (``DataIO(..., maxshape=(None, ...))``). Data is written before
        timestamps, so a reader (or a writer killed mid-append) sees at most the samples
        whose timestamps are complete: use ``min(len(data), len(timestamps))`` samples.
        """
        where = f"{type(self).__name__} {self.name!r}"
        if not isinstance(self.data, Array):
            raise ValidationError(f"{where}: append needs data stored in a file (read it first)")
        block = np.asarray(data, dtype=self.data.dtype)
        if block.ndim == self.data.ndim - 1:
            block = block[np.newaxis]
        times = self._append_times(block.shape[0], timestamps, where)
        self.data.append(block)
        if times is not None:
            assert isinstance(self.timestamps, Array)
            self.timestamps.append(times)
        self.data.file.flush()

    def _append_times(
        self, n: int, timestamps: Any, where: str
    ) -> np.ndarray[Any, np.dtype[np.float64]] | None:
        ts = self.timestamps
        if self.timestamps_from is not None:
            raise ValidationError(
                f"{where}: timestamps are linked to {self.timestamps_from.name!r}: "
                "append them there"
            )
        if ts is None:
            if timestamps is not None:
                raise ValidationError(f"{where}: has a rate, not timestamps: pass none")
            return None
        if timestamps is None:
            raise ValidationError(f"{where}: stores timestamps: pass timestamps= with the block")
        if not isinstance(ts, Array):
            raise ValidationError(f"{where}: append needs timestamps stored in a file")
        times = np.atleast_1d(np.asarray(timestamps, dtype="float64"))
        if times.shape != (n,):
            raise ValidationError(
                f"{where}: {n} samples but {times.shape[0]} timestamps in the appended block"
            )
        if ts.shape[0] != data_len(self.data):
            raise ValidationError(
                f"{where}: data ({data_len(self.data)}) and timestamps ({ts.shape[0]}) are "
                "out of step (an interrupted append?): trim them before appending"
            )
        return times

    # ----- tree
    def group_attrs(self) -> dict[str, Any]:
        return {
            **self.typed_attrs(),
            "comments": self.comments,
            "description": self.description,
        }

    def data_attrs(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            "conversion": float(self.conversion),
            "offset": float(self.offset),
            "resolution": float(self.resolution),
            "unit": self.unit,
        }
        if self.continuity is not None:
            attrs["continuity"] = self.continuity
        return attrs

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(self.name, attrs=self.group_attrs())
        if self.data_from is not None:
            ctx.link(group, "data", self.data_from, "data")
        else:
            dims = SERIES_DATA_DIMS.get(self.neurodata_type, ("time",))
            data = self.data
            spec = class_info(self).field_map.get("data")
            if spec is not None and isinstance(data, list | np.ndarray):
                from nwbzarr.model.mapping import to_stored

                data = to_stored(spec, data)  # the schema's dtype, as pynwb converts
            write_data(group, "data", data, dims=dims, attrs=self.data_attrs(), ctx=ctx)
        ts_attrs = {"interval": 1, "unit": "seconds"}
        if self.timestamps_from is not None:
            ctx.link(group, "timestamps", self.timestamps_from, "timestamps")
        elif self.timestamps is not None:
            ts = self.timestamps
            if not isinstance(ts, Array | DataIO):
                ts = np.asarray(ts, dtype="float64")
            write_data(group, "timestamps", ts, dims=("time",), attrs=ts_attrs, ctx=ctx)
        else:
            assert self.rate is not None
            group.create_array(
                "starting_time",
                np.float64(self.starting_time or 0.0),
                attrs={"rate": float(self.rate), "unit": "seconds"},
            )
        self.write_fields(group, ctx)
        return group

    def write_fields(self, group: Group, ctx: WriteContext) -> None:
        """Subtypes write their own fields here."""

    @classmethod
    def read_fields(cls, group: Group, ctx: ReadContext) -> dict[str, Any]:
        """Subtypes read their own fields here (constructor arguments)."""
        return {}

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        kwargs: dict[str, Any] = {
            "name": node.name,
            "comments": attr_text(node, "comments", "no comments"),
            "description": attr_text(node, "description", "no description"),
        }
        # each member looked up once: a file of many small series is made of these lookups
        data_link = node.get_link("data")
        data_node = _stored(node, "data")
        if isinstance(data_link, SoftLink):
            kwargs["data"] = ctx.get(data_link.path.rpartition("/")[0])
        else:
            kwargs["data"] = data_node if data_node is not None else np.zeros(0)
        if isinstance(data_node, Array):
            kwargs["unit"] = attr_text(data_node, "unit", "unknown")
            kwargs["conversion"] = attr_float(data_node, "conversion", 1.0)
            kwargs["offset"] = attr_float(data_node, "offset", 0.0)
            kwargs["resolution"] = attr_float(data_node, "resolution", -1.0)
            kwargs["continuity"] = attr_text(data_node, "continuity")
        ts_link = node.get_link("timestamps")
        if isinstance(ts_link, SoftLink):
            kwargs["timestamps"] = ctx.get(ts_link.path.rpartition("/")[0])
        elif (timestamps := _stored(node, "timestamps")) is not None:
            kwargs["timestamps"] = timestamps
        elif (start := _stored(node, "starting_time")) is not None:
            assert isinstance(start, Array)
            kwargs["starting_time"] = float(start[()])
            kwargs["rate"] = attr_float(start, "rate", 1.0)
        kwargs.update(cls.read_fields(node, ctx))
        return cls(**kwargs)


@register
@dataclass(kw_only=True, eq=False)
class ProcessingModule(NWBContainer):
    """A named group of processed data interfaces (``/processing/<name>``)."""

    neurodata_type: ClassVar[str] = "ProcessingModule"
    handles: ClassVar[frozenset[str]] = frozenset({"nwb_data_interfaces", "dynamic_tables"})

    description: str
    data_interfaces: dict[str, Container] = field(default_factory=dict)

    def add(self, data_interfaces: Any) -> Any:
        """Add a data interface or table, a list of them or a dict of them (pynwb's ``add``);
        returns what was given, as pynwb does."""
        if isinstance(data_interfaces, Mapping):
            items = list(data_interfaces.values())
        elif isinstance(data_interfaces, list | tuple):
            items = list(data_interfaces)
        else:
            items = [data_interfaces]
        for container in items:
            if not isinstance(container, Container):
                raise ValidationError(
                    f"ProcessingModule {self.name!r}: add {container!r}: expected an "
                    "NWBDataInterface or a DynamicTable"
                )
            if container.name in self.data_interfaces:
                raise ValidationError(f"{self.name}: {container.name!r} already exists")
            self.data_interfaces[container.name] = container
        return data_interfaces

    add_data_interface = add
    add_container = add

    def get(self, name: str | None = None) -> Container:
        """The data interface called ``name`` (the only one when ``name`` is None)."""
        if name is None:
            if len(self.data_interfaces) != 1:
                raise ValidationError(
                    f"ProcessingModule {self.name!r} holds {len(self.data_interfaces)} data "
                    f"interfaces: name one ({list(self.data_interfaces)})"
                )
            return next(iter(self.data_interfaces.values()))
        return self.data_interfaces[name]

    get_data_interface = get

    def __getitem__(self, name: str) -> Container:
        return self.data_interfaces[name]

    def __iter__(self) -> Iterator[Container]:
        return iter(self.data_interfaces.values())

    @property
    def containers(self) -> dict[str, Container]:
        return self.data_interfaces

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(
            self.name, attrs={**self.typed_attrs(), "description": self.description}
        )
        for child in self.data_interfaces.values():
            child.write(group, ctx)
        return group

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        obj = cls(name=node.name, description=attr_text(node, "description", "") or "")
        obj.data_interfaces = read_members(node, ctx, links=False)
        return obj


@register
@dataclass(kw_only=True, eq=False)
class ScratchData(NWBData):
    """Data in ``/scratch``; ``description`` says what it is (stored as the ``notes``
    attribute, as pynwb stores it)."""

    neurodata_type: ClassVar[str] = "ScratchData"
    handles: ClassVar[frozenset[str]] = frozenset({"notes"})

    data: Any
    description: str = ""

    @property
    def notes(self) -> str:
        """The stored name of :attr:`description` (pynwb's older name)."""
        return self.description

    @notes.setter
    def notes(self, value: str) -> None:
        self.description = value

    def typed_attrs(self) -> dict[str, Any]:
        return {**super().typed_attrs(), "notes": self.description}

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        obj = super().from_tree(node, ctx)
        obj.description = attr_text(node, "notes", "") or ""
        return obj


@register
@dataclass(kw_only=True, eq=False)
class Device(NWBContainer):
    neurodata_type: ClassVar[str] = "Device"

    description: str | None = None
    manufacturer: str | None = None

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        attrs = self.typed_attrs()
        for key in ("description", "manufacturer"):
            if getattr(self, key) is not None:
                attrs[key] = getattr(self, key)
        return parent.create_group(self.name, attrs=attrs)

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        return cls(
            name=node.name,
            description=attr_text(node, "description"),
            manufacturer=attr_text(node, "manufacturer"),
        )


SUBJECT_TEXT = (
    "age",
    "description",
    "genotype",
    "sex",
    "species",
    "strain",
    "subject_id",
    "weight",
)


@register
@dataclass(kw_only=True, eq=False)
class Subject(NWBContainer):
    neurodata_type: ClassVar[str] = "Subject"

    name: str = "subject"
    age: str | None = None
    age__reference: str = "birth"
    description: str | None = None
    genotype: str | None = None
    sex: str | None = None
    species: str | None = None
    strain: str | None = None
    subject_id: str | None = None
    weight: str | None = None
    date_of_birth: datetime | None = None

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(self.name, attrs=self.typed_attrs())
        for key in SUBJECT_TEXT:
            write_text(group, key, getattr(self, key))
        if self.age is not None:
            group["age"].attrs["reference"] = self.age__reference
        if self.date_of_birth is not None:
            write_text(group, "date_of_birth", iso(self.date_of_birth, "date_of_birth"), True)
        return group

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        kwargs: dict[str, Any] = {key: dataset_text(node, key) for key in SUBJECT_TEXT}
        if "age" in node:
            kwargs["age__reference"] = attr_text(node["age"], "reference", "birth")
        born = dataset_text(node, "date_of_birth")
        return cls(name=node.name, date_of_birth=parse_date(born) if born else None, **kwargs)


@register
@dataclass(kw_only=True, eq=False)
class TimeIntervals(DynamicTable):
    """Intervals with ``start_time`` and ``stop_time`` (trials, epochs, invalid times)."""

    neurodata_type: ClassVar[str] = "TimeIntervals"
    namespace: ClassVar[str] = "core"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.columns:
            self.add_column("start_time", "Start time of epoch, in seconds")
            self.add_column("stop_time", "Stop time of epoch, in seconds")

    def add_interval(
        self,
        start_time: float,
        stop_time: float,
        tags: str | Sequence[str] | None = None,
        timeseries: Any = None,
        **kwargs: Any,
    ) -> None:
        """Add an interval; ``tags`` (text, ragged) and ``timeseries`` (the series it covers)."""
        if stop_time < start_time:
            raise ValidationError(
                f"{self.name}: stop_time={stop_time!r} is before start_time={start_time!r}"
            )
        from nwbzarr.model.tsref import interval_row

        given = tags if tags is None or isinstance(tags, str) else list(tags)
        self.add_row(interval_row(start_time, stop_time, given, timeseries, **kwargs))

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        obj = cls(name=node.name, description=attr_text(node, "description", "") or "")
        obj.columns.clear()
        obj.colnames.clear()
        obj.read_columns(node, ctx)
        return obj


def read_column_data(column: VectorData) -> Any:
    return as_values(column.data)


__all__ = [
    "ASCII",
    "Device",
    "ProcessingModule",
    "ScratchData",
    "Subject",
    "TimeIntervals",
    "TimeSeries",
]
