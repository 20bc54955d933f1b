r"""Counterexamples: a concrete loss, starting point and hyperparameters where two recipes differ.

A *probe* is a polynomial loss with rational coefficients (quadratic, some with a cubic term),
a rational starting point and a rational value for every hyperparameter symbol (taken from the
hyperparameter's samples, inside its domain; under a per-step schedule the rates differ from
step to step). Both recipes are run on it in exact arithmetic (their own code, on SymPy
rationals; a square root of a rational that is not a square stays an exact algebraic number).
Two values differ for certain when both are rationals and unequal, or when rigorous interval
enclosures of the exact values (:mod:`symbolic_bp.intervals`) are disjoint.

>>> import sympy as sp
>>> probe = probes(2, [sp.Symbol("lr", positive=True)], 3)[0]
>>> probe.loss
p_1**2 + p_1*p_2/3 - p_1/2 + 3*p_2**2/4 + p_2/3
>>> probe.gradient((sp.Rational(1), sp.Rational(0)))
(3/2, 2/3)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from ..errors import InputError
from ..intervals import Undecided, excludes_zero, interval_texts
from .atoms import Atoms
from .vector import Vec

__all__ = ["Probe", "probes", "Comparison", "compare_values", "exact_value", "sample_value"]

# coefficient patterns of the probe losses (a_i: curvature, b_i: slope, c: coupling, q: cubic)
_CURVATURES = ((2, Fraction(3, 2)), (Fraction(1, 2), 3), (1, Fraction(5, 4)), (3, Fraction(2, 5)))
_SLOPES = (
    (Fraction(-1, 2), Fraction(1, 3)),
    (1, Fraction(-2, 3)),
    (Fraction(3, 4), Fraction(1, 5)),
    (Fraction(-2, 5), -1),
)
_COUPLING = (Fraction(1, 3), Fraction(-1, 4), 0, Fraction(1, 2))
_CUBIC = (0, 0, Fraction(1, 3), Fraction(-1, 6))
_STARTS = (
    (1, Fraction(-1, 2)),
    (Fraction(1, 3), 2),
    (Fraction(-3, 2), Fraction(2, 3)),
    (Fraction(2, 5), Fraction(-3, 4)),
)


def _q(x: Any) -> sp.Rational:
    f = Fraction(x)
    return sp.Rational(f.numerator, f.denominator)


@dataclass(frozen=True)
class Probe:
    """A concrete problem: ``loss`` in ``variables``, ``start`` and hyperparameter ``sample``."""

    loss: sp.Expr
    variables: tuple[sp.Symbol, ...]
    start: tuple[sp.Rational, ...]
    sample: tuple[tuple[sp.Symbol, sp.Rational], ...]

    def gradient_exprs(self) -> tuple[sp.Expr, ...]:
        """The gradient of :attr:`loss`, by SymPy's differentiation."""
        return tuple(sp.diff(self.loss, v) for v in self.variables)

    def gradient(self, point: Sequence[sp.Expr]) -> tuple[sp.Expr, ...]:
        """The exact gradient at ``point``."""
        env = dict(zip(self.variables, point, strict=True))
        return tuple(sp.expand(g.xreplace(env)) for g in self.gradient_exprs())

    def oracle(self) -> Callable[[Vec], Vec]:
        """``grad(point)`` for the recipes (the exact gradient as a :class:`Vec`)."""
        exprs = self.gradient_exprs()

        def grad(point: Vec) -> Vec:
            if not isinstance(point, Vec) or len(point) != len(self.variables):
                raise InputError(
                    f"a recipe asked for the gradient at {point!r}, which is not a vector of "
                    f"{len(self.variables)} entries"
                )
            env = dict(zip(self.variables, point.entries, strict=True))
            return Vec(sp.expand(g.xreplace(env)) for g in exprs)

        return grad


def sample_value(symbol: sp.Symbol, info_samples: Sequence[Fraction], n: int) -> sp.Rational:
    """The ``n``-th sample of a hyperparameter symbol; ``lr_t`` shifted by ``t`` so that the
    rates of a schedule differ from step to step."""
    shift = int(symbol.name.split("_")[1]) if "_" in symbol.name else 0
    return _q(info_samples[(n + shift) % len(info_samples)])


def probes(
    dim: int,
    symbols: Sequence[sp.Symbol],
    attempts: int,
    samples: Callable[[sp.Symbol], Sequence[Fraction]] | None = None,
) -> list[Probe]:
    """``attempts`` probes on ``dim`` parameters, the hyperparameter ``symbols`` sampled (the
    ``samples`` of a symbol default to a few simple rationals)."""
    default = (Fraction(1, 2), Fraction(1, 3), Fraction(2, 3), Fraction(3, 4), Fraction(1, 5))
    variables = tuple(sp.Symbol(f"p_{i}", real=True) for i in range(1, dim + 1))
    out = []
    for n in range(attempts):
        k = n % len(_CURVATURES)
        loss = sp.S.Zero
        for i, v in enumerate(variables):
            a = _q(_CURVATURES[(k + i // 2) % 4][i % 2])
            b = _q(_SLOPES[(k + i // 2) % 4][i % 2] * (1 + n // 4))
            loss += a * v**2 / 2 + b * v + _q(_CUBIC[k]) * v**3 / (i + 1)
        for i in range(dim - 1):
            loss += _q(_COUPLING[k]) * variables[i] * variables[i + 1]
        start = tuple(
            _q(_STARTS[(k + i // 2) % 4][i % 2] + Fraction(n // 4, 7)) for i in range(dim)
        )
        sample = tuple((s, sample_value(s, samples(s) if samples else default, n)) for s in symbols)
        out.append(Probe(sp.expand(loss), variables, start, sample))
    return out


def exact_value(value: sp.Expr) -> Fraction | None:
    """``value`` as a :class:`~fractions.Fraction` when it is a rational number."""
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    return None


@dataclass(frozen=True)
class Comparison:
    """Two concrete values: ``differs`` is ``True`` only when certainly different; ``a`` and
    ``b`` are exact rationals or enclosure texts, ``approx`` their float approximations."""

    differs: bool
    a: Fraction | str | None
    b: Fraction | str | None
    approx: tuple[float | str, float | str] = ("", "")


def _approx(value: sp.Expr) -> float | str:
    try:
        return float(sp.N(value, 17))
    except (TypeError, ValueError, OverflowError):
        return sp.sstr(value)


def compare_values(a: sp.Expr, b: sp.Expr, atoms: Atoms | None = None) -> Comparison:
    """Whether the exact numbers ``a`` and ``b`` (in the ``atoms`` of their run) certainly
    differ."""
    if a.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or b.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return Comparison(False, None, None)
    fa, fb = exact_value(a), exact_value(b)
    if fa is not None and fb is not None:
        return Comparison(fa != fb, fa, fb, (_approx(a), _approx(b)))
    atoms = atoms or Atoms()
    try:
        ia, ib = atoms.interval(a), atoms.interval(b)
    except (Undecided, ValueError, ZeroDivisionError, OverflowError):
        return Comparison(False, None, None)
    apart = excludes_zero(ia - ib)
    texts = interval_texts(ia, ib)
    shown_a: Fraction | str = fa if fa is not None else texts[0]
    shown_b: Fraction | str = fb if fb is not None else texts[1]
    return Comparison(apart, shown_a, shown_b, (_middle(ia), _middle(ib)))


def _middle(interval: Any) -> float:
    return float(interval.mid)
