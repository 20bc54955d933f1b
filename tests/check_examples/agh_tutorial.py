"""The AGH Krakow tutorial ("Principles of training multi-layer neural network using
backpropagation"), written for this project as a learner would type it: plain lists, one loop
per neuron, ``math.exp``, any number of layers.

Recipe: the error of a hidden neuron is the weighted sum of the *errors* of the next layer
(no derivative on the way back); the derivative appears only in the weight update,
``w += eta * error * df(e)/de * input``. That is ``error_at_update``: right for the output
layer, not the gradient below it.
"""

import math


def f(e):
    return 1 / (1 + math.exp(-e))


def df(e):
    return f(e) * (1 - f(e))


def step(params, x, t, lr):
    layers = [[list(row) for row in params[f"W{l}"]] for l in range(1, len(params) + 1)]
    inputs, nets = [list(x)], []
    for W in layers:  # forward: e = sum w * y, y = f(e)
        nets.append([sum(w * y for w, y in zip(row, inputs[-1])) for row in W])
        inputs.append([f(e) for e in nets[-1]])
    errors = [t_j - y_j for t_j, y_j in zip(t, inputs[-1])]
    all_errors = [errors]
    for W in reversed(layers[1:]):  # errors sent back through the weights as they are
        errors = [sum(W[k][j] * errors[k] for k in range(len(W))) for j in range(len(W[0]))]
        all_errors.insert(0, errors)
    for W, e, d, y in zip(layers, nets, all_errors, inputs):
        for j, row in enumerate(W):
            for i in range(len(row)):
                row[i] += lr * d[j] * df(e[j]) * y[i]
    return {f"W{l}": W for l, W in enumerate(layers, start=1)}
