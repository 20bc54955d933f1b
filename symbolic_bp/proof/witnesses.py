r"""Counterexamples, found and certified on the concrete per-neuron rules.

A witness that two conventions' updates of a parameter differ is a point of exact rationals
(inputs, targets, weights, biases, ``eta``) and, where the network has generic activations,
concrete polynomial activations standing in for them. It is certified by evaluating both
conventions' *concrete* rules (:func:`~symbolic_bp.derive.derive` on the network itself, with
only the signals and updates the parameter needs) at that point in rigorous interval
arithmetic: the two enclosures must be disjoint. Where every value is rational, the exact
values are computed too and reported instead.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.conventions import get_convention
>>> net = Network.build([2, 2, 1])
>>> search = WitnessSearch(net, get_convention("error_at_update"), get_convention("delta"))
>>> found = search.find(["w1_1_1", "w2_1_1"], attempts=4)
>>> sorted(found), found["w1_1_1"].exact
(['w1_1_1'], True)
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import nstr

from ..codegen.evaluate import rule_program, run
from ..conventions import Convention, second_letter
from ..derive import UpdateRules, derive
from ..intervals import Undecided, excludes_zero, interval_texts
from ..model.activations import Activation
from ..model.network import Network
from ..parsing import X
from .clock import Clock
from .results import Counterexample

__all__ = ["WitnessSearch", "substitute_generic", "random_values", "rational_valued"]

#: concrete stand-ins for generic activations, simplest first: attempt 0 uses straight lines
#: (the values of a point of small integers then stay small integers, however deep the
#: network: a student can check them by hand, and exact arithmetic stays cheap), attempt 1 a
#: parabola, later attempts cubics (differences that need a non-constant derivative)
_LINES = [2 * X, 3 * X]
_PARABOLA = X**2 + X
_POLYS = [
    X**2 / 2 + X / 3,
    X**3 / 3 - X / 2 + sp.Rational(1, 5),
    X**2 / 3 - X + 1,
    X**3 / 4 + X**2 / 5 + X / 7,
]
_UNIT_OUTPUT = 1 / (2 + X**2)  # values in (0, 1/2]: for a loss that needs outputs in (0, 1)
_TRANSCENDENTAL = (sp.exp, sp.log, sp.tanh, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.atan, sp.pi, sp.E)


def _stand_in(attempt: int, l: int) -> sp.Expr:
    if attempt == 0:
        return _LINES[(l + 1) % len(_LINES)]
    if attempt == 1:
        return _PARABOLA
    return _POLYS[(attempt + l) % len(_POLYS)]


def substitute_generic(net: Network, attempt: int) -> tuple[Network, dict[str, str]]:
    """Replace every generic activation by a concrete one with rational values, so that an
    exact evaluation is possible. The choice varies with ``attempt``, simplest first."""
    acts: list[Activation] = []
    chosen: dict[str, str] = {}
    for l, act in enumerate(net.activations, start=1):
        if not act.is_generic:
            acts.append(act)
            continue
        if act.derivative_expr == 1:
            expr = X + sp.Rational(attempt + 1, 3)
        elif l == net.depth and net.loss.needs_unit_interval:
            expr = _UNIT_OUTPUT
        else:
            expr = _stand_in(attempt, l)
        acts.append(Activation(act.name, expr, sp.diff(expr, X), None, False, str(expr), True))
        chosen[act.name] = sp.sstr(expr)
    return net.with_activations(acts), chosen


def random_values(net: Network, attempt: int) -> dict[str, Fraction]:
    """A deterministic point, by name: at attempt 0 small integers (weights and inputs in
    {-1, 1, 2}, targets 0 or 1 (one-hot for probability targets), ``eta = 1``) that a student
    can follow by hand; later, small non-zero rationals (targets in (0, 1), summing to 1 for
    probability targets) that lean towards positive values, so that piecewise activations
    (ReLU) see other patterns of active and inactive neurons. Every sample of a batch has its
    own inputs and targets; a symbolic L2 coefficient gets a value too."""
    rng = random.Random(1009 * attempt + 17)
    point: dict[str, Fraction] = {}
    if attempt == 0:
        for v in net.views():
            for i in net.neurons(0):
                point[v.x(i).name] = Fraction(rng.choice((1, 2, -1)))
            if net.loss.probability_targets:  # a probability vector: one-hot
                hot = rng.choice(list(net.neurons(net.depth)))
                targets = [Fraction(int(j == hot)) for j in net.neurons(net.depth)]
            else:
                targets = [Fraction(rng.choice((0, 1))) for _ in net.neurons(net.depth)]
            for j, t in zip(net.neurons(net.depth), targets, strict=True):
                point[v.t(j).name] = t
        for name in net.parameter_names():
            point[name] = Fraction(rng.choice((1, 1, 2, -1)))
        point["eta"] = Fraction(1)
    else:
        _rational_point(net, rng, attempt, point)
    if isinstance(net.objective.l2, sp.Symbol):
        point[net.objective.l2.name] = Fraction(rng.randint(1, 4), 8)
    return point


def _rational_point(
    net: Network, rng: random.Random, attempt: int, point: dict[str, Fraction]
) -> None:
    positive = (0.5, 0.5, 0.75, 0.9, 0.65, 0.8)[attempt % 6]

    def q() -> Fraction:
        num = rng.randint(1, 5) * (1 if rng.random() < positive else -1)
        return Fraction(num, rng.randint(2, 7))

    for v in net.views():
        for i in net.neurons(0):
            point[v.x(i).name] = q()
        targets = [Fraction(rng.randint(1, 6), 7) for _ in net.neurons(net.depth)]
        if net.loss.probability_targets:  # a probability vector: its entries sum to 1
            total = sum(targets)
            targets = [t / total for t in targets]
        for j, t in zip(net.neurons(net.depth), targets, strict=True):
            point[v.t(j).name] = t
    for name in net.parameter_names():
        point[name] = q()
    point["eta"] = Fraction(rng.randint(1, 4), 4)


def rational_valued(net: Network) -> bool:
    """Whether every value at a rational point is rational (so it can be shown exactly)."""
    exprs = [a.expr for a in net.activations] + [a.derivative_expr for a in net.activations]
    exprs.append(net.loss.term_expr)
    return not any(e.has(*_TRANSCENDENTAL) or e.has(sp.sqrt(X)) for e in exprs)


def approximate(interval: Any) -> float | str:
    """The midpoint of an enclosure as a float, or as text where no float holds it."""
    value = float(interval.mid)
    if math.isfinite(value) and (value != 0 or interval.mid == 0):
        return value
    return nstr(interval.mid, 10)


def _symbols(net: Network, values: dict[str, Fraction]) -> dict[sp.Symbol, Fraction]:
    by_name = {s.name: s for s in net.symbols_of_point()}
    out: dict[sp.Symbol, Fraction] = {}
    for name, v in values.items():
        if name in by_name:
            out[by_name[name]] = v
        else:
            l, j, i = net.locate(name)
            out[net.w(l, j, i) if i is not None else net.b(l, j)] = v
    return out


class WitnessSearch:
    """Counterexamples for two conventions on ``net``, certified on their concrete rules."""

    def __init__(
        self,
        net: Network,
        a: Convention,
        b: Convention,
        clock: Clock | None = None,
        exact_limit: int = 5000,
    ) -> None:
        self.net, self.a, self.b = net, a, b
        self.letters = (a.letter, second_letter(a, b))
        self.clock = clock or Clock(None)
        self.exact_limit = exact_limit
        self._rules: dict[tuple[Any, ...], tuple[UpdateRules, UpdateRules]] = {}
        self._last: tuple[UpdateRules, UpdateRules]

    def find(self, targets: Sequence[str], attempts: int) -> dict[str, Counterexample]:
        """A certified :class:`Counterexample` for each of ``targets`` (parameter names) that
        has one within ``attempts`` points; the others are left out."""
        found: dict[str, Counterexample] = {}
        layer = {name: self.net.locate(name)[0] for name in targets}
        open_ = sorted(targets, key=lambda n: (-layer[n], n))  # top layers read simplest
        for attempt in range(attempts):
            if not open_:
                break
            self.clock.check()
            concrete, chosen = substitute_generic(self.net, attempt)
            point = _symbols(concrete, random_values(self.net, attempt))
            values = self._evaluate(concrete, point, open_)
            hits = [n for n in open_ if n in values and excludes_zero(values[n][1] - values[n][0])]
            exact = self._exact(concrete, point, hits)
            still = []
            for name in open_:
                witness = None
                if name in hits:
                    witness = self._witness(chosen, point, name, values[name], exact)
                if witness is not None:
                    found[name] = witness
                else:
                    still.append(name)
            open_ = still
        return found

    def _evaluate(
        self, concrete: Network, point: dict[sp.Symbol, Fraction], names: list[str]
    ) -> dict[str, tuple[Any, Any]]:
        ra, rb = self._derived(concrete, names)
        params = [p for p in ra.updates if p.name in set(names)]
        out: dict[str, tuple[Any, Any]] = {}
        try:
            va = run(rule_program(ra), point, "interval", params, skip_undecided=True)
            vb = run(rule_program(rb), point, "interval", params, skip_undecided=True)
        except (Undecided, ZeroDivisionError, OverflowError, ValueError):
            return out
        for p in params:
            if p in va and p in vb:
                out[p.name] = (va[p], vb[p])
        return out

    def _derived(self, concrete: Network, names: list[str]) -> tuple[UpdateRules, UpdateRules]:
        whole = len(names) == self.net.parameter_count
        key = (concrete.activations, None if whole else tuple(sorted(names)))
        if key not in self._rules:
            wanted = None if whole else names
            ra = derive(concrete, self.a, letter=self.letters[0], parameters=wanted)
            rb = derive(concrete, self.b, letter=self.letters[1], parameters=wanted)
            self._rules[key] = (ra, rb)
        self._last = self._rules[key]
        return self._last

    def _witness(
        self,
        chosen: dict[str, str],
        point: dict[sp.Symbol, Fraction],
        name: str,
        pair: tuple[Any, Any],
        exact: dict[str, tuple[Fraction, Fraction]],
    ) -> Counterexample | None:
        va, vb = pair
        shown = interval_texts(va, vb)
        values: dict[str, Any] = {self.a.name: shown[0], self.b.name: shown[1]}
        if name in exact:
            ea, eb = exact[name]
            if ea == eb:
                return None  # disjoint enclosures of equal values: never report such a witness
            values = {self.a.name: ea, self.b.name: eb}
        return Counterexample(
            name,
            {s.name: v for s, v in point.items()},
            chosen,
            values,
            {self.a.name: approximate(va), self.b.name: approximate(vb)},
            self.net.describe(),
        )

    def _exact(
        self, concrete: Network, point: dict[sp.Symbol, Fraction], names: list[str]
    ) -> dict[str, tuple[Fraction, Fraction]]:
        """The exact values of ``names`` where every value is rational (empty otherwise, or
        where the exact evaluation fails), from the rules the enclosures came from (they hold
        these updates: deriving again per parameter cost more than the evaluation)."""
        if not names or not rational_valued(concrete):
            return {}
        if self.net.parameter_count > self.exact_limit:
            return {}
        ra, rb = self._last
        params = [q for q in ra.updates if q.name in set(names)]
        try:
            ea = run(rule_program(ra), point, "exact", params)
            eb = run(rule_program(rb), point, "exact", params)
        except (Undecided, ZeroDivisionError, OverflowError):
            return {}
        return {p.name: (ea[p], eb[p]) for p in params}
