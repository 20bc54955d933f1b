r"""Hyperparameters of optimizer recipes: their meaning, domain, notation and sample values.

A hyperparameter is a symbol by default (a proof then holds for every value in its domain) or
a number given by the user (``--hyper mu=0.9,lr=0.1``, parsed exactly: ``0.9`` is ``9/10``).
The learning rate ``lr`` alone may follow a schedule: one symbol ``lr_t`` per step.

>>> symbol("beta2")
beta2
>>> symbol("beta2").is_nonnegative, symbol("lr").is_positive
(True, True)
>>> HYPERPARAMETERS["wd"].meaning
'decoupled weight decay: p <- p - wd*p besides the gradient step'
>>> check_value("beta1", Fraction(1))
Traceback (most recent call last):
...
symbolic_bp.errors.InputError: hyper['beta1'] = 1 is outside its domain: 0 <= beta1 < 1
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..errors import InputError, option

__all__ = [
    "Hyperparameter",
    "HYPERPARAMETERS",
    "DOMAINS",
    "hyperparameter",
    "symbol",
    "check_value",
    "check_name",
    "hyper_option",
    "RESERVED_NAMES",
]

#: a domain: (text shown to the user, SymPy assumptions of the symbol, test of a value)
DOMAINS: Mapping[str, tuple[str, dict[str, bool], object]] = {
    "positive": ("{name} > 0", {"positive": True}, lambda v: v > 0),
    "unit": ("0 <= {name} < 1", {"nonnegative": True}, lambda v: 0 <= v < 1),
    "nonnegative": ("{name} >= 0", {"nonnegative": True}, lambda v: v >= 0),
    "real": ("{name} real", {"real": True}, lambda v: True),
}

#: names a hyperparameter may not take: the parameter, the gradient and the step number
RESERVED_NAMES = frozenset({"p", "g", "t", "c"})
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,15}$")


@dataclass(frozen=True)
class Hyperparameter:
    r"""One hyperparameter.

    - ``name``: how recipes, ``--hyper`` and reports call it (letters and digits);
    - ``meaning``: one line for the documentation;
    - ``latex``: its symbol in documents (``\eta`` for ``lr``);
    - ``domain``: ``positive``, ``unit`` (``0 <= x < 1``), ``nonnegative`` or ``real``; the
      symbol carries it as a SymPy assumption and numbers given for it are checked;
    - ``samples``: exact values in the domain that counterexamples try (for ``beta2`` values
      with ``1 - beta2`` a square, so that Adam's square roots stay rational);
    - ``default``: the numeric default of ``train`` (``None``: it must be given);
    - ``zero_condition``: whether "``name = 0``" is a condition worth searching.
    """

    name: str
    meaning: str
    latex: str
    domain: str = "real"
    samples: tuple[Fraction, ...] = (
        Fraction(1, 2),
        Fraction(1, 3),
        Fraction(2, 3),
        Fraction(3, 4),
        Fraction(1, 5),
    )
    default: float | None = None
    zero_condition: bool = True

    def __post_init__(self) -> None:
        check_name(self.name, "hyperparameter")
        if self.domain not in DOMAINS:
            raise InputError(
                f"hyperparameter {self.name!r}: domain {self.domain!r} is not one of "
                f"{', '.join(DOMAINS)}"
            )
        for value in self.samples:
            check_value(self.name, value, self)

    def domain_text(self) -> str:
        return DOMAINS[self.domain][0].format(name=self.name)


def check_name(name: object, what: str) -> str:
    """``name`` if it can name a hyperparameter or a state (letters then letters or digits,
    not ``p``, ``g``, ``t`` or ``c``)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            f"{what} name {name!r} must be a letter followed by up to 15 letters or digits "
            "(no underscore), such as mu or beta1"
        )
    if name in RESERVED_NAMES:
        raise InputError(
            f"{what} name {name!r} is reserved (p: the parameter, g: the gradient, t: the step, "
            "c: an unknown factor); choose another"
        )
    return name


