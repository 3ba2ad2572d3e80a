"""Extracellular ephys: electrode groups, the electrodes table, ElectricalSeries, Units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np

from nwbzarr.dtypes import REFERENCE
from nwbzarr.errors import ValidationError
from nwbzarr.model.base import (
    NWBContainer,
    ReadContext,
    WriteContext,
    as_values,
    register,
    write_data,
)
from nwbzarr.model.core import Device, TimeSeries
from nwbzarr.model.table import DynamicTable, DynamicTableRegion, VectorData
from nwbzarr.model.values import attr_text
from nwbzarr.tree import Group, Node, Reference


@register
@dataclass(kw_only=True, eq=False)
class ElectrodeGroup(NWBContainer):
    """Electrodes on one device, in one location; ``device`` is stored as a link."""

    neurodata_type: ClassVar[str] = "ElectrodeGroup"

    description: str
    location: str
    device: Device | None = None

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(
            self.name,
            attrs={
                **self.typed_attrs(),
                "description": self.description,
                "location": self.location,
            },
        )
        if self.device is None:
            raise ValidationError(f"ElectrodeGroup {self.name!r}: device is required")
        ctx.link(group, "device", self.device)
        return group

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        device = ctx.target(node, "device")
        return cls(
            name=node.name,
            description=attr_text(node, "description", "") or "",
            location=attr_text(node, "location", "") or "",
            device=device if isinstance(device, Device) else None,
        )


@dataclass(kw_only=True, eq=False)
class ElectrodeGroupColumn(VectorData):
    """The ``group`` column: object references to ElectrodeGroups."""

    neurodata_type: ClassVar[str] = "VectorData"

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        refs = np.empty(len(self.data), dtype=object)
        values = self.data if isinstance(self.data, list) else list(self.data[()])
        for i, group in enumerate(values):
            refs[i] = group if isinstance(group, Reference) else Reference(ctx.path_of(group))
        return write_data(
            parent, self.name, refs, dtype=REFERENCE, attrs=self.column_attrs(), expandable=True
        )


ELECTRODE_DESCRIPTIONS = {
    "location": "Location of the electrode (channel).",
    "group": "Reference to the ElectrodeGroup.",
    "group_name": "Name of the ElectrodeGroup.",
    "x": "x coordinate of the channel location in the brain.",
    "y": "y coordinate of the channel location in the brain.",
    "z": "z coordinate of the channel location in the brain.",
    "imp": "Impedance of the channel, in ohms.",
    "filtering": (
        "Description of hardware filtering, including the filter name and frequency cutoffs."
    ),
    "rel_x": "x coordinate in electrode group",
    "rel_y": "y coordinate in electrode group",
    "rel_z": "z coordinate in electrode group",
    "reference": (
        "Description of the reference electrode and/or reference scheme used for this electrode."
    ),
}
OPTIONAL_ELECTRODE_COLUMNS = (
    "group_name",
    "x",
    "y",
    "z",
    "imp",
    "filtering",
    "rel_x",
    "rel_y",
    "rel_z",
    "reference",
)


@register
@dataclass(kw_only=True, eq=False)
class ElectrodesTable(DynamicTable):
    """``/general/extracellular_ephys/electrodes``."""

    neurodata_type: ClassVar[str] = "ElectrodesTable"
    namespace: ClassVar[str] = "core"

    name: str = "electrodes"
    description: str = "metadata about extracellular electrodes"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.columns:
            self.add_column("location", ELECTRODE_DESCRIPTIONS["location"])
            self.add_column("group", ELECTRODE_DESCRIPTIONS["group"], col_cls=ElectrodeGroupColumn)

    def add_electrode(
        self,
        group: ElectrodeGroup,
        location: str,
        id: int | None = None,
        enforce_unique_id: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add one electrode; optional columns (``x``, ``imp``...) are made by the first."""
        values: dict[str, Any] = {"location": location, "group": group, **kwargs}
        values.setdefault("group_name", group.name)
        for key in OPTIONAL_ELECTRODE_COLUMNS:
            if key in values and key not in self.columns:
                if len(self):
                    raise ValidationError(
                        f"electrodes: {key!r} was not given for the earlier electrodes"
                    )
                self.add_column(key, ELECTRODE_DESCRIPTIONS[key])
        self.add_row(values, id=id, enforce_unique_id=enforce_unique_id)

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        obj = cls(name=node.name, description=attr_text(node, "description", "") or "")
        obj.columns.clear()
        obj.colnames.clear()
        obj.read_columns(node, ctx)
        group = obj.columns.get("group")
        if group is not None:
            refs = as_values(group.data)
            groups = [ctx.get(r.path) if isinstance(r, Reference) else r for r in refs]
            obj.columns["group"] = ElectrodeGroupColumn(
                name="group", description=group.description, data=groups
            )
            obj.columns["group"].object_id = group.object_id
            obj.columns["group"].source_node = group.source_node  # a copy() links to it
        return obj


