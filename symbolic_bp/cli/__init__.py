"""The command line: one module per command (``prove``, ``step``, ``export``, ``train``,
``derive``, ``docs``), each with ``add_parser(sub)`` and ``run(args) -> int``; the shared
network options in :mod:`~symbolic_bp.cli.options`. A new command is a module here and one
entry in :mod:`~symbolic_bp.cli.main`."""

import os
import sys

if "sympy" not in sys.modules:
    # SymPy sizes its expression caches when it is imported (1000 entries by default). A
    # proof in depth builds and compares many small expressions more than once (the layer
    # rules, the per-neuron rules of the check networks): with 20000 entries 51 layers of
    # width 8 take about 10 % less CPU and 101 layers about 13 % less, for a few MiB (issue 17).
    # A value the user set is kept.
    os.environ.setdefault("SYMPY_CACHE_SIZE", "20000")

from .main import build_parser, main  # noqa: E402 - after the cache size is set

__all__ = ["build_parser", "main"]
