"""Optimizers on arrays (``train --optimizer``): the lambdified recurrence against the
independent oracle, entry-by-entry recipes only, and the training command."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from symbolic_bp import InputError, Optimizer, get_optimizer
from symbolic_bp.cli import main
from symbolic_bp.model.network import Network
from symbolic_bp.optim import BUILT_IN_OPTIMIZERS
from symbolic_bp.optim.numeric import NumericOptimizer
from symbolic_bp.training import DATASETS, train

from .optim_oracle import iterate

HYPER = {
    "mu": Fraction(3, 4),
    "beta1": Fraction(9, 10),
    "beta2": Fraction(99, 100),
    "eps": Fraction(1, 100),
    "l2": Fraction(1, 10),
    "wd": Fraction(1, 20),
}


@pytest.mark.parametrize("name", BUILT_IN_OPTIMIZERS)
def test_arrays_follow_the_oracle(name):
    """Five steps on a separable quadratic loss, every entry of a 2x3 array, against the
    oracle's iteration of the same recipe (60-digit arithmetic for Adam's roots)."""
    import mpmath

    mpmath.mp.dps = 60
    a = [Fraction(k + 2, 3) for k in range(6)]
    b = [Fraction(3 - 2 * k, 5) for k in range(6)]
    p0 = [Fraction(k - 2, 4) for k in range(6)]
    lr, decay, steps = Fraction(1, 5), Fraction(9, 10), 5
    rates = [lr * decay ** (t - 1) for t in range(1, steps + 1)]

    def mp(q):
        return mpmath.mpf(q.numerator) / q.denominator

    def grad_oracle(p):
        return [mp(a[k]) * p[k] + mp(b[k]) for k in range(6)]

    hyper = {k: mp(v) for k, v in HYPER.items()}
    expected = iterate(
        name,
        grad_oracle,
        [mp(x) for x in p0],
        hyper,
        steps,
        [mp(r) for r in rates],
        sqrt=mpmath.sqrt,
    )[steps]

    A = np.array([float(x) for x in a]).reshape(2, 3)
    B = np.array([float(x) for x in b]).reshape(2, 3)
    own = get_optimizer(name).hyper_names()
    values = {k: float(v) for k, v in HYPER.items() if k in own}
    opt = NumericOptimizer(name, values, float(lr), float(decay))
    params = {"W": np.array([float(x) for x in p0]).reshape(2, 3)}
    state = opt.start(params)
    for t in range(1, steps + 1):
        params, state = opt.step(t, params, state, lambda q: {"W": A * q["W"] + B})
    got = params["W"].reshape(-1)
    assert np.allclose(got, [float(x) for x in expected], rtol=1e-12, atol=1e-12)


def test_a_recipe_that_mixes_entries_is_refused():
    class Normalized(Optimizer):
        """Normalized gradient descent: the step has length lr (the norm couples entries)."""

        name = "normalized"
        hyperparameters = ("lr",)

        def step(self, t, p, state, grad, h):
            g = grad(p)
            return p - h.lr * g / g.dot(g) ** Fraction(1, 2), {}

    with pytest.raises(InputError, match="does not treat each entry on its own"):
        NumericOptimizer(Normalized())


def test_momentum_forms_coincide_with_a_constant_rate_and_drift_apart_under_decay():
    X, T = DATASETS["xor"]
    net = Network.build([2, 2, 1], "sigmoid", bias=True)
    both = ["momentum", "momentum_lr_inside"]
    same = train(net, ["delta"], X, T, epochs=300, lr=0.5, optimizers=both, hyper={"mu": 0.9})
    a, b = (np.array(same.losses[f"delta+{o}"]) for o in both)
    assert np.allclose(a, b, rtol=1e-9, atol=0)  # the same up to rounding
    rounding = np.max(np.abs(a - b))
    drift = train(
        net, ["delta"], X, T, epochs=300, lr=0.5, optimizers=both, hyper={"mu": 0.9}, lr_decay=0.98
    )
    a, b = (np.array(drift.losses[f"delta+{o}"]) for o in both)
    assert np.max(np.abs(a - b)) > max(1e-6, 1000 * rounding)


def test_train_command_with_optimizers(capsys):
    argv = [
        "train",
        "--layers",
        "2,2,1",
        "--bias",
        "--conventions",
        "delta,gradient",
        "--optimizer",
        "adam",
        "--epochs",
        "20",
        "--hyper",
        "beta2=0.99",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "delta+adam" in out and "gradient+adam" in out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--hyper", "mu=0.9"], "--hyper is an option of --optimizer"),
        (["--lr-decay", "0.9"], "--lr-decay is an option of --optimizer"),
        (["--optimizer", "adamx"], "did you mean adam"),
        (["--optimizer", "sgd", "--hyper", "mu=0.9"], "not a hyperparameter of sgd"),
        (["--optimizer", "adam", "--hyper", "lr=0.1"], "the learning rate is --lr"),
        (["--optimizer", "adam", "--hyper", "beta1=1"], "outside its domain"),
        (["--optimizer", "sgd", "--lr-decay", "-1"], "--lr-decay must be positive"),
    ],
)
def test_train_bad_optimizer_options(capsys, extra, message):
    assert main(["train", "--epochs", "2", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
