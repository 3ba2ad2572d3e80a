"""How ``DynamicTable.add_column`` and ``add_row`` treat their data, as hdmf does.

hdmf's ``add_column(data=..., index=...)`` takes the rows of a ragged column as nested lists
and stores them flat with one ``VectorIndex`` per level of nesting (``index=2``: a doubly
ragged column such as ``Units.waveforms``); it warns when a column that is not indexed gets
rows of different lengths (``check_ragged``). These are those rules, on plain values.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.model.base import REGISTRY, as_values, data_len
from nwbzarr.model.enums import elements_column

if TYPE_CHECKING:  # the table module calls these functions: it is not imported at run time
    from nwbzarr.model.table import DynamicTable, DynamicTableRegion, VectorData, VectorIndex


def _table_class() -> type[DynamicTable]:
    return REGISTRY["DynamicTable"]  # type: ignore[return-value]


def _region_class() -> type[DynamicTableRegion]:
    return REGISTRY["DynamicTableRegion"]  # type: ignore[return-value]


def _data_class() -> type[VectorData]:
    return REGISTRY["VectorData"]  # type: ignore[return-value]


def _index_class() -> type[VectorIndex]:
    return REGISTRY["VectorIndex"]  # type: ignore[return-value]


__all__ = [
    "RAGGED_COLUMN",
    "RAGGED_ROW",
    "add_table_column",
    "add_table_row",
    "dataframe",
    "table_from_dataframe",
    "flatten_levels",
    "index_depth",
    "is_ragged",
    "selection",
]

RAGGED_COLUMN = (
    "Data has elements with different lengths and therefore cannot be coerced into an "
    "N-dimensional array. Use the 'index' argument when adding a column of data with "
    "different lengths."
)
RAGGED_ROW = (
    "Data has elements with different lengths and therefore cannot be coerced into an "
    "N-dimensional array. Use the 'index' argument when creating a column to add rows "
    "with different lengths."
)


def _sized(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    )


def is_ragged(data: Any) -> bool:
    """True when ``data`` (lists or tuples, nested) holds elements of different lengths."""
    if not isinstance(data, list | tuple) or not data:
        return False
    lengths = {len(v) if _sized(v) else None for v in data}
    if len(lengths) > 1:
        return True
    return any(is_ragged(v) for v in data if isinstance(v, list | tuple))


def flatten_levels(data: Sequence[Any], depth: int) -> tuple[list[Any], list[list[int]]]:
    """``data`` (rows nested ``depth`` deep) flattened, and the end offsets of each level.

    The offsets are outermost first: ``levels[0]`` indexes the rows of the table,
    ``levels[-1]`` the flat values.
    """
    flat: list[Any] = list(data)
    levels: list[list[int]] = []
    for _ in range(depth):
        try:
            levels.append(np.cumsum([len(row) for row in flat]).astype(int).tolist())
        except TypeError as err:
            raise ValueError(
                "Cannot automatically construct VectorIndex for nested array. "
                "Invalid data array element found."
            ) from err
        flat = [value for row in flat for value in row]
    if flat and _sized(flat[0]) and not isinstance(flat[0], tuple):
        raise ValueError(
            "Cannot automatically construct VectorIndex for nested array. Column data "
            "contains arrays as cell values. Please check the 'data' and 'index' parameters. "
            f"'index={depth}' may be too small for the given data."
        )
    return flat, levels


def index_depth(index: Any) -> int:
    """How many ``VectorIndex`` levels ``add_column(index=...)`` asks for (0: none)."""
    if isinstance(index, bool | np.bool_):
        return int(index)
    if isinstance(index, int | np.integer):
        if index < 0:
            raise ValueError(f"index={index!r}: an integer index must be greater than 0")
        return int(index)
    return 1  # an array of end offsets: one level, given


def warn_ragged(message: str) -> None:
    """hdmf's warning (a UserWarning) for a column that is not indexed but ragged."""
    warnings.warn(message, UserWarning, stacklevel=4)


