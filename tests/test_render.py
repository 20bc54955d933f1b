"""Rendered derivations and proofs: MathML validity, self-contained HTML, Markdown math blocks,
snapshots reviewed like code, and one page laid out by a real headless browser."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from html import unescape as html_unescape
from pathlib import Path

import pytest

from symbolic_bp import Network, derive, prove, prove_general
from symbolic_bp.cli import main
from symbolic_bp.proof.results import Counterexample
from symbolic_bp.render.derivation import derivation, general_document, report_document
from symbolic_bp.render.document import FORMATS, Document
from symbolic_bp.render.notation import inline_math

from .test_cli import run

SNAPSHOTS = Path(__file__).parent / "snapshots"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
#: presentation MathML elements (MathML Core and the few latex2mathml also emits)
PRESENTATION = {
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
    "munderover", "munder", "mover", "msqrt", "mroot", "mstyle", "mtable", "mtr", "mtd",
    "mpadded", "mphantom", "menclose", "semantics", "annotation",
}  # fmt: skip
AGH = Network.build([2, 3, 2, 1])


def _maths(fragment: str) -> list[ET.Element]:
    root = ET.fromstring(fragment)  # the MathML format is well-formed XML
    return list(root.iter(f"{{{MATHML_NS}}}math"))


@pytest.mark.parametrize(
    "doc",
    [
        pytest.param(lambda: derivation(AGH, "error_at_update", ["w2_1_1"]), id="derive-agh"),
        pytest.param(
            lambda: derivation(Network.build([3, 4, 2], "softplus,sigmoid", bias=True), "matrix"),
            id="derive-softplus-bias",
        ),
        pytest.param(
            lambda: derivation(Network.build([2, 2, 1], "x**3/3 + x,relu"), "inplace", "all"),
            id="derive-custom-relu",
        ),
        pytest.param(lambda: report_document(prove(AGH, "error_at_update", "delta")), id="prove"),
        pytest.param(lambda: general_document(prove_general("delta", "gradient")), id="general"),
    ],
)
def test_mathml_is_presentation_mathml_with_no_latex_left(doc):
    document = doc()
    fragment = document.mathml()
    maths = _maths(fragment)
    assert len(maths) >= 3
    for m in maths:
        for el in m.iter():
            tag = el.tag.split("}")[1]
            assert tag in PRESENTATION, tag
            text = "".join(el.itertext()) if el is m else (el.text or "")
            assert "\\" not in text, text  # no raw LaTeX command survived the conversion
        assert not re.search(r"\\[a-zA-Z]+", ET.tostring(m, encoding="unicode"))
    # JSON carries the same equations as LaTeX and MathML
    data = json.loads(document.json())
    eqs = [b for b in data["blocks"] if b["type"] == "math"]
    assert eqs and all(b["mathml"].startswith("<math") and b["latex"] for b in eqs)


def test_html_is_self_contained():
    page = derivation(AGH, "delta").html("footer text")
    assert page.startswith("<!DOCTYPE html>") and "<math" in page
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and " src=" not in lowered
    urls = set(re.findall(r"https?://[^\s\"'<>]+", page))
    assert urls <= {MATHML_NS}, urls  # nothing fetched from a network (no CDN)


def test_markdown_math_blocks_are_balanced():
    text = derivation(AGH, "delta", "all").markdown()
    lines = text.splitlines()
    fences = [n for n, line in enumerate(lines) if line == "$$"]
    assert fences and len(fences) % 2 == 0
    for start, end in zip(fences[::2], fences[1::2], strict=True):
        after = lines[end + 1] if end + 1 < len(lines) else ""
        assert end == start + 2 and lines[start - 1] == "" and after == ""
        assert "$" not in lines[start + 1]


def test_latex_document_is_balanced():
    tex = report_document(prove(AGH, "error_at_update", "delta")).latex()
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    for env in ("document", "multline*", "description", "itemize"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}")
    body = re.sub(r"\\[{}]", "", tex)
    assert body.count("{") == body.count("}")


def test_derivation_rows_come_from_the_rules():
    """The per-layer rows are the layer-level rules; the individual rows are derive()'s."""
    net = Network.build([2, 3, 2, 1], "sigmoid")
    doc = derivation(net, "error_at_update", ["w1_2_1"])
    layers = {row["layer"]: row for row in doc.data["layers"]}
    assert layers[2]["signal"] == "Sum(r[3, k]*w[3, k, j], (k, 1, n[3]))"
    assert "sigmoid'(e[1, j])" in layers[1]["weight_update"]
    rules = derive(net, "error_at_update")
    assert rules.update("w1_2_1") == rules.updates[net.w(1, 2, 1)]
    assert any(getattr(b, "label", "") == "w1_2_1:" for b in doc.blocks)


