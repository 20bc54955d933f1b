"""Derivation: a network and a convention give the convention's rules.

- :mod:`~symbolic_bp.derive.neurons`: :func:`derive`, the per-neuron rules of a concrete network
  (what a recipe *means*: every fast path is checked against them), and :func:`loss_gradient`,
  the independent oracle;
- :mod:`~symbolic_bp.derive.layers`: :func:`layer_rules` and :func:`general_rules`, one
  expression per layer on an indexed network.
"""

from .layers import LayerRules, general_rules, layer_rules
from .neurons import UpdateRules, derive, loss_gradient, signal_symbol

__all__ = [
    "LayerRules",
    "UpdateRules",
    "derive",
    "general_rules",
    "layer_rules",
    "loss_gradient",
    "signal_symbol",
]
