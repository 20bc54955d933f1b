"""The exported NumPy modules against independent oracles: the scalar rules sample by sample,
central finite differences of the loss, and ``sympy.diff`` of the expanded loss at 60 digits."""

from __future__ import annotations

import ast
import itertools
import warnings
import zlib

import numpy as np
import pytest
import sympy as sp

from symbolic_bp import (
    InputError,
    Network,
    compile_rules,
    derive,
    loss_gradient,
    register,
    unregister,
)
from symbolic_bp.codegen.export import SCALAR_LIMIT, export_source, load_module
from symbolic_bp.conventions import CONVENTIONS, Delta
from symbolic_bp.derive import layer_rules

from .oracles import high_precision

ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus", "x**3/3 + x"]


def random_params(net: Network, rng: np.random.Generator, scale: float = 0.8) -> dict:
    params = {}
    for l in range(1, net.depth + 1):
        params[f"W{l}"] = rng.uniform(-scale, scale, size=(net.sizes[l], net.sizes[l - 1]))
        if net.bias:
            params[f"b{l}"] = rng.uniform(-scale, scale, size=net.sizes[l])
    return params


def by_name(net: Network, params: dict) -> dict[str, float]:
    """``W2[j-1, i-1] -> "w2_j_i"`` (the documented layout)."""
    out = {}
    for name in net.parameter_names():
        l, j, i = net.locate(name)
        out[name] = float(
            params[f"W{l}"][j - 1, i - 1] if i is not None else params[f"b{l}"][j - 1]
        )
    return out


def _cases(full: bool):
    """Every convention x activation x loss x bias (``full``), or a cover of them: every
    convention on two settings, every activation and loss on two conventions."""
    for act, loss, bias in itertools.product(ACTS, ["half_sse", "sse", "cross_entropy"], [0, 1]):
        if loss == "cross_entropy":
            act = f"{act},sigmoid,sigmoid"
        for conv in CONVENTIONS:
            if conv == "output_derivative" and act.startswith("x"):
                continue  # no derivative through the output: refused elsewhere
            cover = (act, loss, bias) in {("sigmoid", "half_sse", 1), ("tanh", "sse", 0)} or (
                conv in ("delta", "error_at_update") and bias == (loss != "sse")
            )
            if full != cover:
                marks = [pytest.mark.slow] if full else []
                yield pytest.param(
                    act, loss, bool(bias), conv, id=f"{act}-{loss}-b{bias}-{conv}", marks=marks
                )


@pytest.mark.parametrize("act,loss,bias,conv", [*_cases(False), *_cases(True)])
def test_batched_step_is_the_mean_of_the_scalar_rules(act, loss, bias, conv):
    """The batched module against the per-parameter scalar rules (``derive`` + ``compile_rules``,
    one sample at a time, averaged): the same numbers for every parameter."""
    net = Network.build([3, 4, 2, 2], act, loss=loss, bias=bias)
    rng = np.random.default_rng(zlib.crc32(f"{act}{loss}{bias}{conv}".encode()))
    params = random_params(net, rng)
    X = rng.uniform(-1, 1, size=(5, 3))
    T = rng.uniform(0.1, 0.9, size=(5, 2))
    loss_value, new = load_module(net, conv).step(params, X, T, 0.3)
    scalar = compile_rules(derive(net, conv))
    flat = by_name(net, params)
    results = [scalar(flat, list(x), list(t), 0.3) for x, t in zip(X, T, strict=True)]
    assert loss_value == pytest.approx(np.mean([r[0] for r in results]), rel=1e-12)
    mean_update = {n: np.mean([r[1][n] - flat[n] for r in results]) for n in flat}
    got = by_name(net, {k: new[k] - params[k] for k in params})
    for n in flat:
        assert got[n] == pytest.approx(mean_update[n], rel=1e-9, abs=1e-12), n


