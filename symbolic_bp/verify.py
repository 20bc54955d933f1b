r"""Abstraction verified, never assumed: layer rules checked against the per-neuron rules.

A fast path proves one identity per layer for a symbolic neuron (and in the general proof a
symbolic layer and depth). That says something about a recipe only if the recipe's rules *are*
the instances of those symbolic expressions. Here each symbolic rule is instantiated (neuron
indices, widths, layers, depth set to numbers; sums written out; indexed atoms and layer
functions mapped to the concrete network's symbols and activations) and compared exactly with
:func:`~symbolic_bp.derive.derive` on small concrete networks: every layer, every neuron,
every weight and bias, several widths. A recipe that treats one neuron, one layer or one width
differently, or whose code does something else on a symbolic network than on a concrete one,
fails here, and the fast path is not used. Uniformity is decided by this check, never by a
declaration.

The rules must also be *covariant*: a neuron index may occur only as an index of a network
quantity, never as a value (``j * d[l, j]``), so that relabelling neurons maps the rule of one
neuron onto another's.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.derive import layer_rules
>>> net = Network.build([784, 128, 10], "sigmoid")
>>> [n.sizes for n in check_networks(net)]
[(4, 3, 2), (5, 4, 3)]
>>> verify_layer_rules(layer_rules(net, "delta"), check_networks(net))
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import sympy as sp

from .algebra import is_zero
from .conventions import Convention, batch_scale, is_builtin
from .derive import LayerRules, UpdateRules, derive, signal_symbol
from .errors import AbstractionError, InputError
from .model.indexed import DEPTH, LAYER, IndexedNetwork
from .model.network import Network
from .model.symbolic import LayerF, LayerFprime, LayerG

__all__ = [
    "NotRepresented",
    "check_networks",
    "check_stateless",
    "verification_networks",
    "verify_layer_rules",
    "verify_general_rules",
]


class NotRepresented(AbstractionError):
    """The symbolic rules do not reproduce the recipe's per-neuron rules."""


def check_networks(net: Network, small: int = 60) -> list[Network]:
    """Small networks with ``net``'s depth, activations, loss, biases and objective whose widths
    keep the pattern of ``net``'s (equal widths stay equal, the order is kept, a width of 1
    stays 1), two of them (every layer at least 2 and at least 3 wide otherwise); ``net``
    itself comes first when it has at most ``small`` parameters. A batch of more than two
    samples is checked on batches of two (each sample's rules are the same recipe)."""
    distinct = sorted({n for n in net.sizes if n > 1})
    objective = net.objective
    if objective.batch > 2:
        objective = replace(objective, batch=2)
    out = [net] if net.parameter_count <= small and objective is net.objective else []
    for start in (2, 3):
        sizes = tuple(1 if n == 1 else start + distinct.index(n) for n in net.sizes)
        if sizes != net.sizes or not out:
            out.append(net.with_sizes(sizes).with_objective(objective))
    return out


def verification_networks(net: Network, conv: Convention) -> list[Network]:
    """Where a recipe's layer rules are checked against its per-neuron rules.

    A built-in recipe's code treats every neuron alike, so small networks of ``net``'s shape
    suffice (:func:`~symbolic_bp.verify.check_networks`). A recipe of the user's is Python code
    that may branch on anything (``isinstance(j, int) and j > 6``, ``str(j)``, a width), so its
    layer rules stand for it only where they were checked: on ``net`` itself, every neuron and
    every parameter.
    """
    return check_networks(net) if is_builtin(conv) else [net]


