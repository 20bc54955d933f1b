"""The command line's argparse pieces that load nothing heavy: :class:`Parser` (one-line errors,
exit code 2) and :class:`LazyHelp` (a help text computed only when ``--help`` prints it), so
that ``symbolic-bp --help`` and each command's parser are built before SymPy is imported."""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ..errors import InputError

__all__ = ["Parser", "LazyHelp", "lazy_help", "did_you_mean"]


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors, exit code 2, and "did you mean" for a choice."""

    def error(self, message: str) -> NoReturn:
        raise InputError(message + did_you_mean(message))


_INVALID_CHOICE = re.compile(r"invalid choice: '?([^' ]*)'? \(choose from (.*)\)$")


def did_you_mean(message: str) -> str:
    """``"; did you mean X?"`` for argparse's "invalid choice" ``message`` when a choice is
    close to the value given (else ``""``).

    >>> did_you_mean("argument --format: invalid choice: 'htm' (choose from 'text', 'html')")
    '; did you mean html?'
    """
    match = _INVALID_CHOICE.search(message)
    if match is None:
        return ""
    choices = re.findall(r"'([^']*)'", match.group(2)) or match.group(2).split(", ")
    close = difflib.get_close_matches(match.group(1), choices, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


class LazyHelp(argparse.Action):
    """Stores the option's value, like the default action; its help text is made by
    ``make_help`` when the help is printed (e.g. a list of registered names, whose registry
    is not imported to parse the command line)."""

    def __init__(self, *args: Any, make_help: Callable[[], str], **kwargs: Any) -> None:
        self._make_help = make_help
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str:
        return self._make_help()

    @help.setter
    def help(self, value: str | None) -> None:
        pass  # argparse.Action.__init__ assigns the static help; ``make_help`` replaces it

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)


def lazy_help(make_help: Callable[[], str]) -> dict[str, Any]:
    """The keyword arguments of ``add_argument`` for an option stored as given whose help text
    ``make_help()`` makes when printed: ``add_argument("--x", **lazy_help(lambda: ...))``."""
    return {"action": LazyHelp, "make_help": make_help}
