r"""One comparison of two recipes in a setting: the exact zero test of every entry of every
step, then concrete probes for the rest. :func:`~symbolic_bp.optim.prover.prove_optimizers`
runs it once; the condition search runs it again under each candidate condition.

>>> from symbolic_bp.optim.builtin import Momentum, MomentumLrInside
>>> from symbolic_bp.optim.setting import make_setting
>>> from symbolic_bp.proof.clock import Clock
>>> s = make_setting([Momentum(), MomentumLrInside()], steps=2, schedule="per-step", dim=1)
>>> out = compare(Momentum(), MomentumLrInside(), s, {}, Clock(None))
>>> [e.status for e in out.steps(s)[1].entries], out.counterexample.parameter
(['differs'], 'p2_1')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..errors import InputError
from ..proof.clock import Clock
from ..proof.results import DIFFERS, EQUAL, UNKNOWN
from .atoms import Atoms
from .recipes import Optimizer
from .results import EntryResult, OptimizerCounterexample, StepResult
from .setting import Setting
from .unroll import GradientOracle, Run, Stepper, initial_point, run
from .vector import Vec
from .witness import Probe, compare_values, probes
from .zero import exact_zero

__all__ = [
    "Outcome",
    "compare",
    "free_symbols",
    "concrete_runs",
    "samples",
    "check_stateless",
    "ATTEMPTS",
]

#: probes tried for the main counterexample
ATTEMPTS = 8


@dataclass
class Outcome:
    """What one comparison settled (filled as it goes, so a time limit keeps it)."""

    entries: dict[tuple[int, int], EntryResult] = field(default_factory=dict)
    oracle: GradientOracle | None = None
    counterexample: OptimizerCounterexample | None = None

    def steps(self, setting: Setting) -> list[StepResult]:
        """One row per step; what was not settled is ``unknown``."""
        return [
            StepResult(
                t,
                [
                    self.entries.get((t, i), EntryResult(t, i, UNKNOWN))
                    for i in range(1, setting.dim + 1)
                ],
            )
            for t in range(1, setting.steps + 1)
        ]

    def all_equal(self, setting: Setting) -> bool:
        return all(s.status == EQUAL for s in self.steps(setting))


def free_symbols(setting: Setting, condition: Mapping[sp.Symbol, sp.Expr]) -> list[sp.Symbol]:
    """The hyperparameter symbols left free once ``condition`` is substituted, in order."""
    out: list[sp.Symbol] = []
    for s in setting.free_symbols():
        for f in sorted(sp.sympify(s).xreplace(dict(condition)).free_symbols, key=str):
            if isinstance(f, sp.Symbol) and f not in out and f.name != "c":
                out.append(f)
    return out


def concrete_runs(
    a: Optimizer,
    b: Optimizer,
    setting: Setting,
    condition: Mapping[sp.Symbol, sp.Expr],
    probe: Probe,
) -> tuple[Run, Run, Atoms] | None:
    """Both recipes on ``probe`` in exact arithmetic, irrational values kept as enclosed atoms
    (:mod:`~symbolic_bp.optim.atoms`); ``None`` if a recipe fails there."""
    values = dict(probe.sample)
    start = Vec(probe.start)
    atoms = Atoms()
    try:
        ra = run(a, setting, start, probe.oracle(), condition, values, settle=atoms.settle)
        rb = run(b, setting, start, probe.oracle(), condition, values, settle=atoms.settle)
    except InputError:
        return None
    return ra, rb, atoms


def check_stateless(opt: Optimizer, setting: Setting) -> None:
    """Refuse a recipe that keeps state outside its returned state (an attribute it changes, a
    result that changes from one run to the next): it defines no recurrence to prove. Two exact
    runs on the same probe must give the same values and leave its attributes as they were.

    **Raises:** :class:`~symbolic_bp.errors.InputError`.
    """
    probe = probes(setting.dim, free_symbols(setting, {}), 1, samples(setting))[0]
    before = _attributes(opt)
    runs = [
        run(opt, setting, Vec(probe.start), probe.oracle(), {}, dict(probe.sample), None, a.settle)
        for a in (Atoms(), Atoms())
    ]
    if runs[0].observed != runs[1].observed or _attributes(opt) != before:
        raise InputError(
            f"optimizer {opt.name!r} keeps state outside the state it returns (its attributes "
            "or results change from one run to the next); a recipe must compute its step from "
            "its arguments alone"
        )


def _attributes(opt: Optimizer) -> dict[str, str]:
    """The instance's attributes, as text (enough to see a counter or a list grow)."""
    return {k: repr(v) for k, v in sorted(vars(opt).items())}


