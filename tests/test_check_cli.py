"""``symbolic-bp check`` on the command line: exit codes, JSON, formats, bad input, limits.

In-process through ``symbolic_bp.cli.main`` and once through the installed ``symbolic-bp``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symbolic_bp.cli import main

from .test_cli import PROVE_KEYS
from .trace_oracles import EXAMPLES

NEURONS = str(EXAMPLES / "neuron_objects.py")
UPDATE_FIRST = str(EXAMPLES / "layers_update_first.py")
SMALL = ["--layers", "2,2,2", "--bias"]


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "mine.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_equal_code_exits_0_and_names_the_gradient(capsys):
    code, out, err = run_main(capsys, NEURONS, *SMALL)
    assert code == 0 and err == ""
    assert out.startswith("EQUAL: neuron_objects.py:step is the gradient of half_sse for all 12")
    assert "The code is the gradient step (also delta" in out


def test_json_has_the_keys_of_prove_plus_matches_and_loss(capsys):
    code, out, _ = run_main(capsys, UPDATE_FIRST, "--layers", "2,3,2", "--bias",
                            "--activation", "tanh", "--json")  # fmt: skip
    assert code == 1
    data = json.loads(out)
    assert PROVE_KEYS | {"layers", "matches", "loss"} <= set(data)
    assert data["equivalent"] is False and data["matches"] == ["inplace"]
    assert data["loss"] == "half_sse" and data["conventions"][1] == "gradient"
    statuses = {p["name"]: p["status"] for p in data["parameters"]}
    assert statuses["w2_1_1"] == "equal" and statuses["w1_1_1"] == "differs"
    assert data["counterexample"]["parameter"].startswith("w1_")


@pytest.mark.parametrize("fmt", ["markdown", "html", "latex", "mathml", "json"])
def test_formats_of_prove_are_formats_of_check(capsys, fmt):
    code, out, err = run_main(capsys, NEURONS, *SMALL, "--format", fmt)
    assert code == 0 and err == "" and out.strip()
    if fmt == "json":
        assert json.loads(out)["matches"][0] == "gradient"
    else:
        assert "objects.py:step" in out.replace("\\_", "_")


def test_help_says_the_file_is_executed(capsys):
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "EXECUTES FILE.py, like `python FILE.py` would" in out
    for option in ("--layers", "--bias", "--activation", "--loss", "--batch", "--lr",
                   "--function", "--json", "--format", "--timeout"):  # fmt: skip
        assert option in out


def test_the_installed_command_prints_what_main_prints(capsys):
    exe = shutil.which("symbolic-bp")
    cmd = [exe] if exe else [sys.executable, "-m", "symbolic_bp"]
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    res = subprocess.run([*cmd, "check", NEURONS, *SMALL, "--lr", "0.5"], capture_output=True,
                         text=True, timeout=300, env=env, check=False)  # fmt: skip
    assert res.returncode == 0, res.stderr
    code, out, _ = run_main(capsys, NEURONS, *SMALL, "--lr", "0.5")
    assert code == 0 and res.stdout == out  # deterministic, whatever the hash seed


# -- bad input: one line, exit 2, no traceback --------------------------------------------------
BAD = {
    "missing-file": ("", ["nothere.py"], "nothere.py: no such file"),
    "no-function": ("def train(params, x, t, lr):\n    pass\n", ["--function", "step"],
                    "defines no function 'step'"),
    "branch": ("def step(params, x, t, lr):\n    if x[0] > 0:\n        pass\n", [],
               "mine.py:2"),
    "float": ("def step(params, x, t, lr):\n    v = float(params['W1'][0, 0])\n", [],
              "float()"),
    "random-after-params": (
        "import random\n\ndef step(params, x, t, lr):\n"
        "    params['W1'] *= random.random()\n", [], "depends on this random draw"),
    "generic-activation": ("def step(params, x, t, lr):\n    pass\n",
                           ["--activation", "generic"], "concrete activations"),
    "bad-lr": ("def step(params, x, t, lr):\n    pass\n", ["--lr", "fast"], "--lr 'fast'"),
    "bad-batch": ("def step(params, x, t, lr):\n    pass\n", ["--batch", "0"], "--batch"),
    "wrong-keys": ("def step(params, x, t, lr):\n    return {'W1': params['W1']}\n", [],
                   "no W2"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_one_line_exit_2(capsys, tmp_path, monkeypatch, name):
    source, options, fragment = BAD[name]
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, source) if source else "nothere.py"
    args = options if name == "missing-file" else [path, *options]
    code, out, err = run_main(capsys, *args, "--layers", "2,2,1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err and fragment in err, err


def test_the_refused_examples_name_their_line(capsys):
    for stem, line in (("refused_relu_branch", 11), ("refused_dropout", 12)):
        code, _, err = run_main(capsys, str(EXAMPLES / f"{stem}.py"), "--layers", "2,3,2")
        assert code == 2 and f"{stem}.py:{line}:" in err


def test_a_missing_bias_option_is_suggested(capsys):
    code, _, err = run_main(capsys, NEURONS, "--layers", "2,2,2")
    assert code == 2 and "give --bias" in err


# -- limits: unknown, exit 3 --------------------------------------------------------------------
def test_a_trace_beyond_the_time_limit_is_unknown_exit_3(capsys, tmp_path):
    path = write(tmp_path, "def step(params, x, t, lr):\n    while True:\n        pass\n")
    code, out, _ = run_main(capsys, path, "--layers", "2,1", "--timeout", "0.5")
    assert code == 3 and out.startswith("UNKNOWN: for 2 of 2 parameters")


def test_an_update_outside_the_field_with_no_counterexample_is_unknown(capsys, tmp_path):
    """cosh(z)^2 - sinh(z)^2 is 1, but the field has no cosh: neither proven nor refuted."""
    path = write(
        tmp_path,
        """\
        import numpy as np

        def step(params, x, t, lr):
            z = params["W1"] @ x
            params["W1"] += lr * np.outer((t - z) * (np.cosh(z) ** 2 - np.sinh(z) ** 2), x)
        """,
    )
    code, out, _ = run_main(capsys, path, "--layers", "2,1", "--activation", "identity")
    assert code == 3 and out.startswith("UNKNOWN: for 2 of 2 parameters")
    assert "not written in the network's atoms: cosh" in out
