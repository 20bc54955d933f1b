r"""Optimizer proofs and recurrences as text and documents (what ``prove --optimizers`` and
``derive --optimizer`` print). Reads :mod:`symbolic_bp.optim` results; never the reverse.

>>> from symbolic_bp.optim import prove_optimizers
>>> text = optimizer_text(prove_optimizers("momentum", "momentum_lr_inside"))
>>> print(text.splitlines()[0].replace(" give", "\ngive"))
EQUAL: momentum and momentum_lr_inside
give the same parameter after each of 3 steps (proven for every loss).
>>> doc = recurrence_document("momentum")
>>> [b.latex for b in doc.blocks if isinstance(b, Math)][:2]
['g_{t} = \\nabla L\\left(p_{t-1}\\right)', 'v_{t} = g_{t} + \\mu v_{t-1}']
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..errors import InputError
from ..optim.hyper import DOMAINS, hyperparameter
from ..optim.recipes import Optimizer, get_optimizer
from ..optim.recurrence import Recurrence, recurrence
from ..optim.results import EntryResult, OptimizerCounterexample, OptimizerReport
from ..optim.setting import CONSTANT
from ..proof.results import DIFFERS, EQUAL, UNKNOWN
from .document import Code, Document, Heading, Math, Para, Table
from .notation import NotationPrinter
from .text import approx_text, number_text

__all__ = ["optimizer_text", "optimizer_document", "recurrence_document", "optimizer_latex"]

_SHOWN_ENTRIES = 1
_MAX_POINT_TEXT = 100
_MAX_DIFFERENCE_TEXT = 300


def optimizer_latex(expr: sp.Expr) -> str:
    """``expr`` in LaTeX with the hyperparameters' own symbols (``lr`` as ``\\eta``)."""
    names: dict[sp.Basic, str] = {}
    for s in sp.sympify(expr).free_symbols:
        base, _, step = s.name.partition("_")
        try:
            info = hyperparameter(base)
        except InputError:  # p_{t-1}, g_t: reserved names, printed as they are
            continue
        if s.name == base or (base == "lr" and step):
            names[s] = info.latex + (f"_{{{step}}}" if step else "")
    printer = NotationPrinter({"mul_symbol": None, "symbol_names": names})
    return str(printer.doprint(expr))


def _verdict(report: OptimizerReport) -> str:
    a, b = report.optimizers
    n = report.setting.steps
    statuses = [s.status for s in report.steps]
    if report.equivalent is True:
        return (
            f"EQUAL: {a} and {b} give the same parameter after each of {n} step"
            f"{'s' * (n != 1)} (proven for every loss)."
        )
    if report.equivalent is False:
        first = report.first_difference()
        same = [str(s.step) for s in report.steps if s.status == EQUAL]
        tail = f"; step{'s' * (len(same) > 1)} {', '.join(same)} equal" if same else ""
        unknown = statuses.count(UNKNOWN)
        more = f"; {unknown} step{'s' * (unknown > 1)} unknown" if unknown else ""
        return (
            f"DIFFERENT: {a} and {b} differ from step {first} on (proven by an exact "
            f"counterexample){tail}{more}."
        )
    return (
        f"UNKNOWN: {a} and {b} could be neither proven equal nor refuted at "
        f"{statuses.count(UNKNOWN)} of {n} steps within the limits."
    )


def optimizer_text(report: OptimizerReport) -> str:
    """The report as plain text: verdict, step by step, counterexample, conditions."""
    a, b = report.optimizers
    s = report.setting
    lines = [_verdict(report)]
    symbols = ", ".join(sym.name for sym in s.free_symbols())
    lines.append(
        f"Setting: {s.describe()}; the gradients are symbols, so this holds for every loss"
        + (f" and every value of {symbols}." if symbols else ".")
    )
    lines.append("")
    for step in report.steps:
        word = {EQUAL: "equal", DIFFERS: "differ", UNKNOWN: "unknown"}[step.status]
        lines.append(f"Step {step.step}: {word}.")
        open_ = [e for e in step.entries if e.status != EQUAL]
        for e in open_[:_SHOWN_ENTRIES]:
            text = e.difference_text() or ""
            if len(text) > _MAX_DIFFERENCE_TEXT:
                text = f"(an expression of {len(text)} characters; --json shows it)"
            lines.append(f"  {e.name}: {b} - {a} = {text}")
        if len(open_) > _SHOWN_ENTRIES:
            more = len(open_) - _SHOWN_ENTRIES
            lines.append(f"  ... and {more} more entr{'y' if more == 1 else 'ies'} of this step")
    if report.gradients:
        lines.append("")
        lines.append("Gradients (symbols; points proven equal share them):")
        for symbols_, point, who, t in report.gradients:
            where = f"({point})" if len(point) <= _MAX_POINT_TEXT else "(a long expression)"
            lines.append(f"  {symbols_} = grad L at {where}, asked by {who} at step {t}")
    if report.counterexample is not None:
        lines.append("")
        lines.extend(_counterexample_lines(report.counterexample))
    lines.extend(_condition_lines(report))
    if report.notes:
        lines.append("")
        lines.extend(f"Note: {n}" for n in report.notes)
    return "\n".join(lines)


