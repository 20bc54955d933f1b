r"""The report of ``symbolic-bp check``: text, JSON and documents.

The text leads with the verdict against the gradient and what the code *is* (the conventions
it matches, a constant factor and what it usually means), then the layers, the proof of the
matched convention against the gradient (its relations and conditions say where and why the
code differs), the counterexample and the notes. The JSON is ``prove``'s (``equivalent``
refers to the gradient) plus ``matches``, ``similar``, ``factor``, ``loss`` and the setting.

>>> import numpy as np
>>> from symbolic_bp.checking import check
>>> from symbolic_bp.model.network import Network
>>> def step(params, x, t, lr):
...     params["W1"] += lr * np.outer(t - params["W1"] @ x, x)
>>> print(check_text(check(step, Network.build([2, 1], "identity"))).splitlines()[0])
EQUAL: step is the gradient of half_sse for all 2 parameters (proven).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..checking.report import CheckReport
from ..proof.results import DIFFERS, EQUAL, UNKNOWN
from .data import difference_text, report_json, with_symbols
from .derivation import report_document
from .document import Code, Document, Heading, Items, Para
from .text import counterexample_lines, with_legend

__all__ = ["check_text", "check_json", "write_check_json", "check_document"]


def _headline(report: CheckReport) -> str:
    code = report.conventions[0]
    counts = report.counts()
    total = sum(counts.values())
    penalty = report.network.objective.describe()  # the L2 penalty (check's batch is apart)
    target = (
        f"the gradient of {report.loss}"
        + (f" with {penalty}" if penalty else "")
        + (f" (the mean over {report.batch} samples)" if report.batch else "")
    )
    if report.equivalent is True:
        return f"EQUAL: {code} is {target} for all {total} parameters (proven)."
    if report.equivalent is False:
        rest = f", {counts[UNKNOWN]} unknown." if counts[UNKNOWN] else "."
        return (
            f"DIFFERENT: {code} differs from {target} for {counts[DIFFERS]} of {total} "
            f"parameters (proven by a counterexample); {counts[EQUAL]} equal{rest}"
        )
    return (
        f"UNKNOWN: for {counts[UNKNOWN]} of {total} parameters {code} could be neither proven "
        f"equal to {target} nor refuted (the notes say why); {counts[EQUAL]} equal."
    )


def _what_it_is(report: CheckReport) -> list[str]:
    lines = []
    if report.matches:
        first, *others = report.matches
        also = f" (also {', '.join(others)})" if others else ""
        name = "the gradient step" if first == "gradient" else first
        lines.append(f"The code is {name}{also}: proven equal for every parameter.")
    else:
        lines.append("No registered convention is proven equal to the code.")
    if report.factor is not None:
        lines.append(f"Every update is {report.factor} x the gradient's:")
        lines.extend(f"  - {name}" for name in report.factor_names)
    similar = {k: v for k, v in report.similar.items() if k != "gradient"}
    if similar:
        shown = ", ".join(f"{k} (x{v})" for k, v in similar.items())
        lines.append(f"Up to one constant factor it is: {shown}.")
    lines.extend(f"Hint: {hint}." for hint in report.hints)
    return lines


def _setting(report: CheckReport) -> str:
    batch = "one sample" if not report.batch else f"a batch of {report.batch} samples"
    return f"Network: {report.network.describe()}; {batch}; learning rate {report.lr}."


def _layers(report: CheckReport) -> list[str]:
    net = report.network
    lines = []
    for l in range(net.depth, 0, -1):
        rows = [r for r in report.layers if r.layer == l]
        counts = {s: sum(r.counts[s] for r in rows) for s in (EQUAL, DIFFERS, UNKNOWN)}
        size = sum(counts.values())
        role = "output layer" if l == net.depth else "hidden layer"
        present = [s for s in (EQUAL, DIFFERS, UNKNOWN) if counts[s]]
        verdict = {EQUAL: "equal to the gradient", DIFFERS: "differs", UNKNOWN: "unknown"}
        text = (
            verdict[present[0]]
            if len(present) == 1
            else ", ".join(f"{counts[s]} {s}" for s in present)
        )
        lines.append(f"Layer {l} ({role}, {size} parameter{'s' * (size != 1)}): {text}.")
        for row in rows:
            if row.relation:
                kind = "weights" if row.kind == "w" else "biases"
                lines.append(f"  {kind}: {row.relation}")
    return lines


#: a difference longer than this is not printed in the text (the JSON has it)
_SHORT = 240


def _recipe(report: CheckReport) -> list[str]:
    """How the matched convention differs from the gradient, layer by layer: the relation of
    the signals, one short difference, the conditions."""
    recipe = report.recipe
    assert recipe is not None
    name = recipe.convention
    generic = recipe.network.is_generic
    scope = " for every differentiable activation f_l" if generic else ""
    per = ", per sample" if report.batch else ""
    if not recipe.same_network:
        sizes = "-".join(map(str, recipe.network.sizes))
        per += f", shown on the {sizes} network of the same depth"
    lines = [f"How {name} differs from the gradient ({name} vs gradient{scope}{per}):"]
    for l in range(recipe.network.depth, 0, -1):
        rels = [rel for rel in recipe.relations if rel.layer == l]
        differs = recipe.layer_differences(l)
        if not rels and not differs:
            continue
        lines.append(f"  Layer {l}:")
        if rels:
            more = f" (and {len(rels) - 2} more)" if len(rels) > 2 else ""
            lines.append(f"    signals: {'; '.join(str(r) for r in rels[:2])}{more}")
        elif differs:
            lines.append("    signals: no proportional relation; compared through the layer above")
        for r in differs:
            text = difference_text(r)
            if text is not None and len(text) <= _SHORT:
                lines.append(f"    {r.name}: gradient - {name} = {text}")
    if recipe.conditions:
        lines.append("  They agree (proven) when:")
        lines.extend(f"    - {c}" for c in recipe.conditions)
    elif recipe.conditions_searched:
        lines.append("  No condition of the form 'some layers linear' makes them agree.")
    return lines


def check_text(report: CheckReport) -> str:
    """The check report as plain text (deterministic: no timings)."""
    lines = [_headline(report), *_what_it_is(report), _setting(report), ""]
    lines += _layers(report)
    if report.recipe is not None:
        lines += ["", *_recipe(report)]
    if report.counterexample is not None:
        lines.append("")
        lines += counterexample_lines(report.counterexample)
    if report.equivalent is False and report.conditions and report.recipe is None:
        lines += ["", "It agrees (proven) when:", *(f"  - {c}" for c in report.conditions)]
    if report.output:
        shown = report.output.strip().splitlines()
        lines += ["", f"The code printed {len(shown)} line{'s' * (len(shown) != 1)} while traced."]
    if report.notes:
        lines += ["", *(f"Note: {n}" for n in report.notes)]
    recipes = ("gradient",) if report.recipe is None else (report.recipe.convention, "gradient")
    return with_legend(lines, recipes, report.network.activations) + "\n"


def _extra(report: CheckReport) -> dict[str, Any]:
    return {
        "matches": list(report.matches),
        "similar": dict(report.similar),
        "factor": report.factor,
        "factor_names": list(report.factor_names),
        "loss": report.loss,
        "batch": report.batch,
        "lr": report.lr,
        "source": report.source,
        "function": report.function,
        "recipe": None if report.recipe is None else report.recipe.convention,
        "hints": list(report.hints),
    }


def check_json(report: CheckReport) -> dict[str, Any]:
    """The JSON object of ``symbolic-bp check --json``."""
    out = report_json(report)
    out.update(_extra(report))
    recipes = ("gradient",) if report.recipe is None else (report.recipe.convention, "gradient")
    return with_symbols(out, recipes, report.network.activations)


def write_check_json(report: CheckReport, stream: TextIO) -> None:
    """Write :func:`check_json` to ``stream``."""
    stream.write(json.dumps(check_json(report), indent=2) + "\n")


def check_document(report: CheckReport) -> Document:
    """The check report as a document (LaTeX, MathML, Markdown, HTML, JSON)."""
    title = f"{report.conventions[0]} against the gradient"
    doc = report_document(report, title)
    head = [Para(_headline(report)), *(Para(line) for line in _what_it_is(report))]
    doc.blocks[:2] = [*head, Para(_setting(report))]
    if report.recipe is not None:
        lines = _recipe(report)
        doc.blocks.append(Heading(lines[0].rstrip(":")))
        doc.blocks.append(Code("\n".join(line[2:] for line in lines[1:])))
    if report.matches:
        doc.blocks.append(Heading("Matches"))
        doc.blocks.append(Items(tuple(report.matches)))
    doc.data = {k: v for k, v in check_json(report).items() if k != "seconds"}
    return doc
