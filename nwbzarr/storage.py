"""One door for store-like inputs: local paths, file objects and URLs become a :class:`Location`.

Remote paths come in through fsspec only (``fsspec.core.url_to_fs``), or obstore for Zarr on
S3/GCS/HTTP when it is installed. Relative link sources are resolved here too, so that a set of
files keeps working after it is moved, or uploaded together to an object store.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from nwbzarr.errors import FormatError

ZARR_SUFFIXES = (".zarr", ".zarr/")
ROOT_MARKERS = ("zarr.json", ".zmetadata", ".zgroup")
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
HDF5_SUFFIXES = (".nwb", ".h5", ".hdf5", ".hdf", ".he5")
ICECHUNK_SUFFIXES = (".icechunk",)
# reference files (kerchunk JSON, LINDI JSON and tar): a Zarr 2 store as a map of references
REFERENCE_SUFFIXES = (".lindi.json", ".lindi.tar", ".kerchunk.json", ".refs.json")
TAR_ENTRY = ".tar_entry.json"  # a LINDI tar's first member: where its index is
SNIFF_BYTES = 1 << 16  # first bytes read to tell a file's format (within a remote first block)


@dataclass(frozen=True)
class Location:
    """Where a file or store lives. ``path`` is absolute for local files, a URL otherwise."""

    path: str
    protocol: str = "file"
    storage_options: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_local(self) -> bool:
        return self.protocol == "file"

    @property
    def origin(self) -> str:
        """Scheme and host (and bucket for object stores): what same-origin compares."""
        if self.is_local:
            return "file://"
        parts = urlsplit(self.path)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def name(self) -> str:
        return posixpath.basename(self.path.rstrip("/"))

    def __str__(self) -> str:
        return self.path

    def sibling(self, name: str) -> Location:
        return self.resolve_relative(name, base_is_dir=False)

    def resolve_relative(self, source: str, *, base_is_dir: bool) -> Location:
        """Resolve ``source`` against this location's directory (or itself if ``base_is_dir``)."""
        if is_url(source) or os.path.isabs(source):
            return resolve(source, self.storage_options)
        if self.is_local:
            base = self.path if base_is_dir else os.path.dirname(self.path)
            return Location(os.path.normpath(os.path.join(base, source)))
        parts = urlsplit(self.path)
        base = parts.path if base_is_dir else posixpath.dirname(parts.path.rstrip("/"))
        joined = posixpath.normpath(posixpath.join(base or "/", source))
        url = f"{parts.scheme}://{parts.netloc}{joined if joined.startswith('/') else '/' + joined}"
        return Location(url, self.protocol, self.storage_options)

    def relative_to_base(self, target: Location, *, base_is_dir: bool) -> str:
        """``target`` written relative to this location (absolute where no relative form exists)."""
        if target.is_local and self.is_local:
            base = self.path if base_is_dir else os.path.dirname(self.path)
            return os.path.relpath(target.path, base)
        if target.origin == self.origin and not target.is_local:
            base = urlsplit(self.path).path
            base = base if base_is_dir else posixpath.dirname(base.rstrip("/"))
            return posixpath.relpath(urlsplit(target.path).path, base or "/")
        return target.path


def is_url(value: str) -> bool:
    scheme = urlsplit(value).scheme
    return len(scheme) > 1 and "://" in value


def resolve(
    path_or_url: str | os.PathLike[str] | Location, storage_options: dict[str, Any] | None = None
) -> Location:
    """Turn a path or URL into a :class:`Location`."""
    if isinstance(path_or_url, Location):
        return path_or_url
    text = os.fspath(path_or_url)
    if text.startswith("file://"):
        text = text[len("file://") :]
    if is_url(text):
        scheme = urlsplit(text).scheme
        protocol = {"s3a": "s3", "gcs": "gs", "http": "https"}.get(scheme, scheme)
        return Location(
            text.rstrip("/") if not text.endswith("://") else text,
            protocol,
            dict(storage_options or {}),
        )
    return Location(os.path.abspath(os.path.expanduser(text)))


