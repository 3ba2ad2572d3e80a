"""NWBFile: the root container and its mapping to ``/``."""

from __future__ import annotations

import copy as _copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Self

import numpy as np

from nwbzarr.dtypes import ASCII
from nwbzarr.errors import ValidationError
from nwbzarr.model.base import (
    Container,
    NWBContainer,
    ReadContext,
    WriteContext,
    copy_missing,
    new_object_id,
    register,
)
from nwbzarr.model.core import (
    Device,
    ProcessingModule,
    ScratchData,
    Subject,
    TimeIntervals,
    TimeSeries,
)
from nwbzarr.model.ecephys import ElectrodeGroup, ElectrodesTable, Units
from nwbzarr.model.fileread import GENERAL_LISTS, GENERAL_TEXT, read_children, read_general
from nwbzarr.model.filetables import FileTableMethods
from nwbzarr.model.general import (
    GeneralMethods,
    as_dict,
    write_general_extras,
)
from nwbzarr.model.ophys import ImagingPlane, OpticalChannel
from nwbzarr.model.table import DynamicTable
from nwbzarr.model.values import iso, parse_date, text, write_text
from nwbzarr.tree import Array, Group, Node, Reference

NWB_VERSION = "2.11.0"
CONTAINER_DICTS = (
    "devices",
    "acquisition",
    "analysis",
    "stimulus",
    "stimulus_template",
    "processing",
    "scratch",
    "intervals",
    "electrode_groups",
    "imaging_planes",
    "icephys_electrodes",
    "ogen_sites",
    "lab_meta_data",
)
ECEPHYS = "general/extracellular_ephys"


