r"""The base of every recipe, and the registry of recipes by name.

A convention says how to compute, layer by layer from the output down,

- the *output signal* of neuron ``j`` of the output layer ``L``,
- the *signal sent back* to neuron ``j`` of layer ``l`` from the signals of layer ``l + 1``,
- the *update* ``Delta p`` of every weight and bias of layer ``l`` from the signals of layer ``l``.

Recipes read the network only through :class:`~symbolic_bp.model.protocol.NetworkView`, so the
same code runs on a concrete network and on one with symbolic neuron indices.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from ..errors import InputError, NameTaken, unknown_name
from ..model.protocol import NetworkView

__all__ = [
    "Convention",
    "CONVENTIONS",
    "ALIASES",
    "RESERVED_LETTERS",
    "register",
    "unregister",
    "get_convention",
    "check_letter",
    "second_letter",
    "signal_meaning",
    "uses_parameter_hooks",
    "by_neuron",
    "is_builtin",
    "restore_builtin_code",
    "builtin_code",
    "recipe_value",
    "batch_scale",
]

#: letters of the network's own quantities: a signal named with one would be the same SymPy
#: symbol as a net input (``e2_1``) or bias, the same indexed base as the weights, inputs or
#: targets of an indexed network, or print like the widths ``n`` or the outputs ``y``
RESERVED_LETTERS = frozenset({"b", "e", "n", "t", "w", "x", "y"})
_LETTER = re.compile(r"^[A-Za-z]{1,3}'?$")


def check_letter(letter: str, name: str) -> str:
    """``letter`` if it can name a recipe's signals without meaning anything else.

    **Raises:** :class:`~symbolic_bp.errors.InputError` naming the letter and the convention.

    >>> check_letter("d", "delta")
    'd'
    """
    if not isinstance(letter, str) or not _LETTER.match(letter):
        raise InputError(
            f"convention {name!r}: signal letter {letter!r} must be one to three ASCII letters "
            "such as d or r"
        )
    if letter.rstrip("'") in RESERVED_LETTERS:
        raise InputError(
            f"convention {name!r}: signal letter {letter!r} is taken by the network's own "
            f"symbols ({', '.join(sorted(RESERVED_LETTERS))}); choose another, such as s or h"
        )
    return letter


class Convention:
    """Base class of a backpropagation recipe.

    Subclasses set ``name``, ``letter`` (the signal's letter: ``d``, ``r``, ...) and
    ``description`` and override :meth:`output_signal`, :meth:`hidden_signal` and
    :meth:`update` (or :meth:`weight_update` and :meth:`bias_update`), or the two per-layer
    methods for a recipe written with matrices. ``upstream`` maps a neuron ``k`` of layer
    ``l + 1`` to the symbol of its signal (read it as ``upstream[k]``).
    """

    name: str = "convention"
    letter: str = "s"
    description: str = ""
    #: what the signal of neuron j of layer l is, in words (the reports' legend reads it)
    signal_meaning: str = ""

    # -- per-neuron recipe ---------------------------------------------------------------
    def output_signal(self, net: NetworkView, j: Any) -> sp.Expr:
        """The signal of output neuron ``j``."""
        raise self._missing("output_signal")

    def hidden_signal(
        self, net: NetworkView, l: Any, j: Any, upstream: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        """The signal of neuron ``j`` of hidden layer ``l`` from ``upstream`` (layer ``l+1``)."""
        raise self._missing("hidden_signal")

    def update(self, net: NetworkView, l: Any, j: Any, inp: sp.Expr, signal: sp.Expr) -> sp.Expr:
        """The update of a parameter of neuron ``j`` of layer ``l`` whose input is ``inp``
        (``y^{l-1}_i`` for a weight, 1 for a bias), given the neuron's signal."""
        raise self._missing("update")

    def weight_update(self, net: NetworkView, l: Any, j: Any, i: Any, signal: sp.Expr) -> sp.Expr:
        """``Delta w^l_{ji}``: by default :meth:`update` with input ``y^{l-1}_i``."""
        return self.update(net, l, j, net.y(l - 1, i), signal)

    def bias_update(self, net: NetworkView, l: Any, j: Any, signal: sp.Expr) -> sp.Expr:
        """``Delta b^l_j``: by default :meth:`update` with a constant input 1."""
        return self.update(net, l, j, sp.S.One, signal)

    def update_factor(
        self, net: NetworkView, l: Any, j: Any, signals: Mapping[Any, sp.Expr]
    ) -> sp.Expr:
        """What the updates of neuron ``j``'s parameters receive as its ``signal``, from the
        signals of its layer: by default neuron ``j``'s own, ``signals[j]``. (A recipe that
        applies the activation's derivative at the update carries its layer's errors through
        it here: with softmax that needs every neuron's.)"""
        return signals[j]

    def penalty_update(self, net: NetworkView, p: sp.Expr) -> sp.Expr:
        """The part of ``Delta p`` that an L2 penalty adds: ``-eta lambda p`` (``0`` for a
        parameter that is not penalised). Added after the batch is reduced."""
        return -net.eta * net.l2(p) * p

    # -- per-layer recipe (override for matrix forms) -------------------------------------
    def layer_signals(self, net: NetworkView, l: Any, upstream: Any) -> list[sp.Expr]:
        """Signals of the neurons of layer ``l``; ``upstream`` is ``None`` at the output, else
        the signals of layer ``l + 1`` (in neuron order, or a mapping from the neuron)."""
        if upstream is None:
            return net.per_neuron(l, lambda j: self.output_signal(net, j))
        up = by_neuron(upstream)
        return net.per_neuron(l, lambda j: self.hidden_signal(net, l, j, up))

    def layer_updates(self, net: NetworkView, l: Any, signals: Any) -> dict[sp.Expr, sp.Expr]:
        """``{parameter: Delta parameter}`` for layer ``l`` from the signals of its neurons (in
        neuron order, or a mapping from the neuron)."""
        s = by_neuron(signals)
        factor = lambda j: self.update_factor(net, l, j, s)  # noqa: E731
        out = net.per_weight(l, lambda j, i: self.weight_update(net, l, j, i, factor(j)))
        out.update(net.per_bias(l, lambda j: self.bias_update(net, l, j, factor(j))))
        return out

    def _missing(self, hook: str) -> NotImplementedError:
        """The error for a hook a recipe must define (this class is a base, not a recipe)."""
        return NotImplementedError(
            f"convention {self.name!r} does not define {hook}(); a recipe overrides "
            "output_signal, hidden_signal and update (or layer_signals and layer_updates)"
        )

    def __repr__(self) -> str:
        return f"<convention {self.name}>"


def signal_meaning(conv: Convention) -> str:
    """What ``conv``'s signal of neuron ``j`` of layer ``l`` is, in words: the recipe's own
    :attr:`Convention.signal_meaning`, or a sentence naming the recipe.

    >>> signal_meaning(Convention())
    'the signal of neuron j of layer l in the recipe convention'
    """
    meaning = getattr(conv, "signal_meaning", "")
    return meaning or f"the signal of neuron j of layer l in the recipe {conv.name}"


def by_neuron(signals: Any) -> Mapping[Any, sp.Expr]:
    """The signals of a layer as a mapping from the neuron (``1..n``): a sequence in neuron
    order is numbered from 1; a mapping (also the symbolic one of an indexed network) is kept."""
    if isinstance(signals, Sequence):
        return dict(enumerate(signals, start=1))
    return signals


def uses_parameter_hooks(conv: Convention) -> bool:
    """Whether ``conv``'s updates come from per-parameter hooks (so one parameter's update can
    be derived alone) rather than from an overridden :meth:`Convention.layer_updates`."""
    hooks = getattr(conv, "parameter_hooks", None)
    if hooks is not None:
        return bool(hooks())
    return type(conv).layer_updates is Convention.layer_updates


def batch_scale(conv: Convention, objective: Any) -> sp.Expr:
    """The factor of the sum of a batch's per-sample updates: ``1/N`` for the mean, ``1`` for
    the sum; the network's reduction, unless the recipe has its own (``conv.reduction``)."""
    reduction = getattr(conv, "reduction", None) or objective.reduce
    return reduction.scale(objective.batch)


def second_letter(a: Convention, b: Convention) -> str:
    """The signal letter of ``b`` next to ``a``: primed when both use the same one (``d`` and
    ``d'``), so that their signal symbols do not clash."""
    return f"{b.letter}'" if b.letter == a.letter else b.letter


CONVENTIONS: dict[str, Convention] = {}

#: other names of the two tutorials' recipes: ``agh`` (AGH Krakow) and ``mlm`` (Machine
#: Learning Mastery); a lookup gives the recipe itself, so output shows its canonical name
ALIASES: dict[str, str] = {"agh": "error_at_update", "mlm": "delta"}


def register(convention: Convention, *, replace: bool = False) -> Convention:
    """Add ``convention`` to the registry under ``convention.name`` and return it.

    **Raises:** :class:`InputError` if the name is taken (:class:`NameTaken`, unless
    ``replace``), is an alias (:data:`ALIASES`) or malformed, or if the signal letter clashes
    with the network's own symbols.
    """
    name = convention.name
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"convention name {name!r} must be an identifier such as my_book")
    check_letter(convention.letter, name)
    if name in ALIASES:
        raise InputError(
            f"convention name {name!r} is an alias of {ALIASES[name]}; choose another name"
        )
    if name in CONVENTIONS and not replace:
        raise NameTaken(
            f"convention {name!r} is already registered (pass replace=True)", "convention", name
        )
    CONVENTIONS[name] = convention
    return convention


