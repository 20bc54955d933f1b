r"""An optimizer's recurrence on NumPy arrays, for ``symbolic-bp train --optimizer``.

The recurrence (:mod:`~symbolic_bp.optim.recurrence`) is written for one entry; it applies to
whole arrays only when the recipe treats every entry alike and on its own, which
:func:`~symbolic_bp.optim.recurrence.check_elementwise` proves (the recipe run on two entries
gives, for each, the one-entry recurrence with that entry's symbols) before any number is
computed.

>>> import numpy as np
>>> opt = NumericOptimizer("momentum", {"mu": 0.5}, lr=0.1)
>>> params = {"W1": np.array([1.0, 2.0])}
>>> state = opt.start(params)
>>> params, state = opt.step(1, params, state, lambda p: {"W1": 2 * p["W1"]})
>>> params["W1"]
array([0.8, 1.6])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputError, option
from .hyper import hyper_option
from .recipes import Optimizer, get_optimizer
from .recurrence import T, check_elementwise, new_states

__all__ = ["NumericOptimizer", "hyper_defaults", "known_hyper", "optimizer_stepper"]

Arrays = dict[str, np.ndarray]


def known_hyper(optimizers: Sequence[str | Optimizer], given: Iterable[str]) -> dict[str, Any]:
    """The hyperparameters of ``optimizers`` by name (each takes its own from one ``hyper``);
    a name in ``given`` that none of them has, or ``lr`` (the learning rate's own option), is
    a one-line error naming the valid ones (a misspelt name is never dropped silently)."""
    found = [get_optimizer(o) for o in optimizers]
    known = {h.name: h for o in found for h in o.hyper_info() if h.name != "lr"}
    for name in given:
        if name not in known:
            hint = f"; the learning rate is {option('--lr', 'lr')}" if name == "lr" else ""
            raise InputError(
                f"{hyper_option()}: {name!r} is not a hyperparameter of "
                f"{', '.join(o.name for o in found)} (valid: {', '.join(known)}){hint}"
            )
    return known


def hyper_defaults(optimizer: Optimizer, given: Mapping[str, float]) -> dict[str, float]:
    """The numeric hyperparameters of ``optimizer``: ``given``, else each one's default
    (``lr`` comes from ``train --lr``). **Raises:** for an unknown name or a missing value."""
    known_hyper([optimizer], given)
    out = {}
    for info in optimizer.hyper_info():
        if info.name == "lr":
            continue
        value = given.get(info.name, info.default)
        if value is None:
            raise InputError(f"{hyper_option()}: {optimizer.name} needs a value for {info.name!r}")
        out[info.name] = float(value)
    return out


class NumericOptimizer:
    """``optimizer`` with numeric ``hyper`` values on arrays; the rate of step ``t`` is
    ``lr * lr_decay**(t - 1)``."""

    def __init__(
        self,
        optimizer: str | Optimizer,
        hyper: Mapping[str, float] | None = None,
        lr: float = 0.1,
        lr_decay: float = 1.0,
    ) -> None:
        self.optimizer = get_optimizer(optimizer)
        self.rec = check_elementwise(self.optimizer)
        self.hyper = hyper_defaults(self.optimizer, hyper or {})
        rates = {option("--lr", "lr"): lr, option("--lr-decay", "lr_decay"): lr_decay}
        given = {hyper_option(k): v for k, v in self.hyper.items()}
        for name, value in {**rates, **given}.items():
            if not math.isfinite(value):
                raise InputError(f"{name} must be a finite number, got {value!r}")
        self.lr, self.lr_decay = lr, lr_decay
        rec = self.rec
        hyper_syms = [rec.hyper[n] for n in self.optimizer.hyper_names()]
        grads = [g for g, _ in rec.gradients]
        args = [rec.previous, *rec.old_states(), *grads, T, *hyper_syms]
        self._points = [_fn(args, point) for _, point in rec.gradients]
        self._states = [_fn(args, expr) for _, expr in rec.states]
        self._param = _fn(args, rec.param.xreplace(new_states(rec)))
        p0 = sp.Symbol("p_0", real=True)
        self._initial = [_fn([p0, *hyper_syms], expr) for _, expr in rec.initial]

    def _hyper_values(self, t: int) -> list[float]:
        rate = self.lr * self.lr_decay ** (t - 1)
        return [rate if n == "lr" else self.hyper[n] for n in self.optimizer.hyper_names()]

    def start(self, params: Mapping[str, np.ndarray]) -> list[Arrays]:
        """The state before step 1, one array per state name and parameter."""
        h = self._hyper_values(1)
        return [
            {k: np.broadcast_to(f(v, *h), np.shape(v)).astype(float) for k, v in params.items()}
            for f in self._initial
        ]

    def step(
        self,
        t: int,
        params: Mapping[str, np.ndarray],
        state: list[Arrays],
        gradient: Callable[[Arrays], Mapping[str, np.ndarray]],
    ) -> tuple[Arrays, list[Arrays]]:
        """Step ``t``: the new parameters and state; ``gradient(point)`` is the loss's
        gradient at a point (arrays by parameter name)."""
        h = self._hyper_values(t)
        grads: list[Mapping[str, np.ndarray]] = []
        for k, point in enumerate(self._points):
            if self.rec.gradients[k][1] == self.rec.previous:
                grads.append(gradient(dict(params)))
                continue
            where = {n: point(*self._row(n, params, state, grads, t, h)) for n in params}
            grads.append(gradient(where))
        new_state = [
            {n: f(*self._row(n, params, state, grads, t, h)) for n in params} for f in self._states
        ]
        new_params = {n: self._param(*self._row(n, params, state, grads, t, h)) for n in params}
        return new_params, new_state

    def _row(
        self,
        name: str,
        params: Mapping[str, np.ndarray],
        state: list[Arrays],
        grads: list[Mapping[str, np.ndarray]],
        t: int,
        h: list[float],
    ) -> list[Any]:
        """The arguments of a recurrence function for the arrays of parameter ``name``
        (gradients not asked for yet are 0: a point does not depend on its own gradient)."""
        total = len(self.rec.gradients)
        gs = [grads[k][name] if k < len(grads) else 0.0 for k in range(total)]
        return [params[name], *(s[name] for s in state), *gs, t, *h]


def _fn(args: list[sp.Symbol], expr: sp.Expr) -> Callable[..., Any]:
    return sp.lambdify(args, expr, modules="numpy", dummify=True)


Step = Callable[[Arrays, np.ndarray, np.ndarray], tuple[float, Arrays]]


def optimizer_stepper(
    module: Any,
    lr: float,
    optimizer: str | None = None,
    hyper: Mapping[str, float] | None = None,
    lr_decay: float = 1.0,
) -> Step:
    """``step(params, X, T) -> (loss before the step, new params)`` for an exported module:
    its own step (``optimizer`` ``None``), or ``optimizer`` fed with the module's gradients
    (its convention's estimate of dE/dp), counting steps from 1. Of ``hyper``, the values of
    the optimizer's own hyperparameters are used."""
    if optimizer is None:
        if lr_decay != 1.0 or hyper:
            raise InputError(
                option(
                    "--hyper and --lr-decay need --optimizer",
                    "hyper and lr_decay need optimizers (none is given)",
                )
            )
        return lambda params, X, T: module.step(params, X, T, lr)
    names = get_optimizer(optimizer).hyper_names()
    own = {k: v for k, v in (hyper or {}).items() if k in names}
    opt = NumericOptimizer(optimizer, own, lr, lr_decay)
    memory: dict[str, Any] = {"t": 0, "state": None}

    def step(params: Arrays, X: np.ndarray, T_: np.ndarray) -> tuple[float, Arrays]:
        if memory["state"] is None:
            memory["state"] = opt.start(params)
        memory["t"] += 1
        loss, _ = module.step(params, X, T_, 0.0)  # the loss before the step
        new, memory["state"] = opt.step(
            memory["t"], params, memory["state"], lambda p: module.gradients(p, X, T_)
        )
        return loss, new

    return step
