"""Layer objects with forward/backward (``layers_lib.py``), tanh activations, each ``Dense``
layer sending the gradient back *before* it updates its weights.

Recipe: the true gradient of the mean squared error over the outputs,
``1/n_L sum_j (t_j - y_j)^2`` (``mse``), including the biases.
"""

from layers_lib import run_step


def step(params, x, t, lr):
    return run_step(params, x, t, lr)
