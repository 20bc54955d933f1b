"""Soundness of every verdict, against hostile user recipes (issue 11).

A verdict of the tool (``prove``, ``prove_general``, the CLI) must be ``unknown`` or agree with
an oracle that shares no code with the prover's fast paths (tests/soundness_oracle.py: the
per-neuron rules ``derive(...).expanded(p)`` as the definition of a recipe, and ``sympy.diff``
of our own expanded loss as the gradient). A reported counterexample must really be one,
re-evaluated here exactly. Nothing may raise except ``SymbolicBPError`` with a one-line message;
the command line never prints a traceback.

The recipes are in tests/hostile_recipes.py. Each test collects every problem it sees and fails
with the whole list, so that one run tells the whole story.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from fractions import Fraction
from pathlib import Path

import pytest

import symbolic_bp as sbp
import symbolic_bp.cli
from tests import hostile_recipes as H
from tests.soundness_oracle import (
    NotEvaluable,
    Oracle,
    PointFails,
    evaluate_at,
    provably_different,
)

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "symbolic-bp"

ORACLE = Oracle()

# id -> (layer sizes, bias, loss, activation or None for generic)
NETS: dict[str, tuple[list[int], bool, str, str | None]] = {
    "2-2-1": ([2, 2, 1], False, "half_sse", None),
    "2-2-1-ce": ([2, 2, 1], False, "cross_entropy", None),
    "2-2-2b": ([2, 2, 2], True, "half_sse", None),
    "2-2-2b-sse": ([2, 2, 2], True, "sse", None),
    "2-2-2b-ce": ([2, 2, 2], True, "cross_entropy", None),
    "2-3-2-1": ([2, 3, 2, 1], False, "half_sse", None),
    "2-3-2-1b-ce": ([2, 3, 2, 1], True, "cross_entropy", None),
    "2-2-2-1b": ([2, 2, 2, 1], True, "half_sse", None),
    "3-2-4": ([3, 2, 4], False, "half_sse", None),
    "3-2-4-2": ([3, 2, 4, 2], False, "half_sse", None),  # 22 parameters, non-square
    "3-2-4-2b-sse": ([3, 2, 4, 2], True, "sse", None),  # 30 parameters
    "4-5-3": ([4, 5, 3], False, "half_sse", None),  # 35 parameters
    "4-5-3b": ([4, 5, 3], True, "half_sse", None),  # 43 parameters
    "4-8-4": ([4, 8, 4], False, "half_sse", None),  # 64 parameters
    "3-6-6-2b": ([3, 6, 6, 2], True, "half_sse", None),  # 80 parameters, depth 3
    # concrete activations (output_derivative needs them)
    "2-2-1-sigmoid": ([2, 2, 1], False, "half_sse", "sigmoid"),
    "2-2-2b-tanh-sse": ([2, 2, 2], True, "sse", "tanh"),
    "2-2-1-sigmoid-ce": ([2, 2, 1], False, "cross_entropy", "sigmoid"),
    "2-3-2-1-sigmoid": ([2, 3, 2, 1], False, "half_sse", "sigmoid"),
}
ALL_INSTANCE_NETS = [k for k, v in NETS.items() if v[3] is None]


def build(net_id: str) -> sbp.Network:
    sizes, bias, loss, act = NETS[net_id]
    if act is None:
        return sbp.Network.build(sizes, bias=bias, loss=loss)
    return sbp.Network.build(sizes, act, bias=bias, loss=loss)


def cli_network_args(net_id: str) -> list[str]:
    sizes, bias, loss, act = NETS[net_id]
    args = ["--layers", ",".join(map(str, sizes)), "--loss", loss]
    args.append("--bias" if bias else "--no-bias")
    if act is not None:
        args += ["--activation", act]
    return args


# --------------------------------------------------------------------------------------------
# which (recipe, partner, network) run in the default suite; the rest are @slow

# every recipe runs on the 22-parameter non-square 3-2-4-2 (the layer path: > 20 parameters);
# these add the networks where the recipe's hostility shows
EXTRA_DEFAULT: dict[str, list[str]] = {
    "nonuniform_hidden_j1": ["2-2-1"],
    "nonuniform_output_j1": ["2-2-2b"],
    "layer1_half_eta": ["2-3-2-1"],
    "layer2_neuron1": ["2-3-2-1"],
    "mean_outputs_len": ["2-2-2b", "4-8-4"],
    "mean_outputs_sum": ["2-2-2b"],
    "upstream_len_average": ["2-2-2b"],
    "sizes_scaled_output": ["2-2-2b"],
    "letter_e": ["2-2-1"],
    "letter_b": ["2-2-2b"],
    "hardcoded_t_minus_y": ["2-2-2b-sse", "2-2-1-ce"],
    "sse_factor_output": ["2-2-2b-sse"],
    "hardcoded_eau_output": ["2-2-2b-sse"],
    "forgot_bias": ["2-2-2b"],
    "bias_doubled": ["2-2-2b"],
    "transposed_read": ["2-2-2b", "3-2-4"],
    "matrix_by_hand": ["2-2-2b"],
    "matrix_no_transpose": ["2-2-2b"],
    "matrix_mean_outputs": ["2-2-2b"],
    "only_one_output": ["2-2-1"],
    "raises_on_neuron2": ["2-2-1"],
    "stateful_first_call": ["2-2-2b"],
}
DEFAULT_NETS = ["3-2-4-2"]
SECONDARY_NETS = ["2-2-2b", "3-2-4-2", "4-5-3b"]  # for a recipe's second partner
SLOW_NETS = [
    "2-2-1",
    "2-2-1-ce",
    "2-2-2b",
    "2-2-2b-sse",
    "2-3-2-1",
    "3-2-4",
    "3-2-4-2",
    "4-5-3",
    "4-5-3b",
    "4-8-4",
    "3-6-6-2b",
]


def _prove_cases():
    for r in H.RECIPES:
        default = set(DEFAULT_NETS) | set(EXTRA_DEFAULT.get(r.id, []))
        for pi, partner in enumerate(r.partners):
            nets = SLOW_NETS if pi == 0 else SECONDARY_NETS
            for net_id in nets + sorted(default - set(nets)):
                is_default = net_id in default and pi == 0
                marks = () if is_default else (pytest.mark.slow,)
                yield pytest.param(
                    r.id, partner, net_id, id=f"{r.id}-vs-{partner}-{net_id}", marks=marks
                )


def _cli_cases():
    for r in H.RECIPES:
        for pi, partner in enumerate(r.partners):
            for net_id in ("2-2-2b", "3-2-4-2", "4-5-3b"):
                is_default = pi == 0 and net_id == "2-2-2b"
                marks = () if is_default else (pytest.mark.slow,)
                yield pytest.param(
                    r.id, partner, net_id, id=f"{r.id}-vs-{partner}-{net_id}", marks=marks
                )


GENERAL_DEFAULT = {
    "nonuniform_hidden_j1",
    "mean_outputs_len",
    "layer1_half_eta",
    "items_delta",
    "letter_e",
    "hardcoded_t_minus_y",
    "sizes_loop_delta",
    "even_neuron_branch",
    "disguised_gradient",
}
GENERAL_INSTANCES_DEFAULT = ["2-2-1", "2-2-1-ce", "2-2-2b", "2-2-2b-sse", "2-3-2-1", "3-2-4-2"]
GENERAL_INSTANCES_SLOW = GENERAL_INSTANCES_DEFAULT + [
    "2-2-2b-ce",
    "2-3-2-1b-ce",
    "2-2-2-1b",
    "3-2-4",
    "3-2-4-2b-sse",
    "4-5-3b",
]


def _general_cases():
    for r in H.RECIPES:
        for pi, partner in enumerate(r.partners):
            is_default = pi == 0 and r.id in GENERAL_DEFAULT
            marks = () if is_default else (pytest.mark.slow,)
            yield pytest.param(r.id, partner, id=f"{r.id}-vs-{partner}", marks=marks)


# --------------------------------------------------------------------------------------------
# helpers


def fresh(recipe: H.Recipe) -> sbp.Convention:
    """Register a fresh instance (stateful recipes start from scratch for every tool call)."""
    return H.register(recipe)


def refused(recipe: H.Recipe) -> bool:
    """Whether registering the recipe is refused with a one-line error (a clashing signal
    letter may be refused at registration: then there is nothing to prove)."""
    try:
        fresh(recipe)
    except sbp.SymbolicBPError as exc:
        assert one_line(str(exc)), exc
        return True
    return False


def oracle_for(recipe: H.Recipe, partner: str, net: sbp.Network):
    """The oracle's verdicts and the two definitions (recipe first)."""
    if recipe.name not in sbp.CONVENTIONS:
        fresh(recipe)
    if recipe.meant is not None:  # what the recipe means (derive of it may be corrupted)
        conv = recipe.meant()
        v = ORACLE.verdicts(net, conv.name, partner, conv_a=conv)
        return v, ORACLE.definition(net, conv.name, conv), ORACLE.definition(net, partner)
    conv = recipe.factory() if recipe.stateful else None
    v = ORACLE.verdicts(net, recipe.name, partner, conv_a=conv)
    da = ORACLE.definition(net, recipe.name, recipe.factory() if recipe.stateful else None)
    db = ORACLE.definition(net, partner)
    return v, da, db