def check_stateless(conv: Any, net: Network) -> UpdateRules | None:
    """Refuse a recipe whose rules change from one derivation to the next (it keeps state
    between calls, so it defines no rule to prove): two derivations on a small network with
    ``net``'s depth, activations, loss and biases must give the same expressions.

    **Returns:** the first derivation (``None`` if the recipe is not defined on that network),
    which :func:`verify_layer_rules` may reuse instead of deriving it a third time.

    **Raises:** :class:`~symbolic_bp.errors.InputError`.
    """
    small = check_networks(net, small=0)[0]
    try:
        first, second = derive(small, conv), derive(small, conv)
    except InputError:
        return None  # not defined on that network: derive on the real one will say so
    if first.signal_exprs != second.signal_exprs or first.updates != second.updates:
        raise InputError(
            f"convention {conv.name!r} gives different rules each time it is derived (it keeps "
            "state between calls); a recipe must compute its rules from its arguments alone"
        )
    return first


def verify_layer_rules(
    rules: LayerRules, networks: Sequence[Network], derived: Iterable[UpdateRules | None] = ()
) -> None:
    """Raise :class:`NotRepresented` unless the layer rules reproduce ``derive`` on every one
    of ``networks`` (same depth), neuron by neuron. ``derived``: derivations just made (by
    :func:`check_stateless`), used where one is of this recipe, letter and network."""
    _covariant(rules)
    for cnet in networks:
        concrete = _concrete_rules(rules, cnet, derived)
        for l in rules.layers:
            _compare_layer(rules, concrete, cnet, int(l), {})


def verify_general_rules(rules: LayerRules, networks: Iterable[Network]) -> dict[Any, str]:
    """The layers of the general rules (``L`` and ``l``) that do not reproduce ``derive`` on
    each of ``networks``, instantiated at its depth and every layer ``l = 1..L-1``: ``{layer:
    reason}`` (empty when all agree). A recipe ``derive`` refuses on a network fails every
    layer."""
    failures: dict[Any, str] = {}
    for key in rules.layers:
        try:
            _covariant(rules, (key,))
        except NotRepresented as exc:
            failures[key] = str(exc)
    for cnet in networks:
        try:
            concrete = _concrete_rules(rules, cnet)
        except NotRepresented as exc:
            return {key: str(exc) for key in rules.layers}
        depth = cnet.depth
        checks = [(DEPTH, depth, {DEPTH: depth})]
        checks += [(LAYER, l, {DEPTH: depth, LAYER: l}) for l in range(1, depth)]
        for key, l, values in checks:
            if key in rules.layers and key not in failures:
                try:
                    _compare_layer(rules, concrete, cnet, l, values, key=key)
                except NotRepresented as exc:
                    failures[key] = str(exc)
    return failures


def _concrete_rules(
    rules: LayerRules, cnet: Network, derived: Iterable[UpdateRules | None] = ()
) -> UpdateRules:
    conv, letter = rules.convention, str(rules.signal.label)
    for known in derived:
        if known and known.convention is conv and known.letter == letter and known.network == cnet:
            return known
    try:
        return derive(cnet, conv, letter=letter)
    except InputError as exc:
        raise NotRepresented(
            f"convention {rules.convention.name!r} is not defined on the "
            f"{'-'.join(map(str, cnet.sizes))} network ({exc})"
        ) from None


def _compare_layer(
    rules: LayerRules,
    concrete: UpdateRules,
    cnet: Network,
    l: int,
    layers: dict[sp.Symbol, int],
    key: Any = None,
) -> None:
    inet = rules.indexed
    key = l if key is None else key
    j_sym, i_sym = _indices(inet, key)
    views = cnet.views()

    def at_layer(expr: sp.Expr, nets: Sequence[Network]) -> list[_AtLayer]:
        return [_AtLayer(rules, n, expr, layers) for n in nets]

    signals = at_layer(rules.signals[key], views)
    weights = _Update(rules, cnet, rules.weight_updates[key], rules.weight_penalties, key, layers)
    bias = rules.bias_updates[key]
    biases = None if bias is None else _Update(rules, cnet, bias, rules.bias_penalties, key, layers)
    for j in cnet.neurons(l):
        for v, signal in zip(views, signals, strict=True):
            got = signal.at({j_sym: j})
            want = concrete.signal(l, j, v.sample or 1)[1]
            _same(got, want, rules, f"the signal of neuron {j} of layer {l}", cnet)
        for i in cnet.neurons(l - 1):
            got = weights.at({j_sym: j, i_sym: i})
            _same(
                got, concrete.updates[cnet.w(l, j, i)], rules, f"the update of w{l}_{j}_{i}", cnet
            )
        if biases is not None:
            got = biases.at({j_sym: j})
            _same(got, concrete.updates[cnet.b(l, j)], rules, f"the update of b{l}_{j}", cnet)


