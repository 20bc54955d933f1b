"""Optimizer recipes: the registry, a user's own recipe, deliberately wrong recipes (each must be
refuted with a counterexample the independent oracle reproduces), and bad recipes (one-line
errors)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from symbolic_bp import (
    InputError,
    Optimizer,
    get_optimizer,
    register_optimizer,
    unregister_optimizer,
)
from symbolic_bp.optim import OPTIMIZERS, Vec, prove_optimizers
from symbolic_bp.optim.builtin import BUILT_IN_OPTIMIZERS, Adam, NesterovLookahead, adam_direction

from .optim_oracle import iterate, polynomial_gradient


@pytest.fixture
def registered():
    """Register recipes for one test and remove them afterwards."""
    names = []

    def add(opt):
        register_optimizer(opt)
        names.append(opt.name)
        return opt.name

    yield add
    for n in names:
        unregister_optimizer(n)


# -- deliberately wrong recipes ------------------------------------------------------------
class NoMCorrection(Adam):
    """Adam without the bias correction of the first moment."""

    name = "wrong_no_m_correction"

    def step(self, t, p, state, grad, h):
        g = grad(p)
        m = h.beta1 * state["m"] + (1 - h.beta1) * g
        v = h.beta2 * state["v"] + (1 - h.beta2) * g * g
        return p - h.lr * m / ((v / (1 - h.beta2**t)).sqrt() + h.eps), {"m": m, "v": v}


class LrTwice(Optimizer):
    """SGD with the learning rate applied twice."""

    name = "wrong_lr_twice"
    hyperparameters = ("lr",)

    def step(self, t, p, state, grad, h):
        return p - h.lr * (h.lr * grad(p)), {}


class DecayBeforeGradient(Optimizer):
    """Decoupled decay applied to p before the gradient is taken (at the decayed point)."""

    name = "wrong_decay_before_gradient"
    hyperparameters = ("lr", "wd")

    def step(self, t, p, state, grad, h):
        q = p - h.wd * p
        return q - h.lr * grad(q), {}


def _reproduce(report, wrong, right):
    """The oracle (plain Python, both the right and the wrong recipe written again) gives the
    counterexample's exact values, and they differ."""
    ce = report.counterexample
    assert ce is not None and ce.exact
    point = {k: Fraction(v) for k, v in ce.to_dict()["point"].items()}
    p0 = [point.pop("p0_1"), point.pop("p0_2")]
    grad = polynomial_gradient(ce.loss, 2)
    got = {}
    for name in (wrong, right):
        got[name] = iterate(name, grad, p0, point, ce.step)[ce.step][ce.coordinate - 1]
    assert got[wrong] != got[right]
    assert got == {k: Fraction(v) for k, v in ce.values.items()}


@pytest.mark.parametrize(
    "recipe, right, condition",
    [
        pytest.param(NoMCorrection(), "adam", "beta1 = 0", id="missing-bias-correction"),
        pytest.param(LrTwice(), "sgd", None, id="lr-applied-twice"),
        pytest.param(DecayBeforeGradient(), "sgd_weight_decay", "wd = 0", id="decay-first"),
    ],
)
def test_wrong_recipes_are_refuted(registered, recipe, right, condition):
    name = registered(recipe)
    report = prove_optimizers(name, right, steps=2)
    assert report.equivalent is False and report.exit_code == 1
    _reproduce(report, name, right)
    if condition is None:
        assert report.conditions == []
    else:
        assert condition in report.conditions


def test_pytorch_adamw_order_is_proven_equal(registered):
    """torch.optim.AdamW multiplies p by (1 - lr*wd) before adding the Adam step, but with the
    gradient taken before: the same recipe as adamw, proven."""

    class TorchOrder(Adam):
        name = "adamw_torch_order"
        hyperparameters = ("lr", "beta1", "beta2", "eps", "wd")

        def step(self, t, p, state, grad, h):
            g = grad(p)
            p = p * (1 - h.lr * h.wd)
            m, v, direction = adam_direction(t, g, state, h)
            return p - h.lr * direction, {"m": m, "v": v}

    report = prove_optimizers(registered(TorchOrder()), "adamw", steps=3)
    assert report.equivalent is True


