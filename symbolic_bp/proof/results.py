r"""What a proof established, as plain data: statuses, rows, counterexamples, reports.

Provers build these; renderers (:mod:`symbolic_bp.render`) read them; neither reaches into the
other. Exact numbers are kept exact; :func:`rational_text` prints one in a bounded form (a huge
rational as its digit count and a decimal approximation), so no output can explode.

>>> from fractions import Fraction
>>> rational_text(Fraction(2, 3))
'2/3'
>>> rational_text(Fraction(10**80 + 1, 3))
'(a rational of 81 digits over 1 digit) ~ 3.3333333333e+79'
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from ..algebra import size, tidy
from ..model.network import Network
from ..readable import FOLD_NODES, fold_derivatives, readable, reading_cost

__all__ = [
    "EQUAL",
    "DIFFERS",
    "UNKNOWN",
    "MIXED",
    "Limits",
    "Relation",
    "ParameterResult",
    "LayerResult",
    "Counterexample",
    "Report",
    "GeneralStep",
    "GeneralProof",
    "rational_text",
    "readable",
    "TIDY_PARAMETERS",
]

EQUAL, DIFFERS, UNKNOWN, MIXED = "equal", "differs", "unknown", "mixed"
#: up to this many parameters, JSON differences are tidied (collected and factored)
TIDY_PARAMETERS = 500
#: an exact rational longer than this many characters is shown in the bounded form
MAX_RATIONAL_CHARS = 60


def rational_text(value: Any, limit: int = MAX_RATIONAL_CHARS) -> str:
    """``p/q``, or for a long one ``(a rational of N digits over M digits) ~ 1.23e+45``
    (computed from bit lengths: never converts a huge integer to text)."""
    q = Fraction(value)
    num_digits = _digits(q.numerator)
    den_digits = _digits(q.denominator)
    if num_digits + den_digits + 1 <= limit:
        return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
    over = "" if q.denominator == 1 else f" over {den_digits} digit{'s' * (den_digits > 1)}"
    return f"(a rational of {num_digits} digits{over}) ~ {_approx(q)}"


def _digits(n: int) -> int:
    """The number of decimal digits of ``n`` (without converting it to text)."""
    n = abs(n)
    if n < 10**18:
        return len(str(n))
    d = int(n.bit_length() * math.log10(2))
    return d + 1 if n >= 10**d else d


def _approx(q: Fraction) -> str:
    """A decimal approximation of ``q`` by bit shifts (no huge conversions)."""
    if q == 0:
        return "0"
    shift = q.numerator.bit_length() - q.denominator.bit_length()
    mantissa = q / (Fraction(2) ** shift)  # in [1/2, 2]
    log10 = math.log10(abs(float(mantissa))) + shift * math.log10(2)
    exponent = math.floor(log10)
    digits = 10 ** (log10 - exponent)
    return f"{'-' if q < 0 else ''}{digits:.10f}e{exponent:+d}"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one proof.

    - ``timeout``: wall-clock seconds for the whole proof (``None``: no limit); what is not
      settled by then is ``unknown``, what was settled is kept. They count from ``started``
      (a ``time.perf_counter()`` value; default: when the proof starts), and the proof stops
      ``reserve`` seconds before the end (time kept for printing the result).
    - ``zero_test_ops``: largest expression (``count_ops``) given rational cancellation.
    - ``carry_size``: largest unrelated signal expression carried to the layer below.
    - ``full_expansion_parameters``: networks up to this many parameters may settle what the
      layered method leaves open by comparing fully expanded expressions.
    - ``counterexample_attempts``: points tried for a counterexample.
    - ``condition_layers``: search every set of layers for a sufficient condition up to this
      depth (deeper networks: only sets of the top layers).
    - ``layer_witness_parameters``: above this many parameters, layers whose layer identity
      fails are settled a layer at a time (one certified counterexample per layer) instead of
      parameter by parameter (below it the report shows a difference per neuron).
    - ``neuron_witness_parameters``: the per-neuron counterexample search (one rule and one
      interval operation per weight) runs only on networks up to this size; a larger one
      relies on the layer rules' witness (:mod:`~symbolic_bp.proof.layer_witness`).
    - ``neuron_parameters``: the per-neuron prover (one rule per parameter) runs only on
      networks up to this size; a larger network whose recipes the layer rules cannot
      represent is ``unknown``, with a note, instead of exhausting memory.
    """

    timeout: float | None = 120.0
    started: float | None = None
    reserve: float = 0.0
    zero_test_ops: int = 400
    carry_size: int = 4000
    full_expansion_parameters: int = 40
    counterexample_attempts: int = 12
    condition_layers: int = 4
    gradient_crosscheck_parameters: int = 40
    layer_witness_parameters: int = 20
    neuron_witness_parameters: int = 200_000
    neuron_parameters: int = 5_000_000


@dataclass(frozen=True)
class Relation:
    """``other = factor * basis`` for the signals of one neuron (an induction step)."""

    layer: int
    neuron: int
    basis: sp.Symbol
    other: sp.Symbol
    factor: sp.Expr

    def __str__(self) -> str:
        return f"{self.other} = {sp.sstr(readable(self.factor) * self.basis)}"


