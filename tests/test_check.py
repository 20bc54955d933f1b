"""``symbolic-bp check``: a learner's own code proven right or wrong, and its recipe named.

For every learner-style file in ``tests/check_examples`` the checker's verdict per parameter
and its ``matches`` must agree with independent oracles (``check_oracles``): ``sympy.diff`` of
the loss written out by hand for the gradient (the mean over the batch), each registered
convention's own ``derive()`` rules expanded, compared at rational points with mpmath. Every
counterexample is re-checked: the user's code run on floats at its point, and the ``sympy.diff``
oracle there, must lie in the reported values, which must be disjoint. Then the named factors,
the explanation of a matched recipe, the command line, bad input and the limits.
"""

from __future__ import annotations

import dataclasses

import mpmath
import pytest
import sympy as sp

from symbolic_bp import check
from symbolic_bp.checking import CheckReport
from symbolic_bp.cli import main
from symbolic_bp.conventions import CONVENTIONS
from symbolic_bp.trace import Trace, trace_step

from .check_oracles import convention_oracle, enclosure, network, points, relation, sympy_point
from .trace_oracles import ETA, Case, evaluate, float_updates, gradient_oracle

BOOK = Case("book_expit_class", (3, 3, 3), recipe="error_at_update")
AGH = Case("agh_tutorial", (2, 3, 2, 1), recipe="error_at_update")
MINIBATCH = Case("minibatch_class", (2, 2, 2), bias=True, batch=2)
NEURONS = Case("neuron_objects", (2, 2, 2), bias=True)
DICTS = Case("list_of_dicts", (2, 3, 2), bias=True)
ELEVEN = Case("eleven_lines", (3, 4, 1), batch=4, reduction="sum", uses_lr=False)
LAYERS = Case("layers_right_order", (2, 3, 2), bias=True, activation="tanh")
UPDATE_FIRST = Case("layers_update_first", (2, 3, 2), bias=True, activation="tanh")
MICROGRAD = Case("micrograd_style", (2, 3, 1), bias=True)
MISSING_DERIVATIVE = Case("wrong_missing_derivative", (2, 3, 2), bias=True, batch=2)
TRANSPOSED = Case("wrong_transposed_weight", (3, 3, 3), batch=2, reduction="sum", uses_lr=False)
SIGN = Case("wrong_sign", (2, 2, 1), bias=True)
NO_BIAS_UPDATE = Case("wrong_forgotten_bias", (2, 2, 2), bias=True)
NET_INPUT = Case("wrong_derivative_of_net_input", (2, 3, 2), bias=True)

CORRECT = [MINIBATCH, NEURONS, DICTS, LAYERS, MICROGRAD]
RECIPES = [BOOK, AGH, ELEVEN, UPDATE_FIRST]
WRONG = [MISSING_DERIVATIVE, TRANSPOSED, SIGN, NO_BIAS_UPDATE, NET_INPUT]


def ids(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.stem) for c in cases]


_REPORTS: dict[Case, CheckReport] = {}
_TRACES: dict[Case, Trace] = {}


def checked(case: Case) -> CheckReport:
    """The check of a case on the network the file is written for (cached)."""
    if case.stem == "book_expit_class":
        pytest.importorskip("scipy")
    if case not in _REPORTS:
        _REPORTS[case] = check(case.path, network(case), batch=case.batch, timeout=None)
    return _REPORTS[case]


def traced(case: Case) -> Trace:
    if case not in _TRACES:
        _TRACES[case] = trace_step(case.path, network(case), batch=case.batch)
    return _TRACES[case]


_GRADIENTS: dict[Case, dict[str, sp.Expr]] = {}


def mean_gradient(case: Case) -> dict[str, sp.Expr]:
    """``-eta dE/dp`` of the mean over the batch of ``half_sse``: what check compares with."""
    if case not in _GRADIENTS:
        reference = dataclasses.replace(case, loss="half_sse", reduction="mean", uses_lr=True)
        _GRADIENTS[case] = gradient_oracle(reference)
    return _GRADIENTS[case]


# -- the verdict and the matches against independent oracles ----------------------------------
@pytest.mark.parametrize("case", ids(CORRECT + RECIPES + WRONG))
def test_each_parameter_verdict_agrees_with_sympy_diff_of_the_loss(case):
    report, trace, gradient = checked(case), traced(case), mean_gradient(case)
    at = points(case)
    for result in report.parameters:
        oracle = relation(trace.updates[result.name], gradient[result.name], at)
        assert oracle != "unclear", result.name
        assert result.status == ("equal" if oracle == "same" else "differs"), result.name
    assert report.equivalent is all(r.status == "equal" for r in report.parameters)


