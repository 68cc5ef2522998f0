"""Which BLAS multiplies dense weight blocks by probe blocks: NumPy's, or Intel MKL's.

The SLQ of (9.5)-(9.6) spends its time in products of a dense block :math:`w_{l+1,l}` (5.4) with a
block of about 30 probe rows.  At that width the kernel decides the speed, and measured on the
2-core machine (4096 x 4096 weights, 30 rows, GFLOP/s at 1 / 2 threads, 2026-12-06; the large
square matmul of NumPy's OpenBLAS runs at 94 / 174 float64 and 190 / 373 float32):

=========================  ==========  ===========
product                    float64     float32
=========================  ==========  ===========
OpenBLAS ``X @ W.T``       43 / 82     66 / 106
OpenBLAS ``R @ W``         45 / 82     71 / 114
MKL ``W @ X.T``            57 / 107    127 / 290
MKL ``R @ W``              27 / 78     56 / 104
=========================  ==========  ===========

So MKL reaches 60-80 % of the large-matmul rate, but only with the weights on the left and
not transposed; both products of a Golub-Kahan step (A V and A^T P) get that form when the
transpose of each block is kept as a second contiguous copy (:class:`BlockPair`), which doubles
the memory of the weights in the product dtype (counted in the Jacobian operator's
``nbytes`` and ``copy_bytes``).  MKL comes from the
optional extra ``mkl`` (the ``mkl`` wheel and ``sparse-dot-mkl``, the maintained ctypes
binding to its ``cblas_?gemm``); without it everything runs on NumPy.  The choice is
process-wide like a thread count: :func:`products_backend` sets it for a ``with`` block.

Default and threads: the products run on NumPy's BLAS unless :func:`products_backend` asks
for ``"mkl"`` or ``"auto"`` (MKL only where BLAS is limited to one thread,
``threadpoolctl.threadpool_limits(1)``).  MKL's kernel gain did not carry over reproducibly to
the whole SLQ on the 2-core test machine (784-4096³-10, 30 probes x 60 steps, quiet,
2026-12-06, float32 / float64 products): on one thread, runs of the same code within the hour
took 3.6-5.7 s / 5.0-8.5 s with MKL, against 5.4-6.2 s / 7.5-8.4 s with OpenBLAS; on two
threads OpenBLAS took 3.8-4.3 s / 5.0-5.9 s and MKL, whatever its thread split, 5.3-6.5 s /
7.8-8.4 s (a second thread spinning between products slows the first on this machine).
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np
from numpy.typing import NDArray

__all__ = ["BACKENDS", "BlockPair", "active_backend", "mkl_available", "products_backend"]

#: Backend names, in order ``"auto"`` (MKL where installed and BLAS runs on one thread, see
#: the module docstring, else NumPy), ``"numpy"`` (always NumPy's BLAS, the default) and
#: ``"mkl"`` (MKL or an error).
BACKENDS = ("auto", "numpy", "mkl")
#: Blocks below this many entries stay on NumPy (the ctypes call and the transposed copy are
#: not worth it for small layers: 784-40-20-10 has 32 k).
MKL_MIN_ENTRIES = 2**18

# NumPy's BLAS unless asked: the gain of MKL in the whole SLQ did not reproduce (module docstring).
_choice = ["numpy"]


@cache
def _mkl_gemm() -> Callable | None:
    """sparse_dot_mkl's dense product (``dot_product_mkl``), or None where MKL is absent."""
    if "MKL_RT" not in os.environ:
        # The mkl wheel puts libmkl_rt in <prefix>/lib, where the dynamic loader does not look;
        # sparse_dot_mkl reads MKL_RT (its documented way to name the library).
        found = sorted(glob.glob(os.path.join(sys.prefix, "lib", "libmkl_rt.so*")))
        if found:
            os.environ["MKL_RT"] = found[-1]
    try:
        import sparse_dot_mkl
    except (ImportError, OSError):
        return None
    # MKL loaded inside a threadpoolctl limit would not carry it: start at NumPy's BLAS count.
    # (Setting a thread-local count of 1 around every product instead made the 784-4096³-10
    # SLQ 1.3-1.5x slower, 4.5 / 7.4 s against 3.6 / 5.1 s float32 / float64.)
    sparse_dot_mkl.mkl_set_num_threads(_blas_threads())
    return sparse_dot_mkl.dot_product_mkl


