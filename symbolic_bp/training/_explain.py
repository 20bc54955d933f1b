r"""What a recipe changes relative to the gradient, said next to its loss curve.

A recipe that converges faster on one task is not thereby correct: the AGH recipe's hidden
updates, for instance, are the gradient's multiplied by ``1/f'(e)`` of the layers above, a
positive factor that acts like a larger learning rate for those layers. This module asks the
prover (:func:`~symbolic_bp.proof.prove`, per neuron, against ``gradient``) for each
parameter's verdict and, where it finds one, the factor ``c`` with ``Delta_recipe = c *
Delta_gradient`` (:attr:`~symbolic_bp.proof.ParameterResult.ratio`: free of the signals, the
quotient cancelled exactly), decides the factor's sign from the activations' derivatives
(SymPy's assumptions on their explicit forms; otherwise "not decided"), and measures the actual
ratio of the two updates, sample by sample, at the training's start values. Where the prover
names no factor, it says so. The prover runs only on networks of at most
:data:`EXPLAIN_PARAMETERS` parameters and for at most :data:`EXPLAIN_SECONDS` seconds per
recipe; above, the explanation says that it was skipped and which command answers.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.datasets import load
>>> net = Network.build([2, 2, 1], "sigmoid", bias=True)
>>> (agh,) = explain_recipes(net, ["error_at_update"], *load("xor"), lr=0.5, seeds=[0])
>>> agh.verdict
'differs'
>>> for c in agh.layers:
...     print(c.layer, c.kind, c.status, [str(f) for f in c.factors], c.sign or "-")
1 w differs ["1/sigmoid'(e2_1)"] positive
1 b differs ["1/sigmoid'(e2_1)"] positive
2 w equal [] -
2 b equal [] -
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..codegen.export import load_module
from ..conventions import get_convention
from ..errors import option
from ..model.activations import Activation
from ..model.network import Network
from ..proof import DIFFERS, EQUAL, UNKNOWN, Limits, prove
from ._run import initial_params

__all__ = [
    "EXPLAIN_PARAMETERS",
    "EXPLAIN_SECONDS",
    "LayerChange",
    "RecipeChange",
    "explain_recipes",
    "explanation_text",
]

#: the prover explains networks of at most this many parameters
EXPLAIN_PARAMETERS = 200
#: and spends at most this many seconds on each recipe
EXPLAIN_SECONDS = 20.0
#: samples per start at which the two updates are measured
MEASURE_SAMPLES = 20


@dataclass
class LayerChange:
    """One layer's weights (``kind`` ``"w"``) or biases (``"b"``): the prover's status
    (``equal``, ``differs``, ``unknown``, ``mixed``), the distinct factors ``c`` with
    ``Delta_recipe = c * Delta_gradient`` (empty when equal, or when some parameter has none),
    their ``sign`` (``positive``, ``not decided``, or ``""`` without factors), and the range of
    the measured ratio ``Delta_recipe / Delta_gradient`` per sample at the start values
    (``None`` when equal or not measured)."""

    layer: int
    kind: str
    count: int
    status: str
    factors: list[sp.Expr] = field(default_factory=list)
    sign: str = ""
    measured: tuple[float, float] | None = None


@dataclass
class RecipeChange:
    """A recipe against the gradient: ``verdict`` ``equal``, ``differs``, ``unknown`` or
    ``skipped`` (network too large: see ``note``), and one :class:`LayerChange` per layer
    and kind."""

    convention: str
    verdict: str
    layers: list[LayerChange] = field(default_factory=list)
    note: str = ""


def explain_recipes(
    net: Network,
    conventions: Sequence[str],
    X: np.ndarray,
    T: np.ndarray,
    lr: float,
    seeds: Sequence[int],
    limits: Limits | None = None,
) -> list[RecipeChange]:
    """One :class:`RecipeChange` per convention other than ``gradient`` (names such as
    ``delta+adam`` are explained as ``delta``: the optimizer is the same for both).

    **Arguments:** the network trained, the conventions, the data and rate, and the seeds of
    the start values at which the updates are measured; ``limits`` for the prover (default:
    :data:`EXPLAIN_SECONDS`)."""
    names = list(dict.fromkeys(get_convention(n.split("+")[0]).name for n in conventions))
    out: list[RecipeChange] = []
    for name in names:
        if name == "gradient":
            continue
        if net.parameter_count > EXPLAIN_PARAMETERS:
            out.append(_skipped(net, name))
            continue
        report = prove(
            net,
            "gradient",
            name,
            limits or Limits(timeout=EXPLAIN_SECONDS),
            conditions=False,
            method="neurons",
        )
        verdict = {True: EQUAL, False: DIFFERS, None: UNKNOWN}[report.equivalent]
        change = RecipeChange(name, verdict)
        groups: dict[tuple[int, str], list] = {}
        for p in report.parameters:
            kind = "b" if net.locate(p.name)[2] is None else "w"
            groups.setdefault((p.layer, kind), []).append(p)
        for (layer, kind), results in sorted(
            groups.items(), key=lambda g: (g[0][0], g[0][1] != "w")
        ):
            statuses = {r.status for r in results}
            status = statuses.pop() if len(statuses) == 1 else "mixed"
            item = LayerChange(layer, kind, len(results), status)
            if status != EQUAL:
                ratios = [r.ratio for r in results if r.status != EQUAL]
                if all(q is not None for q in ratios):
                    item.factors = list({sp.srepr(q): q for q in ratios}.values())
                    item.sign = _sign(net, item.factors)
            change.layers.append(item)
        _measure(net, name, change, X, T, lr, seeds)
        out.append(change)
    return out


def _skipped(net: Network, name: str) -> RecipeChange:
    how = option(
        f"`symbolic-bp prove --conventions gradient,{name}` with the same network options",
        f"symbolic_bp.prove(net, 'gradient', {name!r})",
    )
    return RecipeChange(
        name,
        "skipped",
        note=f"not explained: {net.parameter_count} parameters, more than the "
        f"{EXPLAIN_PARAMETERS} the prover is given here; {how} answers without this limit",
    )


def _derivative_sign(act: Activation) -> bool:
    """Whether ``act``'s derivative is positive for every real input (by SymPy's assumptions on
    its explicit form, simplified if need be)."""
    d = act.derivative_expr
    return any(form.is_positive for form in (d, sp.simplify(d)))


def _sign(net: Network, factors: list[sp.Expr]) -> str:
    """``positive`` when every factor is, as a product of numbers and activation derivatives
    positive everywhere; ``not decided`` otherwise."""
    for factor in factors:
        subs: dict[sp.Basic, sp.Basic] = {}
        for atom in factor.atoms(sp.Function):
            where = net.neuron_of(atom.args[0]) if len(atom.args) == 1 else None
            if where is None:
                return "not decided"
            act = net.activation(where[0])
            if act.is_vector or atom != act.derivative(atom.args[0]) or not _derivative_sign(act):
                return "not decided"
            subs[atom] = sp.Dummy(positive=True)
        if factor.xreplace(subs).is_positive is not True:
            return "not decided"
    return "positive"


def _measure(
    net: Network,
    name: str,
    change: RecipeChange,
    X: np.ndarray,
    T: np.ndarray,
    lr: float,
    seeds: Sequence[int],
) -> None:
    """Fill ``measured``: ``Delta_recipe / Delta_gradient`` of each differing layer's
    parameters, sample by sample (at most :data:`MEASURE_SAMPLES`, spread evenly over the
    data), at each seed's start."""
    wanted = [c for c in change.layers if c.status != EQUAL]
    if not wanted:
        return
    grad, recipe = load_module(net, "gradient"), load_module(net, name)
    ratios: dict[tuple[int, str], list[np.ndarray]] = {(c.layer, c.kind): [] for c in wanted}
    with np.errstate(all="ignore"):
        for seed in seeds:
            start = initial_params(net, seed)
            for s in _spread(len(X)):
                rows = slice(s, s + 1)
                _, after_g = grad.step(start, X[rows], T[rows], lr)
                _, after_r = recipe.step(start, X[rows], T[rows], lr)
                for layer, kind in ratios:
                    key = f"{kind.upper() if kind == 'w' else 'b'}{layer}"
                    dg = after_g[key] - start[key]
                    dr = after_r[key] - start[key]
                    scale = np.max(np.abs(dg))
                    keep = np.abs(dg) > 1e-9 * scale if scale > 0 else np.zeros(dg.shape, bool)
                    ratios[(layer, kind)].append((dr[keep] / dg[keep]).ravel())
    for c in wanted:
        values = np.concatenate(ratios[(c.layer, c.kind)])
        values = values[np.isfinite(values)]
        if values.size:
            c.measured = (float(values.min()), float(values.max()))


