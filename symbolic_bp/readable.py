r"""Differences written in the named derivatives of concrete activations, verified.

A recipe that writes ``f'(e)`` through the output (``sigmoid'(e) = y (1 - y)``) leaves
differences such as ``relu'(a)*sigmoid(b)**2 - relu'(a)*sigmoid(b) + sigmoid'(b)``; folded back
into the named derivative that is ``(1 - relu'(a))*sigmoid'(b)``. :func:`fold_derivatives`
reduces an expression modulo the identities its functions carry:

- ``f'(a) = g(f(a))`` for an activation whose derivative is a polynomial ``g`` of its output
  (the function class of ``f'`` carries ``output_form``, ``g`` in ``y``, and ``primitive``);
- ``s(a)**2 = s(a)`` for a 0/1 step such as ``relu'`` (its class sets ``idempotent``).

The reduction (a polynomial remainder, lexicographic with the outputs first, so powers of
``f(a)`` are traded for ``f'(a)``) is shown only when the folded form, with every ``f'(a)``
written as ``g(f(a))`` and every step's powers collapsed, expands to the same polynomial as the
input: never unverified.

>>> import sympy as sp
>>> from symbolic_bp.model.activations import get_activation
>>> sig, relu = get_activation("sigmoid"), get_activation("relu")
>>> a, b = sp.symbols("a b", real=True)
>>> raw = relu.derivative(a) * sig(b) ** 2 - relu.derivative(a) * sig(b) + sig.derivative(b)
>>> sp.factor(fold_derivatives(raw))
-(relu'(a) - 1)*sigmoid'(b)
"""

from __future__ import annotations

import sympy as sp

from .algebra import size

__all__ = ["fold_derivatives", "same_by_identities", "readable", "reading_cost", "FOLD_NODES"]

_Y = sp.Symbol("y", real=True)


_Pieces = tuple[dict[sp.Basic, sp.Symbol], list[sp.Expr], list[sp.Symbol], dict[sp.Symbol, sp.Expr]]


def _pieces(expr: sp.Expr) -> _Pieces:
    """The substitution of every foldable application by a symbol, the identities between
    those symbols (as polynomials that vanish), the generators in elimination order, and
    ``{symbol: its value}`` for the verification (``d: g(y)`` for a derivative; a step maps
    to itself)."""
    subs: dict[sp.Basic, sp.Symbol] = {}
    relations: list[sp.Expr] = []
    outputs: list[sp.Symbol] = []
    slopes: list[sp.Symbol] = []
    steps: list[sp.Symbol] = []
    values: dict[sp.Symbol, sp.Expr] = {}
    pairs = set()
    for app in sorted(expr.atoms(sp.Function), key=sp.default_sort_key):
        cls = type(app)
        if getattr(cls, "idempotent", False) and app not in subs:
            subs[app] = s = sp.Dummy("s")
            steps.append(s)
            relations.append(s**2 - s)
            continue
        prime = getattr(cls, "derivative_class", None)
        prime = cls if getattr(cls, "output_form", None) is not None else prime
        if prime is None or getattr(prime, "output_form", None) is None:
            continue
        pairs.add((prime, app.args[0]))
    for prime, arg in sorted(pairs, key=lambda p: sp.default_sort_key(p[1])):
        f_app, d_app = prime.primitive(arg), prime(arg)
        y, d = sp.Dummy("y"), sp.Dummy("d")
        subs[f_app], subs[d_app] = y, d
        outputs.append(y)
        slopes.append(d)
        values[d] = prime.output_form.xreplace({_Y: y})
        relations.append(d - values[d])
    values.update({s: s for s in steps})
    return subs, relations, outputs + slopes + steps, values


def same_by_identities(a: sp.Expr, b: sp.Expr) -> bool:
    """Whether ``a - b`` expands to 0 once every ``f'(x)`` with an output form is written as
    ``g(f(x))`` and every power of a 0/1 step is the step itself."""
    diff = sp.sympify(a - b)
    subs, _, _, values = _pieces(diff)
    steps = [s for s, v in values.items() if v == s]
    poly = sp.expand(diff.xreplace(subs).xreplace({d: v for d, v in values.items() if v != d}))
    collapse = {s**k: s for s in steps for k in range(2, 1 + max(_degrees(poly, s), 1))}
    return sp.expand(poly.xreplace(collapse)) == 0


def _degrees(poly: sp.Expr, s: sp.Symbol) -> int:
    """The largest power of ``s`` in the expanded ``poly``."""
    return max((int(p.exp) for p in poly.atoms(sp.Pow) if p.base == s), default=1)


def _reduce(poly: sp.Expr) -> sp.Expr:
    """A polynomial in the foldable applications reduced modulo their identities (verified),
    or ``poly`` itself."""
    subs, relations, gens, _ = _pieces(poly)
    if not relations:
        return poly
    try:
        _, rem = sp.reduced(sp.expand(poly.xreplace(subs)), relations, *gens, order="lex")
    except (sp.PolynomialError, sp.polys.polyerrors.ComputationFailed):
        return poly
    folded = rem.xreplace({v: k for k, v in subs.items()})
    return folded if same_by_identities(folded, poly) else poly


def fold_derivatives(expr: sp.Expr) -> sp.Expr:
    """``expr`` with powers of activation outputs traded for the named derivatives (see the
    module), verified equal to ``expr``; ``expr`` itself when nothing folds or the check fails.
    A quotient is folded above and below the bar, then cancelled."""
    num, den = sp.fraction(sp.together(expr))
    fnum, fden = _reduce(num), _reduce(den)
    if fnum is num and fden is den:
        return expr
    out = sp.cancel(fnum / fden) if fden != 1 else fnum
    top, bottom = sp.fraction(sp.together(out))
    return out if same_by_identities(top * den, num * bottom) else expr


#: differences up to this size are folded into the activations' named derivatives
FOLD_NODES = 400


def reading_cost(expr: sp.Expr) -> tuple[int, int]:
    """Operations, then characters: the shorter reads first."""
    return (sp.count_ops(expr), len(sp.sstr(expr)))


def readable(expr: sp.Expr) -> sp.Expr:
    """``expr`` folded into the activations' named derivatives and factored, when that reads
    shorter (each form verified equal: :func:`~symbolic_bp.readable.fold_derivatives`)."""
    if size(expr) > FOLD_NODES:
        return expr
    folded = fold_derivatives(expr)
    if folded is expr:
        return expr
    folded = min((folded, sp.factor(folded)), key=reading_cost)
    return folded if reading_cost(folded) < reading_cost(expr) else expr
