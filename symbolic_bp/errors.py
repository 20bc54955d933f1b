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

__all__ = ["SymbolicBPError", "InputError", "AbstractionError"]


class SymbolicBPError(Exception):
    """Base class of every error raised on purpose by symbolic_bp."""


class InputError(SymbolicBPError, ValueError):
    """A value given by the user is malformed, unknown or out of range (exit code 2)."""


class AbstractionError(SymbolicBPError):
    """A recipe did something a network with symbolic neuron indices cannot represent."""
