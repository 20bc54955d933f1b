"""`symbolic-bp check` (and a `--recipes` file) on code that calls os._exit: a one-line error
and exit code 2, never the process ending with the code's own status (os._exit(0) read as
exit 0 would mean "proven equal") and no report."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _check(path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "symbolic_bp", "check", str(path), "--layers", "2,1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("def step(params, x, t, lr):\n    os._exit(0)\n", id="in-step"),
        pytest.param(
            "os._exit(0)\ndef step(params, x, t, lr):\n    return params\n", id="top-level"
        ),
    ],
)
def test_os_exit_is_a_one_line_error(tmp_path, body):
    path = tmp_path / "quits.py"
    path.write_text("import os\n" + body)
    proc = _check(path)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "exit()" in lines[0] and "quits.py" in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_os_exit_is_restored_after_check(tmp_path):
    path = tmp_path / "quits.py"
    path.write_text("import os\ndef step(params, x, t, lr):\n    os._exit(0)\n")
    code = (
        "import os, sys, symbolic_bp as sbp\n"
        "real = os._exit\n"
        "try:\n"
        f"    sbp.check({str(path)!r}, sbp.Network.build([2, 1], 'sigmoid'))\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "print(os._exit is real)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["TraceError", "True"]


def test_recipes_file_calling_os_exit_is_a_one_line_error(tmp_path):
    path = tmp_path / "quits_recipes.py"
    path.write_text("import os\nos._exit(0)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "symbolic_bp", "prove", "--recipes", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "quits_recipes.py:2" in lines[0] and "SystemExit" in lines[0]
    assert proc.stdout == ""
