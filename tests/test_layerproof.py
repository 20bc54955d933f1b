"""The prover's per-layer fast path: the same verdicts as the per-parameter prover (itself
checked against sympy.diff of the whole loss in test_prove.py), never fooled by a recipe that
breaks the symmetry it relies on, and fast on MNIST-sized networks."""

from __future__ import annotations

import itertools
import json

import pytest

from symbolic_bp import (
    AbstractionError,
    Delta,
    Network,
    get_convention,
    prove,
    register,
    unregister,
)
from symbolic_bp.conventions import CONVENTIONS
from symbolic_bp.proof import Limits
from symbolic_bp.proof.layers import compare_layers

from .oracles import concrete, differ, expanded_values, rational_point
from .test_cli import run
from .test_prove import check_report_against_oracle

#: settle every layer at once even on small networks (the large-network path, tested small)
LAYERWISE = Limits(layer_witness_parameters=0)

NETS = [
    pytest.param([2, 3, 2, 1], "generic", False, id="agh-generic"),
    pytest.param([3, 2, 2], "sigmoid", True, id="3-2-2-sigmoid-bias", marks=pytest.mark.slow),
    pytest.param([2, 2, 2, 1], "tanh,relu,sigmoid", True, id="mixed-bias", marks=pytest.mark.slow),
    pytest.param(
        [2, 2, 1], "softplus,identity", True, id="softplus-identity", marks=pytest.mark.slow
    ),
    pytest.param([2, 2, 1], "sigmoid", False, id="sigmoid-no-bias", marks=pytest.mark.slow),
]


def _pairs(act: str):
    names = [n for n in CONVENTIONS if not (n == "output_derivative" and act == "generic")]
    return list(itertools.combinations(names, 2))


@pytest.mark.parametrize("sizes,act,bias", NETS)
def test_fast_path_gives_the_per_parameter_verdicts(sizes, act, bias):
    """For every pair of conventions: prove(method="auto") (fast path first) and
    prove(method="neurons") agree on every parameter's status."""
    net = Network.build(sizes, act, bias=bias)
    used = 0
    for a, b in _pairs(act):
        auto = prove(net, a, b, conditions=False)
        neurons = prove(net, a, b, conditions=False, method="neurons")
        assert [r.status for r in auto.parameters] == [r.status for r in neurons.parameters], (
            a,
            b,
        )
        used += all(r.method == "layer rules" for r in auto.parameters)
    assert used >= 10  # the fast path did the work for the equal pairs


def fast_path_proves_equal(net, a, b) -> bool:
    """Whether the verified layer identities alone prove every parameter equal."""
    try:
        return compare_layers(net, get_convention(a), get_convention(b)).complete()
    except AbstractionError:
        return False


@pytest.mark.parametrize("a,b", [("delta", "gradient"), ("matrix", "delta_flipped")])
def test_fast_equal_is_confirmed_by_expansion(a, b):
    """Independently of both provers: the expanded rules agree at exact rational points."""
    net = Network.build([2, 3, 2], "generic", bias=True)
    assert fast_path_proves_equal(net, a, b)
    for seed in (1, 2):
        cnet = concrete(net, seed)
        point = rational_point(cnet, seed)
        va, vb = expanded_values(cnet, a, point), expanded_values(cnet, b, point)
        assert not any(differ(va[p], vb[p]) for p in cnet.parameters())


def test_uniformity_is_checked_not_declared():
    """A subclass that changes nothing is proven by the fast path without declaring anything;
    one that declares itself uniform and is not is refused by the check of its layer rules."""

    class Mine(Delta):
        name = "mine_test"

    class Declared(Delta):
        name = "declared_test"
        uniform = True

        def hidden_signal(self, net, l, j, upstream):
            s = super().hidden_signal(net, l, j, upstream)
            return 2 * s if j == 1 else s

    net = Network.build([2, 3, 2, 1])
    assert fast_path_proves_equal(net, Mine(), "delta")
    assert not fast_path_proves_equal(net, Declared(), "delta")


class _FirstNeuronHalved(Delta):
    """A recipe that treats neuron 1 of every hidden layer differently (not uniform)."""

    name = "first_halved_test"

    def hidden_signal(self, net, l, j, upstream):
        signal = super().hidden_signal(net, l, j, upstream)
        return signal / 2 if j == 1 else signal


