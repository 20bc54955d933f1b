"""Every pair of built-in optimizers, each verdict checked against the independent oracle
(slow: about 45 proofs)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath
import pytest

from symbolic_bp.optim import BUILT_IN_OPTIMIZERS, get_optimizer, prove_optimizers

from .optim_oracle import NotRational, iterate, polynomial_gradient, random_problem

PAIRS = list(itertools.combinations(BUILT_IN_OPTIMIZERS, 2))


def _mp(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


@pytest.mark.slow
@pytest.mark.parametrize("a, b", [pytest.param(a, b, id=f"{a}-{b}") for a, b in PAIRS])
def test_every_pair(a, b):
    report = prove_optimizers(a, b, steps=2, conditions=False)
    assert report.equivalent is not None, report
    names = sorted(set(get_optimizer(a).hyper_names()) | set(get_optimizer(b).hyper_names()))
    if report.equivalent:
        for seed in range(4):
            grad, p0, hyper = random_problem(seed, 2, names)
            try:
                assert iterate(a, grad, p0, hyper, 2) == iterate(b, grad, p0, hyper, 2)
            except NotRational:
                pass  # irrational: an equality of Adam forms is not checked with floats here
        return
    ce = report.counterexample.to_dict()
    point = {k: Fraction(v) for k, v in ce["point"].items()}
    p0 = [point.pop("p0_1"), point.pop("p0_2")]
    step, entry = ce["step"], int(ce["parameter"].split("_")[1]) - 1
    mpmath.mp.dps = 60
    grad = polynomial_gradient(ce["loss"], 2, exact=False)
    hyper = {k: _mp(v) for k, v in point.items()}
    got = {
        n: iterate(n, grad, [_mp(x) for x in p0], hyper, step, sqrt=mpmath.sqrt)[step][entry]
        for n in (a, b)
    }
    assert abs(got[a] - got[b]) > mpmath.mpf(10) ** -40
    for n in (a, b):
        shown = ce["values"][n]
        if shown.startswith("["):
            lo, hi = (mpmath.mpf(x) for x in shown.strip("[]").split(","))
            assert lo <= got[n] <= hi
        else:
            assert abs(got[n] - _mp(Fraction(shown))) < mpmath.mpf(10) ** -50
