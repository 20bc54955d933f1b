"""Shared helpers: independent oracles that do not go through the prover's own machinery."""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from symbolic_bp import Network, custom, derive, loss_gradient
from symbolic_bp.parsing import parse_expression

#: the widely reproduced 2-2-2 sigmoid worked example (one bias per neuron)
WORKED_EXAMPLE = {
    "w1_1_1": 0.15, "w1_1_2": 0.20, "w1_2_1": 0.25, "w1_2_2": 0.30, "b1_1": 0.35, "b1_2": 0.35,
    "w2_1_1": 0.40, "w2_1_2": 0.45, "w2_2_1": 0.50, "w2_2_2": 0.55, "b2_1": 0.60, "b2_2": 0.60,
}  # fmt: skip

#: concrete stand-ins for generic activations, chosen here (not by the prover)
POLY = ["x**2/2 + x/3", "x**3/3 - x/2 + 1/5", "x**2/3 - x + 1", "x**3/4 + x**2/5 + x/7"]
UNIT_OUTPUT = "1/(2 + x**2)"


def concrete(net: Network, shift: int = 0) -> Network:
    """``net`` with every generic activation replaced by a polynomial (rational values)."""
    acts = []
    for l, act in enumerate(net.activations, start=1):
        if act.is_generic:
            text = (
                UNIT_OUTPUT
                if (l == net.depth and net.loss.needs_unit_interval)
                else POLY[(l + shift) % len(POLY)]
            )
            acts.append(custom(text))
        else:
            acts.append(act)
    return net.with_activations(acts)


def rational_point(net: Network, seed: int) -> dict[sp.Symbol, sp.Rational]:
    """A point of small rationals; the targets of a softmax classifier on the simplex (positive,
    summing to 1 per sample); every sample of a batch; a symbolic L2 coefficient's value."""
    rng = random.Random(seed)
    q = lambda: sp.Rational(rng.choice([-4, -3, -2, -1, 1, 2, 3, 4]), rng.randint(2, 6))  # noqa: E731
    if net.objective.plain and not net.loss.probability_targets:
        point = {net.x(i): q() for i in net.neurons(0)}
        point.update({net.t(j): sp.Rational(rng.randint(1, 5), 6) for j in net.neurons(net.depth)})
    else:
        point = {}
        for v in net.views():
            point.update({v.x(i): q() for i in net.neurons(0)})
            ts = [sp.Rational(rng.randint(1, 5), 6) for _ in net.neurons(net.depth)]
            if net.loss.probability_targets:
                ts = [t / sum(ts) for t in ts]
            point.update({v.t(j): t for j, t in zip(net.neurons(net.depth), ts, strict=True)})
        if isinstance(net.objective.l2, sp.Symbol):
            point[net.objective.l2] = sp.Rational(rng.randint(1, 4), 5)
    point.update({p: q() for p in net.parameters()})
    point[net.eta] = sp.Rational(1, 2)
    return point


def own_loss(net: Network) -> sp.Expr:
    """The loss built here from scratch: each sample's forward pass in inputs and parameters,
    activations by their explicit formulas, a softmax written out as ``exp(e_j) / sum_k
    exp(e_k)``; the batch's mean or sum; the L2 penalty. Shares nothing with the package's
    loss but the loss's name."""
    objective = net.objective
    total = sp.S.Zero
    for v in net.views():
        y = [v.x(i) for i in net.neurons(0)]
        for l in range(1, net.depth + 1):
            act = net.activations[l - 1]
            e = [
                sp.Add(*(net.w(l, j, i) * y[i - 1] for i in net.neurons(l - 1)))
                + (net.b(l, j) if net.bias else 0)
                for j in net.neurons(l)
            ]
            if act.is_vector:
                z = sp.Add(*(sp.exp(a) for a in e))
                y = [sp.exp(a) / z for a in e]
            else:
                y = [act.expr.xreplace({X: a}) for a in e]
        t = [v.t(j) for j in net.neurons(net.depth)]
        name = net.loss.name
        if name == "categorical_cross_entropy":
            terms = [-tj * sp.log(yj) for tj, yj in zip(t, y, strict=True)]
        elif name == "cross_entropy":
            terms = [
                -tj * sp.log(yj) - (1 - tj) * sp.log(1 - yj) for tj, yj in zip(t, y, strict=True)
            ]
        else:
            factor = sp.Rational(1, 2) if name == "half_sse" else 1
            terms = [factor * (tj - yj) ** 2 for tj, yj in zip(t, y, strict=True)]
        total += sp.Add(*terms)
    scale = sp.Rational(1, objective.batch) if objective.reduce.mean else 1
    penalty = sp.Add(*(p**2 for p in net.parameters() if p.name[0] == "w" or objective.l2_bias))
    return scale * total + objective.l2 / 2 * penalty


