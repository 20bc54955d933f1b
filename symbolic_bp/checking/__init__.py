r"""Proving a learner's own backprop code right or wrong (``symbolic-bp check``).

The code is run on symbolic values (:mod:`symbolic_bp.trace`); its updates and every
convention's are compared exactly in a field of neuron atoms, differences are certified by
counterexamples, and the conventions the code implements are named.

- :mod:`.sparse`: exact sparse polynomials and quotients (packed monomials);
- :mod:`.atoms`: an activation in its neuron's atom; a network's expressions in that field;
- :mod:`.compare`: traced against a convention, parameter by parameter; constant factors;
- :mod:`.witness`: counterexamples certified on the traced expression and the rules;
- :mod:`.report`, :mod:`.rows`, :mod:`.hints`: the report (data);
- :mod:`.run`: :func:`check`, which puts them together.
"""

from .report import CheckReport
from .run import DEFAULT_TIMEOUT, check

__all__ = ["CheckReport", "DEFAULT_TIMEOUT", "check"]
