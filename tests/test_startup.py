"""Start-up: ``import symbolic_bp`` and the command line load only what is used.

Each check runs in a fresh interpreter (the test process has long imported everything) and
reads ``sys.modules`` there.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import symbolic_bp
from symbolic_bp.cli.main import COMMANDS, build_parser

#: modules no proof needs: NumPy code generation, training, optimizers, tracing a user's code
#: (NumPy itself is the prover's too: counterexamples in vectorised float64 intervals on
#: large networks, loaded when such a search runs)
NUMERIC_ONLY = (
    "symbolic_bp.codegen.numeric",
    "symbolic_bp.codegen.export",
    "symbolic_bp.codegen.vectorise",
    "symbolic_bp.training",
    "symbolic_bp.optim",
    "symbolic_bp.checking",
    "symbolic_bp.trace",
)


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    res = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert res.returncode == 0, res.stderr
    return set(json.loads(res.stdout.splitlines()[-1]))


def test_importing_the_package_loads_neither_sympy_nor_numpy():
    loaded = loaded_after("import symbolic_bp")
    assert "sympy" not in loaded and "numpy" not in loaded
    assert {m for m in loaded if m.startswith("symbolic_bp")} == {
        "symbolic_bp",
        "symbolic_bp.clock_start",
    }


def test_help_loads_neither_sympy_nor_a_command():
    code = (
        "from symbolic_bp.cli.main import main\ntry:\n    main(['--help'])\n"
        "except SystemExit:\n    pass"
    )
    loaded = loaded_after(code)
    assert "sympy" not in loaded and "numpy" not in loaded
    assert not {f"symbolic_bp.cli.{name}_command" for name in COMMANDS} & loaded


def test_parsing_prove_loads_no_numeric_optimizer_or_training_module():
    loaded = loaded_after(
        "from symbolic_bp.cli.main import build_parser\n"
        "args = build_parser(['prove']).parse_args(['prove', '--layers', '2,2,1'])\n"
        "assert args.command == 'prove'"
    )
    assert "symbolic_bp.cli.prove_command" in loaded  # it did build prove's parser
    assert not [m for m in NUMERIC_ONLY if m in loaded]
    others = {f"symbolic_bp.cli.{name}_command" for name in COMMANDS if name != "prove"}
    assert not others & loaded


def test_the_default_prove_loads_no_numeric_optimizer_or_training_module():
    loaded = loaded_after(
        "import contextlib, io\nfrom symbolic_bp.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['prove']) == 1"
    )
    assert "symbolic_bp.proof.instance" in loaded
    assert not [m for m in NUMERIC_ONLY if m in loaded]
    # the small default network is settled neuron by neuron: the layer path's float64 boxes
    # (NumPy, about 0.1 s of start-up) are not needed
    assert "numpy" not in loaded and "symbolic_bp.proof.layer_witness" not in loaded


def test_public_names_resolve_lazily_in_a_fresh_interpreter():
    """Every name of ``__all__`` (in a fresh process, so loaded by the lazy look-up), and
    ``symbolic_bp.derive`` is the function even after its subpackage was imported."""
    loaded = loaded_after(
        "import symbolic_bp as s\nimport symbolic_bp.derive.layers\nimport symbolic_bp.proof\n"
        "assert callable(s.derive) and s.derive.__name__ == 'derive', s.derive\n"
        "from symbolic_bp import derive\nassert derive is s.derive\n"
        "missing = [n for n in s.__all__ if getattr(s, n, None) is None]\nassert not missing\n"
        "assert set(s.__all__) <= set(dir(s))\n"
        "assert s.proof.__name__ == 'symbolic_bp.proof'"
    )
    assert "symbolic_bp.training" in loaded  # History, train were loaded on access


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        symbolic_bp.no_such_name  # noqa: B018
    with pytest.raises(AttributeError):
        symbolic_bp.__wrapped__  # noqa: B018
    assert not hasattr(symbolic_bp, "no_such_name")


def test_the_listed_summaries_are_the_commands_own():
    """``symbolic-bp --help`` lists each command from :data:`COMMANDS` without importing it:
    the summaries must be those the commands' own parsers give."""
    full = build_parser()
    sub = next(a for a in full._actions if a.dest == "command")
    own = {action.dest: action.help for action in sub._get_subactions()}
    assert own == COMMANDS


def test_the_lr_schedules_are_the_optimizers_own():
    from symbolic_bp.cli.optim_command import SCHEDULES as listed
    from symbolic_bp.optim.setting import SCHEDULES

    assert listed == SCHEDULES


def test_help_texts_made_on_demand_list_the_registry():
    from symbolic_bp.optim import OPTIMIZERS

    text = build_parser(["prove"])._subparsers._group_actions[0].choices["prove"].format_help()
    assert "--optimizers A,B" in text and ", ".join(list(OPTIMIZERS)[:2]) in " ".join(text.split())
    args = build_parser(["prove"]).parse_args(["prove", "--optimizers", "sgd,momentum"])
    assert args.optimizers == "sgd,momentum"
