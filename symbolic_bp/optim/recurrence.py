r"""A recipe's recurrence: one step ``t`` written with symbols, read off the recipe's own code.

The recipe runs once on one parameter entry with symbols for everything it reads (``p_{t-1}``,
its states ``m_{t-1}``, ..., the step ``t``, the hyperparameters); the gradients it asks for
become ``g_t`` (and ``g'_t``, ... for further points). What comes out is the recurrence that
:mod:`symbolic_bp.render.optimizers` renders and that training evaluates on arrays.

>>> r = recurrence("momentum")
>>> [(str(s), sp.sstr(e)) for s, e in r.states]
[('v_t', 'g_t + mu*v_{t-1}')]
>>> r.param
-lr*v_t + p_{t-1}
>>> r.gradients
[(g_t, p_{t-1})]
>>> recurrence("adam").param
-lr*m_t/((1 - beta1**t)*(eps + sqrt(v_t/(1 - beta2**t)))) + p_{t-1}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from ..errors import InputError
from .hyper import symbol
from .recipes import Hyper, Optimizer, get_optimizer
from .setting import CONSTANT, PER_STEP, SCHEDULES
from .unroll import check_step
from .vector import Vec
from .zero import exact_zero

__all__ = ["Recurrence", "recurrence", "check_elementwise", "new_states", "T"]

#: the step number of a recurrence
T = sp.Symbol("t", integer=True, positive=True)


@dataclass(frozen=True)
class Recurrence:
    """One step of ``optimizer`` (entry by entry): the gradients asked for (``(g, point)``),
    the new states (``(m_t, expression)``), the new parameter, what is compared after the
    step when it is not the parameter, and the states at the start."""

    optimizer: Optimizer
    schedule: str
    previous: sp.Symbol
    new: sp.Symbol
    gradients: list[tuple[sp.Symbol, sp.Expr]]
    states: list[tuple[sp.Symbol, sp.Expr]]
    param: sp.Expr
    observed: sp.Expr | None
    initial: list[tuple[sp.Symbol, sp.Expr]]
    hyper: Mapping[str, sp.Symbol]

    def old_states(self) -> list[sp.Symbol]:
        return [sp.Symbol(f"{n}_{{t-1}}", real=True) for n in self.optimizer.state]


def _gradient_names(k: int) -> sp.Symbol:
    return sp.Symbol("g_t" if k == 0 else f"g{chr(39) * k}_t", real=True)


def recurrence(optimizer: str | Optimizer, schedule: str = CONSTANT) -> Recurrence:
    """The recurrence of ``optimizer`` (``schedule`` ``per-step`` writes the rate ``lr_t``).

    **Raises:** :class:`InputError` when the recipe is not elementwise enough to be written for
    one entry (it fails on a vector of length 1).
    """
    opt = get_optimizer(optimizer)
    if schedule not in SCHEDULES:
        raise InputError(f"--lr-schedule {schedule!r} is not one of {', '.join(SCHEDULES)}")
    hyper: dict[str, sp.Symbol] = {}
    for info in opt.hyper_info():
        key = "lr_t" if info.name == "lr" and schedule == PER_STEP else info.name
        hyper[info.name] = symbol(key, info) if key != "lr_t" else sp.Symbol(key, positive=True)
    h = Hyper(opt.name, hyper)
    prev = sp.Symbol("p_{t-1}", real=True)
    old = {n: Vec([sp.Symbol(f"{n}_{{t-1}}", real=True)]) for n in opt.state}
    asked: list[tuple[sp.Symbol, sp.Expr]] = []

    def grad(point: Vec) -> Vec:
        for g, known in asked:
            if sp.expand(known - point[0]) == 0:
                return Vec([g])
        g = _gradient_names(len(asked))
        asked.append((g, point[0]))
        return Vec([g])

    try:
        p, state = check_step(opt, 0, opt.step(T, Vec([prev]), old, grad, h))
        start = opt.init(Vec([sp.Symbol("p_0", real=True)]), h)
        seen = opt.observe(p, state, h)
    except InputError:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the recipe's own code: any failure
        raise InputError(f"optimizer {opt.name!r} failed on one entry: {exc}") from None
    new_states = [(sp.Symbol(f"{n}_t", real=True), state[n][0]) for n in opt.state]
    param = p[0]
    for sym, expr in new_states:
        if not (expr.is_Symbol or expr.is_number):
            param = param.subs(expr, sym)
    observed = None if seen == p else seen[0]
    initial = [(sp.Symbol(f"{n}_0", real=True), start[n][0]) for n in opt.state]
    return Recurrence(
        opt,
        schedule,
        prev,
        sp.Symbol("p_t", real=True),
        asked,
        new_states,
        param,
        observed,
        initial,
        hyper,
    )


def _entry(name: str, i: int) -> sp.Symbol:
    return sp.Symbol(f"{name}__{i}", real=True)


def check_elementwise(optimizer: str | Optimizer) -> Recurrence:
    """The recurrence of ``optimizer``, after proving that on two entries each entry follows it
    with its own symbols. **Raises:** :class:`InputError` otherwise."""
    opt = get_optimizer(optimizer)
    rec = recurrence(opt)
    h = Hyper(opt.name, dict(rec.hyper))
    old = {n: Vec([_entry(f"{n}_old", 1), _entry(f"{n}_old", 2)]) for n in opt.state}
    p = Vec([_entry("p", 1), _entry("p", 2)])
    asked: list[Vec] = []

    def grad(point: Vec) -> Vec:
        k = len(asked)
        asked.append(point)
        return Vec([_entry(f"g{k}", 1), _entry(f"g{k}", 2)])

    new_p, new_state = opt.step(T, p, old, grad, h)
    for i in (1, 2):
        rename: dict[sp.Basic, sp.Basic] = {rec.previous: _entry("p", i)}
        rename.update(
            {s: _entry(f"{n}_old", i) for n, s in zip(opt.state, rec.old_states(), strict=True)}
        )
        rename.update({g: _entry(f"g{k}", i) for k, (g, _) in enumerate(rec.gradients)})
        pairs = [(new_p[i - 1], rec.param.xreplace(new_states(rec)).xreplace(rename))]
        pairs += [
            (new_state[n][i - 1], e.xreplace(rename))
            for n, (_, e) in zip(opt.state, rec.states, strict=True)
        ]
        if len(asked) != len(rec.gradients):
            raise InputError(f"optimizer {opt.name!r} asks for a different number of gradients")
        pairs += [
            (q[i - 1], pt.xreplace(rename)) for q, (_, pt) in zip(asked, rec.gradients, strict=True)
        ]
        if not all(exact_zero(a - b) for a, b in pairs):
            raise InputError(
                f"optimizer {opt.name!r} does not treat each entry on its own (or could not be "
                "shown to): train applies a recipe entry by entry"
            )
    return rec


def new_states(rec: Recurrence) -> dict[sp.Basic, sp.Basic]:
    """``m_t -> its expression``: the parameter's update written without the new states."""
    return {sym: expr for sym, expr in rec.states}
