"""`symbolic-bp export` and `symbolic-bp train` end to end."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from symbolic_bp.cli import main
from symbolic_bp.cli.progress import ProgressBar, progress_bar

from .oracles import WORKED_EXAMPLE
from .test_cli import run


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_reproduces_the_worked_example(tmp_path):
    out = tmp_path / "mlm.py"
    res = run("export", "--layers", "2,2,2", "--bias", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stderr == "" and str(out) in res.stdout
    mod = _import(out)
    W = WORKED_EXAMPLE
    params = {
        "W1": np.array([[W["w1_1_1"], W["w1_1_2"]], [W["w1_2_1"], W["w1_2_2"]]]),
        "b1": np.array([W["b1_1"], W["b1_2"]]),
        "W2": np.array([[W["w2_1_1"], W["w2_1_2"]], [W["w2_2_1"], W["w2_2_2"]]]),
        "b2": np.array([W["b2_1"], W["b2_2"]]),
    }
    X, T = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    loss, new = mod.step(params, X, T, 0.5)
    assert loss == pytest.approx(0.298371109, abs=1e-9)
    assert new["W2"][0, 0] == pytest.approx(0.35891648, abs=1e-8)
    assert new["W1"][0, 0] == pytest.approx(0.149780716, abs=1e-9)
    # the same through the batched path (two copies of the sample: the same mean update)
    loss2, new2 = mod.step(params, np.vstack([X, X]), np.vstack([T, T]), 0.5)
    assert loss2 == pytest.approx(loss, rel=1e-14)
    assert all(np.allclose(new[k], new2[k], rtol=1e-14, atol=0) for k in new)
    assert params["W2"][0, 0] == W["w2_1_1"]  # the input is not modified


def test_export_is_byte_identical_whatever_the_hash_seed(tmp_path):
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"m{seed}.py"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        cmd = [*_cmd(), "export", "--layers", "3,4,2", "--activation", "tanh,sigmoid", "--bias"]
        cmd += ["--convention", "inplace", "--out", str(out)]
        res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        assert res.returncode == 0, res.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def _cmd() -> list[str]:
    import shutil
    import sys

    exe = shutil.which("symbolic-bp")
    return [exe] if exe else [sys.executable, "-m", "symbolic_bp"]


BAD_EXPORT = [
    (["--activation", "generic"], "concrete activations"),
    (["--convention", "nope"], "unknown convention 'nope'"),
    (["--layers", "2,0,1"], "layer width 0"),
]


@pytest.mark.parametrize("extra,fragment", BAD_EXPORT)
def test_export_bad_input_leaves_the_old_file(tmp_path, extra, fragment):
    out = tmp_path / "keep.py"
    out.write_text("# precious\n")
    res = run("export", "--out", str(out), *extra)
    assert res.returncode == 2
    assert fragment in res.stderr and res.stderr.count("\n") == 1
    assert out.read_text() == "# precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.py"]  # no temporary left


def test_export_bad_paths(tmp_path):
    res = run("export", "--out", str(tmp_path / "missing" / "m.py"))
    assert res.returncode == 2 and "does not exist" in res.stderr
    res = run("export", "--out", str(tmp_path))
    assert res.returncode == 2 and "is a directory" in res.stderr
    res = run("export", "--out", str(tmp_path / "m.txt"))
    assert res.returncode == 2 and "must end in .py" in res.stderr


def test_train_xor_writes_history_and_table(tmp_path):
    hist_csv, hist_json = tmp_path / "h.csv", tmp_path / "h.json"
    args = ["train", "--epochs", "60", "--bias", "--conventions", "delta,error_at_update,gradient"]
    args += ["--seeds", "2", "--seed", "3"]
    res = run(*args, "--history", str(hist_csv))
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # no progress bar when stderr is not a terminal
    assert "delta" in res.stdout and "outputs after training" in res.stdout
    assert "seeds 3 to 4" in res.stdout and "median [min, max] over 2 seeds" in res.stdout
    rows = list(csv.reader(io.StringIO(hist_csv.read_text())))
    assert rows[0] == ["convention", "seed", "epoch", "loss"] and len(rows) == 1 + 3 * 2 * 60
    curves: dict[tuple[str, int], list[float]] = {}
    for name, seed, epoch, loss in rows[1:]:
        values = curves.setdefault((name, int(seed)), [])
        assert int(epoch) == len(values)
        values.append(float(loss))
    assert sorted(curves) == [
        (n, s) for n in ("delta", "error_at_update", "gradient") for s in (3, 4)
    ]
    for seed in (3, 4):
        delta, grad, agh = (curves[(n, seed)] for n in ("delta", "gradient", "error_at_update"))
        # delta and the gradient are the same recipe; the AGH recipe is not (the prover says so)
        assert delta == pytest.approx(grad, rel=1e-12)
        assert agh[0] == delta[0] and agh[-1] != pytest.approx(delta[-1], rel=1e-6)
    assert curves[("delta", 3)][0] != curves[("delta", 4)][0]  # two different starts
    assert main([*args, "--history", str(hist_json)]) == 0
    data = json.loads(hist_json.read_text())
    assert data["seeds"] == [3, 4]
    (first,) = [r for r in data["runs"] if (r["convention"], r["seed"]) == ("delta", 3)]
    assert first["losses"] == pytest.approx(curves[("delta", 3)], rel=1e-15)


def test_train_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "loss.png"
    res = run("train", "--epochs", "30", "--plot", str(png))
    assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first = png.read_bytes()
    assert run("train", "--epochs", "30", "--plot", str(png)).returncode == 0
    assert png.read_bytes() == first  # deterministic


def test_train_csv_data(tmp_path):
    data = tmp_path / "and.csv"
    data.write_text("x1,x2,t\n0,0,0\n0,1,0\n1,0,0\n1,1,1\n")
    res = run("train", "--layers", "2,2,1", "--bias", "--data", str(data), "--epochs", "20")
    assert res.returncode == 0, res.stderr
    assert "4 samples" in res.stdout


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("0,0\n", "row 1 has 2 columns"),
        ("0,0,1\n1,x,0\n", "'x' is not a number"),
        ("0,0,nan\n", "'nan' is not finite"),
        ("a,b,c\n", "holds no rows of numbers"),
    ],
)
def test_train_bad_csv(tmp_path, content, fragment):
    data = tmp_path / "d.csv"
    data.write_text(content)
    res = run("train", "--layers", "2,2,1", "--data", str(data), "--epochs", "5")
    assert res.returncode == 2 and fragment in res.stderr and res.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "extra,fragment",
    [
        (["--epochs", "0"], "--epochs must be a positive integer"),
        (["--epochs", "ten"], "--epochs must be a positive integer, got 'ten'"),
        (["--lr", "inf"], "--lr"),
        (["--batch-size", "9"], "--batch-size 9 must be between 1 and 4"),
        (["--seed", "-1"], "--seed must be an integer >= 0"),
        (["--data", "nope.csv"], "'nope.csv' does not exist"),
        (["--activation", "generic"], "concrete activations"),
        (["--layers", "3,2,1"], "3 inputs"),
        (["--history", "h.txt"], "must end in .csv or .json"),
        (["--plot", "p.jpg"], "must end in .png or .svg"),
        (["--seeds", "0"], "--seeds must be a positive integer, got '0'"),
        (["--seeds", "two"], "--seeds must be a positive integer, got 'two'"),
        (["--seeds", "1001"], "--seeds 1001 is more than the limit 1000"),
        (
            ["--data", "iri"],
            "'iri' is neither a built-in data set (xor, iris) nor a .csv file; did you mean iris?",
        ),
        (["--data", "iris", "--layers", "2,2,1"], "4 input columns"),
        (["--conventions", "delta,"], "empty name"),
    ],
)
def test_train_bad_input(tmp_path, extra, fragment):
    res = run("train", "--epochs", "5", *extra, cwd=tmp_path)
    assert res.returncode == 2, res.stdout
    assert fragment in res.stderr and res.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_diverging_recipe_is_reported_not_crashed(tmp_path):
    res = run(
        "train",
        "--activation",
        "identity",
        "--lr",
        "50",
        "--epochs",
        "200",
        "--conventions",
        "delta",
    )
    assert res.returncode == 0, res.stderr
    assert "stopped being finite at epoch" in res.stdout


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_only():
    tty = _Terminal()
    bar = progress_bar(4, "train", tty)
    bar.update(4, "delta")
    bar.close()
    assert "100%" in tty.getvalue() and "delta" in tty.getvalue()
    assert tty.getvalue().endswith("\r")
    pipe = io.StringIO()
    quiet = progress_bar(4, "train", pipe)
    quiet.update(4)
    quiet.close()
    assert pipe.getvalue() == "" and isinstance(quiet, ProgressBar)
