"""Following links across files and formats, under a link policy.

An :class:`ExternalLink` source is resolved against the linking file: for HDF5 against the
directory that holds the file (what HDF5 itself does), for Zarr against the store directory
(the hdmf-zarr convention: a sibling store is ``"../other.nwb.zarr"``). The target may be
either format. Opened targets are cached per resolver, so a chain of files is opened once.

Policies (``links=``):

* ``"all"``: follow any link (default for local files).
* ``"same-origin"``: follow only links to the same scheme and host (and bucket) as the file
  that was opened, never to local paths or other hosts, and never ``..`` out of the bucket
  (default for files opened from a URL).
* ``"none"``: follow no external link.
"""

from __future__ import annotations

import os
import posixpath
import threading
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from nwbzarr.errors import LinkError, LinkPolicyError
from nwbzarr.storage import Location, is_url
from nwbzarr.tree import MAX_LINK_HOPS, ExternalLink, File, Group, Link, Node, SoftLink

LinkPolicy = Literal["same-origin", "all", "none"]
POLICIES = ("same-origin", "all", "none")


def base_is_dir(file: File) -> bool:
    """Zarr link sources are relative to the store itself, HDF5 ones (and those of reference
    files: kerchunk, LINDI) to the file's directory."""
    return file.format == "zarr" and not getattr(file, "reference_file", False)


class Resolver:
    """Opens the targets of external links from files opened through :func:`nwbzarr.open`."""

    def __init__(
        self,
        origin: Location,
        policy: LinkPolicy,
        opener: Callable[[Location, Resolver], Group],
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"links={policy!r}: expected one of {POLICIES}")
        self.origin = origin
        self.policy = policy
        self._opener = opener
        self._open: dict[str, Group] = {}
        self._lock = threading.Lock()
        self.locations: dict[int, Location] = {}

    def location_of(self, file: File) -> Location:
        loc = self.locations.get(id(file))
        if loc is None:
            raise LinkError(f"{file.location}: unknown file for link resolution")
        return loc

    def target_location(self, link: ExternalLink, origin_file: File) -> Location:
        base = self.location_of(origin_file)
        source = link.source
        if self.policy == "none":
            raise LinkPolicyError(
                f"{origin_file.location}: external link to {source}:{link.path} not followed "
                "(links='none')"
            )
        target = base.resolve_relative(source, base_is_dir=base_is_dir(origin_file))
        if self.policy == "same-origin":
            self._check_same_origin(link, base, target, origin_file)
        return target

    def reference_target(self, url: str, base: Location) -> Location:
        """Where the byte-range reference ``url`` of a reference file (kerchunk, LINDI) points.

        ``url`` is resolved against the directory ``base`` of the reference file. Unless the
        policy is ``"all"``, it must stay on the origin of the file that was opened (for a
        reference file, ``"none"`` means ``"same-origin"`` too: its references are its data).
        """
        target = base.resolve_relative(url, base_is_dir=True)
        if self.policy != "all":
            reason = self._origin_violation(url, base, target, dir_base=True)
            if reason is not None:
                raise LinkPolicyError(
                    f"{self.origin}: byte-range reference to {url} refused: {reason} "
                    f"(links={self.policy!r}; pass links='all' to follow it)"
                )
        return target

    def _check_same_origin(
        self, link: ExternalLink, base: Location, target: Location, file: File
    ) -> None:
        reason = self._origin_violation(link.source, base, target, dir_base=base_is_dir(file))
        if reason is not None:
            raise LinkPolicyError(
                f"{file.location}: link to {link.source}:{link.path} refused: {reason} "
                f"(links='same-origin', the default for URLs; pass links='all' to follow it)"
            )

    def _origin_violation(
        self, source: str, base: Location, target: Location, *, dir_base: bool
    ) -> str | None:
        if self.origin.is_local:
            return None
        if source.startswith("file:") or (not is_url(source) and os.path.isabs(source)):
            return "a file opened from a URL may not link to local paths"
        if target.is_local or target.origin != self.origin.origin:
            return f"{target.path} is not on {self.origin.origin}"
        if self.origin.protocol in ("s3", "gs", "gcs", "az", "abfs", "memory"):
            bucket = urlsplit(self.origin.path).netloc
            if urlsplit(target.path).netloc != bucket:
                return f"it leaves the bucket {bucket!r}"
        base_parts = urlsplit(base.path).path.split("/")
        if ".." in source.split("/") and not is_url(source):
            depth = len([p for p in base_parts if p]) - (0 if dir_base else 1)
            ups = 0
            level = 0
            for part in source.split("/"):
                level = level - 1 if part == ".." else level + (1 if part not in ("", ".") else 0)
                ups = min(ups, level)
            if -ups > depth:
                return f"'..' escapes {self.origin.origin}"
        return None

    def open_external(self, link: ExternalLink, origin: File) -> Group:
        target = self.target_location(link, origin)
        key = target.path
        with self._lock:
            group = self._open.get(key)
            if group is not None and not group.file.closed:
                return group
        try:
            group = self._opener(target, self)
        except FileNotFoundError as err:
            raise LinkError(
                f"{origin.location}: broken external link to {link.source}:{link.path}: "
                f"{target.path} does not exist"
            ) from err
        except OSError as err:
            raise LinkError(
                f"{origin.location}: cannot open the target of the external link "
                f"{link.source}:{link.path} ({target.path}): {err}"
            ) from err
        with self._lock:
            self._open[key] = group
        return group

    def close(self) -> None:
        with self._lock:
            groups = list(self._open.values())
            self._open.clear()
        for group in groups:
            group.file.close()