@pytest.mark.parametrize("case", ids(CORRECT + RECIPES + WRONG))
def test_each_verdict_agrees_with_the_code_run_on_floats(case):
    """No tracer here: the user's file run on plain floats at two rational points against
    sympy.diff of the loss; 'equal' must agree to float precision at both, 'differs' must be
    far apart at one of them at least."""
    report, gradient = checked(case), mean_gradient(case)
    runs = []
    for point in points(case, (31, 32)):
        lr = float(point[ETA]) if case.uses_lr else None
        runs.append((float_updates(case, point, lr), point))
    for result in report.parameters:
        gaps = []
        for floats, point in runs:
            exact = float(evaluate(gradient[result.name], point))
            gaps.append(abs(floats[result.name] - exact) / (1e-12 + abs(exact)))
        if result.status == "equal":
            assert max(gaps) < 1e-7, result.name
        else:
            assert max(gaps) > 1e-3, result.name


@pytest.mark.parametrize("case", ids(CORRECT + RECIPES + WRONG))
def test_matches_are_the_conventions_whose_expanded_rules_are_the_code(case):
    report, trace = checked(case), traced(case)
    at = points(case, (23,))
    expected = set()
    for name in CONVENTIONS:
        rules = convention_oracle(case, name)
        verdicts = {relation(trace.updates[p], rules[p], at) for p in rules}
        if verdicts == {"same"}:
            expected.add(name)
    assert set(report.matches) == expected


@pytest.mark.parametrize(
    ("case", "recipe"),
    [
        *[pytest.param(c, "gradient", id=c.stem) for c in CORRECT],
        pytest.param(BOOK, "error_at_update", id="book-is-error_at_update"),
        pytest.param(AGH, "error_at_update", id="agh-is-error_at_update"),
        pytest.param(UPDATE_FIRST, "inplace", id="update_first-is-inplace"),
    ],
)
def test_each_file_is_the_recipe_its_docstring_names(case, recipe):
    report = checked(case)
    assert recipe in report.matches
    assert report.exit_code == (0 if recipe == "gradient" else 1)


@pytest.mark.parametrize("case", ids(WRONG))
def test_wrong_code_is_refuted_by_a_counterexample_that_holds(case):
    """The point is re-evaluated without the checker: the code on floats, the gradient by
    sympy.diff at 70 digits; both must lie in the reported values, which must differ."""
    report = checked(case)
    assert report.equivalent is False and report.exit_code == 1
    ce = report.counterexample
    assert ce is not None and report.result(ce.parameter).status == "differs"
    point = sympy_point(ce.point)
    code_float = float_updates(case, point, lr=float(point.get(ETA, 1)))[ce.parameter]
    gradient = evaluate(mean_gradient(case)[ce.parameter], point, 70)
    if ce.exact:
        assert ce.values["code"] != ce.values["gradient"]
        assert float(ce.values["code"]) == pytest.approx(code_float, rel=1e-9, abs=1e-12)
        assert abs(gradient - mpmath.mpf(ce.values["gradient"].numerator)
                   / ce.values["gradient"].denominator) < mpmath.mpf(10) ** -50  # fmt: skip
    else:
        (c_lo, c_hi), (g_lo, g_hi) = enclosure(ce.values["code"]), enclosure(ce.values["gradient"])
        assert c_hi < g_lo or g_hi < c_lo  # disjoint: the exact values differ
        assert g_lo <= gradient <= g_hi
        slack = 1e-9 * (1 + abs(code_float))
        assert c_lo - slack <= code_float <= c_hi + slack


def test_the_forgotten_bias_is_named_and_the_weights_are_right():
    report = checked(NO_BIAS_UPDATE)
    rows = {(r.layer, r.kind): r for r in report.layers}
    assert all(rows[(l, "w")].status == "equal" for l in (1, 2))
    assert all(rows[(l, "b")].status == "differs" for l in (1, 2))
    assert rows[(2, "b")].relation == "not updated: every update of the code is 0"


# -- constant factors ------------------------------------------------------------------------------
def test_eleven_lines_is_the_gradient_summed_over_the_batch_without_a_learning_rate():
    report, trace, gradient = checked(ELEVEN), traced(ELEVEN), mean_gradient(ELEVEN)
    for name, update in trace.updates.items():
        assert relation(update, 4 / ETA * gradient[name], points(ELEVEN)) == "same"
    assert report.factor == "4/eta"
    assert any("sum over the batch of 4" in n for n in report.factor_names)
    assert any("learning rate is not used" in n for n in report.factor_names)
    assert any(c.startswith("eta = 4") for c in report.conditions)
    assert report.similar["gradient"] == "4/eta" and report.matches == []


def test_wrong_sign_is_named_as_the_opposite_sign():
    report = checked(SIGN)
    assert report.factor == "-1" and "opposite sign" in report.factor_names[0]


