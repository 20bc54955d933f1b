"""Where in the user's code something happened: the innermost frame that is the user's.

A frame is the user's unless its file belongs to Python itself (the standard library,
``site-packages``), to ``symbolic_bp``, or is frozen import machinery. So an error raised deep
inside NumPy, SymPy or this package is reported at the user's line that called into them, and
an error in a local module that the user's file imports is reported in that module.
"""

from __future__ import annotations

import linecache
import os
import site
import sysconfig
from functools import lru_cache
from pathlib import Path
from types import TracebackType

__all__ = ["is_user_file", "real_path", "user_frame", "where", "display_path"]


def _system_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = [paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths]
    roots += getattr(site, "getsitepackages", list)()
    roots.append(getattr(site, "getusersitepackages", str)())
    roots.append(str(Path(__file__).resolve().parents[1]))  # the symbolic_bp package
    return tuple(sorted({os.path.realpath(r) for r in roots if r}))


_ROOTS = _system_roots()


@lru_cache(maxsize=8192)
def real_path(filename: str) -> str:
    """``os.path.realpath``, remembered (it asks the file system for every path component, and
    is asked about every loaded module in every run)."""
    return os.path.realpath(filename)


@lru_cache(maxsize=8192)
def is_user_file(filename: str) -> bool:
    """Whether code in ``filename`` is the user's (not Python's, a library's or ours).

    >>> is_user_file(os.__file__), is_user_file("/home/me/mynet.py")
    (False, True)
    """
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    real = real_path(filename)
    return not any(real == root or real.startswith(root + os.sep) for root in _ROOTS)


def user_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """``(filename, line)`` of the innermost user frame of a traceback, or ``None``."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if is_user_file(filename):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def display_path(filename: str) -> str:
    """``filename`` relative to the working directory when it lies inside it."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive on Windows
        return filename
    return filename if relative.startswith("..") else relative


def where(filename: str | None, line: int | None) -> str:
    """``FILE:LINE: `code``` for messages (as much of it as is known).

    >>> where(None, None)
    'step'
    """
    if filename is None:
        return "step"
    if line is None:
        return display_path(filename)
    code = " ".join(linecache.getline(filename, line).split())
    if len(code) > 70:
        code = code[:67] + "..."
    text = f"{display_path(filename)}:{line}"
    return f"{text}: `{code}`" if code else text
