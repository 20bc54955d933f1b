r"""Backpropagation conventions: one object per recipe, and a registry by name.

A convention says how to compute, layer by layer from the output down,

- the *output signal* of neuron ``j`` of the output layer ``L``,
- the *signal sent back* to neuron ``j`` of layer ``l`` from the signals of layer ``l + 1``,
- the *update* ``Delta p`` of every weight and bias of layer ``l`` from the signals of layer ``l``.

Signals of layer ``l + 1`` reach a convention as symbols (``d3_1``, ``r2_2``, ...); the
derivation engine (:mod:`symbolic_bp.derive`) never names a convention, and a convention never
names an activation: it asks the network for ``f_l'(e^l_j)`` or ``g(y^l_j)``.

Built in (formulas in ``docs/conventions.md``): ``gradient`` (ground truth, by SymPy
differentiation), ``delta`` (Machine Learning Mastery), ``error_at_update`` (AGH Krakow, literally),
``error_at_update_consistent``, ``output_derivative`` (``f'(e)`` written through the output),
``matrix`` (vectorised), ``inplace`` (upper weights updated before the deltas are sent back, a
common bug), and the sign variants ``delta_flipped`` and ``error_at_update_flipped``
("error = output - target" with ``w -= ...``).

Define your own by subclassing and registering it:

>>> class Halved(Delta):
...     '''A (wrong) textbook recipe: halves the signal sent back.'''
...     name = "halved"
...     def hidden_signal(self, net, l, j, upstream):
...         return super().hidden_signal(net, l, j, upstream) / 2
>>> _ = register(Halved(), replace=True)
>>> get_convention("halved").name
'halved'
>>> _ = unregister("halved")
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from .algebra import is_zero
from .errors import InputError
from .network import Network

__all__ = [
    "Convention",
    "Gradient",
    "Delta",
    "ErrorAtUpdate",
    "ErrorAtUpdateConsistent",
    "OutputDerivative",
    "Matrix",
    "InPlace",
    "FlippedSign",
    "CONVENTIONS",
    "register",
    "unregister",
    "get_convention",
]


class Convention:
    """Base class of a backpropagation recipe.

    Subclasses set ``name``, ``letter`` (the signal's letter: ``d``, ``r``, ...) and
    ``description`` and override :meth:`output_signal`, :meth:`hidden_signal` and
    :meth:`update` (or :meth:`weight_update` and :meth:`bias_update`), or the two per-layer
    methods for a recipe written with matrices. ``upstream`` maps ``k = 1..n_{l+1}`` to the
    symbol of the signal of neuron ``k`` of layer ``l + 1``.
    """

    name: str = "convention"
    letter: str = "s"
    description: str = ""
    #: the recipe treats every neuron of a layer alike (no branching on ``j``), so the prover
    #: may compare one symbolic neuron per layer; read from the class's own body only (a
    #: subclass that changes the recipe must declare it again)
    uniform: bool = False

    # -- per-neuron recipe ---------------------------------------------------------------
    def output_signal(self, net: Network, j: int) -> sp.Expr:
        """The signal of output neuron ``j``."""
        raise self._missing("output_signal")

    def hidden_signal(
        self, net: Network, l: int, j: int, upstream: Mapping[int, sp.Symbol]
    ) -> sp.Expr:
        """The signal of neuron ``j`` of hidden layer ``l`` from ``upstream`` (layer ``l+1``)."""
        raise self._missing("hidden_signal")

    def update(self, net: Network, l: int, j: int, inp: sp.Expr, signal: sp.Expr) -> sp.Expr:
        """The update of a parameter of neuron ``j`` of layer ``l`` whose input is ``inp``
        (``y^{l-1}_i`` for a weight, 1 for a bias), given the neuron's signal."""
        raise self._missing("update")

    def weight_update(self, net: Network, l: int, j: int, i: int, signal: sp.Expr) -> sp.Expr:
        """``Delta w^l_{ji}``: by default :meth:`update` with input ``y^{l-1}_i``."""
        return self.update(net, l, j, net.y(l - 1, i), signal)

    def bias_update(self, net: Network, l: int, j: int, signal: sp.Expr) -> sp.Expr:
        """``Delta b^l_j``: by default :meth:`update` with a constant input 1."""
        return self.update(net, l, j, sp.S.One, signal)

    # -- per-layer recipe (override for matrix forms) -------------------------------------
    def layer_signals(
        self, net: Network, l: int, upstream: Sequence[sp.Symbol] | Mapping[int, sp.Expr] | None
    ) -> list[sp.Expr]:
        """Signals of every neuron of layer ``l``; ``upstream`` is ``None`` at the output."""
        if upstream is None:
            return [self.output_signal(net, j) for j in net.neurons(l)]
        up = upstream if isinstance(upstream, Mapping) else dict(enumerate(upstream, start=1))
        return [self.hidden_signal(net, l, j, up) for j in net.neurons(l)]

    def layer_updates(
        self, net: Network, l: int, signals: Sequence[sp.Symbol]
    ) -> dict[sp.Symbol, sp.Expr]:
        """``{parameter: Delta parameter}`` for layer ``l`` (``signals`` in neuron order)."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for j, s in zip(net.neurons(l), signals, strict=True):
            for i in net.neurons(l - 1):
                out[net.w(l, j, i)] = self.weight_update(net, l, j, i, s)
            if net.bias:
                out[net.b(l, j)] = self.bias_update(net, l, j, s)
        return out

    def _missing(self, hook: str) -> NotImplementedError:
        """The error for a hook a recipe must define (this class is a base, not a recipe)."""
        return NotImplementedError(
            f"convention {self.name!r} does not define {hook}(); a recipe overrides "
            "output_signal, hidden_signal and update (or layer_signals and layer_updates)"
        )

    def __repr__(self) -> str:
        return f"<convention {self.name}>"


def second_letter(a: Convention, b: Convention) -> str:
    """The signal letter of ``b`` next to ``a``: primed when both use the same one (``d`` and
    ``d'``), so that their signal symbols do not clash."""
    return f"{b.letter}'" if b.letter == a.letter else b.letter


def minus_dloss_doutput(net: Network, j: int) -> sp.Expr:
    r"""``-dE/dy^L_j``, by SymPy differentiation of the loss in a plain output symbol."""
    y = sp.Dummy("y", real=True)
    # the loss is a sum of per-output terms: only output j's term depends on y^L_j
    term = net.loss.term(net.t(j), y)
    return (-sp.diff(term, y)).xreplace({y: net.y(net.depth, j)})


def minus_dloss_dnet(net: Network, j: int) -> sp.Expr:
    r"""``-dE/de^L_j``, by SymPy differentiation of the loss in the output atom, then tidied
    locally (so that cross-entropy with a sigmoid output comes out as ``t - y``)."""
    return tidy_output_signal(net, j, -sp.diff(net.loss_local(), net.e(net.depth, j)))


def tidy_output_signal(net: Network, j: int, raw: sp.Expr) -> sp.Expr:
    """The shortest exact form of an expression of output neuron ``j`` alone (its net input
    and target): tidied on the explicit form, then folded back into the opaque activation,
    and checked equal to ``raw`` exactly. Cross-entropy with a sigmoid output gives ``t - y``.

    The work is done once per expression shape: ``raw`` is written in two fixed symbols for
    the neuron's net input and target, and the tidy form of that template is cached (every
    output neuron of a layer has the same template)."""
    L = net.depth
    e, t = net.e(L, j), net.t(j)
    if not isinstance(net.activations, tuple):  # a general network: no cache
        return _tidy_neuron(raw, e, t, net.activations[L - 1], net.unfold)
    template = raw.xreplace({e: _NET, t: _TARGET})
    tidy = _tidy_template(template, net.activations)
    return tidy.xreplace({_NET: e, _TARGET: t})


_NET, _TARGET = sp.Symbol("__tidy_e", real=True), sp.Symbol("__tidy_t", real=True)


@functools.lru_cache(maxsize=1024)
def _tidy_template(raw: sp.Expr, activations: tuple) -> sp.Expr:
    def unfold(expr: sp.Expr) -> sp.Expr:
        for act in dict.fromkeys(activations):
            expr = act.unfold(expr)
        return expr

    return _tidy_neuron(raw, _NET, _TARGET, activations[-1], unfold)


def _tidy_neuron(
    raw: sp.Expr, e: sp.Expr, t: sp.Expr, act: Any, unfold: Callable[[sp.Expr], sp.Expr]
) -> sp.Expr:
    y, fprime = act(e), act.derivative(e)
    fold = {act.unfold(y): y, act.unfold(fprime): fprime}
    tidy = _tidy_output(unfold(raw), t, act.unfold(y)).xreplace(fold)
    if tidy.free_symbols <= raw.free_symbols | {e} and is_zero(unfold(tidy - raw)):
        return min(raw, tidy, key=lambda c: (sp.count_ops(c), sp.default_sort_key(c)))
    return raw


def _tidy_output(expr: sp.Expr, t: sp.Symbol, y: sp.Expr) -> sp.Expr:
    """The shortest of: ``expr``; its cancelled form; that form collected in the target ``t``
    with each coefficient written as a multiple of the output ``y`` where it is one. Every
    candidate is checked to equal ``expr`` exactly (one neuron: cheap; never ``simplify``)."""
    if sp.count_ops(expr) > 80:
        return expr
    try:
        cancelled = sp.cancel(expr)
        parts = sp.collect(sp.expand(cancelled), [t], evaluate=False)
    except sp.PolynomialError:
        return expr
    rebuilt = sp.S.Zero
    for key, coeff in parts.items():
        coeff = sp.cancel(coeff)
        if y != 0 and coeff != 0:
            q = sp.cancel(coeff / y)
            if q.is_number:
                coeff = q * y
        rebuilt += key * coeff
    candidates = [expr, sp.factor_terms(cancelled)]
    if is_zero(rebuilt - expr):
        candidates.append(rebuilt)
    return min(candidates, key=lambda c: (sp.count_ops(c), sp.default_sort_key(c)))


class Gradient(Convention):
    r"""Ground truth: ``Delta p = -eta dE/dp``.

    The signal ``G^l_j = dE/de^l_j`` is obtained by the chain rule over the network's graph,
    every factor a SymPy derivative of a local expression: ``dE/de^L_j`` of the loss,
    ``de^{l+1}_k/de^l_j`` and ``de^l_j/dp`` of the net input (of its one term that contains
    the variable, :meth:`~symbolic_bp.network.Network.local_input`, so each costs one term).
    It reuses no convention's formula; :func:`symbolic_bp.derive.loss_gradient` differentiates
    the whole expanded loss instead, and the prover checks the two agree on small networks.
    """

    name = "gradient"
    uniform = True  # every neuron of a layer alike (see Convention.uniform)
    letter = "G"
    description = "-eta dE/dp by SymPy differentiation (ground truth)"

    def output_signal(self, net: Network, j: int) -> sp.Expr:
        # dE/de^L_j by SymPy; the same local tidy as delta's (checked exact), so that e.g.
        # cross-entropy with a sigmoid output is y - t rather than a 0/0 at saturation
        return -minus_dloss_dnet(net, j)

    def hidden_signal(
        self, net: Network, l: int, j: int, upstream: Mapping[int, sp.Symbol]
    ) -> sp.Expr:
        e = net.e(l, j)
        return net.sum(l + 1, lambda k: upstream[k] * sp.diff(net.local_input(l + 1, k, e), e))

    def weight_update(self, net: Network, l: int, j: int, i: int, signal: sp.Expr) -> sp.Expr:
        w = net.w(l, j, i)
        return -net.eta * signal * sp.diff(net.local_input(l, j, w), w)

    def bias_update(self, net: Network, l: int, j: int, signal: sp.Expr) -> sp.Expr:
        b = net.b(l, j)
        return -net.eta * signal * sp.diff(net.local_input(l, j, b), b)


class Delta(Convention):
    r"""Deltas that contain the derivative (Machine Learning Mastery; Rumelhart et al. 1986).

    .. math:: d^L_j = -\partial E/\partial e^L_j,\quad
              d^l_j = \Big(\sum_k w^{l+1}_{kj} d^{l+1}_k\Big) f_l'(e^l_j),\quad
              \Delta w^l_{ji} = \eta\, d^l_j\, y^{l-1}_i
    """

    name = "delta"
    uniform = True  # every neuron of a layer alike (see Convention.uniform)
    letter = "d"
    description = "propagate deltas d = error * f'(e); w += eta * d * input (MLM)"

    def derivative(self, net: Network, l: int, j: int) -> sp.Expr:
        """``f_l'(e^l_j)`` as this recipe writes it."""
        return net.fprime(l, j)

    def output_signal(self, net: Network, j: int) -> sp.Expr:
        return minus_dloss_dnet(net, j)

    def hidden_signal(
        self, net: Network, l: int, j: int, upstream: Mapping[int, sp.Symbol]
    ) -> sp.Expr:
        error = net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k])
        return error * self.derivative(net, l, j)

    def update(self, net: Network, l: int, j: int, inp: sp.Expr, signal: sp.Expr) -> sp.Expr:
        return net.eta * signal * inp


