r"""What a proof about two optimizers established, as plain data that renderers read.

Per time step and parameter entry a status (``equal``, ``differs``, ``unknown``, the same words
as the backpropagation proofs), the counterexample (a concrete loss, start and hyperparameters
with the two recipes' values after each step), the conditions proven to make the recipes agree,
and every condition that was searched with its outcome.

>>> r = StepResult(2, [EntryResult(2, 1, EQUAL), EntryResult(2, 2, UNKNOWN)])
>>> r.status
'unknown'
>>> EntryResult(3, 1, DIFFERS).name
'p3_1'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from ..algebra import size, tidy
from ..proof.results import DIFFERS, EQUAL, UNKNOWN, rational_text
from .setting import Setting

__all__ = [
    "EntryResult",
    "StepResult",
    "OptimizerCounterexample",
    "ConditionResult",
    "OptimizerReport",
    "combine",
]

#: differences larger than this (expression nodes) are not tidied or printed in full
MAX_SHOWN_NODES = 2000


def combine(statuses: list[str]) -> str:
    """``differs`` if any differs, ``equal`` if all are equal, ``unknown`` otherwise."""
    if DIFFERS in statuses:
        return DIFFERS
    return EQUAL if statuses and all(s == EQUAL for s in statuses) else UNKNOWN


@dataclass
class EntryResult:
    """Entry ``coordinate`` of the compared vector after step ``step``; ``difference`` is
    B's value minus A's in the symbols of the proof (``None`` when equal)."""

    step: int
    coordinate: int
    status: str
    difference: sp.Expr | None = None

    @property
    def name(self) -> str:
        """``p{step}_{coordinate}``: e.g. ``p3_1``, entry 1 after step 3."""
        return f"p{self.step}_{self.coordinate}"

    def tidied(self) -> sp.Expr | None:
        """:attr:`difference` in a readable form (factored, collected) when it is small."""
        if self.difference is None or size(self.difference) > 150:
            return self.difference
        return tidy(self.difference)

    def difference_text(self) -> str | None:
        if self.difference is None:
            return None
        nodes = size(self.difference)
        if nodes > MAX_SHOWN_NODES:
            return f"(an expression of {nodes} nodes, not shown)"
        return sp.sstr(self.tidied())

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "status": self.status, "difference": self.difference_text()}


@dataclass
class StepResult:
    """The entries after one time step."""

    step: int
    entries: list[EntryResult]

    @property
    def status(self) -> str:
        return combine([e.status for e in self.entries])

    def to_dict(self) -> dict[str, object]:
        return {
            "step": self.step,
            "status": self.status,
            "parameters": [e.to_dict() for e in self.entries],
        }


def number_json(value: Fraction | str | None) -> str | None:
    """An exact rational as ``p/q`` text (a huge one bounded), an enclosure as it is."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return rational_text(value, limit=4000)
    return value


@dataclass
class OptimizerCounterexample:
    """A concrete problem where the two recipes differ after ``step`` in entry ``coordinate``.

    ``loss`` (a polynomial in ``p_1 .. p_d``) and its ``gradient`` (by differentiation), the
    ``start`` point, every ``hyperparameters`` value, the two ``values`` (exact rationals, or
    rigorous enclosures ``[lo, hi]`` that are disjoint) and the ``trajectory`` of that entry
    under both recipes, step by step (``(step, value A, value B)``)."""

    optimizers: tuple[str, str]
    step: int
    coordinate: int
    loss: str
    gradient: list[str]
    start: dict[str, Fraction]
    hyperparameters: dict[str, Fraction]
    values: dict[str, Fraction | str]
    approximate: dict[str, float | str]
    trajectory: list[tuple[int, Fraction | str | None, Fraction | str | None]]

    @property
    def parameter(self) -> str:
        return f"p{self.step}_{self.coordinate}"

    @property
    def exact(self) -> bool:
        """Whether :attr:`values` are exact rationals (else disjoint enclosures)."""
        return all(isinstance(v, Fraction) for v in self.values.values())

    def to_dict(self) -> dict[str, object]:
        a, b = self.optimizers
        return {
            "parameter": self.parameter,
            "step": self.step,
            "loss": self.loss,
            "gradient": list(self.gradient),
            "point": {
                **{k: number_json(v) for k, v in self.start.items()},
                **{k: number_json(v) for k, v in self.hyperparameters.items()},
            },
            "values": {k: number_json(v) for k, v in self.values.items()},
            "exact": self.exact,
            "approximate_values": dict(self.approximate),
            "trajectory": [
                {"step": t, a: number_json(va), b: number_json(vb)} for t, va, vb in self.trajectory
            ],
        }


@dataclass
class ConditionResult:
    """A candidate condition and what re-running the proof under it gave: ``equal`` (proven:
    every step equal), ``differs`` (a counterexample under the condition), or ``unknown``.
    ``details`` holds the data of a search for a factor (the constraints found, per loss)."""

    condition: str
    status: str
    note: str = ""
    details: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "condition": self.condition,
            "status": self.status,
            "note": self.note,
        }
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class OptimizerReport:
    """Everything :func:`~symbolic_bp.optim.prove_optimizers` established.

    ``steps[t-1]`` holds step ``t``; ``gradients`` the points where gradient symbols were
    introduced (``(symbols, point, asked by, step)`` as text); ``conditions`` the conditions
    proven to make the recipes agree at every step; ``searched`` every condition tried."""

    optimizers: tuple[str, str]
    setting: Setting
    steps: list[StepResult]
    gradients: list[tuple[str, str, str, int]] = field(default_factory=list)
    counterexample: OptimizerCounterexample | None = None
    conditions: list[str] = field(default_factory=list)
    searched: list[ConditionResult] = field(default_factory=list)
    conditions_searched: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __repr__(self) -> str:
        a, b = self.optimizers
        return (
            f"<OptimizerReport {a} vs {b}, {self.setting.steps} steps: "
            f"equivalent={self.equivalent}>"
        )

    @property
    def equivalent(self) -> bool | None:
        """``True``: every entry of every step proven equal; ``False``: one proven to differ;
        ``None`` otherwise."""
        status = combine([s.status for s in self.steps])
        return {EQUAL: True, DIFFERS: False}.get(status)

    @property
    def exit_code(self) -> int:
        """0 proven equal, 1 proven different, 3 unknown (the command line's contract)."""
        return {True: 0, False: 1, None: 3}[self.equivalent]

    def first_difference(self) -> int | None:
        """The first step proven to differ."""
        return next((s.step for s in self.steps if s.status == DIFFERS), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``symbolic-bp prove --optimizers A,B --json``."""
        s = self.setting
        last = self.steps[-1] if self.steps else None
        return {
            "equivalent": self.equivalent,
            "optimizers": list(self.optimizers),
            "setting": {
                "steps": s.steps,
                "lr_schedule": s.schedule,
                "parameters": s.dim,
                "hyperparameters": {k: str(v) for k, v in s.fixed},
                "symbols": [sym.name for sym in s.free_symbols()],
            },
            "steps": [step.to_dict() for step in self.steps],
            "parameters": [e.to_dict() for e in last.entries] if last else [],
            "gradients": [
                {"symbols": sy, "point": pt, "asked_by": who, "step": t}
                for sy, pt, who, t in self.gradients
            ],
            "counterexample": None
            if self.counterexample is None
            else self.counterexample.to_dict(),
            "conditions": list(self.conditions),
            "conditions_searched": [c.to_dict() for c in self.searched],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }
