"""A progress bar for long work that stays quiet when not on a terminal."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Any, Self


class Progress:
    """Counts bytes done; draws a tqdm bar when enabled (default: stderr is a terminal)."""

    def __init__(self, total: int, *, enabled: bool | None = None, desc: str = "") -> None:
        self.total = total
        self.done = 0
        self._lock = threading.Lock()
        self._bar: Any = None
        show = sys.stderr.isatty() if enabled is None else enabled
        if show:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(
                    total=total,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=desc,
                    leave=False,
                )

    def update(self, nbytes: int) -> None:
        with self._lock:
            self.done += nbytes
            if self._bar is not None:
                self._bar.update(nbytes)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()
