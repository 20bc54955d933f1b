"""Mini-batch training with L2 weight decay, as course notes write it after the first chapter:
the per-sample gradients are averaged over the batch, then the decay ``LAMBDA * W`` is added
to the weights' gradient (not to the biases').

Recipe: the true gradient of the mean over the batch of ``1/2 sum_j (t_j - y_j)^2`` plus
``LAMBDA/2 * sum w^2`` (``symbolic-bp check --batch N --l2 0.01``).
"""

import numpy as np

LAMBDA = 0.01


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def gradients(W1, b1, W2, b2, x, t):
    h = sigmoid(W1 @ x + b1)
    y = sigmoid(W2 @ h + b2)
    d2 = (y - t) * y * (1 - y)
    d1 = (W2.T @ d2) * h * (1 - h)
    return np.outer(d1, x), d1, np.outer(d2, h), d2


def step(params, x, t, lr):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    sums = [np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)]
    for xs, ts in zip(x, t):
        sums = [s + g for s, g in zip(sums, gradients(W1, b1, W2, b2, xs, ts))]
    gW1, gb1, gW2, gb2 = [s / len(x) for s in sums]
    return {
        "W1": W1 - lr * (gW1 + LAMBDA * W1),
        "b1": b1 - lr * gb1,
        "W2": W2 - lr * (gW2 + LAMBDA * W2),
        "b2": b2 - lr * gb2,
    }
