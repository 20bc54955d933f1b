"""The Python API as a notebook user meets it: short reprs, math display, errors that name
Python arguments (not command-line options), and one-line errors where a KeyError or an
OSError would have escaped."""

from __future__ import annotations

import errno
from pathlib import Path
from xml.etree import ElementTree

import pytest

import symbolic_bp as sbp
from symbolic_bp.cli import main
from symbolic_bp.derive import general_rules
from symbolic_bp.errors import InputError, command_line, option
from symbolic_bp.model.network import Network
from symbolic_bp.model.objective import Objective


@pytest.fixture(scope="module")
def net() -> Network:
    return Network.build([2, 2, 1], "sigmoid")


def test_compile_rules_names_a_missing_parameter(net):
    step = sbp.compile_rules(sbp.derive(net, "delta"))
    params = {name: 0.1 for name in net.parameter_names()}
    del params["w2_1_2"]
    with pytest.raises(InputError, match=r"^params has no value for parameter 'w2_1_2'$"):
        step(params, [0.05, 0.1], [0.01], 0.5)


def test_compile_rules_names_the_python_argument_not_the_option(net):
    step = sbp.compile_rules(sbp.derive(net, "delta"))
    params = {name: 0.1 for name in net.parameter_names()}
    with pytest.raises(InputError) as info:
        step(params, [0.05], [0.01], 0.5)
    assert str(info.value).startswith("x has 1 values") and "--" not in str(info.value)


@pytest.mark.parametrize(
    ("build", "python", "cli"),
    [
        pytest.param(lambda: Network.build("2,x,1"), "sizes", "--layers", id="layers"),
        pytest.param(
            lambda: Network.build([2, 2], "sigmoid", "categorical_cross_entropy"),
            "activation=",
            "--activation",
            id="activation",
        ),
    ],
)
def test_errors_name_arguments_from_python_and_options_from_the_command_line(build, python, cli):
    with pytest.raises(InputError) as info:
        build()
    assert python in str(info.value) and "--" not in str(info.value)
    with command_line(), pytest.raises(InputError) as info:
        build()
    assert cli in str(info.value)


def test_option_wording_follows_the_caller():
    assert option("--l2", "l2=") == "l2="
    with command_line():
        assert option("--l2", "l2=") == "--l2"
    assert option("--l2", "l2=") == "l2="  # reset after the block


def test_network_build_reads_layers_as_text():
    assert Network.build("2,3,1").sizes == (2, 3, 1)


def test_reprs_are_short(net):
    report = sbp.prove(net, "error_at_update", "delta")
    objects = [
        net,
        report,
        report.layers[0],
        report.parameters[0],
        report.counterexample,
        sbp.derive(net, "delta"),
        sbp.layer_rules(net, "delta"),
        general_rules("delta"),
    ]
    for obj in objects:
        text = repr(obj)
        assert text.startswith("<") and len(text) < 200, text
    assert repr(report.layers[0]).startswith("<LayerResult layer 1 w (4)")
    assert repr(net) == "<Network 2-2-1, activations sigmoid,sigmoid, loss half_sse, no biases>"
    batch = Network.build([2, 2, 1], objective=Objective(batch=3))
    assert repr(batch.view(2)) == f"<Network {batch.describe()}, sample 2>"


def test_layer_rules_display_as_math(net):
    rules = sbp.layer_rules(net, "delta")
    tex = rules._repr_latex_()
    assert tex.startswith("$$\\begin{aligned}") and r"\Delta w^{2}" in tex and "d^{1}" in tex
    html = rules._repr_html_()
    assert html.startswith("<math") and "\\" not in html
    # one table row per signal and update, well-formed XML (no raw "&" from the LaTeX)
    rows = ElementTree.fromstring(html).iter("{http://www.w3.org/1998/Math/MathML}mtr")
    assert len(list(rows)) == len(rules.latex_rows())
    general = general_rules("error_at_update")._repr_latex_()
    assert "r^{L}_{j}" in general and r"\Delta w^{L}_{ji}" in general


@pytest.mark.slow  # builds the whole site first (an error writes nothing): 20 s
def test_docs_out_on_an_unwritable_folder_is_one_line(tmp_path, monkeypatch, capsys):
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    out = tmp_path / "site"
    assert main(["docs", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Permission denied" in err and "--out" in err
    assert "Traceback" not in err and not out.exists()
