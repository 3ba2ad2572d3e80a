"""pynwb's NWBFile methods for its tables: electrodes, units, trials, epochs, invalid times and
other TimeIntervals.

Each table is made on first use, as pynwb makes it; the methods take pynwb 4.2's arguments
(names, positional order, defaults) and pass them to the table's ``add_column`` /
``add_row``, which follow hdmf's rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nwbzarr.errors import ValidationError
from nwbzarr.model.core import TimeIntervals
from nwbzarr.model.ecephys import ElectrodeGroup, ElectrodesTable, Units
from nwbzarr.model.table import DynamicTable, DynamicTableRegion, VectorData, region_data

__all__ = ["FileTableMethods"]

# name -> description of the TimeIntervals tables NWBFile makes on first use (pynwb's)
_INTERVALS = {
    "trials": "experimental trials",
    "epochs": "experimental epochs",
    "invalid_times": "time intervals to be removed from analysis",
}


class FileTableMethods:
    """The NWBFile methods of its tables (a base class of :class:`NWBFile`)."""

    electrodes: ElectrodesTable | None
    units: Units | None
    intervals: dict[str, TimeIntervals]

    def _add(self, where: dict[str, Any], obj: Any, what: str) -> None:
        if obj.name in where:
            raise ValidationError(f"NWBFile: {what} already has an object named {obj.name!r}")
        where[obj.name] = obj

    def _add_each(self, where: dict[str, Any], objs: Any, what: str) -> None:
        """pynwb's adders take one container, a list of them or a dict of them."""
        if isinstance(objs, Mapping):
            items = list(objs.values())
        else:
            items = list(objs) if isinstance(objs, list | tuple) else [objs]
        for obj in items:
            self._add(where, obj, what)

    @staticmethod
    def _only(where: Mapping[str, Any], name: str | None, what: str) -> Any:
        """pynwb's getters: by name, or the only object when no name is given."""
        if name is not None:
            return where[name]
        if len(where) != 1:
            raise ValueError(
                f"NWBFile: {what} holds {len(where)} objects ({sorted(where)}): give a name"
            )
        return next(iter(where.values()))

    # ----- electrodes
    def _electrode_table(self) -> ElectrodesTable:
        if self.electrodes is None:
            self.electrodes = ElectrodesTable()
        return self.electrodes

    def add_electrode_column(
        self,
        name: str,
        description: str,
        data: Any = [],  # noqa: B006  (pynwb's default; never mutated)
        table: DynamicTable | bool = False,
        index: Any = False,
        enum: Any = False,
        col_cls: type[VectorData] | None = None,
        check_ragged: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add a column to the electrodes table (see ``DynamicTable.add_column``)."""
        self._electrode_table().add_column(
            name, description, data, table, index, enum, col_cls, check_ragged, **kwargs
        )

    def add_electrode(
        self,
        x: float | None = None,
        y: float | None = None,
        z: float | None = None,
        imp: float | None = None,
        location: str | None = None,
        filtering: str | None = None,
        group: ElectrodeGroup | None = None,
        id: int | None = None,
        rel_x: float | None = None,
        rel_y: float | None = None,
        rel_z: float | None = None,
        reference: str | None = None,
        enforce_unique_id: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add an electrode: ``location`` and ``group`` are required (pynwb keeps them after
        ``x, y, z, imp`` for its positional order); other keywords fill custom columns, and
        ``data={...}`` gives every value as one dict, as pynwb accepts."""
        given = kwargs.pop("data", None)
        values: dict[str, Any] = {
            "x": x,
            "y": y,
            "z": z,
            "imp": imp,
            "location": location,
            "filtering": filtering,
            "group": group,
            "id": id,
            "rel_x": rel_x,
            "rel_y": rel_y,
            "rel_z": rel_z,
            "reference": reference,
            **kwargs,
        }
        if given is not None:
            values = dict(given)
        for key in ("location", "group"):
            if not values.get(key):
                raise ValidationError(
                    f"NWBFile.add_electrode: the {key!r} argument is required when creating "
                    "an electrode"
                )
        values = {k: v for k, v in values.items() if v is not None}
        self._electrode_table().add_electrode(
            enforce_unique_id=bool(values.pop("enforce_unique_id", enforce_unique_id)), **values
        )

    def create_electrode_table_region(
        self, region: Sequence[int] | slice, description: str, name: str = "electrodes"
    ) -> DynamicTableRegion:
        """Rows ``region`` of the electrodes table, as a DynamicTableRegion."""
        if self.electrodes is None:
            raise ValidationError("create_electrode_table_region: the electrodes table is empty")
        rows = region_data(self.electrodes, region, "create_electrode_table_region")
        return DynamicTableRegion(
            name=name, description=description, data=rows, table=self.electrodes
        )

    # ----- units
    def _units(self) -> Units:
        if self.units is None:
            self.units = Units(name="units", description="Autogenerated by NWBFile")
        if self.units.electrode_table is None:
            self.units.electrode_table = self.electrodes
        return self.units

    def add_unit_column(
        self,
        name: str,
        description: str,
        data: Any = [],  # noqa: B006  (pynwb's default; never mutated)
        table: DynamicTable | bool = False,
        index: Any = False,
        enum: Any = False,
        col_cls: type[VectorData] | None = None,
        check_ragged: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add a column to the units table (see ``DynamicTable.add_column``)."""
        self._units().add_column(
            name, description, data, table, index, enum, col_cls, check_ragged, **kwargs
        )

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
        """Add a unit to the units table (see ``Units.add_unit``)."""
        self._units().add_unit(
            spike_times,
            obs_intervals,
            electrodes,
            electrode_group,
            waveform_mean,
            waveform_sd,
            waveforms,
            id,
            **kwargs,
        )

    # ----- trials, epochs, invalid times
    def _time_intervals(self, name: str, description: str | None = None) -> TimeIntervals:
        if name not in self.intervals:
            text = description or _INTERVALS.get(name, "experimental intervals")
            self.intervals[name] = TimeIntervals(name=name, description=text)
        return self.intervals[name]

    @property
    def trials(self) -> TimeIntervals | None:
        return self.intervals.get("trials")

    @property
    def epochs(self) -> TimeIntervals | None:
        return self.intervals.get("epochs")

    @property
    def invalid_times(self) -> TimeIntervals | None:
        return self.intervals.get("invalid_times")

    def add_trial_column(
        self,
        name: str,
        description: str,
        data: Any = [],  # noqa: B006  (pynwb's default; never mutated)
        table: DynamicTable | bool = False,
        index: Any = False,
        enum: Any = False,
        col_cls: type[VectorData] | None = None,
        check_ragged: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add a column to the trials table (see ``DynamicTable.add_column``)."""
        self._time_intervals("trials").add_column(
            name, description, data, table, index, enum, col_cls, check_ragged, **kwargs
        )

    def add_trial(
        self,
        start_time: float,
        stop_time: float,
        tags: str | Sequence[str] | None = None,
        timeseries: Any = None,
        **kwargs: Any,
    ) -> None:
        """Add a trial (custom columns as keywords)."""
        self._time_intervals("trials").add_interval(
            start_time, stop_time, tags, timeseries, **kwargs
        )

    def add_epoch_column(
        self,
        name: str,
        description: str,
        data: Any = [],  # noqa: B006  (pynwb's default; never mutated)
        table: DynamicTable | bool = False,
        index: Any = False,
        enum: Any = False,
        col_cls: type[VectorData] | None = None,
        check_ragged: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add a column to the epochs table (see ``DynamicTable.add_column``)."""
        self._time_intervals("epochs").add_column(
            name, description, data, table, index, enum, col_cls, check_ragged, **kwargs
        )

    def add_epoch(
        self,
        start_time: float,
        stop_time: float,
        tags: str | Sequence[str] | None = None,
        timeseries: Any = None,
        **kwargs: Any,
    ) -> None:
        """Add an epoch (custom columns as keywords)."""
        self._time_intervals("epochs").add_interval(
            start_time, stop_time, tags, timeseries, **kwargs
        )

    def add_invalid_times_column(
        self,
        name: str,
        description: str,
        data: Any = [],  # noqa: B006  (pynwb's default; never mutated)
        table: DynamicTable | bool = False,
        index: Any = False,
        enum: Any = False,
        col_cls: type[VectorData] | None = None,
        check_ragged: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add a column to the invalid times table (see ``DynamicTable.add_column``)."""
        self._time_intervals("invalid_times").add_column(
            name, description, data, table, index, enum, col_cls, check_ragged, **kwargs
        )

    def add_invalid_time_interval(
        self,
        start_time: float,
        stop_time: float,
        tags: str | Sequence[str] | None = None,
        timeseries: Any = None,
        **kwargs: Any,
    ) -> None:
        """Add an interval to leave out of analysis (custom columns as keywords)."""
        self._time_intervals("invalid_times").add_interval(
            start_time, stop_time, tags, timeseries, **kwargs
        )

    # ----- other TimeIntervals
    def create_time_intervals(
        self,
        name: str,
        description: str = "experimental intervals",
        id: Any = None,
        columns: Sequence[Any] | None = None,
        colnames: Any = None,
        target_tables: Mapping[str, Any] | None = None,
        meanings_tables: Sequence[Any] | None = None,
    ) -> TimeIntervals:
        """A new TimeIntervals table in ``/intervals`` (pynwb's ``create_time_intervals``)."""
        args: dict[str, Any] = {  # pynwb's arguments: the constructor takes them
            "id": id,
            "columns": columns,
            "colnames": colnames,
            "target_tables": target_tables,
            "meanings_tables": meanings_tables,
        }
        table = TimeIntervals(name=name, description=description, **args)
        self.add_time_intervals(table)
        return table

    def get_time_intervals(self, name: str | None = None) -> TimeIntervals:
        """The TimeIntervals table ``name`` (the only one when ``name`` is None)."""
        return self._only(self.intervals, name, "intervals")  # type: ignore[no-any-return]

    def add_time_intervals(self, intervals: TimeIntervals | Sequence[Any]) -> None:
        """Add a TimeIntervals table, a list or a dict of them."""
        self._add_each(self.intervals, intervals, "intervals")
