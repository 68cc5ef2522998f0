"""SLQ quadrature on a deep residual network: one-sided (Lanczos on G) against two-sided
(Lanczos on G for log λ > 0 and on G⁻¹ = A⁻¹A⁻ᵀ for log λ < 0, ``quadrature_kind`` of
:func:`learning.spectral_estimates.spectral_moments`), both against the dense spectrum of
G (5.6), for μ_k (9.5)-(9.6) (issue 22).

The ResNet-20 architecture of ``bench_resnet20.py`` on 3 x size x size inputs (size 2:
N = 1046, dense in seconds; size 4: N = 3002, about 2 minutes; size 6: N = 7414, about
20 minutes).

    python benchmarks/bench_resnet_quadrature.py [--size 2] [--probes 30] [--steps 20 40 80]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from bench_resnet20 import resnet20
from threadpoolctl import threadpool_limits

from learning.spectral_estimates import spectral_moments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2)
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--steps", type=int, nargs="+", default=[20, 40, 80])
    parser.add_argument("--kinds", nargs="+", default=["one-sided", "two-sided"])
    parser.add_argument("--reorth", nargs="+", default=["full"], choices=("full", "none"),
                        help="reorthogonalisation of the Lanczos vectors: full and/or none")
    args = parser.parse_args()
    threadpool_limits(1)
    print(f"load average {os.getloadavg()}")
    net = resnet20(size=args.size)
    x = net.forward(np.random.default_rng(1).uniform(-1, 1, size=(1, 3 * args.size**2)))[0]
    t0 = time.perf_counter()
    exact = spectral_moments(net, x, (1, 2, 3), method="dense")
    logs = exact.quadrature.log_nodes[0]
    print(f"N = {net.n_neurons}; dense {time.perf_counter() - t0:.0f} s: mu_1..3 = "
          f"{exact.values}; log lambda in [{logs.min():.2f}, {logs.max():.2f}]")
    for kind, reorth, steps in [(k, r, s) for k in args.kinds for r in args.reorth
                                for s in args.steps]:
        res = spectral_moments(net, x, (1, 2, 3), method="slq", seed=0,
                               n_probes=args.probes, lanczos_steps=steps,
                               quadrature_kind=kind, reorthogonalise=reorth == "full")
        z = (res.values - exact.values) / res.uncertainty
        err = res.values - exact.values
        print(f"  true error / quadrature change: mu_2 {err[1]:+.0f} / "
              f"{res.quadrature_change[1]:.0f}, mu_3 {err[2]:+.0f} / "
              f"{res.quadrature_change[2]:.0f}; stderr {res.stderr[1]:.0f}, "
              f"{res.stderr[2]:.0f}")
        print(f"{kind}, reorth {reorth}, {steps:3d} steps ({res.seconds:.1f} s, "
              f"{res.n_matvecs} products): "
              f"mu_2 = {res.values[1]:.0f} +- {res.uncertainty[1]:.0f} (z = {z[1]:+.1f}), "
              f"mu_3 = {res.values[2]:.0f} +- {res.uncertainty[2]:.0f} (z = {z[2]:+.1f})")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
