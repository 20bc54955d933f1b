r"""The instance prover's fast path: one comparison per layer, whatever the widths.

Both conventions' rules are derived once per layer (:func:`~symbolic_bp.derive.layer_rules`:
neuron ``j`` of layer ``l`` is a symbolic index ``j_l``, sums over a layer are ``Sum`` objects
over symbolic widths ``n[l]``) and *verified* against the per-neuron rules of small concrete
networks (:mod:`symbolic_bp.verify`) before anything is concluded from them. From the
output layer down it then looks for the factor ``c_l`` with

.. math:: s_B[l, j] = c_l(j)\, s_A[l, j]

(at a hidden layer after substituting ``s_B[l+1, k] = c_{l+1}(k) s_A[l+1, k]`` from the layer
above), and checks that the updates of the layer's weights and biases are then equal. Each check
is an identity in independent atoms (``e[l, j]``, ``w[l+1, k, j]``, the activations' values);
sums over the same layer are merged and every summand must reduce to exactly 0. An identity for
a symbolic neuron ``j`` and symbolic widths holds for every neuron of every width, so one check
proves a whole layer: 100,000 weights cost what 10 do.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.conventions import get_convention
>>> chain = compare_layers(Network.build([784, 128, 10], "sigmoid", bias=True),
...                        get_convention("delta"), get_convention("gradient"))
>>> chain.complete()
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..algebra import factor_between, replace_indexed, residual_is_zero, split_sums
from ..conventions import Convention, is_builtin, second_letter
from ..derive import LayerRules, UpdateRules, layer_rules
from ..model.indexed import neuron_index
from ..model.lemma import normal_form
from ..model.network import Network
from ..verify import verification_networks, verify_layer_rules
from .results import Relation

__all__ = ["LayerChain", "compare_layers"]


@dataclass
class LayerChain:
    """What the layer-by-layer comparison established: the factors ``c_l`` from the output
    layer down to the first layer where none was found, which update kinds (``"w"``, ``"b"``)
    of those layers were proven equal, and the differences of the others (``Delta_B - Delta_A``
    at the representative neurons)."""

    network: Network
    rules: tuple[LayerRules, LayerRules]
    factors: dict[int, sp.Expr] = field(default_factory=dict)
    equal: dict[int, set[str]] = field(default_factory=dict)
    differences: dict[tuple[int, str], sp.Expr] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    swapped: bool = False  # built as s_A = c s_B
    builtin: bool = True  # both recipes built in (checked on small networks, not on this one)

    def kinds(self) -> tuple[str, ...]:
        return ("w", "b") if self.network.bias else ("w",)

    def complete(self) -> bool:
        return all(self.equal.get(l) == set(self.kinds()) for l in range(1, self.network.depth + 1))

    def reached(self) -> int:
        return len(self.factors) + sum(len(v) for v in self.equal.values())


def compare_layers(
    net: Network, a: Convention, b: Convention, derived: Sequence[UpdateRules | None] = ()
) -> LayerChain:
    """The layer identities of ``a`` and ``b`` on ``net``, verified (``derived``: derivations
    already made, for :func:`~symbolic_bp.verify.verify_layer_rules`).

    **Raises:** :class:`~symbolic_bp.errors.AbstractionError` (and its subclass
    :class:`~symbolic_bp.verify.NotRepresented`) when either recipe cannot be represented
    by one symbolic neuron per layer: the caller falls back to the per-neuron prover.
    """
    ra = layer_rules(net, a)
    rb = layer_rules(net, b, letter=second_letter(a, b))
    for conv, rules in ((a, ra), (b, rb)):
        verify_layer_rules(rules, verification_networks(net, conv), derived)
    normal = normal_form(net.activations)
    chain = _chain(net, ra, rb, normal)
    if not chain.complete():
        swapped = _chain(net, rb, ra, normal)
        if swapped.complete() or swapped.reached() > chain.reached():
            swapped.swapped = True
            chain = swapped
    chain.builtin = is_builtin(a) and is_builtin(b)
    return chain


def _chain(
    net: Network, ra: LayerRules, rb: LayerRules, normal: Callable[[sp.Expr], sp.Expr] | None
) -> LayerChain:
    """Relate ``s_B = c_l s_A`` from the output layer down and check each related layer's
    updates."""
    A, B = ra.signal, rb.signal
    out = LayerChain(net, (ra, rb))
    zero = chain_zero(net, ra)
    L = net.depth
    for l in range(L, 0, -1):
        j = neuron_index(l)
        sa, sb = ra.signals[l], rb.signals[l]
        written = l < L and L not in out.factors  # the output signals written out (see below)
        if written:
            sa = replace_indexed(sa, A, L, ra.signals[L], neuron_index(L))
            sb = replace_indexed(sb, B, L, rb.signals[L], neuron_index(L))
        elif l < L:
            sb = lift_signal(sb, B, A, l, out.factors[l + 1])
        c = layer_factor(sa, sb, ra, rb, zero, net, normal, written)
        if c is None and l == L and net.activations[-1].is_vector:
            # no factor relates the output signals (a softmax couples them): the output
            # layer's updates with both signals written out, and the layer below reads them so
            _written_out(out, ra, rb, zero, normal)
            if out.equal.get(L) == set(out.kinds()):
                continue
        if c is None:
            return out
        out.factors[l] = c
        compare_updates(out, l, ra, rb, {B: c * A[l, j]}, zero, normal)
        for n in range(1, min(2, net.sizes[l]) + 1):
            relation = _instance_relation(net, ra, rb, l, n, c)
            if relation is not None:
                out.relations.append(relation)
    return out


def chain_zero(net: Network, ra: LayerRules) -> Callable[[sp.Expr], bool]:
    """The chain's zero test: exact, on the targets' domain, activations unfolded."""
    domain = ra.indexed.on_domain

    def zero(expr: sp.Expr) -> bool:
        return residual_is_zero(domain(expr), net.unfold)[0]

    return zero


def lift_signal(
    sb: sp.Expr, B: sp.IndexedBase, A: sp.IndexedBase, l: int, c_up: sp.Expr
) -> sp.Expr:
    """Layer ``l``'s signal of ``B`` with ``B[l+1, k]`` replaced by ``c_{l+1}(k) A[l+1, k]``."""
    up = neuron_index(l + 1)
    return replace_indexed(sb, B, l + 1, c_up * A[l + 1, up], up)


