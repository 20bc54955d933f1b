"""``--recipes FILE.py``, the aliases ``agh`` and ``mlm``, "did you mean", and
``Network.build("2,3,1")``.

The recipes files are written here: ``mine`` is ``delta`` written the other way round
("error = output - target" and ``w -= ...``, the sum taken in another order), ``wrong`` sends
back the weighted sum of the deltas *without* the activation's derivative. The oracle for
"equal" and "differs" is each recipe's own rules from :func:`symbolic_bp.derive` on the
network, expanded by SymPy, independent of the prover.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import symbolic_bp as sbp
from symbolic_bp.cli import main
from symbolic_bp.cli.main import build_parser
from symbolic_bp.conventions import CONVENTIONS, is_builtin

MINE = '''
from symbolic_bp import Convention, register


class OutputMinusTarget(Convention):
    """delta with error = output - target, and w -= eta * delta * input"""

    name = "mine"
    letter = "s"

    def output_signal(self, net, j):
        L = net.depth
        return (net.y(L, j) - net.t(j)) * net.fprime(L, j)

    def hidden_signal(self, net, l, j, upstream):
        return net.fprime(l, j) * net.sum(l + 1, lambda k: upstream[k] * net.w(l + 1, k, j))

    def update(self, net, l, j, inp, signal):
        return -net.eta * inp * signal


register(OutputMinusTarget())

if __name__ == "__main__":
    raise SystemExit("the __main__ block must not run")
'''

WRONG = '''
from symbolic_bp import Delta, register


class Wrong(Delta):
    """delta, but the signal sent back lacks f'(e)"""

    name = "wrong"
    letter = "h"

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k])


register(Wrong())
'''

DEEP = '''
from symbolic_bp import Delta, register


class Deep(Delta):
    """delta on networks of at most 3 layers, doubled signals on deeper ones"""

    name = "deep"

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 2 * s if isinstance(net.depth, int) and net.depth >= 4 else s


