"""An independent oracle for the soundness tests (tests/test_soundness.py).

It shares no code with the prover's fast paths. What a recipe *does* on a concrete network is,
by definition, its per-neuron rules: ``sbp.derive(net, conv).expanded(p)`` (one expression in
inputs, targets, parameters and ``eta``). The ground truth ``gradient`` is computed here from
scratch: our own forward pass, our own loss, ``sympy.diff`` of the whole expression (the
package's ``loss_gradient`` is only cross-checked against it).

Verdict per parameter, for generic activations (undefined ``f_l``):

- ``differs``: with concrete polynomials substituted for the ``f_l`` (chosen here) the two
  updates take different exact rational values at one of a few rational points chosen here.
  A polynomial is a differentiable activation, so "equal for every activation" is refuted.
- ``equal``: the difference of the two expanded updates is exactly 0 after ``expand`` (and,
  if needed, ``cancel``) with the ``f_l`` left undefined.
- ``undetermined``: neither (the tests then do not assert anything about that parameter).

A recipe whose per-neuron derivation raises has the network-level verdict ``error``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

import symbolic_bp as sbp

# --------------------------------------------------------------------------------------------
# our own activation functions: F_l (an undefined function) with derivative D_l


class _Undefined(sp.Function):
    """Base of our undefined functions (no evaluation)."""


_F: dict[int, type] = {}
_D: dict[int, type] = {}


def F(l: int) -> type:
    """``F_l``: our stand-in for the generic activation ``f_l``; its derivative is ``D_l``."""
    if l not in _F:
        D = type(f"D_{l}", (_Undefined,), {})

        def fdiff(self, argindex=1, _D=D):  # noqa: ANN001
            return _D(self.args[0])

        _F[l] = type(f"F_{l}", (_Undefined,), {"fdiff": fdiff})
        _D[l] = D
    return _F[l]


def D(l: int) -> type:
    F(l)
    return _D[l]


_NAME = re.compile(r"^f_(\d+)(')?$")


@dataclass(frozen=True)
class Concrete:
    """How the oracle writes one concrete activation.

    ``f(a)`` becomes ``C(a)`` (an undefined function of ours, evaluated through the explicit
    form) and ``f'(a)`` becomes ``g(C(a))``, where ``g`` is the output form of the derivative;
    the identity ``g(f(x)) = f'(x)`` is checked here (``sympy.simplify`` in one variable) before
    it is used. Without it, ``f'(a)`` is the explicit derivative at ``a``. A zero test with
    ``C`` left undefined is sound: it holds for every function, hence for ``f``."""

    expr: sp.Expr
    derivative: sp.Expr
    var: sp.Symbol
    C: type | None = None
    g: sp.Expr | None = None
    gvar: sp.Symbol | None = None
    uses_output: bool = False


_CONCRETE: dict[str, Concrete] = {}


def concrete(act) -> Concrete:
    if act.name in _CONCRETE:
        return _CONCRETE[act.name]
    (var,) = act.expr.free_symbols or {sp.Symbol("x", real=True)}
    g = act.output_derivative_expr
    gvar = None
    if g is not None:
        gvars = list(g.free_symbols)
        gvar = gvars[0] if gvars else sp.Symbol("y")
        if len(gvars) > 1 or sp.simplify(g.subs(gvar, act.expr) - act.derivative_expr) != 0:
            g = gvar = None
    if g is None:  # f'(a) written out explicitly in the argument a
        g, gvar = act.derivative_expr, var
        uses_output = False
    else:
        uses_output = True
    safe = re.sub(r"\W", "_", act.name)

    def fdiff(self, argindex=1, _g=g, _v=gvar, _out=uses_output):  # noqa: ANN001
        return _g.subs(_v, self if _out else self.args[0])

    C = type(f"C_{safe}", (_Undefined,), {"fdiff": fdiff})
    info = Concrete(act.expr, act.derivative_expr, var, C, g, gvar, uses_output)
    _CONCRETE[act.name] = info
    _CONCRETE_BY_C[C.__name__] = info
    return info


_CONCRETE_BY_C: dict[str, Concrete] = {}


def apply_activation(act, a: sp.Expr) -> sp.Expr:
    """``f(a)`` in our terms."""
    c = concrete(act)
    return c.C(a) if c.C is not None else c.expr.subs(c.var, a)


def apply_derivative(act, a: sp.Expr) -> sp.Expr:
    """``f'(a)`` in our terms."""
    c = concrete(act)
    return c.g.subs(c.gvar, c.C(a) if c.uses_output else a)


