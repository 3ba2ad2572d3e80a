"""pynwb's intracellular electrophysiology API: aligned tables, recordings and their groupings.

Mixins (see :mod:`nwbzarr.model.extend`) of the generated classes:

- ``AlignedDynamicTable``: category tables side by side with the main table
  (``add_category``, ``get_category``, ``category_tables``, ``add_column(category=)``,
  ``add_row`` with one dict per category);
- ``IntracellularRecordingsTable.add_recording`` and the tables that group recordings
  (simultaneous, sequential, repetitions, experimental conditions);
- ``NWBFile``'s ``add_intracellular_recording``, ``add_icephys_*`` and ``get_icephys_*``, which
  make the tables on first use, linked to each other as pynwb links them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nwbzarr.errors import ValidationError
from nwbzarr.model.extend import extends
from nwbzarr.model.tsref import TimeSeriesReference, _num_samples

__all__ = [
    "AlignedTableMethods",
    "ExperimentalConditionsMethods",
    "IcephysFileMethods",
    "RecordingsTableMethods",
    "RepetitionsMethods",
    "SequentialRecordingsMethods",
    "SimultaneousRecordingsMethods",
]

# name, description of the tables pynwb makes (its texts)
RECORDINGS = (
    "intracellular_recordings",
    "A table to group together a stimulus and response from a single electrode and a single "
    "simultaneous recording and for storing metadata about the intracellular recording.",
)
CATEGORIES = {
    "electrodes": (
        "IntracellularElectrodesTable",
        "electrode",
        "Column for storing the reference to the intracellular electrode.",
        "Table for storing intracellular electrode related metadata.",
    ),
    "stimuli": (
        "IntracellularStimuliTable",
        "stimulus",
        "Column storing the reference to the recorded stimulus for the recording (rows).",
        "Table for storing intracellular stimulus related metadata.",
    ),
    "responses": (
        "IntracellularResponsesTable",
        "response",
        "Column storing the reference to the recorded response for the recording (rows)",
        "Table for storing intracellular response related metadata.",
    ),
}
COLUMN_TYPES = {
    "electrodes": "VectorData",
    "stimuli": "TimeSeriesReferenceVectorData",
    "responses": "TimeSeriesReferenceVectorData",
}
# NWBFile attribute -> (class, stored name, description, grouping column, column doc, parent)
GROUPINGS = {
    "icephys_simultaneous_recordings": (
        "SimultaneousRecordingsTable",
        "simultaneous_recordings",
        "A table for grouping different intracellular recordings from the "
        "IntracellularRecordingsTable table together that were recorded simultaneously from "
        "different electrodes.",
        "recordings",
        "A reference to one or more rows in the IntracellularRecordingsTable table.",
        "intracellular_recordings",
    ),
    "icephys_sequential_recordings": (
        "SequentialRecordingsTable",
        "sequential_recordings",
        "A table for grouping different intracellular recording simultaneous_recordings from "
        "the SimultaneousRecordingsTable table together. This is typically used to group "
        "together simultaneous_recordings where the a sequence of stimuli of the same type "
        "with varying parameters have been presented in a sequence.",
        "simultaneous_recordings",
        "A reference to one or more rows in the SimultaneousRecordingsTable table.",
        "icephys_simultaneous_recordings",
    ),
    "icephys_repetitions": (
        "RepetitionsTable",
        "repetitions",
        "A table for grouping different intracellular recording sequential recordings "
        "together. With each SweepSequence typically representing a particular type of "
        "stimulus, the RepetitionsTable table is typically used to group sets of stimuli "
        "applied in sequence.",
        "sequential_recordings",
        "A reference to one or more rows in the SequentialRecordingsTable table.",
        "icephys_sequential_recordings",
    ),
    "icephys_experimental_conditions": (
        "ExperimentalConditionsTable",
        "experimental_conditions",
        "A table for grouping different intracellular recording repetitions together that "
        "belong to the same experimental conditions.",
        "repetitions",
        "A reference to one or more rows in the RepetitionsTable table.",
        "icephys_repetitions",
    ),
}


def _model_class(name: str) -> Any:
    from nwbzarr import model

    return getattr(model, name)


def _region_column(table: Any, name: str, doc: str, target: Any) -> None:
    """Make ``table[name]`` a ragged DynamicTableRegion into ``target`` (kept if it is one)."""
    column = table.columns.get(name) if hasattr(table, "columns") else None
    if column is not None and getattr(column, "table", None) is not None:
        return
    if column is not None and len(table) == 0:
        _drop_column(table, name)
    elif column is not None:
        column.table = target
        return
    table.add_column(name=name, description=doc, table=target, index=True)


def _typed_column(table: Any, name: str, doc: str, kind: str) -> None:
    """Make ``table[name]`` a column of class ``kind`` (an empty untyped one is replaced)."""
    col_cls = _model_class(kind)
    column = table.columns.get(name)
    if column is not None and (isinstance(column, col_cls) or len(table)):
        return
    _drop_column(table, name)
    table.add_column(name=name, description=doc, col_cls=col_cls)


def _drop_column(table: Any, name: str) -> None:
    """Remove an empty column (and its index) that the constructor made untyped."""
    table.columns.pop(name, None)
    if name in table.colnames:
        table.colnames.remove(name)
    indexes = getattr(table, "indexes", None)
    if isinstance(indexes, dict):
        indexes.pop(name, None)


@extends("AlignedDynamicTable")
class AlignedTableMethods:
    """Category tables aligned row by row with the main table (hdmf's ``AlignedDynamicTable``)."""

    name: str
    dynamic_tables: dict[str, Any] | None
    categories: Any

    @property
    def category_tables(self) -> dict[str, Any]:
        """The category tables by name, in the order of ``categories`` (a new dict)."""
        out: dict[str, Any] = {}
        for name in [*(self.categories or []), *self._unnamed()]:
            table = self._named(name)
            if table is None:
                table = self._unnamed().get(name)
            if table is not None:
                out[name] = table
        return out

    @category_tables.setter
    def category_tables(self, tables: Any) -> None:
        values = [] if tables is None else tables.values() if isinstance(tables, dict) else tables
        for table in values:
            self.store_category(table)

    def _named(self, name: str) -> Any:
        """The category held in a field of the schema (``electrodes`` of the recordings)."""
        value = vars(self).get(name)
        return value if hasattr(value, "colnames") else None

    def _unnamed(self) -> dict[str, Any]:
        tables = getattr(self, "dynamic_tables", None)
        if tables is None:
            tables = {}
            self.dynamic_tables = tables
        elif not isinstance(tables, dict):
            tables = {t.name: t for t in tables}
            self.dynamic_tables = tables
        return tables

    def store_category(self, table: Any) -> None:
        """Keep ``table`` as a category: in its schema field if the type has one by its name."""
        if table.name in vars(self) and table.name not in ("id", "columns", "colnames"):
            setattr(self, table.name, table)
        else:
            self._unnamed()[table.name] = table
        names = list(self.categories or [])
        if table.name not in names:
            self.categories = [*names, table.name]

    def category_names(self) -> list[str]:
        """The categories in order (pynwb's ``categories``)."""
        return list(self.category_tables)

    def add_category(self, category: Any) -> None:
        """Add a DynamicTable as a category; it must have as many rows as this table."""
        table: Any = self
        if len(category) != len(table):
            raise ValidationError(
                f"{self.name}: category {category.name!r} does not align, it has "
                f"{len(category)} rows, expected {len(table)}"
            )
        if category.name in self.category_tables:
            raise ValidationError(f"{self.name}: category {category.name!r} already in the table")
        if isinstance(category, AlignedTableMethods):
            raise ValidationError(f"{self.name}: an AlignedDynamicTable cannot be a category")
        self.store_category(category)

    def get_category(self, name: str | None = None) -> Any:
        """The category table ``name`` (this table for None or its own name)."""
        if name is None or (name not in self.category_tables and name == self.name):
            return self
        return self.category_tables[name]

    def add_column(self, *args: Any, category: str | None = None, **kwargs: Any) -> Any:
        """Add a column to the main table, or with ``category=`` to that category table."""
        if category is None:
            return super().add_column(*args, **kwargs)  # type: ignore[misc]
        if category not in self.category_tables:
            raise KeyError(f"{self.name}: no category {category!r} ({self.category_names()})")
        return self.category_tables[category].add_column(*args, **kwargs)

    def add_row(
        self,
        data: Mapping[str, Any] | None = None,
        id: int | None = None,
        enforce_unique_id: bool = False,
        check_ragged: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add a row: the main table's values, and one dict of values per category
        (``check_ragged``, as DynamicTable's, applies to the main table)."""
        values = dict(data if data is not None else kwargs)
        per_category = {k: values.pop(k) for k in self.category_names() if k in values}
        missing = [c for c in self.category_names() if c not in per_category]
        if missing:
            raise KeyError(f"{self.name}: add_row: missing values of the categories {missing}")
        super().add_row(values, id, enforce_unique_id, check_ragged)  # type: ignore[misc]
        for category, row in per_category.items():
            self.category_tables[category].add_row(**row)


@extends("IntracellularRecordingsTable")
class RecordingsTableMethods:
    """``IntracellularRecordingsTable.add_recording``: one stimulus / response pair."""

    def ensure_categories(self) -> None:
        """The three categories pynwb's table starts with, made if missing."""
        table: Any = self
        for name, (kind, column, doc, description) in CATEGORIES.items():
            if name not in table.category_tables:
                category = _model_class(kind)(name=name, description=description)
                _typed_column(category, column, doc, COLUMN_TYPES[name])
                table.store_category(category)

    def add_recording(
        self,
        electrode: Any = None,
        stimulus_start_index: int | None = None,
        stimulus_index_count: int | None = None,
        stimulus: Any = None,
        stimulus_template_start_index: int | None = None,
        stimulus_template_index_count: int | None = None,
        stimulus_template: Any = None,
        response_start_index: int | None = None,
        response_index_count: int | None = None,
        response: Any = None,
        electrode_metadata: dict[str, Any] | None = None,
        stimulus_metadata: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> int:
        """Add a recording; returns its row number. Either stimulus or response may be None."""
        if stimulus is None and response is None:
            raise ValidationError("add_recording: stimulus and response cannot both be None")
        if electrode is None:
            electrode = (stimulus if stimulus is not None else response).electrode
        stim = _reference(stimulus_start_index, stimulus_index_count, stimulus, "stimulus")
        resp = _reference(response_start_index, response_index_count, response, "response")
        template = _reference(
            stimulus_template_start_index,
            stimulus_template_index_count,
            stimulus_template,
            "stimulus_template",
        )
        _check_pair(stimulus, response)
        self.ensure_categories()
        table: Any = self
        stimuli = dict(stimulus_metadata or {})
        stimuli["stimulus"] = stim if stimulus is not None else stim._replace(timeseries=response)
        if (
            stimulus_template is not None
            or "stimulus_template" in table.category_tables["stimuli"].columns
        ):
            series = stimulus_template if stimulus_template is not None else stimulus or response
            stimuli["stimulus_template"] = template._replace(timeseries=series)
        responses = dict(response_metadata or {})
        responses["response"] = resp if response is not None else resp._replace(timeseries=stimulus)
        electrodes = {**(electrode_metadata or {}), "electrode": electrode}
        table.add_row(
            electrodes=electrodes,
            stimuli=stimuli,
            responses=responses,
            enforce_unique_id=True,
            **kwargs,
        )
        return len(table) - 1


def _reference(start: int | None, count: int | None, series: Any, what: str) -> TimeSeriesReference:
    """pynwb's start and count of a recording's series ((-1, -1) when there is none)."""
    if series is None:
        return TimeSeriesReference(-1, -1, None)
    start = 0 if start is None or start < 0 else int(start)
    samples = _num_samples(series)
    if count is None or count < 0:
        if samples is None:
            raise IndexError(f"Invalid {what}_index_count cannot be determined from {what} data.")
        count = samples - start
    if samples is not None and start >= samples:
        raise IndexError(f"{what}_start_index out of range")
    if samples is not None and start + count > samples:
        raise IndexError(f"{what}_start_index + {what}_index_count out of range")
    return TimeSeriesReference(start, int(count), series)


def _check_pair(stimulus: Any, response: Any) -> None:
    kinds = [type(s).__name__ for s in (stimulus, response) if s is not None]
    if any(k.startswith("CurrentClamp") for k in kinds) and any(
        k.startswith("VoltageClamp") for k in kinds
    ):
        raise ValidationError(
            "Incompatible types given for 'stimulus' and 'response' parameters. "
            f"'stimulus' is of type {kinds[0]} and 'response' is of type {kinds[-1]}."
        )
    if response is not None and type(response).__name__ == "IZeroClampSeries" and stimulus:
        raise ValidationError("stimulus should usually be None for IZeroClampSeries response")
    if (
        stimulus is not None
        and response is not None
        and getattr(stimulus, "electrode", None) is not getattr(response, "electrode", None)
    ):
        raise ValidationError(
            "electrodes are usually expected to be the same for PatchClampSeries type "
            "stimulus and response pairs in an intracellular recording."
        )


class _GroupingMethods:
    """A table whose rows group rows of the table below it (a ragged region column)."""

    column: str = ""

    def _add_grouped(self, rows: Any, **kwargs: Any) -> int:
        table: Any = self
        table.add_row(**{self.column: list(rows)}, **kwargs)
        return len(table) - 1


@extends("SimultaneousRecordingsTable")
class SimultaneousRecordingsMethods(_GroupingMethods):
    column = "recordings"

    def add_simultaneous_recording(self, recordings: Any, **kwargs: Any) -> int:
        """Group rows of the intracellular recordings table; returns the new row number."""
        return self._add_grouped(recordings, **kwargs)


@extends("SequentialRecordingsTable")
class SequentialRecordingsMethods(_GroupingMethods):
    column = "simultaneous_recordings"

    def add_sequential_recording(
        self, stimulus_type: str, simultaneous_recordings: Any, **kwargs: Any
    ) -> int:
        """Group rows of the simultaneous recordings table; returns the new row number."""
        return self._add_grouped(simultaneous_recordings, stimulus_type=stimulus_type, **kwargs)


@extends("RepetitionsTable")
class RepetitionsMethods(_GroupingMethods):
    column = "sequential_recordings"

    def add_repetition(self, sequential_recordings: Any = None, **kwargs: Any) -> int:
        """Group rows of the sequential recordings table; returns the new row number."""
        return self._add_grouped(sequential_recordings or [], **kwargs)


@extends("ExperimentalConditionsTable")
class ExperimentalConditionsMethods(_GroupingMethods):
    column = "repetitions"

    def add_experimental_condition(self, repetitions: Any = None, **kwargs: Any) -> int:
        """Group rows of the repetitions table; returns the new row number."""
        return self._add_grouped(repetitions or [], **kwargs)


@extends("NWBFile")
class IcephysFileMethods:
    """NWBFile's icephys tables, made on first use and linked as pynwb links them."""

    stimulus: dict[str, Any]
    stimulus_template: dict[str, Any]
    acquisition: dict[str, Any]
    icephys_electrodes: dict[str, Any]

    def _icephys_table(self, attribute: str) -> Any:
        """The table NWBFile holds as ``attribute``, made (empty) if it has none."""
        nwbfile: Any = self
        table = getattr(nwbfile, attribute, None)
        if table is not None:
            return table
        if attribute == "intracellular_recordings":
            name, description = RECORDINGS
            table = _model_class("IntracellularRecordingsTable")(name=name, description=description)
            table.ensure_categories()
        else:
            kind, name, description, column, doc, parent = GROUPINGS[attribute]
            table = _model_class(kind)(name=name, description=description)
            _region_column(table, column, doc, self._icephys_table(parent))
        nwbfile.add_icephys_table(attribute, table)
        return table

    def add_intracellular_recording(
        self,
        electrode: Any = None,
        stimulus_start_index: int | None = None,
        stimulus_index_count: int | None = None,
        stimulus: Any = None,
        stimulus_template_start_index: int | None = None,
        stimulus_template_index_count: int | None = None,
        stimulus_template: Any = None,
        response_start_index: int | None = None,
        response_index_count: int | None = None,
        response: Any = None,
        electrode_metadata: dict[str, Any] | None = None,
        stimulus_metadata: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> int:
        """Add a recording (see ``IntracellularRecordingsTable.add_recording``).

        The electrode, stimulus and response are added to the file if it lacks them.
        """
        nwbfile: Any = self
        if stimulus is not None and not (
            stimulus.name in self.stimulus or stimulus.name in self.stimulus_template
        ):
            nwbfile.add_stimulus(stimulus)
        if response is not None and response.name not in self.acquisition:
            nwbfile.add_acquisition(response)
        if electrode is not None and electrode.name not in self.icephys_electrodes:
            nwbfile.add_icephys_electrode(electrode)
        recordings = self.get_intracellular_recordings()
        row = recordings.add_recording(
            electrode,
            stimulus_start_index,
            stimulus_index_count,
            stimulus,
            stimulus_template_start_index,
            stimulus_template_index_count,
            stimulus_template,
            response_start_index,
            response_index_count,
            response,
            electrode_metadata,
            stimulus_metadata,
            response_metadata,
            **kwargs,
        )
        return int(row)

    def get_intracellular_recordings(self) -> Any:
        """The intracellular recordings table (made if the file has none)."""
        return self._icephys_table("intracellular_recordings")

    def add_icephys_simultaneous_recording(self, recordings: Any, **kwargs: Any) -> int:
        """Group rows of the intracellular recordings table that were recorded together."""
        table = self.get_icephys_simultaneous_recordings()
        return int(table.add_simultaneous_recording(recordings, **kwargs))

    def get_icephys_simultaneous_recordings(self) -> Any:
        return self._icephys_table("icephys_simultaneous_recordings")

    def add_icephys_sequential_recording(
        self, stimulus_type: str, simultaneous_recordings: Any, **kwargs: Any
    ) -> int:
        """Group simultaneous recordings presented in a sequence."""
        table = self.get_icephys_sequential_recordings()
        return int(table.add_sequential_recording(stimulus_type, simultaneous_recordings, **kwargs))

    def get_icephys_sequential_recordings(self) -> Any:
        return self._icephys_table("icephys_sequential_recordings")

    def add_icephys_repetition(self, sequential_recordings: Any = None, **kwargs: Any) -> int:
        """Group sequential recordings into a repetition."""
        return int(self.get_icephys_repetitions().add_repetition(sequential_recordings, **kwargs))

    def get_icephys_repetitions(self) -> Any:
        return self._icephys_table("icephys_repetitions")

    def add_icephys_experimental_condition(self, repetitions: Any = None, **kwargs: Any) -> int:
        """Group repetitions of one experimental condition."""
        table = self.get_icephys_experimental_conditions()
        return int(table.add_experimental_condition(repetitions, **kwargs))

    def get_icephys_experimental_conditions(self) -> Any:
        return self._icephys_table("icephys_experimental_conditions")

    def get_icephys_meta_parent_table(self) -> Any:
        """The highest icephys table the file has (experimental conditions first)."""
        nwbfile: Any = self
        for attribute in (*reversed(GROUPINGS), "intracellular_recordings"):
            table = getattr(nwbfile, attribute, None)
            if table is not None:
                return table
        return None
