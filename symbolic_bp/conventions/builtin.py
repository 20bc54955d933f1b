r"""The built-in recipes (formulas in ``docs/conventions.md``).

``gradient`` (ground truth, by SymPy differentiation), ``delta`` (Machine Learning Mastery),
``error_at_update`` (AGH Krakow, literally), ``error_at_update_consistent``,
``output_derivative`` (``f'(e)`` written through the output), ``matrix`` (vectorised),
``inplace`` (upper weights updated before the deltas are sent back, a common bug), and the sign
variants ``delta_flipped`` and ``error_at_update_flipped`` ("error = output - target" with
``w -= ...``). Signals of layer ``l + 1`` reach a recipe as symbols (``d3_1``, ``r2_2``, ...);
a recipe never names an activation: it asks the network for ``f_l'(e^l_j)`` or ``g(y^l_j)``.

Define your own by subclassing and registering it:

>>> class Halved(Delta):
...     '''A (wrong) textbook recipe: halves the signal sent back.'''
...     name = "halved"
...     def hidden_signal(self, net, l, j, upstream):
...         return super().hidden_signal(net, l, j, upstream) / 2
>>> _ = register(Halved(), replace=True)
>>> get_convention("halved").name
'halved'
>>> _ = unregister("halved")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..errors import InputError
from ..model.protocol import NetworkView
from .base import (
    Convention,
    by_neuron,
    get_convention,
    mark_builtin,
    register,
    signal_meaning,
    unregister,
    uses_parameter_hooks,
)
from .output import minus_dloss_dnet, minus_dloss_doutput

__all__ = [
    "Gradient",
    "Delta",
    "ErrorAtUpdate",
    "ErrorAtUpdateConsistent",
    "OutputDerivative",
    "Matrix",
    "InPlace",
    "FlippedSign",
    "Reduced",
    "get_convention",
    "register",
    "unregister",
]


class Gradient(Convention):
    r"""Ground truth: ``Delta p = -eta dE/dp``.

    The signal ``G^l_j = dE/de^l_j`` is obtained by the chain rule over the network's graph,
    every factor a SymPy derivative of a local expression: ``dE/de^L_j`` of the loss,
    ``de^{l+1}_k/de^l_j`` and ``de^l_j/dp`` of the net input (of its one term that contains
    the variable, :meth:`~symbolic_bp.model.network.Network.local_input`, so each costs one term).
    It reuses no convention's formula; :func:`symbolic_bp.derive.loss_gradient` differentiates
    the whole expanded loss instead, and the prover checks the two agree on small networks.
    """

    name = "gradient"
    letter = "G"
    description = "-eta dE/dp by SymPy differentiation (ground truth)"
    signal_meaning = (
        "the gradient's signal G^l_j = dE/de^l_j, the loss's derivative with respect to the net "
        "input by the chain rule (Delta w^l_{ji} = -eta G^l_j y^{l-1}_i)"
    )

    def output_signal(self, net: NetworkView, j: Any) -> sp.Expr:
        # dE/de^L_j by SymPy; the same local tidy as delta's (checked exact), so that e.g.
        # cross-entropy with a sigmoid output is y - t rather than a 0/0 at saturation
        return -minus_dloss_dnet(net, j)

    def hidden_signal(
        self, net: NetworkView, l: Any, j: Any, upstream: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        e = net.e(l, j)
        return net.sum(l + 1, lambda k: upstream[k] * sp.diff(net.local_input(l + 1, k, e), e))

    def weight_update(self, net: NetworkView, l: Any, j: Any, i: Any, signal: sp.Expr) -> sp.Expr:
        w = net.w(l, j, i)
        return -net.eta * signal * sp.diff(net.local_input(l, j, w), w)

    def bias_update(self, net: NetworkView, l: Any, j: Any, signal: sp.Expr) -> sp.Expr:
        b = net.b(l, j)
        return -net.eta * signal * sp.diff(net.local_input(l, j, b), b)

    def penalty_update(self, net: NetworkView, p: sp.Expr) -> sp.Expr:
        # -eta d/dp of the penalty's term that holds p, by SymPy
        return -net.eta * sp.diff(net.penalty_local(p), p)


class Delta(Convention):
    r"""Deltas that contain the derivative (Machine Learning Mastery; Rumelhart et al. 1986).

    .. math:: d^L_j = -\partial E/\partial e^L_j,\quad
              d^l_j = \Big(\sum_k w^{l+1}_{kj} d^{l+1}_k\Big) f_l'(e^l_j),\quad
              \Delta w^l_{ji} = \eta\, d^l_j\, y^{l-1}_i
    """

    name = "delta"
    letter = "d"
    description = "propagate deltas d = error * f'(e); w += eta * d * input (MLM)"
    signal_meaning = (
        "delta's signal d^l_j = -dE/de^l_j: at the output (t_j - y^L_j) f_L'(e^L_j), below "
        "(sum_k w^{l+1}_{kj} d^{l+1}_k) f_l'(e^l_j) (Delta w^l_{ji} = eta d^l_j y^{l-1}_i)"
    )

    def derivative(self, net: NetworkView, l: Any, j: Any) -> sp.Expr:
        """``f_l'(e^l_j)`` as this recipe writes it."""
        return net.fprime(l, j)

    def output_signal(self, net: NetworkView, j: Any) -> sp.Expr:
        return minus_dloss_dnet(net, j)

    def hidden_signal(
        self, net: NetworkView, l: Any, j: Any, upstream: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        error = net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k])
        return error * self.derivative(net, l, j)

    def update(self, net: NetworkView, l: Any, j: Any, inp: sp.Expr, signal: sp.Expr) -> sp.Expr:
        return net.eta * signal * inp