def add_table_column(
    table: DynamicTable,
    name: str,
    description: str,
    data: Any,
    region: DynamicTable | bool,
    index: Any,
    enum: Any,
    col_cls: type[VectorData] | None,
    check_ragged: bool,
    kwargs: dict[str, Any],
) -> VectorData:
    """``table.add_column`` (see :meth:`DynamicTable.add_column`)."""
    if isinstance(index, _index_class()):
        raise ValueError(
            "Passing a VectorIndex may lead to unexpected behavior. "
            "This functionality is not supported."
        )
    if name in table.columns:
        raise ValidationError(
            f"column {name!r} already exists in {type(table).__name__} {table.name!r}"
        )
    if region is not False and enum is not False:
        raise ValueError(
            f"column {name!r} cannot be both a table region and come from an enumerable set "
            "of elements"
        )
    depth = index_depth(index)
    values, levels = _column_values(data, index, depth, check_ragged)
    args: dict[str, Any] = {"name": name, "description": description, **kwargs}
    if region is not False:
        col_cls = col_cls or _region_class()
        if isinstance(region, _table_class()):
            args["table"] = region
    if enum is not False:
        col_cls = col_cls or _enum_class()
        given = enum if not isinstance(enum, bool) else []
        args["elements"] = elements_column(name, given)
    column = (col_cls or _data_class())(**args)
    if isinstance(column, _region_class()):
        column.in_table = True
    column.data = values
    rows = len(levels[0]) if levels else data_len(values)
    if rows != len(table):
        raise ValidationError(
            f"{table.name}: column {name!r} has {rows} rows, the table has {len(table)} "
            "(column must have the same number of rows as 'id')"
        )
    table.columns[name] = column
    table.colnames.append(name)
    _add_indexes(table, column, depth, levels)
    return column


def _enum_class() -> type[VectorData]:
    from nwbzarr.model.classes import get_class

    cls: type[VectorData] = get_class("EnumData", "hdmf-experimental")  # type: ignore[assignment]
    return cls


def _column_values(
    data: Any, index: Any, depth: int, check_ragged: bool
) -> tuple[Any, list[list[int]]]:
    """The flat values of a new column and its index levels (outermost first)."""
    if isinstance(data, list):
        data = list(data)  # never the caller's (or the default) list
    if depth == 0 or not data_len(data):
        if depth == 0 and check_ragged and is_ragged(data):
            warn_ragged(RAGGED_COLUMN)
        return data, []
    if not isinstance(index, bool | int | np.integer):  # end offsets, given
        return data, [[int(v) for v in np.asarray(as_values(index)).ravel()]]
    return flatten_levels(data, depth)


def _add_indexes(
    table: DynamicTable, column: VectorData, depth: int, levels: list[list[int]]
) -> None:
    """``depth`` VectorIndex objects over ``column``: ``<name>_index``, ``<name>_index_index``."""
    target, key = column, column.name
    for level in range(depth):
        ends = levels[-(level + 1)] if levels else []
        name = f"{key}_index" if level == 0 else f"{target.name}_index"
        index = _index_class()(
            name=name,
            description=f"Index for VectorData {target.name!r}",
            data=list(ends),
            target=target,
        )
        table.indexes[target.name if level else key] = index
        target = index


def add_table_row(
    table: DynamicTable,
    data: Mapping[str, Any] | None,
    id: int | None,
    enforce_unique_id: bool,
    check_ragged: bool,
    kwargs: dict[str, Any],
) -> None:
    """``table.add_row`` (see :meth:`DynamicTable.add_row`)."""
    values = dict(data) if data is not None else dict(kwargs)
    extra = [k for k in values if k not in table.columns and k != "id"]
    if extra and not len(table):
        table._declared_columns([k for k in extra if values[k] is not None])
        # a None for a column the schema declares and the table lacks means "not given"
        values = {k: v for k, v in values.items() if k in table.columns or v is not None}
        extra = [k for k in values if k not in table.columns and k != "id"]
    missing = [c for c in table.colnames if c not in values]
    if missing or extra:
        raise ValidationError(
            f"{table.name}: add_row: missing columns {missing}, unknown columns {extra}"
        )
    if id is None:
        id = values.pop("id", None)
    row_id = len(table) if id is None else int(id)
    if not isinstance(table.id.data, list):
        table.id.data = _listed(table.id.data)
    if enforce_unique_id and row_id in table.id.data:
        raise ValidationError(f"{table.name}: id {row_id} already in the table")
    for name in table.colnames:
        value = values[name]
        if name in table.indexes:
            index = table.indexes[name].outermost(table)
            index.add_vector(
                list(np.atleast_1d(value)) if not isinstance(value, list | tuple) else value
            )
        else:
            column = table.columns[name]
            column.append(value)
            if check_ragged and _became_ragged(column.data):
                warn_ragged(RAGGED_ROW)
    table.id.data.append(row_id)


def _became_ragged(data: Any) -> bool:
    """Whether the value just appended makes the column ragged (it was not before)."""
    if not isinstance(data, list) or len(data) < 2:
        return False
    first, last = data[0], data[-1]
    if not (_sized(first) and _sized(last)):
        return False
    return len(first) != len(last) and not is_ragged(data[:-1])


def _listed(data: Any) -> list[Any]:
    values = as_values(data)
    if isinstance(values, np.ndarray):
        return values.tolist()  # type: ignore[no-any-return]
    return list(values)