class _Update:
    """The objective's update from a layer rule: ``cnet``'s reduction of the rule at each
    sample, plus the penalty's part, prepared once per layer."""

    def __init__(
        self,
        rules: LayerRules,
        cnet: Network,
        update: sp.Expr,
        penalties: dict[Any, Any],
        key: Any,
        layers: dict[sp.Symbol, int],
    ) -> None:
        self.samples = [_AtLayer(rules, v, update, layers) for v in cnet.views()]
        self.scale = batch_scale(rules.convention, cnet.objective)
        penalty = penalties.get(key) or sp.S.Zero
        self.penalty = None if penalty == 0 else _AtLayer(rules, cnet, penalty, layers)

    def at(self, values: dict[sp.Symbol, int]) -> sp.Expr:
        total = sp.Add(*(s.at(values) for s in self.samples))
        if self.penalty is None:
            return self.scale * total
        return self.scale * total + self.penalty.at(values)


class _AtLayer:
    """A rule on ``cnet`` at the given layer and depth, for each neuron's indices (:meth:`at`).

    The widths, layer and depth are put in, the sums written out and the atoms with
    whole-number indices mapped once per layer; each neuron then costs one substitution of
    its indices and the atoms that read them. A rule that keeps a sum or a Kronecker delta
    after that (a limit that reads a neuron index) is instantiated neuron by neuron, the
    general way (:func:`_instantiate`); both give the same expression.
    """

    def __init__(
        self, rules: LayerRules, cnet: Network, expr: sp.Expr, layers: dict[sp.Symbol, int]
    ) -> None:
        self.rules, self.cnet = rules, cnet
        expr = expr.xreplace(layers) if layers else expr
        self.raw = expr
        expr = expr.xreplace(_widths(rules.indexed.n, cnet.sizes))
        if expr.has(sp.Sum):
            expr = _write_out_sums(expr)
        self.pending: list[sp.Indexed] | None = None
        if not expr.has(sp.Sum, sp.KroneckerDelta):
            try:
                self.expr, self.pending = self._map_whole(expr)
            except NotRepresented:
                self.pending = None  # say so where the general way says so

    def _map_whole(self, expr: sp.Expr) -> tuple[sp.Expr, list[sp.Indexed]]:
        """``expr`` with the atoms whose indices are whole numbers mapped and the layer
        functions put in; the atoms that read a neuron index, for :meth:`at`."""
        inet, letter, cnet = self.rules.indexed, str(self.rules.signal.label), self.cnet
        mapping: dict[sp.Basic, sp.Basic] = {}
        pending = []
        for leaf in expr.atoms(sp.Indexed):
            if all(i.is_Integer for i in leaf.indices):
                idx = [int(i) for i in leaf.indices]
                mapping[leaf] = _atom(inet, cnet, leaf.base, idx, letter, self.rules)
            else:
                pending.append(leaf)
        return _concrete_functions(cnet, expr.xreplace(mapping)), pending

    def at(self, values: dict[sp.Symbol, int]) -> sp.Expr:
        """The rule at the neuron indices ``values``, in ``cnet``'s symbols (what
        :func:`_instantiate` gives)."""
        if self.pending is None:
            return _instantiate(self.rules, self.cnet, self.raw, values)
        inet, letter, cnet = self.rules.indexed, str(self.rules.signal.label), self.cnet
        numbers = {s: sp.Integer(v) for s, v in values.items()}
        mapping: dict[sp.Basic, sp.Basic] = dict(numbers)
        for leaf in self.pending:
            idx = [i.xreplace(numbers) for i in leaf.indices]
            if not all(i.is_Integer for i in idx):
                raise NotRepresented(f"the layer rule keeps a symbolic index in {leaf}")
            mapping[leaf] = _atom(inet, cnet, leaf.base, [int(i) for i in idx], letter, self.rules)
        return _normalisers(cnet, self.expr.xreplace(mapping))


