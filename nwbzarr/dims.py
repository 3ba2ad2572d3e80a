"""Dimension names for NWB arrays, from the schema's ``dims`` (written as Zarr ``dimension_names``).

Names must be consistent inside one group (xarray requires equal-named dimensions to have equal
lengths), so every name is checked against the lengths already given in the group and replaced
by an array-specific one (``<array>_dim<i>``) where they would disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Trailing dims of TimeSeries.data by neurodata type (the leading one is always "time").
SERIES_DATA_DIMS: dict[str, tuple[str, ...]] = {
    "ElectricalSeries": ("time", "channel", "band"),
    "SpikeEventSeries": ("time", "channel", "sample"),
    "LFP": ("time", "channel"),
    "RoiResponseSeries": ("time", "roi"),
    "TwoPhotonSeries": ("time", "x", "y", "z"),
    "OnePhotonSeries": ("time", "x", "y", "z"),
    "ImageSeries": ("time", "x", "y", "z"),
    "ImageMaskSeries": ("time", "x", "y", "z"),
    "OpticalSeries": ("time", "x", "y", "rgb"),
    "SpatialSeries": ("time", "space"),
    "DecompositionSeries": ("time", "channel", "band"),
    "AbstractFeatureSeries": ("time", "feature"),
    "AnnotationSeries": ("time",),
    "IntervalSeries": ("time",),
    "PatchClampSeries": ("time",),
    "CurrentClampSeries": ("time",),
    "VoltageClampSeries": ("time",),
    "IZeroClampSeries": ("time",),
    "CurrentClampStimulusSeries": ("time",),
    "VoltageClampStimulusSeries": ("time",),
    "OptogeneticSeries": ("time", "site"),
}
SERIES_OTHER_DIMS: dict[str, tuple[str, ...]] = {
    "timestamps": ("time",),
    "control": ("time",),
    "electrodes": ("channel",),
    "rois": ("roi",),
    "channel_conversion": ("channel",),
    "field_of_view": ("space",),
    "dimension": ("space",),
    "external_file": ("file",),
    "sync": ("time",),
}
TABLE_TYPES = {
    "DynamicTable",
    "TimeIntervals",
    "Units",
    "ElectrodesTable",
    "PlaneSegmentation",
    "SweepTable",
    "IntracellularElectrodesTable",
    "IntracellularStimuliTable",
    "IntracellularResponsesTable",
    "IntracellularRecordingsTable",
    "SimultaneousRecordingsTable",
    "SequentialRecordingsTable",
    "RepetitionsTable",
    "ExperimentalConditionsTable",
    "FrequencyBandsTable",
    "AlignedDynamicTable",
}


def is_series(member_names: set[str]) -> bool:
    return "data" in member_names and (
        "timestamps" in member_names or "starting_time" in member_names
    )


def group_dims(
    neurodata_type: str | None,
    shapes: Mapping[str, tuple[int, ...]],
    index_targets: set[str] | None = None,
    member_names: set[str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Dimension names for the arrays of one group, given their shapes.

    ``member_names`` includes links (a TimeSeries whose timestamps are linked is still a
    series); ``index_targets`` names the columns that are the flat data of a ragged column.
    """
    names = set(shapes) | (member_names or set())
    taken: dict[str, int] = {}
    out: dict[str, tuple[str, ...]] = {}
    table = neurodata_type in TABLE_TYPES or (
        "id" in shapes
        and "colnames" not in shapes
        and neurodata_type is not None
        and neurodata_type.endswith("Table")
    )
    series = is_series(names)
    # "data" first: it fixes the length of "time" and "channel" for the rest of the group.
    for name in sorted(shapes, key=lambda n: (n != "data", n != "id", n)):
        shape = shapes[name]
        wanted: tuple[str, ...] = ()
        if series and name == "data":
            wanted = SERIES_DATA_DIMS.get(neurodata_type or "", ("time",))
        elif series and name in SERIES_OTHER_DIMS:
            wanted = SERIES_OTHER_DIMS[name]
        elif (table and name == "id") or (table and name not in (index_targets or set())):
            wanted = ("id",)
        dims = []
        for axis, length in enumerate(shape):
            candidate = wanted[axis] if axis < len(wanted) else f"{name}_dim{axis}"
            if candidate in dims or taken.get(candidate, length) != length:
                candidate = f"{name}_dim{axis}"
            taken.setdefault(candidate, length)
            dims.append(candidate)
        out[name] = tuple(dims)
    return out


GENERIC_DIM = re.compile(r"^(.*_)?dim_?\d+$|^num_|^phony_dim")


def merge_dims(
    stored: tuple[str, ...] | None, schema: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """Dimension names for the destination: stored names win, except generic ones
    (``data_dim0``, hdmf-zarr's ``num_times``, ``phony_dim_0``), which the schema's replace."""
    if stored is None or schema is None or len(stored) != len(schema):
        return stored or schema
    merged = [s if not GENERIC_DIM.search(s) else n for s, n in zip(stored, schema, strict=True)]
    return tuple(merged) if len(set(merged)) == len(merged) else stored


__all__ = ["GENERIC_DIM", "SERIES_DATA_DIMS", "group_dims", "is_series", "merge_dims"]
