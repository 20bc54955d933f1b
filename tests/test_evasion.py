"""User recipes that branch where the symbolic fast paths cannot see (issue #11).

Each recipe below is ``delta`` except on some neurons, layers, widths, depths or activations,
with the branch hidden from the guards (``isinstance(j, int)``, ``str(j)``, a refusal caught by
the recipe's own ``try``). The oracle is the recipe's definition, :func:`symbolic_bp.derive` on
the network itself, compared with ``sympy.expand``; it shares no code with the layer rules, the
induction or the witnesses.
"""

from __future__ import annotations

import os

import pytest
import sympy as sp

import symbolic_bp as sbp
from symbolic_bp.conventions import is_builtin


def variant(name: str, cond) -> sbp.Convention:
    class Variant(sbp.Delta):
        def hidden_signal(self, net, l, j, upstream):
            s = super().hidden_signal(net, l, j, upstream)
            try:
                return 2 * s if cond(net, l, j) else s
            except Exception:  # noqa: BLE001 - the evasion under test
                return s

    Variant.name = name
    return Variant()


VARIANTS = {
    "isinstance_j": lambda net, l, j: isinstance(j, int) and j > 6,
    "str_j": lambda net, l, j: str(j) == "8",
    "type_is_int": lambda net, l, j: type(j) is int and j >= 7,
    "set_membership": lambda net, l, j: j in {7, 8, 9},
    "bool_compare_in_try": lambda net, l, j: bool(j > 6),
    "str_width": lambda net, l, j: str(net.width(l)) in ("8", "9"),
}
NET = [3, 9, 7, 2]  # 104 parameters: wider than the small networks a built-in recipe is checked on


def expanded_difference(net: sbp.Network, a: str, b: str, name: str) -> sp.Expr:
    l, j, i = net.locate(name)
    p = net.w(l, j, i) if i is not None else net.b(l, j)
    return sp.expand(sbp.derive(net, a).expanded(p) - sbp.derive(net, b).expanded(p))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_branch_on_a_neuron_the_check_networks_lack_is_seen(name):
    conv = sbp.register(variant(name, VARIANTS[name]))
    net = sbp.Network.build(NET)
    report = sbp.prove(net, conv, "delta", conditions=False)
    assert expanded_difference(net, conv.name, "delta", "w1_8_1") != 0  # the oracle: it differs
    assert report.equivalent is False
    assert report.result("w1_8_1").status == "differs"


def test_a_layer_is_not_called_different_by_relabelling_neurons_a_recipe_treats_apart():
    """Outputs 7..9 are delta's, outputs 1..6 doubled: the layer-at-a-time path must not carry
    the counterexample of w2_1_1 to w2_7_1 (whose updates are the same expression)."""

    class Split(sbp.Delta):
        name = "split_outputs"

        def output_signal(self, net, j):
            s = super().output_signal(net, j)
            return s if isinstance(j, int) and j >= 7 else 2 * s

    net = sbp.Network.build([3, 4, 9], bias=True)
    report = sbp.prove(net, Split(), "delta", conditions=False)
    for name in ("w2_7_1", "w2_9_4", "b2_8"):
        assert expanded_difference(net, Split(), "delta", name) == 0
        assert report.result(name).status == "equal", name
    assert expanded_difference(net, Split(), "delta", "w2_1_1") != 0
    assert report.result("w2_1_1").status == "differs"


class Deep(sbp.Delta):
    name = "deep_doubles"

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 2 * s if isinstance(net.depth, int) and net.depth >= 4 else s


class Wide(sbp.Delta):
    name = "wide_doubles"

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        n = net.width(l)
        return 2 * s if isinstance(n, int) and n >= 6 else s


class ByName(sbp.Delta):
    name = "tanh_doubles"

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 2 * s if net.activation(l).name == "tanh" else s


@pytest.mark.parametrize(
    "conv,sizes,act",
    [
        (Deep(), [2, 2, 2, 2, 1], "generic"),
        (Wide(), [2, 6, 1], "generic"),
        (ByName(), [2, 2, 1], "tanh"),
    ],
    ids=["depth", "width", "activation"],
)
def test_the_general_proof_makes_no_claim_a_user_recipe_breaks(conv, sizes, act):
    net = sbp.Network.build(sizes, act)
    assert expanded_difference(net, conv, "delta", "w1_1_1") != 0  # differs on that network
    proof = sbp.prove_general(conv, "delta")
    assert proof.equivalent is not True
    assert all(row["status"] != "equal" for row in proof.parameters)


def test_a_user_recipe_equal_to_a_built_in_one_is_proven_on_the_network_not_in_general():
    class Same(sbp.Delta):
        name = "same_as_delta"

    assert not is_builtin(Same())
    assert sbp.prove(sbp.Network.build([2, 3, 2]), Same(), "gradient").equivalent is True
    assert sbp.prove_general(Same(), "gradient").equivalent is None
    assert sbp.prove_general("delta", "gradient").equivalent is True


def test_what_counts_as_built_in():
    delta = sbp.get_convention("delta")
    assert is_builtin(delta) and is_builtin(sbp.get_convention("delta_flipped"))
    patched = sbp.Delta()
    patched.hidden_signal = lambda net, l, j, upstream: 0
    assert not is_builtin(patched)


def test_a_refusal_the_recipe_catches_is_still_seen():
    """``try: j == 1`` on a symbolic neuron raises inside the recipe and is swallowed there; the
    layer rules are then not the recipe's and must not be used."""

    class Caught(sbp.Delta):
        name = "caught"

        def hidden_signal(self, net, l, j, upstream):
            s = super().hidden_signal(net, l, j, upstream)
            try:
                return 3 * s if j == 1 else s
            except Exception:  # noqa: BLE001
                return s

    net = sbp.Network.build([2, 3, 2])
    report = sbp.prove(net, Caught(), "delta", conditions=False)
    assert expanded_difference(net, Caught(), "delta", "w1_1_1") != 0
    assert report.result("w1_1_1").status == "differs"
    assert expanded_difference(net, Caught(), "delta", "w1_2_1") == 0
    assert report.result("w1_2_1").status == "equal"