def _indices(inet: IndexedNetwork, key: Any) -> tuple[sp.Symbol, sp.Symbol]:
    return inet.index(key), inet.index(key - 1)


def _same(got: sp.Expr, want: sp.Expr, rules: LayerRules, where: str, cnet: Network) -> None:
    if got == want or is_zero(got - want) or is_zero(cnet.unfold(got - want)):
        return
    raise NotRepresented(
        f"convention {rules.convention.name!r}: its rule for one symbolic neuron does not give "
        f"{where} (per neuron: {sp.sstr(want)}; from the layer rule: {sp.sstr(got)})"
    )


def _instantiate(
    rules: LayerRules, cnet: Network, expr: sp.Expr, values: dict[sp.Symbol, int]
) -> sp.Expr:
    """``expr`` at the given layer, depth and neuron indices on ``cnet``, in its symbols."""
    inet = rules.indexed
    layer_values = {s: v for s, v in values.items() if s in (DEPTH, LAYER)}
    expr = expr.xreplace(layer_values) if layer_values else expr
    expr = expr.xreplace(_widths(inet.n, cnet.sizes)).xreplace(
        {s: v for s, v in values.items() if s not in layer_values}
    )
    if expr.has(sp.Sum):
        expr = _write_out_sums(expr)
    if expr.has(sp.Sum, sp.KroneckerDelta):
        expr = expr.doit()
    return _normalisers(cnet, _concrete_atoms(rules, cnet, expr))


def _normalisers(cnet: Network, expr: sp.Expr) -> sp.Expr:
    """A softmax layer's written-out ``sum_k exp(e_k)`` as ``exp(LSE(e))``, the atom of the
    per-neuron rules (exact), so that the two compare without unfolding."""
    if cnet.batched:
        return expr
    mapping = {}
    for l, act in enumerate(cnet.activations, start=1):
        if act.is_vector:
            total = sp.Add(*(sp.exp(cnet.e(l, k)) for k in cnet.neurons(l)))
            mapping[total] = sp.exp(cnet.logsumexp(l, partial(cnet.e, l)))
    return expr.xreplace(mapping) if mapping else expr


@functools.lru_cache(maxsize=256)
def _widths(n: sp.IndexedBase, sizes: tuple[int, ...]) -> dict[sp.Indexed, int]:
    """``{n[a]: n_a}``, built once per network (building it per rule made the check
    quadratic in the depth)."""
    return {n[a]: size for a, size in enumerate(sizes)}


def _write_out_sums(expr: sp.Expr) -> sp.Expr:
    """Every ``Sum`` with whole-number limits written out term by term, innermost first (what
    ``Sum.doit`` does, without its search for closed forms)."""

    def write(s: sp.Sum) -> sp.Expr:
        body = _write_out_sums(s.function)
        for k, lo, hi in reversed(s.limits):
            if not (lo.is_Integer and hi.is_Integer):
                return sp.Sum(body, *s.limits)
            body = sp.Add(*(body.xreplace({k: sp.Integer(v)}) for v in range(int(lo), int(hi) + 1)))
        return body

    return expr.replace(lambda e: isinstance(e, sp.Sum), write)


