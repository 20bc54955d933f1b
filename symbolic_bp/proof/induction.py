r"""The general proof: any depth ``L``, any widths ``n_l``, any differentiable activations.

The recipes run unchanged on the :class:`~symbolic_bp.model.indexed.IndexedNetwork` of symbolic
depth (:func:`~symbolic_bp.derive.general_rules`): widths are symbols ``n[l]``, the layer index
``l`` is a symbol, the activation of layer ``l`` is an undefined function ``f_l``. Before
anything is concluded, those symbolic rules are instantiated at depths 1 to 3, every layer,
every neuron, and compared with the recipes' per-neuron rules on concrete networks
(:mod:`symbolic_bp.verify`). Then, for each loss and bias setting in scope:

- **output layer**: the two recipes' updates of the output layer, with their output signals
  written out, are compared directly (no induction needed);
- **invariant**: ``s_B[l,j] = c(l,j) s_A[l,j]`` with the factor ``c`` read off the output layer
  (``s_B = c s_A`` or ``s_A = c s_B``, whichever exists: the verdicts do not depend on the
  order of the two conventions), ``c`` a function of the neuron's own net input only;
- **inductive step** from ``l + 1`` to ``l``: assuming the invariant for every neuron ``k`` of
  layer ``l + 1``, the two signals of neuron ``j`` of layer ``l`` satisfy it too;
- **conclusion**: the updates of the hidden layers are then equal.

Each step is an equation whose difference SymPy reduces to exactly 0 (sums over the same range
are merged and their summands compared). A failing step does not by itself show that the rules
differ, so each class of parameters (output-layer weights, hidden-layer weights, biases) is
``equal`` only when proven, ``differs`` only with a counterexample of that class on a concrete
network (searched over several sizes and every loss and bias setting in scope), and
``unknown`` otherwise.

>>> from symbolic_bp.conventions import get_convention
>>> case = prove_case(get_convention("delta"), get_convention("gradient"), "half_sse", True)
>>> sorted(case.status.items())
[('b_hidden', 'equal'), ('b_output', 'equal'), ('w_hidden', 'equal'), ('w_output', 'equal')]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from ..algebra import relate, replace_indexed, residual_is_zero
from ..conventions import Convention, second_letter
from ..derive import LayerRules, general_rules
from ..model.indexed import DEPTH as L
from ..model.indexed import LAYER as l
from ..model.losses import get_loss
from ..model.network import Network, with_output_activation
from ..model.symbolic import LayerFprime, LayerG, resolve_hypothesis
from ..verify import verify_general_rules
from .results import DIFFERS, EQUAL, UNKNOWN, GeneralStep

__all__ = ["Case", "prove_case", "CLASSES", "has_g"]

_INT = {"integer": True, "positive": True}
i, j, k = (sp.Symbol(s, **_INT) for s in "ijk")
#: the classes of parameters, by key: label, layer role, kind
CLASSES = {
    "w_output": ("w{L}_{j}_{i} (output layer)", "output", "w"),
    "b_output": ("b{L}_{j} (output layer)", "output", "b"),
    "w_hidden": ("w{l}_{j}_{i} (hidden layers)", "hidden", "w"),
    "b_hidden": ("b{l}_{j} (hidden layers)", "hidden", "b"),
}
_RANGES_HIDDEN = "1 <= l <= L-1, 1 <= j <= n[l], 1 <= k <= n[l+1]"


@dataclass
class Case:
    """One loss and bias setting: its steps and the status of each class."""

    loss: str
    bias: bool
    steps: list[GeneralStep] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)
    factor: sp.Expr | None = None
    bases: tuple[sp.IndexedBase, sp.IndexedBase] | None = None
    uses_g: bool = False
    reason: str = ""


def _rules(ca: Convention, cb: Convention, loss: str, bias: bool) -> tuple[LayerRules, LayerRules]:
    """Both recipes' general rules, each layer verified against per-neuron rules; a layer
    either recipe cannot be represented on is left out of both (its reason in ``failures``)."""
    ra = general_rules(ca, loss, bias, partial=True)
    rb = general_rules(cb, loss, bias, letter=second_letter(ca, cb), partial=True)
    for rules in (ra, rb):
        rules.failures.update(_verify(rules, loss, bias))
    failed = {**ra.failures, **rb.failures}
    for rules in (ra, rb):
        rules.failures = failed
        rules.layers = tuple(a for a in rules.layers if a not in failed)
    return ra, rb


def _verify(rules: LayerRules, loss: str, bias: bool) -> dict:
    """The general rules against the per-neuron rules of networks of depth 1 to 3; with
    generic activations, or sigmoid ones for a recipe that writes ``f'`` through the output:
    ``{layer: reason}`` of the layers that disagree."""
    best: dict | None = None
    loss_obj = get_loss(loss)
    for act in ("generic", "sigmoid"):
        nets = [
            Network.build(sizes, with_output_activation(act, len(sizes) - 1, loss_obj), loss, bias)
            for sizes in ((2, 3), (3, 2), (2, 3, 2), (3, 2, 3), (2, 3, 2, 3))
        ]
        failures = verify_general_rules(rules, nets)
        if not failures:
            return failures
        if best is None or len(failures) < len(best):
            best = failures
        if not any("is not defined on" in reason for reason in failures.values()):
            break  # a real disagreement, not a recipe that needs another activation
    return best or {}


def prove_case(
    ca: Convention, cb: Convention, loss: str, bias: bool, unit: Callable | None = None
) -> Case:
    case = Case(loss, bias)
    kinds = ("w", "b") if bias else ("w",)
    ra, rb = _rules(ca, cb, loss, bias)
    case.status = {f"{kind}_{role}": UNKNOWN for kind in kinds for role in ("output", "hidden")}
    reasons = {**ra.failures, **rb.failures}
    case.reason = "; ".join(dict.fromkeys(reasons.values()))
    if L not in ra.layers:
        return case
    assume = _assumption(unit)
    case.uses_g = any(has_g(rules) for rules in (ra, rb))
    if l in ra.layers:
        _induction(case, ra, rb, assume, kinds)
    output = Case(loss, bias)
    _output_layer(output, ra, rb, assume, kinds)
    case.status.update(output.status)
    at = next((n + 1 for n, s in enumerate(case.steps) if s.name.startswith("base case")), 0)
    case.steps[at:at] = output.steps  # the output layer's conclusions after its base case
    return case


def _assumption(unit: Callable[[sp.Expr], bool] | None) -> Callable[[sp.Expr], sp.Expr]:
    def assume(expr: sp.Expr) -> sp.Expr:
        expr = resolve_hypothesis(sp.sympify(expr))
        if unit is None:
            return expr
        return expr.replace(
            lambda e: isinstance(e, LayerFprime) and unit(e.args[0]), lambda e: sp.S.One
        )

    return assume


def _zero(expr: sp.Expr, rules: LayerRules) -> tuple[bool, sp.Expr]:
    """The sound zero test on the hypothesis ``g(f(x)) = f'(x)`` and on the targets' domain
    (probability targets: their sum over the output layer is 1)."""
    return residual_is_zero(rules.indexed.on_domain(resolve_hypothesis(expr)))


def _output_layer(
    case: Case,
    ra: LayerRules,
    rb: LayerRules,
    assume: Callable[[sp.Expr], sp.Expr],
    kinds: tuple[str, ...],
) -> None:
    """The output layer's updates compared directly, with the output signals written out."""
    A, B = ra.signal, rb.signal
    sa, sb = assume(ra.signals[L]), assume(rb.signals[L])
    for kind in kinds:
        ua = replace_indexed(
            assume((ra.weight_updates if kind == "w" else ra.bias_updates)[L]), A, L, sa, j
        )
        ub = replace_indexed(
            assume((rb.weight_updates if kind == "w" else rb.bias_updates)[L]), B, L, sb, j
        )
        ok, residual = _zero(ub - ua, ra)
        where = "1 <= j <= n[L]" + (", 1 <= i <= n[L-1]" if kind == "w" else "")
        name = f"conclusion: Delta {kind} of the output layer"
        case.steps.append(
            GeneralStep(
                name,
                ub,
                ua,
                EQUAL if ok else DIFFERS,
                where,
                residual,
                f"the output signals written out ({case.loss})",
            )
        )
        case.status[f"{kind}_output"] = EQUAL if ok else UNKNOWN


