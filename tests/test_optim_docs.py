"""docs/optimizers.md and the README quote real output: every ```text block that starts with
``$ symbolic-bp ...`` is checked against what that command prints now."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from symbolic_bp.cli import main

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"```text\n\$ (symbolic-bp [^\n]*)\n(.*?)```", re.S)


def _blocks():
    for doc in ("docs/optimizers.md", "README.md"):
        for command, body in _BLOCK.findall((ROOT / doc).read_text(encoding="utf-8")):
            if "--optimizer" in command:
                yield pytest.param(command, body, id=f"{doc}:{command[12:60]}")


@pytest.mark.parametrize("command, body", list(_blocks()))
def test_quoted_output_is_current(capsys, command, body):
    main(shlex.split(command)[1:])
    out = capsys.readouterr().out.splitlines()
    quoted = [line for line in body.splitlines() if line and not line.lstrip().startswith("...")]
    missing = [line for line in quoted if line not in out]
    assert not missing, f"not in the output of {command!r}: {missing}"


def test_the_pages_quote_something():
    assert len(list(_blocks())) >= 6
