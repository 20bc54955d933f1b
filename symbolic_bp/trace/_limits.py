"""The time limit of a trace.

Two mechanisms, because neither covers everything alone: every operation on a symbolic value
checks a deadline (cheap, works in any thread, but cannot stop a loop that does no arithmetic),
and in the main thread of a platform with ``SIGALRM`` a one-shot timer interrupts whatever is
running (a ``while True:`` included). The timer is not used when another one is already pending
(``pytest-timeout``, say), so that it is never silently replaced. Both raise
:class:`~._errors.TimeUp`, which the runner turns into a :class:`~._errors.TraceTimeout`.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from ._errors import TimeUp

__all__ = ["DEADLINE", "time_limit"]


class Deadline:
    """The moment (``time.monotonic()``) after which symbolic arithmetic raises ``TimeUp``;
    ``first``, when set, is called once, at the next symbolic operation."""

    __slots__ = ("at", "first")

    def __init__(self) -> None:
        self.at = math.inf
        self.first: Callable[[], None] | None = None

    def check(self) -> None:
        if self.first is not None:
            first, self.first = self.first, None
            first()
        if time.monotonic() > self.at:
            raise TimeUp()


DEADLINE = Deadline()


def _ring(signum: int, frame: FrameType | None) -> None:
    raise TimeUp()


def _timer_free() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``TimeUp`` inside the block once ``seconds`` have passed (``None``: no limit).

    The timer is cancelled before the block's exit returns, so the one signal it can send is
    delivered inside the block or not at all.
    """
    if seconds is None:
        yield
        return
    previous_at = DEADLINE.at
    DEADLINE.at = min(previous_at, time.monotonic() + seconds)
    alarm = _timer_free()
    previous_handler = signal.signal(signal.SIGALRM, _ring) if alarm else None
    try:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
        yield
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
        DEADLINE.at = previous_at
