"""One training step, four ways (issue #5's measurement).

For XOR 2-2-1 (one sample), 784-128-10 (batch 64) and 64-64-64-10 (batch 256), all sigmoid with
biases, half squared error and the ``delta`` convention, it times one step (loss before the
step and the new parameters, the update being the mean of the per-sample updates) of

- the module exported by ``symbolic_bp.export`` (the code ``symbolic-bp export`` writes);
- a hand-written vectorised NumPy step (``1/(1+exp(-z))``, ``a(1-a)``, matrix products);
- a pure-Python per-neuron step in the style of the well-known from-scratch tutorials
  (lists, loops over neurons and weights, ``math.exp``);
- PyTorch on the CPU (autograd, float64), where it is installed.

A softmax classifier is timed as well: 784-128-10 (sigmoid, softmax, categorical cross-entropy,
one-hot targets, batch 64), the exported ``delta`` step against a hand-written NumPy step
(max-shifted softmax, log-sum-exp loss, ``delta = t - y``).

A column "matrix products only" times just the matrix products a step needs (for each
layer ``Y_{l-1} W_l^T`` forward, ``D_l^T Y_{l-1}`` and, below the output, ``D_l W_l`` backward) on
the same arrays: the bound that elementwise work, however fused, adds to. The ratios to it say
how much a step spends outside BLAS. A last column, "fewest NumPy passes", adds to those
products the elementwise passes that no NumPy-only sigmoid step can skip (:func:`fewest_passes`):
NumPy runs each elementwise operation as its own pass, so its ratio to the products is how
close to them code that imports only NumPy can come.

All are first checked to agree to 1e-10 on the same data. Times are CPU seconds of this
process (``time.process_time``: steadier than wall time on a shared machine, and the same
thing with BLAS on one thread; PyTorch's own threads are counted too), medians over
interleaved rounds (each round times every implementation once, so that drift in the machine's
speed hits all of them alike); the ratios are medians of the per-round ratios. It also times the
export of 784-128-10.

BLAS runs on one thread by default (``--threads N`` to change; set before NumPy is imported):
with several, the matrix products' time depends on what else the machine runs, and the figures
stop being comparable.

Run:  python bench/numeric.py [--rounds N] [--threads N]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable

# PyTorch's OpenMP threads otherwise spin for a while after each call and steal a core from
# whatever is timed next (set before torch is imported)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _threads(argv: list[str]) -> str:
    """``--threads N`` (default 1), read before NumPy is imported: BLAS reads it at load."""
    for i, word in enumerate(argv):
        if word == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith("--threads="):
            return word.split("=", 1)[1]
    return "1"


THREADS = _threads(sys.argv)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS

import numpy as np  # noqa: E402

from symbolic_bp import Network, export_source, load_module  # noqa: E402

CASES = [("XOR 2-2-1, one sample", (2, 2, 1), 1), ("784-128-10, batch 64", (784, 128, 10), 64),
         ("64-64-64-10, batch 256", (64, 64, 64, 10), 256)]  # fmt: skip


# -- hand-written NumPy --------------------------------------------------------------------
def hand_numpy(params: dict, X: np.ndarray, T: np.ndarray, lr: float) -> tuple[float, dict]:
    depth = len(params) // 2
    ys = [X]
    for l in range(1, depth + 1):
        ys.append(1.0 / (1.0 + np.exp(-(ys[-1] @ params[f"W{l}"].T + params[f"b{l}"]))))
    y = ys[-1]
    batch = X.shape[0]
    loss = 0.5 * np.sum((T - y) ** 2) / batch
    new = {}
    delta = (T - y) * y * (1.0 - y)
    scale = lr / batch
    for l in range(depth, 0, -1):
        new[f"W{l}"] = params[f"W{l}"] + scale * (delta.T @ ys[l - 1])
        new[f"b{l}"] = params[f"b{l}"] + scale * delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"]) * ys[l - 1] * (1.0 - ys[l - 1])
    return loss, new


def hand_softmax(params: dict, X: np.ndarray, T: np.ndarray, lr: float) -> tuple[float, dict]:
    """Sigmoid hidden layers, a softmax output and the categorical cross-entropy."""
    depth = len(params) // 2
    ys = [X]
    for l in range(1, depth):
        ys.append(1.0 / (1.0 + np.exp(-(ys[-1] @ params[f"W{l}"].T + params[f"b{l}"]))))
    z = ys[-1] @ params[f"W{depth}"].T + params[f"b{depth}"]
    shift = z.max(axis=1, keepdims=True)
    y = np.exp(z - shift)
    total = y.sum(axis=1, keepdims=True)
    y /= total
    batch = X.shape[0]
    loss = -np.sum(T * (z - shift - np.log(total))) / batch
    new = {}
    delta = T - y  # one-hot targets
    scale = lr / batch
    for l in range(depth, 0, -1):
        new[f"W{l}"] = params[f"W{l}"] + scale * (delta.T @ ys[l - 1])
        new[f"b{l}"] = params[f"b{l}"] + scale * delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[f"W{l}"]) * ys[l - 1] * (1.0 - ys[l - 1])
    return loss, new


# -- the bound: the matrix products alone ----------------------------------------------------
def signals(params: dict, X: np.ndarray, T: np.ndarray, softmax: bool = False) -> tuple:
    """The layer outputs ``Y_0 = X, ..., Y_L`` and the deltas ``D_1..D_L`` of one step (the
    arrays the matrix products of a step multiply)."""
    depth = len(params) // 2
    ys = [X]
    for l in range(1, depth + 1):
        z = ys[-1] @ params[f"W{l}"].T + params[f"b{l}"]
        if softmax and l == depth:
            y = np.exp(z - z.max(axis=1, keepdims=True))
            ys.append(y / y.sum(axis=1, keepdims=True))
        else:
            ys.append(1.0 / (1.0 + np.exp(-z)))
    y = ys[-1]
    ds = {depth: T - y if softmax else (T - y) * y * (1.0 - y)}
    for l in range(depth, 1, -1):
        ds[l - 1] = (ds[l] @ params[f"W{l}"]) * ys[l - 1] * (1.0 - ys[l - 1])
    return ys, ds


def matrix_products(params: dict, ys: list, ds: dict) -> None:
    """Only the matrix products of a step, on the same arrays: ``Y_{l-1} W_l^T``, ``D_l^T
    Y_{l-1}`` and ``D_l W_l`` (l > 1)."""
    for l in range(1, len(ys)):
        ys[l - 1] @ params[f"W{l}"].T
        ds[l].T @ ys[l - 1]
        if l > 1:
            ds[l] @ params[f"W{l}"]


def fewest_passes(params: dict, ys: list, ds: dict, work: dict) -> None:
    """The matrix products plus the elementwise work that no NumPy-only sigmoid step can skip,
    each done once, in place, on the same arrays: NumPy runs every elementwise operation as its
    own pass over the array (it cannot fuse them). Per layer: the bias added along the rows;
    sigmoid as ``exp``, ``+ 1``, ``1 /`` (as if the negation were folded into the weights); the
    derivative ``(1 - y) y`` times the back-propagated signal (a subtraction and two products);
    the bias update's column sums as one product ``ones @ D``. Not counted: the loss, the output
    error ``T - y``, the scaling by ``lr / batch`` and the parameter update."""
    ones = work["ones"]
    for l in range(1, len(ys)):
        e = np.matmul(ys[l - 1], params[f"W{l}"].T, out=work[f"e{l}"])
        e += params[f"b{l}"]
        np.exp(e, out=e)
        np.add(e, 1.0, out=e)
        np.divide(1.0, e, out=e)
    for l in range(len(ys) - 1, 0, -1):
        d = np.subtract(1.0, ys[l], out=work[f"d{l}"])
        np.multiply(d, ys[l], out=d)
        np.multiply(d, ds[l], out=d)
        ds[l].T @ ys[l - 1]
        ones @ ds[l]
        if l > 1:
            ds[l] @ params[f"W{l}"]


def passes_work(ys: list) -> dict:
    """Work arrays for :func:`fewest_passes`, shaped like the layer outputs."""
    work = {"ones": np.ones(len(ys[0]))}
    for l in range(1, len(ys)):
        work[f"e{l}"], work[f"d{l}"] = np.empty_like(ys[l]), np.empty_like(ys[l])
    return work


# -- per-neuron Python, as in the from-scratch tutorials ---------------------------------------
def to_network(params: dict) -> list[list[dict]]:
    """The tutorials' layout: a list of layers, each a list of neurons ``{'weights': [...,
    bias]}``."""
    depth = len(params) // 2
    return [
        [
            {"weights": [*map(float, params[f"W{l}"][j]), float(params[f"b{l}"][j])]}
            for j in range(params[f"W{l}"].shape[0])
        ]
        for l in range(1, depth + 1)
    ]


def python_step(network: list[list[dict]], X: list, T: list, lr: float) -> float:
    """One step on the batch: per sample forward, backward (deltas), accumulate; then apply
    the mean update. Mutates ``network``; returns the loss before the step."""
    sums = [[[0.0] * len(n["weights"]) for n in layer] for layer in network]
    total = 0.0
    for x, t in zip(X, T, strict=True):
        inputs = x
        for layer in network:
            outs = []
            for neuron in layer:
                w = neuron["weights"]
                activation = w[-1]
                for i in range(len(w) - 1):
                    activation += w[i] * inputs[i]
                neuron["output"] = 1.0 / (1.0 + math.exp(-activation))
                outs.append(neuron["output"])
            inputs = outs
        for j, neuron in enumerate(network[-1]):
            total += 0.5 * (t[j] - neuron["output"]) ** 2
        for l in range(len(network) - 1, -1, -1):
            layer = network[l]
            for j, neuron in enumerate(layer):
                if l == len(network) - 1:
                    error = t[j] - neuron["output"]
                else:
                    error = 0.0
                    for upper in network[l + 1]:
                        error += upper["weights"][j] * upper["delta"]
                neuron["delta"] = error * neuron["output"] * (1.0 - neuron["output"])
        for l, layer in enumerate(network):
            prev = x if l == 0 else [n["output"] for n in network[l - 1]]
            for j, neuron in enumerate(layer):
                acc = sums[l][j]
                d = neuron["delta"]
                for i in range(len(prev)):
                    acc[i] += d * prev[i]
                acc[-1] += d
    scale = lr / len(X)
    for l, layer in enumerate(network):
        for j, neuron in enumerate(layer):
            w, acc = neuron["weights"], sums[l][j]
            for i in range(len(w)):
                w[i] += scale * acc[i]
    return total / len(X)


def from_network(network: list[list[dict]]) -> dict:
    out = {}
    for l, layer in enumerate(network, start=1):
        out[f"W{l}"] = np.array([n["weights"][:-1] for n in layer])
        out[f"b{l}"] = np.array([n["weights"][-1] for n in layer])
    return out


# -- PyTorch -----------------------------------------------------------------------------------
def torch_step_factory() -> Callable | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)

    def step(params: dict, X: torch.Tensor, T: torch.Tensor, lr: float) -> tuple[float, dict]:
        tensors = {k: v.detach().requires_grad_(True) for k, v in params.items()}
        depth = len(params) // 2
        y = X
        for l in range(1, depth + 1):
            y = torch.sigmoid(y @ tensors[f"W{l}"].T + tensors[f"b{l}"])
        loss = 0.5 * ((T - y) ** 2).sum() / X.shape[0]
        grads = torch.autograd.grad(loss, list(tensors.values()))
        with torch.no_grad():
            new = {k: v - lr * g for (k, v), g in zip(tensors.items(), grads, strict=True)}
        return float(loss.detach()), new

    return step


# -- timing ------------------------------------------------------------------------------------
def per_call(fn: Callable[[], object], budget: float = 0.05) -> Callable[[], float]:
    """A timer of ``fn``: calls per measurement chosen so one measurement takes ~``budget``."""
    start = time.process_time()
    fn()
    once = max(time.process_time() - start, 1e-6)
    number = max(1, int(budget / once))

    def measure() -> float:
        t0 = time.process_time()
        for _ in range(number):
            fn()
        return (time.process_time() - t0) / number

    return measure


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def run_case(
    sizes: tuple[int, ...], batch: int, rounds_all: int, torch_step: Callable | None
) -> tuple[dict[str, float], float, float]:
    """Check agreement, then time every implementation on one network: ``(median seconds by
    name, median ratio exported / hand NumPy, largest difference from the exported step)``."""
    rng = np.random.default_rng(0)
    params = {}
    for l in range(1, len(sizes)):
        bound = 1 / math.sqrt(sizes[l - 1])
        params[f"W{l}"] = rng.uniform(-bound, bound, size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.uniform(-0.1, 0.1, size=sizes[l])
    X = rng.uniform(0, 1, size=(batch, sizes[0]))
    T = rng.uniform(0, 1, size=(batch, sizes[-1]))
    module = load_module(Network.build(list(sizes), "sigmoid", bias=True), "delta")
    lr = 0.5

    # agreement first
    loss_e, new_e = module.step(params, X, T, lr)
    loss_h, new_h = hand_numpy(params, X, T, lr)
    network = to_network(params)
    loss_p = python_step(network, X.tolist(), T.tolist(), lr)
    results = {"hand NumPy": (loss_h, new_h), "per-neuron Python": (loss_p, from_network(network))}
    ys, ds = signals(params, X, T)
    timers: dict[str, Callable[[], float]] = {
        "exported": per_call(lambda: module.step(params, X, T, lr)),
        "hand NumPy": per_call(lambda: hand_numpy(params, X, T, lr)),
        "matrix products only": per_call(lambda: matrix_products(params, ys, ds)),
    }
    passes = passes_work(ys)
    timers["fewest NumPy passes"] = per_call(lambda: fewest_passes(params, ys, ds, passes))
    net_copy = to_network(params)
    xs, ts = X.tolist(), T.tolist()
    timers["per-neuron Python"] = per_call(lambda: python_step(net_copy, xs, ts, lr), 0.0)
    if torch_step is not None:
        import torch

        tp = {k: torch.tensor(v) for k, v in params.items()}
        tX, tT = torch.tensor(X), torch.tensor(T)
        loss_t, new_t = torch_step(tp, tX, tT, lr)
        results["PyTorch"] = (loss_t, {k: v.numpy() for k, v in new_t.items()})
        timers["PyTorch"] = per_call(lambda: torch_step(tp, tX, tT, lr))
    worst = 0.0
    for loss_o, new_o in results.values():
        worst = max(worst, abs(loss_o - loss_e))
        worst = max(worst, *(float(np.max(np.abs(new_o[k] - new_e[k]))) for k in new_e))

    slow_rounds = rounds_all if sizes == (2, 2, 1) else max(3, rounds_all // 3)
    samples: dict[str, list[float]] = {k: [] for k in timers}
    names = list(timers)
    for r in range(rounds_all):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate the order
            if name == "per-neuron Python" and r >= slow_rounds:
                continue  # seconds per call on the big networks: fewer rounds suffice
            samples[name].append(timers[name]())
    med = {k: statistics.median(v) for k, v in samples.items()}
    return med, ratios(samples), worst


def ratios(samples: dict[str, list[float]]) -> dict[str, float]:
    """Medians of the per-round ratios: exported / hand, exported and hand / matrix products."""

    def ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(samples[a], samples[b], strict=True))

    bound = "matrix products only"
    out = {
        "exported / hand": ratio("exported", "hand NumPy"),
        "exported / bound": ratio("exported", bound),
        "hand / bound": ratio("hand NumPy", bound),
    }
    if "fewest NumPy passes" in samples:
        out["passes / bound"] = ratio("fewest NumPy passes", bound)
    return out


def run_softmax_case(
    sizes: tuple[int, ...], batch: int, rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """The exported softmax step against the hand-written one and the matrix products:
    ``(median seconds by name, ratios)`` after checking they agree to 1e-10 (and are finite at
    inputs of 1000)."""
    rng = np.random.default_rng(1)
    params = {}
    for l in range(1, len(sizes)):
        bound = 1 / math.sqrt(sizes[l - 1])
        params[f"W{l}"] = rng.uniform(-bound, bound, size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.uniform(-0.1, 0.1, size=sizes[l])
    X = rng.uniform(0, 1, size=(batch, sizes[0]))
    T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=batch)]
    net = Network.build(list(sizes), "sigmoid,softmax", "categorical_cross_entropy", bias=True)
    module = load_module(net, "delta")
    lr = 0.5
    loss_e, new_e = module.step(params, X, T, lr)
    loss_h, new_h = hand_softmax(params, X, T, lr)
    worst = max(abs(loss_e - loss_h), *(float(np.max(np.abs(new_e[k] - new_h[k]))) for k in new_e))
    if worst > 1e-10:
        raise SystemExit(f"the exported softmax step and the hand-written one differ by {worst}")
    with np.errstate(all="raise", under="ignore"):
        big = module.step(params, 1e3 * X, T, lr)
    assert np.isfinite(big[0]) and all(np.isfinite(v).all() for v in big[1].values())
    ys, ds = signals(params, X, T, softmax=True)
    timers = {
        "exported": per_call(lambda: module.step(params, X, T, lr)),
        "hand NumPy": per_call(lambda: hand_softmax(params, X, T, lr)),
        "matrix products only": per_call(lambda: matrix_products(params, ys, ds)),
    }
    samples: dict[str, list[float]] = {k: [] for k in timers}
    names = list(timers)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            samples[name].append(timers[name]())
    return {k: statistics.median(v) for k, v in samples.items()}, ratios(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--softmax-only", action="store_true", help="only the softmax case")
    parser.add_argument(
        "--threads", default="1", help="BLAS threads (default 1, for comparable figures)"
    )
    args = parser.parse_args()
    print(f"BLAS threads: {THREADS} (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, MKL_NUM_THREADS)")
    if args.softmax_only:
        med, soft = run_softmax_case((784, 128, 10), 64, args.rounds)
        print(
            f"784-128-10 softmax, batch 64: exported {fmt(med['exported'])}, hand NumPy "
            f"{fmt(med['hand NumPy'])}, matrix products only {fmt(med['matrix products only'])}"
        )
        good = soft["exported / bound"] <= 1.3
        print(
            f"[{'met' if good else 'MISSED'}] exported within 1.3x of the matrix products: "
            f"{soft['exported / bound']:.2f}x (hand NumPy {soft['hand / bound']:.2f}x)"
        )
        return 0 if good else 1
    torch_step = torch_step_factory()
    if torch_step is not None:
        import torch

        print(f"PyTorch {torch.__version__} (CPU, float64)")
    else:
        print("PyTorch: not installed (its column is n/a)")
    print(f"NumPy {np.__version__}, Python {sys.version.split()[0]}\n")

    net = Network.build([784, 128, 10], "sigmoid", bias=True)
    start = time.perf_counter()
    export_source(net, "delta")
    export_seconds = time.perf_counter() - start

    rows = []
    ok = True
    for label, sizes, batch in CASES:
        med, ratio, worst = run_case(sizes, batch, args.rounds, torch_step)
        ok &= worst <= 1e-10
        rows.append((label, med, ratio, worst))

    names = ["exported", "hand NumPy", "per-neuron Python", "PyTorch", "matrix products only"]
    names.append("fewest NumPy passes")
    extra = (
        "exported / hand | exported / matmuls | hand / matmuls | passes / matmuls | "
        "per-neuron / exported"
    )
    print(f"| step | {' | '.join(names)} | {extra} | max diff |")
    print("|" + "---|" * (len(names) + 7))
    verdicts = []
    for label, med, r, worst in rows:
        cells = [fmt(med.get(n)) for n in names]
        speedup = med["per-neuron Python"] / med["exported"]
        text = (
            f"{r['exported / hand']:.2f}x | {r['exported / bound']:.2f}x | "
            f"{r['hand / bound']:.2f}x | {r['passes / bound']:.2f}x | {speedup:.0f}x | {worst:.1e}"
        )
        print(f"| {label} | {' | '.join(cells)} | {text} |")
        if label.startswith("XOR"):
            verdicts.append(("XOR: exported at least as fast as per-neuron Python", speedup >= 1.0))
            continue
        short = label.split(",")[0]
        verdicts.append(
            (
                f"{short}: exported no slower than hand NumPy ({r['exported / hand']:.2f}x)",
                r["exported / hand"] <= 1.0,
            )
        )
        floor = r["passes / bound"]
        why = f"; the fewest NumPy passes alone {floor:.2f}x" + (
            ": out of reach of NumPy-only code" if floor > 1.3 else ""
        )
        verdicts.append(
            (
                f"{short}: exported within 1.3x of the matrix products "
                f"({r['exported / bound']:.2f}x; hand NumPy {r['hand / bound']:.2f}x{why})",
                r["exported / bound"] <= 1.3,
            )
        )
        verdicts.append((f"{short}: exported >= 100x faster than per-neuron", speedup >= 100))
    med, soft = run_softmax_case((784, 128, 10), 64, args.rounds)
    cells = [fmt(med["exported"]), fmt(med["hand NumPy"]), "", "", fmt(med["matrix products only"])]
    cells.append("")  # the fewest passes are a sigmoid output's
    print(
        f"| 784-128-10 softmax, batch 64 | {' | '.join(cells)} | {soft['exported / hand']:.2f}x | "
        f"{soft['exported / bound']:.2f}x | {soft['hand / bound']:.2f}x | | | <= 1e-10 |"
    )
    verdicts.append(
        (
            f"784-128-10 softmax: exported within 1.3x of the matrix products "
            f"({soft['exported / bound']:.2f}x; hand NumPy {soft['hand / bound']:.2f}x)",
            soft["exported / bound"] <= 1.3,
        )
    )
    verdicts.append(("784-128-10 softmax: finite at inputs of 1000, no warnings", True))
    verdicts.append((f"export of 784-128-10 in {export_seconds:.2f} s (< 5 s)", export_seconds < 5))
    verdicts.append(("all implementations agree to 1e-10", ok))
    print()
    for text, good in verdicts:
        print(f"[{'met' if good else 'MISSED'}] {text}")
    return 0 if all(g for _, g in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