@pytest.mark.parametrize("conv", ["delta", "gradient", "error_at_update", "inplace", "matrix"])
@pytest.mark.parametrize("sizes", [[2, 2, 1], [3, 4, 2, 2]], ids=["2-2-1", "3-4-2-2"])
def test_batch_of_one_is_the_single_sample_rule(conv, sizes):
    """A batch of one through step (straight-line scalar code for small networks) and through
    the batched path gives the single-sample rule."""
    net = Network.build(sizes, "sigmoid", bias=True)
    mod = load_module(net, conv)
    rng = np.random.default_rng(3)
    params = random_params(net, rng)
    X, T = rng.uniform(-1, 1, size=(1, sizes[0])), rng.uniform(size=(1, sizes[-1]))
    loss_a, new_a = mod.step(params, X, T, 0.7)
    loss_b, upd = mod._updates(params, X, T, 0.7)
    flat = by_name(net, params)
    loss_c, new_c = compile_rules(derive(net, conv))(flat, list(X[0]), list(T[0]), 0.7)
    assert loss_a == pytest.approx(loss_c, rel=1e-14) and loss_b == pytest.approx(loss_c, rel=1e-14)
    got_a = by_name(net, new_a)
    got_b = by_name(net, {k: params[k] + upd[k] for k in params})
    for n in flat:
        assert got_a[n] == pytest.approx(new_c[n], rel=1e-13, abs=1e-15)
        assert got_b[n] == pytest.approx(new_c[n], rel=1e-13, abs=1e-15)
    assert hasattr(mod, "_step_one") == (net.parameter_count <= SCALAR_LIMIT)


def _loss(net: Network, mod, params, X, T) -> float:
    """The mean loss from the module's forward pass and the loss's own SymPy term (lambdified
    here, independently of the exporter)."""
    t, y = sp.symbols("t y")
    term = sp.lambdify((t, y), net.loss.term(t, y), "numpy")
    return float(np.mean(np.sum(term(T, mod.forward(params, X)), axis=1)))


@pytest.mark.parametrize("conv", ["gradient", "delta", "matrix", "output_derivative"])
@pytest.mark.parametrize("loss", ["half_sse", "cross_entropy"])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "softplus"])
def test_gradients_match_central_differences(conv, loss, act):
    net = Network.build([3, 5, 4, 2], f"{act},{act},sigmoid", loss=loss, bias=True)
    mod = load_module(net, conv)
    rng = np.random.default_rng(11)
    params = random_params(net, rng)
    X, T = rng.uniform(-1, 1, size=(6, 3)), rng.uniform(0.05, 0.95, size=(6, 2))
    grads = mod.gradients(params, X, T)
    h = 1e-6
    for name, array in params.items():
        for index in np.ndindex(array.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += h
            minus[name][index] -= h
            fd = (_loss(net, mod, plus, X, T) - _loss(net, mod, minus, X, T)) / (2 * h)
            assert grads[name][index] == pytest.approx(fd, rel=1e-6, abs=1e-9), (name, index)


@pytest.mark.parametrize("conv", ["delta", "gradient", "error_at_update"])
def test_gradients_match_the_loss_derivative_at_high_precision(conv):
    """Against ``-dE/dp`` by ``sympy.diff`` of the whole expanded loss, evaluated with mpmath at
    60 digits at a seeded point: the float64 module is right to rounding where the convention
    is the gradient, and visibly off where it is not (``error_at_update`` below the output)."""
    net = Network.build([2, 3, 2], "sigmoid", bias=True)
    mod = load_module(net, conv)
    rng = np.random.default_rng(5)
    params = random_params(net, rng)
    X, T = rng.uniform(-1, 1, size=(1, 2)), rng.uniform(size=(1, 2))
    grads = by_name(net, mod.gradients(params, X, T))
    point = {net.x(i + 1): sp.Float(X[0, i], 30) for i in range(2)}
    point.update({net.t(j + 1): sp.Float(T[0, j], 30) for j in range(2)})
    point.update({net.eta: sp.S.One})
    for p, v in by_name(net, params).items():
        point[sp.Symbol(p, real=True)] = sp.Float(v, 30)
    off = []
    for p, minus_grad in loss_gradient(net).items():
        exact = -float(high_precision(minus_grad.xreplace(point)))
        if abs(grads[p.name] - exact) > 1e-12 * max(1.0, abs(exact)):
            off.append(p.name)
    if conv == "error_at_update":
        assert off and all(n.startswith(("w1_", "b1_")) for n in off)
    else:
        assert off == []


class _HalvedBack(Delta):
    """A deliberately wrong recipe: the signal sent back is halved."""

    name = "halved_back_test"

    def hidden_signal(self, net, l, j, upstream):
        return super().hidden_signal(net, l, j, upstream) / 2


def test_a_wrong_recipe_fails_the_finite_difference_check():
    """The gradient check is not a rubber stamp: a halved backward signal is caught."""
    register(_HalvedBack(), replace=True)
    try:
        net = Network.build([2, 3, 1], "sigmoid", bias=True)
        mod = load_module(net, "halved_back_test")
        rng = np.random.default_rng(2)
        params = random_params(net, rng)
        X, T = rng.uniform(-1, 1, size=(3, 2)), rng.uniform(size=(3, 1))
        grads = mod.gradients(params, X, T)
        h = 1e-6
        plus = {k: v.copy() for k, v in params.items()}
        minus = {k: v.copy() for k, v in params.items()}
        plus["W1"][0, 0] += h
        minus["W1"][0, 0] -= h
        fd = (_loss(net, mod, plus, X, T) - _loss(net, mod, minus, X, T)) / (2 * h)
        assert grads["W1"][0, 0] == pytest.approx(fd / 2, rel=1e-6)
        assert grads["W1"][0, 0] != pytest.approx(fd, rel=1e-3)
    finally:
        unregister("halved_back_test")


SAFE = ["delta", "gradient", "matrix", "output_derivative", "inplace", "delta_flipped"]


@pytest.mark.parametrize("batch", [1, 8])
@pytest.mark.parametrize("loss", ["half_sse", "cross_entropy"])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "softplus", "relu"])
@pytest.mark.parametrize("conv", SAFE)
def test_finite_without_warnings_at_magnitude_1000(conv, act, loss, batch):
    net = Network.build([3, 4, 2], f"{act},sigmoid", loss=loss, bias=True)
    mod = load_module(net, conv)
    rng = np.random.default_rng(0)
    params = random_params(net, rng, 1.0)
    X = rng.choice([-1000.0, 1000.0], size=(batch, 3))
    T = rng.choice([0.0, 1.0], size=(batch, 2))
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss_value, new = mod.step(params, X, T, 0.5)
        grads = mod.gradients(params, X, T)
        out = mod.forward(params, X)
    assert np.isfinite(loss_value) and np.isfinite(out).all()
    assert all(np.isfinite(v).all() for v in [*new.values(), *grads.values()])


