r"""The general proof's answer: every class of parameters proven, refuted or unknown.

:func:`prove_general` runs the induction of :mod:`symbolic_bp.proof.induction` for each loss and
bias setting in scope, assembles its steps and one row per class of parameters (output-layer
weights and biases, hidden-layer weights and biases), and settles each row not proven equal by
a counterexample of that class on a small concrete network (the per-neuron prover, certified on
the concrete rules), or leaves it ``unknown``. A row never inherits a failed step's status, and
no verdict depends on the order of the two conventions.

>>> proof = prove_general("delta", "gradient")
>>> proof.equivalent, [row["status"] for row in proof.parameters]
(True, ['equal', 'equal', 'equal', 'equal'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp

from ..conventions import Convention, get_convention, is_builtin
from ..errors import InputError, unknown_name
from ..model.indexed import DEPTH as L
from ..model.indexed import LAYER as l
from ..model.losses import LOSSES
from ..model.network import Network, with_output_activation
from ..model.symbolic import LayerF, LayerFprime, LayerG
from ..verify import check_stateless
from .clock import Clock, TimeUp, deadline
from .induction import CLASSES, Case, j, prove_case
from .instance import prove
from .results import DIFFERS, EQUAL, UNKNOWN, GeneralProof, GeneralStep, Limits, Report

__all__ = ["prove_general"]

_INSTANCES = ((2, 2, 2), (2, 2, 2, 1), (2, 3, 2, 2), (3, 2, 3, 2, 2))


def prove_general(
    a: str | Convention,
    b: str | Convention,
    *,
    losses: Sequence[str] | None = None,
    bias: bool | None = None,
    instance: Network | None = None,
    limits: Limits | None = None,
) -> GeneralProof:
    """Prove that ``a`` and ``b`` give the same updates for every network: any depth, any
    widths, any differentiable activations, for the losses and bias settings in scope.

    **Arguments:** two conventions (objects or registered names); ``losses`` (default: every
    loss whose output layer may have any activation; the categorical cross-entropy, which needs
    a softmax output, when named); ``bias``: ``True`` or ``False`` for networks with or without
    biases (default: both); ``instance``: a network on which to look for a counterexample
    first (then small networks of several sizes with every loss and bias setting in scope);
    ``limits`` (its ``timeout`` bounds the whole proof).

    **Returns:** a :class:`~symbolic_bp.proof.results.GeneralProof` whose rows are each proven
    or ``unknown``.
    """
    ca, cb = get_convention(a), get_convention(b)
    if ca.name == cb.name:
        raise InputError(f"--conventions names {ca.name!r} twice; give two different conventions")
    # by default the losses of an output layer with any activation; one that requires its own
    # (softmax for the categorical cross-entropy) only when asked for
    default = [name for name, loss in LOSSES.items() if loss.output_activation is None]
    names = list(losses) if losses is not None else default
    for name in names:
        if name not in LOSSES:
            raise unknown_name("loss", name, LOSSES)
    biases = [True, False] if bias is None else [bool(bias)]
    limits = limits or Limits()
    proof = GeneralProof((ca.name, cb.name), [], [], None, _scope(names, biases))
    for conv in (ca, cb):
        for act in ("generic", "sigmoid"):  # sigmoid: for a recipe that needs g(y)
            check_stateless(conv, Network.build((2, 3, 2), act))
    for name in names:
        loss_obj = LOSSES[name]
        if loss_obj.output_activation is not None:
            acts = with_output_activation("generic", 2, loss_obj)
            for conv in (ca, cb):
                check_stateless(conv, Network.build((2, 3, 2), acts, name))
    clock = Clock(limits.timeout, limits.started, limits.reserve)
    builtin = is_builtin(ca) and is_builtin(cb)  # else no claim for every network
    cases: list[Case] = []
    try:
        with deadline(limits.timeout, clock):
            try:
                for loss in names:
                    for has_bias in biases:
                        cases.append(prove_case(ca, cb, loss, has_bias))
                _assemble(proof, cases)
                if not builtin:
                    _not_for_every_network(proof, ca, cb)
                _search_witnesses(proof, ca, cb, names, biases, limits, clock, instance)
                if proof.equivalent is False and builtin:
                    proof.conditions = _general_conditions(ca, cb, names, biases)
            except TimeUp:
                proof.notes.append(f"time limit of {limits.timeout:g} s reached")
    except TimeUp:
        pass
    if not proof.parameters:
        _assemble(proof, cases)  # what was settled before the limit
    proof.seconds = clock.elapsed
    return proof


def _scope(losses: Sequence[str], biases: Sequence[bool]) -> str:
    loss_text = f"the loss {losses[0]}" if len(losses) == 1 else "the losses " + ", ".join(losses)
    bias_text = {(True, False): "with and without biases", (True,): "with biases"}.get(
        tuple(biases), "without biases"
    )
    outputs = sorted(
        {LOSSES[n].output_activation.name for n in losses if LOSSES[n].output_activation}  # type: ignore[union-attr]
    )
    acts = "every differentiable activation f_l"
    if outputs:
        acts += f" (a {', '.join(outputs)} output layer)"
    return f"every depth L >= 1, all widths n[l], {acts}, {loss_text}, {bias_text}"


def _assemble(proof: GeneralProof, cases: list[Case]) -> None:
    """Steps (the first case's, and the base cases of the others), invariant and rows."""
    steps: list[GeneralStep] = []
    if any(case.uses_g for case in cases):
        x = sp.Symbol("x", real=True)
        steps.append(
            GeneralStep(
                "hypothesis",
                LayerG(l, LayerF(l, x)),
                LayerFprime(l, x),
                EQUAL,
                "1 <= l <= L, every real x",
                note="the defining property of g, the derivative written through the output "
                "(sigmoid: y(1-y), tanh: 1-y^2); the instance prover checks it for each concrete "
                "activation",
            )
        )
    related = [case for case in cases if case.factor is not None and case.bases is not None]
    if related:
        first = related[0]
        A, B = first.bases  # type: ignore[misc]
        holds = all(
            any(s.name == "inductive step" and s.verdict == EQUAL for s in case.steps)
            for case in related
        )
        steps.append(
            GeneralStep(
                "invariant",
                B[l, j],
                first.factor.xreplace({L: l}) * A[l, j],  # type: ignore[union-attr]
                EQUAL if holds and len(related) == len(cases) else DIFFERS,
                "1 <= l <= L, 1 <= j <= n[l]",
                note="holds if the base cases and the inductive step hold"
                if holds
                else "not established: see the failing step",
            )
        )
        proof.factor = first.factor
    seen: set[tuple[str, str]] = set()
    for index, case in enumerate(cases):
        for step in case.steps:
            shown = (step.name, step.equation)
            if shown not in seen and (index == 0 or step.name.startswith("base case")):
                steps.append(step)
                seen.add(shown)
    proof.steps = steps
    reasons: dict[str, list[str]] = {}
    for case in cases:
        if case.reason:
            where = f"{case.loss}, {'with' if case.bias else 'without'} biases"
            reasons.setdefault(case.reason, []).append(where)
    for reason, places in reasons.items():
        prefix = "" if len(places) == len(cases) else f"{'; '.join(places)}: "
        proof.notes.append(f"{prefix}not representable for a symbolic layer: {reason}")
    rows: list[dict[str, object]] = []
    for key, (label, _role, _kind) in CLASSES.items():
        statuses = [case.status[key] for case in cases if key in case.status]
        if statuses:
            status = EQUAL if all(s == EQUAL for s in statuses) else UNKNOWN
            method = "induction" if status == EQUAL and "hidden" in key else ""
            method = method or ("identity" if status == EQUAL else "not settled")
            rows.append(
                {"name": label, "status": status, "method": method, "difference": None, "key": key}
            )
    proof.parameters = rows


def _not_for_every_network(proof: GeneralProof, ca: Convention, cb: Convention) -> None:
    """A recipe that is not built in is Python code that may branch on what the induction
    cannot see (``isinstance(l, int) and l >= 3``, a depth, a width, an activation's name), and
    it was run on a few small networks only: what the induction proves about its symbolic rules
    is not a proof for every network, so those rows are ``unknown`` (a counterexample may still
    settle them)."""
    mine = [c.name for c in (ca, cb) if not is_builtin(c)]
    for row in proof.parameters:
        if row["status"] == EQUAL:
            row["status"], row["method"] = UNKNOWN, "induction on the symbolic rules only"
    proof.notes.append(
        f"{' and '.join(mine)} {'is' if len(mine) == 1 else 'are'} not built in: the induction "
        "proves the symbolic rules equal, and they reproduce the recipe on the small networks "
        "checked, but Python code may treat a depth, layer, width, neuron or activation it was "
        "not run on differently, so that is no proof for every network; prove on a given "
        "network (symbolic-bp prove) for a proof there"
    )


def _search_witnesses(
    proof: GeneralProof,
    ca: Convention,
    cb: Convention,
    losses: Sequence[str],
    biases: Sequence[bool],
    limits: Limits,
    clock: Clock,
    instance: Network | None = None,
) -> None:
    """Rows not proven equal: a counterexample of their class on a small concrete network."""
    open_ = {str(row["key"]): row for row in proof.parameters if row["status"] != EQUAL}
    candidates: list[Network | tuple[tuple[int, ...], str, bool]] = [instance] if instance else []
    candidates += [(s, loss, b) for s in _INSTANCES for loss in losses for b in biases]
    for candidate in candidates:
        if not open_:
            return
        clock.check()
        report = _instance(candidate, ca, cb, clock)
        if report is None or report.counterexample is None:
            continue
        depth = report.network.depth
        for key, row in list(open_.items()):
            _label, role, kind = CLASSES[key]
            hit = [
                r.name
                for r in report.iter_parameters()
                if r.status == DIFFERS
                and r.name[0] == kind
                and (r.layer == depth) == (role == "output")
            ]
            if hit:
                row["status"] = DIFFERS
                row["method"] = f"counterexample for {hit[0]} on {report.network.describe()}"
                if proof.counterexample is None:
                    proof.counterexample = report.counterexample
                    proof.instance_network = report.network.describe()
                del open_[key]


def _instance(
    candidate: Network | tuple[tuple[int, ...], str, bool],
    ca: Convention,
    cb: Convention,
    clock: Clock,
) -> Report | None:
    """The per-neuron proof on a small network (generic activations; sigmoid ones for a recipe
    that writes the derivative through the output)."""
    nets: list[Network] = []
    if isinstance(candidate, Network):
        nets = [candidate]
    else:
        sizes, loss, bias = candidate
        depth, loss_obj = len(sizes) - 1, LOSSES[loss]
        try:
            nets = [
                Network.build(sizes, with_output_activation(act, depth, loss_obj), loss, bias)
                for act in ("generic", "sigmoid")
            ]
        except InputError:
            return None  # not a network of this loss (softmax needs two outputs)
    for net in nets:
        try:
            # a sub-proof within what is left; the self-check of `gradient` against diff of
            # the expanded loss is left to the instance proofs a user asks for (here it was
            # nine tenths of the time, on a different small network each call)
            limits = Limits(timeout=clock.remaining(), gradient_crosscheck_parameters=0)
            return prove(net, ca, cb, limits, conditions=False, method="neurons")
        except InputError:
            continue
    return None


def _general_conditions(
    ca: Convention, cb: Convention, losses: Sequence[str], biases: Sequence[bool]
) -> list[str]:
    """Sufficient conditions of the form "some derivatives identically 1", each proven by the
    general proof under that assumption."""
    candidates: list[tuple[str, Callable[[sp.Expr], bool]]] = [
        (
            "f_m' = 1 for every layer m >= 2 (the derivative of every layer above the first "
            "identically 1)",
            lambda a: a in (l + 1, L),
        ),
        (
            "f_m' = 1 for every layer m (the derivative of every layer identically 1)",
            lambda a: True,
        ),
    ]
    for text, unit in candidates:
        cases = [prove_case(ca, cb, loss, has_bias, unit) for loss in losses for has_bias in biases]
        if all(all(s == EQUAL for s in case.status.values()) for case in cases):
            return [text]
    return []