register(Deep())
'''

BAD_FILES = {
    "replaces.py": (
        "from symbolic_bp import Delta, register\n"
        "class D(Delta):\n    pass\n"
        "register(D(), replace=True)\n",
        "replaces.py: replaces the registered convention 'delta'",
    ),
    "taken.py": (
        "from symbolic_bp import Delta, register\n\nregister(Delta())\n",
        "taken.py:3: the convention 'delta' is already registered",
    ),
    "raises.py": (
        "x = 1\n\ndef f():\n    return 1 / 0\n\nf()\n",
        "raises.py:4: ZeroDivisionError: division by zero",
    ),
    "syntax.py": ("def f(:\n", "syntax.py:1: syntax error"),
    "patches.py": (
        "from symbolic_bp import Delta\n"
        "Delta.hidden_signal = lambda self, net, l, j, upstream: 0\n",
        "patches.py: changes the code of the built-in convention 'delta'",
    ),
    "bad_letter.py": (
        "from symbolic_bp import Delta, register\n"
        "class D(Delta):\n    name = 'mine2'\n    letter = 'w'\n"
        "register(D())\n",
        "bad_letter.py:5: convention 'mine2': signal letter 'w' is taken",
    ),
}


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The recipes files, in the working directory (so messages show their bare names)."""
    for name, text in {"mine.py": MINE, "wrong.py": WRONG, "symbolic_bp_mine.py": DEEP}.items():
        (tmp_path / name).write_text(text)
    for name, (text, _) in BAD_FILES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def prove_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["prove", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def expanded(net: sbp.Network, conv: sbp.Convention, name: str) -> sp.Expr:
    l, j, i = net.locate(name)
    p = net.w(l, j, i) if i is not None else net.b(l, j)
    return sp.expand(sbp.derive(net, conv).expanded(p))


def load(path: Path, name: str) -> sbp.Convention:
    """The recipe a file registers, run here without the command line, for the oracle."""
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return CONVENTIONS.pop(name)


def test_a_users_delta_written_differently_is_proven_equal(files, capsys):
    code, data = prove_json(capsys, "--recipes", "mine.py", "--conventions", "mine,delta")
    assert code == 0 and data["equivalent"] is True
    assert data["conventions"] == ["mine", "delta"]
    assert {p["status"] for p in data["parameters"]} == {"equal"}
    net = sbp.Network.build([2, 3, 2, 1])
    mine = load(files / "mine.py", "mine")
    for name in ("w1_1_1", "w3_1_2"):  # the oracle: the same expanded expressions
        assert expanded(net, mine, name) == expanded(net, sbp.get_convention("delta"), name)


def test_a_wrong_users_recipe_differs_with_a_counterexample(files, capsys):
    code, data = prove_json(capsys, "--recipes", "wrong.py", "--conventions", "wrong,mlm")
    assert code == 1 and data["equivalent"] is False
    assert data["conventions"] == ["wrong", "delta"]  # the alias shown by its canonical name
    status = {p["name"]: p["status"] for p in data["parameters"]}
    assert status["w3_1_1"] == "equal" and status["w1_1_1"] == "differs"
    example = data["counterexample"]
    assert example is not None and len(set(example["values"].values())) == 2
    net = sbp.Network.build([2, 3, 2, 1])
    wrong = load(files / "wrong.py", "wrong")
    delta = sbp.get_convention("delta")
    assert expanded(net, wrong, "w1_1_1") != expanded(net, delta, "w1_1_1")
    assert expanded(net, wrong, "w3_1_1") == expanded(net, delta, "w3_1_1")


def test_recipes_do_not_leak_from_one_call_to_the_next(files, capsys):
    before = dict(CONVENTIONS)
    assert main(["prove", "--recipes", "mine.py", "--conventions", "mine,delta"]) == 0
    assert CONVENTIONS == before
    capsys.readouterr()
    assert main(["prove", "--conventions", "mine,delta"]) == 2
    assert "unknown convention 'mine'" in capsys.readouterr().err
    assert "mine" not in sys.modules


def test_several_files_and_every_command_takes_the_option(files, capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        assert "--recipes" in command.format_help(), name
    args = ["--recipes", "mine.py", "--recipes", "wrong.py", "--conventions", "mine,wrong"]
    assert main(["prove", *args]) == 1
    out = capsys.readouterr().out
    assert out.startswith("DIFFERENT: mine and wrong")
    assert main(["derive", "--recipes", "mine.py", "--convention", "mine", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["convention"] == "mine"


def test_a_user_recipe_in_a_module_named_like_the_package_gets_no_claim_for_every_network(
    files, capsys
):
    """``symbolic_bp_mine.py`` holds ``deep``, which is delta on the small networks and wrong
    from depth 4: the general proof must not call it equal to delta (exit 0)."""
    deep_net = sbp.Network.build([2, 2, 2, 2, 1])
    deep = load(files / "symbolic_bp_mine.py", "deep")
    assert not is_builtin(deep)
    delta = sbp.get_convention("delta")
    assert expanded(deep_net, deep, "w1_1_1") != expanded(deep_net, delta, "w1_1_1")
    code = main(["prove", "--general", "--recipes", "symbolic_bp_mine.py", "--conventions",
                 "deep,delta"])  # fmt: skip
    out = capsys.readouterr().out
    assert code in (1, 3), out
    assert not out.startswith("EQUAL")


def test_check_names_a_users_recipe_among_the_matches(files, capsys):
    (files / "step.py").write_text(
        "import numpy as np\n\n"
        "def step(params, x, t, lr):\n"
        "    W1, W2 = params['W1'], params['W2']\n"
        "    y1 = 1 / (1 + np.exp(-(W1 @ x)))\n"
        "    y2 = 1 / (1 + np.exp(-(W2 @ y1)))\n"
        "    d2 = (t - y2) * y2 * (1 - y2)\n"
        "    d1 = (W2.T @ d2) * y1 * (1 - y1)\n"
        "    return {'W1': W1 + lr * np.outer(d1, x), 'W2': W2 + lr * np.outer(d2, y1)}\n"
    )
    code = main(["check", "step.py", "--layers", "2,2,1", "--recipes", "mine.py", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["equivalent"] is True
    assert "mine" in data["matches"] and "delta" in data["matches"]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_recipes_file_is_one_line_and_exit_2(files, capsys, name):
    before = dict(CONVENTIONS)
    assert main(["prove", "--recipes", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"symbolic-bp: error: --recipes {BAD_FILES[name][1]}"), err
    assert CONVENTIONS == before
    assert is_builtin(sbp.get_convention("delta"))  # a patched built-in is put back


@pytest.mark.parametrize("path", ["missing.py", "."], ids=["missing", "directory"])
def test_a_missing_recipes_file_is_refused(files, capsys, path):
    assert main(["derive", "--recipes", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--recipes {path}: " in err


def test_aliases_name_the_two_tutorials_recipes(capsys):
    assert sbp.get_convention("agh") is sbp.get_convention("error_at_update")
    assert sbp.get_convention("mlm") is sbp.get_convention("delta")
    code, data = prove_json(capsys, "--conventions", "agh,mlm")
    assert code == 1 and data["conventions"] == ["error_at_update", "delta"]
    assert main(["prove", "--conventions", "agh,error_at_update"]) == 2
    assert "'error_at_update' twice" in capsys.readouterr().err
    with pytest.raises(sbp.InputError, match="alias of delta"):
        sbp.register(type("Mlm", (sbp.Delta,), {"name": "mlm"})())


@pytest.mark.parametrize(
    "argv,hint",
    [
        (
            ["prove", "--conventions", "dleta,agh"],
            "unknown convention 'dleta'; did you mean delta?",
        ),
        (["prove", "--conventions", "delta,ahg"], "did you mean agh?"),
        (["prove", "--activation", "sigmod"], "unknown activation 'sigmod'; did you mean sigmoid?"),
        (["prove", "--loss", "half_ss"], "unknown loss 'half_ss'; did you mean half_sse?"),
        (["prove", "--general", "--loss", "crossentropy"], "did you mean cross_entropy"),
        (["prove", "--optimizers", "sgd,adamm"], "did you mean adam"),
        (["prove", "--format", "htm"], "invalid choice: 'htm'"),
        (["prov"], "did you mean prove?"),
    ],
    ids=[
        "convention",
        "alias",
        "activation",
        "loss",
        "general-loss",
        "optimizer",
        "choice",
        "command",
    ],  # fmt: skip
)
def test_typos_get_a_suggestion(capsys, argv, hint):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert hint in err and err.count("\n") == 1
    if "invalid choice" in hint:
        assert err.rstrip().endswith("did you mean html?")


def test_no_suggestion_when_nothing_is_close():
    with pytest.raises(sbp.InputError) as info:
        sbp.get_convention("zzzz")
    assert "did you mean" not in str(info.value)
    assert str(info.value).startswith("unknown convention 'zzzz'; valid: gradient, delta")


def test_the_python_api_suggests_too():
    with pytest.raises(sbp.InputError, match="did you mean sigmoid"):
        sbp.Network.build([2, 1], "Sigmoid")
    with pytest.raises(sbp.InputError, match="did you mean error_at_update"):
        sbp.get_convention("error_at_updte")


def test_network_build_takes_the_layers_as_text():
    net = sbp.Network.build("2, 3,1", "sigmoid")
    assert net.sizes == (2, 3, 1) and net == sbp.Network.build([2, 3, 1], "sigmoid")
    with pytest.raises(sbp.InputError) as info:
        sbp.Network.build("2,x,1")
    assert str(info.value).startswith("sizes: 'x' is not a positive whole number in '2,x,1'")
    assert "character" not in str(info.value)


def test_through_a_subprocess(files):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "symbolic_bp",
            "prove",
            "--recipes",
            "mine.py",
            "--conventions",
            "mine,gradient",
            "--layers",
            "2,2,1",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=300,
        cwd=files,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("EQUAL: mine and gradient")
    bad = subprocess.run(
        [sys.executable, "-m", "symbolic_bp", "derive", "--recipes", "raises.py"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=files,
        check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert (
        bad.stderr
        == "symbolic-bp: error: --recipes raises.py:4: ZeroDivisionError: division by zero\n"
    )


def test_docs_writes_a_page_for_each_recipe_a_file_adds(files, capsys, monkeypatch):
    import symbolic_bp.site as site

    seen = {}

    def write_site(out, extra=()):
        seen["extra"] = list(extra)
        seen["index"] = site.index_page((*site.BUILT_IN, *extra)).markdown()
        if extra:
            seen["page"] = site.convention_page(extra[0]).markdown()
        return []

    monkeypatch.setattr(site, "write_site", write_site)
    assert main(["docs", "--recipes", "mine.py", "--recipes", "wrong.py", "--out", "site"]) == 0
    assert seen["extra"] == ["mine", "wrong"]
    assert "conventions/mine" in seen["index"] and "conventions/wrong" in seen["index"]
    assert "mine gives the gradient's update for all 14 parameters" in seen["page"]
    assert main(["docs", "--out", "site"]) == 0 and seen["extra"] == []


OPTIMIZER = '''
from symbolic_bp import Optimizer, register_optimizer


