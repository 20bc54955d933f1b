r"""One network with a symbolic neuron per layer; its depth is a number or a symbol.

The recipes of :mod:`symbolic_bp.conventions` run unchanged on an :class:`IndexedNetwork`. Every
layer ``a`` has one symbolic neuron index (``j_a`` for a concrete layer number, ``i, j, k`` for
the layers ``l - 1, l, l + 1`` of a symbolic layer ``l``), widths are symbols ``n[a]``, weights,
biases, net inputs, inputs and targets are :class:`sympy.IndexedBase` entries
(``w[a, j_a, j_{a-1}]``, ``e[a, j_a]``, ...), and a sum over a layer is one SymPy ``Sum``. A
recipe's signal of layer ``a`` then comes out as one expression that holds for every neuron of
every width.

Two uses, one class:

- :meth:`IndexedNetwork.of` keeps a concrete network's depth, activations, loss and biases
  (the layer identities of the instance prover and the NumPy exporter);
- :meth:`IndexedNetwork.general` has a symbolic depth ``L`` and layer ``l``, and generic
  activations ``f_l`` (the general proof by induction).

What a recipe cannot be represented doing here (counting or iterating a layer, comparing an
index, naming neuron 1) raises :class:`~symbolic_bp.errors.AbstractionError` (see
:mod:`symbolic_bp.model.guards`): a fast path that runs into it falls back, it never guesses.

>>> from symbolic_bp.model.network import Network
>>> net = IndexedNetwork.of(Network.build([784, 128, 10], "sigmoid"))
>>> net.net_input(2, net.representative(2))
Sum(sigmoid(e[1, k1])*w[2, j2, k1], (k1, 1, n[1]))
>>> g = IndexedNetwork.general(loss="half_sse")
>>> g.y(g.depth, g.representative(g.depth))
f_{L}(e[L, j])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import sympy as sp

from ..algebra import pull_constants
from ..errors import AbstractionError
from .guards import Index, Layer, unwrap_index, unwrap_layer
from .losses import Loss, get_loss
from .network import Network
from .objective import Objective
from .symbolic import IndexedMatrix, LayerActivation

__all__ = ["IndexedNetwork", "DEPTH", "LAYER", "neuron_index", "sum_index"]

_INT = {"integer": True, "positive": True}
#: the symbolic depth and hidden layer of the general proof
DEPTH, LAYER = sp.Symbol("L", **_INT), sp.Symbol("l", **_INT)
_GENERAL_INDEX = {(LAYER, -1): "i", (LAYER, 0): "j", (LAYER, 1): "k", (DEPTH, 0): "j"}
_GENERAL_INDEX[(DEPTH, -1)] = "i"
_GENERAL_SUM = {(LAYER, 1): "k", (LAYER, -1): "m", (LAYER, 0): "p", (DEPTH, 0): "q"}
_GENERAL_SUM[(DEPTH, -1)] = "m"


def neuron_index(layer: int) -> sp.Symbol:
    """``j_a``: the index that stands for every neuron of the concrete layer ``a``."""
    return sp.Symbol(f"j{layer}", **_INT)


def sum_index(layer: int) -> sp.Symbol:
    """``k_a``: the summation index of a sum over the neurons of the concrete layer ``a``."""
    return sp.Symbol(f"k{layer}", **_INT)


def _offset(layer: sp.Expr) -> tuple[sp.Symbol, int] | None:
    for base in (LAYER, DEPTH):
        off = sp.expand(layer - base)
        if off.is_Integer:
            return base, int(off)
    return None


class _Family:
    """``net.activations[a - 1]`` of the general network: the generic activation of layer a,
    or at the output layer ``L`` the activation the loss requires (softmax)."""

    def __init__(self, output: Any = None) -> None:
        self.output = output

    def __getitem__(self, index: Any) -> Any:
        layer = unwrap_layer(index) + 1
        if self.output is not None and sp.expand(layer - DEPTH) == 0:
            return self.output
        return LayerActivation(layer)


class IndexedNetwork:
    """A network with a symbolic neuron per layer (see the module docstring).

    It offers what :class:`~symbolic_bp.model.network.Network` offers a recipe, with the same
    meaning. The loss is written ``E = E_other + term(t[j], y[L, j])``: the term of the
    representative output neuron plus ``E_other``, a symbol for the terms of the other
    outputs, which do not depend on ``e[L, j]``; so ``dE/de[L, j]`` is exact. With a softmax
    output every output depends on ``e[L, j]``: the loss is the sum over the outputs, and
    ``dE/de[L, j]`` is carried through the softmax Jacobian (:meth:`dloss_dnet`).

    A batch and an L2 penalty (``objective``) do not change the per-sample quantities a recipe
    reads; the layer rules keep the reduction and the penalty apart.
    """

    def __init__(
        self,
        depth: sp.Expr,
        activations: tuple[Any, ...] | None,
        loss: Loss,
        bias: bool,
        concrete: Network | None = None,
        objective: Objective | None = None,
    ) -> None:
        self.depth_expr = sp.sympify(depth)
        self.objective = objective or (concrete.objective if concrete else Objective())
        self.symbolic = not self.depth_expr.is_Integer
        self._activations = activations
        self.loss = loss
        self.bias = bias
        self.concrete = concrete
        self.eta = sp.Symbol("eta", positive=True)
        self.n = sp.IndexedBase("n")
        self._w, self._b, self._e = (sp.IndexedBase(s, real=True) for s in ("w", "b", "e"))
        self._x, self._t = sp.IndexedBase("x", real=True), sp.IndexedBase("t", real=True)
        self.loss_other = sp.Symbol("E_other", real=True)

    @classmethod
    def of(cls, net: Network) -> IndexedNetwork:
        """``net`` with one symbolic neuron per layer (depth, activations, loss and biases kept)."""
        return cls(sp.Integer(net.depth), net.activations, net.loss, net.bias, net)

    @classmethod
    def general(
        cls, loss: str | Loss = "half_sse", bias: bool = True, objective: Objective | None = None
    ) -> IndexedNetwork:
        """Symbolic depth ``L``, widths ``n[a]`` and generic activations ``f_a`` (the output
        layer's the one the loss requires, e.g. softmax)."""
        loss_obj = loss if isinstance(loss, Loss) else get_loss(loss)
        return cls(DEPTH, None, loss_obj, bias, objective=objective)

    # -- what a recipe reads -----------------------------------------------------------
    @property
    def depth(self) -> int | Layer:
        """``L``: a number, or a symbolic :class:`~symbolic_bp.model.guards.Layer`."""
        return Layer(self.depth_expr) if self.symbolic else int(self.depth_expr)

    @property
    def activations(self) -> Any:
        """The activations of layers ``1..L`` (indexed from 0, as on a concrete network)."""
        if self._activations is None:
            return _Family(self.loss.output_activation)
        return self._activations

    def activation(self, l: Any) -> Any:
        a = unwrap_layer(l)
        if self._activations is None:
            return self.activations[a - 1]
        return self._activations[int(a) - 1]

    def width(self, l: Any) -> sp.Expr:
        return self.n[unwrap_layer(l)]

    def x(self, i: Any) -> sp.Expr:
        return self._x[unwrap_index(i)]

    def t(self, j: Any) -> sp.Expr:
        return self._t[unwrap_index(j)]

    def w(self, l: Any, j: Any, i: Any) -> sp.Expr:
        return self._w[unwrap_layer(l), unwrap_index(j), unwrap_index(i)]

    def b(self, l: Any, j: Any) -> sp.Expr:
        return self._b[unwrap_layer(l), unwrap_index(j)]

    def e(self, l: Any, j: Any) -> sp.Expr:
        return self._e[unwrap_layer(l), unwrap_index(j)]

    def y(self, l: Any, j: Any) -> sp.Expr:
        """``f_a(e[a, j])``; for the concrete layer 0 the input ``x[j]``."""
        a = unwrap_layer(l)
        if a == 0:
            return self.x(j)
        return self.activation(a).output(self, a, j)

    def fprime(self, l: Any, j: Any) -> sp.Expr:
        return self.activation(l).partial(self, l, j)

    def neuron_of(self, atom: sp.Expr) -> tuple[Any, Any] | None:
        if isinstance(atom, sp.Indexed) and atom.base == self._e and len(atom.indices) == 2:
            return atom.indices[0], atom.indices[1]
        return None

    def backward(
        self, l: Any, j: Any, error: Callable[[Any], sp.Expr], through_output: bool = False
    ) -> sp.Expr:
        return self.activation(l).backward(self, l, j, error, through_output)

    def logsumexp(self, l: Any, body: Callable[[Index], sp.Expr]) -> sp.Expr:
        """``log sum_k exp(body(k))`` over layer ``l``: ``log`` of a ``Sum``."""
        return sp.log(self.sum(l, lambda k: sp.exp(body(k))))

    def fprime_through_output(self, l: Any, j: Any) -> sp.Expr:
        return self.activation(l).derivative_from_output(self.y(l, j))

    def sum(self, l: Any, body: Callable[[Index], sp.Expr]) -> sp.Expr:
        a = unwrap_layer(l)
        k = self.sum_symbol(a)
        return sp.Sum(body(Index(k)), (k, 1, self.n[a]))

    def net_input(self, l: Any, j: Any) -> sp.Expr:
        total = self.sum(unwrap_layer(l) - 1, lambda i: self.w(l, j, i) * self.y(l - 1, i))
        return total + self.b(l, j) if self.bias else total

    def local_input(self, l: Any, j: Any, atom: sp.Expr) -> sp.Expr:
        """The one term of ``e[a, j]`` that contains ``atom`` (a weight or bias of neuron ``j``
        of layer ``a``, or a net input ``e[a-1, c]``), as on a concrete network."""
        a, jj = unwrap_layer(l), unwrap_index(j)
        if not isinstance(atom, sp.Indexed):
            return sp.S.Zero
        idx = atom.indices
        if atom.base == self._e:
            return self._same_layer(
                idx[0], a - 1, lambda: self.w(a, jj, idx[1]) * self.y(a - 1, idx[1])
            )
        if atom.base == self._w:
            return self._same_neuron(idx[:2], (a, jj), lambda: atom * self.y(a - 1, idx[2]))
        if atom.base == self._b:
            return self._same_neuron(idx, (a, jj), lambda: atom if self.bias else sp.S.Zero)
        return sp.S.Zero

    def loss_local(self) -> sp.Expr:
        L = self.depth_expr
        if self.activation(L).is_vector:
            return self.sum(L, lambda m: self.loss.term(self.t(m), self.y(L, m)))
        j = self.index(L)
        return self.loss_other + self.loss.term(self._t[j], self.y(L, j))

    def dloss_dnet(self, j: Any) -> sp.Expr:
        """``dE/de[L, j]``: SymPy's derivative of the loss; through a softmax the outputs'
        errors ``-dE/dy`` carried back through its Jacobian (the lemma
        :func:`~symbolic_bp.model.softmax.jacobian_lemma`), which the per-neuron rules of
        concrete networks check."""
        L = self.depth_expr
        act = self.activation(L)
        if act.is_vector:
            return -act.backward(
                self, L, j, lambda m: self.loss.output_error(self.t(m), self.y(L, m))
            )
        return sp.diff(self.loss_local(), self.e(L, j))

    def l2(self, p: sp.Expr) -> sp.Expr:
        """The L2 coefficient of the parameter ``p`` (``w[...]`` or ``b[...]``)."""
        kind = "b" if isinstance(p, sp.Indexed) and p.base == self._b else "w"
        return self.objective.l2 if self.objective.penalised(kind) else sp.S.Zero

    def penalty_local(self, p: sp.Expr) -> sp.Expr:
        return self.l2(p) / 2 * p**2

    def on_domain(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with each sum of the targets over the output layer written as 1 (on the
        domain of probability targets; sums are first cleared of factors free of their index).
        Sound: the identity then holds for every probability vector of targets."""
        if not self.loss.probability_targets or not expr.has(sp.Sum):
            return expr
        width = self.n[self.depth_expr]

        def is_total(s: sp.Sum) -> bool:
            if len(s.limits) != 1:
                return False
            var, lo, hi = s.limits[0]
            f = s.function
            return lo == 1 and hi == width and isinstance(f, sp.Indexed) and f == self._t[var]

        return pull_constants(expr).replace(
            lambda e: isinstance(e, sp.Sum) and is_total(e), lambda e: sp.S.One
        )

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        return expr if self.concrete is None else self.concrete.unfold(expr)

    # -- per-layer building blocks ----------------------------------------------------
    def representative(self, l: Any) -> Index:
        """The guard of the neuron index that stands for every neuron of layer ``l``."""
        return Index(self.index(unwrap_layer(l)))

    def per_neuron(self, l: Any, fn: Callable[[Index], sp.Expr]) -> list[sp.Expr]:
        return [fn(self.representative(l))]

    def per_weight(self, l: Any, fn: Callable[[Index, Index], sp.Expr]) -> dict[sp.Expr, sp.Expr]:
        j, i = self.representative(l), self.representative(unwrap_layer(l) - 1)
        return {self.w(l, j, i): fn(j, i)}

    def per_bias(self, l: Any, fn: Callable[[Index], sp.Expr]) -> dict[sp.Expr, sp.Expr]:
        j = self.representative(l)
        return {self.b(l, j): fn(j)} if self.bias else {}

    def column(self, l: Any, fn: Callable[[Index], sp.Expr]) -> sp.MatrixExpr:
        a = unwrap_layer(l)
        return IndexedMatrix("C", self.n[a], 1, lambda r, c: fn(Index(r + 1)))

    def weight_matrix(self, l: Any) -> sp.MatrixExpr:
        a = unwrap_layer(l)
        return IndexedMatrix(
            f"W_{a}", self.n[a], self.n[a - 1], lambda r, c: self._w[a, r + 1, c + 1]
        )

    def signal_vector(self, signals: Any, l: Any) -> sp.MatrixExpr:
        a = unwrap_layer(l)
        return IndexedMatrix(f"S_{a}", self.n[a], 1, lambda r, c: signals[Index(r + 1)])

    def entries(self, vector: Any, l: Any) -> list[sp.Expr]:
        return [vector[self.index(unwrap_layer(l)) - 1, 0]]

    def matrix_entries(self, l: Any, matrix: Any) -> dict[sp.Expr, sp.Expr]:
        a = unwrap_layer(l)
        j, i = self.index(a), self.index(a - 1)
        return {self._w[a, j, i]: matrix[j - 1, i - 1]}

    def vector_entries(self, l: Any, vector: Any) -> dict[sp.Expr, sp.Expr]:
        a = unwrap_layer(l)
        j = self.index(a)
        return {self._b[a, j]: vector[j - 1, 0]} if self.bias else {}

    # -- the engine's symbols -----------------------------------------------------------
    def index(self, layer: sp.Expr) -> sp.Symbol:
        """The SymPy neuron index of layer ``layer`` (``j_a``; ``i, j, k`` around ``l``)."""
        if not self.symbolic:
            return neuron_index(int(layer))
        return self._general_symbol(layer, _GENERAL_INDEX, "a neuron of")

    def sum_symbol(self, layer: sp.Expr) -> sp.Symbol:
        """The summation index of a sum over layer ``layer``."""
        if not self.symbolic:
            return sum_index(int(layer))
        return self._general_symbol(layer, _GENERAL_SUM, "a sum over")

    def _general_symbol(self, layer: sp.Expr, table: dict, what: str) -> sp.Symbol:
        key = _offset(sp.sympify(layer))
        if key not in table:
            raise AbstractionError(
                f"a recipe reads {what} layer {layer}; the general proof represents the layers "
                "l - 1, l, l + 1 and L - 1, L only"
            )
        return sp.Symbol(table[key], **_INT)

    def _same_layer(self, got: sp.Expr, want: sp.Expr, term: Callable[[], sp.Expr]) -> sp.Expr:
        diff = sp.expand(got - want)
        if diff == 0:
            return term()
        if diff.is_Integer:
            return sp.S.Zero  # another layer: e[a, j] does not depend on it
        raise AbstractionError(f"cannot tell whether layers {got} and {want} are the same")

    def _same_neuron(
        self, got: tuple[sp.Expr, ...], want: tuple[sp.Expr, ...], term: Callable[[], sp.Expr]
    ) -> sp.Expr:
        if tuple(got) == tuple(want):
            return term()
        layer_diff = sp.expand(got[0] - want[0])
        if layer_diff.is_Integer and layer_diff != 0:
            return sp.S.Zero
        raise AbstractionError(
            "a recipe differentiates a net input by a parameter of another symbolic neuron "
            "(whether the two neurons are the same cannot be decided)"
        )

    # -- what only a concrete network has -----------------------------------------------
    def _concrete_only(self, what: str) -> NoReturn:
        raise AbstractionError(
            f"a recipe reads {what}, which a network with symbolic widths does not have; sum "
            "with net.sum(l, lambda k: ...) and use net.width(l) for a layer's size"
        )

    def neurons(self, l: Any) -> NoReturn:
        self._concrete_only("net.neurons(l) (a layer's neurons one by one)")

    @property
    def sizes(self) -> NoReturn:
        self._concrete_only("net.sizes")

    @property
    def parameter_count(self) -> NoReturn:
        self._concrete_only("net.parameter_count")

    def parameters(self) -> NoReturn:
        self._concrete_only("net.parameters()")

    def locate(self, name: str) -> NoReturn:
        self._concrete_only("a parameter by name")

    def describe(self) -> str:
        if self.symbolic:
            return f"any depth and widths, generic activations, loss {self.loss.name}"
        assert self.concrete is not None
        return self.concrete.describe()
