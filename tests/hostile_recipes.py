"""User recipes written the way the README invites, each hostile in one way (issue 11).

Every recipe is written with the public API only. Some are wrong in an obvious way, some are
non-uniform while declaring ``uniform = True``, some use Python features the abstract networks of
the fast paths cannot represent, and some are *equal* to a built-in recipe but written
differently (so that a false "differs" shows). What each one really does on a concrete network
is decided by the oracle (tests/soundness_oracle.py), never by the comments below.

``RECIPES`` lists ``Recipe(id, factory, partners, what)``; ``factory()`` returns a fresh
instance whose ``name`` is ``adv_<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

import symbolic_bp as sbp


def _delta_hidden(net, l, j, upstream):
    """The textbook delta recurrence, written with net.sum."""
    return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k]) * net.fprime(l, j)


# ---------------------------------------------------------------- non-uniform, declared uniform


class NonUniformHiddenJ1(sbp.Delta):
    """Doubles the hidden signal of neuron 1 only (issue 11, item 1)."""

    name = "adv_nonuniform_hidden_j1"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 2 * s if j == 1 else s


class NonUniformOutputJ1(sbp.Delta):
    """Doubles the output signal of output neuron 1 only."""

    name = "adv_nonuniform_output_j1"
    uniform = True

    def output_signal(self, net, j):
        s = super().output_signal(net, j)
        return 2 * s if j == 1 else s


class LastNeuronSpecial(sbp.Delta):
    """Triples the hidden signal of the last neuron of each hidden layer (found with len)."""

    name = "adv_last_neuron_special"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 3 * s if j == len(net.neurons(l)) else s


class Layer1HalfEta(sbp.Delta):
    """Learning rate halved in layer 1 (``l == 1``)."""

    name = "adv_layer1_half_eta"
    uniform = True

    def update(self, net, l, j, inp, signal):
        eta = net.eta / 2 if l == 1 else net.eta
        return eta * signal * inp


class TopLayerDouble(sbp.Delta):
    """Doubles the updates of the output layer (``l == net.depth``)."""

    name = "adv_top_layer_double"
    uniform = True

    def update(self, net, l, j, inp, signal):
        u = super().update(net, l, j, inp, signal)
        return 2 * u if l == net.depth else u


class Layer2Neuron1(sbp.Delta):
    """Triples the hidden signal of neuron 1 of layer 2 only (deep networks only)."""

    name = "adv_layer2_neuron1"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 3 * s if (l == 2 and j == 1) else s


class EvenNeuronBranch(sbp.Delta):
    """Doubles the hidden signal of even neurons; honestly does not declare uniform."""

    name = "adv_even_neuron_branch"

    def hidden_signal(self, net, l, j, upstream):
        s = super().hidden_signal(net, l, j, upstream)
        return 2 * s if j % 2 == 0 else s


class RaisesOnNeuron2(sbp.Delta):
    """Raises on hidden neuron 2 (a user's unfinished code), declares uniform."""

    name = "adv_raises_on_neuron2"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        if j == 2:
            raise ValueError("neuron 2 is not supported yet")
        return super().hidden_signal(net, l, j, upstream)


class OnlyOneOutput(sbp.Delta):
    """Supports a single output neuron only: raises NotImplementedError on the others."""

    name = "adv_only_one_output"

    def output_signal(self, net, j):
        if j > 1:
            raise NotImplementedError("only one output neuron")
        return super().output_signal(net, j)


# ---------------------------------------------------------------- len, loops, items, sizes


class MeanOverOutputsLen(sbp.Delta):
    """Mean over the outputs: the output signal divided by ``len(net.neurons(L))``."""

    name = "adv_mean_outputs_len"
    uniform = True

    def output_signal(self, net, j):
        return super().output_signal(net, j) / len(net.neurons(net.depth))


class MeanOverOutputsSum(sbp.Delta):
    """Mean over the outputs, the width obtained honestly with ``net.sum``."""

    name = "adv_mean_outputs_sum"
    uniform = True

    def output_signal(self, net, j):
        return super().output_signal(net, j) / net.sum(net.depth, lambda k: 1)


class PythonLoopDelta(sbp.Delta):
    """delta, the sum written as a Python loop over ``net.neurons`` (benign on Network)."""

    name = "adv_python_loop_delta"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        total = 0
        for k in net.neurons(l + 1):
            total += net.w(l + 1, k, j) * upstream[k]
        return total * net.fprime(l, j)


class ItemsDelta(sbp.Delta):
    """delta, the sum over ``upstream.items()`` (benign on Network)."""

    name = "adv_items_delta"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        return sum(net.w(l + 1, k, j) * s for k, s in upstream.items()) * net.fprime(l, j)


class UpstreamLenAverage(sbp.Delta):
    """Averages instead of summing: divides by ``len(upstream)``."""

    name = "adv_upstream_len_average"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        return _delta_hidden(net, l, j, upstream) / len(upstream)


class SizesLoopDelta(sbp.Delta):
    """delta, the sum over ``range(1, net.sizes[l+1] + 1)`` (benign on Network)."""

    name = "adv_sizes_loop_delta"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        s = sum(net.w(l + 1, k, j) * upstream[k] for k in range(1, net.sizes[l + 1] + 1))
        return s * net.fprime(l, j)


class SizesScaledOutput(sbp.Delta):
    """Output signal times ``net.sizes[-1] / 2``: equals delta exactly when there are 2 outputs."""

    name = "adv_sizes_scaled_output"
    uniform = True

    def output_signal(self, net, j):
        return super().output_signal(net, j) * sp.Rational(net.sizes[-1], 2)


class UpstreamGetDefault(sbp.Delta):
    """delta, reading ``upstream.get(k, 0)`` (benign on Network)."""

    name = "adv_upstream_get_default"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream.get(k, 0)) * net.fprime(l, j)


