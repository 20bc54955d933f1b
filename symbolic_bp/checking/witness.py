r"""Counterexamples for traced code: a point where the code's update and a convention's differ,
certified on both expressions themselves.

At a point of exact rationals (inputs and targets of every sample, parameters, ``eta``) the
traced update is evaluated from the traced expression, and the convention's from its concrete
per-neuron rules (:func:`~symbolic_bp.codegen.evaluate.run`, once per sample, then the mean).
Where both are rational (polynomial activations) the exact values are compared; otherwise both
are enclosed in rigorous intervals (:mod:`symbolic_bp.intervals`, outward rounding) that must
be disjoint. Nothing numeric is ever taken for "equal": a point without a certified
difference is simply not a witness.

>>> import sympy as sp
>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.derive import derive
>>> net = Network.build([1, 1], "identity")
>>> x, t, w = net.x(1), net.t(1), net.w(1, 1, 1)
>>> search = WitnessSearch({"w1_1_1": 2 * net.eta * (t - w * x) * x}, net, derive(net, "gradient"))
>>> found = search.find(["w1_1_1"], attempts=2)
>>> found["w1_1_1"].exact, sorted(found["w1_1_1"].values)
(True, ['code', 'gradient'])
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import iv

from ..codegen.evaluate import exact_value, rule_program, run
from ..derive import UpdateRules
from ..intervals import Undecided, enclose, excludes_zero, interval_texts, to_interval
from ..model.network import Network
from ..proof.clock import Clock
from ..proof.results import Counterexample
from ..proof.witnesses import approximate, random_values

__all__ = ["WitnessSearch", "CODE"]

#: the name of the traced code's value in a counterexample
CODE = "code"

_FAILURES = (Undecided, ZeroDivisionError, OverflowError, ValueError, TypeError)


class WitnessSearch:
    """Counterexamples for ``updates`` (traced: ``{name: expr}``) against ``rules`` (a
    convention's on ``network``), for one sample or a batch of ``batch`` samples."""

    def __init__(
        self,
        updates: Mapping[str, sp.Expr],
        network: Network,
        rules: UpdateRules,
        *,
        batch: int | None = None,
        lr: sp.Expr | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.updates, self.net, self.rules = updates, network, rules
        self.batch = batch
        self.lr = network.eta if lr is None else lr
        self.clock = clock or Clock(None)
        self.program = rule_program(rules)

    def point(self, attempt: int) -> dict[str, Fraction]:
        """A deterministic point by name: parameters, ``eta`` (when symbolic), and every
        sample's inputs and targets (targets in [0, 1]; for a loss of probability targets,
        such as the categorical cross-entropy, every sample's targets sum to 1: the loss's
        rules hold on that domain only, so a point off it would be no counterexample)."""
        base = random_values(self.net, attempt)
        point = {n: base[n] for n in self.net.parameter_names()}
        if isinstance(self.lr, sp.Symbol):
            point[self.lr.name] = base["eta"]
        rng = random.Random(7919 * attempt + 3)
        outputs = list(self.net.neurons(self.net.depth))
        for s in [None] if self.batch is None else range(1, self.batch + 1):
            tag = "" if s is None else str(s)
            for i in self.net.neurons(0):
                x = base[f"x_{i}"] if s in (None, 1) else Fraction(rng.randint(-5, 5) or 1, 3)
                point[f"x{tag}_{i}"] = x
            if s in (None, 1):  # random_values keeps its targets on the domain
                targets = [base[f"t_{j}"] for j in outputs]
            else:
                targets = [Fraction(rng.randint(1, 6), 7) for _ in outputs]
                if self.net.loss.probability_targets:
                    targets = [t / sum(targets) for t in targets]
            for j, t in zip(outputs, targets, strict=True):
                point[f"t{tag}_{j}"] = t
        return point

    def find(self, names: Sequence[str], attempts: int) -> dict[str, Counterexample]:
        """A certified :class:`~symbolic_bp.proof.results.Counterexample` for each of ``names``
        that has one within ``attempts`` points (top layers first)."""
        found: dict[str, Counterexample] = {}
        open_ = sorted(names, key=lambda n: (-self.net.locate(n)[0], n))
        for attempt in range(attempts):
            if not open_:
                break
            self.clock.check()
            point = self.point(attempt)
            still = []
            for name, witness in zip(open_, self._try(point, open_), strict=True):
                if witness is None:
                    still.append(name)
                else:
                    found[name] = witness
            open_ = still
        return found

    # -- evaluation -------------------------------------------------------------------------
    def _symbols(self, point: Mapping[str, Fraction]) -> dict[sp.Symbol, Fraction]:
        out = {sp.Symbol(n, real=True): v for n, v in point.items()}
        if isinstance(self.lr, sp.Symbol) and self.lr.name in point:
            out.pop(sp.Symbol(self.lr.name, real=True))
            out[self.lr] = point[self.lr.name]
        return out

    def _reference(self, point: Mapping[str, Fraction], mode: str, params: list) -> dict:
        """The convention's updates at ``point``: the mean over the samples."""
        net = self.net
        if isinstance(self.lr, sp.Symbol):
            eta = point[self.lr.name]
        else:
            eta = Fraction(int(sp.Rational(self.lr).p), int(sp.Rational(self.lr).q))
        samples = [None] if self.batch is None else list(range(1, self.batch + 1))
        total: dict = {}
        for s in samples:
            tag = "" if s is None else str(s)
            values = {p: point[p.name] for p in net.parameters()}
            values.update({net.x(i): point[f"x{tag}_{i}"] for i in net.neurons(0)})
            values.update({net.t(j): point[f"t{tag}_{j}"] for j in net.neurons(net.depth)})
            values[net.eta] = eta
            got = run(self.program, values, mode, params)
            for p, v in got.items():
                total[p] = v if p not in total else total[p] + v
        n = len(samples)
        return {p: v / n for p, v in total.items()}

    def _try(self, point: dict[str, Fraction], names: list[str]) -> list[Counterexample | None]:
        symbols = self._symbols(point)
        params = [p for p in self.net.parameters() if p.name in set(names)]
        exact = self._exact(symbols, point, params)
        if exact is not None:
            code, ref = exact
            return [
                self._witness(point, n, code[n], ref[n]) if code[n] != ref[n] else None
                for n in names
            ]
        try:
            ref = {p.name: v for p, v in self._reference(point, "interval", params).items()}
        except _FAILURES:
            return [None] * len(names)
        env = {s: to_interval(v) for s, v in symbols.items()}
        memo: dict = {}
        out: list[Counterexample | None] = []
        for name in names:
            self.clock.check()
            try:
                code = enclose(self.updates[name], env, memo)
            except _FAILURES:
                out.append(None)
                continue
            differs = excludes_zero(code - ref[name])
            out.append(self._witness(point, name, code, ref[name]) if differs else None)
        return out

    def _exact(
        self, symbols: dict[sp.Symbol, Fraction], point: dict[str, Fraction], params: list
    ) -> tuple[dict[str, Fraction], dict[str, Fraction]] | None:
        """Exact values on both sides where every value is rational, else ``None``."""
        try:
            ref = {p.name: v for p, v in self._reference(point, "exact", params).items()}
            code = {p.name: exact_value(self.updates[p.name], symbols) for p in params}
        except _FAILURES:
            return None
        return code, ref

    def _witness(
        self, point: dict[str, Fraction], name: str, code: Any, ref: Any
    ) -> Counterexample:
        conv = self.rules.convention.name
        if isinstance(code, Fraction):
            values: dict[str, Any] = {CODE: code, conv: ref}
            approx: dict[str, float | str] = {CODE: float(code), conv: float(ref)}
        else:
            iv.prec = 256
            shown = interval_texts(code, ref)
            values = {CODE: shown[0], conv: shown[1]}
            approx = {CODE: approximate(code), conv: approximate(ref)}
        return Counterexample(name, dict(point), {}, values, approx, self.net.describe())
