"""A view of a stored group in which creating what already exists returns what is there.

Appending to a file (pynwb's ``NWBHDF5IO(path, "a")``, ``read()``, add containers,
``write()``) writes the whole NWBFile again through this view: groups that exist are
entered, arrays and links that exist are kept as stored (their data is not rewritten),
and only what is new is created. Attributes given when entering an existing group are not
rewritten either, so an append never changes what was stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from nwbzarr.dtypes import DType
from nwbzarr.tree import (
    Array,
    ArraySpec,
    Attributes,
    ExternalLink,
    Filter,
    Group,
    Link,
    Node,
    SoftLink,
    TypedAttr,
)


class MergeGroup(Group):
    """``inner`` seen so that ``create_*`` and ``set_link`` of an existing name are no-ops."""

    def __init__(self, inner: Group) -> None:
        super().__init__(inner.file, inner.path)
        self.inner = inner

    @property
    def attrs(self) -> Attributes:
        return self.inner.attrs

    # ----- hooks: the inner group's, with member groups seen through this view
    def _member(self, name: str) -> Node | Link | None:
        member = self.inner._member(name)
        return MergeGroup(member) if isinstance(member, Group) else member

    def _names(self) -> list[str]:
        return self.inner._names()

    def _create_group(self, name: str, attrs: Iterable[tuple[str, Any, DType]]) -> Group:
        return MergeGroup(self.inner._create_group(name, attrs))

    def _create_array(
        self, name: str, spec: ArraySpec, attrs: Iterable[tuple[str, Any, DType]]
    ) -> Array:
        return self.inner._create_array(name, spec, attrs)

    def _set_link(self, name: str, link: Link) -> None:
        self.inner._set_link(name, link)

    def _delete(self, name: str) -> None:
        self.inner._delete(name)

    # ----- creation: what exists is returned as stored
    def _existing(self, name: str) -> tuple[Group, str, Node | Link | None]:
        parent_path, _, leaf = name.strip("/").rpartition("/")
        parent: Group = self
        for part in (p for p in parent_path.split("/") if p):
            parent = parent.require_group(part)
        return parent, leaf, parent._member(leaf)

    def create_group(
        self, name: str, attrs: Mapping[str, Any] | Iterable[TypedAttr] | None = None
    ) -> Group:
        parent, leaf, member = self._existing(name)
        if isinstance(member, Group):
            return member
        if isinstance(member, SoftLink | ExternalLink):
            target = parent[leaf]
            if isinstance(target, Group):
                return MergeGroup(target) if target.file is self.file else target
        return Group.create_group(parent, leaf, attrs)

    def require_group(self, name: str) -> Group:
        return self.create_group(name)

    def create_array(
        self,
        name: str,
        data: Any = None,
        *,
        shape: Iterable[int] | None = None,
        dtype: Any = None,
        chunks: Iterable[int] | bool | None = None,
        maxshape: Iterable[int | None] | None = None,
        compression: Iterable[Filter] | str | None = "default",
        fillvalue: Any = None,
        dims: Iterable[str] | None = None,
        shards: Iterable[int] | None = None,
        attrs: Mapping[str, Any] | Iterable[TypedAttr] | None = None,
    ) -> Array:
        parent, leaf, member = self._existing(name)
        if member is not None:
            node = parent[leaf]
            if isinstance(node, Array):
                return node
        return Group.create_array(
            parent,
            leaf,
            data,
            shape=shape,
            dtype=dtype,
            chunks=chunks,
            maxshape=maxshape,
            compression=compression,
            fillvalue=fillvalue,
            dims=dims,
            shards=shards,
            attrs=attrs,
        )

    def create_array_from_spec(
        self,
        name: str,
        spec: ArraySpec,
        attrs: Mapping[str, Any] | Iterable[TypedAttr] | None = None,
    ) -> Array:
        parent, leaf, member = self._existing(name)
        if member is not None:
            node = parent[leaf]
            if isinstance(node, Array):
                return node
        return Group.create_array_from_spec(parent, leaf, spec, attrs)

    def set_link(self, name: str, link: Link) -> None:
        parent, leaf, member = self._existing(name)
        if member is None:
            Group.set_link(parent, leaf, link)


__all__ = ["MergeGroup"]
