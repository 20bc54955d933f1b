"""The documentation quotes real output: fail when the quoted text is out of date."""

from __future__ import annotations

from pathlib import Path

from .test_cli import run

ROOT = Path(__file__).resolve().parents[1]


def _first_text_block(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    start = text.index("```text\n") + len("```text\n")
    return text[start : text.index("```", start)].splitlines()


def test_readme_quotes_the_default_prove_output():
    out = run("prove").stdout.splitlines()
    quoted = _first_text_block(ROOT / "README.md")
    assert quoted[0] == out[0]
    missing = [
        line for line in quoted if line and not line.lstrip().startswith("...") and line not in out
    ]
    assert not missing, f"README lines not in `symbolic-bp prove` output: {missing}"


def test_general_doc_quotes_the_general_proof():
    out = run("prove", "--general").stdout.splitlines()
    assert _first_text_block(ROOT / "docs" / "general.md") == out