def test_jupyter_reprs_show_math():
    report = prove(AGH, "error_at_update", "delta")
    assert "<math" in report._repr_html_() and "$$" in report._repr_markdown_()
    proof = prove_general("delta", "gradient")
    assert "<math" in proof._repr_html_() and "$$" in proof._repr_markdown_()
    rules = derive(Network.build([2, 2, 1]), "delta")
    assert "<math" in rules._repr_html_() and rules._repr_latex_().startswith("$$")
    assert "<math" in derivation(AGH, "delta")._repr_html_()


# -- snapshots: rendered files reviewed like code ---------------------------------------------
SNAPSHOT_CASES = {
    "derive_delta_agh.tex": lambda: derivation(AGH, "delta").latex(),
    "derive_delta_agh.xml": lambda: derivation(AGH, "delta").mathml(),
    "derive_delta_agh.html": lambda: derivation(AGH, "delta").html(),
    "derive_error_at_update_agh.md": lambda: derivation(AGH, "error_at_update").markdown(),
}


@pytest.mark.parametrize("name", sorted(SNAPSHOT_CASES))
def test_snapshot(name):
    """Compare with tests/snapshots/NAME; SYMBOLIC_BP_UPDATE_SNAPSHOTS=1 rewrites them (then
    review the diff like code, and open the .html file in a browser)."""
    text = SNAPSHOT_CASES[name]()
    path = SNAPSHOTS / name
    if os.environ.get("SYMBOLIC_BP_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} changed: review and update"


# -- command line ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_derive_every_format(fmt, capsys):
    assert main(["derive", "--convention", "error_at_update", "--format", fmt]) == 0
    out = capsys.readouterr().out
    marker = {"latex": r"\documentclass", "mathml": "<math", "markdown": "$$", "html": "<math"}
    if fmt == "json":
        assert json.loads(out)["convention"] == "error_at_update"
    else:
        assert marker[fmt] in out


def test_derive_out_file_and_bad_names(tmp_path):
    out = tmp_path / "d.html"
    res = run("derive", "--format", "html", "--parameters", "w2_1_1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "<math" in out.read_text()
    res = run("derive", "--parameters", "w9_1_1", "--out", str(tmp_path / "x.md"))
    assert res.returncode == 2 and "'w9_1_1' does not exist" in res.stderr
    assert not (tmp_path / "x.md").exists()
    res = run("derive", "--format", "pdf")
    assert res.returncode == 2 and "pdf" in res.stderr and res.stderr.count("\n") == 1


def test_prove_formats(capsys):
    assert main(["prove", "--format", "markdown"]) == 1
    assert "## Layer by layer" in capsys.readouterr().out
    assert main(["prove", "--general", "--format", "html", "--conventions", "delta,gradient"]) == 0
    assert "<math" in capsys.readouterr().out
    assert main(["prove", "--json", "--format", "html"]) == 2


def test_docs_bad_out(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep")
    res = run("docs", "--out", str(target))
    assert res.returncode == 2 and "not a directory" in res.stderr
    res = run("docs", "--out", str(tmp_path / "no" / "site"))
    assert res.returncode == 2 and "does not exist" in res.stderr
    assert target.read_text() == "keep"


# -- the repository's generated pages and the browser ------------------------------------------
DOCS_SITE = Path(__file__).parent.parent / "docs" / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``symbolic-bp docs`` run once, in a subprocess with another hash seed."""
    out = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    cmd = [sys.executable, "-m", "symbolic_bp", "docs", "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert res.returncode == 0, res.stderr
    return out


def test_repository_docs_are_up_to_date(site):
    """docs/site holds the pages `symbolic-bp docs` writes; regenerate with
    `symbolic-bp docs --out docs/site` when this fails. Equality here also shows that the
    output does not depend on the hash seed."""
    made = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    kept = sorted(p.relative_to(DOCS_SITE).as_posix() for p in DOCS_SITE.rglob("*") if p.is_file())
    assert made == kept
    stale = [n for n in made if (site / n).read_bytes() != (DOCS_SITE / n).read_bytes()]
    assert not stale, f"out of date: {stale}; run symbolic-bp docs --out docs/site"


def test_question_page_answers_from_the_proof(site):
    text = (site / "question.md").read_text()
    report = prove(AGH, "error_at_update", "delta")
    assert report_document(report).blocks[0].text in text  # the verdict line, as computed
    for condition in report.conditions:
        assert inline_math(condition) in text  # typeset: f_2' = 1 as $f_{2}' = 1$
    assert "Counterexample" in text and report.counterexample.parameter in text
    assert "delta gives the gradient" in text  # read off prove(delta, gradient) on the page


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


PROBE = """
<script>
window.addEventListener("load", () => {
  const maths = [...document.querySelectorAll("math")];
  const sizes = maths.map(m => {
    const r = m.getBoundingClientRect(); return [r.width, r.height]; });
  const frac = document.querySelector("mfrac"), mi = document.querySelector("mi");
  const out = {count: maths.length,
    mathml: maths.every(m => m.namespaceURI === "http://www.w3.org/1998/Math/MathML"
                          && typeof MathMLElement !== "undefined" && m instanceof MathMLElement),
    empty: sizes.filter(s => !(s[0] > 0 && s[1] > 0)).length,
    frac: frac ? frac.getBoundingClientRect().height : 0,
    mi: mi ? mi.getBoundingClientRect().height : 0};
  const pre = document.createElement("pre"); pre.id = "probe";
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>
"""


_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]  # fmt: skip


def _open(browser: str, page: Path, probe: str, width: int, tmp_path: Path) -> dict:
    """Open ``page`` with ``probe`` appended in a window ``width`` pixels wide; the probe's
    JSON."""
    probed = page.with_name(f"{page.stem}-{width}-probe.html")
    probed.write_text(page.read_text().replace("</body>", probe + "</body>"))
    flags = [*_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},1600"]
    dom = subprocess.run(
        [browser, *flags, "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert match, dom.stderr[-2000:]
    return json.loads(html_unescape(match.group(1)))


def _screenshot(browser: str, page: Path, width: int, tmp_path: Path) -> Path:
    """A PNG of ``page`` for a human to look at: in ``$SYMBOLIC_BP_SCREENSHOTS`` when set
    (then open them), else next to the test's files."""
    folder = Path(os.environ.get("SYMBOLIC_BP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{page.stem}-{width}.png"
    flags = [*_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", f"--window-size={width},4000", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return shot


def test_page_is_laid_out_as_mathml_in_a_real_browser(site, tmp_path):
    """Open the question page in headless Chromium: every math element has a size, is a
    MathMLElement, and a fraction is taller than a letter (laid out as math, not as text).
    A screenshot is kept for a human to look at."""
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    page = tmp_path / "question.html"
    page.write_text((site / "question.html").read_text())
    probe = _open(browser, page, PROBE, 1200, tmp_path)
    assert probe["count"] >= 10 and probe["mathml"] is True and probe["empty"] == 0
    assert probe["frac"] > 1.3 * probe["mi"] > 0
    _screenshot(browser, page, 1200, tmp_path)


LAYOUT_PROBE = r"""
<script>
window.addEventListener("load", () => {
  const ctx = document.createElement("canvas").getContext("2d");
  const text = el => el.textContent.replace(/\s+/g, " ").trim().slice(0, 80);
  const inner = el => { const cs = getComputedStyle(el);
    return el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight); };
  const widthOf = (el, s) => {
    ctx.font = getComputedStyle(el).font; return ctx.measureText(s).width; };
  const out = {crushed: [], clipped: [], raw: [], empty: [], cells: 0,
               page: document.documentElement.scrollWidth - window.innerWidth};
  for (const cell of document.querySelectorAll("td, th")) {
    out.cells += 1;
    if (!cell.querySelector("math") && !cell.textContent.trim()) out.empty.push(cell.outerHTML);
    // a cell is as wide as its longest word (a long number's: at least 18 digits of it)
    const words = cell.querySelector("math") ? [] : cell.textContent.split(/\s+/);
    const longest = Math.max(0, ...words.map(w => widthOf(cell, w)));
    const need = cell.classList.contains("num")
      ? Math.min(longest, widthOf(cell, "0".repeat(18))) : longest;
    if (inner(cell) + 1 < need) out.crushed.push([text(cell), inner(cell), need]);
  }
  // nothing is wider than its box: no clipped or hidden text, no spill into a neighbour
  // (an equation or a table of math too wide for a narrow window scrolls in its own box:
  // math cannot wrap)
  out.scrolled = 0;
  for (const el of document.querySelectorAll("main, div, p, li, pre, table, td, th")) {
    if (el.scrollWidth <= el.clientWidth + 1) continue;
    const scrolls = getComputedStyle(el).overflowX === "auto";
    if (scrolls && (el.classList.contains("eq") || el.classList.contains("wide"))) out.scrolled++;
    else out.clipped.push([el.tagName, text(el)]);
  }
  // prose is words or typeset math: no LaTeX, indexed names or "layer(s)" left in plain text
  const raw = /\\[A-Za-z]|[_^]\{|\w\[[^\]]*\]|<=|>=|\$|\(s\)/;
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    if (node.parentElement.closest("math, pre, code, script, style")) continue;
    if (raw.test(node.textContent)) out.raw.push(node.textContent.trim().slice(0, 120));
  }
  const pre = document.createElement("pre"); pre.id = "probe";
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>
"""


def _long_counterexample_page() -> Document:
    """A counterexample table with numbers of hundreds of digits beside short names."""
    big = Fraction(-(7**200) + 3, 5**100)  # 240 characters: shown in full
    ce = Counterexample(
        "w1_1_1",
        {"x_1": Fraction(1, 3), "w1_1_1": Fraction(-2)},
        {"f_1": "x**2 + x"},
        {"error_at_update_consistent": big, "delta": big * 3},
        {"error_at_update_consistent": float(big), "delta": float(big * 3)},
    )
    return report_document(
        dataclasses.replace(prove(AGH, "error_at_update", "delta"), counterexample=ce)
    )


@pytest.mark.parametrize("width", [1200, 640])
def test_pages_are_laid_out_without_crushed_clipped_or_raw_text(site, tmp_path, width):
    """In headless Chromium, at a desktop and a narrow width, on the question page, the
    general proof, a convention's page and a counterexample of 240-character numbers: every
    table cell is at least as wide as its longest word (a long number's: 18 digits of it), no
    element is wider than its box (the "As text" block wraps), no plain text holds LaTeX,
    indexed names or "layer(s)", no cell is empty. Screenshots are written for a human to look
    at (set SYMBOLIC_BP_SCREENSHOTS=DIR to keep them)."""
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    pages = {
        name: (site / f"{name}.html").read_text()
        for name in ("question", "general", "conventions/error_at_update")
    }
    pages["long-counterexample"] = _long_counterexample_page().html()
    for name, text in pages.items():
        page = tmp_path / f"{name.replace('/', '-')}.html"
        page.write_text(text)
        probe = _open(browser, page, LAYOUT_PROBE, width, tmp_path)
        assert probe["cells"] > 0 or name.startswith("conventions"), name
        if width >= 1200:
            assert probe["scrolled"] == 0, (name, "something scrolls in a desktop window")
        assert probe["crushed"] == [], (name, probe["crushed"])
        assert probe["clipped"] == [], (name, probe["clipped"])
        assert probe["page"] <= 0, (name, "the page scrolls sideways")
        assert probe["raw"] == [], (name, probe["raw"])
        assert probe["empty"] == [], (name, probe["empty"])
        _screenshot(browser, page, width, tmp_path)


def test_a_markdown_title_from_a_file_name_is_escaped():
    """A title holding a user's file name makes no tag, entity, emphasis or math in Markdown
    (HTML and LaTeX escape it already)."""
    from symbolic_bp.render.document import Document

    text = Document("check of a<b>&x*y$.py").markdown()
    assert text.splitlines()[0] == r"# check of a&lt;b&gt;&amp;x\*y\$.py"
