r"""Kinds of numbers for the vectorised layer evaluation (:mod:`~symbolic_bp.proof.layer_values`).

- :data:`BOXES`: float64 intervals with outward rounding (:mod:`symbolic_bp.boxes`): rigorous
  and at NumPy speed; the first choice;
- :data:`MPMATH`: 256-bit mpmath intervals on NumPy object arrays: for what the boxes leave
  undecided (values that overflow a float64, enclosures that meet);
- :data:`EXACT`: exact rationals (:class:`~fractions.Fraction`) on object arrays: the values
  reported where every function is rational-valued.

Each gives arrays of its numbers from exact rationals and the elementwise functions the rules
use; ``+ - * /``, integer powers, sums and shapes are the arrays' own.

>>> from fractions import Fraction
>>> EXACT.functions["relu"](EXACT.vector([Fraction(-1), Fraction(1, 2)])).tolist()
[Fraction(0, 1), Fraction(1, 2)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from mpmath import iv

from .. import boxes
from ..intervals import PRECISION_BITS, Undecided
from ..model.piecewise import LEAKY_SLOPE

__all__ = ["Arithmetic", "BOXES", "EXACT", "MPMATH"]


@dataclass(frozen=True)
class Arithmetic:
    """One kind of number for :class:`LayerValues`: how to make an array of exact rationals,
    and the elementwise functions; ``+ - * /`` and shapes are the arrays' own."""

    name: str
    vector: Callable[[Sequence[Fraction]], Any]
    functions: dict[str, Callable[[Any], Any]]
    total: Callable[[Any, int], Any]


def _box_vector(values: Sequence[Fraction]) -> boxes.Box:
    f = np.array([float(v) for v in values], dtype=np.float64)
    inexact = np.array([Fraction(x) != v for x, v in zip(f.tolist(), values, strict=True)])
    lo = np.where(inexact, np.nextafter(f, -np.inf), f) if inexact.size else f
    hi = np.where(inexact, np.nextafter(f, np.inf), f) if inexact.size else f.copy()
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise Undecided("a value of the point does not fit a float64")
    return boxes.Box(lo, hi)


_SLOPE = Fraction(int(LEAKY_SLOPE.p), int(LEAKY_SLOPE.q))

BOXES = Arithmetic(
    "float64 intervals",
    _box_vector,
    {
        "exp": boxes.exp,
        "log": boxes.log,
        "tanh": boxes.tanh,
        "relu": boxes.relu,
        "relu_step": boxes.relu_step,
        # the exact slope: float(1/100) is not 1/100, so a box must enclose it
        "leaky": lambda a: boxes.leaky(a, _SLOPE),
        "leaky_step": lambda a: boxes.leaky_step(a, _SLOPE),
    },
    lambda a, axis: a.sum(axis),
)


def _object_sum(a: Any, axis: int) -> Any:
    total = a.sum(axis=axis)
    if isinstance(total, np.ndarray):
        return total
    out = np.empty((), dtype=object)
    out[()] = total
    return out


def _objects(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    ufunc = np.frompyfunc(f, 1, 1)
    return lambda a: np.asarray(ufunc(a), dtype=object)


def _no_exact(name: str) -> Callable[[Any], Any]:
    def refuse(a: Any) -> Any:
        raise Undecided(f"{name} of a rational is not rational")

    return refuse


EXACT = Arithmetic(
    "exact rationals",
    lambda values: np.array(list(values) + [None], dtype=object)[:-1],
    {
        "exp": _no_exact("exp"),
        "log": _no_exact("log"),
        "tanh": _no_exact("tanh"),
        "relu": _objects(lambda q: q if q > 0 else Fraction(0)),
        "relu_step": _objects(lambda q: Fraction(1) if q > 0 else Fraction(0)),
        "leaky": _objects(lambda q: q if q > 0 else _SLOPE * q),
        "leaky_step": _objects(lambda q: Fraction(1) if q > 0 else _SLOPE),
    },
    _object_sum,
)


def _iv(q: Fraction) -> Any:
    iv.prec = PRECISION_BITS
    return iv.mpf(q.numerator) / q.denominator


def _iv_piece(a: Any, positive: Any, other: Any) -> Any:
    if a.a > 0:
        return positive
    if a.b <= 0:
        return other
    return iv.mpf([min(positive.a, other.a), max(positive.b, other.b)])


def _iv_exp(a: Any) -> Any:
    if abs(a.a) > 10**6 or abs(a.b) > 10**6:
        raise Undecided("exp of a value too large to enclose")
    return iv.exp(a)


def _iv_log(a: Any) -> Any:
    if a.a <= 0:
        raise Undecided("log of an interval that reaches 0")
    return iv.log(a)


MPMATH = Arithmetic(
    f"{PRECISION_BITS}-bit intervals",
    lambda values: np.array([_iv(v) for v in values] + [None], dtype=object)[:-1],
    {
        "exp": _objects(_iv_exp),
        "log": _objects(_iv_log),
        "tanh": _objects(lambda a: 1 - 2 / (_iv_exp(2 * a) + 1)),
        "relu": _objects(lambda a: _iv_piece(a, a, iv.mpf(0))),
        "relu_step": _objects(lambda a: _iv_piece(a, iv.mpf(1), iv.mpf(0))),
        "leaky": _objects(lambda a: _iv_piece(a, a, _iv(_SLOPE) * a)),
        "leaky_step": _objects(lambda a: _iv_piece(a, iv.mpf(1), _iv(_SLOPE))),
    },
    _object_sum,
)
