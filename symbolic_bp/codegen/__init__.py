"""Numbers from the rules: one evaluator, NumPy printers, compiled steps, exported modules.

- :mod:`~symbolic_bp.codegen.evaluate`: the rule program and its exact or interval evaluation
  (counterexamples, witnesses);
- :mod:`~symbolic_bp.codegen.printers`: NumPy printers with safe forms (a new backend's printer
  goes here, as a subclass with its own module attribute);
- :mod:`~symbolic_bp.codegen.numeric`: :func:`compile_rules`, a float step from per-neuron rules;
- :mod:`~symbolic_bp.codegen.vectorise`, :mod:`~symbolic_bp.codegen.export`: batched NumPy
  modules from the layer rules (:func:`export_source`, :func:`load_module`).

NumPy is imported by :mod:`~symbolic_bp.codegen.numeric` only: the provers load this package's
evaluator without it.
"""
