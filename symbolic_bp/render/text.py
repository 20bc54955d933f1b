"""The readable report of ``symbolic-bp prove``: the verdict first, then layer by layer what
agrees and what differs and why, then the counterexample and the condition."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

import sympy as sp

from ..proof.results import (
    DIFFERS,
    EQUAL,
    UNKNOWN,
    Counterexample,
    GeneralProof,
    Report,
    rational_text,
    readable,
)
from ..proof.steps import HandSteps, value_text
from .data import difference_text
from .legend import legend, legend_lines

__all__ = [
    "report_text",
    "general_text",
    "number_text",
    "approx_text",
    "counterexample_lines",
    "with_legend",
    "arithmetic_lines",
]


def approx_text(value: float | str) -> str:
    """A counterexample's approximate value (a float, or text where no float holds it)."""
    return f"{value:.10g}" if isinstance(value, float) else str(value)


def number_text(value: Any, limit: int = 60) -> str:
    """An exact value (a rational in bounded form) or an enclosure as text."""
    if isinstance(value, Fraction):
        return rational_text(value, limit)
    return str(value)


_MAX_SHOWN = 2
_MAX_POINT = 24  # coordinates of a counterexample's point shown in the text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report_text(report: Report, explanation: HandSteps | None = None) -> str:
    """The report as plain text (deterministic: no timings unless asked); with
    ``explanation``, the counterexample's arithmetic step by step after it."""
    a, b = report.conventions
    net = report.network
    counts = report.counts()
    total = sum(counts.values())
    lines: list[str] = []
    if report.equivalent is True:
        lines.append(
            f"EQUAL: {a} and {b} give the same update for all {total} parameters (proven)."
        )
    elif report.equivalent is False:
        lines.append(
            f"DIFFERENT: {a} and {b} differ for {counts[DIFFERS]} of {total} parameters "
            f"(proven by an exact counterexample); {counts[EQUAL]} equal"
            + (f", {counts[UNKNOWN]} unknown." if counts[UNKNOWN] else ".")
        )
    else:
        lines.append(
            f"UNKNOWN: {counts[UNKNOWN]} of {total} parameters could be neither proven equal nor "
            f"refuted within the limits; {counts[EQUAL]} equal."
        )
    generic = (
        " (generic activations: holds for every differentiable activation)"
        if net.is_generic and report.builtin
        else ""
    )
    lines.append(f"Network: {net.describe()}{generic}.")
    lines.append("")
    rel_by_layer: dict[int, list] = defaultdict(list)
    for rel in report.relations:
        rel_by_layer[rel.layer].append(rel)
    for l in range(net.depth, 0, -1):
        rows = [r for r in report.layers if r.layer == l]
        layer_counts = {s: sum(r.counts[s] for r in rows) for s in (EQUAL, DIFFERS, UNKNOWN)}
        size = sum(layer_counts.values())
        role = "output layer" if l == net.depth else "hidden layer"
        status = {s for s, n in layer_counts.items() if n}
        verdict = (
            "equal"
            if status == {EQUAL}
            else "differ"
            if status == {DIFFERS}
            else ", ".join(
                f"{layer_counts[s]} {s}" for s in (EQUAL, DIFFERS, UNKNOWN) if layer_counts[s]
            )
        )
        lines.append(f"Layer {l} ({role}, {_plural(size, 'parameter')}): {verdict}.")
        rels = rel_by_layer[l]
        if rels:
            shown = "; ".join(str(r) for r in rels[:_MAX_SHOWN])
            more = f" (and {len(rels) - _MAX_SHOWN} more)" if len(rels) > _MAX_SHOWN else ""
            lines.append(f"  signals: {shown}{more}")
        elif l < net.depth or status != {EQUAL}:
            lines.append("  signals: no proportional relation; compared through the layer above")
        differing = report.differences(l)
        for r in differing[:_MAX_SHOWN]:
            lines.append(f"  {r.name}: {b} - {a} = {difference_text(r, expand=True)}")
            if r.ratio is not None:
                lines.append(f"  {r.name}: {b} / {a} = {sp.sstr(readable(r.ratio))}")
        if len(differing) > _MAX_SHOWN:
            lines.append(f"  ... and {len(differing) - _MAX_SHOWN} more parameters of this layer")
    ce = report.counterexample
    if ce is not None:
        lines.append("")
        lines.extend(_counterexample_lines(ce))
    if explanation is not None:
        lines.append("")
        lines.extend(arithmetic_lines(explanation))
    if report.equivalent is False:
        lines.append("")
        if report.conditions:
            lines.append("They agree (proven) when:")
            lines.extend(f"  - {c}" for c in report.conditions)
        elif report.conditions_searched:
            lines.append("No condition of the form 'some layers linear' makes them agree.")
        else:
            lines.append("(No condition under which they agree was searched for.)")
    if report.notes:
        lines.append("")
        lines.extend(f"Note: {n}" for n in report.notes)
    return with_legend(lines, report.conventions, report.network.activations)