@dataclass
class ParameterResult:
    """The verdict for one parameter. ``difference`` is ``Delta_B - Delta_A`` in the signal
    symbols of its layer (``None`` when equal or not available), in a readable form computed
    on first access; ``ratio`` is ``Delta_B / Delta_A`` when it is free of signals."""

    name: str
    layer: int
    status: str
    raw_difference: sp.Expr | None = None
    ratio: sp.Expr | None = None
    method: str = ""
    group: frozenset = frozenset()
    _tidy: sp.Expr | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"<ParameterResult {self.name}: {self.status}>"

    @property
    def difference(self) -> sp.Expr | None:
        """``Delta_B - Delta_A``, tidied (collected in the signals, factored) when small."""
        if self.raw_difference is None:
            return None
        if self._tidy is None:
            raw = self.raw_difference
            shown = tidy(raw, self.group)
            folded = fold_derivatives(raw) if size(raw) <= FOLD_NODES else raw
            if folded is not raw:  # verified equal to raw; tidying it is exact algebra
                folded = tidy(folded, self.group)
                if reading_cost(folded) < reading_cost(shown):
                    shown = folded
            self._tidy = shown
        return self._tidy


@dataclass
class LayerResult:
    """One row per layer and parameter kind (``"w"`` weights, ``"b"`` biases): how many
    parameters, their common status (``mixed`` when they differ), how it was settled, and for
    the representative parameter the difference ``Delta_B - Delta_A``."""

    layer: int
    kind: str
    count: int
    status: str
    counts: dict[str, int]
    method: str = ""
    relation: str | None = None
    difference: sp.Expr | None = None
    representative: str = ""

    def __repr__(self) -> str:
        return f"<LayerResult layer {self.layer} {self.kind} ({self.count}): {self.status}>"

    def to_dict(self) -> dict[str, object]:
        return {
            "layer": self.layer,
            "kind": self.kind,
            "count": self.count,
            "status": self.status,
            "counts": dict(self.counts),
            "method": self.method,
            "relation": self.relation,
            "difference": None if self.difference is None else sp.sstr(self.difference),
            "representative": self.representative,
        }


@dataclass
class Counterexample:
    """A witness that the two updates of ``parameter`` differ at an exact rational ``point``.

    ``values`` are exact rationals (:class:`~fractions.Fraction`) when every value is
    rational, otherwise rigorous enclosures ``"[lo, hi]"`` of the exact values (outward
    rounding), which are disjoint: the exact values provably differ. Either way they were
    computed from the *concrete* per-neuron rules of the two conventions. ``activations`` names
    the concrete functions that replaced generic ones; ``network`` describes the network the
    point belongs to."""

    parameter: str
    point: dict[str, Fraction]
    activations: dict[str, str]
    values: dict[str, Any]
    approximate: dict[str, float | str]
    network: str = ""

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"<Counterexample {self.parameter}: {shown}>"[:300]

    @property
    def exact(self) -> bool:
        """Whether ``values`` are exact rationals (else enclosing intervals)."""
        return all(isinstance(v, Fraction) for v in self.values.values())

    def to_dict(self) -> dict[str, object]:
        """JSON form: exact numbers as strings (a huge exact value as an enclosure text)."""
        return {
            "parameter": self.parameter,
            "point": {k: _json_number(v) for k, v in self.point.items()},
            "values": {k: _json_number(v) for k, v in self.values.items()},
            "exact": self.exact,
            "approximate_values": dict(self.approximate),
            "activations": dict(self.activations),
            "network": self.network,
        }


def _json_number(value: Any) -> str:
    if isinstance(value, Fraction):
        text = rational_text(value, limit=4000)
        return text if not text.startswith("(") else f"~{_approx(value)}"
    return str(value)


