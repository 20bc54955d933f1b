r"""What training minimises besides one sample's loss: a batch, its reduction, an L2 penalty.

With a batch of ``N`` samples (each with its own inputs ``x{s}_{i}`` and targets ``t{s}_{j}``)
and ``R`` the reduction (``mean``: ``1/N``, ``sum``: ``1``), the loss is

.. math:: E = R \sum_{s=1}^{N} E_s + \frac{\lambda}{2} \sum_{w} w^2 \;
          \big(+ \frac{\lambda}{2} \sum_b b^2 \text{ with biases penalised}\big),

every convention's update is ``R`` times the sum of its per-sample updates plus
``-eta lambda p`` for a penalised parameter ``p``, and ``gradient`` gets the same by
differentiating this ``E``. A batch of one sample without L2 is the plain per-sample setting.

>>> Objective(batch=3, reduce=REDUCTIONS["sum"], l2=parse_l2("lambda")).describe()
'batch of 3 (sum), L2 lambda on the weights'
>>> parse_l2("1e-3")
1/1000
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import sympy as sp

from ..errors import InputError, option

__all__ = [
    "Reduction",
    "REDUCTIONS",
    "Objective",
    "parse_l2",
    "parse_reduce",
    "MAX_BATCH",
    "RESERVED_L2_NAMES",
]

MAX_BATCH = 64

#: names an L2 symbol may not take: the network's own letters, the learning rate, the symbols
#: of symbolic layers and widths, and names SymPy prints as constants
RESERVED_L2_NAMES = frozenset(
    {"b", "e", "n", "t", "w", "x", "y", "eta", "L", "l", "i", "j", "k", "m", "p", "q", "s"}
    | {"E", "I", "N", "O", "S", "Q", "pi", "oo", "nan", "zoo", "E_other"}
)
_L2_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")


@dataclass(frozen=True)
class Reduction:
    """How a batch's per-sample losses and updates are combined: ``scale(N)`` times their sum."""

    name: str
    mean: bool

    def scale(self, batch: int) -> sp.Expr:
        """``1/N`` for the mean, ``1`` for the sum."""
        return sp.Rational(1, batch) if self.mean else sp.S.One


REDUCTIONS = {r.name: r for r in (Reduction("mean", True), Reduction("sum", False))}


def parse_reduce(text: str) -> Reduction:
    """``--reduce mean|sum``."""
    try:
        return REDUCTIONS[str(text).strip()]
    except KeyError:
        raise InputError(
            f"{option('--reduce ', 'reduce=')}{text!r} is not one of {', '.join(REDUCTIONS)}"
        ) from None


def _L2() -> str:
    return option("--l2 ", "l2=")


def parse_l2(text: str) -> sp.Expr:
    """``--l2 LAMBDA``: a finite number >= 0 (an exact rational from its decimal text) or a
    symbol name (letters and digits, not one of the network's own names); never sympified.

    >>> parse_l2("lambda")
    lambda
    """
    text = str(text).strip()
    if text.lower() in ("inf", "infinity", "nan"):
        raise InputError(f"{_L2()}{text!r} must be a finite number >= 0 or a symbol name")
    if _L2_NAME.match(text):
        if text in RESERVED_L2_NAMES:
            raise InputError(
                f"{_L2()}{text!r}: the name is taken by the network's own symbols; choose "
                "another, such as lambda or mu"
            )
        return sp.Symbol(text, positive=True)
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{_L2()}{text!r} is neither a number nor a symbol name such as lambda"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{_L2()}{text!r} must be a finite number >= 0 or a symbol name")
    return sp.Rational(repr(value)) if value else sp.S.Zero


@dataclass(frozen=True)
class Objective:
    """A batch of ``batch`` samples combined by ``reduce``, and the L2 coefficient ``l2``
    (``0``: none) on the weights, and on the biases too with ``l2_bias``."""

    batch: int = 1
    reduce: Reduction = field(default=REDUCTIONS["mean"])
    l2: sp.Expr = sp.S.Zero
    l2_bias: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.batch, bool) or not isinstance(self.batch, int) or self.batch < 1:
            raise InputError(
                f"{option('--batch ', 'batch=')}{self.batch!r} must be a positive whole number"
            )
        if self.batch > MAX_BATCH:
            raise InputError(
                f"{option('--batch ', 'batch=')}{self.batch} is larger than the limit {MAX_BATCH}"
            )

    @property
    def scale(self) -> sp.Expr:
        """``1/N`` for the mean over the batch, ``1`` for the sum."""
        return self.reduce.scale(self.batch)

    @property
    def samples(self) -> range:
        """``1..N``."""
        return range(1, self.batch + 1)

    def penalised(self, kind: str) -> bool:
        """Whether parameters of ``kind`` (``"w"`` or ``"b"``) carry the L2 penalty."""
        return self.l2 != 0 and (kind == "w" or self.l2_bias)

    @property
    def plain(self) -> bool:
        """One sample, no penalty: the per-sample setting."""
        return self.batch == 1 and self.l2 == 0

    def describe(self) -> str:
        """``batch of 3 (mean), L2 lambda on the weights and biases`` (empty when plain)."""
        parts = []
        if self.batch > 1:
            parts.append(f"batch of {self.batch} ({self.reduce.name})")
        if self.l2 != 0:
            on = "the weights and biases" if self.l2_bias else "the weights"
            parts.append(f"L2 {sp.sstr(self.l2)} on {on}")
        return ", ".join(parts)
