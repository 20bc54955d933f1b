"""symbolic_bp: settle questions about backpropagation with computer algebra.

Build a network symbolically, derive every parameter's update under a named convention, and
prove whether two conventions give the same expression:

>>> import symbolic_bp as sbp
>>> net = sbp.Network.build([2, 3, 2, 1])          # the AGH tutorial's network, generic f_l
>>> report = sbp.prove(net, "error_at_update", "delta")
>>> report.equivalent
False
>>> report.conditions
["f_2' = 1 and f_3' = 1 (the derivative of layers 2, 3 identically 1)"]

Every public name is loaded on first use (``import symbolic_bp`` imports neither SymPy nor
NumPy), so that ``symbolic-bp --help`` and each command load only what they need.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from .clock_start import STARTED  # noqa: F401 - first import: --timeout counts from here

if TYPE_CHECKING:  # what the names below are, for type checkers and editors
    from .checking import CheckReport, check
    from .codegen.evaluate import evaluate_rules
    from .codegen.export import export_source, load_module
    from .codegen.numeric import check_numeric, compile_rules
    from .conventions import (
        CONVENTIONS,
        Convention,
        Delta,
        ErrorAtUpdate,
        ErrorAtUpdateConsistent,
        FlippedSign,
        Gradient,
        InPlace,
        Matrix,
        OutputDerivative,
        get_convention,
        register,
        unregister,
    )
    from .derive import LayerRules, UpdateRules, derive, layer_rules, loss_gradient
    from .errors import AbstractionError, InputError, SymbolicBPError
    from .model import (
        ACTIVATIONS,
        LOSSES,
        Activation,
        IndexedNetwork,
        Loss,
        Network,
        NetworkView,
        custom,
        generic,
        get_activation,
        get_loss,
    )
    from .optim import (
        OPTIMIZERS,
        Optimizer,
        OptimizerReport,
        Vec,
        get_optimizer,
        prove_optimizers,
        register_optimizer,
        unregister_optimizer,
    )
    from .parsing import parse_expression
    from .proof import (
        Counterexample,
        GeneralProof,
        LayerResult,
        Limits,
        ParameterResult,
        Report,
        prove,
        prove_general,
    )
    from .render import general_text, report_text
    from .render.optimizers import optimizer_text
    from .training import History, train

    __version__: str

#: the modules (relative to this package) that define the public names
_MODULES = {
    "checking": "CheckReport check",
    "codegen.evaluate": "evaluate_rules",
    "codegen.export": "export_source load_module",
    "codegen.numeric": "check_numeric compile_rules",
    "conventions": "CONVENTIONS Convention Delta ErrorAtUpdate ErrorAtUpdateConsistent "
    "FlippedSign Gradient InPlace Matrix OutputDerivative get_convention register unregister",
    "derive": "LayerRules UpdateRules derive layer_rules loss_gradient",
    "errors": "AbstractionError InputError SymbolicBPError",
    "model": "ACTIVATIONS LOSSES Activation IndexedNetwork Loss Network NetworkView custom "
    "generic get_activation get_loss",
    "optim": "OPTIMIZERS Optimizer OptimizerReport Vec get_optimizer prove_optimizers "
    "register_optimizer unregister_optimizer",
    "parsing": "parse_expression",
    "proof": "Counterexample GeneralProof LayerResult Limits ParameterResult Report prove "
    "prove_general",
    "render": "general_text report_text",
    "render.optimizers": "optimizer_text",
    "training": "History train",
}
#: each public name and its module
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names.split()}

__all__ = [
    "ACTIVATIONS",
    "AbstractionError",
    "Activation",
    "CheckReport",
    "CONVENTIONS",
    "Convention",
    "Counterexample",
    "Delta",
    "ErrorAtUpdate",
    "ErrorAtUpdateConsistent",
    "FlippedSign",
    "GeneralProof",
    "History",
    "Gradient",
    "InPlace",
    "IndexedNetwork",
    "InputError",
    "LOSSES",
    "LayerResult",
    "LayerRules",
    "Limits",
    "Loss",
    "Matrix",
    "Network",
    "OPTIMIZERS",
    "NetworkView",
    "Optimizer",
    "OptimizerReport",
    "OutputDerivative",
    "ParameterResult",
    "Report",
    "SymbolicBPError",
    "UpdateRules",
    "Vec",
    "__version__",
    "check",
    "check_numeric",
    "compile_rules",
    "custom",
    "derive",
    "evaluate_rules",
    "export_source",
    "general_text",
    "generic",
    "get_activation",
    "get_convention",
    "get_loss",
    "get_optimizer",
    "layer_rules",
    "load_module",
    "loss_gradient",
    "optimizer_text",
    "parse_expression",
    "prove",
    "prove_general",
    "prove_optimizers",
    "register",
    "register_optimizer",
    "report_text",
    "train",
    "unregister",
    "unregister_optimizer",
]


def __getattr__(name: str) -> object:
    """Load a public name (or the version, or a subpackage) on first access."""
    if name == "__version__":
        value: object = _version()
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name.startswith("_"):  # probes such as __wrapped__ are no subpackage
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # later accesses are plain attribute look-ups
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("symbolic_bp")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


class _Package(types.ModuleType):
    """This package's module type: a public name that is also a subpackage's name (``derive``,
    the function, and ``symbolic_bp.derive``, the subpackage) stays the public name when the
    subpackage is first imported, as it was when every name was imported eagerly."""

    def __setattr__(self, name: str, value: object) -> None:
        # the import system records each imported submodule as an attribute of its parent
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
