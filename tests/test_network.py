"""Networks: sizes, names, validation."""

from __future__ import annotations

import pytest
import sympy as sp

from symbolic_bp import InputError, Network
from symbolic_bp.model.network import parse_layers


def test_agh_default_network():
    net = Network.build()
    assert net.sizes == (2, 3, 2, 1)
    assert net.parameter_count == 2 * 3 + 3 * 2 + 2 * 1
    assert net.is_generic and not net.bias
    assert net.parameter_names()[-2:] == ["w3_1_1", "w3_1_2"]


def test_names_and_biases():
    net = Network.build([2, 2, 1], "sigmoid", bias=True)
    assert net.parameter_names() == [
        "w1_1_1",
        "w1_1_2",
        "b1_1",
        "w1_2_1",
        "w1_2_2",
        "b1_2",
        "w2_1_1",
        "w2_1_2",
        "b2_1",
    ]
    assert net.locate("b2_1") == (2, 1, None)
    with pytest.raises(InputError, match="w3_1_1"):
        net.locate("w3_1_1")


def test_expanded_loss_is_the_forward_pass():
    net = Network.build([1, 1, 1], "identity")
    x, t = net.x(1), net.t(1)
    w1, w2 = net.w(1, 1, 1), net.w(2, 1, 1)
    assert sp.expand(net.expanded_loss() - (t - w2 * w1 * x) ** 2 / 2) == 0


@pytest.mark.parametrize(
    "sizes,activation,fragment",
    [
        ([2], "sigmoid", "at least one layer"),
        ([2, 0, 1], "sigmoid", "positive integer"),
        ([2, 3, 1], "sigmoid,tanh,relu", "3 activations given for 2 layers"),
        ([2, 1], "sigmoyd", "unknown activation 'sigmoyd'"),
        ([2, 1], "x +* 2", "cannot parse"),
    ],
)
def test_bad_networks(sizes, activation, fragment):
    with pytest.raises(InputError, match=fragment):
        Network.build(sizes, activation)


def test_cross_entropy_needs_unit_interval_outputs():
    with pytest.raises(InputError, match="needs outputs in"):
        Network.build([2, 1], "tanh", loss="cross_entropy")
    Network.build([2, 1], "tanh,sigmoid".split(",")[1:], loss="cross_entropy")


@pytest.mark.parametrize("text", ["2,x,1", "2,,1", "-1,2", "2.5,1", ""])
def test_parse_layers_refuses(text):
    with pytest.raises(InputError, match="^sizes: "):  # from Python: the argument's name
        parse_layers(text)


def test_too_large_network_refused():
    with pytest.raises(InputError, match="limit"):
        Network.build([100_000, 100_000])