@pytest.mark.parametrize(
    "value", ["__import__('os').environ.__setitem__('SBP_EVAL_REACHED', '1')", None, "s > 0"]
)
def test_a_hook_returning_no_expression_gets_a_one_line_error_and_no_parse(value):
    class Bad(sbp.Delta):
        name = "bad_return"

        def output_signal(self, net, j):
            return value

    with pytest.raises(sbp.InputError) as info:
        sbp.prove(sbp.Network.build([2, 2, 1]), Bad(), "delta")
    assert "\n" not in str(info.value) and "bad_return" in str(info.value)
    assert "SBP_EVAL_REACHED" not in os.environ


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda net, s, inp: net.eta * s * inp / 0, "zoo"),
        (lambda net, s, inp: net.eta * s * inp * float("nan"), "nan"),
        (lambda net, s, inp: net.eta * s * inp * sp.oo, "oo"),
        (lambda net, s, inp: float("inf"), "inf"),
    ],
    ids=["division-by-zero", "nan", "oo", "python-inf"],
)
def test_an_undefined_update_is_bad_input_not_unknown(make, shown, tmp_path):
    """A recipe whose update divides by zero or holds nan/infinity has no value to compare:
    one line naming the recipe and the parameter (exit 2), not rows of 'unknown' reading
    ``delta / recipe = 0``."""

    class Undefined(sbp.Delta):
        name = "undefined_update"

        def update(self, net, l, j, inp, signal):
            return make(net, signal, inp)

    with pytest.raises(sbp.InputError) as info:
        sbp.prove(sbp.Network.build([2, 2, 1]), Undefined(), "delta")
    message = str(info.value)
    assert "\n" not in message and "'undefined_update'" in message and shown in message
    assert message.startswith("convention 'undefined_update' returned ")


def test_floats_stand_for_their_exact_binary_value():
    def scaled(name, factor):
        class Scaled(sbp.Delta):
            def output_signal(self, net, j):
                return factor * super().output_signal(net, j)

        Scaled.name = name
        return Scaled()

    net = sbp.Network.build([1, 1])
    half = sbp.prove(net, scaled("half_float", 0.5), scaled("half", sp.Rational(1, 2)))
    assert half.equivalent is True
    tenths = sbp.prove(net, scaled("point_three", 0.3), scaled("three_tenths", sp.Rational(3, 10)))
    assert tenths.equivalent is False  # 0.3 is 5404319552844595/2**54, not 3/10


HOSTILE = '''
import sympy as sp
from symbolic_bp.conventions import Delta

_original = Delta.hidden_signal


def hidden_signal(self, net, l, j, upstream):
    """delta's hidden signal, doubled on neurons 7 and above and in networks 4 layers deep"""
    s = _original(self, net, l, j, upstream)
    deep = isinstance(net.depth, int) and net.depth >= 4
    wide = isinstance(j, int) and j >= 7
    return 2 * s if deep or wide else s
'''


@pytest.mark.parametrize("module_name", ["symbolic_bp_mine", "symbolic_bpx"])
def test_a_module_named_like_the_package_gets_no_built_in_fast_path(
    module_name, tmp_path, monkeypatch
):
    """A user's module whose name merely starts with ``symbolic_bp`` patches ``delta``'s code
    with a wrong hidden signal: ``delta`` is then not built in, so the instance proof checks the
    rules on the network itself (and finds the difference) and the general proof makes no claim
    for every network. The oracle is ``derive`` on the network, expanded."""
    import importlib

    (tmp_path / f"{module_name}.py").write_text(HOSTILE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(module_name)
    assert module.hidden_signal.__module__ == module_name
    monkeypatch.setattr(sbp.Delta, "hidden_signal", module.hidden_signal)
    monkeypatch.delitem(__import__("sys").modules, module_name)
    delta = sbp.get_convention("delta")
    assert not is_builtin(delta)
    assert is_builtin(sbp.get_convention("gradient"))

    wide = sbp.Network.build([2, 8, 1])
    assert expanded_difference(wide, "delta", "gradient", "w1_8_1") != 0
    report = sbp.prove(wide, "delta", "gradient", conditions=False)
    assert report.equivalent is False
    assert report.result("w1_8_1").status == "differs"
    assert report.result("w1_1_1").status == "equal"

    deep = sbp.Network.build([2, 2, 2, 2, 1])
    assert expanded_difference(deep, "delta", "gradient", "w1_1_1") != 0
    general = sbp.prove_general("delta", "gradient")
    assert general.equivalent is not True
    assert all(row["status"] != "equal" for row in general.parameters)


def test_a_built_in_class_patched_even_under_the_package_s_own_module_name_is_not_built_in(
    monkeypatch,
):
    """The registry records each built-in class's code when the package registers it: a method
    swapped in later is caught by identity, whatever ``__module__`` it claims."""

    def hidden_signal(self, net, l, j, upstream):
        return 0

    hidden_signal.__module__ = "symbolic_bp.conventions.builtin"
    monkeypatch.setattr(sbp.ErrorAtUpdate, "hidden_signal", hidden_signal)
    assert not is_builtin(sbp.get_convention("error_at_update"))
    assert not is_builtin(sbp.get_convention("error_at_update_flipped"))  # wraps it
    monkeypatch.undo()
    assert is_builtin(sbp.get_convention("error_at_update"))
