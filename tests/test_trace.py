"""``symbolic_bp.trace``: a learner's own code, run unchanged on symbolic values.

For every learner-style file in ``tests/check_examples``: (1) the traced update at a point is
what the code computes on floats there (the tracer is faithful); (2) for the correct files it is
``-eta dE/dp`` of a loss written out in ``trace_oracles`` and differentiated by SymPy, exactly
at rational points (every ``exp``/``tanh`` an independent symbol, the difference cancelled as a
rational function); (3) the recipes that are not the gradient equal their own formula exactly
and differ from the gradient where they should; the deliberately wrong files differ from the
gradient at a point. Then every error, the restoration of the interpreter, and determinism.
"""

from __future__ import annotations

import builtins
import math
import random
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symbolic_bp.trace
from symbolic_bp.errors import InputError
from symbolic_bp.model.network import Network
from symbolic_bp.trace import Symbolic, Trace, TraceError, TraceTimeout, step_arguments, trace_step

from .trace_oracles import (
    ETA,
    EXAMPLES,
    Case,
    agree,
    error_at_update_oracle,
    evaluate,
    exactly_equal,
    float_updates,
    gradient_oracle,
    inplace_oracle,
    online_oracle,
    rational_point,
)

BOOK = Case("book_expit_class", (3, 3, 3), recipe="error_at_update")
MINIBATCH = Case("minibatch_class", (2, 2, 2), bias=True, batch=2)
#: the 2-3-2-2 mini-batch network of the timings: checked for faithfulness (sympy.diff of its
#: loss takes seconds)
MINIBATCH_DEEP = Case("minibatch_class", (2, 3, 2, 2), bias=True, batch=3)
NEURONS = Case("neuron_objects", (2, 2, 2), bias=True)
DICTS = Case("list_of_dicts", (2, 3, 2), bias=True)
ELEVEN = Case("eleven_lines", (3, 4, 1), batch=4, reduction="sum", uses_lr=False)
LAYERS = Case("layers_right_order", (2, 3, 2), bias=True, activation="tanh", loss="mse")
UPDATE_FIRST = Case(
    "layers_update_first", (2, 3, 2), bias=True, activation="tanh", loss="mse", recipe="inplace"
)
MICROGRAD = Case("micrograd_style", (2, 3, 1), bias=True)
MISSING_DERIVATIVE = Case("wrong_missing_derivative", (2, 3, 2), bias=True, batch=2, recipe="wrong")
TRANSPOSED = Case(
    "wrong_transposed_weight", (3, 3, 3), batch=2, reduction="sum", uses_lr=False, recipe="wrong"
)
SIGN = Case("wrong_sign", (2, 2, 1), bias=True, recipe="wrong")
NO_BIAS_UPDATE = Case("wrong_forgotten_bias", (2, 2, 2), bias=True, recipe="wrong")
NET_INPUT = Case("wrong_derivative_of_net_input", (2, 3, 2), bias=True, loss="mse", recipe="wrong")

CORRECT = [MINIBATCH, NEURONS, DICTS, ELEVEN, LAYERS, MICROGRAD]
RECIPES = [BOOK, UPDATE_FIRST]
WRONG = [MISSING_DERIVATIVE, TRANSPOSED, SIGN, NO_BIAS_UPDATE, NET_INPUT]


def ids(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.stem) for c in cases]


_TRACES: dict[Case, Trace] = {}


def traced(case: Case) -> Trace:
    """The trace of a case (cached: several tests read the same one)."""
    if case.stem == "book_expit_class":
        pytest.importorskip("scipy")
    if case not in _TRACES:
        net = Network.build(list(case.sizes), bias=case.bias)
        _TRACES[case] = trace_step(case.path, net, batch=case.batch)
    return _TRACES[case]


