"""The algebra under ``check``: packed sparse polynomials, activations in their atoms, and the
field of a network, each against SymPy itself or exact numbers; and the checker handed
deliberately wrong code that differs from the gradient by a hair.
"""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from symbolic_bp import check
from symbolic_bp.checking.atoms import NetworkField, Unsupported, parametrise
from symbolic_bp.checking.sparse import BITS, Frac, Overflow, Poly, exponents
from symbolic_bp.model.activations import custom, generic, get_activation
from symbolic_bp.model.network import Network

GENS = sp.symbols("g0:4")


def to_sympy(p: Poly) -> sp.Expr:
    return sp.Add(*(sp.Rational(c, p.den) * sp.Mul(*(GENS[k] ** e for k, e in exponents(m)))
                    for m, c in p.terms.items()))  # fmt: skip


def random_poly(rng: random.Random) -> Poly:
    out = Poly.constant(0)
    for _ in range(rng.randint(1, 4)):
        term = Poly.constant(Fraction(rng.randint(-5, 5), rng.randint(1, 3)))
        for k in range(len(GENS)):
            term = term * Poly.generator(k) ** rng.randint(0, 2)
        out = out + term
    return out


@pytest.mark.parametrize("seed", range(8))
def test_polynomial_arithmetic_is_sympys(seed):
    rng = random.Random(seed)
    a, b = random_poly(rng), random_poly(rng)
    assert sp.expand(to_sympy(a * b) - to_sympy(a) * to_sympy(b)) == 0
    assert sp.expand(to_sympy(a + b) - to_sympy(a) - to_sympy(b)) == 0
    assert sp.expand(to_sympy(a**3) - to_sympy(a) ** 3) == 0
    assert (a * b == b * a) and (a - a == Poly.constant(0))


@pytest.mark.parametrize("seed", range(8))
def test_quotients_are_equal_exactly_when_sympy_says_so(seed):
    rng = random.Random(seed)
    p, q, r = (random_poly(rng) for _ in range(3))
    if not q or not r or not p:
        pytest.skip("a zero polynomial")
    left = Frac.of(p * q) / Frac.of(p * r)
    assert left.equals(Frac.of(q) / Frac.of(r))
    other = Frac.of(q + Poly.generator(0)) / Frac.of(r)
    same = sp.cancel(to_sympy(q + Poly.generator(0)) * to_sympy(r) - to_sympy(q) * to_sympy(r))
    assert left.equals(other) == (same == 0)


def test_a_degree_that_would_overflow_a_bit_field_is_refused():
    big = Poly.generator(0) ** ((1 << BITS) // 2)
    with pytest.raises(Overflow):
        big * big


@pytest.mark.parametrize(
    ("activation", "kind"),
    [("sigmoid", "atom"), ("tanh", "atom"), ("identity", "polynomial"), ("relu", None),
     ("softplus", None), ("x**3/3 + x", "polynomial"), ("generic", None)],
)  # fmt: skip
def test_parametrisations(activation, kind):
    act = (generic(1) if activation == "generic" else custom(activation) if "x" in activation
           else get_activation(activation))  # fmt: skip
    form = parametrise(act)
    assert (form.kind if form is not None else None) == kind


# -- a network's field: the same function written in different ways ------------------------------
NET = Network.build([1, 1], "sigmoid")
E = sp.Symbol("w1_1_1", real=True) * sp.Symbol("x_1", real=True)
SIGMOIDS = [1 / (1 + sp.exp(-E)), sp.exp(E) / (1 + sp.exp(E)), (1 + sp.tanh(E / 2)) / 2]
TANHS = [sp.tanh(E), (sp.exp(2 * E) - 1) / (sp.exp(2 * E) + 1), 2 / (1 + sp.exp(-2 * E)) - 1]


def test_every_way_of_writing_an_activation_is_one_element():
    field = NetworkField(NET)
    for group in (SIGMOIDS, TANHS):
        values = [field.value(f) for f in group]
        assert all(v.equals(values[0]) for v in values)
    s = SIGMOIDS[0]
    assert field.value(s * (1 - s)).equals(field.value(sp.diff(s, E.args[0]) / E.args[1]))
    assert not field.value(SIGMOIDS[0]).equals(field.value(TANHS[0]))


def test_a_tanh_network_writes_tanh_but_not_exp_of_half_its_atom():
    """exp(-e) would be the square root of tanh's atom exp(2e): unsupported, not guessed."""
    field = NetworkField(Network.build([1, 1], "tanh"))
    values = [field.value(f) for f in TANHS]
    assert all(v.equals(values[0]) for v in values)
    with pytest.raises(Unsupported):
        field.value(SIGMOIDS[0])


@pytest.mark.parametrize("seed", range(6))
def test_random_rational_functions_of_the_output_are_told_apart_exactly(seed):
    """R(y) in two spellings of y is one element; R(y) + a tiny constant is another, and the
    numbers agree with both verdicts."""
    rng = random.Random(seed)
    field = NetworkField(NET)
    coeffs = [sp.Rational(rng.randint(-4, 4), rng.randint(1, 3)) for _ in range(4)]

    def R(y: sp.Expr) -> sp.Expr:
        return (coeffs[0] + coeffs[1] * y + coeffs[2] * y**2) / (2 + coeffs[3] ** 2 + y**2)

    a, b = field.value(R(SIGMOIDS[0])), field.value(R(SIGMOIDS[1]))
    c = field.value(R(SIGMOIDS[2]) + sp.Rational(1, 10**30))
    assert a.equals(b) and not a.equals(c)


@pytest.mark.parametrize(
    "expr",
    [sp.exp(E + 1), sp.exp(sp.Symbol("x_1", real=True)), sp.log(1 + sp.exp(E)), sp.exp(E**2)],
    ids=["shifted", "input-only", "log", "square"],
)
def test_what_the_field_cannot_write_is_unsupported(expr):
    with pytest.raises(Unsupported):
        NetworkField(NET).value(expr)


# -- the checker against code that is wrong by a hair --------------------------------------------
def test_a_derivative_off_by_one_part_in_a_trillion_is_refuted():
    def step(params, x, t, lr):
        y = 1 / (1 + np.exp(-(params["W1"] @ x)))
        params["W1"] += lr * np.outer((t - y) * y * (1 - y) * (1 + 1e-12), x)

    report = check(step, Network.build([2, 1], "sigmoid"))
    assert report.equivalent is False and report.counterexample is not None
    assert report.factor == "1000000000001/1000000000000"


def test_a_gradient_step_on_the_identity_is_checked_with_exact_values():
    def step(params, x, t, lr):
        y = params["W1"] @ x
        params["W1"] += lr * np.outer((t - y) * 2, x)

    report = check(step, Network.build([2, 1], "identity"))
    assert report.equivalent is False and report.counterexample.exact
    assert "sse" in report.factor_names[0]
