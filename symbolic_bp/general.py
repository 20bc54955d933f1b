r"""The general proof: any depth ``L``, any widths ``n_l``, any differentiable activations.

The recipes of :mod:`symbolic_bp.conventions` run unchanged on a :class:`GeneralNetwork`, whose
widths are symbols ``n[l]``, whose weights, biases, net inputs and targets are
:class:`sympy.IndexedBase` objects, whose layer index ``l`` is a symbol, and whose activation of
layer ``l`` is an undefined function ``f(l, x)`` with derivative ``f'(l, x)``. A layer's neurons
are represented by one symbolic index (``j`` for layer ``l``, ``i`` for ``l - 1``, ``k`` for
``l + 1``), and sums over a layer are SymPy ``Sum`` objects; differentiating
``e[l+1,k] = Sum(w[l+1,k,m] f(l, e[l,m]), (m, 1, n[l])) + b[l+1,k]`` with respect to ``e[l,j]``
gives SymPy's ``KroneckerDelta``, resolved under the stated index ranges.

For two conventions ``A`` and ``B`` the proof is an induction over layers, from the output down:

- **invariant**: ``s_B[l,j] = c(l,j) s_A[l,j]`` for every layer and neuron, with the factor ``c``
  read off the output layer (for ``delta`` against ``gradient``: ``d = -G = -dE/de``);
- **base case** at the output layer, for every supported loss;
- **inductive step** from ``l + 1`` to ``l``: assuming the invariant for every neuron ``k`` of
  layer ``l + 1``, the two recipes' signals of neuron ``j`` of layer ``l`` satisfy it too;
- **conclusion**: the updates of every weight and bias, of the output layer and of the hidden
  layers, are then equal.

Each step is an equation whose difference SymPy reduces to exactly 0 (sums over the same range
are merged and their summands compared). Where a step fails the proof says which, and shows the
residual: what is missing. A failing step does not by itself show that the rules differ (a
different invariant might work), so a ``differs`` verdict is backed by an exact counterexample
from the instance prover.

>>> proof = prove_general("delta", "gradient")
>>> proof.equivalent, [s.verdict for s in proof.steps][:3]
(True, ['equal', 'equal', 'equal'])
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .algebra import is_zero
from .conventions import Convention, get_convention
from .errors import InputError
from .losses import LOSSES, Loss
from .network import Network
from .prove import DIFFERS, EQUAL, UNKNOWN, Counterexample, Limits, prove

__all__ = ["GeneralNetwork", "GeneralStep", "GeneralProof", "prove_general"]

_INT = {"integer": True, "positive": True}
l, L = sp.Symbol("l", **_INT), sp.Symbol("L", **_INT)
i, j, k = (sp.Symbol(s, **_INT) for s in "ijk")
_m, _q = sp.Symbol("m", **_INT), sp.Symbol("q", **_INT)


class _LayerFunction(sp.Function):
    """A function of a layer index and a value, printed ``{head}_{l}{tail}(x)``."""

    nargs = 2
    head, tail = "f", ""

    def _latex(self, printer: Any) -> str:
        layer, arg = (printer._print(a) for a in self.args)
        return r"%s_{%s}%s\left(%s\right)" % (self.head, layer, self.tail, arg)

    def _sympystr(self, printer: Any) -> str:
        layer, arg = (printer._print(a) for a in self.args)
        return "%s_{%s}%s(%s)" % (self.head, layer, self.tail, arg)


class _F(_LayerFunction):
    """``f(l, x)``: the activation of layer ``l`` (undefined), printed ``f_l(x)``."""

    def fdiff(self, argindex: int = 2) -> sp.Expr:
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        return _Fp(*self.args)


class _Fp(_LayerFunction):
    """``f'(l, x)``: the derivative of the activation of layer ``l``, printed ``f_l'(x)``."""

    tail = "'"


class _G(_LayerFunction):
    """``g(l, y)``: the derivative of layer ``l``'s activation written through its output,
    defined by ``g(l, f(l, x)) = f'(l, x)`` (the hypothesis of ``output_derivative``)."""

    head = "g"


