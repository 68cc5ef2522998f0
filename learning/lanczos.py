"""The Lanczos driver of stochastic Lanczos quadrature (SLQ) for μ_k = Tr (log G)^k (9.5)-(9.6).

Golub-Kahan bidiagonalisation of A = I - f'w (5.6) from a batch of probes at once: every
step is one block product with A and one with A^T (all probes of the batch as the columns
of one BLAS-3 product; an operator with ``apply_pair`` gives both in one pass over its
weights, A^T applied to p before p is normalised), and the full reorthogonalisation of the
right vectors is one batched matrix product over the probes ("classical Gram-Schmidt,
twice if needed", the second pass only where the first lost more than 1 - 1/√2 of the
norm, Daniel, Gragg, Kaufman & Stewart 1976). The Gauss rule of each run gives nodes log
θ_j and weights; the spectral sums of :mod:`learning.spectral_estimates` are sums over
them.

Two further things are decided here:

* the precision of the products (``dtype``): float32 products with float64 vectors,
  reorthogonalisation and quadrature halve the traffic and double the BLAS rate;
  ``"auto"`` keeps them only where a first-order bound on their round-off (from the
  measured error of one block product and the Gauss nodes) is below
  ``ROUNDOFF_FRACTION`` of the sampling error;
* the number of steps: a batch's runs are extended until the Gauss-quadrature change over
  the last quarter of the steps is below ``TRUNCATION_FRACTION`` of the sampling error
  (or ``max_steps`` is reached; the reported uncertainty includes the change anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigh_tridiagonal

Array = NDArray[np.float64]

#: float32 products are kept when their measured round-off is below this fraction of the
#: standard error of every order.
ROUNDOFF_FRACTION = 0.1
#: Runs are extended until the quadrature change is below this fraction of the stderr.
TRUNCATION_FRACTION = 0.25
# Kahan's criterion: a second Gram-Schmidt pass when the first kept less than 1/√2 of |r|.
_REPEAT_BELOW = 1.0 / np.sqrt(2.0)


@dataclass(frozen=True)
class SpectralQuadrature:
    """Nodes and weights representing the spectrum of G, per probe.

    Attributes
    ----------
    log_nodes
        log θ_j, shape ``(n_probes, m)`` (exact methods: one "probe", the N log λ_i).
    weights
        Quadrature weights, shape ``(n_probes, m)``, each row summing to N (padding nodes
        of runs that stopped early carry weight 0), so that Σ_j weights g(log θ_j) is one
        probe's estimate of Tr g(log G).
    exact
        True for the dense and structured methods (no sampling error).
    """

    log_nodes: Array
    weights: Array
    exact: bool

    @property
    def n_probes(self) -> int:
        return int(self.log_nodes.shape[0])

    @property
    def n_neurons(self) -> float:
        return float(np.sum(self.weights[0]))

    def per_probe(self, g) -> Array:
        """Each probe's estimate of Tr g(log G), shape ``(n_probes,)``."""
        return np.sum(self.weights * g(self.log_nodes), axis=1)

    def estimate(self, g) -> tuple[float, float | None]:
        """Mean over probes of Tr g(log G) and its standard error (None if exact)."""
        values = self.per_probe(g)
        if self.exact:
            return float(values[0]), None
        return float(np.mean(values)), float(np.std(values, ddof=1) / np.sqrt(values.size))


