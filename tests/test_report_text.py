"""Reports a student can read alone: a legend of exactly the symbols a report uses, and public
names for every function (no internal ``phi_3cd5``, no ``ReLUStep``)."""

from __future__ import annotations

import json
import re

import pytest

from symbolic_bp.cli import main

# a layered symbol as the text prints it: e2_1, r3_1, w2_1_3, d'2_1
_LAYERED = re.compile(r"(?<![\w'])([A-Za-z]+'?)\d+_\d+(?:_\d+)?\b")
# a function application: sigmoid(, f_2'(, relu'(
_APPLIED = re.compile(r"(?<![\w'])([A-Za-z_][\w]*'?)\(")
# what is not a function of the math: words of the prose and SymPy's own
_NOT_FUNCTIONS = {"Sum", "exp", "log", "max", "ok", "layers", "layer"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(list(args))
    return capsys.readouterr().out


def _split(text: str) -> tuple[str, dict[str, str]]:
    """The report's body and its legend ``{key: meaning}``."""
    body, _, tail = text.partition("\nSymbols:\n")
    legend = {}
    for line in tail.splitlines():
        if line.startswith("  "):
            key, _, meaning = line.strip().partition(": ")
            legend[key] = meaning
    return body, legend


CASES = [
    pytest.param(("prove",), id="default-generic"),
    pytest.param(("prove", "--activation", "sigmoid,relu,sigmoid"), id="sigmoid-relu"),
    pytest.param(
        ("prove", "--layers", "2,2,1", "--activation", "leaky_relu,tanh", "--bias"), id="leaky"
    ),
    pytest.param(("prove", "--layers", "2,2,1", "--activation", "x**3/3+x"), id="custom"),
    pytest.param(
        ("prove", "--layers", "2,2,1", "--conventions", "matrix,gradient", "--l2", "lambda"),
        id="matrix-gradient-l2",
    ),
]


@pytest.mark.parametrize("args", CASES)
def test_legend_lists_exactly_the_symbols_of_the_report(capsys, args):
    body, legend = _split(_run(capsys, *args))
    assert legend, "no legend"
    letters = {m.group(1) for m in _LAYERED.finditer(body)}
    # every layered symbol of the text has its family in the legend ...
    for letter in letters:
        assert f"{letter}{{l}}_{{j}}" in legend or f"{letter}{{l}}_{{j}}_{{i}}" in legend, letter
    # ... and every layered family of the legend occurs in the text
    for key in legend:
        m = re.match(r"^([A-Za-z]+'?)\{l\}", key)
        if m:
            assert m.group(1) in letters, key
    for word, key in (("eta", "eta"), ("Delta", "Delta p"), ("lambda", "lambda")):
        assert (re.search(rf"\b{word}\b", body) is not None) == (key in legend), key
    assert (re.search(r"\bx_\d", body) is not None) == ("x_i" in legend)
    assert (re.search(r"\bt_\d", body) is not None) == ("t_j" in legend)


@pytest.mark.parametrize("args", CASES)
def test_every_function_has_a_public_name_and_a_legend_line(capsys, args):
    text = _run(capsys, *args)
    assert "phi_" not in text and "ReLUStep" not in text and "LeakyStep" not in text
    body, legend = _split(text)
    applied = {m.group(1).rstrip("'") for m in _APPLIED.finditer(body)} - _NOT_FUNCTIONS
    explained = " ".join(legend)
    for name in applied:
        if re.fullmatch(r"f_\d+", name):
            assert "f_l" in legend or name in explained, name
        else:
            assert f"{name}(x)" in legend, name


def test_a_custom_activation_is_named_by_its_layer_with_the_users_expression(capsys):
    body, legend = _split(_run(capsys, "prove", "--layers", "2,2,1", "--activation", "x**3/3+x"))
    assert "f_2'(e2_1)" in body and "f_1'(e1_1)" in body
    assert "f_1, f_2" in legend and "x**3/3+x" in legend["f_1, f_2"]
    assert "f_l" not in legend  # no generic activation here: nothing said about every f


def test_relu_is_printed_by_its_public_name(capsys):
    body, legend = _split(_run(capsys, "prove", "--activation", "sigmoid,relu,sigmoid"))
    assert "relu'(e2_1)" in body
    assert "relu(x)" in legend and "sigmoid(x)" in legend


def test_signal_letters_are_explained_per_recipe(capsys):
    _, legend = _split(_run(capsys, "prove"))
    assert "[error_at_update]" in legend["r{l}_{j}"] and "[delta]" in legend["d{l}_{j}"]
    assert "-dE/de^l_j" in legend["d{l}_{j}"]


def test_general_proof_and_check_have_a_legend(capsys):
    body, legend = _split(_run(capsys, "prove", "--general"))
    assert {"d[l, j]", "r[l, j]", "e[l, j]", "n[l]", "L"} <= set(legend)
    assert "G{l}_{j}" not in legend


def test_check_report_has_a_legend_of_its_symbols(capsys, monkeypatch):
    from .trace_oracles import EXAMPLES

    monkeypatch.chdir(EXAMPLES)
    body, legend = _split(_run(capsys, "check", "agh_tutorial.py"))
    assert "G3_1" in body and "[gradient]" in legend["G{l}_{j}"]
    assert "[error_at_update]" in legend["r{l}_{j}"]
    letters = {m.group(1) for m in _LAYERED.finditer(body)}
    assert {key.split("{")[0] for key in legend if "{l}" in key} == letters


def test_json_symbols_are_the_families_its_values_use(capsys):
    data = json.loads(_run(capsys, "prove", "--json"))
    symbols = data.pop("symbols")
    text = json.dumps(data)
    assert {"x_i", "t_j", "eta", "e{l}_{j}", "w{l}_{j}_{i}", "r{l}_{j}", "d{l}_{j}"} <= set(symbols)
    assert "b{l}_{j}" not in symbols and not re.search(r"\bb\d+_\d+", text)
    general = json.loads(_run(capsys, "prove", "--general", "--json"))
    assert "d[l, j]" in general["symbols"]


@pytest.mark.parametrize(
    ("sizes", "acts", "pair"),
    [
        pytest.param([2, 3, 2, 1], "sigmoid,relu,sigmoid", ("error_at_update", "delta"), id="srs"),
        pytest.param([2, 2, 1], "tanh,relu", ("output_derivative", "error_at_update"), id="tr"),
        pytest.param([2, 2, 1], "sigmoid", ("error_at_update", "output_derivative"), id="ss"),
    ],
)
def test_concrete_differences_are_folded_and_equal_to_the_raw_ones(sizes, acts, pair):
    import random

    import sympy as sp

    from symbolic_bp.model.network import Network
    from symbolic_bp.proof import prove

    net = Network.build(sizes, acts, bias=True)
    report = prove(net, *pair)
    rng = random.Random(7)
    shown_any = False
    for r in report.parameters:
        if r.raw_difference is None:
            continue
        shown = r.difference
        text = sp.sstr(shown)
        # named derivatives, no powers of an activation's output left
        assert not re.search(r"(sigmoid|tanh)\(e\d+_\d+\)\*\*2", text), text
        shown_any = True
        # an independent check: both forms written out and evaluated at random points
        for _ in range(3):
            free = sorted(r.raw_difference.free_symbols | shown.free_symbols, key=str)
            point = {
                s: sp.Rational(rng.choice([-3, -2, -1, 1, 2, 3]), rng.choice([1, 2, 3]))
                for s in free
            }
            a = sp.N(net.unfold(shown).xreplace(point), 40)
            b = sp.N(net.unfold(r.raw_difference).xreplace(point), 40)
            assert abs(a - b) <= sp.Float("1e-30") * (1 + abs(b)), (r.name, a, b)
    assert shown_any


def test_the_issue_example_reads_in_named_derivatives(capsys):
    body, _ = _split(_run(capsys, "prove", "--activation", "sigmoid,relu,sigmoid"))
    assert (
        "w1_1_1: delta - error_at_update = eta*x_1*(r2_1*w2_1_1*(relu'(e2_1)*sigmoid'(e3_1) - 1)"
        in body
    )


def test_a_one_neuron_difference_is_shown_multiplied_out():
    """A recipe that differs from delta in one neuron's signal by a factor 3: the difference of
    the layer below is two sums over the layer that differ in one term. Shown multiplied out,
    it is that one term (a few dozen characters, not two sums of 18 terms), and it is exactly
    the raw difference (both unfolded into the network's symbols, evaluated at rational
    points with exact arithmetic)."""
    import random

    import sympy as sp

    import symbolic_bp as sbp
    from symbolic_bp.algebra import size
    from symbolic_bp.model.network import Network
    from symbolic_bp.proof import prove
    from symbolic_bp.render.data import TIDY_NODES, difference_text, multiplied_out

    class OneNeuron(sbp.Delta):
        name = "test_one_neuron"

        def hidden_signal(self, net, l, j, upstream):
            s = super().hidden_signal(net, l, j, upstream)
            return 3 * s if l == net.depth - 1 and j == 1 else s

    sbp.register(OneNeuron())
    try:
        net = Network.build([2, 4, 18, 1])
        report = prove(net, "test_one_neuron", "delta")
        rows = [r for r in report.parameters if r.layer == 1 and r.raw_difference is not None]
        assert rows and size(rows[0].raw_difference) > TIDY_NODES  # once shown as it was
        rng = random.Random(3)
        for r in rows[:4]:
            shown = multiplied_out(r.raw_difference, r.group)
            assert len(sp.sstr(shown)) < 60, sp.sstr(shown)
            assert difference_text(r, expand=True) == sp.sstr(shown)
            free = sorted(net.unfold(r.raw_difference).free_symbols, key=str)
            for _ in range(2):
                point = {s: sp.Rational(rng.randint(-5, 5), rng.randint(1, 4)) for s in free}
                point.update({s: 1 for s in net.unfold(shown).free_symbols - set(point)})
                a = net.unfold(shown).xreplace(point)
                b = net.unfold(r.raw_difference).xreplace(point)
                assert sp.expand(a - b) == 0, (r.name, a, b)
        text = sbp.report_text(report)  # what prove prints
        assert "w1_1_1: delta - test_one_neuron = " + difference_text(rows[0], True, True) in text
    finally:
        sbp.unregister("test_one_neuron")
