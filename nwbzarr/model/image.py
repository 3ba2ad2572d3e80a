"""pynwb's ``Images`` methods: ``add_image``, ``get_image``, ``create_image``.

A mixin (see :mod:`nwbzarr.model.extend`) working on the ``images`` collection.
"""

from __future__ import annotations

from typing import Any

from nwbzarr.model.behavior import add_children, child_named, model_class
from nwbzarr.model.extend import extends

__all__ = ["ImagesMethods"]


@extends("Images")
class ImagesMethods:
    """``Images.add_image`` / ``get_image`` / ``create_image``."""

    def add_image(self, images: Any) -> Any:
        """Add an image (a BaseImage, or a list or dict of them)."""
        return add_children(self, "images", images, "BaseImage")

    def get_image(self, name: str | None = None) -> Any:
        """The image called ``name`` (the only one when ``name`` is None)."""
        return child_named(self, "images", name, "BaseImage")

    def create_image(self, name: str, data: Any, description: str | None = None) -> Any:
        """Build a BaseImage (as pynwb does) and add it."""
        image = model_class("BaseImage")(name=name, data=data, description=description)
        return self.add_image(image)
