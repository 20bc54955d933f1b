r"""Output signals derived from the loss, never looked up, and their shortest exact forms.

- :func:`minus_dloss_doutput`: ``-dE/dy^L_j`` (the raw error, ``t_j - y^L_j`` for ``half_sse``);
- :func:`minus_dloss_dnet`: ``-dE/de^L_j`` (the delta; ``t_j - y^L_j`` for cross-entropy with a
  sigmoid output, where the derivative cancels: derived here, not told);
- :func:`tidy_output_signal`: the shortest form of one output neuron's expression, each
  candidate checked equal exactly (the NumPy code uses it to avoid ``0/0`` at saturation).

>>> from symbolic_bp.model.network import Network
>>> net = Network.build([1, 1], "sigmoid", "cross_entropy")
>>> minus_dloss_dnet(net, 1)
t_1 - sigmoid(e1_1)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from ..algebra import is_zero
from ..model.protocol import NetworkView

__all__ = ["minus_dloss_doutput", "minus_dloss_dnet", "tidy_output_signal"]


def minus_dloss_doutput(net: NetworkView, j: Any) -> sp.Expr:
    r"""``-dE/dy^L_j``, by SymPy differentiation of the loss in a plain output symbol."""
    y = sp.Dummy("y", real=True)
    # the loss is a sum of per-output terms: only output j's term depends on y^L_j
    term = net.loss.term(net.t(j), y)
    return (-sp.diff(term, y)).xreplace({y: net.y(net.depth, j)})


def minus_dloss_dnet(net: NetworkView, j: Any) -> sp.Expr:
    r"""``-dE/de^L_j``, by SymPy differentiation of the loss in the output atom, then tidied
    locally (so that cross-entropy with a sigmoid output comes out as ``t - y``)."""
    return tidy_output_signal(net, j, -sp.diff(net.loss_local(), net.e(net.depth, j)))


def tidy_output_signal(net: NetworkView, j: Any, raw: sp.Expr) -> sp.Expr:
    """The shortest exact form of an expression of output neuron ``j`` alone (its net input
    and target): tidied on the explicit form, then folded back into the opaque activation,
    and checked equal to ``raw`` exactly. Cross-entropy with a sigmoid output gives ``t - y``.

    The work is done once per expression shape: ``raw`` is written in two fixed symbols for
    the neuron's net input and target, and the tidy form of that template is cached (every
    output neuron of a layer has the same template)."""
    L = net.depth
    e, t = net.e(L, j), net.t(j)
    if not isinstance(net.activations, tuple):  # a general network: no cache
        return _tidy_neuron(raw, e, t, net.activation(L), net.unfold)
    template = raw.xreplace({e: _NET, t: _TARGET})
    tidy = _tidy_template(template, net.activations)
    return tidy.xreplace({_NET: e, _TARGET: t})


_NET, _TARGET = sp.Symbol("__tidy_e", real=True), sp.Symbol("__tidy_t", real=True)


@functools.lru_cache(maxsize=1024)
def _tidy_template(raw: sp.Expr, activations: tuple) -> sp.Expr:
    def unfold(expr: sp.Expr) -> sp.Expr:
        for act in dict.fromkeys(activations):
            expr = act.unfold(expr)
        return expr

    return _tidy_neuron(raw, _NET, _TARGET, activations[-1], unfold)


def _tidy_neuron(
    raw: sp.Expr, e: sp.Expr, t: sp.Expr, act: Any, unfold: Callable[[sp.Expr], sp.Expr]
) -> sp.Expr:
    y, fprime = act(e), act.derivative(e)
    fold = {act.unfold(y): y, act.unfold(fprime): fprime}
    tidy = _tidy_output(unfold(raw), t, act.unfold(y)).xreplace(fold)
    if tidy.free_symbols <= raw.free_symbols | {e} and is_zero(unfold(tidy - raw)):
        return min(raw, tidy, key=lambda c: (sp.count_ops(c), sp.default_sort_key(c)))
    return raw


def _tidy_output(expr: sp.Expr, t: sp.Expr, y: sp.Expr) -> sp.Expr:
    """The shortest of: ``expr``; its cancelled form; that form collected in the target ``t``
    with each coefficient written as a multiple of the output ``y`` where it is one. Every
    candidate is checked to equal ``expr`` exactly (one neuron: cheap; never ``simplify``)."""
    if sp.count_ops(expr) > 80:
        return expr
    try:
        cancelled = sp.cancel(expr)
        parts = sp.collect(sp.expand(cancelled), [t], evaluate=False)
    except sp.PolynomialError:
        return expr
    rebuilt = sp.S.Zero
    for key, coeff in parts.items():
        coeff = sp.cancel(coeff)
        if y != 0 and coeff != 0:
            q = sp.cancel(coeff / y)
            if q.is_number:
                coeff = q * y
        rebuilt += key * coeff
    candidates = [expr, sp.factor_terms(cancelled)]
    if is_zero(rebuilt - expr):
        candidates.append(rebuilt)
    return min(candidates, key=lambda c: (sp.count_ops(c), sp.default_sort_key(c)))
