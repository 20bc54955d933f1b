"""REFUSED: ReLU written with a branch on the neuron's net input. A branch on a value that
depends on the symbols cannot be traced: ``symbolic-bp check`` names the ``if`` line.
"""

import numpy as np


def relu(z):
    out = np.zeros_like(z)
    for j in range(len(z)):
        if z[j] > 0:
            out[j] = z[j]
    return out


def step(params, x, t, lr):
    y = relu(params["W1"] @ x)
    params["W1"] -= lr * np.outer(y - t, x)