def hyperparameter(name: str | Hyperparameter) -> Hyperparameter:
    """The :class:`Hyperparameter` called ``name`` (a known one, or a real one with generic
    samples for a name a user's recipe introduces); an object is returned as it is."""
    if isinstance(name, Hyperparameter):
        return name
    check_name(name, "hyperparameter")
    return HYPERPARAMETERS.get(name) or Hyperparameter(name, f"hyperparameter {name}", name)


def symbol(name: str, info: Hyperparameter | None = None) -> sp.Symbol:
    """The SymPy symbol of hyperparameter ``name`` (``lr_3``: the learning rate of step 3),
    with the assumptions of its domain."""
    base = name.split("_")[0]
    info = info or hyperparameter(base)
    return sp.Symbol(name, **DOMAINS[info.domain][1])


def hyper_option(name: str | None = None) -> str:
    """How an error names the hyperparameters given, or the one called ``name``: ``--hyper``,
    ``--hyper mu`` on the command line; ``hyper``, ``hyper['mu']`` from Python.

    >>> hyper_option(), hyper_option("mu")
    ('hyper', "hyper['mu']")
    """
    if name is None:
        return option("--hyper", "hyper")
    return option(f"--hyper {name}", f"hyper[{name!r}]")


def check_value(name: str, value: Fraction, info: Hyperparameter | None = None) -> Fraction:
    """``value`` if it lies in the domain of hyperparameter ``name`` (``lr_3`` counts as
    ``lr``), else a one-line error naming both."""
    info = info or hyperparameter(name.split("_")[0])
    test = DOMAINS[info.domain][2]
    if not test(value):  # type: ignore[operator]
        shown = str(value)
        given = option(f"--hyper {name}={shown}", f"hyper[{name!r}] = {shown}")
        raise InputError(
            f"{given} is outside its domain: {DOMAINS[info.domain][0].format(name=name)}"
        )
    return value


def _f(text: str) -> Fraction:
    return Fraction(text)


HYPERPARAMETERS: dict[str, Hyperparameter] = {
    h.name: h
    for h in (
        Hyperparameter(
            "lr",
            "learning rate (one per step with --lr-schedule per-step: lr_1, lr_2, ...)",
            r"\eta",
            "positive",
            (_f("1/2"), _f("1/3"), _f("2/5"), _f("3/4"), _f("1/5"), _f("2/7")),
            default=0.1,
            zero_condition=False,
        ),
        Hyperparameter(
            "mu",
            "momentum coefficient",
            r"\mu",
            "nonnegative",
            (_f("1/2"), _f("3/4"), _f("1/3"), _f("2/3"), _f("9/10")),
            default=0.9,
        ),
        Hyperparameter(
            "beta1",
            "decay rate of the first moment m (Adam)",
            r"\beta_1",
            "unit",
            (_f("1/2"), _f("9/10"), _f("1/3"), _f("3/4"), _f("2/3")),
            default=0.9,
        ),
        Hyperparameter(
            "beta2",
            "decay rate of the second moment v (Adam)",
            r"\beta_2",
            "unit",
            (_f("3/4"), _f("8/9"), _f("15/16"), _f("24/25"), _f("5/9")),
            default=0.999,
        ),
        Hyperparameter(
            "eps",
            "added to the denominator sqrt(v_hat) + eps (Adam)",
            r"\epsilon",
            "nonnegative",
            (_f("1/10"), _f("1/4"), _f("1/100"), _f("1/2"), _f("1/3")),
            default=1e-8,
        ),
        Hyperparameter(
            "l2",
            "L2 regularisation: the loss gains l2/2*|p|^2, so the gradient gains l2*p",
            r"\lambda",
            "nonnegative",
            (_f("1/10"), _f("1/5"), _f("1/2"), _f("1/3"), _f("3/10")),
            default=0.0,
        ),
        Hyperparameter(
            "wd",
            "decoupled weight decay: p <- p - wd*p besides the gradient step",
            r"\lambda'",
            "nonnegative",
            (_f("1/20"), _f("1/7"), _f("1/4"), _f("1/3"), _f("2/9")),
            default=0.01,
        ),
    )
}