def _as_list(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


@register
@dataclass(kw_only=True, eq=False)
class NWBFile(FileTableMethods, GeneralMethods, NWBContainer):
    """The root of an NWB file (pynwb's ``NWBFile``, same arguments).

    ``session_start_time`` (and every other date) must be timezone-aware.
    """

    neurodata_type: ClassVar[str] = "NWBFile"
    maps_all_fields: ClassVar[bool] = True

    session_description: str
    identifier: str
    session_start_time: datetime
    name: str = "root"
    file_create_date: datetime | list[datetime] | None = None
    timestamps_reference_time: datetime | None = None
    experimenter: str | list[str] | None = None
    experiment_description: str | None = None
    session_id: str | None = None
    institution: str | None = None
    keywords: list[str] | None = None
    notes: str | None = None
    pharmacology: str | None = None
    protocol: str | None = None
    related_publications: str | list[str] | None = None
    slices: str | None = None
    source_script: str | None = None
    surgery: str | None = None
    virus: str | None = None
    stimulus_notes: str | None = None
    data_collection: str | None = None
    lab: str | None = None
    subject: Subject | None = None
    nwb_version: str = NWB_VERSION
    devices: dict[str, Device] = field(default_factory=dict)
    acquisition: dict[str, Container] = field(default_factory=dict)
    analysis: dict[str, Container] = field(default_factory=dict)
    stimulus: dict[str, Container] = field(default_factory=dict)
    stimulus_template: dict[str, Container] = field(default_factory=dict)
    processing: dict[str, ProcessingModule] = field(default_factory=dict)
    scratch: dict[str, Container] = field(default_factory=dict)
    intervals: dict[str, TimeIntervals] = field(default_factory=dict)
    electrode_groups: dict[str, ElectrodeGroup] = field(default_factory=dict)
    electrodes: ElectrodesTable | None = None
    units: Units | None = None
    imaging_planes: dict[str, ImagingPlane] = field(default_factory=dict)
    icephys_electrodes: dict[str, Container] = field(default_factory=dict)
    ogen_sites: dict[str, Container] = field(default_factory=dict)
    lab_meta_data: dict[str, Container] = field(default_factory=dict)
    icephys_tables: dict[str, Container] = field(default_factory=dict)
    # True for the result of copy(): containers of the source file are linked, not copied
    linked_copy: bool = field(default=False, repr=False)
    # containers read from the source file, by path (set by read_tree)
    read_objects: dict[str, Container] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for key in CONTAINER_DICTS:  # pynwb takes lists (devices=[...], acquisition=[...])
            setattr(self, key, as_dict(getattr(self, key)))
        iso(self.session_start_time, "session_start_time")
        if self.file_create_date is None:
            self.file_create_date = [datetime.now().astimezone()]
        elif isinstance(self.file_create_date, datetime):
            self.file_create_date = [self.file_create_date]
        for i, date in enumerate(self.file_create_date):
            iso(date, f"file_create_date[{i}]")
        if self.timestamps_reference_time is None:
            self.timestamps_reference_time = self.session_start_time
        iso(self.timestamps_reference_time, "timestamps_reference_time")
        self.experimenter = _as_list(self.experimenter)
        self.related_publications = _as_list(self.related_publications)

    # ----- building (pynwb's method names)
    def add_acquisition(self, nwbdata: Container, use_sweep_table: bool = False) -> None:
        self._add(self.acquisition, nwbdata, "acquisition")

    def add_analysis(self, analysis: Container | Sequence[Container]) -> None:
        items: list[Container] = (
            list(analysis) if isinstance(analysis, list | tuple) else [analysis]  # type: ignore[list-item]
        )
        for item in items:
            self._add(self.analysis, item, "analysis")

    def add_stimulus(self, stimulus: Container, use_sweep_table: bool = False) -> None:
        """Add a stimulus presentation (a TimeSeries, DynamicTable or data interface)."""
        self._add(self.stimulus, stimulus, "stimulus")

    def add_stimulus_template(self, timeseries: Container, use_sweep_table: bool = False) -> None:
        self._add(self.stimulus_template, timeseries, "stimulus_template")

    def get_acquisition(self, name: str | None = None) -> Container:
        return self._only(self.acquisition, name, "acquisition")  # type: ignore[no-any-return]

    def get_analysis(self, name: str | None = None) -> Container:
        return self._only(self.analysis, name, "analysis")  # type: ignore[no-any-return]

    def get_stimulus(self, name: str | None = None) -> Container:
        return self._only(self.stimulus, name, "stimulus")  # type: ignore[no-any-return]

    def create_processing_module(
        self, name: str, description: str, data_interfaces: Any = None
    ) -> ProcessingModule:
        module = ProcessingModule(name=name, description=description)
        if data_interfaces is not None:
            items = data_interfaces.values() if isinstance(data_interfaces, Mapping) else None
            for item in items if items is not None else data_interfaces:
                module.add(item)
        self._add(self.processing, module, "processing")
        return module

    def add_processing_module(self, processing: ProcessingModule | Sequence[Any]) -> None:
        self._add_each(self.processing, processing, "processing")

    def get_processing_module(self, name: str | None = None) -> ProcessingModule:
        return self._only(self.processing, name, "processing")  # type: ignore[no-any-return]

    def create_device(
        self,
        name: str,
        description: str | None = None,
        manufacturer: str | None = None,
        model_number: str | None = None,
        model_name: str | None = None,
        serial_number: str | None = None,
        model: Any = None,
    ) -> Device:
        # the schema's fields of hand-written classes are set by the mechanism: passed by name
        fields: dict[str, Any] = {
            "name": name,
            "description": description,
            "manufacturer": manufacturer,
            "model_number": model_number,
            "model_name": model_name,
            "serial_number": serial_number,
            "model": model,
        }
        device = Device(**fields)
        self.add_device(device)
        return device

    def add_device(self, devices: Any) -> None:
        self._add_each(self.devices, devices, "devices")

    def get_device(self, name: str | None = None) -> Device:
        return self._only(self.devices, name, "devices")  # type: ignore[no-any-return]

    def create_electrode_group(
        self, name: str, description: str, location: str, device: Device, position: Any = None
    ) -> ElectrodeGroup:
        fields: dict[str, Any] = {"description": description, "location": location}
        fields["position"] = position  # a schema field the mechanism sets
        group = ElectrodeGroup(name=name, device=device, **fields)
        self.add_electrode_group(group)
        return group

    def add_electrode_group(self, electrode_groups: ElectrodeGroup | Sequence[Any]) -> None:
        self._add_each(self.electrode_groups, electrode_groups, "electrode_groups")

    def create_imaging_plane(
        self,
        name: str,
        optical_channel: OpticalChannel | list[OpticalChannel],
        description: str | None = None,
        device: Device | None = None,
        excitation_lambda: float | None = None,
        indicator: str | None = None,
        location: str | None = None,
        imaging_rate: float | None = None,
        manifold: Any = None,
        conversion: float = 1.0,
        unit: str = "meters",
        reference_frame: str | None = None,
        origin_coords: Any = None,
        origin_coords_unit: str = "meters",
        grid_spacing: Any = None,
        grid_spacing_unit: str = "meters",
    ) -> ImagingPlane:
        """Build an ImagingPlane with these arguments (ImagingPlane's) and add it; pynwb keeps
        ``device``, ``excitation_lambda``, ``indicator`` and ``location`` after ``description``
        for its positional order: they are required all the same."""
        args = dict(locals())
        del args["self"]
        plane = ImagingPlane(**args)
        self.add_imaging_plane(plane)
        return plane

    def add_imaging_plane(self, imaging_planes: ImagingPlane | Sequence[Any]) -> None:
        self._add_each(self.imaging_planes, imaging_planes, "imaging_planes")

    def add_scratch(
        self,
        data: Any,
        name: str | None = None,
        description: str | None = None,
        notes: str | None = None,
    ) -> Container:
        """Put ``data`` in ``/scratch``: arrays and text as ScratchData, containers as they are."""
        if isinstance(data, Container):
            self._add(self.scratch, data, "scratch")
            return data
        if name is None:
            raise ValidationError("add_scratch: name is required for arrays and text")
        note = notes if notes is not None else description
        if note is None:
            raise ValidationError("add_scratch: description is required for arrays and text")
        item = ScratchData(name=name, data=data, description=note)
        self._add(self.scratch, item, "scratch")
        return item

    def get_scratch(self, name: str, convert: bool = True) -> Any:
        item = self.scratch[name]
        if convert and isinstance(item, ScratchData):
            value = item.data
            return value[()] if isinstance(value, Array) else value
        return item

    def copy(self) -> NWBFile:
        """A shallow copy that links to all the data of this file when written (pynwb's copy).

        Containers of the source file become external links to it; DynamicTables (electrodes,
        trials, units, scratch tables) are re-created locally with every column an external
        link; what is added to the copy is written locally.
        """
        clone = _copy.copy(self)
        clone.linked_copy = True
        clone.object_id = new_object_id()
        for key in (*CONTAINER_DICTS, "icephys_tables"):
            setattr(clone, key, dict(getattr(self, key)))
        clone.electrodes = _local_table(self.electrodes)
        clone.units = _local_table(self.units)
        clone.intervals = {k: _local_table(v) for k, v in clone.intervals.items()}
        clone.scratch = {
            k: _local_table(v) if isinstance(v, DynamicTable) else v
            for k, v in clone.scratch.items()
        }
        return clone

    # ----- tree
    def write_root(self, root: Group, ctx: WriteContext) -> None:
        root.attrs.update_typed(
            [
                ("namespace", "core", _utf8()),
                ("neurodata_type", "NWBFile", _utf8()),
                ("nwb_version", self.nwb_version, _utf8()),
                ("object_id", self.object_id, _utf8()),
            ]
        )
        ctx.paths[id(self)] = "/"
        if self.source_node is not None and not self.linked_copy:
            ctx.copy_from.add(id(self.source_node.file))
            ctx.read_objects = self.read_objects
        dates = self.file_create_date if isinstance(self.file_create_date, list) else []
        root.create_array(
            "file_create_date",
            np.array([iso(d, "file_create_date") for d in dates], dtype=object),
            dtype=ASCII,
        )
        write_text(root, "identifier", self.identifier)
        write_text(root, "session_description", self.session_description)
        write_text(
            root, "session_start_time", iso(self.session_start_time, "session_start_time"), True
        )
        assert self.timestamps_reference_time is not None
        write_text(
            root, "timestamps_reference_time", iso(self.timestamps_reference_time, "x"), True
        )
        for path in (
            "acquisition",
            "analysis",
            "processing",
            "general",
            "stimulus/presentation",
            "stimulus/templates",
        ):
            root.create_group(path)
        self.write_general(root["general"], ctx)  # type: ignore[arg-type]
        self.write_children(root, ctx)
        ctx.finish()
        if self.source_node is not None:
            copy_missing(self.source_node, root, ctx)
            ctx.finish()
            if "specifications" in root and ".specloc" not in root.attrs:
                fmt = root.file.format
                root.attrs[".specloc"] = (
                    Reference("/specifications") if fmt == "hdf5" else "specifications"
                )

    def write_general(self, general: Group, ctx: WriteContext) -> None:
        for key in GENERAL_TEXT:
            value = self.stimulus_notes if key == "stimulus" else getattr(self, key)
            write_text(general, key, value)
        for key in GENERAL_LISTS:
            values = getattr(self, key)
            if values:
                general.create_array(key, np.array(values, dtype=object), dtype=_utf8())
        if self.devices:
            devices = general.create_group("devices")
            for device in self.devices.values():
                device.write(devices, ctx)
        if self.subject is not None:
            self.subject.name = "subject"
            self.subject.write(general, ctx)
        if self.electrode_groups or self.electrodes is not None:
            ephys = general.create_group("extracellular_ephys")
            for group in self.electrode_groups.values():
                group.write(ephys, ctx)
            if self.electrodes is not None:
                self.electrodes.write(ephys, ctx)
        if self.imaging_planes:
            ophys = general.create_group("optophysiology")
            for plane in self.imaging_planes.values():
                plane.write(ophys, ctx)
        write_general_extras(self, general, ctx)

    def write_children(self, root: Group, ctx: WriteContext) -> None:
        places: list[tuple[str, dict[str, Any]]] = [
            ("acquisition", self.acquisition),
            ("analysis", self.analysis),
            ("stimulus/presentation", self.stimulus),
            ("stimulus/templates", self.stimulus_template),
            ("processing", self.processing),
        ]
        for path, items in places:
            group = root[path]
            assert isinstance(group, Group)
            for obj in items.values():
                obj.write(group, ctx)
        for path, items in (("intervals", self.intervals), ("scratch", self.scratch)):
            if items:
                group = root.create_group(path)
                for obj in items.values():
                    obj.write(group, ctx)
        if self.units is not None:
            self.units.write(root, ctx)

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        general = node.get("general")
        kwargs: dict[str, Any] = {}
        if isinstance(general, Group):
            kwargs = read_general(general, ctx)
        dates = node["file_create_date"][()]  # type: ignore[index]
        obj = cls(
            session_description=text(node["session_description"][()]),  # type: ignore[index]
            identifier=text(node["identifier"][()]),  # type: ignore[index]
            session_start_time=parse_date(text(node["session_start_time"][()])),  # type: ignore[index]
            timestamps_reference_time=parse_date(
                text(node["timestamps_reference_time"][()])  # type: ignore[index]
            )
            if "timestamps_reference_time" in node
            else None,
            file_create_date=[parse_date(text(d)) for d in np.atleast_1d(dates)],
            nwb_version=text(node.attrs.get("nwb_version", NWB_VERSION)),
            **kwargs,
        )
        ctx.objects["/"] = obj
        read_children(obj, node, ctx)
        return obj


def _local_table[T: DynamicTable | None](table: T) -> T:
    """A table of another file, to be written locally: its columns stay linked."""
    if table is None:
        return table
    clone = _copy.copy(table)
    clone.source_node = None
    clone.columns = dict(table.columns)
    clone.colnames = list(table.colnames)
    clone.indexes = dict(table.indexes)
    return clone


def _utf8() -> Any:
    from nwbzarr.dtypes import UTF8

    return UTF8


__all__ = ["NWBFile", "TimeSeries"]
