r"""Training under one or several conventions, side by side, with the exported NumPy code.

Every convention starts from the same parameters and sees the same batches in the same order,
so the loss curves differ only by the recipe. One epoch is one pass over the data; with
mini-batches the epoch's loss is the mean of its batch losses, with the full batch (the default)
it is the loss before that epoch's step.

>>> from symbolic_bp.model.network import Network
>>> X, T = DATASETS["xor"]
>>> net = Network.build([2, 2, 1], "sigmoid", bias=True)
>>> h = train(net, ["delta", "gradient"], X, T, epochs=50, lr=0.5, seed=1)
>>> abs(h.losses["delta"][-1] - h.losses["gradient"][-1]) < 1e-12
True
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .codegen.export import load_module
from .codegen.numeric import require_concrete
from .conventions import get_convention
from .errors import InputError
from .files import write_atomic
from .model.network import Network
from .optim.numeric import optimizer_stepper

__all__ = ["DATASETS", "History", "train", "load_csv", "initial_params", "history_text"]

#: built-in data sets: name -> (X, T)
DATASETS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "xor": (
        np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
        np.array([[0.0], [1.0], [1.0], [0.0]]),
    ),
}


@dataclass
class History:
    """Loss per epoch for each convention (``losses[name][epoch]``), where a convention stopped
    because its values stopped being finite (``diverged[name] = epoch``), and the outputs of the
    trained network on the data (``outputs[name]``)."""

    network: str
    data: str
    epochs: int
    lr: float
    losses: dict[str, list[float]] = field(default_factory=dict)
    diverged: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, list[list[float]]] = field(default_factory=dict)

    def to_csv(self) -> str:
        """``epoch,<convention>,...``; an empty cell after a convention diverged."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        names = list(self.losses)
        writer.writerow(["epoch", *names])
        for epoch in range(self.epochs):
            row = [str(epoch)]
            for n in names:
                values = self.losses[n]
                row.append(repr(values[epoch]) if epoch < len(values) else "")
            writer.writerow(row)
        return out.getvalue()

    def to_dict(self) -> dict[str, object]:
        return {
            "network": self.network,
            "data": self.data,
            "epochs": self.epochs,
            "lr": self.lr,
            "losses": self.losses,
            "diverged": self.diverged,
            "outputs": self.outputs,
        }


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
) -> History:
    """Train ``net`` under each convention from the same start; return the :class:`History`.

    **Arguments:** ``X`` (``(samples, n_0)``), ``T`` (``(samples, n_L)``), ``epochs``, ``lr``,
    ``batch_size`` (``None``: the full batch), ``seed`` (start values and batch order),
    ``progress(convention, epoch)`` called after every epoch; ``optimizers``: run every
    convention under each of these optimizer recipes (columns ``convention+optimizer``) with
    numeric ``hyper`` values and the rate ``lr * lr_decay**(step - 1)``, the convention giving
    the gradient (plain steps of the convention when empty).
    """
    require_concrete(net, "train")
    _check_data(net, X, T)
    if epochs < 1:
        raise InputError(f"--epochs must be a positive integer, got {epochs}")
    if not (math.isfinite(lr) and lr > 0):
        raise InputError(f"--lr must be a positive finite number, got {lr!r}")
    samples = X.shape[0]
    size = samples if batch_size is None else batch_size
    if not 1 <= size <= samples:
        raise InputError(f"--batch-size {batch_size} must be between 1 and {samples} samples")
    history = History(net.describe(), data, epochs, lr)
    chosen: list[str | None] = list(optimizers) or [None]
    runs = [(get_convention(n), o) for n in conventions for o in chosen]
    for conv, opt in runs:
        label = conv.name if opt is None else f"{conv.name}+{opt}"
        module = load_module(net, conv)
        stepper = optimizer_stepper(module, lr, opt, hyper, lr_decay)
        params = initial_params(net, seed)
        order_rng = np.random.default_rng(seed + 1)
        losses: list[float] = []
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
                    history.diverged[label] = epoch
                    break
                losses.append(value)
                if progress is not None:
                    progress(label, epoch + 1)
            outputs = module.forward(params, X)
        history.losses[label] = losses
        history.outputs[label] = [[float(v) for v in row] for row in np.asarray(outputs)]
    return history