def unregister(name: str) -> Convention:
    """Remove and return the convention called ``name``."""
    return CONVENTIONS.pop(get_convention(name).name)


def get_convention(name: str | Convention) -> Convention:
    """The registered convention called ``name`` (or an alias of it: ``agh``, ``mlm``); an
    unknown name gets the closest valid names and the list of all. An unregistered
    :class:`Convention` object is accepted as it is (its letter checked).

    >>> get_convention("agh").name
    'error_at_update'
    >>> get_convention("dleta")
    Traceback (most recent call last):
    ...
    symbolic_bp.errors.InputError: unknown convention 'dleta'; did you mean delta? valid: ...
    """
    if isinstance(name, Convention):
        check_letter(name.letter, name.name)
        return name
    try:
        return CONVENTIONS[ALIASES.get(name, name)]
    except (KeyError, TypeError):
        valid = list(CONVENTIONS) + [a for a in ALIASES if ALIASES[a] in CONVENTIONS]
        raise unknown_name("convention", name, valid) from None


#: the classes of the recipes this package registers, each with what every class of its MRO
#: defined at that moment (filled in by ``builtin.py`` through :func:`mark_builtin`): a method
#: replaced or added later, from any module, makes the class's recipes no longer built in
BUILTIN_TYPES: dict[type, tuple[tuple[type, dict[str, object]], ...]] = {}