def test_nesterov_is_the_lookahead_form_seen_at_its_lookahead_point(registered):
    """PyTorch's Nesterov parameter is Sutskever's look-ahead point p + mu*v (constant rate)."""

    class AtLookahead(NesterovLookahead):
        name = "nesterov_lookahead_point"

        def observe(self, p, state, h):
            return p + h.mu * state["v"]

    name = registered(AtLookahead())
    assert prove_optimizers(name, "nesterov", steps=4, conditions=False).equivalent is True
    report = prove_optimizers(name, "nesterov", steps=3, lr_schedule="per-step")
    assert report.equivalent is False
    assert report.conditions[0].startswith("a constant learning rate")


def test_no_proportional_decay_makes_adam_l2_and_adamw_agree():
    """The search for c in wd = c*l2: each constraint it reports is re-derived with the
    oracle (step 1 of AdamW is linear in wd), and two of them need different c."""
    report = prove_optimizers("adam_l2", "adamw", steps=2)
    assert report.conditions == ["l2 = 0 and wd = 0"]
    searched = {c.condition: c for c in report.searched}
    for relation in ("wd = l2", "wd = l2*lr", "l2 = lr*wd", "wd = 0", "l2 = 0"):
        assert searched[relation].status == "differs"
    result = searched["wd = c*l2 for any number c"]
    assert result.status == "differs"
    hyper = {k: Fraction(v) for k, v in result.details["hyperparameters"].items()}
    needed = []
    for constraint in result.details["constraints"]:
        assert constraint["entry"] == "p1_1"
        p0 = [Fraction(v) for v in constraint["start"].values()]
        grad = polynomial_gradient(constraint["loss"], 2)
        with_l2 = iterate("adam_l2", grad, p0, hyper, 1)[1][0]
        without = iterate("adamw", grad, p0, {**hyper, "wd": Fraction(0)}, 1)[1][0]
        # adamw's p1_1 = without - lr*wd*p0_1: agreement needs wd = (without - with_l2)/(lr p0_1)
        c = (without - with_l2) / (hyper["lr"] * p0[0]) / hyper["l2"]
        assert constraint["c"] == f"c = {c}"
        needed.append(c)
    assert len(set(needed)) > 1


# -- the registry ---------------------------------------------------------------------------
def test_builtin_recipes_are_registered():
    assert set(BUILT_IN_OPTIMIZERS) <= set(OPTIMIZERS)
    for name in BUILT_IN_OPTIMIZERS:
        opt = get_optimizer(name)
        assert opt.source and opt.description, name


def test_unknown_name_suggests_close_ones():
    with pytest.raises(InputError, match="did you mean momentum_lr_inside or momentum"):
        get_optimizer("momentum_lr_insid")
    with pytest.raises(InputError, match=r"unknown optimizer 'zzz'; valid: sgd, "):
        get_optimizer("zzz")


@pytest.mark.parametrize(
    "attrs, message",
    [
        pytest.param({"name": "bad name"}, "must be an identifier", id="name"),
        pytest.param({"hyperparameters": ("mu",)}, "must declare the learning rate", id="no-lr"),
        pytest.param({"hyperparameters": ("lr", "b_1")}, "hyperparameter name 'b_1'", id="hyper"),
        pytest.param({"state": ("p",)}, "reserved", id="state-p"),
        pytest.param(
            {"state": ("mu",), "hyperparameters": ("lr", "mu")}, "names a hyper", id="clash"
        ),
    ],
)
def test_malformed_recipes_are_refused(attrs, message):
    class Bad(Optimizer):
        name = "bad"

        def step(self, t, p, state, grad, h):
            return p, dict(state)

    for key, value in attrs.items():
        setattr(Bad, key, value)
    with pytest.raises(InputError, match=message):
        register_optimizer(Bad())
    assert "bad" not in OPTIMIZERS and "bad name" not in OPTIMIZERS


