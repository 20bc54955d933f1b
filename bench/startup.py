"""Start-up cost of the command line (issue #17): imports, ``--help`` and the default ``prove``.

Each figure is the median over fresh ``python`` processes (``--runs N``, default 7) of the
wall time and of the CPU time (user + system, from ``getrusage`` of the child: steadier on a
loaded machine), together with how many of the package's modules the process imported and
whether it imported NumPy and SymPy.

    python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

#: what is timed: a label and the code of one fresh process (which prints its module counts)
CASES = [
    ("import symbolic_bp", "import symbolic_bp"),
    ("import symbolic_bp.cli.main", "import symbolic_bp.cli.main"),
    ("symbolic-bp --help", "from symbolic_bp.cli import main; main(['--help'])"),
    ("symbolic-bp prove --help", "from symbolic_bp.cli import main; main(['prove', '--help'])"),
    ("symbolic-bp export --help", "from symbolic_bp.cli import main; main(['export', '--help'])"),
    ("symbolic-bp prove (default)", "from symbolic_bp.cli import main; main(['prove'])"),
]
#: appended to each case: report what the process imported, on stderr (stdout is the command's)
REPORT = """
import sys
own = [m for m in sys.modules if m == 'symbolic_bp' or m.startswith('symbolic_bp.')]
print('@@' + repr([len(own), 'numpy' in sys.modules, 'sympy' in sys.modules]), file=sys.stderr)
"""


def run_once(code: str) -> tuple[float, float, list]:
    """Wall seconds, CPU seconds and the module report of one fresh process running ``code``."""
    # SystemExit from argparse's --help is caught so that the report is still printed
    script = f"try:\n    {code}\nexcept SystemExit:\n    pass\n{REPORT}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in out.stderr.splitlines() if line.startswith("@@")]
    if not lines:
        raise SystemExit(f"{code!r} failed:\n{out.stderr}")
    return wall, cpu, json.loads(lines[-1][2:].replace("True", "true").replace("False", "false"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per figure")
    runs = parser.parse_args(argv).runs
    print(f"median of {runs} fresh processes each (python {sys.version.split()[0]})")
    print(f"{'':30s} {'wall s':>7s} {'CPU s':>7s}  package modules, NumPy?, SymPy?")
    base = [run_once("pass") for _ in range(runs)]
    print(f"{'python -c pass':30s} {statistics.median(w for w, _, _ in base):7.3f} "
          f"{statistics.median(c for _, c, _ in base):7.3f}")  # fmt: skip
    for label, code in CASES:
        samples = [run_once(code) for _ in range(runs)]
        wall = statistics.median(w for w, _, _ in samples)
        cpu = statistics.median(c for _, c, _ in samples)
        count, numpy, sympy = samples[-1][2]
        print(f"{label:30s} {wall:7.3f} {cpu:7.3f}  {count:3d} modules, "
              f"NumPy {'yes' if numpy else 'no'}, SymPy {'yes' if sympy else 'no'}")  # fmt: skip


if __name__ == "__main__":
    main()
