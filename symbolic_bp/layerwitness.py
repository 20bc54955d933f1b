r"""Counterexamples on large networks, one per layer, from the layer rules.

When two uniform recipes are not related all the way down (:mod:`symbolic_bp.layerproof`), the
updates of a layer differ for *every* parameter of the layer or for none: the recipes treat every
neuron alike, so relabelling neurons (permuting the neurons of each hidden layer, and the inputs
and outputs together with ``x`` and ``t``) maps a point where ``w^l_{11}`` differs to a point
where ``w^l_{ji}`` differs. One certified witness for the representative parameter ``w^l_{11}``
(and ``b^l_1``) therefore settles the layer.

The witness is found as in the per-parameter prover (generic activations replaced by
polynomials, a deterministic rational point, rigorous interval arithmetic with outward rounding)
but evaluated from the layer rules: a forward pass over the whole network (the first layer in
exact rationals, the others in intervals), then each layer's signals neuron by neuron, sums over
the layer above term by term.
Only the two values of the representative parameter are computed, never a rule per parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import sympy as sp
from mpmath import iv

from .intervals import PRECISION_BITS, Undecided, enclose, excludes_zero, interval_text, to_interval
from .layered import LayerRules, neuron_index
from .network import Network

__all__ = ["Evaluator"]


class Evaluator:
    """Interval values of layer-rule expressions of ``net`` at one rational point
    (``{name: Fraction}`` over inputs, targets, parameters and ``eta``)."""

    def __init__(self, net: Network, values: dict[str, Fraction]) -> None:
        iv.prec = PRECISION_BITS
        self.net = net
        L = net.depth
        self.x = [to_interval(values[f"x_{i}"]) for i in net.neurons(0)]
        self.t = [to_interval(values[f"t_{j}"]) for j in net.neurons(L)]
        self.eta = to_interval(values["eta"])
        self.W_exact: dict[int, list[list[Fraction]]] = {}
        self._W: dict[int, list[list[Any]]] = {}
        self.b: dict[int, list[Any]] = {}
        self.e: dict[int, list[Any]] = {}
        y: list[Any] = [values[f"x_{i}"] for i in net.neurons(0)]
        for l in range(1, L + 1):
            rows, cols = net.sizes[l], net.sizes[l - 1]
            names = net.layer_parameter_names(l)
            W: list[list[Fraction]] = []
            biases: list[Fraction] = []
            pos = 0
            for _ in range(rows):  # names: each neuron's weights, then its bias
                W.append([values[n] for n in names[pos : pos + cols]])
                pos += cols
                if net.bias:
                    biases.append(values[names[pos]])
                    pos += 1
            self.W_exact[l] = W
            self.b[l] = [to_interval(v) for v in biases]
            if l == 1:  # exactly, in rationals (the largest layer: no interval arithmetic)
                e = [sum(w * v for w, v in zip(row, y, strict=True)) for row in W]
                self.e[l] = [
                    to_interval(v + bias)
                    for v, bias in zip(e, biases or [Fraction(0)] * rows, strict=True)
                ]
            else:  # above it the inputs are activations' values: intervals
                e = [_dot(row, y) for row in self.weights(l)]
                self.e[l] = [v + bias for v, bias in zip(e, self.b[l] or [0] * rows, strict=True)]
            act = net.activations[l - 1]
            z = sp.Dummy("z", real=True)
            form = act.unfold(act(z))
            y = [enclose(form, {z: v}) for v in self.e[l]]
        self.signals: dict[tuple[str, int], list[Any]] = {}
        self._compiled: dict[tuple[sp.Expr, tuple[sp.Symbol, ...]], Callable[..., Any]] = {}

    def weights(self, l: int) -> list[list[Any]]:
        """``W_l`` as intervals (converted on first use)."""
        if l not in self._W:
            self._W[l] = [[to_interval(v) for v in row] for row in self.W_exact[l]]
        return self._W[l]

    def w(self, l: int, j: int, i: int) -> Any:
        if l in self._W:
            return self._W[l][j - 1][i - 1]
        return to_interval(self.W_exact[l][j - 1][i - 1])

    # -- compiled expressions ------------------------------------------------------------
    def compile(self, expr: sp.Expr, indices: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
        """``expr`` as a Python function of the neuron indices, over interval values: leaves
        become array look-ups, a ``Sum`` a loop, a function application an enclosure. Compiled
        once per rule, called once per neuron (a ``Sum`` term costs a few interval operations,
        not a SymPy substitution)."""
        key = (expr, indices)
        if key not in self._compiled:
            consts: list[Any] = []
            code = _Printer(self, consts).emit(self.net.unfold(expr))
            args = ", ".join(s.name for s in indices)
            source = f"def _f({args}):\n    return {code}\n"
            namespace: dict[str, Any] = {"_c": consts, "_ev": self, "_sum": _interval_sum}
            exec(compile(source, "<layer witness>", "exec"), namespace)  # noqa: S102 - printed here from SymPy trees
            self._compiled[key] = namespace["_f"]
        return self._compiled[key]

    def value(self, expr: sp.Expr, indices: dict[sp.Symbol, int]) -> Any:
        """The interval value of ``expr`` with its free neuron indices set to ``indices``."""
        names = tuple(sorted(indices, key=lambda s: s.name))
        return self.compile(expr, names)(*(indices[n] for n in names))

    def compute_signals(self, rules: LayerRules, down_to: int) -> None:
        """Every neuron's signal of layers ``L..down_to`` (all neurons: the layer below sums
        over them), top down."""
        name = str(rules.signal.label)
        for l in range(self.net.depth, down_to - 1, -1):
            if (name, l) in self.signals:
                continue
            f = self.compile(rules.signals[l], (neuron_index(l),))
            self.signals[(name, l)] = [f(n) for n in self.net.neurons(l)]

    def update(self, rules: LayerRules, l: int, kind: str) -> Any:
        """The update of ``w^l_{11}`` (``kind="w"``) or ``b^l_1`` (``"b"``)."""
        if l > 1 or self.net.depth == 1:
            self.compute_signals(rules, l)
        else:
            self.compute_signals(rules, 2)
            name = str(rules.signal.label)
            if (name, 1) not in self.signals:  # only neuron 1 of the first layer is needed
                self.signals[(name, 1)] = [self.value(rules.signals[1], {neuron_index(1): 1})]
        expr = rules.weight_updates[l] if kind == "w" else rules.bias_updates[l]
        assert expr is not None
        return self.value(expr, {neuron_index(l): 1, neuron_index(l - 1): 1})


def find_witnesses(
    net: Network,
    a: Any,
    b: Any,
    targets: list[tuple[int, str]],
    attempts: int,
    expired: Callable[[], bool],
) -> dict[tuple[int, str], Any]:
    """A :class:`~symbolic_bp.prove.Counterexample` for each ``(layer, kind)`` of ``targets``
    that has one: for ``w^layer_{11}`` (``kind="w"``) or ``b^layer_1`` (``"b"``). Each attempt
    (a point and polynomial stand-ins for generic activations) is evaluated once for all."""
    from .conventions import second_letter
    from .layered import layer_rules
    from .prove import Counterexample, _random_values, _substitute_generic

    found: dict[tuple[int, str], Any] = {}
    for attempt in range(attempts):
        open_ = [t for t in targets if t not in found]
        if not open_ or expired():
            break
        concrete, chosen = _substitute_generic(net, attempt)
        ra, rb = layer_rules(concrete, a), layer_rules(concrete, b, letter=second_letter(a, b))
        point = _random_values(net, attempt)
        try:
            ev = Evaluator(concrete, point)
        except (ZeroDivisionError, ValueError, Undecided):
            continue
        for layer, kind in sorted(open_, reverse=True):
            try:
                va, vb = ev.update(ra, layer, kind), ev.update(rb, layer, kind)
            except (ZeroDivisionError, ValueError, Undecided):
                continue
            if excludes_zero(vb - va):
                name = f"w{layer}_1_1" if kind == "w" else f"b{layer}_1"
                found[(layer, kind)] = Counterexample(
                    name,
                    dict(point),
                    chosen,
                    {a.name: interval_text(va), b.name: interval_text(vb)},
                    {a.name: float(va.mid), b.name: float(vb.mid)},
                )
    return found


def _dot(row: list[Any], column: list[Any]) -> Any:
    total = iv.mpf(0)
    for a, b in zip(row, column, strict=True):
        total = total + a * b
    return total


def _interval_sum(term: Callable[[int], Any], count: int) -> Any:
    total = iv.mpf(0)
    for k in range(1, count + 1):
        total = total + term(k)
    return total


class _Printer:
    """Python source over interval values for a layer-rule expression (see
    :meth:`Evaluator.compile`)."""

    def __init__(self, ev: Evaluator, consts: list[Any]) -> None:
        self.ev = ev
        self.consts = consts

    def const(self, value: Any) -> str:
        self.consts.append(value)
        return f"_c[{len(self.consts) - 1}]"

    def index(self, i: sp.Expr) -> str:
        return str(i) if i.is_Integer or i.is_Symbol else f"({sp.pycode(i)})"

    def emit(self, e: sp.Basic) -> str:
        if isinstance(e, sp.Indexed):
            name = str(e.base.label)
            idx = [self.index(i) for i in e.indices]
            if name in ("x", "t"):
                return f"_ev.{name}[{idx[0]} - 1]"
            if name == "w":
                return f"_ev.w({idx[0]}, {idx[1]}, {idx[2]})"
            if name in ("e", "b"):
                return f"_ev.{name}[{idx[0]}][{idx[1]} - 1]"
            return f"_ev.signals[({name!r}, {idx[0]})][{idx[1]} - 1]"
        if isinstance(e, sp.Sum):
            ((k, lo, hi),) = e.limits
            if lo != 1:
                raise Undecided("a sum that does not start at 1")
            layer = int(hi.indices[0])
            return f"_sum(lambda {k.name}: {self.emit(e.function)}, {self.ev.net.sizes[layer]})"
        if e.is_Symbol:
            if e == self.ev.net.eta:
                return "_ev.eta"
            raise Undecided(f"no value for {e}")
        if e.is_Rational:
            return self.const(to_interval(e))
        if e.is_Add:
            return "(" + " + ".join(self.emit(a) for a in e.args) + ")"
        if e.is_Mul:
            return "(" + " * ".join(self.emit(a) for a in e.args) + ")"
        if e.is_Pow and e.args[1].is_Integer:
            base, k = self.emit(e.args[0]), int(e.args[1])
            return f"({base} ** {k})" if k >= 0 else f"(1 / ({base} ** {-k}))"
        if isinstance(e, sp.Function) and len(e.args) == 1:
            z = sp.Dummy("z", real=True)
            form = e.func(z)
            apply = self.const(lambda v, form=form, z=z: enclose(form, {z: v}))
            return f"{apply}({self.emit(e.args[0])})"
        # anything else (E, pi, rational powers): enclose it as a whole, once
        if not e.free_symbols and not e.atoms(sp.Indexed):
            return self.const(enclose(e, {}))
        raise Undecided(f"no interval form for {type(e).__name__}")
