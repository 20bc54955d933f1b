"""``--recipes FILE.py``: the user's own recipes, registered by a file, for one command.

Every command takes ``--recipes FILE.py`` (repeatable). Before the command runs, each file's
top-level code is executed the way Python executes a module on ``import``: ``__name__`` is the
file's stem, so an ``if __name__ == "__main__":`` block does not run, and the file's directory
comes first on ``sys.path`` while it runs. There is no sandbox: the file is your code, as it
would be in ``python FILE.py``. It registers recipes as any Python code does::

    from symbolic_bp import Delta, register

    class Mine(Delta):
        name = "mine"
        ...

    register(Mine())

after which ``--conventions mine,gradient`` (or ``--convention mine``) names it.

A file may only *add* names. One that replaces a registered convention, optimizer, activation
or loss, or changes the code of a built-in recipe (a method patched onto ``Delta``), is refused
with a one-line error, as is a missing file and one that raises (named by file and line). The
registries are copied before the files run and put back when the command ends, so calls of
:func:`~symbolic_bp.cli.main` in one process do not see each other's recipes.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from ..errors import InputError, NameTaken, SymbolicBPError

__all__ = ["add_recipes_option", "recipes_loaded"]

HELP = (
    "a Python file that registers recipes of your own (conventions, optimizers) for this "
    "command; it is executed as Python runs a module on import (its __main__ block does not "
    "run), so give only files you trust; repeat for several files"
)


def add_recipes_option(parser: argparse.ArgumentParser) -> None:
    """``--recipes FILE.py`` (repeatable) on a command's parser."""
    parser.add_argument("--recipes", action="append", default=None, metavar="FILE.py", help=HELP)


def _registries() -> dict[str, dict]:
    """Every registry a recipes file may add to, by what it holds. (Imported here, when a
    file is given, so that ``symbolic-bp --help`` does not load SymPy.)"""
    from ..conventions import CONVENTIONS
    from ..model.activations import ACTIVATIONS
    from ..model.losses import LOSSES
    from ..optim.recipes import OPTIMIZERS

    return {
        "convention": CONVENTIONS,
        "optimizer": OPTIMIZERS,
        "activation": ACTIVATIONS,
        "loss": LOSSES,
    }


@contextmanager
def recipes_loaded(paths: Sequence[str] | None) -> Iterator[list[str]]:
    """Run the recipes files ``paths`` (none: nothing happens) for the duration of the block,
    then put every registry back as it was. Yields the names of the conventions the files
    added, in the order they were registered (``docs`` writes a page for each).

    **Raises:** :class:`~symbolic_bp.errors.InputError` for a file that is missing, cannot be
    compiled, raises, replaces a registered name or changes a built-in recipe's code.
    """
    if not paths:
        yield []
        return
    from ..conventions import builtin_code, is_builtin, restore_builtin_code

    registries = _registries()
    saved = {kind: dict(registry) for kind, registry in registries.items()}
    builtin = {name for name, conv in saved["convention"].items() if is_builtin(conv)}
    code = builtin_code()  # put back as it was, also a patch the calling Python code made
    modules: list[str] = []
    try:
        for path in paths:
            _run(Path(path), path, modules)
            for kind, registry in registries.items():
                for name, value in saved[kind].items():
                    if registry.get(name) is not value:
                        raise InputError(
                            f"--recipes {path}: replaces the registered {kind} {name!r}; a "
                            "recipes file adds names and never replaces one: give yours a name "
                            "of its own"
                        )
            for name in sorted(builtin):
                if not is_builtin(saved["convention"][name]):
                    raise InputError(
                        f"--recipes {path}: changes the code of the built-in convention "
                        f"{name!r}; subclass it under a name of its own instead"
                    )
        yield [name for name in registries["convention"] if name not in saved["convention"]]
    finally:
        restore_builtin_code(code)
        for kind, registry in registries.items():
            registry.clear()
            registry.update(saved[kind])
        for name in modules:
            sys.modules.pop(name, None)


def _run(path: Path, shown: str, modules: list[str]) -> None:
    """Execute one recipes file as a module named after its stem."""
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise InputError(f"--recipes {shown}: {problem}; give a Python file that registers recipes")
    try:
        code = compile(path.read_bytes(), str(path.resolve()), "exec", dont_inherit=True)
    except OSError as exc:
        raise InputError(f"--recipes {shown}: cannot be read ({exc.strerror})") from None
    except SyntaxError as exc:
        raise InputError(f"--recipes {shown}:{exc.lineno}: syntax error: {exc.msg}") from None
    except ValueError as exc:  # null bytes
        raise InputError(f"--recipes {shown}: is not Python source ({exc})") from None
    module = types.ModuleType(path.stem)
    module.__file__ = str(path.resolve())
    if path.stem not in sys.modules:  # for dataclasses and pickling; never hide another module
        sys.modules[path.stem] = module
        modules.append(path.stem)
    directory = str(path.resolve().parent)
    sys.path.insert(0, directory)
    bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    # os._exit would end the command with the file's status and no output (0 reads "equal")
    real_exit, os._exit = os._exit, _exit_now
    try:
        exec(code, module.__dict__)
    except NameTaken as exc:
        raise InputError(
            f"--recipes {_where(shown, exc, code.co_filename)}: the {exc.kind} {exc.name!r} is "
            "already registered; a recipes file adds names and never replaces one: give yours "
            "a name of its own"
        ) from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's code: reported, not hidden
        message = " ".join(str(exc).split()) or "(no message)"
        if isinstance(exc, SymbolicBPError):
            text = message
        else:
            text = f"{type(exc).__name__}: {message}"
        raise InputError(f"--recipes {_where(shown, exc, code.co_filename)}: {text}") from None
    finally:
        os._exit = real_exit
        sys.dont_write_bytecode = bytecode
        if directory in sys.path:
            sys.path.remove(directory)


def _exit_now(status: int) -> NoReturn:
    """``os._exit`` while a recipes file runs: reported as its ``SystemExit``."""
    raise SystemExit(status)


def _where(shown: str, exc: BaseException, filename: str) -> str:
    """``FILE:LINE`` of the innermost frame of the file in ``exc``'s traceback (``FILE`` only
    when the file is not on it)."""
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.realpath(frame.filename) == os.path.realpath(filename)
    ]
    return f"{shown}:{lines[-1]}" if lines else shown
