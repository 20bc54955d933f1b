r"""The figure of a training comparison: one set of axes shared by every convention, the median
loss over the seeds as a line and the range (minimum to maximum) as a band around it.

The file is byte-identical from run to run: PNG without a software or date stamp, SVG without a
date and with a fixed hash salt for its element ids (``svg.hashsalt``)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..errors import InputError, option
from ..files import write_atomic
from ._history import History

__all__ = ["plot_history", "require_pyplot", "PLOT_SUFFIXES"]

PLOT_SUFFIXES = (".png", ".svg")
_STYLES = ("-", "--", ":", "-.")


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
            f"{option('--plot', 'plot_history')} needs matplotlib: pip install "
            "'symbolic_bp[plot]' (or pip install matplotlib)"
        ) from None
    return matplotlib.pyplot


def plot_history(history: History, path: str) -> None:
    """Draw the median loss per epoch of each convention, with the band from the smallest to
    the largest loss over the seeds, on one log-scale axes, into ``path`` (``.png`` or
    ``.svg``). Needs matplotlib (``pip install 'symbolic_bp[plot]'``)."""
    name = option("--plot", "path")
    if not path.endswith(PLOT_SUFFIXES):
        raise InputError(f"{name}: {path!r} must end in .png or .svg")
    pyplot = require_pyplot()
    import matplotlib

    seeds = len(history.seeds)
    with matplotlib.rc_context({"svg.hashsalt": "symbolic_bp", "svg.fonttype": "path"}):
        fig, ax = pyplot.subplots(figsize=(7.0, 4.2))
        epochs = np.arange(history.epochs)
        for index, name in enumerate(history.labels):
            band = history.band(name)
            color = f"C{index % 10}"
            lost = sum(r.diverged is not None for r in history.runs_of(name))
            label = name if not lost else f"{name} ({lost} of {seeds} diverged)"
            style = _STYLES[index % len(_STYLES)]  # identical curves stay visible
            ax.plot(epochs, band.median, color=color, label=label, linewidth=1.6, linestyle=style)
            if seeds > 1:
                ax.fill_between(epochs, band.low, band.high, color=color, alpha=0.18, linewidth=0)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss (mean over the batch)")
        ax.grid(True, which="both", alpha=0.3)
        what = f"median and range over {seeds} seeds" if seeds > 1 else f"seed {history.seeds[0]}"
        ax.set_title(f"{history.network}\non {history.data}, lr {history.lr:g}: {what}", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        buffer = io.BytesIO()
        if path.endswith(".svg"):
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        else:
            fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
        pyplot.close(fig)
    write_atomic(path, buffer.getvalue(), name)
