"""Time `symbolic-bp prove --general --conventions C,gradient` for every registered convention.

Run: python bench/general_proof.py   (prints one row per convention, wall time including
start-up of a fresh process, and the verdict; the target is under 10 s each)
"""

from __future__ import annotations

import subprocess
import sys
import time

from symbolic_bp import CONVENTIONS


def main() -> None:
    print(f"{'convention':<28} {'verdict':<9} {'seconds':>8}")
    for name in CONVENTIONS:
        if name == "gradient":
            continue
        start = time.perf_counter()
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "symbolic_bp",
                "prove",
                "--general",
                "--conventions",
                f"{name},gradient",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        verdict = {0: "equal", 1: "differs", 3: "unknown"}.get(
            res.returncode, f"exit {res.returncode}"
        )
        print(f"{name:<28} {verdict:<9} {seconds:8.2f}")


if __name__ == "__main__":
    main()
