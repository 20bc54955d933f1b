"""Rigorous interval evaluation of SymPy expressions (mpmath's interval arithmetic).

Deciding that an exact constant such as a difference of nested sigmoids is *not zero* needs no
simplification: enclose it in an interval computed with outward rounding; if the interval
excludes 0, the constant is certainly non-zero. This is how a counterexample with a concrete
transcendental activation is certified, at linear cost in the size of the network (each
neuron's expression is evaluated once, its value shared).

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> excludes_zero(enclose(sp.exp(x) - 1, {x: sp.Rational(1, 3)}))
True
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import iv

from .model.piecewise import LEAKY_SLOPE, LeakyReLU, LeakyStep, ReLU, ReLUStep

__all__ = [
    "enclose",
    "excludes_zero",
    "Undecided",
    "to_interval",
    "interval_text",
    "interval_texts",
    "PRECISION_BITS",
]

PRECISION_BITS = 256
_ARG = sp.Dummy("a", real=True)


class Undecided(Exception):
    """The interval cannot decide a branch (a kink at 0 inside the interval) or a function
    has no interval form; the caller tries another point."""


def to_interval(value: sp.Expr | Fraction | int) -> Any:
    """An exact rational (SymPy, :class:`~fractions.Fraction` or integer) as an interval."""
    iv.prec = PRECISION_BITS
    if isinstance(value, Fraction | int):
        return iv.mpf(Fraction(value).numerator) / Fraction(value).denominator
    value = sp.nsimplify(value) if not isinstance(value, sp.Basic) else value
    if value.is_Rational:
        return iv.mpf(int(value.p)) / int(value.q)
    raise Undecided(f"not a rational: {value}")


def _dummies(count: int) -> tuple[sp.Dummy, ...]:
    """Real dummies standing for a function's arguments (the first is ``_ARG``)."""
    while len(_DUMMIES) < count:
        _DUMMIES.append(sp.Dummy(f"a{len(_DUMMIES)}", real=True))
    return tuple(_DUMMIES[:count])


_DUMMIES = [_ARG]


def _positive(a: Any) -> bool:
    return a.a > 0


def _nonpositive(a: Any) -> bool:
    return a.b <= 0


#: ``exp`` of an argument beyond this magnitude is not attempted (its value has more than
#: 400,000 digits; a nested ``exp`` of it would not finish): the point is undecided
MAX_EXP_ARGUMENT = 10**6


def _exp(a: Any) -> Any:
    if abs(a.a) > MAX_EXP_ARGUMENT or abs(a.b) > MAX_EXP_ARGUMENT:
        raise Undecided("exp of a value too large to enclose (overflow)")
    return iv.exp(a)


def _tanh(a: Any) -> Any:
    if a.a > 10**4:  # tanh is 1 to far beyond 256 bits there; exp(2a) would be huge
        return iv.mpf([1 - iv.mpf(2) ** -PRECISION_BITS, 1])
    if a.b < -(10**4):
        return iv.mpf([-1, -1 + iv.mpf(2) ** -PRECISION_BITS])
    return 1 - 2 / (_exp(2 * a) + 1)


_UNARY = {
    sp.exp: _exp,
    sp.log: iv.log,
    sp.sin: iv.sin,
    sp.cos: iv.cos,
    sp.tanh: _tanh,
    sp.sinh: lambda a: (_exp(a) - _exp(-a)) / 2,
    sp.cosh: lambda a: (_exp(a) + _exp(-a)) / 2,
    sp.atan: lambda a: iv.atan2(a, iv.mpf(1)),
}


def _piecewise_unary(func: type, a: Any) -> Any:
    if func in (ReLU, LeakyReLU, ReLUStep, LeakyStep):
        if _positive(a):
            return {ReLU: a, LeakyReLU: a, ReLUStep: iv.mpf(1), LeakyStep: iv.mpf(1)}[func]
        if _nonpositive(a):
            slope = to_interval(LEAKY_SLOPE)
            return {ReLU: iv.mpf(0), LeakyReLU: slope * a, ReLUStep: iv.mpf(0), LeakyStep: slope}[
                func
            ]
        raise Undecided("kink at 0 inside the interval")
    if func is sp.Abs:
        if a.a >= 0:
            return a
        if a.b <= 0:
            return -a
        raise Undecided("abs at 0 inside the interval")
    raise Undecided(f"no interval form for {func}")


