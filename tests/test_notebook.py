"""docs/tutorial.ipynb runs top to bottom and shows what it says: the verdict, the report as
text, and rendered math (MathML in text/html, LaTeX in text/latex).

The notebook is executed with nbclient in a kernel of *this* Python (``sys.executable``),
described by a kernelspec written to a temporary folder: no kernel needs to be installed, and
HOME, IPython's and Jupyter's folders all point into temporary folders, so the test runs where
HOME is unset or read-only and leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import symbolic_bp

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"
MATHML = "http://www.w3.org/1998/Math/MathML"


def test_the_committed_notebook_holds_no_outputs():
    """Outputs are not committed (they would differ from run to run and go stale)."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) >= 6
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None, cell["id"]


def _kernel_env(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec for sys.executable in ``tmp`` and every Jupyter/IPython folder in ``tmp``;
    the kernel inherits this environment. Returns the kernel's name."""
    name = "symbolic-bp-test"
    spec = tmp / "jupyter" / "kernels" / name
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "symbolic_bp test", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    home = tmp / "home"
    home.mkdir()
    for var, path in {
        "HOME": home,
        "IPYTHONDIR": tmp / "ipython",
        "JUPYTER_PATH": tmp / "jupyter",  # where the kernelspec above is found
        "JUPYTER_CONFIG_DIR": tmp / "jupyter-config",
        "JUPYTER_DATA_DIR": tmp / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": tmp / "jupyter-runtime",  # the kernel's connection file
        "MPLCONFIGDIR": tmp / "matplotlib",
    }.items():
        monkeypatch.setenv(var, str(path))
    # some jupyter_core 5.x releases warn when jupyter_core.paths is imported unless told which
    # folder scheme to use ("Jupyter is migrating its paths"); the variables above override
    # either scheme, so choose the new one and say so before anything imports it
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    # the kernel imports the same symbolic_bp as this test (a checkout or an installed copy)
    source = str(Path(symbolic_bp.__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", source + (os.pathsep + path if path else ""))
    return name


def _outputs(nb: dict) -> dict[str, tuple[str, dict[str, str]]]:
    """Per code cell id: (its stdout, its rich data by MIME type, merged)."""
    out = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        stdout, data = "", {}
        for o in cell["outputs"]:
            if o["output_type"] == "stream":
                assert o["name"] == "stdout", f"cell {cell['id']} wrote to stderr: {o['text']}"
                stdout += o["text"]
            elif o["output_type"] in ("display_data", "execute_result"):
                data.update(o["data"])
        out[cell["id"]] = (stdout, data)
    return out


def _math_rows(html: str) -> int:
    """The number of table rows of the MathML in ``html``; it must be well-formed XML."""
    from xml.etree import ElementTree

    start = html.index("<math")
    end = html.index("</math>", start) + len("</math>")
    return len(list(ElementTree.fromstring(html[start:end]).iter(f"{{{MATHML}}}mtr")))


# the one known-harmless warning of the Jupyter packages (see _kernel_env); any other warning
# stays an error (filterwarnings = error in pyproject.toml)
@pytest.mark.filterwarnings("ignore:Jupyter is migrating its paths:DeprecationWarning")
def test_the_tutorial_notebook_runs_and_renders_math(tmp_path, monkeypatch):
    kernel = _kernel_env(tmp_path, monkeypatch)  # first: the imports below read it
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        pytest.skip("nbclient is not installed (pip install '.[test]' installs it)")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, kernel_name=kernel, timeout=120, startup_timeout=60, resources={"metadata": {}}
    )
    client.execute(cwd=str(tmp_path))
    cells = _outputs(nb)

    stdout, data = cells["network"]
    assert stdout.startswith("14 parameters: w1_1_1, w1_1_2, w1_2_1,")
    assert (
        data["text/plain"] == "<Network 2-3-2-1, activations f_1,f_2,f_3, loss half_sse, no biases>"
    )
    # the original question: proven different, with the condition of agreement
    stdout, data = cells["prove"]
    assert stdout == "proven different\n"
    assert "f_2' = 1 and f_3' = 1" in data["text/plain"]
    # the report as the command line prints it, and as math
    assert cells["text"][0].startswith(
        "DIFFERENT: error_at_update and delta differ for 12 of 14 parameters"
    )
    html = cells["report"][1]["text/html"]
    assert "<math" in html and "DIFFERENT" in html and "counterexample" in html.lower()
    # the derivations: LaTeX and MathML, one row per signal and update of each layer
    for cell, signal in (("derive", "r^{3}"), ("derive-mlm", "d^{3}")):
        data = cells[cell][1]
        assert data["text/latex"].startswith("$$\\begin{aligned}") and signal in data["text/latex"]
        assert "\\Delta w^{1}" in data["text/latex"]
        assert _math_rows(data["text/html"]) == 6  # signal and update of layers 3, 2, 1
    # the learner's code: refuted, and recognised as the AGH recipe
    stdout, _ = cells["check-code"]
    assert stdout.splitlines() == [
        "differs from the gradient",
        "it is the recipe: error_at_update, error_at_update_flipped",
    ]
    html = cells["check-report"][1]["text/html"]
    assert "<math" in html and "error_at_update" in html
    assert "<h1>step against the gradient</h1>" in html  # not the cell's hashed file name
