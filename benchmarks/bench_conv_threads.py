"""Benchmark: whether a convolution product gains from splitting its probes over two threads
(issue 22), whether PyTorch's OpenMP threads, spinning after each of its calls, slow our next
call, and which calls release the GIL.

For each layer of benchmarks/bench_convolution.py (30 probes) and each product (W x, W^T y),
medians of wall time of our product under the settings of MODES (alternating within each
repeat), timed alone (our calls back to back) and interleaved (one untimed PyTorch call of
the same product before each of ours, as in the side-by-side benchmark).  The split modes
need the code of commit 926080d (branch h2/conv4), where the split was measured and not kept
(benchmarks/README.md); elsewhere only ``--modes one``.  ``--omp-wait-policy passive`` sets
``OMP_WAIT_POLICY`` before PyTorch is imported (its threads then sleep at once after a
call).  ``--gil`` instead times SciPy's BLAS gemm wrapper, ``np.matmul`` and a small ufunc on
one and on two Python threads, and the round trip of a no-op through the second thread.

Run:  flock /work/bench.lock python benchmarks/bench_conv_threads.py --threads 2 --repeats 15
"""

from __future__ import annotations

import argparse
import os
from contextlib import nullcontext

from _thread_env import add_thread_arguments, set_thread_env

#: Settings of learning.graph.convolution compared: one thread; the split (every product);
#: the split with the accumulating route on all of a thread's probes at once; the split
#: with im2col instead of the accumulating route; BLAS left on all its threads inside the
#: products (the policy before commit 7698679).  The split (``SPLIT_MIN_FLOPS``) exists only
#: at commit 926080d; "one" is the code as it is.
MODES = {
    "one": {},
    "split": {"SPLIT_MIN_FLOPS": 0.0},
    "split-whole": {"SPLIT_MIN_FLOPS": 0.0, "SHIFT_BYTES": 1 << 40},
    "split-im2col": {"SPLIT_MIN_FLOPS": 0.0, "SHIFT_MIN_CHANNELS": 1 << 62},
    "blas2": {"one_blas_thread": nullcontext},
}


def _arguments() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_thread_arguments(p, 2)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--batch", type=int, default=30)
    p.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    p.add_argument("--gil", action="store_true")
    p.add_argument("--layers", nargs="+", default=None, help="substrings of layer names")
    p.add_argument("--modes", nargs="+", choices=sorted(MODES), default=["one"])
    p.add_argument("--contexts", nargs="+", choices=["alone", "interleaved"],
                   default=["alone", "interleaved"])
    return p.parse_args()


ARGS = _arguments() if __name__ == "__main__" else None
if ARGS is not None:
    set_thread_env(ARGS)

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402

import learning.graph.convolution as convolution  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from bench_convolution import SHAPES, products  # noqa: E402


