"""Prover soundness under attack: a mutation suite of broken recipes.

Every mutant is a built-in recipe with one deliberate fault (a dropped or duplicated factor, a
wrong index, the wrong layer's derivative, a sign flip, an off-by-one sum, a wrong constant in
the loss's signal, a wrong bias input). The prover must refute each with a counterexample that
the test re-evaluates independently (sympy.diff of the whole expanded loss), and never call one
"equal".
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sympy as sp

from symbolic_bp import Convention, Network, get_convention, prove, register, unregister
from symbolic_bp.proof import EQUAL

from .test_prove import check_report_against_oracle

NET = Network.build([2, 2, 2, 2], "generic", bias=True)
#: the same faults under a softmax output with the categorical cross-entropy (issue 14)
SOFTMAX_NET = Network.build(
    [2, 2, 2, 3], "generic,generic,softmax", "categorical_cross_entropy", bias=True
)


class Mutant(Convention):
    """``base`` with one hook's result transformed by ``fault``."""

    def __init__(self, base: str, fault: str, where: str, fn: Callable) -> None:
        self.base = get_convention(base)
        self.name = f"mutant_{base}_{fault}"
        self.letter = self.base.letter
        self.where, self.fn = where, fn

    def layer_signals(self, net, l, upstream):
        if self.where == "upstream" and upstream is not None:
            upstream = self.fn(net, l, list(upstream))
        signals = self.base.layer_signals(net, l, upstream)
        if (self.where == "output" and upstream is None) or (
            self.where == "hidden" and upstream is not None
        ):
            return [self.fn(net, l, j, s) for j, s in zip(net.neurons(l), signals, strict=True)]
        return signals

    def layer_updates(self, net, l, signals):
        updates = self.base.layer_updates(net, l, signals)
        if self.where == "update":
            return {p: self.fn(net, l, p, u) for p, u in updates.items()}
        if self.where == "bias":
            # Delta b = (...) * 1 becomes (...) * y^{l-1}_1
            return {
                p: u * net.y(l - 1, 1) if p.name.startswith("b") else u for p, u in updates.items()
            }
        return updates


FAULTS = {
    # a wrong constant in the loss's output signal, or a sign flip there
    "output_times_2": ("output", lambda net, l, j, s: 2 * s),
    "output_halved": ("output", lambda net, l, j, s: s / 2),
    "output_sign": ("output", lambda net, l, j, s: -s),
    # a duplicated derivative factor, a sign flip, a 0.1 % error in the signal sent back
    "hidden_extra_derivative": ("hidden", lambda net, l, j, s: s * net.fprime(l, j)),
    "hidden_sign": ("hidden", lambda net, l, j, s: -s),
    "hidden_tiny": ("hidden", lambda net, l, j, s: s * sp.Rational(1001, 1000)),
    # the wrong layer's derivative multiplied in
    "hidden_upper_derivative": ("hidden", lambda net, l, j, s: s * net.fprime(l + 1, 1)),
    # wrong indices in the sum over the layer above: swapped, or the last one dropped
    "upstream_swapped": ("upstream", lambda net, l, up: up[::-1]),
    "upstream_off_by_one": ("upstream", lambda net, l, up: [*up[:-1], sp.S.Zero]),
    "upstream_duplicated": ("upstream", lambda net, l, up: [up[0]] * len(up)),
    # updates: a dropped or duplicated factor, a sign flip, a tiny error
    "update_sign": ("update", lambda net, l, p, u: -u),
    "update_double": ("update", lambda net, l, p, u: 2 * u),
    "update_tiny": ("update", lambda net, l, p, u: u * sp.Rational(999, 1000)),
    "update_extra_derivative": (
        "update",
        lambda net, l, p, u: u * net.fprime(l, net.locate(p.name)[1]),
    ),
    # the bias treated as a weight on the first input instead of a constant 1
    "bias_input": ("bias", None),
}

BASES = ["delta", "matrix", "error_at_update_consistent", "gradient"]
MUTANTS = [pytest.param(base, fault, id=f"{base}-{fault}") for base in BASES for fault in FAULTS]
#: five kinds of fault on delta in the default run, the rest in the slow one
SOFTMAX_DEFAULT = {"output_halved", "hidden_tiny", "upstream_swapped", "update_tiny", "bias_input"}
SOFTMAX_MUTANTS = [
    pytest.param(
        base,
        fault,
        id=f"softmax-{base}-{fault}",
        marks=() if base == "delta" and fault in SOFTMAX_DEFAULT else (pytest.mark.slow,),
    )
    for base in BASES
    for fault in FAULTS
]


def test_there_are_at_least_fifty_mutants():
    assert len(MUTANTS) >= 50


def refute(net: Network, base: str, fault: str) -> None:
    where, fn = FAULTS[fault]
    mutant = Mutant(base, fault, where, fn)
    register(mutant, replace=True)
    try:
        report = prove(net, mutant, "gradient", conditions=False)
        assert report.equivalent is False, "a broken recipe was not refuted"
        assert not all(r.status == EQUAL for r in report.parameters)
        check_report_against_oracle(net, mutant.name, report)
    finally:
        unregister(mutant.name)


@pytest.mark.parametrize("base,fault", MUTANTS)
def test_prover_refutes_mutant(base, fault):
    refute(NET, base, fault)


@pytest.mark.parametrize("base,fault", SOFTMAX_MUTANTS)
def test_prover_refutes_mutant_under_softmax(base, fault):
    refute(SOFTMAX_NET, base, fault)
