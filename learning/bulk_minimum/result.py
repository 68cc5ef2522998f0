"""Results of the bulk minimum (3.2): the public :class:`BulkMinimumResult` and the typed
:class:`SolverRun` that each solver returns for one start."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ntcore.display import MarkdownSummary

__all__ = ["STATUS_MESSAGES", "BulkMinimumResult"]

Array = NDArray[np.float64]

#: Per-sample stopping reasons of :func:`~learning.bulk_minimum.constrained_bulk_minimum`
#: (``status`` codes).
STATUS_MESSAGES: dict[int, str] = {
    0: "converged: max-norm of the projected gradient <= gtol",
    1: "iteration limit: max_iter reached before gtol",
    2: "stalled: no step lowers H (largest damping / shortest line-search step reached); "
       "usually the round-off floor of H just above gtol",
}


@dataclass(frozen=True)
class BulkMinimumResult(MarkdownSummary):
    """Result of :func:`~learning.bulk_minimum.constrained_bulk_minimum`: the minimisers x̄
    of (3.2) with diagnostics.

    Attributes
    ----------
    state
        x̄, shape ``(n, N)``; boundary components equal the data.
    loss
        H(x̄) per sample, shape ``(n,)``.
    converged
        Per sample: projected gradient below ``gtol`` (``status == 0``).
    iterations
        Newton iterations per sample (summed over the starts).
    gradient_norm
        Max-norm of the projected gradient of H over the hidden neurons, per sample.
    start_loss
        H at the default starting state, per sample (the result is never above it).
    method
        ``"newton"`` or ``"gauss-newton"`` (the Hessian used).
    status
        Per sample, a key of :data:`STATUS_MESSAGES`: why the iteration stopped.
    solver
        ``"dense"`` or ``"matrix_free"`` (the one ``"auto"`` chose).
    best_start
        Per sample, the start that gave the lowest minimum (0 = the default start).

    Examples
    --------
    x̄ keeps the boundary data, its loss is the bulk loss (3.1) there, and the gradient of H
    vanishes in the free (hidden) directions:

    >>> import numpy as np
    >>> from learning import boundary_state, feedforward
    >>> from learning.bulk_minimum import constrained_bulk_minimum
    >>> from learning.losses import bulk_loss, bulk_loss_gradient
    >>> net = feedforward((4, 3, 2), seed=0)
    >>> xb = boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8]))
    >>> res = constrained_bulk_minimum(net, xb)
    >>> bool(np.array_equal(res.state[0, [0, 1, 2, 3, 7, 8]], xb[[0, 1, 2, 3, 7, 8]]))
    True
    >>> bool(np.isclose(res.loss[0], bulk_loss(net, res.state, xb)[0]))
    True
    >>> float(np.max(np.abs(bulk_loss_gradient(net, res.state, xb)[0, 4:7]))) < 1e-8
    True
    """

    state: Array
    loss: Array
    converged: NDArray[np.bool_]
    iterations: NDArray[np.int_]
    gradient_norm: Array
    start_loss: Array
    method: str
    status: NDArray[np.int_] | None = None
    solver: str = "dense"
    best_start: NDArray[np.int_] | None = None

    @property
    def mean_loss(self) -> float:
        """U = <H(x̄)> over the samples, the ensemble-averaged bulk loss of (4.1)."""
        return float(np.mean(self.loss))

    @property
    def all_converged(self) -> bool:
        return bool(np.all(self.converged))

    @property
    def message(self) -> str:
        """Why the samples stopped: counts per status, e.g. ``"5 of 5 converged: ..."``."""
        status = (np.where(self.converged, 0, 1) if self.status is None else self.status)
        n = status.size
        parts = [f"{int(np.sum(status == code))} of {n} {text}"
                 for code, text in STATUS_MESSAGES.items() if np.any(status == code)]
        return "; ".join(parts) if parts else "no samples"


@dataclass(frozen=True)
class SolverRun:
    """What one solver returns for one start (rows = samples of the batch).

    Attributes
    ----------
    z
        Hidden states reached, ``(n, n_h)``.
    loss, grad
        H (3.4) and its gradient in the hidden variables there.
    iterations
        Newton iterations per sample.
    stalled
        Per sample: no step lowered H (largest damping, or shortest line-search step).
    start_loss
        H at the start of the run.
    """

    z: Array
    loss: Array
    grad: Array
    iterations: NDArray[np.int_]
    stalled: NDArray[np.bool_]
    start_loss: Array

    def better_of(self, other: SolverRun) -> tuple[SolverRun, NDArray[np.bool_]]:
        """Per sample the lower minimum of ``self`` and ``other`` (ties keep ``self``: the
        earlier start wins, so multi-start never does worse), with the iterations summed;
        returns it and the mask of samples taken from ``other``."""
        better = other.loss < self.loss

        def pick(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
            mask = better.reshape(better.shape + (1,) * (mine.ndim - 1))
            return np.where(mask, theirs, mine)

        merged = SolverRun(pick(self.z, other.z), pick(self.loss, other.loss),
                           pick(self.grad, other.grad), self.iterations + other.iterations,
                           pick(self.stalled, other.stalled), self.start_loss)
        return merged, better


def status_codes(pgrad: Array, gtol: float, stalled: NDArray[np.bool_]) -> NDArray[np.int_]:
    """Per sample the key of :data:`STATUS_MESSAGES`: 0 when the max-norm of the projected
    gradient is <= gtol, else 2 when stalled, else 1 (iteration limit)."""
    small = np.max(np.abs(pgrad), axis=1) <= gtol if pgrad.shape[1] else np.ones(len(pgrad), bool)
    return np.where(small, 0, np.where(stalled, 2, 1)).astype(int)


def concatenate(parts: list[BulkMinimumResult]) -> BulkMinimumResult:
    """One result from the results of consecutive batches of samples."""
    first = parts[0]
    values = {}
    for field in dataclasses.fields(BulkMinimumResult):
        value = getattr(first, field.name)
        values[field.name] = (np.concatenate([getattr(p, field.name) for p in parts])
                              if isinstance(value, np.ndarray) else value)
    return BulkMinimumResult(**values)
