"""Reference files (kerchunk version 1 JSON, LINDI ``.lindi.json`` and ``.lindi.tar``) as a store.

A reference file maps every key of a Zarr format 2 store to its bytes: inline (text, or
``base64:`` text) or as a byte range of another file (``[url]``, ``[url, offset, size]``,
with ``{{name}}`` templates). :func:`load_references` reads one, local or remote (a LINDI tar
through its ``.tar_entry.json`` / ``.tar_index.json`` in three ranged reads), and
:class:`ReferenceStore` serves it to zarr-python: inline values from memory, byte ranges by
ranged reads of their files, and the chunks of arrays the file does not list (LINDI's
external array links) from their :class:`ChunkSource`. Where a url points is decided above
this layer: the store is given a ``locate`` function (the link policy of
:func:`nwbzarr.open`), called once per url before anything is read from it, so a url outside
the allowed origin is refused.

LINDI's annotations are rewritten, once, into the conventions the Zarr backend reads (see
:mod:`nwbzarr.backends.lindi`), and a consolidated ``.zmetadata`` is made from the documents,
so opening reads no object after the reference file itself.
"""

from __future__ import annotations

import base64
import json
import tarfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from zarr.abc.buffer import Buffer, BufferPrototype
from zarr.abc.store import ByteRequest

from nwbzarr.backends.readstore import ReadOnlyStore, SourceReader, slice_bytes
from nwbzarr.backends.zarr import ZarrFile
from nwbzarr.errors import FormatError
from nwbzarr.storage import TAR_ENTRY, Location, open_binary

TAR_INDEX_ENTRY = 512  # its data offset: right after its own 512-byte tar header


@dataclass(frozen=True, slots=True)
class ByteRange:
    """A key's bytes in another file: ``url`` (as written), ``offset``, ``size`` (None: all)."""

    url: str
    offset: int
    size: int | None


Locate = Callable[[str], Location]
"""Where a reference's url points (relative to the reference file), under the link policy."""


class ChunkSource(Protocol):
    """The chunks of an array that a reference file does not list, made on request
    (:class:`~nwbzarr.backends.lindi_external.ExternalArray`: LINDI's external array links)."""

    def has(self, name: str) -> bool:
        """Whether ``name`` (a chunk key inside the array) is one of its chunks (no I/O)."""
        ...

    async def chunk(self, name: str, store: ReferenceStore) -> bytes | None:
        """The encoded chunk ``name``, its files located and read through ``store``."""
        ...

    def close(self) -> None: ...


@dataclass
class References:
    """A parsed reference file: key -> bytes or :class:`ByteRange`, and tar members by name."""

    location: Location
    refs: dict[str, bytes | ByteRange]
    members: dict[str, tuple[int, int]]  # LINDI tar: member name -> (data offset, size)
    metadata: dict[str, Any]  # the file's other top-level entries (generation_metadata...)
    arrays: dict[str, ChunkSource] = field(default_factory=dict)  # array path -> its chunks


class RangeReader(Protocol):
    """Ranged reads of one file (:class:`~nwbzarr.backends.readstore.SourceReader`)."""

    async def read(self, start: int, stop: int) -> bytes: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------------------------
# reading a reference file
# --------------------------------------------------------------------------------------------
def load_references(loc: Location, fileobj: Any = None) -> References:
    """Read the reference file at ``loc`` (JSON or LINDI tar, local or remote), through
    ``fileobj`` if it is given (the remote file format detection opened: its first block
    is read already)."""
    with fileobj if fileobj is not None else _open(loc) as fh:
        head = fh.read(1536)
        if head[257:262] == b"ustar":
            members = _tar_members(loc, fh, head)
            if "lindi.json" not in members:
                raise FormatError(f"{loc}: a tar without lindi.json is not a LINDI file")
            start, size = members["lindi.json"]
            fh.seek(start)
            text = fh.read(size)
        else:
            members = {}
            text = head + fh.read()
    try:
        document = json.loads(text.rstrip(b" \n\r\t\0"))
    except ValueError as err:
        raise FormatError(f"{loc}: not a reference file (malformed JSON: {err})") from err
    return parse_references(loc, document, members)


def read_member(references: References, ref: ByteRange, limit: int) -> bytes | None:
    """The bytes of ``ref`` if it names a member of the LINDI tar (at most ``limit``), else None
    (bytes of other files are read through the store, under the link policy)."""
    members = references.members
    member = next((n for n in (ref.url, ref.url.removeprefix("./")) if n in members), None)
    if member is None:
        return None
    start, size = members[member]
    length = size - ref.offset if ref.size is None else ref.size
    if ref.offset + length > size or length > limit:
        return None
    with _open(references.location) as fh:
        fh.seek(start + ref.offset)
        data: bytes = fh.read(length)
    return data


