"""``prove --explain``: the counterexample's arithmetic, re-checked independently: the forward
pass recomputed by hand, the gradient's update from ``sympy.diff`` of the loss at the point, the
AGH recipe's update from its textbook formulas; refusals are one line with exit 2."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from symbolic_bp.cli import main
from symbolic_bp.errors import InputError
from symbolic_bp.model.network import Network
from symbolic_bp.proof import prove
from symbolic_bp.proof.steps import explain

x = sp.Symbol("x")


def _oracle(sizes, bias, ce):
    """Forward values, the gradient's and the AGH recipe's updates of ``ce.parameter``, by
    hand: e = sum w y (+ b), y = f(e), E = 1/2 sum (t - y)^2 (nothing from the package)."""
    point = {k: sp.Rational(str(v)) for k, v in ce.point.items()}
    depth = len(sizes) - 1
    f = [sp.sympify(ce.activations[f"f_{l}"]) for l in range(1, depth + 1)]
    sym = {name: sp.Symbol(name) for name in point}
    y = {(0, i): sym[f"x_{i}"] for i in range(1, sizes[0] + 1)}
    e = {}
    for l in range(1, depth + 1):
        for j in range(1, sizes[l] + 1):
            total = sum(sym[f"w{l}_{j}_{i}"] * y[(l - 1, i)] for i in range(1, sizes[l - 1] + 1))
            e[(l, j)] = total + (sym[f"b{l}_{j}"] if bias else 0)
            y[(l, j)] = f[l - 1].subs(x, e[(l, j)])
    loss = sum((sym[f"t_{j}"] - y[(depth, j)]) ** 2 for j in range(1, sizes[-1] + 1)) / 2
    p = sym[ce.parameter]
    gradient = (-sym["eta"] * sp.diff(loss, p)).subs(point)
    # AGH: r^L = t - y, r^l = sum_k w^{l+1}_{kj} r^{l+1}_k, Delta w = eta r f'(e) y
    fprime = [sp.diff(g, x) for g in f]
    r = {(depth, j): sym[f"t_{j}"] - y[(depth, j)] for j in range(1, sizes[-1] + 1)}
    for l in range(depth - 1, 0, -1):
        for j in range(1, sizes[l] + 1):
            r[(l, j)] = sum(
                sym[f"w{l + 1}_{k}_{j}"] * r[(l + 1, k)] for k in range(1, sizes[l + 1] + 1)
            )
    name = ce.parameter
    l, j = int(name[1 : name.index("_")]), int(name.split("_")[1])
    inp = y[(l - 1, int(name.split("_")[2]))] if name[0] == "w" else 1
    agh = (sym["eta"] * r[(l, j)] * fprime[l - 1].subs(x, e[(l, j)]) * inp).subs(point)
    forward = {f"e{a}_{b}": v.subs(point) for (a, b), v in e.items()}
    forward.update({f"y{a}_{b}": v.subs(point) for (a, b), v in y.items() if a > 0})
    return forward, gradient, agh


@pytest.mark.parametrize(
    ("sizes", "bias", "pair"),
    [
        pytest.param((2, 3, 2, 1), False, ("error_at_update", "delta"), id="agh-2321"),
        pytest.param((2, 2, 2), True, ("gradient", "error_at_update"), id="bias-222"),
        pytest.param((1, 2, 1, 2), False, ("error_at_update", "gradient"), id="1212"),
    ],
)
def test_explained_arithmetic_is_recomputed_by_hand(sizes, bias, pair):
    report = prove(Network.build(list(sizes), bias=bias), *pair)
    steps = explain(report)
    ce = report.counterexample
    forward, gradient, agh = _oracle(sizes, bias, ce)
    shown = {symbol: value for symbol, _, value in steps.forward if symbol in forward}
    assert shown == forward
    expected = {"gradient": gradient, "delta": gradient, "error_at_update": agh}
    for name in pair:
        value = steps.updates[name][2]
        assert value.is_Rational and value == expected[name], name
    assert steps.updates[pair[0]][2] != steps.updates[pair[1]][2]
    # every value is a small exact number a student can check
    assert all(len(str(v)) < 12 for _, _, v in steps.forward)


def test_explain_text_and_json(capsys):
    assert main(["prove", "--explain"]) == 1
    text = capsys.readouterr().out
    assert "Step by step (exact arithmetic" in text
    assert "    r3_1 = t_1 - y3_1 = " in text and "  the updates:" in text
    assert main(["prove", "--explain", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    ex = data["explanation"]
    assert set(ex["updates"]) == {"error_at_update", "delta"}
    assert {ex["updates"][k]["value"] for k in ex["updates"]} == set(
        data["counterexample"]["values"].values()
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["--general"], "--general", id="general"),
        pytest.param(["--layers", "10,10,11"], "too many", id="large"),
        pytest.param(["--conventions", "delta,gradient", "--layers", "2,1"], "no counter", id="eq"),
        pytest.param(["--format", "latex"], "--format latex", id="latex"),
    ],
)
def test_explain_refuses_in_one_line(capsys, args, words):
    assert main(["prove", "--explain", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and words in captured.err


def test_explain_with_sigmoid_is_exact_and_checked():
    report = prove(Network.build([2, 2, 1], "sigmoid"), "error_at_update", "delta")
    steps = explain(report)
    for name, (_, _, value) in steps.updates.items():
        assert not value.free_symbols
        assert abs(float(value) - report.counterexample.approximate[name]) < 1e-12


def test_explain_from_python_names_no_option():
    report = prove(Network.build([2, 1]), "delta", "gradient")
    with pytest.raises(InputError, match=r"^explain\(\): there is no counterexample"):
        explain(report)
