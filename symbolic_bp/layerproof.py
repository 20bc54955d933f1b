r"""The instance prover's fast path: one comparison per layer, whatever the widths.

Both conventions' rules are derived once per layer (:func:`~symbolic_bp.layered.layer_rules`:
neuron ``j`` of layer ``l`` is a symbolic index ``j_l``, sums over a layer are ``Sum`` objects
over symbolic widths ``n[l]``). From the output layer down it looks for the factor ``c_l`` with

.. math:: s_B[l, j] = c_l(j)\, s_A[l, j]

(at a hidden layer after substituting ``s_B[l+1, k] = c_{l+1}(k) s_A[l+1, k]`` from the layer
above), and checks that the updates of the layer's weights and biases are then equal. Each check
is an identity in independent atoms (``e[l, j]``, ``w[l+1, k, j]``, the activations' values);
sums over the same layer are merged and every summand must reduce to exactly 0 (the same
reduction as the general proof). An identity for a symbolic neuron ``j`` and symbolic widths
holds for every neuron of every width, so one check proves a whole layer: 100,000 weights cost
what 10 do.

It applies to *uniform* recipes, which treat every neuron of a layer alike (the built-in ones;
a user's recipe declares ``uniform = True`` in its own class). It answers only "every parameter
equal"; when a relation or an update check fails it returns ``None`` and the per-parameter
prover (:func:`symbolic_bp.prove.prove`) decides, with counterexamples.

>>> from symbolic_bp.network import Network
>>> report = prove_layers(Network.build([784, 128, 10], "sigmoid", bias=True), "delta", "gradient")
>>> report.equivalent, len(report.parameters)
(True, 101770)
>>> prove_layers(Network.build([2, 3, 2, 1]), "error_at_update", "delta") is None
True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sympy as sp

from .conventions import Convention, FlippedSign, Gradient, get_convention, second_letter
from .general import _residual_is_zero
from .layered import LayerRules, layer_rules, neuron_index, sum_index
from .network import Network
from .parsing import X

if TYPE_CHECKING:  # prove imports this module at run time, not the reverse
    from .prove import Counterexample, Relation, Report

__all__ = ["prove_layers", "is_uniform"]


def is_uniform(conv: Convention) -> bool:
    """Whether ``conv`` treats every neuron of a layer alike: its class declares
    ``uniform = True`` in its own body (the built-in recipes do; a subclass does not inherit
    it), or it is a sign variant of such a recipe."""
    if isinstance(conv, FlippedSign):
        return is_uniform(conv.base)
    return bool(type(conv).__dict__.get("uniform", False))


def _pull_constants(expr: sp.Expr) -> sp.Expr:
    """Every ``Sum`` with the factors of its summand that do not involve the index moved out,
    so that equal sums become equal objects."""

    def pull(s: sp.Sum) -> sp.Expr:
        ((k, lo, hi),) = s.limits
        body = sp.factor_terms(s.function)
        inside: list[sp.Expr] = []
        outside: list[sp.Expr] = []
        for f in sp.Mul.make_args(body):
            (inside if f.has(k) else outside).append(f)
        return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), (k, lo, hi))

    return expr.replace(lambda e: isinstance(e, sp.Sum), pull)


def _zero(expr: sp.Expr, unfold: Callable[[sp.Expr], sp.Expr]) -> bool:
    """``expr`` is identically 0 (the general proof's reduction of sums)."""
    return _residual_is_zero(expr, unfold)[0]


def _factor(
    sa: sp.Expr, sb: sp.Expr, bases: set[sp.IndexedBase], unfold: Callable[[sp.Expr], sp.Expr]
) -> sp.Expr | None:
    """``c`` with ``sb = c sa`` exactly, free of signals and sums, never dividing by a value
    that may be 0; ``None`` if there is none."""
    if sa == 0:
        return None
    na, nb = _pull_constants(sa), _pull_constants(sb)
    try:
        q = sp.cancel(sp.together(nb / na))
    except sp.PolynomialError:
        return None
    if q.has(sp.Sum, sp.zoo, sp.nan) or any(
        isinstance(a, sp.Indexed) and a.base in bases for a in q.atoms(sp.Indexed)
    ):
        return None
    _num, den = sp.fraction(q)
    if not den.is_number and den.is_zero is not False:
        return None
    if den.is_number and den == 0:
        return None
    return q if _zero(sb - q * sa, unfold) else None


def prove_layers(
    network: Network,
    a: str | Convention,
    b: str | Convention,
    progress: Callable[[str], None] | None = None,
    witnesses: tuple[int, Callable[[], bool]] | None = None,
) -> Report | None:
    """A :class:`~symbolic_bp.prove.Report` with every parameter ``equal`` (method ``"layer
    rules"``) if the layer-by-layer identities hold. Otherwise ``None`` (the per-parameter
    prover then decides), or, with ``witnesses=(attempts, expired)``, a report in which each
    layer not proven equal is settled by one counterexample for its representative parameter
    and the relabelling of neurons (:mod:`symbolic_bp.layerwitness`), or left ``unknown``.
    ``None`` also when a convention is not uniform."""
    from .prove import EQUAL, ParameterResult, Report

    start = time.perf_counter()
    ca, cb = get_convention(a), get_convention(b)
    if not (is_uniform(ca) and is_uniform(cb)):
        return None
    net = network
    ra = layer_rules(net, ca)
    rb = layer_rules(net, cb, letter=second_letter(ca, cb))
    normal = _normal_form(net)
    # s_B = c s_A, or else s_A = c s_B (a factor is never a division by what may be 0)
    chain = _chain(net, ra, rb, normal, progress, stop_early=witnesses is None)
    if not chain.complete(net):
        swapped = _chain(net, rb, ra, normal, progress, stop_early=witnesses is None)
        if swapped.complete(net) or swapped.depth_reached() > chain.depth_reached():
            chain = swapped
            chain.swapped = True
    if not chain.complete(net):
        if witnesses is None:
            return None
        return _differing_report(net, ca, cb, chain, witnesses, start)
    relations = chain.relations
    results = [
        ParameterResult(name, l, EQUAL, method="layer rules")
        for l in range(1, net.depth + 1)
        for name in net.layer_parameter_names(l)
    ]
    report = Report(net, (ca.name, cb.name), results, relations=relations)
    report.notes.append(
        "proven once per layer for a symbolic neuron index and symbolic widths (layer rules), "
        "so every neuron of every width is covered"
    )
    if any(isinstance(c, Gradient) for c in (ca, cb)):
        report.notes.append(
            "gradient: the chain rule over the graph with SymPy's local derivatives, per layer"
        )
    report.seconds = time.perf_counter() - start
    return report


@dataclass
class _Chain:
    """What the layer-by-layer comparison established: the relations ``s_B = c_l s_A`` from
    the output layer down to the first layer where none was found, and which update kinds
    (``"w"``, ``"b"``) of those layers were proven equal."""

    relations: list[Relation] = field(default_factory=list)
    factors: dict[int, sp.Expr] = field(default_factory=dict)
    equal: dict[int, set[str]] = field(default_factory=dict)
    differences: dict[tuple[int, str], sp.Expr] = field(default_factory=dict)
    swapped: bool = False  # built as s_A = c s_B: its differences are Delta_A - Delta_B

    def complete(self, net: Network) -> bool:
        kinds = {"w", "b"} if net.bias else {"w"}
        return all(self.equal.get(l) == kinds for l in range(1, net.depth + 1))

    def depth_reached(self) -> int:
        return len(self.factors) + sum(len(v) for v in self.equal.values())


def _chain(
    net: Network,
    ra: LayerRules,
    rb: LayerRules,
    normal: Callable[[sp.Expr], sp.Expr] | None,
    progress: Callable[[str], None] | None,
    stop_early: bool,
) -> _Chain:
    """Relate ``s_B = c_l s_A`` from the output layer down and check each related layer's
    updates; with ``stop_early``, stop at the first layer that is not all equal."""
    A, B = ra.signal, rb.signal
    out = _Chain()

    def unfold(expr: sp.Expr) -> sp.Expr:
        return net.unfold(expr)

    for l in range(net.depth, 0, -1):
        j = neuron_index(l)
        sa, sb = ra.signals[l], rb.signals[l]
        if l < net.depth:
            k = sum_index(l + 1)
            c_up = out.factors[l + 1].xreplace({neuron_index(l + 1): k})
            sb = sb.xreplace({B[l + 1, k]: c_up * A[l + 1, k]})
        c = _factor(sa, sb, {A, B}, unfold)
        if c is None and normal:
            sa, sb = normal(sa), normal(sb)
            c = _factor(sa, sb, {A, B}, unfold)
        if c is None:
            return out
        out.factors[l] = c
        out.equal[l] = set()
        sub = {B[l, j]: c * A[l, j]}
        pairs = (
            ("w", ra.weight_updates[l], rb.weight_updates[l]),
            ("b", ra.bias_updates[l], rb.bias_updates[l]),
        )
        for kind, ua, ub in pairs:
            if ua is None or ub is None:
                continue
            diff = ub.xreplace(sub) - ua
            if _zero(diff, unfold) or (normal is not None and _zero(normal(diff), unfold)):
                out.equal[l].add(kind)
            else:
                out.differences[(l, kind)] = diff
                if stop_early:
                    return out
        for n in range(1, min(2, net.sizes[l]) + 1):
            out.relations.append(_instance_relation(net, ra, rb, l, n, c))
        if progress is not None:
            progress(
                f"layer {l}: one identity for all {len(net.layer_parameter_names(l))} parameters"
            )
    return out


def _normal_form(net: Network) -> Callable[[sp.Expr], sp.Expr] | None:
    """``f_l'(e) -> g_l(f_l(e))`` for the layers whose lemma ``g(f(x)) = f'(x)`` the
    per-parameter prover checks (:func:`symbolic_bp.prove._output_lemmas`)."""
    from .prove import _output_lemmas

    rules = [
        (type(target), pattern)
        for pattern, target, _text in _output_lemmas(net).values()
        if isinstance(target, sp.Function)
    ]
    if not rules:
        return None

    def apply(expr: sp.Expr) -> sp.Expr:
        for head, pattern in rules:
            expr = expr.replace(
                lambda e, head=head: isinstance(e, head),
                lambda e, pattern=pattern: pattern.xreplace({X: e.args[0]}),
            )
        return expr

    return apply


def _instance_relation(
    net: Network, ra: LayerRules, rb: LayerRules, l: int, n: int, c: sp.Expr
) -> Relation:
    """The relation of neuron ``n`` of layer ``l`` in the per-neuron symbols (``G3_1 =
    -d3_1``), for the readable report."""
    from .prove import Relation

    factor = c.xreplace({neuron_index(l): n})
    concrete: dict[sp.Basic, sp.Basic] = {}
    for leaf in factor.atoms(sp.Indexed):
        name, idx = leaf.base.label.name, [int(i) for i in leaf.indices]
        if name == "e":
            concrete[leaf] = net.e(idx[0], idx[1])
        elif name == "t":
            concrete[leaf] = net.t(idx[0])
    basis = sp.Symbol(f"{ra.signal.label}{l}_{n}", real=True)
    other = sp.Symbol(f"{rb.signal.label}{l}_{n}", real=True)
    return Relation(l, n, basis, other, factor.xreplace(concrete))


def _differing_report(
    net: Network,
    ca: Convention,
    cb: Convention,
    chain: _Chain,
    witnesses: tuple[int, Callable[[], bool]],
    start: float,
) -> Report:
    """Layers proven equal by the chain are ``equal``; every other layer and kind is settled by
    a counterexample for its representative parameter, or ``unknown``."""
    from .layerwitness import find_witnesses
    from .prove import DIFFERS, EQUAL, UNKNOWN, ParameterResult, Report

    attempts, expired = witnesses
    kinds = ("w", "b") if net.bias else ("w",)
    open_ = [
        (l, kind)
        for l in range(net.depth, 0, -1)
        for kind in kinds
        if kind not in chain.equal.get(l, set())
    ]
    found = find_witnesses(net, ca, cb, open_, attempts, expired)
    verdict: dict[tuple[int, str], tuple[str, str]] = {}
    first: Counterexample | None = None
    for l in range(net.depth, 0, -1):
        for kind in kinds:
            if kind in chain.equal.get(l, set()):
                verdict[(l, kind)] = (EQUAL, "layer rules")
            elif (l, kind) in found:
                witness = found[(l, kind)]
                verdict[(l, kind)] = (
                    DIFFERS,
                    f"counterexample for {witness.parameter}, neurons relabelled",
                )
                first = first or witness
            else:
                verdict[(l, kind)] = (UNKNOWN, "time limit" if expired() else "not settled")
    results = []
    for l in range(1, net.depth + 1):
        for name in net.layer_parameter_names(l):
            kind = "w" if name.startswith("w") else "b"
            status, method = verdict[(l, kind)]
            representative = name in (f"w{l}_1_1", f"b{l}_1")
            diff = chain.differences.get((l, kind)) if representative else None
            if diff is not None:  # reported as Delta_B - Delta_A, at neurons j = i = 1
                sign = -1 if chain.swapped else 1
                diff = sign * diff.xreplace({neuron_index(l): 1, neuron_index(l - 1): 1})
            results.append(ParameterResult(name, l, status, diff, method=method))
    report = Report(net, (ca.name, cb.name), results, first, relations=chain.relations)
    report.notes.append(
        "large network: each layer was settled at once, from one identity for a symbolic neuron "
        "index (equal) or from one certified counterexample for its first parameter, which the "
        "relabelling of neurons carries to every parameter of the layer (differs)"
    )
    report.seconds = time.perf_counter() - start
    return report
