"""``symbolic-bp prove``: are two conventions the same, on a network or for every network?

Exit 0 proven equal, 1 proven different, 2 bad input, 3 unknown (a limit was hit).
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from ..conventions import Convention, Reduced, get_convention
from ..errors import InputError
from ..model.network import Network
from ..proof import Limits, prove, prove_general
from ..proof.steps import explain
from ..render import general_text, report_text
from ..render.data import general_json, write_report_json
from ..render.derivation import general_document, report_document
from ..render.document import FORMATS
from . import optim_command
from .options import (
    build_network,
    convention_choices,
    network_options,
    objective_options,
    reductions,
    two_conventions,
)
from .progress import progress_bar

__all__ = ["add_parser", "run", "DEFAULT_CONVENTIONS"]

DEFAULT_CONVENTIONS = "error_at_update,delta"
#: kept free for printing the report after the time limit
_OUTPUT_SECONDS = 1.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prove",
        help="prove whether two conventions give the same updates",
        description="Prove whether two conventions give the same update for every parameter. "
        "Exit 0: equal; 1: different; 2: bad input; 3: unknown.",
    )
    network_options(p, "generic")
    objective_options(p, pair=True)
    choice = p.add_mutually_exclusive_group()
    choice.add_argument(
        "--conventions",
        default=None,  # so that --optimizers can tell it was given
        metavar="A,B",
        help=f"two of: {convention_choices()} (default: {DEFAULT_CONVENTIONS})",
    )
    optim_command.add_prove_options(p, choice)
    p.add_argument(
        "--general",
        action="store_true",
        help="prove for every depth, width and differentiable activation (induction over "
        "layers) instead of for one network; honours --loss (default: half_sse, sse and "
        "cross_entropy; categorical_cross_entropy, with its softmax output, when given) and "
        "--bias/--no-bias (default: both)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="show the counterexample's arithmetic step by step (forward pass, both recipes' "
        "signals, both updates) with exact values; JSON key explanation (networks of at most "
        "200 parameters, not with --general)",
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
        help="wall-clock limit: what is not settled by then is unknown (exit 3 unless a "
        "difference was already proven; default: %(default)s)",
    )
    p.add_argument(
        "--parameters",
        metavar="all|NAMES",
        help="per-parameter rows in the JSON: all, or names such as w2_1_1,b1_2 (default: every "
        "parameter of a network of at most 10000 parameters, none of a larger one; the per-layer "
        "rows are always there)",
    )
    p.add_argument(
        "--no-conditions",
        action="store_true",
        help="do not search for a condition under which differing rules agree",
    )


def _format(args: argparse.Namespace) -> str:
    if args.json and args.format not in (None, "json"):
        raise InputError(f"--json and --format {args.format} contradict each other; give one")
    return "json" if args.json else (args.format or "text")


def run(args: argparse.Namespace) -> int:
    if args.optimizers is not None:
        if args.explain:
            raise InputError(
                "--explain: not with --optimizers; it explains a backprop counterexample"
            )
        return optim_command.run_prove(args)
    optim_command.refuse_optimizer_options(args)
    a, b = two_conventions(args.conventions or DEFAULT_CONVENTIONS)
    fmt = _format(args)
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise InputError(f"--timeout must be a positive number of seconds, got {args.timeout!r}")
    # the limit is the whole command's: counted from start-up, a moment kept to print the result
    limits = Limits(timeout=args.timeout, started=args.started, reserve=_OUTPUT_SECONDS)
    if args.explain and (args.general or fmt not in ("text", "json")):
        what = "--general" if args.general else f"--format {fmt}"
        raise InputError(
            f"--explain: not with {what}; it explains one network's counterexample "
            "as text or --json"
        )
    if args.general:
        return _general(args, a, b, fmt, limits)
    net = build_network(args, max_parameters=None)  # the proof's cost does not follow the count
    selection = _selection(args.parameters, net)
    ca, cb = _reduced(args, a, b)
    bar = progress_bar(net.depth, "prove")
    try:
        report = prove(
            net,
            ca,
            cb,
            limits,
            conditions=not args.no_conditions,
            progress=lambda done, text: bar.update(done, text),
        )
    finally:
        bar.close()
    steps = explain(report) if args.explain else None  # before printing: a refusal prints nothing
    if fmt == "json":
        write_report_json(report, sys.stdout, selection, explanation=steps)
    elif fmt == "text":
        print(report_text(report, steps))
    else:
        print(report_document(report).render(fmt), end="")
    return report.exit_code


def _reduced(args: argparse.Namespace, a: str, b: str) -> tuple[str | Convention, str | Convention]:
    """The two conventions, each with its own reduction of the batch when ``--reduce A,B``
    gives two different ones."""
    red_a, red_b = reductions(args)
    if red_a == red_b:
        return a, b
    return Reduced(get_convention(a), red_a), Reduced(get_convention(b), red_b)


def _selection(text: str | None, net: Network) -> str | list[str] | None:
    if text is None:
        return None
    if text.strip() == "all":
        return "all"
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InputError(f"--parameters: {text!r} names no parameter (give all or w2_1_1,...)")
    for name in names:
        net.locate(name)  # a one-line error naming a bad name
    return names


def _general(args: argparse.Namespace, a: str, b: str, fmt: str, limits: Limits) -> int:
    if args.parameters is not None:
        raise InputError(
            "--parameters lists an instance proof's parameters; leave it out with --general"
        )
    if args.layers is not None:
        raise InputError(
            f"--general proves for every depth and width: --layers {args.layers} cannot be "
            "combined with it (leave --general out to prove on that network)"
        )
    if args.activation is not None and args.activation.strip() != "generic":
        raise InputError(
            f"--general proves for every differentiable activation: --activation "
            f"{args.activation} cannot be combined with it"
        )
    l2_bias = "" if getattr(args, "l2_bias", False) else None
    objective = (("--batch", args.batch), ("--reduce", args.reduce), ("--l2", args.l2))
    for option, value in (*objective, ("--l2-bias", l2_bias)):
        if value is not None:
            raise InputError(
                f"--general proves for one sample without a penalty: {f'{option} {value}'.strip()} "
                "cannot be combined with it (prove on a network instead)"
            )
    losses = None if args.loss is None else [args.loss]
    proof = prove_general(a, b, losses=losses, bias=args.bias, limits=limits)
    if fmt == "json":
        print(json.dumps(general_json(proof), indent=2))
    elif fmt == "text":
        print(general_text(proof), end="")
    else:
        print(general_document(proof).render(fmt), end="")
    return proof.exit_code
