"""Independent oracles for the tests of ``symbolic_bp.trace``.

Nothing here goes through the tracer: the gradient is ``sympy.diff`` of a loss written out by
hand (sigmoid as ``1/(1 + exp(-z))``), the two non-gradient recipes are written as matrix
formulas, and the user's code is also run on plain floats.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mpmath
import numpy as np
import sympy as sp

EXAMPLES = Path(__file__).parent / "check_examples"
ETA = sp.Symbol("eta", positive=True)


def sigmoid(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


#: each activation with its derivative written out (not by sympy.diff), for the recipe oracles
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (sp.tanh, lambda z: 1 - sp.tanh(z) ** 2),
}


@dataclass(frozen=True)
class Case:
    """One learner-style file and what it computes."""

    stem: str
    sizes: tuple[int, ...]
    bias: bool = False
    batch: int | None = None
    activation: str = "sigmoid"
    loss: str = "half_sse"  # or "mse": the mean over the outputs of (t - y)**2
    reduction: str = "mean"  # over the batch: "mean" or "sum"
    uses_lr: bool = True
    recipe: str = "gradient"  # "gradient", "error_at_update", "inplace" or "wrong"

    @property
    def path(self) -> Path:
        return EXAMPLES / f"{self.stem}.py"


# -- symbols and points --------------------------------------------------------------------
def real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def weights(case: Case, l: int) -> sp.Matrix:
    rows, cols = case.sizes[l], case.sizes[l - 1]
    return sp.Matrix(rows, cols, lambda j, i: real(f"w{l}_{j + 1}_{i + 1}"))


def biases(case: Case, l: int) -> sp.Matrix:
    if not case.bias:
        return sp.zeros(case.sizes[l], 1)
    return sp.Matrix([real(f"b{l}_{j + 1}") for j in range(case.sizes[l])])


def parameter_names(case: Case) -> list[str]:
    names = []
    for l in range(1, len(case.sizes)):
        names += [str(w) for w in weights(case, l)]
        names += [f"b{l}_{j + 1}" for j in range(case.sizes[l])] if case.bias else []
    return names


def samples(case: Case) -> list[tuple[sp.Matrix, sp.Matrix]]:
    """``(x, t)`` column vectors, one pair per sample."""
    n_in, n_out = case.sizes[0], case.sizes[-1]
    if case.batch is None:
        return [
            (sp.Matrix([real(f"x_{i}") for i in range(1, n_in + 1)]),
             sp.Matrix([real(f"t_{j}") for j in range(1, n_out + 1)]))
        ]  # fmt: skip
    return [
        (sp.Matrix([real(f"x{s}_{i}") for i in range(1, n_in + 1)]),
         sp.Matrix([real(f"t{s}_{j}") for j in range(1, n_out + 1)]))
        for s in range(1, case.batch + 1)
    ]  # fmt: skip


def rational_point(case: Case, seed: int) -> dict[sp.Symbol, sp.Rational]:
    """Dyadic rationals (exact as floats too): weights and inputs in [-3/2, 3/2], targets in
    (0, 1), ``eta = 1/2``."""
    rng = random.Random(seed)
    point: dict[sp.Symbol, sp.Rational] = {ETA: sp.Rational(1, 2)}
    for name in parameter_names(case):
        point[real(name)] = sp.Rational(rng.choice([-3, -2, -1, 1, 2, 3]), rng.choice([2, 4, 8]))
    for x, t in samples(case):
        point.update({s: sp.Rational(rng.choice([-3, -1, 1, 2, 3]), 2) for s in x})
        point.update({s: sp.Rational(rng.randint(1, 7), 8) for s in t})
    return point


# -- the gradient, by sympy.diff of the loss -------------------------------------------------
def forward(case: Case, x: sp.Matrix, params: dict | None = None) -> list[sp.Matrix]:
    f = ACTIVATIONS[case.activation][0]
    params = params or {}
    outputs = [x]
    for l in range(1, len(case.sizes)):
        W = params.get(("W", l), weights(case, l))
        b = params.get(("b", l), biases(case, l))
        outputs.append((W * outputs[-1] + b).applyfunc(f))
    return outputs


def loss(case: Case) -> sp.Expr:
    """The loss as one sum over samples and outputs (the batch mean as a factor of each
    term: ``diff`` of that flat sum is several times faster than of ``(...)/N``)."""
    terms, n = [], len(samples(case))
    scale = sp.Rational(1, n) if case.reduction == "mean" else sp.S.One
    for x, t in samples(case):
        y = forward(case, x)[-1]
        per_output = sp.Rational(1, 2) if case.loss == "half_sse" else sp.Rational(1, len(t))
        terms += [scale * per_output * (t[j] - y[j]) ** 2 for j in range(len(t))]
    return sp.Add(*terms)


def gradient_oracle(case: Case) -> dict[str, sp.Expr]:
    """``-eta dE/dp`` for every parameter (``eta = 1`` for code without a learning rate)."""
    E = loss(case)
    rate = ETA if case.uses_lr else sp.S.One
    return {name: -rate * sp.diff(E, real(name)) for name in parameter_names(case)}


# -- the two other recipes, as matrix formulas ---------------------------------------------
def _updates(case: Case, new: dict) -> dict[str, sp.Expr]:
    out = {}
    for l in range(1, len(case.sizes)):
        for w, v in zip(weights(case, l), new[("W", l)], strict=True):
            out[str(w)] = v - w
        if case.bias:
            for b, v in zip(biases(case, l), new[("b", l)], strict=True):
                out[str(b)] = v - b
    return out


def error_at_update_oracle(case: Case) -> dict[str, sp.Expr]:
    """The raw error ``t - y`` sent back through the transposed (old) weights; the derivative
    ``f'(e) = y (1 - y)`` of a layer only in that layer's update (one sample, sigmoid)."""
    (x, t), L = samples(case)[0], len(case.sizes) - 1
    ys = forward(case, x)
    r, new = t - ys[L], {}
    for l in range(L, 0, -1):
        W = weights(case, l)
        local = r.multiply_elementwise(ys[l].applyfunc(lambda y: y * (1 - y)))
        new[("W", l)] = W + ETA * local * ys[l - 1].T
        new[("b", l)] = biases(case, l) + ETA * local
        r = W.T * r
    return _updates(case, new)


def inplace_oracle(case: Case) -> dict[str, sp.Expr]:
    """The gradient recipe of the mean squared error over the outputs, except that each layer
    sends its signal back through its *updated* weights (one sample)."""
    (x, t), L = samples(case)[0], len(case.sizes) - 1
    f, fprime = ACTIVATIONS[case.activation]
    ys = forward(case, x)
    g, new = 2 * (ys[L] - t) / len(t), {}
    for l in range(L, 0, -1):
        W, b = weights(case, l), biases(case, l)
        e = W * ys[l - 1] + b
        d = g.multiply_elementwise(e.applyfunc(fprime))
        new[("W", l)] = W - ETA * d * ys[l - 1].T
        new[("b", l)] = b - ETA * d
        g = new[("W", l)].T * d
    return _updates(case, new)


def online_oracle(case: Case) -> dict[str, sp.Expr]:
    """Gradient steps of ``1/2 sum (t - y)^2`` one sample after the other (online learning):
    each step's update is written in the parameter symbols, then composed with the values
    the previous steps left."""
    symbols = [real(name) for name in parameter_names(case)]
    current = {s: s for s in symbols}
    for x, t in samples(case):
        y = forward(case, x)[-1]
        E = sum((t[j] - y[j]) ** 2 for j in range(len(t))) / 2
        current = {s: current[s] + (-ETA * sp.diff(E, s)).xreplace(current) for s in symbols}
    return {str(s): current[s] - s for s in symbols}


# -- evaluation -------------------------------------------------------------------------------
_MPMATH = {sp.exp: mpmath.exp, sp.log: mpmath.log, sp.tanh: mpmath.tanh, sp.Abs: abs}


def evaluate(expr: sp.Expr, point: dict, dps: int = 40) -> mpmath.mpf:
    """The value of ``expr`` at ``point`` with mpmath, each shared subexpression once."""
    memo: dict = {}

    def ev(e: sp.Basic) -> mpmath.mpf:
        if e in memo:
            return memo[e]
        if e in point:
            out = mpmath.mpf(point[e].p) / point[e].q
        elif e.is_Rational:
            out = mpmath.mpf(int(e.p)) / int(e.q)
        elif e.is_Add:
            out = mpmath.fsum(ev(a) for a in e.args)
        elif e.is_Mul:
            out = mpmath.fprod(ev(a) for a in e.args)
        elif e.is_Pow:
            out = ev(e.args[0]) ** ev(e.args[1])
        elif e.func in _MPMATH:
            out = _MPMATH[e.func](ev(e.args[0]))
        else:
            raise ValueError(f"cannot evaluate {e.func}")
        memo[e] = out
        return out

    with mpmath.workdps(dps):
        return ev(sp.sympify(expr))


def _nodes(exprs: list[sp.Expr]) -> set[sp.Basic]:
    seen: set[sp.Basic] = set()
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if e not in seen:
            seen.add(e)
            stack.extend(e.args)
    return seen


def atom_count(*exprs: sp.Expr) -> int:
    """The number of ``exp``/``tanh`` subexpressions (each shared one counted once)."""
    return sum(1 for e in _nodes(list(exprs)) if e.func in (sp.exp, sp.tanh))


def exactly_equal(a: sp.Expr, b: sp.Expr, point: dict | None = None) -> bool:
    """Whether ``a == b`` exactly at ``point`` (for all values when ``point`` is None).

    Both sides are evaluated, each shared subexpression once, in the field of rational
    functions over QQ whose generators are the symbols not fixed by ``point`` and one symbol per
    distinct ``exp(u)``/``tanh(u)`` (distinct by the canonical value of ``u`` in that field,
    innermost first). Equal field elements are equal expressions (each generator stands for the
    atom's value), so this never says "equal" falsely; it can miss an equality that needs an
    identity of exp or tanh, which the tests do not rely on."""
    point = point or {}
    nodes = _nodes([a, b])
    free = sorted((e for e in nodes if e.is_Symbol and e not in point), key=str)
    atoms = sum(1 for e in nodes if e.func in (sp.exp, sp.tanh))
    K, *gens = sp.polys.fields.field(
        [str(s) for s in free] + [f"u{k}" for k in range(atoms)], sp.QQ
    )
    symbols, table, memo = dict(zip(free, gens, strict=False)), {}, {}

    def ev(e: sp.Basic) -> object:
        if e in memo:
            return memo[e]
        if e in point:
            out = K(sp.QQ(int(point[e].p), int(point[e].q)))
        elif e in symbols:
            out = symbols[e]
        elif e.is_Rational:
            out = K(sp.QQ(int(e.p), int(e.q)))
        elif e.is_Add or e.is_Mul:
            parts = [ev(arg) for arg in e.args]
            out = parts[0]
            for part in parts[1:]:
                out = out + part if e.is_Add else out * part
        elif e.is_Pow and e.args[1].is_Integer:
            out = ev(e.args[0]) ** int(e.args[1])
        elif e.func in (sp.exp, sp.tanh):
            key = (e.func, ev(e.args[0]))
            out = table.setdefault(key, gens[len(free) + len(table)])
        else:
            raise ValueError(f"no exact evaluation of {e.func}")
        memo[e] = out
        return out

    return ev(a) == ev(b)


#: above this many exp/tanh atoms exact comparison is slow (15 s at 8, minutes at 20): 60 digits
MAX_EXACT_ATOMS = 6


def agree(a: sp.Expr, b: sp.Expr, point: dict) -> str:
    """``"exact"`` or ``"60 digits"``: how ``a == b`` at ``point`` was established (an
    AssertionError when it is not)."""
    if atom_count(a, b) <= MAX_EXACT_ATOMS:
        assert exactly_equal(a, b, point)
        return "exact"
    va, vb = evaluate(a, point, 70), evaluate(b, point, 70)
    assert abs(va - vb) <= mpmath.mpf(10) ** -60 * (1 + abs(va)), (va, vb)
    return "60 digits"


# -- the user's code on floats --------------------------------------------------------------
def load_example(stem: str) -> object:
    """The example module, imported as Python would (real NumPy, real floats)."""
    path = EXAMPLES / f"{stem}.py"
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location(f"float_replay_{stem}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    return module


def float_updates(case: Case, point: dict, lr: float | None = None) -> dict[str, float]:
    """``new - old`` of every parameter when the example's step runs on floats at ``point``."""
    value = {str(s): float(v) for s, v in point.items()}
    params = {}
    for l in range(1, len(case.sizes)):
        W = weights(case, l)
        params[f"W{l}"] = np.array([[value[str(W[j, i])] for i in range(W.cols)]
                                    for j in range(W.rows)])  # fmt: skip
        if case.bias:
            params[f"b{l}"] = np.array([value[str(b)] for b in biases(case, l)])
    pairs = samples(case)
    xs = np.array([[value[str(s)] for s in x] for x, _ in pairs])
    ts = np.array([[value[str(s)] for s in t] for _, t in pairs])
    x, t = (xs[0], ts[0]) if case.batch is None else (xs, ts)
    old = {key: array.copy() for key, array in params.items()}
    result = load_example(case.stem).step(params, x, t, value["eta"] if lr is None else lr)
    new = params if result is None else {k: np.asarray(v, dtype=float) for k, v in result.items()}
    out = {}
    for key in old:
        for index, start in np.ndenumerate(old[key]):
            name = (f"w{key[1:]}_{index[0] + 1}_{index[1] + 1}" if key[0] == "W"
                    else f"b{key[1:]}_{index[0] + 1}")  # fmt: skip
            out[name] = float(new[key][index] - start)
    return out
