"""The errors of tracing a user's code.

:class:`TraceError` is what a caller sees: one line ``FILE:LINE: `code`: what happened; what to
do``. The two :class:`BaseException` subclasses are internal signals raised *inside* the user's
code (by a symbolic value asked for a branch, or by the time limit) and turned into a
:class:`TraceError` once they leave it. They derive from :class:`BaseException` so that a
learner's ``try: ... except Exception:`` cannot swallow them and quietly take another path than
the one the code takes on numbers.
"""

from __future__ import annotations

from ..errors import InputError

__all__ = ["TraceError", "TraceTimeout", "Untraceable", "TimeUp"]


class TraceError(InputError):
    """The user's step cannot be traced, or broke the contract of ``step(params, x, t, lr)``.

    **Attributes:** ``path`` (the file, or ``None``), ``line`` (1-based, or ``None``).
    The command line prints the message and exits with code 2.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line


class TraceTimeout(TraceError):
    """Tracing did not finish within the time limit: the verdict is *unknown* (exit code 3),
    not bad input."""


class Untraceable(BaseException):
    """Raised inside the user's code: an operation that needs a number got a symbolic value.

    ``what`` says what the code did, ``fix`` what the user can do about it.
    """

    def __init__(self, what: str, fix: str):
        super().__init__(what)
        self.what = what
        self.fix = fix


class TimeUp(BaseException):
    """Raised inside the user's code when the time limit has passed."""
