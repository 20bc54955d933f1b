"""A class with ``np.exp`` sigmoid, column-vector biases and mini-batch updates
``eta / len(batch)``, in the style of a widely read online book.

Recipe: the true gradient of the mean (over the batch) of ``1/2 sum_j (t_j - y_j)^2``: the
per-sample gradients are summed, and the update divides by the batch size.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class MiniBatchNet:
    def __init__(self, sizes):
        self.sizes = sizes
        self.biases = [np.random.randn(n, 1) for n in sizes[1:]]
        self.weights = [np.random.randn(n, m) for m, n in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def train_batch(self, batch, eta):
        grad_b = [np.zeros(b.shape) for b in self.biases]
        grad_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in batch:
            sample_b, sample_w = self.gradients(x, y)
            grad_b = [gb + sb for gb, sb in zip(grad_b, sample_b)]
            grad_w = [gw + sw for gw, sw in zip(grad_w, sample_w)]
        self.weights = [w - (eta / len(batch)) * gw for w, gw in zip(self.weights, grad_w)]
        self.biases = [b - (eta / len(batch)) * gb for b, gb in zip(self.biases, grad_b)]

    def output_delta(self, activation, z, y):
        return self.cost_derivative(activation, y) * sigmoid_prime(z)

    def gradients(self, x, y):
        grad_b = [np.zeros(b.shape) for b in self.biases]
        grad_w = [np.zeros(w.shape) for w in self.weights]
        activation, activations, zs = x, [x], []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.output_delta(activations[-1], zs[-1], y)
        grad_b[-1] = delta
        grad_w[-1] = np.dot(delta, activations[-2].transpose())
        for back in range(2, len(self.sizes)):
            delta = np.dot(self.weights[-back + 1].transpose(), delta) * sigmoid_prime(zs[-back])
            grad_b[-back] = delta
            grad_w[-back] = np.dot(delta, activations[-back - 1].transpose())
        return grad_b, grad_w

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def run_step(net_class, params, x, t, lr):
    depth = sum(1 for key in params if key.startswith("W"))
    sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, depth + 1)]
    net = net_class(sizes)
    net.weights = [params[f"W{l}"] for l in range(1, depth + 1)]
    net.biases = [params[f"b{l}"].reshape(-1, 1) for l in range(1, depth + 1)]
    rows = zip(x, t) if x.ndim == 2 else [(x, t)]
    batch = [(xs.reshape(-1, 1), ts.reshape(-1, 1)) for xs, ts in rows]
    net.train_batch(batch, lr)
    new = {f"W{l}": w for l, w in enumerate(net.weights, start=1)}
    new.update({f"b{l}": b.reshape(-1) for l, b in enumerate(net.biases, start=1)})
    return new


def step(params, x, t, lr):
    return run_step(MiniBatchNet, params, x, t, lr)
