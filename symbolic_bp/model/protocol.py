"""The interface a recipe programs against: what every network offers, with one meaning.

Both :class:`~symbolic_bp.model.network.Network` (concrete neurons ``j = 1..n_l``) and
:class:`~symbolic_bp.model.indexed.IndexedNetwork` (one symbolic neuron per layer, symbolic
widths, a depth that may be symbolic) implement :class:`NetworkView`. A recipe written against
it runs on both: on a concrete network it computes each neuron's rule; on an indexed one the
rule of every neuron at once. Neuron and layer arguments are whatever the network handed to the
recipe (numbers, or the guards of :mod:`symbolic_bp.model.guards`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import sympy as sp

from .losses import Loss

__all__ = ["NetworkView"]


class NetworkView(Protocol):
    """What a recipe may read from a network (see the module docstring)."""

    @property
    def bias(self) -> bool:
        """Whether every neuron has a bias."""

    @property
    def loss(self) -> Loss:
        """The loss ``E``."""

    @property
    def depth(self) -> Any:
        """``L``, the output layer (a number, or a symbolic layer in the general proof)."""

    @property
    def eta(self) -> sp.Symbol:
        """The learning rate ``eta``."""

    @property
    def activations(self) -> Any:
        """``activations[l - 1]`` is the activation of layer ``l``."""

    def activation(self, l: Any) -> Any:
        """The activation of layer ``l``."""

    def width(self, l: Any) -> Any:
        """``n_l``: a number, or the symbol ``n[l]``."""

    def x(self, i: Any) -> sp.Expr:
        """Input ``x_i``."""

    def t(self, j: Any) -> sp.Expr:
        """Target ``t_j``."""

    def w(self, l: Any, j: Any, i: Any) -> sp.Expr:
        """Weight into neuron ``j`` of layer ``l`` from neuron ``i`` of layer ``l - 1``."""

    def b(self, l: Any, j: Any) -> sp.Expr:
        """Bias of neuron ``j`` of layer ``l``."""

    def e(self, l: Any, j: Any) -> sp.Expr:
        """Net input ``e^l_j``."""

    def y(self, l: Any, j: Any) -> sp.Expr:
        """Output ``y^l_j = f_l(e^l_j)`` (``x_j`` for ``l = 0``)."""

    def fprime(self, l: Any, j: Any) -> sp.Expr:
        """``f_l'(e^l_j)``."""

    def fprime_through_output(self, l: Any, j: Any) -> sp.Expr:
        """``g_l(y^l_j)`` with ``g_l(f_l(x)) = f_l'(x)`` (sigmoid: ``y (1 - y)``)."""

    def backward(
        self, l: Any, j: Any, error: Callable[[Any], sp.Expr], through_output: bool = False
    ) -> sp.Expr:
        """``sum_m error(m) dy^l_m/de^l_j``: ``error(j) f_l'(e^l_j)``, or through a softmax's
        whole Jacobian (``through_output``: the derivative written through the outputs)."""

    def neuron_of(self, atom: sp.Expr) -> tuple[Any, Any] | None:
        """``(l, j)`` when ``atom`` is the net input ``e^l_j``, else ``None``."""

    def logsumexp(self, l: Any, body: Callable[[Any], sp.Expr]) -> sp.Expr:
        """``log sum_{k=1}^{n_l} exp(body(k))``."""

    def dloss_dnet(self, j: Any) -> sp.Expr:
        """``dE/de^L_j`` of one sample's loss (through the whole layer for softmax)."""

    def l2(self, p: sp.Expr) -> sp.Expr:
        """The L2 coefficient of parameter ``p`` (``0`` when it is not penalised)."""

    def penalty_local(self, p: sp.Expr) -> sp.Expr:
        """``lambda/2 p^2``, the term of the L2 penalty that holds ``p``."""

    def sum(self, l: Any, body: Callable[[Any], sp.Expr]) -> sp.Expr:
        """``sum_{k=1}^{n_l} body(k)``."""

    def net_input(self, l: Any, j: Any) -> sp.Expr:
        """``e^l_j = sum_i w^l_{ji} y^{l-1}_i (+ b^l_j)``."""

    def local_input(self, l: Any, j: Any, atom: sp.Expr) -> sp.Expr:
        """The part of ``e^l_j`` that depends on ``atom``."""

    def loss_local(self) -> sp.Expr:
        """``E`` in the output net inputs and targets."""

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with opaque activations written out."""

    def per_neuron(self, l: Any, fn: Callable[[Any], sp.Expr]) -> list[sp.Expr]:
        """``fn(j)`` for the neurons of layer ``l`` (every one, or the representative)."""

    def per_weight(self, l: Any, fn: Callable[[Any, Any], sp.Expr]) -> dict[sp.Expr, sp.Expr]:
        """``{w^l_{ji}: fn(j, i)}`` for the weights of layer ``l``."""

    def per_bias(self, l: Any, fn: Callable[[Any], sp.Expr]) -> dict[sp.Expr, sp.Expr]:
        """``{b^l_j: fn(j)}`` (empty without biases)."""

    def column(self, l: Any, fn: Callable[[Any], sp.Expr]) -> Any:
        """The column of layer ``l`` with entries ``fn(j)``."""

    def weight_matrix(self, l: Any) -> Any:
        """``W^l``."""

    def signal_vector(self, signals: Any, l: Any) -> Any:
        """The column of the signals of layer ``l``."""

    def entries(self, vector: Any, l: Any) -> list[sp.Expr]:
        """A column of layer ``l`` as the per-neuron list a recipe returns."""

    def matrix_entries(self, l: Any, matrix: Any) -> dict[sp.Expr, sp.Expr]:
        """A matrix of updates of layer ``l``'s weights as ``{weight: update}``."""

    def vector_entries(self, l: Any, vector: Any) -> dict[sp.Expr, sp.Expr]:
        """A column of updates of layer ``l``'s biases as ``{bias: update}``."""