class GolubKahan:
    """Golub-Kahan bidiagonalisation of A from each row of ``probes`` (unit vectors), extendable.

    A Q_m = P_m B_m with B_m upper bidiagonal (α on the diagonal, β above), so Q_m^T G Q_m =
    B_m^T B_m is the Lanczos matrix of G = A^T A from q_1. The right vectors are
    reorthogonalised fully; one-sided reorthogonalisation keeps the singular values of B_m
    accurate (Simon & Zha 2000). ``op`` has ``apply`` (A X) and ``apply_t`` (A^T Y) on
    float64 row batches, and optionally ``apply_pair(X, S)`` giving P = A X - S and A^T P in
    one pass over the weights (used when present). The basis is stored for ``max_steps``
    (n_probes x max_steps x N floats); :meth:`extend` runs up to a number of steps and can
    be called again.
    With ``reorthogonalise=False`` nothing is stored or reorthogonalised (the three-term
    recurrence alone, O(N) memory per probe): the Gauss rule of a run without
    reorthogonalisation still approximates the quadratic forms v^T g(G) v (Knizhnikov 1996;
    Meurant & Strakos 2006), its lost orthogonality showing as repeated ("ghost") nodes
    that share the weight of the true one.
    """

    def __init__(self, op, probes: Array, max_steps: int, reorthogonalise: bool = True):
        n_probes, n = probes.shape
        self.op = op
        self.max_steps, self.n = max_steps, n
        self.basis = np.empty((n_probes, max_steps if reorthogonalise else 0, n))
        self.alpha = np.zeros((n_probes, max_steps))
        self.beta = np.zeros((n_probes, max_steps))
        self.closed_at = np.zeros(n_probes, dtype=int)  # 0 while a run is open
        self.steps = 0
        self.second_passes = 0
        # On MKL, vectors in column-major order: a slice of neurons of all probes is then one
        # contiguous block, which its products take without a copy (learning.blas); elsewhere
        # row-major (the graph operators' reshapes of row slices are views).
        self._order = "F" if getattr(op, "backend", "numpy") == "mkl" else "C"
        self._q = np.array(probes, order=self._order)
        self._p_prev = np.zeros_like(self._q)

    @property
    def lengths(self) -> NDArray[np.int_]:
        """Steps of each run (shorter where a Krylov space closed)."""
        return np.where(self.closed_at > 0, self.closed_at, self.steps)

    def extend(self, steps: int) -> None:
        """Run every open run to ``steps`` steps (at most ``max_steps``)."""
        steps = min(steps, self.max_steps)
        while self.steps < steps and np.any(self.closed_at == 0):
            self._step(self.steps)
            self.steps += 1

    def _products(self, q: Array, sub: Array | None) -> tuple[Array, Array]:
        """p = A q - sub and A^T p: in one pass over the weights where ``op`` can
        (``apply_pair``), else by ``apply`` then ``apply_t``."""
        pair = getattr(self.op, "apply_pair", None)
        if pair is not None:
            return pair(q, sub)
        p = self.op.apply(q)
        if sub is not None:
            p -= sub
        return p, self.op.apply_t(p)

    def _step(self, j: int) -> None:
        q, alpha, beta = self._q, self.alpha, self.beta
        if self.basis.shape[1]:
            self.basis[:, j] = q
        # A^T p is taken before p is normalised (A^T is linear), so that one pass over the
        # weights gives both products.
        p, r = self._products(q, beta[:, j - 1, None] * self._p_prev if j else None)
        alpha[:, j] = np.linalg.norm(p, axis=1)
        scale = np.where(alpha[:, j] > 0, alpha[:, j], 1.0)[:, None]
        p /= scale
        r /= scale
        r -= alpha[:, j, None] * q
        if self.basis.shape[1]:
            r = self._reorthogonalise(r, j + 1)
        beta[:, j] = np.linalg.norm(r, axis=1)
        # A run ends when r vanishes against the size of the operator (invariant subspace).
        open_ = self.closed_at == 0
        closed = open_ & (beta[:, j] <= 1e-12 * np.maximum(alpha[:, j], 1.0))
        self.closed_at[closed] = j + 1
        open_ &= ~closed
        self._q = np.asarray(np.where(
            open_[:, None], r / np.where(beta[:, j] > 0, beta[:, j], 1.0)[:, None], 0.0),
            order=self._order)
        self._p_prev = np.asarray(np.where(open_[:, None], p, 0.0), order=self._order)

    def _reorthogonalise(self, r: Array, k: int) -> Array:
        """r_c -= V_c^T V_c r_c for every probe c at once (V_c its first k basis vectors)."""
        v = self.basis[:, :k]
        r = np.ascontiguousarray(r)  # each probe's vector contiguous for the batched products
        before = np.linalg.norm(r, axis=1)
        for _ in range(2):
            r -= np.matmul(np.matmul(v, r[:, :, None]).transpose(0, 2, 1), v)[:, 0]
            after = np.linalg.norm(r, axis=1)
            if not np.any(after < _REPEAT_BELOW * before):
                break
            self.second_passes += 1
            before = after
        return r


