"""Named steps of the bulk-minimum iterations (3.2), each tested on its own: the box of the
hidden variables, projected gradients and the active set on it, the damped Newton step, the
acceptance and stopping tests, the batched truncated CG, and the progress bar."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from tqdm.auto import tqdm

from learning.activations import Activation, LayerwiseActivation

Array = NDArray[np.float64]
Bound = float | Array  # per hidden neuron when their activations differ


def box(act: Activation | LayerwiseActivation, margin: float
        ) -> tuple[float, float] | tuple[Array, Array]:
    """The box of the hidden variables: f's range (of each hidden neuron's f, as arrays, for a
    LayerwiseActivation restricted to them), open ends closed ``margin * width`` inside."""
    if isinstance(act, LayerwiseActivation):
        ends = [box(a, margin) for a in act.activations]
        return (np.repeat([e[0] for e in ends], act.sizes),
                np.repeat([e[1] for e in ends], act.sizes))
    lo, hi = act.lower, act.upper
    width = hi - lo if np.isfinite(hi - lo) else 1.0
    if np.isfinite(lo) and not act.lower_closed:
        lo = lo + margin * width
    if np.isfinite(hi) and not act.upper_closed:
        hi = hi - margin * width
    return lo, hi


#: The activations f(y) = s₊ y (y > 0), s₋ y (y <= 0): H (3.1) is piecewise quadratic in the
#: hidden neurons where every f is one of them.
PIECEWISE_LINEAR = ("relu", "leaky_relu", "linear")


def kinked(act: Activation | LayerwiseActivation) -> bool:
    """True when every f is relu, leaky relu or linear (by name) and at least one has the kink
    at 0, so that H (3.1) is piecewise quadratic: f' jumps where a pre-activation crosses 0.

    Only the solver's CG budget depends on it (:data:`~learning.bulk_minimum.newton_cg.
    KINKED_MAX_CG`), never the minimum it certifies.

    Examples
    --------
    >>> from learning.activations import RELU, TANH, LINEAR, leaky_relu
    >>> kinked(RELU), kinked(leaky_relu(0.1)), kinked(LINEAR), kinked(TANH)
    (True, True, False, False)
    >>> kinked(LayerwiseActivation((RELU, LINEAR), (3, 1)))
    True
    """
    acts = act.activations if isinstance(act, LayerwiseActivation) else (act,)
    names = [a.name.split("(")[0] for a in acts]
    return (all(name in PIECEWISE_LINEAR for name in names)
            and any(name != "linear" for name in names))


def as_run(positions: NDArray[np.intp]) -> slice | NDArray[np.intp]:
    """``positions`` as a slice when they are consecutive (basic indexing: views, not
    copies), else unchanged."""
    if positions.size and np.array_equal(positions, np.arange(positions[0],
                                                              positions[0] + positions.size)):
        return slice(int(positions[0]), int(positions[0]) + positions.size)
    return positions


def projected_gradient(z: Array, grad: Array, lo: Bound, hi: Bound) -> Array:
    """Gradient with components pushing out of the box at active bounds removed."""
    blocked = ((z <= lo) & (grad > 0)) | ((z >= hi) & (grad < 0))
    return np.where(blocked, 0.0, grad)


def active_set(z: Array, grad: Array, lo: Bound, hi: Bound) -> tuple[NDArray[np.bool_], Array]:
    """Bertsekas' ε-active set and the moves that put its variables on their bound.

    Variables within ε = min(1e-6, |projected gradient|_∞) of a bound with the gradient
    pushing outward are held fixed (plain clipping of Newton steps can stall next to a
    bound); they step onto the bound, a descent direction since the gradient pushes outward.
    Returns ``(at_bound, to_bound)``, both of the shape of ``z``.
    """
    eps = np.minimum(1e-6, np.max(np.abs(projected_gradient(z, grad, lo, hi)), axis=1))
    at_bound = (((z <= lo + eps[:, None]) & (grad > 0))
                | ((z >= hi - eps[:, None]) & (grad < 0)))
    to_bound = np.where(at_bound, np.where(grad > 0, lo, hi) - z, 0.0)
    return at_bound, to_bound


def damped_newton_step(hessians: Array, gradients: Array, damping: Array) -> Array:
    """Solve :math:`(H + λ D) s = -g`, D = diag(max(:math:`|H_{aa}|`, 1e-3)) per sample
    (Levenberg-Marquardt).

    The Marquardt scaling is floored so that an exactly flat direction is still damped; an
    indefinite damped system can still be exactly singular: then the minimum-norm step.
    """
    idx_d = np.arange(hessians.shape[1])
    system = hessians.copy()
    diagonal = system[:, idx_d, idx_d]
    system[:, idx_d, idx_d] = diagonal + damping[:, None] * np.maximum(np.abs(diagonal), 1e-3)
    try:
        return -np.linalg.solve(system, gradients[:, :, None])[:, :, 0]  # type: ignore[return-value]  # stubs: float64 solve -> floating
    except np.linalg.LinAlgError:
        return -(np.linalg.pinv(system) @ gradients[:, :, None])[:, :, 0]


def accept(old_loss: Array, new_loss: Array, descent: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Accept a step that is a descent direction and does not raise H beyond round-off.

    Near the minimum the true decrease (~ g² / curvature) falls below the round-off of H
    itself; steps that raise H by a few ulps are accepted, or good Newton steps would be
    rejected and the damping would blow up before gtol is reached.
    """
    slack = 8.0 * np.finfo(float).eps * np.maximum(np.abs(old_loss), 1.0)
    return descent & np.isfinite(new_loss) & (new_loss <= old_loss + slack)


def stopped(pgrad: Array, gtol: float, stalled: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Convergence test: max-norm of the projected gradient <= gtol, or stalled."""
    return (np.max(np.abs(pgrad), axis=1) <= gtol) | stalled


def check_runaway(z: Array) -> None:
    # max and min propagate NaN, so `not <=` catches NaN and inf too, without temporaries.
    if z.size and not (np.max(z) <= 1e12 and np.min(z) >= -1e12):
        raise ValueError("the bulk loss appears unbounded below over the hidden neurons "
                         "(m too large for an unbounded activation?)")


def forcing(gnorm: Array, single: bool) -> Array:
    """Eisenstat-Walker forcing term min(0.5, ||g||) (quadratic Newton), floored at 1e-4 with
    float32 products (above their ~1e-6 relative error: Newton then converges linearly at rate
    <= 1e-4 once quadratic would ask for more)."""
    forcing = np.minimum(0.5, gnorm)
    return np.maximum(forcing, 1e-4) if single else forcing


def truncated_cg(apply: Callable, b: Array, target: Array, max_steps: int,
                 precondition: Callable | None = None
                 ) -> tuple[Array, NDArray[np.bool_], int]:
    """Batched (preconditioned) CG on A x = b per row, from x = 0.

    ``apply(p, rows)`` returns ``(A p, image)`` for the rows ``rows`` of the batch (an index
    array, or ``slice(None)`` while every row runs: no gathering copies); the result
    accumulates ``image`` (p itself, or p mapped to other coordinates).  ``precondition(r,
    rows)`` returns M⁻¹ r (default: none).  A row stops when ||r|| <= its ``target`` or at
    non-positive curvature (then the sum so far).  Returns the result, the rows that met
    non-positive curvature at the first step (their result is zero), and the steps taken.
    """
    n = len(b)

    def pre(residual, rows):
        return residual if precondition is None else precondition(residual, rows)

    def dot(u, v):
        return np.einsum("ij,ij->i", u, v)

    def index(rows):  # a slice while every row takes part: views, not gathered copies
        return slice(None) if rows.size == n else rows

    out = None
    res = b.copy()
    direction = pre(res, slice(None)).copy()
    ry = dot(res, direction)
    first_negative = np.zeros(n, dtype=bool)
    running = np.flatnonzero(np.any(b != 0, axis=1))
    steps = 0
    for k in range(max_steps):
        if running.size == 0:
            break
        steps += 1
        rows = index(running)
        pk = direction[rows]
        a_p, image = apply(pk, rows)
        if out is None:
            out = np.zeros((n, image.shape[1]))
        curv = dot(pk, a_p)
        neg = curv <= 1e-14 * dot(pk, pk)
        if k == 0:
            first_negative[running[neg]] = True
        if neg.any():
            running, a_p, image, curv = running[~neg], a_p[~neg], image[~neg], curv[~neg]
        rows = index(running)
        alpha = (ry[rows] / curv)[:, None]
        out[rows] += alpha * image
        res[rows] -= alpha * a_p
        res_run = res[rows]
        running = running[np.sqrt(dot(res_run, res_run)) > target[rows]]
        if running.size == 0:  # no preconditioner call on an empty batch
            break
        rows = index(running)
        y = pre(res[rows], running)
        ry_new = dot(res[rows], y)
        direction[rows] = y + (ry_new / ry[rows])[:, None] * direction[rows]
        ry[rows] = ry_new
    if out is None:
        out = np.zeros_like(b)
    return out, first_negative, steps


class Progress:
    """A tqdm bar over the samples of one solve: it advances as samples stop (converged or
    stalled) and shows the Newton iteration and the largest projected gradient still
    running, so a long solve shows how far it is from gtol (iterations alone have no known
    total)."""

    def __init__(self, n: int, running: int, enabled: bool, desc: str):
        self.bar = tqdm(total=n, disable=not enabled, desc=desc, unit="sample", leave=False)
        self.bar.update(n - running)  # stationary at the start
        self.iteration = 0

    def update(self, stopped: int, running_gmax: Array) -> None:
        self.iteration += 1
        self.bar.update(stopped)
        largest = f"{np.max(running_gmax):.1e}" if running_gmax.size else "-"
        self.bar.set_postfix(iteration=self.iteration, largest_gradient=largest, refresh=False)

    def close(self) -> None:
        self.bar.close()


