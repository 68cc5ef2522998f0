"""Time and memory of SLQ against neurons for conv nets from 10^3 to 10^6 neurons (issue 22).

The ResNet-20 shape of ``bench_resnet20.py`` on 3 x s x s inputs (N grows as s^2: s = 2
gives N = 1046, s = 32 N = 191 498, s = 72 N ≈ 10^6).  Per size, in a fresh subprocess (so
that the peak RSS is that size's): the time of one G product and one G^-1 product per probe
(32-probe block), and two-sided SLQ for μ_1..3 (9.5)-(9.6) with a fixed budget (default 8
probes x 20 steps per side), its wall time and the process's peak RSS.  Writes a table
(stdout and ``benchmarks/results/conv_scaling.txt``) and, with ``--figure PATH``, the plot.

    python benchmarks/bench_conv_scaling.py --sizes 2 4 8 16 32 [--probes 8] [--steps 20]
    python benchmarks/bench_conv_scaling.py --plot benchmarks/results/conv_scaling.txt \\
        --figure docs/scale_conv_scaling.png
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def _one(size: int, probes: int, steps: int) -> dict:
    from bench_resnet20 import resnet20
    from threadpoolctl import threadpool_limits

    from learning.jacobian import jacobian_operator
    from learning.spectral_estimates import spectral_moments

    threadpool_limits(1)
    net = resnet20(size=size)
    x = net.forward(np.random.default_rng(1).uniform(-1, 1, size=(1, 3 * size**2)))[0]
    op = jacobian_operator(net, x)
    v = np.random.default_rng(2).normal(size=(32, net.n_neurons))
    t0 = time.perf_counter()
    op.a_rmatmat(op.a_matmat(v))
    t1 = time.perf_counter()
    op.a_solve(op.a_solve_t(v))
    t2 = time.perf_counter()
    del v
    res = spectral_moments(net, x, (1, 2, 3), method="slq", seed=0, n_probes=probes,
                           lanczos_steps=steps, quadrature_kind="two-sided")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {"size": size, "n": net.n_neurons, "g_ms": (t1 - t0) / 32 * 1e3,
            "ginv_ms": (t2 - t1) / 32 * 1e3, "slq_s": res.seconds, "peak_gib": peak,
            "matvecs": res.n_matvecs}


def _plot(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = np.array([r["n"] for r in rows])
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    a.loglog(n, [r["slq_s"] for r in rows], "o-", label="two-sided SLQ (fixed budget)")
    a.loglog(n, [r["g_ms"] / 1e3 for r in rows], "s-", label="one G product per probe")
    a.loglog(n, [r["ginv_ms"] / 1e3 for r in rows], "^-", label="one G⁻¹ product per probe")
    a.set_xlabel("neurons N")
    a.set_ylabel("seconds")
    a.legend(fontsize=8)
    b.loglog(n, [r["peak_gib"] for r in rows], "o-")
    b.set_xlabel("neurons N")
    b.set_ylabel("peak RSS (GiB)")
    fig.suptitle("ResNet-20-shaped conv nets, 1 BLAS thread")
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[2, 4, 8, 16, 32])
    parser.add_argument("--probes", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--plot", default=None, help="a results file to plot (no runs)")
    parser.add_argument("--figure", default=None)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(_one(args.one, args.probes, args.steps)))
        return
    out = Path(__file__).parent / "results" / "conv_scaling.txt"
    if args.plot:
        rows = [json.loads(line) for line in Path(args.plot).read_text().splitlines()
                if line.startswith("{")]
    else:
        print(f"load average {os.getloadavg()}")
        rows = []
        for size in args.sizes:
            done = subprocess.run([sys.executable, __file__, "--one", str(size), "--probes",
                                   str(args.probes), "--steps", str(args.steps)],
                                  capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"s = {size:3d}: N = {r['n']:8d}, G {r['g_ms']:7.2f} ms, G^-1 "
                  f"{r['ginv_ms']:7.2f} ms per probe, SLQ {r['slq_s']:7.1f} s "
                  f"({r['matvecs']} products), peak RSS {r['peak_gib']:.2f} GiB", flush=True)
        load = os.getloadavg()
        print(f"load average {load}")
        tmp = out.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in rows)
                       + f"# load average at the end {load}\n")
        os.replace(tmp, out)
    if args.figure:
        _plot(rows, args.figure)


if __name__ == "__main__":
    main()
