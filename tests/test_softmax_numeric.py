"""Numbers for softmax classifiers, batches and L2 (issue 14): the exported step and the
``step`` command against central differences of the loss written out here; safe numerics at
inputs of 1000 (pytest turns every warning into an error); the command line's options."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from symbolic_bp import Network, load_module
from symbolic_bp.cli.main import main as cli_main
from symbolic_bp.model.objective import REDUCTIONS, Objective, parse_l2

CCE = "categorical_cross_entropy"


def own_loss(params: dict, X: np.ndarray, T: np.ndarray, hidden, reduce: str, l2: float, l2_bias):
    """The loss written out here: hidden layers, a softmax (shifted), -sum t log y, the batch's
    mean or sum, L2 on the weights (and biases)."""
    depth = len(params) // 2
    y = X
    for l in range(1, depth):
        y = hidden(y @ params[f"W{l}"].T + params[f"b{l}"])
    z = y @ params[f"W{depth}"].T + params[f"b{depth}"]
    z = z - z.max(axis=1, keepdims=True)
    log_y = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    total = -np.sum(T * log_y)
    total = total / X.shape[0] if reduce == "mean" else total
    arrays = [v for k, v in params.items() if k[0] == "W" or l2_bias]
    return total + l2 / 2 * sum(float(np.sum(a**2)) for a in arrays)


CASES = [
    pytest.param((2, 3, 3), "tanh", np.tanh, "mean", 0.0, False, 4, id="2-3-3-tanh-batch4"),
    pytest.param((3, 4, 2), "sigmoid", None, "sum", 0.05, True, 3, id="3-4-2-sigmoid-sum-l2bias"),
    pytest.param((2, 3, 3), "tanh", np.tanh, "mean", 0.1, False, 1, id="2-3-3-one-row-l2"),
    pytest.param((4, 5, 4, 3), "tanh", np.tanh, "mean", 0.0, False, 2, id="4-5-4-3-depth3"),
]


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))


@pytest.mark.parametrize(("sizes", "act", "fn", "reduce", "l2", "l2_bias", "rows"), CASES)
@pytest.mark.parametrize(
    "convention",
    [
        "delta",
        "matrix",
        pytest.param("gradient", marks=pytest.mark.slow),
        pytest.param("output_derivative", marks=pytest.mark.slow),
    ],
)
def test_exported_step_against_central_differences(
    sizes, act, fn, reduce, l2, l2_bias, rows, convention
):
    fn = fn or _sigmoid
    objective = Objective(1, REDUCTIONS[reduce], parse_l2(repr(l2)), l2_bias)
    acts = [act] * (len(sizes) - 2) + ["softmax"]
    net = Network.build(sizes, acts, CCE, True, objective)
    module = load_module(net, convention)
    rng = np.random.default_rng(len(sizes) + rows)
    params = {f"W{l}": rng.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, len(sizes))}
    params.update({f"b{l}": rng.normal(size=sizes[l]) for l in range(1, len(sizes))})
    X = rng.normal(size=(rows, sizes[0]))
    T = rng.dirichlet(np.ones(sizes[-1]), size=rows)  # probability vectors
    lr, h = 0.1, 1e-6
    loss, new = module.step(params, X, T, lr)
    assert loss == pytest.approx(own_loss(params, X, T, fn, reduce, l2, l2_bias), rel=1e-12)
    for name, array in params.items():
        for index in np.ndindex(array.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += h
            minus[name][index] -= h
            fd = (
                own_loss(plus, X, T, fn, reduce, l2, l2_bias)
                - own_loss(minus, X, T, fn, reduce, l2, l2_bias)
            ) / (2 * h)
            assert new[name][index] - array[index] == pytest.approx(-lr * fd, abs=1e-7), name


@pytest.mark.parametrize("convention", ["delta", "gradient", "matrix", "output_derivative"])
@pytest.mark.parametrize("rows", [1, 5])
def test_softmax_export_is_finite_at_inputs_of_1000(convention, rows):
    net = Network.build([3, 4, 3], "tanh,softmax", CCE, bias=True)
    module = load_module(net, convention)
    rng = np.random.default_rng(7)
    params = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=4)}
    params.update({"W2": 50 * rng.normal(size=(3, 4)), "b2": rng.normal(size=3)})
    X = 1e3 * rng.normal(size=(rows, 3))
    T = np.eye(3)[rng.integers(0, 3, size=rows)]
    with np.errstate(all="raise", under="ignore"):
        loss, new = module.step(params, X, T, 0.5)
    assert math.isfinite(loss) and all(np.isfinite(v).all() for v in new.values())
    # the outputs are a probability vector for every row
    out = module.forward(params, X)
    assert np.allclose(out.sum(axis=1), 1.0) and (out >= 0).all()


def _params_file(tmp_path, net: Network) -> str:
    path = tmp_path / "params.json"
    values = {name: 0.1 * ((k % 7) - 3) for k, name in enumerate(net.parameter_names())}
    path.write_text(json.dumps(values))
    return str(path), values


def test_step_command_with_a_batch_and_l2(tmp_path, capsys):
    """``step`` with two samples, the sum over the batch and L2: the loss and every new value
    against the loss written out here and central differences."""
    net = Network.build([2, 2, 3], "tanh,softmax", CCE, True)
    path, values = _params_file(tmp_path, net)
    code = cli_main(
        [
            "step",
            "--layers", "2,2,3", "--activation", "tanh,softmax", "--loss", CCE, "--bias",
            "--params", path, "--input", "0.5,-1;2,0.25", "--target", "1,0,0;0.2,0.3,0.5",
            "--lr", "0.1", "--reduce", "sum", "--l2", "0.01", "--l2-bias", "--json",
        ]
    )  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)

    def arrays(vals):
        p = {"W1": np.zeros((2, 2)), "b1": np.zeros(2), "W2": np.zeros((3, 2)), "b2": np.zeros(3)}
        for name, v in vals.items():
            l, j, i = net.locate(name)
            if i is None:
                p[f"b{l}"][j - 1] = v
            else:
                p[f"W{l}"][j - 1, i - 1] = v
        return p

    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    T = np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])

    def loss(vals):
        return own_loss(arrays(vals), X, T, np.tanh, "sum", 0.01, True)

    assert out["loss"] == pytest.approx(loss(values), rel=1e-12)
    for name, v in values.items():
        plus, minus = dict(values), dict(values)
        plus[name] += 1e-6
        minus[name] -= 1e-6
        fd = (loss(plus) - loss(minus)) / 2e-6
        assert out["params"][name] - v == pytest.approx(-0.1 * fd, abs=1e-8), name


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--input", "0.5,-1;2,0.25", "--target", "1,0,0"], "--input has 2 samples"),
        (["--input", "0.5", "--target", "1,0,0"], "--input has 1 values"),
        (["--l2", "lam", "--input", "0.5,1", "--target", "1,0,0"], "needs a number for --l2"),
        (["--reduce", "sum,mean", "--input", "0.5,1", "--target", "1,0,0"], "two are for prove"),
    ],
)
def test_step_command_refuses(tmp_path, capsys, args, match):
    net = Network.build([2, 2, 3], "tanh,softmax", CCE, True)
    path, _ = _params_file(tmp_path, net)
    common = ["step", "--layers", "2,2,3", "--activation", "tanh,softmax", "--loss", CCE]
    code = cli_main([*common, "--bias", "--params", path, *args])
    err = capsys.readouterr().err
    assert code == 2 and match in err and err.count("\n") == 1, err


def test_train_a_softmax_classifier_with_l2(tmp_path, capsys):
    data = tmp_path / "blobs.csv"
    rng = np.random.default_rng(3)
    rows = []
    for k, centre in enumerate([(0, 2), (2, 0), (-2, -2)]):
        for x in rng.normal(size=(8, 2)) * 0.4 + centre:
            rows.append([*x, *np.eye(3)[k]])
    data.write_text("\n".join(",".join(f"{v:.6f}" for v in row) for row in rows) + "\n")
    code = cli_main(
        [
            "train", "--layers", "2,4,3", "--activation", "tanh,softmax", "--loss", CCE, "--bias",
            "--conventions", "delta,gradient", "--data", str(data), "--epochs", "60",
            "--lr", "0.5", "--l2", "0.001", "--batch-size", "8", "--seeds", "2",
            "--history", str(tmp_path / "h.json"),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "delta: the same update as the gradient for every parameter" in out
    history = json.loads((tmp_path / "h.json").read_text())
    runs = {(r["convention"], r["seed"]): r["losses"] for r in history["runs"]}
    for seed in (0, 1):
        delta, grad = runs[("delta", seed)], runs[("gradient", seed)]
        assert len(delta) == 60 and delta == pytest.approx(grad, rel=1e-12)  # the same recipe
        assert delta[-1] < 0.5 * delta[0]