def _open(loc: Location) -> Any:
    if loc.is_local:
        try:
            return open(loc.path, "rb")
        except FileNotFoundError as err:
            raise FileNotFoundError(f"{loc}: no such reference file") from err
    return open_binary(loc)


def _tar_members(loc: Location, fh: Any, head: bytes) -> dict[str, tuple[int, int]]:
    """Members of a LINDI tar: from its index entry (two reads), else by walking the headers."""
    if head[: len(TAR_ENTRY)] == TAR_ENTRY.encode():
        try:
            entry = json.loads(head[TAR_INDEX_ENTRY : TAR_INDEX_ENTRY + 1024])["index"]
            fh.seek(int(entry["d"]))
            index = json.loads(fh.read(int(entry["s"])).rstrip(b" \n\r\t\0"))
            return {
                str(f["n"]): (int(f["d"]), int(f["s"]))
                for f in index["files"]
                if not str(f["n"]).startswith("./trash/")
            }
        except (ValueError, KeyError, TypeError) as err:
            raise FormatError(f"{loc}: malformed LINDI tar index: {err}") from err
    fh.seek(0)
    try:
        with tarfile.open(fileobj=fh, mode="r:") as tar:
            return {m.name: (m.offset_data, m.size) for m in tar.getmembers() if m.isfile()}
    except tarfile.TarError as err:
        raise FormatError(f"{loc}: malformed tar: {err}") from err


def parse_references(
    loc: Location, document: Any, members: dict[str, tuple[int, int]] | None = None
) -> References:
    """The :class:`References` of a parsed reference document (kerchunk version 0 or 1)."""
    if not isinstance(document, dict):
        raise FormatError(f"{loc}: a reference file holds an object, not {type(document).__name__}")
    version = document.get("version", 0)
    if document.get("gen"):
        raise FormatError(f"{loc}: generated references ('gen') are not supported")
    raw = document.get("refs", document) if version == 1 else document
    if not isinstance(raw, dict):
        raise FormatError(f"{loc}: 'refs' must be an object, not {type(raw).__name__}")
    templates = document.get("templates") or {}
    refs: dict[str, bytes | ByteRange] = {}
    for key, value in raw.items():
        if version != 1 and key in ("version", "templates", "gen"):
            continue
        refs[str(key)] = _reference(loc, str(key), value, templates)
    other = {k: v for k, v in document.items() if k not in ("refs", "templates", "gen")}
    return References(loc, refs, dict(members or {}), other if version == 1 else {})


def _reference(loc: Location, key: str, value: Any, templates: dict[str, Any]) -> bytes | ByteRange:
    if isinstance(value, str):
        if value.startswith("base64:"):
            try:
                return base64.b64decode(value[7:], validate=False)
            except ValueError as err:
                raise FormatError(f"{loc}: {key}: malformed base64 value: {err}") from err
        return value.encode("utf-8")
    if isinstance(value, dict):
        return json.dumps(value).encode()  # metadata written as JSON objects (version 0 files)
    if isinstance(value, list) and value and isinstance(value[0], str | type(None)):
        url = _expand(str(value[0] or ""), templates)
        try:
            if len(value) == 1:
                return ByteRange(url, 0, None)
            if len(value) == 3:
                offset, size = int(value[1]), int(value[2])
                if offset >= 0 and size >= 0:
                    return ByteRange(url, offset, size)
        except (TypeError, ValueError):
            pass
    raise FormatError(
        f"{loc}: {key}: malformed reference {json.dumps(value)[:80]} "
        "(expected text, base64:..., [url] or [url, offset, size])"
    )


def _expand(url: str, templates: dict[str, Any]) -> str:
    if "{{" not in url:
        return url
    for name, text in templates.items():
        url = url.replace("{{" + str(name) + "}}", str(text))
    return url


# --------------------------------------------------------------------------------------------
# the store
# --------------------------------------------------------------------------------------------
class _TarMember:
    """Ranged reads of one member of a tar, through the reader of the tar."""

    def __init__(self, tar: RangeReader, start: int, size: int) -> None:
        self._tar, self._start, self._size = tar, start, size

    async def read(self, start: int, stop: int) -> bytes:
        stop = min(stop, self._size)
        return (
            await self._tar.read(self._start + start, self._start + stop) if stop > start else b""
        )

    def close(self) -> None:
        pass


