r"""Exact sparse polynomials and their quotients, fast enough for a whole network.

The checker writes every update as a rational function over QQ in a few hundred generators
(inputs, targets, parameters, ``eta`` and one atom per neuron). SymPy's own polynomial rings
store a monomial as a tuple with one exponent per generator and cancel every quotient by a
gcd; on a 8-16-16-4 network that is most of a minute. Here a monomial is one Python integer
with the exponent of generator ``k`` in bits ``[k B, (k+1) B)``, so multiplying monomials is
adding integers, and a quotient is cancelled only where that is cheap.

- :class:`Poly`: ``{monomial: coefficient}`` with integer or :class:`~fractions.Fraction`
  coefficients and a bound on the total degree (a product that could overflow a bit field
  raises :class:`Overflow` instead of computing a wrong monomial);
- :class:`Frac`: ``num / den``. Two quotients are equal exactly when ``num1 den2 == num2 den1``
  (:meth:`Frac.equals`), whether or not they were cancelled.

>>> x, y = Poly.generator(0), Poly.generator(1)
>>> p = (x + y) * (x - y)
>>> p == x * x - y * y
True
>>> q = Frac(p, Poly.constant(1)) / Frac(x + y, Poly.constant(1))
>>> q.equals(Frac(x - y, Poly.constant(1))), q.den.is_constant()
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache

import sympy as sp
from sympy.polys.rings import ring

__all__ = ["Poly", "Frac", "Overflow", "BITS", "MAX_DEGREE", "CANCEL_TERMS", "MAX_TERMS"]

#: bits per exponent in a packed monomial
BITS = 12
#: a total degree at or above this could overflow a bit field
MAX_DEGREE = (1 << BITS) - 1
_MASK = MAX_DEGREE
#: quotients whose numerator and denominator together have at most this many terms are
#: cancelled by a gcd (SymPy's); larger ones only by a common monomial or a constant
CANCEL_TERMS = 40
#: a polynomial with more terms is not built (:class:`Overflow`): the gradient of a 8-16-16-4
#: network has at most 1,024 per update; code whose expansion explodes (a signal squared, as
#: in the in-place bug, gives 120,000) is left to counterexamples
MAX_TERMS = 20_000
#: a product of more term pairs than this is not computed (:class:`Overflow`)
MAX_PRODUCT = 2_000_000

Coefficient = int | Fraction


class Overflow(ArithmeticError):
    """A total degree too large for the packed monomials, or a polynomial too large to build
    (:data:`MAX_TERMS`, :data:`MAX_PRODUCT`)."""


def _normal(terms: dict[int, int], den: int) -> tuple[dict[int, int], int]:
    """``terms / den`` with ``den > 0`` and no common factor of ``den`` and every coefficient."""
    if den == 1:
        return terms, 1
    if den < 0:
        terms, den = {m: -c for m, c in terms.items()}, -den
    g = den
    for c in terms.values():
        g = math.gcd(g, c)
        if g == 1:
            return terms, den
    return ({m: c // g for m, c in terms.items()}, den // g) if terms else ({}, 1)


class Poly:
    """A sparse polynomial over QQ: ``terms`` maps a packed monomial to a non-zero *integer*
    coefficient, and ``den`` (a positive integer without a factor common to every coefficient)
    divides them all, so that equal polynomials have equal fields and arithmetic stays in
    integers; ``degree`` bounds the total degree of every monomial."""

    __slots__ = ("terms", "den", "degree")

    def __init__(self, terms: dict[int, int], degree: int, den: int = 1) -> None:
        self.terms, self.den = _normal(terms, den)
        self.degree = degree if terms else 0

    # -- construction ----------------------------------------------------------------------
    @staticmethod
    def constant(c: Coefficient) -> Poly:
        q = Fraction(c)
        return Poly({0: q.numerator} if q else {}, 0, q.denominator)

    @staticmethod
    def generator(k: int) -> Poly:
        """The ``k``-th generator (0-based)."""
        return Poly({1 << (BITS * k): 1}, 1)

    # -- queries -----------------------------------------------------------------------------
    def is_constant(self) -> bool:
        return not self.terms or (len(self.terms) == 1 and 0 in self.terms)

    def constant_value(self) -> Fraction:
        """The value of a constant polynomial (0 for the zero polynomial)."""
        return Fraction(self.terms.get(0, 0), self.den)

    def coefficient(self, m: int) -> Fraction:
        """The coefficient of the monomial ``m`` (0 if absent)."""
        return Fraction(self.terms.get(m, 0), self.den)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Poly) and self.den == other.den and self.terms == other.terms

    def __hash__(self) -> int:  # pragma: no cover - polynomials are not used as keys
        raise TypeError("Poly is mutable in spirit: not hashable")

    def is_multiple(self, other: Poly, r: Fraction, shift: int = 0) -> bool:
        """Whether ``self == r * M * other`` for the packed monomial ``M = shift`` (a
        negative ``shift`` divides by it), compared coefficient by coefficient in integers."""
        if len(self.terms) != len(other.terms):
            return False
        left, right = other.den * r.denominator, self.den * r.numerator
        get = other.terms.get
        for m, c in self.terms.items():
            d = get(m - shift)
            if d is None or c * left != d * right:
                return False
        return True

    # -- arithmetic --------------------------------------------------------------------------
    def __add__(self, other: Poly) -> Poly:
        if len(other.terms) > len(self.terms):
            self, other = other, self
        degree = max(self.degree, other.degree)
        if self.den == other.den:
            terms, theirs, den = dict(self.terms), other.terms, self.den
        else:
            a, b = other.den, self.den
            terms = {m: c * a for m, c in self.terms.items()}
            theirs = {m: c * b for m, c in other.terms.items()}
            den = a * b
        for m, c in theirs.items():
            v = terms.get(m, 0) + c
            if v:
                terms[m] = v
            else:
                del terms[m]
        if len(terms) > MAX_TERMS:
            raise Overflow(f"a sum of {len(terms)} terms (more than {MAX_TERMS})")
        return Poly(terms, degree, den)

    def __neg__(self) -> Poly:
        return Poly({m: -c for m, c in self.terms.items()}, self.degree, self.den)

    def __sub__(self, other: Poly) -> Poly:
        return self + (-other)

    def scale(self, c: Coefficient) -> Poly:
        q = Fraction(c)
        if not q:
            return Poly({}, 0)
        if q == 1:
            return self
        num = q.numerator
        terms = self.terms if num == 1 else {m: v * num for m, v in self.terms.items()}
        return Poly(terms, self.degree, self.den * q.denominator)

    def __mul__(self, other: Poly) -> Poly:
        if len(other.terms) > len(self.terms):
            self, other = other, self
        degree = self.degree + other.degree
        if degree > MAX_DEGREE:
            raise Overflow(f"total degree {degree} exceeds {MAX_DEGREE}")
        if len(self.terms) * len(other.terms) > MAX_PRODUCT:
            raise Overflow(f"a product of {len(self.terms)} by {len(other.terms)} terms")
        den = self.den * other.den
        if len(other.terms) == 1:
            ((m2, c2),) = other.terms.items()
            return Poly({m + m2: c * c2 for m, c in self.terms.items()}, degree, den)
        terms: dict[int, int] = {}
        get = terms.get
        for m2, c2 in other.terms.items():
            for m1, c1 in self.terms.items():
                m = m1 + m2
                terms[m] = get(m, 0) + c1 * c2
        if len(terms) > MAX_TERMS:
            raise Overflow(f"a product of {len(terms)} terms (more than {MAX_TERMS})")
        return Poly({m: c for m, c in terms.items() if c}, degree, den)

    def __pow__(self, k: int) -> Poly:
        if k < 0:
            raise ValueError("negative power of a polynomial: use Frac")
        out, base = Poly.constant(1), self
        while k:
            if k & 1:
                out = out * base
            k >>= 1
            if k:
                base = base * base
        return out

    # -- monomials ----------------------------------------------------------------------------
    def monomial_gcd(self) -> int:
        """The largest monomial dividing every term (0 for none or a constant)."""
        items = iter(self.terms)
        first = next(items, 0)
        exps = dict(exponents(first))
        for m in items:
            if not exps:
                break
            exps = {k: min(e, f) for k, e in exps.items() if (f := _exponent(m, k))}
        return sum(e << (BITS * k) for k, e in exps.items())

    def divide_monomial(self, m: int, degree: int) -> Poly:
        """``self / m`` for a monomial ``m`` (of total degree ``degree``) dividing every term."""
        return Poly({t - m: c for t, c in self.terms.items()}, self.degree - degree, self.den)


def _exponent(m: int, k: int) -> int:
    return (m >> (BITS * k)) & _MASK


def exponents(m: int) -> Iterator[tuple[int, int]]:
    """``(generator, exponent)`` of every generator in the packed monomial ``m``."""
    while m:
        k = ((m & -m).bit_length() - 1) // BITS
        e = _exponent(m, k)
        yield k, e
        m -= e << (BITS * k)


def monomial_degree(m: int) -> int:
    return sum(e for _, e in exponents(m))


class Frac:
    """``num / den`` with polynomials (``den`` never zero). Constants are folded into the
    numerator; small quotients are cancelled (see :data:`CANCEL_TERMS`)."""

    __slots__ = ("num", "den")

    def __init__(self, num: Poly, den: Poly) -> None:
        if not den:
            raise ZeroDivisionError("division by the zero polynomial")
        self.num, self.den = num, den

    @staticmethod
    def of(p: Poly) -> Frac:
        return Frac(p, _ONE)

    @staticmethod
    def constant(c: Coefficient) -> Frac:
        return Frac(Poly.constant(c), _ONE)

    def is_poly(self) -> bool:
        return self.den is _ONE or (self.den.den == 1 and self.den.terms == _ONE.terms)

    def is_zero(self) -> bool:
        return not self.num

    def equals(self, other: Frac) -> bool:
        """Exact equality of the two rational functions."""
        if self.is_poly() and other.is_poly():
            return self.num == other.num
        return self.num * other.den == other.num * self.den

    def __add__(self, other: Frac) -> Frac:
        if not other.num:
            return self
        if not self.num:
            return other
        if self.den is other.den or self.den == other.den:
            return _reduced(self.num + other.num, self.den)
        return _reduced(self.num * other.den + other.num * self.den, self.den * other.den)

    def __neg__(self) -> Frac:
        return Frac(-self.num, self.den)

    def __sub__(self, other: Frac) -> Frac:
        return self + (-other)

    def __mul__(self, other: Frac) -> Frac:
        if self.is_poly() and other.is_poly():
            return Frac(self.num * other.num, _ONE)
        return _reduced(self.num * other.num, self.den * other.den)

    def __truediv__(self, other: Frac) -> Frac:
        if not other.num:
            raise ZeroDivisionError("division by a rational function that is zero")
        return _reduced(self.num * other.den, self.den * other.num)

    def __pow__(self, k: int) -> Frac:
        if k >= 0:
            return Frac(self.num**k, self.den**k) if not self.is_poly() else Frac(self.num**k, _ONE)
        return Frac.of(Poly.constant(1)) / (self ** (-k))

    def scale(self, c: Coefficient) -> Frac:
        return Frac(self.num.scale(c), self.den)


_ONE = Poly.constant(1)


def _reduced(num: Poly, den: Poly) -> Frac:
    """``num / den`` with constant and monomial factors of the denominator moved, and small
    quotients cancelled by a gcd."""
    if not num:
        return Frac(num, _ONE)
    if den.is_constant():
        c = den.constant_value()
        return Frac(num if c == 1 else num.scale(Fraction(1) / c), _ONE)
    m = den.monomial_gcd()
    if m:
        common = _common_monomial(num, m)
        if common:
            d = monomial_degree(common)
            num, den = num.divide_monomial(common, d), den.divide_monomial(common, d)
            if den.is_constant():
                return _reduced(num, den)
    if len(num) + len(den) <= CANCEL_TERMS:
        num, den = _cancel(num, den)
    return Frac(num, den)


def _common_monomial(num: Poly, m: int) -> int:
    """The largest monomial dividing both ``num`` (every term) and the monomial ``m``."""
    g = num.monomial_gcd()
    return sum(min(e, _exponent(g, k)) << (BITS * k) for k, e in exponents(m))


@lru_cache(maxsize=512)
def _ring(generators: tuple[int, ...]) -> tuple:
    return ring([f"g{k}" for k in generators], sp.QQ)


def _cancel(num: Poly, den: Poly) -> tuple[Poly, Poly]:
    """``num / den`` cancelled by SymPy's gcd, in a ring of only the generators they use."""
    used = sorted({k for p in (num, den) for m in p.terms for k, _ in exponents(m)})
    R, *_ = _ring(tuple(used))
    position = {k: n for n, k in enumerate(used)}

    def to_ring(p: Poly) -> object:
        out = {}
        for m, c in p.terms.items():
            vec = [0] * len(used)
            for k, e in exponents(m):
                vec[position[k]] = e
            out[tuple(vec)] = sp.QQ(c, p.den)
        return R.from_dict(out)

    def back(p: object, degree: int) -> Poly:
        items = [
            (
                sum(e << (BITS * used[n]) for n, e in enumerate(vec) if e),
                Fraction(int(c.numerator), int(c.denominator)),
            )
            for vec, c in p.terms()  # type: ignore[attr-defined]
        ]
        den = math.lcm(*(q.denominator for _, q in items)) if items else 1
        return Poly({m: int(q * den) for m, q in items}, degree, den)

    p, q = to_ring(num).cancel(to_ring(den))  # type: ignore[attr-defined]
    top, bottom = back(p, num.degree), back(q, den.degree)
    if bottom.is_constant():
        c = bottom.constant_value()
        return (top if c == 1 else top.scale(Fraction(1) / c)), _ONE
    return top, bottom
