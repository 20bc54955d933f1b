"""Start-up cost of the command line (issue #17): imports, ``--help`` and the default ``prove``.

Each figure is the median over fresh ``python`` processes (``--runs N``, default 7) of the
wall time and of the CPU time (user + system, from ``getrusage`` of the child: steadier on a
loaded machine), together with how many of the package's modules the process imported and
whether it imported NumPy and SymPy.

Then the default ``python -m symbolic_bp prove`` (no arguments: the AGH network 2-3-2-1,
``error_at_update`` against ``delta``), exactly as a user runs it: its CPU time, the median of
``--prove-runs N`` fresh processes (default 9) with the fastest and slowest run. With
``--against PATH`` (a checkout of the project at another commit, e.g. made by
``git worktree add /tmp/old COMMIT``) the same runs of PATH's package are interleaved with
this tree's (this, PATH, PATH, this, this, ... so that a drifting load falls on both alike),
and the ratio of the medians is printed (below 1: this tree is faster).

Every process imports the package of its tree (``PYTHONPATH``) and runs in a temporary
directory, so neither the current directory nor an installed copy is measured by mistake. As
in an installed package, bytecode is cached (in that directory, ``PYTHONPYCACHEPREFIX``; the
trees stay clean, and ``PYTHONDONTWRITEBYTECODE`` is ignored), and a first run of each case,
not counted, fills the cache: compiling the package from source costs about 0.1 s more.
Nothing is random: hashing is seeded (``PYTHONHASHSEED=0``), so every run of a tree does the
same work, and the runs and their order are fixed; only the machine's load varies, which
the medians and the interleaving absorb (differences of a few percent are within the noise
of a shared machine: run again, or with more runs, before reading much into them).

    python bench/startup.py [--runs N] [--prove-runs N] [--against PATH] [--prove-only]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: the tree whose package is measured by default: the one holding this script
ROOT = Path(__file__).resolve().parents[1]

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


def child(args: list[str], tree: Path, workdir: str) -> tuple[float, float, str, int]:
    """Wall seconds, CPU seconds, stderr and exit code of one fresh ``python *args`` that
    imports the package of ``tree``, run in ``workdir`` (bytecode cached there)."""
    env = dict(
        os.environ,
        PYTHONPATH=str(tree),
        PYTHONPYCACHEPREFIX=f"{workdir}/pycache",
        PYTHONHASHSEED="0",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, *args], cwd=workdir, env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stderr, out.returncode


def run_once(code: str, workdir: str) -> tuple[float, float, list]:
    """Wall seconds, CPU seconds and the module report of one fresh process running ``code``."""
    # SystemExit from argparse's --help is caught so that the report is still printed
    script = f"try:\n    {code}\nexcept SystemExit:\n    pass\n{REPORT}"
    wall, cpu, stderr, _ = child(["-c", script], ROOT, workdir)
    lines = [line for line in stderr.splitlines() if line.startswith("@@")]
    if not lines:
        raise SystemExit(f"{code!r} failed:\n{stderr}")
    return wall, cpu, json.loads(lines[-1][2:].replace("True", "true").replace("False", "false"))


def default_prove(tree: Path, workdir: str) -> float:
    """CPU seconds of one fresh ``python -m symbolic_bp prove`` with ``tree``'s package."""
    _, cpu, stderr, code = child(["-m", "symbolic_bp", "prove"], tree, workdir)
    if code not in (0, 1, 3):  # a verdict (equal, differs, unknown), not an error
        raise SystemExit(f"python -m symbolic_bp prove with {tree} exited {code}:\n{stderr}")
    return cpu


def interleaved(trees: list[Path], runs: int, workdir: str) -> list[list[float]]:
    """``runs`` CPU times per tree, in the order A B, B A, A B, ... (one warm-up run each
    first, not counted: it fills the bytecode cache)."""
    for tree in trees:
        default_prove(tree, workdir)
    times: list[list[float]] = [[] for _ in trees]
    for r in range(runs):
        order = range(len(trees)) if r % 2 == 0 else reversed(range(len(trees)))
        for i in order:
            times[i].append(default_prove(trees[i], workdir))
    return times


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):6.3f} s  ({min(samples):.3f} to {max(samples):.3f})"


def table(runs: int, workdir: str) -> None:
    """The start-up figures of this tree: one row per case of :data:`CASES`."""
    print(f"median of {runs} fresh processes each (python {sys.version.split()[0]}, {ROOT})")
    print(f"{'':30s} {'wall s':>7s} {'CPU s':>7s}  package modules, NumPy?, SymPy?")
    base = [run_once("pass", workdir) for _ in range(runs + 1)][1:]
    print(f"{'python -c pass':30s} {statistics.median(w for w, _, _ in base):7.3f} "
          f"{statistics.median(c for _, c, _ in base):7.3f}")  # fmt: skip
    for label, code in CASES:
        run_once(code, workdir)  # not counted: fills the bytecode cache
        samples = [run_once(code, workdir) for _ in range(runs)]
        wall = statistics.median(w for w, _, _ in samples)
        cpu = statistics.median(c for _, c, _ in samples)
        count, numpy, sympy = samples[-1][2]
        print(f"{label:30s} {wall:7.3f} {cpu:7.3f}  {count:3d} modules, "
              f"NumPy {'yes' if numpy else 'no'}, SymPy {'yes' if sympy else 'no'}")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per figure")
    parser.add_argument(
        "--prove-runs", type=int, default=9, help="fresh default proves per tree (default 9)"
    )
    parser.add_argument(
        "--against", type=Path, help="a reference tree: its default prove is timed too"
    )
    parser.add_argument(
        "--prove-only", action="store_true", help="only the default prove's CPU time"
    )
    args = parser.parse_args(argv)
    if args.against is not None and not (args.against / "symbolic_bp").is_dir():
        parser.error(f"--against {args.against}: no symbolic_bp package there")
    with tempfile.TemporaryDirectory() as workdir:
        if not args.prove_only:
            table(args.runs, workdir)
            print()
        trees = [ROOT] + ([args.against.resolve()] if args.against is not None else [])
        times = interleaved(trees, args.prove_runs, workdir)
    print(f"python -m symbolic_bp prove: CPU time, median of {args.prove_runs} fresh processes")
    for tree, samples in zip(trees, times, strict=True):
        print(f"  {str(tree):40s} {spread(samples)}")
    if len(trees) == 2:
        ratio = statistics.median(times[0]) / statistics.median(times[1])
        print(f"  ratio of the medians, this tree / {trees[1].name}: {ratio:.3f}")


if __name__ == "__main__":
    main()
