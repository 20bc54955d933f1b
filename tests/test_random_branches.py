"""A random draw that picks a branch of the update is refused, however rarely it picks it.

Two salted runs find such a draw only when it falls differently in them (``random.random() <
0.001`` one time in about five hundred). The extreme runs put every draw at the low and at the
high end of its range, so a branch ``u < p`` with ``0 < p < 1`` goes both ways in them; this
file holds step functions that used to be proven equal to the gradient because of that
(EQUAL, exit 0, for a step that drops a derivative on one branch), and the learner-style
examples that draw initial weights inside step, which must still be traced as before.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import symbolic_bp.trace._trace as trace_module
from symbolic_bp.cli import main
from symbolic_bp.model.network import Network
from symbolic_bp.trace import TraceError, trace_step

from .trace_oracles import (
    Case,
    error_at_update_oracle,
    exactly_equal,
    gradient_oracle,
    rational_point,
)

# A 2-2-1 sigmoid network; line 4 is where DRAW goes when it comes first, line 8 when it comes
# after the forward pass. On the branch, the hidden layer's derivative is dropped.
STEP = """\
import math, random
import numpy as np
def step(params, x, t, lr):
    {early}
    W1, W2 = params["W1"], params["W2"]
    h = 1 / (1 + np.exp(-(W1 @ x))); y = 1 / (1 + np.exp(-(W2 @ h)))
    d2 = (y - t) * y * (1 - y); d1 = (W2.T @ d2) * h * (1 - h)
    {late}
    if wrong:
        d1 = W2.T @ d2
    return {{"W1": W1 - lr * np.outer(d1, x), "W2": W2 - lr * np.outer(d2, h)}}
"""

EARLY_COIN = """\
import numpy as np, random
def sig(z): return 1/(1+np.exp(-z))
def step(params, x, t, lr):
    skip_derivative = random.random() < 0.3      # drawn before any arithmetic on params
    W1, W2 = params["W1"], params["W2"]
    h = sig(W1 @ x); y = sig(W2 @ h)
    d2 = (y - t) * y * (1 - y)
    d1 = W2.T @ d2 if skip_derivative else (W2.T @ d2) * h * (1 - h)
    return {"W1": W1 - lr*np.outer(d1, x), "W2": W2 - lr*np.outer(d2, h)}
"""
COIN_RARE = """\
import numpy as np, random
def sig(z): return 1/(1+np.exp(-z))
def step(params, x, t, lr):
    W1, W2 = params["W1"], params["W2"]
    h = sig(W1 @ x); y = sig(W2 @ h)
    d2 = (y - t) * y * (1 - y)
    d1 = (W2.T @ d2) * h * (1 - h)
    if random.random() < 0.001:        # a rare bug path: skip the derivative
        d1 = W2.T @ d2
    return {"W1": W1 - lr*np.outer(d1, x), "W2": W2 - lr*np.outer(d2, h)}
"""
SHUFFLE_ONE = """\
import numpy as np
def sig(z): return 1/(1+np.exp(-z))
def step(params, X, T, lr):
    W1, W2 = params["W1"], params["W2"]
    idx = np.random.permutation(len(X))
    gW1 = 0; gW2 = 0
    for i in idx[:1]:
        x, t = X[i], T[i]
        h = sig(W1 @ x); y = sig(W2 @ h)
        d2 = (y - t) * y * (1 - y); d1 = (W2.T @ d2) * h * (1 - h)
        gW1 = gW1 + np.outer(d1, x); gW2 = gW2 + np.outer(d2, h)
    return {"W1": W1 - lr*gW1/len(X), "W2": W2 - lr*gW2/len(X)}
