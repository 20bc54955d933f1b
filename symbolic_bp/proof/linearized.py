r"""Conditions of agreement decided on the layer identities already verified.

A candidate condition says that the layers of a set ``S`` are linear: ``f_l' = 1`` for
``l`` in ``S``. Proving it from scratch means a whole proof on the modified network (its layer
rules derived and checked against per-neuron rules again) for every candidate, so a search over
the depth costs depth times a proof. Here the candidate is *substituted* into the layer rules
that :func:`~symbolic_bp.proof.layers.compare_layers` derived and verified for the network
itself: every atom ``f_l'(a)`` with ``l`` in ``S`` becomes 1, and the chain of identities

.. math:: s_B[l, j] = c_l(j)\, s_A[l, j], \qquad \Delta_B = \Delta_A \text{ at layer } l

is run again from the output layer down, each layer's identity reduced to exactly 0 by the
same zero test. A layer's step reads only its own rules (and the factor of the layer above), so
it is remembered by what it reads: the layer, the layers of ``S`` whose derivative occurs in
its rules, and the incoming factor. Candidates that agree on those share the work, and a scan
over the top layers ``{s..L}`` costs about one chain, not one per candidate.

It decides only what it can represent, and returns ``None`` otherwise (the caller then proves
the candidate the old way): both recipes built in (their code reaches an activation only
through ``f`` and ``f'``, so the rules of the linear network are the substituted ones), generic
activations in the layers of ``S`` (``f_l'`` an undefined function; a concrete layer's linear
version, the identity, also changes ``f`` itself), no vector activation (softmax), and rules
free of unevaluated derivatives. A condition the substitution proves is then confirmed
(:meth:`LinearizedLayers.confirm`) by running both recipes on the symbolic network with the
layers of ``S`` linear: their layer rules must be the substituted ones, exactly.

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.conventions import get_convention
>>> from symbolic_bp.proof.layers import compare_layers
>>> net = Network.build([4, 4, 4, 4, 1])
>>> chain = compare_layers(net, get_convention("error_at_update"), get_convention("gradient"))
>>> lin = LinearizedLayers(chain)
>>> lin.holds((2, 3, 4)), lin.holds((3, 4)), lin.confirm((2, 3, 4))
(True, False, True)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

import sympy as sp

from ..derive import LayerRules, layer_rules
from ..errors import AbstractionError, InputError
from ..model.activations import generic
from ..model.indexed import neuron_index
from ..model.lemma import normal_form
from ..parsing import X
from .layers import LayerChain, chain_zero, compare_updates, layer_factor, lift_signal

__all__ = ["LinearizedLayers"]


def _exprs(rules: LayerRules, l: int) -> list[sp.Expr]:
    """Everything a chain step reads of layer ``l``'s rules."""
    out = [rules.signals[l], rules.weight_updates[l], rules.bias_updates[l]]
    out += [rules.weight_penalties.get(l), rules.bias_penalties.get(l)]
    return [sp.sympify(e) for e in out if e is not None]