def call_options(
    storage_options: dict[str, Any] | None,
    src_storage_options: dict[str, Any] | None = None,
    dst_storage_options: dict[str, Any] | None = None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The storage options of a call's source and of its destination.

    ``storage_options`` applies to every remote location of the call (as in fsspec, xarray
    and zarr); ``src_storage_options`` / ``dst_storage_options``, when given, replace it for
    their side only.
    """
    src = storage_options if src_storage_options is None else src_storage_options
    dst = storage_options if dst_storage_options is None else dst_storage_options
    return src, dst


def filesystem(loc: Location) -> tuple[Any, str]:
    """The fsspec filesystem and path of a remote location."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(loc.path, **loc.storage_options)
    except ImportError as err:
        package = {"s3": "s3fs", "https": "aiohttp", "gs": "gcsfs"}.get(loc.protocol, loc.protocol)
        raise ImportError(
            f"{loc.path}: reading {loc.protocol}:// needs an fsspec implementation "
            f"(pip install {package}): {err}"
        ) from err
    return fs, path


def family_member(path: str, index: int) -> str:
    """Member ``index`` of the HDF5 family ``path`` (``x_%d.nwb`` -> ``x_0.nwb``)."""
    return path.replace("%d", str(index))


def is_family(loc: Location) -> bool:
    """A local HDF5 family (``x_%d.nwb``); a file or store of that very name is not one."""
    return loc.is_local and "%d" in loc.path and not os.path.exists(loc.path)


def exists(loc: Location) -> bool:
    if loc.is_local:
        if is_family(loc):
            return os.path.exists(family_member(loc.path, 0))
        return os.path.exists(loc.path)
    fs, path = filesystem(loc)
    return bool(fs.exists(path)) or bool(fs.exists(path.rstrip("/") + "/zarr.json"))


def remove(loc: Location) -> None:
    """Delete a destination (file or store directory)."""
    if loc.is_local:
        if is_family(loc):
            i = 0
            while os.path.exists(family_member(loc.path, i)):
                os.remove(family_member(loc.path, i))
                i += 1
        elif os.path.isdir(loc.path):
            # The root documents mark a store complete: remove them first, so that a removal
            # killed half-way never leaves the old marker above missing chunks; then move the
            # rest aside in one atomic rename before deleting it.
            for marker in ROOT_MARKERS:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(loc.path, marker))
            doomed = f"{loc.path.rstrip(os.sep)}.deleting-{os.getpid()}"
            os.rename(loc.path, doomed)
            shutil.rmtree(doomed)
        elif os.path.exists(loc.path):
            os.remove(loc.path)
        return
    fs, path = filesystem(loc)
    if fs.exists(path):
        for marker in ROOT_MARKERS:
            with contextlib.suppress(FileNotFoundError):
                fs.rm(f"{path.rstrip('/')}/{marker}")
        fs.rm(path, recursive=True)


def guess_format(loc: Location) -> str:
    """``"hdf5"``, ``"zarr"``, ``"icechunk"`` or ``"references"``: :func:`detect`'s verdict.

    A remote location's first bytes are read to decide (and dropped here: openers call
    :func:`detect` instead, to reuse them).
    """
    found = detect(loc)
    if found.fileobj is not None:
        found.fileobj.close()
    return found.format


@dataclass
class Detected:
    """The format of a location and, for a remote file, the file object its first bytes
    were read through (its first block cached): whoever opens the file next reads on from
    it, so that detection costs no request of its own."""

    format: str
    fileobj: Any = None


