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
    """README quotes the whole output, exactly (regenerate the block from `symbolic-bp prove`)."""
    out = run("prove").stdout.splitlines()
    assert _first_text_block(ROOT / "README.md") == out


def test_general_doc_quotes_the_general_proof():
    out = run("prove", "--general").stdout.splitlines()
    assert _first_text_block(ROOT / "docs" / "general.md") == out


def _quoted_checks(path: Path) -> list[tuple[list[str], list[str]]]:
    """``(arguments, quoted lines)`` of every ``$ symbolic-bp check ...`` text block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for n, line in enumerate(lines):
        if line.strip().startswith("$ symbolic-bp check "):
            indent = len(line) - len(line.lstrip())
            quoted = []
            for following in lines[n + 1 :]:
                if following.strip().startswith("```"):
                    break
                quoted.append(following[indent:])
            out.append((line.split()[2:], quoted))
    return out


def test_check_doc_quotes_real_output(capsys, monkeypatch):
    from symbolic_bp.cli import main

    from .trace_oracles import EXAMPLES

    monkeypatch.chdir(EXAMPLES)
    quotes = _quoted_checks(ROOT / "docs" / "check.md")
    assert len(quotes) >= 2
    for args, quoted in quotes:
        main(args)
        out = capsys.readouterr().out.splitlines()
        assert quoted[0] == out[0]
        missing = [q for q in quoted if q and q.strip() != "..." and q not in out]
        assert not missing, f"docs/check.md lines not in `symbolic-bp {' '.join(args)}`: {missing}"
