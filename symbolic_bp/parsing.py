"""Safe parsing of user-typed expressions and lists.

User text never reaches ``eval``, ``sympify`` or ``parse_expr``. An expression is parsed by
Python's :mod:`ast` (which only builds a tree, it runs nothing) and the tree is walked with a
whitelist of node types, names and functions; anything else is an :class:`InputError`.

>>> parse_expression("x**3/3 + x")
x**3/3 + x
>>> parse_expression("max(x, 0.1*x)")
Max(x/10, x)
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from fractions import Fraction

import sympy as sp

from .errors import InputError

__all__ = [
    "parse_expression",
    "split_top_level",
    "parse_number_list",
    "parse_rational",
    "MAX_EXPRESSION_LENGTH",
]

MAX_EXPRESSION_LENGTH = 400
MAX_DEPTH = 40
MAX_EXPONENT = 64
MAX_LITERAL_DIGITS = 30

X = sp.Symbol("x", real=True)

_FUNCTIONS: Mapping[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "tanh": sp.tanh,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "sin": sp.sin,
    "cos": sp.cos,
    "atan": sp.atan,
    "abs": sp.Abs,
    "max": sp.Max,
    "min": sp.Min,
    "sigmoid": lambda a: 1 / (1 + sp.exp(-a)),
}
_ARITY = {"max": (2, 2), "min": (2, 2)}
_CONSTANTS = {"pi": sp.pi, "e": sp.E, "E": sp.E}
_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def _number(value: object, text: str) -> sp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"unsupported literal {value!r} in expression {text!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"non-finite number in expression {text!r}")
    digits = len(str(abs(int(value)))) if isinstance(value, int) else len(repr(value))
    if digits > MAX_LITERAL_DIGITS:
        raise InputError(f"number literal too long in expression {text!r}")
    # exact rational from the decimal text, so 0.1 means 1/10, not a binary float
    return sp.Rational(repr(value)) if isinstance(value, float) else sp.Integer(value)


def parse_expression(text: str, variable: str = "x") -> sp.Expr:
    """Parse ``text`` into a SymPy expression in one real variable, safely.

    **Arguments:**

    - ``text``: e.g. ``"x**3/3 + x"``. Allowed: numbers, the variable, ``pi``, ``e``,
      ``+ - * / **``, and the functions ``exp log sqrt tanh sinh cosh sin cos atan abs max min
      sigmoid``. Exponents must be numbers of magnitude at most 64.
    - ``variable``: the name of the variable (returned as a real SymPy symbol ``x``).

    **Returns:** the expression, in the real symbol ``x``.

    **Raises:** :class:`InputError` naming the bad text, for anything else: unknown names,
    attribute access, calls of unknown functions, lambdas, comprehensions, huge numbers, or an
    expression that does not depend on the variable.

    >>> parse_expression("log(1 + exp(x))")
    log(exp(x) + 1)
    >>> parse_expression("x.__class__")
    Traceback (most recent call last):
    ...
    symbolic_bp.errors.InputError: Attribute is not allowed in expression 'x.__class__'

    """
    if not isinstance(text, str):
        raise InputError(f"expression must be text, not {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise InputError(
            f"expression of {len(text)} characters is longer than {MAX_EXPRESSION_LENGTH}"
        )
    shown = text.replace("\n", " ").strip()
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise InputError(
            f"cannot parse expression {shown!r}: {exc.msg if isinstance(exc, SyntaxError) else exc}"
        ) from None
    allowed = ", ".join(sorted(_FUNCTIONS))

    def walk(node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise InputError(f"expression {shown!r} is nested too deeply")
        if isinstance(node, ast.Expression):
            return walk(node.body, depth + 1)
        if isinstance(node, ast.Constant):
            return _number(node.value, shown)
        if isinstance(node, ast.Name):
            if node.id == variable:
                return X
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            raise InputError(
                f"name {node.id!r} is not allowed in expression {shown!r}; allowed: "
                f"{variable}, pi, e and the functions {allowed}"
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = walk(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](walk(node.left, depth + 1), walk(node.right, depth + 1))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base = walk(node.left, depth + 1)
            exponent = walk(node.right, depth + 1)
            if not exponent.is_number or not exponent.is_real or abs(exponent) > MAX_EXPONENT:
                raise InputError(
                    f"exponent {ast.unparse(node.right)!r} in expression {shown!r} must be a "
                    f"number of magnitude at most {MAX_EXPONENT}"
                )
            return base**exponent
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name is None or name not in _FUNCTIONS:
                called = name if name is not None else ast.unparse(node.func)
                raise InputError(
                    f"function {called!r} is not allowed in expression {shown!r}; "
                    f"allowed: {allowed}"
                )
            if node.keywords:
                raise InputError(f"keyword arguments are not allowed in expression {shown!r}")
            low, high = _ARITY.get(name, (1, 1))
            if not low <= len(node.args) <= high:
                raise InputError(
                    f"{name}() takes {low if low == high else f'{low} to {high}'} argument(s) "
                    f"in expression {shown!r}"
                )
            return _FUNCTIONS[name](*(walk(a, depth + 1) for a in node.args))
        what = type(node).__name__
        raise InputError(f"{what} is not allowed in expression {shown!r}")

    expr = walk(tree, 0)
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise InputError(f"expression {shown!r} is undefined (division by zero or infinity)")
    if X not in expr.free_symbols:
        raise InputError(f"expression {shown!r} is not a function of {variable}")
    return expr


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` on ``sep`` outside parentheses.

    >>> split_top_level("sigmoid,max(x, 0),tanh")
    ['sigmoid', 'max(x, 0)', 'tanh']
    """
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return parts


def parse_number_list(text: str, what: str) -> list[float]:
    """Parse a comma-separated list of finite numbers, e.g. ``--input 0.05,0.10``.

    >>> parse_number_list("0.05, 0.10", "--input")
    [0.05, 0.1]
    """
    values = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            raise InputError(f"{what}: {part!r} is not a number (in {text!r})") from None
        if not math.isfinite(value):
            raise InputError(f"{what}: {part!r} is not a finite number (in {text!r})")
        values.append(value)
    return values


_RATIONAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?$|^[+-]?\d+/\d+$")


def parse_rational(text: str, what: str) -> Fraction:
    """An exact rational from a decimal (``0.9`` is ``9/10``, ``1e-3``) or a fraction
    (``1/3``): no ``eval``, no float rounding, at most 40 characters and exponents of two digits.

    >>> parse_rational("0.9", "--hyper mu")
    Fraction(9, 10)
    >>> parse_rational("1/3", "--hyper mu")
    Fraction(1, 3)
    >>> parse_rational("nan", "--hyper mu")
    Traceback (most recent call last):
    ...
    symbolic_bp.errors.InputError: --hyper mu: 'nan' is not a finite number such as 0.9 or 1/3
    """
    shown = text.strip()
    if len(shown) > 40 or not _RATIONAL.match(shown):
        raise InputError(f"{what}: {shown[:40]!r} is not a finite number such as 0.9 or 1/3")
    if "/" in shown and int(shown.split("/")[1]) == 0:
        raise InputError(f"{what}: {shown!r} divides by zero")
    return Fraction(shown)
