r"""Activation functions as objects that carry their own math.

An :class:`Activation` knows its expression ``f(x)``, its derivative ``f'(x)`` and, where one
exists, the derivative written through the neuron's output, ``g(y)`` with ``g(f(x)) = f'(x)``
(sigmoid: ``y (1 - y)``; tanh: ``1 - y**2``). Nothing else in the package names a particular
activation.

The ``generic`` activation of layer ``l`` is an undefined function ``f_l`` whose derivative is a
second undefined function ``f_l'``; a proof with generic activations therefore holds for every
differentiable activation. ReLU's derivative at 0 is taken to be 0 (``Heaviside(x, 0)``), in the
symbolic and the numeric paths alike.

>>> sig = get_activation("sigmoid")
>>> sig(X), sig.derivative(X)
(sigmoid(x), sigmoid'(x))
>>> sig.unfold(sig.derivative(X))
exp(-x)/(1 + exp(-x))**2
>>> sig.derivative_from_output(sp.Symbol("y"))
y*(1 - y)
>>> generic(2).derivative(X)
f_2'(x)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, ClassVar

import sympy as sp
from sympy.codegen.numpy_nodes import logaddexp

from ..errors import InputError, unknown_name
from ..parsing import X, parse_expression
from .numeric_forms import ExpInf
from .piecewise import LeakyReLU, LeakyStep, ReLU, ReLUStep
from .softmax import LogSumExp, jacobian_lemma, softmax_backward, softmax_output

__all__ = [
    "Activation",
    "Softmax",
    "ACTIVATIONS",
    "get_activation",
    "generic",
    "custom",
    "parse_activation",
    "ACTIVATION_NAMES",
    "Y",
    "layer_label",
]

Y = sp.Symbol("y", real=True)


@dataclass(frozen=True)
class Activation:
    r"""An activation ``f`` with its derivative.

    **Fields:**

    - ``name``: the name used on the command line and in reports.
    - ``expr``: ``f(x)`` in the real symbol :data:`~symbolic_bp.parsing.X`.
    - ``derivative_expr``: ``f'(x)``.
    - ``output_derivative_expr``: ``g(y)`` with ``g(f(x)) = f'(x)``, or ``None`` when the
      derivative cannot be written through the output.
    - ``is_generic``: ``True`` for an undefined function (no numeric form).
    - ``unit_interval``: outputs lie in ``(0, 1)`` (needed by the cross-entropy loss).

    An activation acts on one neuron (``is_vector`` false); :class:`Softmax` acts on a whole
    layer. What a network asks of either is :meth:`output`, :meth:`partial` and
    :meth:`backward`, so that nothing else tells the two apart.
    """

    is_vector: ClassVar[bool] = False

    name: str
    expr: sp.Expr = field(compare=False)
    derivative_expr: sp.Expr = field(compare=False)
    output_derivative_expr: sp.Expr | None = field(default=None, compare=False)
    is_generic: bool = False
    description: str = ""
    unit_interval: bool = False
    opaque: tuple[type[sp.Function], type[sp.Function]] | None = field(
        default=None, compare=False, repr=False
    )
    #: a user's own expression (printed as its layer's ``f_l``, defined in a report's legend)
    custom: bool = False

    def __call__(self, z: sp.Expr) -> sp.Expr:
        """``f(z)``: for a named activation an opaque application such as ``sigmoid(z)``
        (it evaluates at numbers and unfolds with :meth:`unfold`)."""
        if self.opaque is not None:
            return self.opaque[0](z)
        return self.expr.xreplace({X: z})

    def derivative(self, z: sp.Expr) -> sp.Expr:
        """``f'(z)``: for a named activation an opaque application such as ``sigmoid'(z)``."""
        if self.opaque is not None:
            return self.opaque[1](z)
        return self.derivative_expr.xreplace({X: z})

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every opaque ``f(a)``, ``f'(a)`` of this activation written out."""
        if self.opaque is None:
            return expr
        f, df = self.opaque
        expr = expr.replace(f, lambda a: self.expr.xreplace({X: a}))
        return expr.replace(df, lambda a: self.derivative_expr.xreplace({X: a}))

    def derivative_from_output(self, y: sp.Expr) -> sp.Expr:
        """``g(y)``, the derivative written through the output ``y = f(e)``.

        **Raises:** :class:`InputError` when this activation has no such form.
        """
        if self.output_derivative_expr is None:
            raise InputError(
                f"activation {self.name!r} has no derivative written through its output; "
                "use sigmoid, tanh, relu, leaky_relu, identity or softplus"
            )
        return self.output_derivative_expr.xreplace({Y: y})

    def linearized(self) -> Activation:
        """The activation of the condition "``f'`` is identically 1" (a linear layer)."""
        if self.is_generic:
            return _generic_unit(self.name)
        return ACTIVATIONS["identity"]

    # -- what a network asks of the activation of layer l ----------------------------------
    def output(self, net: Any, l: Any, j: Any) -> sp.Expr:
        """``y^l_j = f(e^l_j)``."""
        return self(net.e(l, j))

    def partial(self, net: Any, l: Any, j: Any) -> sp.Expr:
        """``dy^l_j/de^l_j = f'(e^l_j)``."""
        return self.derivative(net.e(l, j))

    def backward(
        self,
        net: Any,
        l: Any,
        j: Any,
        error: Callable[[Any], sp.Expr],
        through_output: bool = False,
    ) -> sp.Expr:
        """``sum_m error(m) dy^l_m/de^l_j``: an error of the layer's outputs carried to neuron
        ``j``'s net input, ``error(j) f'(e^l_j)`` (with ``through_output``: ``error(j)
        g(y^l_j)``)."""
        if through_output:
            return error(j) * net.fprime_through_output(l, j)
        return error(j) * net.fprime(l, j)


