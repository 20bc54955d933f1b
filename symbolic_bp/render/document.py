r"""A small document model (headings, paragraphs, display equations, side-by-side tables, code,
lists and links) and its writers: Markdown with ``$$`` blocks, a self-contained HTML page with
MathML, a MathML fragment, a standalone LaTeX document, and JSON.

Every equation is kept as LaTeX and converted to presentation MathML by latex2mathml, so the HTML
needs no JavaScript and no network to show the math.

>>> doc = Document("Demo", [Heading("Rule"), Math(r"\Delta w = \eta\, d\, y")])
>>> print(doc.markdown())
# Demo
<BLANKLINE>
## Rule
<BLANKLINE>
$$
\Delta w = \eta\, d\, y
$$
<BLANKLINE>
>>> "<math" in doc.html() and "\\" not in doc.mathml()
True
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

from .notation import mathml as to_mathml

__all__ = ["Document", "Heading", "Para", "Math", "Table", "Code", "Items", "Links", "FORMATS"]

#: the formats of ``symbolic-bp derive --format`` and their file extensions
FORMATS = {"latex": ".tex", "mathml": ".xml", "markdown": ".md", "html": ".html", "json": ".json"}


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    """Plain text (escaped for every format); with ``math=True`` the ``$...$`` segments are
    inline LaTeX (MathML in HTML)."""

    text: str
    math: bool = False


@dataclass(frozen=True)
class Math:
    """A display equation in LaTeX, with an optional plain-text label before it."""

    latex: str
    label: str = ""


@dataclass(frozen=True)
class Table:
    """Rows of cells side by side; a cell is LaTeX math (``math=True``) or plain text.
    ``numbers`` marks the columns of long numbers, which HTML breaks anywhere (the other
    columns break only between words, so they are never crushed beside a long number)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    math: tuple[bool, ...] = ()
    numbers: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Code:
    """Preformatted text (a proof as the command line prints it)."""

    text: str


@dataclass(frozen=True)
class Items:
    """A bulleted list; with ``math=True`` ``$...$`` segments are inline LaTeX, as in
    :class:`Para`."""

    items: tuple[str, ...]
    math: bool = False


@dataclass(frozen=True)
class Links:
    """``(text, page, note)`` entries; ``page`` is a relative path without extension (each
    format links to its own kind of file: ``.md`` or ``.html``)."""

    items: tuple[tuple[str, str, str], ...]


Block = Heading | Para | Math | Table | Code | Items | Links

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1b1b1b;
       background: #fdfdfc; line-height: 1.5; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin-bottom: 0.3rem; } h2 { margin-top: 2rem; font-size: 1.3rem; }
