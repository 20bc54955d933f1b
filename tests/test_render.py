"""Rendered derivations and proofs: MathML validity, self-contained HTML, Markdown math blocks,
snapshots reviewed like code, and one page laid out by a real headless browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symbolic_bp import Network, derive, prove, prove_general
from symbolic_bp.cli import main
from symbolic_bp.render.derivation import derivation, general_document, report_document
from symbolic_bp.render.document import FORMATS

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
        assert condition in text
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


def test_page_is_laid_out_as_mathml_in_a_real_browser(site, tmp_path):
    """Open the question page in headless Chromium: every math element has a size, is a
    MathMLElement, and a fraction is taller than a letter (laid out as math, not as text).
    A screenshot is kept next to the page for a human to look at."""
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    page = tmp_path / "question.html"
    page.write_text((site / "question.html").read_text().replace("</body>", PROBE + "</body>"))
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-quic", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    dom = subprocess.run(
        [browser, *flags, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout)
    assert match, dom.stderr[-2000:]
    probe = json.loads(match.group(1).replace("&quot;", '"'))
    assert probe["count"] >= 10 and probe["mathml"] is True and probe["empty"] == 0
    assert probe["frac"] > 1.3 * probe["mi"] > 0
    shot = tmp_path / "question.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