def _latex_name(label: str) -> str:
    r"""``sigmoid'`` -> ``\operatorname{sigmoid}'``, ``phi_1a2b`` -> ``\operatorname{phi}_{1a2b}``:
    letters only inside ``\operatorname`` (what LaTeX and latex2mathml both read as one name)."""
    prime = "'" if label.endswith("'") else ""
    head, _, tail = label.rstrip("'").partition("_")
    sub = r"_{\mathrm{%s}}" % tail if tail else ""
    return r"\operatorname{%s}%s%s" % (head, sub, prime)


_NET_INPUT = re.compile(r"^e(\d+)_\d+")


def layer_label(arg: sp.Expr) -> str:
    """``f_l`` for a function applied to a net input of layer ``l`` (``e2_1``, ``e[l, j]``),
    else ``f``: how a user's own activation is named in reports (its layer's function).

    >>> layer_label(sp.Symbol("e2_1")), layer_label(sp.Symbol("x"))
    ('f_2', 'f')
    """
    if isinstance(arg, sp.Indexed) and str(arg.base.label) == "e":
        return f"f_{arg.indices[0]}"
    m = _NET_INPUT.match(arg.name) if isinstance(arg, sp.Symbol) else None
    return f"f_{m.group(1)}" if m else "f"


@cache
def _opaque(
    name: str,
    expr: sp.Expr,
    numeric: tuple[tuple[str, sp.Expr], ...] = (),
    by_layer: bool = False,
) -> tuple[type[sp.Function], type[sp.Function]]:
    """Function classes ``name`` and ``name'`` standing for ``expr`` and its derivative.

    Keeping an activation opaque keeps every derived expression polynomial in a few atoms
    (cheap to expand and cancel); the classes evaluate at numbers, differentiate by the chain
    rule, print as NumPy code and interval-evaluate through their explicit forms. With
    ``by_layer`` (a user's own activation) they print as their layer's ``f_l``, ``f_l'``
    (:func:`layer_label`), never by their internal name."""
    dexpr = sp.diff(expr, X)
    forms = dict(numeric)

    def make(
        label: str, explicit: sp.Expr, fdiff: object, printed: sp.Expr | None = None
    ) -> type[sp.Function]:
        printed = explicit if printed is None else printed
        inplace = forms.get("inplace", printed) if fdiff is not None else printed

        def eval_(cls: type, a: sp.Expr) -> sp.Expr | None:
            return explicit.xreplace({X: a}) if a.is_number else None

        prime = "'" if label.endswith("'") else ""

        def latex(self: sp.Function, printer: sp.printing.latex.LatexPrinter) -> str:
            head = _latex_name(label)
            if by_layer:
                head = layer_label(self.args[0]).replace("_", "_{", 1)
                head = (head + "}" if "{" in head else head) + prime
            return r"%s\left(%s\right)" % (head, printer._print(self.args[0]))

        def text(self: sp.Function, printer: sp.printing.str.StrPrinter) -> str:
            head = layer_label(self.args[0]) + prime if by_layer else label
            return "%s(%s)" % (head, printer._print(self.args[0]))

        def numpy(self: sp.Function, printer: sp.printing.numpy.NumPyPrinter) -> str:
            # a numerically safe form where one is known (no overflow at |x| = 1000)
            return "(%s)" % printer._print(printed.xreplace({X: self.args[0]}))

        attrs: dict[str, object] = {
            "eval": classmethod(eval_),
            "_latex": latex,
            "_sympystr": text,
            "_numpycode": numpy,
            "explicit": staticmethod(lambda a: explicit.xreplace({X: a})),
            # the form printed as NumPy code (safe where one is known), for in-place code
            "numeric_form": staticmethod(lambda a: printed.xreplace({X: a})),
            # a faster form for in-place code where one is known (sigmoid: 1/(1 + exp(-x)))
            "inplace_form": staticmethod(lambda a: inplace.xreplace({X: a})),
            "is_real": True,
        }
        if fdiff is not None:
            attrs["fdiff"] = fdiff
            # safe forms of log f(x) and log(1 - f(x)), read by the NumPy code generator
            attrs["numpy_log"] = forms.get("log")
            attrs["numpy_log1m"] = forms.get("log1m")
        return type(label, (sp.Function,), attrs)

    df = make(f"{name}'", dexpr, None, forms.get("df"))

    def fdiff(self: sp.Function, argindex: int = 1) -> sp.Expr:
        return df(self.args[0])

    return make(name, expr, fdiff, forms.get("f")), df


