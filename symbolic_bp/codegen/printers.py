"""NumPy printers with numerically safe forms, shared by the step compiler and the exporter.

- :class:`SafePrinter`: SymPy's NumPy printer with safe logarithms of activations
  (``log(sigmoid(z))`` as ``-logaddexp(0, -z)``), and ``max``/``min``/``abs`` of a user's
  activation printed as NumPy calls;
- :class:`MathPrinter`: the same for Python floats, calling the ``math`` module where it has the
  function (a tenth of NumPy's cost on a scalar).

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> SafePrinter({"fully_qualified_modules": True}).doprint(sp.Max(x, 0))
'numpy.maximum(0, x)'
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..parsing import X as _X

__all__ = ["SafePrinter", "MathPrinter", "printer"]


class SafePrinter(NumPyPrinter):
    """NumPy printing with safe logarithms of activations: ``log(sigmoid(z))`` becomes
    ``-logaddexp(0, -z)`` and ``log(1 - sigmoid(z))`` becomes ``-logaddexp(0, z)`` (read from the
    activation's own ``numpy_log``/``numpy_log1m`` forms), so that a cross-entropy loss stays
    finite at saturation."""

    def _print_log(self, expr: sp.Expr) -> str:
        arg = expr.args[0]
        form = getattr(arg.func, "numpy_log", None)
        if form is not None:
            return "(%s)" % self._print(form.xreplace({_X: arg.args[0]}))
        if arg.is_Add and len(arg.args) == 2 and sp.S.One in arg.args:
            other = arg.args[0] if arg.args[1] == 1 else arg.args[1]
            neg = -other
            form = getattr(neg.func, "numpy_log1m", None)
            if form is not None:
                return "(%s)" % self._print(form.xreplace({_X: neg.args[0]}))
        return super()._print_log(expr)

    def _nested(self, fn: str, args: tuple[sp.Expr, ...]) -> str:
        head, *rest = (self._print(a) for a in args)
        for arg in rest:
            head = "%s(%s, %s)" % (self._module_format(fn), head, arg)
        return head

    def _print_Max(self, expr: sp.Expr) -> str:  # a user's max(x, 0): elementwise, no functools
        return self._nested("numpy.maximum", expr.args)

    def _print_Min(self, expr: sp.Expr) -> str:
        return self._nested("numpy.minimum", expr.args)

    def _print_Abs(self, expr: sp.Expr) -> str:
        return "%s(%s)" % (self._module_format("numpy.abs"), self._print(expr.args[0]))


class MathPrinter(SafePrinter):
    """:class:`SafePrinter` for Python floats: the functions that the ``math`` module has
    (``tanh``, ``exp``, ...) are called from it (a tenth of NumPy's cost on a scalar); the rest
    (``logaddexp``, ``where``, ...) stay NumPy's."""

    _MATH = {"tanh", "exp", "log", "log1p", "sqrt", "sin", "cos", "atan", "sinh", "cosh"}
    _BUILTIN = {"maximum": "max", "minimum": "min", "abs": "abs"}

    def _module_format(self, fqn: str, register: bool = True) -> str:
        head, _, tail = fqn.rpartition(".")
        if head == "numpy" and tail in self._MATH:
            return f"math.{tail}"
        if head == "numpy" and tail in self._BUILTIN:
            return self._BUILTIN[tail]
        return super()._module_format(fqn, register)


def printer(math: bool = False) -> SafePrinter:
    """A printer of NumPy (or, with ``math``, scalar) code with fully qualified names."""
    settings = {"fully_qualified_modules": True, "allow_unknown_functions": False}
    return MathPrinter(settings) if math else SafePrinter(settings)
