"""The command line: one module per command (``prove``, ``step``, ``export``, ``train``,
``derive``, ``docs``), each with ``add_parser(sub)`` and ``run(args) -> int``; the shared
network options in :mod:`~symbolic_bp.cli.options`. A new command is a module here and one
entry in :mod:`~symbolic_bp.cli.main`."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
