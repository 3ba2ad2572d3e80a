"""Reading an NWBFile's ``/general`` and its groups of containers (the file's own layout)."""

from __future__ import annotations

from typing import Any

from nwbzarr.model.base import ReadContext, read_members, typed_members
from nwbzarr.model.core import Subject
from nwbzarr.model.ecephys import ElectrodeGroup, ElectrodesTable, Units
from nwbzarr.model.general import read_general_extras
from nwbzarr.model.ophys import ImagingPlane
from nwbzarr.model.table import DynamicTable
from nwbzarr.model.values import dataset_text, text_list
from nwbzarr.tree import Group, Node

GENERAL_TEXT = (
    "data_collection",
    "experiment_description",
    "institution",
    "lab",
    "notes",
    "pharmacology",
    "protocol",
    "session_id",
    "slices",
    "source_script",
    "stimulus",
    "surgery",
    "virus",
)
GENERAL_LISTS = ("experimenter", "keywords", "related_publications")


def read_general(general: Group, ctx: ReadContext) -> dict[str, Any]:
    kwargs: dict[str, Any] = {key: dataset_text(general, key) for key in GENERAL_TEXT}
    kwargs["stimulus_notes"] = kwargs.pop("stimulus")
    for key in GENERAL_LISTS:
        kwargs[key] = text_list(general, key)
    devices = general.get("devices")
    if isinstance(devices, Group):
        kwargs["devices"] = {n: ctx.read_child(m) for n, m in typed_members(devices)}
    if "subject" in general:
        subject = ctx.read_child(general["subject"])
        if isinstance(subject, Subject):
            kwargs["subject"] = subject
    ephys = general.get("extracellular_ephys")
    if isinstance(ephys, Group):
        groups: dict[str, ElectrodeGroup] = {}
        for name, member in typed_members(ephys):
            child = ctx.read_child(member)
            if isinstance(child, ElectrodeGroup):
                groups[name] = child
            elif name == "electrodes" and isinstance(child, DynamicTable):
                kwargs["electrodes"] = _as_electrodes(child, member, ctx)
        kwargs["electrode_groups"] = groups
    ophys = general.get("optophysiology")
    if isinstance(ophys, Group):
        planes = {n: ctx.read_child(m) for n, m in typed_members(ophys)}
        kwargs["imaging_planes"] = {n: p for n, p in planes.items() if isinstance(p, ImagingPlane)}
    kwargs.update(read_general_extras(general, ctx))
    return kwargs


def _as_electrodes(table: DynamicTable, node: Node, ctx: ReadContext) -> ElectrodesTable:
    if isinstance(table, ElectrodesTable):
        return table
    # NWB < 2.9 stored a plain DynamicTable: read it again as an ElectrodesTable
    del ctx.objects[node.path]
    electrodes = ElectrodesTable.from_tree(node, ctx)
    electrodes.object_id = table.object_id
    electrodes.source_node = node
    ctx.objects[node.path] = electrodes
    return electrodes


def read_children(obj: Any, root: Group, ctx: ReadContext) -> None:
    """The groups of containers, each container read when first looked up."""
    places = {
        "acquisition": "acquisition",
        "analysis": "analysis",
        "stimulus": "stimulus/presentation",
        "stimulus_template": "stimulus/templates",
        "processing": "processing",
        "intervals": "intervals",
        "scratch": "scratch",
    }
    for field_name, path in places.items():
        group = root.get(path)
        if isinstance(group, Group):
            setattr(obj, field_name, read_members(group, ctx))
    if "units" in root:
        units = ctx.read_child(root["units"])
        if isinstance(units, Units):
            obj.units = units


__all__ = ["GENERAL_LISTS", "GENERAL_TEXT", "read_children", "read_general"]
