"""The ``symbolic-bp`` command (also ``python -m symbolic_bp``): the parser and the dispatch.

Exit codes: 0 proven equal (or a command succeeded), 1 proven different, 2 bad input,
3 unknown (a limit was hit). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

from .. import __version__
from ..clock_start import STARTED
from ..errors import SymbolicBPError
from . import (
    check_command,
    derive_command,
    docs_command,
    export_command,
    prove_command,
    step_command,
    train_command,
)
from .options import Parser

__all__ = ["main", "build_parser"]

_COMMANDS = {
    "prove": prove_command,
    "step": step_command,
    "export": export_command,
    "train": train_command,
    "derive": derive_command,
    "docs": docs_command,
    "check": check_command,
}


def build_parser() -> Parser:
    """The argument parser (exposed for documentation and tests)."""
    parser = Parser(
        prog="symbolic-bp",
        description="Derive, compare and prove backpropagation update rules with SymPy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in _COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    # as the command itself (no argv given) the time limit counts from the package's first
    # import; called from Python, from now
    started = STARTED if argv is None else time.perf_counter()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.started = started
        if args.command is None:
            parser.print_help()
            return 2
        return int(_COMMANDS[args.command].run(args))
    except SymbolicBPError as exc:
        print(f"symbolic-bp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbolic-bp: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours; silence the final flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
