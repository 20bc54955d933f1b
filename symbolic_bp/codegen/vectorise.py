r"""Layer rules as NumPy statements over arrays: the matrix form of one expression per layer.

Each layer's signal is one expression in the neuron index ``j_l`` (:func:`~symbolic_bp.derive.
layer_rules`); a ``Sum`` over the layer above becomes a matrix product,
``sum_k w[l+1, k, j] s[l+1, k] -> s_{l+1} @ W_{l+1}``, and an update
``Delta w[l, j, i] = C J_j I_i`` becomes ``(C J / batch).T @ I``. Elementwise pieces are printed
by the safe NumPy printer after common-subexpression elimination (:func:`sympy.cse`), with
``f'(e)`` written through the layer's output ``g(y)`` where the activation has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import sympy as sp

from ..conventions import tidy_output_signal
from ..derive import LayerRules
from ..errors import InputError
from ..model.indexed import IndexedNetwork, neuron_index, sum_index
from ..model.lemma import through_output
from .inplace import InPlace
from .liveness import free_dead
from .printers import printer
from .statements import loss_lines, penalty_loss, penalty_update, scaled_sum, scaled_update

__all__ = ["VectoriseError", "updates_body", "param_order"]

_RESERVED = {"X", "T", "lr", "loss", "params", "numpy", "batch", "inv_batch"}
#: stems of the generated names ``<stem><number>`` (net inputs, outputs, parameters, updates,
#: contractions ``c``, common subexpressions ``u``): a signal letter among them would clash
_STEMS = {"e", "y", "b", "W", "X", "T", "j", "k", "n", "c", "u", "dW", "db"}
#: a softmax layer's outputs as array leaves (``y[l, a]`` is the column of neuron ``a``)
_OUT = sp.IndexedBase("y", real=True)


class VectoriseError(InputError):
    """A rule whose index structure has no matrix form (e.g. a factor in two indices that is
    not a function of the weights alone)."""


@dataclass
class _Block:
    """Generated statements of one function body."""

    lines: list[str] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def fresh(self, stem: str) -> sp.Symbol:
        return sp.Symbol(f"{stem}{next(self.counter)}")


class _Vectoriser:
    """Turns indexed layer expressions into NumPy statements over arrays of shape
    ``(batch, n_l)`` (net inputs ``e_l``, outputs ``y_l``, signals), ``(n_l, n_{l-1})``
    (weights ``W_l``) and ``(n_l,)`` (biases ``b_l``)."""

    def __init__(self, rules: LayerRules) -> None:
        self.rules = rules
        self.lay: IndexedNetwork = rules.indexed
        self.printer = printer()
        letter = str(rules.signal.label)
        self.letter = letter if letter.isidentifier() and letter not in _STEMS else "s"
        self.lr = sp.Symbol("lr")
        self.inv_batch = sp.Symbol("inv_batch")
        self.transposed: set[int] = set()
        sizes = rules.network.sizes  # type: ignore[union-attr]
        widths = {"X": sizes[0], "T": sizes[-1]}
        for l in range(1, len(sizes)):
            widths |= {f"e{l}": sizes[l], f"y{l}": sizes[l], self.signal_name(l): sizes[l]}
            widths |= {f"shift_{l}": 1, f"total_{l}": 1, f"lse_{l}": 1}
        #: elementwise statements over (batch, n) arrays, written in place into work arrays
        self.inplace = InPlace(widths, {"lr", "lr_mean", "inv_batch", "batch"}, self.print)

    # -- names of arrays -----------------------------------------------------------------
    def signal_name(self, l: int) -> str:
        return f"{self.letter}{l}"

    def _is_batch(self, leaf: sp.Indexed) -> bool:
        return leaf.base.label.name in ("e", "x", "t") or leaf.base in (self.rules.signal, _OUT)

    def arrays(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every indexed leaf replaced by the symbol of its array, and every
        ``f_l(e[l, .])`` by ``y_l``, every ``f_l'(e[l, .])`` by ``g_l(y_l)`` where the
        activation has a derivative written through its output."""
        lay = self.lay
        mapping: dict[sp.Expr, sp.Expr] = {}
        for leaf in expr.atoms(sp.Indexed):
            name = leaf.base.label.name
            layer = leaf.indices[0]
            if leaf.base == self.rules.signal:
                mapping[leaf] = sp.Symbol(self.signal_name(int(layer)))
            elif name == "x":
                mapping[leaf] = sp.Symbol("X")
            elif name == "t":
                mapping[leaf] = sp.Symbol("T")
            elif name == "e":
                mapping[leaf] = sp.Symbol(f"e{layer}")
            elif name == "b":
                mapping[leaf] = sp.Symbol(f"b{layer}")
            elif name == "w":
                mapping[leaf] = sp.Symbol(f"W{layer}")
            elif leaf.base == _OUT:
                mapping[leaf] = sp.Symbol(f"y{layer}")
            else:  # pragma: no cover - a recipe can only reach the network's symbols
                raise VectoriseError(f"no array for {leaf}")
        expr = through_output(expr, lay.activations, self._y_of)
        return expr.xreplace(mapping).xreplace({lay.eta: self.lr})

    def _y_of(self, l: int, arg: sp.Expr) -> sp.Expr | None:
        """``y_l`` for an argument ``e[l, .]`` of layer ``l``'s activation."""
        if isinstance(arg, sp.Indexed) and arg.base == self.lay.e(1, sp.Symbol("j")).base:
            return sp.Symbol(f"y{l}") if arg.indices[0] == l else None
        return None

    # -- dependence --------------------------------------------------------------------
    @staticmethod
    def indices(expr: sp.Expr) -> set[sp.Symbol]:
        return {s for s in expr.free_symbols if s.name[0] in "jk" and s.name[1:].isdigit()}

    def batch(self, expr: sp.Expr) -> bool:
        return any(self._is_batch(leaf) for leaf in expr.atoms(sp.Indexed))

    def full(self, expr: sp.Expr, index: sp.Symbol) -> bool:
        """Whether ``expr`` certainly evaluates to a ``(batch, n)`` array for ``index``."""
        outside = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.S.One)
        return any(
            self._is_batch(leaf) and index in leaf.indices for leaf in outside.atoms(sp.Indexed)
        )

    # -- code --------------------------------------------------------------------------
    def print(self, expr: sp.Expr) -> str:
        return self.printer.doprint(expr)

    def split_scalar(self, expr: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        """``(c, a)`` with ``expr = c a``: ``c`` the factors in scalars alone (``lr_mean``,
        numbers), ``a`` the array factors; ``(1, expr)`` when there are none of the latter."""
        scalars = {sp.Symbol(s) for s in self.inplace.scalars}
        factors = sp.Mul.make_args(expr)
        scalar = [f for f in factors if f.free_symbols <= scalars]
        if len(scalar) == len(factors):
            return sp.S.One, expr
        return sp.Mul(*scalar), sp.Mul(*(f for f in factors if f not in scalar))

    def outputs(self, expr: sp.Expr) -> sp.Expr:
        """A softmax layer's outputs ``exp(e[l, a]) / sum_k exp(e[l, k])`` as the array leaves
        ``y[l, a]`` (before the sums become contractions: the normaliser is then never
        summed again, and ``y_l`` is computed once, safely)."""
        lay = self.lay

        def y_of(l: int, arg: sp.Expr) -> sp.Expr | None:
            where = lay.neuron_of(arg)
            if where is None or where[0] != l or not lay.activation(l).is_vector:
                return None
            return _OUT[l, where[1]]

        return through_output(expr, lay.activations, y_of, derivatives=False)

    def elementwise(self, expr: sp.Expr, block: _Block) -> sp.Expr:
        """``expr`` over arrays: each ``Sum`` becomes a contraction statement in ``block``."""
        expr = self.outputs(expr)
        every = sorted(expr.atoms(sp.Sum), key=sp.default_sort_key)  # a fixed statement order
        sums = [s for s in every if not any(s in o.function.atoms(sp.Sum) for o in every if o != s)]
        replaced = {s: self.contraction(s, block) for s in sums}
        return self.arrays(expr.xreplace(replaced))

    def contraction(self, s: sp.Sum, block: _Block) -> sp.Expr:
        """``Sum_k body`` as an expression over arrays; matrix products go into ``block``."""
        ((k, _lo, _hi),) = s.limits
        result = sp.S.Zero
        for term in _terms(s.function, lambda f: self._mixed(f, k)):
            wpart, kpart, rest = sp.S.One, sp.S.One, sp.S.One
            for f in sp.Mul.make_args(term):
                idx = self.indices(f)
                if k in idx and len(idx) > 1:
                    wpart *= f
                elif k in idx:
                    kpart *= f
                else:
                    rest *= f
            kcode = self.elementwise(kpart, block)
            name = block.fresh("c")
            width = self._width(wpart, k) if self.full(kpart, k) else None
            if wpart == 1:
                code = f"numpy.sum({self.print(kcode)}, axis=1, keepdims=True)"
            elif width is not None:  # (batch, n_k) @ (n_k, n): into its work array
                self.inplace.work[name.name] = self.inplace.widths[name.name] = width
                wcode = self.print(self.weights(wpart, k))
                code = f"numpy.matmul({self.print(kcode)}, {wcode}, out=work[{name.name!r}])"
            else:
                code = f"({self.print(kcode)}) @ ({self.print(self.weights(wpart, k))})"
            block.lines.append(f"{name} = {code}")
            result += rest * name
        return result

    def _width(self, wpart: sp.Expr, k: sp.Symbol) -> int | None:
        """The columns of the matrix ``wpart`` (one weight ``w[m, k, j]`` or ``w[m, j, k]``)."""
        leaves = list(wpart.atoms(sp.Indexed))
        if len(leaves) != 1 or wpart != leaves[0] or leaves[0].base.label.name != "w":
            return None
        layer, a, _c = leaves[0].indices
        sizes = self.rules.network.sizes  # type: ignore[union-attr]
        return int(sizes[int(layer) - 1] if a == k else sizes[int(layer)])

    def _mixed(self, factor: sp.Expr, k: sp.Symbol) -> bool:
        """A factor that depends on ``k`` and another index and is not a weight expression."""
        idx = self.indices(factor)
        return k in idx and len(idx) > 1 and (self.batch(factor) or factor.has(sp.Sum))

    def weights(self, wpart: sp.Expr, k: sp.Symbol) -> sp.Expr:
        """A factor in the weights ``w[m, k, j]`` (or ``w[m, j, k]``) as an ``(n_m, n_l)``
        array expression: ``W_m`` or its transpose."""
        mapping: dict[sp.Expr, sp.Expr] = {}
        for leaf in wpart.atoms(sp.Indexed):
            if leaf.base.label.name != "w":
                raise VectoriseError(f"cannot write {wpart} as a matrix in {k}")
            layer, a, _c = leaf.indices
            if a == k:
                mapping[leaf] = sp.Symbol(f"W{layer}")
            else:
                self.transposed.add(int(layer))
                mapping[leaf] = sp.Symbol(f"W{layer}T")
        return self.arrays(wpart.xreplace(mapping))

    def outer_terms(self, expr: sp.Expr, l: int, block: _Block) -> list[_Outer]:
        """The batch mean of ``expr[b, j, i]`` (an update of layer ``l``'s weights) as a sum of
        ``((C J inv_batch).T @ I) * M`` terms."""
        j, i = neuron_index(l), neuron_index(l - 1)
        sums = {sum_index(m) for m in range(self.lay.depth + 1)}
        out: list[_Outer] = []
        for term in _terms(expr, lambda f: self.batch(f) and {j, i} <= self.indices(f)):
            jpart, ipart, mpart = sp.S.One, sp.S.One, sp.S.One
            for f in sp.Mul.make_args(term):
                idx = self.indices(f) - sums
                if {j, i} <= idx:
                    mpart *= f
                elif i in idx:
                    ipart *= f
                else:
                    jpart *= f  # j-only and index-free factors (eta, a scalar contraction)
            left = jpart * self.inv_batch
            out.append(
                _Outer(
                    self.elementwise(left, block),
                    self.full(left, j),
                    self.elementwise(ipart, block),
                    self.full(ipart, i),
                    None if mpart == 1 else self.elementwise(mpart, block),
                )
            )
        return out

    def rows(self, code: str, full: bool, l: int) -> str:
        """``code`` as a ``(batch, n_l)`` array (broadcast where it may not be one)."""
        sizes = self.rules.network.sizes  # type: ignore[union-attr]
        return code if full else f"numpy.broadcast_to({code}, (batch, {sizes[l]}))"


@dataclass
class _Outer:
    """One term ``((left).T @ right) * matrix`` of a weight update's batch mean."""

    left: sp.Expr
    left_full: bool
    right: sp.Expr
    right_full: bool
    matrix: sp.Expr | None


def _terms(expr: sp.Expr, mixed: object) -> list[sp.Expr]:
    """The terms of ``expr``, multiplied out only where a factor mixes the indices."""
    out: list[sp.Expr] = []
    for term in sp.Add.make_args(expr):
        if any(mixed(f) for f in sp.Mul.make_args(term)):  # type: ignore[operator]
            expanded = sp.expand_mul(term)
            if expanded == term:
                raise VectoriseError(f"cannot write {term} with matrix products")
            out += _terms(expanded, mixed)
        else:
            out.append(term)
    return out


def updates_body(rules: LayerRules) -> tuple[list[str], list[str], list[str], dict[str, int]]:
    """Statements of the forward pass (from ``params`` and ``X``); statements computing
    ``loss`` and the updates ``dW1..dWL``, ``db1..dbL`` (from ``params``, ``X``, ``T``,
    ``lr`` and ``work``, the work arrays); the names of the parameters in order; and the work
    arrays, by name, with their widths (each has shape ``(batch, width)``)."""
    net, lay = rules.network, rules.indexed
    assert net is not None
    vec = _Vectoriser(rules)
    block = _Block()
    lines = block.lines
    L = net.depth
    for l in range(1, L + 1):
        lines.append(f"W{l} = params['W{l}']")
        if net.bias:
            lines.append(f"b{l} = params['b{l}']")
    plain = list(lines)  # forward(): fresh arrays, as it returns one
    for l, act in enumerate(net.activations, start=1):
        prev = "X" if l == 1 else f"y{l - 1}"
        plain.append(f"e{l} = {prev} @ W{l}.T" + (f" + b{l}" if net.bias else ""))
        vec.inplace.work[f"e{l}"] = net.sizes[l]
        lines.append(f"e{l} = numpy.matmul({prev}, W{l}.T, out=work['e{l}'])")
        if net.bias:
            lines.append(f"e{l} += b{l}")
        e = sp.Symbol(f"e{l}")
        if act.is_vector:  # softmax over each row, shifted by its maximum; log y = e - lse
            lines += [
                f"shift_{l} = numpy.max(e{l}, axis=1, keepdims=True)",
                f"y{l} = numpy.exp(e{l} - shift_{l})",
                f"total_{l} = numpy.sum(y{l}, axis=1, keepdims=True)",
                f"y{l} /= total_{l}",
                f"lse_{l} = shift_{l} + numpy.log(total_{l})",
            ]
            plain += lines[-5:]
        else:
            plain.append(f"y{l} = {vec.print(act(e))}")
            lines += vec.inplace.assign(f"y{l}", act(e))
    out, y_out = net.activations[-1], sp.Symbol(f"y{L}")
    if out.is_vector:
        term = net.loss.term(sp.Symbol("T"), y_out)
        term = term.xreplace({sp.log(y_out): sp.Symbol(f"e{L}") - sp.Symbol(f"lse_{L}")})
    else:
        term = net.loss.term(sp.Symbol("T"), out(sp.Symbol(f"e{L}")))
    if not term.has(sp.log):  # a log needs the activation itself to print a safe form
        term = term.xreplace({out(sp.Symbol(f"e{L}")): y_out} if not out.is_vector else {})
    forward = plain
    mean = rules.scale != 1 or net.objective.reduce.mean  # the exported batch is any size
    lines += ["batch = X.shape[0]", f"inv_batch = {'1.0 / batch' if mean else '1.0'}"]
    lines += ["lr_mean = lr * inv_batch"]
    lines += loss_lines(vec.inplace, vec.print, term, penalty_loss(net, vec.print))
    names: list[str] = []
    for l in range(L, 0, -1):
        lines.append(f"# layer {l}: signals and updates")
        signal = rules.signals[l]
        if l == L:  # one neuron's expression: its shortest exact form (no 0/0 at saturation)
            signal = tidy_output_signal(lay, neuron_index(L), signal)
        value = vec.elementwise(signal, block)
        code = vec.print(value)
        if not vec.full(signal, neuron_index(l)):
            code = f"numpy.broadcast_to({code}, (batch, {net.sizes[l]}))"
            lines.append(f"{vec.signal_name(l)} = {code}")
        elif vec.inplace.width(value) == net.sizes[l]:
            lines += vec.inplace.assign(vec.signal_name(l), value)
        else:
            lines.append(f"{vec.signal_name(l)} = {code}")
        outer = vec.outer_terms(rules.weight_updates[l], l, block)
        pieces = [p for o in outer for p in (o.left, o.right, o.matrix) if p is not None]
        bias = rules.bias_updates[l]
        if bias is not None:
            bias_left = bias * vec.inv_batch
            pieces.append(vec.elementwise(bias_left, block))
        # one scalar for lr / batch, put on the smaller array (statements.scaled_update)
        pieces = [p.subs(vec.lr * vec.inv_batch, sp.Symbol("lr_mean")) for p in pieces]
        scales, pieces = map(list, zip(*(vec.split_scalar(p) for p in pieces), strict=True))
        temps, reduced = sp.cse(pieces, symbols=(block.fresh("u") for _ in iter(int, 1)))
        for t, v in temps:
            if vec.inplace.width(v) is not None:
                lines += vec.inplace.assign(str(t), v)
            else:
                lines.append(f"{t} = {vec.print(v)}")
        printed, scaling = iter(reduced), iter(scales)
        terms, shape = [], (net.sizes[l], net.sizes[l - 1])
        update: list[str] | None = None
        bias_done = False
        for o in outer:
            left = vec.rows(vec.print(next(printed)), o.left_full, l)
            right = vec.rows(vec.print(next(printed)), o.right_full, l - 1)
            scale = next(scaling) * next(scaling)
            if len(outer) == 1 and o.matrix is None and o.left_full and scale != 1:
                # a bias update of the same operand and scale shares its scaling
                shared = None
                if bias is not None:
                    b_full = vec.full(bias_left, neuron_index(l))
                    b_rows = vec.rows(vec.print(next(printed)), b_full, l)
                    b_scale = next(scaling)
                    shared = f"db{l}" if (b_rows, b_scale) == (left, scale) else None
                    bias_terms = [(b_scale, f"work['ones'] @ ({b_rows})")]
                    bias_done = True
                term = (scale, left, right)
                update = scaled_update(vec.inplace, vec.print, f"dW{l}", term, shape, shared)
                if bias is not None and shared is None:
                    update += scaled_sum(vec.print, f"db{l}", bias_terms)
                break
            code = f"({left}).T @ ({right})"
            if o.matrix is not None:
                scale *= next(scaling)
                code = f"({code}) * ({vec.print(next(printed))})"
            terms.append((scale, code))
        lines += update or scaled_sum(vec.print, f"dW{l}", terms, shape)
        lines += penalty_update(vec.print, f"dW{l}", vec.arrays, rules.weight_penalties.get(l))
        names.append(f"W{l}")
        if bias is not None:
            if not bias_done:
                rows = vec.rows(vec.print(next(printed)), vec.full(bias_left, neuron_index(l)), l)
                # the column sums as one BLAS product with a row of ones (a third of
                # numpy.sum's time on (256, 64))
                terms = [(next(scaling), f"work['ones'] @ ({rows})")]
                lines += scaled_sum(vec.print, f"db{l}", terms)
            lines += penalty_update(vec.print, f"db{l}", vec.arrays, rules.bias_penalties.get(l))
            names.append(f"b{l}")
    # transposed weights that a recipe reads as w[m, j, k] (rare), named with the parameters
    params_end = 2 * L if net.bias else L
    lines[params_end:params_end] = [f"W{m}T = W{m}.T" for m in sorted(vec.transposed)]
    order = sorted(names, key=param_order)
    keep = {f"d{n}" for n in order} | {"loss", "batch", "inv_batch", "lr_mean"}  # scalars
    work = dict(sorted(vec.inplace.work.items()))
    return forward, free_dead(lines, keep), order, work


def param_order(name: str) -> tuple[int, int]:
    return int(name[1:]), 0 if name[0] == "W" else 1
