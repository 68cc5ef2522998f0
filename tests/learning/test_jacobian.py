"""The one Jacobian operator J = f'w (5.4) on today's septuples: dense, layered, sparse blocks."""

import numpy as np
import pytest
import scipy.sparse as sp

from learning import feedforward
from learning.jacobian import jacobian_operator, linear_operator
from learning.layered_weights import LayeredWeights
from learning.septuple import Septuple


def _nets():
    rng = np.random.default_rng(0)
    layered = feedforward((6, 5, 4, 3), seed=1, weight_scale=2.0)
    blocks = [sp.random(5, 6, density=0.4, random_state=2, format="csr"),
              rng.normal(size=(3, 5))]
    sparse = Septuple(LayeredWeights(blocks), rng.normal(size=14) * 0.1, "sigmoid",
                      np.arange(6), np.arange(11, 14))
    w = np.tril(rng.normal(size=(9, 9)), -1)
    general = Septuple(w, rng.normal(size=9), "tanh", [0], [8])
    return layered, sparse, general


@pytest.mark.parametrize("which", [0, 1, 2])
def test_dense_matrix_is_f_prime_times_w_and_the_adjoint_its_transpose(which: int) -> None:
    net = _nets()[which]
    x = np.random.default_rng(3).normal(size=net.n_neurons) * 0.5
    d = net.activation.derivative(net.weights @ x + net.bias)
    op = jacobian_operator(net, x)
    np.testing.assert_allclose(op.dense(), d[:, None] * net.weights, atol=1e-15)
    np.testing.assert_allclose(op.rmatmat(np.eye(net.n_neurons)), (d[:, None] * net.weights),
                               atol=1e-15)  # row i of J^T e_i stacked = J
    a = np.eye(net.n_neurons) - d[:, None] * net.weights
    np.testing.assert_allclose(linear_operator(op, "g") @ np.eye(net.n_neurons), a.T @ a,
                               atol=1e-13)


@pytest.mark.parametrize("which", [0, 1])
def test_substitution_inverts_a_on_layered_septuples(which: int) -> None:
    net = _nets()[which]
    x = np.random.default_rng(4).normal(size=net.n_neurons)
    op = jacobian_operator(net, x)
    a = np.eye(net.n_neurons) - op.dense()
    v = np.random.default_rng(5).normal(size=(4, net.n_neurons))
    np.testing.assert_allclose(op.a_solve(v) @ a.T, v, atol=1e-12)
    np.testing.assert_allclose(op.a_solve_t(v) @ a, v, atol=1e-12)
    np.testing.assert_allclose(op.a_solve(v[0]), op.a_solve(v)[0], atol=1e-15)


def test_a_general_dense_septuple_has_products_but_no_substitution() -> None:
    net = _nets()[2]
    op = jacobian_operator(net, np.zeros(9))
    assert not op.feedforward
    with pytest.raises(ValueError, match="substitution needs a layered"):
        op.a_solve(np.ones(9))
    with pytest.raises(ValueError, match="substitution needs a layered"):
        linear_operator(op, "g_inverse")


def test_float32_products_counts_and_memory() -> None:
    net = feedforward((50, 40, 30), seed=2)
    x = np.full(net.n_neurons, 0.1)
    op, op32 = jacobian_operator(net, x), jacobian_operator(net, x, dtype=np.float32)
    v = np.random.default_rng(6).normal(size=(8, net.n_neurons))
    g, g32 = op.g_matmat(v), op32.g_matmat(v)
    assert g32.dtype == np.float32 and op32.nbytes < op.nbytes
    np.testing.assert_allclose(g32, g, atol=1e-5 * np.abs(g).max())
    assert op.count == 16 and op32.count == 16
    op.a_solve(v[:3])
    assert op.count == 19
    assert op.memory_estimate(8) == 3 * 8 * net.n_neurons * 8
    with pytest.raises(ValueError, match="vectors must have shape"):
        op.matmat(np.ones((2, 3)))
    with pytest.raises(TypeError, match="Septuple or a GraphSeptuple"):
        jacobian_operator(np.eye(3), np.zeros(3))  # type: ignore[arg-type]


@pytest.mark.parametrize("which", [0, 1, 2])
@pytest.mark.parametrize("panel_entries", [1, 2**21])
def test_a_and_at_is_a_v_minus_s_then_a_transpose_against_dense(which, panel_entries,
                                                                monkeypatch) -> None:
    # The one-pass product of a Golub-Kahan step (issue 29) against dense A = I - f'w: with
    # panels of one row and of whole blocks, float64 to round-off and float32 to
    # its precision; the vectors stay float64 in both.
    import learning.jacobian as jac

    monkeypatch.setattr(jac, "PANEL_ENTRIES", panel_entries)
    net = _nets()[which]
    n = net.n_neurons
    x = np.random.default_rng(3).normal(size=n) * 0.5
    d = net.activation.derivative(net.weights @ x + net.bias)
    a = np.eye(n) - d[:, None] * net.weights
    v, s = np.random.default_rng(4).normal(size=(2, 3, n))
    for dtype, tol in ((np.float64, 1e-13), (np.float32, 1e-5)):
        op = jacobian_operator(net, x, dtype=dtype)
        p, q = op.a_and_at(v, s)
        assert p.dtype == q.dtype == np.float64 and op.count == 6
        np.testing.assert_allclose(p, v @ a.T - s, atol=tol)
        np.testing.assert_allclose(q, p @ a, atol=tol * 10)
        np.testing.assert_allclose(op.a_and_at(v)[0], v @ a.T, atol=tol)
    with pytest.raises(ValueError, match="sub must have the shape"):
        op.a_and_at(v, s[:2])
