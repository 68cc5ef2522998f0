"""Roofline of the benchmarked paths (issue #29): the machine's limits and each path's rate.

Parts (``--part``, default all):

* ``machine``: float64 / float32 matmul rates (GFLOP/s) for the shapes the paths use, a
  large square matmul (the machine's compute limit), and the memory bandwidth (GB/s, a
  copy of 512 MiB: bytes read + written per second), at 1 and 2 threads;
* ``slq``: stochastic Lanczos quadrature of μ_1..μ_4 (9.5)-(9.6) on 784-4096³-10 tanh
  (N = 13 082, 30 probes x 60 steps), ours (float64 and ``dtype="auto"``) side by side with
  a PyTorch float64 / float32 implementation of the same algorithm (block Golub-Kahan,
  full reorthogonalisation by batched products), interleaved repeat by repeat;
  achieved GFLOP/s (4 nnz w flops per G-product, plus the reorthogonalisation) as a
  fraction of the large-matmul rate, and weight traffic (GB/s) against the bandwidth;
* ``training``: benchmarks/bench_training.py's steps/s as GFLOP/s (6 b Σ n_l n_{l+1} per
  step: forward, and two backward products) against the matmul rate of its shapes.

Every timing is the median [min-max] of ``--repeats`` runs, with the load average beside
it (the machine is shared: compare the rows of one run, not runs of different days).

Run:  python benchmarks/roofline.py [--part machine slq training] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

SLQ_SIZES = (784, 4096, 4096, 4096, 10)
PROBES, STEPS = 30, 60


def _median(fn, repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def _load() -> str:
    return "load " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def matmul_rate(m: int, k: int, n: int, dtype, threads: int, repeats: int) -> float:
    """GFLOP/s of (m x k) @ (k x n)^T-stored weights, the way the paths call BLAS."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    x = rng.standard_normal((m, k)).astype(dtype)
    w = rng.standard_normal((n, k)).astype(dtype)
    reps = max(1, int(2e9 / (2 * m * k * n)))
    with threadpool_limits(limits=threads, user_api="blas"):
        x @ w.T

        def run():
            for _ in range(reps):
                x @ w.T
        med = _median(run, repeats)[0]
    return 2.0 * m * k * n * reps / med / 1e9


def bandwidth(repeats: int) -> float:
    """GB/s of a 512 MiB copy (read + write)."""
    a = np.ones(64 * 1024**2)
    b = np.empty_like(a)
    med = _median(lambda: np.copyto(b, a), repeats)[0]
    return 2 * a.nbytes / med / 1e9


MACHINE_SHAPES = {
    "large square 2048^3": (2048, 2048, 2048),
    "SLQ block: 30 x 4096 @ 4096 x 4096": (30, 4096, 4096),
    "training: 100 x 784 @ 784 x 40": (100, 784, 40),
}


def machine(repeats: int) -> dict:
    rates = {}
    print(f"## machine ({_load()})")
    print(f"{'shape':<38}{'threads':>8}{'float64 GFLOP/s':>17}{'float32 GFLOP/s':>17}")
    for name, shape in MACHINE_SHAPES.items():
        for threads in (1, 2):
            r64 = matmul_rate(*shape, np.float64, threads, repeats)
            r32 = matmul_rate(*shape, np.float32, threads, repeats)
            rates[name, threads] = (r64, r32)
            print(f"{name:<38}{threads:>8}{r64:>17.1f}{r32:>17.1f}", flush=True)
    bw = bandwidth(repeats)
    rates["bandwidth"] = bw
    print(f"memory bandwidth (copy, 1 thread): {bw:.1f} GB/s  ({_load()})")
    return rates


