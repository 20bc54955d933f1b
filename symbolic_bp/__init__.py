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
"""

from importlib.metadata import PackageNotFoundError, version

from .clock_start import STARTED  # noqa: F401 - first import: --timeout counts from here
from .codegen.evaluate import evaluate_rules
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

#: names whose modules import NumPy, loaded on first use so that `symbolic-bp prove` starts fast
_LAZY = {
    "export_source": "codegen.export",
    "load_module": "codegen.export",
    "check_numeric": "codegen.numeric",
    "compile_rules": "codegen.numeric",
    "History": "training",
    "train": "training",
    "check": "checking",
    "CheckReport": "checking",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


try:
    __version__ = version("symbolic_bp")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

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