def _output_factor(ra: LayerRules, rb: LayerRules) -> tuple[sp.Expr, bool] | None:
    """``(c, swapped)``: ``s_B = c s_A`` at the output layer (``swapped``: ``s_A = c s_B``),
    with ``c`` a function of the output neuron's net input alone, so that ``c(l, j)`` means
    the same for a hidden neuron. Read off without the assumptions of a condition (which
    then apply to ``c`` wherever it is used)."""
    A, B = ra.signal, rb.signal
    sa, sb = resolve_hypothesis(ra.signals[L]), resolve_hypothesis(rb.signals[L])

    def excluded(atom: sp.Basic) -> bool:
        return isinstance(atom, sp.Indexed) and atom.base in (A, B)

    rel = relate(sa, sb, excluded, lambda e: _zero(e, ra)[0], budget=2000)
    if rel is None and ra.indexed.loss.probability_targets and _zero(sb + sa, ra)[0]:
        rel = ("A", sp.S.NegativeOne)  # -1 where only the targets' domain (sum 1) shows it
    if rel is None:
        return None
    c = rel[1]
    net_input = ra.indexed.e(L, j)
    atoms = c.atoms(sp.Indexed)
    allowed = {L, j, ra.indexed.eta, net_input, net_input.base.label}
    if atoms - {net_input} or not c.free_symbols <= allowed:
        return None  # c must be a function of the neuron's own net input alone
    return c, rel[0] == "B"


