"""The command line end to end: through a subprocess (the installed entry point) and in-process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from symbolic_bp.cli import main

from .oracles import WORKED_EXAMPLE

EXE = shutil.which("symbolic-bp")
#: the keys of `symbolic-bp prove --json` that scripts rely on (the design's contract)
PROVE_KEYS = {"equivalent", "conventions", "parameters", "counterexample", "conditions", "seconds"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [EXE] if EXE else [sys.executable, "-m", "symbolic_bp"]
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=300, cwd=cwd, check=False
    )


def test_default_prove_answers_the_original_question():
    res = run("prove")
    assert res.returncode == 1, res.stderr
    first = res.stdout.splitlines()[0]
    assert first.startswith("DIFFERENT: error_at_update and delta differ for 12 of 14")
    assert "Layer 3 (output layer, 2 parameters): equal." in res.stdout
    assert "Counterexample for w2_" in res.stdout
    assert "f_2' = 1 and f_3' = 1" in res.stdout
    assert res.stderr == ""


def test_python_dash_m_is_the_same_command():
    res = subprocess.run(
        [sys.executable, "-m", "symbolic_bp", "prove", "--conventions", "delta,gradient"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("EQUAL: delta and gradient")


def test_prove_json_contract():
    res = run("prove", "--json")
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert PROVE_KEYS <= set(data)
    assert data["equivalent"] is False
    assert data["conventions"] == ["error_at_update", "delta"]
    names = [p["name"] for p in data["parameters"]]
    assert names[0] == "w1_1_1" and "w2_1_3" in names and len(names) == 14
    assert {p["status"] for p in data["parameters"]} == {"equal", "differs"}
    assert all((p["difference"] is None) == (p["status"] == "equal") for p in data["parameters"])
    ce = data["counterexample"]
    assert set(ce) >= {"parameter", "point", "values"}
    assert all(isinstance(v, str) for v in ce["point"].values())
    assert set(ce["values"]) == {"error_at_update", "delta"}
    assert ce["values"]["error_at_update"] != ce["values"]["delta"]
    assert isinstance(data["conditions"], list) and data["conditions"]


def test_prove_equal_exit_0_and_json():
    res = run("prove", "--conventions", "delta,gradient", "--layers", "2,2,1", "--bias", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["equivalent"] is True and data["counterexample"] is None
    assert all(p["status"] == "equal" for p in data["parameters"])


def test_prove_unknown_exit_3():
    res = run("prove", "--timeout", "0.000001", "--json")
    assert res.returncode == 3, res.stderr
    data = json.loads(res.stdout)
    assert data["equivalent"] is None
    assert {p["status"] for p in data["parameters"]} == {"unknown"}


def run_step(path: Path, *extra: str) -> subprocess.CompletedProcess:
    """``symbolic-bp step`` on the 2-2-2 worked example with the parameters in ``path``."""
    return run(
        "step",
        "--layers",
        "2,2,2",
        "--bias",
        "--params",
        str(path),
        "--input",
        "0.05,0.10",
        "--target",
        "0.01,0.99",
        *extra,
    )


def _mazur_params(tmp_path: Path) -> Path:
    params = dict(WORKED_EXAMPLE)
    path = tmp_path / "params.json"
    path.write_text(json.dumps(params))
    return path


def test_step_json(tmp_path):
    path = _mazur_params(tmp_path)
    res = run_step(path, "--convention", "delta", "--lr", "0.5", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert abs(data["loss"] - 0.298371109) < 1e-9
    assert abs(data["params"]["w2_1_1"] - 0.35891648) < 1e-8
    assert set(data["params"]) == set(json.loads(path.read_text()))


def test_step_conventions_that_agree_give_the_same_numbers(tmp_path):
    path = _mazur_params(tmp_path)
    outs = [
        json.loads(run_step(path, "--convention", c, "--json").stdout)["params"]
        for c in ("delta", "gradient", "matrix", "output_derivative", "delta_flipped")
    ]
    for other in outs[1:]:
        for k, v in outs[0].items():
            assert abs(other[k] - v) < 1e-12


def test_step_text(tmp_path):
    path = _mazur_params(tmp_path)
    res = run_step(path)
    assert res.returncode == 0
    assert "loss before the step: 0.29837" in res.stdout
    assert "w2_1_1" in res.stdout


BAD = [
    pytest.param(["prove", "--layers", "2,x,1"], "'x'", id="layers-not-number"),
    pytest.param(["prove", "--layers", "2,0,1"], "0", id="layers-zero-width"),
    pytest.param(["prove", "--layers", "2"], "at least one layer", id="layers-one"),
    pytest.param(["prove", "--activation", "sigmoyd"], "sigmoyd", id="unknown-activation"),
    pytest.param(
        ["prove", "--activation", "__import__('os').system('echo hi')"],
        "__import__",
        id="hostile-expression",
    ),
    pytest.param(["prove", "--activation", "x.real"], "Attribute", id="attribute-expression"),
    pytest.param(["prove", "--activation", "3+4"], "not a function of x", id="constant-expression"),
    pytest.param(["prove", "--conventions", "delta,bogus"], "bogus", id="unknown-convention"),
    pytest.param(["prove", "--conventions", "delta"], "exactly two", id="one-convention"),
    pytest.param(["prove", "--conventions", "delta,delta"], "twice", id="same-convention"),
    pytest.param(["prove", "--loss", "mse"], "mse", id="unknown-loss"),
    pytest.param(
        ["prove", "--loss", "cross_entropy", "--activation", "tanh"],
        "tanh",
        id="loss-activation-mismatch",
    ),
    pytest.param(["prove", "--timeout", "nan"], "nan", id="timeout-nan"),
    pytest.param(["prove", "--frobnicate"], "--frobnicate", id="unknown-option"),
    pytest.param(
        ["prove", "--conventions", "output_derivative,delta"],
        "'output_derivative'",
        id="output-derivative-generic",
    ),
    pytest.param(["bogus"], "bogus", id="unknown-command"),
    pytest.param(
        [
            "step",
            "--activation",
            "generic",
            "--params",
            "p.json",
            "--input",
            "1,2",
            "--target",
            "1",
        ],
        "generic",
        id="step-generic",
    ),
]


@pytest.mark.parametrize("args,fragment", BAD)
def test_bad_input_is_one_line_exit_2(args, fragment):
    res = run(*args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("symbolic-bp: error:")
    assert fragment in lines[0]
    assert "Traceback" not in res.stderr
    assert res.stdout == ""


BAD_PARAMS = [
    pytest.param(None, "does not exist", id="missing-file"),
    pytest.param("", "not valid JSON", id="empty-file"),
    pytest.param("[1, 2]", "JSON object", id="not-object"),
    pytest.param('{"w1_1_1": 0.1}', "missing", id="missing-names"),
    pytest.param("EXTRA", "w9_9_9", id="extra-name"),
    pytest.param("NAN", "NaN", id="nan"),
    pytest.param("STRING", "not a number", id="string-value"),
    pytest.param("INF", "Infinity", id="infinity"),
]


@pytest.mark.parametrize("content,fragment", BAD_PARAMS)
def test_bad_params_file(tmp_path, content, fragment):
    good = json.loads(_mazur_params(tmp_path).read_text())
    path = tmp_path / "bad.json"
    if content == "EXTRA":
        content = json.dumps({**good, "w9_9_9": 1.0})
    elif content == "NAN":
        content = json.dumps(good).replace("0.15", "NaN")
    elif content == "INF":
        content = json.dumps(good).replace("0.15", "Infinity")
    elif content == "STRING":
        content = json.dumps({**good, "w1_1_1": "0.15"})
    if content is not None:
        path.write_text(content)
    res = run_step(path)
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert fragment in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["--input", "0.05"], "--input has 1 values"),
        (["--input", "0.05,nan"], "not a finite number"),
        (["--target", "0.1"], "--target has 1 values"),
        (["--lr", "fast"], "'fast'"),
    ],
)
def test_bad_step_numbers(tmp_path, args, fragment):
    path = _mazur_params(tmp_path)
    base = {"--input": "0.05,0.10", "--target": "0.01,0.99", "--lr": "0.5"}
    base[args[0]] = args[1]
    flat = [x for kv in base.items() for x in kv]
    res = run("step", "--layers", "2,2,2", "--bias", "--params", str(path), *flat)
    assert res.returncode == 2
    assert fragment in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_in_process_main_returns_exit_codes(capsys):
    assert main(["prove", "--layers", "2,1", "--conventions", "error_at_update,gradient"]) == 0
    assert "EQUAL" in capsys.readouterr().out
    assert main(["prove", "--layers", "2,bad"]) == 2
    assert "error" in capsys.readouterr().err


def test_output_is_deterministic():
    a = run("prove", "--layers", "2,2,1", "--activation", "sigmoid")
    b = run("prove", "--layers", "2,2,1", "--activation", "sigmoid")
    assert a.stdout == b.stdout and a.returncode == b.returncode


def test_timeout_is_a_hard_limit_on_the_whole_command():
    """A differing pair on a network of 1.9 million parameters takes longer than the limit:
    unknown, exit 3, on time."""
    import time

    start = time.perf_counter()
    res = run(
        "prove",
        "--layers",
        "784,1024,1024,10",
        "--activation",
        "sigmoid",
        "--conventions",
        "error_at_update,gradient",
        "--timeout",
        "1",
        "--json",
    )
    elapsed = time.perf_counter() - start
    assert res.returncode == 3, res.stderr
    data = json.loads(res.stdout)
    assert data["equivalent"] is None and "time limit" in data["notes"][0]
    assert elapsed < 15


# -- the conventions each command takes -------------------------------------------------------
CONVENTION_OPTIONS = {
    "prove": "conventions",
    "step": "convention",
    "derive": "convention",
    "export": "convention",
    "train": "conventions",
}


def _convention_help(command: str) -> str:
    from symbolic_bp.cli.main import build_parser

    parser = build_parser([command])._subparsers._group_actions[0].choices[command]
    (action,) = [a for a in parser._actions if a.dest == CONVENTION_OPTIONS[command]]
    return str(action.help)


def test_every_convention_option_lists_the_conventions_and_aliases_alike():
    """step, derive, export and train list what prove lists (they once said only "a
    convention"), in the same words."""
    from symbolic_bp.conventions import ALIASES, CONVENTIONS

    lists = {}
    for command in CONVENTION_OPTIONS:
        text = _convention_help(command)
        assert all(f"{alias} ({name})" in text for alias, name in ALIASES.items()), command
        assert all(name in text for name in CONVENTIONS), command
        lists[command] = text.split(": ", 1)[1].rsplit(" (default", 1)[0]
    assert len(set(lists.values())) == 1, lists


def test_the_aliases_are_accepted_by_step_derive_export_and_train(tmp_path, capsys):
    """An alias gives the same output as the convention it names."""
    net = ["--layers", "2,2,1", "--bias"]
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"w1_1_1": 0.1, "w1_1_2": 0.2, "w1_2_1": -0.3, "w1_2_2": 0.4,
                                  "w2_1_1": 0.5, "w2_1_2": -0.6, "b1_1": 0.1, "b1_2": 0.0,
                                  "b2_1": -0.2}))  # fmt: skip
    step = ["step", *net, "--params", str(params), "--input", "0.5,0.1", "--target", "1", "--json"]
    for alias, name in (("agh", "error_at_update"), ("mlm", "delta")):
        outputs = []
        for given in (alias, name):
            out_file = tmp_path / f"{given}.py"
            for args in (
                [*step, "--convention", given],
                ["derive", *net, "--convention", given, "--format", "json"],
                ["export", *net, "--convention", given, "--out", str(out_file)],
            ):
                assert main(args) == 0, args
            outputs.append((capsys.readouterr().out.replace(str(out_file), "FILE"),
                            out_file.read_text()))  # fmt: skip
        assert outputs[0] == outputs[1], alias
    assert main(["train", *net, "--conventions", "agh,mlm", "--epochs", "2", "--seeds", "1",
                 "--no-explain"]) == 0  # fmt: skip
    header = capsys.readouterr().out.splitlines()[1].split()
    assert header == ["epoch", "error_at_update", "delta"]
