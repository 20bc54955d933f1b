r"""Training comparisons: several conventions trained side by side from the same starts.

- :func:`train` (:mod:`._run`): every convention from the same ``seeds`` starts, with the
  exported NumPy code; :func:`load_csv` reads a user's data;
- :class:`History`, :class:`Run` (:mod:`._history`): the loss per convention, seed and epoch,
  the median and range over seeds, the table, the CSV and JSON files;
- :func:`plot_history` (:mod:`._plot`): one figure, median and range per convention on shared
  axes (PNG or SVG, byte-identical from run to run);
- :func:`explain_recipes` (:mod:`._explain`): what each recipe changes relative to the
  gradient, from the prover, so that a faster curve is not read as a correct recipe.

The built-in data sets are in :mod:`symbolic_bp.datasets`.
"""

from ._explain import (
    EXPLAIN_PARAMETERS,
    LayerChange,
    RecipeChange,
    explain_recipes,
    explanation_text,
)
from ._history import Band, History, Run, history_text, write_history
from ._plot import plot_history, require_pyplot
from ._run import DATASETS, DEFAULT_SEEDS, MAX_SEEDS, initial_params, load_csv, train

__all__ = [
    "DATASETS",
    "DEFAULT_SEEDS",
    "EXPLAIN_PARAMETERS",
    "MAX_SEEDS",
    "Band",
    "History",
    "LayerChange",
    "RecipeChange",
    "Run",
    "explain_recipes",
    "explanation_text",
    "history_text",
    "initial_params",
    "load_csv",
    "plot_history",
    "require_pyplot",
    "train",
    "write_history",
]
