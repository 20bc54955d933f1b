"""A network as a list of layers of neuron dicts, the bias as the last weight, online updates
and ``from math import exp``, in the style of a popular from-scratch tutorial.

Recipe: ``delta = error * transfer_derivative(output)`` with the derivative written through the
neuron's output (``y * (1 - y)``), the hidden error the weighted sum of the next layer's deltas,
and ``w += l_rate * delta * input``: the true gradient of ``1/2 sum_j (t_j - y_j)^2`` for one
sample. With several samples the weights change after each one (online learning), so the
result is a sequence of steps, not one step on the batch.
"""

from math import exp


def activate(weights, inputs):
    activation = weights[-1]
    for i in range(len(weights) - 1):
        activation += weights[i] * inputs[i]
    return activation


def transfer(activation):
    return 1.0 / (1.0 + exp(-activation))


def forward_propagate(network, row):
    inputs = row
    for layer in network:
        new_inputs = []
        for neuron in layer:
            activation = activate(neuron["weights"], inputs)
            neuron["output"] = transfer(activation)
            new_inputs.append(neuron["output"])
        inputs = new_inputs
    return inputs


def transfer_derivative(output):
    return output * (1.0 - output)


def backward_propagate_error(network, expected):
    for i in reversed(range(len(network))):
        layer = network[i]
        errors = list()
        if i != len(network) - 1:
            for j in range(len(layer)):
                error = 0.0
                for neuron in network[i + 1]:
                    error += neuron["weights"][j] * neuron["delta"]
                errors.append(error)
        else:
            for j in range(len(layer)):
                neuron = layer[j]
                errors.append(expected[j] - neuron["output"])
        for j in range(len(layer)):
            neuron = layer[j]
            neuron["delta"] = errors[j] * transfer_derivative(neuron["output"])


def update_weights(network, row, l_rate):
    for i in range(len(network)):
        inputs = row
        if i != 0:
            inputs = [neuron["output"] for neuron in network[i - 1]]
        for neuron in network[i]:
            for j in range(len(inputs)):
                neuron["weights"][j] += l_rate * neuron["delta"] * inputs[j]
            neuron["weights"][-1] += l_rate * neuron["delta"]


def train_online(network, rows, targets, l_rate, update=update_weights):
    for row, expected in zip(rows, targets):
        forward_propagate(network, row)
        backward_propagate_error(network, expected)
        update(network, row, l_rate)


def to_network(params):
    network = []
    l = 1
    while f"W{l}" in params:
        rows = zip(params[f"W{l}"], params[f"b{l}"])
        network.append([{"weights": list(row) + [bias]} for row, bias in rows])
        l += 1
    return network


def to_params(network):
    params = {}
    for l, layer in enumerate(network, start=1):
        params[f"W{l}"] = [neuron["weights"][:-1] for neuron in layer]
        params[f"b{l}"] = [neuron["weights"][-1] for neuron in layer]
    return params


def step(params, x, t, lr):
    network = to_network(params)
    rows, targets = (x, t) if x.ndim == 2 else ([x], [t])
    train_online(network, [list(r) for r in rows], [list(e) for e in targets], lr)
    return to_params(network)
