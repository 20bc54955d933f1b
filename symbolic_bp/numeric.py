r"""Numbers from the symbolic rules: one update step, finite differences.

:func:`compile_rules` turns structured :class:`~symbolic_bp.derive.UpdateRules` into a straight
Python/NumPy function by printing every assignment (``e^l_j``, the loss, every signal, every
update) with SymPy's NumPy printer, in dependency order, so one step costs what the rules cost
and nothing is expanded.

>>> from symbolic_bp.network import Network
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
from sympy.printing.numpy import NumPyPrinter

from .conventions import tidy_output_signal
from .derive import UpdateRules, derive
from .errors import InputError
from .network import Network
from .parsing import X as _X

__all__ = ["compile_rules", "StepFunction", "numeric_loss", "check_numeric", "require_concrete"]

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


class _SafePrinter(NumPyPrinter):
    """NumPy printing with safe logarithms of activations: ``log(sigmoid(z))`` becomes
    ``-logaddexp(0, -z)`` and ``log(1 - sigmoid(z))`` becomes ``-logaddexp(0, z)`` (read from the
    activation's own ``numpy_log``/``numpy_log1m`` forms), so that a cross-entropy loss stays
    finite at saturation."""

    def _print_log(self, expr: sp.Expr) -> str:
        arg = expr.args[0]
        form = getattr(arg.func, "numpy_log", None)
        if form is not None:
            return "(%s)" % self._print(form.xreplace({_X: arg.args[0]}))
        if arg.is_Add and len(arg.args) == 2 and sp.S.One in arg.args:
            other = arg.args[0] if arg.args[1] == 1 else arg.args[1]
            neg = -other
            form = getattr(neg.func, "numpy_log1m", None)
            if form is not None:
                return "(%s)" % self._print(form.xreplace({_X: neg.args[0]}))
        return super()._print_log(expr)


class _MathPrinter(_SafePrinter):
    """:class:`_SafePrinter` for Python floats: the functions that the ``math`` module has
    (``tanh``, ``exp``, ...) are called from it (a tenth of NumPy's cost on a scalar); the rest
    (``logaddexp``, ``where``, ...) stay NumPy's."""

    _MATH = {"tanh", "exp", "log", "log1p", "sqrt", "sin", "cos", "atan", "sinh", "cosh"}

    def _module_format(self, fqn: str, register: bool = True) -> str:
        head, _, tail = fqn.rpartition(".")
        if head == "numpy" and tail in self._MATH:
            return f"math.{tail}"
        return super()._module_format(fqn, register)


def _program(
    rules: UpdateRules,
    printer: _SafePrinter | None = None,
    name: str = "_step",
    outputs: bool = False,
) -> tuple[str, list[sp.Symbol], list[sp.Symbol]]:
    """Source of ``def _step(x, t, w, eta)`` computing the loss and every update.

    With ``outputs``, every ``y^l_j = f_l(e^l_j)`` is computed once and ``f_l'(e^l_j)`` is
    written through it as ``g_l(y^l_j)`` where the activation has such a form (exact, since
    ``g(f(x)) = f'(x)``); the loss keeps ``f_L(e)`` where it takes a logarithm (safe forms)."""
    net = rules.network
    assignments: list[tuple[sp.Symbol, sp.Expr]] = []
    through: dict[sp.Expr, sp.Expr] = {}
    for l in range(1, net.depth + 1):
        assignments += [
            (net.e(l, j), net.net_input(l, j).xreplace(through)) for j in net.neurons(l)
        ]
        act = net.activations[l - 1]
        for j in net.neurons(l) if outputs and net.y(l, 1) != net.e(l, 1) else ():
            y = sp.Symbol(f"__y{l}_{j}")
            assignments.append((y, net.y(l, j)))
            through[net.y(l, j)] = y
            if act.output_derivative_expr is not None:
                through[net.fprime(l, j)] = act.derivative_from_output(y)
    loss_sym = sp.Symbol("__loss")
    loss = net.loss_local()
    assignments.append((loss_sym, loss if loss.has(sp.log) else loss.xreplace(through)))
    for l in range(net.depth, 0, -1):
        exprs = rules.signal_exprs[l]
        if l == net.depth:
            # output signals depend on one neuron only: use their shortest exact form, which
            # avoids 0/0 at saturation (cross-entropy written as -dE/dy times f'(e))
            pairs = zip(net.neurons(l), exprs, strict=True)
            exprs = [tidy_output_signal(net, j, x) for j, x in pairs]
        exprs = [x.xreplace(through) for x in exprs]
        assignments += list(zip(rules.signal_symbols[l], exprs, strict=True))
    params = net.parameters()
    update_syms = [sp.Symbol(f"__delta_{p.name}") for p in params]
    updates = [rules.updates[p].xreplace(through) for p in params]
    assignments += list(zip(update_syms, updates, strict=True))

    inputs = [net.x(i) for i in net.neurons(0)] + [net.t(j) for j in net.neurons(net.depth)]
    inputs += [*params, net.eta]
    names: dict[sp.Symbol, sp.Symbol] = {}
    for k, s in enumerate([*inputs, *(a for a, _ in assignments)]):
        names.setdefault(s, sp.Symbol(f"v{k}"))
    if printer is None:
        printer = _SafePrinter({"fully_qualified_modules": True, "allow_unknown_functions": False})
    body = [f"    {names[s].name} = {printer.doprint(e.xreplace(names))}" for s, e in assignments]
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
    source, _inputs, params = _program(rules)
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
