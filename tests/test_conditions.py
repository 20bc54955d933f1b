"""The condition search on deep networks: a guess from a shallow network, then proofs on the
network itself (symbolic_bp/proof/conditions.py).

The reference is the plain scan the search replaced (the top layers ``{s..L}`` for ``s = L,
L-1, ..., 1``, each proven with ``all_equal``, the first that holds); the guess may only make
the search cheaper, never change its answer. The reported condition is also checked against
the independent oracle of the soundness tests (tests/soundness_oracle.py): with those layers
linear every parameter is equal, and with one layer fewer some parameter differs.
"""

from __future__ import annotations

import pytest

import symbolic_bp as sbp
from symbolic_bp.conventions import get_convention
from symbolic_bp.proof.clock import Clock
from symbolic_bp.proof.conditions import all_equal, condition_text, find_conditions
from symbolic_bp.proof.results import Limits
from tests.soundness_oracle import Oracle

ORACLE = Oracle()


class DeltaBelowAghAbove(sbp.Delta):
    """Deltas in layers 1 and 2, the AGH recipe's raw errors above: the shallow network the
    search guesses from has a different top (its layer 3 is the real network's layer L-1), so
    the guess is wrong and the search must walk down from it."""

    name = "cond_delta_below_agh_above"
    letter = "q"

    def hidden_signal(self, net, l, j, upstream):
        error = net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k])
        return error * net.fprime(l, j) if l < 3 else error

    def update(self, net, l, j, inp, signal):
        factor = 1 if l < 3 else net.fprime(l, j)
        return net.eta * signal * factor * inp


def reference(net: sbp.Network, a: str, b: str) -> int | None:
    """The plain scan: the largest ``s`` with layers ``s..L`` linear proven equal."""
    ca, cb = get_convention(a), get_convention(b)
    for s in range(net.depth, 0, -1):
        acts = [act.linearized() if l >= s else act for l, act in enumerate(net.activations, 1)]
        if all_equal(net.with_activations(acts), ca, cb, Limits(), Clock(None)):
            return s
    return None


def identity_from(net: sbp.Network, s: int) -> sbp.Network:
    """``net`` with the identity in layers ``s..L`` (for the oracle: one activation with
    derivative 1; the oracle writes generic layers with its own undefined functions)."""
    acts = ["identity" if l >= s else act for l, act in enumerate(net.activations, 1)]
    return sbp.Network.build(net.sizes, acts, net.loss, net.bias)


CASES = [
    pytest.param([2, 2, 2, 2, 2, 1], "generic", "error_at_update", "gradient", id="agh-grad-5"),
    pytest.param([2, 2, 2, 2, 2, 1], "generic", "error_at_update", "delta", id="agh-delta-5"),
    pytest.param(
        [2, 2, 2, 2, 2, 2, 1],
        "generic",
        DeltaBelowAghAbove.name,
        "delta",
        id="wrong-guess-6",
    ),
    pytest.param(
        [2, 2, 2, 2, 2, 1],
        "sigmoid",
        "error_at_update",
        "gradient",
        id="agh-sigmoid-5",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        [2, 2, 2, 2, 2, 1], "generic", "inplace", "delta", id="inplace-5", marks=pytest.mark.slow
    ),
]


@pytest.fixture(autouse=True)
def _registered():
    if DeltaBelowAghAbove.name not in sbp.CONVENTIONS:
        sbp.register(DeltaBelowAghAbove())


@pytest.mark.parametrize(("sizes", "act", "a", "b"), CASES)
def test_deep_condition_is_the_plain_scans_and_the_oracles(sizes, act, a, b):
    net = sbp.Network.build(sizes, act)
    limits = Limits(condition_layers=4)
    found = find_conditions(net, get_convention(a), get_convention(b), limits, Clock(None))
    want = reference(net, a, b)
    expected = [] if want is None else [condition_text(net, tuple(range(want, net.depth + 1)))]
    assert found == expected
    if want is None:
        return
    # the oracle (recipes passed as objects: its cache keys on activation names): with the
    # identity in layers want..L every parameter is equal, and with one layer fewer not
    ca, cb = get_convention(a), get_convention(b)
    assert ORACLE.verdicts(identity_from(net, want), a, b, ca, cb).overall() == "equal"
    if want < net.depth:
        fewer = ORACLE.verdicts(identity_from(net, want + 1), a, b, ca, cb).overall()
        assert fewer != "equal"


def test_a_long_run_of_layers_reads_as_a_range():
    net = sbp.Network.build([2] * 8)
    assert condition_text(net, (2, 3, 4, 5, 6, 7)).startswith("f_m' = 1 for m = 2..7 ")
    assert condition_text(net, (2, 3)).startswith("f_2' = 1 and f_3' = 1 ")
    sig = sbp.Network.build([2] * 8, "sigmoid")
    assert condition_text(sig, (3, 4, 5)).endswith("instead of sigmoid")
