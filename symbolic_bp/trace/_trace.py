r"""Trace a user's own ``step(params, x, t, lr)``: run it on symbolic values and read each
parameter's update.

The step runs twice, with different random states (:mod:`._randomness`); a step that draws
random numbers runs twice more with every draw at the low and the high end of its range
(:mod:`._extremes`: a branch on a draw goes both ways), and one that draws after it began
computing with the symbolic values :data:`RUNS_WHEN_DRAWING` times in all with different salts,
so that a draw shared by chance is still found; an update that differs between runs (or a
step that raises with extreme draws) depends on a random draw and is refused. The first run's
updates are the result, ``new - old`` for every parameter, as SymPy expressions in the inputs,
targets, parameters and ``eta``, with the forward pass written out (no intermediate atoms).

>>> import numpy as np
>>> from symbolic_bp.model.network import Network
>>> def step(params, x, t, lr):
...     y = params["W1"] @ x
...     params["W1"] += lr * np.outer(t - y, x)
>>> trace = trace_step(step, Network.build([2, 1]))
>>> trace.updates["w1_1_2"]
eta*x_2*(t_1 - w1_1_1*x_1 - w1_1_2*x_2)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import sympy as sp

from ..errors import InputError
from ..model.network import Network
from ._arguments import learning_rate, sample_symbols
from ._errors import TimeUp, TraceError, TraceTimeout
from ._limits import time_limit as limited
from ._locate import where
from ._program import Program, load_program
from ._randomness import RandomCalls
from ._runner import Run, run_step, timeout_message

__all__ = ["Trace", "trace_step", "DEFAULT_TIME_LIMIT"]

#: seconds for all the runs of a trace together
DEFAULT_TIME_LIMIT = 60.0
#: runs in all (different salts) of a step that draws random numbers
RUNS_WHEN_DRAWING = 6

# The shims are process-wide (module attributes), so traces take turns.
_LOCK = threading.RLock()


@dataclass(frozen=True, repr=False)
class Trace:
    """What the user's step does to every parameter.

    **Fields:**

    - ``updates``: ``{name: new - old}`` for every parameter (``w2_1_3``, ``b1_2``), in the
      network's order (layer by layer, each neuron's bias after its weights);
    - ``network``, ``batch`` (``None`` or the number of samples), ``lr`` (``eta`` or the number
      that was given);
    - ``parameters``: ``{name: symbol}``; ``x``, ``t``: the input and target symbols as nested
      tuples shaped like the arrays that step got;
    - ``path`` (the file, ``None`` for a callable without one), ``function`` (its name);
    - ``in_place``: whether step updated ``params`` in place (returned ``None``);
    - ``output``, ``warnings``: what the code printed and warned in the first run;
    - ``seconds``: the wall time of the trace.
    """

    updates: dict[str, sp.Expr]
    network: Network
    batch: int | None
    lr: sp.Expr
    parameters: dict[str, sp.Symbol]
    x: tuple
    t: tuple
    path: Path | None
    function: str
    in_place: bool = False
    output: str = ""
    warnings: tuple[str, ...] = field(default=())
    seconds: float = 0.0

    def symbols(self) -> list[sp.Symbol]:
        """Inputs, targets, parameters and (when symbolic) the learning rate: the variables
        of the updates."""
        flat = [*sp.flatten(self.x), *sp.flatten(self.t), *self.parameters.values()]
        return flat + ([self.lr] if isinstance(self.lr, sp.Symbol) else [])

    def __repr__(self) -> str:
        source = f" of {self.path.name}" if self.path is not None else ""
        return (
            f"<Trace of {self.function}{source}: {len(self.updates)} updates, "
            f"{self.network.describe()}, {self.seconds:.2f} s>"
        )


def _same(a: sp.Basic, b: sp.Basic) -> bool:
    """Structural equality that visits each shared subexpression once (``==`` walks the tree,
    whose size can be exponential in the depth of the network)."""
    seen: set[tuple[int, int]] = set()
    stack = [(a, b)]
    while stack:
        p, q = stack.pop()
        if p is q or (id(p), id(q)) in seen:
            continue
        if type(p) is not type(q) or hash(p) != hash(q) or len(p.args) != len(q.args):
            return False
        if not p.args and p != q:
            return False
        seen.add((id(p), id(q)))
        stack.extend(zip(p.args, q.args, strict=True))
    return True


def _differing(first: Run, other: Run) -> list[str]:
    """The parameters whose updates differ between two runs."""
    return [n for n in first.new if not _same(first.new[n], other.new[n])]


def _nested(array: object) -> tuple:
    return tuple(_nested(a) for a in array) if hasattr(array, "__len__") else array  # type: ignore


def _check_options(batch: object, time_limit: object) -> None:
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise InputError(f"batch {batch!r} must be a positive whole number of samples (or None)")
    if time_limit is not None:
        ok = isinstance(time_limit, (int, float)) and not isinstance(time_limit, bool)
        if not ok or not (0 < time_limit < math.inf):  # type: ignore[operator]
            raise InputError(f"time limit {time_limit!r} must be a positive number of seconds")


#: why the update was found to depend on a draw, for the refusal
_SALTED = "two runs with different random states give different updates"
_EXTREME = "a run with every random draw at the {} end of its range gives a different update"
_FAILED = "with every random draw at the {} end of its range, step fails: {}"


def _random_refusal(program: Program, network: Network, what: str, **options: Any) -> TraceError:
    """The error for an update that differs between runs (``what``: the parameter and why),
    at the first random call found."""
    calls = RandomCalls()
    fallback = program.location()
    try:
        with limited(options["limit"]):
            fallback = run_step(program, network, salt=1, random_calls=calls, **options).location
    except (TraceError, TimeUp):
        pass
    if calls.first is not None:
        return TraceError(
            f"{where(*calls.first)}: {what.format('depends on this random draw')}; draw "
            "outside step, or leave dropout and re-initialisation out of the step you check",
            *calls.first,
        )
    return TraceError(
        f"{where(*fallback)}: {what.format('differs between runs')} (random draws, the "
        "time, or state kept between calls); make step compute the same update every time",
        *fallback,
    )


def _dependence(program: Program, network: Network, first: Run, **options: Any) -> str | None:
    """Why the update depends on a random draw (a template for :func:`_random_refusal`), or
    ``None``: a second salted run; when step drew, the two extreme runs (:mod:`._extremes`);
    when it drew after its first symbolic operation, up to :data:`RUNS_WHEN_DRAWING` salts."""
    differs = _differing(first, run_step(program, network, salt=2, **options))
    if differs:
        return f"the update of {differs[0]} {{}} ({_SALTED})"
    for high in (False, True) if first.drew else ():
        end = "high" if high else "low"
        try:
            other = run_step(program, network, salt=1, extreme=high, **options)
        except TraceTimeout:
            raise
        except TraceError as exc:
            return f"step {{}} ({_FAILED.format(end, exc)})"
        if differs := _differing(first, other):
            return f"the update of {differs[0]} {{}} ({_EXTREME.format(end)})"
    for salt in range(3, RUNS_WHEN_DRAWING + 1) if first.drew_late else ():
        if differs := _differing(first, run_step(program, network, salt=salt, **options)):
            return f"the update of {differs[0]} {{}} ({_SALTED})"
    return None


def trace_step(
    source: str | PathLike[str] | Callable,
    network: Network,
    *,
    function: str = "step",
    batch: int | None = None,
    lr: object = None,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> Trace:
    """Run the user's ``step(params, x, t, lr)`` on symbolic values and read each update.

    **Arguments:**

    - ``source``: the path of a Python file that defines the function (executed like an
      import: ``__name__`` is the file's stem, so a ``__main__`` block does not run), or the
      function itself;
    - ``network``: a :class:`~symbolic_bp.model.network.Network` (its sizes and ``bias``; its
      activations and loss are not used: the code has its own);
    - ``function``: the name of the function in the file;
    - ``batch``: ``None`` for one sample (``x`` of shape ``(n_0,)``) or the number of samples
      ``N`` (``x`` of shape ``(N, n_0)``);
    - ``lr``: ``None`` for the symbol ``eta``, or a number (made exact: ``0.1 -> 1/10``);
    - ``time_limit``: seconds for the whole trace, or ``None``.

    **Returns:** a :class:`Trace`.

    **Raises:** :class:`TraceError` (one line naming the file and line) when the code cannot be
    traced or breaks the contract; :class:`TraceTimeout` when the time limit passes.
    """
    _check_options(batch, time_limit)
    rate = learning_rate(network, lr)
    program = load_program(source, function)
    options: dict[str, Any] = {"batch": batch, "lr": rate, "limit": time_limit}
    start = time.perf_counter()
    with _LOCK:
        try:
            with limited(time_limit):
                first = run_step(program, network, salt=1, **options)
                dependence = _dependence(program, network, first, **options)
        except TimeUp:
            location = program.location()
            raise TraceTimeout(timeout_message(where(*location), time_limit), *location) from None
        if dependence is not None:
            raise _random_refusal(program, network, dependence, **options)
    symbols = {name: sp.Symbol(name, real=True) for name in network.parameter_names()}
    x, t = sample_symbols(network, batch)
    return Trace(
        updates={name: first.new[name] - symbol for name, symbol in symbols.items()},
        network=network,
        batch=batch,
        lr=rate,
        parameters=symbols,
        x=_nested(x),
        t=_nested(t),
        path=program.path,
        function=program.function,
        in_place=first.in_place,
        output=first.output,
        warnings=tuple(first.warnings),
        seconds=time.perf_counter() - start,
    )
