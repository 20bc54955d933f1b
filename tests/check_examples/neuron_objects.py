"""Per-neuron objects with ``math.exp`` and a learning rate held as a class attribute, in the
style of a popular step-by-step worked example.

Recipe: the true gradient of ``1/2 sum_j (t_j - y_j)^2``. Every partial derivative is taken
with respect to a neuron's net input first (``dE/dnet``), all of them before any weight
changes; biases (one per neuron) are learned like weights.
"""

import math


class Neuron:
    def __init__(self, weights, bias):
        self.weights = weights
        self.bias = bias

    def calculate_output(self, inputs):
        self.inputs = inputs
        self.output = self.squash(self.calculate_total_net_input())
        return self.output

    def calculate_total_net_input(self):
        total = 0
        for i in range(len(self.inputs)):
            total += self.inputs[i] * self.weights[i]
        return total + self.bias

    def squash(self, total_net_input):
        return 1 / (1 + math.exp(-total_net_input))

    def pd_error_wrt_output(self, target_output):
        return -(target_output - self.output)

    def pd_output_wrt_net_input(self):
        return self.output * (1 - self.output)

    def pd_error_wrt_net_input(self, target_output):
        return self.pd_error_wrt_output(target_output) * self.pd_output_wrt_net_input()

    def adjust(self, pd_error_wrt_net_input, learning_rate):
        for i in range(len(self.weights)):
            self.weights[i] -= learning_rate * pd_error_wrt_net_input * self.inputs[i]
        self.bias -= learning_rate * pd_error_wrt_net_input


class NeuronLayer:
    def __init__(self, rows, biases, neuron_class=Neuron):
        self.neurons = [neuron_class(list(row), bias) for row, bias in zip(rows, biases)]

    def feed_forward(self, inputs):
        return [neuron.calculate_output(inputs) for neuron in self.neurons]


class NeuralNetwork:
    LEARNING_RATE = 0.5

    def __init__(self, hidden_layer, output_layer):
        self.hidden_layer = hidden_layer
        self.output_layer = output_layer

    def feed_forward(self, inputs):
        return self.output_layer.feed_forward(self.hidden_layer.feed_forward(inputs))

    def train(self, training_inputs, training_outputs):
        self.feed_forward(training_inputs)

        # 1. output neurons: dE/dnet
        output_deltas = [0] * len(self.output_layer.neurons)
        for o, neuron in enumerate(self.output_layer.neurons):
            output_deltas[o] = neuron.pd_error_wrt_net_input(training_outputs[o])

        # 2. hidden neurons: dE/dy = sum over the outputs of dE/dnet_o * w_oh
        hidden_deltas = [0] * len(self.hidden_layer.neurons)
        for h, neuron in enumerate(self.hidden_layer.neurons):
            d_error_wrt_output = 0
            for o, output_neuron in enumerate(self.output_layer.neurons):
                d_error_wrt_output += output_deltas[o] * output_neuron.weights[h]
            hidden_deltas[h] = d_error_wrt_output * neuron.pd_output_wrt_net_input()

        # 3. and 4. every weight and bias, now that all the deltas are known
        for o, neuron in enumerate(self.output_layer.neurons):
            neuron.adjust(output_deltas[o], NeuralNetwork.LEARNING_RATE)
        for h, neuron in enumerate(self.hidden_layer.neurons):
            neuron.adjust(hidden_deltas[h], NeuralNetwork.LEARNING_RATE)


def layers_of(network):
    out = {}
    for l, layer in ((1, network.hidden_layer), (2, network.output_layer)):
        out[f"W{l}"] = [neuron.weights for neuron in layer.neurons]
        out[f"b{l}"] = [neuron.bias for neuron in layer.neurons]
    return out


def run_step(neuron_class, params, x, t, lr):
    hidden = NeuronLayer(params["W1"], params["b1"], neuron_class)
    output = NeuronLayer(params["W2"], params["b2"], neuron_class)
    network = NeuralNetwork(hidden, output)
    NeuralNetwork.LEARNING_RATE = lr
    network.train(list(x), list(t))
    return layers_of(network)


def step(params, x, t, lr):
    return run_step(Neuron, params, x, t, lr)