def _concrete_atoms(rules: LayerRules, cnet: Network, expr: sp.Expr) -> sp.Expr:
    """The indexed atoms of a rule as ``cnet``'s symbols (``cnet``: one sample's view)."""
    inet, letter = rules.indexed, str(rules.signal.label)
    mapping: dict[sp.Basic, sp.Basic] = {}
    for leaf in expr.atoms(sp.Indexed):
        idx = leaf.indices
        if not all(i.is_Integer for i in idx):
            raise NotRepresented(f"the layer rule keeps a symbolic index in {leaf}")
        mapping[leaf] = _atom(inet, cnet, leaf.base, [int(i) for i in idx], letter, rules)
    expr = expr.xreplace(mapping)
    return _concrete_functions(cnet, expr)


def _atom(
    inet: IndexedNetwork,
    cnet: Network,
    base: sp.IndexedBase,
    idx: list[int],
    letter: str,
    rules: LayerRules,
) -> sp.Expr:
    sizes = cnet.sizes
    try:
        if base == rules.signal:
            l, j = idx
            if not (1 <= l <= cnet.depth and 1 <= j <= sizes[l]):
                raise IndexError
            return signal_symbol(letter, l, j, cnet.sample)
        name = str(base.label)
        if name == "w" and 1 <= idx[0] <= cnet.depth:
            l, j, i = idx
            if 1 <= j <= sizes[l] and 1 <= i <= sizes[l - 1]:
                return cnet.w(l, j, i)
        elif name in ("b", "e") and len(idx) == 2 and 0 <= idx[0] <= cnet.depth:
            l, j = idx
            if 1 <= j <= sizes[l]:
                return cnet.x(j) if (name == "e" and l == 0) else getattr(cnet, name)(l, j)
        elif name in ("x", "t") and len(idx) == 1:
            width = sizes[0] if name == "x" else sizes[-1]
            if 1 <= idx[0] <= width:
                return getattr(cnet, name)(idx[0])
    except (IndexError, ValueError):
        pass
    raise NotRepresented(
        f"the layer rule reads {base}{idx}, which the {'-'.join(map(str, sizes))} network "
        "does not have"
    )


def _concrete_functions(cnet: Network, expr: sp.Expr) -> sp.Expr:
    """Layer functions ``f_a``, ``f_a'``, ``g_a`` of the general rules as the activations of
    ``cnet`` (``f_0(x_i)`` is the input ``x_i`` itself)."""
    if not expr.has(LayerF, LayerFprime, LayerG):
        return expr

    def act(a: sp.Expr) -> Any:
        if not (a.is_Integer and 1 <= int(a) <= cnet.depth):
            raise NotRepresented(f"the general rule reads the activation of layer {a}")
        found = cnet.activations[int(a) - 1]
        if found.is_vector:
            raise NotRepresented(
                f"the general rule reads layer {a}'s activation as one of a single neuron, but "
                f"it is {found.name} (it acts on the whole layer)"
            )
        return found

    def mapped(e: sp.Basic) -> sp.Expr:
        layer, arg = e.args
        if isinstance(e, LayerF):
            return arg if layer == 0 else act(layer)(arg)
        if isinstance(e, LayerFprime):
            return act(layer).derivative(arg)
        try:
            return act(layer).derivative_from_output(arg)
        except InputError as exc:
            raise NotRepresented(str(exc)) from None

    return expr.replace(lambda e: isinstance(e, LayerF | LayerFprime | LayerG), mapped)


def _covariant(rules: LayerRules, keys: Iterable[Any] | None = None) -> None:
    """A neuron index may occur only inside a network quantity's indices (and sum limits)."""
    inet = rules.indexed
    for key in rules.layers if keys is None else keys:
        indices = set(_indices(inet, key))
        exprs = [rules.signals[key], rules.weight_updates[key], rules.bias_updates[key]]
        exprs += [rules.weight_penalties.get(key), rules.bias_penalties.get(key)]
        for expr in (e for e in exprs if e is not None):
            bare = expr.replace(lambda x: isinstance(x, sp.Indexed), lambda x: sp.S.One)
            if bare.free_symbols & indices:
                raise NotRepresented(
                    f"convention {rules.convention.name!r} uses a neuron index as a value in "
                    f"{sp.sstr(expr)}"
                )
