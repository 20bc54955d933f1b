r"""The design's notation in LaTeX, and presentation MathML from it (latex2mathml).

Layer quantities carry the layer as a superscript and the neurons as subscripts:
``w[2, j, i]`` and ``w2_1_3`` print as ``w^{2}_{ji}`` and ``w^{2}_{13}``, ``e[1, j]`` as
``e^{1}_{j}``, a signal ``d[3, k]`` or ``d3_1`` as ``d^{3}_{k}``, ``d^{3}_{1}``; inputs and
targets as ``x_{i}``, ``t_{j}``; a layer's width ``n[l]`` as ``n_{l}``.

>>> import sympy as sp
>>> latex(sp.IndexedBase("w")[2, sp.Symbol("j"), sp.Symbol("i")] * sp.Symbol("eta"))
'\\eta w^{2}_{ji}'
>>> latex(sp.Symbol("w12_3_10"))
'w^{12}_{3,10}'
>>> "\\" in mathml(r"\Delta w^{2}_{ji} = \eta\, d^{2}_{j} y^{1}_{i}")
False
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

__all__ = ["latex", "mathml", "inline_math", "NotationPrinter"]

_LAYERED = re.compile(r"^([A-Za-z]+'?)(\d+)_(\d+)(?:_(\d+))?$")
_FLAT = re.compile(r"^([xt])_(\d+)$")


def _join(parts: list[str]) -> str:
    """Neuron subscripts: ``ji``, ``13``; with a comma when one has several characters."""
    return ("," if any(len(p) > 1 for p in parts) else "").join(parts)


class NotationPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the design's notation for network quantities."""

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        base = str(expr.base.label)
        idx = [self._print(i) for i in expr.indices]
        if base in ("x", "t", "n") or len(idx) == 1:
            return "%s_{%s}" % (base, _join(idx))
        return "%s^{%s}_{%s}" % (base, idx[0], _join(idx[1:]))

    def _print_exp(self, expr: sp.Expr, exp: str | None = None) -> str:
        # \exp(...): the letter e is the net input's
        tex = r"\exp\left(%s\right)" % self._print(expr.args[0])
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        m = _LAYERED.match(expr.name)
        if m:
            letter, layer, j, i = m.groups()
            return "%s^{%s}_{%s}" % (letter, layer, _join([j] + ([i] if i else [])))
        m = _FLAT.match(expr.name)
        if m:
            return "%s_{%s}" % m.groups()
        return str(super()._print_Symbol(expr))


_PRINTER = NotationPrinter({"mul_symbol": None})


def latex(expr: Any, rename: dict[sp.Basic, sp.Basic] | None = None) -> str:
    """``expr`` in the design's LaTeX notation (``rename`` applied first, e.g. ``j2 -> j``)."""
    expr = sp.sympify(expr)
    if rename:
        expr = expr.xreplace(rename)
    return _PRINTER.doprint(expr)


_TERM = r"(?:[A-Za-z](?:_\w+)?'?(?:\[[^\]]+\])?(?:[+-]\d+)?|\d+)"
_REL = r"(?:<=|>=|=)"
_NOTATION = re.compile(
    r"(?<![\w$])(?:"
    rf"(?P<cls>[wb]\{{\w\}}_\{{\w\}}(?:_\{{\w\}})?)"  # a class of parameters: w{l}_{j}_{i}
    rf"|(?P<rel>{_TERM} {_REL} {_TERM}(?: {_REL} {_TERM})?)"  # 1 <= j <= n[l], f_m' = 1
    r"|(?P<idx>[a-z]\[[^\]]+\])"  # n[l]
    r"|(?P<fn>f_[a-z0-9]+'?)"  # f_l, f_2'
    r")(?![\w(])"
)
_CLASS = re.compile(r"([wb])\{(\w)\}_\{(\w)\}(?:_\{(\w)\})?")


def _term_latex(text: str) -> str:
    text = re.sub(r"([A-Za-z])\[([^\]]+)\]", lambda m: f"{m[1]}_{{{m[2].replace(' ', '')}}}", text)
    text = re.sub(r"([A-Za-z])_(\w+)", r"\1_{\2}", text)
    return text.replace("<=", r"\le").replace(">=", r"\ge")


def inline_math(text: str) -> str:
    r"""``text`` with the design's plain notation wrapped as inline LaTeX ``$...$``: ranges and
    relations (``1 <= j <= n[l]``, ``f_m' = 1``), widths ``n[l]``, activations ``f_l`` and
    classes of parameters ``w{l}_{j}_{i}``; the rest is left as words.

    >>> inline_math("every depth L >= 1, all widths n[l], every activation f_l")
    'every depth $L \\ge 1$, all widths $n_{l}$, every activation $f_{l}$'
    >>> inline_math("w{l}_{j}_{i} (hidden layers) when f_2' = 1")
    "$w^{l}_{ji}$ (hidden layers) when $f_{2}' = 1$"
    """

    def one(m: re.Match[str]) -> str:
        if m["cls"]:
            c = _CLASS.fullmatch(m["cls"])
            assert c is not None
            return f"${c[1]}^{{{c[2]}}}_{{{c[3]}{c[4] or ''}}}$"
        return f"${_term_latex(m[0])}$"

    return _NOTATION.sub(one, text)


def mathml(tex: str, display: str = "block") -> str:
    """Presentation MathML for ``tex`` (latex2mathml), ``display`` ``"block"`` or ``"inline"``."""
    from latex2mathml.converter import convert  # on first use: not needed to prove

    return str(convert(tex, display=display))