def file_location(file: File) -> Location | None:
    """Where ``file`` lives, if it was opened through :func:`nwbzarr.open` (else None)."""
    resolver = file.resolver
    if not isinstance(resolver, Resolver):
        return None
    return resolver.locations.get(id(file))


def external_link_to(dst: File, target: Node) -> ExternalLink | None:
    """A link from ``dst`` to ``target`` (a node of another file), its source relative to
    ``dst`` as HDF5 and hdmf-zarr expect it; None where either location is unknown."""
    here, there = file_location(dst), file_location(target.file)
    if here is None or there is None:
        return None
    source = here.relative_to_base(there, base_is_dir=base_is_dir(dst))
    return ExternalLink(source, target.path)


def _first_link(root: Group, path: str) -> tuple[Link, str] | None:
    """The first link met walking ``path`` from ``root`` (links not followed), with the part
    of ``path`` below it; None if no member along ``path`` is a link."""
    parts = [p for p in path.split("/") if p and p != "."]
    node: Node = root
    for i, part in enumerate(parts):
        if not isinstance(node, Group):
            return None
        member = node._member(part)
        if member is None:
            return None
        if isinstance(member, SoftLink | ExternalLink):
            return member, "/".join(parts[i + 1 :])
        node = member
    return None


def _below(path: str, rest: str) -> str:
    return posixpath.join(path, rest) if rest else path


def direct_link(root: Group, link: Link, *, across_files: bool = True) -> Link:
    """``link`` (as stored in the file of ``root``) re-pointed at its final target.

    A link whose path crosses another link (``/acquisition/ts/timestamps`` where
    ``/acquisition/ts`` is itself a link) becomes a link to the object that path leads to: a
    soft link where it stays in the file, else an external link to the file that holds it.
    pynwb writes links so, and hdmf-zarr follows no link through another one. Other files
    are opened through the file's link resolver to follow their links too; where one cannot
    be opened, the link names the last file reached. With ``across_files=False`` only soft
    links are followed (for a copy in which external links become the data they name).
    """
    for _ in range(MAX_LINK_HOPS):
        if isinstance(link, SoftLink):
            hit = _first_link(root, link.path)
            if hit is None:
                return link
            inner, rest = hit
            if not across_files and isinstance(inner, ExternalLink):
                return link
            if isinstance(inner, SoftLink):
                link = SoftLink(_below(inner.path, rest))
            else:
                link = ExternalLink(inner.source, _below(inner.path, rest))
            continue
        if not across_files:
            return link
        followed = _follow_external(root, link)
        if followed is None:
            return link
        link = followed
        if isinstance(link, ExternalLink):
            return link
    raise LinkError(
        f"{root.file.location}: link cycle: more than {MAX_LINK_HOPS} links followed towards "
        f"{link!r}"
    )


def _follow_external(root: Group, link: ExternalLink) -> Link | None:
    """The final target of ``link`` inside its file, re-expressed from ``root``'s file; None
    where that file cannot be opened or the path crosses no link there."""
    resolver = root.file.resolver
    if resolver is None:
        return None
    try:
        other = resolver.open_external(link, root.file)
    except (LinkError, OSError):
        return None
    if _first_link(other, link.path) is None:
        return None
    inner = direct_link(other, SoftLink(link.path))
    if isinstance(inner, SoftLink):
        return ExternalLink(link.source, inner.path)
    here, there = file_location(root.file), file_location(other.file)
    if here is None or there is None:
        return ExternalLink(inner.source, inner.path)
    target = there.resolve_relative(inner.source, base_is_dir=base_is_dir(other.file))
    if target.path == here.path:
        return SoftLink(inner.path)
    return ExternalLink(
        here.relative_to_base(target, base_is_dir=base_is_dir(root.file)), inner.path
    )


def relink(link: ExternalLink, src: File, dst: File) -> Link:
    """``link`` of file ``src`` as stored in file ``dst``: its source re-expressed relative to
    ``dst`` (a soft link if it names ``dst`` itself); unchanged where a location is unknown."""
    here, there = file_location(src), file_location(dst)
    if here is None or there is None:
        return link
    target = here.resolve_relative(link.source, base_is_dir=base_is_dir(src))
    if target.path == there.path:
        return SoftLink(link.path)
    return ExternalLink(there.relative_to_base(target, base_is_dir=base_is_dir(dst)), link.path)


__all__ = [
    "POLICIES",
    "LinkPolicy",
    "Resolver",
    "base_is_dir",
    "direct_link",
    "external_link_to",
    "file_location",
    "relink",
]
