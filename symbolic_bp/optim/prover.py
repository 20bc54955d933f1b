r"""Are two optimizer recipes the same over T steps? ``equal``, ``differs`` or ``unknown``.

For every step ``t = 1..T`` and every entry of the compared vector (the parameter, unless a
recipe observes something else):

- ``equal``: B's value minus A's is exactly 0 by :func:`symbolic_bp.algebra.is_zero`, in the
  symbols of the start point, the hyperparameters and the gradients (fresh symbols per distinct
  point: :mod:`~symbolic_bp.optim.unroll`), so for every loss and every hyperparameter value
  where both recipes are defined. Square roots and quotients are opaque to the zero test: an
  identity that needs their algebra is not proven, and becomes ``unknown`` unless a
  counterexample exists. Never ``equal`` on numbers.
- ``differs``: a concrete loss, start point and hyperparameters where the two values, computed
  exactly by the recipes' own code, certainly differ (:mod:`~symbolic_bp.optim.witness`).
- ``unknown``: neither, within the limits.

>>> r = prove_optimizers("momentum", "momentum_lr_inside", steps=2, conditions=False)
>>> r.equivalent, [s.status for s in r.steps]
(True, ['equal', 'equal'])
>>> r = prove_optimizers("momentum", "momentum_lr_inside", steps=2, lr_schedule="per-step")
>>> r.equivalent, r.first_difference(), r.conditions
(False, 2, ['a constant learning rate (lr_1 = lr_2 = lr)', 'mu = 0'])
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import sympy as sp

from ..errors import InputError
from ..proof.clock import Clock, TimeUp, deadline
from ..proof.results import Limits
from .compare import ATTEMPTS, Outcome, check_stateless, compare
from .conditions import find_conditions
from .recipes import Optimizer, get_optimizer
from .results import OptimizerReport
from .setting import CONSTANT, make_setting
from .unroll import GradientOracle

__all__ = ["prove_optimizers", "check_names"]


def prove_optimizers(
    a: str | Optimizer,
    b: str | Optimizer,
    steps: int = 3,
    lr_schedule: str = CONSTANT,
    hyper: str | Mapping[str, object] | None = None,
    dim: int = 2,
    limits: Limits | None = None,
    conditions: bool = True,
) -> OptimizerReport:
    """Prove or refute that optimizers ``a`` and ``b`` give the same parameter after each of
    ``steps`` steps, for every loss.

    **Arguments:** ``a``, ``b`` (names or :class:`~symbolic_bp.optim.Optimizer` objects);
    ``steps``; ``lr_schedule`` (``"constant"``: one rate ``lr``; ``"per-step"``: ``lr_1,
    lr_2, ...``); ``hyper``: hyperparameters given as numbers (``"mu=0.9,lr=0.1"`` or a
    mapping; the others stay symbols); ``dim``: the number of parameters; ``limits``
    (``timeout``); ``conditions``: search conditions under which differing recipes agree.

    **Returns:** an :class:`~symbolic_bp.optim.results.OptimizerReport`.
    """
    started = time.perf_counter()
    limits = limits or Limits()
    oa, ob = get_optimizer(a), get_optimizer(b)
    setting = make_setting([oa, ob], steps, lr_schedule, hyper, dim)
    clock = Clock(limits.timeout, limits.started, limits.reserve)
    report = OptimizerReport((oa.name, ob.name), setting, [])
    out = Outcome()
    with deadline(None, clock):
        try:
            for opt in (oa, ob):
                check_stateless(opt, setting)
            compare(oa, ob, setting, {}, clock, ATTEMPTS, out)
        except TimeUp:
            report.notes.append("the time limit was reached: what was not settled is unknown")
        report.steps = out.steps(setting)
        report.counterexample = out.counterexample
        report.gradients = _gradients(out.oracle)
        if conditions and report.equivalent is False:
            report.conditions_searched = True
            try:
                find_conditions(oa, ob, setting, clock, report)
            except TimeUp:
                report.notes.append("the condition search stopped at the time limit")
    report.seconds = time.perf_counter() - started
    return report


def _gradients(oracle: GradientOracle | None) -> list[tuple[str, str, str, int]]:
    if oracle is None:
        return []
    return [
        (
            ", ".join(map(str, gp.symbols)),
            ", ".join(sp.sstr(e) for e in gp.point),
            gp.asked_by,
            gp.step,
        )
        for gp in oracle.points
    ]


def check_names(names: Sequence[str]) -> tuple[str, str]:
    """``--optimizers A,B``: two registered names."""
    if len(names) != 2 or not all(n.strip() for n in names):
        raise InputError(
            f"--optimizers needs exactly two names separated by a comma, got {','.join(names)!r}"
        )
    a, b = (get_optimizer(n.strip()).name for n in names)
    return a, b