def _spread(samples: int) -> list[int]:
    """At most :data:`MEASURE_SAMPLES` sample indices spread evenly over ``range(samples)``."""
    if samples <= MEASURE_SAMPLES:
        return list(range(samples))
    return sorted(
        {round(k * (samples - 1) / (MEASURE_SAMPLES - 1)) for k in range(MEASURE_SAMPLES)}
    )


_KIND = {"w": "weights", "b": "biases"}


def _layer_text(c: LayerChange) -> str:
    if c.status == EQUAL:
        return "the same as the gradient's (proven)"
    if c.status == UNKNOWN:
        return "not settled (unknown)"
    if not c.factors:
        return (
            "the prover names no factor c with Δ = c × Δ(gradient) (free of the signals): "
            "not shown to be a rescaled gradient"
        )
    shown = " or ".join(sp.sstr(f) for f in c.factors[:3])
    more = f" (and {len(c.factors) - 3} more)" if len(c.factors) > 3 else ""
    sign = "a positive factor" if c.sign == "positive" else "a factor whose sign is not decided"
    return f"Δ = Δ(gradient) × {shown}{more}, {sign}"


def _measured_text(c: LayerChange, data: str, seeds: int) -> str:
    if c.measured is None:
        return ""
    low, high = c.measured
    both = "; of both signs: there it moves against the gradient" if low < 0 else ""
    return (
        f"measured Δ/Δ(gradient), sample by sample at the {seeds} start(s) on {data}: "
        f"{low:.3g} to {high:.3g}{both}"
    )


