r"""Layer rules: one expression per layer, on an :class:`~symbolic_bp.model.indexed.IndexedNetwork`.

- :func:`layer_rules`: the indexed network of a concrete network (neuron ``j_l`` of layer ``l``
  symbolic, widths ``n[l]``);
- :func:`general_rules`: a symbolic depth ``L``: the output layer ``L`` and a hidden layer ``l``
  (the general proof).

A recipe runs unchanged; whatever it does that one symbolic neuron cannot stand for raises
:class:`~symbolic_bp.errors.AbstractionError` (see :mod:`symbolic_bp.model.guards`). These rules
say something about the recipe only once :mod:`symbolic_bp.verify` has checked them against
the per-neuron rules of :func:`~symbolic_bp.derive.derive`.

>>> from symbolic_bp.model.network import Network
>>> layer_rules(Network.build([784, 128, 10], "sigmoid"), "delta").signals[1]
sigmoid'(e[1, j1])*Sum(d[2, k2]*w[2, k2, j1], (k2, 1, n[2]))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ..conventions import Convention, batch_scale, check_letter, get_convention, recipe_value
from ..errors import AbstractionError, InputError, SymbolicBPError
from ..model.guards import Layer, LayerSignals, Upstream, refusals
from ..model.indexed import DEPTH, LAYER, IndexedNetwork
from ..model.network import Network

__all__ = ["LayerRules", "layer_rules", "general_rules"]


@dataclass
class LayerRules:
    """A convention's rules, one expression per layer.

    **Fields:** ``network`` (the concrete network, or ``None`` for the general rules),
    ``indexed`` (the :class:`~symbolic_bp.model.indexed.IndexedNetwork` they were derived on),
    ``convention``, ``signal`` (the :class:`~sympy.IndexedBase` of the signals: ``d[l, j_l]``),
    ``layers`` (the layers derived: ``L..1``, or the symbols ``L`` and ``l``), and per layer:
    ``signals[l]`` (the signal of the representative neuron, in the signals ``signal[l+1, k]``
    of the layer above), ``weight_updates[l]`` (``Delta w[l, j, i]`` in ``signal[l, j]``) and
    ``bias_updates[l]`` (``None`` without biases): one sample's. With a batch and an L2 penalty
    the update of the objective is ``scale * sum over the samples`` of these plus
    ``weight_penalties[l]`` (``bias_penalties[l]``), the penalty's part.
    """

    network: Network | None
    indexed: IndexedNetwork
    convention: Convention
    signal: sp.IndexedBase
    layers: tuple[Any, ...]
    signals: dict[Any, sp.Expr]
    weight_updates: dict[Any, sp.Expr]
    bias_updates: dict[Any, sp.Expr | None]
    failures: dict[Any, str] = field(default_factory=dict)
    scale: sp.Expr = sp.S.One
    weight_penalties: dict[Any, sp.Expr] = field(default_factory=dict)
    bias_penalties: dict[Any, sp.Expr | None] = field(default_factory=dict)

    def __repr__(self) -> str:
        where = "any depth" if self.network is None else "-".join(map(str, self.network.sizes))
        layers = ", ".join(map(str, self.layers))
        return f"<LayerRules {self.convention.name} on {where}: layers {layers}>"

    def latex_rows(self) -> list[str]:
        r"""One aligned LaTeX row per signal and update, ``s^{l}_{j} &= ...`` (layer by layer
        from the output down), in the notation of ``docs/conventions.md``."""
        from ..render.notation import latex  # the renderer on first use, as SymPy does

        rows = []
        for a in self.layers:
            j, i = self.indexed.index(a), self.indexed.index(a - 1)
            w, b = sp.IndexedBase("w"), sp.IndexedBase("b")
            rows.append(f"{latex(self.signal[a, j])} &= {latex(self.signals[a])}")
            rows.append(rf"\Delta {latex(w[a, j, i])} &= {latex(self.weight_updates[a])}")
            if self.bias_updates.get(a) is not None:
                rows.append(rf"\Delta {latex(b[a, j])} &= {latex(self.bias_updates[a])}")
        return rows

    # rich display in Jupyter
    def _repr_latex_(self) -> str:
        return "$$\\begin{aligned}" + " \\\\ ".join(self.latex_rows()) + "\\end{aligned}$$"

    def _repr_html_(self) -> str:
        from ..render.notation import mathml

        # align*, not aligned: latex2mathml turns align* into a table of rows, but leaves the
        # "&" of aligned as a raw, unescaped <mi>&</mi> on a single line
        return mathml("\\begin{align*}" + " \\\\ ".join(self.latex_rows()) + "\\end{align*}")


def layer_rules(
    net: Network, convention: str | Convention, *, letter: str | None = None
) -> LayerRules:
    """Derive ``convention``'s rules on ``net`` as one expression per layer.

    **Arguments:** ``net`` (a :class:`~symbolic_bp.model.network.Network`; its widths do not
    matter), ``convention`` (a name or a :class:`~symbolic_bp.conventions.Convention`),
    ``letter`` of the signals (default: the convention's).

    **Raises:** :class:`~symbolic_bp.errors.AbstractionError` when the recipe does something
    one symbolic neuron cannot stand for (the caller falls back to :func:`derive`).
    """
    inet = IndexedNetwork.of(net)
    layers = tuple(range(net.depth, 0, -1))
    return _indexed_rules(inet, get_convention(convention), letter, layers, net)


def general_rules(
    convention: str | Convention,
    loss: Any = "half_sse",
    bias: bool = True,
    *,
    letter: str | None = None,
    partial: bool = False,
    objective: Any = None,
) -> LayerRules:
    """The rules of ``convention`` on a network of symbolic depth ``L`` (layers ``L`` and ``l``):
    what the general proof compares. Raises :class:`~symbolic_bp.errors.AbstractionError` like
    :func:`layer_rules`; with ``partial``, a layer the recipe cannot be represented on is left
    out instead and its reason kept in ``failures``."""
    inet = IndexedNetwork.general(loss, bias, objective)
    return _indexed_rules(inet, get_convention(convention), letter, (DEPTH, LAYER), None, partial)


def _indexed_rules(
    inet: IndexedNetwork,
    conv: Convention,
    letter: str | None,
    layers: tuple[Any, ...],
    net: Network | None,
    partial: bool = False,
) -> LayerRules:
    name = check_letter(conv.letter if letter is None else letter, conv.name)
    base = sp.IndexedBase(name, real=True)
    scale = batch_scale(conv, inet.objective)
    rules = LayerRules(net, inet, conv, base, (), {}, {}, {}, scale=scale)
    done = []
    for a in layers:
        try:
            _indexed_layer(rules, a)
            done.append(a)
        except AbstractionError as exc:
            if not partial:
                raise
            rules.failures[a] = str(exc)
    rules.layers = tuple(done)
    return rules


def _indexed_layer(rules: LayerRules, a: Any) -> None:
    """The rules of layer ``a`` for its representative neuron, into ``rules``."""
    inet, conv, base = rules.indexed, rules.convention, rules.signal
    arg = Layer(a) if inet.symbolic else int(a)
    output = a == inet.depth_expr
    upstream = None if output else Upstream(lambda k: base[a + 1, k])
    j, i = inet.index(a), inet.index(a - 1)
    w_key, b_key = inet.w(a, j, i), inet.b(a, j)
    penalised = inet.objective.l2 != 0
    before = refusals()
    try:
        got = list(conv.layer_signals(inet, arg, upstream))
        updates = conv.layer_updates(inet, arg, LayerSignals(lambda k: base[a, k]))
        pen_w = conv.penalty_update(inet, w_key) if penalised else sp.S.Zero
        pen_b = conv.penalty_update(inet, b_key) if penalised else sp.S.Zero
    except SymbolicBPError:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - whatever the recipe's code raises
        raise AbstractionError(
            f"convention {conv.name!r} fails on a symbolic neuron of layer {a}: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        got = [recipe_value(g, conv, f"the signal of layer {a}") for g in got]
        updates = {p: recipe_value(u, conv, f"the update of {p}") for p, u in updates.items()}
        pen_w = recipe_value(pen_w, conv, f"the penalty's part of the update of {w_key}")
        pen_b = recipe_value(pen_b, conv, f"the penalty's part of the update of {b_key}")
    except InputError as exc:  # the per-neuron rules will say it again, for the network itself
        raise AbstractionError(str(exc)) from None
    if refusals() != before:
        raise AbstractionError(
            f"convention {conv.name!r} caught the error raised when its code branched on a "
            f"symbolic neuron or layer of layer {a} (it compared, hashed or converted one): "
            "what it does there on a concrete network cannot be read off a symbolic one"
        )
    if len(got) != 1:
        raise AbstractionError(
            f"convention {conv.name!r} gives {len(got)} signals for the one symbolic "
            f"neuron of layer {a}"
        )
    ranges = _ranges(inet, a)
    if w_key not in updates or (inet.bias and b_key not in updates):
        raise AbstractionError(
            f"convention {conv.name!r} gives no update for the symbolic weight {w_key}"
        )
    rules.signals[a] = _canonical(inet, got[0], ranges)
    rules.weight_updates[a] = _canonical(inet, updates[w_key], ranges)
    rules.bias_updates[a] = _canonical(inet, updates[b_key], ranges) if inet.bias else None
    rules.weight_penalties[a] = pen_w
    rules.bias_penalties[a] = pen_b if inet.bias else None


def _ranges(inet: IndexedNetwork, a: sp.Expr) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
    """The ranges of the neuron indices a rule of layer ``a`` may contain."""
    out = {inet.index(a): (sp.S.One, inet.n[a]), inet.index(a - 1): (sp.S.One, inet.n[a - 1])}
    return out


def _canonical(
    inet: IndexedNetwork, expr: sp.Expr, ranges: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]
) -> sp.Expr:
    """Sums written over the layer's own summation index from 1 (a matrix recipe's entries
    sum over a dummy from 0); Kronecker deltas and derivatives of sums resolved, with the range
    conditions that the stated index ranges make true dropped."""
    expr = sp.sympify(expr)
    if expr.has(sp.KroneckerDelta, sp.Derivative, sp.Piecewise):
        expr = _resolve(expr.doit(), ranges)

    def canon(s: sp.Sum) -> sp.Expr:
        if len(s.limits) != 1:
            return s
        ((var, lo, hi),) = s.limits
        top = sp.expand(hi - lo + 1)
        if not (isinstance(top, sp.Indexed) and top.base == inet.n):
            return s
        try:
            k = inet.sum_symbol(top.indices[0])
        except AbstractionError:
            return s
        if k != var and k in s.function.free_symbols:
            return s
        for inner in s.function.atoms(sp.Sum):  # renaming must not capture or rebind
            bound = {v for v, *_ in inner.limits}
            if var in bound or (k in bound and var in inner.free_symbols):
                return s
        return sp.Sum(s.function.xreplace({var: k + lo - 1}), (k, 1, top))

    return expr.replace(lambda e: isinstance(e, sp.Sum), canon)


def _resolve(expr: sp.Expr, ranges: dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """Drop the ``Piecewise`` branches whose conditions the index ranges make true."""
    true_relations: dict[sp.Basic, sp.Basic] = {}
    for sym, (lo, hi) in ranges.items():
        for rel in (
            sp.Le(lo, sym),
            sp.Le(sym, hi),
            sp.Ge(sym, lo),
            sp.Ge(hi, sym),
            sp.Lt(lo - 1, sym),
            sp.Lt(sym, hi + 1),
        ):
            true_relations[rel] = sp.true

    def pick(*args: Any) -> sp.Expr:
        for value, cond in args:
            if cond.xreplace(true_relations) == sp.true:
                return value
        return sp.Piecewise(*args)

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: pick(*e.args))
