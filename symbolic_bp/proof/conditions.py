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
from .layers import LayerChain, compare_layers
from .linearized import LinearizedLayers
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
    """The condition "these layers linear" in words (a run of three or more layers as a
    range)."""
    acts = [net.activations[l - 1] for l in layers]
    run = len(layers) >= 3 and list(layers) == list(range(layers[0], layers[-1] + 1))
    listed = f"{layers[0]} to {layers[-1]}" if run else ", ".join(map(str, layers))
    where = f"layer{'s' if len(layers) > 1 else ''} {listed}"
    if all(a.is_generic for a in acts):
        if run:
            span = f"m = {layers[0]}..{layers[-1]}"
            return f"f_m' = 1 for {span} (the derivative of {where} identically 1)"
        return " and ".join(f"{a.name}' = 1" for a in acts) + (
            f" (the derivative of {where} identically 1)"
        )
    names = ", ".join(dict.fromkeys(a.name for a in acts))
    return f"{where} linear: the identity (derivative identically 1) instead of {names}"


def find_conditions(
    net: Network,
    a: Convention,
    b: Convention,
    limits: Limits,
    clock: Clock,
    chain: LayerChain | None = None,
) -> list[str]:
    """Smallest sets of layers whose derivative identically 1 makes the rules agree (each
    proven by the same prover on the modified network); first, for two recipes with their own
    reductions of a batch, the same reduction.

    Up to ``limits.condition_layers`` layers every set is tried, smallest first. Deeper
    networks try the top layers ``{s..L}``, largest ``s`` first; since each try is a proof
    over the whole depth, the first ``s`` tried is a guess from the same search on a network of
    depth 4 with the first two and the last two activations (a guess only: every reported
    condition is proven on ``net`` itself), so that a deep network costs a few proofs, not
    one per layer.

    ``chain``: the verified layer identities of ``a`` and ``b`` on ``net`` (from the proof),
    if any: above 200 parameters the candidates are then decided on them first
    (:class:`~symbolic_bp.proof.linearized.LinearizedLayers`), and the top layers are found by
    a scan upwards from all layers linear while the condition holds."""
    same = reduction_condition(net, a, b, limits, clock)
    if same:
        return same
    fast = None
    if chain is not None and net.parameter_count > _PER_NEURON_PARAMETERS:
        fast = LinearizedLayers(chain)
    layers = list(range(1, net.depth + 1))
    if net.depth <= limits.condition_layers:
        candidates = [c for k in range(1, net.depth + 1) for c in itertools.combinations(layers, k)]
        found: list[tuple[int, ...]] = []
        for combo in candidates:
            clock.check()
            if found and len(combo) > len(found[0]):
                break
            if _holds(net, combo, a, b, limits, clock, fast):
                found.append(combo)
        return [condition_text(net, combo) for combo in found]
    start = _scan_up(fast, net.depth, clock) if fast is not None else None
    if start is None:
        start = _top_layers(net, a, b, limits, clock)
    return [] if start in (None, 0) else [condition_text(net, tuple(layers[start - 1 :]))]


def _scan_up(fast: LinearizedLayers, depth: int, clock: Clock) -> int | None:
    """The largest ``s`` with layers ``1..L``, ``2..L``, ..., ``s..L`` linear each proven on
    the substituted layer identities and ``s..L`` confirmed; 0 when not even all layers linear
    is proven (the condition only weakens as ``s`` grows, so none above holds either); ``None``
    when the substitution cannot decide (the caller searches the old way)."""
    top = 0
    for s in range(1, depth + 1):
        clock.check()
        held = fast.holds(range(s, depth + 1))
        if held is None:
            return None
        if not held:
            break
        top = s
    if top and not fast.confirm(range(top, depth + 1)):
        return None
    return top


def _holds(
    net: Network,
    combo: Sequence[int],
    a: Convention,
    b: Convention,
    limits: Limits,
    clock: Clock,
    fast: LinearizedLayers | None = None,
) -> bool | None:
    """Whether the rules are proven to agree with the layers of ``combo`` linear (``None``:
    no new condition, every layer of it is linear already); first on the substituted layer
    identities (``fast``) where they decide."""
    acts = [act.linearized() if l in combo else act for l, act in enumerate(net.activations, 1)]
    if all(
        acts[l - 1] == net.activations[l - 1] and not net.activations[l - 1].is_generic
        for l in combo
    ):
        return None
    held = None if fast is None else fast.holds(combo)
    if held is False or (held and fast is not None and fast.confirm(combo)):
        return held
    try:
        return all_equal(net.with_activations(acts), a, b, limits, clock)
    except InputError:
        return False


def _top_layers(
    net: Network, a: Convention, b: Convention, limits: Limits, clock: Clock
) -> int | None:
    """The largest ``s`` such that layers ``s..L`` linear make the rules agree, searched from a
    guess: upwards while it holds, else downwards until it holds."""
    depth = net.depth

    def holds(s: int) -> bool:
        clock.check()
        return bool(_holds(net, range(s, depth + 1), a, b, limits, clock))

    guess = _guess(net, a, b, limits, clock)
    s = depth if guess is None else guess
    if holds(s):
        while s < depth and holds(s + 1):
            s += 1
        return s
    return next((lower for lower in range(s - 1, 0, -1) if holds(lower)), None)


def _guess(net: Network, a: Convention, b: Convention, limits: Limits, clock: Clock) -> int | None:
    """The start of the top layers that work on a network of depth 4 (widths at most 2, the
    activations of layers 1, 2, L-1 and L), mapped to ``net``'s depth."""
    acts = [net.activations[i] for i in (0, 1, net.depth - 2, net.depth - 1)]
    sizes = [min(n, 2) for n in (net.sizes[0], net.sizes[1], net.sizes[2], net.sizes[-2])]
    try:
        proxy = Network.build([*sizes, net.sizes[-1]], acts, net.loss, net.bias)
    except InputError:
        return None
    for s in (4, 3, 2, 1):
        if _holds(proxy, range(s, 5), a, b, limits, clock):
            return {4: net.depth, 3: net.depth - 1}.get(s, s)
    return None
