"""Soundness under a softmax output (issue 14), in the style of tests/test_soundness.py: hostile
recipes, and every verdict of the tool must be ``unknown`` or agree with an oracle that shares
nothing with the prover: the recipe's own per-neuron rules (``derive(...).expanded``: what it
computes) against ``sympy.diff`` of a loss written out here (softmax as ``exp(e_j) / sum_k
exp(e_k)``), at exact rational points with probability targets, to 150 digits. The targets of
the categorical cross-entropy sum to 1: an identity that holds only there is a true "equal", a
difference shown only off the simplex is a false "differs".
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

import symbolic_bp as sbp
from symbolic_bp.model.objective import REDUCTIONS, Objective

from .oracles import concrete, high_precision, oracle_values, rational_point

CCE = "categorical_cross_entropy"
DIGITS = 150


class TextbookTMinusY(sbp.Delta):
    """``d^L = t - y``, written in: the gradient for targets that sum to 1."""

    name = "hostile_t_minus_y"

    def output_signal(self, net, j):
        return net.t(j) - net.y(net.depth, j)


class NormalisedByTargets(sbp.Delta):
    """``(t_j - y_j sum t) / sum t``: the gradient on the simplex, another form off it."""

    name = "hostile_normalised"

    def output_signal(self, net, j):
        L = net.depth
        total = net.sum(L, lambda k: net.t(k))
        return (net.t(j) - net.y(L, j) * total) / total


class DiagonalBug(sbp.Delta):
    """The classic bug: the softmax derivative taken as ``y (1 - y)`` (the diagonal)."""

    name = "hostile_diagonal"

    def output_signal(self, net, j):
        return (net.t(j) - net.y(net.depth, j)) * net.fprime(net.depth, j)


class ForgotToNormalise(sbp.Delta):
    """``d = t - exp(e)``: the logits' exponential instead of the softmax."""

    name = "hostile_unnormalised"

    def output_signal(self, net, j):
        return net.t(j) - sp.exp(net.e(net.depth, j))


class FirstOutputDoubled(sbp.Delta):
    """Output neuron 1 gets twice the signal (not one rule for every neuron)."""

    name = "hostile_first_output"

    def output_signal(self, net, j):
        signal = super().output_signal(net, j)
        return 2 * signal if j == 1 else signal


class AGHDiagonal(sbp.ErrorAtUpdate):
    """The AGH recipe with the diagonal of the Jacobian at the update."""

    name = "hostile_agh_diagonal"

    def update_factor(self, net, l, j, signals):
        return signals[j] * net.fprime(l, j)


RECIPES = [TextbookTMinusY, NormalisedByTargets, DiagonalBug, ForgotToNormalise]
RECIPES += [FirstOutputDoubled, AGHDiagonal]

NETS = {
    "2-3-3-tanh": ([2, 3, 3], "tanh,softmax", True, 1),
    "3-2-2-generic": ([3, 2, 2], "generic,softmax", False, 1),
    "2-3-3b-sigmoid": ([2, 3, 3], "sigmoid,softmax", True, 1),  # 21 parameters: layer path
    "2-2-2b-tanh-batch2": ([2, 2, 2], "tanh,softmax", True, 2),
}


def build(net_id: str) -> sbp.Network:
    sizes, acts, bias, batch = NETS[net_id]
    return sbp.Network.build(sizes, acts, CCE, bias, Objective(batch, REDUCTIONS["mean"]))


def value(expr: sp.Expr) -> mpmath.mpf:
    with mpmath.workdps(DIGITS):
        return high_precision(expr, DIGITS)


def oracle_differences(net: sbp.Network, recipe: str, seeds=(11, 12, 13)) -> dict[str, bool]:
    """Per parameter: whether the recipe's update and the gradient differ at one of a few
    rational points (polynomials for generic activations; targets on the simplex)."""
    out = {name: False for name in net.parameter_names()}
    for seed in seeds:
        cnet = concrete(net, seed)
        point = rational_point(cnet, seed)
        want = oracle_values(cnet, point)
        rules = sbp.derive(cnet, recipe)
        for name, p in zip(net.parameter_names(), cnet.parameters(), strict=True):
            got = rules.expanded(p).xreplace(point)
            if abs(value(got) - value(want[p])) > mpmath.mpf(10) ** -100:
                out[name] = True
    return out


def check_counterexample(net: sbp.Network, recipe: str, ce: dict) -> None:
    """The tool's counterexample re-evaluated here: a probability vector of targets, and the
    recipe's update differs from the gradient of the written-out loss."""
    from .oracles import point_from_strings, with_activations_from_strings

    cnet = with_activations_from_strings(net, ce["activations"])
    point = point_from_strings(cnet, ce["point"])
    for v in cnet.views():
        total = sum(point[v.t(j)] for j in cnet.neurons(cnet.depth))
        assert total == 1, f"targets off the simplex: sum {total}"
    l, j, i = cnet.locate(ce["parameter"])
    p = cnet.w(l, j, i) if i is not None else cnet.b(l, j)
    got = sbp.derive(cnet, recipe).expanded(p).xreplace(point)
    want = oracle_values(cnet, point)[p]
    assert abs(value(got) - value(want)) > mpmath.mpf(10) ** -50, "FALSE COUNTEREXAMPLE"


DEFAULT = ("3-2-2-generic",)
CASES = [
    pytest.param(
        recipe,
        net_id,
        id=f"{recipe.name}-{net_id}",
        marks=() if net_id in DEFAULT else (pytest.mark.slow,),
    )
    for recipe in RECIPES
    for net_id in NETS
]


@pytest.mark.parametrize(("recipe", "net_id"), CASES)
def test_prove_with_softmax_is_sound(recipe, net_id):
    net = build(net_id)
    sbp.register(recipe(), replace=True)
    try:
        differs = oracle_differences(net, recipe.name)
        for a, b in ((recipe.name, "gradient"), ("gradient", recipe.name)):
            report = sbp.prove(net, a, b, conditions=False)
            for r in report.parameters:
                if r.status == "equal":
                    assert not differs[r.name], f"FALSE EQUAL for {r.name} ({a} vs {b})"
            if report.equivalent is True:
                assert not any(differs.values())
            if report.equivalent is False:
                assert report.counterexample is not None
                check_counterexample(net, recipe.name, report.counterexample.to_dict())
    finally:
        sbp.unregister(recipe.name)


def test_the_textbook_recipe_is_proven_equal_not_unknown():
    """Sound is not enough: on the simplex ``t - y`` is the gradient, and the tool says so."""
    sbp.register(TextbookTMinusY(), replace=True)
    try:
        for net_id in ("2-3-3b-sigmoid", "2-2-2b-tanh-batch2"):
            assert sbp.prove(build(net_id), TextbookTMinusY.name, "gradient").equivalent is True
    finally:
        sbp.unregister(TextbookTMinusY.name)


@pytest.mark.slow
def test_general_proof_of_the_textbook_recipe(capsys):
    """The induction proves the symbolic rules equal (the domain's sum of the targets is 1);
    as the recipe is not built in, that is no claim for every network: unknown, never
    differs."""
    sbp.register(TextbookTMinusY(), replace=True)
    try:
        proof = sbp.prove_general(TextbookTMinusY.name, "gradient", losses=[CCE], bias=True)
        assert proof.equivalent is None
        assert all(
            row["method"] == "induction on the symbolic rules only" for row in proof.parameters
        )
    finally:
        sbp.unregister(TextbookTMinusY.name)
