"""A counterexample shown as two enclosures must show them disjoint (regression: two updates
differing by a factor 1 + 10**-30 were printed as the same 20-digit interval under the line
"disjoint, so they differ")."""

from fractions import Fraction

import sympy as sp

import symbolic_bp as sbp
from symbolic_bp.proof.instance import prove


class _Tiny(sbp.Delta):
    """delta with every update scaled by 1 + 10**-30 (exactly, not a float)."""

    name = "tiny_scaled_test"

    def update(self, net, l, j, inp, signal):
        return net.eta * signal * inp * (1 + sp.Rational(1, 10**30))


def _ends(text: str) -> tuple[Fraction, Fraction]:
    lo, hi = (Fraction(end.strip()) for end in text.strip("[]").split(","))
    return lo, hi


def test_printed_enclosures_of_nearly_equal_values_are_disjoint() -> None:
    net = sbp.Network.build([2, 2, 1], "tanh")
    report = prove(net, sbp.Delta(), _Tiny())
    assert report.equivalent is False
    ce = report.counterexample
    assert ce is not None
    (a_lo, a_hi), (b_lo, b_hi) = (_ends(str(v)) for v in ce.values.values())
    assert a_hi < b_lo or b_hi < a_lo
    # the oracle: tiny's exact value is delta's times 1 + 10**-30, so they differ iff
    # delta's is not 0, and the two printed enclosures must each hold their value
    exact_ratio = Fraction(10**30 + 1, 10**30)
    assert not (a_lo <= 0 <= a_hi)
    assert (a_lo * exact_ratio <= b_hi and b_lo <= a_hi * exact_ratio) or (
        b_lo * exact_ratio <= a_hi and a_lo <= b_hi * exact_ratio
    )
