"""WRONG: the list-of-dicts network (``list_of_dicts.py``) with the error taken as
``output - expected`` but the update still ``w += l_rate * delta * input``: gradient *ascent*,
every update the negative of the gradient step.
"""

import list_of_dicts as net


def backward_output_minus_target(network, expected):
    net.backward_propagate_error(network, expected)
    for neuron in network[-1]:  # flip the output deltas (error = output - expected) ...
        neuron["delta"] = -neuron["delta"]
    for i in reversed(range(len(network) - 1)):  # ... and recompute the hidden ones from them
        for j, neuron in enumerate(network[i]):
            error = sum(n["weights"][j] * n["delta"] for n in network[i + 1])
            neuron["delta"] = error * net.transfer_derivative(neuron["output"])


def step(params, x, t, lr):
    network = net.to_network(params)
    net.forward_propagate(network, list(x))
    backward_output_minus_target(network, list(t))
    net.update_weights(network, list(x), lr)  # still +=: the sign is now wrong
    return net.to_params(network)
