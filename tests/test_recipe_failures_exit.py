"""A recipe of yours that fails in any way (sys.exit, RuntimeError, a failing assert) is a
one-line error with exit code 2: never a traceback, and never exit code 1, which means
"proven different" (sys.exit("...") in a hook used to end `prove` with 1 and no verdict)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CONVENTION = """
import sys
import symbolic_bp as sbp

class Failing(sbp.Delta):
    name = "failing"
    letter = "a"
    def update(self, net, l, j, inp, signal):
        {body}

sbp.register(Failing())
"""

OPTIMIZER = """
import sys
import symbolic_bp as sbp

class Failing(sbp.Optimizer):
    name = "failing"
    hyperparameters = ("lr",)
    state = ()
    def step(self, t, p, state, grad, h):
        {body}

sbp.register_optimizer(Failing())
"""

BODIES = [
    pytest.param('sys.exit("this recipe needs a bias")', "SystemExit", id="sys-exit-message"),
    pytest.param("sys.exit(0)", "SystemExit", id="sys-exit-0"),
    pytest.param('raise RuntimeError("boom")', "RuntimeError", id="runtime-error"),
    pytest.param('assert False, "not written yet"', "AssertionError", id="assert"),
    pytest.param("raise NotImplementedError", "NotImplementedError", id="not-implemented"),
]


def _prove(tmp_path: Path, source: str, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "my_recipes.py"
    path.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "symbolic_bp", "prove", "--recipes", str(path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("symbolic-bp: error: ")
    assert all(w in lines[0] for w in words), lines[0]
    assert proc.stdout == ""


@pytest.mark.parametrize(("body", "kind"), BODIES)
def test_failing_convention_hook(tmp_path, body, kind):
    proc = _prove(
        tmp_path,
        CONVENTION.format(body=body),
        "--conventions",
        "failing,delta",
        "--layers",
        "2,2,1",
    )
    _one_line_error(proc, "'failing'", kind)


@pytest.mark.parametrize(("body", "kind"), BODIES)
def test_failing_optimizer_step(tmp_path, body, kind):
    proc = _prove(tmp_path, OPTIMIZER.format(body=body), "--optimizers", "failing,sgd")
    _one_line_error(proc, "'failing'", kind)