@pytest.mark.parametrize(
    ("case", "loss", "factor", "words"),
    [
        pytest.param(NEURONS, "sse", "1/2", "half_sse", id="half_sse-checked-as-sse"),
        pytest.param(
            Case("layers_right_order", (2, 2, 3), bias=True, activation="tanh"),
            "half_sse", "2/3", "mean over the 3 outputs", id="mse-over-3-outputs",
        ),
    ],
)  # fmt: skip
def test_a_loss_factor_is_named(case, loss, factor, words):
    report = check(case.path, network(case, loss), timeout=None)
    assert report.factor == factor and any(words in n for n in report.factor_names)
    trace = traced(case)
    oracle = convention_oracle(case, "gradient", loss)
    rational = sp.Rational(*map(int, factor.split("/")))
    for name, update in trace.updates.items():
        assert relation(update, rational * oracle[name], points(case)) == "same"


def test_a_numeric_learning_rate_is_used_exactly(tmp_path):
    report = check(NEURONS.path, network(NEURONS), lr=0.25, timeout=None)
    assert report.equivalent is True and report.lr == "1/4"


# -- the explanation of a matched recipe -------------------------------------------------------
def test_the_book_code_is_explained_by_the_proof_of_its_recipe():
    report = checked(BOOK)
    assert report.recipe is not None and report.recipe.convention == "error_at_update"
    assert any("f_2' = 1" in c for c in report.conditions)
    assert report.relations and str(report.relations[0]) == "G2_1 = -r2_1*f_2'(e2_1)"
    assert "f_2'(e2_1) - 1" in str(report.result("w1_1_1").difference)
    rows = {r.layer: r.status for r in report.layers}
    assert rows == {2: "equal", 1: "differs"}


def test_the_agh_tutorial_on_the_default_network_needs_layers_2_and_3_linear(capsys):
    assert main(["check", str(AGH.path)]) == 1
    out = capsys.readouterr().out
    assert "The code is error_at_update" in out and "Network: 2-3-2-1" in out
    assert "- f_2' = 1 and f_3' = 1 (the derivative of layers 2, 3 identically 1)" in out


def test_update_first_is_explained_by_inplace():
    report = checked(UPDATE_FIRST)
    assert report.matches == ["inplace"] and report.recipe is not None


def test_a_tanh_code_checked_as_sigmoid_gets_the_activation_hint():
    report = check(LAYERS.path, network(dataclasses.replace(LAYERS, activation="sigmoid")))
    assert report.equivalent is not True
    assert any("activation='tanh'" in h and "proven to be the gradient" in h for h in report.hints)
    assert not any("--" in h for h in report.hints)  # from Python: no command-line option


def test_the_activation_hint_names_the_option_on_the_command_line(capsys):
    args = ["check", str(LAYERS.path), "--layers", "2,3,2", "--bias", "--activation", "sigmoid"]
    assert main(args) != 2
    out = capsys.readouterr().out
    assert "with --activation tanh the code's update is proven to be the gradient" in out


# -- exhaustive: deeper and wider networks (pytest -m slow) ------------------------------------
DEEP = [
    Case("minibatch_class", (2, 3, 2, 2), bias=True, batch=2),
    Case("micrograd_style", (2, 2, 2, 1), bias=True),
    Case("layers_right_order", (2, 2, 3, 2), bias=True, activation="tanh"),
    Case("list_of_dicts", (2, 2, 2, 2), bias=True),
    Case("layers_update_first", (2, 2, 2, 2), bias=True, activation="tanh"),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", ids(DEEP))
def test_deeper_networks_agree_with_the_oracles(case):
    test_each_parameter_verdict_agrees_with_sympy_diff_of_the_loss(case)
    test_each_verdict_agrees_with_the_code_run_on_floats(case)
    test_matches_are_the_conventions_whose_expanded_rules_are_the_code(case)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("stem", "options", "expected"),
    [
        pytest.param("minibatch_class", {"activation": "sigmoid"}, "gradient", id="minibatch"),
        pytest.param("micrograd_style", {"activation": "sigmoid"}, "gradient", id="micrograd"),
        # the mean over 4 outputs (mse) with the in-place update: no convention, no factor
        pytest.param("layers_update_first", {"activation": "tanh"}, None, id="update_first"),
    ],
)
def test_8_16_16_4_networks(stem, options, expected):
    case = Case(stem, (8, 16, 16, 4), bias=True, **options)
    report = check(case.path, network(case), timeout=None)
    assert report.matches[:1] == ([expected] if expected else [])
    assert report.equivalent is (expected == "gradient")
    if report.counterexample is not None:  # the code on floats at the point, in the enclosure
        ce = report.counterexample
        point = sympy_point(ce.point)
        value = float_updates(case, point, lr=float(point[ETA]))[ce.parameter]
        lo, hi = enclosure(ce.values["code"])
        assert lo - 1e-9 * (1 + abs(value)) <= value <= hi + 1e-9 * (1 + abs(value))
