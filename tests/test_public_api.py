"""The public surface: every name in __all__ imports, and the package is typed."""

from __future__ import annotations

import importlib.resources

import symbolic_bp


def test_every_public_name_exists():
    for name in symbolic_bp.__all__:
        assert getattr(symbolic_bp, name) is not None, name


def test_version_and_typed_marker():
    assert symbolic_bp.__version__.count(".") >= 2
    assert importlib.resources.files("symbolic_bp").joinpath("py.typed").is_file()


def test_user_convention_in_a_few_lines():
    """A learner's own textbook recipe, registered and proven like the built-in ones."""
    from symbolic_bp import Delta, Network, prove, register, unregister

    class MyBook(Delta):
        name = "my_book"

        def update(self, net, l, j, inp, signal):
            return net.eta * signal * inp  # the same as delta: must be proven equal

    register(MyBook())
    try:
        report = prove(Network.build([2, 3, 2, 1]), "my_book", "gradient")
        assert report.equivalent is True
    finally:
        unregister("my_book")


def test_check_a_learners_step_in_a_few_lines():
    """``symbolic_bp.check`` returns the Report type of ``prove`` (with ``matches``)."""
    import numpy as np

    from symbolic_bp import CheckReport, Network, Report, check

    def step(params, x, t, lr):
        y = np.tanh(params["W1"] @ x)
        params["W1"] += lr * np.outer((t - y) * (1 - y**2), x)

    report = check(step, Network.build([2, 1], "tanh"))
    assert isinstance(report, CheckReport) and isinstance(report, Report)
    assert report.equivalent is True and report.matches[0] == "gradient"


def test_user_optimizer_in_a_few_lines():
    """A framework's own optimizer form, registered and proven like the built-in ones."""
    from symbolic_bp import (
        Optimizer,
        optimizer_text,
        prove_optimizers,
        register_optimizer,
        unregister_optimizer,
    )

    class HeavyBall(Optimizer):
        name = "heavy_ball"
        hyperparameters = ("lr", "mu")
        state = ("v",)

        def step(self, t, p, state, grad, h):
            v = h.mu * state["v"] - h.lr * grad(p)  # Keras' signs
            return p + v, {"v": v}

    register_optimizer(HeavyBall())
    try:
        report = prove_optimizers("heavy_ball", "momentum_lr_inside")
        assert report.equivalent is True
        assert optimizer_text(report).startswith("EQUAL: heavy_ball and momentum_lr_inside")
    finally:
        unregister_optimizer("heavy_ball")
