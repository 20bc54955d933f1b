"""Running a user's own backprop code on symbolic values (``symbolic-bp check``).

The user's file defines ``step(params, x, t, lr)``, a few lines that call their own code;
:func:`trace_step` calls it with :class:`Symbolic` values in place of numbers and reads each
parameter's update, ``new - old``, as a SymPy expression.

>>> import numpy as np
>>> from symbolic_bp.model.network import Network
>>> def step(params, x, t, lr):
...     y = 1 / (1 + np.exp(-(params["W1"] @ x)))
...     return {"W1": params["W1"] + lr * np.outer((t - y) * y * (1 - y), x)}
>>> trace_step(step, Network.build([1, 1])).updates["w1_1_1"]
eta*x_1*(1 - 1/(1 + exp(-w1_1_1*x_1)))*(t_1 - 1/(1 + exp(-w1_1_1*x_1)))/(1 + exp(-w1_1_1*x_1))

**How the code runs unchanged** (each mechanism in its module):

- :class:`Symbolic` (``_value``): arithmetic with numbers and other values, and the methods
  NumPy's object loops call, so NumPy object arrays work as they are: ``dot``, ``@``, ``.T``,
  ``outer``, ``reshape``, ``sum``, ``mean``, ``exp``, ``log``, ``tanh``, ``sqrt``, ``power``,
  in-place ``+=``. Float constants become exact fractions (``0.1 -> 1/10``).
- Shims (``_shims``) that only the user's code sees, through its imports and its modules'
  globals: ``math.exp``/``log``/``tanh``/... (also ``from math import exp``), NumPy's
  ``zeros``/``ones``/``empty``/``full`` and ``*_like`` for float and object dtypes (object
  arrays of exact constants, so ``a = np.zeros(n); a[j] = value`` holds a symbol), and
  ``scipy.special.expit`` once the code imports SciPy (SciPy is never needed otherwise).
- The file (``_program``) is executed like an import: ``__name__`` is its stem, so a
  ``__main__`` block does not run; its directory is first on ``sys.path``; local modules are
  imported afresh for every run; what it prints and warns is kept in the :class:`Trace`.
- Randomness (``_randomness``, ``_extremes``): two runs with differently salted random states;
  a step that drew random numbers runs twice more with every draw at the low and at the high
  end of its range (so a branch ``u < p`` goes both ways), and one that draws once it computes
  with the symbolic values runs with six salts in all; an update that differs between them
  depends on a draw and is refused, at the line of the draw.
- A time limit (``_limits``): a timer in the main thread, and a deadline every symbolic
  operation checks.

**What is refused** with a one-line :class:`TraceError` naming the file and line: a branch on
a symbolic value (``if y > 0.5:``, ``max(0, z)``, ``np.maximum``, ``np.clip``, ``np.where``),
``float()``/``int()``/``round()`` of a symbol (also storing one in a float array), a NumPy
routine without an object loop (``np.logaddexp``, ``np.isnan``, ``np.cbrt``),
any other exception the code raises on symbolic values, a step that returns wrong keys or
shapes, a file that does not exist, does not compile or does not define the function, and a
random draw the update depends on. :class:`TraceTimeout` when the limit passes. Everything is
put back afterwards (NumPy, math, ``__import__``, random states, ``sys.path``, modules), also
after an error.
"""

from ._arguments import step_arguments
from ._errors import TraceError, TraceTimeout
from ._trace import DEFAULT_TIME_LIMIT, Trace, trace_step
from ._value import Symbolic

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "Symbolic",
    "Trace",
    "TraceError",
    "TraceTimeout",
    "step_arguments",
    "trace_step",
]