@register
@dataclass(kw_only=True, eq=False)
class ElectricalSeries(TimeSeries):
    """Voltages over time on a set of electrodes (rows of the electrodes table)."""

    neurodata_type: ClassVar[str] = "ElectricalSeries"

    electrodes: DynamicTableRegion
    unit: str = "volts"
    filtering: str | None = None
    channel_conversion: Any = None

    def group_attrs(self) -> dict[str, Any]:
        attrs = super().group_attrs()
        if self.filtering is not None:
            attrs["filtering"] = self.filtering
        return attrs

    def validate(self) -> None:
        super().validate()
        if self.unit != "volts":
            raise ValidationError(f"ElectricalSeries {self.name!r}: unit must be 'volts'")

    def write_fields(self, group: Group, ctx: WriteContext) -> None:
        self.electrodes.name = "electrodes"
        self.electrodes.write(group, ctx)
        if self.channel_conversion is not None:
            write_data(
                group,
                "channel_conversion",
                np.asarray(self.channel_conversion, dtype="float64"),
                dims=("channel",),
                attrs={"axis": 1},
            )

    @classmethod
    def read_fields(cls, group: Group, ctx: ReadContext) -> dict[str, Any]:
        out: dict[str, Any] = {
            "electrodes": ctx.read_child(group["electrodes"]),
            "filtering": attr_text(group, "filtering"),
        }
        if "channel_conversion" in group:
            out["channel_conversion"] = group["channel_conversion"]
        return out


WAVEFORM_COLUMNS = ("waveform_mean", "waveform_sd", "waveforms")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


UNITS_DESCRIPTIONS = {
    "spike_times": "the spike times for each unit in seconds",
    "obs_intervals": "the observation intervals for each unit",
    "electrodes": "the electrodes that each spike unit came from",
    "electrode_group": "the electrode group that each spike unit came from",
    "waveform_mean": "the spike waveform mean for each spike unit",
    "waveform_sd": "the spike waveform standard deviation for each spike unit",
    "waveforms": (
        "Individual waveforms for each spike. If the dataset is three-dimensional, the third "
        "dimension shows the response from different electrodes that all observe this unit "
        "simultaneously. In this case, the `electrodes` column of this Units table should be "
        "used to indicate which electrodes are associated with this unit, and the electrodes "
        "dimension here should be in the same order as the electrodes referenced in the "
        "`electrodes` column of this table."
    ),
}


@register
@dataclass(kw_only=True, eq=False)
class Units(DynamicTable):
    """Sorted units: ragged ``spike_times``, optional ``obs_intervals`` and ``electrodes``."""

    neurodata_type: ClassVar[str] = "Units"
    namespace: ClassVar[str] = "core"
    column_docs: ClassVar[Mapping[str, str]] = UNITS_DESCRIPTIONS

    name: str = "units"
    description: str = "Autogenerated by NWBFile"
    electrode_table: DynamicTable | None = field(default=None, repr=False)
    # stored as attributes of the columns: resolution on spike_times, the others on the
    # waveform columns (pynwb's Units arguments)
    resolution: float | None = None
    waveform_rate: float | None = None
    waveform_unit: str = "volts"
    waveform_time_before_peak_in_ms: float | None = None

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = super().to_tree(parent, ctx)
        assert isinstance(group, Group)
        if self.resolution is not None and "spike_times" in group:
            group["spike_times"].attrs["resolution"] = float(self.resolution)
        for name in WAVEFORM_COLUMNS:
            if name in group:
                attrs = group[name].attrs
                if self.waveform_rate is not None:
                    attrs["sampling_rate"] = float(self.waveform_rate)
                attrs["unit"] = self.waveform_unit
                if self.waveform_time_before_peak_in_ms is not None:
                    attrs["time_before_peak_in_ms"] = float(self.waveform_time_before_peak_in_ms)
        return group

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        obj = super().from_tree(node, ctx)
        assert isinstance(node, Group)
        if "spike_times" in node:
            obj.resolution = _float(node["spike_times"].attrs.get("resolution"))
        for name in WAVEFORM_COLUMNS:
            if name in node:
                attrs = node[name].attrs
                obj.waveform_rate = _float(attrs.get("sampling_rate"))
                obj.waveform_unit = attr_text(node[name], "unit", "volts") or "volts"
                peak = attrs.get("time_before_peak_in_ms")
                obj.waveform_time_before_peak_in_ms = _float(peak)
                break
        return obj

    def region_table(self, column: str) -> DynamicTable | None:
        return self.electrode_table if column == "electrodes" else None

    def add_unit(
        self,
        spike_times: Any = None,
        obs_intervals: Any = None,
        electrodes: Any = None,
        electrode_group: ElectrodeGroup | None = None,
        waveform_mean: Any = None,
        waveform_sd: Any = None,
        waveforms: Any = None,
        id: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Add one unit (pynwb's ``add_unit``); the columns of the arguments given are added
        by the first unit: ``spike_times``, ``obs_intervals`` (n x 2) and ``electrodes`` (rows
        of the electrode table) ragged, ``waveforms`` (spikes x electrodes x samples) doubly
        ragged; other keywords are custom columns."""
        given = {
            "spike_times": spike_times,
            "obs_intervals": obs_intervals,
            "electrodes": electrodes,
            "electrode_group": electrode_group,
            "waveform_mean": waveform_mean,
            "waveform_sd": waveform_sd,
            "waveforms": waveforms,
        }
        values: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        for key in ("spike_times", "electrodes"):
            if key in values:
                values[key] = list(np.asarray(as_values(values[key])).ravel())
        if "obs_intervals" in values:
            values["obs_intervals"] = [list(v) for v in values["obs_intervals"]]
        if "waveforms" in values:
            values["waveforms"] = [list(spike) for spike in values["waveforms"]]
        values.update(kwargs)
        self.add_row(values, id=id)
        self._point_electrodes()

    def _point_electrodes(self) -> None:
        """The ``electrodes`` column refers to the electrode table (pynwb's add_unit)."""
        column = self.columns.get("electrodes")
        if isinstance(column, DynamicTableRegion) and column.table is None:
            column.table = self.electrode_table


__all__ = ["ElectricalSeries", "ElectrodeGroup", "ElectrodesTable", "Units"]
