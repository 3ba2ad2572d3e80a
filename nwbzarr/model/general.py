"""NWBFile's typed objects under ``/general`` beyond ecephys: icephys, optogenetics, lab metadata.

``/general/intracellular_ephys`` holds IntracellularElectrodes and the icephys tables
(``intracellular_recordings``, ``icephys_simultaneous_recordings``, ... , ``sweep_table``),
``/general/optogenetics`` the OptogeneticStimulusSites, and ``/general`` itself any
LabMetaData (extensions' metadata types). pynwb's methods and properties for them are here,
the layout in :func:`write_general_extras` and :func:`read_general_extras`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nwbzarr.errors import ValidationError
from nwbzarr.model.base import (
    Container,
    ReadContext,
    WriteContext,
    class_info,
    load_fields,
    new_object_id,
    typed_members,
)
from nwbzarr.tree import Group

ICEPHYS = "intracellular_ephys"
OGEN = "optogenetics"
ICEPHYS_TABLES = (
    "intracellular_recordings",
    "icephys_simultaneous_recordings",
    "icephys_sequential_recordings",
    "icephys_repetitions",
    "icephys_experimental_conditions",
    "sweep_table",
)
# NWBFile attribute -> the stored name of the table
_TABLE_NAMES = {
    "intracellular_recordings": "intracellular_recordings",
    "icephys_simultaneous_recordings": "simultaneous_recordings",
    "icephys_sequential_recordings": "sequential_recordings",
    "icephys_repetitions": "repetitions",
    "icephys_experimental_conditions": "experimental_conditions",
    "sweep_table": "sweep_table",
}


def _get_class(name: str) -> Any:
    from nwbzarr.model.classes import get_class

    return get_class(name)


class GeneralMethods:
    """pynwb's NWBFile methods for icephys electrodes, stimulus sites and lab metadata."""

    icephys_electrodes: dict[str, Container]
    ogen_sites: dict[str, Container]
    lab_meta_data: dict[str, Container]
    icephys_tables: dict[str, Container]

    def _put(self, where: dict[str, Container], obj: Container, what: str) -> Container:
        if obj.name in where:
            raise ValidationError(f"NWBFile: {what} already has an object named {obj.name!r}")
        where[obj.name] = obj
        return obj

    def add_icephys_electrode(self, icephys_electrodes: Any) -> Any:
        """Add one IntracellularElectrode or a list of them (pynwb's name); returns its input."""
        for item in _each(icephys_electrodes):
            self._put(self.icephys_electrodes, item, "icephys_electrodes")
        return icephys_electrodes

    def create_icephys_electrode(
        self,
        name: str,
        device: Container,
        description: str,
        slice: str | None = None,
        seal: str | None = None,
        location: str | None = None,
        resistance: str | None = None,
        filtering: str | None = None,
        initial_access_resistance: str | None = None,
        cell_id: str | None = None,
    ) -> Container:
        """Build an IntracellularElectrode with these arguments (its own) and add it."""
        args = dict(locals())
        del args["self"]
        electrode: Container = _get_class("IntracellularElectrode")(**args)
        self.add_icephys_electrode(electrode)
        return electrode

    def get_icephys_electrode(self, name: str) -> Container:
        return self.icephys_electrodes[name]

    def add_ogen_site(self, ogen_sites: Any) -> Any:
        """Add one OptogeneticStimulusSite or a list of them (pynwb's name); returns its input."""
        for item in _each(ogen_sites):
            self._put(self.ogen_sites, item, "ogen_sites")
        return ogen_sites

    def create_ogen_site(
        self,
        name: str,
        device: Container,
        description: str,
        excitation_lambda: float,
        location: str,
    ) -> Container:
        """Build an OptogeneticStimulusSite with these arguments (its own) and add it."""
        site: Container = _get_class("OptogeneticStimulusSite")(
            name=name,
            device=device,
            description=description,
            excitation_lambda=excitation_lambda,
            location=location,
        )
        self.add_ogen_site(site)
        return site

    def get_ogen_site(self, name: str) -> Container:
        return self.ogen_sites[name]

    def add_lab_meta_data(self, lab_meta_data: Container) -> Container:
        return self._put(self.lab_meta_data, lab_meta_data, "lab_meta_data")

    def get_lab_meta_data(self, name: str) -> Container:
        return self.lab_meta_data[name]

    def add_icephys_table(self, attribute: str, table: Container) -> Container:
        """Set one of the icephys tables (``intracellular_recordings``, ``sweep_table``...)."""
        if attribute not in _TABLE_NAMES:
            raise ValidationError(f"NWBFile: {attribute!r} is not an icephys table")
        table.name = _TABLE_NAMES[attribute]
        self.icephys_tables[attribute] = table
        return table

    @property
    def intracellular_recordings(self) -> Container | None:
        return self.icephys_tables.get("intracellular_recordings")

    @property
    def icephys_simultaneous_recordings(self) -> Container | None:
        return self.icephys_tables.get("icephys_simultaneous_recordings")

    @property
    def icephys_sequential_recordings(self) -> Container | None:
        return self.icephys_tables.get("icephys_sequential_recordings")

    @property
    def icephys_repetitions(self) -> Container | None:
        return self.icephys_tables.get("icephys_repetitions")

    @property
    def icephys_experimental_conditions(self) -> Container | None:
        return self.icephys_tables.get("icephys_experimental_conditions")

    @property
    def sweep_table(self) -> Container | None:
        return self.icephys_tables.get("sweep_table")

    @property
    def objects(self) -> dict[str, Container]:
        """Every container of the file by object id (pynwb's ``NWBFile.objects``).

        A file that was read is read completely on first use of this property.
        """
        out: dict[str, Container] = {}
        for obj in walk(self):
            out.setdefault(obj.object_id, obj)
        return out

    def generate_new_id(self, recurse: bool = True) -> None:
        """A new object id (UUID4) for the file and, with ``recurse``, every container in it
        (pynwb's ``generate_new_id``; export then writes the new ids)."""
        targets: list[Any] = list(walk(self)) if recurse else [self]
        for obj in targets:
            obj.object_id = new_object_id()


