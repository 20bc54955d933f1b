"""Sufficient conditions under which two differing conventions agree.

A candidate condition is "the derivative of these layers is identically 1" (``f_l' = 1`` for a
generic layer, the identity for a concrete one). Each candidate is proven by the same prover on
the modified network (all parameters equal), never assumed; the smallest sets of layers that
work are reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from ..conventions import Convention
from ..errors import AbstractionError, InputError
from ..model.network import Network
from .clock import Clock
from .layers import compare_layers
from .neurons import NeuronComparison, compare_neurons
from .results import EQUAL, Limits

__all__ = ["find_conditions", "all_equal", "condition_text"]

#: up to this many parameters a sub-proof goes neuron by neuron at once (cheaper than checking
#: the layer rules against the per-neuron ones first)
_PER_NEURON_PARAMETERS = 200


def all_equal(net: Network, a: Convention, b: Convention, limits: Limits, clock: Clock) -> bool:
    """Whether every parameter of ``net`` is proven equal (the verified layer identities
    first, then, on small networks or recipes the identities cannot represent, the per-neuron
    rules, stopping at the first parameter not proven equal). ``False`` means "not proven"."""
    if net.parameter_count > _PER_NEURON_PARAMETERS:
        try:
            if compare_layers(net, a, b).complete():
                return True
            if net.parameter_count > limits.layer_witness_parameters:
                return False  # not proven; the per-neuron walk would cost what the net costs
        except AbstractionError:
            pass
    comparison = NeuronComparison()
    compare_neurons(net, a, b, limits, clock, comparison, stop_at_first=True)
    results = comparison.results
    return len(results) == net.parameter_count and all(r.status == EQUAL for r in results.values())


def reduction_condition(
    net: Network, a: Convention, b: Convention, limits: Limits, clock: Clock
) -> list[str]:
    """For two recipes that reduce a batch differently (``prove --reduce sum,mean``): whether
    they agree under the same reduction (proven), and the factor ``N`` their updates then
    differ by. Empty otherwise."""
    red_a, red_b = getattr(a, "reduction", None), getattr(b, "reduction", None)
    if red_a is None or red_b is None or red_a == red_b or net.objective.batch == 1:
        return []
    base_a, base_b = getattr(a, "base", a), getattr(b, "base", b)
    common = net.with_objective(replace(net.objective, reduce=red_b))
    if not all_equal(common, base_a, base_b, limits, clock):
        return []
    n = net.objective.batch
    factor = f"{n}" if red_a.mean is False else f"1/{n}"
    exact = (
        f"; without a penalty {a.name}'s update is exactly {factor} times {b.name}'s (the "
        f"factor N = {n}, the batch's size)"
        if net.objective.l2 == 0
        else ""
    )
    return [
        f"the same reduction of the batch: {base_a.name} takes the {red_a.name} and "
        f"{base_b.name} the {red_b.name} of the per-sample updates; with the same one they are "
        f"equal (proven){exact}"
    ]


def condition_text(net: Network, layers: Sequence[int]) -> str:
    acts = [net.activations[l - 1] for l in layers]
    where = f"layer{'s' if len(layers) > 1 else ''} {', '.join(map(str, layers))}"
    if all(a.is_generic for a in acts):
        return " and ".join(f"{a.name}' = 1" for a in acts) + (
            f" (the derivative of {where} identically 1)"
        )
    names = ", ".join(a.name for a in acts)
    return f"{where} linear: the identity (derivative identically 1) instead of {names}"


def find_conditions(
    net: Network, a: Convention, b: Convention, limits: Limits, clock: Clock
) -> list[str]:
    """Smallest sets of layers whose derivative identically 1 makes the rules agree (each
    proven by the same prover on the modified network); first, for two recipes with their own
    reductions of a batch, the same reduction."""
    same = reduction_condition(net, a, b, limits, clock)
    if same:
        return same
    layers = list(range(1, net.depth + 1))
    if net.depth <= limits.condition_layers:
        candidates = [c for k in range(1, net.depth + 1) for c in itertools.combinations(layers, k)]
    else:
        candidates = [tuple(layers[s:]) for s in range(net.depth - 1, -1, -1)]
    found: list[tuple[int, ...]] = []
    for combo in candidates:
        clock.check()
        if found and len(combo) > len(found[0]):
            break
        acts = [act.linearized() if l in combo else act for l, act in enumerate(net.activations, 1)]
        if all(
            acts[l - 1] == net.activations[l - 1] and not net.activations[l - 1].is_generic
            for l in combo
        ):
            continue  # already linear: no new condition
        try:
            if all_equal(net.with_activations(acts), a, b, limits, clock):
                found.append(combo)
        except InputError:
            continue
    return [condition_text(net, combo) for combo in found]
