"""Where the time of the SLQ and training paths goes (issue #29, round 3): kernel shapes and
profiles, to be run under the benchmark lock.

Parts (``--part``):

* ``gemm``: GFLOP/s of the weight products of one Golub-Kahan step on three 4096 x 4096
  blocks (the 784-4096³-10 net), 30 probes: the two passes (``Q @ W.T`` then ``P @ W``)
  against the fused pass over row panels of W (``P`` rows at a time: both products while
  the panel is in cache), float64 and float32, 1 and 2 threads;
* ``small``: the 100 x 784 x 40 products of training in their orientations;
* ``slq``: cProfile of one SLQ run (30 probes x 60 steps, N = 13 082) per dtype, 1 thread;
* ``training``: cProfile of 3000 training steps (784-40-20-10, batch 100), 1 thread.

Run:  python benchmarks/profile_paths.py --part gemm small [--repeats 3]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))


def _load() -> str:
    return "load " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def _time(fn, repeats: int) -> float:
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def gemm(repeats: int, dtypes, panels, only_fused: bool) -> None:
    print(f"## weight products on 3 blocks 4096 x 4096, 30 probes ({_load()})")
    for dt in dtypes:
        _gemm_dtype(np.dtype(dt), repeats, panels, only_fused)


def _gemm_dtype(dt, repeats: int, panels=(256, 1024), only_fused=False) -> None:
    n, k = 4096, 30
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal((n, n)).astype(dt) for _ in range(3)]
    wts = [np.ascontiguousarray(w.T) for w in ws]
    q = rng.standard_normal((k, n)).astype(dt)
    flops = 3 * 2.0 * k * n * n

    def each(f):
        def run():
            for w, wt in zip(ws, wts, strict=True):
                f(w, wt)
        return run

    def fused(p, w_left=False):
        def run():
            for w in ws:
                y = np.empty((k, n), dt)
                z = np.zeros((k, n), dt)
                for r in range(0, n, p):
                    if w_left:
                        y[:, r:r + p] = (w[r:r + p] @ q.T).T
                    else:
                        np.matmul(q, w[r:r + p].T, out=y[:, r:r + p])
                    z += y[:, r:r + p] @ w[r:r + p]
        return run
    cases = {"A: q @ W.T": each(lambda w, wt: q @ w.T),
             "A: W @ q.T": each(lambda w, wt: w @ q.T),
             "A: q @ WT(copy)": each(lambda w, wt: q @ wt),
             "At: p @ W": each(lambda w, wt: q @ w),
             "At: W.T @ p.T": each(lambda w, wt: w.T @ q.T),
             "At: WT(copy) @ p.T": each(lambda w, wt: wt @ q.T)}
    cases |= {f"A+At fused, panels {p}": fused(p) for p in panels}
    cases |= {f"A+At fused W-left, {p}": fused(p, True) for p in panels}
    if only_fused:
        cases = {key: f for key, f in cases.items() if "fused" in key}
    for th in (1, 2):
        with threadpool_limits(limits=th, user_api="blas"):
            for name, fn in cases.items():
                t = _time(fn, repeats)
                f = flops * (2 if "fused" in name else 1)
                print(f"{np.dtype(dt).name} {th} thread(s) {name:<24} {f / t / 1e9:7.1f} "
                      f"GFLOP/s  ({_load()})", flush=True)


def small(repeats: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 784))
    w = rng.standard_normal((40, 784))
    wt = np.ascontiguousarray(w.T)
    d = rng.standard_normal((100, 40))
    xf = np.asfortranarray(x)
    reps = 200
    cases = {"x @ w.T": lambda: x @ w.T, "x @ wT(copy)": lambda: x @ wt,
             "(w @ x.T).T": lambda: (w @ x.T).T, "d.T @ x": lambda: d.T @ x,
             "d.T @ x(F)": lambda: d.T @ xf, "(x.T @ d).T": lambda: (x.T @ d).T}
    print(f"## training products, 100 x 784 x 40, float64 ({_load()})")
    for th in (1, 2):
        with threadpool_limits(limits=th, user_api="blas"):
            for name, f in cases.items():
                def run(f=f):
                    for _ in range(reps):
                        f()
                t = _time(run, repeats) / reps
                print(f"{th} thread(s) {name:<14} {t * 1e6:7.1f} us  "
                      f"{2 * 100 * 784 * 40 / t / 1e9:6.1f} GFLOP/s", flush=True)


def _profile(fn, top: int = 18) -> None:
    prof = cProfile.Profile()
    prof.enable()
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(f"wall {wall:.2f} s ({_load()})")
    print("\n".join(out.getvalue().splitlines()[4:]), flush=True)


def slq(dtypes) -> None:
    from bench_scale import trained_like

    from learning.spectral_estimates import spectral_moments

    net, x = trained_like((784, 4096, 4096, 4096, 10))
    for dt in dtypes:
        print(f"## SLQ profile, {dt}, 1 thread")
        with threadpool_limits(limits=1, user_api="blas"):
            _profile(lambda dt=dt: spectral_moments(net, x, (1, 2, 3, 4), method="slq", seed=1,
                                                    n_probes=30, lanczos_steps=60, dtype=dt))


def training() -> None:
    import bench_training

    run = bench_training.ours(3000)
    print("## training profile, 3000 steps, 1 thread")
    with threadpool_limits(limits=1, user_api="blas"):
        run(200)
        _profile(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", nargs="+", default=["gemm", "small"],
                        choices=["gemm", "small", "slq", "training"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--panels", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--only-fused", action="store_true")
    args = parser.parse_args()
    print(f"start ({_load()})")
    if "gemm" in args.part:
        gemm(args.repeats, args.dtypes, args.panels, args.only_fused)
    if "small" in args.part:
        small(args.repeats)
    if "slq" in args.part:
        slq(args.dtypes)
    if "training" in args.part:
        training()
    print(f"end ({_load()})")


if __name__ == "__main__":
    main()
