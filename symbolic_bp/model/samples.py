"""The samples of a batch and what the objective adds: a mixin of
:class:`~symbolic_bp.model.network.Network`.

A batch of ``N`` samples is one network whose parameters every sample shares; each sample's
inputs, targets and net inputs live on its *view* (:meth:`Samples.view`): ``x{s}_{i}``,
``t{s}_{j}``, ``e{l}_{j}@{s}``. A recipe runs on one view at a time, so it sees one sample, as
without a batch. The loss of the objective is the reduction of the samples' losses plus the L2
penalty (:mod:`~symbolic_bp.model.objective`).

>>> from symbolic_bp.model.network import Network
>>> from symbolic_bp.model.objective import Objective
>>> net = Network.build([1, 1], "identity", objective=Objective(batch=2))
>>> [v.x(1) for v in net.views()], net.view(2).e(1, 1)
([x1_1, x2_1], e1_1@2)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Self

import sympy as sp

from ..errors import InputError

__all__ = ["Samples"]


class Samples:
    """A mixin: the network's ``objective``, ``sample`` and ``_cache`` fields, its
    ``parameters()``, ``loss_local()``, ``t()`` and ``sizes``."""

    objective: Any
    sample: int | None
    sizes: tuple[int, ...]
    loss: Any
    _cache: dict

    # the network's own
    def loss_local(self) -> sp.Expr:  # pragma: no cover
        raise NotImplementedError

    def parameters(self) -> list[sp.Symbol]:  # pragma: no cover
        raise NotImplementedError

    def t(self, j: int) -> sp.Symbol:  # pragma: no cover
        raise NotImplementedError

    @property
    def batched(self) -> bool:
        """Whether this is a batch of several samples (whose quantities live on the views)."""
        return self.objective.batch > 1 and self.sample is None

    def view(self, s: int) -> Self:
        """Sample ``s`` of the batch: the same parameters, its own inputs ``x{s}_{i}``, targets
        ``t{s}_{j}`` and net inputs ``e{l}_{j}@{s}`` (the network itself without a batch)."""
        if self.objective.batch == 1 or self.sample is not None:
            return self
        key = ("view", s)
        if key not in self._cache:
            self._cache[key] = replace(self, sample=s, _cache={})  # type: ignore[type-var]
        return self._cache[key]

    def views(self) -> list[Self]:
        """The view of every sample, in order (``[self]`` without a batch)."""
        return [self.view(s) for s in self.objective.samples]

    def _suffix(self, what: str) -> str:
        if self.batched:
            raise InputError(
                f"{what} of a batch belongs to one sample: use net.view(s) (s = 1.."
                f"{self.objective.batch})"
            )
        return "" if self.sample is None else f"@{self.sample}"

    # -- the objective ----------------------------------------------------------------------
    def objective_loss(self) -> sp.Expr:
        """The loss of the objective: ``R sum_s E_s`` plus the L2 penalty (one sample's
        ``E`` without a batch or penalty)."""
        total = sp.Add(*(v.loss_local() for v in self.views()))
        if self.objective.l2 == 0:
            return self.objective.scale * total
        penalty = sp.Add(*(self.penalty_local(p) for p in self.parameters()))
        return self.objective.scale * total + penalty

    # -- the L2 penalty and the targets' domain --------------------------------------------
    def l2(self, p: sp.Basic) -> sp.Expr:
        """The L2 coefficient of parameter ``p`` (``0`` when it is not penalised)."""
        kind = "b" if getattr(p, "name", "w").startswith("b") else "w"
        return self.objective.l2 if self.objective.penalised(kind) else sp.S.Zero

    def penalty_local(self, p: sp.Basic) -> sp.Expr:
        """``lambda/2 p^2``: the term of the penalty that holds ``p``."""
        return self.l2(p) / 2 * p**2

    def on_domain(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` on the targets' domain: with probability targets, each sample's last target
        written as ``1 - sum`` of the others (an identity there is proven for every such
        target; nothing changes for other losses)."""
        if not self.loss.probability_targets:
            return expr
        n = self.sizes[-1]
        subs = {}
        for v in self.views():
            subs[v.t(n)] = 1 - sp.Add(*(v.t(m) for m in range(1, n)))
        return expr.xreplace(subs)
