"""What the user's code sees instead of some library functions while it runs.

Each shim answers symbolic input symbolically and hands everything else to the original, so the
same function serves the numbers and the symbols of the traced code:

- ``math.exp``, ``math.log``, ``math.tanh``, ... (``math`` calls ``float()`` on its argument,
  which a symbolic value refuses);
- ``numpy.zeros``, ``ones``, ``empty``, ``full`` and their ``*_like`` forms, for float and
  object dtypes: object arrays of exact :class:`Symbolic` constants, so that ``a = np.zeros(n);
  a[j] = value`` and ``np.zeros_like(W) + ...`` can hold symbols (a float array cannot; integer
  and boolean arrays, used as indices or masks, stay what they are);
- ``scipy.special.expit`` (a ufunc without an object loop), once the code imports SciPy.

Only the user's code sees them; the libraries keep the real functions (NumPy's own compiled
code calls ``np.empty`` and writes floats into it). Two routes reach the user's code, both undone
when the run ends, errors included:

- ``import numpy as np``, ``from math import exp`` and the like, executed by a user file while
  the shims are in place, get a :class:`ModuleProxy` (the module with the shims in front) or the
  shim itself, through a wrapper of ``builtins.__import__`` that looks at the importing file;
- modules imported before (and a callable's globals) have their global names that refer to
  ``numpy``, ``math``, ``scipy``, ``scipy.special`` or one of the shimmed functions rebound.

A shimmed function stored elsewhere before the run (a class attribute ``act = expit`` in a module
imported earlier) is not reached; the run then fails with a one-line error at its call.
"""

from __future__ import annotations

import builtins
import math
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ._limits import DEADLINE
from ._locate import is_user_file
from ._patches import Patches
from ._value import FUNCTIONS, Symbolic, as_expr, sigmoid

__all__ = ["ModuleProxy", "install_shims", "user_namespaces"]

#: ``math`` names and their symbolic form (the NumPy names where ``math`` differs)
MATH = {name: FUNCTIONS[name] for name in ("exp", "expm1", "log1p", "log2", "log10", "sqrt")}
MATH.update({name: FUNCTIONS[name] for name in ("sin", "cos", "tan", "sinh", "cosh", "tanh")})
MATH.update({name: FUNCTIONS["arc" + name[1:]] for name in ("asin", "acos", "atan")})
MATH.update({name: FUNCTIONS["arc" + name[1:]] for name in ("asinh", "acosh", "atanh")})
MATH_BINARY: dict[str, Callable[..., sp.Expr]] = {
    "log": lambda x, base=None: sp.log(x) if base is None else sp.log(x, base),
    "pow": lambda x, y: x**y,
    "fabs": lambda x: sp.Abs(x),
}

_ORIGINAL_EMPTY = np.empty


def _is_symbolic(args: tuple) -> bool:
    return any(isinstance(a, (Symbolic, sp.Basic)) for a in args)


def _math_shim(original: Callable, fn: Callable[..., sp.Expr]) -> Callable:
    def shim(*args: Any) -> Any:
        if not _is_symbolic(args):
            return original(*args)
        exprs = [as_expr(a) for a in args]
        if any(e is None for e in exprs):
            return original(*args)
        DEADLINE.check()
        return Symbolic(fn(*exprs))

    shim.__name__ = shim.__qualname__ = original.__name__
    shim.__doc__ = original.__doc__
    shim.__wrapped__ = original  # type: ignore[attr-defined]
    return shim


def _filled(shape: Any, value: object) -> np.ndarray:
    out = _ORIGINAL_EMPTY(shape, dtype=object)
    out.fill(Symbolic(value))
    return out


def _symbolic_kind(dtype: Any) -> bool:
    """Whether an array of ``dtype`` is one the shims make (float or object; ``None`` is
    NumPy's default, float64)."""
    try:
        return np.dtype(dtype).kind in "fO"
    except TypeError:
        return False


def _dtype_of(a: Any) -> Any:
    return a.dtype if isinstance(a, np.ndarray) else np.asarray(a).dtype


def _creator(original: Callable, value: int) -> Callable:
    """``zeros``/``ones``/``empty``(shape, dtype=None, order="C", *, device=None, like=None)."""

    def shim(shape: Any, dtype: Any = None, order: str = "C", **kwargs: Any) -> Any:
        if any(v is not None for v in kwargs.values()) or not _symbolic_kind(dtype):
            return original(shape, dtype, order, **kwargs)
        return _filled(shape, value)

    shim.__name__ = shim.__qualname__ = original.__name__
    shim.__doc__ = original.__doc__
    return shim


def _like(original: Callable, value: int) -> Callable:
    """``zeros_like``/``ones_like``/``empty_like``(a, dtype=None, order="K", subok=True,
    shape=None, *, device=None)."""

    def shim(a: Any, dtype: Any = None, order: str = "K", subok: bool = True, shape: Any = None,
             **kwargs: Any) -> Any:  # fmt: skip
        kind = _dtype_of(a) if dtype is None else dtype
        if any(v is not None for v in kwargs.values()) or not _symbolic_kind(kind):
            return original(a, dtype, order, subok, shape, **kwargs)
        return _filled(np.shape(a) if shape is None else shape, value)

    shim.__name__ = shim.__qualname__ = original.__name__
    shim.__doc__ = original.__doc__
    return shim


