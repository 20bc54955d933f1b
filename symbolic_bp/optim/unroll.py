r"""Running a recipe step by step: on symbols (for a proof) or on exact numbers (for a witness).

**Why a proof over symbols holds for every loss.** The gradient is asked for at points; the
:class:`GradientOracle` answers each new point with fresh real symbols ``g{k}_{i}`` (the
``i``-th entry of the ``k``-th gradient), and a point proven equal (exactly, coordinate by
coordinate) to an earlier one gets the earlier symbols. An identity in these symbols holds for
*every* value the gradients could take, so for every gradient function (every loss) at once.
Two points not proven equal get independent symbols: that can only make an identity harder to
prove, never wrong.

>>> from symbolic_bp.optim.builtin import Momentum, MomentumLrInside
>>> from symbolic_bp.optim.setting import make_setting
>>> s = make_setting([Momentum(), MomentumLrInside()], steps=2, dim=1)
>>> oracle = GradientOracle(1)
>>> a = unroll(Momentum(), s, oracle)
>>> b = unroll(MomentumLrInside(), s, oracle)
>>> a.observed[2]
Vec(-g1_1*lr - lr*(g1_1*mu + g2_1) + p0_1)
>>> exact_zero(a.observed[2][0] - b.observed[2][0])
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from ..errors import InputError, SymbolicBPError
from .recipes import Hyper, Optimizer
from .setting import Setting
from .vector import Vec
from .zero import exact_zero

__all__ = [
    "GradientOracle",
    "GradientPoint",
    "Run",
    "Stepper",
    "unroll",
    "run",
    "initial_point",
    "hyper_view",
    "check_step",
]


@dataclass(frozen=True)
class GradientPoint:
    """A point where the gradient was asked for, its symbols, and who asked first."""

    symbols: Vec
    point: Vec
    asked_by: str
    step: int


class GradientOracle:
    """Fresh gradient symbols per distinct point (points compared with the exact zero test)."""

    def __init__(self, dim: int, zero: Callable[[sp.Expr], bool] = exact_zero) -> None:
        self.dim = dim
        self.zero = zero
        self.points: list[GradientPoint] = []
        self.who = ("", 0)

    def __call__(self, point: Vec) -> Vec:
        if not isinstance(point, Vec) or len(point) != self.dim:
            raise InputError(
                f"optimizer {self.who[0]!r} asked for the gradient at {point!r}, which is not a "
                f"vector of {self.dim} entries"
            )
        for known in self.points:
            if all(self.zero(a - b) for a, b in zip(point, known.point, strict=True)):
                return known.symbols
        k = len(self.points) + 1
        symbols = Vec(sp.Symbol(f"g{k}_{i}", real=True) for i in range(1, self.dim + 1))
        self.points.append(GradientPoint(symbols, point, *self.who))
        return symbols


@dataclass
class Run:
    """What one recipe did: ``observed[t]`` (``t = 0..T``), ``params[t]`` and ``states[t]``."""

    optimizer: str
    observed: list[Vec] = field(default_factory=list)
    params: list[Vec] = field(default_factory=list)
    states: list[dict[str, Vec]] = field(default_factory=list)


def initial_point(dim: int) -> Vec:
    """The symbols ``p0_1 .. p0_dim`` of the starting point."""
    return Vec(sp.Symbol(f"p0_{i}", real=True) for i in range(1, dim + 1))


def hyper_view(
    opt: Optimizer, setting: Setting, t: int, condition: Mapping[sp.Symbol, sp.Expr]
) -> Hyper:
    """The hyperparameters ``opt`` sees at step ``t``, with ``condition`` substituted."""
    values = setting.values(opt.hyper_names(), t)
    return Hyper(opt.name, {k: sp.sympify(v).xreplace(dict(condition)) for k, v in values.items()})


def check_step(
    opt: Optimizer, t: int, out: object, what: str = "step()"
) -> tuple[Vec, dict[str, Vec]]:
    """The recipe's ``(p, state)`` after step ``t`` (``what`` returned it), or a one-line error
    saying what is wrong."""
    where = f"optimizer {opt.name!r} at step {t}"
    if not (isinstance(out, tuple) and len(out) == 2):
        raise InputError(f"{where}: step() must return (p, state), got {type(out).__name__}")
    p, state = out
    if not isinstance(p, Vec):
        raise InputError(f"{where}: step() returned a {type(p).__name__} as p, not a Vec")
    if not isinstance(state, Mapping) or set(state) != set(opt.state):
        keys = sorted(state) if isinstance(state, Mapping) else state
        raise InputError(
            f"{where}: {what} returned the state {keys!r}; it declares {list(opt.state)!r}"
        )
    return p, dict(state)


class Stepper:
    """Runs ``opt`` one step at a time (:meth:`advance`), recording into :attr:`run`.

    ``condition`` substitutes relations among the hyperparameters (``wd -> lr*l2``);
    ``hyper_values`` then gives numbers to the remaining symbols (a concrete run), and
    ``settle`` (:meth:`~symbolic_bp.optim.atoms.Atoms.settle`) rewrites every entry of the
    parameter and state after each step. Errors of the recipe's own code become one-line
    :class:`InputError` naming the optimizer.
    """

    def __init__(
        self,
        opt: Optimizer,
        setting: Setting,
        p0: Vec,
        grad: Callable[[Vec], Vec],
        condition: Mapping[sp.Symbol, sp.Expr] | None = None,
        hyper_values: Mapping[sp.Symbol, sp.Expr] | None = None,
        settle: Callable[[sp.Expr], sp.Expr] | None = None,
    ) -> None:
        self.opt, self.setting, self.grad = opt, setting, grad
        self.settle = settle
        self.condition = dict(condition or {})
        self.hyper_values = dict(hyper_values or {})
        self.run = Run(opt.name)
        self.t = 0
        self._guarded(lambda: self._start(p0))

    def _view(self, t: int) -> Hyper:
        h = hyper_view(self.opt, self.setting, t, self.condition)
        if self.hyper_values:
            values = {k: h[k].xreplace(self.hyper_values) for k in self.opt.hyper_names()}
            h = Hyper(self.opt.name, values)
        return h

    def _start(self, p0: Vec) -> None:
        h = self._view(1)
        _, state = check_step(self.opt, 0, (p0, self.opt.init(p0, h)), "init()")
        self._record(p0, state, h)

    def _record(self, p: Vec, state: dict[str, Vec], h: Hyper) -> None:
        if self.settle is not None and isinstance(p, Vec):
            p = p.map(self.settle)
            state = {k: v.map(self.settle) if isinstance(v, Vec) else v for k, v in state.items()}
        seen = self.opt.observe(p, state, h)
        dim = len(self.run.params[0]) if self.run.params else len(p)
        for what, v in (("p", p), ("observe()", seen), *state.items()):
            if not isinstance(v, Vec) or len(v) != dim:
                raise InputError(
                    f"optimizer {self.opt.name!r} at step {self.t}: {what} is not a vector of "
                    f"{dim} entries"
                )
        self.run.params.append(p)
        self.run.states.append(state)
        self.run.observed.append(seen)

    def advance(self) -> Vec:
        """Step ``t + 1``; returns the vector compared after it."""
        self._guarded(self._step)
        return self.run.observed[-1]

    def _step(self) -> None:
        t = self.t = self.t + 1
        h = self._view(t)
        if isinstance(self.grad, GradientOracle):
            self.grad.who = (self.opt.name, t)
        p, state = self.run.params[-1], self.run.states[-1]
        new_p, new_state = check_step(self.opt, t, self.opt.step(t, p, state, self.grad, h))
        self._record(new_p, new_state, h)

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except SymbolicBPError:
            raise
        except (Exception, SystemExit) as e:  # noqa: BLE001 - the recipe's own code: any failure
            raise InputError(
                f"optimizer {self.opt.name!r} failed at step {self.t}: {type(e).__name__}: "
                f"{str(e).splitlines()[0] if str(e) else ''}"
            ) from None


def run(
    opt: Optimizer,
    setting: Setting,
    p0: Vec,
    grad: Callable[[Vec], Vec],
    condition: Mapping[sp.Symbol, sp.Expr] | None = None,
    hyper_values: Mapping[sp.Symbol, sp.Expr] | None = None,
    tick: Callable[[], None] | None = None,
    settle: Callable[[sp.Expr], sp.Expr] | None = None,
) -> Run:
    """Steps ``1..setting.steps`` of ``opt`` from ``p0`` with the gradient ``grad`` (see
    :class:`Stepper`)."""
    stepper = Stepper(opt, setting, p0, grad, condition, hyper_values, settle)
    for _ in range(setting.steps):
        if tick is not None:
            tick()
        stepper.advance()
    return stepper.run


def unroll(
    opt: Optimizer,
    setting: Setting,
    oracle: GradientOracle,
    condition: Mapping[sp.Symbol, sp.Expr] | None = None,
    tick: Callable[[], None] | None = None,
) -> Run:
    """:func:`run` on symbols: the start ``p0_1 .. p0_d``, gradients from ``oracle``."""
    return run(opt, setting, initial_point(setting.dim), oracle, condition, None, tick)
