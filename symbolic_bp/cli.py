"""The ``symbolic-bp`` command (also ``python -m symbolic_bp``).

Exit codes: 0 proven equal (or a command succeeded), 1 proven different, 2 bad input,
3 unknown (a limit was hit). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .conventions import CONVENTIONS, get_convention
from .derive import derive
from .errors import InputError, SymbolicBPError
from .files import check_writable, write_atomic
from .general import prove_general
from .network import AGH_SIZES, Network, parse_layers
from .parsing import parse_number_list
from .progress import progress_bar
from .prove import Limits, prove
from .render import general_text, report_text
from .render.document import FORMATS

__all__ = ["main", "build_parser"]

DEFAULT_CONVENTIONS = "error_at_update,delta"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(message)


def _network_options(parser: argparse.ArgumentParser, activation: str) -> None:
    group = parser.add_argument_group("network")
    group.add_argument(
        "--layers",
        default=",".join(map(str, AGH_SIZES)),
        metavar="N0,N1,...",
        help="widths, input first (default: the AGH tutorial's %(default)s)",
    )
    group.add_argument(
        "--activation",
        default=activation,
        metavar="NAME[,NAME...]",
        help="one activation for all layers or one per layer 1..L: sigmoid, tanh, relu, "
        "leaky_relu, identity, softplus, generic, or an expression in x (default: %(default)s)",
    )
    group.add_argument(
        "--loss",
        default="half_sse",
        choices=None,
        metavar="LOSS",
        help="half_sse, sse or cross_entropy (default: %(default)s)",
    )
    group.add_argument(
        "--bias",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="biases on every neuron (default: no bias, as in the AGH tutorial)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(
        prog="symbolic-bp",
        description="Derive, compare and prove backpropagation update rules with SymPy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "prove",
        help="prove whether two conventions give the same updates",
        description="Prove whether two conventions give the same update for every parameter. "
        "Exit 0: equal; 1: different; 2: bad input; 3: unknown.",
    )
    _network_options(p, "generic")
    p.add_argument(
        "--conventions",
        default=DEFAULT_CONVENTIONS,
        metavar="A,B",
        help=f"two of: {', '.join(CONVENTIONS)} (default: %(default)s)",
    )
    p.add_argument(
        "--general",
        action="store_true",
        help="prove for every depth, width and activation (induction over layers) instead of "
        "for the given network",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--format",
        choices=["text", *FORMATS],
        default=None,
        help="print the proof as text (default), json, markdown, html, latex or mathml",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=Limits().timeout,
        metavar="SECONDS",
        help="give up (verdict unknown, exit 3) after this long (default: %(default)s)",
    )
    p.add_argument(
        "--no-conditions",
        action="store_true",
        help="do not search for a condition under which differing rules agree",
    )

    s = sub.add_parser(
        "step",
        help="one numeric update step from the derived rules",
        description="Apply one update of the chosen convention to parameters read from JSON.",
    )
    _network_options(s, "sigmoid")
    s.add_argument(
        "--convention", default="delta", metavar="NAME", help="a convention (default: %(default)s)"
    )
    s.add_argument(
        "--params",
        required=True,
        metavar="FILE.json",
        help='parameters by name, e.g. {"w1_1_1": 0.15, ...}',
    )
    s.add_argument("--input", required=True, metavar="X1,X2,...", help="input values")
    s.add_argument("--target", required=True, metavar="T1,...", help="target values")
    s.add_argument("--lr", default="0.5", metavar="ETA", help="learning rate (default: 0.5)")
    s.add_argument("--json", action="store_true", help="print loss and parameters as JSON")

    e = sub.add_parser(
        "export",
        help="write a standalone NumPy module of a convention's rules",
        description="Write a readable Python module (NumPy only) with forward(params, X), "
        "gradients(params, X, T) and step(params, X, T, lr) for batches, generated from the "
        "convention's symbolic rules.",
    )
    _network_options(e, "sigmoid")
    e.add_argument(
        "--convention", default="delta", metavar="NAME", help="a convention (default: %(default)s)"
    )
    e.add_argument("--out", required=True, metavar="FILE.py", help="the module to write")
    _train_parser(sub)

    d = sub.add_parser(
        "derive",
        help="the step-by-step derivation of a convention (LaTeX, MathML, Markdown, HTML, JSON)",
        description="Print a convention's derivation on a network: forward pass, output signal, "
        "signals sent back and updates, one row per layer (individual parameters on request).",
    )
    _network_options(d, "generic")
    d.add_argument(
        "--convention", default="delta", metavar="NAME", help="a convention (default: %(default)s)"
    )
    d.add_argument(
        "--format",
        default="markdown",
        choices=list(FORMATS),
        help="output format (default: %(default)s)",
    )
    d.add_argument(
        "--parameters",
        metavar="NAMES|all",
        help="also show these parameters one by one (e.g. w2_1_1,b1_2, or all)",
    )
    d.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")

    o = sub.add_parser(
        "docs",
        help="write the documentation pages (HTML and Markdown)",
        description="Write the documentation pages: an index, the original question answered "
        "side by side, the general proof, and one page per convention.",
    )
    o.add_argument("--out", required=True, metavar="DIR", help="directory to write (created)")
    return parser


def _train_parser(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "train",
        help="train under several conventions side by side and compare the loss curves",
        description="Train the network under each convention from the same start on the same "
        "batches; print a loss table, optionally write the history and a plot.",
    )
    _network_options(t, "sigmoid")
    t.add_argument(
        "--conventions",
        default="delta,error_at_update",
        metavar="A,B,...",
        help="one or more conventions (default: %(default)s)",
    )
    t.add_argument(
        "--data",
        default="xor",
        metavar="xor|FILE.csv",
        help="a built-in data set (xor) or a CSV file: inputs then targets in each row "
        "(default: %(default)s)",
    )
    t.add_argument(
        "--epochs", default="2000", metavar="N", help="passes over the data (default: 2000)"
    )
    t.add_argument("--lr", default="0.5", metavar="ETA", help="learning rate (default: 0.5)")
    t.add_argument(
        "--batch-size", default=None, metavar="N", help="samples per step (default: all)"
    )
    t.add_argument("--seed", default="0", metavar="N", help="seed of the start values (default: 0)")
    t.add_argument("--history", metavar="FILE.csv|FILE.json", help="write the loss per epoch")
    t.add_argument(
        "--plot", metavar="FILE.png", help="draw the loss curves side by side (needs matplotlib)"
    )


def _network(args: argparse.Namespace) -> Network:
    return Network.build(parse_layers(args.layers), args.activation, args.loss, args.bias)


def _two_conventions(text: str) -> tuple[str, str]:
    names = [n.strip() for n in text.split(",")]
    if len(names) != 2 or not all(names):
        raise InputError(
            f"--conventions needs exactly two names separated by a comma, got {text!r}"
        )
    for n in names:
        get_convention(n)
    return names[0], names[1]


def _cmd_prove(args: argparse.Namespace) -> int:
    from .render.derivation import general_document, report_document

    a, b = _two_conventions(args.conventions)
    if args.json and args.format not in (None, "json"):
        raise InputError(f"--json and --format {args.format} contradict each other; give one")
    fmt = "json" if args.json else (args.format or "text")
    args.json = fmt == "json"
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise InputError(f"--timeout must be a positive number of seconds, got {args.timeout!r}")
    net = _network(args)
    try:
        # the prover stops itself at --timeout between steps; this hard limit (a little later)
        # also interrupts a single long SymPy operation
        with _hard_time_limit(args.timeout * 1.25 + 2.0):
            if args.general:
                proof = prove_general(a, b, limits=Limits(timeout=args.timeout))
                if fmt == "json":
                    print(json.dumps(proof.to_dict(), indent=2))
                elif fmt == "text":
                    print(general_text(proof), end="")
                else:
                    print(general_document(proof).render(fmt), end="")
                return proof.exit_code
            limits = Limits(timeout=args.timeout)
            bar = progress_bar(net.depth, "prove")
            layers_done = [0]

            def show(text: str) -> None:
                if "compared" in text or "for all" in text:  # a layer is finished
                    layers_done[0] += 1
                bar.update(layers_done[0], text)

            try:
                report = prove(net, a, b, limits, conditions=not args.no_conditions, progress=show)
            finally:
                bar.close()
    except _TimeLimit:
        reason = f"time limit of {args.timeout:g} s reached before the proof finished"
        if args.json:
            print(
                json.dumps(
                    {
                        "equivalent": None,
                        "conventions": [a, b],
                        "parameters": [],
                        "counterexample": None,
                        "conditions": [],
                        "notes": [reason],
                        "seconds": round(args.timeout, 3),
                    },
                    indent=2,
                )
            )
        else:
            print(f"UNKNOWN: {reason} (raise --timeout to give it longer).")
        return 3
    if fmt == "json":
        print(json.dumps(report.to_dict(), indent=2))
    elif fmt == "text":
        print(report_text(report))
    else:
        print(report_document(report).render(fmt), end="")
    return report.exit_code


class _TimeLimit(Exception):
    pass


@contextlib.contextmanager
def _hard_time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_TimeLimit` after ``seconds`` (a real-time alarm; main thread only)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise _TimeLimit

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _read_params(path: str, net: Network) -> dict[str, float]:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"--params: file {path!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--params: cannot read {path!r}: {exc}") from None

    def bad_constant(name: str) -> NoReturn:
        raise InputError(f"--params: {path!r} contains {name}, which is not a finite number")

    try:
        data = json.loads(text, parse_constant=bad_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"--params: {path!r} is not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"--params: {path!r} must hold a JSON object keyed by parameter name")
    names = net.parameter_names()
    missing = [n for n in names if n not in data]
    extra = sorted(k for k in data if k not in set(names))
    if extra:
        raise InputError(
            f"--params: unknown parameter {extra[0]!r} in {path!r} for network "
            f"{'-'.join(map(str, net.sizes))} ({'with' if net.bias else 'no'} biases); "
            f"expected names like {names[0]}"
        )
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InputError(f"--params: {path!r} is missing {len(missing)} parameter(s): {shown}")
    values = {}
    for n in names:
        v = data[n]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(f"--params: {n} = {v!r} in {path!r} is not a number")
        if not math.isfinite(v):
            raise InputError(f"--params: {n} = {v!r} in {path!r} is not finite")
        values[n] = float(v)
    return values


def _cmd_step(args: argparse.Namespace) -> int:
    from .numeric import compile_rules, require_concrete

    conv = get_convention(args.convention)
    net = _network(args)
    require_concrete(net, "step")
    x = parse_number_list(args.input, "--input")
    t = parse_number_list(args.target, "--target")
    (lr,) = parse_number_list(args.lr, "--lr")
    values = _read_params(args.params, net)
    step = compile_rules(derive(net, conv))
    loss, new = step(values, x, t, lr)
    if not (math.isfinite(loss) and all(math.isfinite(v) for v in new.values())):
        raise InputError("step: the result is not finite (overflow); use smaller inputs or weights")
    if args.json:
        print(json.dumps({"loss": loss, "params": new, "convention": conv.name}, indent=2))
    else:
        print(f"convention {conv.name}, network {net.describe()}")
        print(f"loss before the step: {loss!r}")
        width = max(len(n) for n in new)
        for n, v in new.items():
            print(f"  {n:<{width}}  {values[n]!r:>22} -> {v!r}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export_source
    from .numeric import require_concrete

    conv = get_convention(args.convention)
    net = _network(args)
    require_concrete(net, "export")
    check_writable(args.out)
    if not args.out.endswith(".py"):
        raise InputError(f"--out: {args.out!r} must end in .py (it is a Python module)")
    write_atomic(args.out, export_source(net, conv))
    print(f"wrote {args.out}: convention {conv.name}, network {net.describe()}")
    return 0


def _positive_int(text: str, option: str, minimum: int = 1) -> int:
    kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{option} must be {kind}, got {text!r}") from None
    if value < minimum:
        raise InputError(f"{option} must be {kind}, got {text!r}")
    return value


def _cmd_train(args: argparse.Namespace) -> int:
    from . import training
    from .numeric import require_concrete

    names = [n.strip() for n in args.conventions.split(",")]
    if not all(names):
        raise InputError(f"--conventions: empty name in {args.conventions!r}")
    convs = [get_convention(n).name for n in names]
    net = _network(args)
    require_concrete(net, "train")
    epochs = _positive_int(args.epochs, "--epochs")
    if epochs > 10_000_000:
        raise InputError(f"--epochs {epochs} is more than the limit 10000000")
    (lr,) = parse_number_list(args.lr, "--lr")
    seed = _positive_int(args.seed, "--seed", minimum=0)
    batch = None if args.batch_size is None else _positive_int(args.batch_size, "--batch-size")
    # check every output path before the work, so that a bad one costs nothing
    if args.history is not None:
        check_writable(args.history, "--history")
        if not args.history.endswith((".csv", ".json")):
            raise InputError(f"--history: {args.history!r} must end in .csv or .json")
    if args.plot is not None:
        check_writable(args.plot, "--plot")
        if not args.plot.endswith(".png"):
            raise InputError(f"--plot: {args.plot!r} must end in .png")
        training.require_pyplot()
    if args.data in training.DATASETS:
        X, T = training.DATASETS[args.data]
    else:
        X, T = training.load_csv(args.data, net.sizes[0], net.sizes[-1])
    bar = progress_bar(len(convs) * epochs, "train")
    done: dict[str, int] = {}

    def report(name: str, epoch: int) -> None:
        done[name] = epoch
        bar.update(sum(done.values()), name)

    history = training.train(
        net, convs, X, T, epochs, lr, batch, seed, data=args.data, progress=report
    )
    bar.close()
    print(
        f"trained {net.describe()} on {args.data} ({X.shape[0]} samples), {epochs} epochs, "
        f"lr {lr:g}, {'full batch' if batch is None else f'batches of {batch}'}, seed {seed}"
    )
    print(training.history_text(history))
    if args.history is not None:
        training.write_history(history, args.history)
        print(f"wrote {args.history}")
    if args.plot is not None:
        training.plot_history(history, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _cmd_derive(args: argparse.Namespace) -> int:
    from .render.derivation import derivation

    conv = get_convention(args.convention)
    net = _network(args)
    parameters: list[str] | str | None = None
    if args.parameters is not None:
        text = args.parameters.strip()
        if text == "all":
            parameters = "all"
        else:
            parameters = [n.strip() for n in text.split(",")]
            for name in parameters:
                net.locate(name)  # a one-line error naming a bad name
    if args.out is not None:
        check_writable(args.out)
    doc = derivation(net, conv, parameters)
    text = doc.render(args.format)
    if args.out is None:
        print(text, end="")
    else:
        write_atomic(args.out, text)
        print(f"wrote {args.out}")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    from .render.site import write_site

    written = write_site(args.out)
    index = Path(args.out) / "index.html"
    print(f"wrote {len(written)} files under {args.out}; open {index}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        handler = {
            "prove": _cmd_prove,
            "step": _cmd_step,
            "export": _cmd_export,
            "train": _cmd_train,
            "derive": _cmd_derive,
            "docs": _cmd_docs,
        }[args.command]
        return handler(args)
    except SymbolicBPError as exc:
        print(f"symbolic-bp: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbolic-bp: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error of ours; silence the final flush
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