class LoopBreakFirst(sbp.Delta):
    """A loop that stops after the first upstream neuron (only ``k = 1`` is used)."""

    name = "adv_loop_break_first"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        total = 0
        for k in net.neurons(l + 1):
            total += net.w(l + 1, k, j) * upstream[k]
            break
        return total * net.fprime(l, j)


class BranchEqualTwoWays(sbp.Delta):
    """Equal to delta, but neuron 1 is computed with a loop and the others with net.sum."""

    name = "adv_branch_equal_two_ways"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        if j == 1:
            total = 0
            for k in net.neurons(l + 1):
                total = total + upstream[k] * net.w(l + 1, k, j)
            return net.fprime(l, j) * total
        return _delta_hidden(net, l, j, upstream)


# ---------------------------------------------------------------- clashing signal letters


def _lettered(base: type, letter: str, tag: str) -> type:
    return type(
        f"{base.__name__}Letter_{tag}",
        (base,),
        {"name": f"adv_{base.__name__.lower()}_letter_{tag}", "letter": letter, "uniform": True},
    )


def twin(cls: type) -> sbp.Convention:
    """The same recipe with the harmless letter ``q``: what a lettered recipe is meant to do
    (a clashing letter must not change the recipe)."""
    t = type(f"{cls.__name__}Twin", (cls,), {"name": f"{cls.name}_twin_q", "letter": "q"})
    return t()


DeltaLetterW = _lettered(sbp.Delta, "w", "w")
DeltaLetterX = _lettered(sbp.Delta, "x", "x")
DeltaLetterB = _lettered(sbp.Delta, "b", "b")
DeltaLetterY = _lettered(sbp.Delta, "y", "y")
DeltaLetterEta = _lettered(sbp.Delta, "eta", "eta")
DeltaLetterR = _lettered(sbp.Delta, "r", "r")  # error_at_update's own letter
DeltaLetterE = _lettered(sbp.Delta, "e", "e")
EAULetterE = _lettered(sbp.ErrorAtUpdate, "e", "e")
EAULetterT = _lettered(sbp.ErrorAtUpdate, "t", "t")
EAULetterN = _lettered(sbp.ErrorAtUpdate, "n", "n")
EAULetterD = _lettered(sbp.ErrorAtUpdate, "d", "d")  # delta's own letter


# ---------------------------------------------------------------- constant factors, eta


class TwiceEta(sbp.Delta):
    """Learning rate doubled in every update."""

    name = "adv_twice_eta"
    uniform = True

    def update(self, net, l, j, inp, signal):
        return 2 * net.eta * signal * inp


class EtaInSignal(sbp.Delta):
    """eta moved from the update into the output signal: equal to delta (linear recurrence)."""

    name = "adv_eta_in_signal"
    uniform = True

    def output_signal(self, net, j):
        return net.eta * super().output_signal(net, j)

    def update(self, net, l, j, inp, signal):
        return signal * inp


class EtaTwice(sbp.Delta):
    """eta in the output signal and again in the update (eta**2)."""

    name = "adv_eta_twice"
    uniform = True

    def output_signal(self, net, j):
        return net.eta * super().output_signal(net, j)


class HalfOutputSignal(sbp.Delta):
    """The output signal halved (the documented mutant), everything else delta."""

    name = "adv_half_output_signal"
    uniform = True

    def output_signal(self, net, j):
        return super().output_signal(net, j) / 2


