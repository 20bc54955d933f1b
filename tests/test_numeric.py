"""Numeric steps from the symbolic rules against finite differences of the loss."""

from __future__ import annotations

import random

import numpy as np
import pytest

from symbolic_bp import InputError, Network, check_numeric, compile_rules, derive

from .oracles import WORKED_EXAMPLE


def _params(net: Network, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {n: rng.uniform(-0.8, 0.8) for n in net.parameter_names()}


@pytest.mark.parametrize("bias", [False, True], ids=["no-bias", "bias"])
@pytest.mark.parametrize("loss", ["half_sse", "sse", "cross_entropy"])
@pytest.mark.parametrize(
    "act", ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus", "x**3/3 + x"]
)
@pytest.mark.parametrize("conv", ["gradient", "delta", "matrix", "output_derivative"])
def test_step_matches_central_differences(conv, act, loss, bias):
    if loss == "cross_entropy":
        act = f"{act},sigmoid"
    if conv == "output_derivative" and act.startswith("x"):
        pytest.skip("custom activations have no derivative through the output")
    net = Network.build([2, 3, 2], act, loss=loss, bias=bias)
    values = _params(net, 7)
    # inputs away from relu's kink at 0
    checks = check_numeric(net, conv, values, [0.35, -0.6], [0.2, 0.7], 0.5)
    for name, (rule, fd) in checks.items():
        assert rule == pytest.approx(fd, rel=1e-5, abs=1e-8), name


def test_agh_recipe_is_not_the_gradient_numerically():
    """The sanity check a learner would do: the AGH step is not -eta dE/dw here."""
    net = Network.build([2, 3, 2, 1], "sigmoid")
    checks = check_numeric(net, "error_at_update", _params(net, 3), [0.05, 0.1], [0.9], 0.5)
    off = [n for n, (rule, fd) in checks.items() if abs(rule - fd) > 1e-6 * max(1, abs(fd))]
    assert off and all(n.startswith(("w1_", "w2_")) for n in off)


def test_mazur_worked_example():
    """The widely reproduced worked example (2-2-2 sigmoid with shared biases as b per neuron):
    after one step w5 (w2_1_1) becomes 0.35891648."""
    net = Network.build([2, 2, 2], "sigmoid", bias=True)
    values = dict(WORKED_EXAMPLE)
    loss, new = compile_rules(derive(net, "delta"))(values, [0.05, 0.10], [0.01, 0.99], 0.5)
    assert loss == pytest.approx(0.298371109, abs=1e-9)
    assert new["w2_1_1"] == pytest.approx(0.35891648, abs=1e-8)
    assert new["w1_1_1"] == pytest.approx(0.149780716, abs=1e-9)


def test_generic_refused_for_numbers():
    with pytest.raises(InputError, match="concrete activations"):
        compile_rules(derive(Network.build([2, 1]), "delta"))


def test_wrong_input_length():
    net = Network.build([2, 1], "sigmoid")
    step = compile_rules(derive(net, "delta"))
    with pytest.raises(InputError, match="^x has 3 values"):
        step(_params(net, 1), [1.0, 2.0, 3.0], [0.5], 0.1)


@pytest.mark.parametrize("loss", ["half_sse", "sse", "cross_entropy"])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"])
@pytest.mark.parametrize("conv", ["gradient", "delta", "matrix", "output_derivative"])
def test_no_overflow_at_magnitude_1000(conv, act, loss):
    """Safe forms (sigmoid through tanh, softplus and log-loss through logaddexp): finite
    results and no floating-point warning (they would raise here) at inputs of magnitude 1000."""
    if loss == "cross_entropy":
        act = f"{act},sigmoid"
    net = Network.build([2, 3, 2], act, loss=loss, bias=True)
    step = compile_rules(derive(net, conv))
    for sign in (1.0, -1.0):
        values = {n: sign * 1.0 for n in net.parameter_names()}
        loss_value, new = step(values, [1000.0 * sign, -1000.0], [0.25, 0.75], 0.1)
        assert np.isfinite(loss_value)
        assert all(np.isfinite(v) for v in new.values())


def test_unbounded_recipe_is_reported_not_silently_infinite():
    """The AGH recipe with cross-entropy divides by 1 - y: at saturation its value is not
    representable, and the step says so instead of printing inf."""
    net = Network.build([1, 1], "sigmoid", loss="cross_entropy")
    step = compile_rules(derive(net, "error_at_update"))
    with pytest.raises(InputError, match="not finite there"):
        step({"w1_1_1": 1.0}, [1000.0], [0.5], 0.1)


def test_relu_derivative_at_zero_is_zero_numerically():
    """The symbolic convention relu'(0) = 0 holds in the generated code too: the first
    layer's net input is exactly 0 (w x + b = 0.5 - 0.5) with a non-zero input, so its weight
    moves only if relu'(0) were not 0."""
    net = Network.build([1, 1, 1], "relu", bias=True)
    step = compile_rules(derive(net, "delta"))
    values = {"w1_1_1": 0.5, "b1_1": -0.5, "w2_1_1": 0.3, "b2_1": 0.2}
    _, new = step(values, [1.0], [1.0], 0.5)
    assert new["w1_1_1"] == 0.5 and new["b1_1"] == -0.5
    assert new["w2_1_1"] == 0.3  # y1 = relu(0) = 0: no update either
    assert new["b2_1"] != 0.2  # the output bias does move: the step is not a no-op
    # and symbolically
    from symbolic_bp import get_activation

    assert get_activation("relu").derivative(0) == 0
