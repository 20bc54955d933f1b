r"""The built-in optimizer recipes, each as published (the source is in its ``source``).

``g_t`` is the gradient of the loss at the parameter after step ``t - 1`` (``g_t =
grad L(p_{t-1})``); every state starts at 0. Numbers of the steps start at 1.

====================  ==========================================================================
``sgd``               ``p_t = p_{t-1} - lr g_t``
``sgd_l2``            ``p_t = p_{t-1} - lr (g_t + l2 p_{t-1})``  (loss plus ``l2/2 |p|^2``)
``sgd_weight_decay``  ``p_t = p_{t-1} - lr g_t - wd p_{t-1}``  (decoupled decay)
``momentum``          ``v_t = mu v_{t-1} + g_t;  p_t = p_{t-1} - lr v_t``
``momentum_lr_inside`` ``v_t = mu v_{t-1} + lr g_t;  p_t = p_{t-1} - v_t``
``nesterov``          ``b_t = mu b_{t-1} + g_t;  p_t = p_{t-1} - lr (g_t + mu b_t)``
``nesterov_lookahead`` ``v_t = mu v_{t-1} - lr grad L(p_{t-1} + mu v_{t-1});  p_t = p_{t-1} + v_t``
``adam``              Kingma & Ba's Algorithm 1 (bias-corrected moments)
``adam_l2``           ``adam`` on ``g_t + l2 p_{t-1}``
``adamw``             ``adam`` plus ``- lr wd p_{t-1}`` (decoupled decay)
====================  ==========================================================================

>>> sorted(OPTIMIZERS)[:4]
['adam', 'adam_l2', 'adamw', 'momentum']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .recipes import OPTIMIZERS, Gradient, Hyper, Optimizer, register_optimizer
from .vector import Vec

__all__ = [
    "SGD",
    "SGDL2",
    "SGDWeightDecay",
    "Momentum",
    "MomentumLrInside",
    "Nesterov",
    "NesterovLookahead",
    "Adam",
    "AdamL2",
    "AdamW",
    "BUILT_IN_OPTIMIZERS",
]

Step = tuple[Vec, dict[str, Vec]]


class SGD(Optimizer):
    name = "sgd"
    description = "p_t = p_{t-1} - lr*g_t"
    source = "Robbins & Monro (1951); torch.optim.SGD with momentum=0, weight_decay=0"
    hyperparameters = ("lr",)

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        return p - h.lr * grad(p), {}


class SGDL2(Optimizer):
    name = "sgd_l2"
    description = "p_t = p_{t-1} - lr*(g_t + l2*p_{t-1}): SGD on the loss plus l2/2*|p|^2"
    source = (
        "L2 regularisation in the loss; torch.optim.SGD(weight_decay=l2) computes exactly this "
        "(its 'weight decay' is added to the gradient)"
    )
    hyperparameters = ("lr", "l2")

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        return p - h.lr * (grad(p) + h.l2 * p), {}


class SGDWeightDecay(Optimizer):
    name = "sgd_weight_decay"
    description = "p_t = p_{t-1} - lr*g_t - wd*p_{t-1}: decoupled weight decay"
    source = (
        "Hanson & Pratt (1988); Loshchilov & Hutter, 'Decoupled Weight Decay Regularization' "
        "(ICLR 2019), Eq. (1): theta_{t+1} = (1 - lambda) theta_t - alpha grad f_t(theta_t)"
    )
    hyperparameters = ("lr", "wd")

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        return p - h.lr * grad(p) - h.wd * p, {}


class Momentum(Optimizer):
    name = "momentum"
    description = "v_t = mu*v_{t-1} + g_t; p_t = p_{t-1} - lr*v_t"
    source = "torch.optim.SGD(momentum=mu) with dampening=0 (its documentation's note)"
    hyperparameters = ("lr", "mu")
    state = ("v",)

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        v = h.mu * state["v"] + grad(p)
        return p - h.lr * v, {"v": v}


class MomentumLrInside(Optimizer):
    name = "momentum_lr_inside"
    description = "v_t = mu*v_{t-1} + lr*g_t; p_t = p_{t-1} - v_t"
    source = (
        "Sutskever, Martens, Dahl & Hinton, 'On the importance of initialization and momentum "
        "in deep learning' (ICML 2013), Eq. (1)-(2) with v of the opposite sign; "
        "Keras SGD(momentum=mu)"
    )
    hyperparameters = ("lr", "mu")
    state = ("v",)

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        v = h.mu * state["v"] + h.lr * grad(p)
        return p - v, {"v": v}


class Nesterov(Optimizer):
    name = "nesterov"
    description = "b_t = mu*b_{t-1} + g_t; p_t = p_{t-1} - lr*(g_t + mu*b_t)"
    source = (
        "torch.optim.SGD(momentum=mu, nesterov=True), after Sutskever et al. (2013) as "
        "rewritten by Bengio, Boulanger-Lewandowski & Pascanu, 'Advances in optimizing "
        "recurrent networks' (2013): the stored parameter is the look-ahead point"
    )
    hyperparameters = ("lr", "mu")
    state = ("b",)

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        g = grad(p)
        b = h.mu * state["b"] + g
        return p - h.lr * (g + h.mu * b), {"b": b}


class NesterovLookahead(Optimizer):
    name = "nesterov_lookahead"
    description = "v_t = mu*v_{t-1} - lr*grad L(p_{t-1} + mu*v_{t-1}); p_t = p_{t-1} + v_t"
    source = (
        "Sutskever, Martens, Dahl & Hinton (ICML 2013), Eq. (3)-(4): the gradient is taken at "
        "the look-ahead point p + mu*v"
    )
    hyperparameters = ("lr", "mu")
    state = ("v",)

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        v = h.mu * state["v"] - h.lr * grad(p + h.mu * state["v"])
        return p + v, {"v": v}


def adam_direction(t: Any, g: Vec, state: Mapping[str, Vec], h: Hyper) -> tuple[Vec, Vec, Vec]:
    """Adam's moments ``m_t``, ``v_t`` from the gradient ``g`` and the bias-corrected step
    direction ``m_hat / (sqrt(v_hat) + eps)`` (Kingma & Ba, Algorithm 1)."""
    m = h.beta1 * state["m"] + (1 - h.beta1) * g
    v = h.beta2 * state["v"] + (1 - h.beta2) * g * g
    m_hat = m / (1 - h.beta1**t)
    v_hat = v / (1 - h.beta2**t)
    return m, v, m_hat / (v_hat.sqrt() + h.eps)


class Adam(Optimizer):
    name = "adam"
    description = (
        "m_t = beta1*m_{t-1} + (1-beta1)*g_t; v_t = beta2*v_{t-1} + (1-beta2)*g_t^2; "
        "p_t = p_{t-1} - lr*m_hat/(sqrt(v_hat) + eps), m_hat = m_t/(1-beta1^t), "
        "v_hat = v_t/(1-beta2^t)"
    )
    source = "Kingma & Ba, 'Adam: A Method for Stochastic Optimization' (ICLR 2015), Algorithm 1"
    hyperparameters = ("lr", "beta1", "beta2", "eps")
    state = ("m", "v")

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        m, v, direction = adam_direction(t, grad(p), state, h)
        return p - h.lr * direction, {"m": m, "v": v}


class AdamL2(Optimizer):
    name = "adam_l2"
    description = "adam on the gradient g_t + l2*p_{t-1} (L2 term l2/2*|p|^2 in the loss)"
    source = (
        "torch.optim.Adam(weight_decay=l2); Loshchilov & Hutter (2019), Algorithm 2 without "
        "the decoupled term ('Adam with L2 regularization')"
    )
    hyperparameters = ("lr", "beta1", "beta2", "eps", "l2")
    state = ("m", "v")

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        m, v, direction = adam_direction(t, grad(p) + h.l2 * p, state, h)
        return p - h.lr * direction, {"m": m, "v": v}


class AdamW(Optimizer):
    name = "adamw"
    description = "p_t = p_{t-1} - lr*(m_hat/(sqrt(v_hat) + eps) + wd*p_{t-1}), moments of g_t"
    source = (
        "torch.optim.AdamW (the decay multiplied by the learning rate); Loshchilov & Hutter "
        "(2019), Algorithm 2, multiply it by the schedule multiplier eta_t instead"
    )
    hyperparameters = ("lr", "beta1", "beta2", "eps", "wd")
    state = ("m", "v")

    def step(self, t: Any, p: Vec, state: Mapping[str, Vec], grad: Gradient, h: Hyper) -> Step:
        m, v, direction = adam_direction(t, grad(p), state, h)
        return p - h.lr * (direction + h.wd * p), {"m": m, "v": v}


BUILT_IN_OPTIMIZERS: tuple[str, ...] = (
    "sgd",
    "sgd_l2",
    "sgd_weight_decay",
    "momentum",
    "momentum_lr_inside",
    "nesterov",
    "nesterov_lookahead",
    "adam",
    "adam_l2",
    "adamw",
)

for _cls in (
    SGD,
    SGDL2,
    SGDWeightDecay,
    Momentum,
    MomentumLrInside,
    Nesterov,
    NesterovLookahead,
    Adam,
    AdamL2,
    AdamW,
):
    if _cls.name not in OPTIMIZERS:
        register_optimizer(_cls())
