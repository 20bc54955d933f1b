"""A softmax classifier with one sigmoid hidden layer, trained on mini-batches with the
categorical cross-entropy: the output error is ``y - t`` (what the Jacobian of softmax gives
for targets that sum to 1), averaged over the batch.

Recipe: the true gradient of the mean over the batch of ``-sum_j t_j log y_j``
(``symbolic-bp check --activation sigmoid,softmax --loss categorical_cross_entropy``).
"""

import numpy as np


def softmax(z):
    e = np.exp(z)
    return e / np.sum(e)


def train(params, x, t, lr, sigmoid_habit=False):
    W1, W2 = params["W1"], params["W2"]
    gW1, gW2 = np.zeros_like(W1), np.zeros_like(W2)
    for xs, ts in zip(x, t):
        h = 1 / (1 + np.exp(-(W1 @ xs)))
        y = softmax(W2 @ h)
        d2 = y - ts
        if sigmoid_habit:
            d2 = d2 * y * (1 - y)
        d1 = (W2.T @ d2) * h * (1 - h)
        gW2 = gW2 + np.outer(d2, h)
        gW1 = gW1 + np.outer(d1, xs)
    W1 -= lr * gW1 / len(x)
    W2 -= lr * gW2 / len(x)


def step(params, x, t, lr):
    train(params, x, t, lr)
