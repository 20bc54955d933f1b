"""How the instance prover scales with the number of parameters (issue #4's measurement).

For each network of a size ladder it runs, in a fresh subprocess with a wall-time cap,
``prove`` for ``delta,gradient`` and ``error_at_update,gradient`` with generic and sigmoid
activations (biases on), and prints parameters, seconds and peak memory (the child's max RSS).
It fits the growth exponent of time against parameters (least squares on log-log), and runs the
naive method (SymPy ``diff`` of the whole expanded loss for every parameter, then
``simplify(rule - gradient)``) on the same ladder until a size exceeds its cap.

A softmax output with the categorical cross-entropy is timed too: ``symbolic-bp prove`` on
784-128-10 (sigmoid, softmax) in a fresh process, the median of five (target: under 3 s).

Issue 17's ladders (``--ladder width`` or ``--ladder depth``) run the command line
``symbolic-bp prove --bias --json`` (conditions searched, as a user runs it) in a fresh process
per point, for ``delta,gradient`` and ``error_at_update,gradient`` with generic activations,
and print the CPU seconds (user + system, start-up included) and the peak RSS of each, the
JSON's size, and the growth exponents of CPU time and peak memory (least squares on log-log)
against the width or the depth:

- width: ``w,w,w,10`` and ``w,w,w,w,w,10`` (depth 3 and 5) for ``w`` from 64 to 4096, then
  ``4096,4096,4096,10`` and ten layers of 4096, and ``784,128,10 --json`` by default;
- depth: 8 inputs and ``L`` layers of width 8 for ``L`` from 3 to 101.

Run:  python bench/prove_scale.py [--max-params N] [--cap SECONDS] [--naive-cap SECONDS]
      python bench/prove_scale.py --softmax-only
      python bench/prove_scale.py --ladder width|depth [--cap SECONDS]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import threading
import time

LADDER = [
    (2, 2, 1),
    (3, 4, 2),
    (4, 8, 4),
    (8, 16, 4),
    (16, 16, 4),
    (32, 32, 10),
    (64, 64, 10),
    (4, 8, 8, 4, 2),
    (128, 64, 10),
    (784, 128, 10),
    (784, 256, 128, 64, 10),
]

CHILD = """
import json, sys, time
from symbolic_bp import Network, prove
from symbolic_bp.proof import Limits
sizes, act, a, b, cap = json.loads(sys.argv[1])
start = time.perf_counter()
net = Network.build(sizes, act, bias=True)
report = prove(net, a, b, Limits(timeout=cap), conditions=False)
print(json.dumps({"counts": report.counts(), "seconds": time.perf_counter() - start}))
"""

NAIVE = """
import json, sys, time
import sympy as sp
from symbolic_bp import Network, derive, loss_gradient
sizes, act = json.loads(sys.argv[1])
start = time.perf_counter()
net = Network.build(sizes, act, bias=True)
grad = loss_gradient(net)
rules = derive(net, "delta")
for p in net.parameters():
    assert sp.simplify(net.unfold(rules.expanded(p) - grad[p])) == 0
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def parameters(sizes: tuple[int, ...]) -> int:
    return sum(sizes[i] * (sizes[i - 1] + 1) for i in range(1, len(sizes)))


