"""An independent oracle for the optimizer prover: every recipe written again in plain Python.

Nothing here comes from ``symbolic_bp.optim``: the recipes are loops over coordinates on
:class:`~fractions.Fraction` (exact) or mpmath numbers (60 digits, for square roots that are
not rational), and the gradient of a polynomial loss is evaluated from its coefficients.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from fractions import Fraction
from math import isqrt

import mpmath
import sympy as sp

Number = Fraction | mpmath.mpf
Grad = Callable[[list], list]


class NotRational(Exception):
    """A square root of a rational that is not a square."""


def exact_sqrt(q: Fraction) -> Fraction:
    """The square root of ``q`` when it is a rational, else :class:`NotRational`."""
    q = Fraction(q)
    if q < 0:
        raise ValueError(f"sqrt of {q}")
    n, d = isqrt(q.numerator), isqrt(q.denominator)
    if n * n != q.numerator or d * d != q.denominator:
        raise NotRational(str(q))
    return Fraction(n, d)


def polynomial_gradient(loss: str, dim: int, exact: bool = True) -> Grad:
    """The gradient of a polynomial loss given as text (the report's own text), evaluated
    from the coefficients of its partial derivatives, in Fractions or in mpmath numbers."""
    ps = sp.symbols(f"p_1:{dim + 1}", real=True)
    expr = sp.sympify(loss, locals={str(p): p for p in ps})
    parts = []
    for p in ps:
        poly = sp.Poly(sp.diff(expr, p), *ps)
        parts.append([(m, Fraction(int(c.p), int(c.q))) for m, c in poly.terms()])

    def num(c: Fraction) -> Number:
        return c if exact else mpmath.mpf(c.numerator) / c.denominator

    def grad(point: list) -> list:
        out = []
        for terms in parts:
            total = num(Fraction(0))
            for powers, coeff in terms:
                term = num(coeff)
                for x, k in zip(point, powers, strict=True):
                    term *= x**k
                total += term
            out.append(total)
        return out

    return grad


def iterate(
    name: str,
    grad: Grad,
    p0: Sequence[Number],
    hyper: dict[str, Number],
    steps: int,
    rates: Sequence[Number] | None = None,
    sqrt: Callable[[Number], Number] = exact_sqrt,
) -> list[list[Number]]:
    """The parameter after each step ``0..steps`` of the recipe ``name`` (the rate of step
    ``t`` is ``rates[t-1]``, or ``hyper['lr']``)."""
    p = list(p0)
    d = len(p)
    zero = p[0] * 0
    a = [zero] * d  # first state (v, b or m)
    s = [zero] * d  # second state (Adam's v)
    out = [list(p)]
    h = hyper
    for t in range(1, steps + 1):
        lr = rates[t - 1] if rates is not None else h["lr"]
        if name == "nesterov_lookahead":
            g = grad([p[i] + h["mu"] * a[i] for i in range(d)])
        elif name == "wrong_decay_before_gradient":
            p = [p[i] - h["wd"] * p[i] for i in range(d)]
            g = grad(p)
        else:
            g = grad(p)
        new = []
        for i in range(d):
            gi = g[i]
            if name == "sgd":
                new.append(p[i] - lr * gi)
            elif name == "sgd_l2":
                new.append(p[i] - lr * (gi + h["l2"] * p[i]))
            elif name == "wrong_lr_twice":
                new.append(p[i] - lr * lr * gi)
            elif name == "wrong_decay_before_gradient":
                new.append(p[i] - lr * gi)
            elif name == "sgd_weight_decay":
                new.append(p[i] - lr * gi - h["wd"] * p[i])
            elif name == "momentum":
                a[i] = h["mu"] * a[i] + gi
                new.append(p[i] - lr * a[i])
            elif name == "momentum_lr_inside":
                a[i] = h["mu"] * a[i] + lr * gi
                new.append(p[i] - a[i])
            elif name == "nesterov":
                a[i] = h["mu"] * a[i] + gi
                new.append(p[i] - lr * (gi + h["mu"] * a[i]))
            elif name == "nesterov_lookahead":
                a[i] = h["mu"] * a[i] - lr * gi
                new.append(p[i] + a[i])
            elif name in ("adam", "adam_l2", "adamw", "wrong_no_m_correction"):
                if name == "adam_l2":
                    gi = gi + h["l2"] * p[i]
                a[i] = h["beta1"] * a[i] + (1 - h["beta1"]) * gi
                s[i] = h["beta2"] * s[i] + (1 - h["beta2"]) * gi * gi
                m_hat = a[i] / (1 - h["beta1"] ** t)
                if name == "wrong_no_m_correction":
                    m_hat = a[i]
                v_hat = s[i] / (1 - h["beta2"] ** t)
                step = m_hat / (sqrt(v_hat) + h["eps"])
                if name == "adamw":
                    step = step + h["wd"] * p[i]
                new.append(p[i] - lr * step)
            else:
                raise KeyError(name)
        p = new
        out.append(list(p))
    return out


def fractions(values: dict[str, str]) -> dict[str, Fraction]:
    """A report's exact numbers (text) as Fractions."""
    return {k: Fraction(v) for k, v in values.items()}


def random_problem(
    seed: int, dim: int, names: Sequence[str]
) -> tuple[Grad, list[Fraction], dict[str, Fraction]]:
    """A random quadratic loss (its gradient), start and hyperparameters in their domains."""
    rng = random.Random(seed)

    def q(lo: int, hi: int, den: int = 12) -> Fraction:
        return Fraction(rng.randint(lo, hi), rng.randint(1, den))

    a = [q(1, 30) for _ in range(dim)]
    b = [q(-20, 20) for _ in range(dim)]
    c = q(-6, 6)

    def grad(p: list) -> list:
        out = []
        for i in range(dim):
            coupling = sum((p[j] for j in range(dim) if abs(j - i) == 1), Fraction(0))
            out.append(a[i] * p[i] + b[i] + c * coupling)
        return out

    p0 = [q(-20, 20) for _ in range(dim)]
    unit = {"mu", "beta1", "beta2"}
    hyper = {n: (Fraction(rng.randint(0, 11), 12) if n in unit else q(1, 12)) for n in names}
    return grad, p0, hyper
