r"""Elementwise statements written in place: ``name = expr`` over arrays of shape
``(batch, n)`` as NumPy calls with ``out=`` into a work array made once per batch size.

``d2 = c2*y2*(1 - y2)`` printed plainly makes three fresh arrays, one per operation; in place it
is

    d2 = numpy.subtract(1, y2, out=work['d2'])
    numpy.multiply(d2, c2, out=d2)
    numpy.multiply(d2, y2, out=d2)

the same operations on the same operands, so the same numbers (up to the order of the factors
of a product), with no array allocated. A compound operand comes first, straight into the
target; another one goes into a scratch array of its width. An activation is computed through
its ``inplace_form`` where it has one (sigmoid's ``1/(1 + exp(-x))``, whose ``exp`` may overflow
to ``inf`` harmlessly: it runs under ``numpy.errstate(over="ignore")``, see
:mod:`symbolic_bp.model.numeric_forms`), else its ``numeric_form`` (its safe NumPy form as an
expression); whatever this emitter does not know (a function of two arguments, a piecewise
activation) is printed as before and copied in. Only expressions whose shape is known to be
``(batch, n)`` are emitted this way (:meth:`InPlace.width`).

>>> import sympy as sp
>>> d, c, y = sp.symbols("d2 c2 y2")
>>> ip = InPlace({"c2": 3, "y2": 3}, {"lr"}, lambda e: sp.pycode(e))
>>> print("\n".join(ip.assign("d2", c * y * (1 - y))))
d2 = numpy.subtract(1, y2, out=work['d2'])
numpy.multiply(d2, c2, out=d2)
numpy.multiply(d2, y2, out=d2)
>>> print("\n".join(ip.assign("s2", (1 - y) * (c - y))))
s2 = numpy.subtract(1, y2, out=work['s2'])
numpy.subtract(c2, y2, out=work['t_3_1'])
numpy.multiply(s2, work['t_3_1'], out=s2)
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..model.numeric_forms import ExpInf

__all__ = ["InPlace", "UFUNCS"]

#: SymPy functions of one argument and the NumPy ufunc that computes them in place
UFUNCS = {
    sp.exp: "exp",
    sp.log: "log",
    sp.tanh: "tanh",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.sin: "sin",
    sp.cos: "cos",
    sp.atan: "arctan",
    sp.Abs: "absolute",
}


class InPlace:
    """Emits ``name = expr`` as in-place NumPy calls.

    **Arguments:** ``widths`` maps each array name to its width ``n`` (the array has shape
    ``(batch, n)``; width 1 broadcasts over a row); ``scalars`` are names of Python or NumPy
    scalars; ``show`` prints an expression as plain NumPy code (the fallback).
    """

    def __init__(
        self, widths: dict[str, int], scalars: set[str], show: Callable[[sp.Expr], str]
    ) -> None:
        self.widths = widths
        self.scalars = scalars
        self.show = show
        #: every work array used: name -> width (the module makes them)
        self.work: dict[str, int] = {}

    def width(self, expr: sp.Expr) -> int | None:
        """The width ``n`` when ``expr`` certainly has shape ``(batch, n)``; else ``None``."""
        widths = set()
        for s in expr.free_symbols:
            if s.name in self.widths:
                widths.add(self.widths[s.name])
            elif s.name not in self.scalars:
                return None  # an array of another shape, or an unknown name
        if not widths or len(widths - {1}) > 1:
            return None
        return max(widths)

    def assign(self, name: str, expr: sp.Expr) -> list[str]:
        """Lines that bind ``name`` to ``expr`` computed in its own work array (callers check
        :meth:`width` first)."""
        n = self.width(expr)
        assert n is not None
        self.work[name] = n
        self.widths[name] = n
        self._count = 0
        return self._into(expr, f"work[{name!r}]", n, bind=name)

    # -- emission ------------------------------------------------------------------------
    def _operand(self, expr: sp.Expr, n: int, lines: list[str]) -> str:
        """``expr`` as an operand: a name or number as is, a compound into its own scratch
        array (live only within this statement)."""
        if expr.is_Symbol or expr.is_Number:
            return self.show(expr)
        self._count += 1
        scratch = f"t_{n}_{self._count}"
        self.work[scratch] = n
        lines += self._into(expr, f"work[{scratch!r}]", n)
        return f"work[{scratch!r}]"

    def _into(self, expr: sp.Expr, buffer: str, n: int, bind: str | None = None) -> list[str]:
        """Lines computing ``expr`` into ``buffer``; with ``bind``, the first binds that name
        to it (and the others use the name)."""
        lines: list[str] = []
        target = bind or buffer
        first = True

        def call(fn: str, *args: str, indent: str = "") -> None:
            nonlocal first
            head = f"{bind} = " if first and bind else ""
            out = buffer if first else target
            lines.append(f"{indent}{head}numpy.{fn}({', '.join(args)}, out={out})")
            first = False

        def lead(part: sp.Expr) -> str:
            """The first operand: a compound one is computed straight into ``buffer``."""
            nonlocal first
            if part.is_Symbol or part.is_Number:
                return self._operand(part, n, lines)
            lines.extend(self._into(part, buffer, n, bind))
            first = False
            return target

        form = None
        if expr.is_Function:  # an activation's form for in-place code, e.g. 1/(1 + exp(-x))
            form = getattr(expr.func, "inplace_form", getattr(expr.func, "numeric_form", None))
        if form is not None:
            return self._into(form(*expr.args), buffer, n, bind)

        if isinstance(expr, ExpInf):  # exp whose overflow to inf is intended: no warning
            a = lead(expr.args[0])
            if first and bind:  # bind the name outside the block
                lines.append(f"{bind} = {buffer}")
                first = False
            lines.append('with numpy.errstate(over="ignore"):')
            call("exp", a, indent="    ")
            return lines
        if expr.is_Mul:
            coeff, factors = expr.as_coeff_mul()
            if coeff == -1 and len(factors) == 1:
                call("negative", lead(factors[0]))
                return lines
            ops: list[sp.Expr] = sorted(factors, key=_simple)  # a compound one first
            if coeff != 1:
                ops.append(coeff)  # a number last: one scaling of the product
            a = lead(ops[0])
            call("multiply", a, self._operand(ops[1], n, lines))
            for f in ops[2:]:
                call("multiply", target, self._operand(f, n, lines))
            return lines
        if expr.is_Add:
            terms = sorted(expr.args, key=_simple)
            plus = [t for t in terms if not t.could_extract_minus_sign()]
            minus = [-t for t in terms if t.could_extract_minus_sign()]
            if len(plus) >= 2:
                a = lead(plus[0])
                call("add", a, self._operand(plus[1], n, lines))
                rest = plus[2:]
            elif plus:
                a = lead(plus[0])
                call("subtract", a, self._operand(minus[0], n, lines))
                minus, rest = minus[1:], []
            else:
                call("negative", lead(minus[0]))
                minus, rest = minus[1:], []
            for t in rest:
                call("add", target, self._operand(t, n, lines))
            for t in minus:
                call("subtract", target, self._operand(t, n, lines))
            return lines
        if expr.is_Pow and expr.exp == 2:
            base = self._operand(expr.base, n, lines)
            call("multiply", base, base)
            return lines
        if expr.is_Pow and expr.exp == -1:  # a compound base straight into the target
            call("divide", "1.0", lead(expr.base))
            return lines
        if expr.is_Function and len(expr.args) == 1 and expr.func in UFUNCS:
            call(UFUNCS[expr.func], lead(expr.args[0]))
            return lines
        # anything else (an activation's own safe form, ...): printed as before, copied in
        if bind:
            lines.append(f"{bind} = {buffer}")
        lines.append(f"{target}[...] = {self.show(expr)}")
        return lines


def _simple(expr: sp.Expr) -> int:
    """Sort key: compound operands (computed straight into the target) before names, numbers
    last."""
    return 2 if expr.is_Number else 1 if expr.is_Symbol else 0
