"""Starting points of the bulk minimum (3.2): the forward-pass fixed point (2.9) with the
outputs clamped, and seeded random starts in the box (multi-start)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.bulk_minimum.network import Network, check_states, graph_start
from learning.feedforward import forward_state
from learning.graph.septuple import GraphSeptuple
from learning.septuple import fixed_point

__all__ = ["bulk_minimum_start"]

Array = NDArray[np.float64]
Bound = float | Array


def bulk_minimum_start(septuple: Network, x_boundary: ArrayLike) -> Array:
    """The forward-pass fixed point (2.9) with the outputs clamped to the data: the default
    starting point of (3.2), at which the bulk loss equals the boundary loss (2.11).

    Examples
    --------
    >>> from learning import feedforward, boundary_state
    >>> net = feedforward((3, 2, 1), seed=0)
    >>> xb = boundary_state(net, np.full(3, 0.5), np.array([0.3]))
    >>> x = bulk_minimum_start(net, xb)
    >>> bool(x[0, -1] == 0.3) and x.shape == (1, 6)
    True
    """
    xb = check_states(septuple, x_boundary, "x_boundary")
    xb2 = np.atleast_2d(xb)
    if isinstance(septuple, GraphSeptuple):
        return graph_start(septuple, xb2)
    if septuple.layer_sizes is not None:
        # The layered pass gives the same fixed point (2.9) with dense per-layer products.
        x = forward_state(septuple, xb2[:, septuple.input_indices])
    else:
        x = fixed_point(septuple, xb2, tol=1e-13).state
    x[:, septuple.output_indices] = xb2[:, septuple.output_indices]
    return x


def starts(start: Array, lo: Bound, hi: Bound, n_starts: int,
           rng: np.random.Generator) -> list[Array]:
    """Hidden starting states (rows = samples): ``start`` clipped into the box [lo, hi], then
    ``n_starts - 1`` seeded uniform points of the box (for an unbounded side: ``start`` plus
    unit normal noise, clipped), drawn from ``rng`` (which is left as it is for one start)."""
    first = np.clip(start, lo, hi)
    out = [first]
    for _ in range(n_starts - 1):
        if np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)):
            out.append(rng.uniform(lo, hi, first.shape))
        else:
            out.append(np.clip(first + rng.normal(size=first.shape), lo, hi))
    return out
