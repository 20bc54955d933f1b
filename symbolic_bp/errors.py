"""Exceptions of symbolic_bp.

Every error a user can cause is a :class:`SymbolicBPError`; its message is one line that names the
offending value and, where it helps, the valid choices. The command line prints it and exits with
code 2 (:class:`InputError`) without a traceback.

:class:`AbstractionError` is raised while a recipe runs on a network with symbolic neuron
indices (the layer identities, the general proof) when it does something that network cannot
represent faithfully (``len(net.neurons(l))``, a Python loop over a layer, ``j == 1`` on a
symbolic index, ``net.sizes``). The prover catches it and falls back to the per-neuron rules,
or says ``unknown``; it never turns into a verdict.
"""

from __future__ import annotations

import contextvars
import difflib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

__all__ = [
    "SymbolicBPError",
    "InputError",
    "AbstractionError",
    "NameTaken",
    "unknown_name",
    "option",
    "command_line",
]
# whether the running code was called by the command line (its errors name options) or from
# Python (its errors name arguments)
_FROM_CLI: contextvars.ContextVar[bool] = contextvars.ContextVar("symbolic_bp_cli", default=False)


def option(cli: str, python: str) -> str:
    """How an error names a setting: ``cli`` (an option such as ``--activation``) while the
    command line runs, ``python`` (an argument such as ``activation=``) when called from Python.

    >>> option("--layers", "sizes")
    'sizes'
    >>> with command_line():
    ...     option("--layers", "sizes")
    '--layers'
    """
    return cli if _FROM_CLI.get() else python


@contextmanager
def command_line() -> Iterator[None]:
    """Within this block :func:`option` names command-line options (``symbolic-bp`` runs in it)."""
    token = _FROM_CLI.set(True)
    try:
        yield
    finally:
        _FROM_CLI.reset(token)


class SymbolicBPError(Exception):
    """Base class of every error raised on purpose by symbolic_bp."""


class InputError(SymbolicBPError, ValueError):
    """A value given by the user is malformed, unknown or out of range (exit code 2)."""


class AbstractionError(SymbolicBPError):
    """A recipe did something a network with symbolic neuron indices cannot represent."""


class NameTaken(InputError):
    """A recipe is registered under a name that is already taken (``kind`` is ``convention``,
    ``optimizer``, ...). ``symbolic-bp --recipes`` reports it in its own words."""

    def __init__(self, message: str, kind: str, name: str) -> None:
        super().__init__(message)
        self.kind, self.name = kind, name


def unknown_name(kind: str, name: object, valid: Iterable[str], more: str = "") -> InputError:
    """The error for an unknown ``kind`` called ``name``: the closest valid names first (by
    :func:`difflib.get_close_matches`), then every valid one, then ``more``.

    **Arguments:** ``kind`` (``"convention"``, ``"activation"``, ...), the ``name`` given, the
    ``valid`` names, and ``more`` (other accepted forms, such as "an expression in x").

    **Returns:** an :class:`InputError` to raise.

    >>> print(unknown_name("convention", "dleta", ["gradient", "delta", "matrix"]))
    unknown convention 'dleta'; did you mean delta? valid: gradient, delta, matrix
    >>> print(unknown_name("loss", "huber", ["half_sse", "sse"]))
    unknown loss 'huber'; valid: half_sse, sse
    """
    names = list(valid)
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.6)
    if not close and isinstance(name, str):  # a different case: SIGMOID, Delta
        close = [n for n in names if n.lower() == name.lower()]
    hint = f"; did you mean {' or '.join(close)}?" if close else ";"
    tail = f" {more}" if more else ""
    return InputError(f"unknown {kind} {name!r}{hint} valid: {', '.join(names)}{tail}")