class OutputDerivative(Delta):
    r"""``delta`` with the derivative written through the neuron's output, ``g(y)`` with
    ``g(f(e)) = f'(e)`` (sigmoid ``y(1-y)``, tanh ``1-y^2``): the Machine Learning Mastery code's
    ``transfer_derivative(output)``. Needs an activation that has such a ``g``."""

    name = "output_derivative"
    uniform = True  # every neuron of a layer alike (see Convention.uniform)
    description = "delta with f'(e) written through the output, e.g. y(1-y)"

    def derivative(self, net: Network, l: int, j: int) -> sp.Expr:
        act = net.activations[l - 1]
        if act.output_derivative_expr is None:
            raise InputError(
                f"convention {self.name!r} writes f'(e) through the output, but layer {l}'s "
                f"activation {act.name!r} has no such form; use --activation sigmoid, tanh, "
                "relu, leaky_relu, identity or softplus"
            )
        return act.derivative_from_output(net.y(l, j))

    def output_signal(self, net: Network, j: int) -> sp.Expr:
        return minus_dloss_doutput(net, j) * self.derivative(net, net.depth, j)


class ErrorAtUpdate(Convention):
    r"""Raw errors sent back; the derivative only at the update (the AGH tutorial, literally).

    .. math:: r^L_j = -\partial E/\partial y^L_j,\quad
              r^l_j = \sum_k w^{l+1}_{kj} r^{l+1}_k,\quad
              \Delta w^l_{ji} = \eta\, r^l_j f_l'(e^l_j)\, y^{l-1}_i
    """

    name = "error_at_update"
    uniform = True  # every neuron of a layer alike (see Convention.uniform)
    letter = "r"
    description = "propagate raw errors; w += eta * r * f'(e) * input (AGH)"

    def output_signal(self, net: Network, j: int) -> sp.Expr:
        return minus_dloss_doutput(net, j)

    def hidden_signal(
        self, net: Network, l: int, j: int, upstream: Mapping[int, sp.Symbol]
    ) -> sp.Expr:
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k])

    def update(self, net: Network, l: int, j: int, inp: sp.Expr, signal: sp.Expr) -> sp.Expr:
        return net.eta * signal * net.fprime(l, j) * inp


