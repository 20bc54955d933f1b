"""docs/training.md quotes real output and shows real figures: every ``$ symbolic-bp train``
block is run (in-process) and its output compared line by line; the figures are compared byte
for byte when the matplotlib that made them (recorded on the page) is the one installed.
``SYMBOLIC_BP_UPDATE_SNAPSHOTS=1`` rewrites the blocks, the figures and the recorded version.

The runs take about 20 CPU seconds, so the test is in the slow suite."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest

from symbolic_bp.cli import main

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGE = DOCS / "training.md"
BLOCK = re.compile(r"```text\n(\$ symbolic-bp train [^\n]*)\n(.*?)```", re.S)
VERSION = re.compile(r"<!-- figures: matplotlib ([^ ]+) -->\n")


@pytest.mark.slow
def test_training_page_quotes_real_output_and_figures(tmp_path, monkeypatch, capsys):
    matplotlib = pytest.importorskip("matplotlib")
    page = PAGE.read_text(encoding="utf-8")
    blocks = BLOCK.findall(page)
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    (tmp_path / "training").mkdir()
    outputs = {}
    for command, _ in blocks:
        argv = shlex.split(command)[2:]
        assert main(argv) == 0
        outputs[command] = capsys.readouterr().out
    figures = sorted(p.name for p in (tmp_path / "training").iterdir())
    assert figures == ["iris.png", "xor.png", "xor_lr8.png"]
    if os.environ.get("SYMBOLIC_BP_UPDATE_SNAPSHOTS") == "1":
        for command, _ in blocks:
            page = page.replace(
                BLOCK.search(page, page.index(command) - 8).group(0),  # type: ignore[union-attr]
                f"```text\n{command}\n{outputs[command]}```",
            )
        stamp = f"<!-- figures: matplotlib {matplotlib.__version__} -->\n"
        page = VERSION.sub(stamp, page) if VERSION.search(page) else stamp + page
        PAGE.write_text(page, encoding="utf-8")
        for name in figures:
            shutil.copyfile(tmp_path / "training" / name, DOCS / "training" / name)
    for command, quoted in BLOCK.findall(PAGE.read_text(encoding="utf-8")):
        assert quoted == outputs[command], f"docs/training.md: the output of {command!r} changed"
    made_with = VERSION.search(PAGE.read_text(encoding="utf-8"))
    assert made_with is not None
    if made_with.group(1) != matplotlib.__version__:
        pytest.skip(f"figures made with matplotlib {made_with.group(1)}")
    for name in figures:
        assert (DOCS / "training" / name).read_bytes() == (
            tmp_path / "training" / name
        ).read_bytes()
