r"""Two-sided stochastic Lanczos quadrature for :math:`μ_k = \operatorname{Tr} (\log G)^k`
(9.5)-(9.6).

One-sided SLQ (Lanczos on G = A^T A, A = I - f'w (5.6)) resolves the large eigenvalues of G
in few steps and the small ones slowly: its Gauss nodes crowd the top of the spectrum.  On a
deep residual network, where log λ spans [-10, 3], the truncation bias of μ_k is many
standard errors even at 120 steps (benchmarks/README.md, "ResNet-20-shaped graph
septuple").  For a feedforward network A⁻¹ is a substitution in topological order, so
:math:`G^{-1} = A^{-1} A^{-T} = B^T B` with :math:`B = A^{-T}` costs about as much per product
as G; its Lanczos runs resolve the small eigenvalues of G as fast as those on G resolve the large.

Two-sided quadrature splits each spectral sum at λ = 1 (log λ = 0):

.. math::

    v^T g(\log G)\, v = v^T g_+(\log G)\, v + v^T g_-(\log G)\, v, \qquad
    g_+(t) = g(t)\,[t > 0], \quad g_-(t) = g(t)\,[t < 0],

and takes the first term from the Gauss rule of G (nodes log θ_j > 0 only) and the second
from the Gauss rule of G⁻¹ started at the same probe v (nodes log θ'_j = -log λ > 0,
mapped back to log λ = -log θ'_j).  Each half of the rule sees only the end of the spectrum
its Lanczos runs resolve first.  The result is one quadrature (nodes and weights per probe,
the same form as one-sided SLQ): the sampling error over probes, the μ_1 = 0 control
variate (7.8) and the truncation check (each side cut to 3/4 of its steps) apply unchanged.
The two halves split the mass near log λ = 0 only approximately between them; what they
miss (or count twice) goes to a node at log λ = 0, so each probe's weights sum to N: it
adds nothing to μ_k (k >= 1) and shows in counts and densities only at λ = 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from learning.jacobian import JacobianOperator
from learning.lanczos import SlqRuns, SpectralQuadrature, slq_runs

Array = NDArray[np.float64]
Estimator = Callable[[SpectralQuadrature], tuple[Array, Array | None]]

#: The quadrature rules :func:`learning.spectral_estimates.spectral_moments` accepts.
KINDS = ("one-sided", "two-sided")


class _OperatorProducts:
    """Products built on one :class:`~learning.jacobian.JacobianOperator`."""

    def __init__(self, op: JacobianOperator):
        self.op = op

    @property
    def backend(self) -> str:
        """The BLAS of the operator's products (learning.blas; the driver's vector layout)."""
        return self.op.backend


class AProducts(_OperatorProducts):
    """A X = X - J X and A^T Y = Y - J^T Y (5.6) on float64 rows, J's products in its dtype
    (only the products with the weights are float32 in a float32 operator)."""

    @property
    def count(self) -> int:
        return self.op.count

    def apply(self, x: Array) -> Array:
        return x - self.op.matmat(x)

    def apply_t(self, y: Array) -> Array:
        return y - self.op.rmatmat(y)

    def apply_pair(self, x: Array, sub: Array | None) -> tuple[Array, Array]:
        """P = A X - S and A^T P in one pass over the weights."""
        return self.op.a_and_at(x, sub)


class InverseProducts(_OperatorProducts):
    """B X = A⁻ᵀ X and B^T Y = A⁻¹ Y, so that B^T B = A⁻¹ A⁻ᵀ = G⁻¹ (5.6);
    substitutions in topological order.  ``count`` counts this operator's products only."""

    def __init__(self, op: JacobianOperator):
        super().__init__(op)
        self.count = 0

    def apply(self, x: Array) -> Array:
        self.count += x.shape[0]
        return np.asarray(self.op.a_solve_t(x), dtype=np.float64)

    def apply_t(self, y: Array) -> Array:
        self.count += y.shape[0]
        return np.asarray(self.op.a_solve(y), dtype=np.float64)


class Side:
    """``make_op`` of one side for :func:`learning.lanczos.slq_runs`: A (``upper``) or
    B = A⁻ᵀ, from ``make_op(dtype)`` giving the Jacobian operator (picklable when
    ``make_op`` is)."""

    def __init__(self, make_op: Callable[[str], JacobianOperator], upper: bool):
        self.make_op, self.upper = make_op, upper

    def __call__(self, dtype: str) -> AProducts | InverseProducts:
        op = self.make_op(dtype)
        return AProducts(op) if self.upper else InverseProducts(op)


class HalfEstimator:
    """The moments of one side's half of the rule, by the joined rule's ``estimator``."""

    def __init__(self, estimator: Estimator, upper: bool):
        self.estimator, self.upper = estimator, upper

    def __call__(self, quad: SpectralQuadrature) -> tuple[Array, Array | None]:
        return self.estimator(half(quad, self.upper))