class ReferenceStore(ReadOnlyStore):
    """A read-only zarr store over :class:`References`: byte ranges read from their files."""

    def __init__(self, references: References, locate: Locate) -> None:
        super().__init__(read_only=True)
        self.references = references
        self._locate = locate
        self._readers: dict[str, RangeReader] = {}
        self._tar: RangeReader | None = None
        self._is_open = True

    def __eq__(self, value: object) -> bool:
        return isinstance(value, ReferenceStore) and value.references is self.references

    def __hash__(self) -> int:
        return id(self.references)

    def __repr__(self) -> str:
        return f"ReferenceStore({self.references.location.path!r})"

    def locate(self, url: str) -> Location:
        """Where ``url`` points (relative to the reference file), under the link policy."""
        return self._locate(url)

    def read_only_reason(self) -> str:
        return f"{self.references.location}: a reference file is read-only"

    def reader(self, url: str) -> RangeReader:
        """The reader of ``url`` (a tar member, or a file located under the link policy)."""
        found = self._readers.get(url)
        if found is not None:
            return found
        members = self.references.members
        member = next((n for n in (url, url.removeprefix("./")) if n in members), None)
        reader: RangeReader
        if member is not None:
            if self._tar is None:
                self._tar = SourceReader(self.references.location)
            reader = _TarMember(self._tar, *members[member])
        else:
            reader = SourceReader(self._locate(url))
        self._readers[url] = reader
        return reader

    async def _read(self, key: str, ref: ByteRange, byte_range: ByteRequest | None) -> bytes:
        reader = self.reader(ref.url)
        if ref.size is None:
            data = await _read_all(reader)
        else:
            data = await reader.read(ref.offset, ref.offset + ref.size)
            if len(data) != ref.size:
                raise FormatError(
                    f"{self.references.location}: {key}: {ref.url} holds {len(data)} of the "
                    f"{ref.size} bytes referenced at offset {ref.offset} (the file changed "
                    "after indexing)"
                )
        return slice_bytes(data, byte_range)

    # ----- Store API
    async def get(
        self, key: str, prototype: BufferPrototype, byte_range: ByteRequest | None = None
    ) -> Buffer | None:
        value = self.references.refs.get(key)
        if value is None:
            found = self._chunk_source(key)
            if found is None:
                return None
            data = await found[0].chunk(found[1], self)
            return (
                None if data is None else prototype.buffer.from_bytes(slice_bytes(data, byte_range))
            )
        if isinstance(value, ByteRange):
            data = await self._read(key, value, byte_range)
        else:
            data = slice_bytes(value, byte_range)
        return prototype.buffer.from_bytes(data)

    async def exists(self, key: str) -> bool:
        if key in self.references.refs:
            return True
        found = self._chunk_source(key)
        return found is not None and found[0].has(found[1])

    def _chunk_source(self, key: str) -> tuple[ChunkSource, str] | None:
        """The source of ``key`` if it is a chunk of an array with unlisted chunks, and the
        chunk's name inside the array."""
        for path, source in self.references.arrays.items():
            if key.startswith(f"{path}/"):
                return source, key[len(path) + 1 :]
        return None

    @property
    def supports_listing(self) -> bool:
        return True

    async def list(self) -> AsyncIterator[str]:
        for key in list(self.references.refs):
            yield key

    async def list_prefix(self, prefix: str) -> AsyncIterator[str]:
        for key in list(self.references.refs):
            if key.startswith(prefix):
                yield key

    async def list_dir(self, prefix: str) -> AsyncIterator[str]:
        base = prefix.rstrip("/") + "/" if prefix.strip("/") else ""
        seen: set[str] = set()
        for key in list(self.references.refs):
            if key.startswith(base):
                name = key[len(base) :].split("/", 1)[0]
                if name and name not in seen:
                    seen.add(name)
                    yield name

    def close(self) -> None:
        for source in self.references.arrays.values():
            source.close()
        for reader in self._readers.values():
            reader.close()
        if self._tar is not None:
            self._tar.close()
        self._readers.clear()
        super().close()


class ReferenceFile(ZarrFile):
    """A reference file opened as a (read-only, format 2) Zarr file over a :class:`ReferenceStore`.

    Its links and references are relative to the directory that holds it.
    """

    reference_file = True

    @property
    def storage_format(self) -> str:
        return "references"


async def _read_all(reader: RangeReader) -> bytes:
    """A whole file by ranged reads of 16 MiB (a reference without offset and size)."""
    parts: list[bytes] = []
    start = 0
    while True:
        block = await reader.read(start, start + (16 << 20))
        parts.append(block)
        if len(block) < 16 << 20:
            return b"".join(parts)
        start += len(block)


__all__ = [
    "ByteRange",
    "ChunkSource",
    "Locate",
    "ReferenceFile",
    "ReferenceStore",
    "References",
    "load_references",
    "parse_references",
    "read_member",
]
