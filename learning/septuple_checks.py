"""Checks of a septuple's structure (Section 2): the feedforward conditions (2.1)-(2.3) on w,
and the input-bias condition (2.8) on b for given data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.layered_weights import LayeredWeights
from learning.septuple import Septuple, _check_states, activation_of

__all__ = ["FeedforwardReport", "InputBiasReport", "check_feedforward", "check_input_bias"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class FeedforwardReport:
    """Which of the feedforward conditions (2.1)-(2.3) hold, and by how much they fail.

    Attributes
    ----------
    n_layers
        L used for (2.1): the septuple's layer count, the one asked for, or the depth of
        the connection graph (longest path + 1) when the graph is acyclic.
    depth
        Longest directed path of the connection graph plus one (``None`` if it has a cycle).
    nilpotency
        max(‖w^L‖_max, ‖(w^T)^L‖_max): zero when (2.1) holds for this L.
    no_input_incoming
        ‖P_in w‖_max, zero when (2.2) holds.
    no_output_outgoing
        ‖P_out w^T‖_max, zero when (2.3) holds.
    holds
        All three conditions hold (to ``atol``).
    failures
        Human-readable list of the conditions that fail, with their size.
    """

    n_layers: int
    depth: int | None
    nilpotency: float
    no_input_incoming: float
    no_output_outgoing: float
    holds: bool
    failures: tuple[str, ...]


def _graph_depth(weights: Array) -> int | None:
    """Longest path (in vertices) of the directed graph j -> i for w[i, j] != 0, or None."""
    n = weights.shape[0]
    adj = weights != 0
    indegree = adj.sum(axis=1)
    level = np.ones(n, dtype=int)
    frontier = list(np.flatnonzero(indegree == 0))
    remaining = indegree.copy()
    visited = 0
    while frontier:
        j = frontier.pop()
        visited += 1
        targets = np.flatnonzero(adj[:, j])
        for i in targets:
            level[i] = max(level[i], level[j] + 1)
            remaining[i] -= 1
            if remaining[i] == 0:
                frontier.append(i)
    if visited < n:
        return None
    return int(level.max())


def _dense_feedforward_norms(septuple: Septuple):
    """‖w^L‖_max as a function of L, the graph depth, ‖P_in w‖_max, ‖P_out w^T‖_max."""
    w = septuple.weights
    n = septuple.n_neurons

    def nilpotency_of(n_layers: int) -> float:
        # ‖w^L‖ by repeated products; rescale each factor to keep the power finite.
        power = np.eye(n)
        scale = max(float(np.max(np.abs(w))), 1e-300)
        log_scale = 0.0
        for _ in range(n_layers):
            power = power @ (w / scale)
            log_scale += np.log(scale)
        nil_rel = float(np.max(np.abs(power)))
        # ‖(w^T)^L‖_max = ‖(w^L)^T‖_max, the same number.
        return float(np.exp(np.log(nil_rel) + log_scale)) if nil_rel > 0 else 0.0

    incoming = float(np.max(np.abs(w[septuple.input_indices, :]), initial=0.0))
    outgoing = float(np.max(np.abs(w[:, septuple.output_indices]), initial=0.0))
    return nilpotency_of, _graph_depth(w), incoming, outgoing


def _layered_feedforward_norms(septuple: Septuple):
    """As :func:`_dense_feedforward_norms` from the blocks w_{l+1,l}, never forming w.

    w^n has the blocks w_{l+n,l+n-1} ... w_{l+1,l}, so ‖w^n‖_max is a max over chains of n
    consecutive blocks (0 for n >= L); the depth follows the non-zero pattern layer by layer.
    """
    lw: LayeredWeights = septuple.weights_storage  # type: ignore[assignment]
    blocks = lw.blocks
    scale = max(max(float(np.max(lw.row_max_abs())), 0.0), 1e-300)

    def nilpotency_of(n_layers: int) -> float:
        best = 0.0
        for start in range(len(blocks) - n_layers + 1):
            chain = np.eye(lw.sizes[start])
            for blk in blocks[start:start + n_layers]:
                chain = np.asarray(blk @ chain) / scale
            best = max(best, float(np.max(np.abs(chain), initial=0.0)))
        return float(np.exp(np.log(best) + n_layers * np.log(scale))) if best > 0 else 0.0

    # Longest path (in vertices) ending at each neuron, layer by layer.
    level = np.ones(lw.sizes[0], dtype=int)
    depth = 1
    for mask in lw.nonzero_masks():
        new = np.ones(mask.shape[0], dtype=int)
        for k in np.unique(level):
            reached = np.asarray(mask @ (level == k).astype(float)) > 0
            new = np.where(reached, np.maximum(new, k + 1), new)
        level = new
        depth = max(depth, int(np.max(level)))
    rows, cols = lw.row_max_abs(), lw.column_max_abs()
    incoming = float(np.max(rows[septuple.input_indices], initial=0.0))
    outgoing = float(np.max(cols[septuple.output_indices], initial=0.0))
    return nilpotency_of, depth, incoming, outgoing


def check_feedforward(septuple: Septuple, n_layers: int | None = None, *,
                      atol: float = 0.0) -> FeedforwardReport:
    """Check the feedforward conditions (2.1) w^n = (w^T)^n = 0 for n >= L, (2.2) P_in w = 0
    and (2.3) P_out w^T = 0.

    Parameters
    ----------
    septuple
        The network.
    n_layers
        L for (2.1).  Default: ``len(septuple.layer_sizes)`` if set, else the depth of the
        connection graph (for a cyclic graph, N, so that (2.1) fails by ‖w^N‖).
    atol
        Entries up to ``atol`` in absolute value count as zero.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> check_feedforward(feedforward((4, 3, 2), seed=1)).holds
    True
    >>> rng = np.random.default_rng(0)
    >>> dense = Septuple(rng.normal(size=(4, 4)), np.zeros(4), "tanh", [0], [3])
    >>> check_feedforward(dense).holds
    False
    """
    if septuple.is_block_stored:
        nilpotency_of, depth, incoming, outgoing = _layered_feedforward_norms(septuple)
    else:
        nilpotency_of, depth, incoming, outgoing = _dense_feedforward_norms(septuple)
    if n_layers is None:
        if septuple.layer_sizes is not None:
            n_layers = len(septuple.layer_sizes)
        else:
            n_layers = depth if depth is not None else septuple.n_neurons
    if n_layers < 1:
        raise ValueError(f"n_layers must be >= 1, got {n_layers}")
    nilpotency = nilpotency_of(n_layers)
    failures = []
    if nilpotency > atol:
        failures.append(f"(2.1) w^L != 0 for L = {n_layers}: max|w^L| = {nilpotency:.3g}"
                        + ("" if depth is not None else " (the connection graph has a cycle)"))
    if incoming > atol:
        failures.append(f"(2.2) P_in w != 0: input neurons have incoming connections, "
                        f"max|P_in w| = {incoming:.3g}")
    if outgoing > atol:
        failures.append(f"(2.3) P_out w^T != 0: output neurons have outgoing connections, "
                        f"max|P_out w^T| = {outgoing:.3g}")
    return FeedforwardReport(n_layers=int(n_layers), depth=depth, nilpotency=nilpotency,
                             no_input_incoming=incoming, no_output_outgoing=outgoing,
                             holds=not failures, failures=tuple(failures))


@dataclass(frozen=True)
class InputBiasReport:
    """Size of the violation of the input-bias condition (2.8), input part.

    ``violation`` is max |P_in (f(b) - x_∂)| over samples; ``holds`` is ``violation <= atol``.
    """

    violation: float
    holds: bool


def check_input_bias(septuple: Septuple, x_boundary: ArrayLike, *,
                     atol: float = 1e-12) -> InputBiasReport:
    """Check P_in f(b) = P_in x_∂, the input part of eq. (2.8), for the septuple's own bias.

    See :func:`effective_bias` for why only the input part of (2.8) as printed is required.

    Examples
    --------
    A fresh network has zero input biases, so f(b) = tanh 0 = 0 misses the inputs 0.5 and
    -0.5 by 0.5; with :math:`b_{in} = f^{-1}(x_{∂,in})` (:func:`effective_bias`) it holds:

    >>> from learning.feedforward import feedforward
    >>> from learning.septuple import boundary_state, effective_bias
    >>> net = feedforward((2, 3, 1), seed=0)
    >>> xb = boundary_state(net, [0.5, -0.5], [0.25])
    >>> check_input_bias(net, xb).violation
    0.5
    >>> check_input_bias(net.with_parameters(bias=effective_bias(net, xb)), xb).holds
    True
    """
    xb = _check_states(septuple, x_boundary, "x_boundary")
    if not (np.isfinite(atol) and atol >= 0):
        raise ValueError(f"atol must be finite and >= 0, got {atol}")
    idx = septuple.input_indices
    fb = activation_of(septuple, idx)(septuple.bias[idx])
    violation = float(np.max(np.abs(fb - xb[..., idx]), initial=0.0))
    return InputBiasReport(violation=violation, holds=violation <= atol)
