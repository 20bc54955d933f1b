"""WRONG: the per-neuron objects (``neuron_objects.py``) with the bias never updated: the
weights follow the gradient, the biases do not move.
"""

from neuron_objects import Neuron, run_step


class NeuronWithFixedBias(Neuron):
    def adjust(self, pd_error_wrt_net_input, learning_rate):
        for i in range(len(self.weights)):
            self.weights[i] -= learning_rate * pd_error_wrt_net_input * self.inputs[i]


def step(params, x, t, lr):
    return run_step(NeuronWithFixedBias, params, x, t, lr)
