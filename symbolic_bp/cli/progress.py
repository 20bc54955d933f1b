"""A progress bar on stderr for long runs: drawn only when stderr is a terminal, so that
pipes, files, ``--json`` output and tests see nothing of it.

>>> bar = progress_bar(10, "demo")   # stderr is not a terminal under doctest: silent
>>> bar.update(5, "half"); bar.close()
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["progress_bar", "ProgressBar"]


class ProgressBar:
    """``[#####.....]  50%  label  note`` on one line of ``stream``, redrawn at most ten
    times a second; :meth:`close` clears it."""

    def __init__(self, total: int, label: str, stream: TextIO | None, width: int = 30) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream
        self.width = width
        self._last = 0.0
        self._shown = False

    def update(self, done: int, note: str = "") -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < self.total:
            return
        self._last = now
        frac = min(max(done / self.total, 0.0), 1.0)
        filled = int(round(frac * self.width))
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {frac:4.0%}  {self.label}  {note}"
        self.stream.write("\r" + line[:120].ljust(120))
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self.stream is not None and self._shown:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()
            self._shown = False


def progress_bar(total: int, label: str, stream: TextIO | None = None) -> ProgressBar:
    """A :class:`ProgressBar` on ``stream`` (default stderr) if it is a terminal, else a silent
    one."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return ProgressBar(total, label, stream if tty else None)
