"""HDF5 groups: members and links through libhdf5's low-level API.

Links are never followed by h5py here: every member is looked up by its link, so that soft and
external links surface as :class:`SoftLink` / :class:`ExternalLink` values and are followed by
the tree, under the file's link policy. A hard link back to a group above (a cycle) surfaces as
a soft link to that group, so that walking a file always ends.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import h5py
import numpy as np

from nwbzarr.backends.hdf5.arrays import H5Array, dataset_kwargs
from nwbzarr.backends.hdf5.attrs import H5Attributes, H5Node
from nwbzarr.backends.hdf5.guard import LIBHDF5_ERRORS, guarded, raise_damaged
from nwbzarr.backends.hdf5.types import read_attr
from nwbzarr.dtypes import DType
from nwbzarr.errors import FormatError
from nwbzarr.storage import guess_format_from_name
from nwbzarr.tree import (
    Array,
    ArraySpec,
    Attributes,
    ExternalLink,
    Group,
    Link,
    SoftLink,
)

if TYPE_CHECKING:
    from nwbzarr.backends.hdf5.file import H5File

# A group or dataset carrying this attribute is a link to a Zarr store or a URL (DESIGN.md).
EXTERNAL_LINK_ATTR = "_EXTERNAL_LINK"
EXTERNAL_LINK_KEY = EXTERNAL_LINK_ATTR.encode()


class H5Group(Group, H5Node):
    def __init__(
        self,
        file: H5File,
        path: str,
        oid: h5py.h5g.GroupID,
        h5: h5py.Group | None = None,
        ancestors: tuple[tuple[int, str], ...] = (),
    ) -> None:
        super().__init__(file, path)
        self.oid = oid
        self.h5file = file
        self._h5 = h5
        self._attrs = H5Attributes(self)
        # (object identity, path) of this group and the groups above it: a hard link back to
        # one of them (legal in HDF5, and what a damaged address often looks like) is a cycle
        self.ancestors = (*ancestors, (hash(oid), path))

    @property
    def h5(self) -> h5py.Group:
        if self._h5 is None:
            self._h5 = h5py.Group(self.oid)
        return self._h5

    @property
    def attrs(self) -> Attributes:
        return self._attrs

    @property
    def identity(self) -> Hashable:
        return ("hdf5", id(self.h5file), hash(self.oid))

    def _names(self) -> list[str]:
        # h5py's ``keys()`` (creation order where tracked, else name order), low-level and
        # bounded: a damaged link index can list more names than the file has bytes
        names: list[str] = []
        most = self.h5file.max_items

        def add(name: bytes) -> bool | None:
            names.append(name.decode("utf-8", "surrogateescape"))
            return True if len(names) > most else None  # not None: stop iterating

        with guarded(self.describe()):
            tracked = self.oid.get_create_plist().get_link_creation_order()
            by_order = tracked & h5py.h5p.CRT_ORDER_TRACKED
            index = h5py.h5.INDEX_CRT_ORDER if by_order else h5py.h5.INDEX_NAME
            self.oid.links.iterate(add, idx_type=index)
        if len(names) > most:
            raise FormatError(
                f"{self.describe()}: damaged HDF5 metadata: more members listed than the file "
                f"({self.h5file.size} bytes) can hold"
            )
        return names

    def _member(self, name: str) -> H5Group | H5Array | Link | None:
        cache = self.h5file.member_cache
        key = (self.path, name)
        if cache is not None and key in cache:
            cached: H5Group | H5Array | Link | None = cache[key]
            return cached
        try:
            member = self._member_unchecked(name)
        except LIBHDF5_ERRORS as err:
            raise_damaged(err, f"{self.file.location}:{posixpath.join(self.path, name)}")
        if cache is not None:
            cache[key] = member
        return member

    def _member_unchecked(self, name: str) -> H5Group | H5Array | Link | None:
        # The low-level API: h5py's high-level lookups cost ~10x more per member, and a file
        # of many small series is made of little else.
        key = name.encode("utf-8", "surrogateescape")
        links = self.oid.links
        if not name or "/" in name or not links.exists(key):
            return None
        info = links.get_info(key)
        kind = info.type
        if kind == h5py.h5l.TYPE_SOFT:
            return SoftLink(links.get_val(key).decode("utf-8", "surrogateescape"))
        if kind == h5py.h5l.TYPE_EXTERNAL:
            filename, target = links.get_val(key)
            return ExternalLink(
                filename.decode("utf-8", "surrogateescape"),
                target.decode("utf-8", "surrogateescape"),
            )
        path = posixpath.join(self.path, name)
        if kind != h5py.h5l.TYPE_HARD:
            raise FormatError(f"{self.file.location}: {path!r} is a user-defined link")
        try:
            oid = h5py.h5o.open(self.oid, key)
        except LIBHDF5_ERRORS as err:
            raise FormatError(f"{self.file.location}:{path}: cannot open: {err}") from err
        marked = self.h5file.has_attribute(oid, info.u, EXTERNAL_LINK_ATTR, path)
        if marked is None:
            marked = h5py.h5a.exists(oid, EXTERNAL_LINK_KEY)
        if marked:
            self.h5file.check_heaps()
            where = f"{self.file.location}:{path}"
            self.h5file.check_attribute(oid, EXTERNAL_LINK_ATTR, where, info.u)
            aid = h5py.h5a.open(oid, EXTERNAL_LINK_KEY)
            marker = read_attr(aid, aid.dtype, aid.shape or ())
            return _external_link_from_marker(marker, f"{self.file.location}:{path}")
        if isinstance(oid, h5py.h5g.GroupID):
            identity = hash(oid)
            for seen, above in self.ancestors:
                if seen == identity:  # a cycle: surfaces as the link it is, never walked into
                    return SoftLink(above)
            group = H5Group(self.h5file, path, oid, ancestors=self.ancestors)
            group.addr = info.u  # a hard link's target: no header lookup for the address
            return group
        if isinstance(oid, h5py.h5d.DatasetID):
            array = H5Array(self.h5file, path, oid)
            array.addr = info.u
            return array
        raise FormatError(f"{self.file.location}: {path!r} is a committed datatype, not data")

    def _create_group(self, name: str, attrs: Iterable[tuple[str, Any, DType]]) -> Group:
        h5file = self.h5file
        gid = h5py.h5g.create(self.oid, *h5file.link_name(name), gcpl=h5file.gcpl)
        group = H5Group(h5file, posixpath.join(self.path, name), gid, ancestors=self.ancestors)
        group.attrs.update_typed(attrs)
        return group

    def _create_array(
        self, name: str, spec: ArraySpec, attrs: Iterable[tuple[str, Any, DType]]
    ) -> Array:
        path = posixpath.join(self.path, name)
        kwargs = dataset_kwargs(spec, f"{self.file.location}:{path}")
        h5file = self.h5file
        if kwargs.keys() == {"shape", "dtype"}:
            # contiguous, unfiltered (most small arrays): what h5py does, minus its overhead
            htype = h5file.types_for(spec.datatype)[0]
            space = h5py.h5s.create_simple(spec.shape)
            did = h5py.h5d.create(
                self.oid, name.encode("utf-8", "surrogateescape"), htype, space, h5file.dcpl
            )
            array = H5Array(h5file, path, did)
            datatype = spec.datatype
            array._spec = ArraySpec(  # what _read_spec reads back from such a dataset
                shape=spec.shape,
                datatype=datatype,
                maxshape=spec.shape or None,
                compression=(),
                fillvalue=np.zeros((), datatype)[()] if isinstance(datatype, np.dtype) else None,
            )
        else:
            array = H5Array(h5file, path, self.h5.create_dataset(name, **kwargs).id)
        array.attrs.update_typed(attrs)
        return array

    def _set_link(self, name: str, link: Link) -> None:
        if isinstance(link, SoftLink):
            self.h5[name] = h5py.SoftLink(link.path)
        elif guess_format_from_name(link.source) == "zarr" or "://" in link.source:
            # HDF5 has no link into a Zarr store (or to a URL): a placeholder group says where.
            marker = json.dumps({"source": link.source, "path": link.path})
            self.h5.create_group(name).attrs.create(
                EXTERNAL_LINK_ATTR, marker, dtype=h5py.string_dtype("utf-8")
            )
        else:
            self.h5[name] = h5py.ExternalLink(link.source, link.path)

    def _delete(self, name: str) -> None:
        del self.h5[name]


def _external_link_from_marker(marker: Any, where: str) -> ExternalLink:
    try:
        value = json.loads(marker if isinstance(marker, str) else bytes(marker).decode())
        return ExternalLink(str(value["source"]), str(value["path"]))
    except (ValueError, KeyError, TypeError) as err:
        raise FormatError(f"{where}: malformed {EXTERNAL_LINK_ATTR} attribute {marker!r}") from err


__all__ = ["EXTERNAL_LINK_ATTR", "H5Group"]
