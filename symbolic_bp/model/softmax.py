r"""The math of softmax, a vector activation: each output depends on the whole layer.

.. math:: y^l_j = \frac{\exp e^l_j}{\sum_k \exp e^l_k} = \exp\big(e^l_j - \mathrm{LSE}(e^l)\big),
          \qquad \mathrm{LSE}(e) = \log \sum_k \exp e_k .

- :class:`LogSumExp`: ``LSE(a_1, ..., a_n)`` as a real SymPy function; its derivative
  ``d LSE / d a_i = exp(a_i - LSE)`` is what SymPy's own differentiation of the explicit form
  ``log(sum_k exp(a_k))`` gives (checked by :func:`jacobian_lemma`). It evaluates at numbers,
  prints as ``numpy.logaddexp.reduce`` (no overflow at ``|a| = 1000``) and is enclosed in
  intervals through its explicit form. On a concrete network ``y^L_j = exp(e_j - LSE(e))``, so
  that ``log y_j`` is ``e_j - LSE(e)`` by SymPy's own rules: a cross-entropy loss comes out in
  the log-sum-exp form.
- :func:`jacobian_lemma`: ``dy_m/de_j = y_m (delta_mj - y_j)``, checked exactly with
  :func:`sympy.diff` of the explicit form ``exp(e_m) / sum_k exp(e_k)``. It is how an error is
  carried back through the layer on a network with a symbolic neuron index
  (:func:`softmax_backward`); the per-neuron rules of a concrete network differentiate the loss
  through :class:`LogSumExp` instead, and every layer rule is checked against them.
- :func:`fold_outputs`: ``exp(e_a - LSE)`` and ``exp(e[l, a]) / sum_k exp(e[l, k])`` written as
  the output ``y_a`` (for documents and NumPy code; exact).

>>> a, b = sp.symbols("a b", real=True)
>>> sp.diff(LogSumExp(a, b), a)
exp(a - LogSumExp(a, b))
>>> jacobian_lemma().startswith("lemma: dy_m/de_j = y_m (delta_mj - y_j)")
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from ..algebra import is_zero

__all__ = ["LogSumExp", "jacobian_lemma", "softmax_output", "softmax_backward", "fold_outputs"]


class LogSumExp(sp.Function):
    r"""``log(sum_k exp(a_k))`` of its arguments, kept as one real atom (see the module)."""

    is_real = True

    @classmethod
    def eval(cls, *args: sp.Expr) -> sp.Expr | None:
        if args and all(a.is_number for a in args):
            return cls.explicit(*args)
        return None

    @staticmethod
    def explicit(*args: sp.Expr) -> sp.Expr:
        """The explicit form ``log(sum_k exp(a_k))``."""
        return sp.log(sp.Add(*(sp.exp(a) for a in args)))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        # d/da_i log(sum_k exp(a_k)) = exp(a_i) / sum_k exp(a_k) (jacobian_lemma checks it)
        return sp.exp(self.args[argindex - 1] - self)

    def _latex(self, printer: Any) -> str:
        args = ", ".join(printer._print(a) for a in self.args)
        return r"\operatorname{LSE}\left(%s\right)" % args

    def _numpycode(self, printer: Any) -> str:
        args = ", ".join(printer._print(a) for a in self.args)
        return "%s.reduce((%s,))" % (printer._module_format("numpy.logaddexp"), args)


@functools.cache
def jacobian_lemma() -> str:
    """The softmax Jacobian ``dy_m/de_j = y_m (delta_mj - y_j)`` and the derivative of
    :class:`LogSumExp`, each checked exactly with :func:`sympy.diff` of the explicit forms on
    three outputs (every pair ``m, j`` alike by symmetry); the text of the lemma."""
    e = sp.symbols("a1:4", real=True)
    total = sp.Add(*(sp.exp(a) for a in e))
    explicit = [sp.exp(a) / total for a in e]
    lse = LogSumExp(*e)
    for m in range(3):
        for j in range(3):
            delta = 1 if m == j else 0
            claim = explicit[m] * (delta - explicit[j])
            if not is_zero(sp.diff(explicit[m], e[j]) - claim):  # pragma: no cover - a bug
                raise AssertionError(f"softmax Jacobian lemma fails at m={m + 1}, j={j + 1}")
        through_lse = sp.diff(lse, e[m]).subs(lse, sp.log(total))
        if not is_zero(through_lse - explicit[m]):  # pragma: no cover - a bug
            raise AssertionError("the derivative of LogSumExp is not softmax")
    return (
        "lemma: dy_m/de_j = y_m (delta_mj - y_j) for softmax y_m = exp(e_m)/sum_k exp(e_k), "
        "checked exactly with sympy.diff of the explicit form"
    )


def softmax_output(net: Any, l: Any, j: Any) -> sp.Expr:
    """``y^l_j = exp(e^l_j - LSE(e^l))`` on ``net`` (a concrete network's
    :class:`LogSumExp`, or ``exp(e[l, j]) / Sum_k exp(e[l, k])`` on an indexed one)."""
    return sp.exp(net.e(l, j) - net.logsumexp(l, lambda k: net.e(l, k)))


def softmax_backward(net: Any, l: Any, j: Any, error: Callable[[Any], sp.Expr]) -> sp.Expr:
    r"""``sum_m error(m) dy^l_m/de^l_j = y_j (error(j) - sum_m error(m) y_m)``: an error of
    the layer's outputs carried to neuron ``j``'s net input through the whole Jacobian
    (:func:`jacobian_lemma`)."""
    jacobian_lemma()
    y = net.y(l, j)
    return y * (error(j) - net.sum(l, lambda m: error(m) * net.y(l, m)))


def _normaliser(factor: sp.Basic) -> tuple[Any, int] | None:
    """``(layer key, count)`` of a factor that is a power of a softmax normaliser, ``count``
    the number of times it divides (``exp(-c LSE(e))`` on a concrete network, ``Sum_k
    exp(e[l, k])**-c`` on an indexed one: ``c``)."""
    arg = _exp_arg(factor)
    if arg is not None:
        coeff, atom = arg.as_coeff_Mul()
        if isinstance(atom, LogSumExp) and coeff.is_Integer:
            return atom, -int(coeff)
        return None
    base, power = factor.as_base_exp()
    if not (power.is_Integer and isinstance(base, sp.Sum) and len(base.limits) == 1):
        return None
    var, lo, hi = base.limits[0]
    inner = base.function.args[0] if isinstance(base.function, sp.exp) else None
    if isinstance(inner, sp.Indexed) and len(inner.indices) == 2 and inner.indices[1] == var:
        return sp.Tuple(inner.base, inner.indices[0], lo, hi), -int(power)
    return None


def _exp_arg(factor: sp.Basic) -> sp.Expr | None:
    """``c a`` for a factor ``exp(a)**c`` (``exp(a)`` itself: ``a``), else ``None``."""
    if isinstance(factor, sp.exp):
        return factor.args[0]
    if factor.is_Pow and isinstance(factor.base, sp.exp) and factor.exp.is_Integer:
        return factor.base.args[0] * factor.exp
    return None


def _numerator(factor: sp.Basic) -> tuple[sp.Expr, int] | None:
    """``(net input, c)`` of a factor ``exp(c e)``."""
    arg = _exp_arg(factor)
    if arg is None:
        return None
    coeff, atom = arg.as_coeff_Mul()
    if coeff.is_Integer and (atom.is_Symbol or isinstance(atom, sp.Indexed)):
        return atom, int(coeff)
    return None


def _layer_of(key: Any, atom: sp.Expr) -> bool:
    if isinstance(key, LogSumExp):
        return atom in key.args
    return isinstance(atom, sp.Indexed) and (atom.base, atom.indices[0]) == (key[0], key[1])


def fold_outputs(expr: sp.Expr, y_of: Callable[[sp.Expr], sp.Expr | None]) -> sp.Expr:
    """``expr`` with each softmax output written as ``y_of(net input)``: ``exp(c (e_a -
    LSE(e)))`` as ``y_a**c``, and in a product ``exp(c e_a)`` paired with the normaliser's
    power ``(sum_k exp e_k)**-c`` (or ``exp(-c LSE(e))``) as ``y_a**c``. ``y_of`` returns
    ``None`` for a net input that is not a softmax layer's; such factors are kept. Exact: only
    ``exp(e_a) / sum_k exp(e_k) = y_a`` is used.

    >>> a, b = sp.symbols("a b", real=True)
    >>> y = {a: sp.Symbol("y_a"), b: sp.Symbol("y_b")}
    >>> fold_outputs(sp.exp(a - LogSumExp(a, b)) ** 2 * sp.exp(-b + LogSumExp(a, b)), y.get)
    y_a**2/y_b
    """

    def fold_exp(e: sp.exp) -> sp.Expr:
        arg = sp.expand(e.args[0])
        lses = arg.atoms(LogSumExp)
        if len(lses) == 1:
            (lse,) = lses
            coeff = -arg.coeff(lse)
            found = _numerator(sp.exp(sp.expand(arg + coeff * lse)))
            y = None if found is None else y_of(found[0])
            if (
                found is not None
                and y is not None
                and found[1] == coeff
                and _layer_of(lse, found[0])
            ):
                return y**coeff
        return e

    expr = expr.replace(lambda e: isinstance(e, sp.exp), fold_exp)

    def fold_mul(m: sp.Mul) -> sp.Expr:
        counts: dict[Any, int] = {}
        sums: dict[Any, sp.Expr] = {}
        rest: list[sp.Expr] = []
        pending: list[tuple[sp.Expr, sp.Expr, int]] = []
        for f in m.args:
            norm = _normaliser(f)
            num = None if norm is not None else _numerator(f)
            if norm is not None:
                counts[norm[0]] = counts.get(norm[0], 0) + norm[1]
                sums[norm[0]] = f.as_base_exp()[0]
            elif num is not None and y_of(num[0]) is not None:
                pending.append((f, *num))
            else:
                rest.append(f)
        if not counts or not pending:
            return m
        for f, atom, c in pending:
            key = next((k for k in counts if _layer_of(k, atom)), None)
            have = 0 if key is None else counts[key]
            use = 0 if have * c <= 0 else (c if abs(c) <= abs(have) else have)
            if use == 0:
                rest.append(f)
                continue
            counts[key] -= use
            rest.append(y_of(atom) ** use * sp.exp((c - use) * atom))  # type: ignore[operator]
        for key, count in counts.items():
            rest.append(sp.exp(-count * key) if isinstance(key, LogSumExp) else sums[key] ** -count)
        return sp.Mul(*rest)

    return expr.replace(lambda e: isinstance(e, sp.Mul), fold_mul)