class HardcodedTminusY(sbp.Delta):
    """Output delta hard-coded as ``(t - y) f'``: the half_sse one whatever the loss."""

    name = "adv_hardcoded_t_minus_y"
    uniform = True

    def output_signal(self, net, j):
        L = net.depth
        return (net.t(j) - net.y(L, j)) * net.fprime(L, j)


class SseFactorOutput(sbp.Delta):
    """Output delta hard-coded as ``2 (t - y) f'``: the sse one whatever the loss."""

    name = "adv_sse_factor_output"
    uniform = True

    def output_signal(self, net, j):
        L = net.depth
        return 2 * (net.t(j) - net.y(L, j)) * net.fprime(L, j)


class HardcodedEAUOutput(sbp.ErrorAtUpdate):
    """The AGH recipe with the raw error hard-coded as ``t - y``."""

    name = "adv_hardcoded_eau_output"
    uniform = True

    def output_signal(self, net, j):
        return net.t(j) - net.y(net.depth, j)


class ExtraDerivative(sbp.Delta):
    """Multiplies the hidden signal by the derivative twice."""

    name = "adv_extra_derivative"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        return super().hidden_signal(net, l, j, upstream) * net.fprime(l, j)


# ---------------------------------------------------------------- biases


class ForgotBias(sbp.Delta):
    """Never updates biases."""

    name = "adv_forgot_bias"
    uniform = True

    def bias_update(self, net, l, j, signal):
        return sp.Integer(0)


class BiasDoubled(sbp.Delta):
    """Bias updates doubled; weights written with weight_update explicitly."""

    name = "adv_bias_doubled"
    uniform = True

    def weight_update(self, net, l, j, i, signal):
        return net.eta * signal * net.y(l - 1, i)

    def bias_update(self, net, l, j, signal):
        return 2 * net.eta * signal


# ---------------------------------------------------------------- transposes and matrices


class TransposedRead(sbp.Delta):
    """Reads ``w(l+1, j, k)`` instead of ``w(l+1, k, j)`` (transposed weights)."""

    name = "adv_transposed_read"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, j, k) * upstream[k]) * net.fprime(l, j)


def _loss_signal(net, j):
    """-dE/de^L_j, derived from the network's loss (not looked up)."""
    L = net.depth
    return -sp.diff(net.loss_local(), net.e(L, j))


class MatrixByHand(sbp.Convention):
    """The vectorised recipe written by hand with sympy matrices: equal to the gradient."""

    name = "adv_matrix_by_hand"
    letter = "D"
    uniform = True

    def layer_signals(self, net, l, upstream):
        if upstream is None:
            return [_loss_signal(net, j) for j in net.neurons(l)]
        D = sp.Matrix(list(upstream))
        back = net.weight_matrix(l + 1).T * D
        return [back[j - 1] * net.fprime(l, j) for j in net.neurons(l)]

    def layer_updates(self, net, l, signals):
        out = {}
        for j in net.neurons(l):
            for i in net.neurons(l - 1):
                out[net.w(l, j, i)] = net.eta * signals[j - 1] * net.y(l - 1, i)
            if net.bias:
                out[net.b(l, j)] = net.eta * signals[j - 1]
        return out


class MatrixNoTranspose(MatrixByHand):
    """The vectorised recipe with ``W`` instead of ``W^T`` (square layers only)."""

    name = "adv_matrix_no_transpose"

    def layer_signals(self, net, l, upstream):
        if upstream is None:
            return super().layer_signals(net, l, upstream)
        D = sp.Matrix(list(upstream))
        back = net.weight_matrix(l + 1) * D
        return [back[j - 1] * net.fprime(l, j) for j in net.neurons(l)]


class MatrixMeanOutputs(MatrixByHand):
    """The vectorised recipe, output signals divided by ``len(...)`` (mean over outputs)."""

    name = "adv_matrix_mean_outputs"

    def layer_signals(self, net, l, upstream):
        sig = super().layer_signals(net, l, upstream)
        if upstream is None:
            return [s / len(sig) for s in sig]
        return sig


# ---------------------------------------------------------------- equal in disguise


class DisguisedGradient(sbp.Convention):
    """From scratch: output signal -dE/de from the loss, delta recurrence: equal to gradient."""

    name = "adv_disguised_gradient"
    letter = "g"
    uniform = True

    def output_signal(self, net, j):
        return _loss_signal(net, j)

    def hidden_signal(self, net, l, j, upstream):
        return net.fprime(l, j) * net.sum(l + 1, lambda k: upstream[k] * net.w(l + 1, k, j))

    def update(self, net, l, j, inp, signal):
        return inp * signal * net.eta


