"""The ``symbolic-bp`` command (also ``python -m symbolic_bp``): the parser and the dispatch.

Exit codes: 0 proven equal (or a command succeeded), 1 proven different, 2 bad input,
3 unknown (a limit was hit). Errors are one line on stderr, never a traceback.

Only the named command's module is imported and only its parser is built in full: the others
are listed by name and summary, so that ``symbolic-bp --help`` loads neither SymPy nor NumPy
and each command loads only what it uses.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Collection, Sequence
from types import ModuleType

from ..clock_start import STARTED
from ..errors import SymbolicBPError, command_line
from .parser import Parser
from .recipes import add_recipes_option, recipes_loaded

__all__ = ["main", "build_parser", "COMMANDS"]

#: each command, its one-line summary (the same as its module's ``add_parser`` gives)
COMMANDS = {
    "prove": "prove whether two conventions give the same updates",
    "step": "one numeric update step from the derived rules",
    "export": "write a standalone NumPy module of a convention's rules",
    "train": "train under several conventions side by side and compare the loss curves",
    "derive": "the step-by-step derivation of a convention (LaTeX, MathML, Markdown, HTML, JSON)",
    "docs": "write the documentation pages (HTML and Markdown)",
    "check": "prove your own backprop code against the gradient (runs FILE.py)",
}


def command_module(name: str) -> ModuleType:
    """The module of command ``name`` (``add_parser(sub)`` and ``run(args) -> int``)."""
    return importlib.import_module(f".{name}_command", __package__)


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from .. import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def build_parser(full: Collection[str] | None = None) -> Parser:
    """The argument parser (exposed for documentation and tests): every command in full, or
    only the commands in ``full`` (the others by name and summary)."""
    parser = Parser(
        prog="symbolic-bp",
        description="Derive, compare and prove backpropagation update rules with SymPy.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, summary in COMMANDS.items():
        if full is None or name in full:
            command_module(name).add_parser(sub)
            add_recipes_option(sub.choices[name])
        else:
            sub.add_parser(name, help=summary)
    return parser


def _named(argv: Sequence[str]) -> list[str]:
    """The command named in ``argv`` (none or one): the first word that is not an option."""
    words = [word for word in argv if not word.startswith("-")]
    return words[:1] if words and words[0] in COMMANDS else []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    # as the command itself (no argv given) the time limit counts from the package's first
    # import; called from Python, from now
    started = STARTED if argv is None else time.perf_counter()
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        with command_line():  # errors name options (--activation), not Python arguments
            parser = build_parser(_named(words))
            args = parser.parse_args(words)
            args.started = started
            if args.command is None:
                parser.print_help()
                return 2
            with recipes_loaded(args.recipes) as added:
                args.recipe_conventions = added
                return int(command_module(args.command).run(args))
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