class HeavyBall(Optimizer):
    """Momentum written with the learning rate inside the velocity: v = mu v + lr g; p -= v"""

    name = "heavy_ball"
    hyperparameters = ("lr", "mu")
    state = ("v",)

    def step(self, t, p, state, grad, h):
        v = h.mu * state["v"] + h.lr * grad(p)
        return p - v, {"v": v}


register_optimizer(HeavyBall())
'''


def test_a_recipes_file_may_add_an_optimizer_but_not_replace_one(files, capsys):
    from symbolic_bp.optim.recipes import OPTIMIZERS

    before = dict(OPTIMIZERS)
    (files / "opt.py").write_text(OPTIMIZER)
    args = ["prove", "--recipes", "opt.py", "--json", "--optimizers"]
    assert main([*args, "heavy_ball,momentum_lr_inside"]) == 0  # the same recipe
    assert json.loads(capsys.readouterr().out)["equivalent"] is True
    assert main([*args, "heavy_ball,nesterov"]) == 1
    assert json.loads(capsys.readouterr().out)["counterexample"] is not None
    assert OPTIMIZERS == before
    (files / "opt2.py").write_text(OPTIMIZER.replace('"heavy_ball"', '"adam"'))
    assert main(["prove", "--recipes", "opt2.py"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "opt2.py:17: the optimizer 'adam' is already registered" in err


def test_a_patch_the_calling_code_made_is_kept(files, capsys, monkeypatch):
    """main() puts the built-in classes back as they were when it was called, not as they were
    registered: the caller's own patch (here one that keeps delta's rules) survives."""
    original = sbp.Delta.update

    def update(self, net, l, j, inp, signal):
        return original(self, net, l, j, inp, signal)

    monkeypatch.setattr(sbp.Delta, "update", update)
    assert main(["prove", "--recipes", "mine.py", "--conventions", "mine,delta"]) == 0
    assert sbp.Delta.update is update
    assert not is_builtin(sbp.get_convention("delta"))  # patched: a user's recipe now


BRANCHY = '''
import symbolic_bp as sbp