def _induction(
    case: Case,
    ra: LayerRules,
    rb: LayerRules,
    assume: Callable[[sp.Expr], sp.Expr],
    kinds: tuple[str, ...],
) -> None:
    found = _output_factor(ra, rb)
    if found is not None:
        c_L, swapped = found
        base, other = (rb, ra) if swapped else (ra, rb)
        sa_L, sb_L = assume(base.signals[L]), assume(other.signals[L])
        if not _zero(sb_L - assume(c_L) * sa_L, ra)[0]:
            found = None
    if found is None:
        case.steps.append(
            GeneralStep(
                f"base case ({case.loss})",
                assume(rb.signals[L]),
                assume(ra.signals[L]),
                DIFFERS,
                "1 <= j <= n[L]",
                assume(rb.signals[L]) - assume(ra.signals[L]),
                "no factor c(e) with s_B = c s_A or s_A = c s_B at the output layer",
            )
        )
        case.status.update({f"{kind}_hidden": UNKNOWN for kind in kinds})
        return
    A, B = base.signal, other.signal
    case.factor, case.bases = c_L, (A, B)
    lhs, rhs = B[L, j], assume(c_L) * A[L, j]
    case.steps.append(
        GeneralStep(
            f"base case ({case.loss})",
            sb_L,
            assume(c_L) * sa_L,
            EQUAL,
            "1 <= j <= n[L]",
            note=f"that is {sp.sstr(lhs)} = {sp.sstr(rhs)}, with {sp.sstr(B[L, j])} = "
            f"{sp.sstr(sb_L)} and {sp.sstr(A[L, j])} = {sp.sstr(sa_L)}",
            note_math=((lhs, rhs), (B[L, j], sb_L), (A[L, j], sa_L)),
        )
    )

    def c(layer: sp.Expr, neuron: sp.Expr) -> sp.Expr:
        return assume(c_L.xreplace({L: layer}).xreplace({j: neuron}))

    sa = assume(base.signals[l])
    sb = replace_indexed(assume(other.signals[l]), B, l + 1, c(l + 1, k) * A[l + 1, k], k)
    ok, residual = _zero(sb - c(l, j) * sa, ra)
    case.steps.append(
        GeneralStep(
            "inductive step",
            sb,
            c(l, j) * sa,
            EQUAL if ok else DIFFERS,
            _RANGES_HIDDEN,
            residual,
            f"assuming {sp.sstr(B[l + 1, k])} = {sp.sstr(c(l + 1, k) * A[l + 1, k])} for every k",
            ((B[l + 1, k], c(l + 1, k) * A[l + 1, k]),),
        )
    )
    for kind in kinds:
        ua = assume((base.weight_updates if kind == "w" else base.bias_updates)[l])
        ub = assume((other.weight_updates if kind == "w" else other.bias_updates)[l])
        if ok:
            ub = replace_indexed(ub, B, l, c(l, j) * A[l, j], j)
        held, rest = _zero(ub - ua, ra) if ok else (False, sp.S.Zero)
        if swapped:
            ub, ua = ua, ub
        where = "1 <= l <= L-1, 1 <= j <= n[l]" + (", 1 <= i <= n[l-1]" if kind == "w" else "")
        note = "" if ok else "not reached: the inductive step fails"
        case.steps.append(
            GeneralStep(
                f"conclusion: Delta {kind} of the hidden layers",
                ub,
                ua,
                EQUAL if held else DIFFERS,
                where,
                rest,
                note,
            )
        )
        case.status[f"{kind}_hidden"] = EQUAL if held else UNKNOWN


def has_g(rules: LayerRules) -> bool:
    exprs = [*rules.signals.values(), *rules.weight_updates.values(), *rules.bias_updates.values()]
    return any(e is not None and e.has(LayerG) for e in exprs)