def _torch_slq(lw, d, probes, steps, dtype, threads):
    """The same algorithm in PyTorch: block Golub-Kahan with batched reorthogonalisation."""
    import torch

    torch.set_num_threads(threads)
    dt = torch.float32 if dtype == "float32" else torch.float64
    ws = [torch.tensor(np.ascontiguousarray(b), dtype=dt) for b in lw.blocks]
    dd = torch.tensor(d, dtype=dt)
    sl = lw.slices

    def a(x):
        y = x.clone()
        for l, w in enumerate(ws):
            y[:, sl[l + 1]] -= dd[sl[l + 1]] * (x[:, sl[l]] @ w.T)
        return y

    def at(y):
        r = y.clone()
        for l, w in enumerate(ws):
            r[:, sl[l]] -= (dd[sl[l + 1]] * y[:, sl[l + 1]]) @ w
        return r

    def run():
        q = torch.tensor(probes, dtype=dt)
        basis = torch.empty((q.shape[0], steps, q.shape[1]), dtype=dt)
        p_prev = torch.zeros_like(q)
        beta = torch.zeros(q.shape[0], dtype=dt)
        alphas, betas = [], []
        for j in range(steps):
            basis[:, j] = q
            p = a(q) - beta[:, None] * p_prev
            alpha = torch.linalg.norm(p, dim=1)
            p = p / alpha[:, None]
            r = at(p) - alpha[:, None] * q
            v = basis[:, : j + 1]
            for _ in range(2):
                r = r - torch.bmm(torch.bmm(v, r[:, :, None]).transpose(1, 2), v)[:, 0]
            beta = torch.linalg.norm(r, dim=1)
            q, p_prev = r / beta[:, None], p
            alphas.append(alpha)
            betas.append(beta)
        return torch.stack(alphas, 1).double().numpy(), torch.stack(betas, 1).double().numpy()
    return run


def _mu2_per_probe(alpha, beta, n):
    from learning.lanczos import gauss_nodes

    out = []
    for c in range(alpha.shape[0]):
        t, tau2 = gauss_nodes(alpha[c], beta[c], alpha.shape[1])
        out.append(n * np.sum(tau2 * t**2))
    return np.array(out)


