r"""Vectorised interval arithmetic in float64 with outward rounding: arrays of boxes.

A :class:`Box` holds two NumPy arrays ``lo <= hi`` of the same shape; every operation returns
a box that contains the exact result of the operation on every pair of real numbers drawn
from its operands' boxes. This is what lets a counterexample on a network of millions of
parameters be certified at NumPy speed: if the boxes of two exact values are disjoint, the
values differ (a proof, not an estimate).

How each operation stays rigorous:

- ``+ - * /`` are correctly rounded to nearest by IEEE 754, so the exact result lies within
  half an ulp of the computed one; each end is then moved one ulp outwards
  (``np.nextafter``), which covers it.
- ``sum`` along an axis: the computed sum ``s`` of ``m`` terms ``a_i`` satisfies
  ``|s - sum a_i| <= gamma_m sum |a_i|`` with ``gamma_m = m u / (1 - m u)``, ``u = 2^-53``,
  whatever the order NumPy adds in (Higham, *Accuracy and Stability of Numerical
  Algorithms*, 4.2); the ends are moved by that bound (and by ``m`` times the smallest
  subnormal, for underflow), then by one ulp.
- ``exp``, ``log``, ``tanh`` are monotone; NumPy's (libm's) results are within a few ulps of
  the exact values, far below the **relative slack 2^-40** (about 8,000 ulps) by which each
  end is widened here (plus the smallest subnormal). That slack is the one assumption made on
  the platform's elementary functions.
- Anything non-finite (overflow, a division by a box containing 0, ``log`` of a box reaching
  0) raises :class:`~symbolic_bp.intervals.Undecided`: the caller tries another point or a
  slower exact evaluation.

>>> import numpy as np
>>> third = Box.point(np.array([1.0])) / Box.point(np.array([3.0]))
>>> bool(third.lo[0] < 1 / 3 < third.hi[0])
True
>>> width = exp(Box.point(np.zeros(2))).hi - 1
>>> bool((width > 0).all() and (width < 1e-11).all())
True
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .intervals import Undecided

__all__ = ["Box", "exp", "log", "tanh", "relu", "relu_step", "leaky", "leaky_step", "SLACK"]

_DOWN, _UP = -np.inf, np.inf
_U = 2.0**-53
_TINY = 2.0**-1074  # the smallest positive subnormal
#: relative widening of every end of exp, log and tanh (NumPy's libm is accurate to a few ulps)
SLACK = 2.0**-40


def _down(a: np.ndarray) -> np.ndarray:
    return np.nextafter(a, _DOWN)


def _up(a: np.ndarray) -> np.ndarray:
    return np.nextafter(a, _UP)


def _finite(lo: np.ndarray, hi: np.ndarray) -> None:
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise Undecided("a value too large for float64 (overflow) or undefined")


class Box:
    """An array of intervals ``[lo, hi]`` (see the module). Supports ``+ - * /``, unary ``-``,
    integer powers, ``sum(axis)``, indexing, ``reshape`` and ``transpose`` like an array."""

    __array_ufunc__ = None  # ``ndarray + Box`` defers to Box.__radd__

    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo = np.asarray(lo, dtype=np.float64)
        self.hi = np.asarray(hi, dtype=np.float64)

    @classmethod
    def point(cls, values: Any) -> Box:
        """Boxes of exactly representable floats (width 0)."""
        a = np.asarray(values, dtype=np.float64)
        return cls(a, a.copy())

    @classmethod
    def of(cls, value: Any) -> Box:
        """A box holding ``value``: a Box, a float array (exact), or an exact rational."""
        if isinstance(value, Box):
            return value
        if isinstance(value, np.ndarray):
            return cls.point(value)
        f = float(value)
        lo, hi = np.array(f), np.array(f)
        if f != value:  # not exactly a float: one ulp either side covers the rounding
            lo, hi = _down(lo), _up(hi)
        return cls(lo, hi)

    # -- array shape ---------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.lo.shape)

    def __getitem__(self, key: Any) -> Box:
        return Box(self.lo[key], self.hi[key])

    def reshape(self, shape: tuple[int, ...]) -> Box:
        return Box(self.lo.reshape(shape), self.hi.reshape(shape))

    def transpose(self, axes: tuple[int, ...]) -> Box:
        return Box(self.lo.transpose(axes), self.hi.transpose(axes))

    def broadcast_to(self, shape: tuple[int, ...]) -> Box:
        return Box(np.broadcast_to(self.lo, shape), np.broadcast_to(self.hi, shape))

    def disjoint(self, other: Box) -> np.ndarray:
        """Where the two boxes do not meet (their exact values certainly differ)."""
        return (self.hi < other.lo) | (other.hi < self.lo)

    def sum(self, axis: int) -> Box:
        """The sum along ``axis``, enclosed (Higham's bound, see the module)."""
        m = self.lo.shape[axis]
        gamma = (m + 2) * _U / (1 - (m + 2) * _U)
        out = []
        for end, step in ((self.lo, _down), (self.hi, _up)):
            s = end.sum(axis=axis)
            bound = np.abs(end).sum(axis=axis) * (gamma * (1 + 4 * gamma)) + (m + 1) * _TINY
            out.append(step(s - bound) if step is _down else step(s + bound))
        _finite(out[0], out[1])
        return Box(out[0], out[1])

    # -- arithmetic ----------------------------------------------------------------------
    def __neg__(self) -> Box:
        return Box(-self.hi, -self.lo)

    def __add__(self, other: Any) -> Box:
        o = Box.of(other)
        lo, hi = _down(self.lo + o.lo), _up(self.hi + o.hi)
        _finite(lo, hi)
        return Box(lo, hi)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Box:
        return self + (-Box.of(other))

    def __rsub__(self, other: Any) -> Box:
        return Box.of(other) + (-self)

    def __mul__(self, other: Any) -> Box:
        o = Box.of(other)
        with np.errstate(invalid="ignore", over="ignore"):
            p = (self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi)
            lo = _down(np.minimum(np.minimum(p[0], p[1]), np.minimum(p[2], p[3])))
            hi = _up(np.maximum(np.maximum(p[0], p[1]), np.maximum(p[2], p[3])))
        _finite(lo, hi)
        return Box(lo, hi)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Box:
        o = Box.of(other)
        if ((o.lo <= 0) & (o.hi >= 0)).any():
            raise Undecided("division by an interval that contains 0")
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            q = (self.lo / o.lo, self.lo / o.hi, self.hi / o.lo, self.hi / o.hi)
            lo = _down(np.minimum(np.minimum(q[0], q[1]), np.minimum(q[2], q[3])))
            hi = _up(np.maximum(np.maximum(q[0], q[1]), np.maximum(q[2], q[3])))
        _finite(lo, hi)
        return Box(lo, hi)

    def __rtruediv__(self, other: Any) -> Box:
        return Box.of(other) / self

    def __pow__(self, k: int) -> Box:
        if not isinstance(k, int | np.integer):
            raise Undecided(f"power {k} is not an integer")
        if k < 0:
            return 1 / (self**-k)
        if k == 0:
            return Box.point(np.ones_like(self.lo))
        if k % 2:  # odd: monotone
            return Box(_repeat(Box.point(self.lo), k).lo, _repeat(Box.point(self.hi), k).hi)
        mag = np.maximum(np.abs(self.lo), np.abs(self.hi))
        mig = np.where(self.lo > 0, self.lo, np.where(self.hi < 0, -self.hi, 0.0))
        return Box(_repeat(Box.point(mig), k).lo, _repeat(Box.point(mag), k).hi)


def _repeat(b: Box, k: int) -> Box:
    out = b
    for _ in range(k - 1):
        out = out * b
    return out


def _widened(f: Callable[[np.ndarray], np.ndarray], box: Box) -> Box:
    """A monotone increasing ``f`` at both ends, widened by the relative slack."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        lo, hi = f(box.lo), f(box.hi)
    _finite(lo, hi)
    lo = _down(lo - np.abs(lo) * SLACK - _TINY)
    hi = _up(hi + np.abs(hi) * SLACK + _TINY)
    return Box(lo, hi)


def exp(box: Box) -> Box:
    """``exp``, enclosed (never below 0)."""
    out = _widened(np.exp, box)
    return Box(np.maximum(out.lo, 0.0), out.hi)


def log(box: Box) -> Box:
    """``log``, enclosed; a box reaching 0 or below is undecided."""
    if (box.lo <= 0).any():
        raise Undecided("log of an interval that reaches 0")
    return _widened(np.log, box)


def tanh(box: Box) -> Box:
    """``tanh``, enclosed and kept in ``[-1, 1]``."""
    out = _widened(np.tanh, box)
    return Box(np.maximum(out.lo, -1.0), np.minimum(out.hi, 1.0))


def relu(box: Box) -> Box:
    """``max(0, x)``: exact at both ends (monotone)."""
    return Box(np.maximum(box.lo, 0.0), np.maximum(box.hi, 0.0))


def relu_step(box: Box) -> Box:
    """ReLU's derivative (1 for ``x > 0``, else 0): ``[0, 1]`` where the box meets 0."""
    return Box(np.where(box.lo > 0, 1.0, 0.0), np.where(box.hi > 0, 1.0, 0.0))


def leaky(box: Box, slope: float | Fraction) -> Box:
    """Leaky ReLU ``x`` for ``x > 0`` else ``slope x`` (monotone). Give ``slope`` as the exact
    rational (a :class:`~fractions.Fraction`): a float stands for its own binary value."""
    s = Box.of(slope)
    low = Box(np.minimum(box.lo, 0.0), np.minimum(box.hi, 0.0)) * s
    return Box(low.lo + np.maximum(box.lo, 0.0), low.hi + np.maximum(box.hi, 0.0)) + 0.0


def leaky_step(box: Box, slope: float | Fraction) -> Box:
    """Leaky ReLU's derivative: 1 for ``x > 0``, else ``slope`` (exact as for :func:`leaky`).

    >>> step = leaky_step(Box.point(np.array([-1.0])), Fraction(1, 100))
    >>> bool(Fraction(step.lo[0]) < Fraction(1, 100) < Fraction(step.hi[0]))
    True
    """
    s = Box.of(slope)
    lo = np.where(box.lo > 0, 1.0, s.lo)
    hi = np.where(box.hi > 0, 1.0, s.hi)
    return Box(np.minimum(lo, hi), np.maximum(lo, hi))
