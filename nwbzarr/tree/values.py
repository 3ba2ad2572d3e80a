"""Values of the tree: links and storage filters (references are in :mod:`nwbzarr.dtypes`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nwbzarr.dtypes import Reference


@dataclass(frozen=True, slots=True)
class SoftLink:
    """A link to another node of the same file, by absolute path."""

    path: str


@dataclass(frozen=True, slots=True)
class ExternalLink:
    """A link to a node of another file or store.

    ``source`` is relative to the directory (or URL prefix) of the linking file, or absolute
    (a path or a URL); it may name a file of the other format (a cross-format link).
    """

    source: str
    path: str


Link = SoftLink | ExternalLink


@dataclass(frozen=True, slots=True)
class Filter:
    """One step of a storage pipeline, named portably (``deflate``, ``shuffle``, ``blosc``...).

    ``options`` is a tuple of (key, value) pairs so that filters are hashable and comparable.
    """

    name: str
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, name: str, **options: Any) -> Filter:
        return cls(name, tuple(sorted(options.items())))

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    def __str__(self) -> str:
        if not self.options:
            return self.name
        args = ",".join(f"{k}={v}" for k, v in self.options)
        return f"{self.name}({args})"


__all__ = ["ExternalLink", "Filter", "Link", "Reference", "SoftLink"]