def one_line(msg: str) -> bool:
    return bool(msg.strip()) and "\n" not in msg.strip() and "Traceback" not in msg


def _frac(text) -> Fraction | None:
    try:
        return Fraction(str(text).replace(" ", ""))
    except (ValueError, ZeroDivisionError):
        return None


def check_counterexample(
    cx: dict,
    net: sbp.Network,
    names: tuple[str, str],
    defs,
    statuses,
    problems: list[str],
    where: str,
) -> None:
    """``cx`` in the JSON form. ``names``: the two conventions' names as the tool reports them
    (first, second); ``defs``: the oracle's definitions, in the same order."""
    p = cx.get("parameter")
    if p not in net.parameter_names():
        problems.append(f"{where}: counterexample for unknown parameter {p!r}")
        return
    if statuses.get(p) != "differs":
        problems.append(f"{where}: counterexample for {p}, whose status is {statuses.get(p)!r}")
    da, db = defs
    if da.error or db.error:
        problems.append(
            f"{where}: counterexample on a network where a recipe cannot be derived "
            f"({da.error or db.error})"
        )
        return
    try:
        va = evaluate_at(net, da.updates[p], cx["point"], cx.get("activations") or {})
        vb = evaluate_at(net, db.updates[p], cx["point"], cx.get("activations") or {})
    except (NotEvaluable, PointFails, AssertionError, KeyError) as exc:
        problems.append(f"{where}: counterexample for {p} cannot be re-evaluated: {exc}")
        return
    if not provably_different(va, vb):
        problems.append(
            f"{where}: FALSE COUNTEREXAMPLE for {p}: both recipes give "
            f"{_short(va)} / {_short(vb)} at the reported point (tool values "
            f"{_short_values(cx.get('values'))})"
        )
        return
    values = cx.get("values") or {}
    if cx.get("exact") and isinstance(va, Fraction):
        for name, mine in zip(names, (va, vb), strict=True):
            theirs = _frac(values.get(name))
            if theirs is None or theirs != mine:
                problems.append(
                    f"{where}: counterexample value of {name} for {p} is "
                    f"{_short(values.get(name))}, the oracle computes {_short(mine)}"
                )