"""
SHUFFLE_ALL = SHUFFLE_ONE.replace("idx[:1]", "idx")


def write(tmp_path: Path, text: str, name: str = "mine.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def check(capsys, path: str, *options: str) -> tuple[int, str, str]:
    code = main(["check", path, "--layers", "2,2,1", *options])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("source", "options", "line"),
    [
        pytest.param(EARLY_COIN, [], 4, id="early-coin"),
        pytest.param(COIN_RARE, [], 8, id="coin-rare"),
        *(pytest.param(SHUFFLE_ONE, ["--batch", str(n)], 5, id=f"shuffle-one-{n}") for n in (3, 4)),
    ],
)
def test_a_draw_that_picks_a_wrong_branch_is_refused(capsys, tmp_path, source, options, line):
    code, out, err = check(capsys, write(tmp_path, source), *options)
    assert code == 2 and out == "", out
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"mine.py:{line}:" in err and "depends on this random draw" in err, err


DRAWS = {
    "random": ("random.random() < {p}", "import random"),
    "Random": ("random.Random(7).random() < {p}", "import random"),
    "legacy": ("np.random.rand() < {p}", "import numpy as np"),
    "RandomState": ("np.random.RandomState(7).random_sample() < {p}", "import numpy as np"),
    "Generator": ("np.random.default_rng(7).random() < {p}", "import numpy as np"),
    "Generator-size": ("np.random.default_rng().random(3)[1] < {p}", "import numpy as np"),
}


@pytest.mark.parametrize("p", [0.001, 0.3, 0.999])
@pytest.mark.parametrize("when", ["early", "late"])
@pytest.mark.parametrize("source", list(DRAWS))
def test_a_threshold_branch_is_refused_whatever_its_probability(tmp_path, source, when, p):
    draw = "wrong = " + DRAWS[source][0].format(p=p)
    path = write(tmp_path, STEP.format(**{"early": "pass", "late": "pass", when: draw}))
    with pytest.raises(TraceError, match="depends on this random draw") as error:
        trace_step(path, Network.build([2, 2, 1]))
    assert f"mine.py:{4 if when == 'early' else 8}:" in str(error.value)


# other kinds of draw, each with a branch rarely taken in a salted run
RARE = [
    "random.uniform(-1, 1) > 0.999",
    "random.gauss(0, 1) > 4",
    "random.normalvariate(1, 2) < -7",
    "random.randint(0, 999) == 999",
    "random.randrange(1000) == 0",
    "random.choice(range(1000)) == 999",
    "random.choices(range(1000))[0] == 999",
    "random.sample(range(1000), 2)[0] == 0",
    "random.triangular(0, 1) > 0.999",
    "np.random.uniform(0, 10) < 0.001",
    "np.random.randn() > 4",
    "np.random.standard_normal(2)[1] < -4",
    "np.random.normal(3, 0.5, size=(2, 2))[0, 1] > 5",
    "np.random.randint(1000) == 999",
    "np.random.choice(1000) == 0",
    "np.random.choice([0, 1], p=[0.999, 0.001]) == 1",
    "np.random.binomial(10, 0.001) > 0",
    "np.random.random_sample((2,))[0] > 0.999",
    "np.random.permutation(1000)[0] == 999",
    "np.random.default_rng(1).uniform(2, 3) > 2.999",
    "np.random.default_rng(1).normal(size=3)[2] > 4",
    "np.random.default_rng(1).standard_normal() < -4",
    "np.random.default_rng(1).integers(1000) == 999",
    "np.random.default_rng(1).integers(1, 1000, endpoint=True) == 1000",
    "np.random.default_rng(1).choice(1000) == 0",
    "np.random.default_rng(1).permutation(1000)[0] == 0",
    "np.random.default_rng(1).binomial(1000, 0.999) < 1000",
    "np.random.RandomState(1).normal(0, 1, 3)[0] < -4",
    "np.random.Generator(np.random.PCG64(1)).random() < 0.001",
]


@pytest.mark.parametrize("draw", RARE)
def test_a_rare_branch_of_any_covered_draw_is_refused(tmp_path, draw):
    path = write(tmp_path, STEP.format(early="pass", late=f"wrong = {draw}"))
    with pytest.raises(TraceError, match="depends on this random draw"):
        trace_step(path, Network.build([2, 2, 1]))


def test_shuffles_identity_and_reversal(tmp_path):
    """A shuffle that moves the first sample is taken in the extreme runs (reversed), one that
    moves the last is too (the identity keeps it last)."""
    for test in ("samples[0] != 0", "samples[-1] != 99"):
        shuffle = f"samples = list(range(100)); random.shuffle(samples); wrong = {test}"
        path = write(tmp_path, STEP.format(early=shuffle, late="pass"))
        with pytest.raises(TraceError, match="depends on this random draw"):
            trace_step(path, Network.build([2, 2, 1]))


def test_a_draw_used_in_arithmetic_is_refused(tmp_path):
    path = write(tmp_path, STEP.format(early="wrong = False", late="lr = lr * random.random()"))
    with pytest.raises(TraceError, match="depends on this random draw"):
        trace_step(path, Network.build([2, 2, 1]))


def test_a_step_that_fails_at_an_extreme_draw_is_refused_in_one_line(capsys, tmp_path):
    """``math.log(0.0)`` raises in the low run: refused as a dependence on the draw (the
    salted runs alone said EQUAL)."""
    source = STEP.format(early="wrong = False", late="scale = math.log(random.random())")
    code, out, err = check(capsys, write(tmp_path, source))
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "mine.py:8:" in err and "depends on this random draw" in err, err
    assert "low end of its range, step fails" in err and "ValueError" in err, err


def test_a_draw_the_update_does_not_depend_on_is_still_proven(capsys, tmp_path):
    """All samples in a random order, and a coin that decides nothing."""
    code, out, _ = check(capsys, write(tmp_path, SHUFFLE_ALL), "--batch", "3")
    assert code == 0 and out.startswith("EQUAL"), out
    source = STEP.format(early="wrong = False", late="coin = random.random() < 0.3")
    code, out, _ = check(capsys, write(tmp_path, source))
    assert code == 0 and out.startswith("EQUAL"), out


# the examples that draw their initial weights inside step, and what they compute
EXAMPLES = [
    pytest.param(Case("book_expit_class", (3, 3, 3), recipe="error_at_update"), id="book"),
    pytest.param(Case("minibatch_class", (2, 2, 1), bias=True, batch=2), id="minibatch"),
    pytest.param(Case("micrograd_style", (2, 3, 1), bias=True), id="micrograd"),
    pytest.param(
        Case("layers_right_order", (2, 3, 2), bias=True, activation="tanh", loss="mse"),
        id="layers",
    ),
]


@pytest.mark.parametrize("case", EXAMPLES)
def test_examples_that_draw_initial_weights_in_step_are_still_traced(monkeypatch, case):
    if case.stem == "book_expit_class":
        pytest.importorskip("scipy")
    runs: list = []

    def spy(*args, **kwargs):
        run = run_step(*args, **kwargs)
        runs.append((kwargs.get("extreme"), run.drew))
        return run

    run_step = trace_module.run_step
    monkeypatch.setattr(trace_module, "run_step", spy)
    trace = trace_step(case.path, Network.build(list(case.sizes), bias=case.bias), batch=case.batch)
    assert runs[0] == (None, True) and {e for e, _ in runs} == {None, False, True}, runs
    oracle = error_at_update_oracle(case) if case.recipe != "gradient" else gradient_oracle(case)
    for seed in (1, 2):  # exact rational arithmetic at two points (symbolically: too slow)
        point = rational_point(case, seed)
        for name, update in trace.updates.items():
            assert exactly_equal(update, oracle[name], point), (name, seed)