def _blas_threads() -> int:
    """The thread count of NumPy's and SciPy's BLAS (threadpoolctl's view; MKL is left out:
    loaded late, inside a ``threadpool_limits`` block, it would not show that block's limit)."""
    from threadpoolctl import threadpool_info

    return max((int(lib["num_threads"]) for lib in threadpool_info()
                if lib["user_api"] == "blas" and lib["internal_api"] != "mkl"), default=1)


def mkl_available() -> bool:
    """True when the optional MKL products can run (extra ``mkl`` installed).

    Examples
    --------
    >>> isinstance(mkl_available(), bool)
    True
    """
    return _mkl_gemm() is not None


def active_backend() -> str:
    """The BLAS the dense block products use now: ``"mkl"`` or ``"numpy"``.

    Examples
    --------
    >>> with products_backend("numpy"):
    ...     active_backend()
    'numpy'
    """
    if _choice[0] == "numpy" or (_choice[0] == "auto" and not (mkl_available()
                                                              and _blas_threads() == 1)):
        return "numpy"
    if not mkl_available():
        raise ValueError("products_backend('mkl') needs Intel MKL: pip install -e '.[mkl]' "
                         "(or use 'auto' or 'numpy')")
    return "mkl"


@contextmanager
def products_backend(backend: str) -> Iterator[str]:
    """Run the ``with`` block's dense block products on ``backend`` (one of :data:`BACKENDS`).

    Yields the backend that is used (``"auto"`` resolved).  Operators built inside keep the
    layout of that backend after the block.

    Examples
    --------
    >>> with products_backend("numpy") as used:
    ...     used
    'numpy'
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    before = _choice[0]
    _choice[0] = backend
    try:
        yield active_backend()
    finally:
        _choice[0] = before


class BlockPair:
    """A dense block W (5.4) and its transpose, both C-contiguous, multiplied on MKL.

    ``times(X)`` is X Wᵀ and ``t_times(R)`` is R W for row batches, each as MKL's fast
    ``M @ Xᵀ`` form (the weights on the left, not transposed).  Build it only when
    :func:`active_backend` is ``"mkl"``.

    MKL runs with the thread count threadpoolctl gives it; ``"auto"`` takes MKL only on one
    thread (measurements in the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.arange(6.0).reshape(2, 3)
    >>> if mkl_available():
    ...     pair = BlockPair(w, np.float64)
    ...     ok = np.allclose(pair.times(np.ones((4, 3))), np.ones((4, 3)) @ w.T)
    ... else:
    ...     ok = True
    >>> ok
    True
    """

    def __init__(self, w: NDArray[np.floating], dtype: np.dtype) -> None:
        if np.ndim(w) != 2:
            raise ValueError(f"w must be a 2-D dense block, got {np.ndim(w)} dimensions")
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        gemm = _mkl_gemm()
        if gemm is None:
            raise ValueError("BlockPair needs Intel MKL (the optional extra 'mkl')")
        self._gemm = gemm
        self.w = np.ascontiguousarray(w, dtype=dtype)
        self._w_t: NDArray[np.floating] | None = None
        self._t_calls = 0

    @property
    def w_t(self) -> NDArray[np.floating]:
        """Wᵀ, C-contiguous (made on first use)."""
        if self._w_t is None:
            self._w_t = np.ascontiguousarray(self.w.T)
        return self._w_t

    def _left(self, m: NDArray[np.floating], x: NDArray[np.floating]) -> NDArray[np.floating]:
        # MKL takes contiguous operands only: a slice of neurons of a column-major probe
        # block (as learning.lanczos keeps them) is one; of a row-major block it is copied.
        if np.ndim(x) == 1:
            rows = np.asarray(x, dtype=m.dtype)
            return np.asarray(self._gemm(m, rows[:, None]))[:, 0]
        columns = np.ascontiguousarray(np.asarray(x, dtype=m.dtype).T)
        return np.asarray(self._gemm(m, columns)).T

    def times(self, x: NDArray[np.floating]) -> NDArray[np.floating]:
        """X Wᵀ (W x for each row x)."""
        return self._left(self.w, x)

    def t_times(self, r: NDArray[np.floating]) -> NDArray[np.floating]:
        """R W (Wᵀ r for each row r).

        The transposed copy is made at the second call: one product (a round-off check, say)
        runs on NumPy's BLAS instead of paying for a copy of the block.
        """
        self._t_calls += 1
        if self._w_t is None and self._t_calls == 1:
            return np.asarray(r, dtype=self.w.dtype) @ self.w
        return self._left(self.w_t, r)
