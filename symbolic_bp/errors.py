"""Exceptions of symbolic_bp.

Every error a user can cause is a :class:`SymbolicBPError`; its message is one line that names the
offending value and, where it helps, the valid choices. The command line prints it and exits with
code 2 (:class:`InputError`) without a traceback.
"""

from __future__ import annotations

__all__ = ["SymbolicBPError", "InputError"]


class SymbolicBPError(Exception):
    """Base class of every error raised on purpose by symbolic_bp."""


class InputError(SymbolicBPError, ValueError):
    """A value given by the user is malformed, unknown or out of range (exit code 2)."""
