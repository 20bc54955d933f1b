r"""The output lemma ``g(f(x)) = f'(x)`` and the substitutions that rest on it.

A recipe may write an activation's derivative through the neuron's output, ``g(y)`` with
``y = f(e)`` (sigmoid: ``y (1 - y)``; tanh: ``1 - y^2``). Three places use that identity:

- the provers compare in a *normal form* where every ``f_l'(a)`` is written ``g_l(f_l(a))``
  (:func:`normal_form`), after the lemma is checked exactly on the explicit forms of each
  concrete activation (:func:`output_lemmas`), so that recipes that write ``f'`` either way
  compare equal;
- the NumPy code computes ``y = f(e)`` once and writes ``f'(e)`` as ``g(y)``, and the documents
  show ``f_l(e^l_j)`` as ``y^l_j`` (:func:`through_output`).

>>> from symbolic_bp.model.activations import get_activation
>>> sig = get_activation("sigmoid")
>>> lemma = output_lemmas((sig,))[1]
>>> lemma.pattern, lemma.target
((1 - sigmoid(x))*sigmoid(x), sigmoid'(x))
>>> through_output(sig.derivative(X), (sig,), lambda l, a: sp.Symbol("y") if a == X else None)
y*(1 - y)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..algebra import is_zero
from ..parsing import X
from .softmax import fold_outputs

__all__ = ["OutputLemma", "output_lemmas", "normal_form", "through_output"]


@dataclass(frozen=True)
class OutputLemma:
    """``pattern = g(f(x))`` equals ``target = f'(x)`` for layer ``layer``, checked exactly."""

    layer: int
    pattern: sp.Expr
    target: sp.Expr
    text: str


def output_lemmas(activations: Sequence[Any]) -> dict[int, OutputLemma]:
    """For each layer whose activation can write its derivative through the output, the lemma
    ``g(f(x)) = f'(x)`` in the real symbol ``x``, checked exactly on the explicit forms (one
    variable). Layers where it is trivial (ReLU, identity) are left out."""
    # keyed by the math, not only by the activations' names
    key = tuple((a, a.expr, a.derivative_expr, a.output_derivative_expr) for a in activations)
    return _lemmas(key)


@functools.lru_cache(maxsize=256)
def _lemmas(key: tuple[tuple[Any, ...], ...]) -> dict[int, OutputLemma]:
    out: dict[int, OutputLemma] = {}
    for l, (act, *_forms) in enumerate(key, start=1):
        if act.output_derivative_expr is None or act.is_generic or act.is_vector:
            continue
        pattern = act.derivative_from_output(act(X))
        target = act.derivative(X)
        if pattern == target or pattern.is_number:
            continue
        if is_zero(act.unfold(pattern) - act.unfold(target)):
            g = sp.sstr(act.derivative_from_output(sp.Symbol("y")))
            text = (
                f"lemma: {sp.sstr(target)} = {g} with y = {sp.sstr(act(X))} (layer {l}), "
                "checked exactly on the explicit forms"
            )
            out[l] = OutputLemma(l, pattern, target, text)
    return out


def normal_form(activations: Sequence[Any]) -> Callable[[sp.Expr], sp.Expr] | None:
    """``expr -> expr`` with every ``f_l'(a)`` replaced by ``g_l(f_l(a))`` for the layers whose
    lemma holds (any argument ``a``: a net-input symbol or an indexed one); ``None`` when no
    layer has a lemma."""
    rules = [
        (type(lemma.target), lemma.pattern)
        for lemma in output_lemmas(activations).values()
        if isinstance(lemma.target, sp.Function)
    ]
    if not rules:
        return None

    def apply(expr: sp.Expr) -> sp.Expr:
        for head, pattern in rules:
            expr = expr.replace(
                lambda e, head=head: isinstance(e, head),
                lambda e, pattern=pattern: pattern.xreplace({X: e.args[0]}),
            )
        return expr

    return apply


def through_output(
    expr: sp.Expr,
    activations: Sequence[Any],
    y_of: Callable[[int, sp.Expr], sp.Expr | None],
    derivatives: bool = True,
) -> sp.Expr:
    """``expr`` with ``f_l(a) -> y`` and (with ``derivatives``) ``f_l'(a) -> g_l(y)``, where
    ``y = y_of(l, a)`` is what stands for the output of layer ``l`` at the argument ``a``
    (``None``: ``a`` is not a net input of layer ``l``; the application is kept). Exact, since
    ``g(f(x)) = f'(x)``."""
    probe = sp.Dummy("a", real=True)
    for l, act in enumerate(activations, start=1):
        if act.is_vector:  # softmax: exp(e_a - LSE) or exp(e_a) / sum_k exp(e_k) as y_a

            def y_at_layer(a: sp.Expr, l: int = l) -> sp.Expr | None:
                return y_of(l, a)

            expr = fold_outputs(expr, y_at_layer)
            continue
        f_app, df_app = act(probe), act.derivative(probe)
        if isinstance(f_app, sp.Function):

            def y_at(a: sp.Expr, l: int = l) -> sp.Expr | None:
                return y_of(l, a)

            expr = _replace_head(expr, type(f_app), y_at)
        if derivatives and act.output_derivative_expr is not None:
            if isinstance(df_app, sp.Function):

                def g_of(a: sp.Expr, l: int = l, act: Any = act) -> sp.Expr | None:
                    y = y_of(l, a)
                    return None if y is None else act.derivative_from_output(y)

                expr = _replace_head(expr, type(df_app), g_of)
    return expr


def _replace_head(expr: sp.Expr, head: Any, value: Callable[[sp.Expr], sp.Expr | None]) -> sp.Expr:
    def match(node: sp.Basic) -> bool:
        return type(node) is head and len(node.args) == 1 and value(node.args[0]) is not None

    def replaced(node: sp.Basic) -> sp.Expr:
        return value(node.args[0])

    return expr.replace(match, replaced)
