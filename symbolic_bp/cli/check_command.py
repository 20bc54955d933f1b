"""``symbolic-bp check FILE.py``: a learner's own backprop code against the gradient.

Exit 0 proven equal to the gradient, 1 proven different, 2 bad input (the code cannot be
traced, or breaks the contract of ``step``), 3 unknown (a limit was hit).
"""

from __future__ import annotations

import argparse
import math
import sys
from fractions import Fraction

from ..errors import InputError
from ..model.network import Network, parse_layers
from ..model.objective import Objective, parse_l2
from ..render.document import FORMATS
from .options import NETWORK_DEFAULTS, network_options, positive_int

__all__ = ["add_parser", "run"]

_DESCRIPTION = """\
Prove a learner's own backprop code right or wrong. FILE.py defines step(params, x, t, lr):
a few lines that call the code's own training step. params is a dict of NumPy object arrays
W1..WL of shape (n_l, n_(l-1)) (and b1..bL with --bias) holding symbols w{l}_{j}_{i}; x and
t hold the symbols x_i, t_j (with --batch N: arrays of shape (N, n_0) and (N, n_L)); lr is
the symbol eta. step returns the new params dict, or updates params in place.

check EXECUTES FILE.py, like `python FILE.py` would (it imports it: its top-level code runs,
a `if __name__ == "__main__":` block does not), then runs step on symbolic values, reads each
parameter's update (new - old) and proves it against the gradient of --loss (the mean over
the batch with --batch) and against every registered convention. Only check files you
trust.

Exit 0: equal to the gradient; 1: different (with a certified counterexample); 2: bad input
(one line naming FILE and line); 3: unknown."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="prove your own backprop code against the gradient (runs FILE.py)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE.py", help="the Python file that defines step (executed)")
    network_options(p, "sigmoid")
    p.add_argument(
        "--batch",
        metavar="N",
        help="x and t get a batch axis of N samples; the code is compared with the gradient "
        "of the mean loss (a sum over the batch is named as such)",
    )
    p.add_argument(
        "--l2",
        metavar="LAMBDA",
        help="the code adds an L2 penalty LAMBDA/2 * sum w^2 to the loss (a number such as "
        "0.01): compared with the gradient of the loss plus the penalty",
    )
    p.add_argument("--l2-bias", action="store_true", help="the L2 penalty also on the biases")
    p.add_argument(
        "--lr",
        metavar="VALUE",
        help="a number for lr instead of the symbol eta (for code without a learning rate)",
    )
    p.add_argument(
        "--function", default="step", metavar="NAME", help="the function (default: %(default)s)"
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--format",
        choices=["text", *FORMATS],
        default=None,
        help="print the report as text (default), json, markdown, html, latex or mathml",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="wall-clock limit for tracing and proving: what is not settled by then is unknown "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--no-conditions",
        action="store_true",
        help="do not search for a condition under which a matched recipe agrees",
    )


def _lr(text: str | None) -> Fraction | None:
    if text is None:
        return None
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"--lr {text!r} is not a finite number such as 0.5 or 1/10") from None
    return value


def _network(args: argparse.Namespace) -> Network:
    layers = str(args.layers if args.layers is not None else NETWORK_DEFAULTS["layers"])
    activation = args.activation if args.activation is not None else "sigmoid"
    loss = str(args.loss if args.loss is not None else NETWORK_DEFAULTS["loss"])
    bias = bool(args.bias if args.bias is not None else NETWORK_DEFAULTS["bias"])
    return Network.build(parse_layers(layers), activation, loss, bias, _objective(args))


def _objective(args: argparse.Namespace) -> Objective:
    """The L2 penalty of ``--l2``/``--l2-bias`` (the batch is ``--batch``, check's own)."""
    if args.l2 is None:
        if args.l2_bias:
            raise InputError("--l2-bias needs --l2 LAMBDA (the coefficient of the penalty)")
        return Objective()
    return Objective(l2=parse_l2(args.l2), l2_bias=args.l2_bias)


def run(args: argparse.Namespace) -> int:
    fmt = "json" if args.json else (args.format or "text")
    if args.json and args.format not in (None, "json"):
        raise InputError(f"--json and --format {args.format} contradict each other; give one")
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise InputError(f"--timeout must be a positive number of seconds, got {args.timeout!r}")
    net = _network(args)
    batch = None if args.batch is None else positive_int(args.batch, "--batch")
    # NumPy and the tracer load here, not when `symbolic-bp prove` starts
    from ..checking import check
    from ..render.check import check_document, check_text, write_check_json

    try:
        report = check(
            args.file,
            net,
            function=args.function,
            batch=batch,
            lr=_lr(args.lr),
            timeout=args.timeout,
            started=args.started,
            conditions=not args.no_conditions,
        )
    except InputError as exc:
        raise InputError(_hint(str(exc), net)) from None
    if fmt == "json":
        write_check_json(report, sys.stdout)
    elif fmt == "text":
        print(check_text(report), end="")
    else:
        print(check_document(report).render(fmt), end="")
    return report.exit_code


def _hint(message: str, net: Network) -> str:
    """A trace error with what the options may have to do with it."""
    if "KeyError: 'b" in message and not net.bias:
        return f"{message} (give --bias for step to get biases b1..bL)"
    if "shape" in message or "KeyError: 'W" in message:
        sizes = ",".join(map(str, net.sizes))
        return f"{message} (the network was --layers {sizes}; give the code's own widths)"
    return message
