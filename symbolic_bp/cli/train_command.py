"""``symbolic-bp train``: several conventions trained side by side from the same start."""

from __future__ import annotations

import argparse

from ..conventions import get_convention
from ..datasets import DATASETS as BUILTIN_DATA
from ..datasets import is_builtin, load
from ..errors import InputError
from ..files import check_writable
from ..parsing import parse_number_list
from . import optim_command
from .options import (
    build_network,
    convention_choices,
    network_options,
    objective_options,
    positive_int,
)
from .progress import progress_bar

DEFAULT_SEEDS = 5  # as symbolic_bp.training.DEFAULT_SEEDS (not imported: NumPy loads lazily)
MAX_SEEDS = 1000

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "train",
        help="train under several conventions side by side and compare the loss curves",
        description="Train the network under each convention from the same starts (--seeds) on "
        "the same batches; print the median and range of the loss over the seeds, what each "
        "recipe changes relative to the gradient (from the prover), and optionally write the "
        "history and one plot.",
    )
    network_options(t, "sigmoid")
    objective_options(t, batch=False)
    t.add_argument(
        "--conventions",
        default="delta,error_at_update",
        metavar="A,B,...",
        help=f"one or more of: {convention_choices()} (default: %(default)s)",
    )
    t.add_argument(
        "--data",
        default="xor",
        metavar="xor|iris|FILE.csv",
        help="a built-in data set (xor; iris: Fisher's iris, features scaled to [0, 1], species "
        "one-hot, default layers 4,5,3) or a CSV file: inputs then targets in each row "
        "(default: %(default)s)",
    )
    t.add_argument(
        "--epochs", default="2000", metavar="N", help="passes over the data (default: 2000)"
    )
    t.add_argument("--lr", default="0.5", metavar="ETA", help="learning rate (default: 0.5)")
    t.add_argument(
        "--batch-size", default=None, metavar="N", help="samples per step (default: all)"
    )
    t.add_argument(
        "--seed", default="0", metavar="N", help="the first seed of the start values (default: 0)"
    )
    t.add_argument(
        "--seeds",
        default=str(DEFAULT_SEEDS),
        metavar="N",
        help="train every convention from N starts (seeds --seed, --seed + 1, ...), the same "
        "for all; the table and plot show the median and range (default: %(default)s)",
    )
    t.add_argument(
        "--no-explain",
        dest="explain",
        action="store_false",
        help="omit the explanation of what each recipe changes relative to the gradient (it "
        "runs the prover on networks of up to 200 parameters)",
    )
    t.add_argument("--history", metavar="FILE.csv|FILE.json", help="write the loss per epoch")
    t.add_argument(
        "--plot",
        metavar="FILE.png|FILE.svg",
        help="draw the median and range of every convention on one axes (needs matplotlib)",
    )
    optim_command.add_train_options(t)


def run(args: argparse.Namespace) -> int:
    from .. import training
    from ..codegen.numeric import require_concrete

    if args.layers is None and is_builtin(args.data):
        args.layers = BUILTIN_DATA[args.data].layers
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
    seeds = positive_int(args.seeds, "--seeds")
    if seeds > MAX_SEEDS:
        raise InputError(f"--seeds {seeds} is more than the limit {MAX_SEEDS}")
    batch = None if args.batch_size is None else positive_int(args.batch_size, "--batch-size")
    optim = optim_command.train_options(args)
    # check every output path before the work, so that a bad one costs nothing
    if args.history is not None:
        check_writable(args.history, "--history")
        if not args.history.endswith((".csv", ".json")):
            raise InputError(f"--history: {args.history!r} must end in .csv or .json")
    if args.plot is not None:
        check_writable(args.plot, "--plot")
        if not args.plot.endswith((".png", ".svg")):
            raise InputError(f"--plot: {args.plot!r} must end in .png or .svg")
        training.require_pyplot()
    if is_builtin(args.data):
        X, T = load(args.data)
    elif args.data.lower().endswith(".csv"):
        X, T = training.load_csv(args.data, net.sizes[0], net.sizes[-1])
    else:
        load(args.data)  # the one-line error naming the built-in sets
    runs = len(convs) * max(len(optim.optimizers), 1) * seeds
    bar = progress_bar(runs * epochs, "train")
    done: dict[str, int] = {}

    def report(name: str, epoch: int) -> None:
        done[name] = epoch
        bar.update(sum(done.values()), name)

    history = training.train(
        net, convs, X, T, epochs, lr, batch, seed, args.data, report, *optim, seeds=seeds
    )
    bar.close()
    starts = f"seed {seed}" if seeds == 1 else f"seeds {seed} to {seed + seeds - 1}"
    print(
        f"trained {net.describe()} on {args.data} ({X.shape[0]} samples), {epochs} epochs, "
        f"lr {lr:g}, {'full batch' if batch is None else f'batches of {batch}'}, {starts} "
        "(the same starts for every convention)"
    )
    if optim.optimizers:
        print(optim_command.train_summary(optim))
    print(training.history_text(history))
    if args.explain:
        changes = training.explain_recipes(net, convs, X, T, lr, history.seeds)
        text = training.explanation_text(changes, args.data, seeds)
        if text:
            print(text)
    if args.history is not None:
        training.write_history(history, args.history)
        print(f"wrote {args.history}")
    if args.plot is not None:
        training.plot_history(history, args.plot)
        print(f"wrote {args.plot}")
    return 0