def _short(v) -> str:
    s = str(v)
    return s if len(s) <= 60 else f"{s[:25]}...{s[-25:]} ({len(s)} chars)"


def _short_values(values) -> str:
    if not isinstance(values, dict):
        return _short(values)
    return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in values.items()) + "}"


def check_statuses(
    statuses: dict[str, str],
    equivalent,
    net: sbp.Network,
    verdicts,
    problems: list[str],
    where: str,
) -> None:
    names = net.parameter_names()
    if set(statuses) != set(names):
        problems.append(f"{where}: parameters reported {sorted(statuses)} != {names}")
    bad = {s for s in statuses.values() if s not in ("equal", "differs", "unknown")}
    if bad:
        problems.append(f"{where}: statuses {bad}")
    if verdicts.error:
        decided = {n: s for n, s in statuses.items() if s != "unknown"}
        if decided or equivalent is not None:
            problems.append(
                f"{where}: the per-neuron derivation of a recipe fails on this network "
                f"({verdicts.error}), yet the tool says equivalent={equivalent} and "
                f"{_count(decided)}; expected SymbolicBPError or unknown"
            )
        return
    wrong = [
        (n, s, verdicts.status.get(n))
        for n, s in statuses.items()
        if s in ("equal", "differs")
        and verdicts.status.get(n) in ("equal", "differs")
        and s != verdicts.status[n]
    ]
    if wrong:
        kinds = {}
        for n, s, o in wrong:
            kinds.setdefault(f"tool {s}, oracle {o}", []).append(n)
        for k, ns in kinds.items():
            problems.append(
                f"{where}: FALSE VERDICT ({k}) for {len(ns)} parameter(s): "
                f"{', '.join(ns[:8])}{' ...' if len(ns) > 8 else ''}"
            )
    if "differs" in statuses.values():
        own = False
    elif statuses and set(statuses.values()) == {"equal"}:
        own = True
    else:
        own = None
    if equivalent != own:
        problems.append(f"{where}: equivalent={equivalent} but the parameters say {own}")
    ov = verdicts.overall()
    if (equivalent is True and ov == "differs") or (equivalent is False and ov == "equal"):
        problems.append(f"{where}: FALSE OVERALL VERDICT equivalent={equivalent}, oracle {ov}")


def _count(statuses: dict[str, str]) -> str:
    out = {}
    for s in statuses.values():
        out[s] = out.get(s, 0) + 1
    return ", ".join(f"{k}={v}" for k, v in sorted(out.items())) or "no decided parameter"


# --------------------------------------------------------------------------------------------
# 0. the oracle itself


@pytest.mark.parametrize(
    "net_id",
    [
        "2-2-1",
        "2-2-2b-sse",
        "2-2-1-ce",
        "2-2-1-sigmoid",
        pytest.param("2-3-2-1b-ce", marks=pytest.mark.slow),
        pytest.param("3-2-4-2", marks=pytest.mark.slow),
    ],
)
def test_oracle_gradient_matches_package_gradients(net_id):
    """Our sympy.diff of our own loss equals sbp.loss_gradient and derive(net, 'gradient'):
    otherwise the oracle (or the package's ground truth) is wrong and nothing below means
    anything."""
    from tests.soundness_oracle import _is_zero, definition, to_ours

    net = build(net_id)
    ours = ORACLE.definition(net, "gradient").updates
    lg = sbp.loss_gradient(net)
    pkg = definition(net, sbp.get_convention("gradient"))
    assert pkg.error is None
    for name, p in zip(net.parameter_names(), net.parameters(), strict=True):
        assert _is_zero(ours[name] - to_ours(lg[p], net)), f"loss_gradient differs for {name}"
        assert _is_zero(ours[name] - pkg.updates[name]), f"derive(gradient) differs for {name}"