def enclose(expr: sp.Expr, env: Mapping[sp.Symbol, Any], memo: dict | None = None) -> Any:
    """An interval that contains the exact value of ``expr`` with symbols from ``env``
    (intervals or exact rationals). Raises :class:`Undecided` when it cannot."""
    iv.prec = PRECISION_BITS
    memo = {} if memo is None else memo

    def ev(e: sp.Basic) -> Any:
        if e in memo:
            return memo[e]
        if e.is_Symbol:
            try:
                v = env[e]
            except KeyError:
                raise Undecided(f"no value for {e}") from None
            out = v if not isinstance(v, sp.Basic) else to_interval(v)
        elif e.is_Rational:
            out = to_interval(e)
        elif e is sp.pi:
            out = iv.pi
        elif e is sp.E:
            out = iv.e
        elif e.is_Add:
            out = iv.mpf(0)
            for arg in e.args:
                out = out + ev(arg)
        elif e.is_Mul:
            out = iv.mpf(1)
            for arg in e.args:
                out = out * ev(arg)
        elif e.is_Pow:
            base, exponent = e.args
            b = ev(base)
            if exponent.is_Integer:
                k = int(exponent)
                out = b**k if k >= 0 else 1 / (b ** (-k))
            elif exponent == sp.S.Half:
                out = iv.sqrt(b)
            else:
                out = iv.exp(ev(exponent) * iv.log(b))
        elif e.func in _UNARY:
            out = _UNARY[e.func](ev(e.args[0]))
        elif isinstance(e, (sp.Max, sp.Min)):
            vals = [ev(a) for a in e.args]
            pick = max if isinstance(e, sp.Max) else min
            lows = [v.a for v in vals]
            highs = [v.b for v in vals]
            out = iv.mpf([pick(lows), pick(highs)])
        elif e.args and hasattr(e.func, "explicit"):
            # an opaque activation (or LogSumExp): its explicit form at the enclosed arguments
            dummies = _dummies(len(e.args))
            values = {d: ev(a) for d, a in zip(dummies, e.args, strict=True)}
            out = enclose(e.func.explicit(*dummies), values)
        elif len(e.args) == 1 and isinstance(e, sp.Function):
            out = _piecewise_unary(e.func, ev(e.args[0]))
        else:
            raise Undecided(f"no interval form for {type(e).__name__}")
        memo[e] = out
        return out

    return ev(sp.sympify(expr))


def excludes_zero(interval: Any) -> bool:
    """``True`` when the interval lies strictly on one side of 0."""
    return bool(interval.a > 0 or interval.b < 0)


def interval_text(interval: Any, digits: int = 20) -> str:
    """``"[lo, hi]"`` with ``digits`` significant digits, each end moved outwards by more than
    the printing's rounding error (relative to its own size: a tiny value keeps its digits), so
    that the printed interval still encloses the exact value.

    >>> interval_text(iv.mpf([1, 2]) / 3, 5)
    '[0.333, 0.66733]'
    """
    iv.prec = PRECISION_BITS
    return f"[{_end(interval.a, digits, -1)}, {_end(interval.b, digits, 1)}]"


def interval_texts(first: Any, second: Any, digits: int = 20) -> tuple[str, str]:
    """Both intervals as :func:`interval_text`, with as many digits (at least ``digits``, at
    most what ``PRECISION_BITS`` holds) as it takes for the *printed* intervals to be disjoint
    when the intervals themselves are, so that a reader can check a certificate "the
    enclosures are disjoint" from what is shown (values that differ in the 30th digit are
    not printed as the same 20-digit interval).

    >>> third, near = to_interval(Fraction(1, 3)), to_interval(Fraction(10**30 + 1, 3 * 10**30))
    >>> interval_text(third) == interval_text(near)  # 20 digits: the same text
    True
    >>> interval_texts(third, near)[1]
    '[0.33333333333333333333333333333366633, 0.333333333333333333333333333333667]'
    """
    iv.prec = PRECISION_BITS
    apart = bool(first.b < second.a or second.b < first.a)
    most = int(PRECISION_BITS * 0.30103) - 2
    shown = (interval_text(first, digits), interval_text(second, digits))
    while apart and digits < most and not _printed_apart(*shown):
        digits = min(most, digits + 5)
        shown = (interval_text(first, digits), interval_text(second, digits))
    return shown


def _printed_apart(first: str, second: str) -> bool:
    """Whether two ``"[lo, hi]"`` texts denote disjoint intervals (compared exactly)."""
    (a_lo, a_hi), (b_lo, b_hi) = (
        [Fraction(end.strip()) for end in text.strip("[]").split(",")] for text in (first, second)
    )
    return a_hi < b_lo or b_hi < a_lo


def _end(value: Any, digits: int, direction: int) -> str:
    """One end of an interval as text, moved outwards (``direction`` -1 down, +1 up)."""
    x = iv.mpf(value).a if direction < 0 else iv.mpf(value).b  # the exact end point
    if x == 0:
        return "0"
    moved = x + direction * abs(x) * iv.mpf(10) ** (2 - digits)
    end = moved.a if direction < 0 else moved.b
    return iv.nstr(iv.mpf(end), digits).strip("[]").split(",")[0].strip()
