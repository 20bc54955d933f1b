"""What the commands share: the network options, and converting option text to values once.

The network options default to ``None`` so that a command can tell "not given" from a value:
``prove --general`` refuses ``--layers`` and honours ``--loss`` and ``--bias`` only when they are
given; every other command fills in the defaults (:data:`NETWORK_DEFAULTS`).
"""

from __future__ import annotations

import argparse

from ..conventions import ALIASES, CONVENTIONS, get_convention
from ..errors import InputError
from ..model.network import AGH_SIZES, MAX_PARAMETERS, Network, parse_layers
from ..model.objective import Objective, Reduction, parse_l2, parse_reduce
from .parser import Parser

__all__ = [
    "Parser",
    "network_options",
    "build_network",
    "two_conventions",
    "convention_choices",
    "positive_int",
    "NETWORK_DEFAULTS",
    "objective_options",
    "build_objective",
    "reductions",
]

NETWORK_DEFAULTS = {"layers": ",".join(map(str, AGH_SIZES)), "loss": "half_sse", "bias": False}


def network_options(parser: argparse.ArgumentParser, activation: str) -> None:
    """``--layers``, ``--activation``, ``--loss``, ``--bias/--no-bias``."""
    group = parser.add_argument_group("network")
    group.add_argument(
        "--layers",
        default=None,
        metavar="N0,N1,...",
        help=f"widths, input first (default: the AGH tutorial's {NETWORK_DEFAULTS['layers']})",
    )
    group.add_argument(
        "--activation",
        default=None,
        metavar="NAME[,NAME...]",
        help="one activation for all layers or one per layer 1..L: sigmoid, tanh, relu, "
        f"leaky_relu, identity, softplus, generic, or an expression in x (default: {activation})",
    )
    group.add_argument(
        "--loss",
        default=None,
        metavar="LOSS",
        help="half_sse, sse, cross_entropy or categorical_cross_entropy (softmax output; "
        "targets summing to 1) (default: half_sse)",
    )
    group.add_argument(
        "--bias",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="biases on every neuron (default: no bias, as in the AGH tutorial)",
    )
    parser.set_defaults(default_activation=activation)


def objective_options(
    parser: argparse.ArgumentParser, batch: bool = True, pair: bool = False
) -> None:
    """``--batch N``, ``--reduce mean|sum`` (``pair``: or ``A,B``, one per convention),
    ``--l2 LAMBDA|SYMBOL``, ``--l2-bias``."""
    group = parser.add_argument_group("objective")
    if batch:
        group.add_argument(
            "--batch",
            default=None,
            metavar="N",
            help="a batch of N samples, each with its own inputs and targets (default: 1)",
        )
    more = "; two, e.g. sum,mean, give each convention its own" if pair else ""
    group.add_argument(
        "--reduce",
        default=None,
        metavar="mean|sum",
        help=f"the batch's loss and updates: the mean or the sum over the samples{more} "
        "(default: mean)",
    )
    group.add_argument(
        "--l2",
        default=None,
        metavar="LAMBDA",
        help="an L2 penalty LAMBDA/2 * sum w^2 in the loss: a number >= 0 or a symbol name "
        "such as lambda (default: none)",
    )
    group.add_argument("--l2-bias", action="store_true", help="the L2 penalty also on the biases")
    parser.set_defaults(reduce_pair=pair)


def reductions(args: argparse.Namespace) -> tuple[Reduction, Reduction]:
    """The reduction of each convention: ``--reduce X`` for both, ``--reduce A,B`` one each."""
    text = getattr(args, "reduce", None) or "mean"
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) not in (1, 2):
        raise InputError(f"--reduce {text!r}: give mean, sum, or two of them such as sum,mean")
    if len(parts) == 2 and not getattr(args, "reduce_pair", False):
        raise InputError(f"--reduce {text!r}: give one of mean, sum (two are for prove)")
    found = [parse_reduce(p) for p in parts]
    return found[0], found[-1]


def build_objective(args: argparse.Namespace) -> Objective:
    """The batch, reduction (the first convention's) and penalty of the options."""
    text = getattr(args, "batch", None)
    batch = 1 if text is None else positive_int(text, "--batch")
    l2_text = getattr(args, "l2", None)
    l2_bias = bool(getattr(args, "l2_bias", False))
    if l2_bias and l2_text is None:
        raise InputError("--l2-bias needs --l2 LAMBDA (the coefficient of the penalty)")
    l2 = parse_l2(l2_text) if l2_text is not None else Objective().l2
    return Objective(batch, reductions(args)[0], l2, l2_bias)


def build_network(args: argparse.Namespace, max_parameters: int | None = MAX_PARAMETERS) -> Network:
    """The network of the options, with the defaults filled in (``max_parameters``: see
    :meth:`~symbolic_bp.model.network.Network.build`)."""
    layers = str(args.layers if args.layers is not None else NETWORK_DEFAULTS["layers"])
    activation = args.activation if args.activation is not None else args.default_activation
    loss = str(args.loss if args.loss is not None else NETWORK_DEFAULTS["loss"])
    bias = bool(args.bias if args.bias is not None else NETWORK_DEFAULTS["bias"])
    objective = build_objective(args) if hasattr(args, "l2") else None
    return Network.build(parse_layers(layers), activation, loss, bias, objective, max_parameters)


def convention_choices() -> str:
    """What a convention option accepts, for its help: every registered convention, the
    aliases (:data:`~symbolic_bp.conventions.ALIASES`) and the recipes of a ``--recipes`` file.

    >>> print(convention_choices())  # doctest: +ELLIPSIS
    gradient, delta, ..., the aliases agh (error_at_update) and mlm (delta), or a recipe ...
    """
    aliases = [f"{alias} ({name})" for alias, name in ALIASES.items()]
    listed = " and ".join([", ".join(aliases[:-1]), aliases[-1]] if len(aliases) > 1 else aliases)
    return f"{', '.join(CONVENTIONS)}, the aliases {listed}, or a recipe a --recipes file registers"


def two_conventions(text: str) -> tuple[str, str]:
    """``--conventions A,B``: two registered names (or aliases), as the canonical names."""
    names = [n.strip() for n in text.split(",")]
    if len(names) != 2 or not all(names):
        raise InputError(
            f"--conventions needs exactly two names separated by a comma, got {text!r}"
        )
    a, b = (get_convention(n).name for n in names)
    return a, b


def positive_int(text: str, option: str, minimum: int = 1) -> int:
    """``text`` as an integer of at least ``minimum``, or a one-line error naming ``option``."""
    kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{option} must be {kind}, got {text!r}") from None
    if value < minimum:
        raise InputError(f"{option} must be {kind}, got {text!r}")
    return value
