"""The files here are learner-style programs for ``trace_step``, not tests: pytest must not import
them (``--doctest-modules`` would, and one of them needs SciPy)."""

collect_ignore_glob = ["*.py"]
