"""The validated arguments of :func:`~learning.bulk_minimum.constrained_bulk_minimum`, (3.2),
as one object handed to the driver and to every solver."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from learning.bulk_minimum.network import Network, activation_on, check_states, full_activation
from learning.bulk_minimum.primitives import box
from learning.bulk_minimum.starts import bulk_minimum_start
from ntcore.checks import count, positive_number

Array = NDArray[np.float64]

METHODS = ("newton", "gauss-newton")
SOLVERS = ("auto", "dense", "matrix_free")


@dataclass(frozen=True)
class Options:
    """Validated arguments of (3.2): the data, the start and the iteration's settings.

    Attributes
    ----------
    xb, start
        Boundary data and starting states, ``(n, N)``.
    lo, hi
        The box of the hidden variables (arrays per hidden neuron when their f differ).
    newton
        Exact Hessian (True) or Gauss-Newton.
    gtol, max_iter
        Stopping test (max-norm of the projected gradient) and iteration cap per sample.
    n_starts
        Starts per sample (the default one first).
    method, solver
        As requested (``solver`` may be ``"auto"``).
    progress
        Show progress bars.
    max_cg
        Cap of CG steps per Newton iteration of the matrix-free solver (None: min(n_h, 500)).
    """

    xb: Array
    start: Array
    lo: float | Array
    hi: float | Array
    newton: bool
    gtol: float
    max_iter: int
    n_starts: int
    method: str = "newton"
    solver: str = "auto"
    progress: bool = False
    max_cg: int | None = None

    @property
    def n_samples(self) -> int:
        return int(self.xb.shape[0])

    def samples(self, part: slice) -> Options:
        """The same options for the samples ``part`` (a batch)."""
        return dataclasses.replace(self, xb=self.xb[part], start=self.start[part])

    @property
    def bounded(self) -> bool:
        """Both sides of the box finite for every hidden neuron."""
        return bool(np.all(np.isfinite(self.lo)) and np.all(np.isfinite(self.hi)))


def _check_data(septuple: Network, x_boundary: ArrayLike) -> Array:
    xb = np.atleast_2d(check_states(septuple, x_boundary, "x_boundary"))
    activation_on(septuple, septuple.input_indices).check_in_range(
        xb[:, septuple.input_indices], "x_boundary (inputs)", closure=True)
    activation_on(septuple, septuple.output_indices).check_in_range(
        xb[:, septuple.output_indices], "x_boundary (outputs)")
    return xb


def validate(septuple: Network, x_boundary: ArrayLike, x0: ArrayLike | None, *,
             method: str = "newton", gtol: float = 1e-10, max_iter: int = 100,
             margin: float = 1e-9, solver: str = "auto", n_starts: int = 1,
             progress: bool = False) -> Options:
    """Check every argument of (3.2) (ValueError / TypeError naming it) and build the start;
    no solving.

    Examples
    --------
    The box of tanh's hidden neurons is its open range (-1, 1) closed ``margin * 2``
    inside; bad arguments are refused by name:

    >>> from learning import boundary_state, feedforward
    >>> net = feedforward((4, 3, 2), seed=0)
    >>> xb = boundary_state(net, np.full(4, 0.5), np.array([0.8, -0.8]))
    >>> opts = validate(net, xb, None, margin=0.01)
    >>> bool(np.isclose(opts.lo, -0.98)), bool(np.isclose(opts.hi, 0.98)), opts.start.shape
    (True, True, (1, 9))
    >>> validate(net, xb, None, margin=0.3)
    Traceback (most recent call last):
    ...
    ValueError: margin must be < 0.25 of the range width, got 0.3
    >>> validate(net, xb, None, method="adam")
    Traceback (most recent call last):
    ...
    ValueError: method must be 'newton' or 'gauss-newton', got 'adam'
    """
    act = full_activation(septuple)
    xb = _check_data(septuple, x_boundary)
    if method not in METHODS:
        raise ValueError(f"method must be 'newton' or 'gauss-newton', got {method!r}")
    if solver not in SOLVERS:
        raise ValueError(f"solver must be 'auto', 'dense' or 'matrix_free', got {solver!r}")
    newton = method == "newton"
    if newton and act.second_derivative is None:
        raise ValueError(f"method='newton' needs the second derivative of activation "
                         f"{act.name!r}; use method='gauss-newton'")
    gtol = positive_number("gtol", gtol)
    margin = positive_number("margin", margin)
    if margin >= 0.25:
        raise ValueError(f"margin must be < 0.25 of the range width, got {margin}")
    max_iter = count("max_iter", max_iter, minimum=1)
    n_starts = count("n_starts", n_starts, minimum=1)
    lo, hi = box(activation_on(septuple, septuple.hidden_indices), margin)
    if x0 is None:
        start = bulk_minimum_start(septuple, xb)
    else:
        start = np.atleast_2d(check_states(septuple, x0, "x0"))
        if start.shape != xb.shape:
            raise ValueError(f"x0 must have the shape of x_boundary {xb.shape}, got {start.shape}")
    return Options(xb, start, lo, hi, newton, float(gtol), int(max_iter), int(n_starts),
                   method=method, solver=solver, progress=bool(progress))
