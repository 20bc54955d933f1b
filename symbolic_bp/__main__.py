"""``python -m symbolic_bp``: the same as the ``symbolic-bp`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
