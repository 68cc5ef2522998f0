"""Benchmark: the probe split of a convolution product over two threads (issue 22), and
whether PyTorch's OpenMP threads, spinning after each of its calls, slow our next call.

For each layer of benchmarks/bench_convolution.py (30 probes) and each product (W x, W^T y),
medians of wall time of our product with the split off (``SPLIT_MIN_FLOPS`` = inf: one
thread) and on (0: every product split), timed alone (our calls back to back) and
interleaved (one untimed PyTorch call of the same product before each of ours, as in the
side-by-side benchmark).  ``--omp-wait-policy passive`` sets ``OMP_WAIT_POLICY`` before
PyTorch is imported (its threads then sleep at once after a call).  ``--gil`` instead times
SciPy's BLAS gemm wrapper and ``np.matmul`` on one and on two Python threads.

Run:  flock /work/bench.lock python benchmarks/bench_conv_threads.py --threads 2 --repeats 15
"""

from __future__ import annotations

import argparse
import os


def _arguments() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--batch", type=int, default=30)
    p.add_argument("--omp-wait-policy", choices=["default", "passive", "active"],
                   default="default")
    p.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    p.add_argument("--gil", action="store_true")
    return p.parse_args()


ARGS = _arguments() if __name__ == "__main__" else None
if ARGS is not None:
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = str(ARGS.threads)
    if ARGS.omp_wait_policy != "default":
        os.environ["OMP_WAIT_POLICY"] = ARGS.omp_wait_policy.upper()

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import numpy as np  # noqa: E402

import learning.graph.convolution as convolution  # noqa: E402
from learning.graph.convolution import Conv  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from bench_convolution import SHAPES  # noqa: E402


def _median_ms(fn, before, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        before()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def layer(torch, shape, batch: int, dtype, repeats: int, rng) -> list[float]:
    """[one alone, split alone, one interleaved, split interleaved] for W x then W^T y."""
    _, c_in, c_out, n, k, s, p = shape
    weight = (rng.standard_normal((c_out, c_in, k, k)) / np.sqrt(c_in * k * k)).astype(dtype)
    x = rng.standard_normal((batch, c_in, n, n)).astype(dtype)
    conv = Conv(weight, s, p, in_shape=(c_in, n, n))
    u = rng.standard_normal((batch, *conv.out_shape)).astype(dtype)
    wt, xt, ut = (torch.from_numpy(a) for a in (weight, x, u))
    pairs = [
        (lambda: conv.matmat(x), lambda: torch.nn.functional.conv2d(xt, wt, stride=s, padding=p)),
        (lambda: conv.rmatmat(u),
         lambda: torch.nn.grad.conv2d_input(xt.shape, wt, ut, stride=s, padding=p)),
    ]
    row = []
    for ours, theirs in pairs:
        for before in (lambda: None, theirs):
            for split in (np.inf, 0.0):
                convolution.SPLIT_MIN_FLOPS = split
                ours(), theirs()
                row.append(_median_ms(ours, before, repeats))
    return row


def gil(repeats: int) -> None:
    """Wall time of 40 products on one thread and split over two (20 each)."""
    from scipy.linalg import get_blas_funcs

    from learning.threads import one_blas_thread

    rng = np.random.default_rng(0)
    a = np.asfortranarray(rng.standard_normal((64, 64)))
    b = rng.standard_normal((9000, 64))
    c = np.zeros((64, 9000), order="F")
    gemm = get_blas_funcs("gemm", dtype=a.dtype)
    calls = {"scipy gemm": lambda: gemm(1.0, a, b.T, 1.0, c, overwrite_c=True),
             "np.matmul out=": lambda: np.matmul(b, a.T, out=c.T)}
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
    import torch
    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    print("| dtype | layer | product | alone: one | alone: split | interleaved: one "
          "| interleaved: split |  [ms, wall]")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    with threadpool_limits(args.threads), torch.no_grad():
        for dtype in dtypes:
            for shape in SHAPES:
                row = layer(torch, shape, args.batch, np.dtype(dtype), args.repeats, rng)
                for name, part in (("W x", row[:4]), ("W^T y", row[4:])):
                    print(f"| {dtype} | {shape[0]} | {name} | "
                          + " | ".join(f"{t:.3f}" for t in part) + " |", flush=True)
    print(f"# load average at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
