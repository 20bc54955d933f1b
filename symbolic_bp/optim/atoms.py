r"""Exact runs that stay small: irrational values become atoms with rigorous enclosures.

Adam's square roots make the exact values of a concrete run nested radicals that grow with
every step, and SymPy's automatic evaluation of them grows faster still. :class:`Atoms`
replaces every value that is not a rational by a fresh symbol whose value is known only
through an interval enclosing it (outward rounding, :mod:`symbolic_bp.intervals`); later
steps compute with the symbol. Interval arithmetic is inclusion-monotone, so evaluating any
later value on these intervals still encloses its exact value: a difference certified that way
is certain. Rational values stay exact.

>>> import sympy as sp
>>> atoms = Atoms()
>>> x = atoms.settle(sp.sqrt(2))
>>> x, atoms.settle(sp.Rational(1, 3))
(_a1, 1/3)
>>> atoms.interval(x * x - 2).a <= 0 <= atoms.interval(x * x - 2).b
True
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..intervals import Undecided, enclose

__all__ = ["Atoms"]


class Atoms:
    """Fresh symbols ``_a1, _a2, ...`` standing for irrational values, with enclosures."""

    def __init__(self) -> None:
        self.env: dict[sp.Symbol, Any] = {}

    def settle(self, value: sp.Expr) -> sp.Expr:
        """``value`` itself when rational or not a number of this run (it has other symbols);
        otherwise an atom enclosing it (``value`` itself when it cannot be enclosed)."""
        value = sp.sympify(value)
        if value.is_Rational or value.free_symbols - set(self.env):
            return value
        try:
            interval = enclose(value, self.env)
        except (Undecided, ValueError, ZeroDivisionError, OverflowError):
            return value
        atom = sp.Symbol(f"_a{len(self.env) + 1}", real=True)
        self.env[atom] = interval
        return atom

    def interval(self, value: sp.Expr) -> Any:
        """An enclosure of ``value`` (a number, or an expression in the atoms)."""
        return enclose(sp.sympify(value), self.env)
