"""Thread settings of the convolution benchmarks (bench_convolution.py, bench_conv_threads.py),
applied to the environment before NumPy and PyTorch are imported."""

from __future__ import annotations

import argparse
import os


def add_thread_arguments(p: argparse.ArgumentParser, threads: int) -> None:
    """``--threads`` (BLAS and PyTorch threads) and ``--omp-wait-policy``."""
    p.add_argument("--threads", type=int, default=threads,
                   help=f"BLAS / PyTorch threads (default {threads})")
    p.add_argument("--omp-wait-policy", choices=["default", "passive", "active"],
                   default="default", help="OMP_WAIT_POLICY for PyTorch's OpenMP threads, set "
                   "before it is imported (default: left unset)")


def set_thread_env(args: argparse.Namespace) -> None:
    """The thread counts of OpenMP, OpenBLAS and MKL, and OMP_WAIT_POLICY unless "default"."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.omp_wait_policy != "default":
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy.upper()