def gauss_nodes(alpha: Array, beta: Array, length: int) -> tuple[Array, Array]:
    """log θ_j and τ_j^2 of the Gauss rule from one bidiagonal B_m: θ = σ(B)^2, τ = V[0].

    The singular triplets of B come from its Golub-Kahan tridiagonal (zero diagonal,
    off-diagonal α_1, β_1, α_2, ...; eigenvalues ±σ_j, eigenvectors (v_1, u_1, v_2, ...)/√2),
    a tridiagonal eigenproblem that LAPACK solves to high relative accuracy.  The Gauss
    rule approximates the spectral sums (9.5)-(9.6) of one probe.

    Examples
    --------
    >>> import numpy as np
    >>> t, w = gauss_nodes(np.array([2.0]), np.array([0.0]), 1)
    >>> bool(np.isclose(t[0], np.log(4.0)) and np.isclose(w[0], 1.0))
    True
    """
    off = np.zeros(2 * length - 1)
    off[0::2] = alpha[:length]
    off[1::2] = beta[: length - 1]
    # Ascending eigenvalues -σ_m..-σ_1, σ_1..σ_m: the upper half are the singular values
    # (all of them, without "select", is several times faster in LAPACK here).
    values, vectors = eigh_tridiagonal(np.zeros(2 * length), off)
    sv, vec = values[length:], vectors[:, length:]
    if np.any(sv <= 0):
        raise ValueError("a Lanczos run produced a zero singular value: A = I - f'w is "
                         "singular at x_mean (possible only for recurrent networks)")
    return 2.0 * np.log(sv), 2.0 * vec[0] ** 2


def _rules(gk: GolubKahan, steps: int) -> tuple[Array, Array]:
    """Nodes and weights (padded to ``steps``) of each run cut at ``steps``."""
    n, width = gk.n, gk.max_steps
    nodes, weights = [], []
    for c, length in enumerate(gk.lengths):
        t, tau2 = gauss_nodes(gk.alpha[c], gk.beta[c], int(min(length, steps)))
        nodes.append(np.pad(t, (0, width - t.size)))
        weights.append(np.pad(n * tau2, (0, width - t.size)))
    return np.array(nodes), np.array(weights)


@dataclass(frozen=True)
class SlqRuns:
    """SLQ output: the quadrature, the same cut to 3/4 of each batch's steps, the budget.

    ``steps`` is the largest number of steps of a batch (``lanczos_steps`` unless the runs
    were extended); ``dtype`` the precision of the products that produced ``full``;
    ``roundoff`` per order :func:`roundoff_bound` for the float32 products (empty when
    none were tried).
    """

    full: SpectralQuadrature
    truncated: SpectralQuadrature
    matvecs: int
    steps: int
    dtype: str
    roundoff: Array


Estimator = Callable[[SpectralQuadrature], tuple[Array, Array | None]]
Rows = tuple[Array, Array, Array, Array]  # full nodes, weights; cut nodes, weights


