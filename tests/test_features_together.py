"""Where the optimizers (issue 15) meet the courses' objective (issue 14): a batch, an L2
penalty and a softmax output.

- ``prove --optimizers`` and ``derive --optimizer`` compare recipes over steps on a generic
  gradient: the options of a network's loss (``--batch``, ``--reduce``, ``--l2``,
  ``--l2-bias``) mean nothing there and are refused with one line, not silently dropped.
- ``train --optimizer`` feeds an optimizer the convention's gradient of the network's whole
  loss, penalty included. Two independent routes to the same numbers are compared: plain
  ``sgd`` on a network with ``--l2`` against the network's own step (the exported module), and
  against ``sgd_l2`` (the optimizer's penalty, optim's recurrence) on the network without one.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from symbolic_bp import training
from symbolic_bp.cli import main
from symbolic_bp.model.network import Network
from symbolic_bp.model.objective import Objective

LAMBDA = 0.01


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["prove", "--optimizers", "momentum,momentum_lr_inside"], id="prove"),
        pytest.param(["derive", "--optimizer", "adam"], id="derive"),
    ],
)
@pytest.mark.parametrize(
    ("option", "named"),
    [
        (["--batch", "3"], "--batch"),
        (["--reduce", "sum"], "--reduce"),
        (["--l2", "0.1"], "--l2"),
        (["--l2-bias"], "--l2-bias"),
    ],
)
def test_a_networks_objective_is_refused_with_optimizers(command, option, named, capsys):
    assert main([*command, *option]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and f"{named} describes a network" in err


def _train(net: Network, optimizers: list[str], hyper: dict | None = None) -> training.History:
    X, T = training.DATASETS["xor"]
    return training.train(
        net, ["delta"], X, T, 30, 0.5, None, 0, "xor", None, optimizers, hyper or {}, 1.0
    )


def _outputs(history: training.History) -> np.ndarray:
    (only,) = history.outputs.values()
    return np.array(only)


def test_sgd_with_the_networks_l2_is_the_networks_own_step_and_sgd_l2():
    """sgd_l2 penalises every parameter, so the network's L2 is on the biases too."""
    objective = Objective(l2=sp.Rational(1, 100), l2_bias=True)
    penalised = Network.build([2, 3, 1], "sigmoid", bias=True, objective=objective)
    plain = Network.build([2, 3, 1], "sigmoid", bias=True)
    own = _train(penalised, [])
    sgd = _train(penalised, ["sgd"])
    sgd_l2 = _train(plain, ["sgd_l2"], {"l2": LAMBDA})
    assert np.allclose(_outputs(sgd), _outputs(own), rtol=1e-10, atol=1e-12)
    assert np.allclose(_outputs(sgd_l2), _outputs(own), rtol=1e-10, atol=1e-12)
    # the loss of the penalised network counts the penalty: above the plain loss at equal params
    assert own.losses["delta"][0] > sgd_l2.losses["delta+sgd_l2"][0]
    # and without any penalty the outputs are not those (the test can fail)
    assert not np.allclose(_outputs(_train(plain, ["sgd"])), _outputs(own), rtol=1e-6)


def test_train_a_softmax_classifier_under_an_optimizer_with_l2(tmp_path, capsys):
    data = tmp_path / "blobs.csv"
    data.write_text("0,0,1,0\n0,1,0,1\n1,0,0,1\n1,1,1,0\n", encoding="utf-8")
    history = tmp_path / "history.json"
    args = ["train", "--layers", "2,3,2", "--activation", "tanh,softmax", "--bias"]
    args += ["--loss", "categorical_cross_entropy", "--data", str(data), "--epochs", "40"]
    args += ["--conventions", "delta,gradient", "--optimizer", "adam,momentum", "--l2", "0.01"]
    args += ["--lr", "0.05", "--history", str(history)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "L2 1/100 on the weights" in out and "optimizers adam, momentum" in out
    table = training.History.from_dict(json.loads(history.read_text()))
    assert set(table.losses) == {
        "delta+adam", "delta+momentum", "gradient+adam", "gradient+momentum"
    }  # fmt: skip
    for name in ("delta", "gradient"):  # delta is the gradient with softmax: the same numbers
        for opt in ("adam", "momentum"):
            a, b = table.losses[f"{name}+{opt}"], table.losses[f"gradient+{opt}"]
            assert all(math.isfinite(v) for v in a) and np.allclose(a, b, rtol=1e-9)
    assert table.losses["gradient+adam"][-1] < table.losses["gradient+adam"][0]
