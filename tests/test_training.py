"""Training comparisons (`train --seeds`): the same starts for every convention, the median and
range over seeds against an independent computation, the prover's explanation against the
actual updates, the built-in iris data, and byte-identical files."""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symbolic_bp.cli import main
from symbolic_bp.codegen.export import load_module
from symbolic_bp.datasets import load
from symbolic_bp.errors import command_line
from symbolic_bp.model.network import Network
from symbolic_bp.training import (
    EXPLAIN_PARAMETERS,
    History,
    Run,
    explain_recipes,
    explanation_text,
    initial_params,
    train,
)

ROOT = Path(__file__).resolve().parents[1]
XOR = load("xor")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def test_every_convention_starts_from_the_same_params_and_seeds_differ():
    net = Network.build([2, 3, 1], "sigmoid", bias=True)
    h = train(
        net, ["delta", "error_at_update", "gradient"], *XOR, epochs=5, lr=0.5, seed=7, seeds=3
    )
    assert h.seeds == [7, 8, 9] and len(h.runs) == 9
    for seed in h.seeds:
        firsts = {r.label: r.losses[0] for r in h.runs if r.seed == seed}
        assert len(firsts) == 3 and len(set(firsts.values())) == 1  # the loss before any step
        # and it is the loss of initial_params(seed), computed here without the package's code
        p = initial_params(net, seed)
        X, T = XOR
        y = _sigmoid(_sigmoid(X @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"])
        assert firsts["delta"] == pytest.approx(np.mean(0.5 * np.sum((T - y) ** 2, axis=1)))
    assert len({r.losses[0] for r in h.runs}) == 3  # three different starts
    # the first seed keeps the one-seed history's keys and values
    assert h.losses["delta"] == h.runs_of("delta")[0].losses and set(h.outputs) == set(h.labels)


def test_band_is_the_median_and_range_of_the_csv_computed_independently(tmp_path):
    net = Network.build([2, 2, 1], "tanh", bias=True)
    h = train(net, ["delta", "error_at_update"], *XOR, epochs=12, lr=0.9, seed=0, seeds=4)
    rows = list(csv.reader(io.StringIO(h.to_csv())))[1:]
    for name in h.labels:
        band = h.band(name)
        for epoch in range(h.epochs):
            values = [float(r[3]) for r in rows if r[0] == name and int(r[2]) == epoch]
            assert len(values) == 4
            assert band.median[epoch] == pytest.approx(statistics.median(values), rel=1e-14)
            assert band.low[epoch] == min(values) and band.high[epoch] == max(values)


def test_band_leaves_out_diverged_runs_and_says_how_many_remain():
    h = History("n", "d", 3, 0.5, [0, 1, 2])
    h.runs += [Run("a", 0, [4.0, 3.0, 2.0]), Run("a", 1, [6.0], diverged=1)]
    h.runs += [Run("a", 2, [5.0, 1.0], diverged=2)]
    band = h.band("a")
    assert band.count.tolist() == [3, 2, 1]
    assert band.median.tolist() == [5.0, 2.0, 2.0]
    assert band.low.tolist() == [4.0, 1.0, 2.0] and band.high.tolist() == [6.0, 3.0, 2.0]
    h.runs.append(Run("b", 0, [], diverged=0))
    assert np.isnan(h.band("b").median).all()
    assert History.from_dict(json.loads(json.dumps(h.to_dict()))) == h


def _update(module, params, x, t, lr=0.5):
    _, after = module.step(params, x, t, lr)
    return {k: after[k] - params[k] for k in params}


@pytest.mark.parametrize("act", ["sigmoid", "tanh"])
def test_the_agh_factor_is_the_ratio_of_the_actual_updates(act):
    """The prover's factor for layer 1 of 2-2-1 is 1/f'(e2_1); check it at seeded points
    against the two recipes' exported updates, with e2_1 from a forward pass written here."""
    net = Network.build([2, 2, 1], act, bias=True)
    (agh,) = explain_recipes(net, ["error_at_update"], *XOR, lr=0.5, seeds=[0])
    assert agh.verdict == "differs"
    layer1 = [c for c in agh.layers if c.layer == 1]
    assert {c.kind for c in layer1} == {"w", "b"}
    for c in layer1:
        assert [str(f) for f in c.factors] == [f"1/{act}'(e2_1)"] and c.sign == "positive"
    assert all(c.status == "equal" and not c.factors for c in agh.layers if c.layer == 2)
    f = np.tanh if act == "tanh" else _sigmoid
    fprime = (
        (lambda z: 1 - np.tanh(z) ** 2)
        if act == "tanh"
        else (lambda z: _sigmoid(z) * (1 - _sigmoid(z)))
    )
    grad, recipe = load_module(net, "gradient"), load_module(net, "error_at_update")
    rng = np.random.default_rng(5)
    for _ in range(5):
        p = {k: rng.normal(size=v.shape) for k, v in initial_params(net, 0).items()}
        x, t = rng.normal(size=(1, 2)), rng.uniform(size=(1, 1))
        e2 = (f(x @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"])[0, 0]
        dg, dr = _update(grad, p, x, t), _update(recipe, p, x, t)
        for key in ("W1", "b1"):
            assert np.allclose(dr[key], dg[key] / fprime(e2), rtol=1e-9, atol=1e-14)
        for key in ("W2", "b2"):
            assert np.allclose(dr[key], dg[key], rtol=1e-12, atol=1e-15)
    # the measured range is the factor's range over the samples that move the parameters at
    # the start: an output error (t - y) not 0, and for the weights an input not (0, 0)
    p = initial_params(net, 0)
    X, T = XOR
    e2 = (f(X @ p["W1"].T + p["b1"]) @ p["W2"].T + p["b2"])[:, 0]
    moves = np.abs(T[:, 0] - f(e2)) > 1e-12
    factor = 1 / fprime(e2)
    by_kind = {c.kind: c.measured for c in layer1}
    b, w = factor[moves], factor[moves & (np.abs(X).sum(axis=1) > 0)]
    assert by_kind["b"] == pytest.approx((min(b), max(b)), rel=1e-8)
    assert by_kind["w"] == pytest.approx((min(w), max(w)), rel=1e-8)
    text = explanation_text([agh], "xor", 1)
    assert f"Δ = Δ(gradient) × 1/{act}'(e2_1), a positive factor" in text
    assert "layer 2 weights and biases: the same as the gradient's (proven)" in text
    assert "like a larger (or smaller) learning rate" in text


def test_where_the_prover_names_no_factor_it_says_so():
    net = Network.build([2, 3, 2, 1], "sigmoid", bias=True)
    changes = explain_recipes(net, ["delta", "error_at_update"], *XOR, lr=0.5, seeds=[0, 1])
    delta, agh = changes
    assert delta.verdict == "equal" and all(c.status == "equal" for c in delta.layers)
    layer1 = [c for c in agh.layers if c.layer == 1]
    assert all(c.status == "differs" and c.factors == [] and c.sign == "" for c in layer1)
    assert all(str(c.factors[0]) == "1/sigmoid'(e3_1)" for c in agh.layers if c.layer == 2)
    text = explanation_text(changes, "xor", 2)
    assert "delta: the same update as the gradient for every parameter" in text
    assert "layer 1 weights and biases: the prover names no factor" in text
    assert "not shown to be a rescaled gradient" in text


def test_a_deliberately_inconsistent_recipe_is_not_given_a_factor_it_does_not_have():
    """inplace (layer l+1's weights updated before its deltas go back) differs by no factor
    free of the signals: the explanation must not invent one."""
    net = Network.build([2, 2, 1], "sigmoid", bias=True)
    (inplace,) = explain_recipes(net, ["inplace"], *XOR, lr=0.5, seeds=[0])
    assert inplace.verdict == "differs"
    assert all(c.factors == [] for c in inplace.layers)


def test_big_networks_are_not_explained_and_say_why():
    net = Network.build([2, 20, 10, 1], "sigmoid")
    assert net.parameter_count > EXPLAIN_PARAMETERS
    (change,) = explain_recipes(net, ["error_at_update"], *XOR, lr=0.5, seeds=[0])
    assert change.verdict == "skipped" and change.layers == []
    text = explanation_text([change], "xor", 1)
    assert f"{net.parameter_count} parameters" in text
    # from Python it names the Python call, from the command line the command
    assert "symbolic_bp.prove(net, 'gradient', 'error_at_update')" in text and "--" not in text
    with command_line():
        (change,) = explain_recipes(net, ["error_at_update"], *XOR, lr=0.5, seeds=[0])
    assert "symbolic-bp prove --conventions gradient,error_at_update" in change.note


def test_iris_is_fishers_data():
    raw = np.array(
        [[float(v) for v in row[:4]] for row in list(csv.reader(
            (ROOT / "symbolic_bp" / "data" / "iris.csv").read_text().splitlines()
        ))[1:]]
    )  # fmt: skip
    # the column sums of R's datasets::iris (Fisher 1936, flowers 35 and 38 corrected)
    assert raw.shape == (150, 4)
    assert np.round(raw.sum(axis=0), 6).tolist() == [876.5, 458.6, 563.7, 179.9]
    X, T = load("iris")
    assert np.allclose(X * (raw.max(0) - raw.min(0)) + raw.min(0), raw)
    assert (
        (T.sum(axis=1) == 1).all() and T[:50, 0].all() and T[50:100, 1].all() and T[100:, 2].all()
    )


def test_train_iris_command_uses_its_default_layers(capsys):
    args = ["train", "--data", "iris", "--epochs", "3", "--seeds", "2", "--bias", "--no-explain"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "4-5-3" in out and "150 samples" in out and "seeds 0 to 1" in out
    assert "What each recipe changes" not in out


def test_the_command_explains_by_default(capsys):
    args = ["train", "--layers", "2,2,1", "--bias", "--epochs", "3", "--seeds", "2"]
    assert main([*args, "--conventions", "error_at_update,gradient"]) == 0
    out = capsys.readouterr().out
    assert "Δ = Δ(gradient) × 1/sigmoid'(e2_1), a positive factor" in out
    assert "at the 2 start(s) on xor" in out


def _files(tmp_path: Path, hashseed: str) -> dict[str, bytes]:
    paths = {s: tmp_path / f"out.{s}" for s in ("svg", "png", "csv", "json")}
    base = [sys.executable, "-m", "symbolic_bp", "train", "--bias", "--epochs", "20"]
    base += ["--seeds", "3", "--conventions", "delta,error_at_update", "--no-explain"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hashseed}
    for plot, hist in (("svg", "csv"), ("png", "json")):
        cmd = [*base, "--plot", str(paths[plot]), "--history", str(paths[hist])]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    return {s: p.read_bytes() for s, p in paths.items()}


def test_files_are_byte_identical_on_rerun(tmp_path):
    pytest.importorskip("matplotlib")
    first = _files(tmp_path, "1")
    again = _files(tmp_path, "2")
    assert first == again
    assert first["svg"].startswith(b"<?xml") and first["png"][:4] == b"\x89PNG"
    assert b"<dc:date>" not in first["svg"]


def test_a_factor_that_can_vanish_is_not_called_positive():
    """relu' is 0 for negative inputs: 1/relu'(e2_1) is not a positive factor everywhere, and
    the text must not say it is."""
    net = Network.build([2, 2, 1], "relu", bias=True)
    (agh,) = explain_recipes(net, ["error_at_update"], *XOR, lr=0.5, seeds=[0])
    layer1 = [c for c in agh.layers if c.layer == 1]
    assert layer1 and all(c.factors and c.sign == "not decided" for c in layer1)
    text = explanation_text([agh], "xor", 1)
    assert "a factor whose sign is not decided" in text and "a positive factor" not in text
    assert "like a larger (or smaller) learning rate" not in text
    assert "convergence speed is not correctness" in text