class ErrorAtUpdateConsistent(ErrorAtUpdate):
    r"""``error_at_update`` with the upper layer's derivative applied on the way back:
    ``r^l_j = sum_k w^{l+1}_{kj} r^{l+1}_k f_{l+1}'(e^{l+1}_k)``."""

    name = "error_at_update_consistent"
    uniform = True  # every neuron of a layer alike (see Convention.uniform)
    description = "as error_at_update, but errors sent back carry the upper layer's f'(e)"

    def hidden_signal(
        self, net: Network, l: int, j: int, upstream: Mapping[int, sp.Symbol]
    ) -> sp.Expr:
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k] * net.fprime(l + 1, k))


class Matrix(Convention):
    r"""The vectorised recipe, written with SymPy matrices:

    .. math:: D^L = -\partial E/\partial y^L \odot f_L'(e^L),\quad
              D^l = (W^{l+1})^T D^{l+1} \odot f_l'(e^l),\quad
              \Delta W^l = \eta\, D^l (y^{l-1})^T,\quad \Delta b^l = \eta\, D^l
    """

    name = "matrix"
    uniform = True  # every neuron of a layer alike (see Convention.uniform)
    letter = "D"
    description = "vectorised: D = (W^T D) * f'(e); dW = eta * D y^T"

    @staticmethod
    def _column(values: Sequence[sp.Expr]) -> sp.Matrix:
        return sp.Matrix(len(values), 1, list(values))

    def layer_signals(
        self, net: Network, l: int, upstream: Sequence[sp.Symbol] | Mapping[int, sp.Expr] | None
    ) -> list[sp.Expr]:
        if upstream is None:
            grad_y = self._column([minus_dloss_doutput(net, j) for j in net.neurons(l)])
            fprime = self._column([net.fprime(l, j) for j in net.neurons(l)])
            return list(grad_y.multiply_elementwise(fprime))
        up = upstream if isinstance(upstream, Mapping) else dict(enumerate(upstream, start=1))
        back = net.weight_matrix(l + 1).T * net.signal_vector(up, l + 1)
        # entry j of (W^T D) (.) f'(e^l); with symbolic widths the product is a symbolic sum
        return [back[j - 1, 0] * net.fprime(l, j) for j in net.neurons(l)]

    def layer_updates(
        self, net: Network, l: int, signals: Sequence[sp.Symbol]
    ) -> dict[sp.Symbol, sp.Expr]:
        D = self._column(signals)
        y_prev = self._column([net.y(l - 1, i) for i in net.neurons(l - 1)])
        dW = net.eta * D * y_prev.T
        out: dict[sp.Symbol, sp.Expr] = {}
        for row, j in enumerate(net.neurons(l)):
            for col, i in enumerate(net.neurons(l - 1)):
                out[net.w(l, j, i)] = dW[row, col]
            if net.bias:
                out[net.b(l, j)] = net.eta * D[row]
        return out


