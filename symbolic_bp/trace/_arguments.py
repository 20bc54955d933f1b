r"""The arguments of ``step(params, x, t, lr)`` and the reading of what it returns.

``params`` is a dict in the layout of ``symbolic-bp export``: ``W{l}`` an object array of shape
``(n_l, n_{l-1})`` whose entry ``[j-1, i-1]`` is the weight ``w{l}_{j}_{i}`` and, with biases,
``b{l}`` of shape ``(n_l,)`` with entry ``[j-1]`` the bias ``b{l}_{j}``. ``x`` and ``t`` hold
the inputs ``x_i`` and targets ``t_j``; with a batch of ``N`` samples they have shape
``(N, n_0)`` and ``(N, n_L)`` and hold ``x{s}_{i}``, ``t{s}_{j}`` for ``s = 1..N``. Every entry
is a :class:`~._value.Symbolic` wrapping a real SymPy symbol; ``lr`` is ``eta`` or the exact
number given.

>>> from symbolic_bp.model.network import Network
>>> params, x, t, lr = step_arguments(Network.build([2, 1], bias=True))
>>> sorted(params), params["W1"]
(['W1', 'b1'], array([[Symbolic(w1_1_1), Symbolic(w1_1_2)]], dtype=object))
>>> x, lr
(array([Symbolic(x_1), Symbolic(x_2)], dtype=object), Symbolic(eta))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InputError
from ..model.network import Network
from ._errors import TraceError
from ._locate import where
from ._value import Symbolic, as_expr

__all__ = ["layout", "step_arguments", "sample_symbols", "learning_rate", "read_parameters"]


def layout(network: Network) -> dict[str, tuple[tuple[int, ...], list[str]]]:
    """``{key: (shape, parameter names in row-major order)}`` for ``W1, b1, W2, ...``."""
    out: dict[str, tuple[tuple[int, ...], list[str]]] = {}
    for l in range(1, network.depth + 1):
        rows, cols = network.sizes[l], network.sizes[l - 1]
        names = [f"w{l}_{j}_{i}" for j in range(1, rows + 1) for i in range(1, cols + 1)]
        out[f"W{l}"] = ((rows, cols), names)
        if network.bias:
            out[f"b{l}"] = ((rows,), [f"b{l}_{j}" for j in range(1, rows + 1)])
    return out


def sample_symbols(network: Network, batch: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of input and target symbols (``x_i`` or, with a batch, ``x{s}_{i}``)."""
    n_in, n_out = network.sizes[0], network.sizes[-1]
    if batch is None:
        x = [network.x(i) for i in range(1, n_in + 1)]
        t = [network.t(j) for j in range(1, n_out + 1)]
        return np.array(x, dtype=object), np.array(t, dtype=object)

    def grid(letter: str, width: int) -> np.ndarray:
        out = np.empty((batch, width), dtype=object)
        for s in range(batch):
            for k in range(width):
                out[s, k] = sp.Symbol(f"{letter}{s + 1}_{k + 1}", real=True)
        return out

    return grid("x", n_in), grid("t", n_out)


def learning_rate(network: Network, lr: object) -> sp.Expr:
    """``eta`` for ``None``, a SymPy symbol as it is, else ``lr`` as an exact real number
    (``0.1 -> 1/10``)."""
    if lr is None:
        return network.eta
    if isinstance(lr, sp.Symbol):
        return lr
    finite = not isinstance(lr, (float, np.floating)) or math.isfinite(lr)
    value = as_expr(lr) if finite and not isinstance(lr, (bool, np.bool_)) else None
    if value is None or not value.is_number or not value.is_finite or not value.is_real:
        raise InputError(f"learning rate {lr!r} is not a finite real number, e.g. 0.5")
    return value


def _wrapped(symbols: np.ndarray) -> np.ndarray:
    out = np.empty(symbols.shape, dtype=object)
    for index, symbol in np.ndenumerate(symbols):
        out[index] = Symbolic(symbol)
    return out


def step_arguments(
    network: Network, *, batch: int | None = None, lr: object = None
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, Symbolic]:
    """Fresh ``(params, x, t, lr)`` for one call of the user's step, symbolic values throughout.

    **Arguments:** ``network`` (sizes and bias), ``batch`` (``None`` or the number of samples),
    ``lr`` (``None`` for the symbol ``eta``, or a number).
    """
    params = {}
    for key, (shape, names) in layout(network).items():
        params[key] = _wrapped(np.array([sp.Symbol(n, real=True) for n in names]).reshape(shape))
    x, t = sample_symbols(network, batch)
    return params, _wrapped(x), _wrapped(t), Symbolic(learning_rate(network, lr))


def _shape_hint(key: str, shape: tuple[int, ...]) -> str:
    if key.startswith("W"):
        l = key[1:]
        return f"{key} is n_{l} x n_{int(l) - 1}, entry [j-1, i-1] holding w{l}_j_i"
    return f"{key} is 1-D with {shape[0]} entries (a column vector needs .reshape(-1))"


Location = tuple[str | None, int | None]


def _error(location: Location, text: str) -> TraceError:
    return TraceError(f"{where(*location)}: {text}", *location)


def _entries(key: str, value: Any, shape: tuple[int, ...], location: Location) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=object)
    except ValueError:
        array = None
    if array is None or array.shape != shape:
        got = "a ragged nested list" if array is None else f"shape {array.shape}"
        raise _error(
            location,
            f"step returned {key} with {got}; expected shape {shape} ({_shape_hint(key, shape)})",
        )
    return array


def _keys_error(got: Mapping, expected: list[str], location: Location) -> TraceError:
    missing = [k for k in expected if k not in got]
    extra = [repr(k) for k in got if k not in expected]
    parts = ([f"no {', '.join(missing)}"] if missing else []) + (
        [f"the extra keys {', '.join(extra)}"] if extra else []
    )
    return _error(
        location,
        f"step returned params with {' and '.join(parts)}; return a dict with exactly the keys "
        f"of the params it was given ({', '.join(expected)})",
    )


def read_parameters(result: object, params: dict, network: Network, location: Location) -> dict:
    """The new value of every parameter, by name, from what step returned (``None``: the
    ``params`` it was given, updated in place)."""
    source = params if result is None else result
    if not isinstance(source, Mapping):
        raise _error(
            location,
            f"step returned a {type(result).__name__}; return the new params dict, or update "
            "params in place and return None",
        )
    expected = layout(network)
    if set(source) != set(expected):
        raise _keys_error(source, list(expected), location)
    new: dict[str, sp.Expr] = {}
    for key, (shape, names) in expected.items():
        array = _entries(key, source[key], shape, location)
        for name, (index, entry) in zip(names, np.ndenumerate(array), strict=True):
            value = as_expr(entry)
            if value is None:
                shown = repr(entry) if len(repr(entry)) < 40 else type(entry).__name__
                raise _error(
                    location,
                    f"step returned {key}{list(index)} = {shown}, not a number; each entry must "
                    "be a number (the updated parameter)",
                )
            new[name] = value
    return new
