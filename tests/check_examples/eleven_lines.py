"""The famous "neural network in 11 lines of NumPy" script, its loop wrapped in a function.

Recipe: the true gradient of ``1/2 sum_samples sum_j (t_j - y_j)^2``, the *sum* over the batch
(not the mean), and no learning rate: the step is ``-dE/dp`` itself, whatever ``lr`` is.
The weights are stored input-major (``syn0`` is ``n_0 x n_1``), so step transposes them.
The script's own data, random initial weights and training loop stay at the top level and
under ``__main__``; checking runs the file like an import, so the loop does not run.
"""

import numpy as np


def nonlin(x, deriv=False):
    if deriv:
        return x * (1 - x)
    return 1 / (1 + np.exp(-x))


X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
y = np.array([[0, 1, 1, 0]]).T
np.random.seed(1)
syn0 = 2 * np.random.random((3, 4)) - 1
syn1 = 2 * np.random.random((4, 1)) - 1


def train(X, y, syn0, syn1, iterations):
    for j in range(iterations):
        l0 = X
        l1 = nonlin(np.dot(l0, syn0))
        l2 = nonlin(np.dot(l1, syn1))
        l2_error = y - l2
        l2_delta = l2_error * nonlin(l2, deriv=True)
        l1_error = l2_delta.dot(syn1.T)
        l1_delta = l1_error * nonlin(l1, deriv=True)
        syn1 += l1.T.dot(l2_delta)
        syn0 += l0.T.dot(l1_delta)
    return syn0, syn1


if __name__ == "__main__":
    syn0, syn1 = train(X, y, syn0, syn1, 60000)
    print(nonlin(np.dot(nonlin(np.dot(X, syn0)), syn1)))


def step(params, x, t, lr):
    syn0, syn1 = train(x, t, params["W1"].T.copy(), params["W2"].T.copy(), iterations=1)
    return {"W1": syn0.T, "W2": syn1.T}
