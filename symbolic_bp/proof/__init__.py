"""Proofs: results as data, and the provers that produce them.

- :mod:`~symbolic_bp.proof.results`: statuses, rows, counterexamples, reports (plain data);
- :mod:`~symbolic_bp.proof.instance`: :func:`prove`, on a given network;
- :mod:`~symbolic_bp.proof.neurons`: the per-neuron prover (the reference);
- :mod:`~symbolic_bp.proof.layers`: one identity per layer for a symbolic neuron (its rules
  checked against the per-neuron rules by :mod:`symbolic_bp.verify`);
- :mod:`~symbolic_bp.proof.general`: :func:`prove_general`, for every depth and width, by
  the induction of :mod:`~symbolic_bp.proof.induction`;
- :mod:`~symbolic_bp.proof.witnesses`: counterexamples certified on the concrete rules;
- :mod:`~symbolic_bp.proof.conditions`: conditions under which differing rules agree;
- :mod:`~symbolic_bp.proof.clock`: the wall-clock limit.
"""

from .general import prove_general
from .instance import prove
from .results import (
    DIFFERS,
    EQUAL,
    MIXED,
    UNKNOWN,
    Counterexample,
    GeneralProof,
    GeneralStep,
    LayerResult,
    Limits,
    ParameterResult,
    Relation,
    Report,
)

__all__ = [
    "DIFFERS",
    "EQUAL",
    "MIXED",
    "UNKNOWN",
    "Counterexample",
    "GeneralProof",
    "GeneralStep",
    "LayerResult",
    "Limits",
    "ParameterResult",
    "Relation",
    "Report",
    "prove",
    "prove_general",
]
