r"""Training under one or several conventions, side by side, with the exported NumPy code.

Every convention starts from the same parameters and sees the same batches in the same order,
so the loss curves differ only by the recipe; and it does so from several starts (``seeds``),
so that one lucky or unlucky start is not read as a property of the recipe. One epoch is one
pass over the data; with mini-batches the epoch's loss is the mean of its batch losses, with
the full batch (the default) it is the loss before that epoch's step.

>>> from symbolic_bp.model.network import Network
>>> X, T = DATASETS["xor"]
>>> net = Network.build([2, 2, 1], "sigmoid", bias=True)
>>> h = train(net, ["delta", "gradient"], X, T, epochs=50, lr=0.5, seed=1, seeds=3)
>>> h.seeds, len(h.runs)
([1, 2, 3], 6)
>>> abs(h.losses["delta"][-1] - h.losses["gradient"][-1]) < 1e-12
True
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ..codegen.export import load_module
from ..codegen.numeric import require_concrete
from ..conventions import get_convention
from ..datasets import load
from ..errors import InputError, option
from ..model.network import Network
from ..optim.numeric import known_hyper, optimizer_stepper
from ._history import History, Run

__all__ = ["DATASETS", "DEFAULT_SEEDS", "MAX_SEEDS", "train", "load_csv", "initial_params"]

#: the XOR data set as ``(X, T)`` (every built-in one: :mod:`symbolic_bp.datasets`)
DATASETS: dict[str, tuple[np.ndarray, np.ndarray]] = {"xor": load("xor")}
#: starts per convention, from the command line and from Python alike
DEFAULT_SEEDS = 5
MAX_SEEDS = 1000


def initial_params(net: Network, seed: int) -> dict[str, np.ndarray]:
    """Seeded starting values: ``W_l`` uniform in ``+-1/sqrt(n_{l-1})`` (so that the net inputs
    start in the activations' sensitive range), biases 0."""
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for l in range(1, net.depth + 1):
        bound = 1.0 / math.sqrt(net.sizes[l - 1])
        params[f"W{l}"] = rng.uniform(-bound, bound, size=(net.sizes[l], net.sizes[l - 1]))
        if net.bias:
            params[f"b{l}"] = np.zeros(net.sizes[l])
    return params


def train(
    net: Network,
    conventions: Sequence[str],
    X: np.ndarray,
    T: np.ndarray,
    epochs: int = 2000,
    lr: float = 0.5,
    batch_size: int | None = None,
    seed: int = 0,
    data: str = "data",
    progress: Callable[[str, int], None] | None = None,
    optimizers: Sequence[str] = (),
    hyper: Mapping[str, float] | None = None,
    lr_decay: float = 1.0,
    seeds: int = DEFAULT_SEEDS,
) -> History:
    """Train ``net`` under each convention from the same starts; return the :class:`History`.

    **Arguments:** ``X`` (``(samples, n_0)``), ``T`` (``(samples, n_L)``), ``epochs``, ``lr``,
    ``batch_size`` (``None``: the full batch); ``seeds`` starts, the seeds ``seed``,
    ``seed + 1``, ..., each giving the start values (:func:`initial_params`) and the batch
    order, the same for every convention (one run per convention and seed: ``seeds`` times the
    work of one); ``progress(run, epoch)`` called after every epoch; ``optimizers``: run every
    convention under each of these optimizer recipes (columns ``convention+optimizer``) with
    numeric ``hyper`` values and the rate ``lr * lr_decay**(step - 1)``, the convention giving
    the gradient (plain steps of the convention when empty).
    """
    require_concrete(net, "train")
    X, T = _numbers(X, "X"), _numbers(T, "T")
    _check_data(net, X, T)
    if not _integer(epochs) or epochs < 1:
        raise InputError(
            f"{option('--epochs', 'epochs')} must be a positive integer, got {epochs!r}"
        )
    if not (math.isfinite(lr) and lr > 0):
        raise InputError(f"{option('--lr', 'lr')} must be a positive finite number, got {lr!r}")
    if not _integer(seeds) or not 1 <= seeds <= MAX_SEEDS:
        raise InputError(
            f"{option('--seeds', 'seeds')} must be an integer from 1 to {MAX_SEEDS}, got {seeds}"
        )
    samples = X.shape[0]
    size = samples if batch_size is None else batch_size
    if not 1 <= size <= samples:
        raise InputError(
            f"{option('--batch-size ', 'batch_size=')}{batch_size} must be between 1 and "
            f"{samples} samples"
        )
    if optimizers:  # optimizer_stepper refuses hyper without optimizers
        known_hyper(optimizers, hyper or {})
    history = History(net.describe(), data, epochs, lr, [seed + k for k in range(seeds)])
    chosen: list[str | None] = list(optimizers) or [None]
    for conv, opt in [(get_convention(n), o) for n in conventions for o in chosen]:
        label = conv.name if opt is None else f"{conv.name}+{opt}"
        module = load_module(net, conv)
        for start in history.seeds:
            stepper = optimizer_stepper(module, lr, opt, hyper, lr_decay)
            name = label if seeds == 1 else f"{label} seed {start}"

            def report(epoch: int, name: str = name) -> None:
                if progress is not None:
                    progress(name, epoch)

            history.runs.append(
                _run(module, stepper, net, X, T, epochs, size, Run(label, start, []), report)
            )
    return history


def _run(
    module: object,
    stepper: Callable,
    net: Network,
    X: np.ndarray,
    T: np.ndarray,
    epochs: int,
    size: int,
    run: Run,
    report: Callable[[int], None],
) -> Run:
    """One convention from one start (``run.seed``), filling ``run``."""
    samples = X.shape[0]
    params = initial_params(net, run.seed)
    order_rng = np.random.default_rng(run.seed + 1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs):
            order = order_rng.permutation(samples) if size < samples else None
            batch_losses = []
            for start in range(0, samples, size):
                rows = slice(None) if order is None else order[start : start + size]
                loss, params = stepper(params, X[rows], T[rows])
                batch_losses.append(float(loss))
            value = float(np.mean(batch_losses))
            finite = math.isfinite(value) and all(np.isfinite(p).all() for p in params.values())
            if not finite:
                run.diverged = epoch
                break
            run.losses.append(value)
            report(epoch + 1)
        outputs = module.forward(params, X)  # type: ignore[attr-defined]
    run.outputs = [[float(v) for v in row] for row in np.asarray(outputs)]
    return run


def _integer(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _numbers(data: object, name: str) -> np.ndarray:
    """``data`` as a float array (a NumPy array, or nested lists of numbers as from a
    tutorial); anything else, or a value that is not finite, is an :class:`InputError`."""
    try:
        array = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be an array of numbers ({exc})") from None
    if not np.isfinite(array).all():
        raise InputError(f"{name} holds a value that is not a finite number")
    return array


def _check_data(net: Network, X: np.ndarray, T: np.ndarray) -> None:
    """One row per sample in ``X`` and ``T``, with as many columns as the network has inputs
    and outputs; errors name ``X``/``T`` from Python, the data and ``--layers`` from the
    command line."""
    shape = "-".join(map(str, net.sizes))
    for array, name, kind, width, ends in (
        (X, "X", "input", net.sizes[0], "inputs"),
        (T, "T", "target", net.sizes[-1], "outputs"),
    ):
        if array.ndim == 2 and array.shape[1] == width:
            continue
        columns = array.shape[1] if array.ndim == 2 else "?"
        given = option(f"the data have {columns} {kind} columns", f"{name} has shape {array.shape}")
        fix = option("use --layers", f"{name} must have the shape (samples, {width})")
        raise InputError(f"{given}; the network {shape} has {width} {ends} ({fix})")
    if X.shape[0] == 0:
        raise InputError(f"{option('the data set', 'X')} has no samples")
    if X.shape[0] != T.shape[0]:
        raise InputError(f"X has {X.shape[0]} samples (rows) but T has {T.shape[0]}")


def load_csv(path: str, n_inputs: int, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, T)`` from a CSV file: each row is ``n_inputs`` inputs then ``n_outputs`` targets;
    a first row that is not numeric is a header.

    **Raises:** :class:`InputError` naming the file, row and value at fault.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{_data()}: file {path!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{_data()}: cannot read {path!r}: {exc}") from None
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    width = n_inputs + n_outputs
    values: list[list[float]] = []
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        try:
            floats = [float(c) for c in cells]
        except ValueError:
            if number == 1 and not values:
                continue  # a header
            bad = next(c for c in cells if not _is_float(c))
            raise InputError(f"{_data()}: {path!r} row {number}: {bad!r} is not a number") from None
        if len(floats) != width:
            raise InputError(
                f"{_data()}: {path!r} row {number} has {len(floats)} columns; the network needs "
                f"{n_inputs} inputs + {n_outputs} targets = {width}"
            )
        bad_value = next(
            (c for c, f in zip(cells, floats, strict=True) if not math.isfinite(f)), None
        )
        if bad_value is not None:
            raise InputError(f"{_data()}: {path!r} row {number}: {bad_value!r} is not finite")
        values.append(floats)
    if not values:
        raise InputError(f"{_data()}: {path!r} holds no rows of numbers")
    array = np.array(values)
    return array[:, :n_inputs], array[:, n_inputs:]


def _data() -> str:
    """How an error names the CSV file: ``--data`` on the command line, ``path`` from Python."""
    return option("--data", "path")


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