@dataclass
class Report:
    """Everything an instance proof established (:func:`symbolic_bp.render.report_text` reads
    it): per layer and kind (:attr:`layers`), per parameter (:attr:`parameters`, built from the
    rows on first access where a layer was settled at once), the counterexample, conditions."""

    network: Network
    conventions: tuple[str, str]
    layers: list[LayerResult]
    counterexample: Counterexample | None = None
    conditions: list[str] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    conditions_searched: bool = False
    _parameters: list[ParameterResult] | None = field(default=None, repr=False)
    #: both recipes are built in (so a proof for generic activations covers concrete ones)
    builtin: bool = True
    #: the time limit ended the proof (what was not settled is unknown; the report is written
    #: without tidying every row, to keep within the limit)
    timed_out: bool = False

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts().items())
        return (
            f"<Report {self.conventions[0]} vs {self.conventions[1]} on "
            f"{'-'.join(map(str, self.network.sizes))}: equivalent={self.equivalent} ({counts})>"
        )

    @property
    def parameters(self) -> list[ParameterResult]:
        """One :class:`ParameterResult` per parameter, in the network's order."""
        if self._parameters is None:
            self._parameters = list(self.iter_parameters())
        return self._parameters

    def iter_parameters(self) -> Iterator[ParameterResult]:
        """The per-parameter results, generated from the layer rows (without holding them)."""
        if self._parameters is not None:
            yield from self._parameters
            return
        rows = {(r.layer, r.kind): r for r in self.layers}
        for l in range(1, self.network.depth + 1):
            for name in self.network.layer_parameter_names(l):
                row = rows[(l, "w" if name[0] == "w" else "b")]
                diff = row.difference if name == row.representative else None
                yield ParameterResult(name, l, row.status, diff, method=row.method)

    def result(self, name: str) -> ParameterResult:
        """The result of the parameter called ``name``."""
        l, j, i = self.network.locate(name)
        if self._parameters is not None:
            return next(r for r in self._parameters if r.name == name)
        kind = "w" if i is not None else "b"
        row = next(r for r in self.layers if r.layer == l and r.kind == kind)
        diff = row.difference if name == row.representative else None
        return ParameterResult(name, l, row.status, diff, method=row.method)

    def differences(self, layer: int, limit: int | None = None) -> list[ParameterResult]:
        """The parameters of ``layer`` not proven equal that have a difference to show (per
        parameter where the proof went neuron by neuron, else the representatives)."""
        if self._parameters is None:
            rows = [r for r in self.layers if r.layer == layer and r.difference is not None]
            found = [
                ParameterResult(r.representative, layer, r.status, r.difference, method=r.method)
                for r in rows
                if r.status != EQUAL
            ]
            return found[:limit]
        out = []
        for r in self._parameters:
            if r.layer == layer and r.status != EQUAL and r.raw_difference is not None:
                out.append(r)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def counts(self) -> dict[str, int]:
        """How many parameters are equal, differ, unknown."""
        out = {EQUAL: 0, DIFFERS: 0, UNKNOWN: 0}
        for row in self.layers:
            for status, n in row.counts.items():
                out[status] += n
        return out

    @property
    def equivalent(self) -> bool | None:
        """``True`` if every parameter is proven equal, ``False`` if one is proven to differ,
        ``None`` otherwise."""
        counts = self.counts()
        if counts[DIFFERS]:
            return False
        return True if counts[UNKNOWN] == 0 else None

    @property
    def exit_code(self) -> int:
        """0 proven equal, 1 proven different, 3 unknown (the command line's contract)."""
        return {True: 0, False: 1, None: 3}[self.equivalent]

    # rich display in Jupyter: the report as math (the renderer imported on first use)
    def _repr_html_(self) -> str:
        from ..render.derivation import report_document

        return report_document(self).mathml()

    def _repr_markdown_(self) -> str:
        from ..render.derivation import report_document

        return report_document(self).markdown()


@dataclass
class GeneralStep:
    """One checked equation ``lhs = rhs`` under ``ranges``; ``residual`` is what is left of
    ``lhs - rhs`` when it is not 0. ``note_math`` holds the equations ``(left, right)`` that
    ``note`` states as text (``sstr(left) = sstr(right)``), so that a document can typeset
    them."""

    name: str
    lhs: sp.Expr
    rhs: sp.Expr
    verdict: str
    ranges: str = ""
    residual: sp.Expr = sp.S.Zero
    note: str = ""
    note_math: tuple[tuple[sp.Expr, sp.Expr], ...] = ()

    @property
    def equation(self) -> str:
        """The equation as text."""
        return f"{sp.sstr(self.lhs)} = {sp.sstr(self.rhs)}"

    @property
    def latex(self) -> str:
        """The equation as LaTeX."""
        return f"{sp.latex(self.lhs)} = {sp.latex(self.rhs)}"


@dataclass
class GeneralProof:
    """A proof (or refutation) for every depth, width and activation, within :attr:`scope`.

    ``parameters`` are the per-class rows ``{name, status, method, difference}``; each status
    is proven (``equal`` by the induction or a direct identity, ``differs`` by a counterexample
    of that class on a concrete network) or ``unknown``."""

    conventions: tuple[str, str]
    steps: list[GeneralStep]
    parameters: list[dict[str, object]]
    factor: sp.Expr | None
    scope: str = ""
    conditions: list[str] = field(default_factory=list)
    counterexample: Counterexample | None = None
    instance_network: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __repr__(self) -> str:
        a, b = self.conventions
        return f"<GeneralProof {a} vs {b}, every network: equivalent={self.equivalent}>"

    @property
    def equivalent(self) -> bool | None:
        """``True``: every class proven equal; ``False``: a class proven to differ (a
        counterexample exists); ``None`` otherwise."""
        statuses = {row["status"] for row in self.parameters}
        if DIFFERS in statuses:
            return False
        return True if statuses == {EQUAL} else None

    @property
    def exit_code(self) -> int:
        return {True: 0, False: 1, None: 3}[self.equivalent]

    # rich display in Jupyter
    def _repr_html_(self) -> str:
        from ..render.derivation import general_document

        return general_document(self).mathml()

    def _repr_markdown_(self) -> str:
        from ..render.derivation import general_document

        return general_document(self).markdown()
