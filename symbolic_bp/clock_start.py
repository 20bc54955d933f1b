"""When the package began to load: the command line's ``--timeout`` counts from here (first
import of the package, before SymPy)."""

import time

STARTED = time.perf_counter()
