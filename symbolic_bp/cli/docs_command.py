"""``symbolic-bp docs``: the documentation pages (HTML and Markdown)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    o = sub.add_parser(
        "docs",
        help="write the documentation pages (HTML and Markdown)",
        description="Write the documentation pages: an index, the original question answered "
        "side by side, the general proof, and one page per built-in convention and per "
        "convention a --recipes file registers.",
    )
    o.add_argument("--out", required=True, metavar="DIR", help="directory to write (created)")


def run(args: argparse.Namespace) -> int:
    from ..site import write_site

    written = write_site(args.out, getattr(args, "recipe_conventions", ()))
    index = Path(args.out) / "index.html"
    print(f"wrote {len(written)} files under {args.out}; open {index}")
    return 0