# -- (1) faithful: the traced update is what the code computes on floats ---------------------
@pytest.mark.parametrize(
    "case", [*ids(CORRECT + RECIPES + WRONG), pytest.param(MINIBATCH_DEEP, id="minibatch-2-3-2-2")]
)
def test_traced_update_is_what_the_code_computes_on_floats(case):
    trace = traced(case)
    for seed in (1, 2):
        point = rational_point(case, seed)
        floats = float_updates(case, point)
        assert set(floats) == set(trace.updates)
        for name, update in trace.updates.items():
            assert float(evaluate(update, point)) == pytest.approx(
                floats[name], rel=1e-9, abs=1e-12
            )


def test_online_updates_over_samples_are_faithful_and_sequential_gradient_steps():
    case = Case("list_of_dicts", (2, 3, 2), bias=True, batch=2)
    trace = traced(case)
    point = rational_point(case, 3)
    floats = float_updates(case, point)
    online = online_oracle(case)
    for name, update in trace.updates.items():
        value = evaluate(update, point)
        assert float(value) == pytest.approx(floats[name], rel=1e-9, abs=1e-12)
        assert abs(value - evaluate(online[name], point)) < 1e-30


# -- (2) the correct ones are the gradient ------------------------------------------------------
@pytest.mark.parametrize("case", ids(CORRECT))
def test_correct_code_is_the_gradient_at_rational_points(case):
    """Exactly where the expressions are small enough (every single-sample file; the output
    layers of the batch files), else to 60 digits."""
    trace, oracle = traced(case), gradient_oracle(case)
    assert set(trace.updates) == set(oracle)
    how = {agree(update, oracle[name], rational_point(case, seed))
           for seed in (4, 5) for name, update in trace.updates.items()}  # fmt: skip
    assert how == {"exact"} if case.batch is None else how <= {"exact", "60 digits"}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(Case("neuron_objects", (1, 1, 1), bias=True), id="neuron_objects"),
        pytest.param(Case("micrograd_style", (1, 2, 1), bias=True), id="micrograd_style"),
        pytest.param(
            Case("layers_right_order", (1, 1, 2), bias=True, activation="tanh", loss="mse"),
            id="layers_right_order",
        ),
        pytest.param(
            Case("eleven_lines", (1, 2, 1), batch=2, reduction="sum", uses_lr=False),
            id="eleven_lines",
        ),
    ],
)
def test_correct_code_is_the_gradient_symbolically_on_small_networks(case):
    trace, oracle = traced(case), gradient_oracle(case)
    for name, update in trace.updates.items():
        assert exactly_equal(update, oracle[name]), name


def test_code_without_a_learning_rate_ignores_lr():
    trace = traced(ELEVEN)
    assert all(ETA not in u.free_symbols for u in trace.updates.values())
    numeric = trace_step(ELEVEN.path, Network.build(list(ELEVEN.sizes)), batch=4, lr=0.25)
    assert numeric.lr == sp.Rational(1, 4)
    assert numeric.updates == trace.updates


def test_a_numeric_learning_rate_is_exact():
    trace = trace_step(NEURONS.path, Network.build([2, 2, 2], bias=True), lr=0.1)
    oracle = gradient_oracle(NEURONS)
    point = rational_point(NEURONS, 6)
    point.pop(ETA)
    for name, update in trace.updates.items():
        assert exactly_equal(update, oracle[name].subs(ETA, sp.Rational(1, 10)), point)


# -- (3) recipes that are not the gradient, and wrong code ---------------------------------
def _differs(a: sp.Expr, b: sp.Expr, point: dict) -> bool:
    return abs(evaluate(a, point) - evaluate(b, point)) > 1e-9


@pytest.mark.parametrize(
    ("case", "recipe"),
    [
        pytest.param(BOOK, error_at_update_oracle, id="book-is-error_at_update"),
        pytest.param(UPDATE_FIRST, inplace_oracle, id="update_first-is-inplace"),
    ],
)
def test_recipe_is_its_formula_and_differs_from_the_gradient_below_the_output(case, recipe):
    trace, formula, gradient = traced(case), recipe(case), gradient_oracle(case)
    point = rational_point(case, 7)
    for name, update in trace.updates.items():
        assert agree(update, formula[name], point) == "exact", name
        if name.startswith(("w2", "b2")):  # the output layer follows the gradient
            assert exactly_equal(update, gradient[name], point), name
        else:
            assert _differs(update, gradient[name], point), name