class _IndexedMatrix(sp.MatrixSymbol):
    """A symbolic-size matrix whose entries are given by a function (0-based indices)."""

    def __new__(cls, name: str, rows: sp.Expr, cols: sp.Expr, entry: Callable) -> Any:
        obj = super().__new__(cls, name, rows, cols)
        obj._entry_fn = entry
        return obj

    def _entry(self, r: sp.Expr, c: sp.Expr, **kwargs: Any) -> sp.Expr:
        return self._entry_fn(r, c)

    def doit(self, **hints: Any) -> _IndexedMatrix:
        return self


@dataclass(frozen=True)
class _GeneralActivation:
    """The generic activation of a symbolic layer ``a``."""

    layer: sp.Expr
    name: str = "f"
    is_generic: bool = True
    output_derivative_expr: sp.Expr | None = sp.S.One  # present: written through ``g``

    def __call__(self, z: sp.Expr) -> sp.Expr:
        return _F(self.layer, z)

    def derivative(self, z: sp.Expr) -> sp.Expr:
        return _Fp(self.layer, z)

    def derivative_from_output(self, y: sp.Expr) -> sp.Expr:
        return _G(self.layer, y)

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        return expr


class _Activations:
    def __getitem__(self, index: sp.Expr) -> _GeneralActivation:
        return _GeneralActivation(index + 1)


