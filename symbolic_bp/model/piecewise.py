r"""Piecewise activations as SymPy functions: ReLU and leaky ReLU with their derivatives.

ReLU's derivative at 0 is taken to be 0 (``relu'(0) = 0``), in the symbolic and the numeric paths
alike; each class prints itself as NumPy code, LaTeX and text by its public name (``relu'``).

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> sp.diff(ReLU(x), x), ReLUStep(ReLU(x)), LeakyReLU(sp.Integer(-2))
(relu'(x), relu'(x), -1/50)
"""

from __future__ import annotations

import sympy as sp

__all__ = ["ReLU", "ReLUStep", "LeakyReLU", "LeakyStep", "LEAKY_SLOPE"]

LEAKY_SLOPE = sp.Rational(1, 100)


class ReLU(sp.Function):
    r"""``max(0, x)`` with derivative ``Heaviside(x, 0)`` (so ``relu'(0) = 0``)."""

    is_real = True

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_extended_nonnegative:
            return arg
        if arg.is_extended_negative:
            return sp.S.Zero
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return ReLUStep(self.args[0])

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return "relu(%s)" % printer._print(self.args[0])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\operatorname{relu}\left(%s\right)" % printer._print(self.args[0])

    def _numpycode(self, printer: sp.printing.numpy.NumPyPrinter) -> str:
        return "%s(0.0, %s)" % (
            printer._module_format("numpy.maximum"),
            printer._print(self.args[0]),
        )


class ReLUStep(sp.Function):
    r"""ReLU's derivative: 1 for ``x > 0``, else 0. It sees through ReLU, since
    ``relu(x) > 0`` exactly when ``x > 0``: ``ReLUStep(ReLU(x)) = ReLUStep(x)``."""

    is_real = True
    #: its values are 0 and 1, so its square is itself (what :mod:`symbolic_bp.readable` uses)
    idempotent = True

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if isinstance(arg, ReLU):
            return cls(arg.args[0])
        if arg.is_extended_positive:
            return sp.S.One
        if arg.is_extended_nonpositive:
            return sp.S.Zero
        return None

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return "relu'(%s)" % printer._print(self.args[0])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\left[%s > 0\right]" % printer._print(self.args[0])

    def _numpycode(self, printer: sp.printing.numpy.NumPyPrinter) -> str:
        return "%s(%s, 0.0)" % (
            printer._module_format("numpy.heaviside"),
            printer._print(self.args[0]),
        )


class LeakyReLU(sp.Function):
    r"""``x`` for ``x > 0``, else ``x/100``."""

    is_real = True

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_extended_positive:
            return arg
        if arg.is_extended_nonpositive:
            return LEAKY_SLOPE * arg
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return LeakyStep(self.args[0])

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return "leaky_relu(%s)" % printer._print(self.args[0])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\operatorname{leaky}\left(%s\right)" % printer._print(self.args[0])

    def _numpycode(self, printer: sp.printing.numpy.NumPyPrinter) -> str:
        a = printer._print(self.args[0])
        return "%s(%s > 0, %s, %s*%s)" % (
            printer._module_format("numpy.where"),
            a,
            a,
            printer._print(LEAKY_SLOPE),
            a,
        )


class LeakyStep(sp.Function):
    r"""Leaky ReLU's derivative: 1 for ``x > 0``, else ``1/100``; sees through LeakyReLU."""

    is_real = True

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if isinstance(arg, LeakyReLU):
            return cls(arg.args[0])
        if arg.is_extended_positive:
            return sp.S.One
        if arg.is_extended_nonpositive:
            return LEAKY_SLOPE
        return None

    def _sympystr(self, printer: sp.printing.str.StrPrinter) -> str:
        return "leaky_relu'(%s)" % printer._print(self.args[0])

    def _latex(self, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"\operatorname{leaky}'\left(%s\right)" % printer._print(self.args[0])

    def _numpycode(self, printer: sp.printing.numpy.NumPyPrinter) -> str:
        a = printer._print(self.args[0])
        return "%s(%s > 0, 1.0, %s)" % (
            printer._module_format("numpy.where"),
            a,
            printer._print(LEAKY_SLOPE),
        )