def slq(repeats: int, machine_rates: dict | None, thread_counts=(1, 2)) -> None:
    from bench_scale import trained_like
    from threadpoolctl import threadpool_limits

    from learning.blas import mkl_available, products_backend
    from learning.spectral_estimates import spectral_moments

    net, x = trained_like(SLQ_SIZES)
    lw, n = net.layered_weights, net.n_neurons
    d = net.activation.derivative(net.preactivation(x))
    probes = np.random.default_rng(1).choice([-1.0, 1.0], (PROBES, n)) / np.sqrt(n)
    product_flops = PROBES * STEPS * 4.0 * lw.nnz
    reorth_flops = 2 * 2 * 2.0 * n * PROBES * STEPS * (STEPS + 1) / 2  # CGS, up to 2 passes
    # Ours reads each weight once per step on OpenBLAS (JacobianOperator.a_and_at), twice on
    # MKL (learning.blas), as PyTorch does.
    weight_bytes = STEPS * lw.nbytes
    print(f"\n## SLQ, 784-4096^3-10 tanh, N = {n}, {PROBES} probes x {STEPS} steps: "
          f"{product_flops / 1e9:.0f} GFLOP in products (+ <= {reorth_flops / 1e9:.1f} "
          f"reorthogonalisation); float64 weights read once per step: "
          f"{weight_bytes / 1e9:.1f} GB (ours), twice: {2 * weight_bytes / 1e9:.1f} GB "
          "(PyTorch); half of that in float32")
    contenders = {}
    # NumPy's BLAS (the default), and Intel MKL where the optional extra is installed.
    backends = ("numpy", "mkl") if mkl_available() else ("numpy",)
    for threads in thread_counts:
        for backend in backends:
            for dtype in ("float64", "auto"):
                def ours(dtype=dtype, threads=threads, backend=backend):
                    with (threadpool_limits(limits=threads, user_api="blas"),
                          products_backend(backend)):
                        return spectral_moments(net, x, (1, 2, 3, 4), method="slq", seed=1,
                                                n_probes=PROBES, lanczos_steps=STEPS,
                                                dtype=dtype)
                label = f"ours {dtype}" + (" MKL" if backend == "mkl" else "")
                contenders[label, threads] = ours
        for dtype in ("float64", "float32"):
            contenders[f"PyTorch {dtype}", threads] = _torch_slq(lw, d, probes, STEPS,
                                                                 dtype, threads)
    times: dict = {k: [] for k in contenders}
    results: dict = {}
    for rep in range(repeats):
        for key, fn in contenders.items():
            t0 = time.perf_counter()
            results[key] = fn()
            times[key].append(time.perf_counter() - t0)
            print(f"  repeat {rep + 1}: {key[0]}, {key[1]} thread(s): {times[key][-1]:.2f} s "
                  f"({_load()})", flush=True)
    print(f"{'path':<22}{'threads':>8}{'median [s]':>12}{'min-max':>16}{'GFLOP/s':>9}"
          f"{'of large matmul':>17}{'weights GB/s':>14}  accuracy")
    ref = results["ours float64", thread_counts[0]]
    for (name, threads), ts in times.items():
        med = statistics.median(ts)
        rate = (product_flops + reorth_flops) / med / 1e9
        large = (machine_rates or {}).get(("large square 2048^3", threads))
        out = results[name, threads]
        single = name == "PyTorch float32" or (name.startswith("ours")
                                                and out.dtype == "float32")
        limit = "" if large is None else f"{rate / large[int(single)]:.0%}"
        # One pass over the weights per step on OpenBLAS (fused panels), two on MKL.
        once = name.startswith("ours") and out.backend == "numpy"
        traffic = weight_bytes * (1 if once else 2) / (2 if single else 1)
        if name.startswith("ours"):
            acc = (f"μ_2 = {out.value(2):.6g} ± {out.error(2):.3g} ({out.dtype}, "
                   f"{out.backend}); "
                   f"|Δ| vs ours f64 {abs(out.value(2) - ref.value(2)):.2g}")
        else:
            per = _mu2_per_probe(*out, n)
            acc = f"μ_2 = {per.mean():.6g} ± {per.std(ddof=1) / np.sqrt(per.size):.3g}"
        print(f"{name:<22}{threads:>8}{med:>12.2f}{min(ts):>8.2f}-{max(ts):<7.2f}"
              f"{rate:>9.1f}{limit:>17}{traffic / med / 1e9:>14.1f}  {acc}", flush=True)
    print(f"({_load()}; 'of large matmul' uses the float64 or float32 rate of the machine "
          "part, in the dtype of the products (ours auto: the one it chose))")


def training(repeats: int, machine_rates: dict | None) -> None:
    import bench_training

    sizes, batch = bench_training.SIZES, bench_training.BATCH
    flops = 6.0 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    rates = bench_training.measure(500, max(repeats, 3))
    print(f"\n## training 784-40-20-10, batch 100: {flops / 1e6:.1f} MFLOP per step")
    print(f"{'path':<10}{'threads':>8}{'steps/s':>9}{'min-max':>14}{'GFLOP/s':>9}"
          f"{'of its matmul shape':>21}")
    for (threads, name), vals in sorted(rates.items()):
        med = statistics.median(vals)
        shape = (machine_rates or {}).get(("training: 100 x 784 @ 784 x 40", threads))
        frac = "" if shape is None else f"{med * flops / 1e9 / shape['32' in name]:.0%}"
        print(f"{name:<10}{threads:>8}{med:>9.0f}{min(vals):>7.0f}-{max(vals):<6.0f}"
              f"{med * flops / 1e9:>9.2f}{frac:>21}", flush=True)
    print(f"({_load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", default=["machine", "slq", "training"],
                        choices=["machine", "slq", "training"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts of the SLQ part")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.exit(2, "roofline.py: --repeats must be >= 1\n")
    rates = machine(args.repeats) if "machine" in args.part else None
    if "slq" in args.part:
        slq(args.repeats, rates, tuple(args.threads))
    if "training" in args.part:
        training(args.repeats, rates)


if __name__ == "__main__":
    main()