class InPlace(Delta):
    r"""A common bug: layer ``l + 1``'s weights are updated *before* its deltas are sent back,
    ``d^l_j = (sum_k (w^{l+1}_{kj} + Delta w^{l+1}_{kj}) d^{l+1}_k) f_l'(e^l_j)``."""

    name = "inplace"
    uniform = True  # every neuron of a layer alike (see Convention.uniform)
    description = "delta, but upper weights are updated before the deltas are sent back (bug)"

    def hidden_signal(
        self, net: Network, l: int, j: int, upstream: Mapping[int, sp.Symbol]
    ) -> sp.Expr:
        def term(k: int) -> sp.Expr:
            updated = net.w(l + 1, k, j) + self.weight_update(net, l + 1, k, j, upstream[k])
            return updated * upstream[k]

        return net.sum(l + 1, term) * self.derivative(net, l, j)


class FlippedSign(Convention):
    """The sign variant of a recipe: ``error = output - target`` (every signal negated) and
    ``w -= ...`` (every update negated). Its hidden recurrence is the base recipe's."""

    def __init__(self, base: Convention, name: str | None = None) -> None:
        self.base = base
        self.name = name or f"{base.name}_flipped"
        self.letter = base.letter
        self.description = f"{base.name} with error = output - target and w -= ..."

    def layer_signals(
        self, net: Network, l: int, upstream: Sequence[sp.Symbol] | Mapping[int, sp.Expr] | None
    ) -> list[sp.Expr]:
        signals = self.base.layer_signals(net, l, upstream)
        return [-s for s in signals] if upstream is None else signals

    def layer_updates(
        self, net: Network, l: int, signals: Sequence[sp.Symbol]
    ) -> dict[sp.Symbol, sp.Expr]:
        return {p: -u for p, u in self.base.layer_updates(net, l, signals).items()}


