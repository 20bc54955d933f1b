r"""One evaluator of "forward pass, then rules", exact or in rigorous intervals.

A convention's concrete rules (:class:`~symbolic_bp.derive.UpdateRules`) are a straight-line
program: the net inputs ``e^l_j`` layer by layer, the signals from the output layer down, then
the updates. :func:`rule_program` lists those assignments (the NumPy code of
:mod:`symbolic_bp.codegen.numeric` prints the same list); :func:`run` evaluates them at a point:

- ``mode="exact"``: Python :class:`~fractions.Fraction` arithmetic; a value that is not
  rational (``exp`` of a rational, a non-integer power) raises
  :class:`~symbolic_bp.intervals.Undecided`;
- ``mode="interval"``: mpmath intervals with outward rounding, so every value is a rigorous
  enclosure of the exact one (an undecidable kink, an overflow: ``Undecided``).

Each neuron is evaluated once; the forward pass multiplies numbers, it never substitutes into
expressions, so a counterexample on 784-256-128-64-10 costs one pass over its weights.

>>> from fractions import Fraction
>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.derive import derive
>>> net = Network.build([1, 1], "x**2")
>>> point = {net.x(1): Fraction(2), net.t(1): Fraction(1), net.w(1, 1, 1): Fraction(1, 2),
...          net.eta: Fraction(1)}
>>> run(rule_program(derive(net, "delta")), point, "exact")
{w1_1_1: Fraction(0, 1)}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import iv

from ..derive import UpdateRules
from ..intervals import PRECISION_BITS, Undecided, enclose, to_interval
from ..model.network import Network

__all__ = ["Program", "rule_program", "run", "evaluate_rules", "exact_value", "MAX_EXACT_BITS"]

#: an exact value larger than this (numerator or denominator bits) is refused: intervals instead
MAX_EXACT_BITS = 20_000


@dataclass
class Program:
    """Assignments ``symbol = expr`` in order (net inputs, then signals top down) and the
    updates ``{parameter: expr}`` they feed."""

    network: Network
    steps: list[tuple[sp.Symbol, sp.Expr]]
    updates: dict[sp.Symbol, sp.Expr]


def rule_program(rules: UpdateRules) -> Program:
    """The straight-line program of ``rules`` (every net input, the derived signals, the
    derived updates)."""
    net = rules.network
    steps = [
        (v.e(l, j), v.net_input(l, j))
        for v in net.views()
        for l in range(1, net.depth + 1)
        for j in net.neurons(l)
    ]
    for l in sorted(rules.signal_symbols, reverse=True):
        steps += list(zip(rules.signal_symbols[l], rules.signal_exprs[l], strict=True))
    return Program(net, steps, dict(rules.updates))


def run(
    program: Program,
    point: Mapping[sp.Symbol, Fraction],
    mode: str = "interval",
    parameters: Iterable[sp.Symbol] | None = None,
    skip_undecided: bool = False,
) -> dict[sp.Symbol, Any]:
    """The updates of ``program`` at ``point`` (inputs, targets, parameters, ``eta`` as exact
    rationals): exact :class:`~fractions.Fraction` values or intervals (see the module
    docstring). Only ``parameters`` (default: every update) are evaluated.

    **Raises:** :class:`~symbolic_bp.intervals.Undecided` when a value cannot be computed in
    this mode at this point; with ``skip_undecided``, such values are left out instead (and
    whatever depends on them).
    """
    if mode not in ("exact", "interval"):
        raise ValueError(f"mode {mode!r} is not exact or interval")
    backend: Any = (
        _Exact() if mode == "exact" else _Interval({s: Fraction(v) for s, v in point.items()})
    )
    env: dict[sp.Symbol, Any] = {s: backend.number(v) for s, v in point.items()}
    net = program.network
    _forward(net, env, backend)
    memo: dict = {}
    for sym, expr in program.steps:
        if sym not in env:
            try:
                env[sym] = backend.value(expr, env, memo)
            except Undecided:
                if not skip_undecided:
                    raise
    wanted = program.updates if parameters is None else list(parameters)
    out: dict[sp.Symbol, Any] = {}
    for p in wanted:
        try:
            out[p] = backend.value(program.updates[p], env, memo)
        except Undecided:
            if not skip_undecided:
                raise
    return out


def evaluate_rules(
    rules: UpdateRules, point: Mapping[sp.Symbol, sp.Expr]
) -> dict[sp.Symbol, sp.Expr]:
    """Every update of ``rules`` at ``point`` as an exact SymPy value (symbolic constants such
    as ``exp(1/2)`` stay exact), by the same program: each neuron substituted once."""
    program = rule_program(rules)
    values: dict[sp.Symbol, sp.Expr] = dict(point)
    for sym, expr in program.steps:
        values[sym] = expr.xreplace(values)
    return {p: expr.xreplace(values) for p, expr in program.updates.items()}


def exact_value(expr: sp.Expr, env: Mapping[sp.Symbol, Fraction]) -> Fraction:
    """``expr`` at ``env`` as an exact :class:`~fractions.Fraction` (or ``Undecided``)."""
    backend = _Exact()
    return backend.value(expr, {s: backend.number(v) for s, v in env.items()}, {})


def _forward(net: Network, env: dict[sp.Symbol, Any], backend: Any) -> None:
    """``e^l_j`` for every neuron of every sample, by multiplying numbers (the first layer
    exactly)."""
    for v in net.views():
        _forward_sample(v, env, backend)


def _forward_sample(net: Network, env: dict[sp.Symbol, Any], backend: Any) -> None:
    y = [env[net.x(i)] for i in net.neurons(0)]
    exact_first = isinstance(backend, _Interval)
    for l in range(1, net.depth + 1):
        act = net.activations[l - 1]
        e_vals = []
        for j in net.neurons(l):
            if exact_first and l == 1:
                point = backend.exact
                total = sum(
                    (point[net.w(1, j, i)] * point[net.x(i)] for i in net.neurons(0)), Fraction(0)
                )
                if net.bias:
                    total += point[net.b(1, j)]
                value = backend.number(total)
            else:
                value = backend.dot([env[net.w(l, j, i)] for i in net.neurons(l - 1)], y)
                if net.bias:
                    value = value + env[net.b(l, j)]
            env[net.e(l, j)] = value
            e_vals.append(value)
        if l < net.depth:  # the output layer's outputs feed no layer (softmax: no scalar form)
            y = [backend.apply(act, v) for v in e_vals]


class _Exact:
    """Fractions; anything irrational is :class:`Undecided`."""

    def number(self, v: Any) -> Fraction:
        if isinstance(v, Fraction | int):
            return Fraction(v)
        v = sp.sympify(v)
        if v.is_Rational:
            return Fraction(int(v.p), int(v.q))
        raise Undecided(f"not a rational: {v}")

    def dot(self, row: list[Fraction], column: list[Fraction]) -> Fraction:
        return sum((a * b for a, b in zip(row, column, strict=True)), Fraction(0))

    def apply(self, act: Any, v: Fraction) -> Fraction:
        return self.value(act.unfold(act(_ARG)), {_ARG: v}, {})

    def value(self, expr: sp.Expr, env: Mapping[sp.Basic, Any], memo: dict) -> Fraction:
        try:
            return _walk(expr, env, memo, self)
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            raise Undecided(f"no exact value: {exc}") from None

    def const(self, e: sp.Basic) -> Fraction:
        if e.is_Rational:
            return Fraction(int(e.p), int(e.q))
        raise Undecided(f"{e} is not rational")

    def power(self, base: Fraction, exponent: sp.Expr) -> Fraction:
        if not exponent.is_Integer:
            raise Undecided("a non-integer power")
        k = int(exponent)
        bits = max(base.numerator.bit_length(), base.denominator.bit_length())
        if bits * abs(k) > MAX_EXACT_BITS:
            raise Undecided("an exact value too large to carry")
        return base**k

    def function(self, e: sp.Basic, arg: Fraction) -> Fraction:
        r = sp.Rational(arg.numerator, arg.denominator)
        out = sp.sympify(e.func.explicit(r) if hasattr(e.func, "explicit") else e.func(r))
        if not out.is_Rational:
            raise Undecided(f"{e.func}({arg}) is not rational")
        return Fraction(int(out.p), int(out.q))


class _Interval:
    """mpmath intervals (256 bits, outward rounding), via :func:`~symbolic_bp.intervals.enclose`."""

    def __init__(self, exact: Mapping[sp.Symbol, Fraction]) -> None:
        iv.prec = PRECISION_BITS
        self.exact = exact  # the point itself: the first layer's net inputs are exact sums

    def number(self, v: Any) -> Any:
        return to_interval(v)

    def dot(self, row: list[Any], column: list[Any]) -> Any:
        total = iv.mpf(0)
        for a, b in zip(row, column, strict=True):
            total = total + a * b
        return total

    def apply(self, act: Any, v: Any) -> Any:
        return self.value(act.unfold(act(_ARG)), {_ARG: v}, {})

    def value(self, expr: sp.Expr, env: Mapping[sp.Basic, Any], memo: dict) -> Any:
        try:
            return enclose(expr, env, memo)
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            raise Undecided(f"no enclosure: {exc}") from None


_ARG = sp.Dummy("z", real=True)


def _walk(expr: sp.Basic, env: Mapping[sp.Basic, Any], memo: dict, backend: _Exact) -> Fraction:
    """The exact value of ``expr`` (sharing repeated subtrees through ``memo``)."""

    def ev(e: sp.Basic) -> Fraction:
        if e in memo:
            return memo[e]
        if e.is_Symbol:
            if e not in env:
                raise Undecided(f"no value for {e}")
            out = env[e]
        elif e.is_number and e.is_Rational:
            out = backend.const(e)
        elif e.is_Add:
            out = sum((ev(a) for a in e.args), Fraction(0))
        elif e.is_Mul:
            out = Fraction(1)
            for a in e.args:
                out *= ev(a)
        elif e.is_Pow:
            out = backend.power(ev(e.args[0]), e.args[1])
        elif isinstance(e, sp.Max | sp.Min):
            vals = [ev(a) for a in e.args]
            out = max(vals) if isinstance(e, sp.Max) else min(vals)
        elif isinstance(e, sp.Function) and len(e.args) == 1:
            out = backend.function(e, ev(e.args[0]))
        else:
            raise Undecided(f"no exact form for {type(e).__name__}")
        memo[e] = out
        return out

    return ev(sp.sympify(expr))