class GeneralNetwork:
    """A network with symbolic depth ``L`` and widths ``n[l]`` that the recipes run on.

    It offers what :class:`~symbolic_bp.network.Network` offers to a convention (``w``, ``b``,
    ``e``, ``y``, ``fprime``, ``sum``, ``net_input``, ``loss_local``, ...), with indexed symbols.
    ``neurons(l)`` gives the one symbolic index that stands for every neuron of layer ``l``.
    """

    def __init__(self, loss: Loss, bias: bool = True) -> None:
        self.loss = loss
        self.bias = bias
        self.depth = L
        self.n = sp.IndexedBase("n")
        self._w, self._b, self._e = (sp.IndexedBase(s) for s in ("w", "b", "e"))
        self._x, self._t = sp.IndexedBase("x"), sp.IndexedBase("t")
        self.eta = sp.Symbol("eta", positive=True)
        self.activations = _Activations()

    # -- the representative neuron of a layer ------------------------------------------
    def index(self, layer: sp.Expr) -> sp.Symbol:
        """``j`` for layer ``l`` (or ``L``), ``i`` for ``l - 1`` (or ``L - 1``), ``k`` for
        ``l + 1``."""
        for base in (l, L):
            offset = sp.simplify(layer - base)
            if offset.is_Integer and int(offset) in (-1, 0, 1):
                return {-1: i, 0: j, 1: k}[int(offset)]
        raise InputError(f"no neuron index for layer {layer}")

    def neurons(self, layer: sp.Expr) -> list[sp.Symbol]:
        return [self.index(layer)]

    # -- symbols -------------------------------------------------------------------------
    def x(self, a: sp.Expr) -> sp.Expr:
        return self._x[a]

    def t(self, a: sp.Expr) -> sp.Expr:
        return self._t[a]

    def w(self, layer: sp.Expr, a: sp.Expr, c: sp.Expr) -> sp.Expr:
        return self._w[layer, a, c]

    def b(self, layer: sp.Expr, a: sp.Expr) -> sp.Expr:
        return self._b[layer, a]

    def e(self, layer: sp.Expr, a: sp.Expr) -> sp.Expr:
        return self._e[layer, a]

    def y(self, layer: sp.Expr, a: sp.Expr) -> sp.Expr:
        """``f_l(e[l, a])`` (for ``l = 1`` the update steps read ``y[0, i]`` as ``x_i``: they
        are identities in this atom, so they hold for any value of it)."""
        return _F(layer, self._e[layer, a])

    def fprime(self, layer: sp.Expr, a: sp.Expr) -> sp.Expr:
        return _Fp(layer, self._e[layer, a])

    def sum(self, layer: sp.Expr, body: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
        return sp.Sum(body(k), (k, 1, self.n[layer]))

    def net_input(self, layer: sp.Expr, a: sp.Expr) -> sp.Expr:
        total = sp.Sum(self.w(layer, a, _m) * self.y(layer - 1, _m), (_m, 1, self.n[layer - 1]))
        return total + self.b(layer, a) if self.bias else total

    def local_input(self, layer: sp.Expr, a: sp.Expr, atom: sp.Expr) -> sp.Expr:
        """The whole symbolic net input: SymPy differentiates the ``Sum`` (Kronecker delta)."""
        return self.net_input(layer, a)

    def loss_local(self) -> sp.Expr:
        return sp.Sum(self.loss.term(self.t(_q), self.y(L, _q)), (_q, 1, self.n[L]))

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        return expr

    def weight_matrix(self, layer: sp.Expr) -> sp.MatrixExpr:
        return _IndexedMatrix(
            f"W_{layer}",
            self.n[layer],
            self.n[layer - 1],
            lambda r, c: self.w(layer, r + 1, c + 1),
        )

    def signal_vector(self, signals: Mapping[Any, sp.Expr], layer: sp.Expr) -> sp.MatrixExpr:
        # a name unique to this mapping: matrices with equal names compare (and cache) equal
        name = f"S_{layer}_{id(signals)}"
        return _IndexedMatrix(name, self.n[layer], 1, lambda r, c: signals[r + 1])

    def locate(self, name: str) -> tuple[int, int, int | None]:  # pragma: no cover - guard
        raise InputError("a general network has no named parameters")


class _Upstream(dict):
    """``k -> s[l+1, k]`` for a symbolic ``k``."""

    def __init__(self, base: sp.IndexedBase, layer: sp.Expr, factor: Callable | None = None):
        super().__init__()
        self.base, self.layer, self.factor = base, layer, factor

    def __getitem__(self, key: Any) -> sp.Expr:
        value = self.base[self.layer, key]
        return value if self.factor is None else self.factor(key) * value

    def __contains__(self, key: object) -> bool:
        return True


# -- reduction -------------------------------------------------------------------------------
def _resolve(expr: sp.Expr, ranges: Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """``doit`` (Kronecker deltas, derivatives of sums), then drop the range conditions that
    the stated index ranges make true, and apply the hypothesis ``g_l(f_l(x)) = f_l'(x)``."""
    expr = sp.sympify(expr).doit()
    true_relations: dict[sp.Basic, sp.Basic] = {}
    for sym, (lo, hi) in ranges.items():
        for rel in (
            sp.Le(lo, sym),
            sp.Le(sym, hi),
            sp.Ge(sym, lo),
            sp.Ge(hi, sym),
            sp.Lt(lo - 1, sym),
            sp.Lt(sym, hi + 1),
        ):
            true_relations[rel] = sp.true

    def pick(*args: Any) -> sp.Expr:
        for value, cond in args:
            if cond.xreplace(true_relations) == sp.true:
                return value
        return sp.Piecewise(*args)

    expr = expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: pick(*e.args))
    return expr.replace(
        lambda e: (
            isinstance(e, _G) and isinstance(e.args[1], _F) and e.args[1].args[0] == e.args[0]
        ),
        lambda e: _Fp(*e.args[1].args),
    )


def _canonical_sum(s: sp.Sum) -> tuple[sp.Expr, tuple[sp.Expr, sp.Expr]]:
    """``(summand in k, (1, upper))`` with the index renamed to ``k`` and shifted to start at 1."""
    ((var, lo, hi),) = s.limits
    body = s.function.xreplace({var: k + lo - 1})
    return body, (sp.S.One, sp.expand(hi - lo + 1))


def reduce_sums(expr: sp.Expr) -> sp.Expr:
    """Merge the sums of an expression over the same range into one, moving factors free of the
    index inside; returns ``rest + Sum(summand, ...)`` with each summand expanded. The
    expression is 0 if ``rest`` and every summand are."""
    expr = sp.expand(expr)
    rest = sp.S.Zero
    merged: dict[tuple[sp.Expr, sp.Expr], sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            rest += term
            continue
        coeff = sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not sums[0]))
        body, limits = _canonical_sum(sums[0])
        if k in coeff.free_symbols:
            rest += term
            continue
        merged[limits] = merged.get(limits, sp.S.Zero) + coeff * body
    out = rest
    for (lo, hi), body in merged.items():
        body = sp.expand(body)
        if body != 0:
            out += sp.Sum(sp.factor_terms(body), (k, lo, hi))
    return out


