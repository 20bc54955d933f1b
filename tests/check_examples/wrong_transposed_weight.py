"""WRONG: the 11-lines script (``eleven_lines.py``) with the error sent back through ``syn1``
instead of its transpose ``syn1.T``. It runs whenever the layers are square, so nothing but the
values says it is wrong: the hidden layer's update uses w2_k_j where it needs w2_j_k.
"""

import numpy as np


def nonlin(x, deriv=False):
    if deriv:
        return x * (1 - x)
    return 1 / (1 + np.exp(-x))


def train(X, y, syn0, syn1, iterations):
    for j in range(iterations):
        l0 = X
        l1 = nonlin(np.dot(l0, syn0))
        l2 = nonlin(np.dot(l1, syn1))
        l2_error = y - l2
        l2_delta = l2_error * nonlin(l2, deriv=True)
        l1_error = l2_delta.dot(syn1)  # should be syn1.T
        l1_delta = l1_error * nonlin(l1, deriv=True)
        syn1 += l1.T.dot(l2_delta)
        syn0 += l0.T.dot(l1_delta)
    return syn0, syn1


def step(params, x, t, lr):
    syn0, syn1 = train(x, t, params["W1"].T.copy(), params["W2"].T.copy(), iterations=1)
    return {"W1": syn0.T, "W2": syn1.T}
