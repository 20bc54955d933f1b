r"""Layer-level rules: one expression per layer instead of one per neuron.

The recipes of :mod:`symbolic_bp.conventions` run unchanged on a :class:`LayerNetwork`: the
network's depth, activations, loss and bias setting are concrete, but every layer ``l`` has one
symbolic neuron index ``j_l`` (``1 <= j_l <= n[l]``), weights, biases, net inputs, inputs and
targets are :class:`sympy.IndexedBase` entries (``w[l, j_l, j_{l-1}]``, ``e[l, j_l]``, ...), and a
sum over layer ``l`` is one SymPy ``Sum`` over an index ``k_l``. A convention's signal of layer
``l`` then comes out as *one* expression in ``j_l`` (its value for every neuron of the layer), and
its update of the weights of layer ``l`` as one expression in ``j_l`` and ``j_{l-1}``:

.. math:: d[l, j_l] = f_l'(e[l, j_l]) \sum_{k_{l+1}=1}^{n[l+1]} w[l+1, k_{l+1}, j_l]\,
          d[l+1, k_{l+1}], \qquad \Delta w[l, j_l, j_{l-1}] = \eta\, d[l, j_l]\, y[l-1, j_{l-1}]

These are what the NumPy exporter (:mod:`symbolic_bp.export`) turns into matrix products, and
what the documentation shows as "a general row per layer". Their size does not depend on the
widths, so deriving them costs the same for 2-2-1 as for 784-128-10.

>>> from symbolic_bp.network import Network
>>> rules = layer_rules(Network.build([784, 128, 10], "sigmoid"), "delta")
>>> rules.signals[1]
sigmoid'(e[1, j1])*Sum(d[2, k2]*w[2, k2, j1], (k2, 1, n[2]))
>>> rules.weight_updates[1]
eta*d[1, j1]*x[j0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .conventions import Convention, get_convention
from .network import Network

__all__ = ["LayerNetwork", "LayerRules", "layer_rules"]

_INDEX = {"integer": True, "positive": True}


def neuron_index(l: int) -> sp.Symbol:
    """``j_l``: the index that stands for every neuron of layer ``l``."""
    return sp.Symbol(f"j{l}", **_INDEX)


def sum_index(l: int) -> sp.Symbol:
    """``k_l``: the summation index of a sum over the neurons of layer ``l``."""
    return sp.Symbol(f"k{l}", **_INDEX)


class _Upstream(dict):
    """``k -> s[l+1, k]`` for any (symbolic) ``k``: the signals a recipe reads from above."""

    def __init__(self, base: sp.IndexedBase, layer: int) -> None:
        super().__init__()
        self.base, self.layer = base, layer

    def __getitem__(self, key: Any) -> sp.Expr:
        return self.base[self.layer, key]

    def __contains__(self, key: object) -> bool:
        return True


class LayerNetwork:
    """``net`` with one symbolic neuron per layer (see the module docstring).

    It offers what :class:`~symbolic_bp.network.Network` offers a convention. The loss is
    written ``E = E_other + term(t[j_L], y[L, j_L])``: the term of the representative output
    neuron plus ``E_other``, a symbol for the terms of the other outputs, which do not depend on
    ``e[L, j_L]``; so ``dE/de[L, j_L]`` is exact.
    """

    def __init__(self, net: Network) -> None:
        self.concrete = net
        self.sizes = net.sizes
        self.loss = net.loss
        self.bias = net.bias
        self.depth = net.depth
        self.activations = net.activations
        self.eta = net.eta
        self.n = sp.IndexedBase("n")
        self._w, self._b, self._e = (sp.IndexedBase(s, real=True) for s in ("w", "b", "e"))
        self._x, self._t = sp.IndexedBase("x", real=True), sp.IndexedBase("t", real=True)
        self.loss_other = sp.Symbol("E_other", real=True)

    # -- indices and symbols ---------------------------------------------------------------
    def neurons(self, l: int) -> list[sp.Symbol]:
        return [neuron_index(l)]

    def x(self, a: sp.Expr) -> sp.Expr:
        return self._x[a]

    def t(self, a: sp.Expr) -> sp.Expr:
        return self._t[a]

    def w(self, l: int, a: sp.Expr, c: sp.Expr) -> sp.Expr:
        return self._w[l, a, c]

    def b(self, l: int, a: sp.Expr) -> sp.Expr:
        return self._b[l, a]

    def e(self, l: int, a: sp.Expr) -> sp.Expr:
        return self._e[l, a]

    def y(self, l: int, a: sp.Expr) -> sp.Expr:
        return self.x(a) if l == 0 else self.activations[l - 1](self.e(l, a))

    def fprime(self, l: int, a: sp.Expr) -> sp.Expr:
        return self.activations[l - 1].derivative(self.e(l, a))

    def sum(self, l: int, body: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
        k = sum_index(l)
        return sp.Sum(body(k), (k, 1, self.n[l]))

    # -- local expressions -------------------------------------------------------------------
    def net_input(self, l: int, a: sp.Expr) -> sp.Expr:
        total = self.sum(l - 1, lambda m: self.w(l, a, m) * self.y(l - 1, m))
        return total + self.b(l, a) if self.bias else total

    def local_input(self, l: int, a: sp.Expr, atom: sp.Expr) -> sp.Expr:
        """The one term of ``e[l, a]`` that contains ``atom`` (as in
        :meth:`~symbolic_bp.network.Network.local_input`)."""
        if atom == self.b(l, a):
            return atom if self.bias else sp.S.Zero
        if isinstance(atom, sp.Indexed):
            idx = atom.indices
            if atom.base == self._w and idx[:2] == (l, a):
                return atom * self.y(l - 1, idx[2])
            if atom.base == self._e and idx[0] == l - 1:
                return self.w(l, a, idx[1]) * self.y(l - 1, idx[1])
        return sp.S.Zero

    def loss_local(self) -> sp.Expr:
        j = neuron_index(self.depth)
        return self.loss_other + self.loss.term(self.t(j), self.y(self.depth, j))

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        return self.concrete.unfold(expr)

    def weight_matrix(self, l: int) -> sp.MatrixExpr:
        from .general import _IndexedMatrix

        return _IndexedMatrix(
            f"W_{l}", self.n[l], self.n[l - 1], lambda r, c: self.w(l, r + 1, c + 1)
        )

    def signal_vector(self, signals: Mapping[Any, sp.Expr], l: int) -> sp.MatrixExpr:
        from .general import _IndexedMatrix

        return _IndexedMatrix(f"S_{l}_{id(signals)}", self.n[l], 1, lambda r, c: signals[r + 1])


@dataclass
class LayerRules:
    """A convention's rules, one expression per layer.

    **Fields:** ``network`` (the concrete network), ``layered`` (its :class:`LayerNetwork`),
    ``convention``, ``signal`` (the :class:`~sympy.IndexedBase` of the signals: ``d[l, j_l]``),
    and per layer ``l = 1..L``: ``signals[l]`` (the signal of neuron ``j_l``, in the signals
    ``signal[l+1, k_{l+1}]`` of the layer above), ``weight_updates[l]`` (``Delta w[l, j_l,
    j_{l-1}]`` in ``signal[l, j_l]``) and ``bias_updates[l]`` (``None`` without biases).
    """

    network: Network
    layered: LayerNetwork
    convention: Convention
    signal: sp.IndexedBase
    signals: dict[int, sp.Expr]
    weight_updates: dict[int, sp.Expr]
    bias_updates: dict[int, sp.Expr | None]


def layer_rules(
    net: Network, convention: str | Convention, *, letter: str | None = None
) -> LayerRules:
    """Derive ``convention``'s rules on ``net`` as one expression per layer.

    **Arguments:** ``net`` (a :class:`~symbolic_bp.network.Network`; its widths do not matter),
    ``convention`` (a name or a :class:`~symbolic_bp.conventions.Convention`), ``letter`` of
    the signals (default: the convention's).

    **Returns:** :class:`LayerRules`.
    """
    conv = get_convention(convention)
    lay = LayerNetwork(net)
    base = sp.IndexedBase(conv.letter if letter is None else letter, real=True)
    signals: dict[int, sp.Expr] = {}
    w_updates: dict[int, sp.Expr] = {}
    b_updates: dict[int, sp.Expr | None] = {}
    as_net: Any = lay  # a LayerNetwork offers what a recipe reads from a Network
    for l in range(net.depth, 0, -1):
        j, i = neuron_index(l), neuron_index(l - 1)
        upstream = None if l == net.depth else _Upstream(base, l + 1)
        (signal,) = conv.layer_signals(as_net, l, upstream)
        signals[l] = _canonical(signal)
        updates = conv.layer_updates(as_net, l, [base[l, j]])
        w_updates[l] = _canonical(updates[lay.w(l, j, i)])
        bias = updates.get(lay.b(l, j)) if net.bias else None
        b_updates[l] = None if bias is None else _canonical(bias)
    return LayerRules(net, lay, conv, base, signals, w_updates, b_updates)


def _canonical(expr: sp.Expr) -> sp.Expr:
    """Sums written over ``k_m`` from 1 (a matrix recipe's entries sum over a dummy from 0)."""
    expr = sp.sympify(expr)

    def canon(s: sp.Sum) -> sp.Expr:
        ((var, lo, hi),) = s.limits
        top = sp.expand(hi - lo + 1)
        layer = _layer_of_width(top)
        if layer is None:
            return s
        k = sum_index(layer)
        return sp.Sum(s.function.xreplace({var: k + lo - 1}), (k, 1, top))

    return expr.replace(lambda e: isinstance(e, sp.Sum), canon)


def _layer_of_width(width: sp.Expr) -> int | None:
    if isinstance(width, sp.Indexed) and width.base.label == sp.Symbol("n"):
        (layer,) = width.indices
        return int(layer) if layer.is_Integer else None
    return None
