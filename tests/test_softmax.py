"""Softmax with the categorical cross-entropy, mini-batches and L2 (issue 14), against oracles
that share nothing with the prover: ``sympy.diff`` of a loss written out here (softmax as
``exp(e_j) / sum_k exp(e_k)``, the batch's mean or sum, the penalty), evaluated at exact
rational points (targets on the simplex) to 60 digits."""

from __future__ import annotations

import pytest
import sympy as sp

import symbolic_bp as sbp
from symbolic_bp import InputError, Network, derive, get_convention, prove
from symbolic_bp.cli.main import main as cli_main
from symbolic_bp.model.objective import REDUCTIONS, Objective, parse_l2
from symbolic_bp.model.softmax import LogSumExp, jacobian_lemma
from symbolic_bp.proof import DIFFERS, EQUAL

from .oracles import differ, expanded_values, oracle_values, rational_point
from .test_prove import check_report_against_oracle

CCE = "categorical_cross_entropy"


def build(sizes, hidden="tanh", batch=1, reduce="mean", l2="0", l2_bias=False, bias=True):
    objective = Objective(batch, REDUCTIONS[reduce], parse_l2(l2), l2_bias)
    acts = [hidden] * (len(sizes) - 2) + ["softmax"]
    return Network.build(sizes, acts, CCE, bias, objective)


# -- the model ---------------------------------------------------------------------------------
def test_jacobian_lemma_and_logsumexp_derivative():
    """The lemma is checked by sympy.diff of the explicit form; LSE's derivative is softmax."""
    assert jacobian_lemma().startswith("lemma:")
    a, b, c = sp.symbols("a b c", real=True)
    explicit = sp.log(sp.exp(a) + sp.exp(b) + sp.exp(c))
    got = sp.diff(LogSumExp(a, b, c), b).subs(LogSumExp(a, b, c), explicit)
    assert sp.simplify(got - sp.diff(explicit, b)) == 0
    assert LogSumExp(0, 0) == sp.log(2)


@pytest.mark.parametrize(
    ("sizes", "acts", "loss", "match"),
    [
        pytest.param((2, 3, 2), "softmax,softmax", CCE, "output activation only", id="hidden"),
        pytest.param((2, 3, 2), "relu,sigmoid", CCE, "needs a softmax output", id="no-softmax"),
        pytest.param((2, 3, 1), "relu,softmax", "half_sse", "constant 1", id="one-output"),
    ],
)
def test_nonsense_is_refused(sizes, acts, loss, match):
    with pytest.raises(InputError, match=match):
        Network.build(sizes, acts, loss)


@pytest.mark.parametrize(
    ("text", "match"),
    [("0", "positive"), ("-2", "positive"), ("65", "limit"), ("two", "positive")],
)
def test_bad_batch_is_refused(text, match, capsys):
    code = cli_main(["prove", "--layers", "2,2", "--batch", text])
    err = capsys.readouterr().err
    assert code == 2 and match in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "text", ["inf", "nan", "-1", "1e999", "x", "eta", "w", "lambda_1", "2*lam", "__import__('os')"]
)
def test_bad_l2_is_refused_without_sympify(text, capsys):
    code = cli_main(["prove", "--layers", "2,2", "--l2", text])
    err = capsys.readouterr().err
    assert code == 2 and "--l2" in err and err.count("\n") == 1


def test_l2_values_are_exact():
    assert parse_l2("0.1") == sp.Rational(1, 10)
    assert parse_l2("lam") == sp.Symbol("lam", positive=True)
    assert parse_l2("0") == 0


def test_output_signal_comes_out_of_the_full_jacobian():
    """delta's output signal is -dE/de^L through every output: t_j - y_j sum_m t_m, which is
    t_j - y_j for probability targets; never written in."""
    net = build((2, 3))
    rules = derive(net, "delta")
    y1 = net.y(1, 1)
    want = net.t(1) - y1 * (net.t(1) + net.t(2) + net.t(3))
    assert sp.expand(rules.signal(1, 1)[1] - want) == 0
    on_simplex = net.on_domain(rules.signal(1, 1)[1])
    assert sp.expand(on_simplex - (net.t(1) - y1)) == 0