class ConsistentByHand(sbp.ErrorAtUpdate):
    """error_at_update_consistent written by hand: equal to the gradient."""

    name = "adv_consistent_by_hand"
    uniform = True

    def hidden_signal(self, net, l, j, upstream):
        return net.sum(l + 1, lambda k: net.w(l + 1, k, j) * upstream[k] * net.fprime(l + 1, k))


class NegatedSignalsMinusUpdate(sbp.Delta):
    """By hand: "error = output - target" and ``w -= eta * delta * input``: equal to delta."""

    name = "adv_negated_minus_update"
    uniform = True

    def output_signal(self, net, j):
        return -super().output_signal(net, j)

    def update(self, net, l, j, inp, signal):
        return -(net.eta * signal * inp)


class GradientHalved(sbp.Gradient):
    """A Gradient subclass that tries to halve its updates through ``update``."""

    name = "adv_gradient_halved"
    uniform = True

    def update(self, net, l, j, inp, signal):
        return super().update(net, l, j, inp, signal) / 2


def flipped_twice() -> sbp.Convention:
    """FlippedSign of FlippedSign of delta: equal to delta."""
    return sbp.FlippedSign(sbp.FlippedSign(sbp.Delta()), name="adv_flipped_twice")


def flipped_nonuniform() -> sbp.Convention:
    """FlippedSign of NonUniformHiddenJ1."""
    return sbp.FlippedSign(NonUniformHiddenJ1(), name="adv_flipped_nonuniform")


# ---------------------------------------------------------------- state


class StatefulFirstCall(sbp.Delta):
    """Doubles the output signal on the first call of this instance (a counter).

    On a fresh instance, one per-neuron derivation doubles output neuron 1 only."""

    name = "adv_stateful_first_call"
    uniform = True

    def __init__(self):
        super().__init__()
        self.calls = 0

    def output_signal(self, net, j):
        self.calls += 1
        s = super().output_signal(net, j)
        return 2 * s if self.calls == 1 else s


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Recipe:
    id: str
    factory: Callable[[], sbp.Convention]
    partners: tuple[str, ...]
    what: str
    stateful: bool = False
    # the definition of the recipe when derive(net, recipe) itself cannot be trusted (a
    # clashing signal letter): the same recipe with the letter q
    meant: Callable[[], sbp.Convention] | None = None

    @property
    def name(self) -> str:
        return self.factory().name