def layer_factor(
    sa: sp.Expr,
    sb: sp.Expr,
    ra: LayerRules,
    rb: LayerRules,
    zero: Callable[[sp.Expr], bool],
    net: Network,
    normal: Callable[[sp.Expr], sp.Expr] | None,
    written: bool = False,
) -> sp.Expr | None:
    """``c`` with ``sb = c sa`` (the signals' own atoms excluded from ``c``), also after the
    activations' normal form; ``None`` when none is found."""
    A, B = ra.signal, rb.signal

    def excluded(atom: sp.Basic) -> bool:
        return isinstance(atom, sp.Indexed) and atom.base in (A, B)

    c = _factor(sa, sb, excluded, zero, net, written)
    if c is None and normal is not None:
        c = _factor(normal(sa), normal(sb), excluded, zero, net, written)
    return c


def compare_updates(
    out: LayerChain,
    l: int,
    ra: LayerRules,
    rb: LayerRules,
    sub: dict[sp.IndexedBase, sp.Expr],
    zero: Callable[[sp.Expr], bool],
    normal: Callable[[sp.Expr], sp.Expr] | None,
) -> None:
    """Layer ``l``'s updates of each kind with ``B``'s signals replaced by ``sub``: equal when
    each sample's share and the penalty's part are, under the same reduction."""
    j = neuron_index(l)
    out.equal[l] = set()
    pairs = (
        ("w", ra.weight_updates[l], rb.weight_updates[l], ra.weight_penalties, rb.weight_penalties),
        ("b", ra.bias_updates[l], rb.bias_updates[l], ra.bias_penalties, rb.bias_penalties),
    )
    for kind, ua, ub, pa, pb in pairs:
        if ua is None or ub is None:
            continue
        for base, value in sub.items():
            ub = replace_indexed(ub, base, l, value, j)
        diff = ub - ua
        penalty = (pb.get(l) or sp.S.Zero) - (pa.get(l) or sp.S.Zero)
        same = ra.scale == rb.scale and zero(penalty)
        if same and (zero(diff) or (normal is not None and zero(normal(diff)))):
            out.equal[l].add(kind)
        else:
            out.differences[(l, kind)] = rb.scale * ub - ra.scale * ua + penalty


