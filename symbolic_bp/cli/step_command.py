"""``symbolic-bp step``: one numeric update from a convention's derived rules."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import NoReturn

from ..conventions import get_convention
from ..derive import derive
from ..errors import InputError
from ..model.network import Network
from ..parsing import parse_number_list
from .options import build_network, convention_choices, network_options, objective_options

__all__ = ["add_parser", "run", "read_params"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "step",
        help="one numeric update step from the derived rules",
        description="Apply one update of the chosen convention to parameters read from JSON.",
    )
    network_options(s, "sigmoid")
    objective_options(s, batch=False)
    s.add_argument(
        "--convention",
        default="delta",
        metavar="NAME",
        help=f"one of: {convention_choices()} (default: %(default)s)",
    )
    s.add_argument(
        "--params",
        required=True,
        metavar="FILE.json",
        help='parameters by name, e.g. {"w1_1_1": 0.15, ...}',
    )
    s.add_argument(
        "--input",
        required=True,
        metavar="X1,X2,...",
        help="input values; a batch as samples separated by ';' (0.1,0.2;0.3,0.4)",
    )
    s.add_argument(
        "--target", required=True, metavar="T1,...", help="target values (';' between samples)"
    )
    s.add_argument("--lr", default="0.5", metavar="ETA", help="learning rate (default: 0.5)")
    s.add_argument("--json", action="store_true", help="print loss and parameters as JSON")


def read_params(path: str, net: Network) -> dict[str, float]:
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


def run(args: argparse.Namespace) -> int:
    from ..codegen.numeric import compile_rules, require_concrete

    conv = get_convention(args.convention)
    xs = [parse_number_list(part, "--input") for part in args.input.split(";")]
    ts = [parse_number_list(part, "--target") for part in args.target.split(";")]
    if len(xs) != len(ts):
        raise InputError(
            f"--input has {len(xs)} samples and --target {len(ts)}; give one target per sample"
        )
    args.batch = str(len(xs))
    net = build_network(args)
    require_concrete(net, "step")
    (lr,) = parse_number_list(args.lr, "--lr")
    values = read_params(args.params, net)
    step = compile_rules(derive(net, conv))
    loss, new = step(values, xs[0] if len(xs) == 1 else xs, ts[0] if len(ts) == 1 else ts, lr)
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
