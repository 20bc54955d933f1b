"""A differing pair on a batch goes through the layer prover (its readable relations read net
inputs of one sample) and ends in a certified counterexample, checked here against an
independent computation: ``sympy.diff`` of the mean loss for the gradient and the AGH
tutorial's formulas, averaged over the samples, for ``error_at_update``."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
import sympy as sp

from symbolic_bp.cli import main


def _prove(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["prove", "--layers", "2,2,1", "--batch", "2", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def _independent_values(cx: dict) -> tuple[sp.Rational, sp.Rational]:
    """(AGH update, gradient update) of ``cx['parameter']`` at ``cx['point']`` on 2-2-1
    with biases, a batch of two samples, the mean of ``1/2 (t - y)^2``."""
    pt = {k: sp.Rational(Fraction(v)) for k, v in cx["point"].items()}
    x = sp.Symbol("x")
    f = [sp.Lambda(x, sp.sympify(cx["activations"][f"f_{l}"], locals={"x": x})) for l in (1, 2)]
    w1 = sp.Matrix(2, 2, lambda j, i: sp.Symbol(f"w1_{j + 1}_{i + 1}"))
    b1 = sp.Matrix(2, 1, lambda j, _: sp.Symbol(f"b1_{j + 1}"))
    w2 = sp.Matrix(1, 2, lambda _, i: sp.Symbol(f"w2_1_{i + 1}"))
    b2 = sp.Symbol("b2_1")
    eta = sp.Symbol("eta")
    loss, agh = sp.S.Zero, sp.S.Zero
    for s in (1, 2):
        xs = sp.Matrix([sp.Symbol(f"x{s}_1"), sp.Symbol(f"x{s}_2")])
        t = sp.Symbol(f"t{s}_1")
        e1 = w1 * xs + b1
        y1 = e1.applyfunc(f[0])
        e2 = (w2 * y1)[0] + b2
        y2 = f[1](e2)
        loss += sp.Rational(1, 2) * (t - y2) ** 2 / 2
        r2 = t - y2
        r1 = w2[0, 0] * r2  # the error sent back to neuron 1 of layer 1, no derivative
        agh += eta * r1 * sp.diff(f[0](x), x).subs(x, e1[0]) * xs[0] / 2
    assert cx["parameter"] == "w1_1_1"
    grad = -eta * sp.diff(loss, sp.Symbol("w1_1_1"))
    return agh.subs(pt), grad.subs(pt)


def test_agh_against_gradient_on_a_batch_is_refuted_with_a_checked_point(capsys):
    code, out = _prove(capsys, "--bias", "--conventions", "error_at_update,gradient")
    assert code == 1 and out["equivalent"] is False
    cx = out["counterexample"]
    agh, grad = _independent_values(cx)
    assert agh != grad
    assert sp.Rational(Fraction(cx["values"]["error_at_update"])) == agh
    assert sp.Rational(Fraction(cx["values"]["gradient"])) == grad


def test_delta_against_gradient_on_a_batch_is_equal(capsys):
    code, out = _prove(capsys, "--bias", "--conventions", "delta,gradient")
    assert code == 0 and out["equivalent"] is True
