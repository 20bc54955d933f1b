r"""Statements of the exported step around the matrix products: the update of a layer's
weights with its scale put on the smaller array, sums of scaled products, the loss computed in
place, and the L2 penalty's parts.

A weight update ``Delta W_l = c (J^T Y)`` (``c`` a scalar such as ``lr / batch``, ``J`` of shape
``(batch, n_l)``, ``Y`` of ``(batch, n_{l-1})``) can be scaled on the operand (``batch n_l``
multiplications) or on the product (``n_l n_{l-1}``); which is fewer depends on the batch, known
only at run time, so the code asks (the result is the same up to rounding):

>>> import sympy as sp
>>> from .inplace import InPlace
>>> ip = InPlace({"d2": 8, "y1": 4}, {"lr_mean"}, sp.pycode)
>>> lr_mean = sp.Symbol("lr_mean")
>>> print("\n".join(scaled_update(ip, sp.pycode, "dW2", (lr_mean, "d2", "y1"), (8, 4))))
scaled_2 = numpy.multiply(d2, lr_mean, out=work['scaled_2']) if batch < 4 else d2
dW2 = (scaled_2).T @ (y1)
if batch >= 4:  # the product (8, 4) is no larger than the operand (batch, 8)
    dW2 *= lr_mean
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from .inplace import InPlace

__all__ = ["loss_lines", "penalty_loss", "penalty_update", "scaled_sum", "scaled_update"]

Show = Callable[[sp.Expr], str]


def scaled_update(
    inplace: InPlace,
    show: Show,
    name: str,
    term: tuple[sp.Expr, str, str],
    shape: tuple[int, int],
    bias: str | None = None,
) -> list[str]:
    """``name = scale * (left).T @ (right)`` for ``term = (scale, left, right)``, the scale
    applied to ``left`` (a ``(batch, n_l)`` array, copied into a work array: it may be a
    signal still needed below) when the batch is smaller than ``n_{l-1}``, else to the
    ``(n_l, n_{l-1})`` product in place. With ``bias``, the bias update ``ones @ left`` of the
    same scale is made from the same scaled operand (``bias *= scale`` on the other branch)."""
    scale, left, right = term
    layer = name.removeprefix("dW")
    scaled, n_prev = f"scaled_{layer}", shape[1]
    inplace.work[scaled] = shape[0]
    c = show(scale)
    lines = [
        f"{scaled} = numpy.multiply({left}, {c}, out=work[{scaled!r}]) if batch < {n_prev} "
        f"else {left}",
        f"{name} = ({scaled}).T @ ({right})",
    ]
    if bias:
        lines.append(f"{bias} = work['ones'] @ ({scaled})")
    lines += [
        f"if batch >= {n_prev}:  # the product {shape} is no larger than the operand "
        f"(batch, {shape[0]})",
        f"    {name} *= {c}",
    ]
    return lines + ([f"    {bias} *= {c}"] if bias else [])


def scaled_sum(
    show: Show, name: str, terms: list[tuple[sp.Expr, str]], shape: tuple[int, int] | None = None
) -> list[str]:
    """``name = c_1 (P_1) + ...`` for products ``P`` of arrays and scalars ``c``; a single
    term is scaled in place, ``name *= c`` (for ``db = ones @ D``: ``n_l`` numbers)."""
    if not terms:
        return [f"{name} = numpy.zeros({shape})"]
    if len(terms) == 1:
        scale, code = terms[0]
        return [f"{name} = {code}"] + ([] if scale == 1 else [f"{name} *= {show(scale)}"])
    parts = [code if c == 1 else f"{show(c)} * ({code})" for c, code in terms]
    return [f"{name} = " + " + ".join(parts)]


def loss_lines(inplace: InPlace, show: Show, term: sp.Expr, penalty: str) -> list[str]:
    """``loss = sum(term) * inv_batch + penalty``. A term free of ``log`` (whose safe forms
    only the printer knows) is computed in place; a square ``c (A)**2`` as ``c * vdot(A, A)``,
    a quarter of the time of ``sum(c*(T - y)**2)`` on a ``(256, 10)`` array."""
    coeff, rest = term.as_coeff_Mul()
    if term.has(sp.log) or inplace.width(rest) is None:
        return [f"loss = numpy.sum({show(term)}) * inv_batch" + penalty]
    square = rest.is_Pow and rest.exp == 2
    lines = inplace.assign("r_loss", rest.base if square else rest)
    total = "numpy.vdot(r_loss, r_loss)" if square else "numpy.sum(r_loss)"
    scale = "" if coeff == 1 else "-" if coeff == -1 else f"{show(coeff)} * "
    return lines + [f"loss = {scale}{total} * inv_batch" + penalty]


def penalty_update(
    show: Show, name: str, arrays: Callable[[sp.Expr], sp.Expr], penalty: sp.Expr | None
) -> list[str]:
    """``dW += -lr lambda W``: the layer rule's penalty part over the parameter array
    (``arrays`` maps the rule's indexed symbols to the arrays' names)."""
    if penalty is None or penalty == 0:
        return []
    return [f"{name} += {show(arrays(penalty))}"]


def penalty_loss(net: Any, show: Show) -> str:
    """``+ lambda/2 (sum W^2 ...)``: the L2 penalty's part of the loss."""
    objective = net.objective
    if objective.l2 == 0:
        return ""
    arrays = [f"W{l}" for l in range(1, net.depth + 1)]
    if objective.l2_bias and net.bias:
        arrays += [f"b{l}" for l in range(1, net.depth + 1)]
    total = " + ".join(f"numpy.sum({a} ** 2)" for a in arrays)
    return f" + {show(objective.l2 / 2)} * ({total})"
