"""The optimizer options of ``symbolic-bp prove`` and ``derive`` (``--optimizers A,B``,
``--optimizer A``): parsed here, so that the backpropagation commands only dispatch.

``prove --optimizers A,B [--steps T] [--lr-schedule constant|per-step] [--hyper mu=0.9,...]
[--dim N]``: exit 0 proven equal, 1 proven different, 2 bad input, 3 unknown.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import NamedTuple

from ..errors import InputError
from ..files import check_writable, emit
from ..parsing import parse_rational
from .parser import lazy_help

__all__ = [
    "add_prove_options",
    "run_prove",
    "add_derive_options",
    "run_derive",
    "add_train_options",
    "train_options",
    "TrainOptimizers",
    "train_summary",
]

#: prove options that only make sense for backpropagation recipes (a network and its objective)
_NETWORK_ONLY = ("layers", "activation", "loss", "bias", "parameters", "batch", "reduce", "l2")
#: prove options that only make sense for optimizers
_OPTIMIZER_ONLY = ("steps", "lr_schedule", "hyper", "dim")
_OUTPUT_SECONDS = 1.0
#: ``--lr-schedule``: the values of :data:`symbolic_bp.optim.setting.SCHEDULES` (the optimizer
#: package is imported only when an optimizer is asked for)
SCHEDULES = ("constant", "per-step")


def _names() -> str:
    """The registered optimizers, for help texts."""
    from ..optim import OPTIMIZERS

    return ", ".join(OPTIMIZERS)


def add_prove_options(parser: argparse.ArgumentParser, choice: argparse._ActionsContainer) -> None:
    """``--optimizers`` (in the group ``choice``, exclusive with ``--conventions``) and the
    options of an optimizer proof."""
    choice.add_argument(
        "--optimizers",
        default=None,
        metavar="A,B",
        **lazy_help(lambda: f"prove two optimizer recipes instead: two of {_names()}"),
    )
    group = parser.add_argument_group("optimizers (with --optimizers)")
    group.add_argument("--steps", default=None, metavar="T", help="steps compared (default: 3)")
    group.add_argument(
        "--lr-schedule",
        default=None,
        choices=list(SCHEDULES),
        help="one learning rate lr, or one per step lr_1, lr_2, ... (default: constant)",
    )
    group.add_argument(
        "--hyper",
        default=None,
        metavar="NAME=VALUE,...",
        help="hyperparameters given as exact numbers, e.g. mu=0.9,lr=1/10 (default: symbols); "
        "with --lr-schedule per-step the rates are lr_1, lr_2, ...",
    )
    group.add_argument("--dim", default=None, metavar="N", help="number of parameters (default: 2)")


def _int(text: str | None, option: str, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{option} must be an integer, got {text!r}") from None


def _refuse_network_options(args: argparse.Namespace, given: str) -> None:
    """A one-line error for an option of a network (or of its loss: a batch, an L2 penalty)
    given with ``--optimizers``/``--optimizer``."""
    for name in _NETWORK_ONLY:
        if getattr(args, name, None) is not None:
            option = f"--{name}" if name != "bias" else "--bias/--no-bias"
            hint = " (an optimizer's own penalty is sgd_l2's l2)" if name == "l2" else ""
            raise InputError(f"{option} describes a network; leave it out with {given}{hint}")
    if getattr(args, "l2_bias", False):
        raise InputError(f"--l2-bias describes a network; leave it out with {given}")


def refuse_optimizer_options(args: argparse.Namespace) -> None:
    """A one-line error for an optimizer option given without ``--optimizers``."""
    for name in _OPTIMIZER_ONLY:
        if getattr(args, name, None) is not None:
            raise InputError(f"--{name.replace('_', '-')} is an option of --optimizers A,B")


def _format(args: argparse.Namespace) -> str:
    if args.json and args.format not in (None, "json"):
        raise InputError(f"--json and --format {args.format} contradict each other; give one")
    return "json" if args.json else (args.format or "text")


def run_prove(args: argparse.Namespace) -> int:
    """``prove --optimizers A,B``: the proof, printed as text, JSON or a document."""
    from ..optim import prove_optimizers
    from ..optim.prover import check_names
    from ..proof import Limits
    from ..render.optimizers import optimizer_document, optimizer_text

    _refuse_network_options(args, "--optimizers")
    if args.general:
        raise InputError("--general is for conventions; leave it out with --optimizers")
    a, b = check_names(args.optimizers.split(","))
    fmt = _format(args)
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise InputError(f"--timeout must be a positive number of seconds, got {args.timeout!r}")
    limits = Limits(timeout=args.timeout, started=args.started, reserve=_OUTPUT_SECONDS)
    report = prove_optimizers(
        a,
        b,
        steps=_int(args.steps, "--steps", 3),
        lr_schedule=args.lr_schedule or "constant",
        hyper=args.hyper,
        dim=_int(args.dim, "--dim", 2),
        limits=limits,
        conditions=not args.no_conditions,
    )
    if fmt == "json":
        print(json.dumps(report.to_dict(), indent=2))
    elif fmt == "text":
        print(optimizer_text(report))
    else:
        print(optimizer_document(report).render(fmt), end="")
    return report.exit_code


def add_derive_options(choice: argparse._ActionsContainer) -> None:
    """``derive --optimizer NAME`` (in the group ``choice``, exclusive with ``--convention``)."""
    choice.add_argument(
        "--optimizer",
        default=None,
        metavar="NAME",
        **lazy_help(lambda: f"show an optimizer's recurrence instead: one of {_names()}"),
    )


def run_derive(args: argparse.Namespace) -> int:
    """``derive --optimizer NAME``: the recurrence as a document."""
    from ..render.optimizers import recurrence_document

    _refuse_network_options(args, "--optimizer")
    doc = recurrence_document(args.optimizer.strip())
    if args.out is not None:
        check_writable(args.out)
    emit(doc.render(args.format), args.out)
    return 0


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """``train --optimizer A[,B...] [--hyper ...] [--lr-decay G]``."""
    group = parser.add_argument_group("optimizers")
    group.add_argument(
        "--optimizer",
        default=None,
        metavar="A[,B...]",
        **lazy_help(
            lambda: (
                "train each convention under these optimizer recipes, the convention giving "
                f"the gradient (one of {_names()}; default: plain steps)"
            )
        ),
    )
    group.add_argument(
        "--hyper",
        default=None,
        metavar="NAME=VALUE,...",
        help="the optimizers' hyperparameters, e.g. mu=0.9,beta2=0.99 (defaults: mu 0.9, beta1 "
        "0.9, beta2 0.999, eps 1e-8, wd 0.01, l2 0); the learning rate is --lr",
    )
    group.add_argument(
        "--lr-decay",
        default=None,
        metavar="G",
        help="learning-rate schedule lr_t = lr * G**(t-1), t the step (default: 1, constant)",
    )


class TrainOptimizers(NamedTuple):
    """The optimizer options of ``train``, checked."""

    optimizers: list[str]
    hyper: dict[str, float]
    lr_decay: float


def train_options(args: argparse.Namespace) -> TrainOptimizers:
    """The optimizer options of ``train`` (none: plain steps), every value checked."""
    from ..optim import get_optimizer
    from ..optim.hyper import check_value
    from ..optim.numeric import known_hyper
    from ..optim.recurrence import check_elementwise
    from ..optim.setting import parse_hyper

    if args.optimizer is None:
        for option, value in (("--hyper", args.hyper), ("--lr-decay", args.lr_decay)):
            if value is not None:
                raise InputError(f"{option} is an option of --optimizer")
        return TrainOptimizers([], {}, 1.0)
    names = [get_optimizer(n.strip()).name for n in args.optimizer.split(",")]
    hyper = parse_hyper(args.hyper) if args.hyper is not None else {}
    known = known_hyper(names, hyper)
    for name, value in hyper.items():
        check_value(name, value, known[name])
    decay = 1.0 if args.lr_decay is None else float(parse_rational(args.lr_decay, "--lr-decay"))
    if not decay > 0:
        raise InputError(f"--lr-decay must be positive, got {args.lr_decay!r}")
    for name in names:
        check_elementwise(name)
    return TrainOptimizers(names, {k: float(v) for k, v in hyper.items()}, decay)


def train_summary(options: TrainOptimizers) -> str:
    """One line for ``train``'s output: the optimizers, the given hyperparameters, the rate."""
    given = ", ".join(f"{k} = {v:g}" for k, v in options.hyper.items()) or "defaults"
    rate = "lr" if options.lr_decay == 1.0 else f"lr * {options.lr_decay:g}**(t-1)"
    names = ", ".join(options.optimizers)
    return f"optimizers {names}; hyperparameters: {given}; rate of step t: {rate}"
