r"""A network's updates as exact rational functions in one atom per neuron.

The traced code writes its forward pass with its own functions (``1/(1 + exp(-e))``,
``expit``, ``(1 + tanh(e/2))/2``, ``y*(1 - y)`` through the output); a convention's rules use
opaque activations (``sigmoid(e1_1)``, ``sigmoid'(e1_1)``). Both are mapped here into one
field: rational functions over QQ in the inputs, targets, parameters, ``eta`` and, for every
neuron (and sample), the atom ``Y = f(e)``, its output.

**How an activation is written in its atom** (:func:`parametrise`): for ``f`` a Moebius
transform of ``W = exp(q x)`` (sigmoid: ``W = exp(x)``, ``Y = W/(W + 1)``; tanh:
``W = exp(2x)``, ``Y = (W - 1)/(W + 1)``), ``W`` is a rational function of ``Y``
(``Y/(1 - Y)``; ``(1 + Y)/(1 - Y)``), and so is ``f'``. A polynomial activation (identity)
needs no atom. Every such form is checked exactly when it is built.

**How an expression is mapped** (:class:`NetworkField`): sums, products and integer powers
as they are; ``exp(u)`` only where ``u`` is, exactly, ``c`` times one neuron's net input
``e`` (written in the atoms of the layer below) with ``c/q`` an integer: then
``exp(u) = W^(c/q)``; ``tanh(u)`` through ``exp(2u)``; an opaque activation through its own
form. Anything else raises :class:`Unsupported` (the checker then says *unknown* unless a
counterexample settles it).

**Why equal values prove equal updates.** Each rule replaces an expression by one that is
equal as a real function given what the atoms stand for (``Y = f(e)``, ``e`` the net input),
so equal field elements are equal updates. Unequal field elements prove nothing (the atoms
are not independent of the weights): a difference is only ever claimed with a certified
counterexample.

>>> from symbolic_bp.model.network import Network
>>> net = Network.build([1, 1], "sigmoid")
>>> field = NetworkField(net)
>>> x, w = sp.Symbol("x_1", real=True), sp.Symbol("w1_1_1", real=True)
>>> a = field.value(1 / (1 + sp.exp(-w * x)))
>>> b = field.value(sp.exp(w * x) / (1 + sp.exp(w * x)))
>>> a.equals(b), a.equals(field.value(sp.tanh(w * x)))
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from ..algebra import is_zero
from ..model.activations import Activation
from ..model.network import Network
from ..parsing import X
from .sparse import Frac, Overflow, Poly, exponents

__all__ = ["Parametrisation", "parametrise", "NetworkField", "Unsupported"]

_W = sp.Dummy("W", positive=True)
_Y = sp.Dummy("Y", real=True)


class Unsupported(Exception):
    """An expression the field cannot represent exactly (say what, for the report)."""


@dataclass(frozen=True)
class Parametrisation:
    """How an activation is written in its neuron's atom ``Y = f(e)``.

    ``kind`` is ``"atom"`` (``exp(q e) = w_of_y(Y)``, ``f'(e) = derivative(Y)``, SymPy
    expressions in ``Y``) or ``"polynomial"`` (``f`` and ``f'`` polynomials in ``x``; no atom).
    """

    kind: str
    q: sp.Rational = sp.S.One
    w_of_y: sp.Expr = sp.S.Zero
    derivative: sp.Expr = sp.S.Zero
    f: sp.Expr = sp.S.Zero


def _exp_form(expr: sp.Expr) -> sp.Expr:
    """``tanh(u) -> (exp(2u) - 1)/(exp(2u) + 1)``: every atom an exponential."""
    return expr.replace(
        lambda e: isinstance(e, sp.tanh),
        lambda e: (sp.exp(2 * e.args[0]) - 1) / (sp.exp(2 * e.args[0]) + 1),
    )


def parametrise(act: Activation) -> Parametrisation | None:
    """The parametrisation of ``act``, or ``None`` when it has none (ReLU, softplus, ...).

    >>> from symbolic_bp.model.activations import get_activation
    >>> p = parametrise(get_activation("tanh"))
    >>> p.q, sp.factor(p.w_of_y.subs(_Y, sp.Symbol("Y"))), p.derivative.subs(_Y, sp.Symbol("Y"))
    (2, -(Y + 1)/(Y - 1), 1 - Y**2)
    """
    if act.is_generic:
        return None
    f, fp = act.expr, act.derivative_expr
    if not f.atoms(sp.Function) and f.is_polynomial(X) is True and fp.is_polynomial(X) is True:
        return Parametrisation("polynomial", f=f, derivative=fp)
    f_exp, fp_exp = _exp_form(f), _exp_form(fp)
    rates = {e.args[0] / X for e in (f_exp.atoms(sp.exp) | fp_exp.atoms(sp.exp))}
    if not rates or not all(r.is_Rational and r != 0 for r in rates):
        return None
    if (f_exp.atoms(sp.Function) | fp_exp.atoms(sp.Function)) - (
        f_exp.atoms(sp.exp) | fp_exp.atoms(sp.exp)
    ):
        return None
    q = abs(sp.Rational(sp.gcd([sp.Rational(r) for r in rates])))

    def in_w(expr: sp.Expr) -> sp.Expr:
        powers = expr.replace(lambda e: isinstance(e, sp.exp), lambda e: _W ** (e.args[0] / X / q))
        return sp.cancel(powers)

    g = in_w(f_exp)
    num, den = sp.fraction(g)
    if not all(p.is_polynomial(_W) and sp.degree(p, _W) <= 1 for p in (num, den)):
        return None
    a, b = sp.Poly(num, _W).all_coeffs() if sp.degree(num, _W) == 1 else (0, num)
    c, d = sp.Poly(den, _W).all_coeffs() if sp.degree(den, _W) == 1 else (0, den)
    if a * d - b * c == 0:
        return None  # constant: no inverse
    w_of_y = (d * _Y - b) / (a - c * _Y)
    derivative = sp.cancel(in_w(fp_exp).subs(_W, w_of_y))
    # each form checked exactly: Y(W(Y)) = Y, g(exp(q x)) = f, and f' in Y = f'
    checks = [
        sp.cancel(g.subs(_W, w_of_y)) - _Y,
        g.subs(_W, sp.exp(q * X)) - f_exp,
        derivative.subs(_Y, f_exp) - fp_exp,
    ]
    if not all(is_zero(c) for c in checks):
        return None
    return Parametrisation("atom", q, w_of_y, derivative)


Key = tuple[int | None, int, int]  # (sample, layer, neuron)


def _reason(exc: Exception) -> str:
    if isinstance(exc, Overflow):
        return f"polynomials too large ({exc})"
    return "a division by zero in the field"


class NetworkField:
    """The field of a network (and a batch of samples): generators, net inputs, atoms.

    **Arguments:** ``network`` (its sizes, bias and concrete activations), ``batch``
    (``None`` for one sample with ``x_i``, ``t_j``; ``N`` for samples ``x{s}_i``, ``t{s}_j``),
    ``eta``: the learning rate (the symbol ``eta``, or a number).
    """

    def __init__(self, network: Network, batch: int | None = None, eta: sp.Expr | None = None):
        self.network, self.batch = network, batch
        self.samples: list[int | None] = [None] if batch is None else list(range(1, batch + 1))
        self.eta = network.eta if eta is None else eta
        self.forms = [parametrise(a) for a in network.activations]
        self.gens: dict[str, int] = {}
        self.info: list[tuple[Any, ...]] = []
        self._layout()
        self.net: dict[Key, Poly] = {}
        self.output: dict[Key, Frac] = {}
        self._w: dict[tuple[Key, int], Frac] = {}
        self._derivative: dict[Key, Frac] = {}
        for s in self.samples:
            self._forward(s)

    # -- generators ------------------------------------------------------------------------
    def _add(self, name: str, *info: Any) -> None:
        self.gens[name] = len(self.info)
        self.info.append(info)

    def _layout(self) -> None:
        """Generators ordered so that the large polynomials (hidden layers' updates, in the
        weights of the layers above) use the low bits."""
        net, L = self.network, self.network.depth
        if isinstance(self.eta, sp.Symbol):
            self._add(self.eta.name, "eta")
        for s in self.samples:
            for j in net.neurons(L):
                self._add(self.sample_name("t", s, j), "t", s, j)
        for l in range(L, 0, -1):
            form = self.forms[l - 1]
            if form is not None and form.kind == "atom":
                for s in self.samples:
                    for j in net.neurons(l):
                        self._add(f"Y{'' if s is None else s}.{l}_{j}", "Y", s, l, j)
        for s in self.samples:
            for i in net.neurons(0):
                self._add(self.sample_name("x", s, i), "x", s, i)
        for l in range(L, 0, -1):
            for name in net.layer_parameter_names(l):
                self._add(name, "p", l, int(name[1:].split("_")[1]))

    @staticmethod
    def sample_name(letter: str, s: int | None, k: int) -> str:
        return f"{letter}_{k}" if s is None else f"{letter}{s}_{k}"

    def generator(self, name: str) -> Frac:
        try:
            return Frac.of(Poly.generator(self.gens[name]))
        except KeyError:
            raise Unsupported(f"the symbol {name} is not one of the network's") from None

    # -- the forward pass ------------------------------------------------------------------
    def _forward(self, s: int | None) -> None:
        net = self.network
        below = [self.generator(self.sample_name("x", s, i)) for i in net.neurons(0)]
        for l in range(1, net.depth + 1):
            form = self.forms[l - 1]
            outputs: list[Frac] = []
            for j in net.neurons(l):
                total = Frac.constant(0)
                for i in net.neurons(l - 1):
                    total = total + self.generator(f"w{l}_{j}_{i}") * below[i - 1]
                if net.bias:
                    total = total + self.generator(f"b{l}_{j}")
                if not total.is_poly():
                    raise Unsupported("a net input that is not a polynomial")
                key = (s, l, j)
                self.net[key] = total.num
                if form is None:
                    continue
                if form.kind == "atom":
                    y = self.generator(f"Y{'' if s is None else s}.{l}_{j}")
                else:
                    y = self.value(form.f, {X: total})
                self.output[key] = y
                outputs.append(y)
            if form is None:
                return  # no parametrisation: layers above cannot be written either
            below = outputs

    def sample_env(self, s: int | None) -> tuple[dict[sp.Basic, Frac], dict[sp.Basic, Key]]:
        """For a convention's rules (written in ``x_i``, ``t_j``, ``e{l}_{j}``, ``eta``) on
        sample ``s``: the values of those symbols, and the neuron of each net-input symbol."""
        net = self.network
        env: dict[sp.Basic, Frac] = {}
        keys: dict[sp.Basic, Key] = {}
        for i in net.neurons(0):
            env[net.x(i)] = self.generator(self.sample_name("x", s, i))
        for j in net.neurons(net.depth):
            env[net.t(j)] = self.generator(self.sample_name("t", s, j))
        for (sample, l, j), total in self.net.items():
            if sample == s:
                env[net.e(l, j)] = Frac.of(total)
                keys[net.e(l, j)] = (s, l, j)
        if isinstance(self.eta, sp.Symbol):
            env[net.eta] = self.generator(self.eta.name)
        else:
            env[net.eta] = self.value(self.eta)
        return env, keys

    def derivative(self, key: Key) -> Frac:
        """``f'(e)`` of neuron ``key`` in its atom (or its net input)."""
        if key not in self._derivative:
            form = self.forms[key[1] - 1]
            if form is None:
                raise Unsupported(f"the activation {self.network.activations[key[1] - 1].name}")
            env = {_Y: self.output[key]} if form.kind == "atom" else {X: Frac.of(self.net[key])}
            self._derivative[key] = self.value(form.derivative, env)
        return self._derivative[key]

    def exp_multiple(self, key: Key, k: int) -> Frac:
        """``exp(k q e)`` of neuron ``key``: ``W^k`` in its atom."""
        if (key, k) not in self._w:
            form = self.forms[key[1] - 1]
            assert form is not None
            base = self._w.get((key, 1))
            if base is None:
                base = self._w[(key, 1)] = self.value(form.w_of_y, {_Y: self.output[key]})
            self._w[(key, k)] = base**k
        return self._w[(key, k)]

    def recognise(self, u: Frac) -> tuple[Key, Fraction]:
        """``(neuron, c)`` with ``u = c e`` exactly, ``e`` that neuron's net input."""
        if not u.is_poly() or not u.num:
            raise Unsupported("exp of something that is not a multiple of a net input")
        top: tuple[int, int] | None = None
        sample = None
        for m in u.num.terms:
            for k, _e in exponents(m):
                kind = self.info[k]
                if kind[0] == "p" and (top is None or kind[1] > top[0]):
                    top = (kind[1], kind[2])
                elif kind[0] in ("x", "Y") and kind[1] is not None:
                    sample = kind[1]
        if top is None:
            raise Unsupported("exp of an expression without parameters")
        key = (sample, *top) if self.batch is not None else (None, *top)
        net = self.net.get(key)
        if net is None:
            raise Unsupported("exp of an expression that mixes samples")
        m0 = next(iter(net.terms))
        if m0 not in u.num.terms:
            raise Unsupported("exp of something that is not a multiple of a net input")
        ratio = u.num.coefficient(m0) / net.coefficient(m0)
        if not u.num.is_multiple(net, ratio):
            raise Unsupported(
                f"exp of something that is not a multiple of the net input of neuron "
                f"{top[1]} of layer {top[0]} (the weights changed, or another function?)"
            )
        return key, ratio

    def exp(self, u: Frac, scale: int = 1) -> Frac:
        """``exp(scale u)`` in the atoms."""
        key, c = self.recognise(u)
        form = self.forms[key[1] - 1]
        if form is None or form.kind != "atom":
            raise Unsupported("exp of the net input of a layer without an exponential atom")
        k = c * scale / Fraction(int(form.q.p), int(form.q.q))
        if k.denominator != 1:
            raise Unsupported(f"exp({c * scale} e) is not a power of the atom of its layer")
        return self.exp_multiple(key, int(k))

    # -- expressions ------------------------------------------------------------------------
    def value(
        self,
        expr: sp.Expr,
        env: Mapping[sp.Basic, Frac] | None = None,
        memo: dict | None = None,
        keys: Mapping[sp.Basic, Key] | None = None,
    ) -> Frac:
        """``expr`` in the field; ``env`` gives values of symbols that are not generators
        (signals, net-input symbols), ``memo`` shares values between calls, ``keys`` names the
        neuron of each net-input symbol (so that ``sigmoid(e1_2)`` is read as its atom)."""
        env = env or {}
        memo = {} if memo is None else memo
        try:
            return self._walk(sp.sympify(expr), env, memo, keys or {})
        except (Overflow, ZeroDivisionError) as exc:
            raise Unsupported(_reason(exc)) from None

    def _walk(
        self, expr: sp.Basic, env: Mapping[sp.Basic, Frac], memo: dict, keys: Mapping
    ) -> Frac:
        def ev(e: sp.Basic) -> Frac:
            found = memo.get(e)
            if found is not None:
                if isinstance(found, Unsupported):
                    raise found  # failed before: not tried again for the next update
                return found
            try:
                out = node(e)
            except (Unsupported, Overflow, ZeroDivisionError) as exc:
                memo[e] = exc if isinstance(exc, Unsupported) else Unsupported(_reason(exc))
                raise memo[e] from None
            memo[e] = out
            return out

        def node(e: sp.Basic) -> Frac:
            if e.is_Symbol:
                out = env[e] if e in env else self.generator(e.name)
            elif e.is_Rational:
                out = Frac.constant(Fraction(int(e.p), int(e.q)))
            elif e.is_Add:
                out = Frac.constant(0)
                for a in e.args:
                    out = out + ev(a)
            elif e.is_Mul:
                out = Frac.constant(1)
                for a in e.args:
                    out = out * ev(a)
            elif e.is_Pow and e.args[1].is_Integer:
                out = ev(e.args[0]) ** int(e.args[1])
            elif isinstance(e, sp.exp):
                out = self.exp(ev(e.args[0]))
            elif isinstance(e, sp.tanh):
                w = self.exp(ev(e.args[0]), 2)
                out = (w - Frac.constant(1)) / (w + Frac.constant(1))
            elif len(e.args) == 1 and hasattr(e.func, "explicit"):
                out = self._opaque(e, keys.get(e.args[0]), ev)
            else:
                raise Unsupported(f"{type(e).__name__} (only exp, tanh and arithmetic)")
            return out

        return ev(expr)

    def _opaque(self, e: sp.Basic, key: Key | None, ev: Any) -> Frac:
        """An opaque activation ``f(a)`` or ``f'(a)``: from the atoms when ``a`` is a net-input
        symbol of its own layer, else through its explicit form."""
        if key is not None:
            act = self.network.activations[key[1] - 1]
            if act.opaque is not None and key in self.output:
                if e.func is act.opaque[0]:
                    return self.output[key]
                if e.func is act.opaque[1]:
                    return self.derivative(key)
        return ev(e.func.explicit(e.args[0]))
