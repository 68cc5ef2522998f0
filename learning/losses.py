"""Boundary and bulk losses of Sections 2-3: eqs. (2.10)-(2.11), (3.1), (3.3)-(3.4).

Conventions
-----------
* States ``x`` have shape ``(N,)`` or ``(n_samples, N)``; losses return one value per state.
* The bulk residual uses the input bias of (2.8) when boundary data are given
  (:func:`learning.septuple.effective_bias`), so the residual of a clamped input
  neuron vanishes, as it does in the paper's feedforward setting.
* The boundary loss: (2.10) (outputs, no 1/2) and (2.11) (boundary, with 1/2) are printed
  as equal but differ by a factor 2 whenever the inputs are clamped (2.7); see
  docs/errata.md.  The default here is (2.11), ``convention="2.11"``; ``"2.10"`` gives
  the other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.septuple import Septuple, _check_states, clamped_image

__all__ = [
    "LocalObjective",
    "boundary_loss",
    "bulk_residual",
    "bulk_loss",
    "bulk_loss_gradient",
    "local_potential",
]

Array = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class LocalObjective:
    """The local-objective potential V(x) of (3.3) with optional pairwise couplings.

    :math:`V(x) = -(m/2) Σ_i x_i^2 + Σ_{ij} g^{ij} x_i x_j` (3.3) and the remark after (3.4).

    Parameters
    ----------
    m
        The "tachyonic" mass parameter of (3.3); m = 0 gives the plain bulk loss (3.1).
    couplings
        :math:`g^{ij}`, an ``(N, N)`` matrix, or ``None``.  Only its symmetric part matters.
    """

    m: float = 0.0
    couplings: Array | None = None

    def __post_init__(self) -> None:
        if not np.isfinite(self.m):
            raise ValueError(f"m must be finite, got {self.m}")
        if self.couplings is not None:
            g = np.array(self.couplings, dtype=float, copy=True)
            if g.ndim != 2 or g.shape[0] != g.shape[1]:
                raise ValueError(f"couplings must be a square (N, N) matrix, got {g.shape}")
            if not np.all(np.isfinite(g)):
                raise ValueError("couplings contains non-finite entries")
            g.setflags(write=False)
            object.__setattr__(self, "couplings", g)

    def check_size(self, n: int) -> None:
        if self.couplings is not None and self.couplings.shape != (n, n):
            raise ValueError(f"couplings must have shape ({n}, {n}) to match the septuple, "
                             f"got {self.couplings.shape}")

    @property
    def symmetric_couplings(self) -> Array | None:
        """(g + g^T)/2, the part of :math:`g^{ij}` that enters V."""
        if self.couplings is None:
            return None
        return 0.5 * (self.couplings + self.couplings.T)


def _check_objective(objective: object) -> None:
    if objective is not None and not isinstance(objective, LocalObjective):
        raise TypeError(f"objective must be a LocalObjective or None, got "
                        f"{type(objective).__name__}")


def local_potential(x: ArrayLike, objective: LocalObjective) -> Array:
    r""":math:`V(x) = -\tfrac{m}{2} x^T x + x^T \hat{g} x`,
    eq. (3.3) plus
    couplings; one value per state.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.array([[0.0, 1.0], [0.0, 0.0]])
    >>> x = np.array([2.0, 3.0])
    >>> float(local_potential(x, LocalObjective(m=0.5, couplings=g)))  # -(0.5/2)·13 + 2·3
    2.75
    """
    if objective is None:
        raise TypeError("objective must be a LocalObjective, got None")
    _check_objective(objective)
    try:
        x = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"x must be an array of numbers, got {type(x).__name__}") from None
    objective.check_size(x.shape[-1])
    v = -0.5 * objective.m * np.sum(x * x, axis=-1)
    g = objective.symmetric_couplings
    if g is not None:
        v = v + np.einsum("...i,ij,...j->...", x, g, x)
    return v


def boundary_loss(septuple: Septuple, x: ArrayLike, x_boundary: ArrayLike, *,
                  convention: str = "2.11") -> Array:
    """Boundary loss H_∂ of eqs. (2.10)-(2.11), one value per state.

    ``convention="2.11"`` (default): H_∂ = ½ (x - x_∂)^T (P_in + P_out) (x - x_∂).
    ``convention="2.10"``:           H_∂ = (x - x_∂)^T P_out (x - x_∂).
    For a state whose inputs equal the data (2.7) the two differ by exactly a factor 2
    (the paper prints them as equal).

    Parameters
    ----------
    x
        The state, normally the fixed point x̄ (2.9); shape ``(N,)`` or ``(n, N)``.
    x_boundary
        The data x_∂, same shape.

    Examples
    --------
    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 2), seed=0)
    >>> xb = np.array([0.1, 0.2, 0.5, -0.5]); x = np.array([0.1, 0.2, 0.0, 0.0])
    >>> float(boundary_loss(net, x, xb)), float(boundary_loss(net, x, xb, convention="2.10"))
    (0.25, 0.5)
    """
    x = _check_states(septuple, x, "x")
    xb = _check_states(septuple, x_boundary, "x_boundary")
    if x.shape != xb.shape:
        raise ValueError(f"x and x_boundary must have the same shape, got {x.shape} and "
                         f"{xb.shape}")
    if convention not in ("2.11", "2.10"):
        raise ValueError(f"convention must be '2.11' or '2.10', got {convention!r}")
    d = x - xb
    # Fancy indexing of the last axis returns a column-major block, whose row sums NumPy
    # adds in another order than those of a contiguous one; contiguous blocks make the value
    # independent of how the caller laid out the states (bit-identical to summing the output
    # mismatch directly).
    d_out = np.ascontiguousarray(d[..., septuple.output_indices])
    out_term = np.sum(d_out * d_out, axis=-1)
    if convention == "2.10":
        return out_term
    # (P_in + P_out) as two sums (the index sets are disjoint): with the inputs clamped (2.7)
    # the input sum is exactly 0, so every caller gets the same floating-point output sum.
    d_in = np.ascontiguousarray(d[..., septuple.input_indices])
    return 0.5 * (np.sum(d_in * d_in, axis=-1) + out_term)


def bulk_residual(septuple: Septuple, x: ArrayLike,
                  x_boundary: ArrayLike | None = None) -> Array:
    r""":math:`\mathbf{r} = \mathbf{x} - \mathbf{f}(\hat{w}\mathbf{x} + \mathbf{b})`, the error of
    the fixed-point
    equation (2.9) entering (3.1).

    With ``x_boundary`` the input bias follows (2.8), so r vanishes on clamped inputs.

    Examples
    --------
    The residual vanishes at the fixed point x̄ (2.9) of the forward pass:

    >>> import numpy as np
    >>> from learning.feedforward import feedforward, forward_state
    >>> from learning.septuple import boundary_state
    >>> net = feedforward((2, 3, 1), seed=0, bias_scale=0.5)
    >>> xbar = forward_state(net, np.array([0.5, -0.5]))
    >>> float(np.max(np.abs(bulk_residual(net, xbar, boundary_state(net, [0.5, -0.5], [0.2])))))
    0.0
    """
    x = _check_states(septuple, x, "x")
    if x_boundary is None:
        return x - septuple.activation(septuple.preactivation(x))  # type: ignore[operator]
    return x - clamped_image(septuple, x, x_boundary)


def bulk_loss(septuple: Septuple, x: ArrayLike, x_boundary: ArrayLike | None = None,
              objective: LocalObjective | None = None) -> Array:
    """Bulk loss H(x, b, w) of eq. (3.1), with the local objective of (3.3)-(3.4).

    H = ½ (x - f(w x + b))^T (x - f(w x + b)) + V(x),  V = -(m/2) x^T x + x^T g x.

    (3.4) as printed writes the bias inside f as ``p_j``; it is ``b_i`` (see errata).

    Parameters
    ----------
    x
        State(s), shape ``(N,)`` or ``(n, N)``.  Not necessarily a minimum: (3.2) is
        :func:`learning.bulk_minimum.constrained_bulk_minimum`.
    x_boundary
        Optional boundary data; when given, the input bias obeys (2.8).
    objective
        The local objective (default none: m = 0, no couplings).

    Examples
    --------
    >>> import numpy as np
    >>> from learning.feedforward import feedforward, forward_state
    >>> net = feedforward((3, 4, 2), seed=0)
    >>> x = forward_state(net, np.full(3, 0.2))
    >>> float(bulk_loss(net, x, x)) < 1e-30  # the fixed point has zero local error (round-off)
    True
    """
    _check_objective(objective)
    r = bulk_residual(septuple, x, x_boundary)
    h = 0.5 * np.sum(r * r, axis=-1)
    if objective is not None:
        h = h + local_potential(x, objective)
    return h


def bulk_loss_gradient(septuple: Septuple, x: ArrayLike, x_boundary: ArrayLike | None = None,
                       objective: LocalObjective | None = None) -> Array:
    """∇_x H of (3.4): (I - f'w)^T r - m x + (g + g^T) x, with f' as in (5.4) at y = w x + b.

    Examples
    --------
    Against central differences of :func:`bulk_loss`, with a local objective (3.3):

    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 3, 1), seed=0, bias_scale=0.5)
    >>> obj = LocalObjective(m=0.3, couplings=np.full((6, 6), 0.05))
    >>> x, h = np.linspace(-0.6, 0.6, 6), 1e-6
    >>> fd = [(bulk_loss(net, x + h * e, objective=obj) - bulk_loss(net, x - h * e, objective=obj))
    ...       / (2 * h) for e in np.eye(6)]
    >>> bool(np.allclose(bulk_loss_gradient(net, x, objective=obj), fd, atol=1e-8))
    True
    """
    _check_objective(objective)
    x = _check_states(septuple, x, "x")
    y = septuple.preactivation(x)
    r = bulk_residual(septuple, x, x_boundary)
    # Input rows of w are zero for feedforward nets; in general the clamped input components
    # (2.8) do not depend on x, so f' is zeroed there.
    fprime = septuple.activation.derivative(y)  # type: ignore[union-attr]
    if x_boundary is not None:
        fprime[..., septuple.input_indices] = 0.0
    fr = fprime * r
    grad = r - septuple.transpose_product(fr)
    if objective is not None:
        objective.check_size(septuple.n_neurons)
        grad = grad - objective.m * x
        g = objective.symmetric_couplings
        if g is not None:
            grad = grad + 2.0 * x @ g
    return grad
