"""The condition search on the verified layer identities (symbolic_bp/proof/linearized.py).

Above 200 parameters a candidate condition "layers S linear" is decided by substituting
``f_l' = 1`` into the layer identities the proof already verified, instead of a sub-proof on
the modified network per candidate. The reference is the old search (``find_conditions``
without the proof's chain: a proof on each modified network); both must report the same
conditions wherever both run. The substitution must reject a wrong candidate (checked against
the independent oracle of tests/soundness_oracle.py), and must not be used for what it cannot
represent: a user's recipe (here one that differs from a built-in one in one deep layer only),
concrete activations.
"""

from __future__ import annotations

import pytest

import symbolic_bp as sbp
from symbolic_bp.conventions import get_convention
from symbolic_bp.errors import InputError
from symbolic_bp.model.build import MAX_LAYERS
from symbolic_bp.proof.clock import Clock
from symbolic_bp.proof.conditions import find_conditions
from symbolic_bp.proof.layers import compare_layers
from symbolic_bp.proof.linearized import LinearizedLayers
from symbolic_bp.proof.results import Limits
from tests.soundness_oracle import Oracle

ORACLE = Oracle()


def both_searches(net: sbp.Network, a: str, b: str) -> tuple[list[str], list[str], bool | None]:
    """(the new search's conditions, the old search's, whether the substitution is usable)."""
    ca, cb = get_convention(a), get_convention(b)
    chain = compare_layers(net, ca, cb)
    new = find_conditions(net, ca, cb, Limits(), Clock(None), chain)
    old = find_conditions(net, ca, cb, Limits(), Clock(None))
    return new, old, LinearizedLayers(chain).usable


DEEP = [
    pytest.param([6] * 7 + [1], {}, "error_at_update", "gradient", id="agh-grad-7"),
    pytest.param([6] * 7 + [1], {}, "error_at_update", "delta", id="agh-delta-7"),
    pytest.param(
        [6] * 6 + [1], {"bias": True}, "error_at_update", "gradient", id="agh-grad-bias-6"
    ),
    pytest.param(
        [6] * 7 + [1],
        {"loss": "cross_entropy"},
        "error_at_update",
        "gradient",
        id="agh-grad-cross-entropy-7",
    ),
    pytest.param(
        [6] * 7 + [1], {}, "error_at_update_consistent", "gradient", id="consistent-grad-7"
    ),
    pytest.param([6] * 6 + [1], {"bias": True}, "inplace", "delta", id="inplace-delta-6"),
    pytest.param([13, 13, 13, 1], {}, "error_at_update", "gradient", id="agh-grad-shallow-3"),
    pytest.param(
        [10, 10, 10, 10, 2], {"bias": True}, "error_at_update", "delta", id="agh-delta-shallow-4"
    ),
]


@pytest.mark.parametrize(("sizes", "options", "a", "b"), DEEP)
def test_the_substituted_identities_find_what_the_sub_proofs_find(sizes, options, a, b):
    net = sbp.Network.build(sizes, **options)
    assert net.parameter_count > 200  # where the substitution is used
    new, old, usable = both_searches(net, a, b)
    assert usable
    assert new == old


def test_a_wrong_candidate_is_rejected_and_the_right_one_holds_by_the_oracle():
    net = sbp.Network.build([2] * 6 + [1])
    ca, cb = get_convention("error_at_update"), get_convention("gradient")
    fast = LinearizedLayers(compare_layers(net, ca, cb))
    L = net.depth
    right, wrong, no_output = range(2, L + 1), range(3, L + 1), range(2, L)
    assert fast.holds(right) is True and fast.confirm(right)
    assert fast.holds(wrong) is False
    assert fast.holds(no_output) is False
    assert fast.holds(()) is None  # no condition at all: not the substitution's to decide

    def identity_at(layers: range) -> sbp.Network:
        acts = ["identity" if l in layers else "generic" for l in range(1, L + 1)]
        return sbp.Network.build(net.sizes, acts)

    # the oracle, from scratch (recipes passed as objects): with the right layers linear every
    # parameter is equal, with the wrong ones some parameter differs
    def oracle(layers: range) -> str:
        return ORACLE.verdicts(identity_at(layers), ca.name, cb.name, ca, cb).overall()

    assert oracle(right) == "equal"
    assert oracle(wrong) == "differs"
    assert oracle(no_output) == "differs"


class AghTwistedDeep(sbp.ErrorAtUpdate):
    """The AGH recipe with the error of layer 5 (of 6) doubled: a user's recipe that differs
    from the built-in one in one deep layer only."""

    name = "depth_agh_twisted_deep"
    letter = "q"

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 2 * s if l == 5 else s


class AghCopy(sbp.ErrorAtUpdate):
    """The AGH recipe unchanged, but the user's (subclassed): not built in."""

    name = "depth_agh_copy"
    letter = "q"


@pytest.fixture
def registered():
    made = [AghTwistedDeep(), AghCopy()]
    for conv in made:
        sbp.register(conv)
    yield
    for conv in made:
        sbp.CONVENTIONS.pop(conv.name, None)


@pytest.mark.parametrize("name", [AghTwistedDeep.name, AghCopy.name])
def test_a_users_recipe_is_searched_the_old_way(registered, name):
    net = sbp.Network.build([6] * 6 + [1])
    new, old, usable = both_searches(net, name, "gradient")
    assert usable is False
    assert new == old


def test_the_twisted_recipe_is_not_given_the_built_in_ones_condition(registered):
    """The twist at layer 5 survives every linear layer (a factor 2 the recipe applies itself),
    so no top layers make it agree with the gradient; the built-in recipe's condition would be
    wrong for it."""
    net = sbp.Network.build([6] * 6 + [1])
    new, _, _ = both_searches(net, AghTwistedDeep.name, "gradient")
    built_in, _, _ = both_searches(net, "error_at_update", "gradient")
    assert built_in and new != built_in


@pytest.mark.slow
def test_concrete_activations_are_searched_the_old_way():
    net = sbp.Network.build([6] * 6 + [1], "sigmoid")
    ca, cb = get_convention("error_at_update"), get_convention("gradient")
    chain = compare_layers(net, ca, cb)
    assert LinearizedLayers(chain).holds(range(2, net.depth + 1)) is None
    new = find_conditions(net, ca, cb, Limits(), Clock(None), chain)
    assert new == find_conditions(net, ca, cb, Limits(), Clock(None))


def test_deep_networks_up_to_the_layer_limit():
    assert MAX_LAYERS >= 101
    sbp.Network.build([2] * MAX_LAYERS + [1])
    with pytest.raises(InputError, match=f"{MAX_LAYERS + 1} layers"):
        sbp.Network.build([2] * (MAX_LAYERS + 1) + [1])


def test_a_deep_network_gets_its_condition_in_one_proof():
    net = sbp.Network.build([8] * 40 + [1])
    report = sbp.prove(net, "error_at_update", "gradient")
    assert report.equivalent is False
    assert report.conditions == [
        "f_m' = 1 for m = 2..40 (the derivative of layers 2 to 40 identically 1)"
    ]