def test_module_imports_only_numpy_and_math():
    source = export_source(Network.build([2, 2, 1], "softplus,sigmoid", bias=True), "delta")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported == {"numpy", "math"}
    big = export_source(Network.build([20, 10, 2], "sigmoid"), "delta")
    assert "import math" not in big and "def _step_one" not in big


def test_docstring_names_network_convention_and_loss():
    net = Network.build([4, 3, 2], "tanh,sigmoid", loss="cross_entropy", bias=True)
    doc = ast.get_docstring(ast.parse(export_source(net, "error_at_update")))
    assert "4-3-2" in doc and "tanh,sigmoid" in doc and "error_at_update" in doc
    assert "cross_entropy" in doc and "Delta w[1, j, i]" in doc


def test_export_is_deterministic_and_independent_of_widths_cost():
    net = Network.build([784, 128, 10], "sigmoid", bias=True)
    assert export_source(net, "delta") == export_source(net, "delta")
    # the layer-level rules do not depend on the widths
    small = Network.build([2, 3, 4], "sigmoid", bias=True)
    assert layer_rules(net, "delta").signals == layer_rules(small, "delta").signals


def test_generic_activation_refused():
    with pytest.raises(InputError, match="concrete activations"):
        export_source(Network.build([2, 2, 1]), "delta")


class _Tangled(Delta):
    """A recipe with no matrix form: sin(e_k + e_j) couples both indices inside the sum."""

    name = "tangled_test"

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: sp.sin(net.e(l + 1, k) + net.e(l, j)) * upstream[k])


def test_recipe_without_matrix_form_is_a_one_line_error():
    register(_Tangled(), replace=True)
    try:
        with pytest.raises(InputError, match="matrix") as info:
            export_source(Network.build([2, 2, 1], "sigmoid"), "tangled_test")
        assert "\n" not in str(info.value)
    finally:
        unregister("tangled_test")


class _Transposed(Delta):
    """Reads the upper weights transposed, w[l+1, j, k] (wrong, but defined on square layers):
    the exporter must write W.T, not W."""

    name = "transposed_test"

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, j, k) * upstream[k]) * net.fprime(l, j)