def _residual_is_zero(
    expr: sp.Expr, unfold: Callable[[sp.Expr], sp.Expr] | None = None
) -> tuple[bool, sp.Expr]:
    """``(True, 0)`` if ``expr`` reduces to exactly 0, else ``(False, residual)``: sums over the
    same range merged, then the rest and every summand (``unfold``-ed first, e.g. opaque
    activations written out) must be 0."""
    reduced = reduce_sums(expr)
    if reduced == 0:
        return True, sp.S.Zero
    parts = sp.Add.make_args(reduced)
    plain = (lambda e: e) if unfold is None else unfold
    if all(is_zero(plain(p.function if isinstance(p, sp.Sum) else p)) for p in parts):
        return True, sp.S.Zero
    return False, sp.factor_terms(reduced)


# -- the proof ---------------------------------------------------------------------------------
@dataclass
class GeneralStep:
    """One checked equation ``lhs = rhs`` under ``ranges``; ``residual`` is what is left of
    ``lhs - rhs`` when it is not 0."""

    name: str
    lhs: sp.Expr
    rhs: sp.Expr
    verdict: str
    ranges: str = ""
    residual: sp.Expr = sp.S.Zero
    note: str = ""

    @property
    def equation(self) -> str:
        """The equation as text."""
        return f"{sp.sstr(self.lhs)} = {sp.sstr(self.rhs)}"

    @property
    def latex(self) -> str:
        """The equation as LaTeX."""
        return f"{sp.latex(self.lhs)} = {sp.latex(self.rhs)}"

    @property
    def mathml(self) -> str:
        """The equation as presentation MathML (latex2mathml)."""
        from .render.notation import mathml

        return mathml(self.latex, "inline")

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "equation": self.equation,
            "latex": self.latex,
            "mathml": self.mathml,
            "ranges": self.ranges,
            "verdict": self.verdict,
            "residual": None if self.verdict == EQUAL else sp.sstr(self.residual),
            "note": self.note,
        }


@dataclass
class GeneralProof:
    """A proof (or refutation) for every depth, width and activation."""

    conventions: tuple[str, str]
    steps: list[GeneralStep]
    parameters: list[dict[str, object]]
    factor: sp.Expr | None
    conditions: list[str] = field(default_factory=list)
    counterexample: Counterexample | None = None
    instance_network: str = ""
    seconds: float = 0.0

    @property
    def equivalent(self) -> bool | None:
        """``True``: every step holds; ``False``: a step fails and an instance counterexample
        shows the rules differ; ``None``: a step fails without a counterexample."""
        if all(s.verdict == EQUAL for s in self.steps):
            return True
        return False if self.counterexample is not None else None

    @property
    def exit_code(self) -> int:
        return {True: 0, False: 1, None: 3}[self.equivalent]

    # rich display in Jupyter
    def _repr_html_(self) -> str:
        from .render.derivation import general_document

        return general_document(self).mathml()

    def _repr_markdown_(self) -> str:
        from .render.derivation import general_document

        return general_document(self).markdown()

    def to_dict(self) -> dict[str, object]:
        """The JSON of ``symbolic-bp prove --general --json``."""
        return {
            "equivalent": self.equivalent,
            "conventions": list(self.conventions),
            "general": True,
            "parameters": self.parameters,
            "counterexample": None
            if self.counterexample is None
            else {**self.counterexample.to_dict(), "network": self.instance_network},
            "conditions": list(self.conditions),
            "steps": [s.to_dict() for s in self.steps],
            "seconds": round(self.seconds, 3),
        }


_RANGES_HIDDEN = "1 <= l <= L-1, 1 <= j <= n[l], 1 <= k <= n[l+1]"


def _ranges(net: GeneralNetwork, layer: sp.Expr) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
    return {j: (1, net.n[layer]), i: (1, net.n[layer - 1]), k: (1, net.n[layer + 1])}


