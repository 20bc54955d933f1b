r"""Derivation: a network and a convention give the convention's rules.

- :func:`derive`: per neuron, on a concrete :class:`~symbolic_bp.model.network.Network`
  (:class:`UpdateRules`). The signal of neuron ``j`` of layer ``l`` is a named symbol (``d2_1``)
  defined by an expression in the symbols of layer ``l + 1`` and local quantities, and every
  update is an expression in its own layer's signals. :meth:`UpdateRules.expanded` substitutes
  everything for the (exponentially larger) expression in inputs, targets and parameters alone.
  These per-neuron rules are what a recipe *means*: every fast path is checked against them.
- :func:`~symbolic_bp.derive.layers.layer_rules`, :func:`~symbolic_bp.derive.layers.general_rules`:
  one expression per layer (:mod:`symbolic_bp.derive.layers`).

:func:`loss_gradient` is the independent oracle: ``-eta dE/dp`` by :func:`sympy.diff` of the
whole expanded loss, with no recurrence at all.

>>> from symbolic_bp.model.network import Network
>>> net = Network.build([1, 1, 1])
>>> rules = derive(net, "delta")
>>> rules.signal(2, 1)
(d2_1, (t_1 - f_2(e2_1))*f_2'(e2_1))
>>> rules.updates[net.w(1, 1, 1)]
d1_1*eta*x_1
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sympy as sp

from ..conventions import (
    Convention,
    batch_scale,
    check_letter,
    get_convention,
    recipe_value,
    uses_parameter_hooks,
)
from ..conventions.base import by_neuron
from ..errors import InputError, SymbolicBPError
from ..model.network import Network

__all__ = ["UpdateRules", "derive", "loss_gradient", "signal_symbol", "recipe_errors"]


def signal_symbol(letter: str, l: int, j: int, sample: int | None = None) -> sp.Symbol:
    """The symbol of the signal of neuron ``j`` of layer ``l`` (``d2_1``; for sample ``s`` of a
    batch ``d2_1@s``)."""
    return sp.Symbol(f"{letter}{l}_{j}" + ("" if sample is None else f"@{sample}"), real=True)


@dataclass
class UpdateRules:
    """What a convention derives for a concrete network.

    **Fields:**

    - ``network``, ``convention``, ``letter`` (of the signal symbols).
    - ``signal_symbols[l]``: the symbols ``s^l_1..s^l_{n_l}`` of layer ``l`` (with a batch,
      those of sample 1, then of sample 2, ...: :meth:`signal` finds one).
    - ``signal_exprs[l]``: their definitions, in the symbols of layer ``l + 1``.
    - ``updates``: ``{parameter symbol: Delta parameter}`` in the signals of its own layer
      (every parameter, or those asked for with ``derive(..., parameters=...)``): with a batch
      the reduction of the samples' updates, plus the L2 penalty's part.
    """

    network: Network
    convention: Convention
    signal_symbols: dict[int, list[sp.Symbol]]
    signal_exprs: dict[int, list[sp.Expr]]
    updates: dict[sp.Symbol, sp.Expr]
    letter: str = "s"
    _full: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.network.sizes))
        return f"<UpdateRules {self.convention.name} on {sizes}: {len(self.updates)} updates>"

    # rich display in Jupyter (the renderer is imported on first use, as SymPy does)
    def _repr_html_(self) -> str:
        from ..render.derivation import derivation

        return derivation(self.network, self.convention).mathml()

    def _repr_markdown_(self) -> str:
        from ..render.derivation import derivation

        return derivation(self.network, self.convention).markdown()

    def _repr_latex_(self) -> str:
        from ..render.notation import latex

        rows = [
            f"{latex(s)} &= {latex(e)}"
            for l in sorted(self.signal_symbols, reverse=True)
            for s, e in zip(self.signal_symbols[l], self.signal_exprs[l], strict=True)
        ]
        return "$$\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}$$"

    def signal(self, l: int, j: int, sample: int = 1) -> tuple[sp.Symbol, sp.Expr]:
        """``(symbol, definition)`` of the signal of neuron ``j`` of layer ``l`` (of the
        given sample of a batch)."""
        at = (sample - 1) * self.network.sizes[l] + j - 1
        return self.signal_symbols[l][at], self.signal_exprs[l][at]

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
            for l in sorted(self.signal_symbols, reverse=True):
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
    network: Network,
    convention: str | Convention,
    *,
    letter: str | None = None,
    parameters: Iterable[str] | None = None,
) -> UpdateRules:
    """Derive ``convention``'s signals and updates for ``network``, layer by layer.

    **Arguments:** a :class:`~symbolic_bp.model.network.Network`, a convention (object or
    registered name), optionally the ``letter`` of the signal symbols (default: the
    convention's) and ``parameters``: names of the only updates wanted (the signals of their
    layers and of the layers above are derived, nothing below).

    **Returns:** :class:`UpdateRules`.

    **Raises:** :class:`~symbolic_bp.errors.InputError` when the recipe names a symbol the
    network does not have, gives no update for a parameter, or a signal count that is not the
    layer's width.
    """
    conv = get_convention(convention)
    letter = check_letter(conv.letter if letter is None else letter, conv.name)
    net = network
    wanted = _wanted(net, parameters)
    lowest = min(l for l, _ in wanted) if wanted else 1
    symbols: dict[int, list[sp.Symbol]] = {}
    exprs: dict[int, list[sp.Expr]] = {}
    parts: dict[sp.Symbol, list[sp.Expr]] = {}
    views = net.views()
    for l in range(net.depth, lowest - 1, -1):
        symbols[l], exprs[l] = [], []
        for index, v in enumerate(views):
            mine = [signal_symbol(letter, l, j, v.sample) for j in net.neurons(l)]
            symbols[l] += mine
            # this sample's signals of the layer above in neuron order (read as upstream[k])
            above = index * net.sizes[l + 1] if l < net.depth else 0
            upstream = None if l == net.depth else symbols[l + 1][above : above + net.sizes[l + 1]]
            with recipe_errors(conv, f"the signals of layer {l}"):
                got = [
                    recipe_value(e, conv, f"a signal of layer {l}")
                    for e in conv.layer_signals(v, l, upstream)
                ]
            if len(got) != net.sizes[l]:
                raise InputError(
                    f"convention {conv.name!r} gives {len(got)} signals for layer {l} of "
                    f"{net.sizes[l]} neurons"
                )
            exprs[l] += got
            with recipe_errors(conv, f"the updates of layer {l}"):
                for p, u in _layer_updates(v, conv, l, mine, wanted).items():
                    parts.setdefault(p, []).append(u)
    names = net.parameters() if wanted is None else list(wanted.values())
    missing = [p.name for p in names if p not in parts]
    if missing:
        raise InputError(
            f"convention {conv.name!r} gives no update for {', '.join(missing[:3])}"
            f"{' ...' if len(missing) > 3 else ''}"
        )
    ordered = {p: _reduced(net, conv, p, parts[p]) for p in names}
    _check_symbols(net, conv, symbols, exprs, ordered)
    return UpdateRules(net, conv, symbols, exprs, ordered, letter)


def _reduced(net: Network, conv: Convention, p: sp.Symbol, parts: list[sp.Expr]) -> sp.Expr:
    """The objective's update of ``p``: the reduction of the samples' updates plus the L2
    penalty's part (the one sample's own update when there is neither)."""
    if len(parts) != net.objective.batch:
        raise InputError(f"convention {conv.name!r} gives no update for {p.name} in every sample")
    scale = batch_scale(conv, net.objective)
    total = scale * sp.Add(*(recipe_value(u, conv, f"the update of {p.name}") for u in parts))
    if net.objective.l2 == 0:
        return total
    what = f"the penalty's part of the update of {p.name}"
    with recipe_errors(conv, what):
        penalty = conv.penalty_update(net, p)
    return total + recipe_value(penalty, conv, what)


@contextlib.contextmanager
def recipe_errors(conv: Convention, what: str) -> Iterator[None]:
    """An exception raised by a recipe's own code, as a one-line error naming the recipe (a
    recipe that fails on this network defines no rule to prove)."""
    try:
        yield
    except SymbolicBPError:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's code may raise anything
        # SystemExit too: sys.exit("...") in a hook must not end the command with exit code 1
        text = " ".join(str(exc).split()) or "(no message)"
        raise InputError(
            f"convention {conv.name!r} raised {type(exc).__name__} while deriving {what}: {text}"
        ) from None


def _wanted(net: Network, names: Iterable[str] | None) -> dict[tuple[int, str], sp.Symbol] | None:
    if names is None:
        return None
    out: dict[tuple[int, str], sp.Symbol] = {}
    for name in names:
        l, j, i = net.locate(name)
        out[(l, name)] = net.w(l, j, i) if i is not None else net.b(l, j)
    return out


def _layer_updates(
    net: Network,
    conv: Convention,
    l: int,
    signals: list[sp.Symbol],
    wanted: dict[tuple[int, str], sp.Symbol] | None,
) -> dict[sp.Symbol, sp.Expr]:
    """Layer ``l``'s updates: all of them, or only the wanted ones when the recipe computes
    each parameter's update on its own (so one of 100,000 costs one expression)."""
    if wanted is None:
        return conv.layer_updates(net, l, signals)
    mine = [name for (layer, name) in wanted if layer == l]
    if not mine:
        return {}
    if not uses_parameter_hooks(conv):
        return conv.layer_updates(net, l, signals)
    out: dict[sp.Symbol, sp.Expr] = {}
    layer = by_neuron(signals)
    for name in mine:
        _l, j, i = net.locate(name)
        factor = conv.update_factor(net, l, j, layer)
        if i is None:
            out[net.b(l, j)] = conv.bias_update(net, l, j, factor)
        else:
            out[net.w(l, j, i)] = conv.weight_update(net, l, j, i, factor)
    return out


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
    memo: dict[sp.Basic, bool] = {}
    for l in sorted(symbols, reverse=True):
        allowed = set(symbols.get(l + 1, ()))
        for expr in exprs[l]:
            _require_known(net, expr, allowed, conv, f"a signal of layer {l}", memo)
    own = {l: set(s) for l, s in symbols.items()}
    for p, expr in updates.items():
        l = net.locate(p.name)[0]
        _require_known(net, expr, own[l], conv, f"the update of {p.name}", memo)