def detect(loc: Location) -> Detected:
    """The format of ``loc``, from its content.

    Local files are told by their first bytes (HDF5 signature, a reference JSON or LINDI tar),
    directories by their content (an Icechunk repository's ``repo`` object, Zarr's root
    documents). Remote locations are told the same way, in as few requests as opening
    needs anyway: the object is opened for ranged reads (its size, then its first block,
    which an HDF5 open reads first) and its first bytes decide; where there is no such
    object (a prefix), an Icechunk ``repo`` object, then a Zarr ``zarr.json`` / ``.zgroup``,
    is looked for under it. Only the names of prefixes short-cut it: ``.zarr`` (and
    ``.zarr.zip``) is Zarr, ``.icechunk`` an Icechunk repository, as a sniff of a prefix
    would be one request lost.

    Parameters
    ----------
    loc
        The location (see :func:`resolve`), with its storage options.

    Returns
    -------
    Detected
        ``format`` is ``"hdf5"``, ``"zarr"``, ``"icechunk"`` or ``"references"``; for a
        remote HDF5 or reference file, ``fileobj`` is the file object its first bytes were
        read through (pass it on, or close it).

    Raises
    ------
    FileNotFoundError
        Nothing is there (no file, object, store or repository).
    FormatError
        Something is there, but none of the formats.

    Examples
    --------
    >>> found = detect(resolve("s3://bucket/blobs/0a1b2c"))  # doctest: +SKIP
    >>> found.format, found.fileobj.requests                # doctest: +SKIP
    ('hdf5', 1)
    """
    if loc.is_local:
        return Detected(_local_format(loc))
    by_name = guess_format_from_name(urlsplit(loc.path).path)
    if by_name in ("zarr", "icechunk"):
        return Detected(by_name)
    return _detect_remote(loc, by_name)


def _local_format(loc: Location) -> str:
    """A local file's or directory's format (an HDF5 family's, from its first member)."""
    if is_family(loc):
        if os.path.isfile(family_member(loc.path, 0)):
            return "hdf5"
        raise FileNotFoundError(f"{loc.path}: no such file or store (nor HDF5 family member 0)")
    if os.path.isdir(loc.path):
        if is_icechunk_dir(loc.path):
            return "icechunk"
        if any(os.path.exists(os.path.join(loc.path, n)) for n in ROOT_MARKERS):
            return "zarr"
        if os.listdir(loc.path):
            return "zarr"  # incomplete store: the Zarr backend says so
        raise FormatError(f"{loc.path}: an empty directory is neither HDF5 nor Zarr")
    if os.path.isfile(loc.path):
        return _format_of_file(loc.path)
    raise FileNotFoundError(f"{loc.path}: no such file or store")


def _detect_remote(loc: Location, by_name: str | None) -> Detected:
    """Read the first bytes of the object at ``loc``; else look under it as a prefix.

    S3 answers 403, not 404, for a missing key to whoever may not list the bucket: a denied
    object may be a prefix too, and the denial is raised only if nothing is found under it.
    """
    denied: PermissionError | None = None
    try:
        fileobj = open_binary(loc)
    except (FileNotFoundError, IsADirectoryError):
        fileobj = None
    except PermissionError as err:
        fileobj, denied = None, err
    head = b""
    if fileobj is not None:
        head = fileobj.read(SNIFF_BYTES)
        fileobj.seek(0)
        found = format_of_head(head)
        if found is None and head and by_name == "hdf5":
            found = "hdf5"  # damaged, or not HDF5 at all: h5py names what is wrong
        if found is not None:
            return Detected(found, fileobj)
        fileobj.close()  # an empty object (a "directory"), or an HTML listing of one
    if is_icechunk_url(loc):
        return Detected("icechunk")
    if any(remote_has(loc, name) for name in ("zarr.json", ".zgroup")):
        return Detected("zarr")
    if denied is not None:
        raise denied
    if fileobj is None:
        raise FileNotFoundError(
            f"{loc.path}: no such object, nor a Zarr store or Icechunk repository under it"
        )
    raise FormatError(
        f"{loc.path}: not an HDF5 file (signature {head[:8]!r}), not a reference file "
        "(kerchunk, LINDI), and no Zarr store or Icechunk repository under it"
    )


def format_of_head(head: bytes) -> str | None:
    """``"hdf5"`` or ``"references"`` from a file's first bytes (up to :data:`SNIFF_BYTES`),
    None if they say neither.

    HDF5's signature is at offset 0, or after a user block of 512 bytes times a power of two.
    A reference file is a JSON object with ``refs`` (or a kerchunk version 0 map of
    ``.zgroup`` and friends), or a tar whose first member is LINDI's ``.tar_entry.json``.
    """
    offset = 0
    while offset + len(HDF5_SIGNATURE) <= len(head):
        if head[offset : offset + len(HDF5_SIGNATURE)] == HDF5_SIGNATURE:
            return "hdf5"
        offset = offset * 2 if offset else 512
    if head.lstrip()[:1] == b"{":
        return "references" if b'"refs"' in head or b'".zgroup"' in head else None
    if head.startswith(TAR_ENTRY.encode()) and head[257:262] == b"ustar":
        return "references"
    return None


