"""Benchmark (issue #11): spectral moments of G (5.6) at scale, SLQ vs the exact methods.

Cases (each run in a fresh child process, so its peak RSS is its own):

* ``big``: 784-4096-4096-4096-10 tanh (N = 13 082, 36.8 M weights) at a trained-like
  state: ``feedforward(weight_scale=1.5, bias_scale=0.1)`` (weights 1.5x LeCun's scale, the
  growth of |w| seen in trained tanh nets) and <x> the mean forward state over 64 inputs
  uniform in [0, 1] (MNIST-like pixels).  μ_1..μ_4 by SLQ with the stated budget.
* ``sparse``: a layered network of 10 layers (``--layers``), N = 10^6 (or ``--n``), each
  neuron fed by 100 random neurons of the previous layer (0.1 % dense blocks, 9e7
  non-zero weights at N = 10^6), weights N(0, scale^2/100) with ``--scale`` 1.0 (LeCun);
  μ_2, μ_3 by SLQ.
* ``scaling``: time and peak memory vs N for dense / structured / SLQ on the same family
  (N = 10^3 ... 10^6); the exact methods are run while they fit (and time) and
  extrapolated beyond with their N^3 law, marked "extrap".

Run:  python benchmarks/bench_scale.py big [--probes 12 --steps 40] [--structured]
      python benchmarks/bench_scale.py sparse [--n 1000000]
      python benchmarks/bench_scale.py scaling [--min-n 0] [--max-n 1000000]
Threads: the OpenBLAS thread count is left to the environment; on a loaded machine
``OPENBLAS_NUM_THREADS=1`` is faster (spinning threads); the README records which.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from learning import feedforward, forward_state  # noqa: E402
from learning.feedforward import from_layers  # noqa: E402
from learning.spectral_estimates import spectral_moments  # noqa: E402

GIB = 1024**3


def peak_rss_gib() -> float:
    """Peak resident memory of this process (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB


def trained_like(sizes, seed=0):
    net = feedforward(sizes, "tanh", seed=seed, weight_scale=1.5, bias_scale=0.1)
    inputs = np.random.default_rng(seed).uniform(0, 1, (64, sizes[0]))
    return net, forward_state(net, inputs).mean(axis=0)


def sparse_layered(n, layers=10, fan_in=100, seed=0, scale=1.0):
    """Layers of n // layers neurons; each neuron has ``fan_in`` random sources."""
    width = n // layers
    k = min(fan_in, width)
    rng = np.random.default_rng(seed)
    blocks, biases = [], []
    for _ in range(layers - 1):
        cols = rng.integers(0, width, size=(width, k), dtype=np.int32).ravel()
        data = rng.normal(0.0, scale / np.sqrt(k), size=width * k)
        indptr = np.arange(0, width * k + 1, k, dtype=np.int64)
        blocks.append(sp.csr_array((data, cols, indptr), shape=(width, width)))
        biases.append(rng.normal(0.0, 0.1, width))
    net = from_layers(blocks, biases, "tanh")
    inputs = rng.uniform(0, 1, (8, width))
    return net, forward_state(net, inputs).mean(axis=0)


def run_case(args) -> dict:
    t0 = time.perf_counter()
    if args.case == "big":
        net, x = trained_like((784, 4096, 4096, 4096, 10))
    elif args.case in ("sparse", "point"):
        net, x = sparse_layered(args.n, args.layers, scale=args.scale)
    else:
        raise SystemExit(f"unknown case {args.case}")
    build = time.perf_counter() - t0
    kwargs = {"method": args.method, "seed": 1}
    if args.method == "slq":
        kwargs |= {"n_probes": args.probes, "lanczos_steps": args.steps,
                   "max_bytes": int(args.max_gib * GIB), "dtype": args.dtype,
                   "max_lanczos_steps": args.max_steps}
    if args.method != "slq":
        kwargs |= {"max_bytes": 16 * GIB}
    res = spectral_moments(net, x, tuple(args.orders), **kwargs)
    out = {"case": args.case, "N": net.n_neurons, "nnz": net.layered_weights.nnz,
           "method": res.method, "build_s": build, "seconds": res.seconds,
           "orders": list(res.orders), "values": res.values.tolist(),
           "stderr": None if res.stderr is None else res.stderr.tolist(),
           "quadrature_change": res.quadrature_change.tolist(),
           "log_det": res.log_det, "log_det_check": res.log_det_check,
           "n_matvecs": res.n_matvecs, "n_probes": res.n_probes,
           "lanczos_steps": res.lanczos_steps, "peak_rss_gib": peak_rss_gib(),
           "dtype": res.dtype, "roundoff": res.roundoff.tolist(),
           "uncertainty": None if res.uncertainty is None else res.uncertainty.tolist()}
    return out


def child(case: str, *extra: str, timeout: float = 900) -> dict | None:
    cmd = [sys.executable, os.path.abspath(__file__), "_child", case, *extra]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as err:
        print(err.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def show(r: dict | None) -> None:
    if r is None:
        print("  timed out (or failed): no result")
        return
    rows = zip(r["orders"], r["values"], r["stderr"] or [None] * len(r["orders"]),
               r["quadrature_change"], strict=True)
    print(f"  {r['method']}: N = {r['N']}, nnz = {r['nnz']:.3g}, build {r['build_s']:.1f} s, "
          f"estimate {r['seconds']:.1f} s, peak RSS {r['peak_rss_gib']:.2f} GiB, "
          f"{r['n_matvecs']} G-products ({r['n_probes']} probes x {r['lanczos_steps']} steps), "
          f"products in {r.get('dtype', 'float64')}")
    unc = r.get("uncertainty") or [None] * len(r["orders"])
    for (k, v, e, c), u in zip(rows, unc, strict=True):
        rel = "" if e is None else f" ± {e:.4g} ({100 * e / abs(v):.2f} %)"
        tot = "" if u is None else f"   with truncation ± {u:.3g} ({100 * u / abs(v):.2f} %)"
        print(f"    μ_{k} = {v:.6g}{rel}   quadrature change {c:.2g}{tot}")
    if r.get("roundoff"):
        print("    float32 round-off bound per order: "
              + ", ".join(f"{b:.2g}" for b in r["roundoff"]))
    print(f"    check (7.8): μ_1 = log det G = {r['log_det']:.3g}, "
          f"{r['log_det_check']:.2f} errors (sampling and truncation) from 0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case",
                        choices=["big", "sparse", "scaling", "accuracy", "figure", "_child"])
    parser.add_argument("child_case", nargs="?")
    parser.add_argument("--method", default="slq")
    parser.add_argument("--probes", type=int, default=12)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--structured", action="store_true",
                        help="also run the structured method on the big network (long)")
    parser.add_argument("--max-n", type=int, default=1_000_000)
    parser.add_argument("--min-n", type=int, default=0,
                        help="scaling: skip smaller N (to split the table into runs)")
    parser.add_argument("--layers", type=int, default=10)
    parser.add_argument("--max-gib", type=float, default=4.0,
                        help="memory ceiling for the SLQ basis (max_bytes)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "float64"],
                        help="precision of the SLQ products (spectral_moments' dtype)")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="extend the Lanczos runs up to this many steps until the "
                             "truncation is below the sampling error (max_lanczos_steps)")
    args = parser.parse_args()
    if args.case == "figure":
        figure(args.child_case, os.path.join(ROOT, "docs", "scale_scaling.png"))
        return
    if args.case == "_child":
        args.case = args.child_case
        print(json.dumps(run_case(args)))
        return
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; {load()}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    common = ["--probes", str(args.probes), "--steps", str(args.steps), "--max-gib",
              str(args.max_gib), "--dtype", args.dtype, "--orders", *map(str, args.orders)]
    if args.max_steps is not None:
        common += ["--max-steps", str(args.max_steps)]
    if args.case == "big":
        r = child("big", *common)
        show(r)
        if args.structured:
            s = child("big", "--method", "structured", "--orders", *map(str, args.orders),
                      timeout=580)
            show(s)
            if s is not None:
                print(f"  ratio structured / SLQ: {s['seconds'] / r['seconds']:.1f}x")
    elif args.case == "sparse":
        show(child("sparse", "--n", str(args.n), "--layers", str(args.layers), "--scale",
                   str(args.scale), *common, timeout=580))
    elif args.case == "accuracy":
        accuracy(args)
    else:
        scaling(args)
    print(f"done; {load()}")