@pytest.mark.parametrize(
    ("case", "equal"),
    [
        pytest.param(MISSING_DERIVATIVE, (), id="missing_derivative"),
        pytest.param(TRANSPOSED, ("w2",), id="transposed_weight"),
        pytest.param(SIGN, (), id="wrong_sign"),
        pytest.param(NO_BIAS_UPDATE, ("w",), id="forgotten_bias"),
        pytest.param(NET_INPUT, (), id="derivative_of_net_input"),
    ],
)
def test_wrong_code_differs_from_the_gradient_at_a_point(case, equal):
    """Every parameter whose name does not start with one of ``equal`` differs at the point;
    those that do are still exactly right."""
    trace, gradient = traced(case), gradient_oracle(case)
    point = rational_point(case, 8)
    for name, update in trace.updates.items():
        if name.startswith(equal):
            assert agree(update, gradient[name], point), name
        else:
            assert _differs(update, gradient[name], point), name


def test_wrong_sign_is_exactly_the_negated_gradient():
    trace, gradient = traced(SIGN), gradient_oracle(SIGN)
    point = rational_point(SIGN, 9)
    assert all(agree(u, -gradient[n], point) == "exact" for n, u in trace.updates.items())


def test_forgotten_bias_update_is_zero():
    updates = traced(NO_BIAS_UPDATE).updates
    assert [updates[n] for n in updates if n.startswith("b")] == [0, 0, 0, 0]


# -- errors: one line, naming the file and the line ------------------------------------------
NET = Network.build([2, 2])