def _make(
    name: str,
    expr: sp.Expr,
    through_output: sp.Expr | None,
    description: str,
    unit: bool = False,
    opaque: bool = True,
    numeric: dict[str, sp.Expr] | None = None,
    by_layer: bool = False,
) -> Activation:
    forms = tuple(sorted((numeric or {}).items()))
    classes = _opaque(name, expr, forms, by_layer) if opaque else None
    if classes is not None and through_output is not None and through_output.is_polynomial(Y):
        # f'(a) = g(f(a)): differences are folded back into f'(a) (symbolic_bp.readable)
        classes[0].derivative_class = classes[1]
        classes[1].primitive, classes[1].output_form = classes[0], through_output
    return Activation(
        name,
        expr,
        sp.diff(expr, X),
        through_output,
        False,
        description,
        unit,
        classes,
        custom=by_layer,
    )


@dataclass(frozen=True)
class Softmax(Activation):
    r"""Softmax, an activation of the whole (output) layer:
    ``y_j = exp(e_j) / sum_k exp(e_k)``. Its Jacobian is not diagonal, so an error is carried
    back through all outputs (:meth:`backward`); ``net.fprime(l, j)`` is the diagonal entry
    ``dy_j/de_j = y_j (1 - y_j)``. See :mod:`symbolic_bp.model.softmax`.

    >>> from symbolic_bp.model.network import Network
    >>> net = Network.build([1, 2], "softmax")
    >>> net.y(1, 1)
    exp(e1_1 - LogSumExp(e1_1, e1_2))
    """

    is_vector: ClassVar[bool] = True

    def __call__(self, z: sp.Expr) -> sp.Expr:
        raise InputError(
            "softmax acts on a whole layer, not on one net input; it is an output activation"
        )

    derivative = __call__

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every :class:`LogSumExp` written out as ``log(sum_k exp(a_k))``."""
        return expr.replace(lambda e: isinstance(e, LogSumExp), lambda e: e.explicit(*e.args))

    def linearized(self) -> Activation:
        return self  # no linear version: no condition of the form "this layer linear"

    def output(self, net: Any, l: Any, j: Any) -> sp.Expr:
        return softmax_output(net, l, j)

    def partial(self, net: Any, l: Any, j: Any) -> sp.Expr:
        jacobian_lemma()
        y = net.y(l, j)
        return y * (1 - y)

    def backward(
        self,
        net: Any,
        l: Any,
        j: Any,
        error: Callable[[Any], sp.Expr],
        through_output: bool = False,
    ) -> sp.Expr:
        return softmax_backward(net, l, j, error)  # its Jacobian is a function of the outputs


SOFTMAX = Softmax(
    "softmax",
    sp.exp(X),
    sp.exp(X),
    None,
    False,
    "exp(e_j) / sum_k exp(e_k) over the output layer (needs 2 or more outputs)",
    True,
)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        _make(
            "sigmoid",
            1 / (1 + sp.exp(-X)),
            Y * (1 - Y),
            "logistic sigmoid 1/(1+exp(-x))",
            True,
            numeric={
                "f": (1 + sp.tanh(X / 2)) / 2,
                "df": (1 - sp.tanh(X / 2) ** 2) / 4,
                "inplace": 1 / (1 + ExpInf(-X)),
                "log": -logaddexp(0, -X),
                "log1m": -logaddexp(0, X),
            },
        ),
        _make("tanh", sp.tanh(X), 1 - Y**2, "hyperbolic tangent"),
        _make("relu", ReLU(X), ReLUStep(Y), "max(0, x), with relu'(0) = 0", opaque=False),
        _make("leaky_relu", LeakyReLU(X), LeakyStep(Y), "x for x > 0, else x/100", opaque=False),
        _make("identity", X, sp.S.One, "f(x) = x", opaque=False),
        _make(
            "softplus",
            sp.log(1 + sp.exp(X)),
            1 - sp.exp(-Y),
            "log(1 + exp(x))",
            numeric={"f": logaddexp(0, X), "df": (1 + sp.tanh(X / 2)) / 2},
        ),
        SOFTMAX,
    )
}


@cache
def _generic_functions(layer: int) -> tuple[type[sp.Function], type[sp.Function]]:
    """The undefined function ``f_l`` and its derivative ``f_l'`` (cached: one class per layer,
    so expressions built at different times compare equal)."""

    def latex_f(self: sp.Function, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"f_{%d}\left(%s\right)" % (layer, printer._print(self.args[0]))

    def latex_p(self: sp.Function, printer: sp.printing.latex.LatexPrinter) -> str:
        return r"f_{%d}'\left(%s\right)" % (layer, printer._print(self.args[0]))

    prime = type(f"f_{layer}'", (sp.Function,), {"_latex": latex_p})

    def fdiff(self: sp.Function, argindex: int = 1) -> sp.Expr:
        return prime(self.args[0])

    func = type(f"f_{layer}", (sp.Function,), {"fdiff": fdiff, "_latex": latex_f})
    return func, prime


@cache
def generic(layer: int) -> Activation:
    """The undefined activation ``f_l`` of layer ``layer`` (derivative ``f_l'``)."""
    func, prime = _generic_functions(layer)
    return Activation(
        f"f_{layer}", func(X), prime(X), None, True, f"an arbitrary differentiable f_{layer}", True
    )


@cache
def _generic_unit(name: str) -> Activation:
    layer = int(name.split("_")[1])
    func = type(f"f_{layer}", (sp.Function,), {"fdiff": lambda self, argindex=1: sp.S.One})
    return Activation(name, func(X), sp.S.One, sp.S.One, True, f"any {name} with {name}' = 1", True)


@cache
def custom(text: str) -> Activation:
    """An activation from a user expression in ``x``, parsed safely.

    >>> act = custom("x**3/3 + x")
    >>> act.unfold(act.derivative(X))
    x**2 + 1
    """
    expr = parse_expression(text)
    # a short stable name for the opaque function: the same text always gives the same name
    label = "phi_" + hashlib.sha1(sp.srepr(expr).encode()).hexdigest()[:4]
    act = _make(label, expr, None, f"custom f(x) = {text.strip()}", by_layer=True)
    return replace(act, name=text.strip())


def get_activation(name: str) -> Activation:
    """The built-in activation called ``name`` (not ``generic``, which is per layer)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise unknown_name(
            "activation", name, ACTIVATION_NAMES, "or an expression in x such as 'x**3/3 + x'"
        ) from None


ACTIVATION_NAMES = (*ACTIVATIONS, "generic")


def parse_activation(text: str, layer: int) -> Activation:
    """One activation from the command line: a name, ``generic``, or an expression in ``x``."""
    text = text.strip()
    if text == "generic":
        return generic(layer)
    if text.isidentifier() and text != "x":
        return get_activation(text)
    return custom(text)