def run_child(code: str, payload: list, cap: float) -> tuple[dict | None, float, float]:
    """(result, or None on time-out/failure; wall seconds; this child's peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, json.dumps(payload)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    timer = threading.Timer(cap, proc.kill)
    timer.start()
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    wall = time.perf_counter() - start
    ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and out
    return (json.loads(out) if ok else None), wall, usage.ru_maxrss / 1024


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(seconds) against log(parameters)."""
    pts = [(math.log(p), math.log(s)) for p, s in points if s > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


SOFTMAX = [
    "--layers",
    "784,128,10",
    "--activation",
    "sigmoid,softmax",
    "--loss",
    "categorical_cross_entropy",
    "--bias",
]


def softmax_checks() -> list[tuple[str, bool]]:
    """784-128-10 with a softmax output: ``symbolic-bp prove`` in fresh processes."""
    checks = []
    for pair in ("delta,gradient", "error_at_update,delta"):
        walls, users, codes = [], [], []
        for _ in range(5 if pair.startswith("delta") else 1):
            begin = time.perf_counter()
            cmd = [sys.executable, "-m", "symbolic_bp", "prove", *SOFTMAX, "--conventions", pair]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            walls.append(time.perf_counter() - begin)
            users.append(usage.ru_utime + usage.ru_stime)
            codes.append(os.WEXITSTATUS(status))
        wall, cpu = sorted(walls)[len(walls) // 2], sorted(users)[len(users) // 2]
        want = 0 if pair.startswith("delta") else 1
        text = (
            f"784-128-10 sigmoid,softmax categorical_cross_entropy {pair}: {wall:.2f} s wall, "
            f"{cpu:.2f} s CPU, exit {codes[0]} (median of {len(walls)} fresh processes"
            + ("; < 3 s, proven equal)" if want == 0 else "; proven different)")
        )
        checks.append((text, all(c == want for c in codes) and (want or wall < 3)))
    return checks


PAIRS = ("delta,gradient", "error_at_update,gradient")


def run_cli(args: list[str], cap: float) -> tuple[int | None, float, float, int]:
    """``symbolic-bp prove ARGS`` in a fresh process: (exit code, or None when it ran over
    ``cap`` seconds; CPU seconds; peak RSS in MiB; bytes written to stdout)."""
    cmd = [sys.executable, "-m", "symbolic_bp", "prove", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    timer = threading.Timer(cap, proc.kill)
    timer.start()
    size = len(proc.stdout.read()) if proc.stdout else 0
    _, status, usage = os.wait4(proc.pid, 0)
    killed = not timer.is_alive()
    timer.cancel()
    code = None if killed or not os.WIFEXITED(status) else os.WEXITSTATUS(status)
    return code, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, size


def run_ladder(kind: str, cap: float) -> None:
    """Issue 17's width or depth ladder (see the module docstring)."""
    if kind == "width":
        widths = [64, 128, 256, 512, 1024, 2048, 4096]
        shapes = {f"depth {d}": [(w, [w] * d + [10]) for w in widths] for d in (3, 5)}
    else:
        depths = [3, 6, 11, 21, 31, 51, 76, 101]
        shapes = {"width 8": [(d, [8] * (d + 1)) for d in depths]}
    print(f"{kind} ladder: symbolic-bp prove --bias --json, a fresh process per point")
    print(f"{'network':<34} {'pair':<26} {'exit':>4} {'CPU s':>7} {'peak MiB':>9} {'JSON B':>8}")
    checks: list[tuple[str, bool]] = []
    for label, points in shapes.items():
        for pair in PAIRS:
            times, peaks = [], []
            for x, sizes in points:
                layers = ",".join(map(str, sizes))
                code, cpu, peak, size = run_cli(
                    ["--layers", layers, "--bias", "--conventions", pair, "--json"], cap
                )
                name = layers if len(layers) <= 34 else f"{sizes[0]} + {len(sizes) - 1} layers"
                shown = "time" if code is None else str(code)
                print(f"{name:<34} {pair:<26} {shown:>4} {cpu:7.2f} {peak:9.0f} {size:8d}")
                if code not in (0, 1):
                    continue
                times.append((x, cpu))
                peaks.append((x, peak))
                if kind == "width" and sizes[0] == 4096:
                    want = 0 if pair.startswith("delta") else 1
                    checks.append((f"{layers} {pair} exit {code} (want {want})", code == want))
                if kind == "depth" and x == 51:
                    checks.append((f"51 layers {pair}: {cpu:.2f} s CPU (< 3 s)", cpu < 3))
                if kind == "width":
                    ok = peak < 150
                    checks.append((f"{layers} {pair}: {peak:.0f} MiB (< 150 MiB)", ok))
            kt, km = exponent(times), exponent(peaks)
            bound = 0.1 if kind == "width" else 1.1
            for what, k in (("CPU time", kt), ("peak memory", km)):
                if k is not None:
                    print(f"  growth exponent of {what} in {kind}, {label}, {pair}: {k:.2f}")
                    if what == "CPU time" or kind == "width":
                        checks.append(
                            (f"{what} exponent {label} {pair}: {k:.2f} (<= {bound})", k <= bound)
                        )
    if kind == "width":
        ten = ",".join(["4096"] * 10 + ["10"])
        for pair in PAIRS:
            code, cpu, peak, size = run_cli(["--layers", ten, "--bias", "--conventions", pair], cap)
            text = f"10 layers of 4096 {pair}: exit {code}, {cpu:.2f} s CPU, {peak:.0f} MiB"
            print(text)
            checks.append((text, code == (0 if pair.startswith("delta") else 1)))
        for pair in PAIRS:
            code, cpu, peak, size = run_cli(
                ["--layers", "784,128,10", "--conventions", pair, "--json"], cap
            )
            text = f"784-128-10 {pair} --json: {size} bytes, {cpu:.2f} s CPU (< 1 MiB)"
            checks.append((text, size < 2**20 and code in (0, 1)))
    print("targets:")
    for text, good in checks:
        print(f"  [{'met' if good else 'MISSED'}] {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-params", type=int, default=300_000)
    parser.add_argument("--cap", type=float, default=120.0, help="seconds per prove run")
    parser.add_argument("--naive-cap", type=float, default=120.0)
    parser.add_argument("--softmax-only", action="store_true", help="only the softmax target")
    parser.add_argument("--ladder", choices=("width", "depth"), help="issue 17's ladders only")
    args = parser.parse_args()
    if args.ladder:
        run_ladder(args.ladder, args.cap)
        return
    if args.softmax_only:
        for text, good in softmax_checks():
            print(f"  [{'met' if good else 'MISSED'}] {text}")
        return
    ladder = [s for s in LADDER if parameters(s) <= args.max_params]

    print("prover (a fresh process per run; wall time includes start-up, about 1 s)")
    header = f"{'network':<24} {'params':>8} {'pair':<26} {'act':<8} {'wall s':>8} {'proof s':>8}"
    print(f"{header} {'peak MiB':>9}  verdict")
    series: dict[tuple[str, str], list[tuple[int, float]]] = {}
    stopped: set[tuple[str, str]] = set()
    figures: dict[tuple[tuple[int, ...], str, str], tuple[float, float, float]] = {}
    for sizes in ladder:
        for pair in (("delta", "gradient"), ("error_at_update", "gradient")):
            for act in ("generic", "sigmoid"):
                name = "-".join(map(str, sizes))
                if (pair[0], act) in stopped:
                    continue
                result, wall, peak = run_child(CHILD, [sizes, act, *pair, args.cap], args.cap + 30)
                verdict = (
                    "time-out: larger sizes of this series skipped"
                    if result is None
                    else ",".join(f"{k}={v}" for k, v in result["counts"].items() if v)
                )
                inner = result["seconds"] if result is not None else float("nan")
                print(
                    f"{name:<24} {parameters(sizes):>8} {','.join(pair):<26} {act:<8} "
                    f"{wall:8.2f} {inner:8.2f} {peak:9.0f}  {verdict}",
                    flush=True,
                )
                if result is None:
                    stopped.add((pair[0], act))
                    continue
                series.setdefault((pair[0], act), []).append((parameters(sizes), inner))
                figures[(sizes, pair[0], act)] = (wall, inner, peak)
    print()
    exponents = {}
    for (first, act), pts in series.items():
        k = exponent(pts)
        exponents[(first, act)] = k
        if k is not None:
            print(f"growth exponent of the proof time, {first},gradient {act}: {k:.2f}")

    print()
    # the small targets are a few tenths of a second: the median of five fresh processes
    walls = []
    for _ in range(5):
        begin = time.perf_counter()
        cmd = [sys.executable, "-m", "symbolic_bp", "prove"]
        subprocess.run(cmd, capture_output=True, check=False)
        walls.append(time.perf_counter() - begin)
    default_wall = sorted(walls)[2]
    print("targets (small networks: median of five fresh processes):")
    checks = [
        (
            f"default `symbolic-bp prove` {default_wall:.2f} s with start-up (< 2 s)",
            default_wall < 2,
        ),
    ]
    for pair in ("delta", "error_at_update"):
        for act in ("generic", "sigmoid"):
            payload = [(3, 4, 2), act, pair, "gradient", args.cap]
            runs = [run_child(CHILD, payload, args.cap + 30)[0] for _ in range(5)]
            inner = sorted(r["seconds"] for r in runs if r is not None)
            if len(inner) == 5:
                med = inner[2]
                text = f"3-4-2 {pair},gradient {act}: proof {med:.2f} s (< 0.2 s)"
                checks.append((text, med < 0.2))
    for sizes in ((784, 128, 10), (784, 256, 128, 64, 10)):
        for pair in ("delta", "error_at_update"):
            for act in ("generic", "sigmoid"):
                fig = figures.get((sizes, pair, act))
                label = f"{'-'.join(map(str, sizes))} {pair},gradient {act}"
                if fig is None:
                    checks.append((f"{label}: not finished", False))
                else:
                    ok = fig[0] < 60 and fig[2] < 2048
                    checks.append(
                        (f"{label}: {fig[0]:.1f} s, {fig[2]:.0f} MiB (< 60 s, < 2 GiB)", ok)
                    )
    for (first, act), k in exponents.items():
        if k is not None:
            checks.append((f"growth exponent {first},gradient {act}: {k:.2f} (<= 1.1)", k <= 1.1))
    checks += softmax_checks()
    for text, good in checks:
        print(f"  [{'met' if good else 'MISSED'}] {text}")

    print()
    cap = f"{args.naive_cap:g}"
    print(f"naive method (diff of the expanded loss, simplify per parameter; cap {cap} s)")
    for sizes in ladder:
        result, wall, _ = run_child(NAIVE, [sizes, "sigmoid"], args.naive_cap)
        name = "-".join(map(str, sizes))
        if result is None:
            print(
                f"{name:<24} {parameters(sizes):>8}  over {args.naive_cap:g} s: stopping the ladder"
            )
            break
        print(f"{name:<24} {parameters(sizes):>8} {wall:9.2f} s", flush=True)


if __name__ == "__main__":
    main()
