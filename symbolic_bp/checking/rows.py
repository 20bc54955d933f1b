r"""The per-parameter results and per-layer rows of a check, in the shape of ``prove``'s.

A row's ``relation`` says how the code's updates of that layer relate to the gradient's when
one constant does it for the whole row (``code = 2 x gradient``, ``not updated``); a
parameter's ``difference`` is the gradient's update minus the code's in the signal symbols of
the matched convention (taken from the proof of that convention against the gradient, one
sample).

>>> from symbolic_bp.model.network import Network
>>> net = Network.build([1, 1], "sigmoid")
>>> rows = layer_rows(net, [ParameterResult("w1_1_1", 1, "differs")], None)
>>> rows[0].status, rows[0].counts
('differs', {'equal': 0, 'differs': 1, 'unknown': 0})
"""

from __future__ import annotations

import sympy as sp

from ..model.network import Network
from ..proof.results import DIFFERS, EQUAL, MIXED, UNKNOWN, LayerResult, ParameterResult
from .compare import Comparison
from .explain import Explanation
from .report import CheckReport, factor_text

__all__ = ["parameter_results", "layer_rows", "unknown_report"]

_METHODS = {
    EQUAL: "exact (field of neuron atoms)",
    DIFFERS: "certified counterexample",
}


def parameter_results(
    net: Network,
    status: dict[str, str],
    cmp: Comparison,
    recipe: Explanation | None,
    batch: int | None,
    timed_out: bool,
) -> list[ParameterResult]:
    """One result per parameter in the network's order (``unknown`` where nothing was
    settled)."""
    explained: dict[str, ParameterResult] = {}
    if recipe is not None and batch is None and recipe.same_network:
        explained = recipe.differences
    out = []
    for l in range(1, net.depth + 1):
        for name in net.layer_parameter_names(l):
            s = status.get(name, UNKNOWN)
            if s == UNKNOWN:
                method = "time limit" if timed_out else cmp.reasons.get(name, "not settled")
            else:
                method = _METHODS[s]
            f = cmp.factors.get(name)
            ratio = None
            if s == DIFFERS and f is not None and f.r != 0:
                ratio = 1 / f.expr(net.eta)  # gradient / code, as prove's ratio B / A
            mine = explained.get(name)
            diff = mine.raw_difference if mine is not None and s == DIFFERS else None
            group = mine.group if mine is not None else frozenset()
            out.append(ParameterResult(name, l, s, diff, ratio, method, group))
    return out


def _relation(results: list[ParameterResult], cmp: Comparison | None) -> str | None:
    if cmp is None or all(r.status == EQUAL for r in results):
        return None
    factors = {cmp.factors.get(r.name) for r in results}
    if len(factors) != 1:
        return None
    (f,) = factors
    if f is None:
        return None
    if f.r == 0:
        return "not updated: every update of the code is 0"
    return f"code = {factor_text(f)} x gradient"


def layer_rows(
    net: Network, results: list[ParameterResult], cmp: Comparison | None
) -> list[LayerResult]:
    """One row per layer and parameter kind (weights, biases)."""
    groups: dict[tuple[int, str], list[ParameterResult]] = {}
    for r in results:
        groups.setdefault((r.layer, r.name[0]), []).append(r)
    rows = []
    for (l, kind), rs in sorted(groups.items()):
        counts = {EQUAL: 0, DIFFERS: 0, UNKNOWN: 0}
        for r in rs:
            counts[r.status] += 1
        statuses = {r.status for r in rs}
        first = next((r for r in rs if r.status != EQUAL), rs[0])
        rows.append(
            LayerResult(
                l,
                kind,
                len(rs),
                statuses.pop() if len(statuses) == 1 else MIXED,
                counts,
                ", ".join(sorted({r.method for r in rs})),
                _relation(rs, cmp),
                first.raw_difference,
                first.name,
            )
        )
    return rows


def unknown_report(
    net: Network, label: str, reason: str, batch: int | None, lr: object, seconds: float
) -> CheckReport:
    """The report when nothing could be settled (the trace ran out of time)."""
    results = [
        ParameterResult(name, l, UNKNOWN, method="time limit")
        for l in range(1, net.depth + 1)
        for name in net.layer_parameter_names(l)
    ]
    return CheckReport(
        net,
        (label, "gradient"),
        layer_rows(net, results, None),
        notes=[reason],
        seconds=seconds,
        _parameters=results,
        loss=net.loss.name,
        batch=batch,
        lr="eta" if lr is None else sp.sstr(lr),
        function=label.rsplit(":", 1)[-1],
    )
