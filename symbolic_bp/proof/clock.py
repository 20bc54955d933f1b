"""The time limit of a proof: a wall clock that the prover checks between steps, and a hard
alarm that also interrupts a single long SymPy operation.

Whatever a prover settled before the limit is kept; it catches :class:`TimeUp` and reports the
rest as ``unknown``. The alarm (``SIGALRM``) is armed only in the main thread and only by the
outermost :func:`deadline`; elsewhere the clock is checked cooperatively.

>>> with deadline(None) as clock:
...     clock.expired()
False
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

__all__ = ["Clock", "TimeUp", "deadline"]


class TimeUp(BaseException):
    """The proof's time limit was reached (a ``BaseException``, like ``KeyboardInterrupt``, so
    that library code catching ``Exception`` cannot swallow it)."""


class Clock:
    """Seconds since the start; :meth:`check` raises :class:`TimeUp` once ``timeout`` passed."""

    def __init__(
        self, timeout: float | None, started: float | None = None, reserve: float = 0.0
    ) -> None:
        self.start = time.perf_counter() if started is None else started
        self.timeout = None if timeout is None else max(timeout - reserve, 0.0)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def expired(self) -> bool:
        return self.timeout is not None and self.elapsed >= self.timeout

    def check(self) -> None:
        if self.expired():
            raise TimeUp

    def remaining(self) -> float | None:
        return None if self.timeout is None else max(self.timeout - self.elapsed, 0.0)


_ARMED = threading.local()


@contextlib.contextmanager
def deadline(timeout: float | None, clock: Clock | None = None) -> Iterator[Clock]:
    """A :class:`Clock` for ``timeout`` seconds (or the given ``clock``, for a sub-proof), with
    a real-time alarm raising :class:`TimeUp` at the limit when this is the outermost deadline
    in the main thread."""
    clock = clock or Clock(timeout)
    remaining = clock.remaining()
    outer = not getattr(_ARMED, "active", False)
    can_alarm = (
        outer
        and remaining is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not can_alarm:
        yield clock
        return

    def handler(signum: int, frame: object) -> None:
        if getattr(_ARMED, "active", False):
            raise TimeUp

    previous = signal.signal(signal.SIGALRM, handler)
    # and again every half second, should something have swallowed the first
    signal.setitimer(signal.ITIMER_REAL, max(remaining or 0.0, 1e-3), 0.5)
    _ARMED.active = True
    try:
        yield clock
    finally:
        _ARMED.active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