#: (source, the line the error must name, a fragment of the message)
ERRORS = {
    "branch": ("def step(params, x, t, lr):\n    y = params['W1'] @ x\n    if y[0] > 0.5:\n"
               "        params['W1'] += lr\n", 3, "comparison >"),
    "max": ("def step(params, x, t, lr):\n    y = max(0, x[0])\n    return params\n", 2,
            "comparison"),
    "np-maximum": ("import numpy as np\n\ndef step(params, x, t, lr):\n"
                   "    y = np.maximum(0, params['W1'] @ x)\n", 4, "comparison"),
    "truth": ("def step(params, x, t, lr):\n    if x[0]:\n        pass\n", 2, "branch"),
    "float": ("def step(params, x, t, lr):\n    v = float(x[0])\n", 2, "float()"),
    "int": ("def step(params, x, t, lr):\n    v = int(x[0] * lr)\n", 2, "int()"),
    "float-array": ("import numpy as np\n\ndef step(params, x, t, lr):\n"
                    "    d = np.array([0.0, 0.0])\n    d[0] = x[0]\n", 5, "float()"),
    "ufunc": ("import numpy as np\n\ndef step(params, x, t, lr):\n"
              "    y = np.logaddexp(0, params['W1'] @ x)\n", 4, "logaddexp has no loop"),
    "no-method": ("import numpy as np\n\ndef step(params, x, t, lr):\n"
                  "    y = np.cbrt(x)\n", 4, "cbrt has no loop"),
    "user-exception": ("def step(params, x, t, lr):\n    return params['w1']\n", 2,
                       "KeyError: 'w1'"),
    "missing-key": ("def step(params, x, t, lr):\n    return {}\n", 1, "no W1"),
    "extra-key": ("def step(params, x, t, lr):\n    return {**params, 'W2': 0}\n", 1,
                  "extra keys 'W2'"),
    "shape": ("def step(params, x, t, lr):\n    return {'W1': params['W1'][:1]}\n", 1,
              "shape (1, 2); expected shape (2, 2)"),
    "ragged": ("def step(params, x, t, lr):\n    return {'W1': [[1, 2], [3]]}\n", 1,
               "W1 with shape (2,); expected shape (2, 2)"),
    "entry": ("def step(params, x, t, lr):\n    return {'W1': [['a', 1], [2, 3]]}\n", 1,
              "W1[0, 0] = 'a', not a number"),
    "tuple": ("def step(params, x, t, lr):\n    return params['W1'], None\n", 1,
              "returned a tuple"),
    "unchanged": ("def step(params, x, t, lr):\n    W = params['W1']\n    W = W - lr\n", 1,
                  "left params unchanged"),
    "signature": ("def step(params, x):\n    return params\n", 1, "four arguments"),
    "not-callable": ("step = 3\n", None, "not a function"),
    "no-function": ("def train(params):\n    pass\n", None, "defines no function 'step'"),
    "syntax": ("def step(params, x, t, lr)\n    pass\n", 1, "syntax error"),
    "top-level": ("import numpy as np\nimport not_a_module_anywhere\n\n"
                  "def step(params, x, t, lr):\n    pass\n", 2, "ModuleNotFoundError"),
    "exit": ("import sys\n\ndef step(params, x, t, lr):\n    sys.exit(1)\n", 4, "exit()"),
    "dropout": ("import numpy as np\n\ndef step(params, x, t, lr):\n"
                "    mask = np.random.rand(2, 2) < 0.5\n"
                "    params['W1'] -= lr * mask * (params['W1'] @ x - t)[:, None] * x\n", 4,
                "depends on this random draw"),
    "reinitialise": ("import numpy as np\n\nclass Net:\n    def __init__(self, W):\n"
                     "        self.W = W\n\n    def reset(self):\n"
                     "        self.W = np.random.randn(*self.W.shape)\n\n"
                     "def step(params, x, t, lr):\n    net = Net(params['W1'])\n"
                     "    net.reset()\n"
                     "    return {'W1': net.W - lr * np.outer(net.W @ x - t, x)}\n",
                     8, "depends on this random draw"),
    "python-random": ("import random\n\ndef step(params, x, t, lr):\n"
                      "    keep = random.random() < 0.5\n"
                      "    return {'W1': params['W1'] * keep}\n", 4, "random draw"),
    "seeded-generator": ("import numpy as np\n\ndef step(params, x, t, lr):\n"
                         "    rng = np.random.default_rng(42)\n"
                         "    noise = rng.normal(size=(2, 2))\n"
                         "    return {'W1': params['W1'] + lr * noise}\n", 5, "random draw"),
}  # fmt: skip


def write(tmp_path: Path, source: str, name: str = "mystep.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


@pytest.mark.parametrize(
    ("source", "line", "fragment"), [pytest.param(*v, id=k) for k, v in ERRORS.items()]
)
def test_untraceable_code_gets_one_line_naming_file_and_line(
    tmp_path, monkeypatch, source, line, fragment
):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, source)
    with pytest.raises(TraceError) as info:
        trace_step(path, NET, time_limit=20)
    message = str(info.value)
    assert "\n" not in message and fragment in message, message
    where = "mystep.py" if line is None else f"mystep.py:{line}:"
    assert message.startswith(where), message
    assert info.value.line == line and Path(info.value.path).name == "mystep.py"


def test_missing_file_and_bad_options():
    with pytest.raises(TraceError, match=r"^nowhere/step\.py: no such file"):
        trace_step("nowhere/step.py", NET)
    with pytest.raises(TraceError, match="is a directory"):
        trace_step(EXAMPLES, NET)
    for bad in ({"batch": 0}, {"batch": True}, {"lr": "fast"}, {"lr": float("nan")},
                {"time_limit": -1}):  # fmt: skip
        with pytest.raises(InputError):
            trace_step(lambda params, x, t, lr: params, NET, **bad)