class _HalvedDeclared(Delta):
    """Declares itself uniform, and is wrong everywhere: must be refuted, not waved through."""

    name = "halved_declared_test"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        return super().hidden_signal(net, l, j, upstream) / 2


@pytest.mark.parametrize("recipe", [_FirstNeuronHalved, _HalvedDeclared])
def test_wrong_recipes_are_refuted(recipe):
    register(recipe(), replace=True)
    try:
        net = Network.build([2, 3, 2, 1], "generic")
        assert not fast_path_proves_equal(net, recipe.name, "gradient")
        report = prove(net, recipe.name, "gradient", conditions=False)
        assert report.equivalent is False and report.counterexample is not None
        wrong = {r.name for r in report.parameters if r.status == "differs"}
        if recipe is _FirstNeuronHalved:  # only what reads neuron 1's halved signal
            assert "w2_1_1" in wrong and "w2_2_1" not in wrong
        else:
            assert {"w2_1_1", "w2_2_1", "w1_1_1"} <= wrong
    finally:
        unregister(recipe.name)


def test_mnist_sized_network_proven_from_the_command_line():
    """The issue's acceptance command: every one of 101,632 parameters proven equal (listed
    one by one on request; the per-layer rows always)."""
    res = run(
        "prove", "--layers", "784,128,10", "--activation", "sigmoid",
        "--conventions", "delta,gradient", "--json", "--parameters", "all",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["equivalent"] is True and len(data["parameters"]) == 784 * 128 + 128 * 10
    assert [(r["layer"], r["count"], r["status"]) for r in data["layers"]] == [
        (1, 784 * 128, "equal"),
        (2, 128 * 10, "equal"),
    ]
    assert {p["status"] for p in data["parameters"]} == {"equal"}
    assert res.stderr == ""  # no progress bar when stderr is not a terminal


@pytest.mark.parametrize("sizes,act,bias", NETS)
def test_layer_at_a_time_path_gives_the_per_parameter_verdicts(sizes, act, bias):
    """The large-network path (equal layers by identity, differing layers by one certified
    counterexample and relabelled neurons), forced on small networks, gives exactly the
    per-parameter prover's verdict for every parameter and every pair of conventions."""
    net = Network.build(sizes, act, bias=bias)
    for a, b in _pairs(act):
        layerwise = prove(net, a, b, LAYERWISE, conditions=False)
        neurons = prove(net, a, b, conditions=False, method="neurons")
        assert [r.status for r in layerwise.parameters] == [r.status for r in neurons.parameters], (
            a,
            b,
        )


@pytest.mark.parametrize("conv", ["error_at_update", "inplace", "error_at_update_flipped"])
@pytest.mark.parametrize(
    "sizes,act", [([2, 3, 2, 1], "generic"), ([3, 4, 2], "sigmoid,tanh")], ids=["agh", "3-4-2"]
)
def test_layer_witness_is_certified_independently(conv, sizes, act):
    """The counterexample of the large-network path refutes, checked against sympy.diff of the
    whole expanded loss at its point, and its enclosures contain the exact values."""
    net = Network.build(sizes, act, bias=True)
    report = prove(net, conv, "gradient", LAYERWISE, conditions=False)
    assert report.equivalent is False
    assert all(
        r.method.endswith("neurons relabelled") for r in report.parameters if r.status == "differs"
    )
    check_report_against_oracle(net, conv, report)


def test_mnist_sized_differing_pair_from_the_command_line():
    res = run(
        "prove", "--layers", "784,128,10", "--activation", "sigmoid",
        "--conventions", "error_at_update,gradient", "--json", "--parameters", "all",
    )  # fmt: skip
    assert res.returncode == 1, res.stderr
    data = json.loads(res.stdout)
    statuses = [p["status"] for p in data["parameters"]]
    assert statuses.count("equal") == 128 * 10 and statuses.count("differs") == 784 * 128
    ce = data["counterexample"]
    # above 10,000 parameters the point is compact: w1_*_* is every weight of layer 1
    assert ce["parameter"] == "w1_1_1" and len(ce["point"]) == 784 + 10 + 2 + 1
    assert "w1_*_*" in ce["point"] and "w2_*_*" in ce["point"]
    assert data["conditions"] == [
        "layer 2 linear: the identity (derivative identically 1) instead of sigmoid"
    ]
