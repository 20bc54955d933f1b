"""``symbolic-bp export``: a standalone NumPy module of a convention's rules."""

from __future__ import annotations

import argparse

from ..conventions import get_convention
from ..errors import InputError
from ..files import check_writable, write_atomic
from .options import build_network, convention_choices, network_options, objective_options

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser(
        "export",
        help="write a standalone NumPy module of a convention's rules",
        description="Write a readable Python module (NumPy only) with forward(params, X), "
        "gradients(params, X, T) and step(params, X, T, lr) for batches, generated from the "
        "convention's symbolic rules.",
    )
    network_options(e, "sigmoid")
    objective_options(e, batch=False)
    e.add_argument(
        "--convention",
        default="delta",
        metavar="NAME",
        help=f"one of: {convention_choices()} (default: %(default)s)",
    )
    e.add_argument("--out", required=True, metavar="FILE.py", help="the module to write")


def run(args: argparse.Namespace) -> int:
    from ..codegen.export import export_source
    from ..codegen.numeric import require_concrete

    conv = get_convention(args.convention)
    net = build_network(args)
    require_concrete(net, "export")
    check_writable(args.out)
    if not args.out.endswith(".py"):
        raise InputError(f"--out: {args.out!r} must end in .py (it is a Python module)")
    write_atomic(args.out, export_source(net, conv))
    print(f"wrote {args.out}: convention {conv.name}, network {net.describe()}")
    return 0
