# ruff: noqa: E501  (the generated data below holds long annotation texts)
"""pynwb 4.2's constructor and convenience-method signatures, as data.

The generated classes take their ``__init__`` parameters (names, order, defaults) from here, so
that pynwb code ports by changing imports. These are API facts read once from pynwb's docval by
``tests/pynwb_docval.py``; ``tests/test_pynwb_signatures.py`` checks them against pynwb 4.2 and
the classes against them.

``CLASSES`` maps a neurodata type name to a :class:`ClassSig`: the pynwb base classes among
these types, the constructor :class:`Sig` and the methods pynwb's class defines itself (those
inherited are under the base's entry). A :class:`Sig` is a tuple of :class:`Param` in pynwb's
order: first those without a default (``REQUIRED``), then those with one. pynwb accepts all of
them positionally unless ``positional=False`` (keyword-only); ``extra=True`` means it accepts
unknown keywords. ``Param.type`` is the annotation as text, in terms of these type names,
builtins, ``datetime``/``date``/``timedelta``, ``Any``, ``Sequence``/``Mapping``/``Iterable``
and ``ArrayLike`` (array data: numpy arrays, lists, lazy arrays, ``DataIO``, iterators). A
mutable default (``{}``, ``[]``) is pynwb's: docval copies it on every call, so must callers.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["CLASSES", "REQUIRED", "ArrayLike", "ClassSig", "Param", "Sig", "method_sig"]

type ArrayLike = Any


class _Required:
    """The default of a parameter that has none (a singleton)."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final = _Required()


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: its name, annotation text and default (``REQUIRED`` if none)."""

    name: str
    type: str
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def __repr__(self) -> str:
        if self.required:
            return f"Param({self.name!r}, {self.type!r})"
        return f"Param({self.name!r}, {self.type!r}, {self.default!r})"


@dataclass(frozen=True, slots=True)
class Sig:
    """A function's parameters in pynwb's order, and how pynwb accepts them."""

    params: tuple[Param, ...]
    positional: bool = True
    extra: bool = False

    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def signature(self, *, method: bool = True) -> inspect.Signature:
        """The :class:`inspect.Signature` (with ``self`` first when ``method``)."""
        kind = (
            inspect.Parameter.POSITIONAL_OR_KEYWORD
            if self.positional
            else inspect.Parameter.KEYWORD_ONLY
        )
        params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        params = params if method else []
        for p in self.params:
            default = inspect.Parameter.empty if p.required else p.default
            params.append(inspect.Parameter(p.name, kind, default=default, annotation=p.type))
        if self.extra:
            params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
        return inspect.Signature(params)


@dataclass(frozen=True, slots=True)
class ClassSig:
    """A class: its pynwb bases (among these types), constructor and own methods."""

    bases: tuple[str, ...]
    init: Sig
    methods: Mapping[str, Sig] = field(default_factory=dict)


def method_sig(type_name: str, method: str) -> Sig | None:
    """pynwb's signature of ``method`` of ``type_name``, defined there or on a pynwb base.

    None when pynwb's class has no such method (or pynwb has no class ``type_name``).
    """
    todo = [type_name]
    while todo:
        entry = CLASSES.get(todo.pop(0))
        if entry is None:
            continue
        found = entry.methods.get(method)
        if found is not None:
            return found
        todo.extend(entry.bases)
    return None


# --- generated below by `python tests/pynwb_docval.py`; do not edit ---
CLASSES: dict[str, ClassSig] = {
    "Data": ClassSig(
        (),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | str | int | float | bytes | bool | datetime | date"),
            )
        ),
        {
            "generate_new_id": Sig((Param("recurse", "bool", True),)),
        },
    ),
    "Container": ClassSig(
        (),
        Sig((Param("name", "str"),)),
        {
            "generate_new_id": Sig((Param("recurse", "bool", True),)),
        },
    ),
    "SimpleMultiContainer": ClassSig(
        ("Container",),
        Sig(
            (
                Param("name", "str"),
                Param("containers", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_container": Sig(
                (
                    Param(
                        "containers",
                        "Container | Data | Sequence[Container | Data] | Mapping[str, Container | Data]",
                    ),
                )
            ),
            "get_container": Sig((Param("name", "str | None", None),)),
        },
    ),
    "VectorData": ClassSig(
        ("Data",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("data", "ArrayLike", []),
            )
        ),
        {
            "add_row": Sig((Param("val", "Any"),)),
        },
    ),
    "VectorIndex": ClassSig(
        ("VectorData",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike"),
                Param("target", "VectorData"),
            )
        ),
    ),
    "ElementIdentifiers": ClassSig(
        ("Data",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike", []),
            )
        ),
    ),
    "DynamicTableRegion": ClassSig(
        ("VectorData",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike"),
                Param("description", "str"),
                Param("table", "DynamicTable | None", None),
                Param("validate_data", "bool", True),
            )
        ),
    ),
    "DynamicTable": ClassSig(
        ("Container",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_column": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data", "ArrayLike", []),
                    Param("table", "DynamicTable | bool", False),
                    Param("index", "ArrayLike | VectorIndex | bool | int", False),
                    Param("enum", "ArrayLike | bool", False),
                    Param("col_cls", "Any", None),
                    Param("check_ragged", "bool", True),
                ),
                extra=True,
            ),
            "add_meanings_table": Sig((Param("meanings_table", "MeaningsTable"),)),
            "add_row": Sig(
                (
                    Param("data", "Mapping[str, Any] | None", None),
                    Param("id", "int | None", None),
                    Param("enforce_unique_id", "bool", False),
                    Param("check_ragged", "bool", True),
                ),
                extra=True,
            ),
            "create_region": Sig(
                (
                    Param("name", "str"),
                    Param("region", "Any"),
                    Param("description", "str"),
                )
            ),
            "from_dataframe": Sig(
                (
                    Param("df", "Any"),
                    Param("name", "str"),
                    Param("index_column", "str | None", None),
                    Param("table_description", "str", ""),
                    Param("columns", "Sequence[Any] | None", None),
                ),
                extra=True,
            ),
            "get_linked_tables": Sig((Param("other_tables", "Any", None),)),
            "get_meanings_for_column": Sig((Param("col_name", "str"),)),
            "get_meanings_table": Sig((Param("name", "str"),)),
            "to_dataframe": Sig(
                (
                    Param("exclude", "Any", None),
                    Param("index", "bool", False),
                )
            ),
        },
    ),
    "AlignedDynamicTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
                Param("category_tables", "Sequence[Any] | None", None),
                Param("categories", "ArrayLike | None", None),
            )
        ),
        {
            "add_category": Sig((Param("category", "DynamicTable"),)),
            "add_column": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data", "ArrayLike", []),
                    Param("table", "DynamicTable | bool", False),
                    Param("index", "ArrayLike | VectorIndex | bool | int", False),
                    Param("enum", "ArrayLike | bool", False),
                    Param("col_cls", "Any", None),
                    Param("check_ragged", "bool", True),
                    Param("category", "str | None", None),
                )
            ),
            "add_row": Sig(
                (
                    Param("data", "Mapping[str, Any] | None", None),
                    Param("id", "int | None", None),
                    Param("enforce_unique_id", "bool", False),
                ),
                extra=True,
            ),
            "get_category": Sig((Param("name", "str | None", None),)),
            "get_colnames": Sig(
                (
                    Param("include_category_tables", "bool", False),
                    Param("ignore_category_ids", "bool", False),
                )
            ),
            "get_foreign_columns": Sig((Param("ignore_category_tables", "bool", False),)),
            "get_linked_tables": Sig(
                (
                    Param("other_tables", "Any", None),
                    Param("ignore_category_tables", "bool", False),
                )
            ),
            "get_meanings_for_column": Sig(
                (
                    Param("col_name", "str"),
                    Param("category", "str | None", None),
                )
            ),
            "has_foreign_columns": Sig((Param("ignore_category_tables", "bool", False),)),
            "to_dataframe": Sig((Param("ignore_category_ids", "bool", False),)),
        },
    ),
    "MeaningsTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("target", "VectorData"),
                Param("description", "str | None", None),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
            )
        ),
        {
            "add_row": Sig(
                (
                    Param("value", "Any"),
                    Param("meaning", "str"),
                    Param("id", "int | None", None),
                    Param("enforce_unique_id", "bool", False),
                ),
                extra=True,
            ),
        },
    ),
    "CSRMatrix": ClassSig(
        ("Container",),
        Sig(
            (
                Param("data", "ArrayLike"),
                Param("indices", "ArrayLike | None", None),
                Param("indptr", "ArrayLike | None", None),
                Param("shape", "ArrayLike | None", None),
                Param("name", "str", "csr_matrix"),
            )
        ),
    ),
    "HERD": ClassSig(
        ("Container",),
        Sig(
            (
                Param("keys", "Any", None),
                Param("files", "Any", None),
                Param("entities", "Any", None),
                Param("objects", "Any", None),
                Param("object_keys", "Any", None),
                Param("entity_keys", "Any", None),
                Param("type_map", "Any", None),
            )
        ),
        {
            "add_ref": Sig(
                (
                    Param("entity_id", "str"),
                    Param("container", "Any", None),
                    Param("attribute", "str | None", None),
                    Param("field", "str", ""),
                    Param("key", "Any", None),
                    Param("entity_uri", "str | None", None),
                )
            ),
            "add_ref_container": Sig((Param("root_container", "Any"),)),
            "add_ref_termset": Sig(
                (
                    Param("termset", "Any"),
                    Param("container", "Any", None),
                    Param("attribute", "str | None", None),
                    Param("field", "str", ""),
                    Param("key", "Any", None),
                )
            ),
            "from_zip": Sig(
                (
                    Param("path", "str"),
                    Param("type_map", "Any", None),
                )
            ),
            "get_entity": Sig((Param("entity_id", "str"),)),
            "get_key": Sig(
                (
                    Param("key_name", "str"),
                    Param("file", "Any", None),
                    Param("container", "Any", None),
                    Param("relative_path", "str", ""),
                    Param("field", "str", ""),
                )
            ),
            "get_object_entities": Sig(
                (
                    Param("container", "Any"),
                    Param("file", "Any", None),
                    Param("attribute", "str | None", None),
                    Param("relative_path", "str", ""),
                    Param("field", "str", ""),
                )
            ),
            "get_object_type": Sig(
                (
                    Param("object_type", "str"),
                    Param("relative_path", "str", ""),
                    Param("field", "str", ""),
                    Param("all_instances", "bool", False),
                )
            ),
            "get_zip_directory": Sig((Param("path", "str"),)),
            "to_dataframe": Sig((Param("use_categories", "bool", False),)),
            "to_zip": Sig((Param("path", "str"),)),
        },
    ),
    "EnumData": ClassSig(
        ("VectorData",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("data", "ArrayLike", []),
                Param("elements", "ArrayLike | VectorData", []),
            )
        ),
        {
            "add_row": Sig(
                (
                    Param("val", "Any"),
                    Param("index", "bool", False),
                )
            ),
        },
    ),
    "NWBData": ClassSig(
        ("Data",),
        Sig(
            (
                Param("name", "str"),
                Param(
                    "data", "ArrayLike | Data | str | int | float | bytes | bool | datetime | date"
                ),
            )
        ),
    ),
    "TimeSeriesReferenceVectorData": ClassSig(
        ("VectorData",),
        Sig(
            (
                Param("name", "str", "timeseries"),
                Param(
                    "description",
                    "str",
                    "Column storing references to a TimeSeries (rows). For each TimeSeries this VectorData column stores the start_index and count to indicate the range in time to be selected as well as an object reference to the TimeSeries.",
                ),
                Param("data", "ArrayLike", []),
            )
        ),
        {
            "add_row": Sig((Param("val", "Any"),)),
        },
    ),
    "BaseImage": ClassSig(
        ("NWBData",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "Any"),
                Param("description", "str | None", None),
            )
        ),
    ),
    "Image": ClassSig(
        ("BaseImage",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike"),
                Param("resolution", "float | None", None),
                Param("description", "str | None", None),
            )
        ),
    ),
    "ExternalImage": ClassSig(
        ("BaseImage",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "str"),
                Param("image_format", "str"),
                Param("description", "str | None", None),
                Param("image_mode", "str | None", None),
            )
        ),
    ),
    "ImageReferences": ClassSig(
        ("NWBData",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike"),
            )
        ),
    ),
    "NWBContainer": ClassSig(("Container",), Sig((Param("name", "str"),))),
    "NWBDataInterface": ClassSig(("NWBContainer",), Sig((Param("name", "str"),))),
    "TimeSeries": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("unit", "str"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("offset", "float", 0.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("continuity", "str | None", None),
            )
        ),
    ),
    "ProcessingModule": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("data_interfaces", "Sequence[Any] | Mapping[str, Any] | None", None),
            )
        ),
        {
            "add": Sig(
                (
                    Param(
                        "data_interfaces",
                        "NWBDataInterface | DynamicTable | Sequence[NWBDataInterface | DynamicTable] | Mapping[str, NWBDataInterface | DynamicTable]",
                    ),
                )
            ),
            "get": Sig((Param("name", "str | None", None),)),
        },
    ),
    "Images": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("name", "str"),
                Param("images", "ArrayLike | None", None),
                Param("description", "str", "no description"),
                Param("order_of_images", "ImageReferences | None", None),
            )
        ),
        {
            "add_image": Sig(
                (Param("images", "BaseImage | Sequence[BaseImage] | Mapping[str, BaseImage]"),)
            ),
            "create_image": Sig(
                (
                    Param("name", "str"),
                    Param("data", "Any"),
                    Param("description", "str | None", None),
                )
            ),
            "get_image": Sig((Param("name", "str | None", None),)),
        },
    ),
    "Device": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str | None", None),
                Param("manufacturer", "str | None", None),
                Param("model_number", "str | None", None),
                Param("model_name", "str | None", None),
                Param("serial_number", "str | None", None),
                Param("model", "DeviceModel | None", None),
            )
        ),
    ),
    "DeviceModel": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("name", "str"),
                Param("manufacturer", "str"),
                Param("model_number", "str | None", None),
                Param("description", "str | None", None),
            ),
            positional=False,
        ),
    ),
    "TimeIntervals": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str", "experimental intervals"),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_interval": Sig(
                (
                    Param("start_time", "float"),
                    Param("stop_time", "float"),
                    Param("tags", "str | Sequence[Any] | None", None),
                    Param("timeseries", "TimeSeries | Sequence[TimeSeries] | None", None),
                ),
                extra=True,
            ),
        },
    ),
    "TimestampVectorData": ClassSig(
        ("VectorData",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("data", "ArrayLike", []),
                Param("resolution", "float | None", None),
            ),
            positional=False,
        ),
    ),
    "DurationVectorData": ClassSig(
        ("VectorData",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("data", "ArrayLike", []),
                Param("resolution", "float | None", None),
            ),
            positional=False,
        ),
    ),
    "EventsTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("source_description", "str | None", None),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            ),
            positional=False,
        ),
        {
            "add_event": Sig(
                (
                    Param("timestamp", "float"),
                    Param("duration", "float | None", None),
                    Param("annotation", "str | None", None),
                ),
                extra=True,
            ),
        },
    ),
    "GrayscaleImage": ClassSig(
        ("Image",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike"),
                Param("resolution", "float | None", None),
                Param("description", "str | None", None),
            )
        ),
    ),
    "RGBImage": ClassSig(
        ("Image",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike"),
                Param("resolution", "float | None", None),
                Param("description", "str | None", None),
            )
        ),
    ),
    "RGBAImage": ClassSig(
        ("Image",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike"),
                Param("resolution", "float | None", None),
                Param("description", "str | None", None),
            )
        ),
    ),
    "ImageSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries | None", None),
                Param("unit", "str | None", None),
                Param("format", "str | None", None),
                Param("external_file", "ArrayLike | None", None),
                Param("starting_frame", "ArrayLike | None", None),
                Param("num_samples", "Any", None),
                Param("bits_per_pixel", "int | None", None),
                Param("dimension", "ArrayLike | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
                Param("device", "Device | None", None),
            )
        ),
    ),
    "ImageMaskSeries": ClassSig(
        ("ImageSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("masked_imageseries", "ImageSeries"),
                Param("data", "ArrayLike | TimeSeries | None", None),
                Param("unit", "str | None", None),
                Param("format", "str | None", None),
                Param("external_file", "ArrayLike | None", None),
                Param("starting_frame", "ArrayLike | None", None),
                Param("bits_per_pixel", "int | None", None),
                Param("dimension", "ArrayLike | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
                Param("device", "Device | None", None),
            )
        ),
    ),
    "OpticalSeries": ClassSig(
        ("ImageSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("distance", "float | None", None),
                Param("field_of_view", "ArrayLike | TimeSeries | None", None),
                Param("orientation", "str | None", None),
                Param("data", "ArrayLike | None", None),
                Param("unit", "str | None", None),
                Param("format", "str | None", None),
                Param("external_file", "ArrayLike | None", None),
                Param("starting_frame", "ArrayLike | None", None),
                Param("num_samples", "Any", None),
                Param("bits_per_pixel", "int | None", None),
                Param("dimension", "ArrayLike | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("device", "Device | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "IndexSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("unit", "str"),
                Param("indexed_timeseries", "TimeSeries | None", None),
                Param("indexed_images", "Images | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "ScratchData": ClassSig(
        ("NWBData",),
        Sig(
            (
                Param("name", "str"),
                Param(
                    "data", "ArrayLike | Data | str | int | float | bytes | bool | datetime | date"
                ),
                Param("description", "str | None", None),
            )
        ),
    ),
    "NWBFile": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("session_description", "str"),
                Param("identifier", "str"),
                Param("session_start_time", "datetime"),
                Param("file_create_date", "ArrayLike | datetime | None", None),
                Param("timestamps_reference_time", "datetime | None", None),
                Param("experimenter", "str | Sequence[Any] | None", None),
                Param("experiment_description", "str | None", None),
                Param("session_id", "str | None", None),
                Param("institution", "str | None", None),
                Param("keywords", "ArrayLike | None", None),
                Param("notes", "str | None", None),
                Param("external_resources", "HERD | None", None),
                Param("pharmacology", "str | None", None),
                Param("protocol", "str | None", None),
                Param("related_publications", "str | Sequence[Any] | None", None),
                Param("slices", "str | None", None),
                Param("source_script", "str | None", None),
                Param("source_script_file_name", "str | None", None),
                Param("was_generated_by", "ArrayLike | None", None),
                Param("data_collection", "str | None", None),
                Param("surgery", "str | None", None),
                Param("virus", "str | None", None),
                Param("stimulus_notes", "str | None", None),
                Param("lab", "str | None", None),
                Param("acquisition", "Sequence[Any] | None", None),
                Param("analysis", "Sequence[Any] | None", None),
                Param("stimulus", "Sequence[Any] | None", None),
                Param("stimulus_template", "Sequence[Any] | None", None),
                Param("epochs", "TimeIntervals | None", None),
                Param("trials", "TimeIntervals | None", None),
                Param("invalid_times", "TimeIntervals | None", None),
                Param("intervals", "Sequence[Any] | None", None),
                Param("events", "Sequence[Any] | None", None),
                Param("units", "Units | None", None),
                Param("processing", "Sequence[Any] | None", None),
                Param("lab_meta_data", "Sequence[Any] | None", None),
                Param("electrodes", "DynamicTable | None", None),
                Param("electrode_groups", "Any", None),
                Param("sweep_table", "SweepTable | None", None),
                Param("imaging_planes", "Sequence[Any] | None", None),
                Param("ogen_sites", "Sequence[Any] | None", None),
                Param("devices", "Sequence[Any] | None", None),
                Param("device_models", "Sequence[Any] | None", None),
                Param("subject", "Subject | None", None),
                Param("scratch", "Sequence[Any] | None", None),
                Param("icephys_electrodes", "Sequence[Any] | None", None),
                Param("icephys_filtering", "str | None", None),
                Param("intracellular_recordings", "IntracellularRecordingsTable | None", None),
                Param(
                    "icephys_simultaneous_recordings", "SimultaneousRecordingsTable | None", None
                ),
                Param("icephys_sequential_recordings", "SequentialRecordingsTable | None", None),
                Param("icephys_repetitions", "RepetitionsTable | None", None),
                Param(
                    "icephys_experimental_conditions", "ExperimentalConditionsTable | None", None
                ),
            )
        ),
        {
            "add_acquisition": Sig(
                (
                    Param("nwbdata", "NWBDataInterface | DynamicTable"),
                    Param("use_sweep_table", "bool", False),
                )
            ),
            "add_analysis": Sig(
                (
                    Param(
                        "analysis",
                        "NWBContainer | DynamicTable | Sequence[NWBContainer | DynamicTable] | Mapping[str, NWBContainer | DynamicTable]",
                    ),
                )
            ),
            "add_device": Sig(
                (Param("devices", "Device | Sequence[Device] | Mapping[str, Device]"),)
            ),
            "add_device_model": Sig(
                (
                    Param(
                        "device_models",
                        "DeviceModel | Sequence[DeviceModel] | Mapping[str, DeviceModel]",
                    ),
                )
            ),
            "add_electrode": Sig(
                (
                    Param("x", "float | None", None),
                    Param("y", "float | None", None),
                    Param("z", "float | None", None),
                    Param("imp", "float | None", None),
                    Param("location", "str | None", None),
                    Param("filtering", "str | None", None),
                    Param("group", "ElectrodeGroup | None", None),
                    Param("id", "int | None", None),
                    Param("rel_x", "float | None", None),
                    Param("rel_y", "float | None", None),
                    Param("rel_z", "float | None", None),
                    Param("reference", "str | None", None),
                    Param("enforce_unique_id", "bool", True),
                ),
                extra=True,
            ),
            "add_electrode_column": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data", "ArrayLike", []),
                    Param("table", "DynamicTable | bool", False),
                    Param("index", "ArrayLike | VectorIndex | bool | int", False),
                    Param("enum", "ArrayLike | bool", False),
                    Param("col_cls", "Any", None),
                    Param("check_ragged", "bool", True),
                ),
                extra=True,
            ),
            "add_electrode_group": Sig(
                (
                    Param(
                        "electrode_groups",
                        "ElectrodeGroup | Sequence[ElectrodeGroup] | Mapping[str, ElectrodeGroup]",
                    ),
                )
            ),
            "add_epoch": Sig(
                (
                    Param("start_time", "float"),
                    Param("stop_time", "float"),
                    Param("tags", "str | Sequence[Any] | None", None),
                    Param("timeseries", "TimeSeries | Sequence[TimeSeries] | None", None),
                ),
                extra=True,
            ),
            "add_epoch_column": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data", "ArrayLike", []),
                    Param("table", "DynamicTable | bool", False),
                    Param("index", "ArrayLike | VectorIndex | bool | int", False),
                    Param("enum", "ArrayLike | bool", False),
                    Param("col_cls", "Any", None),
                    Param("check_ragged", "bool", True),
                ),
                extra=True,
            ),
            "add_events_table": Sig(
                (
                    Param(
                        "events", "EventsTable | Sequence[EventsTable] | Mapping[str, EventsTable]"
                    ),
                )
            ),
            "add_icephys_electrode": Sig(
                (
                    Param(
                        "icephys_electrodes",
                        "IntracellularElectrode | Sequence[IntracellularElectrode] | Mapping[str, IntracellularElectrode]",
                    ),
                )
            ),
            "add_icephys_experimental_condition": Sig(
                (Param("repetitions", "ArrayLike | None", None),), extra=True
            ),
            "add_icephys_repetition": Sig(
                (Param("sequential_recordings", "ArrayLike | None", None),), extra=True
            ),
            "add_icephys_sequential_recording": Sig(
                (
                    Param("stimulus_type", "str"),
                    Param("simultaneous_recordings", "ArrayLike"),
                ),
                extra=True,
            ),
            "add_icephys_simultaneous_recording": Sig(
                (Param("recordings", "ArrayLike"),), extra=True
            ),
            "add_imaging_plane": Sig(
                (
                    Param(
                        "imaging_planes",
                        "ImagingPlane | Sequence[ImagingPlane] | Mapping[str, ImagingPlane]",
                    ),
                )
            ),
            "add_intracellular_recording": Sig(
                (
                    Param("electrode", "IntracellularElectrode | None", None),
                    Param("stimulus_start_index", "int | None", None),
                    Param("stimulus_index_count", "int | None", None),
                    Param("stimulus", "TimeSeries | None", None),
                    Param("stimulus_template_start_index", "int | None", None),
                    Param("stimulus_template_index_count", "int | None", None),
                    Param("stimulus_template", "TimeSeries | None", None),
                    Param("response_start_index", "int | None", None),
                    Param("response_index_count", "int | None", None),
                    Param("response", "TimeSeries | None", None),
                    Param("electrode_metadata", "Mapping[str, Any] | None", None),
                    Param("stimulus_metadata", "Mapping[str, Any] | None", None),
                    Param("response_metadata", "Mapping[str, Any] | None", None),
                ),
                extra=True,
            ),
            "add_invalid_time_interval": Sig(
                (
                    Param("start_time", "float"),
                    Param("stop_time", "float"),
                    Param("tags", "str | Sequence[Any] | None", None),
                    Param("timeseries", "TimeSeries | Sequence[TimeSeries] | None", None),
                ),
                extra=True,
            ),
            "add_invalid_times_column": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data", "ArrayLike", []),
                    Param("table", "DynamicTable | bool", False),
                    Param("index", "ArrayLike | VectorIndex | bool | int", False),
                    Param("enum", "ArrayLike | bool", False),
                    Param("col_cls", "Any", None),
                    Param("check_ragged", "bool", True),
                ),
                extra=True,
            ),
            "add_lab_meta_data": Sig(
                (
                    Param(
                        "lab_meta_data",
                        "LabMetaData | Sequence[LabMetaData] | Mapping[str, LabMetaData]",
                    ),
                )
            ),
            "add_ogen_site": Sig(
                (
                    Param(
                        "ogen_sites",
                        "OptogeneticStimulusSite | Sequence[OptogeneticStimulusSite] | Mapping[str, OptogeneticStimulusSite]",
                    ),
                )
            ),
            "add_processing_module": Sig(
                (
                    Param(
                        "processing",
                        "ProcessingModule | Sequence[ProcessingModule] | Mapping[str, ProcessingModule]",
                    ),
                )
            ),
            "add_scratch": Sig(
                (
                    Param(
                        "data",
                        "ArrayLike | DynamicTable | NWBContainer | ScratchData | str | int | float | bytes | bool | datetime | date",
                    ),
                    Param("name", "str | None", None),
                    Param("description", "str | None", None),
                )
            ),
            "add_stimulus": Sig(
                (
                    Param("stimulus", "TimeSeries | DynamicTable | NWBDataInterface"),
                    Param("use_sweep_table", "bool", False),
                )
            ),
            "add_stimulus_template": Sig(
                (
                    Param("timeseries", "TimeSeries | Images"),
                    Param("use_sweep_table", "bool", False),
                )
            ),
            "add_time_intervals": Sig(
                (
                    Param(
                        "intervals",
                        "TimeIntervals | Sequence[TimeIntervals] | Mapping[str, TimeIntervals]",
                    ),
                )
            ),
            "add_trial": Sig(
                (
                    Param("start_time", "float"),
                    Param("stop_time", "float"),
                    Param("tags", "str | Sequence[Any] | None", None),
                    Param("timeseries", "TimeSeries | Sequence[TimeSeries] | None", None),
                ),
                extra=True,
            ),
            "add_trial_column": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data", "ArrayLike", []),
                    Param("table", "DynamicTable | bool", False),
                    Param("index", "ArrayLike | VectorIndex | bool | int", False),
                    Param("enum", "ArrayLike | bool", False),
                    Param("col_cls", "Any", None),
                    Param("check_ragged", "bool", True),
                ),
                extra=True,
            ),
            "add_unit": Sig(
                (
                    Param("spike_times", "ArrayLike | None", None),
                    Param("obs_intervals", "ArrayLike | None", None),
                    Param("electrodes", "ArrayLike | None", None),
                    Param("electrode_group", "ElectrodeGroup | None", None),
                    Param("waveform_mean", "ArrayLike | None", None),
                    Param("waveform_sd", "ArrayLike | None", None),
                    Param("waveforms", "ArrayLike | None", None),
                    Param("id", "int | None", None),
                ),
                extra=True,
            ),
            "add_unit_column": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data", "ArrayLike", []),
                    Param("table", "DynamicTable | bool", False),
                    Param("index", "ArrayLike | VectorIndex | bool | int", False),
                    Param("enum", "ArrayLike | bool", False),
                    Param("col_cls", "Any", None),
                    Param("check_ragged", "bool", True),
                ),
                extra=True,
            ),
            "create_device": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str | None", None),
                    Param("manufacturer", "str | None", None),
                    Param("model_number", "str | None", None),
                    Param("model_name", "str | None", None),
                    Param("serial_number", "str | None", None),
                    Param("model", "DeviceModel | None", None),
                )
            ),
            "create_device_model": Sig(
                (
                    Param("name", "str"),
                    Param("manufacturer", "str"),
                    Param("model_number", "str | None", None),
                    Param("description", "str | None", None),
                )
            ),
            "create_electrode_group": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("location", "str"),
                    Param("device", "Device"),
                    Param("position", "ArrayLike | None", None),
                )
            ),
            "create_electrode_table_region": Sig(
                (
                    Param("region", "Any"),
                    Param("description", "str"),
                    Param("name", "str", "electrodes"),
                )
            ),
            "create_events_table": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("source_description", "str | None", None),
                    Param("id", "ArrayLike | ElementIdentifiers | None", None),
                    Param("columns", "Sequence[Any] | None", None),
                    Param("colnames", "ArrayLike | None", None),
                    Param("target_tables", "Mapping[str, Any] | None", None),
                    Param("meanings_tables", "Sequence[Any] | None", None),
                )
            ),
            "create_icephys_electrode": Sig(
                (
                    Param("name", "str"),
                    Param("device", "Device"),
                    Param("description", "str"),
                    Param("slice", "str | None", None),
                    Param("seal", "str | None", None),
                    Param("location", "str | None", None),
                    Param("resistance", "str | None", None),
                    Param("filtering", "str | None", None),
                    Param("initial_access_resistance", "str | None", None),
                    Param("cell_id", "str | None", None),
                )
            ),
            "create_imaging_plane": Sig(
                (
                    Param("name", "str"),
                    Param("optical_channel", "OpticalChannel | Sequence[OpticalChannel]"),
                    Param("description", "str | None", None),
                    Param("device", "Device | None", None),
                    Param("excitation_lambda", "float | None", None),
                    Param("indicator", "str | None", None),
                    Param("location", "str | None", None),
                    Param("imaging_rate", "float | None", None),
                    Param("manifold", "ArrayLike | None", None),
                    Param("conversion", "float", 1.0),
                    Param("unit", "str", "meters"),
                    Param("reference_frame", "str | None", None),
                    Param("origin_coords", "ArrayLike | None", None),
                    Param("origin_coords_unit", "str", "meters"),
                    Param("grid_spacing", "ArrayLike | None", None),
                    Param("grid_spacing_unit", "str", "meters"),
                )
            ),
            "create_lab_meta_data": Sig((Param("name", "str"),)),
            "create_ogen_site": Sig(
                (
                    Param("name", "str"),
                    Param("device", "Device"),
                    Param("description", "str"),
                    Param("excitation_lambda", "float"),
                    Param("location", "str"),
                )
            ),
            "create_processing_module": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str"),
                    Param("data_interfaces", "Sequence[Any] | Mapping[str, Any] | None", None),
                )
            ),
            "create_time_intervals": Sig(
                (
                    Param("name", "str"),
                    Param("description", "str", "experimental intervals"),
                    Param("id", "ArrayLike | ElementIdentifiers | None", None),
                    Param("columns", "Sequence[Any] | None", None),
                    Param("colnames", "ArrayLike | None", None),
                    Param("target_tables", "Mapping[str, Any] | None", None),
                    Param("meanings_tables", "Sequence[Any] | None", None),
                )
            ),
            "get_acquisition": Sig((Param("name", "str | None", None),)),
            "get_analysis": Sig((Param("name", "str | None", None),)),
            "get_device": Sig((Param("name", "str | None", None),)),
            "get_device_model": Sig((Param("name", "str | None", None),)),
            "get_electrode_group": Sig((Param("name", "str | None", None),)),
            "get_events_table": Sig((Param("name", "str | None", None),)),
            "get_external_resources": Sig((Param("linked", "bool", False),)),
            "get_icephys_electrode": Sig((Param("name", "str | None", None),)),
            "get_icephys_experimental_conditions": Sig(()),
            "get_icephys_repetitions": Sig(()),
            "get_icephys_sequential_recordings": Sig(()),
            "get_icephys_simultaneous_recordings": Sig(()),
            "get_imaging_plane": Sig((Param("name", "str | None", None),)),
            "get_intracellular_recordings": Sig(()),
            "get_lab_meta_data": Sig((Param("name", "str | None", None),)),
            "get_ogen_site": Sig((Param("name", "str | None", None),)),
            "get_processing_module": Sig((Param("name", "str | None", None),)),
            "get_scratch": Sig(
                (
                    Param("name", "str"),
                    Param("convert", "bool", True),
                )
            ),
            "get_stimulus": Sig((Param("name", "str | None", None),)),
            "get_stimulus_template": Sig((Param("name", "str | None", None),)),
            "get_time_intervals": Sig((Param("name", "str | None", None),)),
            "set_electrode_table": Sig((Param("electrode_table", "ElectrodesTable"),)),
        },
    ),
    "LabMetaData": ClassSig(("NWBContainer",), Sig((Param("name", "str"),))),
    "Subject": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("age", "str | timedelta | None", None),
                Param("age__reference", "str", "birth"),
                Param("description", "str | None", None),
                Param("genotype", "str | None", None),
                Param("sex", "str | None", None),
                Param("species", "str | None", None),
                Param("subject_id", "str | None", None),
                Param("weight", "float | str | None", None),
                Param("date_of_birth", "datetime | None", None),
                Param("strain", "str | None", None),
            )
        ),
    ),
    "AbstractFeatureSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("feature_units", "ArrayLike"),
                Param("features", "ArrayLike"),
                Param("data", "ArrayLike | TimeSeries", []),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
        {
            "add_features": Sig(
                (
                    Param("time", "float"),
                    Param("features", "ArrayLike"),
                )
            ),
        },
    ),
    "AnnotationSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries", []),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
            )
        ),
        {
            "add_annotation": Sig(
                (
                    Param("time", "float"),
                    Param("annotation", "str"),
                )
            ),
        },
    ),
    "IntervalSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries", []),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
            )
        ),
        {
            "add_interval": Sig(
                (
                    Param("start", "float"),
                    Param("stop", "float"),
                )
            ),
        },
    ),
    "FrequencyBandsTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_band": Sig(
                (
                    Param("band_name", "str"),
                    Param("band_limits", "ArrayLike"),
                    Param("band_mean", "float | None", None),
                    Param("band_stdev", "float | None", None),
                ),
                extra=True,
            ),
        },
    ),
    "DecompositionSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("metric", "str"),
                Param("description", "str", "no description"),
                Param("unit", "str", "no unit"),
                Param("bands", "FrequencyBandsTable | None", None),
                Param("source_timeseries", "TimeSeries | None", None),
                Param("source_channels", "DynamicTableRegion | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
        {
            "add_band": Sig(
                (
                    Param("band_name", "str"),
                    Param("band_limits", "ArrayLike"),
                    Param("band_mean", "float | None", None),
                    Param("band_stdev", "float | None", None),
                ),
                extra=True,
            ),
        },
    ),
    "Units": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("name", "str", "Units"),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
                Param("description", "str | None", None),
                Param("electrode_table", "DynamicTable | None", None),
                Param("waveform_rate", "float | None", None),
                Param("waveform_unit", "str", "volts"),
                Param("waveform_time_before_peak_in_ms", "float | None", None),
                Param("resolution", "float | None", None),
            )
        ),
        {
            "add_unit": Sig(
                (
                    Param("spike_times", "ArrayLike | None", None),
                    Param("obs_intervals", "ArrayLike | None", None),
                    Param("electrodes", "ArrayLike | None", None),
                    Param("electrode_group", "ElectrodeGroup | None", None),
                    Param("waveform_mean", "ArrayLike | None", None),
                    Param("waveform_sd", "ArrayLike | None", None),
                    Param("waveforms", "ArrayLike | None", None),
                    Param("id", "int | None", None),
                ),
                extra=True,
            ),
            "get_unit_obs_intervals": Sig((Param("index", "int"),)),
            "get_unit_spike_times": Sig(
                (
                    Param("index", "ArrayLike | int"),
                    Param("in_interval", "Sequence[Any] | None", None),
                )
            ),
        },
    ),
    "SpatialSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("reference_frame", "str | None", None),
                Param("unit", "str", "meters"),
                Param("conversion", "float", 1.0),
                Param("resolution", "float", -1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "BehavioralEpochs": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "interval_series",
                    "IntervalSeries | Sequence[IntervalSeries] | Mapping[str, IntervalSeries]",
                    {},
                ),
                Param("name", "str", "BehavioralEpochs"),
            )
        ),
        {
            "add_interval_series": Sig(
                (
                    Param(
                        "interval_series",
                        "IntervalSeries | Sequence[IntervalSeries] | Mapping[str, IntervalSeries]",
                    ),
                )
            ),
            "create_interval_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries", []),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                )
            ),
            "get_interval_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "BehavioralEvents": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "time_series",
                    "TimeSeries | Sequence[TimeSeries] | Mapping[str, TimeSeries]",
                    {},
                ),
                Param("name", "str", "BehavioralEvents"),
            )
        ),
        {
            "add_timeseries": Sig(
                (
                    Param(
                        "time_series",
                        "TimeSeries | Sequence[TimeSeries] | Mapping[str, TimeSeries]",
                    ),
                )
            ),
            "create_timeseries": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("unit", "str"),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("offset", "float", 0.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("continuity", "str | None", None),
                )
            ),
            "get_timeseries": Sig((Param("name", "str | None", None),)),
        },
    ),
    "BehavioralTimeSeries": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "time_series",
                    "TimeSeries | Sequence[TimeSeries] | Mapping[str, TimeSeries]",
                    {},
                ),
                Param("name", "str", "BehavioralTimeSeries"),
            )
        ),
        {
            "add_timeseries": Sig(
                (
                    Param(
                        "time_series",
                        "TimeSeries | Sequence[TimeSeries] | Mapping[str, TimeSeries]",
                    ),
                )
            ),
            "create_timeseries": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("unit", "str"),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("offset", "float", 0.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("continuity", "str | None", None),
                )
            ),
            "get_timeseries": Sig((Param("name", "str | None", None),)),
        },
    ),
    "PupilTracking": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "time_series",
                    "TimeSeries | Sequence[TimeSeries] | Mapping[str, TimeSeries]",
                    {},
                ),
                Param("name", "str", "PupilTracking"),
            )
        ),
        {
            "add_timeseries": Sig(
                (
                    Param(
                        "time_series",
                        "TimeSeries | Sequence[TimeSeries] | Mapping[str, TimeSeries]",
                    ),
                )
            ),
            "create_timeseries": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("unit", "str"),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("offset", "float", 0.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("continuity", "str | None", None),
                )
            ),
            "get_timeseries": Sig((Param("name", "str | None", None),)),
        },
    ),
    "EyeTracking": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "spatial_series",
                    "SpatialSeries | Sequence[SpatialSeries] | Mapping[str, SpatialSeries]",
                    {},
                ),
                Param("name", "str", "EyeTracking"),
            )
        ),
        {
            "add_spatial_series": Sig(
                (
                    Param(
                        "spatial_series",
                        "SpatialSeries | Sequence[SpatialSeries] | Mapping[str, SpatialSeries]",
                    ),
                )
            ),
            "create_spatial_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("reference_frame", "str | None", None),
                    Param("unit", "str", "meters"),
                    Param("conversion", "float", 1.0),
                    Param("resolution", "float", -1.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_spatial_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "CompassDirection": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "spatial_series",
                    "SpatialSeries | Sequence[SpatialSeries] | Mapping[str, SpatialSeries]",
                    {},
                ),
                Param("name", "str", "CompassDirection"),
            )
        ),
        {
            "add_spatial_series": Sig(
                (
                    Param(
                        "spatial_series",
                        "SpatialSeries | Sequence[SpatialSeries] | Mapping[str, SpatialSeries]",
                    ),
                )
            ),
            "create_spatial_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("reference_frame", "str | None", None),
                    Param("unit", "str", "meters"),
                    Param("conversion", "float", 1.0),
                    Param("resolution", "float", -1.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_spatial_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "Position": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "spatial_series",
                    "SpatialSeries | Sequence[SpatialSeries] | Mapping[str, SpatialSeries]",
                    {},
                ),
                Param("name", "str", "Position"),
            )
        ),
        {
            "add_spatial_series": Sig(
                (
                    Param(
                        "spatial_series",
                        "SpatialSeries | Sequence[SpatialSeries] | Mapping[str, SpatialSeries]",
                    ),
                )
            ),
            "create_spatial_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("reference_frame", "str | None", None),
                    Param("unit", "str", "meters"),
                    Param("conversion", "float", 1.0),
                    Param("resolution", "float", -1.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_spatial_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "ElectricalSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("electrodes", "DynamicTableRegion"),
                Param("channel_conversion", "ArrayLike | None", None),
                Param("filtering", "str | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "SpikeEventSeries": ClassSig(
        ("ElectricalSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("timestamps", "ArrayLike | TimeSeries"),
                Param("electrodes", "DynamicTableRegion"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "FeatureExtraction": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("electrodes", "DynamicTableRegion"),
                Param("description", "ArrayLike"),
                Param("times", "ArrayLike"),
                Param("features", "ArrayLike"),
                Param("name", "str", "FeatureExtraction"),
            )
        ),
    ),
    "EventDetection": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("detection_method", "str"),
                Param("source_electricalseries", "ElectricalSeries"),
                Param("source_idx", "ArrayLike"),
                Param("times", "ArrayLike | None", None),
                Param("name", "str", "EventDetection"),
            )
        ),
    ),
    "EventWaveform": ClassSig(
        ("NWBDataInterface",),
        Sig((Param("name", "str"),)),
        {
            "add_spike_event_series": Sig(
                (
                    Param(
                        "spike_event_series",
                        "SpikeEventSeries | Sequence[SpikeEventSeries] | Mapping[str, SpikeEventSeries]",
                    ),
                )
            ),
            "create_spike_event_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("timestamps", "ArrayLike | TimeSeries"),
                    Param("electrodes", "DynamicTableRegion"),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_spike_event_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "FilteredEphys": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "electrical_series",
                    "ElectricalSeries | Sequence[ElectricalSeries] | Mapping[str, ElectricalSeries]",
                    {},
                ),
                Param("name", "str", "FilteredEphys"),
            )
        ),
        {
            "add_electrical_series": Sig(
                (
                    Param(
                        "electrical_series",
                        "ElectricalSeries | Sequence[ElectricalSeries] | Mapping[str, ElectricalSeries]",
                    ),
                )
            ),
            "create_electrical_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("electrodes", "DynamicTableRegion"),
                    Param("channel_conversion", "ArrayLike | None", None),
                    Param("filtering", "str | None", None),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_electrical_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "LFP": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "electrical_series",
                    "ElectricalSeries | Sequence[ElectricalSeries] | Mapping[str, ElectricalSeries]",
                    {},
                ),
                Param("name", "str", "LFP"),
            )
        ),
        {
            "add_electrical_series": Sig(
                (
                    Param(
                        "electrical_series",
                        "ElectricalSeries | Sequence[ElectricalSeries] | Mapping[str, ElectricalSeries]",
                    ),
                )
            ),
            "create_electrical_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("electrodes", "DynamicTableRegion"),
                    Param("channel_conversion", "ArrayLike | None", None),
                    Param("filtering", "str | None", None),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_electrical_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "ElectrodeGroup": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("location", "str"),
                Param("device", "Device"),
                Param("position", "ArrayLike | None", None),
            )
        ),
    ),
    "ElectrodesTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
    ),
    "ClusterWaveforms": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("clustering_interface", "Clustering"),
                Param("waveform_filtering", "str"),
                Param("waveform_mean", "ArrayLike"),
                Param("waveform_sd", "ArrayLike"),
                Param("name", "str", "ClusterWaveforms"),
            )
        ),
    ),
    "Clustering": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("description", "str"),
                Param("num", "ArrayLike"),
                Param("peak_over_rms", "ArrayLike"),
                Param("times", "ArrayLike"),
                Param("name", "str", "Clustering"),
            )
        ),
    ),
    "PatchClampSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("unit", "str"),
                Param("electrode", "IntracellularElectrode"),
                Param("gain", "float | None", None),
                Param("stimulus_description", "str", "N/A"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
                Param("sweep_number", "Any", None),
            )
        ),
    ),
    "CurrentClampSeries": ClassSig(
        ("PatchClampSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("electrode", "IntracellularElectrode"),
                Param("gain", "float | None", None),
                Param("stimulus_description", "str", "N/A"),
                Param("bias_current", "float | None", None),
                Param("bridge_balance", "float | None", None),
                Param("capacitance_compensation", "float | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("sweep_number", "Any", None),
                Param("offset", "float", 0.0),
                Param("unit", "str", "volts"),
            )
        ),
    ),
    "IZeroClampSeries": ClassSig(
        ("CurrentClampSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("electrode", "IntracellularElectrode"),
                Param("gain", "float | None", None),
                Param("stimulus_description", "str", "N/A"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("sweep_number", "Any", None),
                Param("offset", "float", 0.0),
                Param("unit", "str", "volts"),
            )
        ),
    ),
    "CurrentClampStimulusSeries": ClassSig(
        ("PatchClampSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("electrode", "IntracellularElectrode"),
                Param("gain", "float | None", None),
                Param("stimulus_description", "str", "N/A"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("sweep_number", "Any", None),
                Param("offset", "float", 0.0),
                Param("unit", "str", "amperes"),
            )
        ),
    ),
    "VoltageClampSeries": ClassSig(
        ("PatchClampSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("electrode", "IntracellularElectrode"),
                Param("gain", "float | None", None),
                Param("stimulus_description", "str", "N/A"),
                Param("capacitance_fast", "float | None", None),
                Param("capacitance_slow", "float | None", None),
                Param("resistance_comp_bandwidth", "float | None", None),
                Param("resistance_comp_correction", "float | None", None),
                Param("resistance_comp_prediction", "float | None", None),
                Param("whole_cell_capacitance_comp", "float | None", None),
                Param("whole_cell_series_resistance_comp", "float | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("sweep_number", "Any", None),
                Param("offset", "float", 0.0),
                Param("unit", "str", "amperes"),
            )
        ),
    ),
    "VoltageClampStimulusSeries": ClassSig(
        ("PatchClampSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("electrode", "IntracellularElectrode"),
                Param("gain", "float | None", None),
                Param("stimulus_description", "str", "N/A"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("sweep_number", "Any", None),
                Param("offset", "float", 0.0),
                Param("unit", "str", "volts"),
            )
        ),
    ),
    "IntracellularElectrode": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("name", "str"),
                Param("device", "Device"),
                Param("description", "str"),
                Param("slice", "str | None", None),
                Param("seal", "str | None", None),
                Param("location", "str | None", None),
                Param("resistance", "str | None", None),
                Param("filtering", "str | None", None),
                Param("initial_access_resistance", "str | None", None),
                Param("cell_id", "str | None", None),
            )
        ),
    ),
    "SweepTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("name", "str", "sweep_table"),
                Param(
                    "description",
                    "str",
                    "A sweep table groups different PatchClampSeries together.",
                ),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
            )
        ),
        {
            "add_entry": Sig((Param("pcs", "PatchClampSeries"),)),
        },
    ),
    "IntracellularElectrodesTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
    ),
    "IntracellularStimuliTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
    ),
    "IntracellularResponsesTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
    ),
    "IntracellularRecordingsTable": ClassSig(
        ("AlignedDynamicTable",),
        Sig(
            (
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("category_tables", "Sequence[Any] | None", None),
                Param("categories", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
            )
        ),
        {
            "add_recording": Sig(
                (
                    Param("electrode", "IntracellularElectrode | None", None),
                    Param("stimulus_start_index", "int | None", None),
                    Param("stimulus_index_count", "int | None", None),
                    Param("stimulus", "TimeSeries | None", None),
                    Param("stimulus_template_start_index", "int | None", None),
                    Param("stimulus_template_index_count", "int | None", None),
                    Param("stimulus_template", "TimeSeries | None", None),
                    Param("response_start_index", "int | None", None),
                    Param("response_index_count", "int | None", None),
                    Param("response", "TimeSeries | None", None),
                    Param("electrode_metadata", "Mapping[str, Any] | None", None),
                    Param("stimulus_metadata", "Mapping[str, Any] | None", None),
                    Param("response_metadata", "Mapping[str, Any] | None", None),
                ),
                extra=True,
            ),
            "to_dataframe": Sig(
                (
                    Param("ignore_category_ids", "bool", False),
                    Param("electrode_refs_as_objectids", "bool", False),
                    Param("stimulus_refs_as_objectids", "bool", False),
                    Param("response_refs_as_objectids", "bool", False),
                )
            ),
        },
    ),
    "SimultaneousRecordingsTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param(
                    "intracellular_recordings_table", "IntracellularRecordingsTable | None", None
                ),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_simultaneous_recording": Sig((Param("recordings", "ArrayLike"),), extra=True),
        },
    ),
    "SequentialRecordingsTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("simultaneous_recordings_table", "SimultaneousRecordingsTable | None", None),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_sequential_recording": Sig(
                (
                    Param("stimulus_type", "str"),
                    Param("simultaneous_recordings", "ArrayLike"),
                ),
                extra=True,
            ),
        },
    ),
    "RepetitionsTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("sequential_recordings_table", "SequentialRecordingsTable | None", None),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_repetition": Sig(
                (Param("sequential_recordings", "ArrayLike | None", None),), extra=True
            ),
        },
    ),
    "ExperimentalConditionsTable": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("repetitions_table", "RepetitionsTable | None", None),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_experimental_condition": Sig(
                (Param("repetitions", "ArrayLike | None", None),), extra=True
            ),
        },
    ),
    "OptogeneticSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("site", "OptogeneticStimulusSite"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "OptogeneticStimulusSite": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("name", "str"),
                Param("device", "Device"),
                Param("description", "str"),
                Param("excitation_lambda", "float"),
                Param("location", "str"),
            )
        ),
    ),
    "OnePhotonSeries": ClassSig(
        ("ImageSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("imaging_plane", "ImagingPlane"),
                Param("data", "ArrayLike | TimeSeries | None", None),
                Param("unit", "str | None", None),
                Param("format", "str | None", None),
                Param("pmt_gain", "float | None", None),
                Param("scan_line_rate", "float | None", None),
                Param("exposure_time", "float | None", None),
                Param("binning", "int | None", None),
                Param("power", "float | None", None),
                Param("intensity", "float | None", None),
                Param("external_file", "ArrayLike | None", None),
                Param("starting_frame", "ArrayLike | None", None),
                Param("num_samples", "Any", None),
                Param("bits_per_pixel", "int | None", None),
                Param("dimension", "ArrayLike | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("device", "Device | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "TwoPhotonSeries": ClassSig(
        ("ImageSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("imaging_plane", "ImagingPlane"),
                Param("data", "ArrayLike | TimeSeries | None", None),
                Param("unit", "str | None", None),
                Param("format", "str | None", None),
                Param("field_of_view", "ArrayLike | TimeSeries | None", None),
                Param("pmt_gain", "float | None", None),
                Param("scan_line_rate", "float | None", None),
                Param("external_file", "ArrayLike | None", None),
                Param("starting_frame", "ArrayLike | None", None),
                Param("num_samples", "Any", None),
                Param("bits_per_pixel", "int | None", None),
                Param("dimension", "ArrayLike | None", None),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("device", "Device | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "RoiResponseSeries": ClassSig(
        ("TimeSeries",),
        Sig(
            (
                Param("name", "str"),
                Param("data", "ArrayLike | TimeSeries"),
                Param("unit", "str"),
                Param("rois", "DynamicTableRegion"),
                Param("resolution", "float", -1.0),
                Param("conversion", "float", 1.0),
                Param("timestamps", "ArrayLike | TimeSeries | None", None),
                Param("starting_time", "float | None", None),
                Param("rate", "float | None", None),
                Param("comments", "str", "no comments"),
                Param("description", "str", "no description"),
                Param("control", "ArrayLike | None", None),
                Param("control_description", "ArrayLike | None", None),
                Param("offset", "float", 0.0),
            )
        ),
    ),
    "DfOverF": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "roi_response_series",
                    "RoiResponseSeries | Sequence[RoiResponseSeries] | Mapping[str, RoiResponseSeries]",
                    {},
                ),
                Param("name", "str", "DfOverF"),
            )
        ),
        {
            "add_roi_response_series": Sig(
                (
                    Param(
                        "roi_response_series",
                        "RoiResponseSeries | Sequence[RoiResponseSeries] | Mapping[str, RoiResponseSeries]",
                    ),
                )
            ),
            "create_roi_response_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("unit", "str"),
                    Param("rois", "DynamicTableRegion"),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_roi_response_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "Fluorescence": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "roi_response_series",
                    "RoiResponseSeries | Sequence[RoiResponseSeries] | Mapping[str, RoiResponseSeries]",
                    {},
                ),
                Param("name", "str", "Fluorescence"),
            )
        ),
        {
            "add_roi_response_series": Sig(
                (
                    Param(
                        "roi_response_series",
                        "RoiResponseSeries | Sequence[RoiResponseSeries] | Mapping[str, RoiResponseSeries]",
                    ),
                )
            ),
            "create_roi_response_series": Sig(
                (
                    Param("name", "str"),
                    Param("data", "ArrayLike | TimeSeries"),
                    Param("unit", "str"),
                    Param("rois", "DynamicTableRegion"),
                    Param("resolution", "float", -1.0),
                    Param("conversion", "float", 1.0),
                    Param("timestamps", "ArrayLike | TimeSeries | None", None),
                    Param("starting_time", "float | None", None),
                    Param("rate", "float | None", None),
                    Param("comments", "str", "no comments"),
                    Param("description", "str", "no description"),
                    Param("control", "ArrayLike | None", None),
                    Param("control_description", "ArrayLike | None", None),
                    Param("offset", "float", 0.0),
                )
            ),
            "get_roi_response_series": Sig((Param("name", "str | None", None),)),
        },
    ),
    "ImageSegmentation": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "plane_segmentations",
                    "PlaneSegmentation | Sequence[PlaneSegmentation] | Mapping[str, PlaneSegmentation]",
                    {},
                ),
                Param("name", "str", "ImageSegmentation"),
            )
        ),
        {
            "add_plane_segmentation": Sig(
                (
                    Param(
                        "plane_segmentations",
                        "PlaneSegmentation | Sequence[PlaneSegmentation] | Mapping[str, PlaneSegmentation]",
                    ),
                )
            ),
            "add_segmentation": Sig(
                (
                    Param("imaging_plane", "ImagingPlane"),
                    Param("description", "str | None", None),
                    Param("name", "str | None", None),
                )
            ),
            "create_plane_segmentation": Sig(
                (
                    Param("description", "str"),
                    Param("imaging_plane", "ImagingPlane"),
                    Param("name", "str | None", None),
                    Param(
                        "reference_images",
                        "ImageSeries | Sequence[ImageSeries] | Mapping[str, ImageSeries] | None",
                        None,
                    ),
                    Param("id", "ArrayLike | ElementIdentifiers | None", None),
                    Param("columns", "Sequence[Any] | None", None),
                    Param("colnames", "ArrayLike | None", None),
                    Param("target_tables", "Mapping[str, Any] | None", None),
                    Param("meanings_tables", "Sequence[Any] | None", None),
                )
            ),
            "get_plane_segmentation": Sig((Param("name", "str | None", None),)),
        },
    ),
    "PlaneSegmentation": ClassSig(
        ("DynamicTable",),
        Sig(
            (
                Param("description", "str"),
                Param("imaging_plane", "ImagingPlane"),
                Param("name", "str | None", None),
                Param(
                    "reference_images",
                    "ImageSeries | Sequence[ImageSeries] | Mapping[str, ImageSeries] | None",
                    None,
                ),
                Param("id", "ArrayLike | ElementIdentifiers | None", None),
                Param("columns", "Sequence[Any] | None", None),
                Param("colnames", "ArrayLike | None", None),
                Param("target_tables", "Mapping[str, Any] | None", None),
                Param("meanings_tables", "Sequence[Any] | None", None),
            )
        ),
        {
            "add_roi": Sig(
                (
                    Param("pixel_mask", "ArrayLike | None", None),
                    Param("voxel_mask", "ArrayLike | None", None),
                    Param("image_mask", "ArrayLike | None", None),
                    Param("id", "int | None", None),
                ),
                extra=True,
            ),
            "create_roi_table_region": Sig(
                (
                    Param("description", "str"),
                    Param("region", "Any", slice(None, None, None)),
                    Param("name", "str", "rois"),
                )
            ),
        },
    ),
    "ImagingPlane": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("name", "str"),
                Param("optical_channel", "OpticalChannel | Sequence[OpticalChannel]"),
                Param("description", "str | None", None),
                Param("device", "Device | None", None),
                Param("excitation_lambda", "float | None", None),
                Param("indicator", "str | None", None),
                Param("location", "str | None", None),
                Param("imaging_rate", "float | None", None),
                Param("manifold", "ArrayLike | None", None),
                Param("conversion", "float", 1.0),
                Param("unit", "str", "meters"),
                Param("reference_frame", "str | None", None),
                Param("origin_coords", "ArrayLike | None", None),
                Param("origin_coords_unit", "str", "meters"),
                Param("grid_spacing", "ArrayLike | None", None),
                Param("grid_spacing_unit", "str", "meters"),
            )
        ),
    ),
    "OpticalChannel": ClassSig(
        ("NWBContainer",),
        Sig(
            (
                Param("name", "str"),
                Param("description", "str"),
                Param("emission_lambda", "float"),
            )
        ),
    ),
    "MotionCorrection": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param(
                    "corrected_image_stacks",
                    "CorrectedImageStack | Sequence[CorrectedImageStack] | Mapping[str, CorrectedImageStack]",
                    {},
                ),
                Param("name", "str", "MotionCorrection"),
            )
        ),
        {
            "add_corrected_image_stack": Sig(
                (
                    Param(
                        "corrected_image_stacks",
                        "CorrectedImageStack | Sequence[CorrectedImageStack] | Mapping[str, CorrectedImageStack]",
                    ),
                )
            ),
            "create_corrected_image_stack": Sig(
                (
                    Param("corrected", "ImageSeries"),
                    Param("original", "ImageSeries"),
                    Param("xy_translation", "TimeSeries"),
                    Param("name", "str", "CorrectedImageStack"),
                )
            ),
            "get_corrected_image_stack": Sig((Param("name", "str | None", None),)),
        },
    ),
    "CorrectedImageStack": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("corrected", "ImageSeries"),
                Param("original", "ImageSeries"),
                Param("xy_translation", "TimeSeries"),
                Param("name", "str", "CorrectedImageStack"),
            )
        ),
    ),
    "ImagingRetinotopy": ClassSig(
        ("NWBDataInterface",),
        Sig(
            (
                Param("axis_1_phase_map", "ArrayLike"),
                Param("axis_1_phase_map__dimension", "ArrayLike"),
                Param("axis_1_phase_map__field_of_view", "ArrayLike"),
                Param("axis_1_phase_map__unit", "str"),
                Param("axis_2_phase_map", "ArrayLike"),
                Param("axis_2_phase_map__dimension", "ArrayLike"),
                Param("axis_2_phase_map__field_of_view", "ArrayLike"),
                Param("axis_2_phase_map__unit", "str"),
                Param("axis_descriptions", "ArrayLike"),
                Param("vasculature_image", "ArrayLike"),
                Param("vasculature_image__bits_per_pixel", "int"),
                Param("vasculature_image__dimension", "ArrayLike"),
                Param("vasculature_image__field_of_view", "ArrayLike"),
                Param("vasculature_image__format", "str"),
                Param("name", "str", "ImagingRetinotopy"),
                Param("axis_1_power_map", "ArrayLike | None", None),
                Param("axis_1_power_map__dimension", "ArrayLike | None", None),
                Param("axis_1_power_map__field_of_view", "ArrayLike | None", None),
                Param("axis_1_power_map__unit", "str | None", None),
                Param("axis_2_power_map", "ArrayLike | None", None),
                Param("axis_2_power_map__dimension", "ArrayLike | None", None),
                Param("axis_2_power_map__field_of_view", "ArrayLike | None", None),
                Param("axis_2_power_map__unit", "str | None", None),
                Param("focal_depth_image", "ArrayLike | None", None),
                Param("focal_depth_image__bits_per_pixel", "int | None", None),
                Param("focal_depth_image__dimension", "ArrayLike | None", None),
                Param("focal_depth_image__field_of_view", "ArrayLike | None", None),
                Param("focal_depth_image__focal_depth", "float | None", None),
                Param("focal_depth_image__format", "str | None", None),
                Param("sign_map", "ArrayLike | None", None),
                Param("sign_map__dimension", "ArrayLike | None", None),
                Param("sign_map__field_of_view", "ArrayLike | None", None),
                Param("skip_post_init", "bool", False),
            )
        ),
    ),
}
