"""Atomic file output: a file is either written completely or left as it was.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(d / "a.txt", "hello\\n")
>>> (d / "a.txt").read_text()
'hello\\n'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError

__all__ = ["write_atomic", "check_writable", "emit"]


def check_writable(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """``path`` as a :class:`Path` whose directory exists and which is not a directory itself.

    **Raises:** :class:`InputError` naming ``option`` and the path otherwise.
    """
    target = Path(path)
    if str(path) == "" or target.is_dir():
        raise InputError(f"{option}: {str(path)!r} is a directory, not a file name")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"{option}: directory {str(parent)!r} of {str(path)!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{option}: directory {str(parent)!r} is not writable")
    return target


def write_atomic(path: str | os.PathLike[str], data: str | bytes, option: str = "--out") -> None:
    """Write ``data`` (text as UTF-8 with ``\\n`` line ends) to ``path`` through a temporary
    file in the same directory and :func:`os.replace`, so that a reader never sees half a file
    and an error leaves the old file untouched."""
    target = check_writable(path, option)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{option}: cannot write {str(path)!r}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def emit(text: str, out: str | os.PathLike[str] | None) -> None:
    """Print ``text`` to standard output, or write it to ``out`` atomically and say so (what
    ``derive --out`` and ``derive --optimizer --out`` do)."""
    if out is None:
        print(text, end="")
    else:
        write_atomic(out, text)
        print(f"wrote {out}")
