r"""Documents of derivations and proofs: what ``symbolic-bp derive`` and ``prove --format`` print.

A derivation shows, in the design's notation, the forward pass, the output signal, the signals
sent back and the updates, with **one row per layer** (``j`` a neuron of layer ``l``, ``i`` of
layer ``l - 1``, ``k`` of layer ``l + 1``): the rows come from
:func:`~symbolic_bp.layered.layer_rules`, so a network with a hundred thousand parameters reads
as easily as a small one. Individual parameters are added on request.

>>> from symbolic_bp.model.network import Network
>>> doc = derivation(Network.build([2, 3, 2, 1]), "delta")
>>> [b.text for b in doc.blocks if isinstance(b, Heading)]
['Forward pass', 'Output signal', 'Signals sent back', 'Updates']
>>> next(b.latex for b in doc.blocks if isinstance(b, Math) and b.latex.startswith("d^{3}"))
"d^{3}_{j} = \\left(t_{j} - y^{3}_{j}\\right) f_{3}'\\left(e^{3}_{j}\\right)"
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sympy as sp

from ..conventions import Convention, get_convention
from ..derive import LayerRules, derive, layer_rules
from ..errors import AbstractionError
from ..model.indexed import IndexedNetwork, neuron_index, sum_index
from ..model.lemma import through_output
from ..model.network import Network
from ..proof.results import (
    DIFFERS,
    EQUAL,
    UNKNOWN,
    Counterexample,
    GeneralProof,
    GeneralStep,
    Report,
)
from .data import general_json, report_json
from .document import Code, Document, Heading, Items, Math, Para, Table
from .notation import inline_math, latex
from .text import approx_text, general_text, number_text, report_text

__all__ = ["derivation", "report_document", "general_document"]

J, I, K, M = sp.symbols("j i k m", integer=True, positive=True)
_Y = sp.IndexedBase("y")


def outputs_as_y(expr: sp.Expr, lay: IndexedNetwork) -> sp.Expr:
    """``f_l(e[l, a]) -> y[l, a]`` for display (derivatives stay ``f_l'(e[l, a])``)."""

    def y_of(l: int, arg: sp.Expr) -> sp.Expr | None:
        if isinstance(arg, sp.Indexed) and arg.base == lay.e(1, J).base and arg.indices[0] == l:
            return _Y[l, arg.indices[1]]
        return None

    return through_output(expr, lay.activations, y_of, derivatives=False)


def rename_indices(l: int) -> dict[sp.Basic, sp.Basic]:
    """``j_l -> j``, ``j_{l-1} -> i``; sums over layer ``l+1`` by ``k``, over ``l-1`` by ``i``,
    over layer ``l`` itself (a softmax's) by ``m``."""
    return {
        neuron_index(l): J,
        neuron_index(l - 1): I,
        sum_index(l + 1): K,
        sum_index(l - 1): I,
        sum_index(l): M,
    }


def derivation(
    net: Network, convention: str | Convention, parameters: Sequence[str] | str | None = None
) -> Document:
    """The step-by-step derivation of ``convention`` on ``net``.

    **Arguments:** ``net``; ``convention`` (name or object); ``parameters``: names such as
    ``["w2_1_1", "b1_2"]``, ``"all"``, or ``None`` (per-layer rows only).

    **Returns:** a :class:`~symbolic_bp.render.document.Document`.
    """
    conv = get_convention(convention)
    try:
        rules = layer_rules(net, conv)
    except AbstractionError as exc:  # the recipe treats neurons apart: no rule per layer
        return _neuron_by_neuron(net, conv, parameters, str(exc).split(";")[0])
    lay = rules.indexed
    L = net.depth
    s = rules.signal
    doc = Document(f"The {conv.name} convention on a {'-'.join(map(str, net.sizes))} network")
    doc.blocks.append(Para(f"{conv.name}: {conv.description}."))
    doc.blocks.append(Para(f"Network: {net.describe()}."))
    doc.blocks.append(
        Para(
            "Each row holds for every neuron of its layer: $j$ is a neuron of layer $l$, $i$ of "
            r"layer $l-1$ and $k$ of layer $l+1$; $\eta$ is the learning rate and an update is "
            r"$\Delta w = w_{\text{new}} - w_{\text{old}}$.",
            math=True,
        )
    )
    show = lambda expr, l: latex(outputs_as_y(expr, lay), rename_indices(l))  # noqa: E731

    doc.blocks.append(Heading("Forward pass"))
    for l in range(1, L + 1):
        j = neuron_index(l)
        e_row = f"{latex(lay.e(l, J))} = {show(lay.net_input(l, j), l)}"
        y_row = f"{latex(_Y[l, J])} = {latex(lay.y(l, J), rename_indices(l))}"
        doc.blocks.append(Math(rf"{e_row}, \qquad {y_row}", f"Layer {l}:"))
    loss = sp.Sum(net.loss.term(lay.t(J), _Y[L, J]), (J, 1, lay.n[L]))
    doc.blocks.append(Math(f"E = {latex(loss)}", f"Loss ({net.loss.name}):"))

    doc.blocks.append(Heading("Output signal"))
    doc.blocks.append(Math(f"{latex(s[L, J])} = {show(rules.signals[L], L)}", f"Layer {L}:"))
    if net.loss.probability_targets:
        doc.blocks.append(
            Para(
                f"The targets of {net.loss.name} are probability vectors (they sum to 1; "
                "one-hot for a class label): every proof holds for every such target, and a "
                "sum of the targets over the output layer is 1 there."
            )
        )
    if L > 1:
        doc.blocks.append(Heading("Signals sent back"))
        for l in range(L - 1, 0, -1):
            doc.blocks.append(
                Math(f"{latex(s[l, J])} = {show(rules.signals[l], l)}", f"Layer {l}:")
            )
    doc.blocks.append(Heading("Updates"))
    batch = net.objective.batch
    if batch > 1:
        doc.blocks.extend(_batch_blocks(rules, lay))
    rows = []
    for l in range(L, 0, -1):
        delta = r"\Delta_s" if batch > 1 else r"\Delta"
        w_rule = _with_penalty(rules.weight_updates[l], rules.weight_penalties.get(l), batch)
        w = rf"{delta} {latex(lay.w(l, J, I))} = {show(w_rule, l)}"
        bias = rules.bias_updates[l]
        if bias is not None:
            b_rule = _with_penalty(bias, rules.bias_penalties.get(l), batch)
            w += rf", \qquad {delta} {latex(lay.b(l, J))} = {show(b_rule, l)}"
        doc.blocks.append(Math(w, f"Layer {l}:"))
        rows.append(
            {
                "layer": l,
                "signal": sp.sstr(rules.signals[l].xreplace(rename_indices(l))),
                "weight_update": sp.sstr(rules.weight_updates[l].xreplace(rename_indices(l))),
                "bias_update": None if bias is None else sp.sstr(bias.xreplace(rename_indices(l))),
            }
        )
        if not net.objective.plain:  # one sample's share; the reduction and the penalty apart
            ren = rename_indices(l)
            rows[-1]["weight_penalty"] = sp.sstr(
                sp.sympify(rules.weight_penalties[l]).xreplace(ren)
            )
            bias_penalty = rules.bias_penalties.get(l)
            rows[-1]["bias_penalty"] = (
                None if bias_penalty is None else sp.sstr(bias_penalty.xreplace(ren))
            )
    doc.data = {"network": net.describe(), "convention": conv.name, "layers": rows}
    if not net.objective.plain:
        doc.data["batch_scale"] = sp.sstr(rules.scale)
    if parameters:
        names = net.parameter_names() if parameters == "all" else list(parameters)
        doc.blocks.extend(_parameter_blocks(net, conv, names))
    return doc


#: a recipe without layer rules shows every parameter up to this many, else one per layer
_ALL_NEURONS = 64


def _neuron_by_neuron(
    net: Network, conv: Convention, parameters: Sequence[str] | str | None, why: str
) -> Document:
    """The derivation of a recipe that has no single rule per layer (it branches on a neuron
    index): each parameter's update and its signals, from the per-neuron rules."""
    doc = Document(f"The {conv.name} convention on a {'-'.join(map(str, net.sizes))} network")
    doc.blocks.append(Para(f"{conv.name}: {conv.description}."))
    doc.blocks.append(Para(f"Network: {net.describe()}."))
    if parameters == "all" or (parameters is None and net.parameter_count <= _ALL_NEURONS):
        names = net.parameter_names()
    elif parameters is None:  # the first weight (and bias) of each layer
        names = [n for n in net.parameter_names() if re.fullmatch(r"[wb]\d+_1(_1)?", n)]
    else:
        names = list(parameters)
    shown = "every parameter" if len(names) == net.parameter_count else "the parameters below"
    doc.blocks.append(
        Para(
            f"This recipe has no single rule per layer ({why}), so its rules are derived neuron "
            f"by neuron; {shown} with the signals it reads"
            + ("" if len(names) == net.parameter_count else " (--parameters all for every one)")
            + "."
        )
    )
    doc.blocks.extend(_parameter_blocks(net, conv, names))
    doc.data = {"network": net.describe(), "convention": conv.name, "layers": [], "neurons": names}
    return doc


def _with_penalty(rule: sp.Expr, penalty: sp.Expr | None, batch: int) -> sp.Expr:
    """A layer's update with the L2 penalty's part (a batch shows it with the reduction)."""
    return rule if batch > 1 or penalty is None else rule + penalty


def _batch_blocks(rules: LayerRules, lay: IndexedNetwork) -> list:
    """How a batch's update is made from the samples' rows below."""
    net = rules.network
    assert net is not None
    n = net.objective.batch
    w = lay.w(sp.Symbol("l"), J, I)
    penalty = next((p for p in rules.weight_penalties.values() if p != 0), sp.S.Zero)
    total = rf"\Delta {latex(w)} = {latex(rules.scale)} \sum_{{s=1}}^{{{n}}} \Delta_s {latex(w)}"
    if penalty != 0:
        total += f" {latex(penalty.xreplace({penalty.atoms(sp.Indexed).pop(): w}))}"
    what = "mean" if rules.scale != 1 else "sum"
    return [
        Para(
            f"A batch of {n} samples, each with its own inputs and targets: each row below is "
            f"one sample's update Delta_s, the signals are that sample's, and the update is the "
            f"{what} over the batch" + (", plus the L2 penalty's part:" if penalty != 0 else ":")
        ),
        Math(total),
    ]


def _parameter_blocks(net: Network, conv: Convention, names: list[str]) -> list:
    """Each named parameter's update in its own layer's signals, and those signals' rows."""
    rules = derive(net, conv)
    blocks: list = [Heading("Individual parameters")]
    for name in names:
        l, j, i = net.locate(name)
        symbol = net.w(l, j, i) if i is not None else net.b(l, j)
        sym, definition = rules.signal(l, j)
        blocks.append(
            Math(
                rf"\Delta {latex(symbol)} = {latex(rules.updates[symbol])}, \qquad "
                f"{latex(sym)} = {latex(definition)}",
                f"{name}:",
            )
        )
    return blocks


# -- proofs ------------------------------------------------------------------------------------
def _verdict_word(statuses: set[str]) -> str:
    if statuses == {EQUAL}:
        return "equal"
    if statuses == {DIFFERS}:
        return "differ"
    return ", ".join(s for s in (EQUAL, DIFFERS, UNKNOWN) if s in statuses)


def report_document(report: Report, title: str | None = None) -> Document:
    """An instance proof as a document: verdict, layer table, differences, counterexample and
    conditions (no timings: the same proof gives the same document)."""
    a, b = report.conventions
    net = report.network
    doc = Document(title or f"{a} and {b} on a {'-'.join(map(str, net.sizes))} network")
    first = report_text(report).splitlines()
    doc.blocks += [Para(first[0]), Para(first[1])]
    layers = sorted({r.layer for r in report.parameters}, reverse=True)
    rows = []
    for l in layers:
        rs = [r for r in report.parameters if r.layer == l]
        rels = [rel for rel in report.relations if rel.layer == l]
        role = "output" if l == net.depth else "hidden"
        if rels:
            relation = f"{latex(rels[0].other)} = {latex(rels[0].factor * rels[0].basis)}"
        elif l < net.depth or any(r.status != EQUAL for r in rs):
            relation = r"\text{no proportional relation; compared through the layer above}"
        else:
            relation = r"\text{none needed: the updates are equal}"
        rows.append(
            (f"{l} ({role})", str(len(rs)), _verdict_word({r.status for r in rs}), relation)
        )
    doc.blocks.append(Heading("Layer by layer"))
    doc.blocks.append(
        Table(
            ("layer", "parameters", "verdict", "signals"), tuple(rows), (False, False, False, True)
        )
    )
    differing = [r for r in report.parameters if r.status != EQUAL and r.difference is not None]
    if differing:
        doc.blocks.append(Heading("Where they differ"))
        doc.blocks.append(
            Para(
                rf"$\Delta_A$ is {a}'s update and $\Delta_B$ is {b}'s, written in the signals "
                "of the parameter's layer; one parameter per layer is shown.",
                math=True,
            )
        )
        for l in layers:
            for r in [r for r in differing if r.layer == l][:1]:
                doc.blocks.append(
                    Math(rf"\Delta_B - \Delta_A = {latex(r.difference)}", f"{r.name}:")
                )
                if r.ratio is not None:
                    doc.blocks.append(Math(rf"\frac{{\Delta_B}}{{\Delta_A}} = {latex(r.ratio)}"))
    ce = report.counterexample
    if ce is not None:
        doc.blocks.append(Heading("Counterexample"))
        doc.blocks.extend(_counterexample_blocks(ce))
    if report.equivalent is False:
        doc.blocks.append(Heading("When they agree"))
        if report.conditions:
            doc.blocks.append(Items(tuple(map(inline_math, report.conditions)), math=True))
        else:
            doc.blocks.append(
                Para(
                    "No condition of the form 'the derivative of some layers identically 1' was "
                    "found."
                )
            )
    for note in report.notes:
        doc.blocks.append(Para(f"Note: {note}"))
    doc.data = {k: v for k, v in report_json(report).items() if k != "seconds"}
    return doc


def _counterexample_blocks(ce: Counterexample) -> list:
    blocks: list = []
    if ce.activations:
        acts = ", ".join(f"{k}(x) = {v}" for k, v in ce.activations.items())
        blocks.append(Para(f"Generic activations replaced by: {acts}."))
    items = list(ce.point.items())
    point = ", ".join(f"{k} = {v}" for k, v in items[:60])
    if len(items) > 60:
        point += f", ... ({len(items)} values in all; the JSON form lists every one)"
    blocks.append(Para(f"At the exact rational point {point}:"))
    rows = []
    for name, value in ce.values.items():
        rows.append((name, number_text(value, 400), approx_text(ce.approximate[name])))
    header = f"Delta {ce.parameter} (exact)" if ce.exact else f"Delta {ce.parameter} (enclosure)"
    blocks.append(
        Table(("convention", header, "approximately"), tuple(rows), numbers=(False, True, True))
    )
    if not ce.exact:
        blocks.append(
            Para(
                "The values are rigorous enclosures of the exact values; they are "
                "disjoint, so the updates differ."
            )
        )
    return blocks


def general_document(proof: GeneralProof, title: str | None = None) -> Document:
    """The general proof as a document: every step's equation, its check, and the residual of
    a failing step."""
    a, b = proof.conventions
    doc = Document(title or f"{a} and {b} for every network")
    text = general_text(proof).splitlines()
    doc.blocks += [Para(inline_math(text[0]), math=True), Para(inline_math(text[1]), math=True)]
    doc.blocks.append(Heading("Steps"))
    for n, step in enumerate(proof.steps, start=1):
        mark = "holds" if step.verdict == EQUAL else "FAILS"
        where = f" for {inline_math(step.ranges)}" if step.ranges else ""
        name = re.sub(r"\bDelta ([wb])\b", r"$\\Delta \1$", step.name)  # Delta w of ...
        doc.blocks.append(Para(f"{n}. {name} ({mark}){where}:", math=True))
        doc.blocks.append(Math(f"{latex(step.lhs)} = {latex(step.rhs)}"))
        if step.note:
            doc.blocks.append(_note(step))
        if step.verdict != EQUAL and step.residual != 0:
            doc.blocks.append(Math(latex(step.residual), "Residual (left side minus right side):"))
    doc.blocks.append(Heading("Parameters"))
    doc.blocks.append(
        Items(
            tuple(inline_math(f"{row['name']}: {row['status']}") for row in proof.parameters),
            math=True,
        )
    )
    if proof.counterexample is not None:
        doc.blocks.append(Heading(f"Counterexample on {proof.instance_network}"))
        doc.blocks.extend(_counterexample_blocks(proof.counterexample))
    if proof.equivalent is False and proof.conditions:
        doc.blocks.append(Heading("When they agree"))
        doc.blocks.append(Items(tuple(map(inline_math, proof.conditions)), math=True))
    doc.blocks.append(Heading("As text"))
    doc.blocks.append(Code("\n".join(text)))
    doc.data = {k: v for k, v in general_json(proof).items() if k != "seconds"}
    return doc


def _note(step: GeneralStep) -> Para:
    """A step's note with the equations it states typeset inline."""
    text = step.note
    for left, right in step.note_math:
        text = text.replace(
            f"{sp.sstr(left)} = {sp.sstr(right)}", f"${latex(left)} = {latex(right)}$", 1
        )
    return Para(text, math=True)
