"""ImageSeries: frames stored in the file (``data``) or in external files (``external_file``).

Every other field (``dimension``, ``format``, ``starting_frame``, ``device``...) and every
subtype (``TwoPhotonSeries``, ``OpticalSeries``, ``ImageMaskSeries``...) comes from the
schema; what is written here is pynwb's rule for external files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nwbzarr.errors import ValidationError
from nwbzarr.model.base import ReadContext, WriteContext, register
from nwbzarr.model.core import TimeSeries
from nwbzarr.tree import Array, Group


@register
@dataclass(kw_only=True, eq=False)
class ImageSeries(TimeSeries):
    """Frames over time; with ``external_file``, ``data`` is empty and ``format`` is
    ``"external"`` (pynwb's defaults: ``starting_frame`` 0 for each file)."""

    neurodata_type: ClassVar[str] = "ImageSeries"

    data: Any = None
    # pynwb's argument for external files: the number of frames (a property on TimeSeries)
    num_samples: Any = None

    def write_fields(self, group: Group, ctx: WriteContext) -> None:
        if self.num_samples is not None:
            group.create_array("num_samples", np.uint32(self.num_samples))  # the schema: uint32

    @classmethod
    def read_fields(cls, group: Group, ctx: ReadContext) -> dict[str, Any]:
        node = group.get("num_samples")
        return {"num_samples": int(node[()])} if isinstance(node, Array) else {}

    def post_fields(self) -> None:
        """pynwb's rules once every field is set (called by the constructor)."""
        external = getattr(self, "external_file", None)
        if self.data is None and external is None:
            raise ValidationError(
                f"{type(self).__name__} {self.name!r}: give data or external_file, not neither"
            )
        if external is not None:
            if self.data is None:
                self.data = np.zeros((0, 0, 0), dtype="uint8")
            if getattr(self, "starting_frame", None) is None:
                self.starting_frame = [0] * len(external)
            if getattr(self, "format", None) is None:
                self.format = "external"


__all__ = ["ImageSeries"]