def is_icechunk_dir(path: str) -> bool:
    """A local directory holding an Icechunk repository (its ``repo`` object, or the ``refs``
    of older repositories, next to ``snapshots``)."""
    join = os.path.join
    return os.path.isdir(join(path, "snapshots")) and (
        os.path.isfile(join(path, "repo")) or os.path.isdir(join(path, "refs"))
    )


def is_icechunk_url(loc: Location) -> bool:
    """A remote prefix holding an Icechunk repository (one request: its ``repo`` object;
    repositories of the older layout without one are found by a ``.icechunk`` name)."""
    if loc.protocol not in ("s3", "gs", "az", "abfs", "memory"):
        return False
    return remote_has(loc, "repo")


def remote_has(loc: Location, name: str) -> bool:
    """Whether the object ``name`` is under the remote prefix ``loc`` (one request: obstore's
    HEAD where it serves the location, else a one-byte ranged read through fsspec). A denied
    request is an answer too (S3's to a missing key, for whoever may not list the bucket)."""
    from nwbzarr.remote import bounded_call

    key = f"{urlsplit(loc.path).path.strip('/')}/{name}".lstrip("/")
    raw = obstore_raw(loc, prefix="")
    try:
        if raw is not None:
            import obstore

            try:
                obstore.head(raw, key)
            except Exception as err:  # obstore raises its own error classes per status
                raise remote_error(loc, err) from err
            return True
        fs, path = filesystem(loc)
        bounded_call(fs, "cat_file", f"{path.rstrip('/')}/{name}", start=0, end=1, nbytes=1)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return False
    return True