# -- every convention against sympy.diff of the written-out loss ------------------------------
GRADIENT_LIKE = [
    "gradient",
    "delta",
    "matrix",
    "output_derivative",
    "error_at_update_consistent",
    "delta_flipped",
]
SLOW = (pytest.mark.slow,)
SETTINGS = [
    pytest.param((2, 2, 2), "tanh", 1, "mean", "0", False, id="2-2-2-tanh"),
    pytest.param((2, 2, 3), "sigmoid", 2, "mean", "0", False, id="2-2-3-batch2-mean", marks=SLOW),
    pytest.param((2, 2, 2), "tanh", 3, "sum", "0", False, id="2-2-2-tanh-batch3-sum", marks=SLOW),
    pytest.param((2, 2, 2), "sigmoid", 1, "mean", "1/10", False, id="2-2-2-l2", marks=SLOW),
    pytest.param((2, 2, 2), "x**2/2 + x/3", 2, "sum", "lam", True, id="2-2-2-poly-batch2-l2bias"),
    pytest.param((1, 2, 2, 2), "tanh", 2, "mean", "lam", False, id="1-2-2-2-batch2-l2"),
]


@pytest.mark.parametrize(("sizes", "hidden", "batch", "reduce", "l2", "l2_bias"), SETTINGS)
def test_every_convention_against_the_written_out_loss(sizes, hidden, batch, reduce, l2, l2_bias):
    l2 = "0.1" if l2 == "1/10" else l2
    net = build(sizes, hidden, batch, reduce, l2, l2_bias)
    point = rational_point(net, 3)
    want = oracle_values(net, point)
    through_output = all(a.is_vector or a.output_derivative_expr for a in net.activations)
    for conv in GRADIENT_LIKE:
        if conv == "output_derivative" and not through_output:
            continue  # refused: a polynomial has no derivative written through its output
        got = expanded_values(net, conv, point)
        bad = [p.name for p in net.parameters() if differ(got[p], want[p])]
        assert not bad, f"{conv}: {bad}"
    # the AGH recipe and the in-place bug agree on the output layer only
    L = net.depth
    for conv in ("error_at_update", "error_at_update_flipped", "inplace"):
        got = expanded_values(net, conv, point)
        for p in net.parameters():
            layer = net.locate(p.name)[0]
            assert differ(got[p], want[p]) is (layer < L), (conv, p)


# -- the provers ------------------------------------------------------------------------------
def test_done_when_delta_equals_gradient_on_4_5_3():
    net = Network.build([4, 5, 3], "relu,softmax", CCE, bias=True)
    report = prove(net, "delta", "gradient")
    assert report.equivalent is True
    assert "every neuron of every width" in " ".join(report.notes)


def test_done_when_agh_differs_with_a_counterexample():
    net = Network.build([4, 5, 3], "sigmoid,softmax", CCE, bias=True)
    report = prove(net, "error_at_update", "gradient", conditions=False)
    assert report.equivalent is False
    statuses = {r.layer: {r.status} for r in report.layers}
    assert statuses == {2: {EQUAL}, 1: {DIFFERS}}
    check_report_against_oracle(net, "error_at_update", report)


@pytest.mark.parametrize(
    ("conv", "hidden"),
    [
        ("error_at_update", "generic"),
        pytest.param("matrix", "generic", marks=SLOW),
        pytest.param("inplace", "generic", marks=SLOW),
        pytest.param("output_derivative", "sigmoid", marks=SLOW),
    ],
)
def test_small_softmax_networks_against_the_oracle(conv, hidden):
    net = Network.build([2, 2, 3], f"{hidden},softmax", CCE, bias=True)
    report = prove(net, conv, "gradient", conditions=False)
    assert report.equivalent is not None
    check_report_against_oracle(net, conv, report)


def test_general_proof_covers_softmax():
    proof = sbp.prove_general("delta", "gradient", losses=[CCE])
    assert proof.equivalent is True
    assert {row["status"] for row in proof.parameters} == {EQUAL}


@pytest.mark.slow
def test_general_proof_of_the_agh_recipe_is_never_equal():
    proof = sbp.prove_general("error_at_update", "gradient", losses=[CCE], bias=True)
    assert proof.equivalent is not True
    rows = {row["key"]: row["status"] for row in proof.parameters}
    assert rows["w_hidden"] != EQUAL


def test_a_sum_against_a_mean_is_the_factor_n():
    net = build((2, 2, 2), "tanh", batch=3)
    a = sbp.conventions.Reduced(get_convention("delta"), REDUCTIONS["sum"])
    b = sbp.conventions.Reduced(get_convention("gradient"), REDUCTIONS["mean"])
    report = prove(net, a, b)
    assert report.equivalent is False
    assert any("factor N = 3" in c for c in report.conditions)
    ratios = {r.ratio for r in report.parameters if r.ratio is not None}
    assert ratios == {sp.Rational(1, 3)}
    same = prove(net, "delta", "gradient")
    assert same.equivalent is True


