"""Work buffers of the block products W x, W^T y of w (2.1), reused across calls.

A product of a convolution block copies its input into temporaries (the padded input, im2col
columns, partial sums) of up to a few MiB.  Allocated afresh at every call, each temporary
above glibc's mmap threshold is new memory, and the kernel zero-fills it page by page on first
touch: measured on LeNet-5's first convolution (30 probes, float32, one thread), 463 minor page
faults per product and 0.72 ms per product, against 0.36 ms with the same code when the
allocator keeps its memory (benchmarks/README.md).  The buffers here are kept per thread and
per slot, grown when a larger one is asked for, so a repeated product touches the same pages.

A buffer's contents are undefined on return and are overwritten by the next request of the
same slot in the same thread: never return a workspace array (or a view of one) to a caller.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["WORKSPACE_MAX_BYTES", "workspace"]

#: Requests above this size are allocated afresh and not kept (the chunked products never ask
#: for more than a few MiB; the bound keeps a thread's buffers small whatever the caller does).
WORKSPACE_MAX_BYTES = 1 << 25

_LOCAL = threading.local()


def workspace(slot: str, shape: tuple[int, ...], dtype: Any, order: str = "C") -> NDArray[Any]:
    """An uninitialised array of ``shape`` and ``dtype`` for the products of (2.1), reused by
    later requests of the same ``slot`` in the same thread (``order`` "C" or "F").

    Examples
    --------
    >>> import numpy as np
    >>> a = workspace("doc", (2, 3), np.float64)
    >>> a[:] = 1.0
    >>> b = workspace("doc", (3, 2), np.float64, order="F")
    >>> b.shape, b.flags.f_contiguous, np.shares_memory(a, b)
    ((3, 2), True, True)
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > WORKSPACE_MAX_BYTES:
        return np.empty(shape, dtype=dtype, order=order)  # type: ignore[call-overload]
    buffers: dict[str, NDArray[Any]] = _LOCAL.__dict__.setdefault("buffers", {})
    buf = buffers.get(slot)
    if buf is None or buf.nbytes < nbytes:
        buf = np.empty(max(nbytes, 64), dtype=np.uint8)
        buffers[slot] = buf
    flat = buf[:nbytes].view(dtype)
    if order == "F":
        return flat.reshape(shape[::-1]).T
    return flat.reshape(shape)
