"""Layer objects with ``forward`` and ``backward``, in the style of a popular from-scratch video
series: a ``Dense`` layer updates its own weights in ``backward`` and returns the gradient for
the layer before it; activation layers are layers too. Used by ``layers_right_order.py``,
``layers_update_first.py`` and ``wrong_derivative_of_net_input.py``.
"""

import numpy as np


class Layer:
    def __init__(self):
        self.input = None
        self.output = None

    def forward(self, input):
        raise NotImplementedError

    def backward(self, output_gradient, learning_rate):
        raise NotImplementedError


class Dense(Layer):
    def __init__(self, input_size, output_size):
        self.weights = np.random.randn(output_size, input_size)
        self.bias = np.random.randn(output_size, 1)

    def forward(self, input):
        self.input = input
        return np.dot(self.weights, self.input) + self.bias

    def backward(self, output_gradient, learning_rate):
        weights_gradient = np.dot(output_gradient, self.input.T)
        input_gradient = np.dot(self.weights.T, output_gradient)
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * output_gradient
        return input_gradient


class Activation(Layer):
    def __init__(self, activation, activation_prime):
        self.activation = activation
        self.activation_prime = activation_prime

    def forward(self, input):
        self.input = input
        return self.activation(self.input)

    def backward(self, output_gradient, learning_rate):
        return np.multiply(output_gradient, self.activation_prime(self.input))


class Tanh(Activation):
    def __init__(self):
        def tanh(x):
            return np.tanh(x)

        def tanh_prime(x):
            return 1 - np.tanh(x) ** 2

        super().__init__(tanh, tanh_prime)


class Sigmoid(Activation):
    def __init__(self):
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))

        def sigmoid_prime(x):
            s = sigmoid(x)
            return s * (1 - s)

        super().__init__(sigmoid, sigmoid_prime)


def mse(y_true, y_pred):
    return np.mean(np.power(y_true - y_pred, 2))


def mse_prime(y_true, y_pred):
    return 2 * (y_pred - y_true) / np.size(y_true)


def predict(network, input):
    output = input
    for layer in network:
        output = layer.forward(output)
    return output


def train_step(network, x, y, learning_rate):
    output = predict(network, x)
    grad = mse_prime(y, output)
    for layer in reversed(network):
        grad = layer.backward(grad, learning_rate)
    return mse(y, output)


def build(params, dense=Dense, activation=Tanh):
    network = []
    l = 1
    while f"W{l}" in params:
        rows, cols = params[f"W{l}"].shape
        layer = dense(cols, rows)
        layer.weights = params[f"W{l}"]
        layer.bias = params[f"b{l}"].reshape(-1, 1)
        network += [layer, activation()]
        l += 1
    return network


def read(network):
    dense = [layer for layer in network if isinstance(layer, Dense)]
    params = {f"W{l}": layer.weights for l, layer in enumerate(dense, start=1)}
    params.update({f"b{l}": layer.bias.reshape(-1) for l, layer in enumerate(dense, start=1)})
    return params


def run_step(params, x, t, lr, dense=Dense, activation=Tanh):
    network = build(params, dense, activation)
    train_step(network, x.reshape(-1, 1), t.reshape(-1, 1), lr)
    return read(network)
