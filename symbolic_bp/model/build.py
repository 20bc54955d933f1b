"""Building a network from what a user gives: widths, activations, a loss, checked once.

- :func:`parse_layers`: ``--layers 2,3,2,1``;
- :func:`validated`: widths, one activation per layer and a loss, or a one-line error;
- :func:`check_layers`: what has no meaning (softmax below the output layer or on one neuron,
  a loss without the output activation or range it needs);
- :func:`with_output_activation`: one activation for every layer but the output layer's, which
  the loss may require.

>>> validated([2, 3], "softmax", "categorical_cross_entropy")[1][0].name
'softmax'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InputError
from ..errors import option as setting_name
from ..parsing import split_top_level
from .activations import Activation, generic, parse_activation
from .losses import Loss, get_loss

__all__ = [
    "AGH_SIZES",
    "MAX_WIDTH",
    "MAX_LAYERS",
    "MAX_PARAMETERS",
    "parse_layers",
    "validated",
    "check_layers",
    "with_output_activation",
]

AGH_SIZES = (2, 3, 2, 1)
MAX_WIDTH = 100_000
MAX_LAYERS = 128
MAX_PARAMETERS = 5_000_000


def parse_layers(text: str, option: str | None = None) -> tuple[int, ...]:
    """Parse ``--layers 2,3,2,1`` (input width first); errors name ``option`` (default:
    ``--layers`` from the command line, ``sizes`` from Python).

    >>> parse_layers("2, 3,1")
    (2, 3, 1)
    """
    option = option or setting_name("--layers", "sizes")
    parts = [p.strip() for p in str(text).split(",")]
    sizes = []
    for part in parts:
        if not (part.isascii() and part.isdigit()):  # "¹".isdigit() is True
            raise InputError(
                f"{option}: {part!r} is not a positive whole number in {text!r} "
                "(expected e.g. 2,3,2,1: input width first)"
            )
        sizes.append(int(part))
    return tuple(sizes)


def with_output_activation(activation: str, depth: int, loss: Loss) -> list[Any]:
    """``activation`` for every layer, except that the output layer gets the activation the
    loss requires (softmax for the categorical cross-entropy).

    >>> with_output_activation("generic", 2, get_loss("categorical_cross_entropy"))[-1].name
    'softmax'
    """
    out: list[Any] = [activation] * depth
    if loss.output_activation is not None:
        out[-1] = loss.output_activation
    return out


def check_layers(sizes: Sequence[int], acts: Sequence[Activation], loss: Loss) -> None:
    """Refuse what has no meaning: a vector activation (softmax) below the output layer or on
    one neuron, a loss whose output activation or output range the last layer lacks."""
    depth = len(sizes) - 1
    for l, act in enumerate(acts, start=1):
        if act.is_vector and l < depth:
            raise InputError(
                f"{act.name} on layer {l} of {depth}: it couples the neurons of a layer and is an "
                "output activation only; give it for the last layer, e.g. relu,softmax"
            )
    out = acts[-1]
    if out.is_vector and sizes[-1] < 2:
        raise InputError(
            f"{out.name} on an output layer of 1 neuron is the constant 1; use 2 or more outputs, "
            "or sigmoid with cross_entropy"
        )
    wanted = loss.output_activation
    if wanted is not None and out is not wanted:
        raise InputError(
            f"loss {loss.name!r} needs a {wanted.name} output layer, but the output activation "
            f"is {out.name!r}; give e.g. "
            + setting_name(f"--activation relu,{wanted.name}", f"activation='relu,{wanted.name}'")
        )
    if loss.needs_unit_interval and not out.unit_interval:
        raise InputError(
            f"loss {loss.name!r} needs outputs in (0, 1), but the output activation is "
            f"{out.name!r}; use sigmoid or generic for the last layer"
        )


def validated(
    sizes: Sequence[int] | str,
    activation: str | Activation | Sequence[str | Activation],
    loss: str | Loss,
) -> tuple[tuple[int, ...], tuple[Activation, ...], Loss]:
    """``(sizes, activations, loss)`` checked (see :meth:`Network.build
    <symbolic_bp.model.network.Network.build>` for what each may be).

    **Raises:** :class:`~symbolic_bp.errors.InputError` naming what is wrong.
    """
    sizes = parse_layers(sizes) if isinstance(sizes, str) else tuple(sizes)
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"layer width {n!r} in {list(sizes)} must be a positive integer")
        if n > MAX_WIDTH:
            raise InputError(f"layer width {n} is larger than the limit {MAX_WIDTH}")
    if len(sizes) < 2:
        raise InputError(
            f"layers {list(sizes)} need an input width and at least one layer, e.g. 2,3,1"
        )
    if len(sizes) - 1 > MAX_LAYERS:
        raise InputError(f"{len(sizes) - 1} layers is more than the limit {MAX_LAYERS}")
    depth = len(sizes) - 1
    if isinstance(activation, str):
        specs: list[str | Activation] = list(split_top_level(activation))
        if len(specs) == 1:
            specs = specs * depth
    elif isinstance(activation, Activation):
        specs = [activation] * depth
    else:
        specs = list(activation)
    if len(specs) != depth:
        raise InputError(
            f"{len(specs)} activations given for {depth} layers; give one for all layers "
            f"or one per layer 1..{depth}"
        )
    acts = tuple(
        spec
        if isinstance(spec, Activation)
        else (generic(layer) if spec == "generic" else parse_activation(spec, layer))
        for layer, spec in enumerate(specs, start=1)
    )
    loss_obj = loss if isinstance(loss, Loss) else get_loss(loss)
    check_layers(sizes, acts, loss_obj)
    loss_obj = loss if isinstance(loss, Loss) else get_loss(loss)
    check_layers(sizes, acts, loss_obj)
    return sizes, acts, loss_obj
