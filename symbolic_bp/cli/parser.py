"""The command line's argparse pieces that load nothing heavy: :class:`Parser` (one-line errors,
exit code 2) and :class:`LazyHelp` (a help text computed only when ``--help`` prints it), so
that ``symbolic-bp --help`` and each command's parser are built before SymPy is imported."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ..errors import InputError

__all__ = ["Parser", "LazyHelp", "lazy_help"]


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(message)


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
