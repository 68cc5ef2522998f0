"""Section 12: does the Onsager tensor (12.9) turn g_{αβ,μ} J^{μαβ} into √|g| R/(2κ)?
==================================================================================

Prints, for space-time dimensions 2 to 5, the verdict on (12.9) and the complete family of
Onsager tensors (combinations of three inverse metrics) that do reproduce the
Einstein-Hilbert density up to a total divergence, with timings.

Run:  python examples/onsager_einstein_hilbert.py
(with NT_EXAMPLES_FAST=1, as in CI: dimensions 2 and 3 only)
"""

import os

from emergent.cli.onsager import main

if __name__ == "__main__":
    dims = (2, 3) if os.environ.get("NT_EXAMPLES_FAST") else (2, 3, 4, 5)
    for dim in dims:
        print(f"\n=========== dimension {dim} ===========")
        main(["--dim", str(dim), "--jets", "3"])
