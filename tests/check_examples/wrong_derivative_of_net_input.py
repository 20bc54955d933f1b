"""WRONG: layer objects (``layers_lib.py``) with a sigmoid layer that keeps its *output* and
passes it to ``sigmoid_prime``, a derivative written for the *net input*: the code computes
``s(y) (1 - s(y))`` with ``y = s(z)`` where it needs ``s(z) (1 - s(z))`` (or ``y (1 - y)``).
"""

import numpy as np

from layers_lib import Sigmoid, run_step


class SigmoidKeepingOutput(Sigmoid):
    def forward(self, input):
        self.output = self.activation(input)
        return self.output

    def backward(self, output_gradient, learning_rate):
        return np.multiply(output_gradient, self.activation_prime(self.output))


def step(params, x, t, lr):
    return run_step(params, x, t, lr, activation=SigmoidKeepingOutput)