CONVENTIONS: dict[str, Convention] = {}


def register(convention: Convention, *, replace: bool = False) -> Convention:
    """Add ``convention`` to the registry under ``convention.name`` and return it.

    **Raises:** :class:`InputError` if the name is taken (unless ``replace``) or malformed.
    """
    name = convention.name
    if not name.isidentifier():
        raise InputError(f"convention name {name!r} must be an identifier such as my_book")
    if name in CONVENTIONS and not replace:
        raise InputError(f"convention {name!r} is already registered (pass replace=True)")
    CONVENTIONS[name] = convention
    return convention


def unregister(name: str) -> Convention:
    """Remove and return the convention called ``name``."""
    return CONVENTIONS.pop(get_convention(name).name)


def get_convention(name: str | Convention) -> Convention:
    """The registered convention called ``name``; an unknown name lists the valid ones."""
    if isinstance(name, Convention):
        return name
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise InputError(f"unknown convention {name!r}; valid: {', '.join(CONVENTIONS)}") from None


for _c in (
    Gradient(),
    Delta(),
    ErrorAtUpdate(),
    ErrorAtUpdateConsistent(),
    OutputDerivative(),
    Matrix(),
    InPlace(),
    FlippedSign(Delta()),
    FlippedSign(ErrorAtUpdate()),
):
    register(_c)
