"""Before/after check of the Jacobian-operator port (issue 22, item 1).

Writes the SLQ moments, standard errors, matvec counts, extreme eigenvalues and the A, Aᵀ, G,
A⁻¹, A⁻ᵀ matrices of four septuples (layered, dense-layered, sparse blocks, general dense w)
to an .npz; run it at the commit before the port (5c28712) and after, and compare the files
with numpy.array_equal (bit-identical on 2026-12-05: all 49 arrays equal).

    python benchmarks/check_operator_port.py OUT.npz
"""

import sys

import numpy as np
import scipy.sparse as sp

from learning import feedforward
from learning.layered_weights import LayeredWeights
from learning.septuple import Septuple
from learning.spectral_estimates import (
    a_inverse_linear_operator,
    a_linear_operator,
    extreme_eigenvalues,
    g_linear_operator,
    spectral_moments,
)


def networks(rng: np.random.Generator) -> dict[str, Septuple]:
    layered = feedforward((30, 20, 20, 5), seed=0, weight_scale=2.0)
    w = rng.normal(size=(40, 40)) * (rng.random((40, 40)) < 0.1)
    blocks = [sp.random(20, 30, density=0.2, random_state=1, format="csr"),
              None]
    general = Septuple(np.tril(w, -1), rng.normal(size=40) * 0.1, "tanh", [0, 1], [39])
    blocks[1] = rng.normal(size=(5, 20))
    sparse = Septuple(LayeredWeights(blocks), rng.normal(size=55) * 0.1, "sigmoid",
                      np.arange(30), np.arange(50, 55))
    dense_layered = Septuple(layered.weights, layered.bias, "tanh", layered.input_indices,
                             layered.output_indices, layer_sizes=layered.layer_sizes)
    return {"layered": layered, "dense_layered": dense_layered, "general": general,
            "sparse": sparse}


def main(path: str) -> None:
    rng = np.random.default_rng(0)
    out: dict[str, np.ndarray] = {}
    for name, s in networks(rng).items():
        x = np.tanh(rng.normal(size=s.n_neurons)) * 0.5
        m = spectral_moments(s, x, (1, 2, 3, 4), method="slq", seed=1, n_probes=6,
                             lanczos_steps=12)
        e = extreme_eigenvalues(s, x, k=3)
        out.update({f"{name}_slq": m.values, f"{name}_slq_err": m.stderr,
                    f"{name}_mv": np.array([m.n_matvecs]), f"{name}_top": e.largest,
                    f"{name}_bot": e.smallest, f"{name}_emv": np.array([e.n_matvecs])})
        eye = np.eye(s.n_neurons)
        v = rng.normal(size=s.n_neurons)
        out.update({f"{name}_A": a_linear_operator(s, x) @ eye,
                    f"{name}_AT": a_linear_operator(s, x).T @ eye,
                    f"{name}_G": g_linear_operator(s, x) @ eye,
                    f"{name}_Gv": g_linear_operator(s, x) @ v})
        if s.layered_weights is not None:
            inv = a_inverse_linear_operator(s, x)
            out.update({f"{name}_Ainv": inv @ eye, f"{name}_AinvT": inv.T @ eye,
                        f"{name}_Ainvv": inv @ v})
    np.savez(path, **out)


if __name__ == "__main__":
    main(sys.argv[1])