def walk(root: Any) -> Iterator[Container]:
    """``root`` and every container reachable from its fields (each once)."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        todo.extend(reversed(list(_contained(obj))))


def _contained(obj: Any) -> Iterator[Container]:
    load_fields(obj)
    for key, value in vars(obj).items():
        if key == "source_node" or value is None:
            continue
        if isinstance(value, Container):
            yield value
        elif isinstance(value, dict):
            yield from (v for v in value.values() if isinstance(v, Container))
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Container):
            yield from (v for v in value if isinstance(v, Container))


def write_general_extras(nwbfile: GeneralMethods, general: Group, ctx: WriteContext) -> None:
    """Write icephys, optogenetics and lab metadata objects under ``/general``."""
    if nwbfile.icephys_electrodes or nwbfile.icephys_tables:
        icephys = general.require_group(ICEPHYS)
        for electrode in nwbfile.icephys_electrodes.values():
            electrode.write(icephys, ctx)
        for table in nwbfile.icephys_tables.values():
            table.write(icephys, ctx)
    if nwbfile.ogen_sites:
        ogen = general.require_group(OGEN)
        for site in nwbfile.ogen_sites.values():
            site.write(ogen, ctx)
    for meta in nwbfile.lab_meta_data.values():
        meta.write(general, ctx)


def read_general_extras(general: Group, ctx: ReadContext) -> dict[str, Any]:
    """The constructor arguments of those objects, as read from ``/general``."""
    out: dict[str, Any] = {"icephys_electrodes": {}, "ogen_sites": {}, "lab_meta_data": {}}
    icephys = general.get(ICEPHYS)
    if isinstance(icephys, Group):
        tables = {stored: attr for attr, stored in _TABLE_NAMES.items()}
        out["icephys_tables"] = {}
        for name, member in typed_members(icephys):
            if name in tables:
                out["icephys_tables"][tables[name]] = ctx.read_child(member)
            else:
                out["icephys_electrodes"][name] = ctx.read_child(member)
    ogen = general.get(OGEN)
    if isinstance(ogen, Group):
        out["ogen_sites"] = {n: ctx.read_child(m) for n, m in typed_members(ogen)}
    others = [(n, m) for n, m in typed_members(general) if n != "subject"]
    if others:
        meta = _get_class("LabMetaData")
        for name, member in others:
            if issubclass(ctx.class_for(member), meta):
                out["lab_meta_data"][name] = ctx.read_child(member)
    return out


def as_dict(value: Any) -> Any:
    """pynwb takes lists of containers where nwbzarr keeps dicts by name."""
    if isinstance(value, list | tuple):
        return {item.name: item for item in value}
    if isinstance(value, Container):
        return {value.name: value}
    return value


__all__ = [
    "ICEPHYS_TABLES",
    "GeneralMethods",
    "as_dict",
    "class_info",
    "read_general_extras",
    "walk",
    "write_general_extras",
]


def _each(objs: Any) -> list[Container]:
    """One container, a list or tuple of them, or a dict of them, as a list."""
    if isinstance(objs, dict):
        return list(objs.values())
    return list(objs) if isinstance(objs, list | tuple) else [objs]