def _batch(op, probes: Array, steps: int, max_steps: int, estimator: Estimator | None,
           n_total: int, reorthogonalise: bool = True) -> tuple[Rows, int]:
    """One probe batch: run, extend while the truncation is not well below the stderr."""
    gk = GolubKahan(op, probes, max_steps, reorthogonalise)
    m = steps
    while True:
        gk.extend(m)
        full, trunc = _rules(gk, m), _rules(gk, max(1, (3 * m) // 4))
        if estimator is None or m >= max_steps or gk.steps < m or probes.shape[0] < 3:
            break
        values, errors = estimator(SpectralQuadrature(*full, exact=False))
        change = np.abs(values - estimator(SpectralQuadrature(*trunc, exact=False))[0])
        # The batch's errors scaled to those of the whole probe set.
        scale = np.sqrt(probes.shape[0] / n_total)
        if errors is None or np.all(change <= TRUNCATION_FRACTION * errors * scale):
            break
        m = min(max_steps, m + max(1, m // 4))
    return (full[0], full[1], trunc[0], trunc[1]), gk.steps


def _concat(parts: list[Rows]) -> Rows:
    """Stack the rows of several batches, padding with zero-weight nodes."""
    width = max(p[0].shape[1] for p in parts)
    return tuple(np.concatenate([np.pad(p[i], ((0, 0), (0, width - p[i].shape[1])))
                                 for p in parts]) for i in range(4))  # type: ignore[return-value]


def _run_all(op, probes: Array, steps: int, max_steps: int, probe_batch: int,
             estimator: Estimator, reorthogonalise: bool = True) -> tuple[Rows, int]:
    """All batches with one operator: the rows and the most steps a batch ran."""
    parts: list[Rows] = []
    reached = 0
    for start in range(0, probes.shape[0], probe_batch):
        rows, done = _batch(op, probes[start:start + probe_batch], steps, max_steps,
                            estimator, probes.shape[0], reorthogonalise)
        parts.append(rows)
        reached = max(reached, done)
    return _concat(parts), reached


def product_error(low, high, block: Array) -> float:
    """An estimate of ||E||_2, E = A_low - A (5.6): 3 max_c ||(A_low - A) q_c|| over unit
    rows q_c, for A and A^T.  For random rounding errors ||E q|| ≈ ||E||_F / sqrt(N) and
    ||E||_2 ≈ 2 ||E||_F / sqrt(N) (a random matrix), hence the factor 3.

    Examples
    --------
    A planted error E = εI moves every unit vector by exactly ε:

    >>> class Matrix:
    ...     def __init__(self, a): self.a = a
    ...     def apply(self, x): return x @ self.a.T
    ...     def apply_t(self, y): return y @ self.a
    >>> a = np.random.default_rng(0).standard_normal((5, 5))
    >>> q = np.linalg.qr(np.random.default_rng(1).standard_normal((5, 2)))[0].T  # unit rows
    >>> bool(np.isclose(product_error(Matrix(a + 1e-3 * np.eye(5)), Matrix(a), q), 3e-3))
    True
    """
    diffs = [np.linalg.norm(low.apply(block) - high.apply(block), axis=1),
             np.linalg.norm(low.apply_t(block) - high.apply_t(block), axis=1)]
    return 3.0 * float(np.max(diffs))


def roundoff_bound(quad: SpectralQuadrature, orders: tuple[int, ...], error: float) -> Array:
    r"""First-order bound on what a perturbation E of A (||E|| <= ``error``) does to μ_k.

    :math:`|δσ_i| ≤ ‖E‖` (Weyl), so :math:`|δ \log λ_i| ≤ 2 ‖E‖ / σ_i` and
    :math:`|δ \operatorname{Tr} (\log G)^k| ≤ Σ_i k |\log λ_i|^{k-1} 2 ‖E‖ / σ_i`, evaluated with
    each probe's Gauss rule and averaged; the control variate (7.8) can add |c_k| times the bound
    for k = 1, c_k the regression slope of the probes' μ_k on their μ_1, so that is added.

    Examples
    --------
    A = diag(σ) and A + εI (so ‖E‖ = ε), one exact "probe": the bound holds for every
    order and is tight for k = 1 (every log λ moves the same way):

    >>> sigma = np.array([0.5, 1.0, 2.0, 3.0])
    >>> quad = SpectralQuadrature(np.log(sigma ** 2)[None], np.ones((1, 4)), exact=True)
    >>> bound = roundoff_bound(quad, (1, 2, 3), 1e-6)
    >>> change = np.array([abs(np.sum(np.log((sigma + 1e-6) ** 2) ** k)
    ...                        - np.sum(np.log(sigma ** 2) ** k)) for k in (1, 2, 3)])
    >>> bool(np.all(change <= bound)), bool(np.isclose(change[0], bound[0], rtol=1e-5))
    (True, True)
    """
    t, w = quad.log_nodes, quad.weights
    shift = 2.0 * error * np.exp(-t / 2)
    first = np.sum(w * shift, axis=1).mean()
    mu1 = quad.per_probe(lambda x: x)
    out = []
    for k in orders:
        bound = np.sum(w * k * np.abs(t) ** (k - 1) * shift, axis=1).mean()
        mu_k = quad.per_probe(lambda x, k=k: x ** k)
        centred = mu1 - mu1.mean()
        denom = float(centred @ centred)
        slope = float((mu_k - mu_k.mean()) @ centred) / denom if denom > 0 else 0.0
        out.append(bound + (abs(slope) * first if k > 1 else 0.0))
    return np.array(out)


def slq_runs(make_op: Callable[[str], Any], n: int, n_probes: int, steps: int,
             probe_batch: int, rng: np.random.Generator, estimator: Estimator,
             orders: tuple[int, ...], *, dtype: str = "float64",
             max_steps: int | None = None, reorthogonalise: bool = True) -> SlqRuns:
    """SLQ with Rademacher probes, for the spectral sums (9.5)-(9.6); see the module docstring.

    ``make_op(dtype)`` builds the operator A (5.6) with products in ``dtype`` (``apply``,
    ``apply_t`` on float64 row batches, ``count`` of products); ``estimator(quadrature)``
    gives the moments of ``orders`` and their standard errors, which the truncation and
    round-off are compared with.  ``dtype``: ``"float64"``, ``"float32"`` or ``"auto"``
    (float32 products if :func:`roundoff_bound`, with ||E|| from :func:`product_error` on
    the first probe block, is below ``ROUNDOFF_FRACTION`` of every standard error, else
    the runs are redone in float64).  ``reorthogonalise``: full reorthogonalisation of
    the right vectors (default) or none (see :class:`GolubKahan`).

    Examples
    --------
    >>> import numpy as np
    >>> class Diagonal:  # A = diag(s): G has eigenvalues s^2
    ...     count = 0
    ...     def __init__(self, s): self.s = s
    ...     def apply(self, x): return self.s * x
    ...     def apply_t(self, y): return self.s * y
    >>> s = np.linspace(0.5, 2.0, 6)
    >>> est = lambda q: (np.array([q.per_probe(lambda t: t).mean()]), None)
    >>> runs = slq_runs(lambda dt: Diagonal(s), 6, 3, 6, 3, np.random.default_rng(0), est, (1,))
    >>> bool(np.allclose(runs.full.per_probe(lambda t: t), np.sum(np.log(s**2))))
    True
    """
    max_steps = steps if max_steps is None else max(steps, max_steps)
    probes = rng.choice([-1.0, 1.0], size=(n_probes, n)) / np.sqrt(n)
    high = make_op("float64")
    roundoff = np.zeros(0)
    used = "float64"
    if dtype in ("float32", "auto"):
        low = make_op("float32")
        error = product_error(low, high, probes[:probe_batch])
        rows, reached = _run_all(low, probes, steps, max_steps, probe_batch, estimator,
                                 reorthogonalise)
        roundoff = roundoff_bound(_quadrature(rows), orders, error)
        errors = estimator(_quadrature(rows))[1]
        used = "float32"
        if dtype == "auto" and (errors is None
                                or np.any(roundoff > ROUNDOFF_FRACTION * errors)):
            used = "float64"
    if used == "float64":
        rows, reached = _run_all(high, probes, steps, max_steps, probe_batch, estimator,
                                 reorthogonalise)
    matvecs = (high.count + (low.count if dtype != "float64" else 0)) // 2
    return SlqRuns(_quadrature(rows), _quadrature(rows[2:]), matvecs, reached, used,
                   roundoff)


def _quadrature(rows) -> SpectralQuadrature:
    return SpectralQuadrature(rows[0], rows[1], exact=False)


#: One probe batch's rows and steps, and the rows of several batches joined (for
#: :mod:`learning.slq_executor`, which runs the batches as jobs).
batch_rows = _batch
concat_rows = _concat
