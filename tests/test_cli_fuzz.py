"""Property-based fuzzing of the command-line options (in-process, through main())."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbolic_bp.cli import main

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=30
)
_LAYERS = st.one_of(
    _TEXT,
    st.lists(st.integers(-3, 4), min_size=0, max_size=4).map(lambda xs: ",".join(map(str, xs))),
)


def _check(capsys, argv: list[str]) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 3)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("symbolic-bp: error:"), err
        assert "Traceback" not in err
    else:
        assert err == ""


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(layers=_LAYERS, activation=_TEXT, loss=_TEXT)
def test_fuzz_network_options(capsys, layers, activation, loss):
    """Any text in the network options: a verdict, or a one-line error with exit 2."""
    _check(
        capsys,
        [
            "prove",
            "--layers",
            layers or "x",
            "--activation",
            activation or "?",
            "--loss",
            loss or "?",
            "--timeout",
            "5",
            "--no-conditions",
        ],
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(conventions=_TEXT, timeout=_TEXT)
def test_fuzz_prove_options(capsys, conventions, timeout):
    _check(
        capsys,
        [
            "prove",
            "--layers",
            "1,1",
            "--conventions",
            conventions or ",",
            "--timeout",
            timeout or "nan",
            "--no-conditions",
        ],
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(inp=_TEXT, target=_TEXT, lr=_TEXT)
def test_fuzz_step_numbers(capsys, tmp_path_factory, inp, target, lr):
    path = tmp_path_factory.mktemp("p") / "p.json"
    path.write_text('{"w1_1_1": 0.5}')
    _check(
        capsys,
        [
            "step",
            "--layers",
            "1,1",
            "--params",
            str(path),
            "--input",
            inp or ",",
            "--target",
            target or ",",
            "--lr",
            lr or ",",
        ],
    )
