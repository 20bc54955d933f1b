r"""The prover: are two conventions' updates the same expression?

For every parameter the verdict is one of

- ``equal``: the difference of the two updates is reduced to exactly 0 by symbolic algebra;
- ``differs``: the difference is not 0 and an exact counterexample shows it (a point of
  rationals, and for generic activations concrete polynomial ones, where the two exact values
  differ);
- ``unknown``: neither was reached within the limits. Never rounded to either side.

Method (linear in the number of parameters). From the output layer down, each neuron's two
signals are *related*: if ``s_B = c * s_A`` with a factor ``c`` that contains no signal and has
a denominator that cannot vanish (checked exactly: ``s_B den(c) - num(c) s_A`` expands to 0), the
next layer continues with ``s_A`` as a fresh symbol; it is the layer-by-layer induction, each
step checked by SymPy on one neuron's expression. Where no such relation exists the two signals
are carried as expressions. Each update is then compared in these symbols. A zero difference is
a proof (it is an identity in independent symbols, so it stays one after substituting what the
symbols stand for). A non-zero difference is only a candidate; it becomes ``differs`` when an
exact evaluation of both rule sets at a rational point differs, and otherwise, on small
networks, the fully expanded expressions decide.

>>> from symbolic_bp.network import Network
>>> report = prove(Network.build([2, 2, 1]), "delta", "gradient")
>>> report.equivalent, report.counts()
(True, {'equal': 6, 'differs': 0, 'unknown': 0})
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from .activations import Activation, generic
from .algebra import is_zero, size, tidy
from .conventions import Convention, Gradient, get_convention, second_letter
from .derive import UpdateRules, derive, loss_gradient
from .errors import InputError
from .intervals import Undecided, enclose, excludes_zero, interval_text, to_interval
from .network import Network
from .parsing import X

__all__ = [
    "EQUAL",
    "DIFFERS",
    "UNKNOWN",
    "Limits",
    "Relation",
    "ParameterResult",
    "Counterexample",
    "Report",
    "prove",
    "evaluate_rules",
    "evaluate_intervals",
]

EQUAL, DIFFERS, UNKNOWN = "equal", "differs", "unknown"
#: up to this many parameters, JSON differences are tidied (collected and factored)
TIDY_PARAMETERS = 500


@dataclass(frozen=True)
class Limits:
    """Resource limits of one proof.

    - ``timeout``: seconds for the whole proof (``None``: no limit); parameters not settled by
      then are ``unknown``.
    - ``zero_test_ops``: largest expression (``count_ops``) given rational cancellation.
    - ``carry_size``: largest unrelated signal expression carried to the layer below.
    - ``full_expansion_parameters``: networks up to this many parameters may settle what the
      layered method leaves open by comparing fully expanded expressions.
    - ``counterexample_attempts``: points tried for a counterexample.
    - ``condition_layers``: search every set of layers for a sufficient condition up to this
      depth (deeper networks: only sets of the top layers).
    - ``layer_witness_parameters``: above this many parameters, layers of uniform recipes that
      are not proven equal are settled a layer at a time (one counterexample and the relabelling
      of neurons) instead of parameter by parameter (below it the report shows a difference
      and a relation for every neuron).
    """

    timeout: float | None = 120.0
    zero_test_ops: int = 400
    carry_size: int = 4000
    full_expansion_parameters: int = 40
    counterexample_attempts: int = 12
    condition_layers: int = 4
    gradient_crosscheck_parameters: int = 40
    layer_witness_parameters: int = 20


@dataclass(frozen=True)
class Relation:
    """``other = factor * basis`` for the signals of one neuron (an induction step)."""

    layer: int
    neuron: int
    basis: sp.Symbol
    other: sp.Symbol
    factor: sp.Expr

    def __str__(self) -> str:
        return f"{self.other} = {sp.sstr(self.factor * self.basis)}"


@dataclass
class ParameterResult:
    """The verdict for one parameter. ``difference`` is ``Delta_B - Delta_A`` in the signal
    symbols of its layer (``None`` when equal or not available), in a readable form computed
    on first access; ``ratio`` is ``Delta_B / Delta_A`` when it is free of signals."""

    name: str
    layer: int
    status: str
    raw_difference: sp.Expr | None = None
    ratio: sp.Expr | None = None
    method: str = ""
    group: frozenset = frozenset()
    _tidy: sp.Expr | None = field(default=None, repr=False)

    @property
    def difference(self) -> sp.Expr | None:
        """``Delta_B - Delta_A``, tidied (collected in the signals, factored) when small."""
        if self.raw_difference is None:
            return None
        if self._tidy is None:
            self._tidy = tidy(self.raw_difference, self.group)
        return self._tidy


@dataclass
class Counterexample:
    """A witness that the two updates of ``parameter`` differ at an exact rational ``point``.

    ``values`` are exact rationals when every activation and the loss are rational-valued
    (polynomials standing in for generic activations, ReLU, identity, ...); otherwise rigorous
    enclosures ``"[lo, hi]"`` of the exact values, computed with outward rounding, which are
    disjoint: the exact values provably differ. ``activations`` names the concrete functions
    that replaced generic ones."""

    parameter: str
    point: dict[str, Any]  # exact rationals (SymPy or Fraction): str() gives "p/q"
    activations: dict[str, str]
    values: dict[str, Any]
    approximate: dict[str, float]

    @property
    def exact(self) -> bool:
        """Whether ``values`` are exact rationals (else enclosing intervals)."""
        return all(isinstance(v, sp.Basic) for v in self.values.values())

    def to_dict(self) -> dict[str, object]:
        """JSON form: exact numbers as strings."""
        return {
            "parameter": self.parameter,
            "point": {k: str(v) for k, v in self.point.items()},
            "values": {k: str(v) for k, v in self.values.items()},
            "exact": self.exact,
            "approximate_values": dict(self.approximate),
            "activations": dict(self.activations),
        }


@dataclass
class Report:
    """Everything a proof established (:func:`symbolic_bp.render.report_text` reads it)."""

    network: Network
    conventions: tuple[str, str]
    parameters: list[ParameterResult]
    counterexample: Counterexample | None = None
    conditions: list[str] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    conditions_searched: bool = False

    def counts(self) -> dict[str, int]:
        """How many parameters are equal, differ, unknown."""
        out = {EQUAL: 0, DIFFERS: 0, UNKNOWN: 0}
        for r in self.parameters:
            out[r.status] += 1
        return out

    @property
    def equivalent(self) -> bool | None:
        """``True`` if every parameter is proven equal, ``False`` if one is proven to differ,
        ``None`` otherwise."""
        counts = self.counts()
        if counts[DIFFERS]:
            return False
        return True if counts[UNKNOWN] == 0 else None

    @property
    def exit_code(self) -> int:
        """0 proven equal, 1 proven different, 3 unknown (the command line's contract)."""
        return {True: 0, False: 1, None: 3}[self.equivalent]

    # rich display in Jupyter: the report as math (MathML in HTML, $$ in Markdown)
    def _repr_html_(self) -> str:
        from .render.derivation import report_document

        return report_document(self).mathml()

    def _repr_markdown_(self) -> str:
        from .render.derivation import report_document

        return report_document(self).markdown()

    def to_dict(self) -> dict[str, object]:
        """The JSON object of ``symbolic-bp prove --json``."""
        net = self.network
        return {
            "equivalent": self.equivalent,
            "conventions": list(self.conventions),
            "network": {
                "layers": list(net.sizes),
                "activations": [a.name for a in net.activations],
                "loss": net.loss.name,
                "bias": net.bias,
            },
            "parameters": [
                {
                    "name": r.name,
                    "status": r.status,
                    "difference": None
                    if r.raw_difference is None
                    else sp.sstr(
                        r.difference
                        if len(self.parameters) <= TIDY_PARAMETERS
                        else r.raw_difference
                    ),
                }
                for r in self.parameters
            ],
            "counterexample": None
            if self.counterexample is None
            else self.counterexample.to_dict(),
            "conditions": list(self.conditions),
            "relations": [str(r) for r in self.relations],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


# -- relating two signals ------------------------------------------------------------------
def _output_lemmas(net: Network) -> dict[int, tuple[sp.Expr, sp.Expr, str]]:
    """For each layer whose activation can write its derivative through the output, the lemma
    ``g(f(x)) = f'(x)`` as ``(g(f(x)), f'(x), text)`` in the real symbol ``x``, each checked
    exactly on the explicit forms (one variable). Layers where it is trivial are left out."""
    out: dict[int, tuple[sp.Expr, sp.Expr, str]] = {}
    for l, act in enumerate(net.activations, start=1):
        if act.output_derivative_expr is None or act.is_generic:
            continue
        pattern = act.derivative_from_output(act(X))
        target = act.derivative(X)
        if pattern == target or pattern.is_number:
            continue
        if is_zero(act.unfold(pattern) - act.unfold(target)):
            text = (
                f"lemma: {sp.sstr(target)} = {sp.sstr(act.derivative_from_output(sp.Symbol('y')))}"
                f" with y = {sp.sstr(act(X))} (layer {l}), checked exactly on the explicit forms"
            )
            out[l] = (pattern, target, text)
    return out


def _relate(
    sa: sp.Expr, sb: sp.Expr, signals: set[sp.Symbol], budget: int
) -> tuple[str, sp.Expr] | None:
    """Find ``("A", c)`` with ``sb = c sa`` or ``("B", c)`` with ``sa = c sb``, exactly."""
    if is_zero(sb - sa, budget):
        return "A", sp.S.One
    for basis, num_side, den_side in (("A", sb, sa), ("B", sa, sb)):
        if den_side == 0 or sp.count_ops(num_side) + sp.count_ops(den_side) > budget:
            continue
        try:
            q = sp.cancel(num_side / den_side)
        except sp.PolynomialError:
            continue
        if q.free_symbols & signals or q.has(sp.zoo, sp.nan):
            continue
        num, den = sp.fraction(q)
        if not den.is_number and den.is_zero is not False:
            continue  # the factor might divide by 0 somewhere: not a valid step
        if den.is_number and den == 0:
            continue
        if is_zero(num_side * den - num * den_side, budget):
            return basis, q
    return None


def _substitute_generic(net: Network, attempt: int) -> tuple[Network, dict[str, str]]:
    """Replace every generic activation by a concrete one with rational values, so that an
    exact evaluation is possible. The choice varies with ``attempt``."""
    polys = [
        X**2 / 2 + X / 3,
        X**3 / 3 - X / 2 + sp.Rational(1, 5),
        X**2 / 3 - X + 1,
        X**3 / 4 + X**2 / 5 + X / 7,
    ]
    unit_output = 1 / (2 + X**2)  # values in (0, 1/2]: for a loss that needs (0, 1)
    acts: list[Activation] = []
    chosen: dict[str, str] = {}
    for l, act in enumerate(net.activations, start=1):
        if not act.is_generic:
            acts.append(act)
            continue
        unit = act.derivative_expr == 1
        if unit:
            expr = X + sp.Rational(attempt + 1, 3)
        elif l == net.depth and net.loss.needs_unit_interval:
            expr = unit_output
        else:
            expr = polys[(attempt + l) % len(polys)]
        acts.append(Activation(act.name, expr, sp.diff(expr, X), None, False, str(expr), True))
        chosen[act.name] = sp.sstr(expr)
    return net.with_activations(acts), chosen


def _random_values(net: Network, attempt: int) -> dict[str, Fraction]:
    """A deterministic point of small non-zero rationals (targets in (0, 1)), by name. Later
    attempts lean towards positive values, so that piecewise activations (ReLU) see other
    patterns of active and inactive neurons."""
    rng = random.Random(1009 * attempt + 17)
    positive = (0.5, 0.5, 0.75, 0.9, 0.65, 0.8)[attempt % 6]

    def q() -> Fraction:
        num = rng.randint(1, 5) * (1 if rng.random() < positive else -1)
        return Fraction(num, rng.randint(2, 7))

    point: dict[str, Fraction] = {}
    for i in net.neurons(0):
        point[f"x_{i}"] = q()
    for j in net.neurons(net.depth):
        point[f"t_{j}"] = Fraction(rng.randint(1, 6), 7)
    for name in net.parameter_names():
        point[name] = q()
    point["eta"] = Fraction(rng.randint(1, 4), 4)
    return point


def _random_point(net: Network, attempt: int) -> dict[sp.Symbol, sp.Rational]:
    """:func:`_random_values` as SymPy rationals keyed by symbol."""
    symbols = {s.name: s for s in net.symbols_of_point()}
    return {
        symbols[name]: sp.Rational(v.numerator, v.denominator)
        for name, v in _random_values(net, attempt).items()
    }


def evaluate_rules(rules: UpdateRules, point: dict[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
    """Every update of ``rules`` evaluated exactly at ``point`` (inputs, targets, parameters,
    ``eta``), by a forward pass and the rules' own backward pass: linear cost."""
    net = rules.network
    values: dict[sp.Symbol, sp.Expr] = dict(point)
    for l in range(1, net.depth + 1):
        for j in net.neurons(l):
            values[net.e(l, j)] = net.net_input(l, j).xreplace(values)
    for l in range(net.depth, 0, -1):
        for s, expr in zip(rules.signal_symbols[l], rules.signal_exprs[l], strict=True):
            values[s] = expr.xreplace(values)
    return {p: rules.updates[p].xreplace(values) for p in net.parameters()}


class _Clock:
    def __init__(self, timeout: float | None) -> None:
        self.start = time.perf_counter()
        self.timeout = timeout

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def expired(self) -> bool:
        return self.timeout is not None and self.elapsed > self.timeout


def _derive_pair(net: Network, ca: Convention, cb: Convention) -> tuple[UpdateRules, UpdateRules]:
    # signal symbols are named by letter, layer and neuron: the same letter would clash
    return derive(net, ca), derive(net, cb, letter=second_letter(ca, cb))


def prove(
    network: Network,
    a: str | Convention,
    b: str | Convention,
    limits: Limits = Limits(),
    *,
    conditions: bool = True,
    progress: Callable[[str], None] | None = None,
    method: str = "auto",
    _search: bool = True,
) -> Report:
    """Prove or refute that conventions ``a`` and ``b`` give the same update for every
    parameter of ``network``.

    **Arguments:**

    - ``network``: a :class:`~symbolic_bp.network.Network` (generic activations give a proof
      for every differentiable activation).
    - ``a``, ``b``: conventions, by object or registered name.
    - ``limits``: see :class:`Limits`.
    - ``conditions``: search for a sufficient condition of agreement when they differ.
    - ``progress``: called with a short text after each layer and every 500 parameters (for a
      progress display); a text that starts with ``"layer L:"`` and ends with ``"parameters"``
      after ``"compared"`` or ``"all"`` marks a finished layer.
    - ``method``: ``"auto"`` first tries one identity per layer for symbolic neuron indices
      (:func:`symbolic_bp.layerproof.prove_layers`: cost independent of the widths; it can only
      prove "all equal") and otherwise compares parameter by parameter; ``"neurons"`` always
      compares parameter by parameter.

    **Returns:** a :class:`Report`; ``report.equivalent`` is ``True``, ``False`` or ``None``.
    """
    clock = _Clock(limits.timeout)
    ca, cb = get_convention(a), get_convention(b)
    if ca.name == cb.name:
        raise InputError(f"--conventions names {ca.name!r} twice; give two different conventions")
    if method not in ("auto", "neurons"):
        raise InputError(f"method {method!r} is not one of auto, neurons")
    net = network
    big = net.parameter_count > limits.layer_witness_parameters
    # a sub-proof of the condition search on a small network: the per-parameter walk is as
    # fast there, and the layer identities would only be tried first
    if method == "auto" and (big or _search):
        from .layerproof import is_uniform, prove_layers

        witnesses = (limits.counterexample_attempts, clock.expired) if big and _search else None
        fast = prove_layers(net, ca, cb, progress, witnesses)
        if fast is not None:
            if conditions and fast.counts()[DIFFERS] and not clock.expired():
                fast.conditions = _find_conditions(net, ca, cb, limits, clock)
                fast.conditions_searched = not clock.expired()
            fast.seconds = clock.elapsed
            return fast
        if big and not _search and is_uniform(ca) and is_uniform(cb):
            # a sub-proof of the condition search on a large network: not proven all equal
            return Report(net, (ca.name, cb.name), [ParameterResult("(all)", 1, UNKNOWN)])
    ra, rb = _derive_pair(net, ca, cb)
    signals = set(ra.signal_values()) | set(rb.signal_values())
    budget = limits.zero_test_ops

    results: dict[sp.Symbol, ParameterResult] = {}
    relations: list[Relation] = []
    mapping: dict[sp.Symbol, sp.Expr] = {}
    overflow = False
    lemmas = _output_lemmas(net)
    # normal form: every f_l'(e) written through the output, g_l(f_l(e)), where the lemma
    # g_l(f_l(x)) = f_l'(x) was checked; then all of a layer's activation terms are
    # polynomial in the one atom f_l(e) and recipes that write f' either way compare equal
    normal = {
        net.fprime(l, j): g.xreplace({X: net.e(l, j)})
        for l, (g, _target, _text) in lemmas.items()
        for j in net.neurons(l)
    }
    used_lemmas: list[bool] = []

    def rewrite(expr: sp.Expr) -> sp.Expr:
        if not normal:
            return expr
        new = expr.xreplace(normal)
        if new != expr and not used_lemmas:
            used_lemmas.append(True)
        return new

    for l in range(net.depth, 0, -1):
        new_map: dict[sp.Symbol, sp.Expr] = {}
        for j in net.neurons(l):
            a_sym, a_expr = ra.signal(l, j)
            b_sym, b_expr = rb.signal(l, j)
            sa, sb = a_expr.xreplace(mapping), b_expr.xreplace(mapping)
            rel = None
            if not (overflow or clock.expired()):
                # as the recipes write it first (readable factors), then in the normal form
                rel = _relate(sa, sb, signals, budget)
                if rel is None and normal:
                    sa, sb = rewrite(sa), rewrite(sb)
                    rel = _relate(sa, sb, signals, budget)
            if rel is None:
                new_map[a_sym], new_map[b_sym] = sa, sb
                if size(sa) + size(sb) > limits.carry_size:
                    overflow = True
            elif rel[0] == "A":
                new_map[a_sym], new_map[b_sym] = a_sym, rel[1] * a_sym
                relations.append(Relation(l, j, a_sym, b_sym, rel[1]))
            else:
                new_map[a_sym], new_map[b_sym] = rel[1] * b_sym, b_sym
                relations.append(Relation(l, j, b_sym, a_sym, rel[1]))
        mapping = new_map
        for count, p in enumerate(net.layer_parameters(l), start=1):
            if progress is not None and count % 500 == 0:
                progress(f"layer {l}: {count} of {len(net.layer_parameters(l))} parameters")
            if overflow or clock.expired():
                results[p] = ParameterResult(p.name, l, UNKNOWN)
                continue
            ua = ra.updates[p].xreplace(mapping)
            ub = rb.updates[p].xreplace(mapping)
            diff = ub - ua
            if is_zero(diff, budget) or (normal and is_zero(rewrite(diff), budget)):
                results[p] = ParameterResult(p.name, l, EQUAL, method="layered")
                continue
            ratio = None
            if ua != 0 and ub != 0 and sp.count_ops(ua) + sp.count_ops(ub) <= budget:
                q = sp.cancel(ub / ua)
                if not q.free_symbols & signals:
                    ratio = q
            if not _search:
                # a sub-proof (condition search) only asks "all equal?": stop at the first no
                results[p] = ParameterResult(p.name, l, UNKNOWN, diff)
                return Report(net, (ca.name, cb.name), list(results.values()))
            results[p] = ParameterResult(p.name, l, UNKNOWN, diff, ratio, group=frozenset(signals))
        if progress is not None:
            progress(f"layer {l}: compared {len(net.layer_parameters(l))} parameters")

    notes: list[str] = [lemmas[l][2] for l in sorted(lemmas)] if used_lemmas else []
    pending = [p for p in net.parameters() if results[p].status == UNKNOWN]
    witness: Counterexample | None = None
    if pending and _search:
        witness = _find_counterexamples(net, ca, cb, pending, results, limits, clock)
    pending = [p for p in net.parameters() if results[p].status == UNKNOWN]
    small = net.parameter_count <= limits.full_expansion_parameters
    if pending and _search and small and not clock.expired():
        for p in pending:
            if clock.expired():
                break
            if is_zero(rb.expanded(p) - ra.expanded(p), 10 * budget):
                results[p].status, results[p].method = EQUAL, "full expansion"
                results[p].raw_difference = results[p].ratio = None
    for r in results.values():
        if r.status == UNKNOWN and not r.method:
            r.method = "time limit" if clock.expired() else "not settled"

    report = Report(
        net,
        (ca.name, cb.name),
        [results[p] for p in net.parameters()],
        witness,
        relations=relations,
        notes=notes,
    )
    if _search and any(isinstance(c, Gradient) for c in (ca, cb)):
        notes.append(_gradient_crosscheck(net, limits))
    if conditions and _search and report.counts()[DIFFERS] and not clock.expired():
        report.conditions = _find_conditions(net, ca, cb, limits, clock)
        report.conditions_searched = not clock.expired()
    report.seconds = clock.elapsed
    return report


_TRANSCENDENTAL = (sp.exp, sp.log, sp.tanh, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.atan, sp.pi, sp.E)


def _rational_valued(net: Network) -> bool:
    """Whether every value at a rational point is rational (so it can be shown exactly)."""
    exprs = [a.expr for a in net.activations] + [a.derivative_expr for a in net.activations]
    exprs.append(net.loss.term_expr)
    return not any(e.has(*_TRANSCENDENTAL) or e.has(sp.sqrt(X)) for e in exprs)


def evaluate_intervals(
    rules: UpdateRules, point: dict[sp.Symbol, sp.Rational]
) -> dict[sp.Symbol, Any]:
    """Every update of ``rules`` at ``point`` as a rigorous interval (a forward pass and the
    rules' own backward pass, each neuron once). A parameter whose value cannot be enclosed
    (a ReLU kink inside an interval) is left out."""
    net = rules.network
    env: dict[sp.Symbol, Any] = {s: to_interval(v) for s, v in point.items()}
    memo: dict = {}

    def put(sym: sp.Symbol, expr: sp.Expr) -> None:
        try:
            env[sym] = enclose(expr, env, memo)
        except Undecided:
            pass

    for l in range(1, net.depth + 1):
        for j in net.neurons(l):
            put(net.e(l, j), net.net_input(l, j))
    for l in range(net.depth, 0, -1):
        for s, expr in zip(rules.signal_symbols[l], rules.signal_exprs[l], strict=True):
            put(s, expr)
    out = {}
    for p in net.parameters():
        try:
            out[p] = enclose(rules.updates[p], env, memo)
        except Undecided:
            continue
    return out


def _find_counterexamples(
    net: Network,
    ca: Convention,
    cb: Convention,
    pending: Sequence[sp.Symbol],
    results: dict[sp.Symbol, ParameterResult],
    limits: Limits,
    clock: _Clock,
) -> Counterexample | None:
    """Evaluate both rule sets at rational points with rigorous interval arithmetic; each
    pending parameter whose two enclosures are disjoint (their difference excludes 0) is
    ``differs``. Returns the first witness, with exact values where they are rational."""
    first: Counterexample | None = None
    # witnesses from the top layer first: their differences are the simplest to read
    open_ = sorted(pending, key=lambda p: -results[p].layer)
    # small networks are cheap to evaluate: try more points there
    attempts = limits.counterexample_attempts * (3 if net.parameter_count <= 200 else 1)
    for attempt in range(attempts):
        if not open_ or clock.expired():
            break
        concrete, chosen = _substitute_generic(net, attempt)
        point = _random_point(net, attempt)
        ra, rb = derive(concrete, ca), derive(concrete, cb)
        try:
            va, vb = evaluate_intervals(ra, point), evaluate_intervals(rb, point)
        except (ZeroDivisionError, ValueError, Undecided):
            continue
        still = []
        for p in open_:
            if p in va and p in vb and excludes_zero(vb[p] - va[p]):
                results[p].status, results[p].method = DIFFERS, "counterexample"
                if first is None:
                    values: dict[str, Any] = {
                        ca.name: interval_text(va[p]),
                        cb.name: interval_text(vb[p]),
                    }
                    if _rational_valued(concrete):
                        exact_a, exact_b = (
                            evaluate_rules(ra, point)[p],
                            evaluate_rules(rb, point)[p],
                        )
                        if exact_a.is_Rational and exact_b.is_Rational and exact_a != exact_b:
                            values = {ca.name: exact_a, cb.name: exact_b}
                    first = Counterexample(
                        p.name,
                        {s.name: v for s, v in point.items()},
                        chosen,
                        values,
                        {ca.name: float(va[p].mid), cb.name: float(vb[p].mid)},
                    )
            else:
                still.append(p)
        open_ = still
    return first


def _gradient_crosscheck(net: Network, limits: Limits) -> str:
    """Check the graph-based ``gradient`` against ``sympy.diff`` of the whole expanded loss."""
    if net.parameter_count > limits.gradient_crosscheck_parameters:
        return (
            "gradient: chain rule over the network graph with SymPy's local derivatives "
            f"(not cross-checked against diff of the expanded loss above "
            f"{limits.gradient_crosscheck_parameters} parameters)"
        )
    # on the generic twin: undefined f_l keep the expansion small, and the chain rule checked
    # there holds for every activation
    twin = net.with_activations([generic(l) for l in range(1, net.depth + 1)])
    rules = derive(twin, "gradient")
    oracle = loss_gradient(twin)
    bad = [p.name for p in twin.parameters() if not is_zero(rules.expanded(p) - oracle[p], 10**4)]
    if bad:
        return f"gradient: WARNING: differs from sympy.diff of the loss for {', '.join(bad)}"
    return (
        "gradient: the chain rule over the graph was checked exactly against sympy.diff of the "
        f"expanded loss for all {net.parameter_count} parameters (generic activations)"
    )


def _condition_text(net: Network, layers: Sequence[int]) -> str:
    acts = [net.activations[l - 1] for l in layers]
    where = f"layer{'s' if len(layers) > 1 else ''} {', '.join(map(str, layers))}"
    if all(a.is_generic for a in acts):
        return " and ".join(f"{a.name}' = 1" for a in acts) + (
            f" (the derivative of {where} identically 1)"
        )
    names = ", ".join(a.name for a in acts)
    return f"{where} linear: the identity (derivative identically 1) instead of {names}"


def _find_conditions(
    net: Network, ca: Convention, cb: Convention, limits: Limits, clock: _Clock
) -> list[str]:
    """Smallest sets of layers whose derivative identically 1 makes the rules agree (each
    proven by the same prover on the modified network)."""
    layers = list(range(1, net.depth + 1))
    if net.depth <= limits.condition_layers:
        candidates = [c for k in range(1, net.depth + 1) for c in itertools.combinations(layers, k)]
    else:
        candidates = [tuple(layers[s:]) for s in range(net.depth - 1, -1, -1)]
    found: list[tuple[int, ...]] = []
    for combo in candidates:
        if clock.expired():
            break
        if found and len(combo) > len(found[0]):
            break
        acts = [a.linearized() if l in combo else a for l, a in enumerate(net.activations, 1)]
        if all(
            acts[l - 1] == net.activations[l - 1] and not net.activations[l - 1].is_generic
            for l in combo
        ):
            continue  # already linear: no new condition
        try:
            sub = prove(net.with_activations(acts), ca, cb, limits, _search=False)
        except InputError:
            continue
        if sub.equivalent:
            found.append(combo)
    return [_condition_text(net, combo) for combo in found]
