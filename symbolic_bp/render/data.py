"""Proof results as JSON objects: what ``symbolic-bp prove --json`` prints.

The keys are a contract that scripts rely on (``../shared/design.md``): ``equivalent``,
``conventions``, ``layers`` (per layer and parameter kind), ``parameters`` (per parameter),
``counterexample``, ``conditions``, ``seconds``, and for the general proof ``steps`` and
``scope``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

import sympy as sp

from ..algebra import expansion_terms, size
from ..algebra import tidy as tidy_expression
from ..proof.induction import CLASSES
from ..proof.results import TIDY_PARAMETERS, GeneralProof, GeneralStep, ParameterResult, Report
from .legend import legend
from .notation import mathml

__all__ = [
    "report_json",
    "general_json",
    "parameter_rows",
    "write_report_json",
    "with_symbols",
    "LIST_PARAMETERS",
]

#: networks up to this many parameters list every parameter in the JSON unless told otherwise
LIST_PARAMETERS = 10_000


def parameter_rows(
    report: Report, selection: str | Sequence[str] | None = "all"
) -> Iterator[dict[str, object]]:
    """``{name, status, difference}`` per parameter, generated (not held): ``"all"``, the
    ``selection`` of names, or ``None`` for every parameter of a network of at most
    :data:`LIST_PARAMETERS` parameters and none of a larger one."""
    count = report.network.parameter_count
    tidy = count <= TIDY_PARAMETERS and not report.timed_out  # factoring takes time
    if selection is None:
        selection = "all" if count <= LIST_PARAMETERS else ()
    if selection == "all":
        for r in report.iter_parameters():
            yield _parameter(r, tidy)
        return
    for name in selection:
        yield _parameter(report.result(name), tidy)


def write_report_json(
    report: Report,
    stream: TextIO,
    selection: str | Sequence[str] | None = None,
    indent: int = 2,
    explanation: Any = None,
) -> None:
    """Write :func:`report_json` to ``stream``, the per-parameter rows streamed one per line
    (a network of millions of parameters is never held as one text)."""
    head = report_json(report, parameters=False)
    listed = (
        "all"
        if (
            selection == "all"
            or (selection is None and report.network.parameter_count <= LIST_PARAMETERS)
        )
        else ("selected" if selection else "none")
    )
    head["parameters_listed"] = listed
    if explanation is not None:  # the counterexample's arithmetic (prove --explain)
        head["explanation"] = explanation.to_dict()
    head = with_symbols(head, report.conventions, report.network.activations)
    mark = "\u0000parameters\u0000"
    items = list(head.items())
    at = next(n for n, (k, _) in enumerate(items) if k == "layers") + 1
    items.insert(at, ("parameters", mark))
    text = json.dumps(dict(items), indent=indent)
    before, after = text.split(json.dumps(mark))
    pad = " " * (2 * indent)
    stream.write(before + "[")
    first = True
    for row in parameter_rows(report, selection):
        stream.write(("" if first else ",") + "\n" + pad + json.dumps(row))
        first = False
    stream.write(("" if first else "\n" + " " * indent) + "]" + after + "\n")


#: a difference larger than this (nodes of the expression tree) is not printed in full
MAX_PRINTED_NODES = 3000
#: a difference up to this size is tidied (collected and factored) for the JSON rows
TIDY_NODES = 120
#: a larger difference is multiplied out when that gives at most this many terms
EXPAND_TERMS = 2000


def _parameter(r: ParameterResult, tidy: bool) -> dict[str, object]:
    return {"name": r.name, "status": r.status, "difference": difference_text(r, tidy)}


def difference_text(r: ParameterResult, tidy: bool = True, expand: bool = False) -> str | None:
    """``Delta_B - Delta_A`` as text (tidied when asked), or a note on its size where it is
    too large to read (and to print quickly). With ``expand`` (the few rows a text report
    shows, not every JSON row: that cost seconds on 500 parameters) a large one is
    :func:`multiplied_out`."""
    if r.raw_difference is None:
        return None
    nodes = size(r.raw_difference)
    if nodes > MAX_PRINTED_NODES:
        return f"(an expression of {nodes} nodes, not shown)"
    if not tidy:
        return sp.sstr(r.raw_difference)
    # factoring is the classic cost trap: only small differences are tidied for every row
    if nodes <= TIDY_NODES:
        return sp.sstr(r.difference)
    return sp.sstr(multiplied_out(r.raw_difference, r.group) if expand else r.raw_difference)


def multiplied_out(raw: sp.Expr, group: frozenset = frozenset()) -> sp.Expr:
    """``raw`` multiplied out where that is cheap (at most :data:`EXPAND_TERMS` terms, bounded
    before expanding) and shorter: what cancels then disappears. Two sums over a layer that
    differ in one term, ``eta x (c d_1 w_1 + d_2 w_2 + ...) f' - eta x (d_1 w_1 + d_2 w_2 +
    ...) f'``, become ``(c - 1) eta x d_1 w_1 f'`` (tidied when that is small). Exact algebra.

    >>> d, w = sp.symbols("d1:4"), sp.symbols("w1:4")
    >>> terms = sum(a * b for a, b in zip(d[1:], w[1:]))
    >>> multiplied_out(sp.Symbol("x") * ((d[0] * w[0] / 3 + terms) - (d[0] * w[0] + terms)))
    -2*d1*w1*x/3
    """
    if expansion_terms(raw) > EXPAND_TERMS:
        return raw
    expanded = sp.expand_mul(raw)
    if size(expanded) <= TIDY_NODES:
        return tidy_expression(expanded, group)
    return expanded if size(expanded) < size(raw) else raw


def _objective_json(net: Any) -> dict[str, Any]:
    """The batch, reduction and L2 penalty of a network (nothing for one sample without)."""
    objective = net.objective
    if objective.plain:
        return {}
    return {
        "batch": objective.batch,
        "reduce": objective.reduce.name,
        "l2": sp.sstr(objective.l2),
        "l2_bias": objective.l2_bias,
    }


def report_json(report: Report, parameters: bool = True) -> dict[str, Any]:
    """The JSON object of an instance proof (``parameters=False`` leaves the per-parameter
    rows out, for a caller that streams them)."""
    net = report.network
    out: dict[str, Any] = {
        "equivalent": report.equivalent,
        "conventions": list(report.conventions),
        "network": {
            "layers": list(net.sizes),
            "activations": [a.name for a in net.activations],
            "loss": net.loss.name,
            "bias": net.bias,
            **_objective_json(net),
        },
        "layers": [row.to_dict() for row in report.layers],
    }
    if parameters:
        out["parameters"] = list(parameter_rows(report))
    out.update(
        {
            "counterexample": None
            if report.counterexample is None
            else report.counterexample.to_dict(),
            "conditions": list(report.conditions),
            "relations": [str(r) for r in report.relations],
            "notes": list(report.notes),
            "seconds": round(report.seconds, 3),
        }
    )
    return with_symbols(out, report.conventions, net.activations)


def with_symbols(out: dict[str, Any], conventions: Any, activations: Any = ()) -> dict[str, Any]:
    """``out`` with the key ``symbols``: ``{family: meaning}`` for every family of symbols its
    values use (:func:`~symbolic_bp.render.legend.legend`; a streamed report's per-parameter
    rows use the families of its per-layer rows)."""
    text = json.dumps({k: v for k, v in out.items() if k not in ("symbols", "conventions")})
    return {**out, "symbols": legend(text, conventions, activations)}


def _step(step: GeneralStep) -> dict[str, object]:
    return {
        "name": step.name,
        "equation": step.equation,
        "latex": step.latex,
        "mathml": mathml(step.latex, "inline"),
        "ranges": step.ranges,
        "verdict": step.verdict,
        "residual": None if step.verdict == "equal" else sp.sstr(step.residual),
        "note": step.note,
    }


#: a parameter count of the general proof by layer role and kind, as text
_GENERAL_COUNTS = {
    ("output", "w"): "n[L]*n[L-1]",
    ("output", "b"): "n[L]",
    ("hidden", "w"): "n[l]*n[l-1] in each layer l",
    ("hidden", "b"): "n[l] in each layer l",
}


def _general_layer(row: dict[str, Any]) -> dict[str, Any]:
    """A parameter class of the general proof in the shape of an instance's ``layers`` row,
    with the layer and count as symbolic text (``"L"``, ``"1..L-1"``, ``"n[L]*n[L-1]"``)."""
    _label, role, kind = CLASSES[str(row["key"])]
    return {
        "layer": "L" if role == "output" else "1..L-1",
        "kind": kind,
        "count": _GENERAL_COUNTS[(role, kind)],
        "status": row["status"],
        "method": row["method"],
        "relation": None,
        "difference": row["difference"],
        "representative": str(row["name"]).split(" ")[0],
    }


def general_json(proof: GeneralProof) -> dict[str, Any]:
    """The JSON object of ``symbolic-bp prove --general --json``."""
    out = {
        "equivalent": proof.equivalent,
        "conventions": list(proof.conventions),
        "general": True,
        "scope": proof.scope,
        "layers": [_general_layer(row) for row in proof.parameters],
        "parameters": [{k: v for k, v in row.items() if k != "key"} for row in proof.parameters],
        "counterexample": None
        if proof.counterexample is None
        else {**proof.counterexample.to_dict(), "network": proof.instance_network},
        "conditions": list(proof.conditions),
        "steps": [_step(s) for s in proof.steps],
        "notes": list(proof.notes),
        "seconds": round(proof.seconds, 3),
    }
    out = with_symbols(out, proof.conventions)
    return out