def test_oracle_decides_known_pairs():
    """The oracle says delta = gradient and error_at_update differs below the output layer."""
    net = build("2-3-2-1")
    assert ORACLE.verdicts(net, "delta", "gradient").overall() == "equal"
    v = ORACLE.verdicts(net, "error_at_update", "gradient")
    assert {n for n, s in v.status.items() if s == "equal"} == {"w3_1_1", "w3_1_2"}
    assert v.overall() == "differs"


@pytest.mark.parametrize("rid", [r.id for r in H.RECIPES if r.meant is not None])
@pytest.mark.parametrize("net_id", ["2-2-1", "2-2-2b", "3-2-4-2"])
def test_clashing_signal_letter_is_refused_or_harmless(rid, net_id):
    """A signal letter that is also a network letter (e, w, x, t, b, y, n, eta, or the other
    convention's letter) is refused with SymbolicBPError, or changes nothing: the per-neuron
    rules equal those of the same recipe with the letter q."""
    recipe = H.BY_ID[rid]
    net = build(net_id)
    try:
        conv = H.register(recipe)
        got = ORACLE.definition(net, conv.name, recipe.factory())
    except sbp.SymbolicBPError as exc:
        assert one_line(str(exc))
        return
    if got.error and "SymbolicBPError" not in got.error and "InputError" not in got.error:
        pytest.fail(f"derive raises {got.error}")
    if got.error:
        return
    meant = ORACLE.definition(net, recipe.meant().name, recipe.meant())
    wrong = [
        n
        for n in net.parameter_names()
        if ORACLE._compare(net, got.updates[n], meant.updates[n]) == "differs"
    ]
    assert not wrong, (
        f"letter {recipe.factory().letter!r} silently changes the per-neuron rules "
        f"(derive) of {len(wrong)} parameter(s) on {net_id}: {', '.join(wrong[:8])}"
    )


# --------------------------------------------------------------------------------------------
# 1. instance proofs: sbp.prove (default method)


@pytest.mark.parametrize(("rid", "partner", "net_id"), list(_prove_cases()))
def test_prove_is_sound(rid, partner, net_id):
    recipe = H.BY_ID[rid]
    net = build(net_id)
    if refused(recipe):
        return
    verdicts, da, db = oracle_for(recipe, partner, net)
    problems: list[str] = []
    for order in ("recipe first", "partner first"):
        fresh(recipe)
        a, b = (recipe.name, partner) if order == "recipe first" else (partner, recipe.name)
        defs = (da, db) if order == "recipe first" else (db, da)
        where = f"prove({net_id}, {a}, {b})"
        try:
            rep = sbp.prove(net, a, b)
        except sbp.SymbolicBPError as exc:
            if not one_line(str(exc)):
                problems.append(f"{where}: SymbolicBPError message is not one line: {exc!r}")
            continue
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{where}: CRASH {type(exc).__name__}: {exc}")
            continue
        statuses = {p.name: p.status for p in rep.parameters}
        check_statuses(statuses, rep.equivalent, net, verdicts, problems, where)
        if rep.counterexample is not None:
            check_counterexample(
                rep.counterexample.to_dict(), net, (a, b), defs, statuses, problems, where
            )
        elif rep.equivalent is False:
            problems.append(f"{where}: equivalent=False without a counterexample")
    assert not problems, (
        f"oracle on {net_id}: {verdicts.overall()} "
        f"({_count(verdicts.status) if not verdicts.error else verdicts.error})\n"
        + "\n".join(problems)
    )


# --------------------------------------------------------------------------------------------
# 2. the command line, in-process


@pytest.mark.parametrize(("rid", "partner", "net_id"), list(_cli_cases()))
def test_cli_prove_is_sound(rid, partner, net_id, capsys):
    recipe = H.BY_ID[rid]
    net = build(net_id)
    if refused(recipe):
        return
    verdicts, da, db = oracle_for(recipe, partner, net)
    fresh(recipe)
    argv = [
        "prove",
        "--conventions",
        f"{recipe.name},{partner}",
        *cli_network_args(net_id),
        "--json",
    ]
    where = "symbolic-bp " + " ".join(argv)
    problems: list[str] = []
    try:
        code = symbolic_bp.cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"{where}: CRASH {type(exc).__name__}: {exc}")
    out, err = capsys.readouterr()
    if "Traceback" in err or "Traceback" in out:
        problems.append(f"{where}: traceback printed: {err[-400:]}")
    if code not in (0, 1, 2, 3):
        problems.append(f"{where}: exit code {code!r}")
    if code == 2:
        if not one_line(err):
            problems.append(f"{where}: exit 2 without a one-line error: {err!r}")
    elif code in (0, 1, 3):
        try:
            data = json.loads(out)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{where}: stdout is not JSON ({exc}): {out[:300]!r}")
        statuses = {p["name"]: p["status"] for p in data["parameters"]}
        check_statuses(statuses, data["equivalent"], net, verdicts, problems, where)
        expected_code = {True: 0, False: 1, None: 3}[data["equivalent"]]
        if code != expected_code:
            problems.append(f"{where}: exit {code} with equivalent={data['equivalent']}")
        if data.get("counterexample"):
            check_counterexample(
                data["counterexample"],
                net,
                (recipe.name, partner),
                (da, db),
                statuses,
                problems,
                where,
            )
        elif data["equivalent"] is False:
            problems.append(f"{where}: equivalent=false without a counterexample")
    assert not problems, f"oracle on {net_id}: {verdicts.overall()}\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------
