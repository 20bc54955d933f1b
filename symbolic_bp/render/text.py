"""The readable report of ``symbolic-bp prove``: the verdict first, then layer by layer what
agrees and what differs and why, then the counterexample and the condition."""

from __future__ import annotations

from collections import defaultdict

import sympy as sp

from ..general import GeneralProof
from ..prove import DIFFERS, EQUAL, UNKNOWN, Counterexample, Report

__all__ = ["report_text", "general_text"]

_MAX_SHOWN = 2
_MAX_POINT = 24  # coordinates of a counterexample's point shown in the text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report_text(report: Report) -> str:
    """The report as plain text (deterministic: no timings unless asked)."""
    a, b = report.conventions
    net = report.network
    counts = report.counts()
    total = len(report.parameters)
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
        if net.is_generic
        else ""
    )
    lines.append(f"Network: {net.describe()}{generic}.")
    lines.append("")
    by_layer: dict[int, list] = defaultdict(list)
    for r in report.parameters:
        by_layer[r.layer].append(r)
    rel_by_layer: dict[int, list] = defaultdict(list)
    for rel in report.relations:
        rel_by_layer[rel.layer].append(rel)
    for l in range(net.depth, 0, -1):
        rs = by_layer[l]
        role = "output layer" if l == net.depth else "hidden layer"
        status = {r.status for r in rs}
        verdict = (
            "equal"
            if status == {EQUAL}
            else "differ"
            if status == {DIFFERS}
            else ", ".join(
                f"{sum(r.status == s for r in rs)} {s}"
                for s in (EQUAL, DIFFERS, UNKNOWN)
                if any(r.status == s for r in rs)
            )
        )
        lines.append(f"Layer {l} ({role}, {_plural(len(rs), 'parameter')}): {verdict}.")
        rels = rel_by_layer[l]
        if rels:
            shown = "; ".join(str(r) for r in rels[:_MAX_SHOWN])
            more = f" (and {len(rels) - _MAX_SHOWN} more)" if len(rels) > _MAX_SHOWN else ""
            lines.append(f"  signals: {shown}{more}")
        elif l < net.depth or status != {EQUAL}:
            lines.append("  signals: no proportional relation; compared through the layer above")
        differing = [r for r in rs if r.status != EQUAL and r.difference is not None]
        for r in differing[:_MAX_SHOWN]:
            lines.append(f"  {r.name}: {b} - {a} = {sp.sstr(r.difference)}")
            if r.ratio is not None:
                lines.append(f"  {r.name}: {b} / {a} = {sp.sstr(r.ratio)}")
        if len(differing) > _MAX_SHOWN:
            lines.append(f"  ... and {len(differing) - _MAX_SHOWN} more parameters of this layer")
    ce = report.counterexample
    if ce is not None:
        lines.append("")
        lines.extend(_counterexample_lines(ce))
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
    return "\n".join(lines)


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
        approx = f"{ce.approximate[name]:.10g}"
        if ce.exact:
            exact = sp.sstr(value)
            shown = exact if len(exact) <= 60 else f"(a rational of {len(exact)} characters)"
            lines.append(f"  {name}: Delta {ce.parameter} = {shown} ~ {approx}")
        else:
            lines.append(f"  {name}: Delta {ce.parameter} in {value} ~ {approx}")
    if not ce.exact:
        lines.append("  (rigorous enclosures of the exact values: disjoint, so they differ)")
    return lines


def general_text(proof: GeneralProof) -> str:
    """The readable general proof: verdict, then every step with its equation and check."""
    a, b = proof.conventions
    lines = []
    scope = (
        "every depth L, all widths n[l], every differentiable activation f_l, the losses "
        "half_sse, sse and cross_entropy, with biases (without them the bias steps drop out)"
    )
    if proof.equivalent is True:
        lines.append(f"EQUAL, FOR EVERY NETWORK: {a} and {b} give the same updates (proven).")
    elif proof.equivalent is False:
        failing = next(s for s in proof.steps if s.verdict != EQUAL and s.name != "invariant")
        lines.append(
            f"DIFFERENT: the induction relating {a} and {b} fails at the {failing.name}; "
            "an exact counterexample confirms that the updates differ."
        )
    else:
        lines.append(
            f"UNKNOWN: a step of the induction relating {a} and {b} fails, but no "
            "counterexample was found."
        )
    lines.append(f"Scope: {scope}.")
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
    lines.append(
        "Parameters: " + "; ".join(f"{row['name']}: {row['status']}" for row in proof.parameters)
    )
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
    return "\n".join(lines).rstrip() + "\n"