def _written_out(
    out: LayerChain,
    ra: LayerRules,
    rb: LayerRules,
    zero: Callable[[sp.Expr], bool],
    normal: Callable[[sp.Expr], sp.Expr] | None,
) -> None:
    """Where no factor relates the output signals (a softmax layer couples them), the output
    layer's updates are compared with both signals written out: ``A``'s are replaced too."""
    L = out.network.depth
    j = neuron_index(L)
    written = LayerRules(
        ra.network,
        ra.indexed,
        ra.convention,
        ra.signal,
        ra.layers,
        ra.signals,
        {L: replace_indexed(ra.weight_updates[L], ra.signal, L, ra.signals[L], j)},
        {
            L: None
            if ra.bias_updates[L] is None
            else replace_indexed(ra.bias_updates[L], ra.signal, L, ra.signals[L], j)
        },
        scale=ra.scale,
        weight_penalties=ra.weight_penalties,
        bias_penalties=ra.bias_penalties,
    )
    compare_updates(out, L, written, rb, {rb.signal: rb.signals[L]}, zero, normal)
    if not out.equal[L]:
        del out.equal[L]


def _factor(
    sa: sp.Expr,
    sb: sp.Expr,
    excluded: Callable[[sp.Basic], bool],
    zero: Callable[[sp.Expr], bool],
    net: Network,
    written: bool = False,
) -> sp.Expr | None:
    """``c`` with ``sb = c sa`` (one direction: the chain keeps ``A``'s signals as its basis;
    the other direction is tried by swapping the conventions). On probability targets ``-1``
    may hold only where their sum is 1 (no quotient shows it); signals with the output layer's
    written out may group the same sums differently (split first)."""
    if zero(sb - sa):
        return sp.S.One
    c = factor_between(sa, sb, excluded, zero, budget=2000)
    if c is None and net.loss.probability_targets and zero(sb + sa):
        return sp.S.NegativeOne
    if c is None and written:
        c = factor_between(split_sums(sa), split_sums(sb), excluded, zero, budget=2000)
    return c


def _instance_relation(
    net: Network, ra: LayerRules, rb: LayerRules, l: int, n: int, c: sp.Expr
) -> Relation | None:
    """The relation of neuron ``n`` of layer ``l`` in the per-neuron symbols (``G3_1 =
    -d3_1``), for the readable report; None on a batch when the factor reads a net input or a
    target (those belong to one sample, and the per-neuron symbols name none)."""
    factor = c.xreplace({neuron_index(l): n})
    concrete: dict[sp.Basic, sp.Basic] = {}
    leaves = factor.atoms(sp.Indexed)
    if net.batched and any(leaf.base.label.name in ("e", "t") for leaf in leaves):
        return None
    for leaf in leaves:
        name, idx = leaf.base.label.name, [int(i) for i in leaf.indices]
        if name == "e":
            concrete[leaf] = net.e(idx[0], idx[1])
        elif name == "t":
            concrete[leaf] = net.t(idx[0])
    basis = sp.Symbol(f"{ra.signal.label}{l}_{n}", real=True)
    other = sp.Symbol(f"{rb.signal.label}{l}_{n}", real=True)
    return Relation(l, n, basis, other, factor.xreplace(concrete))
