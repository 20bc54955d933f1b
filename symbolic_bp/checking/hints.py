r"""Two small facts a check report states, each proven before it is said.

- :func:`linear_in_eta`: every gradient update is ``eta`` times an expression free of ``eta``,
  so code that takes no learning rate (``code = (r/eta) x gradient``) *is* the gradient step
  with ``eta = r``;
- :func:`activation_hints`: when the code is not the gradient, nor any convention, of the
  network it was checked on: the networks with another built-in activation (all layers, or
  only the output layer) on which its updates are proven to be the gradient (up to a named
  constant). A learner whose forward pass uses ``tanh`` is told so instead of only "differs".
"""

from __future__ import annotations

from ..errors import InputError, option
from ..model.activations import get_activation
from ..model.network import Network
from ..proof.clock import Clock
from ..trace import Trace
from .atoms import NetworkField
from .compare import ConventionValues, compare, traced_values
from .report import factor_text
from .sparse import BITS, MAX_DEGREE

__all__ = ["linear_in_eta", "activation_hints", "HINT_PARAMETERS"]

#: networks above this many parameters get no activation hints (each alternative costs a
#: comparison, and identity layers expand into polynomials that grow with every path)
HINT_PARAMETERS = 200
_CANDIDATES = ("sigmoid", "tanh", "identity")


def linear_in_eta(ref: ConventionValues) -> bool:
    """Whether every (computed) update of ``ref`` is ``eta`` times a rational function free
    of ``eta``: every term of the numerator has ``eta`` to the power 1, the denominator none."""
    fld = ref.field
    index = fld.gens.get(str(fld.eta))
    if index is None:
        return False
    for l in range(1, fld.network.depth + 1):
        for value in ref.layer(l).values():
            if isinstance(value, str):
                return False
            powers = {(m >> (BITS * index)) & MAX_DEGREE for m in value.num.terms}
            den = {(m >> (BITS * index)) & MAX_DEGREE for m in value.den.terms}
            if not powers <= {1} or den != {0}:
                return False
    return True


def _alternatives(net: Network) -> list[tuple[str, ...]]:
    L = net.depth
    current = tuple(a.name for a in net.activations)
    out: list[tuple[str, ...]] = []
    for name in _CANDIDATES:
        out.append((name,) * L)
    for name in _CANDIDATES:
        out.append((*current[:-1], name))
    seen = {current}
    unique = []
    for acts in out:
        if acts not in seen:
            seen.add(acts)
            unique.append(acts)
    return unique


def activation_hints(trace: Trace, net: Network, clock: Clock) -> list[str]:
    """One line for each alternative network on which the code is proven to be the gradient
    (or the gradient times one constant)."""
    if net.parameter_count > HINT_PARAMETERS:
        return []
    hints = []
    for acts in _alternatives(net):
        clock.check()
        try:
            other = Network.build(net.sizes, [get_activation(a) for a in acts], net.loss, net.bias)
        except InputError:  # e.g. a loss that needs a sigmoid output
            continue
        fld = NetworkField(other, trace.batch, trace.lr)
        cmp = compare(traced_values(fld, trace.updates), ConventionValues(fld, "gradient"),
                      stop_early=True)  # fmt: skip
        factor = cmp.factor
        if factor is None:
            continue
        names = ",".join(acts) if len(set(acts)) > 1 else acts[0]
        how = "the gradient" if factor.is_one else f"{factor_text(factor)} x the gradient"
        given = option(f"--activation {names}", f"activation={names!r}")
        hints.append(
            f"with {given} the code's update is proven to be {how} (its forward "
            f"pass probably computes {names}, not {','.join(a.name for a in net.activations)})"
        )
    return hints
