"""Benchmark: convolution blocks of w (2.1), ``Conv.matmat`` / ``Conv.rmatmat``, against
PyTorch's CPU conv2d (forward) and its input gradient (``torch.nn.grad.conv2d_input``).

Target (issue 22): within 2x of PyTorch on the same shapes and threads.  Shapes: the two
convolutions of LeNet-5 on 28 x 28 MNIST and the convolutions of a ResNet-20 on 3 x 32 x 32
(16/32/64 channels, 3 x 3, the stride-2 transitions and their 1 x 1 projections), batches of
1 and 30 probes.  Each repeat times the four calls in turn (interleaved, so that a change of
machine load hits both sides); medians of wall time and of CPU time (``time.process_time``,
which counts only this process and is the fairer number on a shared machine at one thread)
are printed with their ratios ours / PyTorch, the largest difference to PyTorch's result, and
the number of products within 2x.  At more than one thread the CPU time of our call also
counts PyTorch's OpenMP threads, which spin for a while after each of its calls: compare
wall times there.

Run:  python benchmarks/bench_convolution.py [--threads 1] [--repeats 21] [--dtype float32]
"""

from __future__ import annotations

import argparse
import os
import sys

from _thread_env import add_thread_arguments, set_thread_env


def _arguments() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_thread_arguments(p, 1)
    p.add_argument("--repeats", type=int, default=21, help="timed repeats per call (default 21)")
    p.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 30])
    return p.parse_args()


ARGS = _arguments() if __name__ == "__main__" else None
if ARGS is not None:
    set_thread_env(ARGS)

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from learning.graph.convolution import Conv  # noqa: E402

# (name, C_in, C_out, input size, kernel, stride, padding)
SHAPES = [
    ("LeNet-5 conv1", 1, 6, 28, 5, 1, 2),
    ("LeNet-5 conv2", 6, 16, 14, 5, 1, 0),
    ("ResNet-20 stem", 3, 16, 32, 3, 1, 1),
    ("ResNet-20 16-16", 16, 16, 32, 3, 1, 1),
    ("ResNet-20 16-32 s2", 16, 32, 32, 3, 2, 1),
    ("ResNet-20 16-32 1x1 s2", 16, 32, 32, 1, 2, 0),
    ("ResNet-20 32-32", 32, 32, 16, 3, 1, 1),
    ("ResNet-20 32-64 s2", 32, 64, 16, 3, 2, 1),
    ("ResNet-20 64-64", 64, 64, 8, 3, 1, 1),
]


def _timed(fn) -> tuple[float, float]:
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def products(torch, shape, batch: int, dtype, rng) -> dict:
    """The four calls on random weights (scaled 1/sqrt(fan-in)), probes and adjoint probes:
    ours forward, PyTorch conv2d, ours adjoint, PyTorch's input gradient."""
    _, c_in, c_out, n, k, s, p = shape
    weight = (rng.standard_normal((c_out, c_in, k, k)) / np.sqrt(c_in * k * k)).astype(dtype)
    x = rng.standard_normal((batch, c_in, n, n)).astype(dtype)
    conv = Conv(weight, s, p, in_shape=(c_in, n, n))
    u = rng.standard_normal((batch, *conv.out_shape)).astype(dtype)
    wt, xt, ut = (torch.from_numpy(a) for a in (weight, x, u))
    calls = {
        "ours_fwd": lambda: conv.matmat(x),
        "torch_fwd": lambda: torch.nn.functional.conv2d(xt, wt, stride=s, padding=p),
        "ours_adj": lambda: conv.rmatmat(u),
        "torch_adj": lambda: torch.nn.grad.conv2d_input(xt.shape, wt, ut, stride=s, padding=p),
    }
    return calls


def measure(torch, shape, batch: int, dtype, repeats: int, rng) -> dict[str, float]:
    """Medians (wall, CPU) of the four calls and the largest differences to PyTorch."""
    calls = products(torch, shape, batch, dtype, rng)
    for fn in calls.values():  # warm up (caches, the float32 weight copy, oneDNN primitives)
        fn()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
    with torch.no_grad():
        for _ in range(repeats):
            for name, fn in calls.items():
                times[name].append(_timed(fn))
    out = {f"{name}_{kind}": statistics.median(t[i] for t in ts)
           for name, ts in times.items() for i, kind in enumerate(("wall", "cpu"))}
    fwd_ref, adj_ref = calls["torch_fwd"]().numpy(), calls["torch_adj"]().numpy()
    fwd, adj = calls["ours_fwd"](), calls["ours_adj"]()
    out["err_fwd"] = float(np.abs(fwd - fwd_ref).max() / np.abs(fwd_ref).max())
    out["err_adj"] = float(np.abs(adj - adj_ref).max() / np.abs(adj_ref).max())
    return out


def main() -> int:
    args = ARGS if ARGS is not None else _arguments()
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: nothing to compare against", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    print(f"# threads {args.threads}, OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY')}, "
          f"repeats {args.repeats}, torch {torch.__version__}, "
          f"numpy {np.__version__}, load average at start {os.getloadavg()}")
    print("| dtype | layer | batch | ours fwd [ms] | torch fwd [ms] | ratio wall | ratio CPU "
          "| ours adj [ms] | torch adj [ms] | ratio wall | ratio CPU | max rel. diff |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    within = {"wall": 0, "CPU": 0}
    products = 0
    with threadpool_limits(args.threads):
        for dtype in dtypes:
            for shape in SHAPES:
                for batch in args.batches:
                    r = measure(torch, shape, batch, np.dtype(dtype), args.repeats, rng)
                    for kind, key in (("wall", "wall"), ("CPU", "cpu")):
                        within[kind] += sum(r[f"ours_{p}_{key}"] <= 2 * r[f"torch_{p}_{key}"]
                                            for p in ("fwd", "adj"))
                    products += 2
                    err = max(r["err_fwd"], r["err_adj"])
                    print(f"| {dtype} | {shape[0]} | {batch} | {1e3 * r['ours_fwd_wall']:.3f} | "
                          f"{1e3 * r['torch_fwd_wall']:.3f} | "
                          f"{r['ours_fwd_wall'] / r['torch_fwd_wall']:.2f} | "
                          f"{r['ours_fwd_cpu'] / r['torch_fwd_cpu']:.2f} | "
                          f"{1e3 * r['ours_adj_wall']:.3f} | {1e3 * r['torch_adj_wall']:.3f} | "
                          f"{r['ours_adj_wall'] / r['torch_adj_wall']:.2f} | "
                          f"{r['ours_adj_cpu'] / r['torch_adj_cpu']:.2f} | {err:.1e} |",
                          flush=True)
    print(f"# within 2x of PyTorch: {within['wall']} of {products} products by wall time, "
          f"{within['CPU']} by CPU time (process CPU time counts every thread of the process: "
          f"at more than one thread, PyTorch's OpenMP threads still spinning during our calls)")
    print(f"# load average at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
