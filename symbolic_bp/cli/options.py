"""What the commands share: the network options, and converting option text to values once.

The network options default to ``None`` so that a command can tell "not given" from a value:
``prove --general`` refuses ``--layers`` and honours ``--loss`` and ``--bias`` only when they are
given; every other command fills in the defaults (:data:`NETWORK_DEFAULTS`).
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from ..conventions import get_convention
from ..errors import InputError
from ..model.network import AGH_SIZES, Network, parse_layers

__all__ = [
    "Parser",
    "network_options",
    "build_network",
    "two_conventions",
    "positive_int",
    "NETWORK_DEFAULTS",
]

NETWORK_DEFAULTS = {"layers": ",".join(map(str, AGH_SIZES)), "loss": "half_sse", "bias": False}


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise InputError(message)


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
        help="half_sse, sse or cross_entropy (default: half_sse)",
    )
    group.add_argument(
        "--bias",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="biases on every neuron (default: no bias, as in the AGH tutorial)",
    )
    parser.set_defaults(default_activation=activation)


def build_network(args: argparse.Namespace) -> Network:
    """The network of the options, with the defaults filled in."""
    layers = str(args.layers if args.layers is not None else NETWORK_DEFAULTS["layers"])
    activation = args.activation if args.activation is not None else args.default_activation
    loss = str(args.loss if args.loss is not None else NETWORK_DEFAULTS["loss"])
    bias = bool(args.bias if args.bias is not None else NETWORK_DEFAULTS["bias"])
    return Network.build(parse_layers(layers), activation, loss, bias)


def two_conventions(text: str) -> tuple[str, str]:
    """``--conventions A,B``: two registered names."""
    names = [n.strip() for n in text.split(",")]
    if len(names) != 2 or not all(names):
        raise InputError(
            f"--conventions needs exactly two names separated by a comma, got {text!r}"
        )
    for n in names:
        get_convention(n)
    return names[0], names[1]


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
