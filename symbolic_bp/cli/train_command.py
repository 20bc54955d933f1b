"""``symbolic-bp train``: several conventions trained side by side from the same start."""

from __future__ import annotations

import argparse

from ..conventions import get_convention
from ..errors import InputError
from ..files import check_writable
from ..parsing import parse_number_list
from . import optim_command
from .options import build_network, network_options, objective_options, positive_int
from .progress import progress_bar

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "train",
        help="train under several conventions side by side and compare the loss curves",
        description="Train the network under each convention from the same start on the same "
        "batches; print a loss table, optionally write the history and a plot.",
    )
    network_options(t, "sigmoid")
    objective_options(t, batch=False)
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
    optim_command.add_train_options(t)


def run(args: argparse.Namespace) -> int:
    from .. import training
    from ..codegen.numeric import require_concrete

    names = [n.strip() for n in args.conventions.split(",")]
    if not all(names):
        raise InputError(f"--conventions: empty name in {args.conventions!r}")
    convs = [get_convention(n).name for n in names]
    net = build_network(args)
    require_concrete(net, "train")
    epochs = positive_int(args.epochs, "--epochs")
    if epochs > 10_000_000:
        raise InputError(f"--epochs {epochs} is more than the limit 10000000")
    (lr,) = parse_number_list(args.lr, "--lr")
    seed = positive_int(args.seed, "--seed", minimum=0)
    batch = None if args.batch_size is None else positive_int(args.batch_size, "--batch-size")
    optim = optim_command.train_options(args)
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
    bar = progress_bar(len(convs) * max(len(optim.optimizers), 1) * epochs, "train")
    done: dict[str, int] = {}

    def report(name: str, epoch: int) -> None:
        done[name] = epoch
        bar.update(sum(done.values()), name)

    history = training.train(net, convs, X, T, epochs, lr, batch, seed, args.data, report, *optim)
    bar.close()
    print(
        f"trained {net.describe()} on {args.data} ({X.shape[0]} samples), {epochs} epochs, "
        f"lr {lr:g}, {'full batch' if batch is None else f'batches of {batch}'}, seed {seed}"
    )
    if optim.optimizers:
        print(optim_command.train_summary(optim))
    print(training.history_text(history))
    if args.history is not None:
        training.write_history(history, args.history)
        print(f"wrote {args.history}")
    if args.plot is not None:
        training.plot_history(history, args.plot)
        print(f"wrote {args.plot}")
    return 0
