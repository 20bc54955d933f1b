"""The symbolic network at its levels of abstraction, with its activations and losses.

- :mod:`~symbolic_bp.model.activations`, :mod:`~symbolic_bp.model.piecewise`: activations as
  objects that carry their own math (a new activation goes in ``activations.py``);
- :mod:`~symbolic_bp.model.losses`: losses ``E(t, y)`` (a new loss goes there);
- :mod:`~symbolic_bp.model.network`: :class:`Network`, concrete neurons ``j = 1..n_l``;
- :mod:`~symbolic_bp.model.indexed`: :class:`IndexedNetwork`, one symbolic neuron per layer and
  a depth that is a number or a symbol, with the guards of :mod:`~symbolic_bp.model.guards`;
- :mod:`~symbolic_bp.model.protocol`: :class:`NetworkView`, what recipes program against;
- :mod:`~symbolic_bp.model.lemma`: the output lemma ``g(f(x)) = f'(x)`` and its substitutions;
- :mod:`~symbolic_bp.model.symbolic`: SymPy objects of symbolic layers and widths.
"""

from .activations import ACTIVATIONS, Activation, custom, generic, get_activation
from .indexed import IndexedNetwork
from .losses import LOSSES, Loss, get_loss
from .network import Network, parse_layers
from .protocol import NetworkView

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "IndexedNetwork",
    "LOSSES",
    "Loss",
    "Network",
    "NetworkView",
    "custom",
    "generic",
    "get_activation",
    "get_loss",
    "parse_layers",
]
