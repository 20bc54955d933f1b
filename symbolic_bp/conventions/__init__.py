r"""Backpropagation conventions: one object per recipe, and a registry by name.

- :mod:`~symbolic_bp.conventions.base`: :class:`Convention` (the hooks a recipe overrides) and
  the registry (:func:`register`, :func:`get_convention`);
- :mod:`~symbolic_bp.conventions.output`: output signals derived from the loss;
- :mod:`~symbolic_bp.conventions.builtin`: the built-in recipes, registered on import.

A new convention goes in ``builtin.py`` (or in the user's own code, registered with
:func:`register`); nothing else in the package names one.
"""

from .base import (
    ALIASES,
    CONVENTIONS,
    RESERVED_LETTERS,
    Convention,
    batch_scale,
    builtin_code,
    check_letter,
    get_convention,
    is_builtin,
    recipe_value,
    register,
    restore_builtin_code,
    second_letter,
    signal_meaning,
    unregister,
    uses_parameter_hooks,
)
from .builtin import (
    Delta,
    ErrorAtUpdate,
    ErrorAtUpdateConsistent,
    FlippedSign,
    Gradient,
    InPlace,
    Matrix,
    OutputDerivative,
    Reduced,
)
from .output import minus_dloss_dnet, minus_dloss_doutput, tidy_output_signal

__all__ = [
    "ALIASES",
    "CONVENTIONS",
    "RESERVED_LETTERS",
    "Convention",
    "Delta",
    "ErrorAtUpdate",
    "ErrorAtUpdateConsistent",
    "FlippedSign",
    "Gradient",
    "InPlace",
    "Matrix",
    "OutputDerivative",
    "Reduced",
    "batch_scale",
    "builtin_code",
    "check_letter",
    "get_convention",
    "is_builtin",
    "recipe_value",
    "minus_dloss_dnet",
    "minus_dloss_doutput",
    "register",
    "restore_builtin_code",
    "second_letter",
    "signal_meaning",
    "tidy_output_signal",
    "unregister",
    "uses_parameter_hooks",
]