def mark_builtin(cls: type) -> None:
    """Record ``cls`` as a built-in recipe class with its code as it is now. Called by the
    package's own registration (``builtin.py``) only; a recipe of the user's is never marked."""
    BUILTIN_TYPES[cls] = tuple((klass, dict(vars(klass))) for klass in cls.__mro__)


def builtin_code() -> dict[type, dict[str, object]]:
    """What every class of the built-in recipes holds now, for :func:`restore_builtin_code`."""
    return {klass: dict(vars(klass)) for snap in BUILTIN_TYPES.values() for klass, _ in snap}


def restore_builtin_code(code: dict[type, dict[str, object]] | None = None) -> list[str]:
    """Put back every built-in recipe class's code as it was in ``code`` (from
    :func:`builtin_code`; default: as it was registered), so that a method patched onto
    ``Delta`` since is removed; return the names of the classes that had changed."""
    changed = []
    if code is None:
        code = {k: v for snap in BUILTIN_TYPES.values() for k, v in snap}
    for klass, saved in code.items():
        now = dict(vars(klass))
        if now.keys() == saved.keys() and all(now[k] is saved[k] for k in saved):
            continue
        changed.append(klass.__name__)
        for key in now.keys() - saved.keys():
            delattr(klass, key)
        for key, value in saved.items():
            if now.get(key) is not value:
                setattr(klass, key, value)
    return sorted(set(changed))