def test_syntax_error_in_a_local_module_names_that_module(tmp_path):
    write(tmp_path, "def helper(:\n    pass\n", "broken_helper.py")
    path = write(tmp_path, "import broken_helper\n\ndef step(params, x, t, lr):\n    pass\n")
    expected = r"broken_helper\.py:1: `def helper\(:`: syntax error"
    with pytest.raises(TraceError, match=expected) as info:
        trace_step(path, NET)
    assert info.value.line == 1


def test_time_limit_interrupts_a_loop(tmp_path):
    path = write(tmp_path, "def step(params, x, t, lr):\n    while True:\n        pass\n")
    with pytest.raises(TraceTimeout, match=r"mystep\.py:2: .*within 0\.3 s"):
        trace_step(path, NET, time_limit=0.3)


def test_time_limit_outside_the_main_thread_stops_symbolic_work(tmp_path):
    """No SIGALRM there: the symbolic arithmetic checks the deadline itself."""
    path = write(tmp_path, "def step(params, x, t, lr):\n    v = x[0]\n    while True:\n"
                 "        v = v * x[1] + lr\n")  # fmt: skip
    caught: list = []

    def run() -> None:
        try:
            trace_step(path, NET, time_limit=0.3)
        except TraceTimeout as exc:
            caught.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(20)
    assert caught and "mystep.py:4:" in str(caught[0])


def test_randomness_the_update_does_not_depend_on_is_accepted(tmp_path):
    """Random initial weights overwritten by params (the book's class draws them), a seeded
    shuffle of one sample, a random number that is printed."""
    path = write(
        tmp_path,
        """\
        import random
        import numpy as np

        np.random.seed(0)
        INIT = np.random.randn(2, 2)

        def step(params, x, t, lr):
            W = np.random.randn(2, 2)
            W = params['W1']
            samples = [(x, t)]
            random.shuffle(samples)
            print(random.random())
            for xs, ts in samples:
                W = W - lr * np.outer(W @ xs - ts, xs)
            return {'W1': W}
        """,
    )
    trace = trace_step(path, NET)
    assert trace.updates["w1_1_1"] == -ETA * sp.Symbol("x_1", real=True) * (
        sp.Symbol("w1_1_1", real=True) * sp.Symbol("x_1", real=True)
        + sp.Symbol("w1_1_2", real=True) * sp.Symbol("x_2", real=True)
        - sp.Symbol("t_1", real=True)
    )


# -- the run: what the code sees, and what is put back ----------------------------------------
def test_the_file_runs_like_an_import(tmp_path):
    write(tmp_path, "COUNT = [0]\n", "counter_helper.py")
    path = write(
        tmp_path,
        """\
        import counter_helper
        counter_helper.COUNT[0] += 1
        NAME = __name__

        if __name__ == "__main__":
            raise SystemExit("the main block must not run")

        def step(params, x, t, lr):
            print(NAME, counter_helper.COUNT[0])
            params['W1'] -= lr * x[0]
        """,
    )
    trace = trace_step(path, NET)
    assert trace.output == "mystep 1\n"  # fresh local modules in every run, no __main__ block
    assert trace.in_place and trace.function == "step" and trace.path == path.resolve()
    assert "mystep" not in sys.modules and "counter_helper" not in sys.modules


def test_another_function_name_and_a_callable():
    def learn(params, x, t, lr):
        return {"W1": params["W1"] - lr * np.outer(params["W1"] @ x - t, x)}

    by_callable = trace_step(learn, NET)
    by_file = trace_step(EXAMPLES / "list_of_dicts.py", Network.build([2, 2], bias=True))
    assert by_callable.function == "learn" and by_callable.path == Path(__file__)
    assert not by_callable.in_place
    with pytest.raises(TraceError, match="defines no function 'learn'"):
        trace_step(EXAMPLES / "list_of_dicts.py", NET, function="learn")
    assert set(by_file.updates) == {"w1_1_1", "w1_1_2", "b1_1", "w1_2_1", "w1_2_2", "b1_2"}


