r"""The zero test of the optimizer prover: the sound exact test, after a cheap rigorous screen.

Adam's unrolled iterates are quotients with nested square roots; expanding and cancelling the
difference of two that are *not* equal can take seconds each, only to end in "not shown".
:func:`certainly_nonzero` first evaluates the expression at one rational point (every symbol a
value in ``(0, 1)``, inside every domain the prover uses) with rigorous interval arithmetic: an
enclosure that excludes 0 proves that the expression is not identically 0, so the exact test
is skipped. The screen only ever *skips* a proof; "zero" is still only what
:func:`symbolic_bp.algebra.is_zero` establishes.

>>> import sympy as sp
>>> a, b = sp.symbols("a b", positive=True)
>>> certainly_nonzero(sp.sqrt(a + b) - sp.sqrt(a) - sp.sqrt(b))
True
>>> exact_zero((a + b) ** 2 - a**2 - 2 * a * b - b**2)
True
>>> exact_zero(sp.sqrt(a + b) - sp.sqrt(a))
False
"""

from __future__ import annotations

import sympy as sp

from ..algebra import is_zero
from ..intervals import Undecided, enclose, excludes_zero

__all__ = ["certainly_nonzero", "exact_zero", "screen_point"]


def screen_point(symbols: list[sp.Symbol]) -> dict[sp.Symbol, sp.Rational]:
    """A fixed rational in ``(0, 1)`` for every symbol, chosen by its name (so the same
    symbol always gets the same value, whatever the hash seed)."""
    out = {}
    for s in symbols:
        h = sum((n + 1) * ord(ch) for n, ch in enumerate(s.name))
        out[s] = sp.Rational(2 * (h % 89) + 3, 2 * (h % 89) + 3 + (h % 97) + 11)
    return out


def certainly_nonzero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is provably not identically zero (its value at one rational point is
    enclosed away from 0). ``False`` means "not shown"."""
    expr = sp.sympify(expr)
    if expr.is_number:
        return expr.is_zero is False
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if not all(isinstance(s, sp.Symbol) for s in symbols):
        return False
    try:
        return excludes_zero(enclose(expr, screen_point(symbols)))
    except (Undecided, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return False


def exact_zero(expr: sp.Expr) -> bool:
    """``True`` only when ``expr`` is exactly 0 by :func:`symbolic_bp.algebra.is_zero`; the
    screen skips the test for expressions that are provably not identically 0."""
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    if certainly_nonzero(expr):
        return False
    return is_zero(expr)