def _signal_bases(a: Convention, b: Convention) -> tuple[sp.IndexedBase, sp.IndexedBase]:
    la, lb = a.letter, b.letter
    if la == lb:
        lb = lb + "'"
    return sp.IndexedBase(la), sp.IndexedBase(lb)


def _factor(sa: sp.Expr, sb: sp.Expr, signals: set) -> sp.Expr | None:
    """``c`` with ``sb = c sa`` at the output layer: free of signals, a denominator that is a
    number, checked by expansion."""
    if sa == 0:
        return None
    q = sp.cancel(sp.together(sb / sa))
    if q.has(*signals) or q.has(sp.Sum):
        return None
    num, den = sp.fraction(q)
    if not den.is_number or den == 0:
        return None
    return q if is_zero(sb * den - num * sa) else None


def _as_net(net: GeneralNetwork) -> Any:
    """A general network where a recipe expects a network (it offers the same methods)."""
    return net


def _layer_updates(
    conv: Convention, net: GeneralNetwork, layer: sp.Expr, base: sp.IndexedBase
) -> tuple[sp.Expr, sp.Expr | None]:
    updates = conv.layer_updates(_as_net(net), layer, [base[layer, j]])
    return updates[net.w(layer, j, i)], updates.get(net.b(layer, j))


def _general_proof_for_loss(
    net: GeneralNetwork,
    ca: Convention,
    cb: Convention,
    unit_layers: Callable[[sp.Expr], bool] | None = None,
    factor: sp.Expr | None = None,
) -> tuple[list[GeneralStep], dict[str, str], sp.Expr | None]:
    """The steps for one loss; ``unit_layers(a)`` true means ``f_a' = 1`` is assumed;
    ``factor`` is the invariant's ``c`` (default: read off the output layer)."""
    A, B = _signal_bases(ca, cb)
    signals = {A, B}

    def assume(expr: sp.Expr) -> sp.Expr:
        if unit_layers is None:
            return expr
        return expr.replace(
            lambda e: isinstance(e, _Fp) and unit_layers(e.args[0]), lambda e: sp.S.One
        )

    out_ranges = {j: (1, net.n[L]), i: (1, net.n[L - 1])}
    steps: list[GeneralStep] = []
    loss = net.loss.name

    # base case; the invariant's factor c is read off the output layer without assumptions
    raw_a = _resolve(ca.layer_signals(_as_net(net), L, None)[0], out_ranges)
    raw_b = _resolve(cb.layer_signals(_as_net(net), L, None)[0], out_ranges)
    c_L = factor if factor is not None else _factor(raw_a, raw_b, signals)
    sa_L, sb_L = assume(raw_a), assume(raw_b)
    lhs_L = B[L, j]
    status: dict[str, str] = {}
    ok, residual = (
        (False, sb_L - sa_L) if c_L is None else _residual_is_zero(sb_L - assume(c_L) * sa_L)
    )
    if not ok:
        steps.append(
            GeneralStep(
                f"base case ({loss})",
                sb_L,
                sa_L if c_L is None else assume(c_L) * sa_L,
                DIFFERS,
                "1 <= j <= n[L]",
                residual,
                "no factor c with s_B = c s_A at the output layer",
            )
        )
        return steps, {key: DIFFERS for key in ("w_output", "w_hidden")}, None
    steps.append(
        GeneralStep(
            f"base case ({loss})",
            sb_L,
            assume(c_L) * sa_L,
            EQUAL,
            "1 <= j <= n[L]",
            note=f"that is {sp.sstr(lhs_L)} = {sp.sstr(assume(c_L) * A[L, j])}, with "
            f"{sp.sstr(lhs_L)} = {sp.sstr(sb_L)} and {sp.sstr(A[L, j])} = {sp.sstr(sa_L)}",
        )
    )

    factor_L: sp.Expr = c_L

    def c(layer: sp.Expr, neuron: sp.Expr) -> sp.Expr:
        return assume(factor_L.xreplace({L: layer, j: neuron}))

    # conclusion, output layer
    ua_w, ua_b = _layer_updates(ca, net, L, A)
    ub_w, ub_b = _layer_updates(cb, net, L, B)
    sub_L = {B[L, j]: c(L, j) * A[L, j]}
    for pname, ua, ub in (("w", ua_w, ub_w), ("b", ua_b, ub_b)):
        if ua is None or ub is None:
            continue
        ua = assume(_resolve(ua, out_ranges))
        ub = assume(_resolve(ub, out_ranges)).xreplace(sub_L)
        ok, residual = _residual_is_zero(ub - ua)
        name = f"conclusion: Delta {pname} of the output layer"
        where = "1 <= j <= n[L]" + (", 1 <= i <= n[L-1]" if pname == "w" else "")
        steps.append(GeneralStep(name, ub, ua, EQUAL if ok else DIFFERS, where, residual))
        status[f"{pname}_output"] = EQUAL if ok else DIFFERS

    # inductive step
    ranges = _ranges(net, l)
    up_a = _Upstream(A, l + 1)
    # the induction hypothesis: B's signals of layer l+1 are c(l+1, k) times A's
    up_b = _Upstream(A, l + 1, factor=lambda kk: c(l + 1, kk))
    sa = assume(_resolve(ca.layer_signals(_as_net(net), l, up_a)[0], ranges))
    sb = assume(_resolve(cb.layer_signals(_as_net(net), l, up_b)[0], ranges))
    ok, residual = _residual_is_zero(sb - c(l, j) * sa)
    steps.append(
        GeneralStep(
            "inductive step",
            sb,
            c(l, j) * sa,
            EQUAL if ok else DIFFERS,
            _RANGES_HIDDEN,
            residual,
            f"assuming {sp.sstr(B[l + 1, k])} = {sp.sstr(c(l + 1, k) * A[l + 1, k])} for every k",
        )
    )
    induction = ok
    ua_w, ua_b = _layer_updates(ca, net, l, A)
    ub_w, ub_b = _layer_updates(cb, net, l, B)
    for pname, ua, ub in (("w", ua_w, ub_w), ("b", ua_b, ub_b)):
        if ua is None or ub is None:
            continue
        ua = assume(_resolve(ua, ranges))
        ub = assume(_resolve(ub, ranges))
        if induction:
            ub = ub.xreplace({B[l, j]: c(l, j) * A[l, j]})
            ok, residual = _residual_is_zero(ub - ua)
        else:
            ok, residual = False, sp.S.Zero
        name = f"conclusion: Delta {pname} of the hidden layers"
        note = "" if induction else "not reached: the inductive step fails"
        where = "1 <= l <= L-1, 1 <= j <= n[l]" + (", 1 <= i <= n[l-1]" if pname == "w" else "")
        steps.append(GeneralStep(name, ub, ua, EQUAL if ok else DIFFERS, where, residual, note))
        status[f"{pname}_hidden"] = EQUAL if ok else DIFFERS
    return steps, status, c_L