def test_transposed_weights_are_exported_as_transposes():
    register(_Transposed(), replace=True)
    try:
        net = Network.build([2, 2, 2, 2], "sigmoid", bias=True)
        assert "W3T = W3.T" in export_source(net, "transposed_test")
        rng = np.random.default_rng(4)
        params = random_params(net, rng)
        X, T = rng.uniform(-1, 1, size=(3, 2)), rng.uniform(size=(3, 2))
        _, new = load_module(net, "transposed_test").step(params, X, T, 0.3)
        scalar = compile_rules(derive(net, "transposed_test"))
        flat = by_name(net, params)
        results = [scalar(flat, list(x), list(t), 0.3) for x, t in zip(X, T, strict=True)]
        got = by_name(net, {k: new[k] - params[k] for k in params})
        for n in flat:
            want = np.mean([r[1][n] - flat[n] for r in results])
            assert got[n] == pytest.approx(want, rel=1e-9, abs=1e-12), n
    finally:
        unregister("transposed_test")


class _Lettered(Delta):
    """``delta`` under another signal letter (set per test)."""

    name = "lettered_test"


@pytest.mark.parametrize("letter", ["c", "u", "dW", "db", "s", "W", "lse"])
def test_any_signal_letter_exports_the_same_numbers(letter):
    """The generated code's own names (contractions ``c1``, common subexpressions ``u1``,
    updates ``dW1``, ``db1``) never clash with a recipe's signal names."""
    conv = type("Lettered", (_Lettered,), {"letter": letter})()
    register(conv, replace=True)
    try:
        net = Network.build([3, 4, 2, 2], "sigmoid", bias=True)
        updates = next(
            node
            for node in ast.walk(ast.parse(export_source(net, "lettered_test")))
            if isinstance(node, ast.FunctionDef) and node.name == "_updates"
        )
        assigned = [
            target.id
            for node in ast.walk(updates)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        ]
        assert len(assigned) == len(set(assigned)), assigned  # every name means one thing
        rng = np.random.default_rng(5)
        params = random_params(net, rng)
        X, T = rng.uniform(-1, 1, size=(4, 3)), rng.uniform(size=(4, 2))
        loss, new = load_module(net, "lettered_test").step(params, X, T, 0.3)
        want_loss, want = load_module(net, "delta").step(params, X, T, 0.3)
        assert loss == pytest.approx(want_loss, rel=1e-14)
        for name in want:
            np.testing.assert_allclose(new[name], want[name], rtol=1e-13, atol=1e-15)
    finally:
        unregister("lettered_test")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function without overflow at any magnitude (an oracle independent of the
    exporter's forms)."""
    return np.exp(-np.logaddexp(0.0, -z))


def _reference_delta(params: dict, X: np.ndarray, T: np.ndarray, lr: float) -> tuple:
    """A hand-written step of ``delta`` for sigmoid layers, half_sse, biases."""
    depth = len(params) // 2
    ys = [X]
    for l in range(1, depth + 1):
        ys.append(_sigmoid(ys[-1] @ params[f"W{l}"].T + params[f"b{l}"]))
    y = ys[-1]
    loss = 0.5 * np.sum((T - y) ** 2) / len(X)
    new, delta = {}, (T - y) * y * (1.0 - y)
    for l in range(depth, 0, -1):
        new[f"W{l}"] = params[f"W{l}"] + lr / len(X) * (delta.T @ ys[l - 1])
        new[f"b{l}"] = params[f"b{l}"] + lr / len(X) * delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"]) * ys[l - 1] * (1.0 - ys[l - 1])
    return loss, new


@pytest.mark.parametrize("scale", [1.0, 800.0, 1e4], ids=["moderate", "800", "1e4"])
def test_in_place_step_equals_the_reference_without_warnings(scale):
    """The in-place step against a hand-written one on random data, also where every net input
    is of magnitude 800 or more (saturated sigmoids), with every floating-point warning an
    error."""
    net = Network.build([6, 5, 4, 3], "sigmoid", bias=True)
    rng = np.random.default_rng(8)
    params = random_params(net, rng, 1.0)
    X = scale * rng.choice([-1.0, 1.0], size=(7, 6)) * rng.uniform(1.0, 2.0, size=(7, 6))
    T = rng.uniform(size=(7, 3))
    mod = load_module(net, "delta")
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        loss, new = mod.step(params, X, T, 0.4)
    want_loss, want = _reference_delta(params, X, T, 0.4)
    assert loss == pytest.approx(want_loss, rel=1e-12, abs=1e-300)
    for name in want:
        np.testing.assert_allclose(new[name], want[name], rtol=1e-12, atol=1e-15)


def test_work_arrays_are_reused_without_aliasing():
    """Two batch sizes in turn, and the same call twice: every result is the reference's, and
    a result already returned is never changed by a later call (the work arrays are the
    module's; what it returns is fresh)."""
    net = Network.build([5, 4, 3], "sigmoid", bias=True)
    mod = load_module(net, "delta")
    rng = np.random.default_rng(9)
    params = random_params(net, rng)
    data = [(rng.uniform(-1, 1, size=(b, 5)), rng.uniform(size=(b, 3))) for b in (6, 3, 6, 1, 3)]
    results = [mod.step(params, X, T, 0.5) for X, T in data]
    kept = [(loss, {k: v.copy() for k, v in new.items()}) for loss, new in results]
    again = mod.step(params, *data[0], 0.5)
    for (X, T), (loss, new), (loss_kept, new_kept) in zip(data, results, kept, strict=True):
        want_loss, want = _reference_delta(params, X, T, 0.5)
        assert loss == loss_kept == pytest.approx(want_loss, rel=1e-13)
        for name in want:
            np.testing.assert_array_equal(new[name], new_kept[name])  # not overwritten
            np.testing.assert_allclose(new[name], want[name], rtol=1e-12, atol=1e-15)
    assert again[0] == results[0][0]
    for name in again[1]:
        np.testing.assert_array_equal(again[1][name], results[0][1][name])
        assert not np.shares_memory(again[1][name], results[0][1][name])
    grads = mod.gradients(params, *data[1])
    assert all(not np.shares_memory(grads[n], again[1][n]) for n in grads)


def test_forward_pass_signals_and_loss_are_written_in_place():
    """The forward pass of the step (matrix products, activations), the loss and the signals
    are done in place (``out=``) in the module's work arrays: before the first update, every
    statement is a NumPy call with ``out=``, a ``del``, the guarded ``exp`` of sigmoid's form, or
    a scalar. The scale ``lr/batch`` goes on the smaller of the ``(batch, n_l)`` operand and the
    ``(n_l, n_{l-1})`` product, chosen at run time (both ways are checked against the reference
    in ``test_work_arrays_are_reused_without_aliasing``: batches below and above the widths)."""
    source = export_source(Network.build([64, 64, 64, 10], "sigmoid", bias=True), "delta")
    body = source.split("def _updates")[1].split("\ndef ")[0]
    assert "numpy.exp(y1, out=y1)" in body and "out=work['e1']" in body and "tanh" not in body
    statements = [s.strip() for s in body.split("\n")[2:] if s.strip()]
    before = statements[: next(i for i, s in enumerate(statements) if s.startswith("scaled_"))]
    scalars = ("batch = ", "inv_batch = ", "lr_mean = ", "loss = ", "work = ", "W", "b")
    for line in before:
        fresh = not line.startswith(("del ", "#", 'with numpy.errstate(over="ignore"):', *scalars))
        assert not fresh or line.endswith(")") and "out=" in line or "+=" in line, line
    assert 'with numpy.errstate(over="ignore"):\n        numpy.exp(y1, out=y1)' in body
    assert "loss = 1/2 * numpy.vdot(r_loss, r_loss)" in body
    assert "if batch < 64 else d3\n" in body and "if batch >= 64:" in body
    assert "    if batch >= 64:" in body and "        dW3 *= lr_mean" in body


def test_in_place_sigmoid_keeps_its_tail_exact():
    """Sigmoid in the step is ``1/(1 + exp(-e))``: at ``e = -60`` its value ``8.8e-27`` (which
    ``(1 + tanh(e/2))/2`` rounds to 0) and so the update of a saturated neuron come out to a
    few ulps of the exact value (``mpmath`` at 50 digits), and ``e = -800`` gives exactly 0."""
    import mpmath

    net = Network.build([9, 8], "sigmoid", bias=True)  # 80 parameters: the vectorised step
    assert net.parameter_count > SCALAR_LIMIT
    mod = load_module(net, "delta")
    params = {"W1": np.zeros((8, 9)), "b1": np.linspace(-60.0, -800.0, 8)}
    X, T = np.zeros((1, 9)), np.ones((1, 8))
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        grads = mod.gradients(params, X, T)  # -Delta b / lr: the update itself is below b's ulp
    mpmath.mp.dps = 50
    for b, got in zip(params["b1"], -grads["b1"], strict=True):
        y = 1 / (1 + mpmath.exp(-mpmath.mpf(b)))
        want = (1 - y) * y * (1 - y)  # delta = (t - y) y (1 - y), t = 1, batch of one
        assert got == pytest.approx(float(want), rel=1e-14, abs=0.0) or (b < -745 and got == 0)
    assert -grads["b1"][0] > 0
