"""Layer objects with forward/backward whose ``Dense`` layer updates its weights *before* it
computes the gradient it sends back: a bug that a popular from-scratch series carried for
months.

Recipe: ``inplace``: each layer's signal goes back through the already updated weights
``W - lr * dW``, so every layer below the output one differs from the gradient.
"""

import numpy as np

from layers_lib import Dense, run_step


class DenseUpdateFirst(Dense):
    def backward(self, output_gradient, learning_rate):
        weights_gradient = np.dot(output_gradient, self.input.T)
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * output_gradient
        return np.dot(self.weights.T, output_gradient)


def step(params, x, t, lr):
    return run_step(params, x, t, lr, dense=DenseUpdateFirst)