# 3. general proofs


def _row_class(row_name: str) -> tuple[str, str] | None:
    m = re.match(r"^([wb])\{(L|l)\}", row_name)
    if not m:
        return None
    return (m.group(1), "output" if m.group(2) == "L" else "hidden")


def _param_class(net: sbp.Network, name: str) -> tuple[str, str]:
    l, _, _ = net.locate(name)
    return (name[0], "output" if l == net.depth else "hidden")


def _parse_instance(text: str) -> sbp.Network | None:
    m = re.match(r"^\s*(\d+(?:-\d+)+)", text or "")
    if not m:
        return None
    sizes = [int(s) for s in m.group(1).split("-")]
    lm = re.search(r"loss (\w+)", text)
    loss = lm.group(1) if lm else "half_sse"
    bias = "with biases" in text
    am = re.search(r"activations ([\w,]+)", text)
    names = am.group(1).strip(",").split(",") if am else []
    if names and not any(re.fullmatch(r"f_\d+", n) for n in names):
        # a concrete instance (e.g. sigmoid,sigmoid for a recipe that needs f' through y)
        return sbp.Network.build(sizes, bias=bias, loss=loss, activation=names)
    return sbp.Network.build(sizes, bias=bias, loss=loss)


def check_general(
    gp,
    a: str,
    b: str,
    instance_ids: list[str],
    recipe: H.Recipe | None,
    problems: list[str],
    where: str,
) -> None:
    rows = {}
    for row in gp.parameters:
        cls = _row_class(row["name"])
        if cls is None:
            problems.append(f"{where}: unexpected row {row['name']!r}")
            continue
        rows[cls] = row["status"]
        if row["status"] not in ("equal", "differs", "unknown"):
            problems.append(f"{where}: row {row['name']} has status {row['status']!r}")
    seen_differs: dict[tuple[str, str], list[str]] = {}
    false_rows: dict[tuple[str, str], list[str]] = {}
    seen_error: list[str] = []
    for net_id in instance_ids:
        net = build(net_id)
        if recipe is not None:
            v, _, _ = oracle_for(recipe, b if a == recipe.name else a, net)
        else:
            v = ORACLE.verdicts(net, a, b)
        if v.error:
            seen_error.append(f"{net_id} ({v.error[:80]})")
            continue
        for name, s in v.status.items():
            if s == "differs":
                seen_differs.setdefault(_param_class(net, name), []).append(f"{name} on {net_id}")
        for cls, status in rows.items():
            if status != "equal":
                continue
            bad = [n for n, s in v.status.items() if s == "differs" and _param_class(net, n) == cls]
            if bad:
                false_rows.setdefault(cls, []).append(f"{net_id} ({', '.join(bad[:3])})")
    for cls, nets in false_rows.items():
        problems.append(
            f"{where}: FALSE GENERAL ROW {cls[0]} ({cls[1]} layers) 'equal', but "
            f"the oracle finds differing parameters of that class on "
            f"{'; '.join(nets)}"
        )
    # the tool's own counterexample
    cx_class = None
    if gp.counterexample is not None:
        inst = _parse_instance(gp.instance_network)
        cx = gp.counterexample.to_dict()
        if inst is None:
            problems.append(f"{where}: cannot read the instance network {gp.instance_network!r}")
        else:
            if recipe is not None:
                fresh(recipe)
            da = ORACLE.definition(
                inst,
                a,
                recipe.factory() if recipe and recipe.stateful and a == recipe.name else None,
            )
            db = ORACLE.definition(
                inst,
                b,
                recipe.factory() if recipe and recipe.stateful and b == recipe.name else None,
            )
            before = len(problems)
            check_counterexample(
                cx,
                inst,
                (a, b),
                (da, db),
                {cx["parameter"]: "differs"},
                problems,
                f"{where} (its counterexample on {inst.describe()})",
            )
            if len(problems) == before:
                cx_class = _param_class(inst, cx["parameter"])
    for cls, status in rows.items():
        if status == "differs" and cls not in seen_differs and cls != cx_class:
            problems.append(
                f"{where}: UNCONFIRMED GENERAL ROW {cls[0]} {cls[1]} layer 'differs': no "
                f"instance tried ({', '.join(instance_ids)}) has a differing parameter of that "
                f"class, and the tool gives no valid counterexample of that class (its "
                f"counterexample: {gp.counterexample.parameter if gp.counterexample else None})"
            )
    if gp.equivalent is True and seen_differs:
        first = sorted({x.split(" on ")[1] for v in seen_differs.values() for x in v})
        problems.append(
            f"{where}: FALSE GENERAL VERDICT equivalent=True, but the oracle finds "
            f"differing parameters on {', '.join(first)}"
        )
    if gp.equivalent is True and seen_error:
        problems.append(
            f"{where}: FALSE GENERAL VERDICT equivalent=True, but the recipe cannot "
            f"be derived on {', '.join(seen_error)}"
        )
    if gp.equivalent is False and not seen_differs and cx_class is None:
        problems.append(
            f"{where}: equivalent=False, confirmed by no instance and no valid counterexample"
        )