def samples(setting: Setting) -> Callable[[sp.Symbol], Sequence[Fraction]]:
    """The sample values of a hyperparameter symbol (``lr_3`` has those of ``lr``)."""
    return lambda s: setting.info_of(s.name).samples


def _witness(
    a: Optimizer,
    b: Optimizer,
    setting: Setting,
    condition: Mapping[sp.Symbol, sp.Expr],
    out: Outcome,
    attempts: int,
    clock: Clock,
) -> None:
    """Certify the entries not proven equal by concrete probes; keep the earliest witness."""
    free = free_symbols(setting, condition)
    for probe in probes(setting.dim, free, attempts, samples(setting)):
        open_ = [k for k, e in out.entries.items() if e.status == UNKNOWN]
        if not open_:
            return
        clock.check()
        runs = concrete_runs(a, b, setting, condition, probe)
        if runs is None:
            continue
        ra, rb, atoms = runs
        for t, i in sorted(open_):
            cmp = compare_values(ra.observed[t][i - 1], rb.observed[t][i - 1], atoms)
            if not cmp.differs:
                continue
            out.entries[(t, i)].status = DIFFERS
            best = out.counterexample
            if best is None or (t, i) < (best.step, best.coordinate):
                out.counterexample = _counterexample(a, b, setting, probe, (ra, rb, atoms), t, i)


def _counterexample(
    a: Optimizer,
    b: Optimizer,
    setting: Setting,
    probe: Probe,
    runs: tuple[Run, Run, Atoms],
    t: int,
    i: int,
) -> OptimizerCounterexample:
    ra, rb, atoms = runs
    trajectory = []
    for s in range(1, setting.steps + 1):
        cmp = compare_values(ra.observed[s][i - 1], rb.observed[s][i - 1], atoms)
        trajectory.append((s, cmp.a, cmp.b))
    cmp = compare_values(ra.observed[t][i - 1], rb.observed[t][i - 1], atoms)
    hyper = {k: v for k, v in setting.fixed}
    hyper.update({s.name: Fraction(int(v.p), int(v.q)) for s, v in probe.sample})
    order = setting.keys()
    hyper = dict(sorted(hyper.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
    assert cmp.a is not None and cmp.b is not None
    return OptimizerCounterexample(
        optimizers=(a.name, b.name),
        step=t,
        coordinate=i,
        loss=sp.sstr(probe.loss),
        gradient=[sp.sstr(g) for g in probe.gradient_exprs()],
        start={f"p0_{k}": Fraction(int(v.p), int(v.q)) for k, v in enumerate(probe.start, 1)},
        hyperparameters=hyper,
        values={a.name: cmp.a, b.name: cmp.b},
        approximate={a.name: cmp.approx[0], b.name: cmp.approx[1]},
        trajectory=trajectory,
    )


def compare(
    a: Optimizer,
    b: Optimizer,
    setting: Setting,
    condition: Mapping[sp.Symbol, sp.Expr],
    clock: Clock,
    attempts: int = ATTEMPTS,
    out: Outcome | None = None,
    stop_at_first: bool = False,
) -> Outcome:
    """Unroll both recipes on symbols, test every entry of every step for an exact zero
    difference, then look for counterexamples to the rest (``attempts`` probes).
    ``stop_at_first``: stop at the first entry not proven equal (a condition's proof)."""
    out = out or Outcome()
    out.oracle = oracle = GradientOracle(setting.dim)
    start = initial_point(setting.dim)
    sa = Stepper(a, setting, start, oracle, condition)
    sb = Stepper(b, setting, start, oracle, condition)
    for t in range(1, setting.steps + 1):
        clock.check()
        va = sa.advance()
        vb = sb.advance()
        for i in range(1, setting.dim + 1):
            clock.check()
            diff = vb[i - 1] - va[i - 1]
            if exact_zero(diff):
                out.entries[(t, i)] = EntryResult(t, i, EQUAL)
                continue
            out.entries[(t, i)] = EntryResult(t, i, UNKNOWN, diff)
            if stop_at_first:
                return out
    if attempts:
        _witness(a, b, setting, condition, out, attempts, clock)
    return out
