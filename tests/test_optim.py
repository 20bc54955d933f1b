"""The optimizer prover's verdicts, each checked against an independent oracle: the recipes
written again in plain Python on Fractions (tests/optim_oracle.py), never through the package.

- "equal" must never be contradicted: both recipes iterated exactly on random problems agree;
- "differs" must come with a counterexample the oracle reproduces exactly (the values the report
  prints) and in which the two recipes really differ;
- every proven condition must make the oracle's iterations agree, and a relation close to it
  must not.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from symbolic_bp.optim import prove_optimizers

from .optim_oracle import iterate, polynomial_gradient, random_problem

SEEDS = range(6)


def _agree_on_random_problems(a, b, names, steps=3, rates=False, relate=None, dim=2):
    """Both recipes, exactly, on random problems: the parameters after every step."""
    for seed in SEEDS:
        grad, p0, hyper = random_problem(seed, dim, names)
        if relate is not None:
            relate(hyper)
        sched = [Fraction(seed + t, 7 + t) for t in range(1, steps + 1)] if rates else None
        pa = iterate(a, grad, p0, hyper, steps, sched)
        pb = iterate(b, grad, p0, hyper, steps, sched)
        if pa != pb:
            return False
    return True


def _check_counterexample(report, dim=2):
    """The oracle reproduces the counterexample's values, and they differ."""
    ce = report.counterexample
    assert ce is not None and ce.exact
    a, b = report.optimizers
    data = ce.to_dict()
    point = {k: Fraction(v) for k, v in data["point"].items()}
    p0 = [point[f"p0_{i}"] for i in range(1, dim + 1)]
    hyper = {k: v for k, v in point.items() if not k.startswith("p0_")}
    steps = report.setting.steps
    rates = None
    if report.setting.schedule == "per-step":
        rates = [hyper.pop(f"lr_{t}") for t in range(1, steps + 1)]
    grad = polynomial_gradient(ce.loss, dim)
    pa = iterate(a, grad, p0, hyper, ce.step, rates)
    pb = iterate(b, grad, p0, hyper, ce.step, rates)
    va, vb = pa[ce.step][ce.coordinate - 1], pb[ce.step][ce.coordinate - 1]
    assert va != vb
    assert (Fraction(data["values"][a]), Fraction(data["values"][b])) == (va, vb)


def test_momentum_forms_equal_with_a_constant_learning_rate():
    report = prove_optimizers("momentum", "momentum_lr_inside", steps=3)
    assert report.equivalent is True and report.exit_code == 0
    assert [s.status for s in report.steps] == ["equal"] * 3
    assert report.counterexample is None
    assert _agree_on_random_problems("momentum", "momentum_lr_inside", ["lr", "mu"])


def test_momentum_forms_differ_with_a_per_step_schedule():
    report = prove_optimizers("momentum", "momentum_lr_inside", steps=3, lr_schedule="per-step")
    assert report.equivalent is False and report.exit_code == 1
    # step 1 is the same for any rate; from step 2 the old velocity carries the old rate
    assert [s.status for s in report.steps] == ["equal", "differs", "differs"]
    _check_counterexample(report)
    assert report.counterexample.step == 2
    assert report.conditions == ["a constant learning rate (lr_1 = lr_2 = lr_3 = lr)", "mu = 0"]
    assert not _agree_on_random_problems("momentum", "momentum_lr_inside", ["mu"], rates=True)

    def no_momentum(h):
        h["mu"] = Fraction(0)

    assert _agree_on_random_problems(
        "momentum", "momentum_lr_inside", ["mu"], rates=True, relate=no_momentum
    )


