r"""The question asked of two optimizers: how many steps, which learning-rate schedule, how many
parameters, and which hyperparameters are numbers rather than symbols.

>>> from symbolic_bp.optim.builtin import Momentum, MomentumLrInside
>>> s = make_setting([Momentum(), MomentumLrInside()], steps=3, schedule="per-step",
...                  hyper="mu=0.9")
>>> [s.value("lr", t) for t in (1, 2, 3)], s.value("mu", 2)
([lr_1, lr_2, lr_3], 9/10)
>>> s.describe()
'3 steps, 2 parameters, learning rate per step (lr_1, lr_2, lr_3), mu = 9/10'
>>> make_setting([Momentum()], hyper="beta1=0.9")
Traceback (most recent call last):
...
symbolic_bp.errors.InputError: hyper: 'beta1' is not a hyperparameter of momentum (valid: lr, mu)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..errors import InputError, option
from ..parsing import parse_rational
from .hyper import Hyperparameter, check_value, hyper_option, symbol
from .recipes import Optimizer

__all__ = [
    "Setting",
    "make_setting",
    "parse_hyper",
    "CONSTANT",
    "PER_STEP",
    "SCHEDULES",
    "MAX_STEPS",
    "MAX_DIM",
]

CONSTANT, PER_STEP = "constant", "per-step"
SCHEDULES = (CONSTANT, PER_STEP)
MAX_STEPS = 50
MAX_DIM = 8


@dataclass(frozen=True)
class Setting:
    """Steps ``1..steps`` of two recipes on ``dim`` parameters.

    ``schedule`` is ``constant`` (one symbol ``lr``) or ``per-step`` (``lr_1, lr_2, ...``);
    ``fixed`` holds the hyperparameters given as numbers (``lr_2`` for one step's rate);
    ``info`` the hyperparameters of the recipes compared, in a fixed order.
    """

    steps: int = 3
    schedule: str = CONSTANT
    dim: int = 2
    fixed: tuple[tuple[str, Fraction], ...] = ()
    info: tuple[Hyperparameter, ...] = ()

    def names(self) -> tuple[str, ...]:
        """The hyperparameter names (``lr`` once, whatever the schedule)."""
        return tuple(h.name for h in self.info)

    def key(self, name: str, t: int) -> str:
        """The name of hyperparameter ``name`` at step ``t`` (``lr_t`` under a schedule)."""
        return f"lr_{t}" if name == "lr" and self.schedule == PER_STEP else name

    def keys(self) -> list[str]:
        """Every hyperparameter name of every step (``lr_1, lr_2, ...`` under a schedule)."""
        out: list[str] = []
        for name in self.names():
            for t in range(1, self.steps + 1):
                k = self.key(name, t)
                if k not in out:
                    out.append(k)
        return out

    def value(self, name: str, t: int) -> sp.Expr:
        """Hyperparameter ``name`` at step ``t``: its number when given, else its symbol."""
        key = self.key(name, t)
        fixed = dict(self.fixed)
        if key in fixed:
            return sp.Rational(fixed[key].numerator, fixed[key].denominator)
        info = next((h for h in self.info if h.name == name), None)
        return symbol(key, info)

    def values(self, names: Sequence[str], t: int) -> dict[str, sp.Expr]:
        return {n: self.value(n, t) for n in names}

    def free_symbols(self) -> list[sp.Symbol]:
        """The hyperparameter symbols of the question (not given as numbers), in order."""
        out: list[sp.Symbol] = []
        for name in self.names():
            for t in range(1, self.steps + 1):
                v = self.value(name, t)
                if isinstance(v, sp.Symbol) and v not in out:
                    out.append(v)
        return out

    def info_of(self, key: str) -> Hyperparameter:
        base = key.split("_")[0]
        return next(h for h in self.info if h.name == base)

    def describe(self) -> str:
        """``3 steps, 2 parameters, constant learning rate lr, mu = 9/10``."""
        parts = [
            f"{self.steps} step{'s' * (self.steps != 1)}",
            f"{self.dim} parameter{'s' * (self.dim != 1)}",
        ]
        if self.schedule == PER_STEP:
            rates = ", ".join(self.key("lr", t) for t in range(1, min(self.steps, 4) + 1))
            more = ", ..." if self.steps > 4 else ""
            parts.append(f"learning rate per step ({rates}{more})")
        else:
            parts.append("constant learning rate")
        parts += [f"{k} = {_text(v)}" for k, v in self.fixed]
        return ", ".join(parts)


def _text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)


def parse_hyper(text: str) -> dict[str, Fraction]:
    """``mu=0.9,lr=1/10`` as exact rationals by name (no ``eval``).

    >>> parse_hyper("mu=0.9, lr=1/10")
    {'mu': Fraction(9, 10), 'lr': Fraction(1, 10)}
    """
    out: dict[str, Fraction] = {}
    hyper = hyper_option()
    for part in text.split(","):
        if not part.strip():
            raise InputError(f"{hyper}: empty entry in {text!r} (give name=value,...)")
        if part.count("=") != 1:
            raise InputError(f"{hyper}: {part.strip()!r} is not name=value (in {text!r})")
        name, value = (s.strip() for s in part.split("="))
        if name in out:
            raise InputError(f"{hyper}: {name!r} is given twice")
        out[name] = parse_rational(value, hyper_option(name))
    return out


def _bounded(value: int, low: int, high: int, setting: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{setting} must be an integer from {low} to {high}, got {value!r}")
    return value


def make_setting(
    optimizers: Sequence[Optimizer],
    steps: int = 3,
    schedule: str = CONSTANT,
    hyper: str | Mapping[str, object] | None = None,
    dim: int = 2,
) -> Setting:
    """The :class:`Setting` for ``optimizers``, every value checked.

    ``hyper`` fixes hyperparameters as numbers: text ``"mu=0.9,lr=0.1"`` or a mapping of
    names to exact numbers (int, :class:`~fractions.Fraction`, or decimal text). Under a
    ``per-step`` schedule the rates are ``lr_1 .. lr_T``; ``lr`` itself cannot be fixed then.
    """
    _bounded(steps, 1, MAX_STEPS, option("--steps", "steps"))
    _bounded(dim, 1, MAX_DIM, option("--dim", "dim"))
    if schedule not in SCHEDULES:
        raise InputError(
            f"{option('--lr-schedule ', 'lr_schedule=')}{schedule!r} is not one of "
            f"{', '.join(SCHEDULES)}"
        )
    info: list[Hyperparameter] = []
    for opt in optimizers:
        for h in opt.hyper_info():
            known = next((i for i in info if i.name == h.name), None)
            if known is None:
                info.append(h)
            elif known != h:
                raise InputError(
                    f"hyperparameter {h.name!r} is declared differently by the recipes"
                )
    given = parse_hyper(hyper) if isinstance(hyper, str) else dict(hyper or {})
    setting = Setting(steps, schedule, dim, (), tuple(info))
    valid = setting.keys()
    fixed: list[tuple[str, Fraction]] = []
    for name, raw in given.items():
        if name not in valid:
            raise InputError(_unknown(name, valid, optimizers, schedule))
        value = _exact(raw, name)
        fixed.append((name, check_value(name, value, setting.info_of(name))))
    fixed.sort(key=lambda kv: valid.index(kv[0]))
    return Setting(steps, schedule, dim, tuple(fixed), tuple(info))


def _exact(raw: object, name: str) -> Fraction:
    if isinstance(raw, str):
        return parse_rational(raw, hyper_option(name))
    if isinstance(raw, bool) or not isinstance(raw, int | Fraction | sp.Rational):
        raise InputError(
            f"{hyper_option(name)}: {raw!r} must be exact (an int, a Fraction or text such as "
            "'0.9')"
        )
    return Fraction(str(raw))


def _unknown(name: str, valid: list[str], optimizers: Sequence[Optimizer], schedule: str) -> str:
    who = " or ".join(o.name for o in optimizers)
    if name == "lr" and schedule == PER_STEP:
        per_step = option("--lr-schedule per-step", "lr_schedule='per-step'")
        rates = ", ".join(k for k in valid if k.startswith("lr_"))
        return (
            f"{hyper_option('lr')}: with {per_step} each step has its own rate; give {rates} "
            "instead"
        )
    valid_text = ", ".join(valid)
    return f"{hyper_option()}: {name!r} is not a hyperparameter of {who} (valid: {valid_text})"
