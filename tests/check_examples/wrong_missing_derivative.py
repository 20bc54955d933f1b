"""WRONG: the mini-batch class (``minibatch_class.py``) with the output layer's derivative left
out: ``delta = (y - t)`` instead of ``(y - t) * sigmoid'(z)``. That would be right for a
sigmoid with cross-entropy; for the squared error it is not the gradient in any layer.
"""

from minibatch_class import MiniBatchNet, run_step


class MissingDerivative(MiniBatchNet):
    def output_delta(self, activation, z, y):
        return self.cost_derivative(activation, y)


def step(params, x, t, lr):
    return run_step(MissingDerivative, params, x, t, lr)