_NAME = re.compile(r"^(?:x(\d*)_(\d+)|t(\d*)_(\d+)|e(\d+)_(\d+)(?:@(\d+))?|eta)$")


def _is_network_symbol(net: Network, s: sp.Basic) -> bool:
    """Whether ``s`` is one of the network's own symbols (the same SymPy symbol, by name and
    assumptions): an input, a target, a parameter, ``eta`` or a net input."""
    if not isinstance(s, sp.Symbol):
        return False
    if s == net.objective.l2:
        return True
    m = _NAME.match(s.name)
    if m is None:
        try:
            l, j, i = net.locate(s.name)
        except InputError:
            return False
        return s == (net.w(l, j, i) if i is not None else net.b(l, j))
    xs, x, ts, t, el, ej, es = m.groups()
    if x is None and t is None and el is None:
        return s == net.eta
    sample = xs or ts or es or None
    if (sample is None) != (net.objective.batch == 1):
        return False  # a batch's quantities belong to a sample; without one, to no sample
    if sample is not None and not 1 <= int(sample) <= net.objective.batch:
        return False
    v = net.view(int(sample)) if sample is not None else net
    if x is not None:
        return 1 <= int(x) <= net.sizes[0] and s == v.x(int(x))
    if t is not None:
        return 1 <= int(t) <= net.sizes[-1] and s == v.t(int(t))
    l, j = int(el), int(ej)
    return 1 <= l <= net.depth and 1 <= j <= net.sizes[l] and s == v.e(l, j)


def _require_known(
    net: Network, expr: sp.Expr, signals: set, conv: Convention, where: str, memo: dict
) -> None:
    extra = set()
    for s in expr.free_symbols:
        if s in signals:
            continue
        if s not in memo:
            memo[s] = _is_network_symbol(net, s)
        if not memo[s]:
            extra.add(s)
    extra |= expr.atoms(sp.Indexed, sp.MatrixSymbol)
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        raise InputError(
            f"convention {conv.name!r}: {where} uses {names}, which the network does not have "
            "at that point (check the indices of the recipe)"
        )


def loss_gradient(network: Network) -> dict[sp.Symbol, sp.Expr]:
    """The oracle: ``{p: -eta * dE/dp}`` by :func:`sympy.diff` of the expanded loss.

    Independent of every convention (no recurrence, no signal). Cost grows with the size of the
    expanded loss, so keep it to small networks.

    >>> from symbolic_bp.model.network import Network
    >>> net = Network.build([1, 1], "identity")
    >>> loss_gradient(net)
    {w1_1_1: eta*x_1*(t_1 - w1_1_1*x_1)}
    """
    loss = network.expanded_loss()
    return {p: -network.eta * sp.diff(loss, p) for p in network.parameters()}