def _unchanged(snapshot: tuple[tuple[type, dict[str, object]], ...]) -> bool:
    """Whether every class of a built-in recipe still holds exactly what it was registered with
    (compared by identity: a patched method equal in name is still another function)."""
    for klass, saved in snapshot:
        now = vars(klass)
        if now.keys() != saved.keys() or any(now[k] is not v for k, v in saved.items()):
            return False
    return True


def _ours(module: str) -> bool:
    """Whether ``module`` is this package or one of its modules (``symbolic_bp_mine`` and
    ``symbolic_bpx`` are not)."""
    return module == "symbolic_bp" or module.startswith("symbolic_bp.")


def is_builtin(conv: Convention) -> bool:
    """Whether ``conv`` runs only this package's own code: its class is one of the built-in
    recipes' classes, registered by the package itself, unchanged since (no method replaced or
    added, whatever module the new one claims), every method it has was written here, and the
    object overrides none of them (a recipe of the user's, or a subclass or patched copy of a
    built-in one, is not).

    The fast paths may take the code of a built-in recipe to treat every neuron, layer and
    depth alike (it is written without branches on them, and the test suite checks it on
    networks of many shapes); a user's recipe is Python code that may branch on anything, so
    its rules are checked on the network itself, and a claim about every network is not made
    for it.

    >>> from symbolic_bp.conventions import get_convention, Delta
    >>> is_builtin(get_convention("delta"))
    True
    >>> class Mine(Delta):
    ...     name = "mine"
    >>> is_builtin(Mine())
    False
    """
    cls = type(conv)
    snapshot = BUILTIN_TYPES.get(cls)
    if snapshot is None or not _unchanged(snapshot):
        return False
    if any(callable(value) for value in vars(conv).values() if not isinstance(value, Convention)):
        return False
    for klass in cls.__mro__:
        for value in vars(klass).values():
            function = getattr(value, "__func__", value)
            module = getattr(function, "__module__", None)
            if callable(function) and module is not None and not _ours(module):
                return False
    inner = [v for v in vars(conv).values() if isinstance(v, Convention)]
    return all(is_builtin(v) for v in inner)


def recipe_value(value: Any, conv: Convention, what: str) -> sp.Expr:
    """What a recipe's hook returned, as a SymPy expression, or a one-line error.

    A SymPy expression or a Python number is accepted; anything else (a string, ``None``, a
    relation ``s > 0``) is refused and never parsed. A float (Python's or SymPy's ``Float``
    inside the expression) stands for its exact binary value, so ``0.3 * s`` is not ``3 s / 10``
    and ``0.5 * s`` is ``s / 2``.

    >>> from symbolic_bp.conventions import get_convention
    >>> recipe_value(0.5, get_convention("delta"), "the signal")
    1/2
    >>> try:
    ...     recipe_value("x", get_convention("delta"), "the signal")
    ... except InputError as exc:
    ...     print(str(exc)[:49])
    convention 'delta' returned a str for the signal;
    """
    if isinstance(value, sp.Expr):
        if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise InputError(
                f"convention {conv.name!r} returned an undefined value for {what}: "
                f"{sp.sstr(value)[:80]} (a division by zero, nan or infinity)"
            )
        floats = value.atoms(sp.Float)
        return value.xreplace({f: sp.Rational(f) for f in floats}) if floats else value
    if isinstance(value, numbers.Real) and not math.isfinite(value):
        raise InputError(f"convention {conv.name!r} returned {value!r} for {what}")
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise InputError(
            f"convention {conv.name!r} returned a {type(value).__name__} for {what}; a recipe "
            "returns SymPy expressions or numbers"
        )
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, numbers.Rational):
        return sp.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, numbers.Real):
        return sp.Rational(Fraction(float(value)))
    raise InputError(f"convention {conv.name!r} returned the non-real number {value!r} for {what}")
