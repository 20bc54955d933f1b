"""verify_layer_rules instantiates each layer rule once per layer and then once per neuron
(widths, layer and sums first; the atoms with whole-number indices mapped early). These tests
check that the staged instantiation still accepts exactly the rules that are the recipe's own:
right rules pass on networks of every kind, and rules wrong for some neurons only, through an
atom with a fixed index, a shifted index or one out of range, are refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp

from symbolic_bp.derive import layer_rules
from symbolic_bp.model.indexed import neuron_index
from symbolic_bp.model.network import Network, Objective
from symbolic_bp.verify import NotRepresented, check_networks, verify_layer_rules

NETS = {
    "generic": lambda: Network.build([3, 4, 3, 2], "generic", bias=True),
    "sigmoid-no-bias": lambda: Network.build([3, 4, 1, 2], "sigmoid"),
    "softmax": lambda: Network.build(
        [3, 4, 3], "sigmoid,softmax", loss="categorical_cross_entropy", bias=True
    ),
    "batch-l2": lambda: Network.build(
        [2, 3, 2], "tanh", bias=True, objective=Objective(batch=2, l2=sp.Rational(1, 10))
    ),
}


@pytest.mark.parametrize("conv", ["delta", "gradient", "error_at_update", "matrix"])
@pytest.mark.parametrize("kind", sorted(NETS))
def test_the_recipes_own_layer_rules_are_accepted(kind, conv):
    net = NETS[kind]()
    verify_layer_rules(layer_rules(net, conv), check_networks(net))


def _wrong(rules, field, layer, change):
    table = dict(getattr(rules, field))
    table[layer] = change(table[layer])
    return replace(rules, **{field: table})


def _cases(rules):
    d = rules.signal
    w = next(a.base for a in rules.signals[1].atoms(sp.Indexed) if str(a.base) == "w")
    j2, j1 = neuron_index(2), neuron_index(1)
    return {
        # every weight of layer 2 reads input neuron 1 (a whole-number index, mapped early)
        "fixed input": ("weight_updates", 2, lambda u: u.xreplace({j1: sp.Integer(1)})),
        # the signal of the next neuron (wrong everywhere, out of range at the last one)
        "shifted signal": ("weight_updates", 2, lambda u: u.xreplace({d[2, j2]: d[2, j2 + 1]})),
        # one extra term with a whole-number weight
        "extra weight": ("bias_updates", 1, lambda u: u + w[2, 1, 1]),
        # a neuron no check network has
        "out of range": ("signals", 1, lambda s: s + d[2, 9]),
        "doubled": ("signals", 2, lambda s: 2 * s),
    }


CASES = ["doubled", "extra weight", "fixed input", "out of range", "shifted signal"]


@pytest.mark.parametrize("case", CASES)
def test_rules_wrong_for_some_neurons_are_refused(case):
    net = NETS["generic"]()
    rules = layer_rules(net, "delta")
    field, layer, change = _cases(rules)[case]
    wrong = _wrong(rules, field, layer, change)
    assert getattr(wrong, field)[layer] != getattr(rules, field)[layer]
    with pytest.raises(NotRepresented):
        verify_layer_rules(wrong, check_networks(net))