@pytest.mark.parametrize(("rid", "partner"), list(_general_cases()))
def test_prove_general_is_sound(rid, partner, request):
    recipe = H.BY_ID[rid]
    if refused(recipe):
        return
    slow = request.node.get_closest_marker("slow") is not None
    instances = GENERAL_INSTANCES_SLOW if slow else GENERAL_INSTANCES_DEFAULT
    problems: list[str] = []
    results = {}
    for a, b in ((recipe.name, partner), (partner, recipe.name)):
        fresh(recipe)
        where = f"prove_general({a}, {b})"
        try:
            gp = sbp.prove_general(a, b)
        except sbp.SymbolicBPError as exc:
            if not one_line(str(exc)):
                problems.append(f"{where}: SymbolicBPError message is not one line: {exc!r}")
            results[(a, b)] = ("error",)
            continue
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{where}: CRASH {type(exc).__name__}: {exc}")
            results[(a, b)] = ("crash",)
            continue
        results[(a, b)] = (
            gp.equivalent,
            tuple(sorted((r["name"], r["status"]) for r in gp.parameters)),
        )
        check_general(gp, a, b, instances, recipe, problems, where)
    r1, r2 = results.values()
    if r1 != r2:
        problems.append(
            f"ORDER-DEPENDENT general verdict: ({recipe.name}, {partner}) -> {r1}; "
            f"({partner}, {recipe.name}) -> {r2}"
        )
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# 4. built-in pairs: general rows against instance proofs and the oracle, every loss


BUILTIN_GENERIC_INSTANCES = ["2-2-1", "2-2-1-ce", "2-2-2b-sse", "2-3-2-1", "2-3-2-1b-ce", "3-2-4-2"]
BUILTIN_CONCRETE_INSTANCES = [
    "2-2-1-sigmoid",
    "2-2-2b-tanh-sse",
    "2-2-1-sigmoid-ce",
    "2-3-2-1-sigmoid",
]


def _builtin_pairs():
    names = list(sbp.CONVENTIONS)
    for a in names:
        for b in names:
            if a != b:
                yield pytest.param(a, b, id=f"{a}-vs-{b}", marks=pytest.mark.slow)


@pytest.mark.parametrize(("a", "b"), list(_builtin_pairs()))
def test_builtin_pair_general_rows_against_instances(a, b):
    needs_concrete = "output_derivative" in (a, b)
    instances = BUILTIN_CONCRETE_INSTANCES if needs_concrete else BUILTIN_GENERIC_INSTANCES
    problems: list[str] = []
    # instance proofs (default method) against the oracle
    for net_id in instances:
        net = build(net_id)
        v = ORACLE.verdicts(net, a, b)
        where = f"prove({net_id}, {a}, {b})"
        try:
            rep = sbp.prove(net, a, b)
        except sbp.SymbolicBPError as exc:
            if not one_line(str(exc)):
                problems.append(f"{where}: SymbolicBPError message is not one line")
            continue
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{where}: CRASH {type(exc).__name__}: {exc}")
            continue
        statuses = {p.name: p.status for p in rep.parameters}
        check_statuses(statuses, rep.equivalent, net, v, problems, where)
        if rep.counterexample is not None:
            check_counterexample(
                rep.counterexample.to_dict(),
                net,
                (a, b),
                (ORACLE.definition(net, a), ORACLE.definition(net, b)),
                statuses,
                problems,
                where,
            )
    # the general proof: rows against the oracle on every instance and loss
    where = f"prove_general({a}, {b})"
    try:
        gp = sbp.prove_general(a, b)
    except sbp.SymbolicBPError as exc:
        assert one_line(str(exc))
        gp = None
    if gp is not None:
        check_general(gp, a, b, instances, None, problems, where)
        try:
            gq = sbp.prove_general(b, a)
        except sbp.SymbolicBPError:
            gq = None
        if gq is not None:
            s1 = (gp.equivalent, sorted((r["name"], r["status"]) for r in gp.parameters))
            s2 = (gq.equivalent, sorted((r["name"], r["status"]) for r in gq.parameters))
            if s1 != s2:
                problems.append(
                    f"ORDER-DEPENDENT general verdict: ({a}, {b}) -> {s1}; ({b}, {a}) -> {s2}"
                )
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# 5. the crash inputs of the issue, through the installed command


