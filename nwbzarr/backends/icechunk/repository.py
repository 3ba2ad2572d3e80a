"""Icechunk repositories for locations: storage, opening, versions and virtual-chunk access.

``icechunk`` is an optional dependency (``pip install nwbzarr[icechunk]``): it is imported
here, when a repository is opened, never by ``import nwbzarr``. A repository's virtual-chunk
containers (the places its virtual chunks point into) are authorized only where the link
policy of the call allows them: a container outside it is refused before anything is read.

Icechunk warns, through its own (Rust) logs, whenever a local repository's storage is made
("The LocalFileSystem storage is not safe for concurrent commits") and when one is created
("conditional PUT is enabled but `unsafe_use_metadata` is disabled": local files hold no
object metadata). Both are true of every local repository, whoever opens it, so nwbzarr
quiets those two log targets for the duration of its own calls, unless ``ICECHUNK_LOG`` is
set (then the user's filter applies, untouched); Python's logging is not involved.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from nwbzarr.errors import LinkPolicyError, UnsupportedFeatureError
from nwbzarr.storage import Location, resolve

DEFAULT_BRANCH = "main"
LOCAL_STORAGE_QUIET = "warn,icechunk_arrow_object_store=error,icechunk_storage::readback=error"
"""Icechunk's log filter while nwbzarr makes or creates a local repository: its default
level (``warn``), with the two targets that warn about every local repository at ``error``."""
_COLLECT_AT_EXIT: list[bool] = []  # whether the exit's garbage collection is registered


def _icechunk() -> Any:
    try:
        import icechunk
    except ImportError as err:
        raise ImportError(
            "Icechunk repositories need the icechunk package "
            f"(pip install nwbzarr[icechunk]): {err}"
        ) from err
    if not _COLLECT_AT_EXIT:
        # Sessions and stores held in reference cycles (a closed file's nodes) were freed
        # by the interpreter's last collection, while it tears down, when Icechunk's runtime
        # threads can no longer call back into Python: about one exit in five crashed
        # (SIGSEGV) after a repository was opened. Collected before that, they go cleanly.
        atexit.register(gc.collect)
        _COLLECT_AT_EXIT.append(True)
    return icechunk


def _s3_endpoint(opts: dict[str, Any]) -> str | None:
    client = opts.get("client_kwargs") or {}
    endpoint = opts.get("endpoint_url") or client.get("endpoint_url")
    return str(endpoint) if endpoint else os.environ.get("AWS_ENDPOINT_URL") or None


def _s3_region(opts: dict[str, Any]) -> str:
    client = opts.get("client_kwargs") or {}
    return str(client.get("region_name") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")


@contextlib.contextmanager
def quiet_local_storage(loc: Location) -> Iterator[None]:
    """Within: Icechunk's warnings about local storage are off (see the module's text), if
    ``loc`` is local and ``ICECHUNK_LOG`` is not set; after: its filter from the environment."""
    if not loc.is_local or "ICECHUNK_LOG" in os.environ:
        yield
        return
    ic = _icechunk()
    ic.set_logs_filter(LOCAL_STORAGE_QUIET)
    try:
        yield
    finally:
        ic.set_logs_filter(None)


def storage_of(loc: Location) -> Any:
    """The Icechunk storage of a local directory or an ``s3://bucket/prefix`` URL."""
    ic = _icechunk()
    if loc.is_local:
        with quiet_local_storage(loc):
            return ic.local_filesystem_storage(loc.path)
    if loc.protocol != "s3":
        raise UnsupportedFeatureError(
            f"{loc}: Icechunk repositories are read and written on local disk or s3:// here, "
            f"not {loc.protocol}://"
        )
    opts = loc.storage_options
    parts = urlsplit(loc.path)
    endpoint = _s3_endpoint(opts)
    creds: dict[str, Any] = {}
    if opts.get("key") and opts.get("secret"):
        creds = {"access_key_id": opts["key"], "secret_access_key": opts["secret"]}
    elif opts.get("anon"):
        creds = {"anonymous": True}
    else:
        creds = {"from_env": True}
    return ic.s3_storage(
        bucket=parts.netloc,
        prefix=parts.path.strip("/") or None,
        region=_s3_region(opts),
        endpoint_url=endpoint,
        allow_http=bool(endpoint and endpoint.startswith("http://")),
        force_path_style=bool(endpoint),
        **creds,
    )


def container_prefix(source: Location) -> str:
    """The virtual-chunk container URL prefix that holds ``source`` (its directory or bucket)."""
    if source.is_local:
        return "file://" + os.path.dirname(source.path).rstrip("/") + "/"
    parts = urlsplit(source.path)
    return f"{parts.scheme}://{parts.netloc}/"