def with_legend(lines: list[str], conventions: Any, activations: Any = ()) -> str:
    """``lines`` as one text, followed by the legend of the symbols they use
    (:func:`~symbolic_bp.render.legend.legend`)."""
    text = "\n".join(lines).rstrip()
    shown = legend_lines(legend(text, conventions, activations))
    return "\n".join([text, "", *shown]) if shown else text


def _counterexample_lines(ce: Counterexample, where: str = "") -> list[str]:
    lines = [f"Counterexample for {ce.parameter}{where} (exact rational point):"]
    if ce.activations:
        acts = ", ".join(f"{k}(x) = {v}" for k, v in ce.activations.items())
        lines.append(f"  activations: {acts}")
    coords = list(ce.point.items())
    more = ""
    if len(coords) > _MAX_POINT:
        more = f", ... ({len(coords)} values in all; --json lists every one)"
        coords = coords[:_MAX_POINT]
    lines.append("  point: " + ", ".join(f"{k} = {v}" for k, v in coords) + more)
    for name, value in ce.values.items():
        approx = approx_text(ce.approximate[name])
        if ce.exact:
            shown = number_text(value)
            if " ~ " not in shown and "/" in shown:  # an integer needs no decimal beside it
                shown = f"{shown} ~ {approx}"
            lines.append(f"  {name}: Delta {ce.parameter} = {shown}")
        else:
            lines.append(f"  {name}: Delta {ce.parameter} in {value} ~ {approx}")
    if not ce.exact:
        lines.append("  (rigorous enclosures of the exact values: disjoint, so they differ)")
    return lines


def arithmetic_lines(steps: HandSteps) -> list[str]:
    """The counterexample's arithmetic as text: the forward pass, each recipe's signals from
    the output layer down, both updates; every value exact."""
    acts = ", ".join(f"{k}(x) = {v}" for k, v in steps.activations.items())
    lines = [
        f"Step by step (exact arithmetic at the point above{'; ' + acts if acts else ''}):",
        "  forward pass:",
    ]
    for symbol, formula, value in steps.forward:
        if not formula:  # the derivative at the neuron just shown
            lines[-1] += f", {symbol} = {value_text(value)}"
            continue
        lines.append(f"    {symbol} = {formula} = {value_text(value)}")
    for name, rows in steps.signals.items():
        lines.append(f"  {name}'s signals, output layer first:")
        lines.extend(f"    {s} = {f} = {value_text(v)}" for s, f, v in rows)
    lines.append("  the updates:")
    for name, (symbol, formula, value) in steps.updates.items():
        lines.append(f"    {name}: {symbol} = {formula} = {value_text(value)}")
    return lines


#: a counterexample as text lines (used by the check report too)
counterexample_lines = _counterexample_lines


def general_text(proof: GeneralProof) -> str:
    """The readable general proof: verdict, then every step with its equation and check."""
    a, b = proof.conventions
    lines = []
    rows = proof.parameters
    differ = [str(row["name"]) for row in rows if row["status"] == DIFFERS]
    unknown = [str(row["name"]) for row in rows if row["status"] == UNKNOWN]
    if proof.equivalent is True:
        lines.append(f"EQUAL, FOR EVERY NETWORK: {a} and {b} give the same updates (proven).")
    elif proof.equivalent is False:
        failing = next(
            (s for s in proof.steps if s.verdict != EQUAL and s.name != "invariant"), None
        )
        if failing is not None:
            lines.append(
                f"DIFFERENT: the induction relating {a} and {b} fails at the {failing.name}; "
                f"an exact counterexample confirms that the updates differ for {', '.join(differ)}."
            )
        else:
            lines.append(
                f"DIFFERENT: {a} and {b} differ for {', '.join(differ)} (proven by an exact "
                "counterexample)."
            )
    else:
        lines.append(
            f"UNKNOWN: {a} and {b} could be neither proven equal nor refuted for "
            f"{', '.join(unknown)}."
        )
    lines.append(f"Scope: {proof.scope}.")
    lines.append("")
    for n, step in enumerate(proof.steps, start=1):
        mark = "ok " if step.verdict == EQUAL else "FAILS"
        lines.append(f"{n}. [{mark}] {step.name}   ({step.ranges})")
        lines.append(f"     {step.equation}")
        if step.note:
            lines.append(f"     {step.note}")
        if step.verdict != EQUAL and step.residual != 0:
            lines.append(f"     residual (left side minus right side): {sp.sstr(step.residual)}")
    lines.append("")
    lines.append("Parameters: " + "; ".join(f"{row['name']}: {row['status']}" for row in rows))
    lines.extend(f"Note: {n}" for n in proof.notes)
    if proof.counterexample is not None:
        lines.append("")
        lines.extend(_counterexample_lines(proof.counterexample, f" on {proof.instance_network}"))
    if proof.equivalent is False:
        lines.append("")
        if proof.conditions:
            lines.append("They agree (proven by the same induction under the condition) when:")
            lines.extend(f"  - {c}" for c in proof.conditions)
        else:
            lines.append(
                "Neither 'f_m' = 1 for every layer m >= 2' nor 'f_m' = 1 for every layer' makes "
                "them agree."
            )
    return with_legend(lines, proof.conventions) + "\n"
