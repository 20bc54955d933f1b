"""Random draws at the ends of their ranges: the two *extreme* runs of a step that draws.

Salted runs (:mod:`._randomness`) find a dependence on a draw only as often as the draw falls
differently: ``if random.random() < 0.001:`` takes its branch in one run in a thousand. In an
extreme run every draw of a covered kind sits at one end of its range, the *low* end in one
run and the *high* end in the other, so a branch ``u < p`` with ``0 < p < 1`` goes both ways
and a drawn value used in arithmetic changes:

- uniform draws give the bottom and the top of their interval (``0.0`` and the largest float
  below 1; ``a`` and ``b``), normal draws ``mean -/+ SIGMAS * sigma``, integer draws their
  smallest and largest value, ``choice`` the first and the last item, ``shuffle`` and
  ``permutation`` the identity and the reversal, binomial draws ``0`` and ``n``;
- covered: the functions of :mod:`random` and :class:`random.Random` instances (``random``,
  ``uniform``, ``triangular``, ``gauss``, ``normalvariate``, ``randint``, ``randrange``,
  ``choice``, ``choices``, ``sample``, ``shuffle``, ``getrandbits``, ``binomialvariate``), the
  legacy ``numpy.random`` functions and :class:`numpy.random.RandomState` instances (``rand``,
  ``random``, ``random_sample``, ``ranf``, ``sample``, ``uniform``, ``randn``,
  ``standard_normal``, ``normal``, ``randint``, ``choice``, ``shuffle``, ``permutation``,
  ``binomial``), and :class:`numpy.random.Generator` objects from ``default_rng`` or the class
  (``random``, ``uniform``, ``standard_normal``, ``normal``, ``integers``, ``choice``,
  ``shuffle``, ``permutation``, ``permuted``, ``binomial``);
- other distributions draw from the salted state as in a salted run (those of :mod:`random`
  that loop until a draw is accepted, such as ``gammavariate``, always do: a constant draw
  would loop forever).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from ._patches import Patches
from ._randomness import mixed, salted_class

__all__ = ["install_extreme_randomness", "SIGMAS"]

#: how many standard deviations from the mean an extreme normal draw lies
SIGMAS = 40.0
_TOP = math.nextafter(1.0, 0.0)
_RANDOM, _RANDOM_STATE, _GENERATOR = random.Random, np.random.RandomState, np.random.Generator
_PLAIN = ("gammavariate", "betavariate", "vonmisesvariate")


def _shaped(value: Any, size: Any, *shapes: Any, dtype: Any = float) -> Any:
    """``value`` broadcast to ``size`` (else to the broadcast of ``shapes``); a scalar when
    that shape is ``()``."""
    shape = np.broadcast_shapes(*(np.shape(s) for s in shapes)) if size is None else size
    if shape == ():
        return np.dtype(dtype).type(np.asarray(value).reshape(())).item()
    return np.broadcast_to(np.asarray(value), shape).astype(dtype)


def _end(self: Any, low: Any, high: Any) -> Any:
    return high if self.high else low


def _unit(self: Any, size: Any = None, *args: Any, **kwargs: Any) -> Any:
    return _shaped(_end(self, 0.0, _TOP), size)


def _uniform(self: Any, low: Any = 0.0, high: Any = 1.0, size: Any = None) -> Any:
    return _shaped(np.asarray(_end(self, low, high), dtype=float), size, low, high)


def _standard_normal(self: Any, size: Any = None, *args: Any, **kwargs: Any) -> Any:
    return _shaped(_end(self, -SIGMAS, SIGMAS), size)


def _normal(self: Any, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> Any:
    value = np.asarray(loc, dtype=float) + _end(self, -SIGMAS, SIGMAS) * np.asarray(scale)
    return _shaped(value, size, loc, scale)


def _integers(
    self: Any,
    low: Any,
    high: Any = None,
    size: Any = None,
    dtype: Any = np.int64,
    endpoint: bool = False,
) -> Any:
    low, high = (0, low) if high is None else (low, high)
    top = np.asarray(high) if endpoint else np.asarray(high) - 1
    return _shaped(_end(self, np.asarray(low), top), size, low, high, dtype=dtype)


def _randint(self: Any, low: Any, high: Any = None, size: Any = None, dtype: Any = int) -> Any:
    return _integers(self, low, high, size, np.int64 if dtype is int else dtype)


def _ordered(self: Any, count: int) -> np.ndarray:
    return np.arange(count)[::-1] if self.high else np.arange(count)


def _choice(
    self: Any, a: Any, size: Any = None, replace: bool = True, p: Any = None, **_: Any
) -> Any:
    pool = np.arange(a) if isinstance(a, (int, np.integer)) else np.asarray(a)
    order = _ordered(self, len(pool))
    if p is not None:
        order = order[np.asarray(p)[order] > 0]
    if size is None:
        return pool[order[0]]
    count = math.prod(np.atleast_1d(size).tolist())
    picked = order[:count] if not replace else np.full(count, order[0])
    return pool[picked].reshape(size)


def _reversed_in_place(x: Any, axis: int = 0) -> None:
    if isinstance(x, np.ndarray):
        x[...] = np.flip(x, axis).copy()
    else:
        x[:] = list(x)[::-1]


def _shuffle(self: Any, x: Any, axis: int = 0) -> None:
    if self.high:
        _reversed_in_place(x, axis)


def _permutation(self: Any, x: Any, axis: int = 0) -> Any:
    array = np.arange(x) if isinstance(x, (int, np.integer)) else np.array(x)
    return np.flip(array, axis).copy() if self.high else array


def _permuted(self: Any, x: Any, axis: Any = None, out: Any = None) -> Any:
    array = np.array(x)
    if self.high:
        flat = np.flip(array.ravel()).reshape(array.shape) if axis is None else None
        array = flat if flat is not None else np.flip(array, axis).copy()
    if out is None:
        return array
    out[...] = array
    return out


def _binomial(self: Any, n: Any, p: Any, size: Any = None) -> Any:
    n, p = np.asarray(n), np.asarray(p, dtype=float)
    value = np.where(p == 0, 0, n) if self.high else np.where(p == 1, n, 0)
    return _shaped(value, size, n, p, dtype=np.int64)


_LEGACY: dict[str, Callable] = {
    **dict.fromkeys(("random_sample", "random", "ranf", "sample"), _unit),
    "rand": lambda self, *shape: _unit(self, shape or None),
    "randn": lambda self, *shape: _standard_normal(self, shape or None),
    "uniform": _uniform,
    "standard_normal": _standard_normal,
    "normal": _normal,
    "randint": _randint,
    "choice": _choice,
    "shuffle": _shuffle,
    "permutation": _permutation,
    "binomial": _binomial,
}
_NEW: dict[str, Callable] = {
    "random": _unit,
    "uniform": _uniform,
    "standard_normal": _standard_normal,
    "normal": _normal,
    "integers": _integers,
    "choice": _choice,
    "shuffle": _shuffle,
    "permutation": _permutation,
    "permuted": _permuted,
    "binomial": _binomial,
}


class _ExtremeRandom(random.Random):
    """:class:`random.Random` with every covered draw at one end (``high``) of its range."""

    high = False
    _plain = False  # inside a distribution that draws from the state (see ``_PLAIN``)

    def random(self) -> float:
        return _RANDOM.random(self) if self._plain else _end(self, 0.0, _TOP)

    def uniform(self, a: float, b: float) -> float:
        return _end(self, a, b)

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        return mu + _end(self, -SIGMAS, SIGMAS) * sigma

    normalvariate = gauss

    def _randbelow(self, n: int) -> int:  # randrange, randint, choice
        return _end(self, 0, n - 1)

    def getrandbits(self, k: int) -> int:
        return _end(self, 0, 2**k - 1)

    def shuffle(self, x: Any) -> None:
        _shuffle(self, x)

    def sample(self, population: Any, k: int, *, counts: Any = None) -> list:
        pool = list(population)
        if counts is not None:
            pool = [v for v, c in zip(pool, counts, strict=True) for _ in range(c)]
        if not 0 <= k <= len(pool):
            raise ValueError("Sample larger than population or is negative")
        return (pool[::-1] if self.high else pool)[:k]

    def binomialvariate(self, n: int = 1, p: float = 0.5) -> int:
        return int(n if (p > 0 and self.high) or p >= 1 else 0)


def _drawing_plainly(name: str) -> Callable:
    base = getattr(_RANDOM, name)

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        previous, self._plain = self._plain, True
        try:
            return base(self, *args, **kwargs)
        finally:
            self._plain = previous

    return method


for _name in _PLAIN:
    setattr(_ExtremeRandom, _name, _drawing_plainly(_name))


def _extreme_class(base: type, methods: dict[str, Callable], high: bool) -> type:
    return type(base.__name__, (base,), {**methods, "high": high})


def install_extreme_randomness(patches: Patches, high: bool, salt: int, created: list) -> None:
    """Put every covered draw at its low (``high=False``) or high end until ``patches`` are
    restored; call after :func:`~._randomness.install_salted_randomness` with the same salt."""
    python = _extreme_class(_ExtremeRandom, {}, high)
    legacy = _extreme_class(_RANDOM_STATE, _LEGACY, high)
    new = _extreme_class(_GENERATOR, _NEW, high)
    python_instance, legacy_instance = python(mixed(None, salt)), legacy(mixed(None, salt))
    for name in dir(random):
        if getattr(getattr(random, name), "__self__", None) is random._inst:
            patches.set(random, name, getattr(python_instance, name))
    for name in _LEGACY:
        patches.set(np.random, name, getattr(legacy_instance, name))
    patches.set(random, "Random", salted_class(python, salt, created, seeded=True))
    patches.set(np.random, "RandomState", salted_class(legacy, salt, created, seeded=True))
    patches.set(np.random, "Generator", new)
    default_rng = np.random.default_rng  # the salted one

    def extreme_rng(seed: Any = None) -> Any:
        rng = default_rng(seed)
        if type(rng) is not _GENERATOR:
            return rng  # a Generator passed in (returned as it is) or already extreme
        out = new(rng.bit_generator)
        created.append(out)
        return out

    patches.set(np.random, "default_rng", extreme_rng)
