r"""Optimizers as update conventions over several steps, with state, and the prover for them.

Are two optimizer recipes the same? :func:`prove_optimizers` answers ``equal`` (for every
loss: the gradients are symbols), ``differs`` (with a concrete loss, start point and
hyperparameters where the two recipes' exact values differ) or ``unknown``, step by step, and
finds the relations among hyperparameters under which they agree, each proven:

>>> import symbolic_bp as sbp
>>> sbp.prove_optimizers("sgd_l2", "sgd_weight_decay").conditions
['wd = l2*lr']

- :mod:`~symbolic_bp.optim.vector`: :class:`Vec`, what recipes compute with;
- :mod:`~symbolic_bp.optim.hyper`: hyperparameters (meaning, domain, samples);
- :mod:`~symbolic_bp.optim.recipes`: :class:`Optimizer` and the registry;
  :mod:`~symbolic_bp.optim.builtin`: the built-in recipes;
- :mod:`~symbolic_bp.optim.setting`: steps, schedule, parameters, given numbers;
- :mod:`~symbolic_bp.optim.unroll`: running a recipe on symbols or numbers;
- :mod:`~symbolic_bp.optim.witness`, :mod:`~symbolic_bp.optim.atoms`: concrete probes and
  certified differences;
- :mod:`~symbolic_bp.optim.compare`, :mod:`~symbolic_bp.optim.conditions`,
  :mod:`~symbolic_bp.optim.prover`: the proof;
- :mod:`~symbolic_bp.optim.results`: the results, as data;
- :mod:`~symbolic_bp.optim.recurrence`: a recipe's recurrence, for documents and training.
"""

from .builtin import BUILT_IN_OPTIMIZERS
from .hyper import HYPERPARAMETERS, Hyperparameter
from .prover import prove_optimizers
from .recipes import (
    OPTIMIZERS,
    Hyper,
    Optimizer,
    get_optimizer,
    register_optimizer,
    unregister_optimizer,
)
from .results import (
    ConditionResult,
    EntryResult,
    OptimizerCounterexample,
    OptimizerReport,
    StepResult,
)
from .setting import Setting, make_setting
from .vector import Vec

__all__ = [
    "BUILT_IN_OPTIMIZERS",
    "ConditionResult",
    "EntryResult",
    "HYPERPARAMETERS",
    "Hyper",
    "Hyperparameter",
    "OPTIMIZERS",
    "Optimizer",
    "OptimizerCounterexample",
    "OptimizerReport",
    "Setting",
    "StepResult",
    "Vec",
    "get_optimizer",
    "make_setting",
    "prove_optimizers",
    "register_optimizer",
    "unregister_optimizer",
]
