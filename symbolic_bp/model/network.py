r"""Symbolic multilayer networks in the design's notation.

Layers ``l = 0..L``; layer ``l`` has ``n_l`` neurons; ``y^0_i = x_i``. For ``l >= 1``

.. math::  e^l_j = \sum_i w^l_{ji}\, y^{l-1}_i + b^l_j, \qquad y^l_j = f_l(e^l_j).

Expressions are kept *structured*: the net input of neuron ``j`` of layer ``l`` is an atom, the
real symbol ``e{l}_{j}``, and ``y^l_j`` is ``f_l(e{l}_{j})``. :meth:`Network.expand` substitutes
the forward pass to get expressions in the inputs, weights and biases alone.

>>> net = Network.build([2, 3, 2, 1])
>>> net.net_input(2, 1)
w2_1_1*f_1(e1_1) + w2_1_2*f_1(e1_2) + w2_1_3*f_1(e1_3)
>>> [p.name for p in net.parameters()][:4]
['w1_1_1', 'w1_1_2', 'w1_2_1', 'w1_2_2']
>>> net.parameter_count
14
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from ..errors import InputError
from .activations import Activation
from .blocks import LayerBlocks
from .build import (
    AGH_SIZES,
    MAX_PARAMETERS,
    MAX_WIDTH,
    check_layers,
    parse_layers,
    validated,
    with_output_activation,
)
from .losses import Loss
from .objective import Objective
from .samples import Samples
from .softmax import LogSumExp

__all__ = [
    "Network",
    "AGH_SIZES",
    "MAX_PARAMETERS",
    "MAX_WIDTH",
    "parse_layers",
    "check_layers",
    "with_output_activation",
]

_PARAM_RE = re.compile(r"^(?:w(\d+)_(\d+)_(\d+)|b(\d+)_(\d+))$")
_NET_INPUT_RE = re.compile(r"^e(\d+)_(\d+)(?:@(\d+))?$")


def _real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class Network(Samples, LayerBlocks):
    """A fully connected network, symbolically.

    **Fields:** ``sizes`` (``n_0, ..., n_L``), ``activations`` (one per layer ``1..L``), ``loss``,
    ``bias`` (biases on or off), ``objective`` (a batch, its reduction, an L2 penalty: see
    :mod:`~symbolic_bp.model.objective`), ``sample`` (``None``; ``s`` for the view of sample
    ``s`` of a batch, :meth:`view`). Build one with :meth:`build`, which validates its input.
    """

    sizes: tuple[int, ...]
    activations: tuple[Activation, ...]
    loss: Loss
    bias: bool = False
    objective: Objective = Objective()
    sample: int | None = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    @classmethod
    def build(
        cls,
        sizes: Sequence[int] | str = AGH_SIZES,
        activation: str | Activation | Sequence[str | Activation] = "generic",
        loss: str | Loss = "half_sse",
        bias: bool = False,
        objective: Objective | None = None,
        max_parameters: int | None = MAX_PARAMETERS,
    ) -> Network:
        """Validate and build a network.

        **Arguments:**

        - ``sizes``: widths ``n_0, ..., n_L`` (at least an input and one layer), or the same as
          text, as the command line's ``--layers`` takes it: ``"2,3,1"``.
        - ``activation``: one name/expression/:class:`Activation` for every layer, a
          comma-separated text, or a sequence with one per layer ``1..L``. ``"generic"`` gives an
          undefined function ``f_l`` per layer.
        - ``loss``: ``"half_sse"``, ``"sse"``, ``"cross_entropy"`` or a :class:`Loss`.
        - ``bias``: add a bias ``b{l}_{j}`` to every neuron.
        - ``objective``: a batch and its reduction, an L2 penalty (default: one sample, none).
        - ``max_parameters``: refuse a larger network (``None``: no limit on the count; the
          widths and the depth keep theirs). ``prove`` passes ``None``: its cost follows what
          its layer identities and compact counterexamples grow with, not the count.

        >>> Network.build([2, 2, 1], "sigmoid,identity", bias=True).describe()
        '2-2-1, activations sigmoid,identity, loss half_sse, with biases'
        >>> Network.build("2,3,1").sizes
        (2, 3, 1)
        """
        sizes, acts, loss_obj = validated(sizes, activation, loss)
        net = cls(sizes, acts, loss_obj, bool(bias), objective or Objective())
        if max_parameters is not None and net.parameter_count > max_parameters:
            raise InputError(
                f"network with {net.parameter_count} parameters is larger than the limit "
                f"{max_parameters}"
            )
        return net

    # -- sizes and names ---------------------------------------------------------------
    @property
    def depth(self) -> int:
        """``L``, the number of layers after the input."""
        return len(self.sizes) - 1

    @property
    def parameter_count(self) -> int:
        """The number of weights and biases."""
        return sum(
            self.sizes[l] * (self.sizes[l - 1] + int(self.bias)) for l in range(1, self.depth + 1)
        )

    def __repr__(self) -> str:
        """Short, for a REPL or a notebook (the fields in full would print every activation's
        expressions and the loss's).

        >>> Network.build([2, 3, 2, 1])
        <Network 2-3-2-1, activations f_1,f_2,f_3, loss half_sse, no biases>
        """
        sample = "" if self.sample is None else f", sample {self.sample}"
        return f"<Network {self.describe()}{sample}>"

    def describe(self) -> str:
        """A one-line description, e.g. ``2-3-2-1, activations f_1,f_2,f_3, loss half_sse``."""
        acts = ",".join(a.name for a in self.activations)
        more = self.objective.describe()
        return (
            f"{'-'.join(map(str, self.sizes))}, activations {acts}, loss {self.loss.name}, "
            f"{'with' if self.bias else 'no'} biases" + (f", {more}" if more else "")
        )

    @property
    def is_generic(self) -> bool:
        """Whether any layer has a generic (undefined) activation."""
        return any(a.is_generic for a in self.activations)

    def with_activations(self, activations: Sequence[Activation]) -> Network:
        """The same network with other activations (one per layer)."""
        return Network(self.sizes, tuple(activations), self.loss, self.bias, self.objective)

    def with_sizes(self, sizes: Sequence[int]) -> Network:
        """The same network with other widths (activations, loss, biases, objective kept)."""
        return Network(tuple(sizes), self.activations, self.loss, self.bias, self.objective)

    def with_objective(self, objective: Objective) -> Network:
        """The same network with another batch, reduction or penalty."""
        return Network(self.sizes, self.activations, self.loss, self.bias, objective)

    # -- symbols -----------------------------------------------------------------------
    @cached_property
    def eta(self) -> sp.Symbol:
        """The learning rate ``eta``."""
        return sp.Symbol("eta", positive=True)

    def x(self, i: int) -> sp.Symbol:
        """Input ``x_i`` (1-based; ``x{s}_{i}`` on the view of sample ``s``)."""
        self._suffix("an input")
        return _real(f"x_{i}" if self.sample is None else f"x{self.sample}_{i}")

    def t(self, j: int) -> sp.Symbol:
        """Target ``t_j`` (1-based; ``t{s}_{j}`` on the view of sample ``s``)."""
        self._suffix("a target")
        return _real(f"t_{j}" if self.sample is None else f"t{self.sample}_{j}")

    def w(self, l: int, j: int, i: int) -> sp.Symbol:
        """Weight ``w{l}_{j}_{i}`` into neuron ``j`` of layer ``l`` from neuron ``i``."""
        return _real(f"w{l}_{j}_{i}")

    def b(self, l: int, j: int) -> sp.Symbol:
        """Bias ``b{l}_{j}``."""
        return _real(f"b{l}_{j}")

    def e(self, l: int, j: int) -> sp.Symbol:
        """The net-input atom ``e{l}_{j}`` (a symbol standing for ``e^l_j``; ``e{l}_{j}@{s}``
        on the view of sample ``s``)."""
        return _real(f"e{l}_{j}{self._suffix('a net input')}")

    def neurons(self, l: int) -> range:
        """``1..n_l`` (concrete networks only: a recipe sums with :meth:`sum`)."""
        return range(1, self.sizes[l] + 1)

    def width(self, l: int) -> int:
        """``n_l``, the number of neurons of layer ``l``."""
        return self.sizes[l]

    def activation(self, l: int) -> Activation:
        """The activation of layer ``l`` (``1..L``)."""
        return self.activations[l - 1]

    def sum(self, l: int, body: Callable[[int], sp.Expr]) -> sp.Expr:
        """``sum_{k=1}^{n_l} body(k)``: the one way recipes sum over a layer's neurons, so that
        the same recipe also runs on a network with symbolic widths (a general proof)."""
        return sp.Add(*(body(k) for k in self.neurons(l)))

    def logsumexp(self, l: int, body: Callable[[int], sp.Expr]) -> sp.Expr:
        """``log sum_{k=1}^{n_l} exp(body(k))`` as one :class:`~symbolic_bp.model.softmax.
        LogSumExp` atom."""
        return LogSumExp(*(body(k) for k in self.neurons(l)))

    def y(self, l: int, j: int) -> sp.Expr:
        """The output ``y^l_j``: ``x_j`` for ``l = 0``, else ``f_l(e{l}_{j})`` (for softmax
        ``exp(e{l}_{j} - LSE(e{l}_1, ...))``)."""
        if l == 0:
            return self.x(j)
        return self.activations[l - 1].output(self, l, j)

    def neuron_of(self, atom: sp.Expr) -> tuple[int, int] | None:
        """``(l, j)`` when ``atom`` is this network's (this sample's) net input ``e{l}_{j}``."""
        m = _NET_INPUT_RE.match(getattr(atom, "name", ""))
        if m is None or self.batched:
            return None
        l, j = int(m.group(1)), int(m.group(2))
        if 1 <= l <= self.depth and 1 <= j <= self.sizes[l] and atom == self.e(l, j):
            return l, j
        return None

    def fprime(self, l: int, j: int) -> sp.Expr:
        """``f_l'(e^l_j) = dy^l_j/de^l_j``, by the activation's own derivative."""
        return self.activations[l - 1].partial(self, l, j)

    def backward(
        self, l: int, j: int, error: Callable[[int], sp.Expr], through_output: bool = False
    ) -> sp.Expr:
        """``sum_m error(m) dy^l_m/de^l_j``: ``error(j) f_l'(e^l_j)`` for an activation of one
        neuron, through the whole Jacobian for softmax (``through_output``: the derivative
        written through the outputs, ``g(y)``)."""
        return self.activations[l - 1].backward(self, l, j, error, through_output)

    def fprime_through_output(self, l: int, j: int) -> sp.Expr:
        """``g_l(y^l_j)``, the derivative written through the neuron's output (sigmoid:
        ``y (1 - y)``); :class:`~symbolic_bp.errors.InputError` where the activation has none."""
        return self.activations[l - 1].derivative_from_output(self.y(l, j))

    def net_input(self, l: int, j: int) -> sp.Expr:
        """``e^l_j = sum_i w^l_{ji} y^{l-1}_i (+ b^l_j)`` in the atoms of layer ``l - 1``."""
        total = self.sum(l - 1, lambda i: self.w(l, j, i) * self.y(l - 1, i))
        return total + self.b(l, j) if self.bias else total

    def local_input(self, l: int, j: int, atom: sp.Symbol) -> sp.Expr:
        """The part of ``e^l_j`` that depends on ``atom`` (a weight or bias of neuron ``j`` of
        layer ``l``, or a net-input atom ``e{l-1}_{i}``): the one term of the sum that contains
        it, so that SymPy's derivative of it is ``de^l_j/d atom`` at the cost of one term.

        >>> net = Network.build([2, 2, 1], "generic")
        >>> net.local_input(2, 1, net.e(1, 2))
        w2_1_2*f_1(e1_2)
        """
        if atom == self.b(l, j):
            return atom if self.bias else sp.S.Zero
        name = atom.name
        where = self.neuron_of(atom)
        if name.startswith(f"w{l}_{j}_"):
            i = int(name.rsplit("_", 1)[1])
        elif where is not None and where[0] == l - 1:
            i = where[1]
        else:
            return sp.S.Zero
        return self.w(l, j, i) * self.y(l - 1, i)

    def loss_local(self) -> sp.Expr:
        """One sample's ``E`` in the output atoms ``e{L}_{j}`` and the targets."""
        L = self.depth
        return self.loss.total(
            [self.t(j) for j in self.neurons(L)], [self.y(L, j) for j in self.neurons(L)]
        )

    def dloss_dnet(self, j: int) -> sp.Expr:
        """``dE/de^L_j`` of one sample's loss, by SymPy differentiation (through every output
        that depends on ``e^L_j``: the whole layer for softmax)."""
        return sp.diff(self.loss_local(), self.e(self.depth, j))

    def layer_parameter_names(self, l: int) -> list[str]:
        """Names of the parameters of layer ``l`` by neuron, each neuron's bias after its
        weights (cached: large networks have hundreds of thousands)."""
        key = ("names", l)
        if key not in self._cache:
            out: list[str] = []
            for j in self.neurons(l):
                out.extend(f"w{l}_{j}_{i}" for i in self.neurons(l - 1))
                if self.bias:
                    out.append(f"b{l}_{j}")
            self._cache[key] = out
        return list(self._cache[key])

    def layer_parameters(self, l: int) -> list[sp.Symbol]:
        """The weights of layer ``l`` by neuron, each neuron's bias after its weights."""
        key = ("symbols", l)
        if key not in self._cache:
            self._cache[key] = [_real(n) for n in self.layer_parameter_names(l)]
        return list(self._cache[key])

    def parameters(self) -> list[sp.Symbol]:
        """Every parameter, layer by layer (the order of reports and JSON)."""
        return [p for l in range(1, self.depth + 1) for p in self.layer_parameters(l)]

    def parameter_names(self) -> list[str]:
        """Names of :meth:`parameters`, e.g. ``w2_1_3``."""
        return [n for l in range(1, self.depth + 1) for n in self.layer_parameter_names(l)]

    def locate(self, name: str) -> tuple[int, int, int | None]:
        """``(l, j, i)`` of a weight name or ``(l, j, None)`` of a bias name.

        >>> Network.build([2, 3, 1]).locate("w2_1_3")
        (2, 1, 3)
        """
        m = _PARAM_RE.match(name)
        if m is None:
            raise InputError(f"{name!r} is not a parameter name such as w2_1_3 or b1_2")
        if m.group(1) is not None:
            l, j, i = (int(g) for g in m.group(1, 2, 3))
            ok = 1 <= l <= self.depth and 1 <= j <= self.sizes[l] and 1 <= i <= self.sizes[l - 1]
            if ok:
                return l, j, i
        else:
            l, j = int(m.group(4)), int(m.group(5))
            if self.bias and 1 <= l <= self.depth and 1 <= j <= self.sizes[l]:
                return l, j, None
        raise InputError(f"parameter {name!r} does not exist in the network {self.describe()}")

    def symbols_of_point(self) -> list[sp.Symbol]:
        """Inputs and targets (of every sample), parameters, ``eta`` and a symbolic L2
        coefficient: the variables of a full expression."""
        out: list[sp.Symbol] = []
        for v in self.views():
            out += [v.x(i) for i in self.neurons(0)]
            out += [v.t(j) for j in self.neurons(self.depth)]
        out += [*self.parameters(), self.eta]
        if isinstance(self.objective.l2, sp.Symbol):
            out.append(self.objective.l2)
        return out

    # -- expansion ---------------------------------------------------------------------
    def forward_map(self) -> dict[sp.Symbol, sp.Expr]:
        """``{e{l}_{j}: e^l_j}`` fully expanded in inputs and parameters, for every sample
        (cached)."""
        if "forward" not in self._cache:
            mapping: dict[sp.Symbol, sp.Expr] = {}
            for v in self.views():
                for l in range(1, self.depth + 1):
                    for j in self.neurons(l):
                        mapping[v.e(l, j)] = v.net_input(l, j).xreplace(mapping)
            self._cache["forward"] = mapping
        return self._cache["forward"]

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Substitute the forward pass: ``expr`` in inputs, targets and parameters alone."""
        mapping = self.forward_map()
        # atoms of a layer are expanded in terms of the input, so one xreplace suffices
        return expr.xreplace(mapping)

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every opaque activation application (``sigmoid(e1_1)``,
        ``sigmoid'(e1_1)``) written out as its explicit expression."""
        for act in dict.fromkeys(self.activations):
            expr = act.unfold(expr)
        return expr

    def expanded_loss(self) -> sp.Expr:
        """``E`` (the objective's: batch and penalty) as one expression in inputs, targets and
        parameters."""
        return self.expand(self.objective_loss())