def prove_general(
    a: str | Convention,
    b: str | Convention,
    *,
    losses: Sequence[str] | None = None,
    instance: Network | None = None,
    limits: Limits | None = None,
) -> GeneralProof:
    """Prove that ``a`` and ``b`` give the same updates for every network: any depth, any
    widths, any differentiable activations, with and without biases, for every loss.

    **Arguments:** two conventions (objects or registered names); ``losses`` (default: all);
    ``instance``: the small network on which a counterexample is sought when a step fails
    (default: 2-2-2-1 with biases and generic activations).

    **Returns:** a :class:`GeneralProof`.
    """
    start = time.perf_counter()
    ca, cb = get_convention(a), get_convention(b)
    if ca.name == cb.name:
        raise InputError(f"--conventions names {ca.name!r} twice; give two different conventions")
    steps: list[GeneralStep] = []
    status: dict[str, str] = {}
    factor = None
    names = list(losses) if losses is not None else list(LOSSES)
    if _uses_output_derivative(ca) or _uses_output_derivative(cb):
        x = sp.Symbol("x", real=True)
        steps.append(
            GeneralStep(
                "hypothesis",
                _G(l, _F(l, x)),
                _Fp(l, x),
                EQUAL,
                "1 <= l <= L, every real x",
                note="the defining property of g, the derivative written through the output "
                "(sigmoid: y(1-y), tanh: 1-y^2); the instance prover checks it for each "
                "concrete activation",
            )
        )
    for index, loss_name in enumerate(names):
        net = GeneralNetwork(LOSSES[loss_name])
        loss_steps, loss_status, c_L = _general_proof_for_loss(net, ca, cb)
        if index == 0:
            factor = c_L
            if c_L is not None:
                A, B = _signal_bases(ca, cb)
                steps.append(
                    GeneralStep(
                        "invariant",
                        B[l, j],
                        c_L.xreplace({L: l}) * A[l, j],
                        EQUAL,
                        "1 <= l <= L, 1 <= j <= n[l]",
                        note="holds if the base cases and the inductive step hold",
                    )
                )
            steps.extend(loss_steps)
        else:
            seen = {(s.name, s.equation) for s in steps}
            steps.extend(
                s
                for s in loss_steps
                if s.name.startswith("base case") or (s.name, s.equation) not in seen
            )
        for key, value in loss_status.items():
            if value != EQUAL or key not in status:
                status[key] = value
    invariant = next((s for s in steps if s.name == "invariant"), None)
    if invariant is not None and any(s.verdict != EQUAL for s in steps):
        bad = [s for s in steps if s.name in ("inductive step",) or s.name.startswith("base case")]
        if any(s.verdict != EQUAL for s in bad):
            invariant.verdict = DIFFERS
            invariant.note = "not established: see the failing step"
    proof = GeneralProof((ca.name, cb.name), steps, _parameter_rows(status), factor)
    if any(s.verdict != EQUAL for s in steps):
        small = instance or Network.build([2, 2, 2, 1], "generic", bias=True)
        try:
            report = prove(small, ca, cb, limits or Limits(), conditions=False)
        except InputError:
            report = None
        if report is not None and report.counterexample is not None:
            proof.counterexample = report.counterexample
            proof.instance_network = small.describe()
        proof.conditions = _general_conditions(ca, cb, names, factor)
    proof.seconds = time.perf_counter() - start
    return proof