def _wrap(text: str, indent: str, width: int = 100) -> list[str]:
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent + "    ",
        break_on_hyphens=False,
    )


def explanation_text(changes: Sequence[RecipeChange], data: str, seeds: int) -> str:
    """The explanation in words, one paragraph per recipe (empty when there is none); the
    weights and biases of a layer share a line when the same is said of both."""
    if not changes:
        return ""
    lines = _wrap(
        "What each recipe changes relative to the gradient (proven on this network, for one "
        "sample; Δ is a parameter's update):",
        "",
    )
    scaled = differs = False
    for change in changes:
        head = f"  {change.convention}: "
        if change.verdict == "skipped":
            lines += _wrap(head + change.note, "")
            continue
        if change.verdict == EQUAL:
            lines += _wrap(
                head + "the same update as the gradient for every parameter; its curves differ "
                "from the gradient's only by rounding.",
                "",
            )
            continue
        lines.append(
            head
            + (
                "differs from the gradient (a certified counterexample):"
                if change.verdict == DIFFERS
                else "not settled within the limit (unknown) for some parameters:"
            )
        )
        differs = True
        rows: list[tuple[int, list[str], str, str]] = []
        for c in change.layers:
            scaled = scaled or c.sign == "positive"
            text, measured = _layer_text(c), _measured_text(c, data, seeds)
            if rows and rows[-1][0] == c.layer and rows[-1][2:] == (text, measured):
                rows[-1][1].append(_KIND[c.kind])
            else:
                rows.append((c.layer, [_KIND[c.kind]], text, measured))
        for layer, kinds, text, measured in rows:
            lines += _wrap(f"layer {layer} {' and '.join(kinds)}: {text}", "    ")
            if measured:
                lines += _wrap(measured, "      ")
    if scaled:
        lines += _wrap(
            "A positive factor multiplies a layer's step like a larger (or smaller) learning "
            "rate for that layer, different from sample to sample: a recipe that converges "
            "faster on one task is not thereby the gradient. Compare at several learning rates; "
            "correctness is what the prover decides.",
            "  ",
        )
    elif differs:
        lines += _wrap(
            "A recipe that is not the gradient can still lower the loss, faster or slower than "
            "the gradient on a given task and learning rate: convergence speed is not "
            "correctness; the prover decides that.",
            "  ",
        )
    return "\n".join(lines)
