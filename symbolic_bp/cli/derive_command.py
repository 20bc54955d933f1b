"""``symbolic-bp derive``: a convention's derivation as a document."""

from __future__ import annotations

import argparse

from ..conventions import get_convention
from ..files import check_writable, emit
from ..render.document import FORMATS
from . import optim_command
from .options import build_network, convention_choices, network_options, objective_options

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser(
        "derive",
        help="the step-by-step derivation of a convention (LaTeX, MathML, Markdown, HTML, JSON)",
        description="Print a convention's derivation on a network: forward pass, output signal, "
        "signals sent back and updates, one row per layer (individual parameters on request).",
    )
    network_options(d, "generic")
    objective_options(d)
    choice = d.add_mutually_exclusive_group()
    choice.add_argument(
        "--convention",
        default=None,
        metavar="NAME",
        help=f"one of: {convention_choices()} (default: delta)",
    )
    optim_command.add_derive_options(choice)
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


def run(args: argparse.Namespace) -> int:
    from ..render.derivation import derivation

    if args.optimizer is not None:
        return optim_command.run_derive(args)
    conv = get_convention(args.convention or "delta")
    net = build_network(args)
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
    emit(doc.render(args.format), args.out)
    return 0