def accuracy(args) -> None:
    """SLQ against the exact value on networks where both run: the error table."""
    cases = [
        ("784-40-20-10 tanh", *trained_like((784, 40, 20, 10))),
        ("784-256x3-10 tanh", *trained_like((784, 256, 256, 256, 10))),
        ("784-512x3-10 tanh", *trained_like((784, 512, 512, 512, 10))),
    ]
    for act in ("sigmoid", "relu"):
        net = feedforward((784, 256, 256, 10), act, seed=0, weight_scale=1.5, bias_scale=0.1)
        x = forward_state(net, np.random.default_rng(0).uniform(0, 1, (64, 784))).mean(axis=0)
        cases.append((f"784-256x2-10 {act}", net, x))
    cases.append(("sparse 10 x 200, fan-in 100", *sparse_layered(2000)))
    print(f"SLQ: {args.probes} probes x {args.steps} steps, seed 1; exact: method='auto'")
    print("| network | N | k | exact μ_k | SLQ μ_k ± stderr | rel. error | error/stderr |"
          " SLQ [s] | exact [s] |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, net, x in cases:
        exact = spectral_moments(net, x, (1, 2, 3, 4), max_bytes=16 * GIB)
        est = spectral_moments(net, x, (1, 2, 3, 4), method="slq", seed=1,
                               n_probes=args.probes, lanczos_steps=args.steps)
        for i, k in enumerate((2, 3, 4), start=1):
            err = est.values[i] - exact.values[i]
            print(f"| {name} | {net.n_neurons} | {k} | {exact.values[i]:.5g} | "
                  f"{est.values[i]:.5g} ± {est.stderr[i]:.2g} | "
                  f"{abs(err) / abs(exact.values[i]):.2%} | {abs(err) / est.stderr[i]:.2f} | "
                  f"{est.seconds:.2f} | {exact.seconds:.2f} |", flush=True)


def figure(table: str, out: str) -> None:
    """Time and memory vs N from the printed ``scaling`` table (a saved copy of it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ntcore.atomic import atomic_savefig

    rows: dict[str, list[tuple[float, float, float, bool]]] = {}
    with open(table) as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 4 or not parts[0].isdigit():
                continue
            n = float(parts[0])
            if parts[-1] == "extrap":
                method, seconds, gib = parts[1], float(parts[2]), float(parts[3])
            else:
                method, seconds, gib = parts[2], float(parts[3]), float(parts[4])
            rows.setdefault(method, []).append((n, seconds, gib, parts[-1] == "extrap"))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for method, pts in rows.items():
        pts.sort()
        n, t, m, ext = (np.array(c) for c in zip(*pts, strict=True))
        for ax, y in zip(axes, (t, m), strict=True):
            line, = ax.loglog(n[~ext], y[~ext], "o-", label=method)
            if ext.any():
                last = np.flatnonzero(~ext)[-1]
                ax.loglog(np.r_[n[last], n[ext]], np.r_[y[last], y[ext]], "--",
                          color=line.get_color())
    axes[0].set(xlabel="N", ylabel="time [s]", title="μ_k of G: time (dashed: N^3 law)")
    axes[1].set(xlabel="N", ylabel="peak memory [GiB]",
                title="peak RSS (dashed: 4 N^2 floats)")
    axes[0].legend()
    fig.tight_layout()
    atomic_savefig(fig, out)
    print(f"wrote {out}")


def scaling(args) -> None:
    """Time and peak memory vs N on the sparse-layered family, per method."""
    print(f"{'N':>9}{'nnz':>10}{'method':>12}{'time [s]':>10}{'peak [GiB]':>11}"
          f"{'μ_2':>12}{'± stderr':>10}{'μ_1 (= 0)':>11}")
    exact_fit = {}
    for n in [1000, 2000, 4000, 10_000, 100_000, 1_000_000]:
        if n > args.max_n:
            break
        if n < args.min_n:
            continue
        for method in ("dense", "structured", "slq"):
            if method != "slq" and n > 4000 and method not in exact_fit:
                continue  # --min-n above the measured sizes: nothing to extrapolate from
            if method != "slq" and n > 4000:
                # Cubic law from the largest measured size; memory ~ 4 N^2 floats.
                n0, t0 = exact_fit[method]
                print(f"{n:>9}{'':>10}{method:>12}{t0 * (n / n0) ** 3:>10.3g}"
                      f"{32 * n * n / GIB:>11.3g}{'extrap':>12}")
                continue
            extra = ["--n", str(n), "--method", method, "--orders", "1", "2", "3",
                     "--layers", str(args.layers), "--scale", str(args.scale)]
            if method == "slq":
                extra += ["--probes", str(args.probes), "--steps", str(args.steps)]
            r = child("point", *extra, timeout=1200)
            if r is None:
                print(f"{n:>9}{'':>10}{method:>12}{'failed/timeout':>21}")
                continue
            if method != "slq":
                exact_fit[method] = (n, r["seconds"])
            err = "" if r["stderr"] is None else f"{r['stderr'][1]:.3g}"
            print(f"{n:>9}{r['nnz']:>10.3g}{method:>12}{r['seconds']:>10.3g}"
                  f"{r['peak_rss_gib']:>11.3g}{r['values'][1]:>12.5g}{err:>10}"
                  f"{r['values'][0]:>11.3g}", flush=True)


if __name__ == "__main__":
    main()