class OutputDerivative(Delta):
    r"""``delta`` with the derivative written through the neuron's output, ``g(y)`` with
    ``g(f(e)) = f'(e)`` (sigmoid ``y(1-y)``, tanh ``1-y^2``): the Machine Learning Mastery code's
    ``transfer_derivative(output)``. Needs an activation that has such a ``g``."""

    name = "output_derivative"
    description = "delta with f'(e) written through the output, e.g. y(1-y)"
    signal_meaning = (
        "output_derivative's signal d^l_j: delta's, with f_l'(e^l_j) written through the "
        "output y^l_j (sigmoid: y(1 - y))"
    )

    def derivative(self, net: NetworkView, l: Any, j: Any) -> sp.Expr:
        self.require_output_form(net, l)
        return net.fprime_through_output(l, j)

    def require_output_form(self, net: NetworkView, l: Any) -> None:
        """Refuse an activation whose derivative cannot be written through its output (a
        softmax's Jacobian can: ``y_m (delta_mj - y_j)``)."""
        act = net.activation(l)
        if act.output_derivative_expr is None and not act.is_vector:
            raise InputError(
                f"convention {self.name!r} writes f'(e) through the output, but layer {l}'s "
                f"activation {act.name!r} has no such form; use --activation sigmoid, tanh, "
                "relu, leaky_relu, identity or softplus"
            )

    def output_signal(self, net: NetworkView, j: Any) -> sp.Expr:
        # -dE/dy times g(y); through a softmax's whole Jacobian (itself a function of outputs)
        self.require_output_form(net, net.depth)
        error = lambda m: minus_dloss_doutput(net, m)  # noqa: E731
        return net.backward(net.depth, j, error, through_output=True)


