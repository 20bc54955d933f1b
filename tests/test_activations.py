"""Activations and losses carry their own math; check it against SymPy and by exact algebra."""

from __future__ import annotations

import pytest
import sympy as sp

from symbolic_bp import ACTIVATIONS, LOSSES, InputError, generic, get_activation, get_loss
from symbolic_bp.algebra import is_zero
from symbolic_bp.model.activations import Y
from symbolic_bp.parsing import X


@pytest.mark.parametrize("name", sorted(n for n, a in ACTIVATIONS.items() if not a.is_vector))
def test_derivative_through_output_is_an_identity(name):
    """g(f(x)) = f'(x) exactly (sign cases for the piecewise ones)."""
    act = get_activation(name)
    lhs = act.unfold(act.derivative_from_output(act(X)))
    if name in ("relu", "leaky_relu"):
        for point in (sp.Rational(-3, 2), sp.S.Zero, sp.Rational(5, 7)):
            assert lhs.xreplace({X: point}) == act.derivative(point)
        p = sp.Symbol("p", positive=True)
        assert lhs.xreplace({X: p}) == act.derivative(p) == 1
        assert lhs.xreplace({X: -p}) == act.derivative(-p)
    else:
        assert is_zero(lhs - act.unfold(act.derivative(X)))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "identity", "softplus"])
def test_derivative_is_sympys(name):
    act = get_activation(name)
    explicit = act.unfold(act(X))
    assert is_zero(act.unfold(act.derivative(X)) - sp.diff(explicit, X))
    # the opaque function differentiates by the chain rule into its opaque derivative
    assert sp.diff(act(X**2), X) == 2 * X * act.derivative(X**2)
    # and evaluates at numbers to the explicit value
    assert act(sp.Rational(1, 3)) == explicit.xreplace({X: sp.Rational(1, 3)})


def test_relu_derivative_at_zero_is_zero():
    relu = get_activation("relu")
    assert relu.derivative(sp.S.Zero) == 0
    assert relu(sp.Rational(-2)) == 0 and relu(sp.Rational(3)) == 3


def test_leaky_relu_values():
    leaky = get_activation("leaky_relu")
    assert leaky(sp.Rational(-2)) == sp.Rational(-2, 100)
    assert leaky.derivative(sp.S.Zero) == sp.Rational(1, 100)


def test_generic_is_per_layer_and_stable():
    assert generic(1)(X) == generic(1)(X)
    assert generic(1)(X) != generic(2)(X)
    assert sp.diff(generic(2)(X**2), X) == 2 * X * generic(2).derivative(X**2)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(InputError, match="valid: sigmoid, tanh"):
        get_activation("sigmoyd")


def test_losses_match_their_formulas():
    t, y = sp.symbols("t y")
    assert LOSSES["half_sse"].term(t, y) == (t - y) ** 2 / 2
    assert LOSSES["sse"].term(t, y) == (t - y) ** 2
    assert is_zero(sp.diff(LOSSES["cross_entropy"].term(t, y), y) - (y - t) / (y * (1 - y)))
    with pytest.raises(InputError, match="valid: half_sse, sse, cross_entropy"):
        get_loss("mse")


def test_output_derivative_symbol_is_y():
    assert get_activation("sigmoid").derivative_from_output(Y) == Y * (1 - Y)
