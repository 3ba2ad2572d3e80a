"""The DynamicTable family of hdmf-common: columns, ragged indexes, regions, ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np

from nwbzarr.dtypes import REFERENCE, CompoundType, ReferenceType, smallest_unsigned
from nwbzarr.errors import ValidationError
from nwbzarr.model.base import (
    Container,
    Data,
    ReadContext,
    WriteContext,
    as_values,
    class_info,
    data_len,
    register,
    write_data,
)
from nwbzarr.model.values import attr_text, text
from nwbzarr.tree import Array, Group, Node, Reference


def _to_list(data: Any) -> list[Any]:
    values = as_values(data)
    if isinstance(values, np.ndarray):
        return list(values) if values.dtype.kind == "O" else values.tolist()
    return list(values)


def _resolved_refs(node: Array, ctx: ReadContext) -> list[Any]:
    """A column of references, each read as its container."""
    return [ctx.get(v.path) if isinstance(v, Reference) else v for v in np.atleast_1d(node[()])]


def _resolved_rows(node: Array, ctx: ReadContext) -> list[Any]:
    """The rows of a compound array, with each reference read as its container."""
    rows = []
    for row in np.atleast_1d(node[()]):
        rows.append(tuple(ctx.get(v.path) if isinstance(v, Reference) else v for v in row))
    return rows


def referenced[T](node: Node, ctx: ReadContext, attr: str, kind: type[T]) -> T | None:
    """The container that reference attribute ``attr`` of ``node`` names, if it is a ``kind``."""
    ref = node.attrs.get(attr)
    if isinstance(ref, Reference):
        target = ctx.get(ref.path)
        if isinstance(target, kind):
            return target
    return None


@register
@dataclass(kw_only=True, eq=False)
class VectorData(Data):
    """One table column (flat values of a ragged column when an index points at it)."""

    neurodata_type: ClassVar[str] = "VectorData"

    description: str = ""
    data: Any = field(default_factory=list)
    dtype: Any = None

    def __len__(self) -> int:
        return data_len(self.data)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(self.data, Array | np.ndarray):
            return self.data[key]
        return np.asarray(self.data)[key] if isinstance(key, slice) else self.data[key]

    def append(self, value: Any) -> None:
        if not isinstance(self.data, list):
            self.data = _to_list(self.data)
        self.data.append(value)

    def extend(self, values: Sequence[Any]) -> None:
        if not isinstance(self.data, list):
            self.data = _to_list(self.data)
        self.data.extend(values)

    def column_attrs(self) -> dict[str, Any]:
        return {**self.typed_attrs(), "description": self.description}

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        dtype = self.write_dtype()
        data = self.data
        if isinstance(data, list) and self.dtype is None:
            from nwbzarr.model.mapping import (
                compound_with_references,
                write_compound_rows,
                write_reference_rows,
            )

            ctype = compound_with_references(class_info(self).dtype)
            if ctype is not None:  # rows that reference objects (TimeSeriesReference)
                return write_compound_rows(parent, self.name, data, ctype, self.column_attrs(), ctx)
            if data and isinstance(data[0], Container):  # a column of objects
                return write_reference_rows(parent, self.name, data, self.column_attrs(), ctx)
        if isinstance(dtype, np.dtype) and dtype.names and isinstance(data, list):
            data = np.array(data, dtype=dtype)
        return write_data(
            parent,
            self.name,
            data,
            dtype=dtype,
            attrs=self.column_attrs(),
            expandable=True,
            ctx=ctx,
        )

    def write_dtype(self) -> Any:
        if self.dtype is not None:
            return self.dtype
        if isinstance(self.data, list) and self.data and isinstance(self.data[0], bool):
            return np.dtype(bool)
        return None

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        description = attr_text(node, "description", "") or ""
        data: Any = node
        kind = node.datatype if isinstance(node, Array) else None
        if isinstance(kind, ReferenceType):
            data = _resolved_refs(data, ctx)  # a column of objects (icephys electrodes...)
        elif isinstance(kind, CompoundType) and any(
            isinstance(t, ReferenceType) for _, t in kind.fields
        ):
            data = _resolved_rows(data, ctx)  # rows that reference objects: small
        return cls(name=node.name, description=description, data=data)


@register
@dataclass(kw_only=True, eq=False)
class ElementIdentifiers(Data):
    neurodata_type: ClassVar[str] = "ElementIdentifiers"

    data: Any = field(default_factory=list)

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        data = self.data if isinstance(self.data, Array) else np.asarray(self.data, dtype="int64")
        return write_data(
            parent, self.name, data, dtype=None, attrs=self.typed_attrs(), expandable=True
        )

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        return cls(name=node.name, data=node)


@register
@dataclass(kw_only=True, eq=False)
class VectorIndex(VectorData):
    """Exclusive end offsets into ``target``: row i is ``target[index[i-1]:index[i]]``."""

    neurodata_type: ClassVar[str] = "VectorIndex"

    target: VectorData | None = None

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(self)))]
        ends = self.data
        i = int(key)
        start = int(ends[i - 1]) if i > 0 else 0
        assert self.target is not None
        return self.target[start : int(ends[i])]

    def add_vector(self, values: Sequence[Any]) -> None:
        """Append one row: its values to the target (each a row of a nested index)."""
        assert self.target is not None
        if isinstance(self.target, VectorIndex):
            for value in values:
                self.target.add_vector(value)
        else:
            self.target.extend(list(values))
        self.append(len(self.target))

    def outermost(self, table: DynamicTable) -> VectorIndex:
        """The index of the rows of ``table`` (this one, or the index that indexes it)."""
        found = self
        while found.name in table.indexes:
            found = table.indexes[found.name]
        return found

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        assert self.target is not None
        if isinstance(self.data, Array):
            data: Any = self.data
        else:
            ends = np.asarray(self.data, dtype="int64")
            data = ends.astype(smallest_unsigned(int(ends.max()) if ends.size else 0))
        node = write_data(
            parent,
            self.name,
            data,
            attrs={**self.column_attrs()},
            expandable=True,
        )
        ctx.reference_attr(node, "target", self.target)
        return node

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        obj = super().from_tree(node, ctx)
        obj.target = referenced(node, ctx, "target", VectorData) or obj.target
        return obj


@register
@dataclass(kw_only=True, eq=False)
class DynamicTableRegion(VectorData):
    """Row indices into ``table`` (signed int64)."""

    neurodata_type: ClassVar[str] = "DynamicTableRegion"

    table: DynamicTable | None = None
    in_table: bool = field(default=False, repr=False)

    def __getitem__(self, key: Any) -> Any:
        """The referenced rows of :attr:`table` as a pandas DataFrame (pynwb's ``region[:]``,
        also for one row); the row indices are :attr:`data` (or ``get(key, index=True)``)."""
        if self.table is None:
            return super().__getitem__(key)
        return self.get(key)

    def get(self, key: Any, index: bool = False, df: bool = True) -> Any:
        """The rows ``key`` selects: their indices (``index=True``) or, by default, the rows
        of the referenced table as a DataFrame (``df=False``: a dict of lists)."""
        every = np.asarray(as_values(self.data), dtype=np.int64)  # a region is small
        rows = np.atleast_1d(every[key])
        if index or self.table is None:
            return rows if not np.isscalar(key) or rows.size != 1 else int(rows[0])
        return self.table.rows(rows, df=df)

    def to_dataframe(self, **kwargs: Any) -> Any:
        """The referenced rows of the table, as a pandas DataFrame (pynwb's)."""
        if self.table is None:
            raise ValidationError(f"{self.name}: the region has no table")
        rows = [int(i) for i in np.atleast_1d(as_values(self.data))]
        return self.table.to_dataframe(**kwargs).iloc[rows]

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        data = self.data if isinstance(self.data, Array) else np.asarray(self.data, dtype="int64")
        node = write_data(
            parent,
            self.name,
            data,
            dims=("channel",) if self.name == "electrodes" else None,
            attrs=self.column_attrs(),
            expandable=self.in_table,
        )
        if self.table is not None:
            ctx.reference_attr(node, "table", self.table)
        return node

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        obj = super().from_tree(node, ctx)
        obj.table = referenced(node, ctx, "table", DynamicTable) or obj.table
        return obj


@register
@dataclass(kw_only=True, eq=False)
class DynamicTable(Container):
    """A table of columns; ragged columns have a ``<name>_index`` VectorIndex."""

    neurodata_type: ClassVar[str] = "DynamicTable"
    # columns (VectorData and its kinds, named or not) are mapped by the table code
    table_columns: ClassVar[bool] = True
    handles: ClassVar[frozenset[str]] = frozenset({"vector_datas"})
    # pynwb's descriptions of the columns it adds itself, where they are not the schema's
    column_docs: ClassVar[Mapping[str, str]] = {}

    description: str = ""
    id: ElementIdentifiers = field(default_factory=lambda: ElementIdentifiers(name="id"))
    columns: dict[str, VectorData] = field(default_factory=dict)
    indexes: dict[str, VectorIndex] = field(default_factory=dict)
    colnames: list[str] = field(default_factory=list)
    target_tables: dict[str, DynamicTable] | None = field(default=None, repr=False)
    meanings_tables: list[Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """pynwb's arguments: ``id`` as values, ``columns`` as a list, ``target_tables``."""
        if not isinstance(self.id, ElementIdentifiers):
            ids = [] if self.id is None else self.id
            self.id = ElementIdentifiers(name="id", data=ids)
        given: Any = self.columns
        if given is None:
            self.columns = {}
        if self.colnames is None:
            self.colnames = []
        if isinstance(given, list | tuple):
            self.columns, order = {}, [str(n) for n in (self.colnames or [])]
            self._take_columns(list(given), order)
            if not data_len(self.id.data) and self.colnames:  # pynwb: ids 0..n-1
                first = self[self.colnames[0]]
                self.id.data = list(range(len(first)))
        for name, table in (self.target_tables or {}).items():
            column = self.columns.get(name)
            if isinstance(column, DynamicTableRegion):
                column.table = table

    def _take_columns(self, given: list[VectorData], order: list[str]) -> None:
        targets = {id(c.target): c for c in given if isinstance(c, VectorIndex)}
        plain = [c for c in given if not isinstance(c, VectorIndex)]
        names = order or [c.name for c in plain]
        by_name = {c.name: c for c in plain}
        self.colnames = []
        for name in names:
            column = by_name[name]
            self.columns[name] = column
            self.colnames.append(name)
            index = targets.get(id(column))
            key = name
            while index is not None:
                self.indexes[key] = index
                key, index = index.name, targets.get(id(index))

    def post_fields(self) -> None:
        """The schema's required columns, empty, as pynwb adds them to a new table."""
        if len(self):
            return
        columns = class_info(self).columns
        names = {f.path for f in columns if f.required}
        for f in columns:
            name = f.path
            if not f.required or name is None or name in ("id", *self.columns, *self.indexes):
                continue
            if name.endswith("_index") and name[: -len("_index")] in names:
                continue
            doc = self.column_docs.get(name, f.doc)
            self.add_column(name, doc, index=f"{name}_index" in names)

    def _declared_columns(self, names: list[str]) -> None:
        """Columns the schema declares (optional ones too), added when a first row uses them."""
        from nwbzarr.model.classes import find_class

        info = class_info(self)
        declared = {f.path: f for f in info.columns if f.path}
        for name in names:
            f = declared.get(name)
            if f is None:
                continue
            kind = type(self).__dict__.get("_catalog")
            col: Any = None
            if f.type_name is not None:
                from nwbzarr.model.classes import bundled_catalog

                col = find_class(f.type_name, info.namespace, kind or bundled_catalog())
            col_cls = col if isinstance(col, type) and issubclass(col, VectorData) else VectorData
            depth, key = 0, f"{name}_index"
            while key in declared:
                depth, key = depth + 1, f"{key}_index"
            region: Any = False
            if issubclass(col_cls, DynamicTableRegion):
                region = self.region_table(name) or True
            doc = self.column_docs.get(name, f.doc)
            self.add_column(name, doc, index=depth, col_cls=col_cls, table=region)

    def region_table(self, column: str) -> DynamicTable | None:
        """The table a DynamicTableRegion column that the schema declares points into
        (None: set later); Units points ``electrodes`` at its electrode table."""
        return None

    # ----- building
    def add_column(
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
    ) -> VectorData:
        """Add a column (hdmf's ``add_column``).

        Parameters
        ----------
        name, description
            The column's name and description.
        data
            One value per row (nested lists when ``index`` is set); empty for a new table.
        table
            A DynamicTable (or True, the table set later): the column is a
            DynamicTableRegion of row indices into it.
        index
            False, True (ragged: one VectorIndex), an int n (n levels, ``waveforms`` is 2),
            or the end offsets of the rows of a ragged column whose flat values are ``data``.
        enum
            True or the allowed values: an EnumData column (hdmf-experimental), whose rows are
            given and read as values and stored as indices into ``<name>_elements``.
        col_cls
            The column's class (VectorData or a subclass); DynamicTableRegion for ``table``.
        check_ragged
            Warn when a column without index gets rows of different lengths.
        **kwargs
            Further arguments of ``col_cls``.
        """
        from nwbzarr.model.columns import add_table_column

        return add_table_column(
            self, name, description, data, table, index, enum, col_cls, check_ragged, kwargs
        )

    def add_row(
        self,
        data: Mapping[str, Any] | None = None,
        id: int | None = None,
        enforce_unique_id: bool = False,
        check_ragged: bool = True,
        **kwargs: Any,
    ) -> None:
        """Add one row: ``data`` (or the keywords) has a value for every column.

        ``id`` defaults to ``data["id"]``, then to the number of rows; ``enforce_unique_id``
        refuses an id the table has; ``check_ragged`` warns when a column without index
        becomes ragged.
        """
        from nwbzarr.model.columns import add_table_row

        add_table_row(self, data, id, enforce_unique_id, check_ragged, kwargs)

    @classmethod
    def from_dataframe(
        cls,
        df: Any,
        name: str,
        index_column: str | None = None,
        table_description: str = "",
        columns: Sequence[Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> Self:
        """A table of the columns of pandas DataFrame ``df`` (hdmf's ``from_dataframe``).

        The ids are ``df``'s index (or its column ``index_column``); ``columns`` gives
        ``{"name", "description", "index", "table", "enum"}`` per column, other columns are
        described by ``column_descriptions={...}`` (else "no description") and are ragged
        when their cells are sequences of different lengths.
        """
        from nwbzarr.model.columns import table_from_dataframe

        table = table_from_dataframe(
            cls, df, name, index_column, table_description, columns, kwargs
        )
        return table  # type: ignore[return-value]

    def create_region(
        self, name: str, region: slice | Sequence[int], description: str
    ) -> DynamicTableRegion:
        """A DynamicTableRegion of rows ``region`` of this table (hdmf's ``create_region``)."""
        if isinstance(region, slice):
            if (region.start is not None and region.start < 0) or (
                region.stop is not None and region.stop > len(self)
            ):
                raise IndexError(
                    f"region slice {region} is out of range for this DynamicTable of "
                    f"length {len(self)}"
                )
            rows: Any = list(range(*region.indices(len(self))))
        else:
            rows = region
        return DynamicTableRegion(name=name, data=rows, description=description, table=self)

    # ----- access
    def __len__(self) -> int:
        return data_len(self.id.data)

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, key: Any) -> Any:
        """hdmf's selection: a column by name (``"id"``: the ids), a cell by
        ``(row, column)``, or rows (an int, a slice, a list or array of positions) as a
        DataFrame indexed by ``id``, region columns as row indices."""
        if isinstance(key, str):
            if key == "id" and key not in self.columns:
                return self.id
            index = self.indexes.get(key)
            while index is not None and index.name in self.indexes:
                index = self.indexes[index.name]
            return index or self.columns[key]
        if isinstance(key, tuple):
            row, column = key
            name = column if isinstance(column, str) else self.colnames[int(column)]
            return self[name][row]
        from nwbzarr.model.columns import selection

        return selection(self, key)

    def rows(self, rows: Sequence[int] | np.ndarray[Any, Any], df: bool = True) -> Any:
        """Rows ``rows`` (positions) as a DataFrame indexed by ``id`` (``df=False``: a dict
        of lists with ``id`` first), columns in the table's order."""
        positions = [int(r) for r in rows]
        bad = [r for r in positions if not 0 <= r < len(self)]
        if bad:
            raise IndexError(f"{self.name}: rows {bad} are outside the table of {len(self)} rows")
        ids = np.asarray(as_values(self.id.data))
        columns = {name: [self[name][r] for r in positions] for name in self.colnames}
        if not df:
            return {"id": [int(ids[r]) for r in positions], **columns}
        import pandas as pd

        index = pd.Index(ids[positions], name="id")
        return pd.DataFrame(columns, index=index)

    def to_dataframe(self, exclude: set[str] | None = None, index: bool = False) -> Any:
        """The table as a pandas DataFrame indexed by ``id`` (hdmf's ``to_dataframe``).

        ``exclude``: names of columns to leave out. A DynamicTableRegion column gives, per
        row, the referenced rows as a DataFrame, or with ``index=True`` their indices.
        """
        from nwbzarr.model.columns import dataframe

        return dataframe(self, set(exclude or ()), index)

    # ----- tree
    def table_attrs(self) -> dict[str, Any]:
        return {
            **self.typed_attrs(),
            "colnames": np.array(self.colnames, dtype=object),
            "description": self.description,
        }

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(self.name, attrs=self.table_attrs())
        self.write_members(group, ctx)
        return group

    def write_members(self, group: Group, ctx: WriteContext) -> None:
        self.id.write(group, ctx)
        for name in self.colnames:
            elements = getattr(self.columns[name], "elements", None)
            if isinstance(elements, VectorData) and elements.name not in group:
                elements.write(group, ctx)  # an EnumData's values: next to it, as hdmf's
            self.columns[name].write(group, ctx)
            index = self.indexes.get(name)
            while index is not None:
                index.write(group, ctx)
                index = self.indexes.get(index.name)

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        obj = cls(name=node.name, description=attr_text(node, "description", "") or "")
        obj.read_columns(node, ctx)
        return obj

    def read_columns(self, group: Group, ctx: ReadContext) -> None:
        ctx.objects[group.path] = self  # columns reference their table
        if "id" in group:
            ident = ctx.read_child(group["id"])
            if isinstance(ident, ElementIdentifiers):
                self.id = ident
        names = group.attrs.get("colnames")
        colnames = [] if names is None else [text(n) for n in np.atleast_1d(names)]
        for name in colnames:
            if name not in group:
                continue
            column = ctx.read_child(group[name])
            if isinstance(column, VectorData):
                self.columns[name] = column
                self.colnames.append(name)
            key, target = name, f"{name}_index"
            while target in group:
                index = ctx.read_child(group[target])
                if not isinstance(index, VectorIndex):
                    break
                self.indexes[key] = index
                key, target = target, f"{target}_index"


def region_data(table: DynamicTable, region: Sequence[int] | slice, what: str) -> list[int]:
    rows = list(range(len(table)))[region] if isinstance(region, slice) else list(region)
    bad = [int(r) for r in rows if not 0 <= int(r) < len(table)]
    if bad:
        raise ValidationError(
            f"{what}: indices {bad} are outside the table {table.name!r} of {len(table)} rows"
        )
    return [int(r) for r in rows]


__all__ = [
    "REFERENCE",
    "DynamicTable",
    "DynamicTableRegion",
    "ElementIdentifiers",
    "VectorData",
    "VectorIndex",
    "region_data",
]