def dataframe(table: DynamicTable, exclude: set[str], index: bool) -> Any:
    """``table.to_dataframe(exclude, index)`` (see :meth:`DynamicTable.to_dataframe`)."""
    import pandas as pd

    columns: dict[str, Any] = {}
    for name in table.colnames:
        if name in exclude:
            continue
        columns[name] = _column_rows(table, name, index)
    ids = pd.Index(np.asarray(as_values(table.id.data), dtype=np.int64), name="id")
    out = pd.DataFrame(columns, index=ids)
    out.name = table.name
    return out


def _column_rows(table: DynamicTable, name: str, index: bool) -> list[Any]:
    """One value per row: region columns as indices (``index``) or as DataFrames."""
    column = table.columns[name]
    if isinstance(column, _region_class()) and column.table is not None:
        if name not in table.indexes:
            rows = np.atleast_1d(np.asarray(as_values(column.data), dtype=np.int64))
            if index:
                return [int(r) for r in rows]
            frame = column.table.rows(rows)
            return [frame.iloc[[i]] for i in range(len(rows))]
        if index:
            outer = table.indexes[name].outermost(table)
            every = np.asarray(as_values(column.data), dtype=np.int64)
            ends = np.asarray(as_values(outer.data), dtype=np.int64)
            starts = np.concatenate([[0], ends[:-1]]) if ends.size else ends
            return [every[s:e] for s, e in zip(starts, ends, strict=True)]
    return list(table[name][:])


def selection(table: DynamicTable, key: Any) -> Any:
    """``table[key]`` for rows (see :meth:`DynamicTable.__getitem__`)."""
    import pandas as pd

    positions = _positions(table, key)
    ids = np.asarray(as_values(table.id.data), dtype=np.int64)
    columns: dict[str, Any] = {}
    for name in table.colnames:
        column = table.columns[name]
        region = isinstance(column, _region_class()) and column.table is not None
        if region and name not in table.indexes:
            every = np.asarray(as_values(column.data), dtype=np.int64)
            columns[name] = [int(every[p]) for p in positions]
        elif region:
            columns[name] = [_column_rows(table, name, True)[p] for p in positions]
        else:
            values = table[name]
            columns[name] = [values[p] for p in positions]
    out = pd.DataFrame(columns, index=pd.Index(ids[positions], name="id"))
    out.name = table.name
    return out


def _positions(table: DynamicTable, key: Any) -> list[int]:
    """The row positions ``key`` selects (an int, a slice, positions or a boolean mask)."""
    if isinstance(key, int | np.integer):
        keys = [int(key)]
    elif isinstance(key, slice):
        keys = list(range(*key.indices(len(table))))
    elif isinstance(key, list | np.ndarray):
        picked = np.asarray(key)
        if picked.ndim != 1:
            raise ValueError("Cannot index DynamicTable with multiple dimensions")
        keys = np.flatnonzero(picked).tolist() if picked.dtype == bool else picked.tolist()
    else:
        raise KeyError(f"Key type not supported by DynamicTable {type(key)}")
    rows = len(table)
    bad = [k for k in keys if not -rows <= k < rows]
    if bad:
        raise IndexError(
            f"Row index {bad} out of range for {type(table).__name__} {table.name!r} "
            f"(length {rows})."
        )
    return [k % rows for k in keys]


def table_from_dataframe(
    cls: type[DynamicTable],
    df: Any,
    name: str,
    index_column: str | None,
    table_description: str,
    columns: Sequence[Mapping[str, Any]] | None,
    kwargs: dict[str, Any],
) -> DynamicTable:
    """``cls.from_dataframe`` (see :meth:`DynamicTable.from_dataframe`)."""
    supplied = {str(spec["name"]): spec for spec in columns or ()}
    unknown = set(supplied) - set(df.columns)
    if unknown:
        raise ValueError(f"cols specified but not provided: {unknown}")
    descriptions = kwargs.pop("column_descriptions", {})
    ids = df[index_column] if index_column is not None else df.index
    args: dict[str, Any] = {"id": list(ids.values.tolist()), **kwargs}  # pynwb's id=[...]
    table = cls(name=name, description=table_description, **args)
    for col in df.columns:
        values = list(df[col].values)
        given = table.columns.get(col)
        if given is not None and not data_len(given.data) and col not in table.indexes:
            given.data = values  # a column the class makes itself (start_time...)
            continue
        spec = supplied.get(col, {})
        index = spec.get("index", False)
        if not spec and values and _sized(values[0]):
            index = len({len(v) for v in values}) > 1
        table.add_column(
            str(col),
            str(spec.get("description", descriptions.get(col, "no description"))),
            data=values,
            table=spec.get("table", False),
            index=index,
            enum=spec.get("enum", False),
        )
    return table
