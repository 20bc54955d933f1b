"""The general proof: checked steps, failures at the right step, agreement with instances."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from symbolic_bp import (
    CONVENTIONS,
    Delta,
    ErrorAtUpdate,
    IndexedNetwork,
    Network,
    prove,
    prove_general,
    register,
    unregister,
)
from symbolic_bp.algebra import reduce_sums
from symbolic_bp.model.losses import LOSSES
from symbolic_bp.proof import DIFFERS, EQUAL

from .test_cli import PROVE_KEYS, run

OTHERS = [c for c in CONVENTIONS if c != "gradient"]


@pytest.fixture(scope="module")
def proofs():
    return {c: prove_general(c, "gradient") for c in OTHERS}


@pytest.mark.parametrize("conv", OTHERS)
def test_general_verdict_agrees_with_instances(proofs, conv):
    """Every general verdict matches the instance prover on networks of the core grid."""
    proof = proofs[conv]
    rows = {row["name"].split(" ")[1]: row["status"] for row in proof.parameters}
    act = "sigmoid" if conv == "output_derivative" else "generic"
    for sizes in [(2, 1), (2, 2, 1), (1, 2, 2), (2, 3, 2, 1), (2, 2, 2, 2)]:
        for bias in (False, True):
            net = Network.build(sizes, act, bias=bias)
            report = prove(net, conv, "gradient", conditions=False)
            for r in report.parameters:
                layer_kind = "(output" if r.layer == net.depth else "(hidden"
                expected = rows[layer_kind]
                assert r.status == expected, (sizes, bias, r.name, r.status, expected)


def test_agh_vs_mlm_fails_exactly_at_the_inductive_step():
    proof = prove_general("error_at_update", "delta")
    verdicts = {s.name: s.verdict for s in proof.steps}
    assert verdicts["base case (half_sse)"] == EQUAL
    assert verdicts["base case (cross_entropy)"] == EQUAL
    assert verdicts["conclusion: Delta w of the output layer"] == EQUAL
    assert verdicts["inductive step"] == DIFFERS
    step = next(s for s in proof.steps if s.name == "inductive step")
    # what is missing: the derivative of the layer above, f_{l+1}'(e[l+1, k]) - 1
    assert "f_{l + 1}'(e[l + 1, k]) - 1" in sp.sstr(step.residual)
    assert proof.equivalent is False and proof.counterexample is not None
    assert proof.conditions and "m >= 2" in proof.conditions[0]


def test_general_steps_are_not_a_formality():
    """Each step's equation really reduces to zero: recheck the invariant's relations."""
    proof = prove_general("delta", "gradient")
    assert proof.equivalent is True
    names = [s.name for s in proof.steps]
    for expected in [
        "invariant",
        "base case (half_sse)",
        "base case (sse)",
        "base case (cross_entropy)",
        "inductive step",
        "conclusion: Delta w of the hidden layers",
    ]:
        assert expected in names
    from symbolic_bp.algebra import is_zero

    for s in proof.steps:
        if s.name in ("invariant", "hypothesis"):
            continue
        reduced = reduce_sums(sp.expand(s.lhs - s.rhs))
        parts = sp.Add.make_args(reduced)
        assert all(is_zero(p.function if isinstance(p, sp.Sum) else p) for p in parts), s.name


# deliberately broken recipes, written with net.sum so that they run on symbolic widths
class DropDerivative(Delta):
    name = "g_mutant_drop_derivative"

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k])


class Transposed(Delta):
    name = "g_mutant_transposed"

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, j, k) * upstream[k]) * net.fprime(l, j)


class WrongLayerDerivative(Delta):
    name = "g_mutant_wrong_layer"

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k]) * net.fprime(l + 1, j)


class HalfOutput(Delta):
    name = "g_mutant_half_output"

    def output_signal(self, net, j):
        return super().output_signal(net, j) / 2


class TinyOffset(Delta):
    name = "g_mutant_tiny_offset"

    def update(self, net, l, j, inp, signal):
        return net.eta * signal * inp * sp.Rational(1001, 1000)


class ExtraDerivative(ErrorAtUpdate):
    name = "g_mutant_extra_derivative"

    def update(self, net, l, j, inp, signal):
        return super().update(net, l, j, inp, signal) * net.fprime(l, j)


@pytest.mark.parametrize(
    "mutant,failing",
    [
        (DropDerivative, "inductive step"),
        (Transposed, None),  # defined only where the widths allow: no general rule
        (WrongLayerDerivative, None),
        (HalfOutput, "conclusion: Delta w of the output layer"),
        (TinyOffset, "conclusion: Delta w of the output layer"),
        (ExtraDerivative, "conclusion: Delta w of the output layer"),
    ],
    ids=lambda v: v.name if isinstance(v, type) else v,
)
def test_broken_recipes_fail_at_the_right_step(mutant, failing):
    conv = mutant()
    register(conv, replace=True)
    try:
        proof = prove_general(conv, "gradient", instance=Network.build([2, 2, 2, 2], bias=True))
    finally:
        unregister(conv.name)
    assert proof.equivalent is False, "an instance counterexample must back the failure"
    if failing is None:
        # its per-neuron rules name weights a non-square network does not have: the induction
        # cannot speak for every network, and says so instead of proving something else
        assert any("is not defined on" in note for note in proof.notes), proof.notes
        return
    first = next(s for s in proof.steps if s.verdict != EQUAL and s.name != "invariant")
    assert first.name == failing


def test_half_output_is_a_factor_that_survives_the_induction():
    """Halving the output signal relates the recipes by a constant factor; the linear
    recurrence carries it through every layer (the inductive step holds), and the proof fails
    where the factor shows: at the updates."""
    proof = prove_general(HalfOutput(), "delta")
    invariant = next(s for s in proof.steps if s.name == "invariant")
    assert sp.Rational(1, 2) in invariant.rhs.atoms(sp.Rational) or 2 in invariant.rhs.atoms(
        sp.Integer
    )
    assert next(s for s in proof.steps if s.name == "inductive step").verdict == EQUAL
    out = next(s for s in proof.steps if s.name == "conclusion: Delta w of the output layer")
    assert out.verdict == DIFFERS and out.residual != 0


def test_general_network_sums_are_symbolic():
    net = IndexedNetwork.general(LOSSES["half_sse"])
    i = net.representative(net.depth - 1)
    s = net.sum(net.depth, lambda k: net.w(net.depth, k, i))
    assert isinstance(s, sp.Sum)


def test_cli_general_json():
    res = run("prove", "--general", "--conventions", "delta,gradient", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["equivalent"] is True
    assert PROVE_KEYS | {"steps"} <= set(data)
    # the design's layers key: one row per class, as an instance's rows, layers symbolic
    layers = {(row["layer"], row["kind"]): row for row in data["layers"]}
    assert set(layers) == {("L", "w"), ("L", "b"), ("1..L-1", "w"), ("1..L-1", "b")}
    statuses = {row["name"]: row["status"] for row in data["parameters"]}
    for row in data["layers"]:
        assert {"count", "status", "relation", "difference", "representative"} <= set(row)
        label = next(n for n in statuses if n.startswith(row["representative"] + " "))
        assert row["status"] == statuses[label]
    for step in data["steps"]:
        assert {"name", "equation", "latex", "mathml", "verdict"} <= set(step)
        assert step["verdict"] in ("equal", "differs")
        # presentation MathML, with no raw LaTeX left behind
        assert step["mathml"].startswith("<math") and "\\" not in step["mathml"]
        assert "<mi>" in step["mathml"]


def test_cli_general_text_default_question():
    res = run("prove", "--general")
    assert res.returncode == 1
    assert res.stdout.startswith("DIFFERENT: the induction relating error_at_update and delta")
    assert "[FAILS] inductive step" in res.stdout
    assert "f_m' = 1 for every layer m >= 2" in res.stdout


@pytest.mark.slow
@pytest.mark.parametrize("conv", OTHERS)
def test_general_verdict_agrees_on_the_whole_core_grid(proofs, conv):
    """The general verdict per parameter class matches the instance prover on every network
    of the core issue's grid (generic activations; sigmoid for output_derivative)."""
    from .test_prove import GRID

    rows = {row["name"].split(" ")[1]: row["status"] for row in proofs[conv].parameters}
    act = "sigmoid" if conv == "output_derivative" else "generic"
    for param in GRID:
        sizes, bias = param.values
        net = Network.build(sizes, act, bias=bias)
        report = prove(net, conv, "gradient", conditions=False)
        for r in report.parameters:
            kind = "(output" if r.layer == net.depth else "(hidden"
            assert r.status == rows[kind], (sizes, bias, r.name)