class LinearizedLayers:
    """The verified layer rules of ``chain`` under conditions "``f_l' = 1`` for ``l`` in S".

    ``usable`` says whether the substitution stands for the recipes at all (see the module
    docstring); :meth:`holds` returns ``None`` for a set it cannot represent."""

    def __init__(self, chain: LayerChain) -> None:
        net = self.net = chain.network
        first = chain.rules[::-1] if chain.swapped else chain.rules
        self.rules = first
        self.orientations = (first, first[::-1])  # as compare_layers tries them
        self.kinds = set(chain.kinds())
        self.usable = (
            chain.builtin
            and not any(a.is_vector for a in net.activations)
            and not any(
                e.has(sp.Derivative, sp.Subs)
                for r in first
                for l in range(1, net.depth + 1)
                for e in _exprs(r, l)
            )
        )
        self.normal = normal_form(net.activations)
        self.zero = {id(r): chain_zero(net, r) for r in first}
        # the derivative atoms of each layer's rules, by the generic layer they belong to
        self.heads = {
            type(generic(l).derivative(X)): l
            for l, act in enumerate(net.activations, 1)
            if act == generic(l)
        }
        self.atoms: dict[tuple[int, int], dict[sp.Basic, int]] = {}
        self._subs: dict[tuple[int, int, frozenset[int]], LayerRules] = {}
        self._steps: dict[tuple[Any, ...], tuple[sp.Expr | None, bool]] = {}

    def _layer_atoms(self, r: int, l: int) -> dict[sp.Basic, int]:
        key = (r, l)
        if key not in self.atoms:
            found: dict[sp.Basic, int] = {}
            for e in _exprs(self.rules[r], l):
                for atom in e.atoms(sp.Function):
                    if type(atom) in self.heads:
                        found[atom] = self.heads[type(atom)]
            self.atoms[key] = found
        return self.atoms[key]

    def _substituted(self, r: int, l: int, linear: frozenset[int]) -> LayerRules:
        """Layer ``l`` of rules ``r`` with ``f_m'(a) = 1`` for ``m`` in ``linear``."""
        key = (r, l, linear)
        if key not in self._subs:
            rules = self.rules[r]
            sub = {a: sp.S.One for a, m in self._layer_atoms(r, l).items() if m in linear}

            def put(e: Any) -> Any:
                return e if e is None or not sub else sp.sympify(e).xreplace(sub)

            self._subs[key] = replace(
                rules,
                signals={l: put(rules.signals[l])},
                weight_updates={l: put(rules.weight_updates[l])},
                bias_updates={l: put(rules.bias_updates[l])},
                weight_penalties={l: put(rules.weight_penalties.get(l))},
                bias_penalties={l: put(rules.bias_penalties.get(l))},
            )
        return self._subs[key]

    def holds(self, linear: Collection[int]) -> bool | None:
        """Whether the layer identities prove every parameter equal with the layers of
        ``linear`` linear (``False``: not proven); ``None`` when the substitution cannot
        represent that condition."""
        S = frozenset(linear)
        if not self.usable or not S or not all(generic(l) == self._act(l) for l in S):
            return None
        for orient in (0, 1):
            if self._chain_complete(orient, S):
                return True
        return False

    def _act(self, l: int) -> Any:
        return self.net.activations[l - 1] if 1 <= l <= self.net.depth else None

    def _chain_complete(self, orient: int, S: frozenset[int]) -> bool:
        ia, ib = (0, 1) if orient == 0 else (1, 0)
        c_up: sp.Expr | None = None
        for l in range(self.net.depth, 0, -1):
            rel = set(self._layer_atoms(ia, l).values()) | set(self._layer_atoms(ib, l).values())
            key = (orient, l, S & frozenset(rel), c_up)
            if key not in self._steps:
                self._steps[key] = self._step(ia, ib, l, S & frozenset(rel), c_up)
            c_up, ok = self._steps[key]
            if c_up is None or not ok:
                return False
        return True

    def _step(
        self, ia: int, ib: int, l: int, S: frozenset[int], c_up: sp.Expr | None
    ) -> tuple[sp.Expr | None, bool]:
        """One layer of :func:`~symbolic_bp.proof.layers.compare_layers`'s chain on the
        substituted rules: the factor ``c_l`` (or ``None``) and whether every update kind of
        the layer is then equal."""
        net = self.net
        ra, rb = self._substituted(ia, l, S), self._substituted(ib, l, S)
        A, B = ra.signal, rb.signal
        zero = self.zero[id(self.rules[ia])]
        sa, sb = ra.signals[l], rb.signals[l]
        if l < net.depth:
            sb = lift_signal(sb, B, A, l, c_up)
        c = None
        if c_up is not None and c_up.is_Number and c_up != 1 and zero(sb - c_up * sa):
            c = c_up  # a constant factor carried on (the usual case below linear layers)
        if c is None:
            c = layer_factor(sa, sb, ra, rb, zero, net, self.normal)
        if c is None:
            return None, False
        scratch = LayerChain(net, (ra, rb))
        compare_updates(scratch, l, ra, rb, {B: c * A[l, neuron_index(l)]}, zero, self.normal)
        return c, scratch.equal[l] == self.kinds

    def confirm(self, linear: Collection[int]) -> bool:
        """Both recipes run on the symbolic network with the layers of ``linear`` linear give
        exactly the substituted rules (every layer, signal, update and penalty)."""
        S = frozenset(linear)
        net = self.net
        acts = [a.linearized() if l in S else a for l, a in enumerate(net.activations, 1)]
        lin = net.with_activations(acts)
        back = {type(generic(l).linearized().expr): type(generic(l).expr) for l in S}
        for r, rules in enumerate(self.rules):
            try:
                fresh = layer_rules(lin, rules.convention, letter=str(rules.signal.label))
            except (AbstractionError, InputError):
                return False
            if fresh.scale != rules.scale or set(fresh.layers) != set(rules.layers):
                return False
            for l in range(1, net.depth + 1):
                want = _exprs(self._substituted(r, l, S), l)
                got = [
                    e.replace(lambda x: type(x) in back, lambda x: back[type(x)](*x.args))
                    for e in _exprs(fresh, l)
                ]
                if len(got) != len(want) or any(
                    g != w and not self.zero[id(rules)](g - w)
                    for g, w in zip(got, want, strict=True)
                ):
                    return False
        return True
