"""The tree copier: one engine that copies nodes between files, chunk by chunk.

:class:`TreeCopier` copies a whole tree (conversion, export; the virtual index is a copier
whose numeric arrays become references to the HDF5 file's chunks); :class:`NodeCopier` runs
it on single subtrees for the typed model's write (:func:`copy_node`, :func:`copy_array`,
:func:`copy_missing`). Each group and array is created once with all its attributes, links are
re-pointed so they still resolve from the destination, and array data moves chunk by chunk on
a small thread pool with a bounded number of chunks in flight. Where source and destination
store a chunk the same way, the stored bytes are copied without decoding; where the
destination is HDF5 with deflate, chunks are compressed on all cores and written directly.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal

import numpy as np

from nwbzarr.codecs import (
    destination_filters,
    encode_hdf5_chunk,
    hdf5_encodable,
    same_stored_bytes,
)
from nwbzarr.dims import group_dims, merge_dims
from nwbzarr.dtypes import CompoundType, DType, ReferenceType
from nwbzarr.errors import UnsupportedFeatureError
from nwbzarr.links import base_is_dir, direct_link, file_location, relink
from nwbzarr.storage import Location, resolve
from nwbzarr.tree import (
    Array,
    ArraySpec,
    ExternalLink,
    Filter,
    Group,
    Link,
    Node,
    SoftLink,
    chunk_index,
    iter_blocks,
)

LinkMode = Literal["keep", "resolve"]
CompressionMode = Literal["keep", "default"]
DEFAULT_WORKERS = max(2, min(8, (os.cpu_count() or 2) * 2))


@dataclass
class _Job:
    src: Array
    dst: Array
    raw: bool
    encode_hdf5: tuple[Filter, ...] | None


class TreeCopier:
    """Copies a tree into an empty destination root (convert, export, the index)."""

    def __init__(
        self,
        source: Group,
        target: Group,
        src_loc: Location,
        dst_loc: Location,
        *,
        links: LinkMode = "keep",
        compression: CompressionMode = "keep",
        workers: int | None = None,
        progress: Callable[[int], None] | None = None,
        client: Any = None,
    ) -> None:
        self.source = source
        self.target = target
        self.src_loc = src_loc
        self.dst_loc = dst_loc
        self.links = links
        self.compression = compression
        self.workers = workers or DEFAULT_WORKERS
        self.progress = progress or (lambda n: None)
        self.dst_format = target.file.format
        self.client = client
        self.seen: dict[Any, str] = {}
        self.jobs: list[_Job] = []
        # Attributes holding references are set once every node exists (HDF5 references need
        # their target): (node, [(name, value, dtype)]).
        self.deferred: list[tuple[Group | Array, list[tuple[str, Any, DType]]]] = []
        self.h5_lock = threading.Lock()

    def run(self) -> None:
        now, later = self._split_attrs(self.source)
        self.target.attrs.update_typed(now)
        if later:
            self.deferred.append((self.target, later))
        self.copy_members(self.source, self.target)
        for node, items in self.deferred:
            node.attrs.update_typed(items)
        self.copy_data()

    # ----- structure
    def copy_members(self, src: Group, dst: Group) -> None:
        members = self.members_of(src)
        shapes = {n: m.shape for n, m in members if isinstance(m, Array)}
        dims = self._dims(src, shapes, {n for n, _ in members}) if self.dst_format == "zarr" else {}
        for name, member in members:
            if isinstance(member, SoftLink | ExternalLink):
                self.copy_link(src, dst, name, member, dims)
            elif isinstance(member, Group | Array):
                self.copy_node(dst, name, member, dims.get(name))

    def members_of(self, src: Group) -> list[tuple[str, Node | Link]]:
        """The members of ``src`` to copy (all of them here)."""
        return list(src.members())

    def copy_node(
        self, dst: Group, name: str, member: Group | Array, dims: tuple[str, ...] | None
    ) -> None:
        first = self.seen.get(member.identity)
        if first is not None:  # an HDF5 hard link: the second name becomes a soft link
            dst.set_link(name, SoftLink(first))
            return
        self.seen[member.identity] = _join(dst.path, name)
        now, later = self._split_attrs(member)
        if isinstance(member, Group):
            child = dst.create_group(name, now)
            if later:
                self.deferred.append((child, later))
            self.copy_members(member, child)
            return
        spec = self.dst_spec(member, dims)
        array = dst.create_array_from_spec(name, spec, now)
        if later:
            self.deferred.append((array, later))
        self.jobs.append(self._job(member, array))

    @staticmethod
    def _split_attrs(
        node: Group | Array,
    ) -> tuple[list[tuple[str, Any, DType]], list[tuple[str, Any, DType]]]:
        now: list[tuple[str, Any, DType]] = []
        later: list[tuple[str, Any, DType]] = []
        for item in node.attrs.items_typed():
            (later if _holds_reference(item[2]) else now).append(item)
        return now, later

    def copy_link(
        self, src: Group, dst: Group, name: str, link: Link, dims: dict[str, tuple[str, ...]]
    ) -> None:
        if self.links == "resolve":
            target = src[name]
            if isinstance(link, SoftLink) and (
                not self._outside(target) or self._same_node_in_source(link.path, target)
            ):
                # soft links that cross soft links are stored to their end (Zarr needs it)
                dst.set_link(name, direct_link(self.source, link, across_files=False))
                return
            assert isinstance(target, Group | Array)
            self.copy_node(dst, name, target, dims.get(name))
            return
        # a link through another link becomes a link to its final target (as pynwb writes)
        link = direct_link(src.root, link)
        if isinstance(link, SoftLink):
            dst.set_link(name, link)
            return
        dst.set_link(name, ExternalLink(self.repoint(link.source, src), link.path))

    def _same_node_in_source(self, path: str, target: Node) -> bool:
        """A soft link inside a resolved external target whose path names the same object
        (same object_id) in the file being copied stays a soft link (what pynwb's export does)."""
        object_id = target.attrs.get("object_id")
        if object_id is None or path not in self.source:
            return False
        return bool(self.source[path].attrs.get("object_id") == object_id)

    def _outside(self, node: Group | Array | Any) -> bool:
        return node.file is not self.source.file

    def repoint(self, source: str, src: Group) -> str:
        """``source`` (relative to the source file) rewritten relative to the destination."""
        absolute = self.src_loc.resolve_relative(source, base_is_dir=base_is_dir(src.file))
        return self.dst_loc.relative_to_base(absolute, base_is_dir=self.dst_format == "zarr")

    def _dims(
        self, src: Group, shapes: dict[str, tuple[int, ...]], names: set[str]
    ) -> dict[str, tuple[str, ...]]:
        targets = set()
        for name in shapes:
            if name.endswith("_index") and name[: -len("_index")] in shapes:
                targets.add(name[: -len("_index")])
        return group_dims(src.neurodata_type, shapes, targets, names)

    def dst_spec(self, src: Array, dims: tuple[str, ...] | None) -> ArraySpec:
        spec = src.spec
        extra: dict[str, Any] = {"auto_shard": spec.chunks is None, "filled": True}
        if src.file.format == "hdf5" and spec.chunks is None and spec.shape:
            extra["layout"] = "contiguous"
        if spec.extra.get("empty"):
            extra["empty"] = True
        chunks = spec.chunks
        if self.dst_format == "hdf5" and spec.extra.get("layout") == "contiguous":
            chunks = None
        compression = self._compression(spec)
        return replace(
            spec,
            chunks=chunks,
            shards=spec.shards if self.dst_format == "zarr" else None,
            compression=compression,
            dims=merge_dims(spec.dims, dims),
            extra=extra,
        )

    def _compression(self, spec: ArraySpec) -> tuple[Filter, ...] | None:
        if self.compression == "default":
            return None
        numeric = isinstance(spec.datatype, np.dtype)
        return destination_filters(spec.compression or (), self.dst_format, numeric)

    def _job(self, src: Array, dst: Array) -> _Job:
        s, d = src.spec, dst.spec
        numeric = isinstance(s.datatype, np.dtype) and s.datatype == d.datatype
        raw = (
            numeric
            and bool(s.shape)
            and s.chunks is not None
            and s.chunks == d.chunks
            and not s.shards
            and not d.shards
            and same_stored_bytes(s.compression or (), d.compression or ())
            and src.file.format in ("hdf5", "zarr")
        )
        encode = None
        if not raw and self.dst_format == "hdf5" and numeric and d.chunks and bool(s.shape):
            encode = hdf5_encodable(d.compression or ())
        return _Job(src, dst, raw, encode)

    # ----- data
    def copy_data(self) -> None:
        if self.client is not None and self.dst_format == "zarr":
            remote = [j for j in self.jobs if _distributable(j)]
            self.jobs = [j for j in self.jobs if not _distributable(j)]
            self._copy_on_cluster(remote)
        with ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="nwbzarr-copy"
        ) as pool:
            pending: deque[Future[None]] = deque()
            limit = self.workers * 2
            for task in self._tasks():
                pending.append(pool.submit(task))
                while len(pending) >= limit:
                    pending.popleft().result()
            while pending:
                pending.popleft().result()

    def _copy_on_cluster(self, jobs: list[_Job]) -> None:
        """Submit the chunk copies of ``jobs`` to the dask cluster, ~64 MiB per task."""
        from distributed import as_completed

        futures = []
        for job in jobs:
            grid = job.dst.shards or job.dst.chunks or job.src.chunks or _block(job.src)
            regions = list(iter_blocks(job.src.shape, grid))
            per_region = max(1, job.src.nbytes // max(len(regions), 1))
            batch = max(1, CLUSTER_TASK_BYTES // per_region)
            doc = _metadata_document(job.dst)
            for start in range(0, len(regions), batch):
                futures.append(
                    self.client.submit(
                        copy_regions,
                        self.src_loc,
                        job.src.path,
                        self.dst_loc,
                        job.dst.path,
                        doc,
                        regions[start : start + batch],
                        grid,
                        job.raw,
                        pure=False,
                    )
                )
        for future in as_completed(futures):  # type: ignore[no-untyped-call]
            self.progress(int(future.result()))

    def _tasks(self) -> Iterator[Callable[[], None]]:
        for job in self.jobs:
            if job.src.size == 0 or job.dst.spec.extra.get("empty"):
                continue
            if not job.src.shape or not isinstance(job.src.datatype, np.dtype):
                yield self._whole(job)
                continue
            grid = job.dst.shards or job.dst.chunks or job.src.chunks
            if grid is None:
                grid = _block(job.src)
            for region in iter_blocks(job.src.shape, grid):
                yield self._chunk_task(job, region, grid)

    def _whole(self, job: _Job) -> Callable[[], None]:
        def run() -> None:
            values = job.src[()] if not job.src.shape else _read_text_blocks(job.src)
            job.dst[...] = values
            self.progress(job.src.nbytes)

        return run

    def _chunk_task(
        self, job: _Job, region: tuple[slice, ...], grid: tuple[int, ...]
    ) -> Callable[[], None]:
        def run() -> None:
            nbytes = int(np.prod([s.stop - s.start for s in region])) * job.src.dtype.itemsize
            if job.raw:
                index = chunk_index(region, grid)
                data = job.src.read_chunk_raw(index)
                if data is not None:
                    self._write_raw(job.dst, index, data)
                    self.progress(nbytes)
                    return
            values = job.src[region]
            if job.encode_hdf5 is not None:
                index = chunk_index(region, grid)
                encoded = encode_hdf5_chunk(values, grid, job.encode_hdf5, job.dst.fillvalue)
                self._write_raw(job.dst, index, encoded)
            elif self.dst_format == "hdf5":
                with self.h5_lock:
                    job.dst[region] = values
            else:
                job.dst[region] = values
            self.progress(nbytes)

        return run

    def _write_raw(self, dst: Array, index: tuple[int, ...], data: bytes) -> None:
        if self.dst_format == "hdf5":
            with self.h5_lock:
                dst.write_chunk_raw(index, data)
        else:
            dst.write_chunk_raw(index, data)


# --------------------------------------------------------------------------------------------
# One subtree at a time: the typed model's write
# --------------------------------------------------------------------------------------------
Defer = Callable[[Callable[[], object]], object]
"""Schedules work for the end of a write (``WriteContext.deferred.append``)."""


class NodeCopier(TreeCopier):
    """The tree copier on single nodes, for a write that copies containers read elsewhere.

    Within one format, chunking and compression are kept (raw chunks copied where they agree);
    across formats arrays get the destination's default compression. Links go to their final
    target, external ones re-expressed relative to the destination. With ``defer``, arrays
    and attributes holding references wait until the end of the write, when their targets
    exist. Members for which ``skip`` is true are left out (containers a write removed).
    """

    def __init__(
        self,
        src: Node,
        dst: Node,
        defer: Defer | None = None,
        skip: Callable[[Node], bool] | None = None,
    ) -> None:
        same_format = src.file.format == dst.file.format
        super().__init__(
            src.root,
            dst.root,
            _location(src),
            _location(dst),
            compression="keep" if same_format else "default",
        )
        self.defer = defer
        self.skip = skip

    def members_of(self, src: Group) -> list[tuple[str, Node | Link]]:
        members = super().members_of(src)
        skip = self.skip
        if skip is None:
            return members
        return [(k, m) for k, m in members if not (isinstance(m, Node) and skip(m))]

    def node(self, src: Node, parent: Group, name: str) -> Node:
        """Copy ``src`` (with its attributes and everything below) to ``parent/name``."""
        assert isinstance(src, Group | Array)
        if isinstance(src, Array) and self.defer is not None and _holds_reference(src.datatype):
            self.defer(partial(copy_node, src, parent, name, defer=self.defer, skip=self.skip))
            return src
        self.copy_node(parent, name, src, src.dims if isinstance(src, Array) else None)
        return parent[name]

    def array(
        self,
        src: Array,
        parent: Group,
        name: str,
        dims: tuple[str, ...] | None,
        attrs: Mapping[str, Any] | None,
    ) -> Array:
        """Copy the values of ``src`` to a new array ``parent/name`` with ``attrs``, ``dims``."""
        spec = self.dst_spec(src, None)
        if dims is not None:
            spec = replace(spec, dims=dims)
        fresh = _absent(parent, name)
        array = parent.create_array_from_spec(name, spec, attrs)
        if fresh:  # a merge view (appending) returns the stored array: kept as it is
            self.jobs.append(self._job(src, array))
        return array

    def copy_node(
        self, dst: Group, name: str, member: Group | Array, dims: tuple[str, ...] | None
    ) -> None:
        if isinstance(member, Array) and not _absent(dst, name):
            # only a merge view (appending) lets a stored array be created again: it is kept,
            # with what it lacks of the source's attributes
            self.missing(member, dst[name])
            return
        super().copy_node(dst, name, member, dims)

    def missing(self, src: Node, dst: Node) -> None:
        """Copy what ``dst`` lacks from ``src``: attributes, members (recursively in groups)."""
        for key, value, dtype in src.attrs.items_typed():
            if key in dst.attrs or key == ".specloc":
                continue
            if self.defer is not None and _holds_reference(dtype):
                self.defer(partial(dst.attrs.set, key, value, dtype))
            else:
                dst.attrs.set(key, value, dtype)
        if not isinstance(src, Group) or not isinstance(dst, Group):
            return
        for key, member in self.members_of(src):
            if key not in dst and dst.get_link(key) is None:
                if isinstance(member, SoftLink | ExternalLink):
                    self.copy_link(src, dst, key, member, {})
                else:
                    self.node(member, dst, key)
            elif isinstance(member, Group) and member.neurodata_type is None:
                existing = dst.get(key)
                if isinstance(existing, Group) and dst.get_link(key) is None:
                    self.missing(member, existing)

    def copy_link(
        self, src: Group, dst: Group, name: str, link: Link, dims: dict[str, tuple[str, ...]]
    ) -> None:
        dst.set_link(name, copied_link(link, src, dst))

    def finish(self) -> None:
        """Set the attributes holding references (now, or at the end) and copy the data."""
        for node, items in self.deferred:
            if self.defer is not None:
                self.defer(partial(node.attrs.update_typed, items))
            else:
                node.attrs.update_typed(items)
        self.deferred = []
        self.copy_data()
        self.jobs = []


def copy_node(
    src: Node,
    parent: Group,
    name: str,
    *,
    defer: Defer | None = None,
    skip: Callable[[Node], bool] | None = None,
) -> Node:
    """Copy ``src`` (group or array, attributes, links) to ``parent/name`` (see NodeCopier)."""
    copier = NodeCopier(src, parent, defer, skip)
    node = copier.node(src, parent, name)
    copier.finish()
    return node


def copy_array(
    src: Array,
    parent: Group,
    name: str,
    *,
    dims: tuple[str, ...] | None,
    attrs: Mapping[str, Any] | None,
) -> Array:
    """Copy the values of ``src`` to a new array ``parent/name`` with ``attrs`` (not those of
    ``src``) and ``dims`` (``None``: those of ``src``), chunk by chunk."""
    copier = NodeCopier(src, parent)
    array = copier.array(src, parent, name, dims, attrs)
    copier.finish()
    return array


def copy_missing(
    src: Node,
    dst: Node,
    *,
    defer: Defer | None = None,
    skip: Callable[[Node], bool] | None = None,
) -> None:
    """Copy what ``dst`` lacks from ``src``: attributes and members, recursively in groups
    without a neurodata type (see NodeCopier)."""
    copier = NodeCopier(src, dst, defer, skip)
    copier.missing(src, dst)
    copier.finish()


def copied_link(link: Link, src: Group, dst: Group) -> Link:
    """A link of ``src`` as ``dst`` stores it: to its final target (see ``direct_link``), an
    external link's source relative to ``dst``'s file."""
    final = direct_link(src.root, link)
    if isinstance(final, SoftLink) or src.file is dst.file:
        return final
    return relink(final, src.file, dst.file)


def _absent(group: Group, name: str) -> bool:
    return name not in group and group.get_link(name) is None


def _location(node: Node) -> Location:
    return file_location(node.file) or resolve(node.file.location)


CLUSTER_TASK_BYTES = 64 << 20


def _distributable(job: _Job) -> bool:
    return (
        isinstance(job.src.datatype, np.dtype)
        and bool(job.src.shape)
        and job.src.nbytes >= CLUSTER_TASK_BYTES // 8
    )


def _metadata_document(dst: Array) -> dict[str, Any]:
    """The Zarr metadata a worker needs to write ``dst``'s chunks (Zarr destinations only)."""
    from nwbzarr.backends.zarr import ZarrArray

    if not isinstance(dst, ZarrArray):
        raise UnsupportedFeatureError(
            f"{dst.describe()}: chunk copies on a dask cluster write Zarr destinations only"
        )
    return dst.metadata_document()


def copy_regions(
    src_loc: Location,
    src_path: str,
    dst_loc: Location,
    dst_path: str,
    dst_doc: dict[str, Any],
    regions: list[tuple[slice, ...]],
    grid: tuple[int, ...],
    raw: bool,
) -> int:
    """Copy ``regions`` of one array on a dask worker (the source is opened once per process)."""
    from nwbzarr.backends.zarr_stores import array_writer
    from nwbzarr.reopen import reopen

    src = reopen(src_loc).array(src_path)
    dst = array_writer(dst_loc, dst_path, dst_doc)
    nbytes = 0
    for region in regions:
        data = src.read_chunk_raw(chunk_index(region, grid)) if raw else None
        if data is not None:
            dst.write_chunk(chunk_index(region, grid), data)
        else:
            dst.write(region, src[region])
        nbytes += int(np.prod([r.stop - r.start for r in region])) * src.dtype.itemsize
    return nbytes


def _holds_reference(dtype: DType) -> bool:
    if isinstance(dtype, ReferenceType):
        return True
    return isinstance(dtype, CompoundType) and any(_holds_reference(t) for _, t in dtype.fields)


def _read_text_blocks(src: Array) -> Any:
    # Text, reference and compound arrays of NWB are small (tables, specs): read them at once.
    return src[...]


def _block(src: Array) -> tuple[int, ...]:
    from nwbzarr.tree import block_shape

    return block_shape(src.shape, src.dtype.itemsize)


def _join(parent: str, name: str) -> str:
    return f"{parent.rstrip('/')}/{name}"


__all__ = [
    "CompressionMode",
    "Defer",
    "LinkMode",
    "NodeCopier",
    "TreeCopier",
    "copied_link",
    "copy_array",
    "copy_missing",
    "copy_node",
    "copy_regions",
]
