"""``symbolic-bp check`` with what courses add (issue 14): an L2 penalty, mini-batches and a
softmax output with the categorical cross-entropy.

The oracles are independent of the checker: the loss written out by hand (softmax as
``exp(z) / sum exp(z)``, the penalty as ``LAMBDA/2 sum w^2``) and differentiated by
``sympy.diff``, and the learner's file run on plain floats. Check's field of atoms writes no
softmax layer yet: code with a softmax output must never be called equal or different
wrongly; a correct one stays unknown, a wrong one is refuted at a point whose targets sum to 1
(off that simplex the categorical cross-entropy's rules do not hold, and a "counterexample"
there would be false).
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from symbolic_bp import check
from symbolic_bp.cli import main
from symbolic_bp.errors import InputError
from symbolic_bp.model.network import Network
from symbolic_bp.model.objective import Objective

from .check_oracles import enclosure, sympy_point
from .trace_oracles import (
    ETA,
    Case,
    evaluate,
    float_updates,
    loss,
    parameter_names,
    rational_point,
    real,
    samples,
    sigmoid,
    weights,
)

LAMBDA = sp.Rational(1, 100)
DECAY = Case("weight_decay_batch", (2, 2, 2), bias=True, batch=2)
SOFTMAX = Case("softmax_classifier", (2, 2, 2), batch=2)
SOFTMAX_WRONG = Case("softmax_wrong_output", (2, 2, 2), batch=2)


def decay_gradient(with_penalty: bool) -> dict[str, sp.Expr]:
    """``-eta dE/dp``: the mean half_sse over the batch, plus ``LAMBDA/2 sum w^2``."""
    E = loss(DECAY)
    if with_penalty:
        E += LAMBDA / 2 * sum(w**2 for l in (1, 2) for w in weights(DECAY, l))
    return {name: -ETA * sp.diff(E, real(name)) for name in parameter_names(DECAY)}


def softmax_gradient(case: Case) -> dict[str, sp.Expr]:
    """``-eta dE/dp`` of the mean over the batch of ``-sum_j t_j log softmax(z)_j``."""
    total = sp.S.Zero
    for x, t in samples(case):
        h = (weights(case, 1) * x).applyfunc(sigmoid)
        z = weights(case, 2) * h
        norm = sum(sp.exp(zk) for zk in z)
        total += -sum(t[j] * sp.log(sp.exp(z[j]) / norm) for j in range(len(t)))
    E = total / len(samples(case))
    return {name: -ETA * sp.diff(E, real(name)) for name in parameter_names(case)}


def simplex_point(case: Case, seed: int) -> dict:
    """A rational point whose targets of every sample sum to 1."""
    point = rational_point(case, seed)
    for _, t in samples(case):
        total = sum(point[s] for s in t)
        point.update({s: point[s] / total for s in t})
    return point


def _gaps(case: Case, gradient: dict[str, sp.Expr], points: list[dict]) -> dict[str, float]:
    """The largest relative gap per parameter between the file run on floats and the oracle."""
    gaps: dict[str, float] = {}
    for point in points:
        floats = float_updates(case, point)
        for name, expr in gradient.items():
            exact = float(evaluate(expr, point))
            gap = abs(floats[name] - exact) / (1e-12 + abs(exact))
            gaps[name] = max(gaps.get(name, 0.0), gap)
    return gaps


def _assert_counterexample_holds(case: Case, report, gradient: dict[str, sp.Expr]) -> dict:
    """The reported values contain the file's float value and the oracle's, and differ."""
    ce = report.counterexample
    assert ce is not None and report.result(ce.parameter).status == "differs"
    point = sympy_point(ce.point)
    code = float_updates(case, point, lr=float(point[ETA]))[ce.parameter]
    exact = evaluate(gradient[ce.parameter], point, 70)
    if ce.exact:
        assert ce.values["code"] != ce.values["gradient"]
        assert float(ce.values["code"]) == pytest.approx(code, rel=1e-9, abs=1e-12)
        value = ce.values["gradient"]
        assert abs(exact - mpmath.mpf(value.numerator) / value.denominator) < 1e-50
    else:
        (c_lo, c_hi), (g_lo, g_hi) = enclosure(ce.values["code"]), enclosure(ce.values["gradient"])
        assert c_hi < g_lo or g_hi < c_lo
        assert g_lo <= exact <= g_hi
        slack = 1e-9 * (1 + abs(code))
        assert c_lo - slack <= code <= c_hi + slack
    return ce.point


# -- L2 --------------------------------------------------------------------------------------
def test_weight_decay_is_the_gradient_of_the_loss_plus_the_penalty():
    oracle = decay_gradient(with_penalty=True)
    gaps = _gaps(DECAY, oracle, [rational_point(DECAY, s) for s in (41, 42)])
    assert max(gaps.values()) < 1e-7  # the oracle: the file is the penalised gradient
    net = Network.build([2, 2, 2], "sigmoid", bias=True, objective=Objective(l2=LAMBDA))
    report = check(DECAY.path, net, batch=2, timeout=None)
    assert report.equivalent is True and report.exit_code == 0
    assert "gradient" in report.matches and "delta" in report.matches


def test_weight_decay_without_l2_is_refuted_where_the_penalty_acts():
    plain = decay_gradient(with_penalty=False)
    gaps = _gaps(DECAY, plain, [rational_point(DECAY, 43)])
    report = check(DECAY.path, Network.build([2, 2, 2], "sigmoid", bias=True), batch=2)
    assert report.equivalent is False and report.exit_code == 1
    for result in report.parameters:  # the weights differ by the decay, the biases do not
        assert result.status == ("differs" if gaps[result.name] > 1e-3 else "equal"), result.name
    assert {r.name[0] for r in report.parameters if r.status == "differs"} == {"w"}
    _assert_counterexample_holds(DECAY, report, plain)


def test_l2_on_the_command_line(capsys, monkeypatch):
    monkeypatch.chdir(DECAY.path.parent)
    args = ["check", DECAY.path.name, "--layers", "2,2,2", "--bias", "--batch", "2"]
    assert main([*args, "--l2", "0.01"]) == 0
    assert "with L2 1/100 on the weights" in capsys.readouterr().out.splitlines()[0]
    assert main([*args, "--l2", "0.01", "--l2-bias"]) == 1  # the code leaves biases alone
    capsys.readouterr()
    for bad, words in (
        (["--l2", "lambda"], "check needs the number"),
        (["--l2-bias"], "--l2-bias needs --l2"),
        (["--l2", "-1"], "finite number >= 0"),
    ):
        assert main([*args, *bad]) == 2
        err = capsys.readouterr().err.strip()
        assert words in err and len(err.splitlines()) == 1


def test_a_batch_in_the_networks_objective_is_refused():
    net = Network.build([2, 2, 2], "sigmoid", bias=True, objective=Objective(batch=2))
    with pytest.raises(InputError, match="batch=2"):
        check(DECAY.path, net)


# -- softmax ---------------------------------------------------------------------------------
def _softmax_net() -> Network:
    return Network.build([2, 2, 2], "sigmoid,softmax", "categorical_cross_entropy")


def test_correct_softmax_code_is_never_refuted():
    """Before the targets of every sample were put on the simplex, this file (the gradient,
    by the oracle) was 'refuted' at a point with targets 3/7, 3/7."""
    oracle = softmax_gradient(SOFTMAX)
    gaps = _gaps(SOFTMAX, oracle, [simplex_point(SOFTMAX, s) for s in (51, 52)])
    assert max(gaps.values()) < 1e-7  # the oracle: the file is the gradient on the simplex
    report = check(SOFTMAX.path, _softmax_net(), batch=2, timeout=None)
    assert all(r.status != "differs" for r in report.parameters)
    assert report.equivalent is None and report.exit_code == 3
    assert any("no softmax layer" in note for note in report.notes)


def test_wrong_softmax_code_is_refuted_at_targets_that_sum_to_one():
    oracle = softmax_gradient(SOFTMAX_WRONG)
    gaps = _gaps(SOFTMAX_WRONG, oracle, [simplex_point(SOFTMAX_WRONG, 53)])
    assert max(gaps.values()) > 1e-3  # the oracle: the file is not the gradient
    report = check(SOFTMAX_WRONG.path, _softmax_net(), batch=2, timeout=None)
    assert report.equivalent is False and report.exit_code == 1
    point = _assert_counterexample_holds(SOFTMAX_WRONG, report, oracle)
    for s in (1, 2):
        assert point[f"t{s}_1"] + point[f"t{s}_2"] == 1