def _uses_output_derivative(conv: Convention) -> bool:
    """Whether the recipe writes a derivative through the output (it then relies on the
    hypothesis ``g_l(f_l(x)) = f_l'(x)``)."""
    net = GeneralNetwork(LOSSES["half_sse"])
    exprs = [
        *conv.layer_signals(_as_net(net), L, None),
        *conv.layer_signals(_as_net(net), l, _Upstream(sp.IndexedBase("s"), l + 1)),
    ]
    exprs += list(conv.layer_updates(_as_net(net), l, [sp.IndexedBase("s")[l, j]]).values())
    return any(sp.sympify(e).has(_G) for e in exprs)


def _parameter_rows(status: Mapping[str, str]) -> list[dict[str, object]]:
    labels = {
        "w_output": "w{L}_{j}_{i} (output layer)",
        "b_output": "b{L}_{j} (output layer)",
        "w_hidden": "w{l}_{j}_{i} (hidden layers)",
        "b_hidden": "b{l}_{j} (hidden layers)",
    }
    return [
        {"name": labels[key], "status": status.get(key, UNKNOWN), "difference": None}
        for key in labels
        if key in status
    ]


def _general_conditions(
    ca: Convention, cb: Convention, losses: Sequence[str], factor: sp.Expr | None
) -> list[str]:
    """Sufficient conditions of the form "some derivatives identically 1", each proven by
    the general proof under that assumption."""
    candidates: list[tuple[str, Callable[[sp.Expr], bool]]] = [
        (
            "f_m' = 1 for every layer m >= 2 (every layer above the first is linear)",
            lambda a: a in (l + 1, L),
        ),
        ("f_m' = 1 for every layer m (a linear network)", lambda a: True),
    ]
    found = []
    for text, unit in candidates:
        holds = True
        for loss_name in losses:
            net = GeneralNetwork(LOSSES[loss_name])
            steps, _status, _c = _general_proof_for_loss(net, ca, cb, unit, factor)
            if any(s.verdict != EQUAL for s in steps):
                holds = False
                break
        if holds:
            found.append(text)
            break
    return found
