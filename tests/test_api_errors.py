"""Errors of the optimizer prover, training and ``check`` name the Python argument when called
from Python (``seeds``, ``hyper['mu']``, ``path``) and the option on the command line (``--seeds``,
``--hyper mu``, ``--data``): each Python case below once read ``--...`` in a notebook. The
command-line cases give the same bad value to the command: one line, exit 2, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from fractions import Fraction

import pytest
import sympy as sp

import symbolic_bp as sbp
from symbolic_bp import datasets, training
from symbolic_bp.cli import main
from symbolic_bp.errors import InputError
from symbolic_bp.model.network import Network
from symbolic_bp.model.objective import Objective

from .trace_oracles import EXAMPLES

XOR = datasets.load("xor")
CODE = str(EXAMPLES / "neuron_objects.py")  # a gradient step on 2-2-2 with biases
MISSING_CSV = "no_such_data.csv"


def _optim(**kwargs: object) -> Callable[[], object]:
    return lambda: sbp.prove_optimizers("sgd", "momentum", **kwargs)


def _train(net: Network | None = None, **kwargs: object) -> Callable[[], object]:
    net = net or Network.build([2, 2, 1], "sigmoid")
    return lambda: sbp.train(net, ["delta"], *XOR, **{"epochs": 1, "seeds": 1, **kwargs})


def _history() -> training.History:
    return sbp.train(Network.build([2, 2, 1], "sigmoid"), ["delta"], *XOR, epochs=2, seeds=1)


def _check(**objective: object) -> Callable[[], object]:
    activation = "generic" if not objective else "sigmoid"
    net = Network.build([2, 2, 2], activation, bias=True, objective=Objective(**objective))
    return lambda: sbp.check(CODE, net)


# (the call from Python, the start of its message)
PYTHON = [
    pytest.param(_optim(steps=0), "steps must be an integer from 1 to 50", id="optim-steps"),
    pytest.param(_optim(dim=9), "dim must be an integer from 1 to 8", id="optim-dim"),
    pytest.param(
        _optim(lr_schedule="weekly"), "lr_schedule='weekly' is not one of", id="optim-schedule"
    ),
    pytest.param(_optim(hyper="mu"), "hyper: 'mu' is not name=value", id="hyper-no-value"),
    pytest.param(_optim(hyper="mu=0.9,"), "hyper: empty entry", id="hyper-empty-entry"),
    pytest.param(_optim(hyper="mu=0.9,mu=0.8"), "hyper: 'mu' is given twice", id="hyper-twice"),
    pytest.param(_optim(hyper="mu=abc"), "hyper['mu']: 'abc' is not a finite", id="hyper-text"),
    pytest.param(_optim(hyper={"mu": 0.9}), "hyper['mu']: 0.9 must be exact", id="hyper-inexact"),
    pytest.param(
        _optim(hyper="beta1=0.9"), "hyper: 'beta1' is not a hyperparameter", id="hyper-unknown"
    ),
    pytest.param(
        _optim(hyper="lr=0.1", lr_schedule="per-step"),
        "hyper['lr']: with lr_schedule='per-step' each step has its own rate",
        id="hyper-lr-per-step",
    ),
    pytest.param(
        lambda: sbp.prove_optimizers("adam", "adamw", hyper={"beta1": 1}),
        "hyper['beta1'] = 1 is outside its domain: 0 <= beta1 < 1",
        id="hyper-domain",
    ),
    pytest.param(_train(epochs=0), "epochs must be a positive integer", id="train-epochs"),
    pytest.param(_train(lr=-1.0), "lr must be a positive finite number", id="train-lr"),
    pytest.param(_train(seeds=0), "seeds must be an integer from 1 to", id="train-seeds"),
    pytest.param(
        _train(batch_size=9), "batch_size=9 must be between 1 and 4 samples", id="train-batch"
    ),
    pytest.param(
        _train(Network.build([3, 2, 1], "sigmoid")),
        "X has shape (4, 2); the network 3-2-1 has 3 inputs (X must have the shape (samples, 3))",
        id="train-columns",
    ),
    pytest.param(
        _train(hyper={"mu": 0.9}), "hyper and lr_decay need optimizers", id="train-hyper-alone"
    ),
    pytest.param(
        _train(optimizers=["momentum"], hyper={"bogus": 1}),
        "hyper: 'bogus' is not a hyperparameter of momentum (valid: mu)",
        id="train-hyper-unknown",
    ),
    pytest.param(
        _train(optimizers=["momentum"], lr_decay=float("inf")),
        "lr_decay must be a finite number",
        id="train-lr-decay",
    ),
    pytest.param(
        lambda: training.load_csv(MISSING_CSV, 2, 1),
        f"path: file {MISSING_CSV!r} does not exist",
        id="load-csv",
    ),
    pytest.param(
        lambda: datasets.load("irs"), "name: 'irs' is not a built-in data set", id="dataset"
    ),
    pytest.param(
        lambda: training.write_history(_history(), "h.txt"),
        "path: 'h.txt' must end in .csv or .json",
        id="history-suffix",
    ),
    pytest.param(
        lambda: training.plot_history(_history(), "p.pdf"),
        "path: 'p.pdf' must end in .png or .svg",
        id="plot-suffix",
    ),
    pytest.param(
        lambda: sbp.export_source(Network.build([2, 2, 1], "generic"), "delta"),
        "an exported module needs concrete activations",
        id="export-generic",
    ),
    pytest.param(
        lambda: sbp.export_source(
            Network.build([2, 2, 1], "sigmoid", objective=Objective(l2=sp.Symbol("lam"))), "delta"
        ),
        "an exported module needs a number for l2, not the symbol lam; pass e.g. l2=0.001",
        id="export-l2",
    ),
    pytest.param(_check(), "network: check needs concrete activations", id="check-generic"),
    pytest.param(
        _check(batch=2),
        "network: check takes a batch as its own argument batch=2",
        id="check-batch",
    ),
    pytest.param(
        _check(l2=sp.Symbol("lam", positive=True)),
        "l2=lam: check needs the number the code uses",
        id="check-l2",
    ),
]


@pytest.mark.parametrize(("call", "start"), PYTHON)
def test_python_errors_name_the_argument(call, start, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert message.startswith(start), message
    assert "--" not in message and "\n" not in message


def test_a_missing_matplotlib_is_named_after_the_function(monkeypatch, tmp_path, capsys):
    history = _history()
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    with pytest.raises(InputError, match=r"^plot_history needs matplotlib: pip install") as info:
        training.plot_history(history, str(tmp_path / "p.png"))
    assert "--" not in str(info.value)
    assert main([*TRAIN, "--plot", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symbolic-bp: error: --plot needs matplotlib") and err.count("\n") == 1


def test_exact_hyperparameters_given_as_fractions_are_still_accepted():
    report = sbp.prove_optimizers("momentum", "momentum_lr_inside", hyper={"mu": Fraction(1, 2)})
    assert "mu = 1/2" in report.setting.describe()


OPTIM = ["prove", "--optimizers", "sgd,momentum"]
TRAIN = ["train", "--layers", "2,2,1", "--epochs", "1", "--seeds", "1", "--no-explain"]

# (the command, what its one-line error says)
COMMAND_LINE = [
    pytest.param([*OPTIM, "--steps", "0"], "--steps must be an integer", id="optim-steps"),
    pytest.param([*OPTIM, "--dim", "9"], "--dim must be an integer", id="optim-dim"),
    pytest.param([*OPTIM, "--lr-schedule", "weekly"], "--lr-schedule", id="optim-schedule"),
    pytest.param([*OPTIM, "--hyper", "mu"], "--hyper: 'mu' is not name=value", id="hyper-no-value"),
    pytest.param([*OPTIM, "--hyper", "mu=0.9,"], "--hyper: empty entry", id="hyper-empty-entry"),
    pytest.param(
        [*OPTIM, "--hyper", "mu=0.9,mu=0.8"], "--hyper: 'mu' is given twice", id="hyper-twice"
    ),
    pytest.param([*OPTIM, "--hyper", "mu=abc"], "--hyper mu: 'abc' is not", id="hyper-text"),
    pytest.param(
        [*OPTIM, "--hyper", "beta1=0.9"],
        "--hyper: 'beta1' is not a hyperparameter",
        id="hyper-unknown",
    ),
    pytest.param(
        [*OPTIM, "--hyper", "lr=0.1", "--lr-schedule", "per-step"],
        "--hyper lr: with --lr-schedule per-step each step has its own rate",
        id="hyper-lr-per-step",
    ),
    pytest.param(
        ["prove", "--optimizers", "adam,adamw", "--hyper", "beta1=1"],
        "--hyper beta1=1 is outside its domain",
        id="hyper-domain",
    ),
    pytest.param([*TRAIN, "--epochs", "0"], "--epochs", id="train-epochs"),
    pytest.param([*TRAIN, "--lr", "-1"], "--lr must be a positive finite number", id="train-lr"),
    pytest.param([*TRAIN, "--seeds", "0"], "--seeds", id="train-seeds"),
    pytest.param(
        [*TRAIN, "--batch-size", "9"], "--batch-size 9 must be between 1", id="train-batch"
    ),
    pytest.param(
        [*TRAIN, "--layers", "3,2,1"],
        "the data have 2 input columns; the network 3-2-1 has 3 inputs (use --layers)",
        id="train-columns",
    ),
    pytest.param([*TRAIN, "--hyper", "mu=0.9"], "--hyper", id="train-hyper-alone"),
    pytest.param(
        [*TRAIN, "--optimizer", "momentum", "--hyper", "bogus=1"],
        "--hyper: 'bogus' is not a hyperparameter of momentum",
        id="train-hyper-unknown",
    ),
    pytest.param(
        [*TRAIN, "--optimizer", "momentum", "--lr-decay", "inf"], "--lr-decay", id="train-lr-decay"
    ),
    pytest.param(
        [*TRAIN, "--data", MISSING_CSV],
        f"--data: file {MISSING_CSV!r} does not exist",
        id="load-csv",
    ),
    pytest.param([*TRAIN, "--data", "irs"], "--data: 'irs' is neither", id="dataset"),
    pytest.param(
        [*TRAIN, "--history", "h.txt"], "--history: 'h.txt' must end", id="history-suffix"
    ),
    pytest.param([*TRAIN, "--plot", "p.pdf"], "--plot: 'p.pdf' must end", id="plot-suffix"),
    pytest.param(
        ["export", "--layers", "2,2,1", "--activation", "generic", "--out", "m.py"],
        "export needs concrete activations, but layer 1 is generic (f_1 has no numeric form); "
        "pass e.g. --activation sigmoid",
        id="export-generic",
    ),
    pytest.param(
        ["export", "--layers", "2,2,1", "--l2", "lam", "--out", "m.py"],
        "export needs a number for --l2, not the symbol lam; pass e.g. --l2 0.001",
        id="export-l2",
    ),
    pytest.param(
        ["check", CODE, "--layers", "2,2,2", "--bias", "--activation", "generic"],
        "check needs concrete activations (the code has its own): use --activation sigmoid",
        id="check-generic",
    ),
    pytest.param(
        ["check", CODE, "--layers", "2,2,2", "--bias", "--l2", "lam"],
        "--l2 lam: check needs the number the code uses as its L2 coefficient, such as --l2 0.01",
        id="check-l2",
    ),
]


@pytest.mark.parametrize(("args", "words"), COMMAND_LINE)
def test_the_command_line_names_the_option(args, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symbolic-bp: error: "), err
    assert words in lines[0] and "Traceback" not in err


def test_one_case_through_the_installed_command(tmp_path):
    """The same through a separate process: the one line on stderr, exit 2."""
    from .test_cli import run

    res = run(*TRAIN, "--lr", "-1", cwd=tmp_path)
    assert res.returncode == 2 and res.stdout == "" and "Traceback" not in res.stderr
    assert res.stderr.strip() == (
        "symbolic-bp: error: --lr must be a positive finite number, got -1.0"
    )


def test_the_error_pairs_cover_the_same_cases():
    python = {p.id for p in PYTHON}
    cli = {p.id for p in COMMAND_LINE}
    # the two the command line cannot produce: its hyperparameters are text, and its batch
    # is check's own option, never in the network it builds
    assert python - cli == {"hyper-inexact", "check-batch"}
    assert cli <= python


@pytest.mark.parametrize(
    ("kwargs", "start"),
    [
        ({"X": [[0, 0], [0, "a"], [1, 0], [1, 1]]}, "X must be an array of numbers"),
        ({"T": XOR[1][:3]}, "X has 4 samples (rows) but T has 3"),
        ({"X": XOR[0] * float("nan")}, "X holds a value that is not a finite number"),
        ({"epochs": 2.5}, "epochs must be a positive integer, got 2.5"),
        ({"seeds": True}, "seeds must be an integer from 1 to"),
    ],
    ids=["text-in-X", "rows", "nan", "epochs-float", "seeds-bool"],
)
def test_train_refuses_what_only_python_can_pass(kwargs, start):
    """Values the command line cannot produce (it reads numbers from files and options):
    a one-line InputError, not a TypeError or AttributeError from deep inside."""
    net = Network.build([2, 2, 1], "sigmoid")
    data = {"X": XOR[0], "T": XOR[1], **{k: v for k, v in kwargs.items() if k in "XT"}}
    options = {"epochs": 1, "seeds": 1, **{k: v for k, v in kwargs.items() if k not in "XT"}}
    with pytest.raises(InputError) as info:
        sbp.train(net, ["delta"], data["X"], data["T"], **options)
    assert str(info.value).startswith(start), str(info.value)


def test_train_takes_the_lists_of_a_tutorial():
    """Nested lists of numbers, as the from-scratch tutorials hold their data, train as arrays."""
    net = Network.build([2, 2, 1], "sigmoid")
    from_lists = sbp.train(net, ["delta"], XOR[0].tolist(), XOR[1].tolist(), epochs=3, seeds=1)
    from_arrays = sbp.train(net, ["delta"], *XOR, epochs=3, seeds=1)
    assert from_lists.runs[0].losses == from_arrays.runs[0].losses