.eq { margin: 0.6rem 0 0.6rem 1.5rem; overflow-x: auto; overflow-y: hidden; padding: 0.15rem 0; }
.eq math { display: block; font-size: 1.1rem; width: max-content; }
.label { margin: 0.8rem 0 0 0; color: #444; }
.wide { overflow-x: auto; margin: 0.8rem 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.4rem 0.6rem; vertical-align: top; text-align: left;
         overflow-wrap: break-word; }
td.num { overflow-wrap: anywhere; min-width: 18ch;
         font-variant-numeric: tabular-nums; }
td mtext { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
th { background: #f1f0ec; }
pre { background: #f4f4f1; padding: 0.8rem; white-space: pre-wrap; overflow-wrap: anywhere;
      font-size: 0.85rem; }
footer { color: #666; font-size: 0.85rem; margin-top: 3rem; }
"""


@dataclass
class Document:
    """A titled sequence of blocks; ``data`` is extra structured content for JSON."""

    title: str
    blocks: list[Block] = field(default_factory=list)
    data: dict[str, object] = field(default_factory=dict)

    # -- Markdown ----------------------------------------------------------------------------
    def markdown(self) -> str:
        """Markdown with ``$$ ... $$`` display math (MkDocs, Jupyter Book, GitHub)."""
        out = [f"# {markdown_text(self.title)}", ""]
        for b in self.blocks:
            if isinstance(b, Heading):
                out += ["#" * b.level + " " + b.text, ""]
            elif isinstance(b, Para):
                out += [b.text, ""]
            elif isinstance(b, Math):
                if b.label:
                    out += [b.label, ""]
                out += ["$$", b.latex, "$$", ""]
            elif isinstance(b, Table):
                out.append("| " + " | ".join(b.header) + " |")
                out.append("|" + "---|" * len(b.header))
                for row in b.rows:
                    cells = [
                        f"${c}$" if self._is_math(b, n) and c else c.replace("|", "\\|")
                        for n, c in enumerate(row)
                    ]
                    out.append("| " + " | ".join(cells) + " |")
                out.append("")
            elif isinstance(b, Code):
                out += ["```text", b.text.rstrip("\n"), "```", ""]
            elif isinstance(b, Items):
                out += [f"- {item}" for item in b.items] + [""]
            elif isinstance(b, Links):
                out += [f"- [{t}]({h}.md)" + (f": {n}" if n else "") for t, h, n in b.items]
                out.append("")
        return "\n".join(out)

    @staticmethod
    def _is_math(table: Table, column: int) -> bool:
        return column < len(table.math) and table.math[column]

    # -- HTML and MathML ---------------------------------------------------------------------
    def mathml(self) -> str:
        """The body as an HTML fragment whose equations are presentation MathML."""
        out = ['<div class="symbolic-bp">', f"<h1>{html.escape(self.title)}</h1>"]
        for b in self.blocks:
            if isinstance(b, Heading):
                out.append(f"<h{b.level}>{html.escape(b.text)}</h{b.level}>")
            elif isinstance(b, Para):
                out.append(f"<p>{_inline_html(b.text, b.math)}</p>")
            elif isinstance(b, Math):
                if b.label:
                    out.append(f'<p class="label">{html.escape(b.label)}</p>')
                out.append(f'<div class="eq">{to_mathml(b.latex)}</div>')
            elif isinstance(b, Table):
                out.append('<div class="wide"><table>')
                out.append(
                    "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in b.header) + "</tr>"
                )
                for row in b.rows:
                    cells = [
                        to_mathml(c, "inline") if self._is_math(b, n) and c else html.escape(c)
                        for n, c in enumerate(row)
                    ]
                    tds = [
                        f'<td class="num">{c}</td>'
                        if n < len(b.numbers) and b.numbers[n]
                        else f"<td>{c}</td>"
                        for n, c in enumerate(cells)
                    ]
                    out.append("<tr>" + "".join(tds) + "</tr>")
                out.append("</table></div>")
            elif isinstance(b, Code):
                out.append(f"<pre>{html.escape(b.text.rstrip())}</pre>")
            elif isinstance(b, Items):
                out.append(
                    "<ul>"
                    + "".join(f"<li>{_inline_html(i, b.math)}</li>" for i in b.items)
                    + "</ul>"
                )
            elif isinstance(b, Links):
                entries = "".join(
                    f'<li><a href="{html.escape(h)}.html">{html.escape(t)}</a>'
                    + (f": {html.escape(n)}" if n else "")
                    + "</li>"
                    for t, h, n in b.items
                )
                out.append(f"<ul>{entries}</ul>")
        out.append("</div>")
        return "\n".join(out) + "\n"

    def html(self, footer: str = "") -> str:
        """A self-contained page: inline CSS, MathML, no scripts, no external resources."""
        foot = f"<footer>{html.escape(footer)}</footer>\n" if footer else ""
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n<main>\n{self.mathml()}{foot}</main>\n</body>\n</html>\n"
        )

    # -- LaTeX -------------------------------------------------------------------------------
    def latex(self) -> str:
        """A standalone LaTeX document (``pdflatex`` with amsmath)."""
        out = [
            r"\documentclass[11pt]{article}",
            r"\usepackage[utf8]{inputenc}",
            r"\usepackage{amsmath,amssymb}",
            r"\usepackage[margin=2cm]{geometry}",
            r"\allowdisplaybreaks",
            r"\begin{document}",
            r"\section*{%s}" % _tex_escape(self.title),
        ]
        for b in self.blocks:
            if isinstance(b, Heading):
                cmd = "subsection*" if b.level <= 2 else "subsubsection*"
                out.append(r"\%s{%s}" % (cmd, _tex_escape(b.text)))
            elif isinstance(b, Para):
                out += [_inline_tex(b.text, b.math), ""]
            elif isinstance(b, Math):
                if b.label:
                    out += [_tex_escape(b.label)]
                out += [r"\begin{multline*}", b.latex, r"\end{multline*}"]
            elif isinstance(b, Table):
                out.append(r"\begin{description}")
                for row in b.rows:
                    for n, (h, c) in enumerate(zip(b.header, row, strict=True)):
                        text = f"${c}$" if self._is_math(b, n) and c else _tex_escape(c)
                        out.append(r"\item[%s] %s" % (_tex_escape(h), text))
                out.append(r"\end{description}")
            elif isinstance(b, Code):
                out += [r"\begin{verbatim}", b.text.rstrip("\n"), r"\end{verbatim}"]
            elif isinstance(b, Items | Links):
                out.append(r"\begin{itemize}")
                for item in b.items:
                    if isinstance(item, str):
                        out.append(r"\item " + _inline_tex(item, getattr(b, "math", False)))
                    else:
                        out.append(r"\item " + _tex_escape(f"{item[0]} ({item[1]})"))
                out.append(r"\end{itemize}")
        out.append(r"\end{document}")
        return "\n".join(out) + "\n"

    # -- JSON --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, object]:
        """Every block with its type; equations with ``latex`` and ``mathml``."""
        blocks: list[dict[str, object]] = []
        for b in self.blocks:
            kind = type(b).__name__.lower()
            entry: dict[str, object] = {"type": kind, **b.__dict__}
            if isinstance(b, Math):
                entry["mathml"] = to_mathml(b.latex)
            blocks.append(entry)
        return {"title": self.title, **self.data, "blocks": blocks}

    # rich display in Jupyter
    def _repr_html_(self) -> str:
        return self.mathml()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def render(self, fmt: str) -> str:
        """The document in one of :data:`FORMATS`."""
        return {
            "latex": self.latex,
            "mathml": self.mathml,
            "markdown": self.markdown,
            "html": self.html,
            "json": self.json,
        }[fmt]()


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _tex_escape(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(c, c) for c in text)


def _segments(text: str, math: bool) -> list[tuple[bool, str]]:
    """``(is_math, part)`` of a text whose ``$...$`` segments are LaTeX when ``math``."""
    if not math:
        return [(False, text)]
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced $ in {text!r}")
    return [(n % 2 == 1, p) for n, p in enumerate(parts) if p]


def _inline_html(text: str, math: bool) -> str:
    r"""Escaped text with inline MathML for its ``$...$`` segments.

    >>> "<math" in _inline_html(r"a rate $\eta$", True), _inline_html("a $", False)
    (True, 'a $')
    """
    return "".join(
        to_mathml(p, "inline") if is_math else html.escape(p)
        for is_math, p in _segments(text, math)
    )


def _inline_tex(text: str, math: bool) -> str:
    return "".join(f"${p}$" if is_math else _tex_escape(p) for is_math, p in _segments(text, math))


def markdown_text(text: str) -> str:
    r"""Plain text (a file name, a title) safe in Markdown: no emphasis, tag, entity or math
    (``_`` is kept: within a word, as in ``error_at_update``, it makes no emphasis).

    >>> print(markdown_text("a<b>&x_%#$*.py"))
    a&lt;b&gt;&amp;x_%\#\$\*.py
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*{}\[\]#$|])", r"\\\1", text)
