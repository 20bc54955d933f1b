r"""What ``check`` established, as data: a :class:`~symbolic_bp.proof.results.Report` against
the gradient, plus the conventions the code matches and the names of its constant factors.

A constant factor between the code's updates and the gradient's is named by what usually
causes it (:func:`name_factor`): a sum over the batch instead of the mean (``N``), ``sse``
instead of ``half_sse`` (``2``), the mean over the outputs (``2/n_L``), the opposite sign
(``-1``), a learning rate the code does not use (``1/eta``).

>>> from fractions import Fraction
>>> from .compare import Factor
>>> for part in name_factor(Factor(Fraction(4), -1), batch=4, outputs=1, loss="half_sse"):
...     print(part)
a sum over the batch of 4 samples instead of the mean (x4)
the learning rate is not used: the step is -dE/dp itself (x1/eta)
>>> for part in name_factor(Factor(Fraction(-2)), batch=None, outputs=2, loss="half_sse"):
...     print(part)
the opposite sign: a step up the gradient (x-1)
the gradient of sse = sum (t - y)^2, not of half_sse (x2)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction

from ..proof.results import Report
from .compare import Factor
from .explain import Explanation

__all__ = ["CheckReport", "name_factor", "factor_text"]


@dataclass(repr=False)
class CheckReport(Report):
    """A :class:`~symbolic_bp.proof.results.Report` of the code (``conventions[0]``, e.g.
    ``"train.py:step"``) against ``"gradient"``, plus:

    - ``matches``: the registered conventions whose every update is proven equal to the code's;
    - ``similar``: ``{convention: factor}`` for those equal up to one constant factor ``!= 1``;
    - ``factor``: that constant against the gradient (text, e.g. ``"4/eta"``) and ``factor_names``
      what it usually means;
    - ``loss`` (its name), ``batch``, ``lr`` (``"eta"`` or the number), ``source`` (the file),
      ``function``; ``recipe``: how the matched convention differs from the gradient (an
      :class:`~symbolic_bp.checking.explain.Explanation`: relations, differences, conditions
      for every differentiable activation), or ``None``;
    - ``hints``: proven facts that may explain a difference (another activation on which
      the code is the gradient); ``output``: what the code printed while it was traced.
    """

    matches: list[str] = field(default_factory=list)
    similar: dict[str, str] = field(default_factory=dict)
    factor: str | None = None
    factor_names: list[str] = field(default_factory=list)
    loss: str = "half_sse"
    batch: int | None = None
    lr: str = "eta"
    source: str = ""
    function: str = "step"
    recipe: Explanation | None = None
    hints: list[str] = field(default_factory=list)
    output: str = ""

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts().items())
        return (
            f"<CheckReport {self.conventions[0]} on {'-'.join(map(str, self.network.sizes))}: "
            f"equivalent={self.equivalent} ({counts}), matches={self.matches}>"
        )

    # rich display in Jupyter: the report as math (the renderer imported on first use)
    def _repr_html_(self) -> str:
        from ..render.check import check_document

        return check_document(self).mathml()

    def _repr_markdown_(self) -> str:
        from ..render.check import check_document

        return check_document(self).markdown()


def factor_text(f: Factor) -> str:
    """``r*eta**k`` as short text: ``4/eta``, ``-2``, ``1/2``."""
    r = f"{f.r.numerator}" if f.r.denominator == 1 else f"{f.r.numerator}/{f.r.denominator}"
    if f.k == 0:
        return r
    power = "eta" if abs(f.k) == 1 else f"eta**{abs(f.k)}"
    if f.k > 0:
        return power if f.r == 1 else f"{r}*{power}"
    return f"{r}/{power}" if f.r.denominator == 1 else f"({r})/{power}"


def _loss_factors(loss: str, outputs: int) -> list[tuple[Fraction, str]]:
    """Constants that come from computing another squared-error loss than ``loss``."""
    sse = "sum (t - y)^2"
    mse = f"the mean over the {outputs} outputs of (t - y)^2 (mse)"
    if loss == "half_sse":
        out = [(Fraction(2), f"the gradient of sse = {sse}, not of half_sse")]
        if outputs > 1:
            out.append((Fraction(2, outputs), f"the gradient of {mse}, not of half_sse"))
        return out
    if loss == "sse":
        out = [(Fraction(1, 2), "the gradient of half_sse = 1/2 sum (t - y)^2, not of sse")]
        if outputs > 1:
            out.append((Fraction(1, outputs), f"the gradient of {mse}, not of sse"))
        return out
    return []


def _times(r: Fraction) -> str:
    return f"x{r.numerator}" if r.denominator == 1 else f"x{r.numerator}/{r.denominator}"


def name_factor(
    f: Factor, *, batch: int | None, outputs: int, loss: str, lr: Fraction | None = None
) -> list[str]:
    """What a constant factor between the code and the gradient usually means, one part per
    cause (``lr``: the learning rate when it was given as a number, whose inverse is the
    factor of code that does not use it); a factor made of no known causes is named as the
    number it is."""
    parts: list[str] = []
    signs = [(Fraction(1), ""), (Fraction(-1), "the opposite sign: a step up the gradient")]
    if lr is not None and lr not in (0, 1):
        signs += [
            (s / lr, f"{text}{' and ' if text else ''}the learning rate {lr} is not used")
            for s, text in list(signs)
        ]
    sums = [(Fraction(1), "")]
    if batch is not None and batch > 1:
        sums.append(
            (Fraction(batch), f"a sum over the batch of {batch} samples instead of the mean")
        )
    losses = [(Fraction(1), ""), *_loss_factors(loss, outputs)]
    for (s, s_text), (b, b_text), (q, q_text) in itertools.product(signs, sums, losses):
        if s * b * q == f.r:
            for factor, text in ((s, s_text), (b, b_text), (q, q_text)):
                if text:
                    parts.append(f"{text} ({_times(factor)})")
            break
    else:
        if f.r != 1:
            parts.append(f"a constant factor {_times(f.r)[1:]}")
    if f.k == -1:
        parts.append("the learning rate is not used: the step is -dE/dp itself (x1/eta)")
    elif f.k:
        power = factor_text(Factor(Fraction(1), f.k))
        parts.append(f"the learning rate enters as eta**{f.k + 1} (x{power})")
    return parts