def test_trace_fields():
    trace = traced(MINIBATCH_DEEP)
    assert trace.batch == 3 and trace.lr == ETA and trace.network.sizes == (2, 3, 2, 2)
    assert list(trace.updates) == trace.network.parameter_names() == list(trace.parameters)
    assert np.array(trace.x).shape == (3, 2) and str(trace.x[2][1]) == "x3_2"
    assert np.array(trace.t).shape == (3, 2) and trace.t[0][0].is_real
    symbols = trace.symbols()
    assert len(symbols) == 6 + 6 + 23 + 1 and symbols[-1] == ETA
    assert "23 updates" in repr(trace) and "minibatch_class.py" in repr(trace)


def _interpreter_state() -> dict:
    return {
        "numpy": (np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.full_like),
        "math": (math.exp, math.log, math.tanh),
        "import": builtins.__import__,
        "random": (
            random.seed,
            random.Random,
            np.random.seed,
            np.random.RandomState,
            np.random.default_rng,
            np.random.PCG64,
        ),  # fmt: skip
        "states": (random.getstate(), repr(np.random.get_state())),
        "sys": (
            list(sys.path),
            sys.stdout,
            sys.dont_write_bytecode,
            sys.gettrace(),
            sys.getprofile(),
        ),  # fmt: skip
        "signal": (signal.getsignal(signal.SIGALRM), signal.getitimer(signal.ITIMER_REAL)),
        "warnings": list(warnings.filters),
        "globals": (globals()["np"], globals()["math"]),
    }


@pytest.mark.parametrize("source", ["ok", "branch", "ufunc", "dropout", "syntax", "timeout"])
def test_the_interpreter_is_restored(tmp_path, source):
    texts = {
        "ok": "import numpy as np\nfrom math import exp\n\ndef step(params, x, t, lr):\n"
              "    z = np.zeros(2)\n    z[0] = exp(x[0])\n    params['W1'] += z[0]\n",
        "timeout": "def step(params, x, t, lr):\n    while True:\n        pass\n",
    }  # fmt: skip
    path = write(tmp_path, texts.get(source) or ERRORS[source][0])
    before = _interpreter_state()
    try:
        trace_step(path, NET, time_limit=0.5)
    except TraceError:
        assert source != "ok"
    assert _interpreter_state() == before


def test_the_callers_modules_see_the_shims_only_while_step_runs():
    seen = []

    def step(params, x, t, lr):
        seen.append((np.zeros(1)[0], math.exp(x[0])))
        params["W1"] -= lr

    trace_step(step, NET)
    assert isinstance(seen[0][0], Symbolic) and str(seen[0][1]) == "exp(x_1)"
    assert np.zeros(1).dtype == float and np is sys.modules["numpy"]


def test_tracing_is_deterministic():
    """The same file twice gives the same expressions (also the autograd engine, whose
    topological order follows a set of objects hashed by their address)."""
    for case in (MICROGRAD, DICTS):
        again = trace_step(case.path, Network.build(list(case.sizes), bias=case.bias))
        assert again.updates == traced(case).updates


@pytest.mark.slow
def test_tracing_is_deterministic_across_processes():
    script = ("import sys; from symbolic_bp.model.network import Network; "
              "from symbolic_bp.trace import trace_step; "
              f"t = trace_step({str(MICROGRAD.path)!r}, Network.build([2, 3, 1], bias=True)); "
              "print(repr(t.updates))")  # fmt: skip
    outputs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(outputs) == 1


@pytest.mark.slow
def test_the_tracer_works_without_scipy():
    script = ("import sys; sys.modules['scipy'] = None\n"
              "from symbolic_bp.model.network import Network\n"
              "from symbolic_bp.trace import trace_step\n"
              f"t = trace_step({str(LAYERS.path)!r}, Network.build([2, 3, 2], bias=True))\n"
              "print(len(t.updates))\n")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout == "17\n"


