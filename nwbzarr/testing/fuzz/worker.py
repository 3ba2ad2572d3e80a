"""The sandboxed worker, parent side: a long-lived reader process under limits."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from typing import IO, Any

from nwbzarr.testing.fuzz.reader import DEFAULT_MEMORY, DEFAULT_TIMEOUT, MAGIC


# ------------------------------------------------------------------------------------------------
# the sandboxed worker (parent side)
# ------------------------------------------------------------------------------------------------
class Worker:
    """A long-lived reader process under an address-space limit; restarted after a failure."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, memory: int = DEFAULT_MEMORY) -> None:
        self.timeout = timeout
        self.memory = memory
        self.proc: subprocess.Popen[bytes] | None = None
        self.stderr: IO[bytes] | None = None
        self._buf = b""
        self.restarts = 0

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ, MALLOC_ARENA_MAX="2", PYTHONFAULTHANDLER="1")
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the worker
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nwbzarr.testing.fuzz",
                "--worker",
                "--memory",
                str(self.memory),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )
        self._buf = b""
        ready = self._answer(60.0)
        if ready is None or not ready.get("ready"):
            raise RuntimeError(f"fuzz worker did not start: {self.stderr_tail()}")
        return self.proc

    def stderr_tail(self, n: int = 2000) -> str:
        if self.stderr is None:
            return ""
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")[-n:]

    def _answer(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buf:
                line, self._buf = self._buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith(MAGIC):
                    answer: dict[str, Any] = json.loads(text[len(MAGIC) :])
                    return answer
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return {"eof": True}
                self._buf += chunk

    def request(self, request: dict[str, Any]) -> dict[str, Any]:
        proc = self.proc if self.proc is not None and self.proc.poll() is None else self._start()
        assert proc.stdin is not None
        started = time.monotonic()
        try:
            proc.stdin.write((json.dumps(request) + "\n").encode())
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        answer = self._answer(self.timeout)
        elapsed = time.monotonic() - started
        if answer is None:
            self.stop()
            return {"outcome": "timeout", "message": f"no answer in {self.timeout:.0f} s"}
        if answer.get("eof"):
            code = proc.wait()
            tail = self.stderr_tail()
            self.proc = None
            self.restarts += 1
            what = f"crash:{signal.Signals(-code).name}" if code < 0 else f"exit:{code}"
            return {"outcome": what, "message": tail}
        answer["seconds"] = elapsed
        return answer

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.restarts += 1

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
