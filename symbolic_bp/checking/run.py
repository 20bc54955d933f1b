r"""``check``: trace a learner's ``step`` and prove its updates against the gradient and against
every registered convention.

1. :func:`~symbolic_bp.trace.trace_step` runs the code on symbolic values (``new - old`` of
   every parameter);
2. the traced updates and each convention's (the mean over the samples of a batch) are written
   in one field of neuron atoms (:mod:`.atoms`); equal field elements are equal updates;
3. every parameter not shown equal to the gradient gets a certified counterexample
   (:mod:`.witness`), or stays *unknown*;
4. ``matches``: the conventions equal to the code for every parameter; a constant factor is
   named (:mod:`.report`); a matched convention other than the gradient is proven against the
   gradient by :func:`~symbolic_bp.proof.prove`, whose relations and conditions explain where
   and why the code differs.

>>> import numpy as np
>>> from symbolic_bp.model.network import Network
>>> def step(params, x, t, lr):
...     y = 1 / (1 + np.exp(-(params["W1"] @ x)))
...     params["W1"] += lr * np.outer((t - y) * y * (1 - y), x)
>>> report = check(step, Network.build([2, 1], "sigmoid"))
>>> report.equivalent, report.matches[:2]
(True, ['gradient', 'delta'])
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from fractions import Fraction
from os import PathLike
from pathlib import Path

import sympy as sp

from ..conventions import CONVENTIONS
from ..errors import InputError, option
from ..model.network import AGH_SIZES, Network
from ..proof.clock import Clock, TimeUp, deadline
from ..proof.results import DIFFERS, EQUAL, UNKNOWN, Counterexample
from ..trace import Trace, TraceTimeout, trace_step
from .atoms import NetworkField
from .compare import EQUAL as SAME
from .compare import (
    Comparison,
    ConventionValues,
    Factor,
    Value,
    compare,
    convention_values,
    traced_values,
)
from .explain import Explanation, explain
from .hints import activation_hints, linear_in_eta
from .report import CheckReport, factor_text, name_factor
from .rows import layer_rows, parameter_results, unknown_report
from .witness import WitnessSearch

__all__ = ["check", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 120.0
#: points tried for a counterexample
ATTEMPTS = 6
#: seconds of the time limit kept for writing the report
_RESERVE = 0.5


def check(
    step: str | PathLike[str] | Callable,
    network: Network | None = None,
    *,
    function: str = "step",
    batch: int | None = None,
    lr: object = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    started: float | None = None,
    conditions: bool = True,
) -> CheckReport:
    """Prove or refute that the user's ``step(params, x, t, lr)`` is the gradient step.

    **Arguments:**

    - ``step``: a Python file that defines the function (executed like an import, as
      ``python FILE.py`` would run it, except that a ``__main__`` block does not run), or the
      function itself;
    - ``network``: a :class:`~symbolic_bp.model.network.Network` with concrete activations
      (its sizes, bias, activations and loss; default: 2-3-2-1, sigmoid, ``half_sse``);
    - ``function``: the function's name in the file; ``batch``: ``None`` (one sample) or the
      number of samples (compared with the gradient of the *mean* loss); ``lr``: ``None`` for
      the symbol ``eta`` or a number; ``timeout``: seconds for everything (``started``: a
      ``time.perf_counter()`` value it counts from); ``conditions``: search for a condition
      of agreement when a matched convention differs from the gradient.

    **Returns:** a :class:`~symbolic_bp.checking.report.CheckReport` (``equivalent``: the
    verdict against the gradient; ``matches``; ``exit_code`` 0/1/3).

    **Raises:** :class:`~symbolic_bp.trace.TraceError` (an ``InputError``) when the code
    cannot be traced; :class:`~symbolic_bp.errors.InputError` for a generic activation.
    """
    net = network if network is not None else Network.build(AGH_SIZES, "sigmoid")
    if timeout is not None and not (0 < timeout < math.inf):
        raise InputError(f"timeout {timeout!r} must be a positive number of seconds (or None)")
    if net.is_generic:
        how = option(
            "use --activation sigmoid, tanh, identity or one per layer such as sigmoid,identity",
            "build it with activation='sigmoid', 'tanh', 'identity' or one per layer such as "
            "'sigmoid,identity'",
        )
        raise InputError(
            f"{option('', 'network: ')}check needs concrete activations (the code has its "
            f"own): {how}"
        )
    _check_objective(net)
    # a moment is kept for printing the report, as prove does
    clock = Clock(timeout, started if started is not None else time.perf_counter(), _RESERVE)
    remaining = clock.remaining()
    try:
        trace = trace_step(
            step, net, function=function, batch=batch, lr=lr,
            time_limit=None if remaining is None else max(remaining, 1e-3),
        )  # fmt: skip
    except TraceTimeout as exc:
        return unknown_report(net, _label(step, function), str(exc), batch, lr, clock.elapsed)
    run = _CheckRun(trace, net, clock, conditions)
    try:
        with deadline(timeout, clock):
            try:
                run.execute()
            except TimeUp:
                run.timed_out = True
    except TimeUp:  # the alarm rang as the work finished
        pass
    return run.report()


def _check_objective(net: Network) -> None:
    """What check compares with: the loss of one sample (a batch is ``batch=N``: the code gets
    its samples) plus an L2 penalty whose coefficient is a number (the code holds its own)."""
    objective = net.objective
    if objective.batch != 1:
        given = option(f"--batch {objective.batch}", f"its own argument batch={objective.batch}")
        raise InputError(
            f"{option('', 'network: ')}check takes a batch as {given}, not in the network's "
            "objective: build the network without a batch"
        )
    if sp.sympify(objective.l2).free_symbols:
        l2 = option("--l2 ", "l2=")
        raise InputError(
            f"{l2}{objective.l2}: check needs the number the code uses as its L2 coefficient, "
            f"such as {l2}0.01"
        )


def _label(step: object, function: str) -> str:
    if isinstance(step, (str, PathLike)):
        return f"{Path(os.fspath(step)).name}:{function}"
    return getattr(step, "__name__", function)


def _program_label(path: Path | None, function: str) -> str:
    """``mystep.py:step`` for code from a file; ``step`` for a function without one, or from a
    notebook cell (IPython compiles each cell as ``.../ipykernel_<pid>/<hash>.py``: the hash
    would mean nothing to the reader).

    >>> _program_label(Path("/home/me/mystep.py"), "step")
    'mystep.py:step'
    >>> _program_label(Path("/tmp/ipykernel_4242/4291446479.py"), "step")
    'step'
    """
    if path is None or path.parent.name.startswith("ipykernel_"):
        return function
    return f"{path.name}:{function}"


class _CheckRun:
    """The state of one check: what was settled survives a time limit."""

    def __init__(self, trace: Trace, net: Network, clock: Clock, conditions: bool) -> None:
        self.trace, self.net, self.clock = trace, net, clock
        self.search_conditions = conditions
        self.field = NetworkField(net, trace.batch, trace.lr)
        self.status: dict[str, str] = {}
        self.gradient: Comparison | None = None
        self.ref: ConventionValues | None = None
        self.found: dict[str, Counterexample] = {}
        self.matches: list[str] = []
        self.similar: dict[str, str] = {}
        self.recipe: Explanation | None = None
        self.hints: list[str] = []
        self.timed_out = False

    def execute(self) -> None:
        traced = traced_values(self.field, self.trace.updates)
        ref = convention_values(self.field, "gradient")
        if isinstance(ref, str):
            raise InputError(f"the gradient has no rules on this network: {ref}")
        self.ref = ref
        self.gradient = cmp = compare(traced, ref)
        for name, s in cmp.status.items():
            self.status[name] = EQUAL if s == SAME else UNKNOWN
        self._refute(ref)
        self._conventions(traced, cmp)
        if self.matches and self.matches[0] != "gradient" and self._differs():
            self._explain(self.matches[0])
        if not self.matches and not self.similar:
            self.hints = activation_hints(self.trace, self.net, self.clock)

    def _differs(self) -> bool:
        return any(s == DIFFERS for s in self.status.values())

    def _refute(self, ref: ConventionValues) -> None:
        open_ = [n for n, s in self.status.items() if s != EQUAL]
        if not open_:
            return
        search = WitnessSearch(
            self.trace.updates, self.net, ref.rules,
            batch=self.trace.batch, lr=self.trace.lr, clock=self.clock,
        )  # fmt: skip
        self.found = search.find(open_, ATTEMPTS)
        for name in self.found:
            self.status[name] = DIFFERS

    def _conventions(self, traced: Mapping[str, Value], gradient: Comparison) -> None:
        for name in CONVENTIONS:
            self.clock.check()
            if name == "gradient":
                cmp = gradient
            else:
                ref = convention_values(self.field, name)
                if isinstance(ref, str):
                    continue
                cmp = compare(traced, ref, stop_early=True)
            if cmp.equal:
                self.matches.append(name)
            elif cmp.factor is not None and not cmp.factor.is_one:
                self.similar[name] = factor_text(cmp.factor)

    def _explain(self, name: str) -> None:
        self.recipe = explain(self.net, name, self.clock, self.search_conditions)

    # -- the report ------------------------------------------------------------------------
    def report(self) -> CheckReport:
        trace, net = self.trace, self.net
        label = _program_label(trace.path, trace.function)
        cmp = self.gradient or Comparison()
        results = parameter_results(net, self.status, cmp, self.recipe, trace.batch, self.timed_out)
        factor = cmp.factor if self._differs() else None
        rate = Fraction(str(trace.lr)) if trace.lr.is_Rational else None
        names = (
            name_factor(
                factor, batch=trace.batch, outputs=net.sizes[-1], loss=net.loss.name, lr=rate
            )
            if factor is not None
            else []
        )
        report = CheckReport(
            net,
            (label, "gradient"),
            layer_rows(net, results, cmp),
            self._counterexample(),
            self._conditions(factor),
            self._relations(),
            self._notes(),
            self.clock.elapsed,
            self.recipe is not None and self.recipe.conditions_searched,
            results,
            matches=self.matches,
            similar=self.similar,
            factor=None if factor is None else factor_text(factor),
            factor_names=names,
            loss=net.loss.name,
            batch=trace.batch,
            lr=sp.sstr(trace.lr),
            source="" if trace.path is None else str(trace.path),
            function=trace.function,
            recipe=self.recipe,
            hints=self.hints,
            output=trace.output,
        )
        return report

    def _counterexample(self) -> Counterexample | None:
        names = self.net.parameter_names()
        order = sorted(self.found, key=lambda n: (-self.net.locate(n)[0], names.index(n)))
        return self.found[order[0]] if order else None

    def _relations(self) -> list:
        """The recipe's relations where they are this network's (one sample, same widths)."""
        recipe = self.recipe
        if recipe is None or self.trace.batch or not recipe.same_network:
            return []
        return list(recipe.relations)

    def _conditions(self, factor: Factor | None) -> list[str]:
        out: list[str] = []
        if self.recipe is not None:
            where = "" if self.recipe.same_network else self._where()
            out = [f"{c}{where}" for c in self.recipe.conditions]
        if factor is None or factor.k != -1 or self.ref is None:
            return out
        if linear_in_eta(self.ref):
            r = factor_text(Factor(factor.r))
            out.append(
                f"eta = {r} (the code takes no learning rate: its step is the gradient step "
                f"with eta = {r})"
            )
        return out

    def _where(self) -> str:
        assert self.recipe is not None
        sizes = "-".join(map(str, self.recipe.network.sizes))
        return f" (for {self.recipe.convention} on the {sizes} network of the same depth)"

    def _notes(self) -> list[str]:
        notes: list[str] = []
        if self.timed_out:
            notes.append("time limit reached: what was not settled by then is unknown")
        if any(a.is_vector for a in self.net.activations):
            notes.append(
                "check writes no softmax layer in its atoms yet: code with a softmax output can "
                "be refuted (by a counterexample whose targets sum to 1) but not proven equal "
                "to the gradient"
            )
        reasons = sorted({r for r in (self.gradient.reasons if self.gradient else {}).values()})
        for reason in reasons[:3]:
            notes.append(f"not written in the network's atoms: {reason}")
        if self.recipe is not None and self.trace.batch:
            notes.append(
                f"the proof of {self.recipe.convention} against the gradient is per sample; "
                "the code's updates are the mean over the batch"
            )
        return notes
