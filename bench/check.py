"""Time of ``symbolic-bp check`` (trace and proof) in a fresh process, start-up included.

Each figure is the wall time of one ``python -m symbolic_bp check FILE ...`` (the median of
``--repeat`` runs): importing symbolic_bp, NumPy and SymPy, tracing the learner's step,
proving every update against the gradient and every registered convention, certifying the
counterexamples, and (for code that is a known recipe other than the gradient) proving that
recipe against the gradient for the explanation. Targets (issue 13): under 3 s for the 3-3-3
class-based and the 2-3-2-2 mini-batch networks, under 20 s for 8-16-16-4.

    python bench/check.py             # every network once
    python bench/check.py --repeat 5  # medians of five runs
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "tests" / "check_examples"

#: (label, file, options, target seconds)
CASES = [
    ("3-3-3 class-based, expit (the book's)", "book_expit_class", ["--layers", "3,3,3"], 3.0),
    ("3-3-3 per-neuron objects", "neuron_objects", ["--layers", "3,3,3", "--bias"], 3.0),
    ("2-3-2-2 mini-batch of 4", "minibatch_class", ["--layers", "2,3,2,2", "--bias",
                                                     "--batch", "4"], 3.0),
    ("8-16-16-4 mini-batch class", "minibatch_class", ["--layers", "8,16,16,4", "--bias"], 20.0),
    ("8-16-16-4 layer objects, tanh", "layers_right_order", ["--layers", "8,16,16,4",
                                                              "--bias", "--activation", "tanh"],
     20.0),
    ("8-16-16-4 autograd Value class", "micrograd_style", ["--layers", "8,16,16,4", "--bias"],
     20.0),
]  # fmt: skip


def once(stem: str, options: list[str]) -> tuple[float, float, int, str]:
    """Wall and CPU seconds (the child's user + system time: what the machine's other load
    does not inflate), exit code and first line of one fresh run."""
    cmd = [sys.executable, "-m", "symbolic_bp", "check", str(EXAMPLES / f"{stem}.py"), *options]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = (res.stdout or res.stderr).splitlines()[0] if (res.stdout or res.stderr) else ""
    return seconds, cpu, res.returncode, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per network (median)")
    args = parser.parse_args()
    for label, stem, options, target in CASES:
        if stem == "book_expit_class" and importlib.util.find_spec("scipy") is None:
            print(f"{label:40s} skipped (needs SciPy)")
            continue
        runs = [once(stem, options) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        _, _, code, line = runs[0]
        verdict = line.split(":")[0] if code in (0, 1, 3) else f"error: {line}"
        mark = "ok" if seconds < target else "MISSED"
        print(
            f"{label:38s} {seconds:6.2f} s wall, {cpu:6.2f} s CPU "
            f"(target {target:g} s: {mark}; exit {code}, {verdict})"
        )


if __name__ == "__main__":
    main()