def run_cli(
    args: list[str],
    *,
    wrapper: str | None = None,
    tmp_path: Path | None = None,
    timeout: float = 300,
):
    if wrapper is None:
        cmd = [str(BIN), *args]
    else:
        assert tmp_path is not None
        script = tmp_path / "with_recipe.py"
        script.write_text(
            textwrap.dedent(f"""\
            import sys
            sys.path.insert(0, {str(REPO)!r})
            import symbolic_bp as sbp
            import symbolic_bp.cli
            from tests import hostile_recipes as H
            sbp.register(H.{wrapper}())
            sys.exit(symbolic_bp.cli.main(sys.argv[1:]))
            """)
        )
        cmd = [sys.executable, str(script), *args]
    t0 = time.monotonic()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp_path or REPO
    )
    return proc, time.monotonic() - t0


def assert_clean(proc, what: str) -> None:
    msg = f"{what}: exit {proc.returncode}\nstderr: {proc.stderr[-1500:]}"
    assert "Traceback" not in proc.stderr, msg
    assert "Traceback" not in proc.stdout, msg
    assert proc.returncode in (0, 1, 2, 3), msg
    if proc.returncode == 2:
        assert one_line(proc.stderr), msg


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(
            [
                "prove",
                "--layers",
                "2,3,1",
                "--activation",
                "x**64",
                "--conventions",
                "error_at_update,gradient",
            ],
            id="x64",
        ),
        pytest.param(
            [
                "prove",
                "--layers",
                "2,3,1",
                "--activation",
                "x**64",
                "--conventions",
                "error_at_update,gradient",
                "--json",
            ],
            id="x64-json",
        ),
        pytest.param(
            ["prove", "--activation", "exp(exp(exp(x)))", "--timeout", "8"],
            id="expexpexp-timeout8",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            [
                "prove",
                "--layers",
                "2,3,1",
                "--activation",
                "exp(exp(exp(x)))",
                "--conventions",
                "error_at_update,gradient",
                "--json",
                "--timeout",
                "8",
            ],
            id="expexpexp-json-timeout8",
        ),
        # exactly as in the issue (default --timeout 120): slow
        pytest.param(
            ["prove", "--activation", "exp(exp(exp(x)))"], id="expexpexp", marks=pytest.mark.slow
        ),
        pytest.param(
            [
                "prove",
                "--layers",
                "2,3,1",
                "--activation",
                "exp(exp(exp(x)))",
                "--conventions",
                "error_at_update,gradient",
                "--json",
            ],
            id="expexpexp-json",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_crash_inputs_prove(args, tmp_path):
    proc, wall = run_cli(args, tmp_path=tmp_path)
    assert_clean(proc, " ".join(args))
    limit = float(args[args.index("--timeout") + 1]) if "--timeout" in args else 120.0
    assert wall <= limit + max(2.0, 0.1 * limit), (
        f"{' '.join(args)}: took {wall:.1f} s with a time limit of {limit:g} s"
    )
    if "--json" in args and proc.returncode in (0, 1, 3):
        data = json.loads(proc.stdout)
        assert data["equivalent"] in (True, False, None)
        assert {True: 0, False: 1, None: 3}[data["equivalent"]] == proc.returncode


def _params_file(tmp_path: Path, sizes: list[int]) -> Path:
    net = sbp.Network.build(sizes)
    values = {n: round(0.1 + 0.05 * k, 3) * (-1) ** k for k, n in enumerate(net.parameter_names())}
    p = tmp_path / "params.json"
    p.write_text(json.dumps(values))
    return p


@pytest.mark.parametrize("command", ["step", "train", "export"])
def test_crash_inputs_max_activation(command, tmp_path):
    common = ["--layers", "2,2,1", "--activation", "max(x,0)"]
    if command == "step":
        args = [
            "step",
            *common,
            "--params",
            str(_params_file(tmp_path, [2, 2, 1])),
            "--input",
            "0.05,0.10",
            "--target",
            "0.9",
            "--lr",
            "0.5",
            "--json",
        ]
    elif command == "train":
        args = ["train", *common, "--data", "xor", "--epochs", "3"]
    else:
        out = tmp_path / "m.py"
        args = ["export", *common, "--out", str(out)]
    proc, _ = run_cli(args, tmp_path=tmp_path)
    assert_clean(proc, " ".join(args))
    if command == "export" and proc.returncode == 0:
        # the exported module itself must run
        code = textwrap.dedent(f"""\
            import importlib.util, numpy as np
            spec = importlib.util.spec_from_file_location("m", {str(out)!r})
            m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
            params = {{"W1": np.array([[0.1, -0.2], [0.3, 0.4]]), "W2": np.array([[0.5, -0.6]])}}
            X = np.array([[0.05, 0.10], [-1.0, 2.0]]); T = np.array([[0.9], [0.1]])
            loss, new = m.step(params, X, T, 0.5)
            assert np.isfinite(loss), loss
            print("ok", loss)
            """)
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-1500:]


