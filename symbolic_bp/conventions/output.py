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
from ..model.guards import unwrap_layer
from ..model.protocol import NetworkView
from ..model.softmax import fold_outputs

__all__ = ["minus_dloss_doutput", "minus_dloss_dnet", "tidy_output_signal"]


def minus_dloss_doutput(net: NetworkView, j: Any) -> sp.Expr:
    r"""``-dE/dy^L_j``, by SymPy differentiation of the loss in a plain output symbol (the loss
    is a sum of per-output terms: only output j's term depends on ``y^L_j``)."""
    return net.loss.output_error(net.t(j), net.y(net.depth, j))


def minus_dloss_dnet(net: NetworkView, j: Any) -> sp.Expr:
    r"""``-dE/de^L_j``, by SymPy differentiation of the loss in the output atom (through the
    whole layer for softmax), then tidied (so that cross-entropy with a sigmoid output comes
    out as ``t - y``, the categorical one with softmax as ``t_j - y_j sum_m t_m``)."""
    return tidy_output_signal(net, j, -net.dloss_dnet(j))


def tidy_output_signal(net: NetworkView, j: Any, raw: sp.Expr) -> sp.Expr:
    """The shortest exact form of an expression of output neuron ``j`` alone (its net input
    and target): tidied on the explicit form, then folded back into the opaque activation,
    and checked equal to ``raw`` exactly. Cross-entropy with a sigmoid output gives ``t - y``.

    The work is done once per expression shape: ``raw`` is written in two fixed symbols for
    the neuron's net input and target, and the tidy form of that template is cached (every
    output neuron of a layer has the same template)."""
    L = net.depth
    if net.activation(L).is_vector:
        return _tidy_layer(net, raw)
    e, t = net.e(L, j), net.t(j)
    if not isinstance(net.activations, tuple):  # a general network: no cache
        return _tidy_neuron(raw, e, t, net.activation(L), net.unfold)
    template = raw.xreplace({e: _NET, t: _TARGET})
    tidy = _tidy_template(template, net.activations)
    return tidy.xreplace({_NET: e, _TARGET: t})


_NET, _TARGET = sp.Symbol("__tidy_e", real=True), sp.Symbol("__tidy_t", real=True)


class _Out(sp.Function):
    """A placeholder for the output ``y`` of an output neuron whose net input is the argument."""


def _tidy_layer(net: NetworkView, raw: sp.Expr) -> sp.Expr:
    """The output signal of a neuron of a softmax layer (it depends on the whole layer): in the
    outputs ``y_m`` (so that ``t_m / y_m * y_m`` is ``t_m``), expanded and collected in the
    outputs, written back, checked equal exactly; the shortest of that and ``raw``."""
    if sp.count_ops(raw) > 400:
        return raw
    L = unwrap_layer(net.depth)

    def y_of(atom: sp.Expr) -> sp.Expr | None:
        where = net.neuron_of(atom)
        return _Out(atom) if where is not None and sp.expand(where[0] - L) == 0 else None

    folded = sp.expand(fold_outputs(raw, y_of))
    ys = sorted(folded.atoms(_Out), key=sp.default_sort_key)
    back = {y: net.y(*net.neuron_of(y.args[0])) for y in ys}  # type: ignore[misc]
    candidate = sp.collect(folded, ys).xreplace(back)
    if candidate.has(_Out) or not is_zero(candidate - raw):
        return raw
    return min((raw, candidate), key=lambda c: (sp.count_ops(c), sp.default_sort_key(c)))


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