def to_ours(expr: sp.Expr, net: sbp.Network | None = None) -> sp.Expr:
    """Replace the package's ``f_l(a)`` / ``f_l'(a)`` by our ``F_l(a)`` / ``D_l(a)``, and the
    opaque applications of ``net``'s concrete activations by our forms of them."""
    opaque: dict[str, tuple[object, bool]] = {}
    for act in net.activations if net is not None else ():
        if not act.is_generic and act.opaque:
            f, fp = act.opaque
            opaque[f.__name__] = (act, False)
            opaque[fp.__name__] = (act, True)

    def is_pkg(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Function) or isinstance(e, _Undefined):
            return False
        name = type(e).__name__
        return _NAME.match(name) is not None or name in opaque

    def repl(e: sp.Basic) -> sp.Basic:
        name = type(e).__name__
        if name in opaque:
            act, prime = opaque[name]
            return (apply_derivative if prime else apply_activation)(act, e.args[0])
        m = _NAME.match(name)
        assert m is not None
        l = int(m.group(1))
        return (D(l) if m.group(2) else F(l))(*e.args)

    return sp.sympify(expr).replace(is_pkg, repl)


# --------------------------------------------------------------------------------------------
# polynomials standing in for the activations, and rational points

X = sp.Symbol("x")

# Our own choice (not the package's). Non-linear, derivative never identically 1.
POLYS_A = {
    1: sp.Rational(1, 3) * X**2 + X / 2 - sp.Rational(1, 7),
    2: sp.Rational(1, 5) * X**3 - X / 3 + sp.Rational(2, 3),
    3: -sp.Rational(1, 4) * X**2 + sp.Rational(2, 3) * X + sp.Rational(1, 3),
    4: sp.Rational(1, 7) * X**3 + sp.Rational(1, 6) * X**2 + X / 2,
    5: sp.Rational(2, 7) * X**2 - sp.Rational(1, 2) * X + sp.Rational(3, 5),
    6: sp.Rational(1, 9) * X**3 + sp.Rational(3, 4) * X - sp.Rational(1, 8),
}
POLYS_B = {
    1: sp.Rational(1, 6) * X**3 - sp.Rational(2, 5) * X + sp.Rational(1, 2),
    2: sp.Rational(3, 7) * X**2 + sp.Rational(1, 4) * X - sp.Rational(1, 9),
    3: sp.Rational(1, 8) * X**3 + sp.Rational(1, 3) * X**2 - X / 5,
    4: -sp.Rational(1, 5) * X**2 + sp.Rational(4, 5) * X + sp.Rational(1, 6),
    5: sp.Rational(1, 4) * X**3 - sp.Rational(1, 7) * X,
    6: sp.Rational(2, 9) * X**2 + sp.Rational(1, 3) * X + sp.Rational(1, 4),
}
POLY_SETS = (POLYS_A, POLYS_B)


class NotEvaluable(Exception):
    """The expression has a part our exact evaluator does not handle."""


class PointFails(Exception):
    """Division by zero at this point (try another)."""


