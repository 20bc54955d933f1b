"""The user's step function: a file executed afresh for every run, or a callable.

A file runs the way ``import`` runs a module: its top-level code is executed in a new module
named after the file's stem, so ``__name__`` is that stem and an ``if __name__ == "__main__":``
block (training loops, plots, reading data) does **not** run. The file's directory comes first
on ``sys.path`` while it runs, so ``import mylayers`` finds a module next to it; such local
modules are imported afresh for every run too (those imported before are set aside and put back
afterwards), so no state leaks from one run into the next. No bytecode is written.
A callable is called as it is; module state it keeps is the caller's business.
"""

from __future__ import annotations

import inspect
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._errors import TraceError
from ._locate import display_path, is_user_file, real_path, where

__all__ = ["Program", "load_program"]

SIGNATURE = "step(params, x, t, lr)"


@dataclass(frozen=True)
class Program:
    """Where the step comes from: ``path`` (``None`` when unknown), ``function`` (its name),
    and either the compiled ``code`` of the file or the ``callable`` itself."""

    path: Path | None
    function: str
    code: types.CodeType | None = None
    callable: Callable | None = None

    @property
    def module_name(self) -> str:
        return self.path.stem if self.path is not None else "__symbolic_bp_step__"

    def location(self, fn: object = None) -> tuple[str | None, int | None]:
        """``(file, line)`` of the function's ``def`` (of the file when that is unknown)."""
        code = getattr(fn or self.callable, "__code__", None)
        if code is not None:
            return code.co_filename, code.co_firstlineno
        return (str(self.path) if self.path is not None else None), None

    @contextmanager
    def loaded(self) -> Iterator[Callable]:
        """The step function, from a fresh execution of the file (see the module docstring)."""
        if self.code is None:
            assert self.callable is not None
            yield self.callable
            return
        assert self.path is not None
        directory = str(self.path.parent)
        set_aside = _take_local_modules(directory)
        # registered (for dataclasses, pickling, self-imports) unless that would hide a module
        # of the same name that is not the user's, such as a file named random.py
        register = self.module_name not in sys.modules
        module = types.ModuleType(self.module_name)
        module.__file__ = str(self.path)
        if register:
            sys.modules[self.module_name] = module
        sys.path.insert(0, directory)
        bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            exec(self.code, module.__dict__)
            yield self.find_function(module)
        finally:
            sys.dont_write_bytecode = bytecode
            if directory in sys.path:
                sys.path.remove(directory)
            _take_local_modules(directory)
            if register:
                sys.modules.pop(self.module_name, None)
            sys.modules.update(set_aside)

    def find_function(self, module: types.ModuleType) -> Callable:
        fn = getattr(module, self.function, None)
        if fn is None:
            defined = sorted(n for n, v in vars(module).items() if inspect.isfunction(v))
            found = f" (it defines {', '.join(defined)})" if defined else ""
            raise TraceError(
                f"{display_path(str(self.path))}: defines no function {self.function!r}{found}; "
                f"define {SIGNATURE.replace('step', self.function)} that calls your code, "
                "or name the function to call",
                str(self.path),
            )
        return check_signature(self, fn)


def check_signature(program: Program, fn: object) -> Callable:
    """``fn`` if it can be called as ``step(params, x, t, lr)``, else a :class:`TraceError`."""
    filename, line = program.location(fn)
    if not callable(fn):
        raise TraceError(
            f"{where(filename, line)}: {program.function} is a {type(fn).__name__}, not a "
            f"function; define {SIGNATURE}",
            filename,
            line,
        )
    try:
        inspect.signature(fn).bind(None, None, None, None)
    except TypeError:
        raise TraceError(
            f"{where(filename, line)}: {program.function} cannot be called with the four "
            f"arguments of {SIGNATURE}; give it these parameters",
            filename,
            line,
        ) from None
    except ValueError:  # no signature (a builtin): let the call decide
        pass
    return fn


def _take_local_modules(directory: str) -> dict[str, types.ModuleType]:
    """Remove and return the modules loaded from files of the user's ``directory``."""
    prefix = real_path(directory) + os.sep
    local = {}
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if (
            isinstance(filename, str)
            and real_path(filename).startswith(prefix)
            and is_user_file(filename)
        ):
            local[name] = sys.modules.pop(name)
    return local


def _compile(path: Path, shown: str) -> types.CodeType:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise TraceError(f"{shown}: cannot be read ({exc.strerror})", shown) from None
    try:
        return compile(text, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = exc.lineno
        raise TraceError(
            f"{where(str(path), line)}: syntax error: {exc.msg}; fix the file so that Python "
            "can run it",
            str(path),
            line,
        ) from None
    except ValueError as exc:  # null bytes
        raise TraceError(f"{shown}: is not Python source ({exc})", shown) from None


def load_program(source: str | os.PathLike[str] | Callable, function: str = "step") -> Program:
    """A :class:`Program` from a path (checked and compiled now) or a callable."""
    if callable(source) and not isinstance(source, (str, os.PathLike)):
        check_signature(Program(None, function, callable=source), source)
        filename = getattr(getattr(source, "__code__", None), "co_filename", None)
        path = Path(filename) if filename and not filename.startswith("<") else None
        name = getattr(source, "__name__", function)
        return Program(path, name, callable=source)
    if not isinstance(source, (str, os.PathLike)):
        raise TraceError(f"{source!r} is neither a path nor a function")
    path = Path(os.fspath(source))
    shown = display_path(str(path))
    if not path.exists():
        raise TraceError(
            f"{shown}: no such file; give the path of a Python file that defines {SIGNATURE}",
            shown,
        )
    if path.is_dir():
        raise TraceError(f"{shown}: is a directory; give a Python file", shown)
    if not function.isidentifier():
        raise TraceError(f"{function!r} is not a Python function name", shown)
    return Program(path.resolve(), function, code=_compile(path.resolve(), shown))


def describe(program: Program) -> str:
    """``step of mystep.py`` or ``the function step``, for messages."""
    if program.path is None:
        return f"the function {program.function}"
    return f"{program.function} of {display_path(str(program.path))}"
