"""A class with weight matrices and ``scipy.special.expit``, in the style of a best-selling
beginner's book on neural networks.

Recipe: the output errors ``t - y`` are sent back through the transposed weights *as they are*,
and the sigmoid's derivative ``y * (1 - y)`` appears only in each layer's update. That is the
AGH tutorial's recipe (``error_at_update``): right for the output layer, not the gradient for
the hidden layer (the derivative of the output layer is missing from the signal sent back).
"""

import numpy
import scipy.special


class NeuralNetwork:
    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate):
        self.inodes = inputnodes
        self.hnodes = hiddennodes
        self.onodes = outputnodes
        # weights drawn from a normal distribution around 0 (overwritten by step below)
        self.wih = numpy.random.normal(0.0, pow(self.inodes, -0.5), (self.hnodes, self.inodes))
        self.who = numpy.random.normal(0.0, pow(self.hnodes, -0.5), (self.onodes, self.hnodes))
        self.lr = learningrate
        self.activation_function = lambda x: scipy.special.expit(x)

    def query(self, inputs_list):
        inputs = numpy.array(inputs_list, ndmin=2).T
        hidden_outputs = self.activation_function(numpy.dot(self.wih, inputs))
        return self.activation_function(numpy.dot(self.who, hidden_outputs))

    def train(self, inputs_list, targets_list):
        inputs = numpy.array(inputs_list, ndmin=2).T
        targets = numpy.array(targets_list, ndmin=2).T

        hidden_outputs = self.activation_function(numpy.dot(self.wih, inputs))
        final_outputs = self.activation_function(numpy.dot(self.who, hidden_outputs))

        output_errors = targets - final_outputs
        # the hidden layer's error: the output errors split by the weights
        hidden_errors = numpy.dot(self.who.T, output_errors)

        self.who += self.lr * numpy.dot(
            output_errors * final_outputs * (1.0 - final_outputs), numpy.transpose(hidden_outputs)
        )
        self.wih += self.lr * numpy.dot(
            hidden_errors * hidden_outputs * (1.0 - hidden_outputs), numpy.transpose(inputs)
        )


def step(params, x, t, lr):
    hidden, inputs = params["W1"].shape
    net = NeuralNetwork(inputs, hidden, params["W2"].shape[0], lr)
    net.wih, net.who = params["W1"], params["W2"]
    net.train(list(x), list(t))
    return {"W1": net.wih, "W2": net.who}
