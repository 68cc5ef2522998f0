r"""The operator G = (I - f'w)^T (I - f'w) of eqs. (5.4)-(5.6) and its spectrum (5.10),
spectral moments (9.5)-(9.6), the count N_> of (6.6) and the gap of Section 10.

Structured spectrum
-------------------
With M = f'w, G - I = -M - M^T + M^T M, whose range lies in range(M) + range(M^T).
In a layered network (neurons numbered input layer first) the columns of M live on the
non-input neurons and its rows are the rows of w scaled by f'; only the rows of the first
hidden layer reach the input neurons.  Hence

.. math::

    \operatorname{range}(G - I) ⊂ S = \operatorname{span}\{e_j : j \text{ non-input}\}
    ⊕ \operatorname{rowspace}(w_{1,0}) \quad \text{(on input coordinates)},

of dimension n_non-input + rank(:math:`w_{1,0}`) (110 for 784-40-20-10).  G is the identity on
S^⊥, so N - dim S eigenvalues are exactly 1 (log λ = 0) and the others are those of the
dim S x dim S matrix Q^T G Q, Q an orthonormal basis of S built without N x N arrays.
These are the *dynamical* eigenvalues of Section 9.

Beyond a few thousand neurons use the matrix-free route:
:func:`~learning.spectral_estimates.g_linear_operator` (G as a
``scipy.sparse.linalg.LinearOperator``) and
:func:`~learning.spectral_estimates.spectral_moments` (exact or stochastic
Lanczos quadrature, with error bars), both from :mod:`learning.spectral_estimates` and
importable from here; docs/scale.md says which method to use when.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from learning import jacobian
from learning.feedforward import layer_slices
from learning.jacobian import jacobian_operator
from learning.septuple import Septuple
from ntcore.checks import positive_number
from ntcore.display import MarkdownSummary

__all__ = [
    "GSpectrum",
    "GapResult",
    "derivative_matrix_diagonal",
    "g_operator",
    "g_spectrum",
    "dynamical_eigensystem",
    "spectrum_from_eigenvalues",
    "spectral_moment",
    "count_large",
    "log_gap",
    "beta_from_log_lambda",
    "check_beta",
    "eigenvalues_of",
    "check_mean_state",
]

Array = NDArray[np.float64]


def check_mean_state(septuple: Septuple, x_mean: ArrayLike) -> Array:
    """The mean state <x> at which f' (5.4) and G (5.6) are taken, as a float array of shape
    ``(N,)``; TypeError naming ``septuple`` or ``x_mean`` for a wrong object, a string or a
    generator, ValueError naming ``x_mean`` for another shape or a non-finite entry
    (:func:`learning.jacobian.check_mean_state`, which also takes a graph septuple).

    >>> from learning import feedforward
    >>> check_mean_state(feedforward((2, 1), seed=0), [0.0, 0.5, 1.0]).tolist()
    [0.0, 0.5, 1.0]
    """
    return jacobian.check_mean_state(septuple, x_mean)


def derivative_matrix_diagonal(septuple: Septuple, x_mean: ArrayLike) -> Array:
    """The diagonal of f' of eq. (5.4): f'_ii = df/dy at y_i = Σ_j w_ij <x_j> + b_i.

    Examples
    --------
    For tanh, f'(y) = 1 - tanh² y at y = w<x> + b:

    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((3, 2), seed=0, bias_scale=0.5)
    >>> x = np.array([0.1, -0.4, 0.7, 0.0, 0.0])
    >>> bool(np.allclose(derivative_matrix_diagonal(net, x),
    ...                  1 - np.tanh(net.weights @ x + net.bias) ** 2))
    True
    """
    x = check_mean_state(septuple, x_mean)
    return septuple.activation.derivative(septuple.preactivation(x))  # type: ignore[union-attr]


def g_operator(septuple: Septuple, x_mean: ArrayLike) -> Array:
    r"""Dense :math:`\hat{G} = (\hat{I} - \hat{f}'\hat{w})^T (\hat{I} - \hat{f}'\hat{w})`, eq.
    (5.6), with
    :math:`\hat{f}'` of (5.4) at the mean state :math:`\langle\mathbf{x}\rangle`.

    ``septuple`` may also be a :class:`~learning.graph.septuple.GraphSeptuple`: then
    f'w is the Jacobian J of its node maps (generalised G for linearised nodes).

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> net = feedforward((3, 2), seed=0)
    >>> g = g_operator(net, np.zeros(5))
    >>> bool(np.isclose(np.linalg.det(g), 1.0))  # (7.7): det G = 1 for feedforward nets
    True
    """
    if not isinstance(septuple, Septuple):  # a GraphSeptuple: J from its operator
        a = np.eye(septuple.n_neurons) - jacobian_operator(septuple, x_mean).dense()
        return a.T @ a
    d = derivative_matrix_diagonal(septuple, x_mean)
    a = np.eye(septuple.n_neurons) - d[:, None] * septuple.weights
    return a.T @ a


@dataclass(frozen=True)
class GSpectrum(MarkdownSummary):
    """Eigenvalues λ_1 >= ... >= λ_N of G (5.10), ordered as in (10.5).

    Attributes
    ----------
    eigenvalues
        All N eigenvalues, descending.
    dynamical
        The eigenvalues of G restricted to the subspace S that G moves (the others are 1),
        descending; for the dense method, all eigenvalues.
    method
        ``"structured"`` or ``"dense"`` (or ``"given"``).
    n_neurons
        N, the number of neurons.
    """

    eigenvalues: Array
    dynamical: Array
    method: str
    n_neurons: int

    @property
    def log_eigenvalues(self) -> Array:
        """log λ_i, descending."""
        return np.log(self.eigenvalues)

    @property
    def log_dynamical(self) -> Array:
        return np.log(self.dynamical)

    @property
    def sum_log(self) -> float:
        """Σ_i log λ_i = log det G, eqs. (7.7)-(7.8) (0 for feedforward networks)."""
        return float(np.sum(self.log_dynamical))


def spectrum_from_eigenvalues(eigenvalues: ArrayLike, n_neurons: int | None = None) -> GSpectrum:
    """Wrap given eigenvalues (5.10) of G (e.g. from a user's own computation) as a
    :class:`GSpectrum`.

    Eigenvalues beyond the given ones, up to ``n_neurons``, are taken to be 1.

    Examples
    --------
    The missing eigenvalues are 1, so they leave every moment unchanged:

    >>> s = spectrum_from_eigenvalues([4.0, 0.25], n_neurons=5)
    >>> s.eigenvalues.tolist(), spectral_moment(s, 1)
    ([4.0, 1.0, 1.0, 1.0, 0.25], 0.0)
    """
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    if lam.size == 0:
        raise ValueError("eigenvalues must not be empty")
    if not np.all(np.isfinite(lam)):
        raise ValueError("eigenvalues contains non-finite entries")
    if np.any(lam <= 0):
        raise ValueError("eigenvalues of G must be > 0 (G = A^T A with A = I - f'w invertible)")
    n = lam.size if n_neurons is None else int(n_neurons)
    if n < lam.size:
        raise ValueError(f"n_neurons = {n} is smaller than the number of eigenvalues {lam.size}")
    dyn = np.sort(lam)[::-1]
    full = np.sort(np.concatenate([lam, np.ones(n - lam.size)]))[::-1]
    return GSpectrum(eigenvalues=full, dynamical=dyn, method="given", n_neurons=n)


def _layered_derivative(septuple: Septuple, x: Array) -> Array:
    """f'(w x + b) layer by layer: the products touch only the non-zero blocks of w."""
    assert septuple.layered_weights is not None
    return septuple.activation.derivative(  # type: ignore[union-attr]
        septuple.layered_weights.product(x) + septuple.bias)


def _first_layer_rowspace(septuple: Septuple) -> tuple[Array, Array, Array]:
    """:math:`w_{1,0}`, and U[:, :r], sv[:r] of its SVD (the row-space basis q1 = w1^T U_r / sv)."""
    lw = septuple.layered_weights
    assert lw is not None
    w1 = lw.blocks[0]  # (n_1, n_0)
    w1 = w1.toarray() if sp.issparse(w1) else w1
    # Orthonormal basis q1 of the row space of w_{1,0}: with w1 = U diag(sv) Vt, q1 = Vt[:r]^T
    # and only w1 q1 = U[:, :r] diag(sv[:r]) is needed, which the small Gram matrix w1 w1^T =
    # U diag(sv^2) U^T gives without a factorisation along the long input dimension.
    # Directions with sv below sqrt(eps) * max(sv) are not resolved by the Gram matrix and
    # are dropped; they move eigenvalues of G by at most ~sv^2 (< 1e-15 relative).
    gram_values, u = np.linalg.eigh(w1 @ w1.T)
    order = np.argsort(gram_values)[::-1]
    gram_values, u = gram_values[order], u[:, order]
    top_value = gram_values[0] if gram_values.size else 0.0
    keep = gram_values > top_value * np.finfo(float).eps * max(w1.shape)
    rank = int(np.sum(keep))
    return w1, u[:, :rank], np.sqrt(gram_values[:rank])


def _structured_block(septuple: Septuple, d: Array) -> Array:
    """Q^T G Q for an orthonormal basis Q of S (see the module docstring), never N x N."""
    sizes = septuple.layer_sizes
    assert sizes is not None
    first = layer_slices(sizes)[1]
    n_in, n_1 = sizes[0], sizes[1]
    n_rest = septuple.n_neurons - n_in
    lw = septuple.layered_weights
    assert lw is not None
    _, u, sv = _first_layer_rowspace(septuple)
    rank = sv.size
    # A = I - f'w on the basis [e_j (j non-input) | (q1; 0)], rows on the non-input neurons
    # (its input rows are (0 | q1), contributing q1^T q1 = I_r to Q^T G Q).
    a = np.zeros((n_rest, n_rest + rank))
    rest = np.arange(n_in, septuple.n_neurons)
    a[:, :n_rest] = np.eye(n_rest) - d[n_in:, None] * lw.submatrix(rest, rest)
    a[:n_1, n_rest:] = -d[first, None] * (u[:, :rank] * sv[:rank])
    block = a.T @ a
    block[n_rest:, n_rest:] += np.eye(rank)
    return block


def g_spectrum(septuple: Septuple, x_mean: ArrayLike, method: str = "structured") -> GSpectrum:
    """Eigenvalues of G (5.6) at <x>, by the structured method (layered nets) or densely.

    Parameters
    ----------
    septuple
        The network; ``method="structured"`` needs its ``layer_sizes`` (a layered network).
    x_mean
        The ensemble-averaged state <x> of (5.3), shape ``(N,)``.
    method
        ``"structured"`` (default): diagonalise G on the subspace S it moves (module
        docstring), O(N (n_non-input + n_1)^2) work; ``"dense"``: ``numpy.linalg.eigvalsh``
        of the N x N matrix.

    Raises
    ------
    ValueError
        Wrong shape or non-finite <x>; a non-layered network with ``"structured"``; a
        non-positive eigenvalue (A = I - f'w singular, possible only for recurrent nets).

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> net = feedforward((20, 5, 3), seed=1)
    >>> s = g_spectrum(net, np.zeros(28))
    >>> d = g_spectrum(net, np.zeros(28), method="dense")
    >>> bool(np.allclose(s.log_eigenvalues, d.log_eigenvalues, atol=1e-10))
    True
    """
    x = check_mean_state(septuple, x_mean)
    n = septuple.n_neurons
    if method == "dense" and not isinstance(septuple, Septuple):
        # A graph septuple: λ = σ(A)^2 from the SVD of A = I - J, which keeps the small λ to
        # relative accuracy ~ε sqrt(cond G) instead of ε cond G (eigvalsh of A^T A).
        from scipy.linalg import svdvals

        a = np.eye(n) - jacobian_operator(septuple, x).dense()
        lam = dyn = np.sort(svdvals(a) ** 2)[::-1]
    elif method == "dense":
        with np.errstate(over="ignore", invalid="ignore"):  # refused by name just below
            g = g_operator(septuple, x)
        lam = np.linalg.eigvalsh(_finite_g(g))[::-1]
        dyn = lam
    elif method == "structured":
        if getattr(septuple, "layer_sizes", None) is None:
            raise ValueError("method='structured' needs a layered network (layer_sizes set, e.g. "
                             "from feedforward()); use method='dense' for general septuples")
        d = _layered_derivative(septuple, x)
        with np.errstate(over="ignore", invalid="ignore"):  # refused by name just below
            block = _structured_block(septuple, d)
        dyn = np.linalg.eigvalsh(_finite_g(block))[::-1]
        lam = np.sort(np.concatenate([dyn, np.ones(n - dyn.size)]))[::-1]
    else:
        raise ValueError(f"method must be 'structured' or 'dense', got {method!r}")
    if lam[-1] <= 0:
        raise ValueError(f"G has a non-positive eigenvalue {lam[-1]:.3g}: I - f'w is singular, "
                         "log G and the Gaussian partition function (5.9) do not exist")
    return GSpectrum(eigenvalues=lam, dynamical=dyn, method=method, n_neurons=n)


def _finite_g(g: Array) -> Array:
    """``g`` if every entry is finite; else a ValueError naming the septuple (not LAPACK's
    message, nor NaN eigenvalues): G = AᵀA (5.6) overflows float64 once an entry of f'w
    passes ~1e154."""
    if not np.all(np.isfinite(g)):
        raise ValueError("septuple: G (5.6) is not finite in float64 at this <x> (an entry of "
                         "f'w above ~1e154 overflows AᵀA); weights this large have no "
                         "spectrum in double precision: rescale the network")
    return g
def dynamical_eigensystem(septuple: Septuple, x_mean: ArrayLike) -> tuple[Array, Array, Array]:
    """Dynamical eigenvalues of G (5.10) at <x> (descending), their eigenvectors and Q^T <x>.

    Q is the orthonormal basis of the subspace S that G moves (module docstring); the
    eigenvectors are the columns of the returned matrix in that basis, so the components
    a_i of <x> on them (5.12) are ``vectors.T @ coordinates`` and |<x>|² - |Q^T <x>|² is
    the part of |<x>|² on the eigenvalue 1 outside S.  Layered networks only.

    Examples
    --------
    >>> import numpy as np
    >>> from learning import feedforward
    >>> net = feedforward((20, 5, 3), seed=1)
    >>> x = np.linspace(-0.5, 0.5, 28)
    >>> lam, vec, c = dynamical_eigensystem(net, x)
    >>> bool(np.allclose(lam, g_spectrum(net, x).dynamical, atol=1e-12))
    True
    """
    x = check_mean_state(septuple, x_mean)
    if septuple.layer_sizes is None:
        raise ValueError("dynamical_eigensystem needs a layered network (layer_sizes set, e.g. "
                         "from feedforward())")
    n_in = septuple.layer_sizes[0]
    lam, vec = np.linalg.eigh(_structured_block(septuple, _layered_derivative(septuple, x)))
    w1, u, sv = _first_layer_rowspace(septuple)
    coordinates = np.concatenate([x[n_in:], (u.T @ (w1 @ x[:n_in])) / sv])
    return lam[::-1], vec[:, ::-1], coordinates


def spectral_moment(spectrum: GSpectrum, k: int, normalization: str = "raw") -> float:
    r""":math:`\mu_k = \operatorname{Tr} (\log \hat{G})^k = \sum_i (\log \lambda_i)^k`, eqs.
    (9.5)-(9.6).

    Parameters
    ----------
    k
        The order, >= 1 (μ_2 is the "variance", μ_3 the "skewness" of Section 9).
    normalization
        ``"raw"`` (the paper's definition), ``"per_neuron"`` (divided by N) or
        ``"per_dynamical"`` (divided by the number of dynamical eigenvalues).
        The paper does not say which it plotted; Section 10's μ_2, μ_3 are compared
        with all three by the reproduction report.

    Examples
    --------
    >>> import numpy as np
    >>> s = spectrum_from_eigenvalues(np.exp([2.0, -0.5, -1.5]))
    >>> [round(spectral_moment(s, k), 12) for k in (1, 2, 3)]  # Σ x, Σ x², Σ x³
    [0.0, 6.5, 4.5]
    """
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    total = float(np.sum(spectrum.log_dynamical ** k))
    if normalization == "raw":
        return total
    if normalization == "per_neuron":
        return total / spectrum.n_neurons
    if normalization == "per_dynamical":
        return total / spectrum.dynamical.size
    raise ValueError(f"normalization must be 'raw', 'per_neuron' or 'per_dynamical', "
                     f"got {normalization!r}")


def check_beta(beta: float) -> float:
    """β as a float, or ValueError unless it is finite and > 0 (TypeError for non-numbers)."""
    return positive_number("beta", beta)


def eigenvalues_of(spectrum: GSpectrum | ArrayLike) -> Array:
    """The eigenvalues of a :class:`GSpectrum` or of an array, validated: non-empty, finite,
    >= 0 (G = A^T A)."""
    lam = spectrum.eigenvalues if isinstance(spectrum, GSpectrum) else spectrum
    try:
        lam = np.asarray(lam, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"spectrum must be a GSpectrum or an array of eigenvalues, got "
                        f"{type(spectrum).__name__}") from None
    if lam.size == 0:
        raise ValueError("the spectrum is empty")
    if not np.all(np.isfinite(lam)):
        raise ValueError("the spectrum contains non-finite eigenvalues")
    if np.any(lam < 0):
        raise ValueError("G = A^T A has no negative eigenvalues; the spectrum given has some")
    return lam


def count_large(spectrum: GSpectrum, beta: float, factor: float = 1.0) -> int:
    r""":math:`N_>` of (6.6): the number of eigenvalues with
    :math:`\lambda_i > \text{factor}/\beta`.

    The paper's "λ_i ≫ β⁻¹" has no threshold; ``factor`` makes the choice explicit.

    Examples
    --------
    >>> s = spectrum_from_eigenvalues([5.0, 2.0, 1.0, 0.1])
    >>> count_large(s, 1.0), count_large(s, 0.25), count_large(s, 0.25, factor=0.25)
    (2, 1, 2)
    """
    beta = check_beta(beta)
    if not np.isfinite(factor) or factor <= 0:
        raise ValueError(f"factor must be finite and > 0, got {factor}")
    return int(np.sum(spectrum.eigenvalues > factor / beta))


def beta_from_log_lambda(log_lambda: float) -> float:
    r"""Invert the paper's (9.4),
    :math:`\log\lambda = 3 \log\big(-\tfrac12 + \sqrt{\tfrac14 + 1/\beta}\big)`,
    for :math:`\beta`.

    With u = exp(log λ / 3): β = 1 / (u² + u).  (9.4) itself is not the extremum of (9.3)
    (see :func:`learning.architecture.two_level_extrema` and docs/errata.md); this inverse
    is what the paper used to turn the gap of Fig. 5 into β, and it is kept to compare.

    Examples
    --------
    The inverse of (9.4), checked against :func:`learning.architecture.paper_extremum_9_4`:

    >>> import numpy as np
    >>> from learning.architecture import paper_extremum_9_4
    >>> bool(np.isclose(paper_extremum_9_4(beta_from_log_lambda(-1.3)), -1.3))
    True
    """
    if not np.isfinite(log_lambda):
        raise ValueError(f"log_lambda must be finite, got {log_lambda}")
    u = np.exp(log_lambda / 3.0)
    return float(1.0 / (u * u + u))


@dataclass(frozen=True)
class GapResult:
    """The largest gap in the lower tail of the distribution of log λ (Section 10, Fig. 5).

    Attributes
    ----------
    position
        log λ at the middle of the gap.
    width
        Its width in log λ.
    lower, upper
        The log λ values bounding it.
    n_below
        Eigenvalues below the gap.
    beta_paper
        β from the paper's (9.4) at ``position`` (:func:`beta_from_log_lambda`).
    """

    position: float
    width: float
    lower: float
    upper: float
    n_below: int
    beta_paper: float


def log_gap(spectrum: GSpectrum, *, max_log: float = 0.0, min_below: int = 1) -> GapResult:
    """Locate the widest gap between consecutive sorted log λ below ``max_log`` (λ the
    eigenvalues (5.10) of G; the gap of Fig. 5 that Section 10 converts to β by (9.4)).

    The paper reads the gap off histograms by eye ("marked by red arrows on Fig. 5"); here
    it is the widest spacing between consecutive dynamical log-eigenvalues that lie below
    ``max_log`` with at least ``min_below`` eigenvalues under it.

    Raises
    ------
    ValueError
        If ``min_below`` is not an integer >= 1 (a gap between consecutive eigenvalues
        always has at least one below it), or fewer than ``min_below + 1`` dynamical
        eigenvalues lie below ``max_log``.

    Examples
    --------
    The widest spacing of log λ below 0 lies between -4.8 and -1:

    >>> import numpy as np
    >>> g = log_gap(spectrum_from_eigenvalues(np.exp([-5.0, -4.8, -1.0, -0.9, 0.5])))
    >>> round(g.lower, 12), round(g.upper, 12), g.n_below
    (-4.8, -1.0, 2)
    >>> bool(np.isclose(g.beta_paper, beta_from_log_lambda(g.position)))
    True
    """
    if not isinstance(min_below, int | np.integer) or min_below < 1:
        raise ValueError(f"min_below must be an integer >= 1, got {min_below!r}")
    logs = np.sort(spectrum.log_dynamical)
    logs = logs[logs < max_log]
    if logs.size < min_below + 1:
        raise ValueError(f"fewer than {min_below + 1} log-eigenvalues below {max_log}: no gap")
    spacing = np.diff(logs)
    spacing[: min_below - 1] = -np.inf  # at least min_below eigenvalues under the gap
    i = int(np.argmax(spacing))
    lower, upper = float(logs[i]), float(logs[i + 1])
    position = 0.5 * (lower + upper)
    return GapResult(position=position, width=upper - lower, lower=lower, upper=upper,
                     n_below=i + 1, beta_paper=beta_from_log_lambda(position))