def test_a_recipe_that_forgets_the_penalty_is_refuted():
    class Forgetful(sbp.Delta):
        name = "forgets_l2"

        def penalty_update(self, net, p):
            return sp.S.Zero

    net = build((2, 2, 2), "tanh", l2="lam")
    report = prove(net, Forgetful(), "gradient", conditions=False)
    assert report.equivalent is False
    assert prove(net, "delta", "gradient").equivalent is True


def test_user_recipe_t_minus_y_is_the_gradient_on_probability_targets():
    """The textbook ``d = t - y`` (written in) equals the gradient for targets that sum to 1;
    the classic bug ``(t - y) y (1 - y)`` does not."""

    class Textbook(sbp.Delta):
        name = "textbook_t_minus_y"

        def output_signal(self, net, j):
            return net.t(j) - net.y(net.depth, j)

    class DiagonalBug(sbp.Delta):
        name = "diagonal_bug"

        def output_signal(self, net, j):
            return (net.t(j) - net.y(net.depth, j)) * net.fprime(net.depth, j)

    net = Network.build([2, 3, 3], "tanh,softmax", CCE, bias=True)
    assert prove(net, Textbook(), "gradient").equivalent is True
    sbp.register(DiagonalBug(), replace=True)
    try:
        report = prove(net, "diagonal_bug", "gradient", conditions=False)
        assert report.equivalent is False
        check_report_against_oracle(net, "diagonal_bug", report)
    finally:
        sbp.unregister("diagonal_bug")


def test_consistent_agh_recipe_is_proven_at_any_width():
    """No factor relates its output signal t/y to the gradient's; the layer below compares them
    written out, and the identities hold for every width."""
    net = Network.build([20, 12, 4], "tanh,softmax", CCE, bias=True)
    report = prove(net, "error_at_update_consistent", "gradient", conditions=False)
    assert report.equivalent is True
    assert "every neuron of every width" in " ".join(report.notes)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (
            [
                "--layers",
                "4,5,3",
                "--activation",
                "relu,softmax",
                "--conventions",
                "delta,gradient",
            ],
            0,
        ),
        (["--general", "--conventions", "delta,gradient"], 0),
        (
            [
                "--layers",
                "2,3,2",
                "--activation",
                "tanh,softmax",
                "--batch",
                "2",
                "--no-conditions",
            ],
            1,
        ),
    ],
)
def test_command_line_exit_codes(args, code, capsys):
    assert cli_main(["prove", "--loss", CCE, "--bias", *args]) == code
    capsys.readouterr()


@pytest.mark.parametrize(
    "extra", [["--batch", "2"], ["--reduce", "sum"], ["--l2", "1/10"], ["--l2-bias"]]
)
def test_the_general_proof_refuses_an_objective_option(extra, capsys):
    """--general is for one sample without a penalty: every objective option is refused in one
    line naming it (--l2-bias was once accepted silently)."""
    assert cli_main(["prove", "--general", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and extra[0] in err


def test_a_layer_rule_that_is_not_the_recipe_is_caught():
    """A recipe that computes one thing on the symbolic neuron and another per neuron: the
    verification of the layer rules against the per-neuron ones refuses it."""
    from symbolic_bp.derive import layer_rules
    from symbolic_bp.verify import NotRepresented, check_networks, verify_layer_rules

    class TwoFaced(sbp.Delta):
        name = "two_faced"

        def output_signal(self, net, j):
            y = net.y(net.depth, j)
            return net.t(j) - (y if hasattr(net, "representative") else y * y / y**2 * y)

    class Shifted(sbp.Delta):
        name = "two_faced_shift"

        def output_signal(self, net, j):
            extra = 0 if hasattr(net, "representative") else net.y(net.depth, j) / 1000
            return super().output_signal(net, j) + extra

    net = Network.build([3, 4, 3], "tanh,softmax", CCE, bias=True)
    verify_layer_rules(layer_rules(net, TwoFaced()), check_networks(net))  # the same rule
    with pytest.raises(NotRepresented):
        verify_layer_rules(layer_rules(net, Shifted()), check_networks(net))


def test_derivation_document_shows_the_derived_output_signal():
    from symbolic_bp.render.derivation import derivation

    net = build((4, 5, 3), "relu", batch=2, l2="lam")
    doc = derivation(net, "delta")
    text = doc.markdown()
    assert r"d^{2}_{j} = t_{j} - y^{2}_{j} \sum_{m=1}^{n_{2}} t_{m}" in text
    assert "probability vectors" in text and r"\frac{1}{2} \sum_{s=1}^{2}" in text
    assert doc.data["batch_scale"] == "1/2"
    assert doc.data["layers"][0]["weight_penalty"] == "-eta*lam*w[2, j, i]"