def _median_ms(fn, before, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        before()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def layer(torch, shape, batch: int, dtype, args, rng) -> list[float]:
    """Medians per (context, mode) for W x, then the same for W^T y."""
    calls = products(torch, shape, batch, dtype, rng)
    pairs = [(calls["ours_fwd"], calls["torch_fwd"]), (calls["ours_adj"], calls["torch_adj"])]
    row = []
    defaults = {name: getattr(convolution, name) for m in args.modes for name in MODES[m]}
    settings = [{**defaults, **MODES[mode]} for mode in args.modes]
    for ours, theirs in pairs:
        for context in args.contexts:
            before = theirs if context == "interleaved" else (lambda: None)
            times: list[list[float]] = [[] for _ in settings]
            for r in range(args.repeats + 1):  # the modes alternate within each repeat
                for setting, ts in zip(settings, times, strict=True):
                    for name, value in setting.items():
                        setattr(convolution, name, value)
                    before()
                    t0 = time.perf_counter()
                    ours()
                    if r:  # the first round warms up
                        ts.append(time.perf_counter() - t0)
            row.extend(1e3 * statistics.median(ts) for ts in times)
    for name, value in defaults.items():
        setattr(convolution, name, value)
    return row


def gil(repeats: int) -> None:
    """Wall time of 40 calls on one thread and split over two (20 each), and the round trip
    of a no-op through the worker thread."""
    from scipy.linalg import get_blas_funcs

    from learning.threads import one_blas_thread

    rng = np.random.default_rng(0)
    a = np.asfortranarray(rng.standard_normal((64, 64)))
    b = rng.standard_normal((9000, 64))
    c = np.zeros((64, 9000), order="F")
    gemm = get_blas_funcs("gemm", dtype=a.dtype)
    small, small_out = rng.standard_normal(16384), np.empty(16384)
    calls = {"scipy gemm (9000 x 64 x 64)": lambda: gemm(1.0, a, b.T, 1.0, c, overwrite_c=True),
             "np.matmul out= (9000 x 64 x 64)": lambda: np.matmul(b, a.T, out=c.T),
             "np.multiply, 16384 entries, x 25": lambda: [
                 np.multiply(small, 2.0, out=small_out) for _ in range(25)]}
    pool = ThreadPoolExecutor(1)
    with one_blas_thread():
        for name, fn in calls.items():
            def many(m: int, fn=fn) -> None:
                for _ in range(m):
                    fn()

            one = _median_ms(lambda many=many: many(40), lambda: None, repeats)

            def two(many=many) -> None:
                f = pool.submit(many, 20)
                many(20)
                f.result()

            both = _median_ms(two, lambda: None, repeats)
            print(f"| {name} | {one:.2f} | {both:.2f} | {one / both:.2f} |")
    from learning import threads

    controller = threads._CONTROLLER[0]

    def limited() -> None:
        with controller.limit(limits=1):
            pass

    def direct() -> None:
        with one_blas_thread():
            pass

    for name, fn in (("threadpoolctl limit(1)", limited), ("one_blas_thread", direct)):
        t = _median_ms(lambda fn=fn: [fn() for _ in range(100)], lambda: None, repeats)
        print(f"# entering and leaving {name} (BLAS otherwise on all threads): {10 * t:.1f} us")
    trip = _median_ms(lambda: [pool.submit(lambda: None).result() for _ in range(100)],
                      lambda: None, repeats)
    print(f"# a no-op submitted to the worker and waited for: {10 * trip:.1f} us per round trip")


def main() -> int:
    args = ARGS if ARGS is not None else _arguments()
    print(f"# threads {args.threads}, OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY')}, "
          f"repeats {args.repeats}, load average at start {os.getloadavg()}")
    if args.gil:
        print("| call | one thread [ms] | two threads [ms] | speed-up |\n"
              "| --- | ---: | ---: | ---: |")
        gil(args.repeats)
        print(f"# load average at end {os.getloadavg()}")
        return 0
    missing = {n for m in args.modes for n in MODES[m] if not hasattr(convolution, n)}
    if missing:
        print(f"--modes {' '.join(args.modes)}: this code has no {', '.join(sorted(missing))}"
              " (the probe split was measured at commit 926080d and not kept)", file=sys.stderr)
        return 2
    import torch
    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    cols = [f"{c}: {m}" for c in args.contexts for m in args.modes]
    print("| dtype | layer | product | " + " | ".join(cols) + " |  [ms, wall]")
    print("| --- | --- | --- | " + " | ".join("---:" for _ in cols) + " |")
    with threadpool_limits(args.threads), torch.no_grad():
        for dtype in dtypes:
            for shape in SHAPES:
                if args.layers and not any(s in shape[0] for s in args.layers):
                    continue
                row = layer(torch, shape, args.batch, np.dtype(dtype), args, rng)
                half = len(row) // 2
                for name, part in (("W x", row[:half]), ("W^T y", row[half:])):
                    print(f"| {dtype} | {shape[0]} | {name} | "
                          + " | ".join(f"{t:.3f}" for t in part) + " |", flush=True)
    print(f"# load average at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
