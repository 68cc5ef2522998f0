r"""Section 12: does the Onsager tensor (12.9) give the Einstein-Hilbert density?
==============================================================================

The question: does (12.9) turn :math:`g_{\alpha\beta,\mu} J^{\mu\alpha\beta}` into
:math:`\sqrt{|g|} R/(2\kappa)` up to a total divergence?

Prints, for space-time dimensions 2 to 5, the verdict on (12.9) and the complete family of
Onsager tensors (combinations of three inverse metrics) that do reproduce the
Einstein-Hilbert density up to a total divergence, with timings; then draws the coefficients
of (12.9) in the basis I1..I5 beside the unique tensor of dimension 3.

Run:  python examples/onsager_einstein_hilbert.py
(with NT_EXAMPLES_FAST=1, as in CI: dimensions 2 and 3 only)
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from emergent.cli.onsager import main
from emergent.onsager import BASIS, PAPER_12_9, family_of_onsager_tensors


def plot_coefficients(dim: int = 3) -> None:
    """Coefficients (units 1/(8κ)) of the printed (12.9) and of the tensor whose density is
    √|g| R/(2κ) up to a divergence, solved exactly on random jets (unique for D >= 3)."""
    family = family_of_onsager_tensors(dim, n_jets=3)
    names = list(BASIS)
    printed = [float(PAPER_12_9[k]) for k in names]
    # the family is solved with κ = ½ (R/(2κ) = R): coefficient × 8κ = coefficient × 4
    solved = [4 * float(family.particular[k]) for k in names] if family.particular else [0.0] * 5
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.bar(x - 0.2, printed, 0.4, label="(12.9) as printed")
    ax.bar(x + 0.2, solved, 0.4, label=f"reproduces √|g| R/(2κ), D = {dim}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set(xticks=x, xticklabels=names, ylabel="coefficient × 8κ",
           title=f"Onsager tensors in the basis I1..I5 (rank {family.rank}, "
                 f"{len(family.null_space)} null directions)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


if __name__ == "__main__":
    dims = (2, 3) if os.environ.get("NT_EXAMPLES_FAST") else (2, 3, 4, 5)
    for dim in dims:
        print(f"\n=========== dimension {dim} ===========")
        main(["--dim", str(dim), "--jets", "3"])
    plot_coefficients(3)
