r"""Elementwise vectors of SymPy expressions: what an optimizer recipe computes with.

A recipe reads the parameter ``p``, its state and the gradient as :class:`Vec` values and
writes the new ones with ordinary arithmetic, elementwise as in NumPy (a scalar is broadcast):

>>> import sympy as sp
>>> g = Vec.of("g", 2)
>>> mu, lr = sp.symbols("mu lr")
>>> v = mu * Vec.zeros(2) + g
>>> v
Vec(g_1, g_2)
>>> (Vec.of("p", 2) - lr * v)[0]
-g_1*lr + p_1
>>> (g * g).sqrt()
Vec(sqrt(g_1**2), sqrt(g_2**2))

The same recipe code runs on symbols (the proof), on exact rationals (the counterexample) and,
through the recurrence it defines, on NumPy arrays (training).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import Any

import sympy as sp

__all__ = ["Vec", "Scalar"]

#: what a recipe may mix with a vector: a SymPy expression or a Python number
Scalar = sp.Expr | int | Fraction


def _scalar(value: Any) -> sp.Expr:
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        raise TypeError(
            f"a float ({value!r}) in an optimizer recipe: write exact numbers, e.g. "
            "sympy.Rational(1, 10) or Fraction(1, 10)"
        )
    return sp.sympify(value, strict=True)


class Vec:
    """An immutable vector of SymPy expressions with elementwise arithmetic.

    ``+ - * /`` and ``**`` combine two vectors of the same length entry by entry, or a vector
    and a scalar (broadcast); :meth:`sqrt` and :meth:`abs` act entry by entry, :meth:`sum` and
    :meth:`dot` reduce.
    """

    __slots__ = ("entries",)

    def __init__(self, entries: Iterable[Any]) -> None:
        self.entries: tuple[sp.Expr, ...] = tuple(_scalar(e) for e in entries)

    @classmethod
    def of(cls, letter: str, dim: int, **assumptions: bool) -> Vec:
        """Symbols ``letter_1 .. letter_dim`` (with SymPy ``assumptions``)."""
        return cls(sp.Symbol(f"{letter}_{i}", **assumptions) for i in range(1, dim + 1))

    @classmethod
    def zeros(cls, dim: int) -> Vec:
        """The zero vector of length ``dim``."""
        return cls([sp.S.Zero] * dim)

    def zeros_like(self) -> Vec:
        """A zero vector of the same length (the usual start of a state)."""
        return Vec.zeros(len(self))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[sp.Expr]:
        return iter(self.entries)

    def __getitem__(self, i: int) -> sp.Expr:
        return self.entries[i]

    def __repr__(self) -> str:
        return f"Vec({', '.join(sp.sstr(e) for e in self.entries)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vec) and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self.entries)

    def map(self, f: Callable[[sp.Expr], Any]) -> Vec:
        """``f`` applied to every entry."""
        return Vec(f(e) for e in self.entries)

    def _zip(self, other: Any, op: Callable[[sp.Expr, sp.Expr], sp.Expr]) -> Vec:
        if isinstance(other, Vec):
            if len(other) != len(self):
                raise ValueError(f"vectors of lengths {len(self)} and {len(other)} combined")
            return Vec(op(a, b) for a, b in zip(self.entries, other.entries, strict=True))
        s = _scalar(other)
        return Vec(op(a, s) for a in self.entries)

    def _rzip(self, other: Any, op: Callable[[sp.Expr, sp.Expr], sp.Expr]) -> Vec:
        s = _scalar(other)
        return Vec(op(s, a) for a in self.entries)

    def __add__(self, other: Any) -> Vec:
        return self._zip(other, lambda a, b: a + b)

    def __radd__(self, other: Any) -> Vec:
        return self._rzip(other, lambda a, b: a + b)

    def __sub__(self, other: Any) -> Vec:
        return self._zip(other, lambda a, b: a - b)

    def __rsub__(self, other: Any) -> Vec:
        return self._rzip(other, lambda a, b: a - b)

    def __mul__(self, other: Any) -> Vec:
        return self._zip(other, lambda a, b: a * b)

    def __rmul__(self, other: Any) -> Vec:
        return self._rzip(other, lambda a, b: a * b)

    def __truediv__(self, other: Any) -> Vec:
        return self._zip(other, lambda a, b: a / b)

    def __rtruediv__(self, other: Any) -> Vec:
        return self._rzip(other, lambda a, b: a / b)

    def __pow__(self, other: Any) -> Vec:
        return self._zip(other, lambda a, b: a**b)

    def __neg__(self) -> Vec:
        return Vec(-a for a in self.entries)

    def __pos__(self) -> Vec:
        return self

    def sqrt(self) -> Vec:
        """The principal square root of every entry."""
        return Vec(sp.sqrt(a) for a in self.entries)

    def abs(self) -> Vec:
        """The absolute value of every entry."""
        return Vec(sp.Abs(a) for a in self.entries)

    def sum(self) -> sp.Expr:
        """The sum of the entries."""
        return sp.Add(*self.entries)

    def dot(self, other: Vec) -> sp.Expr:
        """The scalar product with ``other``."""
        return (self * other).sum()
