"""Running a user's own backprop code on symbolic values (``symbolic-bp check``).

The user's file defines ``step(params, x, t, lr)``, a few lines that call their own code;
:func:`trace_step` calls it with :class:`Symbolic` values in place of numbers and reads each
parameter's update, ``new - old``, as a SymPy expression.

>>> import numpy as np
>>> from symbolic_bp.network import Network
>>> def step(params, x, t, lr):
...     y = 1 / (1 + np.exp(-(params["W1"] @ x)))
...     return {"W1": params["W1"] + lr * np.outer((t - y) * y * (1 - y), x)}
>>> trace_step(step, Network.build([1, 1])).updates["w1_1_1"]
eta*x_1*(1 - 1/(1 + exp(-w1_1_1*x_1)))*(t_1 - 1/(1 + exp(-w1_1_1*x_1)))/(1 + exp(-w1_1_1*x_1))
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
