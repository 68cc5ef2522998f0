"""The canonical ensemble of states (Section 4, eq. (4.10)) and its exact partition function.

p(x) = exp(-βH(x)) / Z,  Z(β) = ∫ d^N x exp(-βH(x))      (4.10), (5.1), (5.7)

with H the bulk loss (3.1)/(3.4) of a septuple, every component of x free.  Two domains:

* ``window="box"``: the range of the activation, (5.7) — e.g. (-1, 1)^N for tanh;
* ``window="gaussian"``: all of R^N with the Gaussian window exp(-xᵀx/2) of (5.8).

Comparing the two separates the error of the window (5.8) from that of the linearisation
(5.2)-(5.5) behind the Gaussian formulas of :mod:`learning.thermodynamics`.

Exact values come from tensor Gauss-Legendre (box) or Gauss-Hermite (window) quadrature
for N <= 3, with the node count doubled until two estimates agree; beyond, Monte Carlo
with a standard error.  Everything is in log space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import logsumexp

from learning.activations import Activation
from learning.losses import LocalObjective, bulk_loss
from learning.septuple import Septuple
from learning.spectrum import check_beta
from ntcore import limits
from ntcore.checks import (
    check_memory,
    count,
    positive_number,
    real_number,
    seed_value,
)

__all__ = [
    "CanonicalEnsemble",
    "exact_canonical_ensemble",
    "MonteCarloPartition",
    "monte_carlo_partition_function",
    "MaximumEntropyCheck",
    "maximum_entropy_check",
    "canonical_samples",
    "EnsembleComparison",
    "compare_ensembles",
]

Array = NDArray[np.float64]
_MAX_QUADRATURE_DIM = 3
_WINDOW_HALF_WIDTH = 12.0


@dataclass(frozen=True)
class CanonicalEnsemble:
    """The canonical ensemble (4.10) on a quadrature grid, with its thermodynamics.

    Attributes
    ----------
    beta, m, window
        Parameters.
    log_partition_function
        log Z, (5.1)/(5.7) (box) or with the window of (5.8).
    error_estimate
        |log Z(n) - log Z(n/2)| from the last doubling of the node count.
    n_nodes
        Nodes per dimension of the final rule.
    mean_state
        <x> of (5.3).
    internal_energy
        U = <H> (4.4)/(6.1).
    entropy
        S = -<log p> = log Z + βU (4.5)/(7.1) (for the window: the entropy of the
        normalised density exp(-βH - xᵀx/2)/Z minus its window term, i.e. log Z + βU + <xᵀx>/2).
    nodes, log_weights, loss
        The grid (n_points, N), log quadrature weights (including the window) and H on it.
    converged
        Whether ``error_estimate`` met the requested rtol (False only with ``strict=False``:
        the result then carries the accuracy it reached, for the caller to state).
    """

    beta: float
    m: float
    window: str
    log_partition_function: float
    error_estimate: float
    n_nodes: int
    mean_state: Array
    internal_energy: float
    entropy: float
    nodes: Array
    log_weights: Array
    loss: Array
    converged: bool = True

    @property
    def log_probabilities(self) -> Array:
        """log of p(x_k) w_k on the grid (sums to one after exponentiation)."""
        return self.log_weights - self.beta * self.loss - self.log_partition_function


def _grid_bytes(n: int, dim: int) -> float:
    # nodes (N columns), their meshgrid copies, the states inside bulk_loss, log-weights, H
    # and p: ~3N + 4 floats a point (N = 3 fits up to 256 nodes per dimension, not 512).
    return (3 * dim + 4) * 8.0 * float(n) ** dim


def _check_septuple(septuple: object) -> None:
    if not isinstance(septuple, Septuple):
        raise TypeError(f"septuple must be a Septuple, got {type(septuple).__name__}")


def _box_activation(septuple: Septuple, what: str) -> Activation:
    """The one f whose range is the box of (5.7); a per-layer f is refused by name."""
    act = septuple.activation
    if not isinstance(act, Activation):
        raise ValueError(f"septuple has a different activation per layer ({act.name!r}); "
                         f"{what} integrates over one activation's range for every neuron "
                         "(the box of (5.7)) and does not take per-neuron ranges: use a "
                         "septuple with one activation" + (" or window='gaussian'"
                                                           if "window" in what else ""))
    return act


def _check_window(window: object) -> None:
    if window not in ("box", "gaussian"):
        raise ValueError(f"window must be 'box' or 'gaussian', got {window!r}")


def _grid(septuple: Septuple, n: int, window: str) -> tuple[Array, Array]:
    dim = septuple.n_neurons
    if window == "box":
        act = _box_activation(septuple, "window='box'")
        if not act.bounded:  # type: ignore[union-attr]
            raise ValueError(f"window='box' needs a bounded activation range; "
                             f"{act.name!r} is unbounded: use window='gaussian'")  # type: ignore
        lo, hi = act.lower, act.upper  # type: ignore[union-attr]
        t, w = np.polynomial.legendre.leggauss(n)
        x1 = 0.5 * (hi - lo) * t + 0.5 * (hi + lo)
        lw1 = np.log(w * 0.5 * (hi - lo))
    elif window == "gaussian":
        # The window e^{-x²/2} goes into the log-weights of a Gauss-Legendre rule on
        # [-12, 12]: the tails beyond carry < e^{-72} and Gauss-Hermite rules overflow
        # above ~150 nodes, which sharp integrands at large β need.
        t, w = np.polynomial.legendre.leggauss(n)
        x1 = _WINDOW_HALF_WIDTH * t
        lw1 = np.log(w * _WINDOW_HALF_WIDTH) - 0.5 * x1 * x1
    else:
        raise ValueError(f"window must be 'box' or 'gaussian', got {window!r}")
    mesh = np.meshgrid(*([x1] * dim), indexing="ij")
    nodes = np.stack([g.ravel() for g in mesh], axis=1)
    lmesh = np.meshgrid(*([lw1] * dim), indexing="ij")
    log_w = np.sum(np.stack([g.ravel() for g in lmesh], axis=1), axis=1)
    return nodes, log_w


def exact_canonical_ensemble(septuple: Septuple, beta: float, *, m: float = 0.0,
                             objective: LocalObjective | None = None, window: str = "box",
                             rtol: float = 1e-10, max_nodes: int | None = None,
                             strict: bool = True) -> CanonicalEnsemble:
    """Exact Z(β), <x>, U and S of the canonical ensemble (4.10) for N <= 3, by quadrature.

    Parameters
    ----------
    septuple
        The network; its bulk loss (3.1)/(3.4) with every neuron free is H.
    beta
        β > 0.
    m, objective
        The local objective (3.3); pass either ``m`` or a full ``objective``.
    window
        ``"box"`` (5.7) or ``"gaussian"`` (5.8).
    rtol
        Node counts double (from 16) until |Δ log Z| <= rtol (≈ relative error of Z).
    strict
        If False, a ``rtol`` not met by ``max_nodes`` returns the last rule's result with
        ``converged=False`` and its ``error_estimate`` instead of raising.
    max_nodes
        Upper limit per dimension; ValueError if ``rtol`` is not met by then (unless not
        ``strict``).  Default: the
        largest count whose grid fits in ``ntcore.limits.ALLOCATION_LIMIT_BYTES`` (512 for
        N <= 2, 256 for N = 3); a larger explicit value is refused at once.

    Examples
    --------
    >>> from learning import feedforward
    >>> ens = exact_canonical_ensemble(feedforward((1, 1), seed=0), beta=1.0)
    >>> ens.error_estimate < 1e-10
    True
    """
    _check_septuple(septuple)
    beta = check_beta(beta)
    _check_window(window)
    rtol = positive_number("rtol", rtol)
    if not isinstance(strict, bool):
        raise TypeError(f"strict must be True or False, got {type(strict).__name__}")
    if septuple.n_neurons > _MAX_QUADRATURE_DIM:
        raise ValueError(f"exact quadrature is for N <= {_MAX_QUADRATURE_DIM} (got N = "
                         f"{septuple.n_neurons}); use monte_carlo_partition_function")
    fitting = 16
    while (fitting < 512
           and _grid_bytes(2 * fitting, septuple.n_neurons) <= limits.ALLOCATION_LIMIT_BYTES):
        fitting *= 2
    if max_nodes is None:
        max_nodes = fitting
    max_nodes = count("max_nodes", max_nodes, minimum=32)
    # Refuse before the first grid, not after minutes of doublings.
    check_memory("max_nodes", _grid_bytes(max_nodes, septuple.n_neurons),
                 f"a quadrature grid of {max_nodes}^{septuple.n_neurons} nodes",
                 f"max_nodes <= {fitting} fits; loosen rtol (now {rtol:g}) or use "
                 "monte_carlo_partition_function")
    m = real_number("m", m)
    if objective is not None and not isinstance(objective, LocalObjective):
        raise TypeError(f"objective must be a LocalObjective, got {type(objective).__name__}")
    if objective is None:
        objective = LocalObjective(m=m) if m else None
    elif m:
        raise ValueError("pass either m or objective, not both")
    m_eff = 0.0 if objective is None else objective.m
    if window == "gaussian" and beta * m_eff >= 1.0:
        raise ValueError(f"with the window (5.8) the integral needs 1 - beta*m > 0 at large |x|; "
                         f"got beta*m = {beta * m_eff}")
    previous = None
    n = 16
    while True:
        nodes, log_w = _grid(septuple, n, window)
        loss = bulk_loss(septuple, nodes, objective=objective)
        log_z = float(logsumexp(log_w - beta * loss))
        if previous is not None and abs(log_z - previous) <= rtol:
            break
        if 2 * n > max_nodes:
            if strict:
                raise ValueError(f"quadrature did not reach rtol = {rtol} with {n} nodes per "
                                 f"dimension (last change {abs(log_z - (previous or np.nan)):.2e}"
                                 "); loosen rtol, or pass strict=False to get the result with "
                                 "the accuracy reached")
            break
        previous = log_z
        n *= 2
    logp = log_w - beta * loss - log_z
    p = np.exp(logp)
    mean = p @ nodes
    u = float(p @ loss)
    s = log_z + beta * u
    if window == "gaussian":
        s += float(p @ (0.5 * np.sum(nodes * nodes, axis=1)))
    return CanonicalEnsemble(beta=beta, m=m_eff, window=window, log_partition_function=log_z,
                             error_estimate=abs(log_z - previous), n_nodes=n, mean_state=mean,
                             internal_energy=u, entropy=float(s), nodes=nodes, log_weights=log_w,
                             loss=loss, converged=abs(log_z - previous) <= rtol)


@dataclass(frozen=True)
class MonteCarloPartition:
    """Monte Carlo estimate of log Z with its standard error (delta method).

    ``log_partition_function ± standard_error``; ``effective_sample_size`` = (Σw)²/Σw²;
    ``mean_state`` the self-normalised importance-sampling estimate of <x> (5.3).
    """

    log_partition_function: float
    standard_error: float
    n_samples: int
    effective_sample_size: float
    window: str
    mean_state: Array


def monte_carlo_partition_function(septuple: Septuple, beta: float, *, n_samples: int = 100_000,
                                   seed: int | None = 0, m: float = 0.0,
                                   window: str = "box") -> MonteCarloPartition:
    """log Z(β) of (5.1)/(5.7) (box, uniform proposal) or (5.8) (window, normal proposal).

    Any N; the error bar is the delta-method standard error of log of the sample mean.

    Examples
    --------
    Within 4 standard errors of the quadrature of :func:`exact_canonical_ensemble`:

    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 1), seed=0)
    >>> mc = monte_carlo_partition_function(net, 1.0, n_samples=20000, seed=0)
    >>> exact = exact_canonical_ensemble(net, 1.0).log_partition_function
    >>> bool(abs(mc.log_partition_function - exact) < 4 * mc.standard_error)
    True
    """
    _check_septuple(septuple)
    beta = check_beta(beta)
    _check_window(window)
    n_samples = count("n_samples", n_samples, minimum=2)
    m = real_number("m", m)
    dim = septuple.n_neurons
    # The samples and their log-weights are kept (N + 1 floats each) for <x>.
    check_memory("n_samples", 8.0 * (dim + 1) * n_samples,
                 f"{n_samples} Monte Carlo samples of N = {dim}",
                 "use fewer samples (the standard error falls only as n^-1/2: 1e6 gives ~1e-3 "
                 "relative for a well-mixed integrand), or exact_canonical_ensemble for N <= 3")
    rng = np.random.default_rng(seed_value("seed", seed))
    objective = LocalObjective(m=m) if m else None
    if window == "box":
        act = _box_activation(septuple, "window='box'")
        if not act.bounded:  # type: ignore[union-attr]
            raise ValueError("window='box' needs a bounded activation range")
        lo, hi = act.lower, act.upper  # type: ignore[union-attr]
        log_volume = dim * np.log(hi - lo)
        draw = lambda k: rng.uniform(lo, hi, (k, dim))  # noqa: E731
    elif window == "gaussian":
        log_volume = 0.5 * dim * np.log(2 * np.pi)  # ∫ e^{-x²/2} = (2π)^{N/2}
        draw = lambda k: rng.standard_normal((k, dim))  # noqa: E731
    else:
        raise ValueError(f"window must be 'box' or 'gaussian', got {window!r}")
    log_w = np.empty(n_samples)
    samples = np.empty((n_samples, dim))
    chunk = 50_000
    for start in range(0, n_samples, chunk):
        k = min(chunk, n_samples - start)
        samples[start:start + k] = draw(k)
        log_w[start:start + k] = -beta * bulk_loss(septuple, samples[start:start + k],
                                                   objective=objective)
    log_mean = float(logsumexp(log_w) - np.log(n_samples))
    w = np.exp(log_w - log_w.max())
    rel_sd = float(np.std(w, ddof=1) / np.mean(w))
    ess = float(w.sum() ** 2 / np.sum(w * w))
    return MonteCarloPartition(log_partition_function=log_volume + log_mean,
                               standard_error=rel_sd / np.sqrt(n_samples), n_samples=n_samples,
                               effective_sample_size=ess, window=window,
                               mean_state=(w @ samples) / w.sum())


@dataclass(frozen=True)
class MaximumEntropyCheck:
    """Entropies of distributions with the same <H> as the canonical one, (4.4)-(4.9).

    ``canonical_entropy`` >= every entry of ``alternative_entropies`` if (4.10) is the
    maximum-entropy distribution; ``energy_mismatch`` is max |<H>_alt - U|.
    """

    canonical_entropy: float
    alternative_entropies: Array
    energy_mismatch: float
    holds: bool


def maximum_entropy_check(septuple: Septuple, beta: float, *, n_alternatives: int = 8,
                          seed: int | None = 0, strength: float = 1.0) -> MaximumEntropyCheck:
    """Show numerically that :math:`p ∝ e^{-βH}` has the largest entropy at fixed <H>, (4.4)-(4.10).

    Alternatives p_η ∝ exp(-β' H - η φ) with random smooth φ (a random quadratic form plus
    a random linear term) and η of size ``strength``; β' is solved so that <H> equals the
    canonical U.  Entropies are of the discrete distributions on the same quadrature grid
    (Gibbs' inequality makes the comparison exact for them).

    Examples
    --------
    >>> from learning.feedforward import feedforward
    >>> check = maximum_entropy_check(feedforward((2, 1), seed=0), 1.0, n_alternatives=4)
    >>> check.holds, bool(max(check.alternative_entropies) < check.canonical_entropy)
    (True, True)
    >>> bool(check.energy_mismatch < 1e-10)  # every alternative has the canonical <H>
    True
    """
    n_alternatives = count("n_alternatives", n_alternatives, minimum=1)
    strength = positive_number("strength", strength)
    ens = exact_canonical_ensemble(septuple, beta)
    rng = np.random.default_rng(seed_value("seed", seed))
    nodes, log_w, loss = ens.nodes, ens.log_weights, ens.loss
    target = ens.internal_energy

    def dist(beta_alt: float, phi: Array) -> Array:
        lp = log_w - beta_alt * loss - phi
        return np.exp(lp - logsumexp(lp))

    def grid_entropy(p: Array) -> float:
        q = p[p > 0]
        return float(-np.sum(q * np.log(q / np.exp(log_w[p > 0]))))

    s_can = grid_entropy(dist(beta, np.zeros_like(loss)))
    entropies, mismatch = [], 0.0
    for _ in range(n_alternatives):
        a = rng.normal(size=(septuple.n_neurons,) * 2)
        phi = strength * (np.einsum("ki,ij,kj->k", nodes, a + a.T, nodes) / 2
                          + nodes @ rng.normal(size=septuple.n_neurons))

        def energy_gap(b_alt: float, phi: Array = phi) -> float:
            return float(dist(b_alt, phi) @ loss - target)

        lo, hi = -50.0 * beta - 50.0, 50.0 * beta + 50.0
        if energy_gap(lo) * energy_gap(hi) > 0:
            continue  # this φ cannot reach the canonical <H>: skip it
        b_alt = brentq(energy_gap, lo, hi, xtol=1e-14)
        p = dist(b_alt, phi)
        mismatch = max(mismatch, abs(float(p @ loss) - target))
        entropies.append(grid_entropy(p))
    arr = np.asarray(entropies)
    return MaximumEntropyCheck(canonical_entropy=s_can, alternative_entropies=arr,
                               energy_mismatch=mismatch,
                               holds=bool(arr.size and np.all(arr <= s_can + 1e-12)))


def canonical_samples(septuple: Septuple, beta: float, *, n_chains: int = 64,
                      n_steps: int = 4000, burn_in: int = 1000, seed: int | None = 0) -> Array:
    """Samples of the canonical ensemble (4.10) on the activation's box, by Metropolis.

    Vectorised over ``n_chains`` independent chains with Gaussian proposals (moves leaving
    the box are rejected); the step size is tuned during burn-in towards 30% acceptance.
    Returns an array ``(n_chains * ceil((n_steps - burn_in) / 10), N)``: every 10th state
    from ``burn_in`` on.

    Examples
    --------
    The sample mean agrees with the quadrature's <x> (5.3) to a few standard errors:

    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 1), seed=0)
    >>> x = canonical_samples(net, 1.0, n_chains=16, n_steps=1000, burn_in=200)
    >>> exact = exact_canonical_ensemble(net, 1.0).mean_state
    >>> x.shape, bool(np.all(np.abs(x.mean(axis=0) - exact) < 0.06))
    ((1280, 3), True)
    """
    _check_septuple(septuple)
    beta = check_beta(beta)
    n_chains = count("n_chains", n_chains, minimum=1)
    n_steps = count("n_steps", n_steps, minimum=1)
    burn_in = count("burn_in", burn_in)
    if not burn_in < n_steps:
        raise ValueError(f"burn_in must be < n_steps, got burn_in = {burn_in}, "
                         f"n_steps = {n_steps}")
    n_kept = n_chains * len(range(burn_in, n_steps, 10))
    check_memory("n_chains", 8.0 * n_kept * septuple.n_neurons,
                 f"{n_kept} kept samples of N = {septuple.n_neurons} (n_chains * (n_steps - "
                 "burn_in) / 10)", "use fewer chains or steps")
    act = _box_activation(septuple, "canonical_samples")
    if not act.bounded:  # type: ignore[union-attr]
        raise ValueError("canonical_samples needs a bounded activation range")
    lo, hi = act.lower, act.upper  # type: ignore[union-attr]
    rng = np.random.default_rng(seed_value("seed", seed))
    dim = septuple.n_neurons
    x = rng.uniform(lo, hi, (n_chains, dim)) * 0.5
    energy = bulk_loss(septuple, x)
    step = 0.3 / np.sqrt(dim)
    kept = []
    for t in range(n_steps):
        proposal = x + step * rng.standard_normal(x.shape)
        inside = np.all((proposal > lo) & (proposal < hi), axis=1)
        new_energy = np.where(inside, bulk_loss(septuple, np.clip(proposal, lo * 0.999999,
                                                                  hi * 0.999999)), np.inf)
        accept = np.log(rng.uniform(size=n_chains)) < -beta * (new_energy - energy)
        x[accept] = proposal[accept]
        energy[accept] = new_energy[accept]
        if t < burn_in:
            step *= np.exp(0.05 * (np.mean(accept) - 0.3))
        elif (t - burn_in) % 10 == 0:
            kept.append(x.copy())
    return np.concatenate(kept)


@dataclass(frozen=True)
class EnsembleComparison:
    """Canonical (4.10) vs micro-canonical averages at E = U, for one network size.

    The micro-canonical ensemble at energy E is uniform on the shell H = E; canonical
    samples restricted to |H - U| < ``shell`` are exactly such samples (:math:`p ∝ e^{-βH}` is
    constant on a shell), so the two averages of an observable come from one sample.

    Attributes
    ----------
    n_neurons
        N, the number of neurons.
    internal_energy
        U = <H> (canonical).
    relative_energy_width
        σ_H / U: the canonical ensemble concentrates on the shell H = U as this → 0.
    canonical_observable, microcanonical_observable
        <|x|²/N> in each ensemble.
    difference, standard_error
        Their difference and its standard error (shell average's).
    shell_fraction
        Fraction of canonical samples in the shell.
    """

    n_neurons: int
    internal_energy: float
    relative_energy_width: float
    canonical_observable: float
    microcanonical_observable: float
    difference: float
    standard_error: float
    shell_fraction: float


def compare_ensembles(septuple: Septuple, beta: float, *, shell: float = 0.05,
                      seed: int | None = 0, **sampler) -> EnsembleComparison:
    """Measure the canonical / micro-canonical difference (Section 4) for one network: the
    canonical ensemble (4.10) against the micro-canonical shell H ≈ U, U = ⟨H⟩ of (4.4).

    ``shell`` is the half-width of the energy shell relative to U.  Extra keyword
    arguments go to :func:`canonical_samples`.

    Examples
    --------
    For N = 3 the canonical U and :math:`⟨|x|^2⟩/N` agree with the exact quadrature of
    (4.10) to a few per cent (sampling error):

    >>> import numpy as np
    >>> from learning.feedforward import feedforward
    >>> net = feedforward((2, 1), seed=0)
    >>> cmp = compare_ensembles(net, 1.0, shell=0.2, n_chains=16, n_steps=1000, burn_in=200)
    >>> exact = exact_canonical_ensemble(net, 1.0)
    >>> log_p = exact.log_weights - exact.loss  # β = 1
    >>> p = np.exp(log_p - log_p.max()) / np.exp(log_p - log_p.max()).sum()
    >>> observable = p @ np.sum(exact.nodes ** 2, axis=1) / 3
    >>> bool(abs(cmp.internal_energy / exact.internal_energy - 1) < 0.05)
    True
    >>> bool(abs(cmp.canonical_observable / observable - 1) < 0.05)
    True
    """
    shell = positive_number("shell", shell)
    if shell >= 1:
        raise ValueError(f"shell is the half-width of |H - U| < shell*U relative to U and must "
                         f"be < 1, got {shell}")
    xs = canonical_samples(septuple, beta, seed=seed, **sampler)
    h = bulk_loss(septuple, xs)
    u = float(h.mean())
    obs = np.sum(xs * xs, axis=1) / septuple.n_neurons
    in_shell = np.abs(h - u) < shell * u
    if in_shell.sum() < 10:
        raise ValueError(f"only {int(in_shell.sum())} samples in the shell; widen it or sample "
                         "more")
    micro = float(obs[in_shell].mean())
    return EnsembleComparison(
        n_neurons=septuple.n_neurons, internal_energy=u, relative_energy_width=float(h.std() / u),
        canonical_observable=float(obs.mean()), microcanonical_observable=micro,
        difference=float(obs.mean() - micro),
        standard_error=float(obs[in_shell].std() / np.sqrt(in_shell.sum())),
        shell_fraction=float(in_shell.mean()))
