"""BLAS thread counts by problem size: small products run on one thread.

OpenBLAS starts its threads for every product above a tiny size; for the products of
mini-batch training (2.11) (batch 100 x 784 x 40: 6 MFLOP, ~0.2 ms) the hand-over costs
more than the second core gains, and on a loaded machine a spinning second thread can make
a product many times slower (1390 training steps/s on 2 threads against 2000 on 1,
benchmarks/README.md).  Paths made of such products call :func:`blas_threads_for` once,
outside their loop, and run under ``threadpoolctl``'s limit, so two threads are never slower
than one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: A product below this many flops (2 m k n) gets one BLAS thread (~3 ms on one core).
SMALL_PRODUCT_FLOPS = 1e8

_CONTROLLER: list[Any] = []


def largest_product_flops(sizes, batch: int) -> float:
    """Flops :math:`2 b n_l n_{l+1}` of the largest layer product of a batch of ``batch`` states
    through layers of ``sizes`` (the forward pass of (2.5); the backward pass costs the same).

    Examples
    --------
    >>> largest_product_flops((784, 40, 20, 10), 100)
    6272000.0
    """
    return float(max(2.0 * batch * a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)))


@contextmanager
def blas_threads_for(flops: float) -> Iterator[int | None]:
    """Limit BLAS to one thread while the products are below ``SMALL_PRODUCT_FLOPS``.

    Yields the limit (1) or None (left as it was).  Used around training loops of (2.11).

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with blas_threads_for(6.3e6) as limit:
    ...     inside = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    >>> limit, all(n == 1 for n in inside)
    (1, True)
    """
    if flops >= SMALL_PRODUCT_FLOPS:
        yield None
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield 1


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS on one thread: for code made of many products far below
    ``SMALL_PRODUCT_FLOPS`` each (the per-offset and per-probe products of a convolution block
    of w (2.1)), where a second BLAS thread costs more than it gains.  Cheap enough to enter
    per call (threadpoolctl's controller is built once, the limit set and restored directly);
    a no-op when BLAS already runs on one thread.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info, threadpool_limits
    >>> with threadpool_limits(2, user_api="blas"), one_blas_thread():
    ...     inside = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    >>> all(n == 1 for n in inside)
    True
    """
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController().select(user_api="blas"))
    libs = [(lib, lib.num_threads) for lib in _CONTROLLER[0].lib_controllers]
    if all(n == 1 for _, n in libs):
        yield
        return
    for lib, _ in libs:  # set directly: controller.limit() also queries every library's info
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in libs:
            lib.set_num_threads(n)
