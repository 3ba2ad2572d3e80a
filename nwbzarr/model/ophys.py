"""Optical physiology: imaging planes, two-photon series, segmentation, ROI responses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.model.base import NWBContainer, ReadContext, WriteContext, register, typed_members
from nwbzarr.model.core import Device, TimeSeries
from nwbzarr.model.table import DynamicTable, DynamicTableRegion, region_data
from nwbzarr.model.values import attr_text, dataset_text, write_text
from nwbzarr.tree import Array, Group, Node

PIXEL_MASK = np.dtype([("x", "<u4"), ("y", "<u4"), ("weight", "<f4")])
VOXEL_MASK = np.dtype([("x", "<u4"), ("y", "<u4"), ("z", "<u4"), ("weight", "<f4")])


def _scalar(group: Group, name: str) -> Any:
    node = group.get(name)
    return node[()] if isinstance(node, Array) else None


@register
@dataclass(kw_only=True, eq=False)
class OpticalChannel(NWBContainer):
    neurodata_type: ClassVar[str] = "OpticalChannel"

    description: str
    emission_lambda: float

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(self.name, attrs=self.typed_attrs())
        write_text(group, "description", self.description)
        group.create_array("emission_lambda", np.float64(self.emission_lambda))
        return group

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        return cls(
            name=node.name,
            description=dataset_text(node, "description") or "",
            emission_lambda=float(_scalar(node, "emission_lambda")),
        )


@register
@dataclass(kw_only=True, eq=False)
class ImagingPlane(NWBContainer):
    """An imaging plane and its optical channels; ``device`` is stored as a link."""

    neurodata_type: ClassVar[str] = "ImagingPlane"

    optical_channel: list[OpticalChannel]
    description: str
    device: Device
    excitation_lambda: float
    indicator: str
    location: str
    imaging_rate: float | None = None
    grid_spacing: Sequence[float] | None = None
    grid_spacing_unit: str = "meters"
    origin_coords: Sequence[float] | None = None
    origin_coords_unit: str = "meters"
    reference_frame: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.optical_channel, OpticalChannel):
            self.optical_channel = [self.optical_channel]

    def post_fields(self) -> None:
        """pynwb's checks of a new ImagingPlane (a file read is not checked): the arguments
        it takes with a default of None for its positional order are required all the same,
        and those the schema deprecated are refused."""
        for key in ("device", "excitation_lambda", "indicator", "location"):
            if getattr(self, key) is None:
                raise ValidationError(
                    f"ImagingPlane {self.name!r}: the {key!r} argument is required"
                )
        deprecated = {
            "manifold": (None, "'origin_coords' and 'grid_spacing'"),
            "conversion": (1.0, "'origin_coords' and 'grid_spacing'"),
            "unit": ("meters", "'origin_coords_unit' and 'grid_spacing_unit'"),
        }
        for key, (default, instead) in deprecated.items():
            value = getattr(self, key, default)
            if value is not None if default is None else value != default:
                raise ValidationError(
                    f"ImagingPlane {self.name!r}: the {key!r} argument is deprecated in "
                    f"favor of {instead}"
                )

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(self.name, attrs=self.typed_attrs())
        for key in ("description", "indicator", "location", "reference_frame"):
            write_text(group, key, getattr(self, key))
        group.create_array("excitation_lambda", np.float64(self.excitation_lambda))
        if self.imaging_rate is not None:
            group.create_array("imaging_rate", np.float64(self.imaging_rate))
        for key in ("grid_spacing", "origin_coords"):
            value = getattr(self, key)
            if value is not None:
                unit = getattr(self, f"{key}_unit")
                group.create_array(key, np.asarray(value, "float64"), attrs={"unit": unit})
        for channel in self.optical_channel:
            channel.write(group, ctx)
        ctx.link(group, "device", self.device)
        return group

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        assert isinstance(node, Group)
        channels = [ctx.read_child(m) for _, m in typed_members(node)]
        device = ctx.target(node, "device")
        if not isinstance(device, Device):
            raise ValidationError(f"{node.describe()}: ImagingPlane without a device link")
        kwargs: dict[str, Any] = {}
        for key in ("grid_spacing", "origin_coords"):
            if key in node:
                kwargs[key] = list(np.asarray(_scalar(node, key)))
                kwargs[f"{key}_unit"] = attr_text(node[key], "unit", "meters")
        rate = _scalar(node, "imaging_rate")
        return cls(
            name=node.name,
            optical_channel=[c for c in channels if isinstance(c, OpticalChannel)],
            description=dataset_text(node, "description") or "",
            device=device,
            excitation_lambda=float(_scalar(node, "excitation_lambda")),
            indicator=dataset_text(node, "indicator") or "",
            location=dataset_text(node, "location") or "",
            imaging_rate=None if rate is None else float(rate),
            reference_frame=dataset_text(node, "reference_frame"),
            **kwargs,
        )


@register
@dataclass(kw_only=True, eq=False)
class PlaneSegmentation(DynamicTable):
    """ROIs of one imaging plane: ``image_mask``, ragged ``pixel_mask`` or ``voxel_mask``."""

    neurodata_type: ClassVar[str] = "PlaneSegmentation"
    namespace: ClassVar[str] = "core"

    imaging_plane: ImagingPlane | None = None

    def add_roi(
        self,
        pixel_mask: Sequence[Sequence[float]] | None = None,
        voxel_mask: Sequence[Sequence[float]] | None = None,
        image_mask: Any = None,
        id: int | None = None,
        **kwargs: Any,
    ) -> None:
        masks = {"pixel_mask": pixel_mask, "voxel_mask": voxel_mask, "image_mask": image_mask}
        given = {k: v for k, v in masks.items() if v is not None}
        if not given:
            raise ValidationError(f"{self.name}: add_roi needs a pixel, voxel or image mask")
        values: dict[str, Any] = dict(kwargs)
        for key, value in given.items():
            if key not in self.columns:
                if len(self):
                    raise ValidationError(f"{self.name}: {key!r} was not given for earlier ROIs")
                ragged = key != "image_mask"
                description = f"{key.split('_')[0].capitalize()} masks for each ROI"
                column = self.add_column(key, description, index=ragged)
                column.dtype = {"pixel_mask": PIXEL_MASK, "voxel_mask": VOXEL_MASK}.get(key)
            values[key] = [tuple(p) for p in value] if key != "image_mask" else value
        self.add_row(values, id=id)

    def create_roi_table_region(
        self, description: str, region: Sequence[int] | slice = slice(None), name: str = "rois"
    ) -> DynamicTableRegion:
        rows = region_data(self, region, "create_roi_table_region")
        return DynamicTableRegion(name=name, description=description, data=rows, table=self)

    def to_tree(self, parent: Group, ctx: WriteContext) -> Node:
        group = parent.create_group(self.name, attrs=self.table_attrs())
        self.write_members(group, ctx)
        group.create_group("reference_images")
        if self.imaging_plane is not None:
            ctx.link(group, "imaging_plane", self.imaging_plane)
        return group

    @classmethod
    def from_tree(cls, node: Node, ctx: ReadContext) -> Self:
        obj = super().from_tree(node, ctx)
        assert isinstance(node, Group)
        plane = ctx.target(node, "imaging_plane")
        obj.imaging_plane = plane if isinstance(plane, ImagingPlane) else None
        return obj


@register
@dataclass(kw_only=True, eq=False)
class RoiResponseSeries(TimeSeries):
    neurodata_type: ClassVar[str] = "RoiResponseSeries"

    rois: DynamicTableRegion

    def write_fields(self, group: Group, ctx: WriteContext) -> None:
        self.rois.name = "rois"
        self.rois.write(group, ctx)

    @classmethod
    def read_fields(cls, group: Group, ctx: ReadContext) -> dict[str, Any]:
        return {"rois": ctx.read_child(group["rois"])}


__all__ = [
    "ImagingPlane",
    "OpticalChannel",
    "PlaneSegmentation",
    "RoiResponseSeries",
]
