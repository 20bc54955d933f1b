r"""The values of the layer rules at a point, a whole layer at once (vectorised).

The layer rules (:func:`~symbolic_bp.derive.layer_rules`) give, per layer, one signal and one
update for a symbolic neuron ``j_l``, with sums over layers as SymPy ``Sum`` objects. Once
verified against the per-neuron rules, they say what every neuron's rule is; so their values
at a point are the per-neuron rules' values there. This module computes them with array
arithmetic instead of one Python operation per weight:

- a **point** (:class:`LayerPoint`) gives inputs, targets and biases per neuron, and the
  weights of each layer in a compact form: one value for the whole layer
  (``w^l_{ji} = c_l``), one per row (``w^l_{ji} = r_j``) or one per column
  (``w^l_{ji} = c_i``). Then ``e^l = W^l y^{l-1} + b^l`` costs ``O(n_l + n_{l-1})``, and so
  does a sum over a layer such as ``sum_k w^{l+1}_{kj} d^{l+1}_k``;
- an expression is evaluated to a :class:`Value`, an array whose axes are the neuron indices
  it still depends on (``j_l``, ``k_l``); a ``Sum`` over ``k`` splits its summand into the
  factors that depend on ``k`` (summed along that axis) and those that do not (multiplied
  after), so no array of ``n_{l+1} x n_l`` entries is formed for the rules of this package;
- the arithmetic is a parameter (:class:`Arithmetic`): float64 boxes with outward rounding
  (:mod:`symbolic_bp.boxes`, rigorous and fast), exact rationals, or 256-bit mpmath
  intervals (both on NumPy object arrays, for what the boxes leave undecided).

Whatever it cannot represent (an index that is neither a neuron index nor a number, a function
with no value form, an array that would grow with the square of a width) raises
:class:`NotEvaluable`; the caller falls back to the per-neuron search.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from .. import boxes
from ..derive import LayerRules
from ..errors import SymbolicBPError
from ..model.indexed import IndexedNetwork, neuron_index
from ..model.piecewise import LeakyReLU, LeakyStep, ReLU, ReLUStep
from ..parsing import X
from .arithmetic import Arithmetic

__all__ = ["LayerPoint", "LayerValues", "NotEvaluable", "Value"]

#: no intermediate array of more entries than this (a product of two layers' axes)
MAX_ENTRIES = 4_000_000


class NotEvaluable(SymbolicBPError):
    """The layer rules contain something this evaluator does not represent."""


@dataclass
class LayerPoint:
    """A point for the layer rules: ``x`` (one value per input), ``t`` (per output),
    ``weights[l]`` as ``(form, values)`` with form ``"*"`` (one value for the layer), ``"rows"``
    (``n_l`` values, ``w^l_{ji} = r_j``) or ``"cols"`` (``n_{l-1}`` values), ``biases[l]`` (per
    neuron), ``eta`` and, for a symbolic L2 coefficient, ``others`` by symbol name."""

    x: list[Fraction]
    t: list[Fraction]
    weights: dict[int, tuple[str, list[Fraction]]]
    biases: dict[int, list[Fraction]]
    eta: Fraction
    others: dict[str, Fraction] = field(default_factory=dict)


@dataclass(frozen=True)
class Value:
    """An array (of :class:`Arithmetic` numbers) whose axes are the neuron indices ``axes``."""

    data: Any
    axes: tuple[sp.Symbol, ...] = ()


def exact_fraction(number: sp.Expr) -> Fraction:
    """The exact value of a SymPy rational or float (a ``Float`` of any precision is the
    binary fraction it holds, not its nearest float64).

    >>> exact_fraction(sp.Float("0.1", 40)) == Fraction(0.1)
    False
    >>> exact_fraction(sp.Float("0.1", 40)) - Fraction(1, 10) < Fraction(1, 10**39)
    True
    """
    value = sp.Rational(number)
    return Fraction(int(value.p), int(value.q))


def _ordered(axes: set[sp.Symbol]) -> tuple[sp.Symbol, ...]:
    return tuple(sorted(axes, key=lambda s: s.name))


class LayerValues:
    """The forward pass and the layer rules' values at a :class:`LayerPoint`.

    ``functions`` maps each function class in the rules (a generic ``f_l``, ``f_l'`` or an
    opaque ``sigmoid``) to its concrete expression in :data:`~symbolic_bp.parsing.X`;
    ``activations[l - 1]`` is layer ``l``'s concrete activation expression (forward pass).
    """

    def __init__(
        self,
        rules: LayerRules,
        point: LayerPoint,
        arith: Arithmetic,
        activations: Sequence[sp.Expr],
        functions: dict[type, sp.Expr],
    ) -> None:
        self.arith, self.point, self.functions = arith, point, functions
        net = rules.network
        assert net is not None
        self.sizes = net.sizes
        self.bases = _bases(rules.indexed)
        inet = rules.indexed
        self.n = inet.n
        self.eta = inet.eta
        self.x = arith.vector(point.x)
        self.t = arith.vector(point.t)
        self.weights = {l: (form, arith.vector(v)) for l, (form, v) in point.weights.items()}
        self.biases = {l: arith.vector(v) for l, v in point.biases.items()}
        self.others = {name: _wrap(arith.vector([v])[0]) for name, v in point.others.items()}
        self.e: dict[int, Any] = {}
        self._forward(activations)
        self.signals: dict[sp.IndexedBase, dict[int, Value]] = {}

    # -- the network -----------------------------------------------------------------------
    def _forward(self, activations: Sequence[sp.Expr]) -> None:
        """``e^l = W^l y^{l-1} + b^l`` and ``y^l = f_l(e^l)``, each in ``O(width)``."""
        y = self.x
        for l in range(1, len(self.sizes)):
            form, w = self.weights[l]
            n = self.sizes[l]
            if form == "cols":
                s = self.arith.total(w * y, 0)
                e = _wrap(s * self.arith.vector([Fraction(1)] * n))
            else:
                s = self.arith.total(y, 0)
                e = _wrap(w * s) if form == "rows" else _wrap(self._ones(n) * _wrap(w[0]) * s)
            if l in self.biases:
                e = _wrap(e + self.biases[l])
            self.e[l] = e
            if l < len(self.sizes) - 1:
                y = self._apply(activations[l - 1], Value(e, (X,))).data

    def _ones(self, n: int) -> Any:
        return self.arith.vector([Fraction(1)] * n)

    def signal_values(self, rules: LayerRules) -> dict[int, Value]:
        """The signals of every layer, from the output layer down: ``Value`` over ``j_l``."""
        out: dict[int, Value] = {}
        self.signals[rules.signal] = out
        for l in rules.layers:
            j = neuron_index(l)
            v = self.evaluate(rules.signals[l])
            if set(v.axes) - {j}:
                raise NotEvaluable(f"the signal of layer {l} depends on {v.axes}")
            out[l] = v
        return out

    def update(self, rules: LayerRules, l: int, kind: str) -> Any:
        """The update of ``w^l_{11}`` (``kind`` ``"w"``) or ``b^l_1`` (``"b"``): one number,
        ``scale`` times the rule plus the penalty's part."""
        if rules.signal not in self.signals:
            self.signal_values(rules)
        ones = {neuron_index(l): sp.S.One, neuron_index(l - 1): sp.S.One}
        rule = rules.weight_updates[l] if kind == "w" else rules.bias_updates[l]
        penalty = (rules.weight_penalties if kind == "w" else rules.bias_penalties).get(l)
        if rule is None:
            raise NotEvaluable(f"no {kind} update of layer {l}")
        total = rules.scale * rule.xreplace(ones)
        if penalty is not None and penalty != 0:
            total = total + penalty.xreplace(ones)
        v = self.evaluate(total)
        if v.axes:
            raise NotEvaluable(f"the update of layer {l} depends on {v.axes}")
        return v.data

    # -- expressions -----------------------------------------------------------------------
    def evaluate(self, expr: sp.Expr, env: dict[sp.Symbol, Value] | None = None) -> Value:
        """``expr`` at the point: a :class:`Value` over the neuron indices it depends on."""
        memo: dict[sp.Basic, Value] = {}
        return self._ev(sp.sympify(expr), env or {}, memo)

    def _ev(self, e: sp.Basic, env: dict[sp.Symbol, Value], memo: dict) -> Value:
        if e in memo:
            return memo[e]
        out = self._ev_new(e, env, memo)
        memo[e] = out
        return out

    def _ev_new(self, e: sp.Basic, env: dict[sp.Symbol, Value], memo: dict) -> Value:
        if e.is_Rational or e.is_Float:
            return Value(self._const(exact_fraction(e)))
        if e.is_Symbol:
            return self._symbol(e, env)
        if isinstance(e, sp.Indexed):
            return self._indexed(e)
        if e.is_Add or e.is_Mul:
            vals = [self._ev(a, env, memo) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = _combine(out, v, (lambda a, b: a + b) if e.is_Add else (lambda a, b: a * b))
            return out
        if e.is_Pow:
            base, k = e.args
            if not k.is_Integer:
                raise NotEvaluable(f"power {k} is not an integer")
            b = self._ev(base, env, memo)
            return Value(_wrap(b.data ** int(k)), b.axes)
        if isinstance(e, sp.Sum):
            return self._sum(e, env)
        return self._function(e, env, memo)

    def _const(self, q: Fraction) -> Any:
        return _wrap(self.arith.vector([q])[0])

    def _symbol(self, s: sp.Symbol, env: dict[sp.Symbol, Value]) -> Value:
        if s in env:
            return env[s]
        if s == self.eta:
            return Value(self._const(self.point.eta))
        if s.name in self.others:
            return Value(self.others[s.name])
        raise NotEvaluable(f"no value for the symbol {s}")

    def _indexed(self, e: sp.Indexed) -> Value:
        base, idx = e.base, e.indices
        if base == self.n:
            return Value(self._const(Fraction(self.sizes[_int(idx[0])])))
        for signal, values in self.signals.items():
            if base == signal:
                l = _int(idx[0])
                if l not in values:
                    raise NotEvaluable(f"signal {e} used before it is known")
                v = values[l]
                return _pick(v.data, bool(v.axes), idx[1])
        b = self.bases
        if base == b["e"]:
            return _pick(self.e[_int(idx[0])], True, idx[1])
        if base == b["x"]:
            return _pick(self.x, True, idx[0])
        if base == b["t"]:
            return _pick(self.t, True, idx[0])
        if base == b["b"] and _int(idx[0]) in self.biases:
            return _pick(self.biases[_int(idx[0])], True, idx[1])
        if base == b["w"]:
            form, w = self.weights[_int(idx[0])]
            if form == "*":
                return Value(_wrap(w[0]))
            return _pick(w, True, idx[1] if form == "rows" else idx[2])
        raise NotEvaluable(f"no value for {e}")

    def _sum(self, s: sp.Sum, env: dict[sp.Symbol, Value]) -> Value:
        if len(s.limits) != 1:
            raise NotEvaluable(f"a multiple sum {s}")
        ((k, lo, hi),) = s.limits
        if lo != 1 or not (isinstance(hi, sp.Indexed) and hi.base == self.n):
            raise NotEvaluable(f"a sum with limits {lo}, {hi}")
        size = self.sizes[_int(hi.indices[0])]
        return self._sum_body(s.function, k, size, env)

    def _sum_body(self, body: sp.Expr, k: sp.Symbol, size: int, env: dict) -> Value:
        if body.is_Add:
            parts = [self._sum_body(a, k, size, env) for a in body.args]
            out = parts[0]
            for p in parts[1:]:
                out = _combine(out, p, lambda a, b: a + b)
            return out
        memo: dict[sp.Basic, Value] = {}
        factors = [self._ev(f, env, memo) for f in (body.args if body.is_Mul else (body,))]
        inner = [f for f in factors if k in f.axes]
        outer = [f for f in factors if k not in f.axes]
        if inner:
            prod = inner[0]
            for f in inner[1:]:
                prod = _combine(prod, f, lambda a, b: a * b)
            axis = prod.axes.index(k)
            if prod.data.shape[axis] != size:
                raise NotEvaluable(f"the sum over {k} has {size} terms, its summand does not")
            rest = prod.axes[:axis] + prod.axes[axis + 1 :]
            result = Value(_wrap(self.arith.total(prod.data, axis)), rest)
        else:
            result = Value(self._const(Fraction(size)))
        for f in outer:
            result = _combine(result, f, lambda a, b: a * b)
        return result

    def _function(self, e: sp.Basic, env: dict[sp.Symbol, Value], memo: dict) -> Value:
        func = e.func
        if func in self.functions:
            (arg,) = e.args
            return self._apply(self.functions[func], self._ev(arg, env, memo))
        named = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", ReLU: "relu"}
        named.update({ReLUStep: "relu_step", LeakyReLU: "leaky", LeakyStep: "leaky_step"})
        if func in named and len(e.args) == 1:
            v = self._ev(e.args[0], env, memo)
            return Value(_wrap(self.arith.functions[named[func]](v.data)), v.axes)
        if hasattr(func, "explicit"):
            return self._ev(func.explicit(*e.args), env, memo)
        raise NotEvaluable(f"no value form for {func}")

    def _apply(self, expr: sp.Expr, arg: Value) -> Value:
        """A one-variable expression in ``X`` at every entry of ``arg``."""
        return self.evaluate(expr, {X: arg})


def _bases(inet: IndexedNetwork) -> dict[str, sp.IndexedBase]:
    """The ``IndexedBase`` of each quantity of the network (``e``, ``w``, ``b``, ``x``, ``t``)."""
    j, i = neuron_index(1), neuron_index(0)
    return {
        "e": inet.e(1, j).base,
        "w": inet.w(1, j, i).base,
        "b": inet.b(1, j).base,
        "x": inet.x(i).base,
        "t": inet.t(j).base,
    }


def _wrap(a: Any) -> Any:
    """Keep object results as arrays (NumPy turns a 0-d object result into a bare number)."""
    if isinstance(a, boxes.Box | np.ndarray):
        return a
    out = np.empty((), dtype=object)
    out[()] = a
    return out


def _int(index: sp.Expr) -> int:
    if not index.is_Integer:
        raise NotEvaluable(f"the layer {index} is not a number")
    return int(index)


def _pick(data: Any, vector: bool, index: sp.Expr) -> Value:
    """``data`` (one entry per neuron, or one value for all when not ``vector``) at
    ``index``: a neuron index (an axis) or a number (one entry, 1-based)."""
    if not vector:
        return Value(data)
    if isinstance(index, sp.Symbol):
        return Value(data, (index,))
    if index.is_Integer and 1 <= int(index) <= data.shape[0]:
        return Value(_wrap(data[int(index) - 1]))
    raise NotEvaluable(f"the neuron index {index}")


def _expand(v: Value, axes: tuple[sp.Symbol, ...]) -> Any:
    """``v.data`` with its axes ordered as ``axes`` (size 1 where it has none)."""
    if not v.axes:
        data = v.data
        shape = getattr(data, "shape", ())
        if shape == ():
            return data.reshape((1,) * len(axes)) if axes else data
        return data
    order = sorted(range(len(v.axes)), key=lambda n: axes.index(v.axes[n]))
    data = v.data.transpose(tuple(order)) if order != list(range(len(order))) else v.data
    shape = tuple(v.data.shape[v.axes.index(a)] if a in v.axes else 1 for a in axes)
    return data.reshape(shape)


def _combine(a: Value, b: Value, op: Callable[[Any, Any], Any]) -> Value:
    axes = _ordered(set(a.axes) | set(b.axes))
    da, db = _expand(a, axes), _expand(b, axes)
    shape = np.broadcast_shapes(da.shape, db.shape)
    if shape and int(np.prod(shape)) > MAX_ENTRIES:
        raise NotEvaluable(f"an array of {int(np.prod(shape))} entries (a product of layers)")
    return Value(_wrap(op(da, db)), axes)
