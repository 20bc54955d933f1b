r"""The traced updates against a convention's, parameter by parameter, in the field of atoms.

- :func:`traced_values`: every traced update in the field (:mod:`.atoms`), or the reason why
  it cannot be written there;
- :class:`ConventionValues`: a convention's updates on the same network, the mean over the
  samples of a batch (each sample's rules with ``x_i -> x{s}_i``, ``t_j -> t{s}_j`` and its own
  net inputs), computed a layer at a time from the output down;
- :func:`proportion`: the constant ``c = r eta^k`` with ``a = c b``, checked exactly;
- :func:`compare`: a :class:`Comparison` of the two (equal / a constant factor / open).

Only ``equal`` is a verdict here. A parameter whose values differ in the field is *open*: the
atoms are functions of the weights, so a difference there is a candidate for a counterexample
(:mod:`.witness`), never a proof.

>>> import sympy as sp
>>> from symbolic_bp.model.network import Network
>>> from .atoms import NetworkField
>>> net = Network.build([1, 1], "sigmoid")
>>> field = NetworkField(net)
>>> x, t, w = (sp.Symbol(n, real=True) for n in ("x_1", "t_1", "w1_1_1"))
>>> y = 1 / (1 + sp.exp(-w * x))
>>> traced = traced_values(field, {"w1_1_1": 2 * net.eta * (t - y) * y * (1 - y) * x})
>>> result = compare(traced, ConventionValues(field, "gradient"))
>>> result.equal, result.factor
(False, Factor(r=Fraction(2, 1), k=0))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..conventions import Convention, get_convention
from ..derive import derive
from ..errors import InputError
from .atoms import NetworkField, Unsupported
from .sparse import BITS, MAX_DEGREE, Frac, Overflow, Poly

__all__ = [
    "Factor",
    "Comparison",
    "ConventionValues",
    "traced_values",
    "TracedValues",
    "Value",
    "proportion",
    "compare",
    "EQUAL",
    "OPEN",
    "UNKNOWN",
]

EQUAL, OPEN, UNKNOWN = "equal", "open", "unknown"

#: a value: a field element, or the reason why none exists
Value = Frac | str


@dataclass(frozen=True)
class Factor:
    """The constant ``r * eta**k`` (``k = 0`` when the learning rate is a number)."""

    r: Fraction
    k: int = 0

    def expr(self, eta: sp.Expr) -> sp.Expr:
        return sp.Rational(self.r.numerator, self.r.denominator) * eta**self.k

    @property
    def is_one(self) -> bool:
        return self.r == 1 and self.k == 0


class TracedValues(Mapping[str, Value]):
    """The traced updates in the field, each computed when first asked for (shared
    subexpressions once), so that a comparison that stops early computes no more."""

    def __init__(self, fld: NetworkField, updates: Mapping[str, sp.Expr]) -> None:
        self.field, self.updates = fld, updates
        self._memo: dict = {}
        self._values: dict[str, Value] = {}

    def __getitem__(self, name: str) -> Value:
        if name not in self._values:
            try:
                self._values[name] = self.field.value(self.updates[name], memo=self._memo)
            except Unsupported as exc:
                self._values[name] = str(exc)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.updates)

    def __len__(self) -> int:
        return len(self.updates)


def traced_values(fld: NetworkField, updates: Mapping[str, sp.Expr]) -> TracedValues:
    """Every traced update in the field, computed on demand (:class:`TracedValues`)."""
    return TracedValues(fld, updates)


class ConventionValues:
    """A convention's updates in the field, the mean over the samples, layer by layer."""

    def __init__(self, fld: NetworkField, convention: str | Convention) -> None:
        self.field = fld
        self.convention = get_convention(convention)
        self.rules = derive(fld.network, self.convention)
        self._envs = {s: fld.sample_env(s) for s in fld.samples}
        self._memo: dict = {s: {} for s in fld.samples}
        self._signals_done: set[int] = set()
        self._broken: dict[int, str] = {}
        self._layers: dict[int, dict[str, Value]] = {}

    def _signals(self, l: int) -> str | None:
        """Bind the signals of layers ``L..l`` in every sample; the reason if they cannot be."""
        for layer in range(self.field.network.depth, l - 1, -1):
            if layer in self._broken:
                return self._broken[layer]
            if layer in self._signals_done:
                continue
            try:
                for s in self.field.samples:
                    env, keys = self._envs[s]
                    symbols = self.rules.signal_symbols[layer]
                    for sym, expr in zip(symbols, self.rules.signal_exprs[layer], strict=True):
                        env[sym] = self.field.value(expr, env, self._memo[s], keys)
            except Unsupported as exc:
                self._broken[layer] = str(exc)
                return str(exc)
            self._signals_done.add(layer)
        return None

    def layer(self, l: int) -> dict[str, Value]:
        """The updates of layer ``l``'s parameters: the mean over the samples."""
        if l not in self._layers:
            self._layers[l] = self._layer(l)
        return self._layers[l]

    def _layer(self, l: int) -> dict[str, Value]:
        broken = self._signals(l)
        net = self.field.network
        out: dict[str, Value] = {}
        scale = Fraction(1, len(self.field.samples))
        for p in net.layer_parameters(l):
            if broken is not None:
                out[p.name] = broken
                continue
            try:
                total = Frac.constant(0)
                for s in self.field.samples:
                    env, keys = self._envs[s]
                    total = total + self.field.value(
                        self.rules.updates[p], env, self._memo[s], keys
                    )
                out[p.name] = total if scale == 1 else total.scale(scale)
            except Unsupported as exc:
                out[p.name] = str(exc)
            except Overflow as exc:
                out[p.name] = f"polynomials too large ({exc})"
        return out


