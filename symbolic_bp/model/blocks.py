"""The per-layer building blocks of a concrete network: what the derivation engine and matrix
recipes use to handle a layer's neurons, weights and biases at once (an
:class:`~symbolic_bp.model.indexed.IndexedNetwork` offers the same for a symbolic neuron).

>>> from symbolic_bp.model.network import Network
>>> Network.build([2, 2, 1]).weight_matrix(2)
Matrix([[w2_1_1, w2_1_2]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

__all__ = ["LayerBlocks"]


class LayerBlocks:
    """A mixin: every method reads ``neurons``, ``sizes``, ``w`` and ``b`` of the network."""

    sizes: tuple[int, ...]
    bias: bool

    def neurons(self, l: int) -> range:  # pragma: no cover - the network's own
        raise NotImplementedError

    def w(self, l: int, j: int, i: int) -> Any:  # pragma: no cover - the network's own
        raise NotImplementedError

    def b(self, l: int, j: int) -> Any:  # pragma: no cover - the network's own
        raise NotImplementedError

    def per_neuron(self, l: int, fn: Callable[[int], sp.Expr]) -> list[sp.Expr]:
        """``[fn(j) for every neuron j of layer l]``."""
        return [fn(j) for j in self.neurons(l)]

    def per_weight(self, l: int, fn: Callable[[int, int], sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """``{w{l}_{j}_{i}: fn(j, i)}`` for every weight of layer ``l``."""
        return {self.w(l, j, i): fn(j, i) for j in self.neurons(l) for i in self.neurons(l - 1)}

    def per_bias(self, l: int, fn: Callable[[int], sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """``{b{l}_{j}: fn(j)}`` for every bias of layer ``l`` (empty without biases)."""
        return {self.b(l, j): fn(j) for j in self.neurons(l)} if self.bias else {}

    def column(self, l: int, fn: Callable[[int], sp.Expr]) -> sp.Matrix:
        """The ``n_l x 1`` column with entries ``fn(j)``."""
        return sp.Matrix(self.sizes[l], 1, [fn(j) for j in self.neurons(l)])

    def weight_matrix(self, l: int) -> sp.Matrix:
        """``W^l``, the ``n_l x n_{l-1}`` matrix of the weights of layer ``l``."""
        return sp.Matrix(self.sizes[l], self.sizes[l - 1], lambda r, c: self.w(l, r + 1, c + 1))

    def signal_vector(self, signals: Mapping[int, sp.Expr], l: int) -> sp.Matrix:
        """The column of the signals of layer ``l`` (``signals`` maps ``k = 1..n_l``)."""
        return sp.Matrix(self.sizes[l], 1, [signals[k] for k in self.neurons(l)])

    def entries(self, vector: sp.MatrixBase, l: int) -> list[sp.Expr]:
        """The entries of a column of layer ``l``, neuron by neuron."""
        return [vector[j - 1, 0] for j in self.neurons(l)]

    def matrix_entries(self, l: int, matrix: sp.MatrixBase) -> dict[sp.Symbol, sp.Expr]:
        """``{w{l}_{j}_{i}: matrix[j-1, i-1]}``: a matrix of updates of layer ``l``'s weights."""
        return self.per_weight(l, lambda j, i: matrix[j - 1, i - 1])

    def vector_entries(self, l: int, vector: sp.MatrixBase) -> dict[sp.Symbol, sp.Expr]:
        """``{b{l}_{j}: vector[j-1]}``: a column of updates of layer ``l``'s biases."""
        return self.per_bias(l, lambda j: vector[j - 1, 0])
