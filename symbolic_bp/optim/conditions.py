r"""Conditions under which two differing optimizer recipes agree, each proven, never assumed.

Candidates are relations among the hyperparameters:

- a constant learning rate (``lr_1 = lr_2 = ... = lr``) under a per-step schedule;
- ``h = 0`` for a hyperparameter ``h`` such as ``mu``, ``beta1``, ``l2`` (not ``lr``);
- for a hyperparameter ``x`` of one recipe only and ``y`` of the other only (``l2`` and
  ``wd``): ``y = x``, ``y = lr*x`` and ``x = lr*y``.

Each candidate is substituted and the whole comparison run again
(:func:`~symbolic_bp.optim.compare.compare`): it is a condition only when every entry of
every step is then proven equal; otherwise a counterexample under it refutes it, or it is left
``unknown``. Single relations first; pairs only when no single one works. Finally, for every
such pair ``x``, ``y`` still unrelated, :func:`proportional` decides whether *any* factor
``c`` in ``y = c*x`` makes the recipes agree, by solving for ``c`` exactly.

>>> from symbolic_bp.optim.builtin import SGDL2, SGDWeightDecay
>>> from symbolic_bp.optim.setting import make_setting
>>> a, b = SGDL2(), SGDWeightDecay()
>>> [c.text for c in candidates(a, b, make_setting([a, b]))]
['l2 = 0', 'wd = 0', 'wd = l2', 'wd = l2*lr', 'l2 = lr*wd']
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import sympy as sp

from ..errors import InputError
from ..proof.clock import Clock
from ..proof.results import DIFFERS, EQUAL, UNKNOWN
from .compare import compare, free_symbols, samples
from .recipes import Optimizer
from .results import ConditionResult, OptimizerReport
from .setting import PER_STEP, Setting
from .unroll import Stepper
from .vector import Vec
from .witness import Probe, probes

__all__ = ["Candidate", "candidates", "find_conditions", "proportional", "FACTOR"]

#: probes tried to refute a candidate condition
CONDITION_ATTEMPTS = 3
#: the unknown factor of ``y = c*x``
FACTOR = sp.Symbol("c", real=True)


@dataclass(frozen=True)
class Candidate:
    """A relation: its text and the substitution that imposes it; ``rate`` marks one that
    speaks of the learning rate ``lr`` (under a per-step schedule only together with a
    constant rate)."""

    text: str
    subs: tuple[tuple[sp.Symbol, sp.Expr], ...]
    rate: bool = False
    pair: tuple[str, str] | None = None

    def involved(self) -> set[sp.Symbol]:
        """The hyperparameter symbols the relation speaks of (the rates aside)."""
        out: set[sp.Symbol] = set()
        for k, v in self.subs:
            out |= {k} | sp.sympify(v).free_symbols
        return {s for s in out if not s.name.startswith("lr")}


def _compose(cands: tuple[Candidate, ...]) -> dict[sp.Symbol, sp.Expr] | None:
    """The substitution imposing every candidate (``None`` if two fix the same symbol)."""
    out: dict[sp.Symbol, sp.Expr] = {}
    for c in cands:
        step = dict(c.subs)
        if set(step) & set(out):
            return None
        out = {k: sp.sympify(v).xreplace(step) for k, v in out.items()}
        out.update({k: sp.sympify(v).xreplace(out) for k, v in step.items()})
    return out


def _exclusive(a: Optimizer, b: Optimizer, setting: Setting) -> list[tuple[str, str]]:
    """Pairs ``(x, y)``: ``x`` a free hyperparameter of ``a`` only, ``y`` of ``b`` only."""
    fixed = {k for k, _ in setting.fixed}
    na, nb = a.hyper_names(), b.hyper_names()
    only_a = [n for n in na if n not in nb and n not in fixed and n != "lr"]
    only_b = [n for n in nb if n not in na and n not in fixed and n != "lr"]
    return [(x, y) for x in only_a for y in only_b]


def candidates(a: Optimizer, b: Optimizer, setting: Setting) -> list[Candidate]:
    """Every single relation worth trying (see the module's docstring)."""
    out: list[Candidate] = []
    fixed = {k for k, _ in setting.fixed}
    lr = setting.value("lr", 1) if setting.schedule != PER_STEP else sp.Symbol("lr", positive=True)
    if setting.schedule == PER_STEP and not any(k.startswith("lr_") for k in fixed):
        rates = [setting.value("lr", t) for t in range(1, setting.steps + 1)]
        text = " = ".join(str(r) for r in rates)
        subs = tuple((r, lr) for r in rates)
        out.append(Candidate(f"a constant learning rate ({text} = lr)", subs))
    for info in setting.info:
        if info.zero_condition and info.name not in fixed:
            out.append(Candidate(f"{info.name} = 0", ((setting.value(info.name, 1), sp.S.Zero),)))
    for x, y in _exclusive(a, b, setting):
        sx, sy = setting.value(x, 1), setting.value(y, 1)
        out.append(Candidate(f"{y} = {x}", ((sy, sx),), pair=(x, y)))
        for lhs, rhs in ((sy, sx), (sx, sy)):
            text = f"{lhs} = {sp.sstr(lr * rhs)}"
            out.append(Candidate(text, ((lhs, lr * rhs),), rate=True, pair=(x, y)))
    return out


def _combinations(cands: list[Candidate], setting: Setting, k: int) -> list[tuple[Candidate, ...]]:
    """Sets of ``k`` candidates about different hyperparameters; under a per-step schedule a
    rate relation only together with the constant-rate candidate."""
    out = []
    for combo in itertools.combinations(cands, k):
        involved = [c.involved() for c in combo]
        if len(set().union(*involved)) < sum(len(i) for i in involved):
            continue  # two relations about the same hyperparameter
        if setting.schedule == PER_STEP and any(c.rate for c in combo):
            if not any(c.text.startswith("a constant learning rate") for c in combo):
                continue
        out.append(combo)
    return out


def _try(
    a: Optimizer, b: Optimizer, setting: Setting, combo: tuple[Candidate, ...], clock: Clock
) -> ConditionResult | None:
    subs = _compose(combo)
    if subs is None:
        return None
    text = " and ".join(c.text for c in combo)
    proof = compare(a, b, setting, subs, clock, attempts=0, stop_at_first=True)
    if proof.all_equal(setting):
        return ConditionResult(text, EQUAL, "every entry of every step proven equal under it")
    first = min(t for (t, _), e in proof.entries.items() if e.status != EQUAL)
    short = replace(setting, steps=first)  # a counterexample there is enough
    refute = compare(a, b, short, subs, clock, attempts=CONDITION_ATTEMPTS)
    ce = refute.counterexample
    if ce is not None:
        return ConditionResult(text, DIFFERS, f"still differ at {ce.parameter} (counterexample)")
    return ConditionResult(text, UNKNOWN, "neither proven nor refuted")


def find_conditions(
    a: Optimizer, b: Optimizer, setting: Setting, clock: Clock, report: OptimizerReport
) -> None:
    """Fill ``report.conditions`` (the smallest sets of relations proven to make ``a`` and
    ``b`` agree) and ``report.searched`` (every candidate tried, with its outcome)."""
    cands = candidates(a, b, setting)
    related: set[tuple[str, str]] = set()
    for k in (1, 2):
        found = []
        for combo in _combinations(cands, setting, k):
            clock.check()
            result = _try(a, b, setting, combo, clock)
            if result is None:
                continue
            report.searched.append(result)
            if result.status == EQUAL:
                found.append(result.condition)
                related |= {c.pair for c in combo if c.pair is not None}
        if found:
            report.conditions.extend(found)
            break
    for x, y in _exclusive(a, b, setting):
        if (x, y) not in related:
            clock.check()
            report.searched.append(proportional(a, b, setting, x, y, clock))


def proportional(
    a: Optimizer, b: Optimizer, setting: Setting, x: str, y: str, clock: Clock, attempts: int = 4
) -> ConditionResult:
    """Whether some factor ``c`` in ``y = c*x`` makes ``a`` and ``b`` agree.

    With ``c`` a symbol and everything else exact numbers (the same hyperparameter values for
    every probe, different losses), each entry where the recipes' values are rational functions
    of ``c`` gives a polynomial that ``c`` must be a root of. If these polynomials have no
    common root (their gcd is a non-zero constant), no ``c`` works at these hyperparameter
    values, so none works at all, even one chosen as a function of the hyperparameters."""
    sx, sy = setting.value(x, 1), setting.value(y, 1)
    condition = {sy: FACTOR * sx}
    text = f"{y} = c*{x} for any number c"
    free = free_symbols(setting, condition)
    found = probes(setting.dim, free, attempts, samples(setting))
    if not found:
        return ConditionResult(text, UNKNOWN, "no probe")
    base = found[0].sample
    needs: list[tuple[sp.Poly, dict[str, object]]] = []
    for probe in (replace(p, sample=base) for p in found):
        found_constraint = _constraint(a, b, setting, condition, probe, clock)
        if found_constraint is not None:
            poly, entry = found_constraint
            start = {f"p0_{k}": str(v) for k, v in enumerate(probe.start, 1)}
            needs.append(
                (
                    poly,
                    {
                        "loss": sp.sstr(probe.loss),
                        "start": start,
                        "entry": entry,
                        "polynomial": sp.sstr(poly.as_expr()),
                        "c": _roots(poly),
                    },
                )
            )
    if not needs:
        return ConditionResult(text, UNKNOWN, "no exact constraint on c was found")
    common = needs[0][0]
    for poly, _ in needs[1:]:
        common = common.gcd(poly)
    at = ", ".join(f"{s} = {v}" for s, v in base) or "the given hyperparameters"
    details: dict[str, object] = {
        "relation": f"{y} = c*{x}",
        "hyperparameters": {s.name: str(v) for s, v in base},
        "constraints": [info for _, info in needs],
    }
    shown = "; ".join(f"{info['c']} for L(p) = {info['loss']}" for _, info in needs[:2])
    if common.degree() <= 0:
        note = (
            f"no c: at {at}, agreement at the first differing entry needs {shown} (exact); "
            "no value of c, even one depending on the hyperparameters, satisfies all"
        )
        return ConditionResult(text, DIFFERS, note, details)
    note = f"the probes allow {_roots(common)} at {at}"
    return ConditionResult(text, UNKNOWN, note, details)


def _constraint(
    a: Optimizer,
    b: Optimizer,
    setting: Setting,
    condition: dict[sp.Symbol, sp.Expr],
    probe: Probe,
    clock: Clock,
) -> tuple[sp.Poly, str] | None:
    """The polynomial in ``c`` whose roots make the first entry where the recipes differ on
    ``probe`` agree, and that entry (``None`` if a recipe fails there, or the entry is no
    rational function of ``c`` with rational coefficients). The recipes are stepped together
    and stopped there: later steps, with square roots of expressions in ``c``, are not needed."""
    start, values = Vec(probe.start), dict(probe.sample)
    try:
        sa = Stepper(a, setting, start, probe.oracle(), condition, values)
        sb = Stepper(b, setting, start, probe.oracle(), condition, values)
        for t in range(1, setting.steps + 1):
            clock.check()
            va, vb = sa.advance(), sb.advance()
            for i in range(setting.dim):
                d = sp.together(vb[i] - va[i])
                if d == 0:
                    continue
                if d.free_symbols - {FACTOR} or not d.is_rational_function(FACTOR):
                    return None
                num = sp.Poly(sp.numer(d), FACTOR)
                return (num, f"p{t}_{i + 1}") if num.domain in (sp.ZZ, sp.QQ) else None
    except InputError:
        return None
    return None


def _roots(poly: sp.Poly) -> str:
    if poly.degree() <= 0:
        return "no c at all"
    roots = sp.roots(poly)
    if roots and sum(roots.values()) == poly.degree():
        return "c = " + " or ".join(sp.sstr(r) for r in sorted(roots, key=sp.default_sort_key))
    return f"c a root of {sp.sstr(poly.as_expr())}"
