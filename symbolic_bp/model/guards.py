r"""What a recipe holds while it runs on an :class:`~symbolic_bp.model.indexed.IndexedNetwork`.

On a concrete network a recipe receives neuron numbers (``j = 1, 2, ...``) and layer numbers.
On an indexed network neuron ``j`` of layer ``l`` is one symbolic index that stands for every
neuron of the layer, and in the general proof the layer itself is symbolic. Python code cannot
branch on such a value faithfully (``j == 1`` is simply ``False`` for a symbol), so the recipe
gets a *guard* instead: an :class:`Index` or :class:`Layer` that the network's methods accept,
and that raises :class:`~symbolic_bp.errors.AbstractionError` on everything else (comparison,
``int()``, hashing, arithmetic on a neuron index, use as a SymPy value). The prover catches that
error and falls back to the per-neuron rules, so what cannot be represented never becomes a
verdict.

>>> from symbolic_bp.errors import AbstractionError
>>> j = Index(sp.Symbol("j2"))
>>> try:
...     j == 1
... except AbstractionError as exc:
...     print(str(exc)[:45])
a recipe compares a neuron index (j == 1 or j
>>> (Layer(sp.Symbol("l")) + 1).expr
l + 1
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import sympy as sp

from ..errors import AbstractionError

__all__ = [
    "Index",
    "Layer",
    "Upstream",
    "LayerSignals",
    "refusals",
    "unwrap_index",
    "unwrap_layer",
]

_HINT = (
    "on a network with symbolic neuron indices (the layer identities, the general proof) pass "
    "indices only to the network's methods and sum with net.sum(l, lambda k: ...)"
)


_REFUSED = [0]  # how many refusals were raised so far in this process


def refusals() -> int:
    """How many times a guard has refused something so far. A recipe that catches the refusal
    (``try: ... except Exception: ...``) still leaves its mark here, so the caller can tell that
    the rules it got are not what the recipe does on a concrete network."""
    return _REFUSED[0]


def _refuse(what: str) -> NoReturn:
    _REFUSED[0] += 1
    raise AbstractionError(f"a recipe {what}; {_HINT}")


class Index:
    """A symbolic neuron index handed to a recipe (``symbol`` is the SymPy index)."""

    __slots__ = ("symbol",)

    def __init__(self, symbol: sp.Expr) -> None:
        self.symbol = symbol

    def __repr__(self) -> str:
        return str(self.symbol)

    def _compare(self, other: object) -> NoReturn:
        _refuse("compares a neuron index (j == 1 or j < n)")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __hash__(self) -> int:
        _refuse("uses a neuron index as a dictionary key or in a set")

    def __bool__(self) -> bool:
        _refuse("tests a neuron index for truth")

    def __int__(self) -> int:
        _refuse("converts a neuron index to a number")

    __index__ = __float__ = __int__

    def _arith(self, *other: object) -> NoReturn:
        _refuse("does arithmetic with a neuron index")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arith
    __truediv__ = __rtruediv__ = __neg__ = __pow__ = __rpow__ = _arith

    def _sympy_(self) -> NoReturn:
        _refuse("uses a neuron index as a value")


class Layer:
    """A symbolic layer number (``l``, ``l + 1``, ``L``) handed to a recipe in the general
    proof: it supports ``+`` and ``-`` with whole numbers, nothing else."""

    __slots__ = ("expr",)

    def __init__(self, expr: sp.Expr) -> None:
        self.expr = sp.sympify(expr)

    def __repr__(self) -> str:
        return str(self.expr)

    def __add__(self, other: object) -> Layer:
        if isinstance(other, int) and not isinstance(other, bool):
            return Layer(self.expr + other)
        _refuse("does arithmetic on a layer number other than adding a whole number")

    __radd__ = __add__

    def __sub__(self, other: object) -> Layer:
        if isinstance(other, int) and not isinstance(other, bool):
            return Layer(self.expr - other)
        _refuse("does arithmetic on a layer number other than subtracting a whole number")

    def _compare(self, other: object) -> NoReturn:
        _refuse("compares a layer number (l == 1 or l == net.depth) in the general proof")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __hash__(self) -> int:
        _refuse("uses a symbolic layer number as a dictionary key")

    def __bool__(self) -> bool:
        _refuse("tests a symbolic layer number for truth")

    def __int__(self) -> int:
        _refuse("converts a symbolic layer number to a number")

    __index__ = __int__

    def _sympy_(self) -> NoReturn:
        _refuse("uses a symbolic layer number as a value")


def unwrap_index(value: Any) -> sp.Expr:
    """The SymPy index of a guard; anything else is refused (a literal neuron number such as
    ``net.w(l, 1, 1)`` cannot stand for every neuron)."""
    if isinstance(value, Index):
        return value.symbol
    if isinstance(value, sp.Basic) and not value.is_number:
        return value  # the engine's own symbolic index
    _refuse(f"names neuron {value!r} explicitly")


def unwrap_layer(value: Any) -> sp.Expr:
    """The SymPy layer expression of a guard or a whole number."""
    if isinstance(value, Layer):
        return value.expr
    if isinstance(value, int) and not isinstance(value, bool):
        return sp.Integer(value)
    if isinstance(value, sp.Basic):
        return value
    _refuse(f"passes {value!r} as a layer number")


class _Refusing:
    """The parts of a mapping a recipe cannot use on an indexed network."""

    def _no(self, *args: object) -> NoReturn:
        _refuse("iterates over, counts or lists the signals of a layer")

    __iter__ = __len__ = keys = values = items = __contains__ = get = _no


class Upstream(_Refusing):
    """``k -> s[l+1, k]`` for any index ``k``: the signals a recipe reads from the layer
    above. Only ``upstream[k]`` works; iteration, ``len`` and ``.items()`` are refused."""

    def __init__(self, lookup: Callable[[sp.Expr], sp.Expr]) -> None:
        self._lookup = lookup

    def __getitem__(self, key: Any) -> sp.Expr:
        return self._lookup(unwrap_index(key))


class LayerSignals(Upstream):
    """The signals of the layer being updated, ``j -> s[l, j]`` (what ``layer_updates``
    receives on an indexed network)."""
