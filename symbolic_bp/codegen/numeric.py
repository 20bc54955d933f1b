r"""Numbers from the symbolic rules: one update step, finite differences.

:func:`compile_rules` turns structured :class:`~symbolic_bp.derive.UpdateRules` into a straight
Python/NumPy function by printing every assignment (``e^l_j``, the loss, every signal, every
update) with SymPy's NumPy printer, in dependency order, so one step costs what the rules cost
and nothing is expanded.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.derive import derive
>>> net = Network.build([2, 2, 1], "sigmoid")
>>> step = compile_rules(derive(net, "gradient"))
>>> params = {name: 0.5 for name in net.parameter_names()}
>>> loss, new = step(params, [0.05, 0.10], [0.01], 0.5)
>>> round(loss, 6), round(new["w2_1_1"], 6)
(0.190254, 0.462576)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import sympy as sp

from ..conventions import tidy_output_signal
from ..derive import UpdateRules, derive
from ..errors import InputError, option
from ..model.lemma import through_output
from ..model.network import Network
from .evaluate import rule_program
from .printers import printer

__all__ = [
    "compile_rules",
    "StepFunction",
    "numeric_loss",
    "check_numeric",
    "require_concrete",
    "program_source",
]

StepFunction = Callable[[Mapping[str, float], Any, Any, float], tuple[float, dict[str, float]]]


def require_concrete(net: Network, what: str) -> None:
    """Refuse a generic activation, or a symbolic L2 coefficient, where numbers are needed."""
    if isinstance(net.objective.l2, sp.Symbol):
        hint = option("--l2 0.001", "l2=0.001")
        raise InputError(
            f"{what} needs a number for {option('--l2', 'l2')}, not the symbol "
            f"{net.objective.l2}; pass e.g. {hint}"
        )
    for l, act in enumerate(net.activations, start=1):
        if act.is_generic:
            hint = option("--activation sigmoid", "activation='sigmoid'")
            raise InputError(
                f"{what} needs concrete activations, but layer {l} is generic ({act.name} has no "
                f"numeric form); pass e.g. {hint}"
            )


def program_source(
    rules: UpdateRules,
    scalar: bool = False,
    name: str = "_step",
    outputs: bool = False,
) -> tuple[str, list[sp.Symbol], list[sp.Symbol]]:
    """Source of ``def _step(x..., t..., params..., eta)`` returning the loss and every update:
    the rule program of :func:`~symbolic_bp.codegen.evaluate.rule_program`, printed (NumPy
    functions, or with ``scalar`` the ``math`` module's).

    With ``outputs``, every ``y^l_j = f_l(e^l_j)`` is computed once and ``f_l'(e^l_j)`` is
    written through it as ``g_l(y^l_j)`` where the activation has such a form (exact, since
    ``g(f(x)) = f'(x)``); the loss keeps ``f_L(e)`` where it takes a logarithm (safe forms)."""
    net = rules.network
    program = rule_program(rules)
    y_syms: dict[sp.Symbol, sp.Symbol] = {}
    shared: dict[sp.Expr, sp.Symbol] = {}  # a softmax layer's LogSumExp, computed once

    def y_of(l: int, arg: sp.Expr) -> sp.Expr | None:
        return y_syms.get(arg) if outputs else None

    def through(expr: sp.Expr) -> sp.Expr:
        expr = through_output(expr, net.activations, y_of) if y_syms else expr
        return expr.xreplace(shared) if shared else expr

    assignments = _forward(net, through, y_syms, shared, outputs)
    loss_sym = sp.Symbol("__loss")
    loss = net.objective_loss()
    assignments.append((loss_sym, loss.xreplace(shared) if loss.has(sp.log) else through(loss)))
    outputs_of = _output_neurons(rules)
    net_inputs = net.objective.batch * sum(net.sizes[1:])  # the program's first steps
    for sym, expr in program.steps[net_inputs:]:
        if sym in outputs_of:
            # the shortest exact form of an output signal avoids 0/0 at saturation
            # (cross-entropy written as -dE/dy times f'(e); t/y times y under a softmax)
            expr = tidy_output_signal(*outputs_of[sym], expr)
        assignments.append((sym, through(expr)))
    params = list(program.updates)
    update_syms = [sp.Symbol(f"__delta_{p.name}") for p in params]
    assignments += [
        (u, through(program.updates[p])) for u, p in zip(update_syms, params, strict=True)
    ]

    views = net.views()
    inputs = [v.x(i) for v in views for i in net.neurons(0)]
    inputs += [v.t(j) for v in views for j in net.neurons(net.depth)]
    inputs += [*params, net.eta]
    names: dict[sp.Symbol, sp.Symbol] = {}
    for k, s in enumerate([*inputs, *(a for a, _ in assignments)]):
        names.setdefault(s, sp.Symbol(f"v{k}"))
    pr = printer(math=scalar)
    body = [f"    {names[s].name} = {pr.doprint(e.xreplace(names))}" for s, e in assignments]
    args = ", ".join(names[s].name for s in inputs)
    outs = ", ".join(names[u].name for u in update_syms)
    source = "\n".join(
        [f"def {name}({args}):", *body, f"    return {names[loss_sym].name}, [{outs}]"]
    )
    return source, inputs, params


def _forward(
    net: Network,
    through: Callable[[sp.Expr], sp.Expr],
    y_syms: dict[sp.Symbol, sp.Symbol],
    shared: dict[sp.Expr, sp.Symbol],
    outputs: bool,
) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The forward pass of every sample: net inputs, a softmax layer's ``LSE`` once, and with
    ``outputs`` every layer's outputs once."""
    out: list[tuple[sp.Symbol, sp.Expr]] = []
    for v in net.views():
        tag = "" if v.sample is None else f"s{v.sample}"
        for l in range(1, net.depth + 1):
            out += [(v.e(l, j), through(v.net_input(l, j))) for j in net.neurons(l)]
            if net.activations[l - 1].is_vector:
                lse = v.logsumexp(l, partial(v.e, l))
                shared[lse] = sp.Symbol(f"__lse{l}{tag}")
                out.append((shared[lse], lse))
            if outputs and v.y(l, 1) != v.e(l, 1):
                for j in net.neurons(l):  # the layer is complete: its outputs, once
                    y = sp.Symbol(f"__y{l}_{j}{tag}")
                    out.append((y, through(v.y(l, j))))
                    y_syms[v.e(l, j)] = y
    return out


def _output_neurons(rules: UpdateRules) -> dict[sp.Symbol, tuple[Network, int]]:
    """``{signal symbol: (sample's view, neuron)}`` of the output layer."""
    net = rules.network
    n = net.sizes[-1]
    views = net.views()
    return {
        sym: (views[at // n], at % n + 1)
        for at, sym in enumerate(rules.signal_symbols.get(net.depth, ()))
    }


def compile_rules(rules: UpdateRules) -> StepFunction:
    """A function ``step(params, x, t, lr) -> (loss, new_params)`` from the rules.

    ``params`` maps every parameter name (``w2_1_3``, ``b1_2``) to a float; ``loss`` is the loss
    *before* the step and ``new_params[name] = params[name] + Delta name``.
    """
    net = rules.network
    require_concrete(net, "a numeric step")
    source, _inputs, params = program_source(rules)
    namespace: dict[str, object] = {"numpy": np}
    exec(compile(source, f"<symbolic_bp step {rules.convention.name}>", "exec"), namespace)  # noqa: S102 - code printed by SymPy from parsed trees, no user text
    fn = namespace["_step"]
    names = [p.name for p in params]

    def step(
        values: Mapping[str, float], x: Any, t: Any, lr: float
    ) -> tuple[float, dict[str, float]]:
        xs = _samples(x, net, net.sizes[0], option("--input", "x"), "inputs")
        ts = _samples(t, net, net.sizes[-1], option("--target", "t"), "outputs")
        _require_parameters(values, names)
        try:
            with np.errstate(all="raise", under="ignore"):
                loss, deltas = fn(*xs, *ts, *(values[n] for n in names), lr)  # type: ignore[operator]
        except FloatingPointError as exc:
            raise InputError(
                f"convention {rules.convention.name!r}: {exc} at this point (its formulas are "
                "not finite there in float64)"
            ) from None
        new = {n: float(values[n] + d) for n, d in zip(names, deltas, strict=True)}
        return float(loss), new

    return step


def _require_parameters(values: Mapping[str, float], names: Sequence[str]) -> None:
    """Refuse parameters given as something else than a mapping, or with a name missing."""
    if not isinstance(values, Mapping):
        raise InputError(
            f"params must map every parameter name (w1_1_1, ...) to a number, got "
            f"{type(values).__name__}"
        )
    missing = [n for n in names if n not in values]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(f"params has no value for parameter {missing[0]!r}{more}")


def _samples(values: Any, net: Network, width: int, name: str, what: str) -> list[float]:
    """The values of every sample in order: ``values`` one sample's (without a batch) or a
    sequence of the batch's samples."""
    batch = net.objective.batch
    rows = [values] if batch == 1 else list(values)
    if len(rows) != batch:
        raise InputError(f"{name} has {len(rows)} samples; the batch has {batch}")
    out: list[float] = []
    for row in rows:
        if len(row) != width:
            raise InputError(f"{name} has {len(row)} values; the network has {width} {what}")
        out += list(row)
    return out


def numeric_loss(
    net: Network,
) -> Callable[[Mapping[str, float], Sequence[float], Sequence[float]], float]:
    """``E(params, x, t)`` as a float function (forward pass only), for finite differences."""
    rules = derive(net, "gradient")
    step = compile_rules(rules)

    def loss(values: Mapping[str, float], x: Sequence[float], t: Sequence[float]) -> float:
        return step(values, x, t, 0.0)[0]

    return loss


def check_numeric(
    net: Network,
    convention: str,
    values: Mapping[str, float],
    x: Sequence[float],
    t: Sequence[float],
    lr: float,
    h: float = 1e-6,
) -> dict[str, tuple[float, float]]:
    """``{name: (Delta from the rules, -lr * central difference of E)}`` for every parameter."""
    step = compile_rules(derive(net, convention))
    loss = numeric_loss(net)
    _, new = step(values, x, t, lr)
    out = {}
    for name in net.parameter_names():
        plus, minus = dict(values), dict(values)
        plus[name] += h
        minus[name] -= h
        fd = (loss(plus, x, t) - loss(minus, x, t)) / (2 * h)
        out[name] = (new[name] - values[name], -lr * fd)
        if not all(math.isfinite(v) for v in out[name]):
            raise InputError(f"non-finite value for {name} at this point")
    return out