def _eta_exponent(p: Poly, eta: int | None) -> int:
    """The power of ``eta`` that divides every term of ``p``."""
    if eta is None:
        return 0
    return min(((m >> (BITS * eta)) & MAX_DEGREE for m in p.terms), default=0)


def proportion(a: Frac, b: Frac, eta: int | None) -> Factor | None:
    """``Factor(r, k)`` with ``a = r eta^k b`` exactly (``eta``: the generator index of the
    learning rate, or ``None``); ``None`` when there is none or ``b`` is zero."""
    if b.is_zero():
        return None
    if a.is_zero():
        return Factor(Fraction(0))
    if a.is_poly() and b.is_poly():
        top, bottom = a.num, b.num
    else:
        try:
            top, bottom = a.num * b.den, b.num * a.den
        except Overflow:
            return None
    if len(top) != len(bottom):
        return None  # a multiple by a constant times a power of eta has as many terms
    k = _eta_exponent(top, eta) - _eta_exponent(bottom, eta)
    shift = k << (BITS * eta) if k and eta is not None else 0  # the monomial eta^k, packed
    m = next(iter(bottom.terms))
    if m + shift not in top.terms:
        return None
    r = top.coefficient(m + shift) / bottom.coefficient(m)
    return Factor(r, k) if top.is_multiple(bottom, r, shift) else None


@dataclass
class Comparison:
    """Per parameter: ``equal``, ``open`` (not shown equal) or ``unknown`` (not representable),
    the factor where the traced update is a constant times the convention's, and, where one
    constant relates every parameter, that constant (:attr:`factor`)."""

    status: dict[str, str] = field(default_factory=dict)
    factors: dict[str, Factor | None] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    complete: bool = True

    @property
    def equal(self) -> bool:
        return self.complete and all(s == EQUAL for s in self.status.values())

    @property
    def factor(self) -> Factor | None:
        """The one constant relating every update (``None`` if there is none); the zero
        updates of both sides are compatible with any constant."""
        if not self.complete or any(s == UNKNOWN for s in self.status.values()):
            return None
        found = {f for n, f in self.factors.items() if f is not None and f.r != 0}
        zeros = [n for n, f in self.factors.items() if f is not None and f.r == 0]
        if len(found) != 1 or any(f is None for f in self.factors.values()):
            return None
        if zeros and any(self.status[n] != EQUAL for n in zeros):
            return None  # a zero update where the convention's is not zero
        return found.pop()


def compare(
    traced: Mapping[str, Value], ref: ConventionValues, *, stop_early: bool = False
) -> Comparison:
    """Compare layer by layer from the output down. With ``stop_early``, stop at the first
    parameter that is neither equal nor in the same constant ratio as those before (enough
    to tell whether the convention matches)."""
    out = Comparison()
    net = ref.field.network
    eta = ref.field.gens.get(str(ref.field.eta)) if isinstance(ref.field.eta, sp.Symbol) else None
    seen: set[Factor] = set()
    for l in range(net.depth, 0, -1):
        for name, b in ref.layer(l).items():
            a = traced[name]
            if isinstance(a, str) or isinstance(b, str):
                out.status[name], out.factors[name] = UNKNOWN, None
                out.reasons[name] = a if isinstance(a, str) else f"{ref.convention.name}: {b}"
            else:
                try:
                    same = a.equals(b)
                except Overflow:
                    same = False
                out.status[name] = EQUAL if same else OPEN
                out.factors[name] = Factor(Fraction(1)) if same else proportion(a, b, eta)
            f = out.factors[name]
            if f is not None and f.r != 0:
                seen.add(f)
            if stop_early and (f is None or len(seen) > 1):
                out.complete = False
                return out
    return out


def convention_values(fld: NetworkField, name: str) -> ConventionValues | str:
    """:class:`ConventionValues`, or the one-line reason the convention has no rules here."""
    try:
        return ConventionValues(fld, name)
    except (InputError, Unsupported) as exc:
        return str(exc)
