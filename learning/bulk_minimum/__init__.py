r"""The constrained bulk minimum of eq. (3.2), batched over samples:

.. math::

    H(x̄, b, w) = \min_{(P_\mathrm{in} + P_\mathrm{out}) x = x_∂} H(x, b, w) \qquad (3.2)

with H the bulk loss (3.1), optionally with the local objective (3.3)-(3.4).  The
boundary neurons are clamped to the data, the hidden neurons are the variables, and
they stay inside the range of the activation (the paper notes that the tachyonic term
-m x²/2 of (3.3) does not run away because x is bounded by the range of f; for an open
range such as tanh's (-1, 1) the box is closed a distance ``margin`` inside it).

What is computed
----------------
A *local* minimum.  (3.2) is the global minimum over the hidden neurons, but H is not
convex in them (f is nonlinear), and a descent method started from one point returns the
minimum of the basin it starts in.  Each sample's result is a point of the box where the
projected gradient of H is below ``gtol`` (status 0) and H is no higher than at the start.
``n_starts > 1`` adds seeded random starts and keeps, per sample, the lowest minimum found
(never higher than the single-start one, whose start is always included); it lowers the
chance of a non-global minimum but certifies nothing.  Measured on MNIST networks
(784-40-20-10 and 784-60-10, at initialisation and after 3000 SGD steps; docs/bulk_minimum.md):
10 starts found a lower minimum than the single start in 1 of 4000 samples (by 14.6%).

Solvers
-------
``solver="dense"``: per sample, a bound-constrained Newton / Levenberg-Marquardt
iteration on the n_h hidden variables, vectorised over samples.  Only the non-input
neurons R carry residuals that depend on the hidden state; all samples' Hessians are one
matrix product (see :class:`~learning.bulk_minimum.problem.Problem`), so the memory is
~ n_h³ (the Hessian map) plus n · n_h² (the per-sample Hessians) and the work per
iteration ~ n · (|R| + n_h) · n_h².

``solver="matrix_free"``: projected Newton-CG, batched over samples: the Newton systems are solved
by conjugate gradients with Hessian-vector products (two passes over the weights each, through the
layer blocks of :mod:`learning.feedforward` for layered nets), truncated at negative curvature,
followed by a projected backtracking line search. Memory ~ 20 n (n_h + |R|) floats; work per CG step
~ 4 n nnz(:math:`W_{Rh}`). For a layered network (hidden neurons in whole layers, no local
objective) CG runs in the residual coordinates :math:`e = J_{hh} s`, :math:`J_{hh} = I - f' w` on
the hidden neurons (:func:`~learning.bulk_minimum.newton_cg.chain_cg_direction`): :math:`J_{hh}` is
unit block lower triangular, so e -> s is a forward pass of the linearised network, and the Newton
system becomes identity plus a term of rank ~ n_out (+ the Newton term, small near the minimum): a
few CG steps per iteration, each as cheap as one Hessian-vector product. Gauss-Newton steps are
taken until the gradient has fallen tenfold
(:data:`~learning.bulk_minimum.newton_cg.GAUSS_NEWTON_UNTIL`), Newton steps after.

``solver="auto"`` takes the dense solver where its memory fits and its estimated work is
at most :data:`DENSE_ADVANTAGE` times the matrix-free estimate (Newton-CG assumed to take
:data:`CG_STEPS_ESTIMATE` HVPs per iteration), else the matrix-free one; this keeps
Section 10's networks on the dense solver they have always used (see DENSE_ADVANTAGE: for
speed alone, pass ``solver="matrix_free"`` from n_h ~ 80 on).  Both stop at the same
projected-gradient test, so they return the same minima to round-off where both run from
the same start and the sample has one minimum in reach (tested to 1e-8 relative).

Start: the forward-pass state with the outputs clamped, so the result never exceeds H
there.

Modules (one idea each; the documented internal API that tests and benchmarks may use)
-------------------------------------------------------------------------------------
The public names are those of ``__all__`` below.  The modules other than ``result``,
``starts``, ``costs`` and ``driver`` define no ``__all__``: their names are the package's
internal API (used by its tests and benchmarks, free to change with the package).

:mod:`~learning.bulk_minimum.result`
    :class:`BulkMinimumResult`, :data:`STATUS_MESSAGES` and
    :class:`~learning.bulk_minimum.result.SolverRun`, the typed result of one solver run.
:mod:`~learning.bulk_minimum.operators`
    The couplings :math:`W_{Rh}`, :math:`W_{R∂}` and the chain :math:`J_{hh}^{-1}` (forward
    substitution): the only place that multiplies by weight blocks, and the seam where
    :mod:`learning.jacobian`'s J v, Jᵀ u and (I - J)⁻¹ products plug in.
:mod:`~learning.bulk_minimum.problem`
    H, ∇H, the dense Hessian and Hessian-vector products of (3.4) for a batch of samples.
:mod:`~learning.bulk_minimum.primitives`
    The box, projected gradient, active set, damped step, acceptance and stopping tests,
    batched truncated CG, the progress bar.
:mod:`~learning.bulk_minimum.options`, :mod:`~learning.bulk_minimum.starts`
    The validated arguments as one :class:`~learning.bulk_minimum.options.Options` object;
    the starting points.
:mod:`~learning.bulk_minimum.dense`, :mod:`~learning.bulk_minimum.newton_cg`
    The two solvers, behind one step interface (:class:`~learning.bulk_minimum.solvers.Solver`:
    ``(problem, z0, options) -> SolverRun``), registered in
    :data:`~learning.bulk_minimum.solvers.SOLVERS`.
:mod:`~learning.bulk_minimum.costs`, :mod:`~learning.bulk_minimum.unbounded`
    Cost estimates and the choice of solver; the refusal of a loss unbounded below.
:mod:`~learning.bulk_minimum.driver`
    :func:`constrained_bulk_minimum`: batches of samples and starts as plain loops.
"""

from learning.bulk_minimum.costs import CG_STEPS_ESTIMATE, DENSE_ADVANTAGE, solver_costs
from learning.bulk_minimum.driver import constrained_bulk_minimum
from learning.bulk_minimum.result import STATUS_MESSAGES, BulkMinimumResult
from learning.bulk_minimum.starts import bulk_minimum_start

__all__ = [
    "BulkMinimumResult",
    "STATUS_MESSAGES",
    "DENSE_ADVANTAGE",
    "CG_STEPS_ESTIMATE",
    "constrained_bulk_minimum",
    "bulk_minimum_start",
    "solver_costs",
]
