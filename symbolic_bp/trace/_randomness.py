"""Random draws in the user's code: salted so that two runs draw differently, and found.

A step whose update depends on a random draw (dropout, weights re-initialised after ``params``
are set) has no single update to prove. The tracer runs the step twice, each time with every
source of randomness it knows seeded from a different *salt*, and compares the updates:

- the global states of ``random`` and ``numpy.random`` are seeded from the salt (and put back
  afterwards);
- seeds the code gives (``random.seed(42)``, ``random.Random(42)``, ``np.random.seed``,
  ``np.random.RandomState``, ``np.random.default_rng``, the bit generators ``PCG64``, ...)
  are mixed with the salt, so a fixed seed does not hide a dependence either.

Draws the update does not depend on (an initialisation overwritten by ``params``, shuffling a
list of one sample) make no difference and are accepted. When the updates differ, a third run
under :func:`sys.settrace` (user frames only) finds the first user line of the step after which
the state of a generator had changed: the global ones, those created while the file ran, and
those held by the user's module globals. (A profiler would not do: NumPy's generator methods
are Cython functions, which report no ``c_call`` event.)
:class:`np.random.SeedSequence`, :class:`np.random.Generator` and bit-generator objects passed
as seeds are used as they are (not salted).
"""

from __future__ import annotations

import random
import sys
import zlib
from collections.abc import Callable
from types import FrameType
from typing import Any

import numpy as np

from ._limits import DEADLINE
from ._locate import is_user_file
from ._patches import Patches

__all__ = ["install_salted_randomness", "RandomCalls", "Draws", "mixed", "salted_class"]

_RANDOM, _RANDOM_STATE, _GENERATOR = random.Random, np.random.RandomState, np.random.Generator
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_GENERATOR_TYPES = (
    random.Random,
    np.random.RandomState,
    np.random.Generator,
    np.random.BitGenerator,
)
_OBJECT_SEEDS = (np.random.SeedSequence, np.random.BitGenerator, np.random.Generator)


def mixed(seed: Any, salt: int) -> Any:
    """A 32-bit seed made from the user's ``seed`` and the run's ``salt``."""
    if isinstance(seed, _OBJECT_SEEDS):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        base = abs(int(seed))
    else:
        base = zlib.crc32(repr(seed).encode())
    return int(np.random.SeedSequence([base, salt]).generate_state(1)[0])


def salted_class(cls: Any, salt: int, created: list | None, seeded: bool) -> type:
    """A subclass of a generator class whose constructor (and ``seed`` method, if any) mixes
    the salt into the seed; ``isinstance`` checks keep working."""

    def __init__(self: Any, seed: Any = None, *args: Any, **kwargs: Any) -> None:
        cls.__init__(self, mixed(seed, salt), *args, **kwargs)
        if created is not None:
            created.append(self)

    def seed(self: Any, a: Any = None, *args: Any) -> None:
        cls.seed(self, mixed(a, salt), *args)

    body: dict[str, Callable] = {"__init__": __init__}
    if seeded:
        body["seed"] = seed
    return type(cls.__name__, (cls,), body)


def _salted_function(function: Callable, salt: int, created: list | None = None) -> Callable:
    def salted(seed: Any = None, *args: Any) -> Any:
        out = function(mixed(seed, salt), *args)
        if created is not None and out is not None:
            created.append(out)
        return out

    salted.__name__ = salted.__qualname__ = getattr(function, "__name__", "seed")
    salted.__doc__ = function.__doc__
    return salted


