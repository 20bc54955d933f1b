r"""The base of every optimizer recipe, and the registry of recipes by name.

An optimizer is an update convention over several steps, with state. At step ``t = 1, 2, ...``
it reads the parameter ``p`` (after step ``t - 1``), its state (``m``, ``v``, ... as left by
step ``t - 1``), the gradient of the loss at any point it asks for, and the hyperparameters of
step ``t``, and returns the new parameter and state:

>>> import sympy as sp
>>> class HeavyBall(Optimizer):
...     '''Momentum written with the learning rate inside the velocity.'''
...     name = "heavy_ball_demo"
...     hyperparameters = ("lr", "mu")
...     state = ("v",)
...     def step(self, t, p, state, grad, h):
...         v = h.mu * state["v"] + h.lr * grad(p)
...         return p - v, {"v": v}
>>> register_optimizer(HeavyBall()).name
'heavy_ball_demo'
>>> get_optimizer("heavy_ball_dem")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symbolic_bp.errors.InputError: unknown optimizer 'heavy_ball_dem'; did you mean heavy_ball_demo? ...
>>> unregister_optimizer("heavy_ball_demo").name
'heavy_ball_demo'

Recipes use only arithmetic on :class:`~symbolic_bp.optim.vector.Vec` values, ``.sqrt()``
and ``.abs()``, so the same code runs on symbols (a proof for every gradient function), on
exact rationals (a counterexample) and on NumPy arrays (training).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from ..errors import InputError, NameTaken, unknown_name
from .hyper import Hyperparameter, check_name, hyperparameter
from .vector import Vec

__all__ = [
    "Optimizer",
    "Hyper",
    "OPTIMIZERS",
    "register_optimizer",
    "unregister_optimizer",
    "get_optimizer",
    "Gradient",
]

#: the gradient oracle a recipe calls: ``grad(point)`` is the loss's gradient at ``point``
Gradient = Callable[[Vec], Vec]


class Hyper:
    """The hyperparameters of one step as attributes (``h.lr``, ``h.mu``) or items
    (``h["beta1"]``); reading one the recipe did not declare is an error."""

    def __init__(self, optimizer: str, values: Mapping[str, sp.Expr]) -> None:
        object.__setattr__(self, "_optimizer", optimizer)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> sp.Expr:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> sp.Expr:
        values: dict[str, sp.Expr] = object.__getattribute__(self, "_values")
        if name not in values:
            optimizer = object.__getattribute__(self, "_optimizer")
            raise InputError(
                f"optimizer {optimizer!r} reads hyperparameter {name!r}, which it does not "
                f"declare (it declares: {', '.join(values) or 'none'}); add it to its "
                "hyperparameters"
            )
        return values[name]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("hyperparameters are read-only inside a recipe")


class Optimizer:
    """Base class of an optimizer recipe.

    Subclasses set ``name``, ``description`` (the update in one line), ``source`` (where this
    form is published), ``hyperparameters`` (names such as ``"lr"``, or
    :class:`~symbolic_bp.optim.hyper.Hyperparameter` objects for new ones) and ``state`` (the
    names of the state vectors, each starting at zero unless :meth:`init` is overridden), and
    override :meth:`step`. :meth:`observe` says which vector is compared after each step (the
    parameter, by default).
    """

    name: str = "optimizer"
    description: str = ""
    source: str = ""
    hyperparameters: tuple[str | Hyperparameter, ...] = ("lr",)
    state: tuple[str, ...] = ()

    def init(self, p: Vec, h: Hyper) -> dict[str, Vec]:
        """The state before step 1: a zero vector per name in :attr:`state`."""
        return {name: p.zeros_like() for name in self.state}

    def step(
        self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper
    ) -> tuple[Vec, dict[str, Vec]]:
        """Step ``t`` (1, 2, ...; a symbol ``t`` in the rendered recurrence): from the parameter
        ``p`` and ``state`` after step ``t - 1``, the gradient oracle ``grad`` and the
        hyperparameters ``h`` of step ``t``, the new parameter and the new state."""
        raise NotImplementedError(
            f"optimizer {self.name!r} does not define step(t, p, state, grad, h)"
        )

    def observe(self, p: Vec, state: Mapping[str, Vec], h: Hyper) -> Vec:
        """The vector compared after each step: the parameter itself by default."""
        return p

    def hyper_info(self) -> tuple[Hyperparameter, ...]:
        """The declared hyperparameters as :class:`Hyperparameter` objects."""
        return tuple(hyperparameter(h) for h in self.hyperparameters)

    def hyper_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyper_info())

    def __repr__(self) -> str:
        return f"<optimizer {self.name}>"


OPTIMIZERS: dict[str, Optimizer] = {}


def _check(opt: Optimizer) -> None:
    """Names of the optimizer, its hyperparameters and states: valid and distinct."""
    name = opt.name
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"optimizer name {name!r} must be an identifier such as my_adam")
    if type(opt).step is Optimizer.step:
        raise InputError(f"optimizer {name!r} does not define step(t, p, state, grad, h)")
    infos = opt.hyper_info()
    hyper = [h.name for h in infos]
    if "lr" not in hyper:
        raise InputError(f"optimizer {name!r} must declare the learning rate 'lr'")
    states = list(opt.state)
    for s in states:
        check_name(s, f"optimizer {name!r}: state")
    for names, what in ((hyper, "hyperparameter"), (states, "state")):
        if len(set(names)) != len(names):
            raise InputError(f"optimizer {name!r} declares a {what} twice: {', '.join(names)}")
    clash = sorted(set(hyper) & set(states))
    if clash:
        raise InputError(f"optimizer {name!r}: {clash[0]!r} names a hyperparameter and a state")


def register_optimizer(optimizer: Optimizer, *, replace: bool = False) -> Optimizer:
    """Add ``optimizer`` to the registry under ``optimizer.name`` and return it.

    **Raises:** :class:`InputError` if the name is taken (unless ``replace``) or malformed, if
    ``step`` is missing, or if hyperparameter or state names are malformed or clash.
    """
    _check(optimizer)
    if optimizer.name in OPTIMIZERS and not replace:
        raise NameTaken(
            f"optimizer {optimizer.name!r} is already registered (pass replace=True)",
            "optimizer",
            optimizer.name,
        )
    OPTIMIZERS[optimizer.name] = optimizer
    return optimizer


def unregister_optimizer(name: str) -> Optimizer:
    """Remove and return the optimizer called ``name``."""
    return OPTIMIZERS.pop(get_optimizer(name).name)


def get_optimizer(name: str | Optimizer) -> Optimizer:
    """The registered optimizer called ``name``; an unknown name gets the closest valid names
    and the list of all. An unregistered :class:`Optimizer` object is checked and accepted."""
    if isinstance(name, Optimizer):
        _check(name)
        return name
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        pass
    raise unknown_name("optimizer", name, OPTIMIZERS)