RECIPES: list[Recipe] = [
    Recipe("nonuniform_hidden_j1", NonUniformHiddenJ1, ("delta", "gradient"), "2*s if j == 1"),
    Recipe("nonuniform_output_j1", NonUniformOutputJ1, ("gradient",), "output 2*s if j == 1"),
    Recipe("last_neuron_special", LastNeuronSpecial, ("gradient",), "3*s if j == len(neurons)"),
    Recipe("layer1_half_eta", Layer1HalfEta, ("gradient",), "eta/2 if l == 1"),
    Recipe("top_layer_double", TopLayerDouble, ("gradient",), "2*u if l == net.depth"),
    Recipe("layer2_neuron1", Layer2Neuron1, ("gradient",), "3*s if l == 2 and j == 1"),
    Recipe("even_neuron_branch", EvenNeuronBranch, ("gradient",), "2*s if j % 2 == 0, honest"),
    Recipe("raises_on_neuron2", RaisesOnNeuron2, ("gradient",), "raises ValueError on j == 2"),
    Recipe("only_one_output", OnlyOneOutput, ("gradient",), "raises on output j > 1"),
    Recipe("mean_outputs_len", MeanOverOutputsLen, ("gradient",), "output / len(neurons(L))"),
    Recipe("mean_outputs_sum", MeanOverOutputsSum, ("gradient",), "output / net.sum(L, 1)"),
    Recipe("python_loop_delta", PythonLoopDelta, ("gradient",), "delta via Python loop"),
    Recipe("items_delta", ItemsDelta, ("gradient",), "delta via upstream.items()"),
    Recipe("upstream_len_average", UpstreamLenAverage, ("gradient",), "sum / len(upstream)"),
    Recipe("sizes_loop_delta", SizesLoopDelta, ("gradient",), "delta via net.sizes loop"),
    Recipe("sizes_scaled_output", SizesScaledOutput, ("gradient",), "output * sizes[-1]/2"),
    Recipe("upstream_get_default", UpstreamGetDefault, ("gradient",), "upstream.get(k, 0)"),
    Recipe("loop_break_first", LoopBreakFirst, ("gradient",), "loop with break: k = 1 only"),
    Recipe("branch_equal_two_ways", BranchEqualTwoWays, ("delta",), "j == 1 via loop, else sum"),
    Recipe(
        "letter_w", DeltaLetterW, ("gradient",), "delta, letter w", meant=lambda: twin(DeltaLetterW)
    ),
    Recipe(
        "letter_x", DeltaLetterX, ("gradient",), "delta, letter x", meant=lambda: twin(DeltaLetterX)
    ),
    Recipe(
        "letter_b", DeltaLetterB, ("gradient",), "delta, letter b", meant=lambda: twin(DeltaLetterB)
    ),
    Recipe(
        "letter_y", DeltaLetterY, ("gradient",), "delta, letter y", meant=lambda: twin(DeltaLetterY)
    ),
    Recipe(
        "letter_eta",
        DeltaLetterEta,
        ("gradient",),
        "delta, letter eta",
        meant=lambda: twin(DeltaLetterEta),
    ),
    Recipe(
        "letter_r_vs_eau",
        DeltaLetterR,
        ("error_at_update",),
        "delta, letter r",
        meant=lambda: twin(DeltaLetterR),
    ),
    Recipe(
        "letter_e_delta",
        DeltaLetterE,
        ("gradient",),
        "delta, letter e",
        meant=lambda: twin(DeltaLetterE),
    ),
    Recipe(
        "letter_e",
        EAULetterE,
        ("gradient",),
        "error_at_update, letter e",
        meant=lambda: twin(EAULetterE),
    ),
    Recipe(
        "letter_t",
        EAULetterT,
        ("gradient",),
        "error_at_update, letter t",
        meant=lambda: twin(EAULetterT),
    ),
    Recipe(
        "letter_n",
        EAULetterN,
        ("error_at_update",),
        "error_at_update, letter n",
        meant=lambda: twin(EAULetterN),
    ),
    Recipe(
        "letter_d_vs_delta",
        EAULetterD,
        ("delta",),
        "error_at_update, letter d",
        meant=lambda: twin(EAULetterD),
    ),
    Recipe("twice_eta", TwiceEta, ("gradient",), "2*eta"),
    Recipe("eta_in_signal", EtaInSignal, ("gradient",), "eta moved into the output signal"),
    Recipe("eta_twice", EtaTwice, ("gradient",), "eta in signal and update"),
    Recipe("half_output_signal", HalfOutputSignal, ("gradient",), "output signal / 2"),
    Recipe("hardcoded_t_minus_y", HardcodedTminusY, ("gradient",), "output (t - y) f'"),
    Recipe("sse_factor_output", SseFactorOutput, ("gradient",), "output 2 (t - y) f'"),
    Recipe("hardcoded_eau_output", HardcodedEAUOutput, ("error_at_update",), "r = t - y"),
    Recipe("extra_derivative", ExtraDerivative, ("gradient",), "hidden * f' again"),
    Recipe("forgot_bias", ForgotBias, ("gradient",), "bias update 0"),
    Recipe("bias_doubled", BiasDoubled, ("gradient",), "bias update doubled"),
    Recipe("transposed_read", TransposedRead, ("gradient",), "w(l+1, j, k)"),
    Recipe("matrix_by_hand", MatrixByHand, ("gradient",), "layer_signals/updates by hand"),
    Recipe("matrix_no_transpose", MatrixNoTranspose, ("gradient",), "W instead of W.T"),
    Recipe("matrix_mean_outputs", MatrixMeanOutputs, ("gradient",), "matrix, output / len"),
    Recipe("disguised_gradient", DisguisedGradient, ("gradient",), "from scratch, -dE/de"),
    Recipe("consistent_by_hand", ConsistentByHand, ("gradient",), "EAU consistent by hand"),
    Recipe("negated_minus_update", NegatedSignalsMinusUpdate, ("delta",), "-signal, w -= ..."),
    Recipe("gradient_halved", GradientHalved, ("gradient",), "Gradient, update / 2"),
    Recipe("flipped_twice", flipped_twice, ("delta",), "FlippedSign(FlippedSign(delta))"),
    Recipe("flipped_nonuniform", flipped_nonuniform, ("delta_flipped",), "FlippedSign(j1 x2)"),
    Recipe("stateful_first_call", StatefulFirstCall, ("delta",), "counter", stateful=True),
]

BY_ID = {r.id: r for r in RECIPES}


def register(recipe: Recipe) -> sbp.Convention:
    """Register a fresh instance of ``recipe`` (replacing an earlier one)."""
    return sbp.register(recipe.factory(), replace=True)
