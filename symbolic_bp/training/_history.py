r"""What a training run recorded: one :class:`Run` per convention and seed, and the summary
over seeds (median and range per epoch) that the table and the plot show.

>>> h = History("2-2-1", "xor", 3, 0.5, [0, 1, 2])
>>> for seed, values in zip([0, 1, 2], [[3, 2, 1], [5, 4, 2], [4, 1, 0.5]]):
...     h.runs.append(Run("delta", seed, [float(v) for v in values]))
>>> band = h.band("delta")
>>> band.median.tolist(), band.low.tolist(), band.high.tolist()
([4.0, 2.0, 1.0], [3.0, 1.0, 0.5], [5.0, 4.0, 2.0])
>>> h
<History 2-2-1 on xor: delta; 3 epochs, lr 0.5, seeds 0, 1, 2>
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError, option
from ..files import write_atomic

__all__ = ["Run", "Band", "History", "history_text", "write_history"]


@dataclass
class Run:
    """One convention (``label``: ``delta``, or ``delta+adam`` under an optimizer) trained from
    one seed: the loss per epoch, the epoch where its values stopped being finite (``None``
    if they never did; ``losses`` stop there), and the network's outputs on the data after
    training."""

    label: str
    seed: int
    losses: list[float]
    diverged: int | None = None
    outputs: list[list[float]] = field(default_factory=list)

    def __repr__(self) -> str:
        end = f"diverged at epoch {self.diverged}" if self.diverged is not None else "finite"
        return f"<Run {self.label} seed {self.seed}: {len(self.losses)} epochs, {end}>"

    def to_dict(self) -> dict[str, object]:
        return {
            "convention": self.label,
            "seed": self.seed,
            "losses": self.losses,
            "diverged": self.diverged,
            "outputs": self.outputs,
        }


@dataclass(frozen=True)
class Band:
    r"""Per epoch over the seeds whose run is still finite there: the median, the minimum and
    the maximum of the loss, and how many runs that is (``count``; fewer than the seeds once
    some diverged)."""

    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    count: np.ndarray


@dataclass
class History:
    """Every run of a training comparison: each convention from each of the same ``seeds``
    (seed ``s`` gives the start values and the batch order, the same for every convention).

    ``losses``, ``diverged`` and ``outputs`` are the runs of the *first* seed, keyed by
    convention, as a one-seed history had them; :meth:`band` summarises all seeds."""

    network: str
    data: str
    epochs: int
    lr: float
    seeds: list[int] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)

    def __repr__(self) -> str:
        seeds = ", ".join(map(str, self.seeds))
        return (
            f"<History {self.network} on {self.data}: {', '.join(self.labels)}; "
            f"{self.epochs} epochs, lr {self.lr:g}, seeds {seeds}>"
        )

    @property
    def labels(self) -> list[str]:
        """The conventions (columns), in the order trained."""
        return list(dict.fromkeys(r.label for r in self.runs))

    def runs_of(self, label: str) -> list[Run]:
        """The runs of one convention, in the order of :attr:`seeds`."""
        return [r for r in self.runs if r.label == label]

    def curves(self, label: str) -> np.ndarray:
        """The losses of one convention as a ``(seeds, epochs)`` array, NaN after a run
        diverged."""
        runs = self.runs_of(label)
        out = np.full((len(runs), self.epochs), np.nan)
        for row, run in enumerate(runs):
            out[row, : len(run.losses)] = run.losses
        return out

    def band(self, label: str) -> Band:
        """Median, minimum and maximum over the seeds, per epoch (NaN where every run had
        diverged)."""
        curves = self.curves(label)
        count = np.sum(~np.isnan(curves), axis=0)
        median, low, high = (np.full(self.epochs, np.nan) for _ in range(3))
        alive = count > 0
        median[alive] = np.nanmedian(curves[:, alive], axis=0)
        low[alive] = np.nanmin(curves[:, alive], axis=0)
        high[alive] = np.nanmax(curves[:, alive], axis=0)
        return Band(median, low, high, count)

    @property
    def losses(self) -> dict[str, list[float]]:
        """The first seed's loss per epoch, by convention."""
        return {r.label: r.losses for r in self._first()}

    @property
    def diverged(self) -> dict[str, int]:
        """The first seed's conventions that diverged, with the epoch."""
        return {r.label: r.diverged for r in self._first() if r.diverged is not None}

    @property
    def outputs(self) -> dict[str, list[list[float]]]:
        """The first seed's outputs after training, by convention."""
        return {r.label: r.outputs for r in self._first()}

    def _first(self) -> list[Run]:
        return [r for r in self.runs if self.seeds and r.seed == self.seeds[0]]

    def to_csv(self) -> str:
        """One row per convention, seed and epoch: ``convention,seed,epoch,loss`` (a run that
        diverged has no rows after it; the JSON says where)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["convention", "seed", "epoch", "loss"])
        for run in self.runs:
            for epoch, value in enumerate(run.losses):
                writer.writerow([run.label, run.seed, epoch, repr(value)])
        return out.getvalue()

    def to_dict(self) -> dict[str, object]:
        return {
            "network": self.network,
            "data": self.data,
            "epochs": self.epochs,
            "lr": self.lr,
            "seeds": list(self.seeds),
            "runs": [r.to_dict() for r in self.runs],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """The inverse of :meth:`to_dict` (a history read back from its JSON file)."""
        runs = [
            Run(r["convention"], r["seed"], r["losses"], r["diverged"], r["outputs"])
            for r in data["runs"]
        ]
        return cls(data["network"], data["data"], data["epochs"], data["lr"], data["seeds"], runs)


def _cell(band: Band, epoch: int, several: bool) -> str:
    if band.count[epoch] == 0:
        return "diverged"
    median = f"{band.median[epoch]:.3g}"
    if not several:
        return median
    return f"{median} [{band.low[epoch]:.3g}, {band.high[epoch]:.3g}]"


def history_text(history: History, rows: int = 10) -> str:
    """The loss table: about ``rows`` epochs and the last, one column per convention; with
    several seeds each cell is ``median [min, max]`` over the seeds."""
    names = history.labels
    several = len(history.seeds) > 1
    bands = {n: history.band(n) for n in names}
    marks = sorted({round(k * (history.epochs - 1) / max(rows - 1, 1)) for k in range(rows)})
    table = [[_cell(bands[n], e, several) for n in names] for e in marks]
    width = max(12, *(len(n) + 2 for n in names), *(len(c) + 2 for row in table for c in row))
    lines = []
    if several:
        lines.append(f"loss per epoch: median [min, max] over {len(history.seeds)} seeds")
    lines.append("epoch".ljust(8) + "".join(n.rjust(width) for n in names))
    for epoch, cells in zip(marks, table, strict=True):
        lines.append(str(epoch).ljust(8) + "".join(c.rjust(width) for c in cells))
    for n in names:
        for run in history.runs_of(n):
            if run.diverged is not None:
                lines.append(
                    f"{n}: values stopped being finite at epoch {run.diverged} (seed {run.seed})"
                )
    if several:
        lines.append("final loss per seed (" + ", ".join(map(str, history.seeds)) + "):")
        for n in names:
            finals = ", ".join(
                f"{r.losses[-1]:.3g}" if r.diverged is None else "diverged"
                for r in history.runs_of(n)
            )
            lines.append(f"  {n}: {finals}")
    first = f" (seed {history.seeds[0]})" if several else ""
    lines.append(f"outputs after training{first}:")
    for n, outputs in history.outputs.items():
        shown = ", ".join("[" + ", ".join(f"{v:.3f}" for v in row) + "]" for row in outputs[:8])
        more = " ..." if len(outputs) > 8 else ""
        lines.append(f"  {n}: {shown}{more}")
    return "\n".join(lines)


def write_history(history: History, path: str) -> None:
    """Write the history as CSV (``.csv``) or JSON (``.json``), atomically."""
    name = option("--history", "path")
    if path.endswith(".json"):
        write_atomic(path, json.dumps(history.to_dict(), indent=2) + "\n", name)
    elif path.endswith(".csv"):
        write_atomic(path, history.to_csv(), name)
    else:
        raise InputError(f"{name}: {path!r} must end in .csv or .json")