def test_l2_and_decoupled_decay_agree_for_sgd_exactly_when_wd_is_lr_times_l2():
    report = prove_optimizers("sgd_l2", "sgd_weight_decay", steps=3)
    assert report.equivalent is False
    _check_counterexample(report)
    assert report.conditions == ["wd = l2*lr"]
    searched = {c.condition: c.status for c in report.searched}
    assert searched["wd = l2*lr"] == "equal"
    assert searched["wd = l2"] == "differs" and searched["l2 = lr*wd"] == "differs"
    names = ["lr", "l2", "wd"]

    def proportional(h):
        h["wd"] = h["lr"] * h["l2"]

    def off_by_a_bit(h):
        h["wd"] = h["lr"] * h["l2"] + Fraction(1, 1000)

    assert _agree_on_random_problems("sgd_l2", "sgd_weight_decay", names, relate=proportional)
    assert not _agree_on_random_problems("sgd_l2", "sgd_weight_decay", names, relate=off_by_a_bit)


def test_sgd_decay_relation_needs_a_constant_rate_under_a_schedule():
    report = prove_optimizers("sgd_l2", "sgd_weight_decay", steps=3, lr_schedule="per-step")
    assert report.equivalent is False
    _check_counterexample(report)
    assert report.conditions[0] == (
        "a constant learning rate (lr_1 = lr_2 = lr_3 = lr) and wd = l2*lr"
    )


def test_adam_l2_and_adamw_differ_for_every_decay():
    report = prove_optimizers("adam_l2", "adamw", steps=2, conditions=False)
    assert report.equivalent is False
    _check_counterexample(report)
    assert report.counterexample.step == 1


def test_nesterov_forms_differ_unless_mu_is_zero():
    report = prove_optimizers("nesterov", "nesterov_lookahead", steps=3)
    assert report.equivalent is False
    _check_counterexample(report)
    assert report.conditions == ["mu = 0"]

    def no_momentum(h):
        h["mu"] = Fraction(0)

    names = ["lr", "mu"]
    assert _agree_on_random_problems("nesterov", "nesterov_lookahead", names, relate=no_momentum)
    assert not _agree_on_random_problems("nesterov", "nesterov_lookahead", names)


def test_trajectory_enclosures_contain_the_oracles_values():
    """Adam's later steps are irrational: the report's enclosures must hold the values that
    the oracle computes with 60 digits."""
    report = prove_optimizers("adam_l2", "adamw", steps=3, conditions=False)
    ce = report.counterexample
    data = ce.to_dict()
    mpmath.mp.dps = 60
    point = {
        k: mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator
        for k, v in data["point"].items()
    }
    p0 = [point["p0_1"], point["p0_2"]]
    hyper = {k: v for k, v in point.items() if not k.startswith("p0_")}
    grad = polynomial_gradient(ce.loss, 2, exact=False)
    for name in report.optimizers:
        values = iterate(name, grad, p0, hyper, 3, sqrt=mpmath.sqrt)
        for row in data["trajectory"]:
            shown = row[name]
            exact = values[row["step"]][ce.coordinate - 1]
            if shown.startswith("["):
                lo, hi = (mpmath.mpf(x) for x in shown.strip("[]").split(","))
                assert lo <= exact <= hi, (name, row)
            else:
                assert (
                    abs(exact - mpmath.mpf(Fraction(shown).numerator) / Fraction(shown).denominator)
                    < mpmath.mpf(10) ** -50
                )


def test_fixed_hyperparameters_are_used_exactly():
    report = prove_optimizers(
        "momentum", "momentum_lr_inside", lr_schedule="per-step", hyper="mu=0.9,lr_2=1/10"
    )
    ce = report.counterexample
    assert ce.hyperparameters["mu"] == Fraction(9, 10)
    assert ce.hyperparameters["lr_2"] == Fraction(1, 10)
    _check_counterexample(report)


@pytest.mark.parametrize("dim", [1, 3])
def test_other_numbers_of_parameters(dim):
    report = prove_optimizers("momentum", "momentum_lr_inside", lr_schedule="per-step", dim=dim)
    assert report.equivalent is False
    assert len(report.steps[0].entries) == dim
    _check_counterexample(report, dim)