class Evaluator:
    """Evaluation of an expression in our ``F_l``/``D_l`` at a rational point, with the
    polynomials ``polys[l]`` for ``F_l`` (and their derivatives for ``D_l``).

    ``interval=False``: exact, in :class:`fractions.Fraction` (no transcendental functions).
    ``interval=True``: rigorous enclosures with ``mpmath.iv`` at 256 bits (exp, log, tanh)."""

    def __init__(self, polys, point, interval: bool = False, _tables=None):
        self.polys = polys
        if _tables is None:
            _tables = (
                {l: sp.sympify(p) for l, p in polys.items()},
                {l: sp.diff(p, X) for l, p in polys.items()},
            )
        self.f, self.fp = _tables
        self.point = point
        self.point_by_name = {s.name: v for s, v in point.items()}
        self.interval = interval
        self.cache: dict = {}

    def _num(self, q):
        if not self.interval or not isinstance(q, Fraction):
            return q
        from mpmath import iv

        iv.prec = 256
        return iv.mpf(q.numerator) / iv.mpf(q.denominator)

    def __call__(self, e: sp.Basic):
        hit = self.cache.get(e)
        if hit is not None:
            return hit
        v = self._eval(e)
        self.cache[e] = v
        return v

    def _eval(self, e: sp.Basic):
        if e.is_Symbol:
            if e in self.point:
                return self._num(self.point[e])
            if e.name in self.point_by_name:  # same name, other assumptions: still ours
                return self._num(self.point_by_name[e.name])
            raise NotEvaluable(f"free symbol {e}")
        if e.is_Rational:
            return self._num(Fraction(int(e.p), int(e.q)))
        if e.is_Add:
            acc = self._num(Fraction(0))
            for a in e.args:
                acc = acc + self(a)
            return acc
        if e.is_Mul:
            acc = self._num(Fraction(1))
            for a in e.args:
                acc = acc * self(a)
            return acc
        if e.is_Pow:
            base, ex = e.args
            if ex.is_Integer:
                b = self(base)
                n = int(ex)
                if n < 0 and _may_be_zero(b):
                    raise PointFails(str(e))
                return b**n if n >= 0 else 1 / (b ** (-n))
            if self.interval and base == sp.E:
                return self._fn("exp", self(ex))
            raise NotEvaluable(f"power {e}")
        name = type(e).__name__
        m = re.match(r"^([FD])_(\d+)$", name)
        if m and isinstance(e, _Undefined):
            l = int(m.group(2))
            table = self.f if m.group(1) == "F" else self.fp
            if l not in table:
                raise NotEvaluable(f"no polynomial for layer {l}")
            v = self(e.args[0])
            # the activation (any expression in x: a polynomial, a rational function, ...)
            sub = Evaluator(self.polys, {X: v}, self.interval, (self.f, self.fp))
            return sub(table[l])
        if isinstance(e, _Undefined) and name in _CONCRETE_BY_C:
            c = _CONCRETE_BY_C[name]
            return self(c.expr.subs(c.var, e.args[0]))
        if self.interval and isinstance(e, (sp.exp, sp.log, sp.tanh)) and len(e.args) == 1:
            return self._fn(type(e).__name__, self(e.args[0]))
        raise NotEvaluable(f"cannot evaluate {name}: {e}")

    def _fn(self, name: str, v):
        from mpmath import iv

        if name == "log" and not (v.a > 0):
            raise PointFails("log of a non-positive enclosure")
        try:
            if name == "tanh":  # tanh v = 1 - 2 / (exp(2 v) + 1), rigorous in iv
                return 1 - 2 / (iv.exp(2 * v) + 1)
            return getattr(iv, name)(v)
        except (OverflowError, ZeroDivisionError) as exc:
            raise PointFails(str(exc)) from exc


def _may_be_zero(v) -> bool:
    if isinstance(v, Fraction):
        return v == 0
    return v.a <= 0 <= v.b


def provably_different(va, vb) -> bool:
    """Exact values differ, or enclosures are disjoint."""
    if isinstance(va, Fraction) and isinstance(vb, Fraction):
        return va != vb
    return bool(va.b < vb.a or vb.b < va.a)


def _explicit_transcendental(e: sp.Expr) -> bool:
    return bool(e.atoms(sp.exp, sp.log, sp.tanh)) or any(p.base == sp.E for p in e.atoms(sp.Pow))


def has_transcendental(e: sp.Expr) -> bool:
    """Needs interval evaluation (explicit transcendental functions, or ours standing for
    a concrete non-polynomial activation)."""
    if any(type(f).__name__ in _CONCRETE_BY_C for f in e.atoms(_Undefined)):
        return True
    return bool(e.atoms(sp.exp, sp.log, sp.tanh)) or any(p.base == sp.E for p in e.atoms(sp.Pow))


def make_points(net: sbp.Network, n: int, seed: int = 20240611) -> list[dict[sp.Symbol, Fraction]]:
    """``n`` rational points for ``net``'s variables (inputs, targets, parameters, eta)."""
    rnd = random.Random(seed + 1000 * len(net.sizes) + sum(net.sizes))
    nums = [Fraction(p, q) for q in (2, 3, 4, 5, 7) for p in range(-7, 8) if p != 0]
    small = [v for v in nums if abs(v) <= Fraction(3, 2)]
    unit = [v for v in nums if 0 < v < 1]
    pts = []
    for _ in range(n):
        pt: dict[sp.Symbol, Fraction] = {}
        for i in range(1, net.sizes[0] + 1):
            pt[net.x(i)] = rnd.choice([v for v in nums if abs(v) <= 2])
        for j in range(1, net.sizes[-1] + 1):
            pt[net.t(j)] = rnd.choice(unit)
        for l in range(1, len(net.sizes)):
            for j in range(1, net.sizes[l] + 1):
                for i in range(1, net.sizes[l - 1] + 1):
                    pt[net.w(l, j, i)] = rnd.choice(small)
                if net.bias:
                    pt[net.b(l, j)] = rnd.choice(small)
        pt[net.eta] = rnd.choice(unit)
        pts.append(pt)
    return pts


