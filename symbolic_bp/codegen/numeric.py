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

import numpy as np
import sympy as sp

from ..conventions import tidy_output_signal
from ..derive import UpdateRules, derive
from ..errors import InputError
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

StepFunction = Callable[
    [Mapping[str, float], Sequence[float], Sequence[float], float], tuple[float, dict[str, float]]
]


def require_concrete(net: Network, what: str) -> None:
    """Refuse a generic activation where numbers are needed."""
    for l, act in enumerate(net.activations, start=1):
        if act.is_generic:
            raise InputError(
                f"{what} needs concrete activations, but layer {l} is generic ({act.name} has no "
                "numeric form); pass e.g. --activation sigmoid"
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

    def y_of(l: int, arg: sp.Expr) -> sp.Expr | None:
        return y_syms.get(arg) if outputs else None

    def through(expr: sp.Expr) -> sp.Expr:
        return through_output(expr, net.activations, y_of) if y_syms else expr

    assignments: list[tuple[sp.Symbol, sp.Expr]] = []
    layer_of = {net.e(l, j): l for l in range(1, net.depth + 1) for j in net.neurons(l)}
    for index, (sym, expr) in enumerate(program.steps):
        if sym not in layer_of:
            break
        assignments.append((sym, through(expr)))
        nxt = program.steps[index + 1][0] if index + 1 < len(program.steps) else None
        l = layer_of[sym]
        if outputs and layer_of.get(nxt) != l and net.y(l, 1) != net.e(l, 1):
            for j in net.neurons(l):  # the layer is complete: its outputs, once
                y = sp.Symbol(f"__y{l}_{j}")
                assignments.append((y, through(net.y(l, j))))
                y_syms[net.e(l, j)] = y
    loss_sym = sp.Symbol("__loss")
    loss = net.loss_local()
    assignments.append((loss_sym, loss if loss.has(sp.log) else through(loss)))
    outputs_of = set(rules.signal_symbols.get(net.depth, ()))
    for sym, expr in program.steps[len(layer_of) :]:
        if sym in outputs_of:
            # output signals depend on one neuron only: their shortest exact form avoids 0/0 at
            # saturation (cross-entropy written as -dE/dy times f'(e))
            expr = tidy_output_signal(net, int(sym.name.rsplit("_", 1)[1]), expr)
        assignments.append((sym, through(expr)))
    params = list(program.updates)
    update_syms = [sp.Symbol(f"__delta_{p.name}") for p in params]
    assignments += [
        (u, through(program.updates[p])) for u, p in zip(update_syms, params, strict=True)
    ]

    inputs = [net.x(i) for i in net.neurons(0)] + [net.t(j) for j in net.neurons(net.depth)]
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
        values: Mapping[str, float], x: Sequence[float], t: Sequence[float], lr: float
    ) -> tuple[float, dict[str, float]]:
        if len(x) != net.sizes[0]:
            raise InputError(f"--input has {len(x)} values; the network has {net.sizes[0]} inputs")
        if len(t) != net.sizes[-1]:
            raise InputError(
                f"--target has {len(t)} values; the network has {net.sizes[-1]} outputs"
            )
        try:
            with np.errstate(all="raise", under="ignore"):
                loss, deltas = fn(*x, *t, *(values[n] for n in names), lr)  # type: ignore[operator]
        except FloatingPointError as exc:
            raise InputError(
                f"convention {rules.convention.name!r}: {exc} at this point (its formulas are "
                "not finite there in float64)"
            ) from None
        new = {n: float(values[n] + d) for n, d in zip(names, deltas, strict=True)}
        return float(loss), new

    return step


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
