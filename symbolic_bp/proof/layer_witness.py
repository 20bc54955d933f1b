r"""Counterexamples from the verified layer rules, at a cost linear in the widths.

On a large network a layer whose identity fails is settled by one counterexample for its
representative parameter ``w^l_{11}`` (or ``b^l_1``), which relabelling neurons carries to the
whole layer (:mod:`~symbolic_bp.proof.instance`). This module finds it without deriving or
evaluating one rule per weight:

1. **A compact point.** Inputs and targets get one value per neuron; the weights of layer
   ``l`` share one value (``w{l}_*_*``, the first two attempts), or one value per row
   (``w{l}_{j}_*``: every weight into neuron ``j``) or per column (``w{l}_*_{i}``) in later
   attempts; biases one per layer or per neuron. So the point has ``O(width)`` values, not
   ``O(width^2)``. Generic activations get the same concrete stand-ins as the per-neuron
   search (:func:`~symbolic_bp.proof.witnesses.substitute_generic`), simplest first.
2. **The values of both conventions' updates** of ``w^l_{11}`` there, from their layer rules
   (already checked against their per-neuron rules), by the vectorised evaluator of
   :mod:`~symbolic_bp.proof.layer_values` in float64 interval arithmetic with outward
   rounding (:mod:`symbolic_bp.boxes`).
3. **Certificate.** If the two boxes are disjoint, the exact values differ: that is a proof,
   since each box contains its exact value. Where the boxes meet or overflow, the same
   evaluation runs in 256-bit mpmath intervals. Where every value is rational (polynomial
   stand-ins, ReLU, ...), the exact values are computed too (on the first attempt, whose small
   integers stay small, or on narrow networks) and reported instead of the boxes.

A point of a network of at most ``Limits.compact_point_parameters`` parameters is reported
in full (every ``w{l}_{j}_{i}`` by name, as the design's contract says); above that it stays
compact: ``w2_*_* = 1`` stands for every weight of layer 2, ``w2_3_* = 1/2`` for every weight
into neuron 3 of layer 2, ``w2_*_3`` for every weight out of neuron 3 of layer 1, ``b2_*`` for
every bias of layer 2.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.conventions import get_convention
>>> from symbolic_bp.proof.layers import compare_layers
>>> a, b = get_convention("error_at_update"), get_convention("gradient")
>>> chain = compare_layers(Network.build([4, 8, 8, 2], bias=True), a, b)
>>> found = LayerWitness(chain, a, b).find(["w1_1_1", "b1_1"], attempts=4)
>>> sorted(found), found["w1_1_1"].point["w2_1_1"]
(['b1_1', 'w1_1_1'], Fraction(1, 1))
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import iv

from ..conventions import Convention
from ..derive import LayerRules
from ..intervals import PRECISION_BITS, Undecided, interval_texts
from ..model.network import Network
from .arithmetic import BOXES, EXACT, MPMATH, Arithmetic
from .clock import Clock
from .layer_values import LayerPoint, LayerValues, NotEvaluable
from .layers import LayerChain
from .results import Counterexample
from .witnesses import approximate, rational_valued, substitute_generic

__all__ = ["LayerWitness", "layer_point", "COMPACT_POINT_PARAMETERS"]

#: above this many parameters a counterexample's point stays compact (``w2_*_*``)
COMPACT_POINT_PARAMETERS = 10_000
#: exact values are computed on later attempts only up to this width (values of rational
#: stand-ins grow in size with depth; the first attempt's small integers stay small)
EXACT_WIDTH = 256


def layer_point(net: Network, attempt: int) -> tuple[LayerPoint, dict[str, Fraction]]:
    """The point of ``attempt`` and its compact form by name (see the module).

    >>> point, names = layer_point(Network.build([2, 3, 1]), 0)
    >>> sorted(names)
    ['eta', 't_1', 'w1_*_*', 'w2_*_*', 'x_1', 'x_2']
    """
    if net.objective.batch != 1:
        raise NotEvaluable("a batch of several samples")
    rng = random.Random(1009 * attempt + 17)
    positive = (0.5, 0.5, 0.75, 0.9, 0.65, 0.8)[attempt % 6]

    def q() -> Fraction:
        if attempt == 0:
            return Fraction(rng.choice((1, 1, 2, -1)))
        num = rng.randint(1, 5) * (1 if rng.random() < positive else -1)
        return Fraction(num, rng.randint(2, 7))

    L = net.depth
    names: dict[str, Fraction] = {}
    if attempt == 0:
        x = [Fraction(rng.choice((1, 2, -1))) for _ in net.neurons(0)]
        if net.loss.probability_targets:
            hot = rng.randrange(net.sizes[L])
            t = [Fraction(int(j == hot)) for j in range(net.sizes[L])]
        else:
            t = [Fraction(rng.choice((0, 1))) for _ in net.neurons(L)]
    else:
        x = [q() for _ in net.neurons(0)]
        t = [Fraction(rng.randint(1, 6), 7) for _ in net.neurons(L)]
        if net.loss.probability_targets:
            total = sum(t)
            t = [v / total for v in t]
    names.update({net.x(i).name: v for i, v in zip(net.neurons(0), x, strict=True)})
    names.update({net.t(j).name: v for j, v in zip(net.neurons(L), t, strict=True)})
    form = "*" if attempt < 2 else ("rows" if attempt % 2 == 0 else "cols")
    weights: dict[int, tuple[str, list[Fraction]]] = {}
    biases: dict[int, list[Fraction]] = {}
    for l in range(1, L + 1):
        if form == "*":
            w = [q()]
            names[f"w{l}_*_*"] = w[0]
        elif form == "rows":
            w = [q() for _ in net.neurons(l)]
            names.update({f"w{l}_{j}_*": v for j, v in zip(net.neurons(l), w, strict=True)})
        else:
            w = [q() for _ in net.neurons(l - 1)]
            names.update({f"w{l}_*_{i}": v for i, v in zip(net.neurons(l - 1), w, strict=True)})
        weights[l] = (form, w)
        if net.bias and form == "*":
            shared = q()
            biases[l] = [shared] * net.sizes[l]
            names[f"b{l}_*"] = shared
        elif net.bias:
            biases[l] = [q() for _ in net.neurons(l)]
            names.update({f"b{l}_{j}": v for j, v in zip(net.neurons(l), biases[l], strict=True)})
    eta = Fraction(1) if attempt == 0 else Fraction(rng.randint(1, 4), 4)
    names["eta"] = eta
    others = {}
    if isinstance(net.objective.l2, sp.Symbol):
        others[net.objective.l2.name] = names[net.objective.l2.name] = Fraction(
            rng.randint(1, 4), 8
        )
    return LayerPoint(x, t, weights, biases, eta, others), names


def full_point(net: Network, point: LayerPoint, names: dict[str, Fraction]) -> dict[str, Fraction]:
    """The compact point written out: every parameter by name (for small networks)."""
    out = {k: v for k, v in names.items() if "*" not in k and not _parameter_name(k)}
    for l in range(1, net.depth + 1):
        form, w = point.weights[l]
        for j in net.neurons(l):
            for i in net.neurons(l - 1):
                value = w[0] if form == "*" else w[j - 1] if form == "rows" else w[i - 1]
                out[net.w(l, j, i).name] = value
            if net.bias:
                out[net.b(l, j).name] = point.biases[l][j - 1]
    return out


def _functions(net: Network, concrete: Network) -> dict[type, sp.Expr]:
    """Each function class of the rules (``f_l``, ``f_l'``, ``sigmoid``, ``sigmoid'``) and the
    concrete expression in ``X`` that stands for it at this attempt."""
    out: dict[type, sp.Expr] = {}
    for act, conc in zip(net.activations, concrete.activations, strict=True):
        if act.is_generic:
            out[act.expr.func] = conc.expr
            if isinstance(act.derivative_expr, sp.Function):
                out[act.derivative_expr.func] = conc.derivative_expr
        elif act.opaque is not None:
            out[act.opaque[0]] = act.expr
            out[act.opaque[1]] = act.derivative_expr
    return out


class LayerWitness:
    """Certified counterexamples for the representatives of layers, from the layer rules
    of ``chain`` (see the module)."""

    def __init__(
        self,
        chain: LayerChain,
        a: Convention,
        b: Convention,
        clock: Clock | None = None,
        compact_above: int = COMPACT_POINT_PARAMETERS,
    ) -> None:
        self.net, self.a, self.b = chain.network, a, b
        first, second = chain.rules
        if chain.swapped:  # the chain was built as s_A = c s_B: its rules are (b's, a's)
            first, second = second, first
        self.rules: tuple[LayerRules, LayerRules] = (first, second)
        self.clock = clock or Clock(None)
        self.compact_above = compact_above

    def find(self, targets: Sequence[str], attempts: int) -> dict[str, Counterexample]:
        """A certified counterexample for each of ``targets`` (``w{l}_1_1`` or ``b{l}_1``)
        found within ``attempts`` points. Raises :class:`NotEvaluable` when the rules hold
        something the evaluator does not represent (the caller falls back)."""
        found: dict[str, Counterexample] = {}
        open_ = list(targets)
        for attempt in range(attempts):
            if not open_:
                break
            self.clock.check()
            concrete, chosen = substitute_generic(self.net, attempt)
            point, names = layer_point(self.net, attempt)
            acts = [act.expr for act in concrete.activations]
            funcs = _functions(self.net, concrete)
            certified = self._certify(point, acts, funcs, open_)
            if not certified:
                continue
            exact: dict[str, tuple[Fraction, Fraction]] = {}
            narrow = max(self.net.sizes) <= EXACT_WIDTH
            if rational_valued(concrete) and (attempt == 0 or narrow):
                exact = self._values(EXACT, point, acts, funcs, list(certified))
            shown = names if self.net.parameter_count > self.compact_above else None
            full = shown or full_point(self.net, point, names)
            for name, (va, vb) in certified.items():
                ce = self._counterexample(name, full, chosen, va, vb, exact.get(name))
                if ce is not None:
                    found[name] = ce
            open_ = [n for n in open_ if n not in found]
        return found

    def _certify(
        self, point: LayerPoint, acts: list, funcs: dict, names: list[str]
    ) -> dict[str, tuple[Any, Any]]:
        """The targets whose two values have disjoint enclosures: float64 boxes, then 256-bit
        intervals for what the boxes leave open."""
        out: dict[str, tuple[Any, Any]] = {}
        boxes = self._values(BOXES, point, acts, funcs, names)
        for name, (va, vb) in boxes.items():
            if bool(va.disjoint(vb)):
                lo_a, hi_a, lo_b, hi_b = (float(v) for v in (va.lo, va.hi, vb.lo, vb.hi))
                out[name] = (_to_iv(lo_a, hi_a), _to_iv(lo_b, hi_b))
        rest = [n for n in names if n not in out]
        if rest:
            for name, (va, vb) in self._values(MPMATH, point, acts, funcs, rest).items():
                if va.b < vb.a or vb.b < va.a:
                    out[name] = (va, vb)
        return out

    def _values(
        self, arith: Arithmetic, point: LayerPoint, acts: list, funcs: dict, names: list[str]
    ) -> dict[str, tuple[Any, Any]]:
        """Both conventions' updates of ``names`` in ``arith`` (those it could evaluate)."""
        try:
            values = LayerValues(self.rules[0], point, arith, acts, funcs)
        except (Undecided, ZeroDivisionError, OverflowError):
            return {}
        out = {}
        for name in names:
            l, kind = _target(name)
            try:
                va = values.update(self.rules[0], l, kind)
                vb = values.update(self.rules[1], l, kind)
            except (Undecided, ZeroDivisionError, OverflowError):
                continue
            out[name] = (va[()] if arith is not BOXES else va, vb[()] if arith is not BOXES else vb)
        return out

    def _counterexample(
        self,
        name: str,
        point: dict[str, Fraction],
        chosen: dict[str, str],
        va: Any,
        vb: Any,
        exact: tuple[Fraction, Fraction] | None,
    ) -> Counterexample | None:
        shown = interval_texts(va, vb)
        values: dict[str, Any] = {self.a.name: shown[0], self.b.name: shown[1]}
        if exact is not None:
            if exact[0] == exact[1]:
                return None  # disjoint enclosures of equal values: never report such a witness
            values = {self.a.name: exact[0], self.b.name: exact[1]}
        return Counterexample(
            name,
            dict(point),
            chosen,
            values,
            {self.a.name: approximate(va), self.b.name: approximate(vb)},
            self.net.describe(),
        )


def _parameter_name(name: str) -> bool:
    return name[:1] in ("w", "b") and name[1:2].isdigit()


def _to_iv(lo: float, hi: float) -> Any:
    iv.prec = PRECISION_BITS
    return iv.mpf([lo, hi])  # float ends are exact binary numbers


def _target(name: str) -> tuple[int, str]:
    """``w3_1_1`` -> ``(3, "w")``, ``b2_1`` -> ``(2, "b")``."""
    kind = name[0]
    head = name[1:].split("_")
    if kind not in "wb" or head[1:] != (["1", "1"] if kind == "w" else ["1"]):
        raise NotEvaluable(f"{name} is not a layer's representative parameter")
    return int(head[0]), kind
