r"""Symbolic values that the user's code computes with as if they were numbers.

A :class:`Symbolic` wraps one SymPy expression and supports what code written for floats asks of
a number: arithmetic with ints, floats, NumPy scalars and other symbolic values; the methods
that NumPy's object loops call (``np.exp(a)`` on an object array calls ``a[i].exp()``); and the
conversions, each of which either has an exact answer or raises
:class:`~._errors.Untraceable` (a branch, ``float()``, ``int()`` of a value that depends on the
symbols). A plain SymPy expression cannot play this role: it has no ``.exp()`` method, and
``math.exp`` would call ``float()`` on it.

Float constants of the user's code become exact rationals: the simplest fraction with a
denominator up to :data:`MAX_DENOMINATOR` that rounds to the very same float (``0.1 -> 1/10``,
``1/3 -> 1/3``), else the shortest decimal that does (``0.123456789 -> 123456789/10**9``);
``math.e`` and ``math.pi`` become ``E`` and ``pi``. So the traced update, evaluated in floating
point, is the user's code up to rounding, and ``0.5*x`` is the ``x/2`` the user meant.

>>> import numpy as np, sympy as sp
>>> z = Symbolic(sp.Symbol("z"))
>>> 1.0 / (1.0 + np.exp(-z))
Symbolic(1/(1 + exp(-z)))
>>> np.tanh(np.array([z, 2 * z]))
array([Symbolic(tanh(z)), Symbolic(tanh(2*z))], dtype=object)
>>> float(Symbolic(sp.Rational(1, 4)) + 0.25)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache
from itertools import islice
from typing import Any

import numpy as np
import sympy as sp

from ._errors import Untraceable
from ._limits import DEADLINE

__all__ = ["Symbolic", "as_expr", "exact_number", "FUNCTIONS", "MAX_DENOMINATOR", "sigmoid"]

#: the largest denominator tried when a float constant is read as a fraction
MAX_DENOMINATOR = 10**6

BRANCH_FIX = (
    "branches on symbolic values cannot be traced: write this step without them (e.g. sigmoid or "
    "tanh instead of a threshold, ReLU or clipping), or move them out of step"
)
NUMBER_FIX = (
    "keep the values in object arrays or Python numbers: create arrays with np.zeros/np.ones/"
    "np.zeros_like (they hold symbolic values while tracing) or dtype=object, not float()/int()"
    "/np.array([...0.0...]), and move printing or rounding out of step"
)


@lru_cache(maxsize=4096)
def _exact_float(value: float, text: str) -> sp.Expr:
    if not math.isfinite(value):
        raise Untraceable(
            f"the non-finite number {value!r} meets a symbolic value",
            "remove infinite or nan constants (clipping bounds, masks) from step",
        )
    if value == math.e:
        return sp.E
    if value == math.pi:
        return sp.pi
    simple = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    if float(simple) != value:
        simple = Fraction(text)
    return sp.Rational(simple.numerator, simple.denominator)


def exact_number(value: object) -> sp.Expr | None:
    """``value`` (bool, int, float, NumPy scalar, ``Fraction``) as an exact SymPy number, or
    ``None`` when it is not a real number.

    >>> exact_number(0.1), exact_number(1 / 3), exact_number(np.float32(0.1)), exact_number("1")
    (1/10, 1/3, 1/10, None)
    """
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, float):
        return _exact_float(value, repr(value))
    if isinstance(value, np.floating):
        return _exact_float(float(value), str(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    return None


def as_expr(value: object) -> sp.Expr | None:
    """The SymPy expression of a :class:`Symbolic`, a SymPy expression or a real number;
    ``None`` for anything else (a list, an array, a string)."""
    if isinstance(value, Symbolic):
        return value.expr
    if isinstance(value, sp.Expr):
        return value
    return exact_number(value)


def _quick(fn: type[sp.Function], odd: bool) -> Callable[[sp.Expr], sp.Expr]:
    """``fn`` without SymPy's automatic evaluation for an argument with symbols in it.

    That evaluation asks the assumptions system about the argument (is it zero, negative,
    a multiple of i*pi?), which costs as much as the rest of tracing together on a deep
    network, and finds nothing in the real-valued expressions of a network. The one rewrite
    it makes there, ``tanh(-u) -> -tanh(u)`` for an odd function, is kept, so the results are
    the expressions SymPy itself would build."""

    def quick(arg: sp.Expr) -> sp.Expr:
        if arg.is_number:
            return fn(arg)
        if odd and arg.could_extract_minus_sign():
            return -fn(-arg, evaluate=False)
        return fn(arg, evaluate=False)

    return quick


_exp = _quick(sp.exp, odd=False)


def sigmoid(z: sp.Expr) -> sp.Expr:
    """``1/(1 + exp(-z))``, the form that code written out by hand gives as well."""
    return 1 / (1 + _exp(-z))


#: elementary functions by the name of the NumPy ufunc (and of the method its object loop calls)
FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "exp": _exp,
    "expm1": lambda e: _exp(e) - 1,
    "exp2": lambda e: 2**e,
    "log": sp.log,
    "log1p": lambda e: sp.log(1 + e),
    "log2": lambda e: sp.log(e, 2),
    "log10": lambda e: sp.log(e, 10),
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "arcsin": sp.asin,
    "arccos": sp.acos,
    "arctan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": _quick(sp.tanh, odd=True),
    "arcsinh": sp.asinh,
    "arccosh": sp.acosh,
    "arctanh": sp.atanh,
    "conjugate": sp.conjugate,
}


def _short(expr: sp.Expr, limit: int = 200) -> str:
    """``str(expr)``, unless the expression is large (its text could be huge)."""
    if sum(1 for _ in islice(sp.preorder_traversal(expr), limit + 1)) > limit:
        return "<large symbolic expression>"
    return str(expr)


def _decide(verdict: object, what: str) -> bool:
    if verdict is sp.true:
        return True
    if verdict is sp.false:
        return False
    raise Untraceable(what, BRANCH_FIX)


class Symbolic:
    """A SymPy expression that behaves like a number in code written for floats.

    **Arguments:** ``expr``, a SymPy expression or a real number.

    ``.expr`` is the expression. Arithmetic gives new :class:`Symbolic` values; a conversion
    (``bool``, ``float``, ``int``, comparisons) is exact when the value is a constant and
    raises ``Untraceable`` (a branch on the symbols) otherwise.
    """

    __slots__ = ("expr",)
    expr: sp.Expr

    def __init__(self, expr: object) -> None:
        value = as_expr(expr)
        if value is None:
            raise TypeError(f"Symbolic needs a SymPy expression or a real number, not {expr!r}")
        self.expr = value

    # -- conversions -------------------------------------------------------------------
    def _constant(self, what: str) -> sp.Expr:
        if not self.expr.is_number:
            raise Untraceable(f"{what} of a symbolic value", NUMBER_FIX)
        return self.expr

    def __float__(self) -> float:
        try:
            return float(self._constant("float()"))
        except TypeError:
            raise Untraceable("float() of a complex value", NUMBER_FIX) from None

    def __int__(self) -> int:
        return int(self._constant("int()"))

    def __index__(self) -> int:
        value = self._constant("an index or int()")
        if not value.is_Integer:
            raise TypeError(f"{value} is not an integer")
        return int(value)

    def __complex__(self) -> complex:
        return complex(self._constant("complex()"))

    def __round__(self, ndigits: int | None = None) -> Any:
        return round(float(self._constant("round()")), ndigits)

    def __trunc__(self) -> int:
        return math.trunc(float(self._constant("math.trunc()")))

    def __floor__(self) -> int:
        return math.floor(self._constant("math.floor()"))

    def __ceil__(self) -> int:
        return math.ceil(self._constant("math.ceil()"))

    def __bool__(self) -> bool:
        zero = self.expr.is_zero
        if zero is None:
            raise Untraceable(
                "a branch on a symbolic value (if, while, and/or, assert)", BRANCH_FIX
            )
        return not zero

    def _sympy_(self) -> sp.Expr:
        return self.expr

    # -- comparisons -------------------------------------------------------------------
    def _compare(self, other: object, relation: type, text: str) -> Any:
        value = as_expr(other)
        if value is None:
            return NotImplemented
        try:
            verdict = relation(self.expr, value)
        except TypeError:
            verdict = None
        return _decide(verdict, f"the comparison {text} of a symbolic value")

    def __lt__(self, other: object) -> Any:
        return self._compare(other, sp.Lt, "<")

    def __le__(self, other: object) -> Any:
        return self._compare(other, sp.Le, "<=")

    def __gt__(self, other: object) -> Any:
        return self._compare(other, sp.Gt, ">")

    def __ge__(self, other: object) -> Any:
        return self._compare(other, sp.Ge, ">=")

    def __eq__(self, other: object) -> Any:
        return self._compare(other, sp.Eq, "==")

    def __ne__(self, other: object) -> Any:
        equal = self._compare(other, sp.Eq, "!=")
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self.expr)

    # -- text and copies ---------------------------------------------------------------
    def __str__(self) -> str:
        return _short(self.expr)

    def __repr__(self) -> str:
        return f"Symbolic({_short(self.expr)})"

    def __format__(self, spec: str) -> str:
        if spec and self.expr.is_number:
            return format(float(self.expr), spec)
        return str(self)

    def __copy__(self) -> Symbolic:
        return self

    def __deepcopy__(self, memo: dict) -> Symbolic:
        return self

    def __reduce__(self) -> tuple:
        return (Symbolic, (self.expr,))

    # -- arithmetic --------------------------------------------------------------------
    def __neg__(self) -> Symbolic:
        return Symbolic(-self.expr)

    def __pos__(self) -> Symbolic:
        return self

    def __abs__(self) -> Symbolic:
        return Symbolic(sp.Abs(self.expr))


def _nonzero_divisor(value: sp.Expr) -> sp.Expr:
    if value.is_Number and value == 0:
        raise ZeroDivisionError("division by zero (a symbolic value divided by 0)")
    return value


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if base.is_Number and base == 0 and exponent.is_Number and exponent < 0:
        raise ZeroDivisionError("0 cannot be raised to a negative power")
    return base**exponent


def _floor_div(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if not (a.is_number and b.is_number):
        raise Untraceable("// of a symbolic value", BRANCH_FIX)
    return sp.floor(a / _nonzero_divisor(b))


def _mod(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    if not (a.is_number and b.is_number):
        raise Untraceable("% of a symbolic value", BRANCH_FIX)
    return a - b * sp.floor(a / _nonzero_divisor(b))


_BINARY: dict[str, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / _nonzero_divisor(b),
    "pow": _power,
    "floordiv": _floor_div,
    "mod": _mod,
}


def _operator(op: Callable[[sp.Expr, sp.Expr], sp.Expr], reflected: bool) -> Callable:
    def method(self: Symbolic, other: object) -> Any:
        value = as_expr(other)
        if value is None:
            return NotImplemented
        DEADLINE.check()
        return Symbolic(op(value, self.expr) if reflected else op(self.expr, value))

    return method


def _function(fn: Callable[[sp.Expr], sp.Expr]) -> Callable:
    def method(self: Symbolic) -> Symbolic:
        DEADLINE.check()
        return Symbolic(fn(self.expr))

    return method


# The operators and the ufunc methods are one table each rather than forty near-identical defs.
for _name, _op in _BINARY.items():
    setattr(Symbolic, f"__{_name}__", _operator(_op, reflected=False))
    setattr(Symbolic, f"__r{_name}__", _operator(_op, reflected=True))
for _name, _fn in FUNCTIONS.items():
    setattr(Symbolic, _name, _function(_fn))
