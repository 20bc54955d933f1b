r"""SymPy objects of networks with symbolic layers and widths.

- :class:`LayerF`, :class:`LayerFprime`, :class:`LayerG`: the activation of a *symbolic* layer
  ``l`` as an undefined function of the layer and a value, ``f_l(x)``, its derivative
  ``f_l'(x)``, and the derivative written through the output, ``g_l(y)`` with
  ``g_l(f_l(x)) = f_l'(x)`` (the hypothesis of recipes that write ``y (1 - y)``).
- :class:`LayerActivation`: what a recipe reads as the activation of such a layer.
- :class:`IndexedMatrix`: a matrix of symbolic size whose entries are given by a function, so
  that matrix recipes (``(W^{l+1})^T D^{l+1}``) run on symbolic widths.

>>> l, x = sp.symbols("l x")
>>> sp.diff(LayerF(l, x), x)
f_{l}'(x)
>>> resolve_hypothesis(LayerG(l + 1, LayerF(l + 1, x)))
f_{l + 1}'(x)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

__all__ = [
    "LayerF",
    "LayerFprime",
    "LayerG",
    "LayerActivation",
    "IndexedMatrix",
    "resolve_hypothesis",
]


class _LayerFunction(sp.Function):
    """A function of a layer index and a value, printed ``{head}_{l}{tail}(x)``."""

    nargs = 2
    head, tail = "f", ""

    def _latex(self, printer: Any) -> str:
        layer, arg = (printer._print(a) for a in self.args)
        return r"%s_{%s}%s\left(%s\right)" % (self.head, layer, self.tail, arg)

    def _sympystr(self, printer: Any) -> str:
        layer, arg = (printer._print(a) for a in self.args)
        return "%s_{%s}%s(%s)" % (self.head, layer, self.tail, arg)


class LayerF(_LayerFunction):
    """``f(l, x)``: the activation of layer ``l`` (undefined), printed ``f_l(x)``."""

    def fdiff(self, argindex: int = 2) -> sp.Expr:
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        return LayerFprime(*self.args)


class LayerFprime(_LayerFunction):
    """``f'(l, x)``: the derivative of the activation of layer ``l``, printed ``f_l'(x)``."""

    tail = "'"


class LayerG(_LayerFunction):
    """``g(l, y)``: the derivative of layer ``l``'s activation written through its output,
    defined by ``g(l, f(l, x)) = f'(l, x)``."""

    head = "g"


def resolve_hypothesis(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every ``g_a(f_a(x))`` replaced by ``f_a'(x)`` (the defining property of
    ``g``: exact by hypothesis, checked for each concrete activation by the instance prover)."""
    return expr.replace(
        lambda e: (
            isinstance(e, LayerG)
            and isinstance(e.args[1], LayerF)
            and e.args[1].args[0] == e.args[0]
        ),
        lambda e: LayerFprime(*e.args[1].args),
    )


@dataclass(frozen=True)
class LayerActivation:
    """The generic activation of a symbolic layer ``layer`` (what ``net.activation(l)`` gives
    in the general proof)."""

    layer: sp.Expr
    name: str = "f"
    is_generic: bool = True
    output_derivative_expr: sp.Expr | None = sp.S.One  # present: written through ``g``

    def __call__(self, z: sp.Expr) -> sp.Expr:
        return LayerF(self.layer, z)

    def derivative(self, z: sp.Expr) -> sp.Expr:
        return LayerFprime(self.layer, z)

    is_vector = False

    def derivative_from_output(self, y: sp.Expr) -> sp.Expr:
        return LayerG(self.layer, y)

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        return expr

    def output(self, net: Any, l: Any, j: Any) -> sp.Expr:
        return self(net.e(l, j))

    def partial(self, net: Any, l: Any, j: Any) -> sp.Expr:
        return self.derivative(net.e(l, j))

    def backward(
        self,
        net: Any,
        l: Any,
        j: Any,
        error: Callable[[Any], sp.Expr],
        through_output: bool = False,
    ) -> sp.Expr:
        if through_output:
            return error(j) * net.fprime_through_output(l, j)
        return error(j) * net.fprime(l, j)


_NAMES = itertools.count(1)


class IndexedMatrix(sp.MatrixSymbol):
    """A symbolic-size matrix whose entries are given by a function (0-based indices)."""

    def __new__(cls, stem: str, rows: sp.Expr, cols: sp.Expr, entry: Callable) -> Any:
        # a name of its own: matrices with equal names compare (and cache) equal
        obj = super().__new__(cls, f"{stem}_{next(_NAMES)}", rows, cols)
        obj._entry_fn = entry
        return obj

    def _entry(self, r: sp.Expr, c: sp.Expr, **kwargs: Any) -> sp.Expr:
        return self._entry_fn(r, c)

    def doit(self, **hints: Any) -> IndexedMatrix:
        return self