class Branchy(sbp.Delta):
    """delta, but neuron 1 of every hidden layer sends back twice its delta"""

    name = "branchy"

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 2 * s if j == 1 else s


sbp.register(Branchy())
'''


def test_derive_shows_a_recipe_that_branches_on_a_neuron_neuron_by_neuron(tmp_path, capsys):
    """No single rule per layer exists for it (prove compares it neuron by neuron): derive
    shows every parameter of a small network from the per-neuron rules, the factor 2 on
    neuron 1 only; on a larger one the first parameter of each layer unless --parameters all.
    The per-neuron rules themselves are checked against sympy.diff elsewhere; here, that the
    shown signals are the recipe's (2 on d1_1, none on d1_2) and that nothing is refused."""
    recipe = tmp_path / "branchy.py"
    recipe.write_text(BRANCHY)
    base = ["derive", "--recipes", str(recipe), "--convention", "branchy", "--format"]
    assert main([*base, "markdown"]) == 0
    text = capsys.readouterr().out
    assert "no single rule per layer" in text
    assert r"d^{1}_{1} = 2 \left(" in text and r"d^{1}_{2} = \left(" in text
    assert text.count("$$") == 2 * 14  # every parameter of 2-3-2-1, one formula each
    assert main([*base, "json", "--layers", "8,9,1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["neurons"] == ["w1_1_1", "w2_1_1"] and data["layers"] == []
