r"""Markers for the NumPy code generator: forms whose floating-point edge cases are intended.

``ExpInf(x)`` is ``exp(x)`` where an overflow to ``+inf`` gives the right answer downstream, so
the in-place step (:mod:`symbolic_bp.codegen.inplace`) computes it with overflow warnings off
for that one call. Sigmoid's in-place form ``1/(1 + ExpInf(-x))`` is the case: at ``x < -709.78``
``exp(-x)`` overflows to ``inf`` and ``1/(1 + inf)`` is ``0``, sigmoid's value to within
``5e-309``; the form costs one ``exp``, one addition and one division (against ``tanh``, two
scalings and an addition, about twice the time on a ``(256, 64)`` array), and is accurate to a
few ulps relative also where ``sigmoid(x)`` is tiny (``(1 + tanh(x/2))/2`` rounds it to 0 from
``x < -37``).

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> ExpInf(x).diff(x), ExpInf(sp.Integer(0)), sp.pycode(ExpInf(x))
(ExpInf(x), 1, 'math.exp(x)')
"""

from __future__ import annotations

import sympy as sp

__all__ = ["ExpInf"]


class ExpInf(sp.Function):
    """``exp(x)``, marked: its overflow to ``+inf`` is intended (see the module)."""

    is_real = True

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        return sp.exp(arg) if arg.is_number else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self

    def _pythoncode(self, printer: sp.printing.pycode.PythonCodePrinter) -> str:
        return "%s(%s)" % (printer._module_format("math.exp"), printer._print(self.args[0]))

    def _numpycode(self, printer: sp.printing.numpy.NumPyPrinter) -> str:
        return "%s(%s)" % (printer._module_format("numpy.exp"), printer._print(self.args[0]))
