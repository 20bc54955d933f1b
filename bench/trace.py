"""Time to trace a learner's step (``symbolic_bp.trace.trace_step``) in a fresh process.

Each figure is one fresh ``python`` process: start-up (importing symbolic_bp, NumPy, SymPy)
plus the trace (two runs of the user's code on symbolic values and their comparison). The
proof against the gradient is not included (``bench/check.py`` measures trace and proof).

    python bench/trace.py            # the three networks of issue 13
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "tests" / "check_examples"
CASES = [
    ("3-3-3 class-based (book_expit_class)", "book_expit_class", [3, 3, 3], False, None),
    ("3-3-3 per-neuron objects", "neuron_objects", [3, 3, 3], True, None),
    ("2-3-2-2 mini-batch of 4", "minibatch_class", [2, 3, 2, 2], True, 4),
    ("8-16-16-4 mini-batch class", "minibatch_class", [8, 16, 16, 4], True, None),
    ("8-16-16-4 layer objects", "layers_right_order", [8, 16, 16, 4], True, None),
    ("8-16-16-4 autograd Value class", "micrograd_style", [8, 16, 16, 4], True, None),
]
SCRIPT = """
import time
start = time.perf_counter()
from symbolic_bp.model.network import Network
from symbolic_bp.trace import trace_step
imported = time.perf_counter()
trace = trace_step({path!r}, Network.build({sizes!r}, bias={bias!r}), batch={batch!r},
                   time_limit=600)
print(f"{{imported - start:.2f}} {{trace.seconds:.2f}} {{len(trace.updates)}}")
"""


def main() -> None:
    for label, stem, sizes, bias, batch in CASES:
        code = SCRIPT.format(path=str(EXAMPLES / f"{stem}.py"), sizes=sizes, bias=bias, batch=batch)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        wall = time.perf_counter() - start
        if out.returncode:
            print(f"{label:38s} failed: {out.stderr.strip().splitlines()[-1]}")
            continue
        imported, traced, count = out.stdout.split()
        print(f"{label:38s} {count:>4s} parameters: {wall:5.2f} s in all "
              f"(start-up {imported} s, trace {traced} s)")  # fmt: skip


if __name__ == "__main__":
    main()
