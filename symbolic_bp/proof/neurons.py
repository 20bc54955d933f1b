r"""The per-neuron prover: two conventions' concrete rules compared parameter by parameter.

From the output layer down, each neuron's two signals are *related*: if ``s_B = c * s_A`` with
a factor ``c`` that contains no signal and has a denominator that cannot vanish (checked
exactly, :func:`~symbolic_bp.algebra.relate`), the next layer continues with ``s_A`` as a fresh
symbol; it is the layer-by-layer induction, each step checked by SymPy on one neuron's
expression. Where no such relation exists the two signals are carried as expressions. Each
update is then compared in these symbols. A zero difference is a proof (an identity in
independent symbols stays one after substituting what the symbols stand for). A non-zero
difference is only a candidate: it becomes ``differs`` when a certified counterexample on the
concrete rules shows it (:mod:`symbolic_bp.proof.witnesses`), and otherwise, on small
networks, the fully expanded expressions decide.

This path works on the per-neuron rules themselves, so it needs no abstraction: it is the
reference the fast paths are checked against. When one of the two is ``gradient``,
:func:`gradient_crosscheck` also checks its chain rule over the graph against ``sympy.diff`` of
the whole expanded loss, on networks small enough for that.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from ..algebra import is_zero, relate, size
from ..conventions import Convention, second_letter
from ..derive import UpdateRules, derive, loss_gradient
from ..model.activations import Activation
from ..model.lemma import normal_form, output_lemmas
from ..model.losses import Loss
from ..model.network import Network
from ..model.objective import Objective
from .clock import Clock
from .results import EQUAL, UNKNOWN, Limits, ParameterResult, Relation

__all__ = ["NeuronComparison", "compare_neurons", "gradient_crosscheck"]


@dataclass
class NeuronComparison:
    """What the walk established: a result per parameter (``unknown`` ones carry the
    candidate difference), the relations found, the lemmas used, and the rules compared."""

    results: dict[sp.Symbol, ParameterResult] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: tuple[UpdateRules, UpdateRules] | None = None


def derive_pair(net: Network, a: Convention, b: Convention) -> tuple[UpdateRules, UpdateRules]:
    """Both conventions' rules; signal symbols are named by letter, so the same letter is
    primed for the second (``d`` and ``d'``)."""
    return derive(net, a), derive(net, b, letter=second_letter(a, b))


def compare_neurons(
    net: Network,
    a: Convention,
    b: Convention,
    limits: Limits,
    clock: Clock,
    out: NeuronComparison,
    progress: Callable[[int, int, int], None] | None = None,
    stop_at_first: bool = False,
) -> None:
    """Walk the layers from the output down, filling ``out`` as it goes (so that what was
    settled survives a time limit). With ``stop_at_first``, return at the first parameter not
    proven equal (a sub-proof that only asks "all equal?")."""
    ra, rb = out.rules = derive_pair(net, a, b)
    signals = set(ra.signal_values()) | set(rb.signal_values())
    lemmas = output_lemmas(net.activations)
    normal = normal_form(net.activations)
    used: list[bool] = []

    def rewrite(expr: sp.Expr) -> sp.Expr:
        new = normal(expr) if normal is not None else expr
        if new != expr and not used:
            used.append(True)
        return new

    mapping: dict[sp.Symbol, sp.Expr] = {}
    overflow = False
    for l in range(net.depth, 0, -1):
        clock.check()
        mapping, overflow = _relate_layer(
            net, l, ra, rb, mapping, signals, limits, rewrite, normal is not None, overflow, out
        )
        params = net.layer_parameters(l)
        for count, p in enumerate(params, start=1):
            if count % 200 == 0:
                clock.check()
                if progress is not None:
                    progress(l, count, len(params))
            result = _compare_update(p, l, ra, rb, mapping, signals, limits, rewrite, overflow)
            out.results[p] = result
            if stop_at_first and result.status != EQUAL:
                return
        if progress is not None:
            progress(l, len(params), len(params))
    if used:
        out.notes.extend(lemmas[l].text for l in sorted(lemmas))


def _relate_layer(
    net: Network,
    l: int,
    ra: UpdateRules,
    rb: UpdateRules,
    mapping: dict[sp.Symbol, sp.Expr],
    signals: set[sp.Symbol],
    limits: Limits,
    rewrite: Callable[[sp.Expr], sp.Expr],
    has_normal: bool,
    overflow: bool,
    out: NeuronComparison,
) -> tuple[dict[sp.Symbol, sp.Expr], bool]:
    """Layer ``l``'s signals in the basis of the layer above: related (``s_B = c s_A``) where
    possible, carried as expressions otherwise."""
    budget = limits.zero_test_ops

    def zero(expr: sp.Expr) -> bool:
        return is_zero(net.on_domain(expr), budget)

    def excluded(atom: sp.Basic) -> bool:
        return atom in signals

    new_map: dict[sp.Symbol, sp.Expr] = {}
    for j, s in ((j, s) for s in net.objective.samples for j in net.neurons(l)):
        a_sym, a_expr = ra.signal(l, j, s)
        b_sym, b_expr = rb.signal(l, j, s)
        sa, sb = a_expr.xreplace(mapping), b_expr.xreplace(mapping)
        rel = None
        if not overflow:
            # as the recipes write it first (readable factors), then in the normal form
            rel = relate(sa, sb, excluded, zero, budget)
            if rel is None and net.loss.probability_targets and zero(sb + sa):
                rel = ("A", sp.S.NegativeOne)  # -1 where only sum t = 1 shows it
            if rel is None and has_normal:
                sa, sb = rewrite(sa), rewrite(sb)
                rel = relate(sa, sb, excluded, zero, budget)
        if rel is None:
            new_map[a_sym], new_map[b_sym] = sa, sb
            overflow = overflow or size(sa) + size(sb) > limits.carry_size
        elif rel[0] == "A":
            new_map[a_sym], new_map[b_sym] = a_sym, rel[1] * a_sym
            out.relations.append(Relation(l, j, a_sym, b_sym, rel[1]))
        else:
            new_map[a_sym], new_map[b_sym] = rel[1] * b_sym, b_sym
            out.relations.append(Relation(l, j, b_sym, a_sym, rel[1]))
    return new_map, overflow


def _compare_update(
    p: sp.Symbol,
    l: int,
    ra: UpdateRules,
    rb: UpdateRules,
    mapping: dict[sp.Symbol, sp.Expr],
    signals: set[sp.Symbol],
    limits: Limits,
    rewrite: Callable[[sp.Expr], sp.Expr],
    overflow: bool,
) -> ParameterResult:
    if overflow:
        return ParameterResult(p.name, l, UNKNOWN, method="expressions too large")
    budget = limits.zero_test_ops
    ua, ub = ra.updates[p].xreplace(mapping), rb.updates[p].xreplace(mapping)
    diff = ub - ua
    domain = ra.network.on_domain
    if is_zero(domain(diff), budget) or is_zero(domain(rewrite(diff)), budget):
        return ParameterResult(p.name, l, EQUAL, method="per neuron")
    ratio = None
    if ua != 0 and ub != 0 and sp.count_ops(ua) + sp.count_ops(ub) <= budget:
        q = sp.cancel(ub / ua)
        if not q.free_symbols & signals:
            ratio = q
    return ParameterResult(p.name, l, UNKNOWN, diff, ratio, group=frozenset(signals))


def settle_by_expansion(
    comparison: NeuronComparison, names: list[sp.Symbol], limits: Limits, clock: Clock
) -> None:
    """Parameters still open on a small network: compare the fully expanded updates."""
    assert comparison.rules is not None
    ra, rb = comparison.rules
    for p in names:
        clock.check()
        difference = ra.network.on_domain(rb.expanded(p) - ra.expanded(p))
        if is_zero(difference, 10 * limits.zero_test_ops):
            r = comparison.results[p]
            r.status, r.method = EQUAL, "full expansion"
            r.raw_difference = r.ratio = None


def gradient_crosscheck(net: Network, limits: Limits) -> str:
    """Check the graph-based ``gradient`` against ``sympy.diff`` of the whole expanded loss."""
    if net.parameter_count > limits.gradient_crosscheck_parameters:
        return (
            "gradient: chain rule over the network graph with SymPy's local derivatives "
            f"(not cross-checked against diff of the expanded loss above "
            f"{limits.gradient_crosscheck_parameters} parameters)"
        )
    # the twin keeps a vector activation (softmax) and the objective (batch, L2)
    vector = tuple(a if a.is_vector else None for a in net.activations)
    bad = _crosscheck_failures(
        net.sizes, net.loss, net.loss.term_expr, net.bias, vector, net.objective
    )
    if bad:
        return f"gradient: WARNING: differs from sympy.diff of the loss for {', '.join(bad)}"
    return (
        "gradient: the chain rule over the graph was checked exactly against sympy.diff of the "
        f"expanded loss for all {net.parameter_count} parameters (generic activations)"
    )


@functools.lru_cache(maxsize=64)
def _crosscheck_failures(
    sizes: tuple[int, ...],
    loss: Loss,
    term: sp.Expr,
    bias: bool,
    vector: tuple[Activation | None, ...],
    objective: Objective,
) -> tuple[str, ...]:
    """The parameters whose graph-based ``gradient`` update is not proven equal to ``-eta``
    times ``sympy.diff`` of the expanded loss, on the network with generic activations
    (undefined ``f_l`` keep the expansion small, and the chain rule checked there holds for
    every activation) except the vector ones (``vector[l - 1]``: softmax, kept), with the
    network's objective (batch, L2). It depends on these alone, so it is computed once per
    process for each (the general proof's witness search meets the same small networks again
    and again); ``term`` is in the key because losses compare by name only."""
    acts = ["generic" if a is None else a for a in vector]
    twin = Network.build(sizes, acts, loss, bias, objective)
    rules = derive(twin, "gradient")
    oracle = loss_gradient(twin)
    bad = []
    for p in twin.parameters():
        d = rules.expanded(p) - oracle[p]
        if not (is_zero(d, 10**4) or is_zero(twin.unfold(d), 10**4)):
            bad.append(p.name)
    return tuple(bad)
