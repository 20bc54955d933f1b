"""Counterexamples from the layer rules (issue 17: cost linear in width), checked independently.

- the float64 boxes against mpmath at 60 digits (every box must contain the exact result);
- witnesses of the layer path against ``sympy.diff`` of the whole loss and the convention's
  expanded per-neuron rules at the reported point, in exact rationals (tests/test_prove.py's
  oracle), on small networks: generic, concrete activations, biases, cross-entropy, softmax;
- a compact point (``w2_*_*``) written out and checked the same way;
- a wide network's witness against a hand-written exact backward pass (Python integers);
- recipes that are not built in never reach the layer path; an equal pair gets no witness.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from symbolic_bp import InputError, Network, prove
from symbolic_bp.boxes import Box, exp, leaky, log, relu, relu_step, tanh
from symbolic_bp.conventions import get_convention
from symbolic_bp.intervals import Undecided
from symbolic_bp.proof import Limits
from symbolic_bp.proof import instance as instance_module
from symbolic_bp.proof import layer_witness as layer_witness_module
from symbolic_bp.proof.layer_witness import LayerWitness, full_point, layer_point
from symbolic_bp.proof.layers import compare_layers
from tests.hostile_recipes import TwiceEta
from tests.test_prove import check_report_against_oracle

LAYERWISE = Limits(layer_witness_parameters=0)


# ------------------------------------------------------------------------------ boxes


def _contains(box: Box, exact: list) -> None:
    for lo, hi, want in zip(box.lo.ravel(), box.hi.ravel(), exact, strict=True):
        assert mpmath.mpf(float(lo)) <= want <= mpmath.mpf(float(hi)), (lo, want, hi)


@pytest.fixture
def samples() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    a = rng.normal(size=200) * np.exp(rng.uniform(-20, 20, size=200))
    b = rng.normal(size=200) * np.exp(rng.uniform(-20, 20, size=200))
    return a, b


def test_arithmetic_boxes_contain_the_exact_results(samples):
    a, b = samples
    A, B = Box.point(a), Box.point(b)
    with mpmath.workdps(60):
        ma, mb = [mpmath.mpf(float(v)) for v in a], [mpmath.mpf(float(v)) for v in b]
        _contains(A + B, [x + y for x, y in zip(ma, mb, strict=True)])
        _contains(A - B, [x - y for x, y in zip(ma, mb, strict=True)])
        _contains(A * B, [x * y for x, y in zip(ma, mb, strict=True)])
        _contains(A / B, [x / y for x, y in zip(ma, mb, strict=True)])
        _contains(A**3, [x**3 for x in ma])
        _contains(A**-2, [x**-2 for x in ma])
        _contains(
            Box.point(a.reshape(20, 10)).sum(1), [sum(ma[10 * r : 10 * r + 10]) for r in range(20)]
        )


def test_elementary_functions_contain_the_exact_values():
    x = np.linspace(-30, 30, 241)
    X = Box.point(x)
    with mpmath.workdps(60):
        mx = [mpmath.mpf(float(v)) for v in x]
        _contains(exp(X), [mpmath.exp(v) for v in mx])
        _contains(tanh(X), [mpmath.tanh(v) for v in mx])
        _contains(log(exp(X)), [v for v in mx])  # log of an enclosure of exp(x) holds x
        _contains(relu(X), [max(v, 0) for v in mx])
        _contains(relu_step(X), [1 if v > 0 else 0 for v in mx])
        _contains(leaky(X, 0.01), [v if v > 0 else mpmath.mpf(0.01) * v for v in mx])


def test_boxes_refuse_what_they_cannot_enclose():
    with pytest.raises(Undecided):
        exp(Box.point(np.array([800.0])))
    with pytest.raises(Undecided):
        Box.point(np.array([1.0])) / Box(np.array([-1.0]), np.array([1.0]))
    with pytest.raises(Undecided):
        log(Box.point(np.array([0.0])))
    third = Box.of(Fraction(1, 3))  # not a float: one ulp either side
    assert third.lo < 1 / 3 < third.hi or third.lo <= Fraction(1, 3) <= third.hi
    assert Fraction(float(third.lo)) < Fraction(1, 3) < Fraction(float(third.hi))


# ----------------------------------------------------------------- small networks, exact


CASES = [
    pytest.param([2, 3, 2, 1], "generic", "half_sse", "error_at_update", id="agh-generic"),
    pytest.param([3, 4, 2], "relu", "half_sse", "error_at_update", id="relu"),
    pytest.param([3, 4, 2], "leaky_relu", "half_sse", "inplace", id="leaky-inplace"),
    pytest.param([3, 4, 2], "softplus", "half_sse", "error_at_update", id="softplus"),
    pytest.param([3, 4, 2], "tanh", "half_sse", "error_at_update_flipped", id="tanh-flipped"),
    pytest.param([3, 4, 2], "sigmoid", "cross_entropy", "error_at_update", id="sigmoid-ce"),
    pytest.param(
        [3, 4, 3], "sigmoid,softmax", "categorical_cross_entropy", "error_at_update", id="softmax"
    ),
]


class Forbidden:
    def __init__(self, *args, **kwargs):
        raise AssertionError("this search must not run here")


@pytest.mark.parametrize("sizes,act,loss,conv", CASES)
def test_layer_witness_refutes_against_the_loss(sizes, act, loss, conv, monkeypatch):
    """The layer path's counterexample (biases on; the per-neuron search forbidden) refutes:
    checked on sympy.diff of the expanded loss and the convention's expanded per-neuron rules
    at its exact point."""
    monkeypatch.setattr(instance_module, "WitnessSearch", Forbidden)
    net = Network.build(sizes, act, loss, bias=True)
    report = prove(net, conv, "gradient", LAYERWISE, conditions=False)
    assert report.equivalent is False
    assert report.counts()["unknown"] == 0
    check_report_against_oracle(net, conv, report)


@pytest.mark.parametrize("attempt", [0, 1, 2, 3])
def test_compact_point_written_out_refutes(attempt):
    """Every form of compact point (one value per layer, per row, per column), written out by
    name, is a counterexample the oracle confirms."""
    net = Network.build([3, 4, 2], "generic", bias=True)
    a, b = get_convention("error_at_update"), get_convention("gradient")
    witness = LayerWitness(compare_layers(net, a, b), a, b, compact_above=0)
    found = witness.find(["w1_1_1", "b1_1", "w2_1_1"], attempts=attempt + 1)
    assert found, "no counterexample"
    ce = found[sorted(found)[0]]
    assert any("*" in name for name in ce.point)
    point, names = layer_point(net, _attempt_of(ce, net))
    report = prove(net, "error_at_update", "gradient", LAYERWISE, conditions=False)
    written = full_point(net, point, names)
    report.counterexample = type(ce)(
        ce.parameter, written, ce.activations, ce.values, ce.approximate
    )
    check_report_against_oracle(net, "error_at_update", report)


def _attempt_of(ce, net) -> int:
    for attempt in range(12):
        _, names = layer_point(net, attempt)
        if names == ce.point:
            return attempt
    raise AssertionError("the point is none of the attempts'")


def test_equal_pair_gets_no_witness():
    net = Network.build([3, 4, 4, 2], "sigmoid", bias=True)
    a, b = get_convention("delta"), get_convention("gradient")
    found = LayerWitness(compare_layers(net, a, b), a, b).find(["w1_1_1", "b2_1"], attempts=4)
    assert found == {}


def test_recipes_not_built_in_are_searched_neuron_by_neuron(monkeypatch):
    # the prover imports LayerWitness from its module when it needs it (NumPy stays unloaded
    # on small networks), so that is where it is forbidden
    monkeypatch.setattr(layer_witness_module, "LayerWitness", Forbidden)
    net = Network.build([2, 3, 2], "generic", bias=True)
    report = prove(net, TwiceEta(), "gradient", LAYERWISE, conditions=False)
    assert report.equivalent is False and report.counterexample is not None
    # the patch is where the prover looks: a built-in pair on the same network reaches it
    with pytest.raises(AssertionError, match="must not run"):
        prove(net, "error_at_update", "gradient", LAYERWISE, conditions=False)


# ------------------------------------------------------------------- wide networks


def _hand_backprop(sizes, point, slopes):
    """Both updates of w^l_{11} by a hand-written exact backward pass (Python integers and
    Fractions) at a written-out point: the gradient and the AGH recipe (error_at_update),
    activations f_l(x) = slopes[l] * x."""
    L = len(sizes) - 1
    W, B = {}, {}
    for l in range(1, L + 1):
        rows = [[point[f"w{l}_{j}_{i}"] for i in range(1, sizes[l - 1] + 1)]
                for j in range(1, sizes[l] + 1)]  # fmt: skip
        W[l] = np.array(rows, dtype=object)
        B[l] = np.array([point[f"b{l}_{j}"] for j in range(1, sizes[l] + 1)], dtype=object)
    y = {0: np.array([point[f"x_{i}"] for i in range(1, sizes[0] + 1)], dtype=object)}
    for l in range(1, L + 1):
        y[l] = slopes[l] * (W[l].dot(y[l - 1]) + B[l])
    t = np.array([point[f"t_{j}"] for j in range(1, sizes[L] + 1)], dtype=object)
    eta = point["eta"]
    grad, agh = t - y[L], t - y[L]  # -dE/dy for the half squared error
    g_sig = {L: grad * slopes[L]}  # -dE/de
    r_sig = {L: agh}
    for l in range(L - 1, 0, -1):
        g_sig[l] = W[l + 1].T.dot(g_sig[l + 1]) * slopes[l]
        r_sig[l] = W[l + 1].T.dot(r_sig[l + 1])
    return {
        l: (eta * r_sig[l][0] * slopes[l] * y[l - 1][0], eta * g_sig[l][0] * y[l - 1][0])
        for l in range(1, L + 1)
    }


def test_wide_network_witness_matches_a_hand_written_backward_pass():
    sizes = [96, 128, 128, 3]  # 29,443 parameters: the point stays compact
    net = Network.build(sizes, "generic", bias=True)
    report = prove(net, "error_at_update", "gradient", conditions=False)
    assert report.equivalent is False
    ce = report.counterexample
    assert ce is not None and ce.exact and "w1_*_*" in ce.point
    written = full_point(net, *layer_point(net, _attempt_of(ce, net)))
    slopes = {l: int(str(ce.activations[f"f_{l}"]).split("*")[0]) for l in range(1, 4)}
    l = int(ce.parameter[1])
    agh, grad = _hand_backprop(sizes, written, slopes)[l]
    assert agh != grad
    assert (ce.values["error_at_update"], ce.values["gradient"]) == (agh, grad)


def test_prove_takes_networks_above_the_parameter_limit():
    """prove has no parameter-count limit (its cost follows the widths only through O(n)
    vectors); the other commands keep theirs."""
    with pytest.raises(InputError, match="larger than the limit"):
        Network.build([4096, 4096, 10])
    net = Network.build([4096, 4096, 4096, 10], bias=True, max_parameters=None)
    report = prove(net, "error_at_update", "gradient", conditions=False)
    assert report.equivalent is False
    assert report.counts()["differs"] == 4096 * 4097 * 2
    assert "w1_*_*" in report.counterexample.point and len(report.counterexample.point) < 4200
