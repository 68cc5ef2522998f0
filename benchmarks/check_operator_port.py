"""Before/after check of the Jacobian-operator port (issue 22, item 1): writes the SLQ moments,
standard errors, matvec counts, extreme eigenvalues and the A, Aᵀ, G, A⁻¹, A⁻ᵀ matrices of four
septuples (layered, dense-layered, sparse blocks, general dense w) to an .npz; run it at the commit
before the port (5c28712) and after, and compare the files with numpy.array_equal (bit-identical
on 2026-12-05: all 49 arrays equal).

    python benchmarks/check_operator_port.py OUT.npz
"""
import sys

import numpy as np
import scipy.sparse as sp

from learning import feedforward
from learning.septuple import Septuple
from learning.spectral_estimates import (
    a_inverse_linear_operator,
    a_linear_operator,
    extreme_eigenvalues,
    g_linear_operator,
    spectral_moments,
)

out = {}
rng = np.random.default_rng(0)
nets = {}
nets["layered"] = feedforward((30, 20, 20, 5), seed=0, weight_scale=2.0)
net = nets["layered"]
nets["dense_layered"] = Septuple(net.weights, net.bias, "tanh", net.input_indices, net.output_indices, layer_sizes=net.layer_sizes)
w = rng.normal(size=(40, 40)) * (rng.random((40, 40)) < 0.1); w = np.tril(w, -1)
nets["general"] = Septuple(w, rng.normal(size=40) * 0.1, "tanh", [0, 1], [39])
from learning.layered_weights import LayeredWeights

blocks = [sp.random(20, 30, density=0.2, random_state=1, format="csr"), rng.normal(size=(5, 20))]
nets["sparse"] = Septuple(LayeredWeights(blocks), rng.normal(size=55) * 0.1, "sigmoid", np.arange(30), np.arange(50, 55))
for name, s in nets.items():
    x = np.tanh(rng.normal(size=s.n_neurons)) * 0.5
    m = spectral_moments(s, x, (1, 2, 3, 4), method="slq", seed=1, n_probes=6, lanczos_steps=12)
    out[name + "_slq"] = m.values; out[name + "_slq_err"] = m.stderr; out[name+"_mv"] = np.array([m.n_matvecs])
    e = extreme_eigenvalues(s, x, k=3)
    out[name + "_top"] = e.largest; out[name + "_bot"] = e.smallest; out[name+"_emv"] = np.array([e.n_matvecs])
    eye = np.eye(s.n_neurons)
    out[name + "_A"] = a_linear_operator(s, x) @ eye
    out[name + "_AT"] = a_linear_operator(s, x).T @ eye
    out[name + "_G"] = g_linear_operator(s, x) @ eye
    v = rng.normal(size=s.n_neurons)
    out[name + "_Gv"] = g_linear_operator(s, x) @ v
    if s.layered_weights is not None:
        out[name + "_Ainv"] = a_inverse_linear_operator(s, x) @ eye
        out[name + "_AinvT"] = a_inverse_linear_operator(s, x).T @ eye
        out[name + "_Ainvv"] = a_inverse_linear_operator(s, x) @ v
np.savez(sys.argv[1], **out)
