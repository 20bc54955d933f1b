"""Exact algebra shared by every prover: a sound zero test, sums, and relations of signals.

Every test here is *sound*: :func:`is_zero` answers ``True`` only when SymPy has reduced the
expression to exactly 0, and ``False`` means "not shown", never "proven non-zero".

- :func:`is_zero`, :func:`expansion_terms`: the zero test and its cost bound;
- :func:`reduce_sums`, :func:`residual_is_zero`: expressions with sums over symbolic widths
  (sums over the same range merged, every summand reduced);
- :func:`relate`: the factor ``c`` with ``s_B = c s_A`` of two signals (an induction step),
  accepted only when its denominator cannot vanish and the identity is checked exactly;
- :func:`tidy`: a readable form of a small expression.

>>> e = sp.Symbol("e", real=True)
>>> s = 1 / (1 + sp.exp(-e))
>>> is_zero(s * (1 - s) - sp.diff(s, e))
True
>>> is_zero(s - sp.Rational(1, 2))
False
>>> a, b = sp.symbols("a b")
>>> relate(a, -2 * a * sp.exp(b), lambda x: x == a, is_zero)
('A', -2*exp(b))
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

__all__ = [
    "is_zero",
    "ZERO_TEST_OPS",
    "MAX_EXPANSION_TERMS",
    "expansion_terms",
    "size",
    "tidy",
    "pull_constants",
    "reduce_sums",
    "residual_is_zero",
    "relate",
    "factor_between",
    "SUM_INDEX",
    "replace_indexed",
    "split_sums",
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


# -- sums over symbolic widths ---------------------------------------------------------------
#: the index every merged sum is written with
SUM_INDEX = sp.Symbol("k", integer=True, positive=True)


def pull_constants(expr: sp.Expr) -> sp.Expr:
    """Every ``Sum`` with the factors of its summand that do not involve the index moved out,
    so that equal sums become equal objects.

    >>> k, n, a = sp.symbols("k n a")
    >>> pull_constants(sp.Sum(a * sp.Function("f")(k), (k, 1, n)))
    a*Sum(f(k), (k, 1, n))
    """

    def pull(s: sp.Sum) -> sp.Expr:
        ((k, lo, hi),) = s.limits
        body = sp.factor_terms(s.function)
        inside: list[sp.Expr] = []
        outside: list[sp.Expr] = []
        for f in sp.Mul.make_args(body):
            (inside if k in f.free_symbols else outside).append(f)
        return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), (k, lo, hi))

    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, pull)


def split_sums(expr: sp.Expr) -> sp.Expr:
    """Every sum over one index split into the sums of its summand's expanded terms, each
    cleared of its factors free of the index: two sums of the same terms become the same
    atoms, so that their quotients cancel.

    >>> k, n, a, b = sp.symbols("k n a b")
    >>> f = sp.Function("f")
    >>> split_sums(sp.Sum(a * (f(k) + b), (k, 1, n)))
    a*b*Sum(1, (k, 1, n)) + a*Sum(f(k), (k, 1, n))
    """

    def split(s: sp.Sum) -> sp.Expr:
        if len(s.limits) != 1:
            return s
        terms = sp.Add.make_args(sp.expand(s.function))
        return sp.Add(*(pull_constants(sp.Sum(term, *s.limits)) for term in terms))

    return expr.replace(lambda e: isinstance(e, sp.Sum), split)


def _canonical_sum(s: sp.Sum) -> tuple[sp.Expr, tuple[sp.Expr, sp.Expr]] | None:
    """``(summand in k, (1, upper))`` with the index renamed to ``k`` and shifted to start at 1
    (``None`` when ``k`` already occurs free in the summand)."""
    if len(s.limits) != 1:
        return None
    ((var, lo, hi),) = s.limits
    if var != SUM_INDEX and SUM_INDEX in s.function.free_symbols:
        return None
    for inner in s.function.atoms(sp.Sum):  # renaming must not capture or rebind
        bound = {v for v, *_ in inner.limits}
        if var in bound or (SUM_INDEX in bound and var in inner.free_symbols):
            return None
    body = s.function.xreplace({var: SUM_INDEX + lo - 1})
    return body, (sp.S.One, sp.expand(hi - lo + 1))


def reduce_sums(expr: sp.Expr) -> sp.Expr:
    """Merge the sums of an expression over the same range into one, moving factors free of the
    index inside; returns ``rest + Sum(summand, ...)`` with each summand expanded. The
    expression is 0 if ``rest`` and every summand are.

    >>> k, n, a = sp.symbols("k n a")
    >>> reduce_sums(sp.Sum(a * k, (k, 1, n)) - a * sp.Sum(k, (k, 1, n)))
    0
    """
    expr = sp.expand(expr)
    rest = sp.S.Zero
    merged: dict[tuple[sp.Expr, sp.Expr], sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        canon = _canonical_sum(sums[0]) if len(sums) == 1 else None
        coeff = sp.Mul(*(f for f in sp.Mul.make_args(term) if not (sums and f is sums[0])))
        if canon is None or SUM_INDEX in coeff.free_symbols:
            rest += term
            continue
        body, limits = canon
        merged[limits] = merged.get(limits, sp.S.Zero) + coeff * body
    out = rest
    for (lo, hi), body in merged.items():
        body = sp.expand(body)
        if body != 0:
            out += sp.Sum(sp.factor_terms(body), (SUM_INDEX, lo, hi))
    return out


def residual_is_zero(
    expr: sp.Expr, unfold: Callable[[sp.Expr], sp.Expr] | None = None
) -> tuple[bool, sp.Expr]:
    """``(True, 0)`` if ``expr`` reduces to exactly 0, else ``(False, residual)``: sums over the
    same range merged, then the rest and every summand (``unfold``-ed first, e.g. opaque
    activations written out) must be 0."""
    reduced = reduce_sums(expr)
    if reduced == 0:
        return True, sp.S.Zero
    plain = (lambda e: e) if unfold is None else unfold
    sums = [p for p in sp.Add.make_args(reduced) if isinstance(p, sp.Sum)]
    rest = sp.Add(*(p for p in sp.Add.make_args(reduced) if not isinstance(p, sp.Sum)))
    # the part outside the sums must vanish as a whole, and each merged summand on its own
    if is_zero(plain(rest)) and all(is_zero(plain(s.function)) for s in sums):
        return True, sp.S.Zero
    return False, sp.factor_terms(reduced)


def replace_indexed(
    expr: sp.Expr, base: sp.IndexedBase, layer: sp.Expr, value: sp.Expr, index: sp.Symbol
) -> sp.Expr:
    """``expr`` with every ``base[layer, x]`` (any neuron index ``x``, also a summation index)
    replaced by ``value`` with ``index`` renamed ``x``; a sum inside ``value`` whose index is
    ``x`` gets a fresh one first, so nothing is captured.

    >>> d, k, j, n = sp.IndexedBase("d"), *sp.symbols("k j n")
    >>> replace_indexed(sp.Sum(d[2, k], (k, 1, n)), d, 2, 3 * j, j)
    Sum(3*k, (k, 1, n))
    """

    def fresh_value(x: sp.Expr) -> sp.Expr:
        v = value
        for inner in v.atoms(sp.Sum):
            clash = {var for var, *_ in inner.limits} & x.free_symbols
            if clash and index in inner.free_symbols:
                v = v.xreplace({inner: inner.xreplace({c: sp.Dummy(str(c)) for c in clash})})
        return v.xreplace({index: x})

    def hit(e: sp.Basic) -> bool:
        return (
            isinstance(e, sp.Indexed)
            and e.base == base
            and len(e.indices) == 2
            and (sp.expand(e.indices[0] - layer) == 0)
        )

    return expr.replace(hit, lambda e: fresh_value(e.indices[1]))


# -- relating two signals ----------------------------------------------------------------------
def _nonvanishing(den: sp.Expr) -> bool:
    """Whether ``den`` is provably never 0 (a non-zero number, or by SymPy's assumptions)."""
    if den.is_number:
        return bool(den != 0) and den.is_zero is False
    return den.is_zero is False


def factor_between(
    sa: sp.Expr,
    sb: sp.Expr,
    excluded: Callable[[sp.Basic], bool],
    zero: Callable[[sp.Expr], bool],
    budget: int = ZERO_TEST_OPS,
) -> sp.Expr | None:
    """``c`` with ``sb = c sa`` exactly, where ``c`` contains no atom for which ``excluded``
    holds, no sum, and a denominator that cannot vanish; ``None`` if none is found."""
    if sa == 0:
        return None
    na, nb = pull_constants(sa), pull_constants(sb)
    if sp.count_ops(na) + sp.count_ops(nb) > budget:
        return None
    try:
        q = sp.cancel(sp.together(nb / na))
    except sp.PolynomialError:
        return None
    if q.has(sp.Sum, sp.zoo, sp.nan, sp.oo) or any(
        excluded(a) for a in q.atoms(sp.Symbol, sp.Indexed)
    ):
        return None
    num, den = sp.fraction(q)
    if not _nonvanishing(den):
        return None
    return q if zero(sb * den - num * sa) else None


def relate(
    sa: sp.Expr,
    sb: sp.Expr,
    excluded: Callable[[sp.Basic], bool],
    zero: Callable[[sp.Expr], bool],
    budget: int = ZERO_TEST_OPS,
) -> tuple[str, sp.Expr] | None:
    """``("A", c)`` with ``sb = c sa``, or ``("B", c)`` with ``sa = c sb``, exactly (see
    :func:`factor_between`); ``None`` if neither is found. ``excluded`` marks the signal atoms
    a factor may not contain; ``zero`` is the sound zero test to use."""
    if zero(sb - sa):
        return "A", sp.S.One
    c = factor_between(sa, sb, excluded, zero, budget)
    if c is not None:
        return "A", c
    c = factor_between(sb, sa, excluded, zero, budget)
    if c is not None:
        return "B", c
    return None
