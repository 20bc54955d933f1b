r"""A counterexample's arithmetic, step by step, so that a student can redo it by hand
(``symbolic-bp prove --explain``).

At the counterexample's point (and with its stand-in activations for generic ones) it lists the
forward pass ``e^l_j = sum_i w^l_{ji} y^{l-1}_i (+ b^l_j)``, ``y^l_j = f_l(e^l_j)``, each
recipe's signals from the output layer down, and both updates of the parameter, every value
exact (a rational, or an exact irrational with its decimal). The two updates are checked
against the certified counterexample before anything is shown: an explanation that disagrees
with the certificate is refused, never printed.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.proof import prove
>>> net = Network.build([1, 1, 1])
>>> report = prove(net, "error_at_update", "delta")
>>> steps = explain(report)
>>> steps.updates["delta"][2] != steps.updates["error_at_update"][2]
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from ..conventions import get_convention, second_letter
from ..derive import derive
from ..errors import InputError, option
from ..model.activations import Activation
from ..parsing import X, parse_expression
from .results import Report

__all__ = ["HandSteps", "explain", "MAX_EXPLAINED_PARAMETERS"]

#: networks above this many parameters are not explained step by step (too long to follow)
MAX_EXPLAINED_PARAMETERS = 200

#: a row: (symbol, formula in the symbols, exact value)
Row = tuple[str, str, sp.Expr]


@dataclass
class HandSteps:
    """The steps of one counterexample: ``activations`` (stand-ins by name), ``point`` (every
    coordinate), ``forward`` rows, ``signals[recipe]`` rows (output layer first) and
    ``updates[recipe]`` (one row: the parameter's update)."""

    parameter: str
    activations: dict[str, str]
    point: dict[str, Fraction]
    forward: list[Row] = field(default_factory=list)
    signals: dict[str, list[Row]] = field(default_factory=dict)
    updates: dict[str, Row] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: every value as exact text, with a decimal where it is not rational."""

        def row(r: Row) -> dict[str, str]:
            return {"symbol": r[0], "formula": r[1], "value": value_text(r[2], 4000)}

        return {
            "parameter": self.parameter,
            "activations": dict(self.activations),
            "point": {k: str(v) for k, v in self.point.items()},
            "forward": [row(r) for r in self.forward],
            "signals": {k: [row(r) for r in rows] for k, rows in self.signals.items()},
            "updates": {k: row(r) for k, r in self.updates.items()},
        }


def value_text(value: sp.Expr, limit: int = 60) -> str:
    """An exact value as text: a rational as ``p/q``; an irrational in its exact form when
    short, always with ``~`` and 12 significant digits."""
    if value.is_Rational:
        return sp.sstr(value)
    exact = sp.sstr(value)
    approx = sp.N(value, 12)
    return f"{exact} ~ {approx}" if len(exact) <= limit else f"~ {approx}"


def _refuse(reason: str) -> InputError:
    return InputError(f"{option('--explain', 'explain()')}: {reason}")


def explain(report: Report) -> HandSteps:
    """The arithmetic of ``report``'s counterexample, step by step.

    **Raises:** :class:`~symbolic_bp.errors.InputError` (one line) where no such explanation
    can be given: no counterexample, more than :data:`MAX_EXPLAINED_PARAMETERS` parameters, a
    batch, or a recipe the certificate's values do not come back from.
    """
    ce = report.counterexample
    net = report.network
    if ce is None:
        raise _refuse("there is no counterexample to explain (the recipes were not refuted)")
    if net.parameter_count > MAX_EXPLAINED_PARAMETERS:
        raise _refuse(
            f"{net.parameter_count} parameters are too many to follow by hand (at most "
            f"{MAX_EXPLAINED_PARAMETERS}); give a smaller --layers"
        )
    if net.objective.batch != 1:
        raise _refuse("a batch is not explained step by step; give one sample")
    try:
        ca, cb = (get_convention(c) for c in report.conventions)
    except InputError:
        raise _refuse("the recipes of this report are not registered by name") from None
    acts = []
    for act in net.activations:
        text = ce.activations.get(act.name)
        if act.is_generic and text is not None:
            expr = parse_expression(text)
            act = Activation(act.name, expr, sp.diff(expr, X), None, False, text, True)
        acts.append(act)
    concrete = net.with_activations(acts)
    known = {_symbol(concrete, k): sp.Rational(v) for k, v in ce.point.items()}
    outputs = _output_names(net)  # formulas read y2_1 where the rules have f_2(e2_1)
    steps = HandSteps(ce.parameter, dict(ce.activations), dict(ce.point))
    for l in range(1, concrete.depth + 1):
        for j in concrete.neurons(l):
            e = concrete.e(l, j)
            known[e] = _value(concrete, concrete.net_input(l, j), known)
            steps.forward.append((e.name, _shown(net.net_input(l, j), outputs), known[e]))
        for j in concrete.neurons(l):
            y = _value(concrete, concrete.y(l, j), known)
            steps.forward.append((f"y{l}_{j}", sp.sstr(net.y(l, j)), y))
            if not concrete.activation(l).is_vector:
                slope = _value(concrete, concrete.fprime(l, j), known)
                steps.forward.append((sp.sstr(net.fprime(l, j)), "", slope))
    for conv, letter in ((ca, ca.letter), (cb, second_letter(ca, cb))):
        shown = derive(net, conv, letter=letter, parameters=[ce.parameter])
        rules = derive(concrete, conv, letter=letter, parameters=[ce.parameter])
        values = dict(known)
        rows: list[Row] = []
        for l in sorted(rules.signal_symbols, reverse=True):
            pairs = zip(
                rules.signal_symbols[l], rules.signal_exprs[l], shown.signal_exprs[l], strict=True
            )
            for s, expr, formula in pairs:
                values[s] = _value(concrete, expr, values)
                rows.append((s.name, _shown(formula, outputs), values[s]))
        steps.signals[conv.name] = rows
        steps.updates[conv.name] = (
            f"Delta {ce.parameter}",
            _shown(shown.update(ce.parameter), outputs),
            _value(concrete, rules.update(ce.parameter), values),
        )
    _verify(steps, ce)
    return steps


def _output_names(net: Any) -> dict[sp.Basic, sp.Symbol]:
    """``{f_l(e{l}_{j}): y{l}_{j}}`` for every neuron whose output is a function application."""
    out: dict[sp.Basic, sp.Symbol] = {}
    for l in range(1, net.depth + 1):
        for j in net.neurons(l):
            y = net.y(l, j)
            if isinstance(y, sp.Function):
                out[y] = sp.Symbol(f"y{l}_{j}", real=True)
    return out


def _shown(expr: sp.Expr, outputs: dict[sp.Basic, sp.Symbol]) -> str:
    """A formula as the student reads it: the outputs as ``y{l}_{j}``."""
    return sp.sstr(sp.sympify(expr).xreplace(outputs))


def _symbol(net: Any, name: str) -> sp.Symbol:
    """The network's own symbol called ``name`` (inputs, targets, parameters, eta)."""
    for s in net.symbols_of_point():
        if s.name == name:
            return s
    return sp.Symbol(name, real=True)


def _value(net: Any, expr: sp.Expr, known: dict[sp.Basic, sp.Expr]) -> sp.Expr:
    """``expr`` at the point: opaque activations written out, every known atom substituted."""
    out = net.unfold(sp.sympify(expr)).xreplace(known)
    return sp.nsimplify(out) if out.is_Float else sp.simplify(out) if out.free_symbols else out


def _verify(steps: HandSteps, ce: Any) -> None:
    """Refuse an explanation whose updates are not the certificate's values."""
    for name, (_, _, value) in steps.updates.items():
        if value.free_symbols:
            raise _refuse(f"the update of {name} did not come down to a number")
        cert = ce.values.get(name)
        if isinstance(cert, Fraction):
            ok = value.is_Rational and Fraction(int(value.p), int(value.q)) == cert
        else:
            approx = ce.approximate.get(name)
            ok = isinstance(approx, float) and abs(float(value) - approx) <= 1e-9 * (
                1 + abs(approx)
            )
        if not ok:
            raise _refuse(f"the arithmetic of {name} does not reproduce the certified value")