def _counterexample_lines(ce: OptimizerCounterexample) -> list[str]:
    a, b = ce.optimizers
    kind = "exact rationals" if ce.exact else "rigorous enclosures of the exact values"
    lines = [f"Counterexample at {ce.parameter} ({kind}):"]
    lines.append(f"  loss: L(p) = {ce.loss}; gradient: ({', '.join(ce.gradient)})")
    lines.append("  start: " + ", ".join(f"{k} = {v}" for k, v in ce.start.items()))
    if ce.hyperparameters:
        hyper = ", ".join(f"{k} = {v}" for k, v in ce.hyperparameters.items())
        lines.append(f"  hyperparameters: {hyper}")
    for name, value in ce.values.items():
        shown = number_text(value)
        approx = approx_text(ce.approximate[name])
        if isinstance(value, Fraction) and " ~ " not in shown:
            shown = f"{shown} ~ {approx}"
        lines.append(f"  {name}: {ce.parameter} = {shown}")
    lines.append(f"  entry {ce.coordinate} of the parameter, step by step:")
    for t, va, vb in ce.trajectory:
        cell_a = "?" if va is None else number_text(va, 40)
        cell_b = "?" if vb is None else number_text(vb, 40)
        lines.append(f"    step {t}: {a} {cell_a}  |  {b} {cell_b}")
    return lines


_ANY_FACTOR = "for any number c"


def _condition_lines(report: OptimizerReport) -> list[str]:
    if report.equivalent is not False:
        return []
    lines = [""]
    if report.conditions:
        lines.append("They agree (proven: the proof re-run under the condition) when:")
        lines.extend(f"  - {c}" for c in report.conditions)
    elif report.conditions_searched and report.searched:
        lines.append("No condition searched makes them agree.")
    elif report.conditions_searched:
        lines.append(
            "(No candidate condition applies: they are a constant rate, h = 0 and relations "
            "between the recipes' own hyperparameters, for hyperparameters not given as numbers.)"
        )
        return lines
    else:
        lines.append("(No condition under which they agree was searched for.)")
        return lines
    refuted = [
        c.condition
        for c in report.searched
        if c.status == DIFFERS and not c.condition.endswith(_ANY_FACTOR)
    ]
    single = [c for c in refuted if " and " not in c]
    pairs = len(refuted) - len(single)
    if refuted:
        text = "; ".join(single) + (f"; and {pairs} pairs of relations" if pairs else "")
        lines.append(
            f"Refuted by a counterexample under the condition: {text} (--json lists each)."
        )
    for c in report.searched:
        if c.condition.endswith(_ANY_FACTOR):
            verdict = "refuted" if c.status == DIFFERS else c.status
            lines.append(f"Searched {c.condition}: {verdict}: {c.note}.")
    return lines


def optimizer_document(report: OptimizerReport) -> Document:
    """The proof as a :class:`~symbolic_bp.render.document.Document` (``prove --format``)."""
    a, b = report.optimizers
    doc = Document(f"{a} and {b} over {report.setting.steps} steps", data=report.to_dict())
    doc.blocks.append(Para(_verdict(report)))
    doc.blocks.append(Para(f"Setting: {report.setting.describe()}."))
    rows = []
    for step in report.steps:
        first = next((e for e in step.entries if e.status != EQUAL), None)
        diff = "" if first is None or first.difference is None else _small_latex(first)
        rows.append((str(step.step), step.status, diff))
    doc.blocks.append(Heading("Step by step"))
    header = ("step", "status", f"first entry: {b} - {a}")
    doc.blocks.append(Table(header, tuple(rows), (False, False, True)))
    doc.blocks.append(Heading("The proof as the command line prints it"))
    doc.blocks.append(Code(optimizer_text(report)))
    return doc


def _small_latex(entry: EntryResult) -> str:
    diff = entry.tidied()
    if diff is None or sp.count_ops(diff) > 200:
        return ""
    return optimizer_latex(diff)


def recurrence_document(optimizer: str | Optimizer, schedule: str = CONSTANT) -> Document:
    """The recurrence of ``optimizer`` as a document (``derive --optimizer``)."""
    opt = get_optimizer(optimizer)
    rec = recurrence(opt, schedule)
    doc = Document(f"The {opt.name} optimizer", data={"optimizer": opt.name})
    doc.blocks.append(Para(f"{opt.name}: {opt.description}."))
    if opt.source:
        doc.blocks.append(Para(f"Source: {opt.source}."))
    doc.blocks.append(Heading("Hyperparameters"))
    rows = tuple(
        (h.name, h.latex, h.meaning, DOMAINS[h.domain][0].format(name=h.name))
        for h in opt.hyper_info()
    )
    doc.blocks.append(Table(("name", "symbol", "meaning", "domain"), rows, (False, True)))
    doc.blocks.append(Heading("Step t = 1, 2, ... (entry by entry)"))
    doc.blocks.extend(_recurrence_blocks(rec))
    doc.blocks.append(Heading("Start"))
    start = [Math(f"{optimizer_latex(s)} = {optimizer_latex(v)}") for s, v in rec.initial]
    doc.blocks.extend(start or [Para("No state: the parameter alone.")])
    doc.blocks.append(
        Para(
            "g_t is the gradient of the loss L at the point shown; an update is p_t - p_{t-1}."
            + (" The rate of step t is lr_t." if schedule != CONSTANT else "")
        )
    )
    return doc


def _recurrence_blocks(rec: Recurrence) -> list[Math]:
    out = [
        Math(f"{optimizer_latex(g)} = \\nabla L\\left({optimizer_latex(point)}\\right)")
        for g, point in rec.gradients
    ]
    out += [Math(f"{optimizer_latex(s)} = {optimizer_latex(e)}") for s, e in rec.states]
    out.append(Math(f"{optimizer_latex(rec.new)} = {optimizer_latex(rec.param)}"))
    if rec.observed is not None:
        out.append(Math(optimizer_latex(rec.observed), "Compared after each step:"))
    return out
