"""REFUSED: inverted dropout on the hidden layer. The update depends on the random mask, so
there is no single update to check: ``symbolic-bp check`` names the line of the draw.
"""

import numpy as np

rng = np.random.default_rng(0)


def step(params, x, t, lr):
    hidden = np.tanh(params["W1"] @ x)
    mask = rng.random(hidden.shape) < 0.5
    hidden = hidden * mask / 0.5
    y = params["W2"] @ hidden
    error = y - t
    params["W1"] -= lr * np.outer((params["W2"].T @ error) * (1 - hidden**2), x)
    params["W2"] -= lr * np.outer(error, hidden)
