"""The MKL products of dense weight blocks (learning.blas, issue 29) against NumPy's BLAS."""

from __future__ import annotations

import numpy as np
import pytest

from learning import blas, feedforward
from learning.jacobian import jacobian_operator
from learning.spectral_estimates import spectral_moments

needs_mkl = pytest.mark.skipif(not blas.mkl_available(),
                               reason="the optional extra 'mkl' is not installed")
# The 520 x 520 block is above blas.MKL_MIN_ENTRIES (2^18), the others below.
SIZES = (64, 520, 520, 10)


def _net_and_state():
    net = feedforward(SIZES, seed=3)
    x = np.random.default_rng(4).normal(size=net.n_neurons) * 0.5
    return net, x


@needs_mkl
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-13), (np.float32, 1e-5)])
def test_mkl_products_equal_the_dense_operator(dtype, rtol):
    net, x = _net_and_state()
    with blas.products_backend("mkl"):
        op = jacobian_operator(net, x, dtype=dtype)
    assert op.backend == "mkl"
    with blas.products_backend("numpy"):
        a = np.eye(net.n_neurons) - jacobian_operator(net, x).dense()
    rng = np.random.default_rng(5)
    v, s = rng.normal(size=(2, 7, net.n_neurons))
    p, q = op.a_and_at(v, s)
    scale = np.abs(a).sum()
    # Each entry is a sum of ≲ 520 products: round-off ≲ 520 eps |A| |v| per entry.
    assert np.abs(p - (v @ a.T - s)).max() <= rtol * scale
    assert np.abs(q - p @ a).max() <= rtol * scale * np.abs(p).max()
    y = op.a_solve(v)
    assert np.abs(y @ a.T - v).max() <= 50 * rtol * scale
    z = op.a_solve_t(v)
    assert np.abs(z @ a - v).max() <= 50 * rtol * scale


@needs_mkl
def test_mkl_copies_are_counted():
    net, x = _net_and_state()
    with blas.products_backend("mkl"):
        op = jacobian_operator(net, x)
    with blas.products_backend("numpy"):
        plain = jacobian_operator(net, x)
    assert plain.copy_bytes == 0 and plain.backend == "numpy"
    assert op.copy_bytes == 520 * 520 * 8  # the big block, transposed, float64
    assert op.nbytes == plain.nbytes + op.copy_bytes


@needs_mkl
def test_slq_is_the_same_on_both_backends():
    net, x = _net_and_state()
    kwargs = dict(method="slq", seed=2, n_probes=6, lanczos_steps=30, dtype="float64")
    with blas.products_backend("mkl"):
        fast = spectral_moments(net, x, (1, 2, 3), **kwargs)
    with blas.products_backend("numpy"):
        plain = spectral_moments(net, x, (1, 2, 3), **kwargs)
    assert (fast.backend, plain.backend) == ("mkl", "numpy")
    # Same probes; only the order of the sums in the products differs.
    np.testing.assert_allclose(fast.values, plain.values, rtol=1e-9)


def test_mkl_backend_refused_without_mkl(monkeypatch):
    monkeypatch.setattr(blas, "_mkl_gemm", lambda: None)
    with pytest.raises(ValueError, match="mkl"), blas.products_backend("mkl"):
        pass
    with blas.products_backend("auto") as used:
        assert used == "numpy"


@needs_mkl
def test_auto_takes_mkl_on_one_blas_thread_only():
    from threadpoolctl import threadpool_limits

    net, x = _net_and_state()
    with threadpool_limits(1), blas.products_backend("auto") as one:
        assert jacobian_operator(net, x).backend == "mkl"
    with threadpool_limits(2), blas.products_backend("auto") as two:
        assert jacobian_operator(net, x).backend == "numpy"
    assert (one, two) == ("mkl", "numpy")