def install_salted_randomness(patches: Patches, salt: int, created: list | None = None) -> None:
    """Seed every known source of randomness from ``salt`` until ``patches`` are restored;
    generators constructed meanwhile are appended to ``created``."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    patches.on_restore(lambda: random.setstate(python_state))
    patches.on_restore(lambda: np.random.set_state(numpy_state))
    random.seed(mixed(None, salt))
    np.random.seed(mixed(None, salt))
    patches.set(random, "seed", _salted_function(random.seed, salt))
    patches.set(random, "Random", salted_class(random.Random, salt, created, seeded=True))
    patches.set(np.random, "seed", _salted_function(np.random.seed, salt))
    patches.set(np.random, "RandomState", salted_class(np.random.RandomState, salt, created, True))
    patches.set(np.random, "default_rng", _salted_function(np.random.default_rng, salt, created))
    for name in _BIT_GENERATORS:
        bit_generator = salted_class(getattr(np.random, name), salt, created, seeded=False)
        patches.set(np.random, name, bit_generator)


def _fingerprint(generator: object) -> object:
    # the classes as imported: while a run is salted, np.random.RandomState is a subclass
    if isinstance(generator, _RANDOM):
        return generator.getstate()
    if isinstance(generator, _GENERATOR):
        generator = generator.bit_generator
    elif isinstance(generator, _RANDOM_STATE):
        return repr(generator.get_state(legacy=False))
    return repr(getattr(generator, "state", None))


def _watched(namespaces: list[dict], created: list) -> list:
    found = [v for ns in namespaces for v in ns.values() if isinstance(v, _GENERATOR_TYPES)]
    return [random, np.random.mtrand._rand, *created, *found]


def _states(watched: list) -> dict[int, object]:
    return {id(g): random.getstate() if g is random else _fingerprint(g) for g in watched}


class Draws:
    """Whether step drew random numbers (a generator it could reach changed state, or one was
    created) at all during its call (``anywhere``), and whether it did so *after* it began to
    compute with the symbolic values (``late``): cheap, three snapshots and no tracing.

    A step that draws at all gets the two extreme runs (:mod:`._extremes`). Two salted runs that
    give the same update can still share a late draw by chance (a dropout mask of three units
    that no extreme run empties or fills alone, a draw used only in a narrow band), so a step
    that draws late is also run with more salts; draws before (a layer's initial weights,
    overwritten by ``params``) do not cost those extra runs."""

    def __init__(self, created: list) -> None:
        self.created = created
        self.anywhere = False
        self.late = False
        self._start: dict[int, object] = {}
        self._before: dict[int, object] | None = None
        self._counts = (0, 0)
        self._watched: list = []

    def start(self, namespaces: list[dict]) -> None:
        self._watched = _watched(namespaces, self.created)
        self._start, self._before = _states(self._watched), None
        self._counts = (len(self.created), 0)
        DEADLINE.first = self._first_operation

    def _first_operation(self) -> None:
        self._watched = [*self._watched, *self.created]
        self._before, self._counts = _states(self._watched), (self._counts[0], len(self.created))

    def stop(self) -> None:
        DEADLINE.first = None
        after = _states([*self._watched, *self.created])
        self.anywhere = _drew(self._start, after) or len(self.created) > self._counts[0]
        if self._before is not None:  # else no symbolic operation at all
            self.late = _drew(self._before, after) or len(self.created) > self._counts[1]


def _drew(before: dict[int, object], after: dict[int, object]) -> bool:
    return any(after[key] != value for key, value in before.items())


class _Created(list):
    """The generators created during a run, with the state each had when it was created (so
    that a draw on the line that creates the generator is found too)."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh: dict[int, object] = {}

    def append(self, generator: object) -> None:
        super().append(generator)
        self.fresh[id(generator)] = _fingerprint(generator)


class RandomCalls:
    """Finds the user line after which a random generator's state had changed.

    Use ``with calls.watching(namespaces):`` around the call of step; generators to watch are
    the global ones, ``calls.created`` (filled by :func:`install_salted_randomness`) and those
    in ``namespaces``. ``calls.first`` is then ``(filename, line)`` or ``None``.
    """

    def __init__(self) -> None:
        self.first: tuple[str, int] | None = None
        self.created = _Created()
        self._watched: list = []
        self._seen: dict[int, object] = {}
        self._last: dict[int, int] = {}

    def watching(self, namespaces: list[dict]) -> RandomCalls:
        self._watched = _watched(namespaces, self.created)
        return self

    def _states(self) -> dict[int, object]:
        return _states([*self._watched, *self.created])  # created: kept alive, ids stay theirs

    def __enter__(self) -> RandomCalls:
        self._seen = self._states()
        self._previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous)

    def _changed(self) -> bool:
        """Whether a generator seen before, or created since, has a new state."""
        states, before = self._states(), {**self.created.fresh, **self._seen}
        self._seen = states
        return any(key in before and before[key] != value for key, value in states.items())

    def _note(self, frame: FrameType, line: int) -> None:
        if self.first is None and self._changed():
            self.first = (frame.f_code.co_filename, line)

    def _call(self, frame: FrameType, event: str, arg: Any) -> Callable | None:
        if self.first is not None or not is_user_file(frame.f_code.co_filename):
            return None
        caller = frame.f_back
        if caller is not None and is_user_file(caller.f_code.co_filename):
            self._note(caller, caller.f_lineno)
        self._last[id(frame)] = frame.f_lineno
        return self._line

    def _line(self, frame: FrameType, event: str, arg: Any) -> Callable | None:
        self._note(frame, self._last.get(id(frame), frame.f_lineno))
        self._last[id(frame)] = frame.f_lineno
        return self._line if self.first is None else None