def test_a_name_is_registered_once(registered):
    registered(LrTwice())
    with pytest.raises(InputError, match="already registered"):
        register_optimizer(LrTwice())


@pytest.mark.parametrize(
    "body, message",
    [
        pytest.param(
            lambda t, p, s, g, h: (p - h.mu * g(p), {}),
            "reads hyperparameter 'mu'",
            id="undeclared-hyper",
        ),
        pytest.param(lambda t, p, s, g, h: (p, {"x": p}), "returned the state", id="state"),
        pytest.param(lambda t, p, s, g, h: p, "must return", id="not-a-pair"),
        pytest.param(lambda t, p, s, g, h: (p[0:1], {}), "as p, not a Vec", id="tuple-p"),
        pytest.param(
            lambda t, p, s, g, h: (Vec([p[0]]), {}), "p is not a vector of 2", id="short-p"
        ),
        pytest.param(lambda t, p, s, g, h: (p - 0.5 * g(p), {}), "a float", id="float"),
        pytest.param(
            lambda t, p, s, g, h: (p - g(p[0]), {}), "asked for the gradient", id="grad-of-scalar"
        ),
    ],
)
def test_a_recipe_that_misbehaves_gets_a_one_line_error(body, message):
    class Broken(Optimizer):
        name = "broken"
        hyperparameters = ("lr",)

        def step(self, t, p, state, grad, h):
            return body(t, p, state, grad, h)

    with pytest.raises(InputError, match=message) as info:
        prove_optimizers(Broken(), "sgd")
    assert "\n" not in str(info.value)


def test_user_recipe_in_a_few_lines(registered):
    """A framework's own form, registered and proven like the built-in ones."""

    class KerasMomentum(Optimizer):
        """Keras: velocity = momentum*velocity - lr*g; w = w + velocity."""

        name = "keras_momentum"
        hyperparameters = ("lr", "mu")
        state = ("v",)

        def step(self, t, p, state, grad, h):
            v = h.mu * state["v"] - h.lr * grad(p)
            return p + v, {"v": v}

    report = prove_optimizers(registered(KerasMomentum()), "momentum")
    assert report.equivalent is True


def test_time_limit_gives_unknown_not_a_verdict():
    from symbolic_bp.proof.results import Limits

    report = prove_optimizers("adam_l2", "adamw", steps=6, limits=Limits(timeout=0.05))
    assert report.equivalent is None and report.exit_code == 3
    assert any("time limit" in n for n in report.notes)


def test_an_identity_that_needs_square_root_algebra_is_unknown_never_equal(registered):
    """Adam's 'efficient' form (Kingma & Ba, end of section 2) equals adam when eps = 0, but
    only through sqrt(v/(1 - beta2^t)) = sqrt(v)/sqrt(1 - beta2^t), which the zero test does not
    use: step 1 is proven, later steps stay unknown (and no counterexample can exist)."""

    class Efficient(Adam):
        name = "adam_efficient"

        def step(self, t, p, state, grad, h):
            g = grad(p)
            m = h.beta1 * state["m"] + (1 - h.beta1) * g
            v = h.beta2 * state["v"] + (1 - h.beta2) * g * g
            rate = h.lr * sp.sqrt(1 - h.beta2**t) / (1 - h.beta1**t)
            return p - rate * m / (v.sqrt() + h.eps), {"m": m, "v": v}

    report = prove_optimizers(registered(Efficient()), "adam", steps=2, hyper="eps=0")
    assert [s.status for s in report.steps] == ["equal", "unknown"]
    assert report.equivalent is None


def test_a_recipe_with_hidden_state_is_refused():
    """A recipe that counts its calls in an attribute is no recurrence: refused, not proven."""

    class Counting(Optimizer):
        name = "counting"
        hyperparameters = ("lr",)
        calls = 0

        def step(self, t, p, state, grad, h):
            self.calls += 1
            return p - h.lr * grad(p) * (1 if self.calls < 4 else 2), {}

    with pytest.raises(InputError, match="keeps state outside the state it returns"):
        prove_optimizers(Counting(), "sgd")
