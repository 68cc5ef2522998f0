"""SLQ quadrature on a deep residual network: one-sided (Lanczos on G) against two-sided
(Lanczos on G for log λ > 0 and on G⁻¹ = A⁻¹A⁻ᵀ for log λ < 0), both against the dense
spectrum of G (5.6), for μ_k (9.5)-(9.6) (issue 22, arch-core's finding for issue #29).

The ResNet-20 architecture of ``bench_resnet20.py`` on 3 x 6 x 6 inputs (N = 7414; the dense
SVD takes minutes).  Uses the SLQ internals of ``learning.spectral_estimates`` as of
2026-12-05 (``_golub_kahan``, ``_gauss_nodes``).

    python benchmarks/bench_resnet_quadrature.py
"""

from __future__ import annotations

import os
import time

import numpy as np
from bench_resnet20 import resnet20
from threadpoolctl import threadpool_limits

from learning.jacobian import jacobian_operator
from learning.spectral_estimates import _gauss_nodes, _golub_kahan
from learning.spectrum import g_spectrum


class _Inverse:
    """G⁻¹ = B^T B with B = A⁻ᵀ, in the interface Golub-Kahan uses."""

    def __init__(self, op):
        self.op = op

    def a_matmat(self, v):
        return self.op.a_solve_t(v)

    def a_rmatmat(self, v):
        return self.op.a_solve(v)


def _moments(op, probes, steps, two_sided):
    n = probes.shape[1]
    up = _golub_kahan(op, probes, steps)
    down = _golub_kahan(_Inverse(op), probes, steps) if two_sided else None
    per = []
    for c in range(probes.shape[0]):
        t, w = _gauss_nodes(up[0][c], up[1][c], int(up[2][c]))
        if down is None:
            per.append([n * np.sum(w * t**k) for k in (1, 2, 3)])
            continue
        td, wd = _gauss_nodes(down[0][c], down[1][c], int(down[2][c]))
        per.append([n * (np.sum(w * np.where(t > 0, t, 0.0) ** k)
                         + np.sum(wd * np.where(td > 0, -td, 0.0) ** k)) for k in (1, 2, 3)])
    per = np.array(per)
    return per.mean(axis=0), per.std(axis=0, ddof=1) / np.sqrt(per.shape[0])


def main() -> None:
    threadpool_limits(1)
    print(f"load average {os.getloadavg()}")
    net = resnet20(size=6)
    x = net.forward(np.random.default_rng(1).uniform(-1, 1, size=(1, 108)))[0]
    t0 = time.perf_counter()
    logs = np.log(g_spectrum(net, x, method="dense").eigenvalues)
    exact = np.array([np.sum(logs**k) for k in (1, 2, 3)])
    print(f"N = {net.n_neurons}; dense {time.perf_counter() - t0:.0f} s: mu_1..3 = {exact}; "
          f"log lambda in [{logs.min():.2f}, {logs.max():.2f}]")
    op = jacobian_operator(net, x)
    probes = np.random.default_rng(0).choice([-1.0, 1.0], size=(30, net.n_neurons))
    probes /= np.sqrt(net.n_neurons)
    for two_sided, steps in ((False, 40), (False, 80), (False, 120), (True, 40), (True, 80)):
        t1 = time.perf_counter()
        mean, err = _moments(op, probes, steps, two_sided)
        z = (mean - exact) / err
        print(f"{'two' if two_sided else 'one'}-sided, {steps:3d} steps "
              f"({time.perf_counter() - t1:.0f} s): mu_2 = {mean[1]:.0f} +- {err[1]:.0f} "
              f"(z = {z[1]:+.1f}), mu_3 = {mean[2]:.0f} +- {err[2]:.0f} (z = {z[2]:+.1f})")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
