"""The float64 boxes of leaky ReLU enclose the exact slope 1/100 (not its float, 0.01000...0208).

Oracle: exact rationals (:class:`fractions.Fraction`) of the box ends against the exact values
``x/100`` and ``1/100``; nothing here uses the code under test to compute the expected values.
"""

from fractions import Fraction

import numpy as np
import pytest

from symbolic_bp import boxes
from symbolic_bp.proof.arithmetic import BOXES

SLOPE = Fraction(1, 100)
POINTS = [-3.0, -1.0, -0.5, -1e-300, 0.0, 0.25, 2.0]


def _encloses(box: boxes.Box, exact: list[Fraction]) -> list[bool]:
    return [
        Fraction(float(lo)) <= v <= Fraction(float(hi))
        for lo, hi, v in zip(box.lo.tolist(), box.hi.tolist(), exact, strict=True)
    ]


def test_float_slope_is_not_the_exact_slope():
    assert Fraction(float(SLOPE)) != SLOPE  # why the slope must be enclosed, not rounded


@pytest.mark.parametrize("x", POINTS, ids=str)
def test_leaky_step_box_encloses_the_exact_derivative(x):
    box = BOXES.functions["leaky_step"](boxes.Box.point(np.array([x])))
    exact = Fraction(1) if x > 0 else SLOPE
    assert _encloses(box, [exact]) == [True]


@pytest.mark.parametrize("x", POINTS, ids=str)
def test_leaky_box_encloses_the_exact_value(x):
    box = BOXES.functions["leaky"](boxes.Box.point(np.array([x])))
    q = Fraction(x)
    exact = q if q > 0 else SLOPE * q
    assert _encloses(box, [exact]) == [True]


def test_leaky_step_of_a_box_across_zero_encloses_both_pieces():
    box = BOXES.functions["leaky_step"](boxes.Box(np.array([-1.0]), np.array([1.0])))
    assert _encloses(box, [SLOPE]) == [True]
    assert _encloses(box, [Fraction(1)]) == [True]