def choose_kind(kind: str, graph: bool, feedforward: bool) -> str:
    """The rule of ``quadrature_kind`` for a network (graph septuple or not; A⁻¹ by
    substitution or not): ``"auto"`` is two-sided for graph septuples, else one-sided.

    Examples
    --------
    >>> choose_kind("auto", graph=True, feedforward=True)
    'two-sided'
    """
    if kind == "auto":
        return "two-sided" if graph else "one-sided"
    if kind not in KINDS:
        raise ValueError(f"quadrature_kind must be 'auto', 'one-sided' or 'two-sided', "
                         f"got {kind!r}")
    if kind == "two-sided" and not feedforward:
        raise ValueError("quadrature_kind='two-sided' needs A^{-1} by substitution: a layered "
                         "septuple (layer_sizes set) or a GraphSeptuple; use 'one-sided'")
    return kind


def half(quad: SpectralQuadrature, upper: bool) -> SpectralQuadrature:
    """The rule restricted to log θ > 0; with ``upper=False`` a rule of G⁻¹ restricted to
    log θ' > 0 and mapped to log λ = -log θ' < 0 (the two halves of the module docstring)."""
    keep = quad.log_nodes > 0
    nodes = np.where(keep, quad.log_nodes if upper else -quad.log_nodes, 0.0)
    return SpectralQuadrature(nodes, np.where(keep, quad.weights, 0.0), exact=False)


def join(up: SpectralQuadrature, down: SpectralQuadrature) -> SpectralQuadrature:
    """The two-sided rule: the upper half of G's rule beside the lower half of G⁻¹'s.

    Examples
    --------
    >>> import numpy as np
    >>> up = SpectralQuadrature(np.array([[-1.0, 2.0]]), np.array([[1.0, 1.0]]), exact=False)
    >>> down = SpectralQuadrature(np.array([[3.0, -0.5]]), np.array([[1.0, 1.0]]), exact=False)
    >>> q = join(up, down)  # log λ = 2 from G, log λ = -3 from G^{-1}
    >>> float(q.per_probe(lambda t: t)[0])
    -1.0
    """
    a, b = half(up, True), half(down, False)
    # The weight the two halves miss (or count twice) near log λ = 0, on a node at 0: each
    # probe's weights sum to N as in one-sided SLQ, and μ_k (k >= 1) is unchanged.
    balance = up.weights.sum(axis=1, keepdims=True) - a.weights.sum(axis=1, keepdims=True) \
        - b.weights.sum(axis=1, keepdims=True)
    return SpectralQuadrature(
        np.concatenate([a.log_nodes, b.log_nodes, np.zeros_like(balance)], axis=1),
        np.concatenate([a.weights, b.weights, balance], axis=1), exact=False)


def two_sided_runs(make_op: Callable[[str], Any], n: int, n_probes: int, steps: int,
                   probe_batch: int, seed: int, estimator: Estimator,
                   orders: tuple[int, ...], *, dtype: str = "float64",
                   max_steps: int | None = None, runner: Callable[..., SlqRuns] = slq_runs,
                   reorthogonalise: bool = True) -> SlqRuns:
    """SLQ on G and on G⁻¹ from the same Rademacher probes, joined at log λ = 0.

    ``make_op(dtype)`` returns the :class:`learning.jacobian.JacobianOperator` with products
    in ``dtype``; the other arguments are those of :func:`learning.lanczos.slq_runs`, per
    side: each side runs ``steps`` (up to ``max_steps``, extended while its own half of the
    moments still moves), so a probe costs twice the products of one-sided SLQ at equal
    steps.  ``estimator`` gives the moments of a joined rule; each side is judged with it on
    its own half.  The precision (``dtype``) is chosen per side; the result's ``dtype`` is
    ``"float32"`` only if both sides kept float32, its ``roundoff`` the sum of the bounds.
    ``runner`` runs one side (:func:`learning.lanczos.slq_runs`, or
    :func:`learning.slq_executor.executor_runs` with its executor bound).

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> from learning.jacobian import jacobian_operator
    >>> net = feedforward((4, 3, 2), seed=0, weight_scale=3.0)
    >>> x = np.full(9, 0.2)
    >>> make = lambda dt: jacobian_operator(net, x)
    >>> est = lambda q: (q.per_probe(lambda t: t)[None, :].mean(axis=1), None)
    >>> runs = two_sided_runs(make, 9, 3, 9, 3, 0, est, (1,))
    >>> lam, vec = np.linalg.eigh(jacobian_operator(net, x).g_matmat(np.eye(9)))
    >>> v = np.random.default_rng(0).choice([-1.0, 1.0], size=(3, 9)) / 3  # the probes
    >>> exact = 9 * ((v @ vec) ** 2) @ np.log(lam) ** 2  # N v^T (log G)^2 v per probe
    >>> bool(np.allclose(runs.full.per_probe(lambda t: t ** 2), exact))
    True
    """
    sides = [runner(Side(make_op, upper), n, n_probes, steps, probe_batch,
                    np.random.default_rng(seed), HalfEstimator(estimator, upper), orders,
                    dtype=dtype, max_steps=max_steps, reorthogonalise=reorthogonalise)
             for upper in (True, False)]
    up, down = sides
    roundoff = (up.roundoff + down.roundoff if up.roundoff.size and down.roundoff.size
                else np.zeros(0))
    used = "float32" if up.dtype == down.dtype == "float32" else "float64"
    return SlqRuns(join(up.full, down.full), join(up.truncated, down.truncated),
                   up.matvecs + down.matvecs, max(up.steps, down.steps), used, roundoff)
