r"""Small data sets shipped with the package, for ``symbolic-bp train --data NAME``.

- ``xor``: the four points of exclusive or (2 inputs, 1 target).
- ``iris``: R. A. Fisher's iris measurements (1936; public domain), 150 flowers of three
  species, 50 each. The inputs are the four measurements in cm (sepal length and width, petal
  length and width), each column scaled to ``[0, 1]`` by its minimum and maximum (so that
  sigmoid neurons start in their sensitive range, as the tutorials do); the targets are the
  species one-hot (setosa, versicolor, virginica). The file ``data/iris.csv`` holds the raw
  measurements as in R's ``datasets::iris`` (the corrected values of flowers 35 and 38).

>>> X, T = load("iris")
>>> X.shape, T.shape, float(X.min()), float(X.max()), T.sum(axis=0).tolist()
((150, 4), (150, 3), 0.0, 1.0, [50.0, 50.0, 50.0])
>>> DATASETS["iris"].layers
'4,5,3'
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from .errors import InputError, option

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Dataset", "DATASETS", "load", "is_builtin"]


@dataclass(frozen=True)
class Dataset:
    """A built-in data set: its name, a one-line description, and the layer widths a network
    for it has by default (inputs and outputs fixed by the data)."""

    name: str
    description: str
    layers: str


DATASETS: dict[str, Dataset] = {
    "xor": Dataset("xor", "exclusive or, 4 samples", "2,3,2,1"),
    "iris": Dataset("iris", "Fisher's iris, 150 flowers, 3 species", "4,5,3"),
}

_SPECIES = ("setosa", "versicolor", "virginica")


def is_builtin(name: str) -> bool:
    """Whether ``name`` is a built-in data set."""
    return name in DATASETS


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, T)`` of a built-in data set (``X``: ``(samples, inputs)``, ``T``: ``(samples,
    outputs)``).

    **Raises:** :class:`InputError` listing the built-in names for an unknown one.
    """
    import numpy as np  # here, so that the command line's parser does not load NumPy

    if name == "xor":
        return (
            np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
            np.array([[0.0], [1.0], [1.0], [0.0]]),
        )
    if name == "iris":
        return _iris()
    close = difflib.get_close_matches(name, list(DATASETS), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    builtin = ", ".join(DATASETS)
    raise InputError(
        option(
            f"--data: {name!r} is neither a built-in data set ({builtin}) nor a .csv file{hint}",
            f"name: {name!r} is not a built-in data set ({builtin}){hint} (a CSV file: "
            "symbolic_bp.training.load_csv)",
        )
    )


def _iris() -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    text = resources.files(__package__).joinpath("data", "iris.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    raw = np.array([[float(v) for v in row[:4]] for row in rows])
    low, high = raw.min(axis=0), raw.max(axis=0)
    X = (raw - low) / (high - low)
    T = np.array([[1.0 if row[4] == s else 0.0 for s in _SPECIES] for row in rows])
    return X, T