def _full(original: Callable, like: bool) -> Callable:
    """``full``(shape, fill_value, dtype=None, order="C", ...) and ``full_like``(a, fill_value,
    dtype=None, order="K", subok=True, shape=None, ...)."""

    def shim(first: Any, fill_value: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
        if dtype is None:
            symbolic = isinstance(fill_value, Symbolic)
            dtype = object if symbolic else _dtype_of(first if like else fill_value)
        shape = (args[2] if len(args) > 2 else kwargs.get("shape")) if like else first
        others = [v for k, v in kwargs.items() if v is not None and k != "shape"]
        if others or as_expr(fill_value) is None or not _symbolic_kind(dtype):
            return original(first, fill_value, dtype, *args, **kwargs)
        return _filled(np.shape(first) if shape is None else shape, fill_value)

    shim.__name__ = shim.__qualname__ = original.__name__
    shim.__doc__ = original.__doc__
    return shim


def _expit(original: Callable) -> Callable:
    def expit(x: Any, *args: Any, **kwargs: Any) -> Any:
        array = np.asarray(x)
        if array.dtype != object:
            return original(x, *args, **kwargs)
        DEADLINE.check()
        return np.frompyfunc(lambda v: Symbolic(sigmoid(Symbolic(v).expr)), 1, 1)(array)

    expit.__doc__ = original.__doc__
    expit.__wrapped__ = original  # type: ignore[attr-defined]
    return expit


class ModuleProxy(types.ModuleType):
    """A module as the user's code sees it: the shims first, every other name forwarded."""

    def __init__(self, module: types.ModuleType, shims: Mapping[str, object]) -> None:
        super().__init__(module.__name__, module.__doc__)
        self.__dict__.update(shims)
        self.__dict__["__wrapped__"] = module
        # ``from math import *`` reads __all__ or, without one, the module's own dict
        public = getattr(module, "__all__", None)
        self.__dict__["__all__"] = list(public or (n for n in dir(module) if n[0] != "_"))
        for name in ("__file__", "__path__", "__spec__", "__package__", "__loader__"):
            if hasattr(module, name):
                self.__dict__[name] = getattr(module, name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["__wrapped__"], name)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self.__dict__["__wrapped__"])) | set(self.__dict__))

    def __repr__(self) -> str:
        return f"<module {self.__name__!r} with symbolic_bp's tracing shims>"


def _numpy_shims() -> dict[str, object]:
    shims: dict[str, object] = {}
    for name, value in (("zeros", 0), ("ones", 1), ("empty", 0)):
        shims[name] = _creator(getattr(np, name), value)
    for name, value in (("zeros_like", 0), ("ones_like", 1), ("empty_like", 0)):
        shims[name] = _like(getattr(np, name), value)
    shims["full"] = _full(np.full, like=False)
    shims["full_like"] = _full(np.full_like, like=True)
    return shims


class Shims:
    """The replacements of one run: ``replace(obj)`` is what the user's code gets for ``obj``
    (a module proxy, a shimmed function, or ``obj`` itself)."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[object, object]] = {}
        self._add_module(np, _numpy_shims())
        math_shims = {
            n: _math_shim(getattr(math, n), f) for n, f in {**MATH, **MATH_BINARY}.items()
        }
        self._add_module(math, math_shims)
        self._scipy = False

    def _add_module(self, module: types.ModuleType, shims: Mapping[str, object]) -> ModuleProxy:
        proxy = ModuleProxy(module, shims)
        self._by_id[id(module)] = (module, proxy)  # the original is kept, so its id stays its own
        for name, shim in shims.items():
            original = getattr(module, name)
            self._by_id[id(original)] = (original, shim)
        return proxy

    def load_scipy(self) -> None:
        """Add the SciPy shims, once SciPy is imported (it is not imported for them)."""
        if self._scipy or "scipy" not in sys.modules:
            return
        self._scipy = True
        try:
            import scipy
            import scipy.special
        except ImportError:  # pragma: no cover - a broken SciPy install
            return
        special = self._add_module(scipy.special, {"expit": _expit(scipy.special.expit)})
        self._add_module(scipy, {"special": special})

    def replace(self, value: object) -> object:
        entry = self._by_id.get(id(value))
        return entry[1] if entry is not None and entry[0] is value else value


def _is_user_namespace(namespace: dict | None) -> bool:
    if namespace is None:
        return False
    filename = namespace.get("__file__")
    return not isinstance(filename, str) or is_user_file(filename)


def _import_hook(shims: Shims, original: Callable) -> Callable:
    def __import__(name: str, globals: dict | None = None, *args: Any, **kwargs: Any) -> Any:  # noqa: N807
        module = original(name, globals, *args, **kwargs)
        if name.partition(".")[0] == "scipy":
            shims.load_scipy()
        return shims.replace(module) if _is_user_namespace(globals) else module

    return __import__


def user_namespaces(extra: Iterable[dict] = ()) -> list[dict]:
    """The global namespaces of the user's modules now loaded, and ``extra``."""
    namespaces = {id(ns): ns for ns in extra}
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if (
            isinstance(filename, str)
            and is_user_file(filename)
            and not isinstance(module, ModuleProxy)
        ):
            namespaces.setdefault(id(module.__dict__), module.__dict__)
    return list(namespaces.values())


def install_shims(patches: Patches, namespaces: Iterable[dict] = ()) -> None:
    """Show the user's code the shims of ``math``, ``numpy`` and ``scipy.special`` until
    ``patches`` are restored: through imports, and by rebinding the names of the user's
    modules already loaded and of ``namespaces`` (a callable's globals)."""
    shims = Shims()
    shims.load_scipy()
    for namespace in user_namespaces(namespaces):
        for key, value in list(namespace.items()):
            replacement = shims.replace(value)
            if replacement is not value:
                patches.set_item(namespace, key, replacement)
    patches.set(builtins, "__import__", _import_hook(shims, builtins.__import__))