def _format_of_file(path: str) -> str:
    """``"hdf5"`` or ``"references"`` (kerchunk, LINDI), from a local file's first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        found = format_of_head(head)
        if found is not None:
            return found
        if _has_userblock(fh):
            return "hdf5"
    if re.fullmatch(r".*?\d+\.[^./]+", os.path.basename(path)):
        return "hdf5"  # a member of an HDF5 family other than the first: h5py explains
    raise FormatError(
        f"{path}: not an HDF5 file (signature {head[:8]!r}), not a reference file (kerchunk, "
        "LINDI) and not a Zarr store directory"
    )


def _has_userblock(fh: Any) -> bool:
    """Whether the HDF5 signature follows a userblock larger than the first bytes
    :func:`format_of_head` looked at: at byte 65,536, 131,072... (where libhdf5 looks)."""
    size = os.fstat(fh.fileno()).st_size
    at = SNIFF_BYTES
    while at + len(HDF5_SIGNATURE) <= size:
        fh.seek(at)
        if fh.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
            return True
        at *= 2
    return False


def looks_like_references(path: str) -> bool:
    """Whether the local file ``path`` is a reference file (see :func:`format_of_head`)."""
    with open(path, "rb") as fh:
        return format_of_head(fh.read(SNIFF_BYTES)) == "references"


def guess_format_from_name(name: str) -> str | None:
    lowered = name.lower().rstrip("/")
    if lowered.endswith(REFERENCE_SUFFIXES):
        return "references"
    if lowered.endswith(ICECHUNK_SUFFIXES):
        return "icechunk"
    if lowered.endswith(".zarr") or lowered.endswith(".zarr.zip"):
        return "zarr"
    if lowered.endswith(HDF5_SUFFIXES):
        return "hdf5"
    return None


def obstore_raw(loc: Location, prefix: str) -> Any:
    """An obstore store for ``loc``'s host (S3 or HTTPS) under ``prefix``; None where obstore
    does not serve it (not installed, other protocols, a URL with a query string,
    ``NWBZARR_NO_OBSTORE`` set)."""
    if os.environ.get("NWBZARR_NO_OBSTORE"):
        return None
    try:
        from obstore.store import HTTPStore, S3Store
    except ImportError:
        return None
    parts = urlsplit(loc.path)
    if parts.query:
        return None  # a signed (or otherwise queried) URL: fsspec requests it as it is
    retry = retry_config()
    if loc.protocol == "https":
        base = f"{parts.scheme}://{parts.netloc}/{prefix}".rstrip("/")
        return HTTPStore.from_url(base, client_options={"allow_http": True}, retry_config=retry)
    if loc.protocol != "s3":
        return None
    opts = loc.storage_options
    client = opts.get("client_kwargs", {})
    endpoint = (
        opts.get("endpoint_url") or client.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL")
    )
    config: dict[str, Any] = {}
    if endpoint:
        config["endpoint"] = endpoint
        config["virtual_hosted_style_request"] = False
    key, secret = opts.get("key"), opts.get("secret")
    if key and secret:
        config["access_key_id"], config["secret_access_key"] = key, secret
    if opts.get("anon"):
        config["skip_signature"] = True
    region = client.get("region_name") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    client_options: Any = (
        {"allow_http": True} if endpoint and endpoint.startswith("http://") else {}
    )
    return S3Store(
        parts.netloc,
        prefix=prefix or None,
        region=region,
        client_options=client_options,
        retry_config=retry,
        **config,
    )


def retry_config() -> Any:
    """obstore's retries, bounded like :func:`nwbzarr.remote.retrying`: transient errors (5xx,
    dropped connections, timeouts) are retried 4 times (5 tries) within 10 s, not obstore's
    default of 10 times within 3 minutes."""
    from datetime import timedelta

    from nwbzarr.remote import RETRY_BASE_S, RETRY_DEADLINE_S, RETRY_MAX_DELAY_S, RETRY_TRIES

    return {
        "max_retries": RETRY_TRIES - 1,
        "retry_timeout": timedelta(seconds=RETRY_DEADLINE_S),
        "backoff": {
            "init_backoff": timedelta(seconds=RETRY_BASE_S),
            "max_backoff": timedelta(seconds=RETRY_MAX_DELAY_S),
            "base": 2,
        },
    }


def open_binary(loc: Location, *, block_size: int = 1 << 20) -> Any:
    """A read-only file object for h5py on a remote file, with a block cache (see remote.py)."""
    from nwbzarr.remote import RangeFile, bounded_call, fsspec_fetch

    parts = urlsplit(loc.path)
    directory, _, name = parts.path.rpartition("/")
    raw = obstore_raw(loc, prefix=directory.strip("/"))
    if raw is not None:
        import obstore

        try:
            size = int(obstore.head(raw, name)["size"])
        except Exception as err:  # obstore raises its own error classes per status
            raise remote_error(loc, err) from err

        def fetch(start: int, stop: int) -> bytes:
            try:
                return bytes(obstore.get_range(raw, name, start=start, end=stop))
            except Exception as err:
                raise remote_error(loc, err) from err

        return RangeFile(fetch, size, loc.path, block_size=block_size)
    fs, path = filesystem(loc)
    size = int(bounded_call(fs, "size", path))
    return RangeFile(fsspec_fetch(fs, path), size, loc.path, block_size=block_size)


def remote_error(loc: Location, err: Exception) -> OSError:
    text = str(err)
    if "404" in text or "NotFound" in type(err).__name__ or "not found" in text.lower():
        return FileNotFoundError(f"{loc.path}: no such object")
    if "403" in text or "401" in text or "PermissionDenied" in type(err).__name__:
        return PermissionError(
            f"{loc.path}: access denied (403): check credentials (AWS_ACCESS_KEY_ID/..., "
            "storage_options key/secret) or use storage_options={'anon': True} for public data"
        )
    return OSError(f"{loc.path}: {type(err).__name__}: {text.splitlines()[0] if text else ''}")


__all__ = [
    "call_options",
    "Detected",
    "Location",
    "detect",
    "format_of_head",
    "exists",
    "family_member",
    "guess_format",
    "looks_like_references",
    "is_icechunk_dir",
    "is_icechunk_url",
    "is_family",
    "open_binary",
    "remove",
    "resolve",
    "obstore_raw",
    "remote_error",
    "remote_has",
]
