"""One run of the user's step on symbolic values, and the errors it can end with.

A run puts the shims and the salted randomness in place, captures what the code prints and
warns, executes the file (or takes the callable), calls ``step`` with fresh symbolic arguments,
and reads the new value of every parameter. Whatever it ends with, the patches are restored.
Every exception that leaves the user's code becomes a one-line :class:`~._errors.TraceError`
at the innermost user line (:mod:`._locate`).
"""

from __future__ import annotations

import io
import os
import re
import warnings
from contextlib import AbstractContextManager, ExitStack, nullcontext, redirect_stdout
from dataclasses import dataclass

import sympy as sp

from ..model.network import Network
from ._arguments import read_parameters, step_arguments
from ._errors import TimeUp, TraceError, TraceTimeout, Untraceable
from ._extremes import install_extreme_randomness
from ._locate import user_frame, where
from ._patches import patched
from ._program import Program
from ._randomness import Draws, RandomCalls, install_salted_randomness
from ._shims import install_shims, user_namespaces

__all__ = ["Run", "run_step", "converted", "timeout_message"]

Location = tuple[str | None, int | None]

_UFUNC = re.compile(r"ufunc '(\w+)'|callable (\w+) method")


@dataclass
class Run:
    """What one run gave: the new value of each parameter, whether step updated ``params`` in
    place (returned ``None``), what the code printed and warned, and whether step drew random
    numbers at all (``drew``) and after its first symbolic operation (``drew_late``)."""

    new: dict[str, sp.Expr]
    in_place: bool
    output: str
    warnings: list[str]
    location: Location
    drew: bool = False
    drew_late: bool = False


def timeout_message(place: str, limit: float | None) -> str:
    return (
        f"{place}: tracing did not finish within {limit:g} s (it was running this line); a "
        "large network takes longer to trace: allow more time or check a smaller network"
    )


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def converted(exc: BaseException, fallback: Location, limit: float | None) -> TraceError:
    """The :class:`TraceError` for an exception that left the user's code."""
    location: Location = user_frame(exc.__traceback__) or fallback
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        location = (exc.filename, exc.lineno)  # a local module the file imports
    place = where(*location)
    if isinstance(exc, TimeUp):
        return TraceTimeout(timeout_message(place, limit), *location)
    if isinstance(exc, Untraceable):
        text = f"{exc.what}; {exc.fix}"
    elif isinstance(exc, SystemExit):
        text = "the code called exit(); step must return for its update to be read"
    elif isinstance(exc, SyntaxError):
        text = f"syntax error: {exc.msg}; fix the file so that Python can run it"
    elif isinstance(exc, TypeError) and (match := _UFUNC.search(str(exc))):
        text = (
            f"NumPy's {match.group(1) or match.group(2)} has no loop for symbolic values; write "
            "it with arithmetic and np.exp/np.log/np.tanh (which have one), or move it out of step"
        )
    else:
        text = (
            f"{type(exc).__name__}: {_one_line(str(exc))} (raised while step ran on symbolic "
            "values; if it runs on floats, this operation does not accept symbolic ones)"
        )
    return TraceError(f"{place}: {text}", *location)


def _exit_now(status: object = 0) -> None:
    """``os._exit`` while the user's code runs: it ends the run as ``sys.exit`` does (a one-line
    error), not this process with the code's status and no report (``os._exit(0)`` would
    otherwise read as exit code 0, "proven equal")."""
    raise SystemExit(status)


def _namespaces(step: object) -> list[dict]:
    namespace = getattr(step, "__globals__", None)
    return user_namespaces([namespace] if namespace is not None else [])


def _watching(random_calls: RandomCalls | None, step: object) -> AbstractContextManager:
    if random_calls is None:
        return nullcontext()
    return random_calls.watching(_namespaces(step))


def run_step(
    program: Program,
    network: Network,
    *,
    batch: int | None,
    lr: sp.Expr,
    salt: int,
    limit: float | None,
    random_calls: RandomCalls | None = None,
    extreme: bool | None = None,
) -> Run:
    """Execute the program and call its step once on fresh symbolic arguments (watching for
    random draws during the call with ``random_calls``); ``extreme`` puts every covered draw
    at the low (``False``) or high (``True``) end of its range (:mod:`._extremes`)."""
    params, x, t, rate = step_arguments(network, batch=batch, lr=lr)
    draws = Draws(random_calls.created if random_calls else [])
    output = io.StringIO()
    location: Location = program.location()
    with ExitStack() as stack:
        patches = stack.enter_context(patched())
        patches.set(os, "_exit", _exit_now)
        globals_ = getattr(program.callable, "__globals__", None)
        install_shims(patches, [globals_] if isinstance(globals_, dict) else [])
        install_salted_randomness(patches, salt, draws.created)
        if extreme is not None:
            install_extreme_randomness(patches, extreme, salt, draws.created)
        stack.enter_context(redirect_stdout(output))
        caught = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.simplefilter("always")
        try:
            with program.loaded() as step:
                location = program.location(step)
                draws.start(_namespaces(step))
                try:
                    with _watching(random_calls, step):
                        result = step(params, x, t, rate)
                finally:
                    draws.stop()
        except (TraceError, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: B036 - Untraceable and TimeUp are BaseExceptions
            raise converted(exc, location, limit) from None
    new = read_parameters(result, params, network, location)
    if result is None and all(new[name] == sp.Symbol(name, real=True) for name in new):
        raise TraceError(
            f"{where(*location)}: step returned None and left params unchanged; return the new "
            "params dict, or update the arrays in params in place (params['W1'] -= ...)",
            *location,
        )
    noted = [f"{w.filename}:{w.lineno}: {w.category.__name__}: {w.message}" for w in caught]
    return Run(new, result is None, output.getvalue(), noted, location, draws.anywhere, draws.late)