def _check_data(net: Network, X: np.ndarray, T: np.ndarray) -> None:
    if X.ndim != 2 or X.shape[1] != net.sizes[0]:
        raise InputError(
            f"the data have {X.shape[1] if X.ndim == 2 else '?'} input columns; the network "
            f"{'-'.join(map(str, net.sizes))} has {net.sizes[0]} inputs (use --layers)"
        )
    if T.ndim != 2 or T.shape[1] != net.sizes[-1]:
        raise InputError(
            f"the data have {T.shape[1] if T.ndim == 2 else '?'} target columns; the network "
            f"{'-'.join(map(str, net.sizes))} has {net.sizes[-1]} outputs (use --layers)"
        )
    if X.shape[0] == 0:
        raise InputError("the data set has no samples")


def load_csv(path: str, n_inputs: int, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, T)`` from a CSV file: each row is ``n_inputs`` inputs then ``n_outputs`` targets;
    a first row that is not numeric is a header.

    **Raises:** :class:`InputError` naming the file, row and value at fault.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"--data: file {path!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--data: cannot read {path!r}: {exc}") from None
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
            raise InputError(f"--data: {path!r} row {number}: {bad!r} is not a number") from None
        if len(floats) != width:
            raise InputError(
                f"--data: {path!r} row {number} has {len(floats)} columns; the network needs "
                f"{n_inputs} inputs + {n_outputs} targets = {width}"
            )
        bad_value = next(
            (c for c, f in zip(cells, floats, strict=True) if not math.isfinite(f)), None
        )
        if bad_value is not None:
            raise InputError(f"--data: {path!r} row {number}: {bad_value!r} is not finite")
        values.append(floats)
    if not values:
        raise InputError(f"--data: {path!r} holds no rows of numbers")
    array = np.array(values)
    return array[:, :n_inputs], array[:, n_inputs:]


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def history_text(history: History, rows: int = 10) -> str:
    """The loss table: about ``rows`` epochs and the last, one column per convention."""
    names = list(history.losses)
    marks = sorted({round(k * (history.epochs - 1) / max(rows - 1, 1)) for k in range(rows)})
    width = max(12, *(len(n) + 2 for n in names))
    lines = ["epoch".ljust(8) + "".join(n.rjust(width) for n in names)]
    for epoch in marks:
        cells = []
        for n in names:
            values = history.losses[n]
            cells.append(f"{values[epoch]:.6g}" if epoch < len(values) else "diverged")
        lines.append(str(epoch).ljust(8) + "".join(c.rjust(width) for c in cells))
    for n in names:
        if n in history.diverged:
            lines.append(f"{n}: values stopped being finite at epoch {history.diverged[n]}")
    lines.append("outputs after training:")
    for n in names:
        shown = ", ".join(
            "[" + ", ".join(f"{v:.3f}" for v in row) + "]" for row in history.outputs[n][:8]
        )
        more = " ..." if len(history.outputs[n]) > 8 else ""
        lines.append(f"  {n}: {shown}{more}")
    return "\n".join(lines)


def write_history(history: History, path: str) -> None:
    """Write the history as CSV (``.csv``) or JSON (``.json``), atomically."""
    if path.endswith(".json"):
        write_atomic(path, json.dumps(history.to_dict(), indent=2) + "\n", "--history")
    elif path.endswith(".csv"):
        write_atomic(path, history.to_csv(), "--history")
    else:
        raise InputError(f"--history: {path!r} must end in .csv or .json")


def require_pyplot() -> Any:
    """``matplotlib.pyplot`` with the file-only Agg backend.

    **Raises:** :class:`InputError` saying how to install it when matplotlib is missing (the
    command line asks before training, so that a missing extra costs no work)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot
    except ImportError:
        raise InputError(
            "--plot needs matplotlib: pip install 'symbolic_bp[plot]' (or pip install matplotlib)"
        ) from None
    return matplotlib.pyplot


def plot_history(history: History, path: str) -> None:
    """Draw the loss curves of the conventions side by side (one panel each, shared log-scale
    loss axis) into a PNG file. Needs matplotlib (``pip install 'symbolic_bp[plot]'``)."""
    pyplot = require_pyplot()
    names = list(history.losses)
    fig, axes = pyplot.subplots(
        1, len(names), figsize=(4.2 * len(names), 3.6), sharey=True, squeeze=False
    )
    for index, (ax, name) in enumerate(zip(axes[0], names, strict=True)):
        values = history.losses[name]
        ax.plot(range(len(values)), values, color=f"C{index % 10}")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(True, which="both", alpha=0.3)
        if name in history.diverged:
            ax.annotate(
                f"diverged at epoch {history.diverged[name]}",
                (0.05, 0.05),
                xycoords="axes fraction",
            )
    axes[0][0].set_ylabel("loss (mean over the batch)")
    fig.suptitle(f"{history.network} on {history.data}, lr {history.lr:g}", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    pyplot.close(fig)
    write_atomic(path, buffer.getvalue(), "--plot")