def test_crash_input_transposed_read_6_3_8_auto(tmp_path):
    args = ["prove", "--layers", "6,3,8", "--conventions", "adv_transposed_read,gradient", "--json"]
    proc, _ = run_cli(args, wrapper="TransposedRead", tmp_path=tmp_path)
    assert_clean(proc, " ".join(args))
    # the recipe reads weights the network does not have: not a verdict
    net = sbp.Network.build([6, 3, 8])
    assert ORACLE.definition(net, H.register(H.BY_ID["transposed_read"]).name).error
    if proc.returncode in (0, 1):
        pytest.fail(
            f"a verdict (exit {proc.returncode}) for a recipe that cannot be derived "
            f"on 6-3-8: {proc.stdout[:300]}"
        )


@pytest.mark.parametrize(
    "recipe",
    [
        "SizesLoopDelta",
        pytest.param("PythonLoopDelta", marks=pytest.mark.slow),
        pytest.param("ItemsDelta", marks=pytest.mark.slow),
    ],
)
def test_crash_input_general_with_abstract_unfriendly_recipe(recipe, tmp_path):
    name = getattr(H, recipe).name
    args = ["prove", "--general", "--conventions", f"{name},gradient", "--json"]
    proc, _ = run_cli(args, wrapper=recipe, tmp_path=tmp_path)
    assert_clean(proc, " ".join(args))


@pytest.mark.parametrize(
    "recipe",
    [
        "EvenNeuronBranch",
        pytest.param("NonUniformHiddenJ1", marks=pytest.mark.slow),
    ],
)
def test_timeout_is_a_wall_clock_limit(recipe, tmp_path):
    limit = 10.0
    name = getattr(H, recipe).name
    args = [
        "prove",
        "--layers",
        "12,12,12,12,3",
        "--activation",
        "tanh",
        "--conventions",
        f"{name},gradient",
        "--timeout",
        str(limit),
        "--json",
    ]
    proc, wall = run_cli(args, wrapper=recipe, tmp_path=tmp_path, timeout=300)
    assert_clean(proc, " ".join(args))
    assert wall <= limit + max(2.0, 0.1 * limit), (
        f"--timeout {limit}: the command took {wall:.1f} s (exit {proc.returncode})"
    )
    if proc.returncode in (0, 1, 3):
        data = json.loads(proc.stdout)
        assert len(data["parameters"]) == sbp.Network.build([12, 12, 12, 12, 3]).parameter_count


def test_general_honours_loss_option(tmp_path):
    """`--general --loss sse`: the recipe with the sse output signal hard-coded equals the
    gradient for every network under sse, so a verdict "different" (exit 1) means the option was
    ignored (issue 11: --general must honour --loss or refuse it)."""
    args = [
        "prove",
        "--general",
        "--loss",
        "sse",
        "--conventions",
        f"{H.SseFactorOutput.name},gradient",
        "--json",
    ]
    proc, _ = run_cli(args, wrapper="SseFactorOutput", tmp_path=tmp_path)
    assert_clean(proc, " ".join(args))
    assert proc.returncode in (0, 2, 3), (
        f"{' '.join(args)}: exit {proc.returncode} (different), but under sse the two are equal "
        f"on every network: --loss was ignored\n{proc.stdout[:600]}"
    )


@pytest.mark.parametrize("option", [["--layers", "2,2,1"], ["--bias"]])
def test_general_refuses_or_honours_network_options(option, tmp_path):
    """`--general --layers ...` cannot be honoured by a proof for every network: it must be
    refused (exit 2, one line), not silently ignored. `--bias` must be honoured (the scope says
    with biases) or refused; a bias-only difference must then show."""
    if option == ["--bias"]:
        # ForgotBias differs from the gradient exactly on the biases
        args = ["prove", "--general", "--bias", "--conventions", "adv_forgot_bias,gradient"]
        proc, _ = run_cli([*args, "--json"], wrapper="ForgotBias", tmp_path=tmp_path)
        assert_clean(proc, " ".join(args))
        assert proc.returncode in (1, 2, 3), (
            f"{' '.join(args)}: exit {proc.returncode}: equal with biases, but the bias updates "
            f"differ on every network with biases\n{proc.stdout[:600]}"
        )
        return
    args = ["prove", "--general", *option, "--conventions", "delta,gradient"]
    proc, _ = run_cli(args, tmp_path=tmp_path)
    assert_clean(proc, " ".join(args))
    assert proc.returncode == 2, (
        f"{' '.join(args)}: exit {proc.returncode}: the option is silently ignored\n"
        f"{proc.stdout[:400]}"
    )