# --------------------------------------------------------------------------------------------
# our own ground truth


def our_loss(net: sbp.Network) -> sp.Expr:
    """The loss of ``net`` as one expression, with our ``F_l``, built from scratch."""
    L = len(net.sizes) - 1
    y = {(0, i): net.x(i) for i in range(1, net.sizes[0] + 1)}
    for l in range(1, L + 1):
        for j in range(1, net.sizes[l] + 1):
            e = sp.Add(*[net.w(l, j, i) * y[(l - 1, i)] for i in range(1, net.sizes[l - 1] + 1)])
            if net.bias:
                e += net.b(l, j)
            act = net.activations[l - 1]
            y[(l, j)] = F(l)(e) if act.is_generic else apply_activation(act, e)
    name = net.loss.name
    terms = []
    for j in range(1, net.sizes[L] + 1):
        t, o = net.t(j), y[(L, j)]
        if name == "half_sse":
            terms.append((t - o) ** 2 / 2)
        elif name == "sse":
            terms.append((t - o) ** 2)
        elif name == "cross_entropy":
            terms.append(-t * sp.log(o) - (1 - t) * sp.log(1 - o))
        else:
            raise NotImplementedError(name)
    return sp.Add(*terms)


def our_gradient(net: sbp.Network) -> dict[str, sp.Expr]:
    """``{name: -eta dE/dp}`` by ``sympy.diff`` of our own expanded loss."""
    E = our_loss(net)
    return {
        name: -net.eta * sp.diff(E, p)
        for name, p in zip(net.parameter_names(), net.parameters(), strict=True)
    }


# --------------------------------------------------------------------------------------------
# a recipe's definition: its per-neuron rules


@dataclass
class Definition:
    """What one convention does on one network: ``{name: expanded update}`` in our functions,
    or ``error`` (the text of the exception the per-neuron derivation raised)."""

    updates: dict[str, sp.Expr] = field(default_factory=dict)
    error: str | None = None


def definition(net: sbp.Network, conv: str | sbp.Convention) -> Definition:
    if conv == "gradient":
        return Definition(our_gradient(net))
    try:
        rules = sbp.derive(net, conv)
        ups = {}
        for name, p in zip(net.parameter_names(), net.parameters(), strict=True):
            ups[name] = to_ours(rules.expanded(p), net)
        return Definition(ups)
    except Exception as exc:  # noqa: BLE001  (the recipe itself may raise anything)
        return Definition(error=f"{type(exc).__name__}: {exc}")


def _is_zero(d: sp.Expr, max_ops: int = 20000) -> bool:
    """Exactly 0 for every value of the undefined functions (sound, not complete)."""
    if d == 0:
        return True
    d = sp.expand(d)
    if d == 0:
        return True
    if _explicit_transcendental(d):
        # exp(..), log(..), tanh(..) as independent symbols: an identity in independent
        # symbols stays one after they are given their values (sound, maybe incomplete)
        atoms = [
            a
            for a in d.atoms(sp.exp, sp.log, sp.tanh, sp.Pow)
            if not isinstance(a, sp.Pow) or a.base == sp.E
        ]
        d = d.xreplace({a: sp.Dummy() for a in sorted(atoms, key=sp.default_sort_key)})
        if _explicit_transcendental(d):
            return False
    if sp.count_ops(d) > max_ops:
        return False
    return sp.cancel(sp.together(d)) == 0


@dataclass
class Verdicts:
    """The oracle's verdict per parameter name, for one (network, A, B)."""

    status: dict[str, str]  # equal | differs | undetermined
    error: str | None = None  # set when either recipe cannot be derived on this network

    def overall(self) -> str:
        if self.error:
            return "error"
        v = set(self.status.values())
        if "differs" in v:
            return "differs"
        if v == {"equal"}:
            return "equal"
        return "undetermined"


