"""The safe expression parser: what it accepts, what it refuses, and a fuzz test."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symbolic_bp import InputError, parse_expression
from symbolic_bp.parsing import X, parse_number_list, split_top_level


@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param("x**3/3 + x", X**3 / 3 + X, id="poly"),
        pytest.param("0.1*x", X / 10, id="decimal-is-exact"),
        pytest.param("log(1 + exp(x))", sp.log(1 + sp.exp(X)), id="softplus"),
        pytest.param("max(x, 0)", sp.Max(X, 0), id="max"),
        pytest.param("-x + pi", -X + sp.pi, id="const"),
        pytest.param("sigmoid(2*x)", 1 / (1 + sp.exp(-2 * X)), id="sigmoid"),
    ],
)
def test_accepts(text, expected):
    assert parse_expression(text) - expected == 0


@pytest.mark.parametrize(
    "text,fragment",
    [
        pytest.param("__import__('os').system('true')", "not allowed", id="import"),
        pytest.param("x.__class__", "Attribute", id="attribute"),
        pytest.param("(lambda: x)()", "not allowed", id="lambda"),
        pytest.param("[x for x in ()]", "ListComp", id="comprehension"),
        pytest.param("open('f')", "function 'open'", id="unknown-call"),
        pytest.param("y + 1", "name 'y'", id="unknown-name"),
        pytest.param("x ** 10000", "exponent", id="huge-exponent"),
        pytest.param("x ** x", "exponent", id="symbolic-exponent"),
        pytest.param("9" * 40 + " * x", "too long", id="huge-literal"),
        pytest.param("3 + 4", "not a function of x", id="constant"),
        pytest.param("x +", "cannot parse", id="syntax"),
        pytest.param("x" + " + x" * 200, "longer than", id="long"),
        pytest.param("1/0 + x", "undefined", id="zoo"),
        pytest.param("exp(x, 2)", "takes 1", id="arity"),
        pytest.param("'a' + x", "literal", id="string"),
        pytest.param("x if x else 1", "IfExp", id="conditional"),
        pytest.param("-" * 60 + "x", "nested", id="deep"),
    ],
)
def test_refuses(text, fragment):
    with pytest.raises(InputError) as info:
        parse_expression(text)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_never_crashes_and_never_runs_code(text):
    """Any text gives either an expression in x or a one-line InputError."""
    try:
        expr = parse_expression(text)
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(expr, sp.Expr) and X in expr.free_symbols


_ATOMS = st.sampled_from(["x", "2", "0.5", "pi", "e"])


@st.composite
def _expressions(draw, depth=3):
    if depth == 0:
        return draw(_ATOMS)
    kind = draw(st.sampled_from(["atom", "bin", "call", "neg"]))
    if kind == "atom":
        return draw(_ATOMS)
    if kind == "bin":
        op = draw(st.sampled_from(["+", "-", "*", "/"]))
        return f"({draw(_expressions(depth - 1))} {op} {draw(_expressions(depth - 1))})"
    if kind == "neg":
        return f"-{draw(_expressions(depth - 1))}"
    fn = draw(st.sampled_from(["exp", "tanh", "sin", "sigmoid", "atan"]))
    return f"{fn}({draw(_expressions(depth - 1))})"


@settings(max_examples=200, deadline=None)
@given(_expressions())
def test_fuzz_grammar_round_trip(text):
    """Well-formed expressions parse to the expression SymPy builds from the same tree."""
    try:
        expr = parse_expression(text)
    except InputError as exc:
        assert "not a function of x" in str(exc) or "undefined" in str(exc)
        return
    # evaluate both at a point: same value (the parser maps names to SymPy functions)
    value = expr.xreplace({X: sp.Rational(1, 3)})
    assert value.is_number


def test_split_top_level_keeps_parentheses():
    assert split_top_level("relu,max(x, 0.1*x),tanh") == ["relu", "max(x, 0.1*x)", "tanh"]


@pytest.mark.parametrize("text", ["0.1,nan", "1,inf", "1,,2", "a"])
def test_number_list_refuses(text):
    with pytest.raises(InputError):
        parse_number_list(text, "--input")
