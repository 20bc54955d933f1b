"""Independent oracles for the tests of ``symbolic-bp check``.

Nothing here goes through the checker's field of atoms: the gradient is ``sympy.diff`` of the
loss written out by hand (``trace_oracles.gradient_oracle``), a convention is its own
``derive()`` rules expanded into inputs and parameters (activations written out, each sample's
rules with its own symbols, the mean over the batch), and values are compared at rational
points with mpmath at 70 digits. Agreement at two points is this oracle's "equal" (evidence,
for a test); a difference far above the working precision is its "differs".
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from symbolic_bp.derive import derive
from symbolic_bp.model.network import Network

from .trace_oracles import ETA, Case, evaluate, rational_point, real

#: |a - b| below this (relative) at 70 digits: the same value
SAME = mpmath.mpf(10) ** -50
#: |a - b| above this (relative): certainly different values
DIFFERENT = mpmath.mpf(10) ** -20


def network(case: Case, loss: str = "half_sse") -> Network:
    return Network.build(list(case.sizes), case.activation, loss, bias=case.bias)


def convention_oracle(case: Case, name: str, loss: str = "half_sse") -> dict[str, sp.Expr]:
    """``name``'s update of every parameter, expanded, the mean over the samples."""
    net = network(case, loss)
    rules = derive(net, name)
    out: dict[str, sp.Expr] = {}
    samples = [None] if case.batch is None else list(range(1, case.batch + 1))
    for p in net.parameters():
        one = net.unfold(rules.expanded(p))
        terms = []
        for s in samples:
            if s is None:
                terms.append(one)
                continue
            names = {net.x(i): real(f"x{s}_{i}") for i in net.neurons(0)}
            names.update({net.t(j): real(f"t{s}_{j}") for j in net.neurons(net.depth)})
            terms.append(one.xreplace(names))
        out[p.name] = sp.Add(*terms) / len(samples)
    return out


def relation(a: sp.Expr, b: sp.Expr, points: list[dict]) -> str:
    """``"same"``, ``"different"`` or ``"unclear"``: ``a`` against ``b`` at ``points``."""
    verdicts = set()
    for point in points:
        va, vb = evaluate(a, point, 70), evaluate(b, point, 70)
        gap = abs(va - vb) / (1 + abs(va))
        verdicts.add("same" if gap <= SAME else "different" if gap >= DIFFERENT else "unclear")
    if verdicts == {"same"}:
        return "same"
    return "different" if "different" in verdicts else "unclear"


def points(case: Case, seeds: tuple[int, ...] = (21, 22)) -> list[dict]:
    return [rational_point(case, seed) for seed in seeds]


def sympy_point(named: dict[str, Fraction]) -> dict[sp.Symbol, sp.Rational]:
    """A counterexample's point (by name) as SymPy symbols of the traced expressions."""
    out = {}
    for name, value in named.items():
        symbol = ETA if name == "eta" else real(name)
        out[symbol] = sp.Rational(value.numerator, value.denominator)
    return out


def enclosure(text: str) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``"[lo, hi]"`` as two numbers (70 digits)."""
    lo, hi = text.strip("[]").split(",")
    with mpmath.workdps(70):
        return mpmath.mpf(lo), mpmath.mpf(hi)
