"""Local servers for tests and benchmarks: an S3 endpoint (moto) and a Range-capable HTTP server.

moto, werkzeug and boto3 are imported when a server is made, never at import; the process
environment is left alone (credentials are passed explicitly, see :attr:`S3Server.storage_options`).

Both run in a thread of the calling process, listen on 127.0.0.1 only, and record every request
(method, path, Range header, status, bytes sent) so that tests can bound the number of requests
a reader makes. ``latency_ms`` injects a per-request delay to mimic an object store;
``fail_first`` (or :meth:`S3Server.fail_next` / :meth:`HTTPServer.fail_next`) makes the next N
requests fail with a transient error (503 by default, or 429 / 500, or ``"reset"``: the
connection is closed without an answer), to test retries.

moto reads and copies the whole object for every ranged GET, which is slow for large objects
and distorts timings; object GETs are therefore served straight from moto's key buffer (the
same approach as ``shared/tools/cloud_bench.py``), everything else goes through moto.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Self

Environ = dict[str, Any]
StartResponse = Callable[..., Any]

CREDENTIALS = {"key": "testing", "secret": "testing"}
"""moto accepts any credentials: these are passed explicitly (the environment is left alone)."""


@dataclass
class Request:
    method: str
    path: str
    range: str | None
    status: int = 0
    nbytes: int = 0
    time: float = field(default_factory=time.time)  # arrival (wall clock, for benchmarks)


@dataclass
class RequestLog:
    """Requests seen by a server, thread-safe."""

    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()

    def snapshot(self) -> list[Request]:
        with self.lock:
            return list(self.requests)

    @property
    def count(self) -> int:
        return len(self.snapshot())

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self.snapshot())


Failure = int | str  # an HTTP status (503, 429, 500...) or "reset"


class _Failures:
    """The next N requests fail (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.remaining = 0
        self.kind: Failure = 503
        self.injected = 0

    def arm(self, n: int, kind: Failure = 503) -> None:
        if kind != "reset" and not (isinstance(kind, int) and 400 <= kind < 600):
            raise ValueError(f"failure {kind!r}: expected an HTTP error status or 'reset'")
        with self.lock:
            self.remaining, self.kind = n, kind

    def take(self) -> Failure | None:
        with self.lock:
            if self.remaining <= 0:
                return None
            self.remaining -= 1
            self.injected += 1
            return self.kind


class _Reset(ConnectionResetError):
    """Raised inside the WSGI app: the handler closes the connection without an answer."""


class _Counting:
    """WSGI middleware that logs requests, optionally sleeps before answering and fails."""

    def __init__(
        self,
        app: Callable[[Environ, StartResponse], Iterable[bytes]],
        log: RequestLog,
        latency_s: float,
        fast_get: Callable[[Environ, StartResponse], Iterable[bytes] | None] | None,
        failures: _Failures | None = None,
    ) -> None:
        self.app = app
        self.log = log
        self.latency_s = latency_s
        self.fast_get = fast_get
        self.failures = failures or _Failures()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        if self.latency_s:
            time.sleep(self.latency_s)
        query = environ.get("QUERY_STRING", "")
        record = Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", "") + (f"?{query}" if query else ""),
            environ.get("HTTP_RANGE"),
        )
        self.log.add(record)  # logged when it arrives, so a count right after a call includes it
        failure = self.failures.take()
        if failure is not None:
            yield from self._fail(failure, record, environ, start_response)
            return

        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            record.status = int(status.split(maxsplit=1)[0])
            return start_response(status, headers, exc_info)

        body: Iterable[bytes] | None = None
        if self.fast_get is not None and record.method == "GET" and not query:
            body = self.fast_get(environ, respond)
        if body is None:
            body = self.app(environ, respond)
        try:
            for piece in body:
                record.nbytes += len(piece)
                yield piece
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    @staticmethod
    def _fail(
        failure: Failure, record: Request, environ: Environ, start_response: StartResponse
    ) -> Iterator[bytes]:
        if failure == "reset":
            record.status = -1
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                import contextlib
                import socket

                with contextlib.suppress(OSError):  # the client sees the connection closed
                    sock.shutdown(socket.SHUT_RDWR)
            raise _Reset
        status = int(failure)
        code = {429: "SlowDown", 500: "InternalError", 503: "ServiceUnavailable"}.get(
            status, "InjectedFailure"
        )
        body = f"<Error><Code>{code}</Code><Message>injected failure</Message></Error>".encode()
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        record.status = status
        start_response(
            f"{status} {phrase}",
            [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
        )
        yield body


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single ``bytes=a-b`` range, None for none or several."""
    if not header:
        return 0, size - 1
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _, last = spec.partition("-")
    if first:
        begin, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        begin, end = max(0, size - int(last)), size - 1
    return (begin, end) if begin <= end < size else None


def _moto_fast_get(environ: Environ, respond: StartResponse) -> Iterable[bytes] | None:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    bucket, _, key = environ.get("PATH_INFO", "").lstrip("/").partition("/")
    if not key:
        return None
    try:
        obj = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_object(bucket, key)
    except Exception:  # missing bucket or key: moto answers with the right S3 error
        return None
    if obj is None:
        return None
    span = _parse_range(environ.get("HTTP_RANGE"), obj.size)
    if span is None:
        return None
    begin, end = span
    headers = [
        ("Content-Type", "binary/octet-stream"),
        ("Content-Length", str(end - begin + 1)),
        ("ETag", obj.etag),
        ("Last-Modified", obj.last_modified_RFC1123),
        ("Accept-Ranges", "bytes"),
    ]
    ranged = environ.get("HTTP_RANGE") is not None
    if ranged:
        headers.append(("Content-Range", f"bytes {begin}-{end}/{obj.size}"))
    respond("206 Partial Content" if ranged else "200 OK", headers)
    with obj.lock:
        obj._value_buffer.seek(begin)
        data: bytes = obj._value_buffer.read(end - begin + 1)
    return [data]


class _Server:
    def __init__(
        self, app: Callable[[Environ, StartResponse], Iterable[bytes]], handler: Any = None
    ) -> None:
        import logging

        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        kwargs = {"request_handler": handler} if handler is not None else {}
        self._server = make_server("127.0.0.1", 0, app, threaded=True, **kwargs)
        self.port = self._server.socket.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(10)


class S3Server:
    """A moto S3 endpoint on 127.0.0.1 that counts requests.

    >>> with S3Server() as s3:                                  # doctest: +SKIP
    ...     s3.create_bucket("nwb-test")
    ...     options = s3.storage_options
    ...     nwbzarr.convert("x.nwb", "s3://nwb-test/x.nwb.zarr", dst_storage_options=options)
    """

    def __init__(
        self, latency_ms: float = 0.0, *, fail_first: int = 0, failure: Failure = 503
    ) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        self.log = RequestLog()
        self.public: set[str] = set()
        # buckets whose readers may not list them (add names after writing): a missing key
        # is answered 403, not 404, as S3 answers readers without s3:ListBucket
        self.unlisted: set[str] = set()
        self.failures = _Failures()
        self.failures.arm(fail_first, failure)
        app = _Counting(
            DomainDispatcherApplication(create_backend_app),
            self.log,
            latency_ms / 1000,
            _moto_fast_get,
            self.failures,
        )
        self._app = app
        self._server = _Server(self._anonymous_guard(app), MotoRequestHandler)
        self.endpoint = self._server.endpoint

    def _anonymous_guard(
        self, app: Callable[[Environ, StartResponse], Iterable[bytes]]
    ) -> Callable[[Environ, StartResponse], Iterable[bytes]]:
        """Answer unsigned requests to non-public buckets with 403, as S3 does (moto does not),
        and requests for missing keys of :attr:`unlisted` buckets with 403 too."""

        def guarded(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            signed = "HTTP_AUTHORIZATION" in environ or "X-Amz-Signature" in environ.get(
                "QUERY_STRING", ""
            )
            bucket = environ.get("PATH_INFO", "").lstrip("/").partition("/")[0]
            if not signed and bucket and bucket not in self.public:
                body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                start_response(
                    "403 Forbidden",
                    [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
                )
                return [body]
            if bucket not in self.unlisted:
                return app(environ, start_response)

            def denying(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                if status.startswith("404"):
                    status = "403 Forbidden"
                return start_response(status, headers, exc_info)

            return app(environ, denying)

        return guarded

    def fail_next(self, n: int, failure: Failure = 503) -> None:
        """Make the next ``n`` requests fail (status code, or ``"reset"``)."""
        self.failures.arm(n, failure)

    @property
    def latency_ms(self) -> float:
        return self._app.latency_s * 1000

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self._app.latency_s = value / 1000

    @property
    def storage_options(self) -> dict[str, Any]:
        """fsspec/obstore options for URLs on this endpoint."""
        return {
            **CREDENTIALS,
            "client_kwargs": {"endpoint_url": self.endpoint},
        }

    def _client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=CREDENTIALS["key"],
            aws_secret_access_key=CREDENTIALS["secret"],
        )

    def create_bucket(self, name: str, *, public: bool = False) -> None:
        client = self._client()
        client.create_bucket(Bucket=name)
        if public:
            self.public.add(name)
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/*",
                    }
                ],
            }
            client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))

    def upload(self, local: str | Path, url: str) -> None:
        """Upload a file or a directory tree to ``s3://bucket/key``."""
        client = self._client()
        bucket, _, key = url.removeprefix("s3://").partition("/")
        local = Path(local)
        files = [local] if local.is_file() else sorted(p for p in local.rglob("*") if p.is_file())
        for path in files:
            rel = "" if path == local else "/" + path.relative_to(local).as_posix()
            client.upload_file(str(path), bucket, key.rstrip("/") + rel)

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop()


class HTTPServer:
    """A Range-capable static file server for a directory, counting requests."""

    def __init__(
        self,
        root: str | Path,
        latency_ms: float = 0.0,
        *,
        fail_first: int = 0,
        failure: Failure = 503,
    ) -> None:
        self.root = Path(root).resolve()
        self.log = RequestLog()
        self.failures = _Failures()
        self.failures.arm(fail_first, failure)
        self._server = _Server(
            _Counting(self._app, self.log, latency_ms / 1000, None, self.failures)
        )
        self.endpoint = self._server.endpoint

    def fail_next(self, n: int, failure: Failure = 503) -> None:
        """Make the next ``n`` requests fail (status code, or ``"reset"``)."""
        self.failures.arm(n, failure)

    def url(self, relative: str) -> str:
        return f"{self.endpoint}/{relative.lstrip('/')}"

    def _app(self, environ: Environ, respond: StartResponse) -> Iterable[bytes]:
        path = (self.root / environ.get("PATH_INFO", "/").lstrip("/")).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            respond(f"{HTTPStatus.NOT_FOUND.value} Not Found", [("Content-Length", "0")])
            return [b""]
        size = path.stat().st_size
        span = _parse_range(environ.get("HTTP_RANGE"), size)
        if span is None:
            respond(
                "416 Range Not Satisfiable",
                [("Content-Range", f"bytes */{size}"), ("Content-Length", "0")],
            )
            return [b""]
        begin, end = span
        headers = [
            ("Content-Length", str(end - begin + 1)),
            ("Accept-Ranges", "bytes"),
            ("Content-Type", "application/octet-stream"),
        ]
        ranged = environ.get("HTTP_RANGE") is not None
        if ranged:
            headers.append(("Content-Range", f"bytes {begin}-{end}/{size}"))
        respond("206 Partial Content" if ranged else "200 OK", headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            return [b""]
        with path.open("rb") as fh:
            fh.seek(begin)
            return [fh.read(end - begin + 1)]

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop()


__all__ = ["HTTPServer", "Request", "RequestLog", "S3Server"]
