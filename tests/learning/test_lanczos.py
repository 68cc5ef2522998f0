"""Tests of the Lanczos driver of SLQ (learning/lanczos.py): the batched Golub-Kahan runs
against dense linear algebra, float32 products against float64 within the stated bound,
the 'auto' precision, and error bars that include the quadrature truncation (issue 29)."""

import numpy as np
import pytest

import learning.spectral_estimates as se
from learning import feedforward
from learning.lanczos import ROUNDOFF_FRACTION, TRUNCATION_FRACTION, GolubKahan, gauss_nodes


class Dense:
    """A as a dense matrix, with the operator protocol of the driver."""

    def __init__(self, a):
        self.a, self.count = a, 0

    def apply(self, x):
        self.count += x.shape[0]
        return x @ self.a.T

    def apply_t(self, y):
        self.count += y.shape[0]
        return y @ self.a


def _random_a(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return np.eye(n) - np.tril(rng.normal(0, 0.4, (n, n)), -1)


def test_batched_runs_are_orthonormal_and_reproduce_b_from_the_dense_a():
    """A Q = P B with B bidiagonal from α, β, Q orthonormal, for every probe of the batch."""
    a = _random_a()
    probes = np.random.default_rng(1).choice([-1.0, 1.0], (5, 40)) / np.sqrt(40)
    gk = GolubKahan(Dense(a), probes, 25)
    gk.extend(10)
    gk.extend(25)  # extending continues the same runs
    for c in range(5):
        q = gk.basis[c]
        assert np.allclose(q @ q.T, np.eye(25), atol=1e-12)
        b = np.diag(gk.alpha[c]) + np.diag(gk.beta[c, :-1], 1)
        # Q^T G Q = B^T B (the Lanczos matrix of G from q_1).
        assert np.allclose(q @ (a.T @ a) @ q.T, b.T @ b, atol=1e-10)


def test_full_runs_give_each_probes_exact_quadratic_form():
    """With m = N steps the Gauss rule is exact: Σ τ_j^2 g(θ_j) = v^T g(G) v for g = log^k."""
    a = _random_a(30, 2)
    lam, vec = np.linalg.eigh(a.T @ a)
    probes = np.random.default_rng(3).choice([-1.0, 1.0], (4, 30)) / np.sqrt(30)
    gk = GolubKahan(Dense(a), probes, 30)
    gk.extend(30)
    for c in range(4):
        t, tau2 = gauss_nodes(gk.alpha[c], gk.beta[c], int(gk.lengths[c]))
        coef = (vec.T @ probes[c]) ** 2
        for k in (1, 2, 3):
            assert np.sum(tau2 * t**k) == pytest.approx(np.sum(coef * np.log(lam) ** k),
                                                        rel=1e-9, abs=1e-11)


def _net(kind):
    if kind == "tanh":
        net = feedforward((60, 50, 40, 10), "tanh", seed=0, weight_scale=1.5)
        return net, np.random.default_rng(0).uniform(-0.5, 0.5, net.n_neurons)
    # deep linear, weights 10x LeCun: κ(A) ~ 1e4, the bound on float32 round-off is large
    net = feedforward((20,) * 6, "linear", seed=0, weight_scale=10.0)
    return net, np.zeros(net.n_neurons)


@pytest.mark.parametrize("kind", ["tanh", "ill-conditioned"])
def test_float32_products_agree_with_float64_within_the_stated_bound(kind):
    net, x = _net(kind)
    kw = {"method": "slq", "seed": 1, "n_probes": 40, "lanczos_steps": 40}
    r64 = se.spectral_moments(net, x, (1, 2, 3), dtype="float64", **kw)
    r32 = se.spectral_moments(net, x, (1, 2, 3), dtype="float32", **kw)
    assert r32.dtype == "float32" and r64.dtype == "float64" and r64.roundoff.size == 0
    diff = np.abs(r32.values - r64.values)
    assert np.all(diff <= r32.roundoff), (diff, r32.roundoff)
    assert np.all(diff > 0)  # the products really were float32


def test_auto_keeps_float32_only_below_the_stated_fraction_of_the_stderr(monkeypatch):
    monkeypatch.setattr(se, "FLOAT32_MIN_WEIGHTS", 0)  # these nets are small
    kw = {"method": "slq", "seed": 1, "n_probes": 40, "lanczos_steps": 40}
    net, x = _net("tanh")
    auto = se.spectral_moments(net, x, (1, 2, 3), dtype="auto", **kw)
    assert auto.dtype == "float32"
    assert np.all(auto.roundoff <= ROUNDOFF_FRACTION * auto.stderr)
    net, x = _net("ill-conditioned")
    # Full-length runs resolve the smallest singular values, where float32 is least exact.
    kw |= {"n_probes": 60, "lanczos_steps": net.n_neurons}
    auto = se.spectral_moments(net, x, (1, 2, 3), dtype="auto", **kw)
    r64 = se.spectral_moments(net, x, (1, 2, 3), dtype="float64", **kw)
    assert auto.dtype == "float64"
    assert np.any(auto.roundoff > ROUNDOFF_FRACTION * auto.stderr)
    assert np.array_equal(auto.values, r64.values)


def test_auto_is_float64_below_the_size_threshold_and_for_general_septuples():
    net, x = _net("tanh")
    assert se.spectral_moments(net, x, (2,), method="slq", seed=0).dtype == "float64"
    with pytest.raises(ValueError, match="dtype must be"):
        se.spectral_moments(net, x, (2,), method="slq", dtype="float16")


def _truncation_case():
    # 5 Golub-Kahan steps on a 130-neuron tanh net: the quadrature truncation is 24 times
    # the sampling error of μ_1 with 200 probes (measured), so it matters.
    net = feedforward((40, 30, 30, 20), "tanh", seed=0, weight_scale=2.5)
    return net, np.random.default_rng(0).uniform(-0.5, 0.5, net.n_neurons)


def test_the_log_det_check_includes_the_truncation():
    net, x = _truncation_case()
    exact = se.spectral_moments(net, x, (1, 2), method="dense")
    short = se.spectral_moments(net, x, (1, 2), method="slq", seed=1, n_probes=200,
                                lanczos_steps=5)
    assert abs(exact.log_det) < 1e-9
    # Against the sampling error alone μ_1 = 0 (7.8) would be rejected ...
    assert abs(short.log_det) > 5 * short.log_det_stderr
    # ... the reported error includes the truncation, and the check holds.
    assert short.log_det_check < 3
    assert np.all(np.abs(short.values - exact.values) < 3 * short.uncertainty)


def test_runs_extend_until_the_truncation_is_below_the_stderr():
    net, x = _truncation_case()
    exact = se.spectral_moments(net, x, (1, 2), method="dense")
    run = se.spectral_moments(net, x, (1, 2), method="slq", seed=1, n_probes=200,
                              lanczos_steps=5, max_lanczos_steps=100)
    assert 5 < run.lanczos_steps < 100
    assert np.all(run.quadrature_change <= TRUNCATION_FRACTION * run.stderr)
    assert np.all(np.abs(run.values - exact.values) < 3 * run.stderr)
    assert run.log_det_check < 3
