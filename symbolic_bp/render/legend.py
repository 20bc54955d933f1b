r"""The legend of a report: every family of symbols its text uses, in words and in the notation
of ``docs/conventions.md``, and nothing it does not use.

A family is recognised in the rendered text itself (``e2_1`` belongs to ``e{l}_{j}``), so the
legend lists exactly what a reader meets. The signals' meanings come from the recipes
(:func:`~symbolic_bp.conventions.signal_meaning`), the activations' from the activations.

>>> symbols = legend("w2_1_1: delta - error_at_update = eta*r2_1*f_1(e1_1)")
>>> list(symbols)
['eta', 'e{l}_{j}', 'w{l}_{j}_{i}', 'f_l']
>>> legend_lines({"eta": "the learning rate"})
['Symbols:', '  eta: the learning rate']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from ..conventions import get_convention, second_letter, signal_meaning
from ..errors import InputError

__all__ = ["legend", "legend_lines", "recipe_letters"]

# (key, pattern, meaning): the network's own quantities, in the order a legend lists them
_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("x_i", r"\bx_\d+\b", "input i of the network (y^0_i = x_i)"),
    ("t_j", r"\bt_\d+\b", "the target of output neuron j"),
    ("eta", r"\beta\b", "the learning rate"),
    ("lambda", r"\blambda\b", "the weight of the L2 penalty lambda/2 * sum w^2 in the loss"),
    (
        "e{l}_{j}",
        r"\be\d+_\d+\b",
        "the net input of neuron j of layer l, e^l_j = sum_i w^l_{ji} y^{l-1}_i + b^l_j "
        "(e2_1 is e^2_1)",
    ),
    ("y{l}_{j}", r"\by\d+_\d+\b", "the output of neuron j of layer l, y^l_j = f_l(e^l_j)"),
    (
        "w{l}_{j}_{i}",
        r"\bw\d+_\d+_\d+\b",
        "the weight w^l_{ji} into neuron j of layer l from neuron i of layer l-1 "
        "(w2_1_3 is w^2_{13})",
    ),
    ("b{l}_{j}", r"\bb\d+_\d+\b", "the bias b^l_j of neuron j of layer l"),
    ("Delta p", r"\bDelta\b", "the update of parameter p in one step, Delta p = p_new - p_old"),
    # the general proof's indexed forms
    ("L", r"\bL\b", "the output layer (the network's depth, any L >= 1)"),
    (
        "l, j, i, k",
        r"<= [lijk] <=",
        "indices: l a layer (1..L), j a neuron of layer l, i of layer l-1, k of layer l+1",
    ),
    ("n[l]", r"\bn\[", "the number of neurons of layer l (n_l, any width)"),
    ("x[i]", r"\bx\[", "input i of the network (y^0_i = x_i)"),
    ("t[j]", r"\bt\[", "the target of output neuron j"),
    ("e[l, j]", r"\be\[", "the net input e^l_j of neuron j of layer l"),
    ("w[l, j, i]", r"\bw\[", "the weight w^l_{ji} into neuron j of layer l from neuron i"),
    ("b[l, j]", r"\bb\[", "the bias b^l_j of neuron j of layer l"),
    (
        "Sum(a, (k, 1, n))",
        r"\bSum\(",
        "the sum of a over k = 1..n (k runs over the neurons of the layer above)",
    ),
)

_GENERIC = re.compile(r"\bf_(\d+|\{[^}]*\}|[lLm])'?(?=[(\s']|$)")


def recipe_letters(conventions: Sequence[Any]) -> dict[str, Any]:
    """The signal letter of each recipe as a report prints it (the second primed when both
    use the same letter), mapped to the recipe; unknown names are left out."""
    found: list[Any] = []
    for c in conventions:
        try:
            found.append(get_convention(c))
        except InputError:  # a name only the proof knew (a reduced recipe): no signal line
            found.append(None)
    out: dict[str, Any] = {}
    if len(found) == 2 and None not in found:
        a, b = found
        out[a.letter] = a
        out.setdefault(second_letter(a, b), b)
        return out
    for conv in found:
        if conv is not None:
            out.setdefault(conv.letter, conv)
    return out


def _activations(text: str, activations: Iterable[Any]) -> dict[str, str]:
    """One line per activation the text names: a user's own as its layers' ``f_l``, a built-in
    by its name, a generic ``f_l`` as any differentiable function."""
    out: dict[str, str] = {}
    acts = list(activations)
    custom: dict[str, list[int]] = {}
    for l, act in enumerate(acts, start=1):
        if getattr(act, "custom", False):
            custom.setdefault(act.name, []).append(l)
    for expr, layers in custom.items():
        names = [f"f_{l}" for l in layers]
        if any(re.search(rf"\b{n}'?\(", text) for n in names):
            key = ", ".join(names)
            out[key] = (
                f"your activation f(x) = {expr} (layer{'s' * (len(layers) > 1)} "
                f"{', '.join(map(str, layers))}); {names[0]}' is its derivative"
            )
    generic_layers = {l for l, act in enumerate(acts, start=1) if not getattr(act, "custom", 0)}
    named = [a for a in acts if not a.is_generic and not getattr(a, "custom", False)]
    for act in dict.fromkeys(named):
        if re.search(rf"\b{re.escape(act.name)}'?\(", text):
            what = act.description or act.name
            out[f"{act.name}(x)"] = f"{what}; {act.name}' is its derivative"
    generic = [m.group(1) for m in _GENERIC.finditer(text)]
    generic = [g for g in generic if not (g.isdigit() and int(g) not in generic_layers and acts)]
    if generic:
        out["f_l"] = (
            "the activation of layer l, any differentiable function (what is proven for f_l "
            "holds for every activation); f_l' is its derivative"
        )
    return out


def legend(
    text: str, conventions: Sequence[Any] = (), activations: Iterable[Any] = ()
) -> dict[str, str]:
    """``{symbol family: meaning}`` for every family of symbols that occurs in ``text``.

    **Arguments:**

    - ``text``: the rendered report (or the JSON text) the legend belongs to.
    - ``conventions``: the two recipes (names or objects), whose signal letters it explains.
    - ``activations``: the network's activations, one per layer 1..L.
    """
    out: dict[str, str] = {}
    for key, pattern, meaning in _FAMILIES:
        if re.search(pattern, text):
            out[key] = meaning
    for letter, conv in recipe_letters(conventions).items():
        esc = re.escape(letter)
        if re.search(rf"(?<![\w']){esc}\d+_\d+\b", text):
            out[f"{letter}{{l}}_{{j}}"] = f"{signal_meaning(conv)} [{conv.name}]"
        if re.search(rf"(?<![\w']){esc}\[", text):
            out[f"{letter}[l, j]"] = f"{signal_meaning(conv)} [{conv.name}]"
    out.update(_activations(text, activations))
    return out


def legend_lines(symbols: dict[str, str]) -> list[str]:
    """The legend as text lines under a ``Symbols:`` heading (none when it is empty)."""
    if not symbols:
        return []
    return ["Symbols:", *(f"  {key}: {meaning}" for key, meaning in symbols.items())]
