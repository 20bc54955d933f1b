"""Small exact-algebra helpers shared by the prover and the renderers.

Every test here is *sound*: :func:`is_zero` answers ``True`` only when SymPy has reduced the
expression to exactly 0, and ``False`` means "not shown", never "proven non-zero".

>>> e = sp.Symbol("e", real=True)
>>> s = 1 / (1 + sp.exp(-e))
>>> is_zero(s * (1 - s) - sp.diff(s, e))
True
>>> is_zero(s - sp.Rational(1, 2))
False
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "is_zero",
    "ZERO_TEST_OPS",
    "MAX_EXPANSION_TERMS",
    "expansion_terms",
    "size",
    "tidy",
]

#: expressions larger than this (in ``count_ops``) only get the cheap tests
ZERO_TEST_OPS = 400
#: expressions whose expansion could have more terms than this are not expanded
MAX_EXPANSION_TERMS = 5000


def size(expr: sp.Expr) -> int:
    """A cheap size measure (number of nodes of the expression tree)."""
    return sum(1 for _ in sp.preorder_traversal(expr))


def is_zero(expr: sp.Expr, budget: int = ZERO_TEST_OPS) -> bool:
    """``True`` if ``expr`` reduces to exactly 0 by expansion or rational cancellation.

    Tries, cheapest first: the expression itself, :func:`sympy.expand`, then (when the
    expression has at most ``budget`` operations) :func:`sympy.cancel` of
    :func:`sympy.together`. Never calls :func:`sympy.simplify`.
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    if expansion_terms(expr) > MAX_EXPANSION_TERMS:
        return False  # not shown: expanding would take too long (the caller may try numbers)
    if sp.expand(expr) == 0:
        return True
    if sp.count_ops(expr) <= budget:
        try:
            return sp.cancel(sp.together(expr)) == 0
        except sp.PolynomialError:
            return False
    return False


def expansion_terms(expr: sp.Expr) -> int:
    """An upper bound on the number of terms of ``sympy.expand(expr)``, computed without
    expanding (sums add, products multiply, integer powers raise), shared subtrees counted
    once per occurrence; used to refuse expansions that would explode.

    >>> a, b, c = sp.symbols("a b c")
    >>> expansion_terms((a + b) * (a + c) ** 2)
    8
    """
    memo: dict[sp.Basic, int] = {}

    def terms(e: sp.Basic) -> int:
        if e in memo:
            return memo[e]
        if e.is_Add:
            out = sum(terms(a) for a in e.args)
        elif e.is_Mul:
            out = 1
            for a in e.args:
                out *= terms(a)
        elif e.is_Pow and e.exp.is_Integer and e.exp > 0:
            out = terms(e.base) ** int(e.exp)
        else:
            out = 1
        memo[e] = out = min(out, 10**12)
        return out

    return terms(expr)


def tidy(
    expr: sp.Expr, group: set[sp.Symbol] | frozenset = frozenset(), budget: int = 300
) -> sp.Expr:
    """A readable form of a small expression: the shortest of itself, :func:`sympy.factor`, and
    the expansion collected in the ``group`` symbols with factored coefficients."""
    if sp.count_ops(expr) > budget:
        return expr
    candidates = [expr]
    try:
        candidates.append(sp.factor(expr))
        present = sorted(expr.free_symbols & set(group), key=sp.default_sort_key)
        if present:
            candidates.append(sp.factor_terms(sp.collect(sp.expand(expr), present, func=sp.factor)))
    except sp.PolynomialError:
        pass
    return min(candidates, key=lambda c: (sp.count_ops(c), len(sp.sstr(c)), sp.sstr(c)))