X = sp.Symbol("x", real=True)


def oracle_values(net: Network, point: dict) -> dict[sp.Symbol, sp.Expr]:
    """``-eta dE/dp`` by sympy.diff of the whole expanded loss, at ``point`` (exact): the
    package's own expanded loss for the networks of the first tests, :func:`own_loss` for a
    softmax, a batch or an L2 penalty."""
    if net.objective.plain and not any(a.is_vector for a in net.activations):
        return {p: g.xreplace(point) for p, g in loss_gradient(net).items()}
    loss = own_loss(net)
    return {p: (-net.eta * sp.diff(loss, p)).xreplace(point) for p in net.parameters()}


def expanded_values(net: Network, convention: str, point: dict) -> dict[sp.Symbol, sp.Expr]:
    """The convention's fully expanded updates at ``point`` (exact)."""
    rules = derive(net, convention)
    return {p: rules.expanded(p).xreplace(point) for p in net.parameters()}


def high_precision(expr: sp.Expr, digits: int = 60) -> mpmath.mpf:
    """The value of a constant expression with mpmath at ``digits`` digits, walking the
    expression once with sharing (SymPy's evalf re-walks shared subtrees and is exponential on
    the nested expressions of deep networks). An oracle independent of the package's own
    interval code."""
    memo: dict = {}
    funcs = {sp.exp: mpmath.exp, sp.log: mpmath.log, sp.tanh: mpmath.tanh}

    def ev(e: sp.Basic) -> mpmath.mpf:
        if e in memo:
            return memo[e]
        if e.is_Rational:
            out = mpmath.mpf(int(e.p)) / int(e.q)
        elif e.is_Add:
            out = mpmath.fsum(ev(a) for a in e.args)
        elif e.is_Mul:
            out = mpmath.fprod(ev(a) for a in e.args)
        elif e.is_Pow:
            out = ev(e.args[0]) ** ev(e.args[1])
        elif e.func in funcs:
            out = funcs[e.func](ev(e.args[0]))
        elif hasattr(e.func, "explicit"):
            out = ev(e.func.explicit(*e.args))
        elif e is sp.E:
            out = mpmath.e
        else:
            out = mpmath.mpf(str(sp.N(e, digits)))
        memo[e] = out
        return out

    with mpmath.workdps(digits):
        return ev(sp.sympify(expr))


def differ(a: sp.Expr, b: sp.Expr) -> bool:
    """Exact values differ (rationals exactly; other constants at 60 digits)."""
    d = sp.sympify(a) - sp.sympify(b)
    if d.is_Rational:
        return d != 0
    with mpmath.workdps(60):
        return abs(high_precision(a) - high_precision(b)) > mpmath.mpf(10) ** -40


def point_from_strings(net: Network, point: dict[str, str]) -> dict[sp.Symbol, sp.Expr]:
    """A counterexample's point (names to exact rational strings), parsed without sympify."""
    by_name = {s.name: s for s in net.symbols_of_point()}
    out = {}
    for name, text in point.items():
        num, _, den = text.partition("/")
        out[by_name[name]] = sp.Rational(int(num), int(den or 1))
    return out


def with_activations_from_strings(net: Network, acts: dict[str, str]) -> Network:
    """Replace generic activations by the counterexample's expressions (parsed safely)."""
    new = []
    for act in net.activations:
        if act.name in acts:
            expr = parse_expression(acts[act.name])
            new.append(custom(sp.sstr(expr)))
        else:
            new.append(act)
    return net.with_activations(new)
