r"""The instance prover: are two conventions' updates the same expression on a given network?

For every parameter the verdict is one of

- ``equal``: the difference of the two updates is reduced to exactly 0 by symbolic algebra;
- ``differs``: a counterexample shows it, certified on the two conventions' concrete rules (a
  point of rationals, and for generic activations concrete polynomial ones, where the two values
  provably differ);
- ``unknown``: neither was reached within the limits. Never rounded to either side.

Method ``"auto"`` first tries the verified layer identities (:mod:`~symbolic_bp.proof.layers`:
one identity per layer for a symbolic neuron, cost independent of the widths); where they
prove every parameter equal, that is the answer. On networks above
``Limits.layer_witness_parameters`` a layer whose identity fails is settled at once by one
certified counterexample for its first parameter (the verified layer rule treats every neuron
alike, so relabelling neurons carries it to every parameter of the layer). Otherwise, and for
recipes the identities cannot represent, the per-neuron prover
(:mod:`~symbolic_bp.proof.neurons`) decides parameter by parameter. ``"neurons"`` always uses
the per-neuron prover.

>>> from symbolic_bp.model.network import Network
>>> report = prove(Network.build([2, 2, 1]), "delta", "gradient")
>>> report.equivalent, report.counts()
(True, {'equal': 6, 'differs': 0, 'unknown': 0})
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..conventions import Convention, Gradient, get_convention, is_builtin
from ..errors import AbstractionError, InputError
from ..model.indexed import neuron_index
from ..model.network import Network
from ..verify import check_stateless
from .clock import Clock, TimeUp, deadline
from .conditions import find_conditions
from .layers import LayerChain, compare_layers
from .neurons import NeuronComparison, compare_neurons, gradient_crosscheck, settle_by_expansion
from .results import (
    DIFFERS,
    EQUAL,
    MIXED,
    UNKNOWN,
    Counterexample,
    LayerResult,
    Limits,
    ParameterResult,
    Report,
)
from .witnesses import WitnessSearch

__all__ = ["prove", "Progress"]

#: ``progress(layers_done, text)``: called after each layer and every 200 parameters
Progress = Callable[[int, str], None]


def prove(
    network: Network,
    a: str | Convention,
    b: str | Convention,
    limits: Limits | None = None,
    *,
    conditions: bool = True,
    progress: Progress | None = None,
    method: str = "auto",
) -> Report:
    """Prove or refute that conventions ``a`` and ``b`` give the same update for every
    parameter of ``network``.

    **Arguments:**

    - ``network``: a :class:`~symbolic_bp.model.network.Network` (generic activations give a
      proof for every differentiable activation).
    - ``a``, ``b``: conventions, by object or registered name.
    - ``limits``: see :class:`~symbolic_bp.proof.results.Limits`; ``limits.timeout`` is a
      wall-clock limit that also interrupts a long SymPy operation (what was settled by then
      is kept, the rest is ``unknown``).
    - ``conditions``: search for a sufficient condition of agreement when they differ.
    - ``progress``: ``progress(layers_done, text)`` after each layer (for a progress bar).
    - ``method``: ``"auto"`` (the verified layer identities first) or ``"neurons"``.

    **Returns:** a :class:`~symbolic_bp.proof.results.Report`; ``report.equivalent`` is
    ``True``, ``False`` or ``None``.
    """
    ca, cb = get_convention(a), get_convention(b)
    limits = limits or Limits()
    if ca.name == cb.name:
        raise InputError(f"--conventions names {ca.name!r} twice; give two different conventions")
    if method not in ("auto", "neurons"):
        raise InputError(f"method {method!r} is not one of auto, neurons")
    run = _InstanceProof(network, ca, cb, limits, progress)
    try:
        with deadline(limits.timeout, run.clock):
            try:
                run.execute(method)
                if conditions and run.differs():
                    run.search_conditions()
            except TimeUp:
                run.timed_out = True
    except TimeUp:  # the alarm rang as the work finished: nothing was lost
        pass
    return run.report()


class _InstanceProof:
    """The state of one instance proof: what is settled so far survives a time limit."""

    def __init__(
        self, net: Network, a: Convention, b: Convention, limits: Limits, progress: Progress | None
    ) -> None:
        self.net, self.a, self.b, self.limits = net, a, b, limits
        self.progress = progress
        self.clock = Clock(limits.timeout, limits.started, limits.reserve)
        self.rows: list[LayerResult] | None = None
        self.comparison = NeuronComparison()
        self.counterexample: Counterexample | None = None
        self.notes: list[str] = []
        self.conditions: list[str] = []
        self.conditions_searched = False
        self.timed_out = False
        self.chain: LayerChain | None = None

    # -- the two roads --------------------------------------------------------------------
    def execute(self, method: str) -> None:
        derived = [check_stateless(conv, self.net) for conv in (self.a, self.b)]
        if method == "auto":
            try:
                self.chain = compare_layers(self.net, self.a, self.b, derived)
            except AbstractionError as exc:
                self.notes.append(f"compared neuron by neuron: {exc}")
            if self.chain is not None and self.chain.complete():
                self.rows = _uniform_rows(self.net, EQUAL, "layer rules")
                self.notes.append(
                    "proven once per layer for a symbolic neuron index and symbolic widths "
                    f"(layer rules, checked against the per-neuron rules of {_checked(self.chain)}"
                    "), so every neuron of every width is covered"
                )
                self._report_progress(self.net.depth, "all layers by one identity each")
                return
            if (
                self.chain is not None
                and self.net.parameter_count > self.limits.layer_witness_parameters
            ):
                self._layer_at_a_time(self.chain)
                return
        if self.net.parameter_count > self.limits.neuron_parameters:
            self.rows = _uniform_rows(self.net, UNKNOWN, "too large for the per-neuron prover")
            self.notes.append(
                f"{self.net.parameter_count} parameters: the per-neuron prover (one rule per "
                f"parameter) is not run above {self.limits.neuron_parameters}, and the layer "
                "rules did not settle this network"
            )
            return
        self._per_neuron()

    def _per_neuron(self) -> None:
        net, limits, clock = self.net, self.limits, self.clock

        def show(l: int, done: int, total: int) -> None:
            self._report_progress(net.depth - l + (done == total), f"layer {l}: {done} of {total}")

        compare_neurons(net, self.a, self.b, limits, clock, self.comparison, show)
        results = self.comparison.results
        pending = [p for p in net.parameters() if results[p].status == UNKNOWN]
        if pending:
            search = WitnessSearch(net, self.a, self.b, clock)
            attempts = limits.counterexample_attempts * (3 if net.parameter_count <= 200 else 1)
            found = search.find([p.name for p in pending], attempts)
            for p in pending:
                if p.name in found:
                    results[p].status, results[p].method = DIFFERS, "counterexample"
            order = sorted(pending, key=lambda p: -results[p].layer)  # top layers read simplest
            self.counterexample = _first(found, [p.name for p in order])
        still = [p for p in net.parameters() if results[p].status == UNKNOWN]
        if still and net.parameter_count <= limits.full_expansion_parameters:
            settle_by_expansion(self.comparison, still, limits, clock)
        if any(isinstance(c, Gradient) for c in (self.a, self.b)):
            self.notes.append(gradient_crosscheck(net, limits))

    def _layer_at_a_time(self, chain: LayerChain) -> None:
        """Equal layers by identity; every other layer and kind by one certified counterexample
        for its first parameter, carried to the layer by relabelling neurons, or unknown."""
        net = self.net
        rows: dict[tuple[int, str], LayerResult] = {}
        open_: list[str] = []
        for l in range(net.depth, 0, -1):
            for kind in chain.kinds():
                name = f"w{l}_1_1" if kind == "w" else f"b{l}_1"
                count = _count(net, l, kind)
                diff = _representative_difference(chain, l, kind)
                if kind in chain.equal.get(l, set()):
                    rows[(l, kind)] = _row(l, kind, count, EQUAL, "layer rules", name)
                else:
                    rows[(l, kind)] = _row(l, kind, count, UNKNOWN, "not settled", name, diff)
                    open_.append(name)
        self.rows = [rows[key] for key in sorted(rows)]
        found = self._layer_witnesses(chain, open_)
        for row in rows.values():
            if row.representative in found:
                row.status, row.counts = DIFFERS, {EQUAL: 0, DIFFERS: row.count, UNKNOWN: 0}
                row.method = f"counterexample for {row.representative}, neurons relabelled"
        self.counterexample = _first(found, open_)
        self.notes.append(
            "large network: each layer was settled at once, from one identity for a symbolic "
            "neuron index (equal) or from one counterexample for its first parameter, certified "
            "(disjoint enclosures of the two exact values, computed from the layer rules, or on "
            "the concrete rules where the per-neuron search ran), which the relabelling of "
            "neurons carries to every parameter of the layer (differs); the layer rules were "
            f"checked against the per-neuron rules of {_checked(chain)} first"
        )

    def _layer_witnesses(self, chain: LayerChain, names: list[str]) -> dict[str, Counterexample]:
        """Counterexamples for the layers' representatives: from the layer rules at a compact
        point (cost linear in the widths) for built-in recipes; the per-neuron search for what
        that leaves open (or for a recipe of yours), on networks small enough for it."""
        # imported here: the layer path's vectorised evaluator loads NumPy (about 0.1 s), which
        # small networks, settled by the per-neuron prover, never need
        from .layer_values import NotEvaluable
        from .layer_witness import LayerWitness

        limits, found = self.limits, {}
        if chain.builtin and names:
            try:
                search = LayerWitness(chain, self.a, self.b, self.clock)
                found = search.find(names, limits.counterexample_attempts)
            except NotEvaluable as exc:
                self.notes.append(f"counterexamples searched neuron by neuron: {exc}")
        rest = [n for n in names if n not in found]
        if rest and self.net.parameter_count <= limits.neuron_witness_parameters:
            search_neurons = WitnessSearch(self.net, self.a, self.b, self.clock)
            found.update(search_neurons.find(rest, limits.counterexample_attempts))
        elif rest:
            self.notes.append(
                f"no counterexample from the layer rules for {', '.join(rest)}; the per-neuron "
                f"search is not run above {limits.neuron_witness_parameters} parameters"
            )
        if any("*" in name for c in found.values() for name in c.point):
            self.notes.append(
                "the counterexample's point is compact: w{l}_*_* gives every weight of layer l "
                "the same value, w{l}_{j}_* every weight into neuron j, w{l}_*_{i} every weight "
                "out of neuron i of layer l-1, b{l}_* every bias of layer l"
            )
        return found

    # -- after the verdicts -----------------------------------------------------------------
    def differs(self) -> bool:
        return any(r.status == DIFFERS for r in self._rows())

    def search_conditions(self) -> None:
        found = find_conditions(self.net, self.a, self.b, self.limits, self.clock, self.chain)
        self.conditions = found
        self.conditions_searched = True

    def report(self) -> Report:
        relations = self.chain.relations if self.chain is not None and self.rows is not None else []
        if self.rows is None:
            relations = self.comparison.relations
        notes = [*self.comparison.notes, *self.notes]
        if self.timed_out:
            notes.insert(
                0,
                f"time limit of {self.limits.timeout:g} s reached: what was not "
                "settled by then is unknown",
            )
        rows = self._rows()
        params = None if self.rows is not None else self._parameter_results()
        builtin = is_builtin(self.a) and is_builtin(self.b)
        if not builtin and self.net.is_generic:
            notes.append(
                "for the generic activations f_l: a recipe that is not built in may branch on the "
                "activation, so for a concrete one prove on that network"
            )
        report = Report(
            self.net,
            (self.a.name, self.b.name),
            rows,
            self.counterexample,
            self.conditions,
            relations,
            notes,
            self.clock.elapsed,
            self.conditions_searched,
            params,
            builtin,
            self.timed_out,
        )
        return report

    def _rows(self) -> list[LayerResult]:
        if self.rows is None and not self.comparison.results:
            # nothing settled (a time limit before either road got anywhere)
            self.rows = _uniform_rows(self.net, UNKNOWN, "time limit" if self.timed_out else "")
        if self.rows is not None:
            if self.timed_out:
                for row in self.rows:
                    if row.status == UNKNOWN:
                        row.method = "time limit"
            return self.rows
        return _rows_from_parameters(self.net, self._parameter_results())

    def _parameter_results(self) -> list[ParameterResult]:
        results = self.comparison.results
        out = []
        for l in range(1, self.net.depth + 1):
            for p in self.net.layer_parameters(l):
                r = results.get(p)
                if r is None:
                    r = ParameterResult(p.name, l, UNKNOWN)
                if r.status == UNKNOWN and r.method in ("", "not settled"):
                    r.method = "time limit" if self.timed_out else "not settled"
                out.append(r)
        return out

    def _report_progress(self, done: int, text: str) -> None:
        if self.progress is not None:
            self.progress(done, text)


def _checked(chain: LayerChain) -> str:
    """Where the layer rules were checked (:func:`~symbolic_bp.verify.verification_networks`)."""
    if chain.builtin:
        return "small networks of the same shape"
    return "this network at every parameter: a recipe that is not built in may branch on a neuron"


def _first(found: dict[str, Counterexample], order: list[str]) -> Counterexample | None:
    """The witness to show: of the highest layer (simplest to read)."""
    return next((found[name] for name in order if name in found), None)


def _count(net: Network, l: int, kind: str) -> int:
    return net.sizes[l] * (net.sizes[l - 1] if kind == "w" else 1)


def _row(
    l: int, kind: str, count: int, status: str, method: str, name: str, diff: sp.Expr | None = None
) -> LayerResult:
    counts = {EQUAL: 0, DIFFERS: 0, UNKNOWN: 0}
    counts[status] = count
    return LayerResult(l, kind, count, status, counts, method, None, diff, name)


def _uniform_rows(net: Network, status: str, method: str) -> list[LayerResult]:
    kinds = ("w", "b") if net.bias else ("w",)
    return [
        _row(
            l,
            kind,
            _count(net, l, kind),
            status,
            method,
            f"{kind}{l}_1" + ("_1" if kind == "w" else ""),
        )
        for l in range(1, net.depth + 1)
        for kind in kinds
    ]


def _representative_difference(chain: LayerChain, l: int, kind: str) -> sp.Expr | None:
    diff = chain.differences.get((l, kind))
    if diff is None:
        return None
    sign = -1 if chain.swapped else 1  # reported as Delta_B - Delta_A at neurons j = i = 1
    return sign * diff.xreplace({neuron_index(l): 1, neuron_index(l - 1): 1})


def _rows_from_parameters(net: Network, results: list[ParameterResult]) -> list[LayerResult]:
    rows: list[LayerResult] = []
    by_key: dict[tuple[int, str], list[ParameterResult]] = {}
    for r in results:
        by_key.setdefault((r.layer, "w" if r.name[0] == "w" else "b"), []).append(r)
    for (l, kind), rs in sorted(by_key.items()):
        counts = {EQUAL: 0, DIFFERS: 0, UNKNOWN: 0}
        for r in rs:
            counts[r.status] += 1
        statuses = {r.status for r in rs}
        status = statuses.pop() if len(statuses) == 1 else MIXED
        first = next((r for r in rs if r.status != EQUAL), rs[0])
        methods = sorted({r.method for r in rs})
        rows.append(
            LayerResult(
                l,
                kind,
                len(rs),
                status,
                counts,
                ", ".join(methods),
                None,
                first.raw_difference,
                first.name,
            )
        )
    return rows
