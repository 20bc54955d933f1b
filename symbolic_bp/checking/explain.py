r"""Why code that is a known recipe differs from the gradient: the recipe's own proof.

When the traced code equals a registered convention ``C`` other than the gradient, the
per-neuron prover (:func:`~symbolic_bp.proof.neurons.compare_neurons`) compares ``C`` with the
gradient on the network with *generic* activations ``f_l``: the relations of their signals
layer by layer (``G2_1 = -r2_1*f_2'(e2_1)``), each parameter's difference in those signals,
and (:func:`~symbolic_bp.proof.conditions.find_conditions`) the layers whose derivative
identically 1 makes them agree, each condition proven. What holds for every differentiable
activation holds for the code's own. The verdicts stay the check's; no counterexample is
searched here (the check has its own).

A network of more than :data:`EXPLAIN_PARAMETERS` parameters is explained on a network of the
same depth, bias and loss with every width capped at 2 (the per-neuron comparison and the
search for conditions cost what the network costs; a hidden layer of 16 neurons would make the
explanation longer than the check); :attr:`Explanation.same_network` says which it is.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.proof.clock import Clock
>>> why = explain(Network.build([2, 2, 1], "sigmoid"), "error_at_update", Clock(None))
>>> why.conditions, [str(r) for r in why.relations][:1]
(["f_2' = 1 (the derivative of layer 2 identically 1)"], ["G2_1 = -r2_1*f_2'(e2_1)"])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..conventions import get_convention
from ..errors import InputError
from ..model.activations import generic
from ..model.network import Network
from ..proof.clock import Clock
from ..proof.conditions import find_conditions
from ..proof.neurons import NeuronComparison, compare_neurons
from ..proof.results import EQUAL, Limits, ParameterResult, Relation

__all__ = ["Explanation", "explain", "EXPLAIN_PARAMETERS"]

#: networks with more parameters are explained on their twin with widths capped at 2
EXPLAIN_PARAMETERS = 40


@dataclass
class Explanation:
    """How ``convention`` relates to the gradient on ``network`` (generic activations, or
    the checked network's own where the recipe needs concrete ones)."""

    convention: str
    network: Network
    relations: list[Relation] = field(default_factory=list)
    differences: dict[str, ParameterResult] = field(default_factory=dict)
    conditions: list[str] = field(default_factory=list)
    conditions_searched: bool = False
    same_network: bool = True

    def layer_differences(self, l: int, limit: int = 1) -> list[ParameterResult]:
        """Up to ``limit`` parameters of layer ``l`` with their difference."""
        return [r for r in self.differences.values() if r.layer == l][:limit]


def explain(net: Network, name: str, clock: Clock, conditions: bool = True) -> Explanation:
    """The explanation of ``name`` against the gradient (see the module docstring)."""
    a, b = get_convention(name), get_convention("gradient")
    same = net.parameter_count <= EXPLAIN_PARAMETERS
    if not same:
        net = Network.build([min(n, 2) for n in net.sizes], net.activations, net.loss, net.bias)
    twin = net.with_activations([generic(l) for l in range(1, net.depth + 1)])
    limits = Limits(timeout=None)
    comparison = NeuronComparison()
    try:
        compare_neurons(twin, a, b, limits, clock, comparison)
    except InputError:  # a recipe that needs concrete activations (output_derivative)
        twin, comparison = net, NeuronComparison()
        compare_neurons(twin, a, b, limits, clock, comparison)
    out = Explanation(name, twin, list(comparison.relations), same_network=same)
    out.differences = {
        p.name: r
        for p, r in comparison.results.items()
        if r.status != EQUAL and r.raw_difference is not None
    }
    if conditions:
        out.conditions = find_conditions(twin, a, b, limits, clock)
        out.conditions_searched = True
    return out
