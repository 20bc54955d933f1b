r"""Loss functions ``E(t, y)`` of the output layer, summed over output neurons.

- ``half_sse``: :math:`E = \tfrac12 \sum_j (t_j - y^L_j)^2` (the default; the AGH tutorial's)
- ``sse``: :math:`E = \sum_j (t_j - y^L_j)^2`
- ``cross_entropy``: binary, :math:`E = -\sum_j t_j \log y^L_j + (1 - t_j) \log(1 - y^L_j)`,
  for outputs in ``(0, 1)`` (sigmoid or generic output layer)
- ``categorical_cross_entropy``: :math:`E = -\sum_j t_j \log y^L_j` for a softmax output
  layer; the targets are probability vectors (``sum_j t_j = 1``, usually one-hot)

A convention's output signal is *derived* from the loss by differentiation, never looked up.

>>> LOSSES["half_sse"].term(sp.Symbol("t"), sp.Symbol("y"))
(t - y)**2/2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..errors import unknown_name
from .activations import SOFTMAX, Activation

__all__ = ["Loss", "LOSSES", "get_loss"]

_T, _Y = sp.symbols("t y", real=True)


@dataclass(frozen=True)
class Loss:
    """A per-sample loss, the sum of ``term(t_j, y_j)`` over the output neurons.

    ``output_activation``: the activation the output layer must have (softmax for the
    categorical cross-entropy), or ``None``; ``probability_targets``: the targets of a sample
    are a probability vector (``sum_j t_j = 1``), the domain on which identities are proven and
    counterexamples are taken.
    """

    name: str
    term_expr: sp.Expr = field(compare=False)
    description: str = ""
    needs_unit_interval: bool = False
    output_activation: Activation | None = field(default=None, compare=False)
    probability_targets: bool = False

    def term(self, t: sp.Expr, y: sp.Expr) -> sp.Expr:
        """The loss of one output neuron with target ``t`` and output ``y``."""
        return self.term_expr.xreplace({_T: t, _Y: y})

    def output_error(self, t: sp.Expr, y: sp.Expr) -> sp.Expr:
        """``-dE/dy`` of one output neuron with target ``t`` at the output ``y``, by SymPy
        differentiation of its term.

        >>> LOSSES["categorical_cross_entropy"].output_error(sp.Symbol("t"), sp.Symbol("y"))
        t/y
        """
        plain = sp.Dummy("y", real=True)
        return (-sp.diff(self.term(t, plain), plain)).xreplace({plain: y})

    def total(self, targets: Sequence[sp.Expr], outputs: Sequence[sp.Expr]) -> sp.Expr:
        """``E = sum_j term(t_j, y_j)``."""
        return sp.Add(*(self.term(t, y) for t, y in zip(targets, outputs, strict=True)))


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("half_sse", (_T - _Y) ** 2 / 2, "1/2 sum (t - y)^2"),
        Loss("sse", (_T - _Y) ** 2, "sum (t - y)^2"),
        Loss(
            "cross_entropy",
            -(_T * sp.log(_Y) + (1 - _T) * sp.log(1 - _Y)),
            "binary cross-entropy -sum t log y + (1 - t) log(1 - y)",
            needs_unit_interval=True,
        ),
        Loss(
            "categorical_cross_entropy",
            -_T * sp.log(_Y),
            "categorical cross-entropy -sum t log y, softmax output, targets summing to 1",
            output_activation=SOFTMAX,
            probability_targets=True,
        ),
    )
}


def get_loss(name: str) -> Loss:
    """The loss called ``name``; an unknown name gets the closest valid names and the list of
    all."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise unknown_name("loss", name, LOSSES) from None