def chunk_url(source: Location) -> str:
    """The URL a virtual chunk reference of ``source`` names."""
    return "file://" + source.path if source.is_local else source.path


def container_for(source: Location) -> Any:
    """A virtual-chunk container for ``source``'s directory (local), bucket (s3) or host."""
    ic = _icechunk()
    prefix = container_prefix(source)
    if source.is_local:
        store = ic.local_filesystem_store(prefix[len("file://") :])
    elif source.protocol == "s3":
        endpoint = _s3_endpoint(source.storage_options)
        store = ic.s3_store(
            region=_s3_region(source.storage_options),
            endpoint_url=endpoint,
            allow_http=bool(endpoint and endpoint.startswith("http://")),
            s3_compatible=bool(endpoint),
            force_path_style=bool(endpoint),
        )
    elif source.protocol in ("https", "http"):
        store = ic.http_store()
    else:
        raise UnsupportedFeatureError(
            f"{source}: an Icechunk index points into local files, s3:// or https:// only"
        )
    return ic.VirtualChunkContainer(prefix, store)


def _credential(prefix: str, origin: Location) -> Any:
    ic = _icechunk()
    scheme = urlsplit(prefix).scheme
    if scheme == "file":
        return ic.credentials.LocalFileSystemAccess
    if scheme in ("http", "https"):
        return ic.credentials.HttpAccess
    opts = origin.storage_options
    if scheme == "s3" and opts.get("key") and opts.get("secret"):
        return ic.s3_static_credentials(access_key_id=opts["key"], secret_access_key=opts["secret"])
    if opts.get("anon"):
        return ic.s3_anonymous_credentials()
    return ic.s3_from_env_credentials()


def policy_violation(prefix: str, origin: Location, policy: str) -> str | None:
    """Why the link ``policy`` of a repository at ``origin`` refuses chunks under ``prefix``."""
    if policy == "all":
        return None
    if policy == "none":
        return "links='none' follows nothing outside the repository"
    if origin.is_local:
        return None  # local files are trusted, as links from local files are
    target = resolve(prefix)
    if target.is_local:
        return "a repository opened from a URL may not point into local files"
    if target.origin != origin.origin:
        return f"{prefix} is not on {origin.origin}"
    return None


def authorized(repo: Any, origin: Location, policy: str) -> dict[str, Any]:
    """Credentials of every virtual-chunk container of ``repo`` the policy allows; a
    container it refuses raises :class:`LinkPolicyError` naming the repository and prefix."""
    containers = repo.config.virtual_chunk_containers or {}
    allowed: dict[str, Any] = {}
    for prefix in containers:
        reason = policy_violation(prefix, origin, policy)
        if reason is not None:
            raise LinkPolicyError(
                f"{origin}: virtual chunks in {prefix!r} refused: {reason} "
                f"(links={policy!r}; pass links='all' to read them)"
            )
        allowed[prefix] = _credential(prefix, origin)
    return allowed


def exists(loc: Location) -> bool:
    """Whether an Icechunk repository is at ``loc``."""
    return bool(_icechunk().Repository.exists(storage_of(loc)))


def open_repository(loc: Location, policy: str) -> Any:
    """Open the repository at ``loc`` with the virtual-chunk containers the policy allows."""
    ic = _icechunk()
    storage = storage_of(loc)
    try:
        repo = ic.Repository.open(storage)
    except ic.IcechunkError as err:
        raise FileNotFoundError(f"{loc}: no Icechunk repository here: {err.message}") from err
    access = authorized(repo, loc, policy)
    if not access:
        return repo
    return repo.reopen(authorize_virtual_chunk_access=ic.containers_credentials(access))


def create_repository(loc: Location, sources: list[Location] | None = None) -> Any:
    """Create a repository at ``loc``, with a virtual-chunk container for each of ``sources``
    (the files its virtual chunks point into), read with the sources' storage options."""
    ic = _icechunk()
    config = ic.RepositoryConfig.default()
    access: dict[str, Any] = {}
    for source in sources or []:
        container = container_for(source)
        config.set_virtual_chunk_container(container)
        access[container.url_prefix] = _credential(container.url_prefix, source)
    storage = storage_of(loc)
    with quiet_local_storage(loc):
        return ic.Repository.create(
            storage,
            config=config,
            authorize_virtual_chunk_access=ic.containers_credentials(access) if access else None,
        )


def is_conflict(err: BaseException) -> bool:
    return isinstance(err, _icechunk().ConflictError)


__all__ = [
    "DEFAULT_BRANCH",
    "authorized",
    "chunk_url",
    "container_for",
    "container_prefix",
    "create_repository",
    "exists",
    "is_conflict",
    "open_repository",
    "policy_violation",
    "quiet_local_storage",
    "storage_of",
]