def netkey(net: sbp.Network) -> tuple:
    """What identifies a network for the caches."""
    return (net.sizes, net.bias, net.loss.name, tuple(a.name for a in net.activations))


class Oracle:
    """Caches definitions per (network, convention) and verdicts per (network, A, B)."""

    def __init__(self, n_points: int = 3):
        self.n_points = n_points
        self._points: dict[tuple, list] = {}
        self._defs: dict[tuple, Definition] = {}
        self._verdicts: dict[tuple, Verdicts] = {}

    def points(self, net: sbp.Network) -> list[dict[sp.Symbol, Fraction]]:
        key = (net.sizes, net.bias)
        if key not in self._points:
            self._points[key] = make_points(net, self.n_points)
        return self._points[key]

    def definition(self, net: sbp.Network, name: str, conv=None) -> Definition:
        """``name``: a registered name; ``conv``: an object to derive instead (a fresh
        instance of a stateful recipe: not cached; a ``*_twin_q`` recipe: cached by name)."""
        key = (netkey(net), name)
        if conv is not None and not str(name).endswith("_twin_q"):
            return definition(net, conv)
        if conv is not None and key not in self._defs:
            self._defs[key] = definition(net, conv)
        if key not in self._defs:
            self._defs[key] = definition(net, name)
        return self._defs[key]

    def verdicts(self, net: sbp.Network, a: str, b: str, conv_a=None, conv_b=None) -> Verdicts:
        key = (netkey(net), a, b)
        twins = str(a).endswith("_twin_q") or str(b).endswith("_twin_q")
        cache = (conv_a is None and conv_b is None) or twins
        if cache and key in self._verdicts:
            return self._verdicts[key]
        if cache and (netkey(net), b, a) in self._verdicts:
            return self._verdicts[(netkey(net), b, a)]
        da = self.definition(net, a, conv_a)
        db = self.definition(net, b, conv_b)
        if da.error or db.error:
            v = Verdicts({}, error=da.error or db.error)
        else:
            v = Verdicts(
                {
                    name: self._compare(net, da.updates[name], db.updates[name])
                    for name in net.parameter_names()
                }
            )
        if cache:
            self._verdicts[key] = v
        return v

    def _compare(self, net: sbp.Network, ea: sp.Expr, eb: sp.Expr) -> str:
        interval = has_transcendental(ea) or has_transcendental(eb)
        for polys in POLY_SETS if net.is_generic else POLY_SETS[:1]:
            for pt in self.points(net):
                ev = Evaluator(polys, pt, interval=interval)
                try:
                    va, vb = ev(ea), ev(eb)
                except PointFails:
                    continue
                except NotEvaluable:
                    break
                if provably_different(va, vb):
                    return "differs"
        try:
            return "equal" if _is_zero(ea - eb) else "undetermined"
        except Exception:  # noqa: BLE001
            return "undetermined"


# --------------------------------------------------------------------------------------------
# checking a counterexample the tool reported


def parse_activation(text: str) -> sp.Expr:
    """A polynomial in ``x`` as the tool printed it (trusted test-side parsing)."""
    from sympy.parsing.sympy_parser import parse_expr

    return parse_expr(text, local_dict={"x": X})


def evaluate_at(
    net: sbp.Network, expr: sp.Expr, point: dict[str, object], activations: dict[str, str]
):
    """``expr`` (in our F/D) at the tool's point, with the tool's concrete activations."""
    polys = {}
    for name, text in (activations or {}).items():
        m = re.match(r"^f_(\d+)$", name)
        assert m, f"unexpected activation name {name!r}"
        polys[int(m.group(1))] = parse_activation(str(text))
    pt = {}
    for s in net.symbols_of_point():
        assert s.name in point, f"the counterexample point lacks {s.name}"
        pt[s] = Fraction(str(point[s.name]))
    return Evaluator(polys, pt, interval=has_transcendental(expr))(expr)


def check_counterexample(
    oracle_defs: tuple[Definition, Definition], net: sbp.Network, cx: dict
) -> tuple[Fraction, Fraction]:
    """Re-evaluate both recipes' expanded updates of ``cx['parameter']`` at ``cx['point']``;
    returns the two values (the caller asserts they differ)."""
    da, db = oracle_defs
    p = cx["parameter"]
    acts = cx.get("activations") or {}
    return (
        evaluate_at(net, da.updates[p], cx["point"], acts),
        evaluate_at(net, db.updates[p], cx["point"], acts),
    )