class ErrorAtUpdate(Convention):
    r"""Raw errors sent back; the derivative only at the update (the AGH tutorial, literally).

    .. math:: r^L_j = -\partial E/\partial y^L_j,\quad
              r^l_j = \sum_k w^{l+1}_{kj} r^{l+1}_k,\quad
              \Delta w^l_{ji} = \eta\, r^l_j f_l'(e^l_j)\, y^{l-1}_i

    With a softmax output the derivative applied at the update is its Jacobian:
    ``Delta w^L_{ji} = eta (sum_m r^L_m dy_m/de_j) y^{L-1}_i`` (:meth:`update_factor`; the
    ``signal`` that :meth:`update` receives is already carried through the derivative).
    """

    name = "error_at_update"
    letter = "r"
    description = "propagate raw errors; w += eta * r * f'(e) * input (AGH)"
    signal_meaning = (
        "the AGH error r^l_j: at the output r^L_j = t_j - y^L_j (that is -dE/dy^L_j), below "
        "r^l_j = sum_k w^{l+1}_{kj} r^{l+1}_k, no derivative on the way back "
        "(Delta w^l_{ji} = eta r^l_j f_l'(e^l_j) y^{l-1}_i)"
    )

    def output_signal(self, net: NetworkView, j: Any) -> sp.Expr:
        return minus_dloss_doutput(net, j)

    def hidden_signal(
        self, net: NetworkView, l: Any, j: Any, upstream: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k])

    def update_factor(
        self, net: NetworkView, l: Any, j: Any, signals: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        # r_j f_l'(e_j); through the whole Jacobian for softmax
        return net.backward(l, j, lambda m: signals[m])

    def update(self, net: NetworkView, l: Any, j: Any, inp: sp.Expr, signal: sp.Expr) -> sp.Expr:
        return net.eta * signal * inp


class ErrorAtUpdateConsistent(ErrorAtUpdate):
    r"""``error_at_update`` with the upper layer's derivative applied on the way back:
    ``r^l_j = sum_k w^{l+1}_{kj} r^{l+1}_k f_{l+1}'(e^{l+1}_k)``."""

    name = "error_at_update_consistent"
    description = "as error_at_update, but errors sent back carry the upper layer's f'(e)"
    signal_meaning = (
        "error_at_update_consistent's error r^l_j: at the output t_j - y^L_j, below "
        "sum_k w^{l+1}_{kj} r^{l+1}_k f_{l+1}'(e^{l+1}_k) (Delta w^l_{ji} = eta r^l_j f_l'(e^l_j) "
        "y^{l-1}_i)"
    )

    def hidden_signal(
        self, net: NetworkView, l: Any, j: Any, upstream: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        def term(k: Any) -> sp.Expr:
            # r_k f'_{l+1}(e_k), through the whole Jacobian when layer l + 1 is a softmax
            return net.w(l + 1, k, j) * net.backward(l + 1, k, lambda m: upstream[m])

        return net.sum(l + 1, term)


class Matrix(Convention):
    r"""The vectorised recipe, written with SymPy matrices:

    .. math:: D^L = -\partial E/\partial y^L \odot f_L'(e^L),\quad
              D^l = (W^{l+1})^T D^{l+1} \odot f_l'(e^l),\quad
              \Delta W^l = \eta\, D^l (y^{l-1})^T,\quad \Delta b^l = \eta\, D^l

    With a softmax output ``D^L = J_L^T (-\partial E/\partial y^L)``, the whole Jacobian in
    place of the elementwise product.
    """

    name = "matrix"
    letter = "D"
    description = "vectorised: D = (W^T D) * f'(e); dW = eta * D y^T"
    signal_meaning = (
        "entry j of the vectorised signal D^l = (W^{l+1})^T D^{l+1} (.) f_l'(e^l), with "
        "D^L = (t - y^L) (.) f_L'(e^L) (Delta W^l = eta D^l (y^{l-1})^T)"
    )

    def layer_signals(self, net: NetworkView, l: Any, upstream: Any) -> list[sp.Expr]:
        if upstream is None:
            # -dE/dy^L (.) f_L'(e^L); for softmax the Jacobian's transpose times -dE/dy^L
            error_of = lambda m: minus_dloss_doutput(net, m)  # noqa: E731
            return net.per_neuron(l, lambda j: net.backward(l, j, error_of))
        fprime = net.column(l, lambda j: net.fprime(l, j))
        # (W^{l+1})^T D^{l+1}; with symbolic widths the product's entries are symbolic sums
        error = net.weight_matrix(l + 1).T * net.signal_vector(by_neuron(upstream), l + 1)
        return net.entries(_hadamard(error, fprime), l)

    def layer_updates(self, net: NetworkView, l: Any, signals: Any) -> dict[sp.Expr, sp.Expr]:
        D = net.signal_vector(by_neuron(signals), l)
        y_prev = net.column(l - 1, lambda i: net.y(l - 1, i))
        out = net.matrix_entries(l, net.eta * D * y_prev.T)
        out.update(net.vector_entries(l, net.eta * D))
        return out


def _hadamard(a: Any, b: Any) -> Any:
    """The entrywise product of two columns (SymPy matrices, or matrices of symbolic size)."""
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
        return a.multiply_elementwise(b)
    return sp.HadamardProduct(a, b)


class InPlace(Delta):
    r"""A common bug: layer ``l + 1``'s weights are updated *before* its deltas are sent back,
    ``d^l_j = (sum_k (w^{l+1}_{kj} + Delta w^{l+1}_{kj}) d^{l+1}_k) f_l'(e^l_j)``."""

    name = "inplace"
    description = "delta, but upper weights are updated before the deltas are sent back (bug)"
    signal_meaning = (
        "inplace's signal d^l_j: delta's, but sent back through the weights of layer l+1 "
        "already updated"
    )

    def hidden_signal(
        self, net: NetworkView, l: Any, j: Any, upstream: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        def term(k: int) -> sp.Expr:
            updated = net.w(l + 1, k, j) + self.weight_update(net, l + 1, k, j, upstream[k])
            return updated * upstream[k]

        return net.sum(l + 1, term) * self.derivative(net, l, j)


class FlippedSign(Convention):
    """The sign variant of a recipe: ``error = output - target`` (every signal negated) and
    ``w -= ...`` (every update negated). Its hidden recurrence is the base recipe's."""

    def __init__(self, base: Convention, name: str | None = None) -> None:
        self.base = base
        self.name = name or f"{base.name}_flipped"
        self.letter = base.letter
        self.description = f"{base.name} with error = output - target and w -= ..."
        self.signal_meaning = f"{signal_meaning(base)}, with the sign flipped (output - target)"

    def layer_signals(self, net: NetworkView, l: Any, upstream: Any) -> list[sp.Expr]:
        signals = self.base.layer_signals(net, l, upstream)
        return [-s for s in signals] if upstream is None else signals

    def weight_update(self, net: NetworkView, l: Any, j: Any, i: Any, signal: sp.Expr) -> sp.Expr:
        return -self.base.weight_update(net, l, j, i, signal)

    def bias_update(self, net: NetworkView, l: Any, j: Any, signal: sp.Expr) -> sp.Expr:
        return -self.base.bias_update(net, l, j, signal)

    def layer_updates(self, net: NetworkView, l: Any, signals: Any) -> dict[sp.Expr, sp.Expr]:
        if uses_parameter_hooks(self.base):
            return super().layer_updates(net, l, signals)
        return {p: -u for p, u in self.base.layer_updates(net, l, signals).items()}

    def update_factor(
        self, net: NetworkView, l: Any, j: Any, signals: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        return self.base.update_factor(net, l, j, signals)

    def parameter_hooks(self) -> bool:
        """Whether the updates come from the base recipe's per-parameter hooks."""
        return uses_parameter_hooks(self.base)


class Reduced(Convention):
    """``base`` with its own reduction of a batch (the mean or the sum of its per-sample
    updates), whatever the network's: how a recipe that sums is compared with one that
    averages (``prove --reduce sum,mean``)."""

    def __init__(self, base: Convention, reduction: Any) -> None:
        self.base, self.reduction = base, reduction
        self.name = f"{base.name}_{reduction.name}"
        self.letter = base.letter
        self.description = f"{base.name}, the {reduction.name} of the per-sample updates"
        self.signal_meaning = signal_meaning(base)

    def layer_signals(self, net: NetworkView, l: Any, upstream: Any) -> list[sp.Expr]:
        return self.base.layer_signals(net, l, upstream)

    def layer_updates(self, net: NetworkView, l: Any, signals: Any) -> dict[sp.Expr, sp.Expr]:
        return self.base.layer_updates(net, l, signals)

    def update_factor(
        self, net: NetworkView, l: Any, j: Any, signals: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        return self.base.update_factor(net, l, j, signals)

    def weight_update(self, net: NetworkView, l: Any, j: Any, i: Any, signal: sp.Expr) -> sp.Expr:
        return self.base.weight_update(net, l, j, i, signal)

    def bias_update(self, net: NetworkView, l: Any, j: Any, signal: sp.Expr) -> sp.Expr:
        return self.base.bias_update(net, l, j, signal)

    def penalty_update(self, net: NetworkView, p: sp.Expr) -> sp.Expr:
        return self.base.penalty_update(net, p)

    def parameter_hooks(self) -> bool:
        """Whether the updates come from the base recipe's per-parameter hooks."""
        return uses_parameter_hooks(self.base)


for _c in (
    Gradient(),
    Delta(),
    ErrorAtUpdate(),
    ErrorAtUpdateConsistent(),
    OutputDerivative(),
    Matrix(),
    InPlace(),
    FlippedSign(Delta()),
    FlippedSign(ErrorAtUpdate()),
):
    register(_c)
    mark_builtin(type(_c))