# -- the symbolic value and the shims -----------------------------------------------------------
def test_float_constants_become_the_fractions_meant():
    z = Symbolic(sp.Symbol("z"))
    assert (0.1 * z).expr == z.expr / 10 and ((1 / 3) * z).expr == z.expr / 3
    assert (z + np.float32(0.1)).expr == z.expr + sp.Rational(1, 10)
    assert (0.123456789 * z).expr == sp.Rational(123456789, 10**9) * z.expr
    assert (math.e**z).expr == sp.exp(z.expr)


def test_constants_convert_and_symbols_refuse():
    from symbolic_bp.trace._errors import Untraceable

    half = Symbolic(sp.Rational(1, 2))
    assert (
        float(half) == 0.5 and half > 0 and half == 0.5 and bool(half) and f"{half:.2f}" == "0.50"
    )
    assert int(Symbolic(3)) == 3 and [10, 20, 30, 40][Symbolic(3)] == 40
    eta = Symbolic(ETA)
    assert eta > 0 and bool(eta)  # eta is positive: decided by SymPy, not a branch
    z = Symbolic(sp.Symbol("z", real=True))
    for refused in (float, int, bool, round, lambda v: v > 0, lambda v: v == 1, lambda v: v // 2):
        with pytest.raises(Untraceable):
            refused(z)
    assert str(z) == "z" and repr(z) == "Symbolic(z)"
    with pytest.raises(ZeroDivisionError):
        z / 0


def test_numpy_on_object_arrays_of_symbolic_values():
    params, x, t, lr = step_arguments(Network.build([2, 2], bias=True))
    W = params["W1"]
    checks = [np.dot(W, x), W @ x, W.T @ x, np.outer(x, x), np.array(list(x), ndmin=2).T,
              x.reshape(-1, 1), np.exp(x), np.tanh(x), np.log(x), np.sqrt(x), np.sum(W),
              np.mean(W, axis=0), np.abs(x), np.power(x, 2), np.square(x), -x, 1 - x,
              x / 2]  # fmt: skip
    for value in checks:
        assert all(isinstance(v, Symbolic) for v in np.asarray(value, dtype=object).flat)
    assert str(np.mean(x)) == "x_1/2 + x_2/2"


def test_creation_shims_make_symbolic_arrays_for_float_dtypes_only():
    def step(params, x, t, lr):
        a = np.zeros(2)
        a[1] = x[0]
        b = np.zeros_like(params["W1"]) + np.ones((2, 2)) + np.full((2, 2), 0.5)
        assert np.zeros(2, dtype=int).dtype == int and np.ones(1, dtype=bool).dtype == bool
        assert np.full(2, 3).dtype == int and np.empty(3).dtype == object
        assert np.full_like(params["W1"], lr)[0, 0].expr == lr.expr
        assert float(np.exp(a)[0]) == 1.0  # an untouched entry is an exact 0, exp(0) = 1
        params["W1"] += b + a

    trace = trace_step(step, NET)
    assert trace.updates["w1_1_1"] == sp.Rational(3, 2)
    assert trace.updates["w1_1_2"] == sp.Rational(3, 2) + sp.Symbol("x_1", real=True)


def test_public_names():
    for name in symbolic_bp.trace.__all__:
        assert getattr(symbolic_bp.trace, name) is not None


def test_star_imports_see_the_shims_and_everything_else(tmp_path):
    path = write(
        tmp_path,
        """\
        from math import *
        from numpy import *

        def step(params, x, t, lr):
            z = zeros(2)
            z[0] = exp(x[0]) * pi
            return {'W1': params['W1'] + dot(ones((2, 1)), z.reshape(1, 2)) * floor(2.5)}
        """,
    )
    trace = trace_step(path, NET)
    assert trace.updates["w1_2_1"] == 2 * sp.pi * sp.exp(sp.Symbol("x_1", real=True))
