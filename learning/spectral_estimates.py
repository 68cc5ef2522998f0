"""Matrix-free G and spectral estimates with error bars, for networks of 10^4-10^6 neurons.

G = A^T A with A = I - f'w (5.6) is applied as two passes over the weights, O(nnz w) per
product, never as an N x N array.  Everything the paper computes from G is a spectral sum
(μ_k = Tr (log G)^k (9.5)-(9.6), N_> (6.6), the density of log λ of Fig. 5) or a few
extreme eigenvalues (C_n (10.5), the gap of Section 10):

* spectral sums by stochastic Lanczos quadrature (SLQ): Rademacher probes v, Golub-Kahan
  bidiagonalisation of A started at v (equivalent to Lanczos on G = A^T A, but with the
  singular values of A, so small λ keep their relative accuracy), full one-sided
  reorthogonalisation, Gauss quadrature v^T g(G) v ≈ |v|^2 Σ_j τ_j^2 g(θ_j); every order
  and the density come from the same runs; the standard error is that of the mean over
  probes;
* extreme eigenvalues by ``scipy.sparse.linalg.eigsh`` on G (largest) and on G⁻¹ =
  A⁻¹ A⁻ᵀ (smallest), A⁻¹ being a forward substitution layer by layer;
* exact methods for comparison and small networks: ``"dense"`` (eigvalsh of G) and
  ``"structured"`` (:func:`learning.spectrum.g_spectrum`).

:func:`spectral_moments` picks among them (``method="auto"``); every result reports μ_1,
which is log det G = 0 for layered networks (7.7)-(7.8), as a built-in check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, NDArray

from learning.graph.septuple import GraphSeptuple
from learning.jacobian import JacobianOperator, check_mean_state, jacobian_operator, linear_operator
from learning.lanczos import SlqRuns, SpectralQuadrature
from learning.septuple import Septuple
from learning.slq_executor import JacobianSpec, run_slq
from learning.spectrum import g_spectrum
from learning.two_sided import choose_kind
from ntcore import limits
from ntcore.checks import count, seed_value
from ntcore.display import MarkdownSummary

__all__ = [
    "SpectralQuadrature",
    "SpectralMoments",
    "ExtremeEigenvalues",
    "a_linear_operator",
    "g_linear_operator",
    "a_inverse_linear_operator",
    "spectral_moments",
    "extreme_eigenvalues",
    "complexity_n_from_extremes",
    "memory_estimate",
]

Array = NDArray[np.float64]
Network = Septuple | GraphSeptuple

# "auto" uses the exact structured method while dim S stays below this, dense below _DENSE_N.
_STRUCTURED_DIM = 2500
_DENSE_N = 2500


# ---- the operators (one Jacobian operator, learning.jacobian) --------------------------------
def a_linear_operator(septuple: Network, x_mean: ArrayLike) -> spla.LinearOperator:
    """A = I - f'w of (5.6) as a ``LinearOperator``, f' of (5.4) at <x>; O(nnz w) per product.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> net = feedforward((3, 4, 2), seed=0)
    >>> x = np.full(9, 0.1)
    >>> a = a_linear_operator(net, x)
    >>> d = net.activation.derivative(net.preactivation(x))
    >>> bool(np.allclose(a @ np.eye(9), np.eye(9) - d[:, None] * net.weights, atol=1e-15))
    True
    """
    return linear_operator(jacobian_operator(septuple, x_mean), "a")


def g_linear_operator(septuple: Network, x_mean: ArrayLike) -> spla.LinearOperator:
    """G = (I - f'w)^T (I - f'w) of (5.6) as a symmetric ``LinearOperator`` (float64).

    Each product costs two passes over the weights (A then A^T), O(nnz w); no N x N array
    is formed for a block-stored network.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> from learning.spectrum import g_operator
    >>> net = feedforward((5, 4, 3), seed=1)
    >>> x = np.linspace(-0.5, 0.5, 12)
    >>> bool(np.allclose(g_linear_operator(net, x) @ np.eye(12), g_operator(net, x),
    ...                  atol=1e-14))
    True
    """
    return linear_operator(jacobian_operator(septuple, x_mean), "g")


def a_inverse_linear_operator(septuple: Network, x_mean: ArrayLike) -> spla.LinearOperator:
    """A⁻¹ = (I - f'w)⁻¹ for a layered network, by substitution, O(nnz w) per product.

    Raises
    ------
    ValueError
        For a septuple without layer structure (A⁻¹ is then not a substitution).

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> net = feedforward((3, 4, 2), seed=0)
    >>> x = np.full(9, 0.3)
    >>> inv = a_inverse_linear_operator(net, x) @ np.eye(9)
    >>> bool(np.allclose(inv @ (a_linear_operator(net, x) @ np.eye(9)), np.eye(9)))
    True
    """
    op = jacobian_operator(septuple, x_mean)
    if not op.feedforward:
        raise ValueError("a_inverse_linear_operator needs a layered septuple (layer_sizes set) "
                         "or a GraphSeptuple")
    return linear_operator(op, "a_inverse")


# ---- quadrature results ----------------------------------------------------------------
@dataclass(frozen=True)
class SpectralMoments(MarkdownSummary):
    """μ_k = Tr (log G)^k (9.5)-(9.6) for several k, with standard errors.

    Attributes
    ----------
    orders
        The k asked for.
    values
        μ_k, same order as ``orders``.
    stderr
        Standard errors of the SLQ means (None for the exact methods ``"dense"`` and
        ``"structured"``).  The sampling error only: ``quadrature_change`` bounds the
        truncation of the Lanczos runs.
    method
        ``"dense"``, ``"structured"`` or ``"slq"``.
    n_matvecs
        Products with G (each = one with A and one with A^T); 0 for the exact methods.
    seconds
        Wall time.
    log_det
        μ_1 = log det G, computed whatever the orders (the check of (7.8)).
    log_det_stderr
        Its standard error (None for exact methods).
    log_det_check
        |μ_1| in units of its error (the standard error and μ_1's quadrature change
        combined, or 1e-8 N for exact methods); log det G = 0 (7.8) for a layered
        network, so a value well above 3 flags a bug or a recurrent network.
    control_variate
        Whether μ_1 = 0 (7.8) served as a control variate for the orders k >= 2 (SLQ on a
        layered network, by default): each probe's estimate of μ_k is corrected by
        c_k (its estimate of μ_1 - 0), c_k the regression coefficient over the probes.
        Unbiased up to O(1/n_probes); it removes the part of the sampling error that μ_k
        shares with μ_1 (most of it for odd k).  μ_1 itself is reported uncorrected.
    n_probes, lanczos_steps
        SLQ budget (1 and N for the exact methods); ``lanczos_steps`` is the most steps
        a run took (more than asked for where the runs were extended, see
        ``max_lanczos_steps`` of :func:`spectral_moments`).
    quadrature_change
        Per order, |estimate with all steps - estimate with 3/4 of them|: the size of the
        Gauss-quadrature truncation, to compare with ``stderr`` (zeros for exact methods).
    quadrature
        The nodes and weights, for :func:`spectral_density` and
        :func:`count_large_estimate`.
    truncated_quadrature
        The same runs cut to 3/4 of their steps (the rule ``quadrature_change`` compares
        with), so that the truncation of any other spectral sum Tr g(G) can be estimated
        the same way; ``None`` where not kept.
    dtype
        Precision of the products with the weights: ``"float64"`` or ``"float32"``
        (vectors, reorthogonalisation and quadrature are float64 either way).
    roundoff
        Per order, a first-order bound on the effect of float32 products on the value
        (:func:`learning.lanczos.roundoff_bound`); empty when float32 was not tried.
    quadrature_kind
        ``"exact"`` (dense, structured), ``"one-sided"`` (Lanczos on G) or
        ``"two-sided"`` (Lanczos on G for log λ > 0 and on G⁻¹ for log λ < 0,
        :mod:`learning.two_sided`).
    linearised
        Labels of the non-component-wise nodes of a graph septuple, linearised in the
        generalised G = (I - J)^T (I - J) (docs/beyond_mlps.md); empty for the paper's G.
    backend
        The BLAS of the dense weight products (:mod:`learning.blas`): ``"mkl"`` or ``"numpy"``.
    """

    orders: tuple[int, ...]
    values: Array
    stderr: Array | None
    method: str
    control_variate: bool
    n_matvecs: int
    seconds: float
    log_det: float
    log_det_stderr: float | None
    log_det_check: float
    n_probes: int
    lanczos_steps: int
    quadrature_change: Array
    quadrature: SpectralQuadrature
    quadrature_kind: str = "exact"
    linearised: tuple[str, ...] = ()
    dtype: str = "float64"
    roundoff: Array = field(default_factory=lambda: np.zeros(0))
    backend: str = "numpy"
    truncated_quadrature: SpectralQuadrature | None = None

    @property
    def uncertainty(self) -> Array | None:
        """Per order, the sampling error and the quadrature truncation combined,
        sqrt(stderr^2 + quadrature_change^2) (None for exact methods)."""
        if self.stderr is None:
            return None
        return np.hypot(self.stderr, self.quadrature_change)

    def value(self, k: int) -> float:
        """μ_k for one of the computed orders."""
        return float(self.values[self.orders.index(k)])

    def error(self, k: int) -> float | None:
        """Standard error of μ_k (None for exact methods)."""
        return None if self.stderr is None else float(self.stderr[self.orders.index(k)])


# ---- sizes and checks ------------------------------------------------------------------
def _feedforward(septuple: Network) -> bool:
    """True when w is nilpotent by construction, so log det G = 0 (7.7)-(7.8)."""
    return isinstance(septuple, GraphSeptuple) or septuple.layered_weights is not None


def _linearised(septuple: Network) -> tuple[str, ...]:
    return septuple.linearised_labels if isinstance(septuple, GraphSeptuple) else ()


def _structured_dim(septuple: Network) -> int | None:
    sizes = getattr(septuple, "layer_sizes", None)
    if sizes is None:
        return None
    return septuple.n_neurons - sizes[0] + min(sizes[0], sizes[1])


def memory_estimate(septuple: Network, method: str, *, n_probes: int = 1,
                    lanczos_steps: int = 1) -> int:
    """Bytes a method allocates beyond the network itself (upper estimate).

    ``"dense"``: A, G and the eigensolver workspace, ~4 N^2 floats; ``"structured"``:
    ~4 (dim S)^2 plus the non-input block of w; ``"slq"``: the stored Lanczos basis
    (per probe batch, see :func:`spectral_moments`) plus a few work vectors.
    """
    if not isinstance(septuple, Septuple | GraphSeptuple):
        raise TypeError(f"septuple must be a Septuple or a GraphSeptuple, got "
                        f"{type(septuple).__name__}")
    n = septuple.n_neurons
    n_probes = count("n_probes", n_probes, minimum=1)
    lanczos_steps = count("lanczos_steps", lanczos_steps, minimum=1)
    if not isinstance(method, str):
        raise TypeError(f"method must be a str, got {type(method).__name__}")
    if method == "dense":
        return 8 * 4 * n * n
    if method == "structured":
        dim = _structured_dim(septuple)
        if dim is None:
            raise ValueError("method='structured' needs a layered septuple (layer_sizes set)")
        n_rest = n - septuple.layer_sizes[0]  # type: ignore[index]
        return 8 * (4 * dim * dim + n_rest * n_rest)
    if method == "slq":
        return 8 * n * n_probes * (lanczos_steps + 6)
    raise ValueError(f"method must be 'dense', 'structured' or 'slq', got {method!r}")


def _refuse_if_too_big(septuple: Network, method: str, max_bytes: int, **budget) -> None:
    need = memory_estimate(septuple, method, **budget)
    if need > max_bytes:
        cheaper = ("method='slq' (O(nnz w) per product)" if method != "slq" else
                   "fewer lanczos_steps or a smaller probe_batch")
        raise ValueError(
            f"method={method!r} would allocate about {need / limits.GIB:.3g} GiB for N = "
            f"{septuple.n_neurons}, above max_bytes = {max_bytes / limits.GIB:.3g} GiB; "
            f"use {cheaper}")


def _check_orders(orders) -> tuple[int, ...]:
    try:
        orders = tuple(orders)
    except TypeError:
        raise TypeError(f"orders must be a sequence of integers, got {orders!r}") from None
    if not orders or any(not isinstance(k, int | np.integer) or k < 1 for k in orders):
        raise ValueError(f"orders must be a non-empty sequence of integers >= 1, got {orders}")
    return tuple(int(k) for k in orders)


# ---- exact methods ---------------------------------------------------------------------
def _exact_quadrature(septuple: Network, x: Array, method: str) -> SpectralQuadrature:
    spec = g_spectrum(septuple, x, method=method)
    logs = spec.log_dynamical
    # The eigenvalues equal to 1 outside the structured subspace add log 1 = 0 to every
    # moment; one node at 0 with their multiplicity keeps the weights summing to N.
    rest = spec.n_neurons - logs.size
    nodes = np.concatenate([logs, [0.0]])[None, :]
    weights = np.concatenate([np.ones(logs.size), [float(rest)]])[None, :]
    return SpectralQuadrature(log_nodes=nodes, weights=weights, exact=True)


# ---- stochastic Lanczos quadrature -----------------------------------------------------
def _moment_estimates(quad: SpectralQuadrature, orders: tuple[int, ...],
                      control_variate: bool) -> tuple[Array, Array | None]:
    """Means over probes of Tr (log G)^k and their standard errors (None when exact)."""
    per_probe = np.array([quad.per_probe(lambda t, k=k: t ** k) for k in orders])
    if quad.exact:
        return per_probe[:, 0], None
    p = quad.n_probes
    values, errors = per_probe.mean(axis=1), per_probe.std(axis=1, ddof=1) / np.sqrt(p)
    if control_variate:
        first = quad.per_probe(lambda t: t)
        centred = first - first.mean()
        denom = float(centred @ centred)
        for i, k in enumerate(orders):
            if k == 1 or denom == 0:
                continue
            coef = float((per_probe[i] - values[i]) @ centred) / denom
            # The regression of the probes' μ_k on their μ_1, evaluated at the exact μ_1 = 0
            # (7.8): its intercept, with the intercept's standard error (p - 2 dof).
            resid = per_probe[i] - values[i] - coef * centred
            values[i] = values[i] - coef * first.mean()
            sigma2 = float(resid @ resid) / (p - 2)
            errors[i] = np.sqrt(sigma2 * (1.0 / p + first.mean() ** 2 / denom))
    return values, errors


def spectral_moments(septuple: Network, x_mean: ArrayLike,
                     orders: tuple[int, ...] = (1, 2, 3, 4), *, method: str = "auto",
                     seed: int | np.random.Generator | None = None,
                     n_probes: int = 30, lanczos_steps: int = 60, probe_batch: int | None = None,
                     control_variate: bool | None = None, dtype: str = "auto",
                     max_lanczos_steps: int | None = None, quadrature_kind: str = "auto",
                     executor: Any = None, max_bytes: int = limits.SPECTRAL_ESTIMATE_LIMIT_BYTES,
                     reorthogonalise: bool = True) -> SpectralMoments:
    """μ_k = Tr (log G)^k, eqs. (9.5)-(9.6), exactly or by stochastic Lanczos quadrature.

    Parameters
    ----------
    septuple
        The network (layered or general).
    x_mean
        <x> of (5.3), shape ``(N,)``, finite.
    orders
        The k >= 1 wanted; all come from the same eigenvalues or Lanczos runs.
    method
        ``"dense"`` (eigvalsh of G, O(N^3)), ``"structured"`` (layered nets, O((dim S)^3),
        :func:`learning.spectrum.g_spectrum`), ``"slq"`` (O(n_probes lanczos_steps nnz w)),
        or ``"auto"``: structured while dim S <= 2500, dense while N <= 2500, else slq.
    seed
        Seed or generator of the Rademacher probes (SLQ).
    n_probes
        Probes (>= 2, for a standard error).  The standard error of μ_k falls as
        1/√n_probes.
    lanczos_steps
        Golub-Kahan steps per probe (>= 2; capped at N).  Gauss quadrature with m nodes
        is exact for polynomials of degree 2m - 1 in λ; ``quadrature_change`` reports how
        much the last quarter of the steps moved the estimate.
    probe_batch
        Probes run together (one block product per step).  Default: as many as fit in
        ``max_bytes`` with their stored basis.
    control_variate
        Use log det G = 0 (7.8) as a control variate (see :class:`SpectralMoments`);
        default: for SLQ on layered networks (``False`` for general septuples, whose
        log det G is not 0), with two-sided quadrature only where μ_1's quadrature change
        is below its standard error (else the variate would carry the truncation bias).
    dtype
        Precision of the products with the weights in SLQ: ``"float64"``, ``"float32"``
        (float32 weights; the vectors, reorthogonalisation and quadrature stay float64)
        or ``"auto"``: float64 below ``FLOAT32_MIN_WEIGHTS`` = 10^6 weights (products
        are cheap there); above, float32 is kept only if the bound
        :func:`learning.lanczos.roundoff_bound` on its round-off is below
        ``learning.lanczos.ROUNDOFF_FRACTION`` (0.1) of the standard error of every
        order, else the runs are redone in float64.  Reported as ``dtype`` and
        ``roundoff``.
    max_lanczos_steps
        If above ``lanczos_steps``, each probe batch's runs are extended (by a quarter of
        their steps at a time, up to this) until the quadrature change is below
        ``learning.lanczos.TRUNCATION_FRACTION`` (0.25) of the standard error.  Either
        way ``uncertainty`` and ``log_det_check`` include the quadrature change.
    quadrature_kind
        SLQ: ``"one-sided"`` (Lanczos on G), ``"two-sided"`` (on G for log λ > 0, on G⁻¹
        for log λ < 0, :mod:`learning.two_sided`; feedforward networks; twice the products
        per step) or ``"auto"``: two-sided for graph septuples (deep residual networks,
        where one-sided quadrature is biased far beyond its error), else one-sided.
    executor
        SLQ: ``None`` (this process) or where to run the probe batches, as ``reproduce``
        does: ``"local"`` (processes), ``"serial"``, a Dask scheduler address or an
        ``Executor`` (:mod:`learning.slq_executor`; the same numbers as in this process;
        ``dtype="auto"`` means float64 there).
    max_bytes
        Refuse (ValueError naming the size and a cheaper method) above this estimate
        (default :data:`ntcore.limits.SPECTRAL_ESTIMATE_LIMIT_BYTES`, 4 GiB).
    reorthogonalise
        SLQ: full reorthogonalisation of the Lanczos vectors (default; O(steps^2 N) per
        probe, the basis stored) or none (the three-term recurrence alone, O(steps N) and
        no basis: the Gauss rule still approximates v^T g(G) v, Knizhnikov 1996, Meurant &
        Strakos 2006; :class:`learning.lanczos.GolubKahan`).  The quadrature change and
        the standard error are reported either way.

    Returns
    -------
    SpectralMoments

    Raises
    ------
    ValueError
        Wrong shape or non-finite <x>; bad orders or budget (n_probes < 2, lanczos_steps
        < 2); an unknown method, dtype or quadrature_kind; two-sided quadrature or
        structured on a general septuple; too much
        memory.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> net = feedforward((30, 20, 20, 5), seed=0, weight_scale=2.0)
    >>> x = np.tanh(np.random.default_rng(0).normal(size=75))
    >>> exact = spectral_moments(net, x, (2, 3), method="dense")
    >>> est = spectral_moments(net, x, (2, 3), method="slq", seed=1)
    >>> bool(np.all(np.abs(est.values - exact.values) < 4 * est.stderr))
    True
    >>> abs(exact.log_det) < 1e-10  # (7.8): log det G = 0 for a layered network
    True
    """
    start = time.perf_counter()
    orders = _check_orders(orders)
    x = check_mean_state(septuple, x_mean)
    seed_value("seed", seed)  # checked whichever method runs
    n = septuple.n_neurons
    if method == "auto":
        dim = _structured_dim(septuple)
        method = ("structured" if dim is not None and dim <= _STRUCTURED_DIM else
                  "dense" if n <= _DENSE_N else "slq")
    if method not in ("dense", "structured", "slq"):
        raise ValueError(f"method must be 'auto', 'dense', 'structured' or 'slq', "
                         f"got {method!r}")
    use_cv = (method == "slq" and _feedforward(septuple)
              if control_variate is None else bool(control_variate) and method == "slq")
    kind = choose_kind(quadrature_kind, isinstance(septuple, GraphSeptuple),
                       _feedforward(septuple)) if method == "slq" else "exact"
    if not isinstance(reorthogonalise, bool):
        raise TypeError(f"reorthogonalise must be True or False, got {reorthogonalise!r}")
    backend = "numpy"
    if method == "slq":
        runs, backend = _slq(septuple, x, orders, use_cv, n_probes=n_probes, steps=lanczos_steps,
                    max_steps=max_lanczos_steps, probe_batch=probe_batch, dtype=dtype,
                    seed=seed, max_bytes=max_bytes, kind=kind, executor=executor,
                    reorthogonalise=reorthogonalise)
    else:
        _refuse_if_too_big(septuple, method, max_bytes)
        quad = _exact_quadrature(septuple, x, method)
        runs = SlqRuns(quad, quad, 0, n, "float64", np.zeros(0))
    quad, trunc = runs.full, runs.truncated
    if use_cv and control_variate is None and kind == "two-sided":
        # The control variate needs an unbiased μ_1: not while μ_1's quadrature still moves
        # by more than its standard error (it would carry that bias into every order).
        mu1, mu1_err = quad.estimate(lambda t: t)
        use_cv = abs(mu1 - trunc.estimate(lambda t: t)[0]) <= (mu1_err or 0.0)
    values, errors = _moment_estimates(quad, orders, use_cv)
    change = np.abs(values - _moment_estimates(trunc, orders, use_cv)[0])
    log_det, log_det_err = quad.estimate(lambda t: t)
    # μ_1's error: sampling and quadrature truncation (issue 29: the check must hold
    # where the truncation, not the sampling, dominates).
    scale = (float(np.hypot(log_det_err, abs(log_det - trunc.estimate(lambda t: t)[0])))
             if log_det_err else 1e-8 * n)
    if not np.all(np.isfinite(values)):
        raise ValueError("the spectral moments are not finite (an eigenvalue of G overflowed or "
                         "underflowed float64: weights too large or too small)")
    return SpectralMoments(
        orders=orders, values=values, stderr=errors, method=method, control_variate=use_cv,
        n_matvecs=int(runs.matvecs), seconds=time.perf_counter() - start, log_det=log_det,
        log_det_stderr=log_det_err, log_det_check=abs(log_det) / scale,
        n_probes=quad.n_probes, lanczos_steps=runs.steps,
        quadrature_change=np.array(change), quadrature=quad, quadrature_kind=kind,
        linearised=_linearised(septuple), dtype=runs.dtype, roundoff=runs.roundoff,
        backend=backend, truncated_quadrature=trunc)


#: "auto" tries float32 products from this many weights on (below, products are cheap).
FLOAT32_MIN_WEIGHTS = 10**6


def _slq(septuple: Network, x: Array, orders: tuple[int, ...], use_cv: bool, *,
         n_probes, steps, max_steps, probe_batch, dtype, seed, max_bytes, kind,
         executor, reorthogonalise=True) -> tuple[SlqRuns, str]:
    """Check the SLQ budget and precision, then run :func:`learning.slq_executor.run_slq`;
    the runs and the BLAS backend of the products."""
    n = septuple.n_neurons
    probes = count("n_probes", n_probes, minimum=2)
    if use_cv and probes < 3:
        raise ValueError(f"n_probes must be >= 3 with the control variate, got {probes}")
    steps = min(count("lanczos_steps", steps, minimum=2), n)
    longest = max(steps, steps if max_steps is None else min(
        count("max_lanczos_steps", max_steps, minimum=2), n))
    if dtype not in ("auto", "float32", "float64"):
        raise ValueError(f"dtype must be 'auto', 'float32' or 'float64', got {dtype!r}")
    high = jacobian_operator(septuple, x)
    if dtype == "auto" and high.nbytes // 8 < FLOAT32_MIN_WEIGHTS:
        dtype = "float64"
    # The float32 copy of the weights is held beside the float64 ones, and on MKL each
    # operator keeps a transposed copy of its dense blocks (learning.blas).
    budget = max_bytes - high.copy_bytes - (0 if dtype == "float64" else high.nbytes // 2)
    stored = longest if reorthogonalise else 1  # no basis without reorthogonalisation
    per_probe = memory_estimate(septuple, "slq", n_probes=1, lanczos_steps=stored)
    if probe_batch is None:
        probe_batch = int(max(1, min(probes, budget // per_probe)))
    probe_batch = count("probe_batch", probe_batch, minimum=1)
    _refuse_if_too_big(septuple, "slq", budget, n_probes=probe_batch, lanczos_steps=stored)

    def make_jacobian(dt: str) -> JacobianOperator:
        return high if dt == "float64" else jacobian_operator(septuple, x, dtype=np.float32)

    estimator = partial(_moment_estimates, orders=orders,
                        control_variate=use_cv and kind == "one-sided")
    runs = run_slq(make_jacobian if executor is None else JacobianSpec(septuple, x), n, probes,
                   steps, probe_batch, seed, estimator, orders, dtype=dtype, max_steps=longest,
                   kind=kind, executor=executor, reorthogonalise=reorthogonalise)
    return runs, high.backend


# ---- extreme eigenvalues ---------------------------------------------------------------
@dataclass(frozen=True)
class ExtremeEigenvalues:
    """The k largest and k smallest eigenvalues of G (descending), from ``eigsh``.

    ``n_neurons`` is N; ``n_matvecs`` counts products with G or G⁻¹; ``linearised``
    names the linearised nodes of a graph septuple (generalised G, docs/beyond_mlps.md).
    """

    largest: Array
    smallest: Array
    n_neurons: int
    n_matvecs: int
    seconds: float
    linearised: tuple[str, ...] = ()


def extreme_eigenvalues(septuple: Network, x_mean: ArrayLike, k: int = 10, *,
                        tol: float = 1e-10) -> ExtremeEigenvalues:
    """The k largest and k smallest eigenvalues of G (5.6), for C_n (10.5) and the gap.

    Largest: ``eigsh`` on G (Lanczos).  Smallest: for layered networks ``eigsh`` on
    G⁻¹ = A⁻¹ A⁻ᵀ (largest of the inverse, A⁻¹ by substitution, so the small
    end converges as fast as the large one); for general septuples ``eigsh(which="SA")``.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> from learning.spectrum import g_spectrum
    >>> net = feedforward((40, 30, 20), seed=2, weight_scale=2.0)
    >>> x = np.full(90, 0.2)
    >>> ext = extreme_eigenvalues(net, x, k=3)
    >>> lam = g_spectrum(net, x, method="dense").eigenvalues
    >>> bool(np.allclose(ext.largest, lam[:3]) and np.allclose(ext.smallest, lam[-3:]))
    True
    """
    start = time.perf_counter()
    x = check_mean_state(septuple, x_mean)
    n = septuple.n_neurons
    k = count("k", k, minimum=1)
    if k >= n - 1:
        raise ValueError(f"k must be < N - 1 = {n - 1} for eigsh; use g_spectrum for all "
                         f"eigenvalues, got k = {k}")
    if not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be finite and >= 0, got {tol}")
    op = jacobian_operator(septuple, x)
    g_op = linear_operator(op, "g")
    start_vector = np.ones(n) / np.sqrt(n)
    top = spla.eigsh(g_op, k=k, which="LA", tol=tol, v0=start_vector,
                     return_eigenvectors=False)
    if op.feedforward:
        inv = spla.eigsh(linear_operator(op, "g_inverse"), k=k, which="LA", tol=tol,
                         v0=start_vector, return_eigenvectors=False)
        bottom = 1.0 / inv
    else:
        bottom = spla.eigsh(g_op, k=k, which="SA", tol=tol, v0=start_vector,
                            return_eigenvectors=False)
    if np.any(bottom <= 0):
        raise ValueError("G has a non-positive eigenvalue: I - f'w is singular at x_mean")
    return ExtremeEigenvalues(largest=np.sort(top)[::-1], smallest=np.sort(bottom)[::-1],
                              n_neurons=n, n_matvecs=op.count // 2,
                              seconds=time.perf_counter() - start, linearised=op.linearised)


def complexity_n_from_extremes(extremes: ExtremeEigenvalues, n: int, *,
                               log_det: float = 0.0) -> float:
    r"""C_n (10.5) from extreme eigenvalues: n <= k from the largest, n >= N - k from the
    smallest using Σ_i log λ_i = log det G (``log_det``, 0 for layered networks, (7.8)).

    :math:`C_n = -½ Σ_{i \le n} \log λ_i + (N/2) \log 2π`; for n >= N - k,
    :math:`Σ_{i \le n} \log λ_i = \log\det G - Σ_{i>n} \log λ_i`.

    Examples
    --------
    Against the sum over all eigenvalues (:func:`learning.thermodynamics.complexity_n`):

    >>> import numpy as np
    >>> from learning.feedforward import feedforward, forward_state
    >>> from learning.spectrum import g_spectrum
    >>> from learning.thermodynamics import complexity_n
    >>> net = feedforward((6, 5, 3), seed=0, weight_scale=1.5)
    >>> x = forward_state(net, np.zeros(6))
    >>> ext = extreme_eigenvalues(net, x, k=3)
    >>> exact = g_spectrum(net, x)
    >>> [bool(np.isclose(complexity_n_from_extremes(ext, n), complexity_n(exact, n)))
    ...  for n in (2, 12)]
    [True, True]
    """
    if not isinstance(extremes, ExtremeEigenvalues):
        raise TypeError(f"extremes must be an ExtremeEigenvalues, got {type(extremes).__name__}")
    big_n, k = extremes.n_neurons, extremes.largest.size
    if not isinstance(n, int | np.integer) or not 0 <= n <= big_n:
        raise ValueError(f"n must be an integer in [0, N = {big_n}], got {n!r}")
    if n <= k:
        head = float(np.sum(np.log(extremes.largest[:n])))
    elif n >= big_n - extremes.smallest.size:
        tail = np.log(extremes.smallest[::-1][: big_n - n])  # the N - n smallest
        head = log_det - float(np.sum(tail))
    else:
        raise ValueError(f"C_n needs n <= k = {k} or n >= N - k = {big_n - k}; got n = {n}: "
                         "ask extreme_eigenvalues for more")
    return -0.5 * head + 0.5 * big_n * float(np.log(2 * np.pi))
