r"""Derivation: a network and a convention give :class:`UpdateRules`.

The rules are *structured*: the signal of neuron ``j`` of layer ``l`` is a named symbol
(``d2_1``) defined by an expression in the symbols of layer ``l + 1`` and local quantities, and
every update is an expression in its own layer's signals. This keeps each expression as small as
one neuron's recipe; :meth:`UpdateRules.expanded` substitutes everything for the (exponentially
larger) expression in inputs, targets and parameters alone.

:func:`loss_gradient` is the independent oracle: ``-eta dE/dp`` by :func:`sympy.diff` of the
whole expanded loss, with no recurrence at all.

>>> from symbolic_bp.network import Network
>>> net = Network.build([1, 1, 1])
>>> rules = derive(net, "delta")
>>> rules.signal(2, 1)
(d2_1, (t_1 - f_2(e2_1))*f_2'(e2_1))
>>> rules.updates[net.w(1, 1, 1)]
d1_1*eta*x_1
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .conventions import Convention, get_convention
from .errors import InputError
from .network import Network

__all__ = ["UpdateRules", "derive", "loss_gradient"]


@dataclass
class UpdateRules:
    """What a convention derives for a network.

    **Fields:**

    - ``network``, ``convention``.
    - ``signal_symbols[l]``: the symbols ``s^l_1..s^l_{n_l}`` of layer ``l``.
    - ``signal_exprs[l]``: their definitions, in the symbols of layer ``l + 1``.
    - ``updates``: ``{parameter symbol: Delta parameter}`` in the signals of its own layer.
    """

    network: Network
    convention: Convention
    signal_symbols: dict[int, list[sp.Symbol]]
    signal_exprs: dict[int, list[sp.Expr]]
    updates: dict[sp.Symbol, sp.Expr]
    _full: dict = field(default_factory=dict, repr=False)

    # rich display in Jupyter: the derivation, one row per layer
    def _repr_html_(self) -> str:
        from .render.derivation import derivation

        return derivation(self.network, self.convention).mathml()

    def _repr_markdown_(self) -> str:
        from .render.derivation import derivation

        return derivation(self.network, self.convention).markdown()

    def _repr_latex_(self) -> str:
        from .render.notation import latex

        rows = [
            f"{latex(s)} &= {latex(e)}"
            for l in sorted(self.signal_symbols, reverse=True)
            for s, e in zip(self.signal_symbols[l], self.signal_exprs[l], strict=True)
        ]
        return "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$"

    def signal(self, l: int, j: int) -> tuple[sp.Symbol, sp.Expr]:
        """``(symbol, definition)`` of the signal of neuron ``j`` of layer ``l``."""
        return self.signal_symbols[l][j - 1], self.signal_exprs[l][j - 1]

    def update(self, name: str) -> sp.Expr:
        """The structured update of the parameter called ``name`` (e.g. ``"w2_1_3"``)."""
        l, j, i = self.network.locate(name)
        p = self.network.w(l, j, i) if i is not None else self.network.b(l, j)
        return self.updates[p]

    def signal_values(self) -> dict[sp.Symbol, sp.Expr]:
        """Every signal symbol mapped to its definition in local atoms only (no signal
        symbols left): substitution from the output layer down."""
        if "signals" not in self._full:
            values: dict[sp.Symbol, sp.Expr] = {}
            for l in range(self.network.depth, 0, -1):
                for s, expr in zip(self.signal_symbols[l], self.signal_exprs[l], strict=True):
                    values[s] = expr.xreplace(values)
            self._full["signals"] = values
        return self._full["signals"]

    def expanded(self, parameter: sp.Symbol) -> sp.Expr:
        """``Delta parameter`` as one expression in inputs, targets, parameters and ``eta``.

        Its size grows with the number of paths through the network: use it on small
        networks (tests, oracles), not as the prover's main road.
        """
        local = self.updates[parameter].xreplace(self.signal_values())
        return self.network.expand(local)


def derive(
    network: Network, convention: str | Convention, *, letter: str | None = None
) -> UpdateRules:
    """Derive ``convention``'s signals and updates for ``network``, layer by layer.

    **Arguments:** a :class:`~symbolic_bp.network.Network`, a convention (object or
    registered name) and optionally the ``letter`` of the signal symbols (default: the
    convention's). **Returns:** :class:`UpdateRules`.
    """
    conv = get_convention(convention)
    letter = conv.letter if letter is None else letter
    net = network
    symbols: dict[int, list[sp.Symbol]] = {}
    exprs: dict[int, list[sp.Expr]] = {}
    updates: dict[sp.Symbol, sp.Expr] = {}
    for l in range(net.depth, 0, -1):
        symbols[l] = [sp.Symbol(f"{letter}{l}_{j}", real=True) for j in net.neurons(l)]
        upstream = None if l == net.depth else symbols[l + 1]
        exprs[l] = [sp.sympify(e) for e in conv.layer_signals(net, l, upstream)]
        layer = conv.layer_updates(net, l, symbols[l])
        updates.update(layer)
    missing = [p.name for p in net.parameters() if p not in updates]
    if missing:
        raise InputError(
            f"convention {conv.name!r} gives no update for {', '.join(missing[:3])}"
            f"{' ...' if len(missing) > 3 else ''}"
        )
    ordered = {p: sp.sympify(updates[p]) for p in net.parameters()}
    _check_symbols(net, conv, symbols, exprs, ordered)
    return UpdateRules(net, conv, symbols, exprs, ordered)


def _check_symbols(
    net: Network,
    conv: Convention,
    symbols: dict[int, list[sp.Symbol]],
    exprs: dict[int, list[sp.Expr]],
    updates: dict[sp.Symbol, sp.Expr],
) -> None:
    """A rule may only use the network's own symbols: inputs, targets, parameters, ``eta``,
    net-input atoms of any layer, and the signals of the layer above (for a signal) or of its
    own layer (for an update). A recipe that names ``w3_2_1`` in a network without it is an
    error, not something to prove."""
    base = set(net.symbols_of_point())
    base.update(net.e(l, j) for l in range(1, net.depth + 1) for j in net.neurons(l))
    for l in range(net.depth, 0, -1):
        allowed = base | set(symbols.get(l + 1, ()))
        for expr in exprs[l]:
            _require_subset(expr, allowed, conv, f"a signal of layer {l}")
        own = base | set(symbols[l])
        for p in net.layer_parameters(l):
            _require_subset(updates[p], own, conv, f"the update of {p.name}")


def _require_subset(expr: sp.Expr, allowed: set, conv: Convention, where: str) -> None:
    extra = expr.free_symbols - allowed
    if extra:
        names = ", ".join(sorted(s.name for s in extra))
        raise InputError(
            f"convention {conv.name!r}: {where} uses {names}, which the network does not have "
            "at that point (check the indices of the recipe)"
        )


def loss_gradient(network: Network) -> dict[sp.Symbol, sp.Expr]:
    """The oracle: ``{p: -eta * dE/dp}`` by :func:`sympy.diff` of the expanded loss.

    Independent of every convention (no recurrence, no signal). Cost grows with the size of the
    expanded loss, so keep it to small networks.

    >>> from symbolic_bp.network import Network
    >>> net = Network.build([1, 1], "identity")
    >>> loss_gradient(net)
    {w1_1_1: eta*x_1*(t_1 - w1_1_1*x_1)}
    """
    loss = network.expanded_loss()
    return {p: -network.eta * sp.diff(loss, p) for p in network.parameters()}
