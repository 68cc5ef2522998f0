"""Tests of the constrained bulk minimum (3.2) with the losses (3.1), (3.3)-(3.4)."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from learning import (
    LocalObjective,
    Septuple,
    boundary_loss,
    boundary_state,
    bulk_loss,
    bulk_loss_gradient,
    feedforward,
    fixed_point,
)
from learning.bulk_minimum import bulk_minimum_start, constrained_bulk_minimum

sizes_st = st.lists(st.integers(1, 5), min_size=3, max_size=4).map(tuple)


def _problem(sizes, seed, n=5, scale=1.0):
    net = feedforward(sizes, seed=seed, weight_scale=scale, bias_scale=0.3)
    rng = np.random.default_rng(seed)
    xb = boundary_state(net, rng.uniform(-1, 1, (n, sizes[0])),
                        rng.choice([-0.9, 0.9], (n, sizes[-1])))
    return net, xb


@settings(max_examples=40)
@given(sizes=sizes_st, seed=st.integers(0, 2**16), scale=st.floats(0.3, 2.0))
def test_minimum_is_nonnegative_below_the_start_and_stationary(sizes, seed, scale):
    net, xb = _problem(sizes, seed, scale=scale)
    res = constrained_bulk_minimum(net, xb)
    start = bulk_minimum_start(net, xb)
    assert np.all(res.loss >= 0)  # m = 0: H is a sum of squares
    # Never above H at the forward state with outputs clamped (the start); round-off of
    # H itself is ~1e-16, so 1e-14 cannot hide a real increase.
    assert np.all(res.loss <= bulk_loss(net, start, xb) + 1e-14)
    np.testing.assert_array_equal(res.state[:, net.boundary_indices], xb[:, net.boundary_indices])
    # Interior minima: the gradient over hidden neurons vanishes to gtol (1e-10).
    interior = np.all(np.abs(res.state[:, net.hidden_indices]) < 1 - 1e-6, axis=1)
    grad = bulk_loss_gradient(net, res.state, xb)[:, net.hidden_indices]
    assert np.all(np.max(np.abs(grad[interior & res.converged]), axis=1) <= 1e-10)


def test_start_state_loss_equals_boundary_loss_2_11():
    net, xb = _problem((6, 4, 3, 2), 1, n=20)
    res = constrained_bulk_minimum(net, xb)
    x_bar = fixed_point(net, xb).state
    np.testing.assert_allclose(res.start_loss, boundary_loss(net, x_bar, xb), rtol=1e-13)
    assert res.all_converged and np.all(res.loss < res.start_loss)


def _scipy_minimum(net, xb_row, objective=None, x0=None):
    h = net.hidden_indices

    def fun(z):
        x = xb_row.copy() if x0 is None else x0.copy()
        x[net.boundary_indices] = xb_row[net.boundary_indices]
        x[h] = z
        return (float(bulk_loss(net, x, xb_row, objective)),
                bulk_loss_gradient(net, x, xb_row, objective)[h])

    z0 = bulk_minimum_start(net, xb_row)[0, h]
    # The library closes tanh's open range (-1, 1) margin * width = 1e-9 * 2 inside it.
    bounds = [(-1 + 2e-9, 1 - 2e-9)] * h.size
    out = scipy.optimize.minimize(fun, z0, jac=True, method="L-BFGS-B", bounds=bounds,
                                  options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 2000})
    return out.fun


@pytest.mark.parametrize("objective", [None, LocalObjective(m=0.3)])
def test_agrees_with_scipy_per_sample(objective):
    net, xb = _problem((8, 5, 4, 3), 7, n=6)
    res = constrained_bulk_minimum(net, xb, objective=objective)
    assert res.all_converged
    for i in range(xb.shape[0]):
        ref = _scipy_minimum(net, xb[i], objective)
        # Both solvers stop at gradient ≲ 1e-10; H then agrees to O(g^2/curvature) ≪ 1e-10.
        assert res.loss[i] == pytest.approx(ref, rel=1e-8, abs=1e-12)


def test_newton_and_gauss_newton_find_the_same_minimum():
    net, xb = _problem((8, 5, 4, 3), 3, n=10)
    newton = constrained_bulk_minimum(net, xb, method="newton")
    gauss = constrained_bulk_minimum(net, xb, method="gauss-newton", max_iter=500)
    assert newton.all_converged and gauss.all_converged
    assert newton.iterations.max() <= gauss.iterations.max()
    np.testing.assert_allclose(newton.loss, gauss.loss, rtol=1e-9, atol=1e-14)


def test_unsupervised_feedforward_minimum_is_zero_at_the_forward_pass():
    net = feedforward((5, 4, 3), seed=0)
    s = Septuple(net.weights, net.bias, net.activation, net.input_indices, None,
                 layer_sizes=net.layer_sizes)
    xb = boundary_state(s, np.random.default_rng(0).uniform(-1, 1, (4, 5)))
    res = constrained_bulk_minimum(s, xb)
    np.testing.assert_array_equal(res.loss, 0.0)
    np.testing.assert_allclose(res.state, fixed_point(s, xb).state, atol=0)


def test_autoencoder_case():
    net = feedforward((4, 2, 4), seed=2, weight_scale=1.5)
    inputs = np.random.default_rng(1).uniform(-0.8, 0.8, (8, 4))
    xb = boundary_state(net, inputs, outputs=inputs)  # output data = input data
    res = constrained_bulk_minimum(net, xb)
    assert res.all_converged and np.all(res.loss > 0) and np.all(res.loss <= res.start_loss)


def test_tachyonic_potential_pushes_hidden_neurons_to_the_box():
    # (3.3): -m x²/2 rewards |x| near the ends of the range; for large m the minimum sits on
    # the (closed, margin-shrunk) box, and the run-away the paper rules out does not happen.
    net, xb = _problem((6, 5, 2), 4, n=4)
    res = constrained_bulk_minimum(net, xb, objective=LocalObjective(m=5.0))
    assert res.all_converged
    hidden = res.state[:, net.hidden_indices]
    assert np.all(np.abs(hidden) <= 1 - 1e-9 + 1e-15)
    assert np.mean(np.abs(hidden) > 1 - 1e-6) > 0.5


def test_couplings_enter_the_minimum():
    net, xb = _problem((5, 4, 2), 5, n=3)
    n = net.n_neurons
    g = 0.2 * np.random.default_rng(0).normal(size=(n, n))
    res = constrained_bulk_minimum(net, xb, objective=LocalObjective(couplings=g))
    assert res.all_converged
    for i in range(3):
        ref = _scipy_minimum(net, xb[i], LocalObjective(couplings=g))
        assert res.loss[i] == pytest.approx(ref, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("solver", ["dense", "matrix_free"])
@pytest.mark.parametrize("output", [6, 4])
def test_general_non_layered_septuple(solver, output):
    # Output 6: the hidden neurons 2-5 are one run of the rows R = 2..6 (sliced); output 4
    # sits among them, so they are not (gathered by index).
    rng = np.random.default_rng(3)
    n = 7
    w = 0.5 * rng.normal(size=(n, n))
    w[[0, 1]] = 0.0  # inputs 0, 1 have no incoming connections
    s = Septuple(w, 0.1 * rng.normal(size=n), "tanh", [0, 1], [output])
    xb = boundary_state(s, rng.uniform(-1, 1, (3, 2)), np.full((3, 1), 0.5))
    res = constrained_bulk_minimum(s, xb, max_iter=300, solver=solver)
    assert res.all_converged and res.solver == solver
    for i in range(3):
        assert res.loss[i] == pytest.approx(_scipy_minimum(s, xb[i]), rel=1e-8, abs=1e-12)


def test_bulk_minimum_errors():
    net, xb = _problem((3, 2, 2), 0, n=2)
    with pytest.raises(ValueError, match="method must be"):
        constrained_bulk_minimum(net, xb, method="bfgs")
    with pytest.raises(ValueError, match="gtol must be finite and > 0"):
        constrained_bulk_minimum(net, xb, gtol=0.0)
    with pytest.raises(ValueError, match="max_iter must be"):
        constrained_bulk_minimum(net, xb, max_iter=0)
    with pytest.raises(ValueError, match="margin must be"):
        constrained_bulk_minimum(net, xb, margin=0.5)
    with pytest.raises(ValueError, match="x0 must have the shape"):
        constrained_bulk_minimum(net, xb, x0=xb[:1])
    bad = xb.copy()
    bad[0, net.output_indices[0]] = 1.0  # tanh never reaches 1
    with pytest.raises(ValueError, match=r"x_boundary \(outputs\)"):
        constrained_bulk_minimum(net, bad)
    with pytest.raises(ValueError, match="x_boundary contains non-finite"):
        constrained_bulk_minimum(net, np.full_like(xb, np.nan))
    with pytest.raises(ValueError, match="x_boundary must have shape"):
        constrained_bulk_minimum(net, xb[:, :3])
    from learning import Activation

    soft = Activation("softsign", lambda y: y / (1 + np.abs(y)),
                      lambda y: 1 / (1 + np.abs(y)) ** 2, -1.0, 1.0)
    net2 = feedforward((3, 2, 2), soft, seed=0)
    with pytest.raises(ValueError, match="needs the second derivative"):
        constrained_bulk_minimum(net2, xb)
    # Gauss-Newton ignores the residual curvature: on this large-residual problem it need not
    # reach gtol, but it must never raise H.
    gauss = constrained_bulk_minimum(net2, xb, method="gauss-newton", max_iter=200)
    assert np.all(gauss.loss <= gauss.start_loss) and np.all(np.isfinite(gauss.state))
    # Given f'', a user-defined activation gets exact Newton steps and converges.
    soft2 = Activation("softsign", soft.function, soft.derivative, -1.0, 1.0,
                       second_derivative=lambda y: -2 * np.sign(y) / (1 + np.abs(y)) ** 3)
    net3 = feedforward((3, 2, 2), soft2, seed=0)
    newton = constrained_bulk_minimum(net3, xb)
    assert newton.all_converged and np.all(newton.loss <= gauss.loss + 1e-12)


@pytest.mark.parametrize("solver", ["dense", "matrix_free"])
def test_unbounded_loss_is_reported(solver):
    net = feedforward((2, 3, 1), "linear", seed=0)
    xb = np.array([[0.5, 0.5, 0, 0, 0, 0.1]])
    with pytest.raises(ValueError, match="unbounded below"):
        constrained_bulk_minimum(net, xb, objective=LocalObjective(m=3.0), max_iter=200,
                                 solver=solver)
    # m below the smallest curvature of the (linear, hence quadratic) loss: a minimum exists.
    res = constrained_bulk_minimum(net, xb, objective=LocalObjective(m=0.01), solver=solver)
    assert res.all_converged


# --- solvers, named steps, multi-start (issues 11, 14, 15) -------------------------------

from learning.bulk_minimum import STATUS_MESSAGES, solver_costs  # noqa: E402
from learning.bulk_minimum.newton_cg import cg_direction, chain_cg_direction  # noqa: E402
from learning.bulk_minimum.operators import ChainPreconditioner, Couplings  # noqa: E402
from learning.bulk_minimum.primitives import (  # noqa: E402
    accept,
    active_set,
    damped_newton_step,
    stopped,
)
from learning.bulk_minimum.problem import Problem  # noqa: E402
from learning.bulk_minimum.result import status_codes  # noqa: E402


@pytest.mark.parametrize("sizes, seed, objective", [
    ((8, 5, 4, 3), 7, None),
    ((30, 12, 8, 4), 2, None),
    ((8, 5, 4, 3), 3, LocalObjective(m=0.05)),
])
def test_matrix_free_and_dense_give_the_same_minima(sizes, seed, objective):
    net, xb = _problem(sizes, seed, n=20)
    dense = constrained_bulk_minimum(net, xb, objective=objective, solver="dense")
    free = constrained_bulk_minimum(net, xb, objective=objective, solver="matrix_free")
    assert dense.solver == "dense" and free.solver == "matrix_free"
    assert dense.all_converged and free.all_converged
    # Both stop at a projected gradient <= 1e-10 of the same basin (m small, LeCun scale:
    # one minimum per sample here); H then agrees to O(g²/curvature) ≪ 1e-8 relative.
    np.testing.assert_allclose(free.loss, dense.loss, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(free.state, dense.state, atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(sizes=sizes_st, seed=st.integers(0, 2**16), scale=st.floats(0.3, 2.0))
def test_matrix_free_minimum_is_below_the_start_and_stationary(sizes, seed, scale):
    net, xb = _problem(sizes, seed, scale=scale)
    res = constrained_bulk_minimum(net, xb, solver="matrix_free")
    assert np.all(res.loss <= res.start_loss + 1e-14)  # round-off of H ~1e-16
    grad = bulk_loss_gradient(net, res.state, xb)[:, net.hidden_indices]
    interior = np.all(np.abs(res.state[:, net.hidden_indices]) < 1 - 1e-6, axis=1)
    ok = interior & res.converged
    assert np.all(np.max(np.abs(grad[ok]), axis=1, initial=0.0) <= 1e-10)
    np.testing.assert_array_equal(res.converged, res.status == 0)


def test_layered_couplings_equal_the_dense_rows_and_columns():
    net = feedforward((5, 4, 3, 2), seed=0, bias_scale=0.5)
    layered = Couplings(net)
    assert layered.layered
    w = net.weights
    rows, hidden, boundary = layered.rows, layered.hidden, layered.boundary
    w_rh, w_rb = layered.dense()
    np.testing.assert_array_equal(w_rh, w[np.ix_(rows, hidden)])
    np.testing.assert_array_equal(w_rb, w[np.ix_(rows, boundary)])
    rng = np.random.default_rng(0)
    z, u, xb = rng.normal(size=(3, hidden.size)), rng.normal(size=(3, rows.size)), \
        rng.normal(size=(3, boundary.size))
    np.testing.assert_allclose(layered.hidden_to_rows(z), z @ w_rh.T, rtol=1e-14)
    np.testing.assert_allclose(layered.rows_to_hidden(u), u @ w_rh, rtol=1e-14)
    np.testing.assert_allclose(layered.boundary_to_rows(xb), xb @ w_rb.T + net.bias[rows],
                               rtol=1e-14)
    assert layered.nnz == np.count_nonzero(w_rh)


def _both_problems(objective, seed):
    """The dense and the matrix-free Problem of one 6-5-4-3 net over 4 samples, a random
    hidden state z in the box, and the generator that drew it (for further draws)."""
    net, xb = _problem((6, 5, 4, 3), 1, n=4)
    couplings = Couplings(net)
    dense = Problem(net, xb, objective, couplings, dense=True)
    free = Problem(net, xb, objective, couplings, dense=False)
    rng = np.random.default_rng(seed)
    return dense, free, rng.uniform(-0.9, 0.9, (4, couplings.hidden.size)), rng


@pytest.mark.parametrize("newton", [True, False])
@pytest.mark.parametrize("objective", [None, LocalObjective(m=0.4)])
def test_hessian_vector_product_equals_the_dense_hessian(newton, objective):
    dense, free, z, rng = _both_problems(objective, 1)
    idx = np.arange(4)
    _, g_dense, hess = dense.evaluate(z, idx, newton)
    _, g_free, cache = free.evaluate_cached(z, idx, newton)
    v = rng.normal(size=z.shape)
    # Two independent constructions (assembled Hessian map vs two passes over the blocks).
    np.testing.assert_allclose(free.hessian_vector(v, cache), np.einsum("nab,nb->na", hess, v),
                               rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g_free, g_dense, rtol=1e-12, atol=1e-14)
    # And the gradient is the derivative of H: central differences, error O(h²) ~ 1e-10.
    h = 1e-5
    e = np.zeros_like(z)
    e[:, 0] = h
    fd = (free.loss_only(z + e, idx) - free.loss_only(z - e, idx)) / (2 * h)
    np.testing.assert_allclose(fd, g_free[:, 0], rtol=1e-7, atol=1e-9)


def test_active_set_step():
    z = np.array([[-1.0, 0.0, 1.0 - 1e-8, 0.5]])
    grad = np.array([[2.0, 1.0, -3.0, 0.0]])
    at_bound, to_bound = active_set(z, grad, -1.0, 1.0)
    # At or within ε of a bound with the gradient pushing out: fixed, moved onto the bound.
    np.testing.assert_array_equal(at_bound, [[True, False, True, False]])
    np.testing.assert_allclose(to_bound, [[0.0, 0.0, 1e-8, 0.0]], atol=1e-20)
    # Pushing inward is free even at the bound, however weakly (gradients of either sign
    # below 1 in size at both bounds).
    assert not active_set(z, -grad, -1.0, 1.0)[0][0, 0]
    at_ends = np.array([[-1.0, 1.0, -1.0 + 1e-8, 1.0 - 1e-8]])
    inward = np.array([[-0.5, 0.5, -0.25, 0.25]])
    assert not active_set(at_ends, inward, -1.0, 1.0)[0].any()
    at_bound, to_bound = active_set(at_ends, -inward, -1.0, 1.0)
    assert at_bound.all()
    np.testing.assert_allclose(to_bound, [[0.0, 0.0, -1e-8, 1e-8]], atol=1e-20)


def test_damped_newton_step():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4, 4))
    hess = a @ a.transpose(0, 2, 1) + np.eye(4)
    g = rng.normal(size=(3, 4))
    tiny = damped_newton_step(hess, g, np.full(3, 1e-14))
    np.testing.assert_allclose(tiny, -np.linalg.solve(hess, g[:, :, None])[:, :, 0], rtol=1e-10)
    # Huge damping λ: a short step along -g / (λ diag(H)) (Marquardt scaling); the
    # correction is O(|H| / (λ |H_aa|)) ~ 1e-11 relative at λ = 1e12.
    big = damped_newton_step(hess, g, np.full(3, 1e12))
    diag = np.abs(np.einsum("naa->na", hess))
    np.testing.assert_allclose(big * 1e12, -g / diag, rtol=1e-8)
    assert np.array_equal(hess, a @ a.transpose(0, 2, 1) + np.eye(4))  # input untouched


def test_accept_and_stop_and_status():
    old = np.array([1.0, 1.0, 1.0, 1.0])
    new = np.array([0.5, 1.0 + 1e-16, 1.0 + 1e-10, np.nan])
    np.testing.assert_array_equal(accept(old, new, np.ones(4, bool)),
                                  [True, True, False, False])  # ulps of slack, not 1e-10
    assert not accept(old, new, np.zeros(4, bool)).any()  # not a descent direction
    pgrad = np.array([[1e-11, -1e-11], [1e-3, 0.0], [1e-3, 0.0]])
    stalled = np.array([False, False, True])
    np.testing.assert_array_equal(stopped(pgrad, 1e-10, stalled), [True, False, True])
    np.testing.assert_array_equal(status_codes(pgrad, 1e-10, stalled), [0, 1, 2])
    assert set(STATUS_MESSAGES) == {0, 1, 2}


def test_chain_preconditioner_is_the_inverse_of_the_hidden_jacobian_gram():
    # M = J_hh^T J_hh with J_hh = I - D_h W_hh, built densely from the rows and columns of w.
    net, xb = _problem((6, 5, 4, 3, 2), 3, n=4)
    couplings = Couplings(net)
    pre = ChainPreconditioner.build(couplings)
    assert pre is not None and pre.hidden_layers == [1, 2, 3]
    rng = np.random.default_rng(3)
    d = rng.uniform(0.1, 1.0, (4, couplings.n_rows))
    rows_h = np.searchsorted(couplings.rows, couplings.hidden)
    w_hh = net.weights[np.ix_(couplings.hidden, couplings.hidden)]
    v = rng.normal(size=(4, couplings.hidden.size))
    got = pre.apply(v, d)
    for k in range(4):
        jac = np.eye(couplings.hidden.size) - d[k, rows_h][:, None] * w_hh
        # Triangular solves of a well-conditioned system: agreement to ~1e-14 relative.
        np.testing.assert_allclose(got[k], np.linalg.solve(jac.T @ jac, v[k]), rtol=1e-11,
                                   atol=1e-12)
    # float32 in, float32 out: ~1e-7 relative error per pass, three layers deep.
    single = pre.apply(v.astype(np.float32), d)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, got, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("newton", [False, True])
def test_chain_cg_solves_the_newton_system_with_held_variables(newton):
    # Against the dense Hessian restricted to the free variables: with |g| ~ 1e-9 the forcing
    # term asks for a residual ~1e-9 |g| in the J_FF^-T norm, so p is the exact Newton step
    # to ~1e-7 relative (the condition number of H_FF here is < 1e2).
    net, xb = _problem((6, 5, 4, 3, 2), 4, n=3)
    couplings = Couplings(net)
    dense = Problem(net, xb, None, couplings, dense=True)
    free_problem = Problem(net, xb, None, couplings, dense=False)
    idx = np.arange(3)
    rng = np.random.default_rng(4)
    z = rng.uniform(-0.8, 0.8, (3, couplings.hidden.size))
    _, grad, hess = dense.evaluate(z, idx, newton)
    _, _, cache = free_problem.evaluate_cached(z, idx, newton)
    free = np.ones_like(grad, bool)
    free[0, [1, 6]] = False  # held at a bound: one in the first, one in the second hidden layer
    free[2, 9] = False
    tiny = 1e-9 * grad / np.linalg.norm(grad, axis=1, keepdims=True)
    pre = ChainPreconditioner.build(couplings)
    p, steps = chain_cg_direction(free_problem, cache, tiny, free, pre, 60)
    for k in range(3):
        f = free[k]
        h_ff = hess[k][np.ix_(f, f)]
        if np.linalg.eigvalsh(h_ff)[0] <= 0:
            continue  # indefinite (Newton term): CG may stop at negative curvature
        exact = -np.linalg.solve(h_ff, tiny[k, f])
        np.testing.assert_allclose(p[k, f], exact, rtol=1e-6, atol=1e-20)
        assert np.all(p[k, ~f] == 0.0)
    assert 1 <= steps <= 60


def test_chain_preconditioner_needs_whole_hidden_layers():
    from learning import Septuple

    net, _ = _problem((6, 5, 4, 3), 3)
    assert ChainPreconditioner.build(Couplings(net)) is not None
    # A recurrent (non-layered) septuple: no chain to run along.
    rng = np.random.default_rng(0)
    recurrent = Septuple(0.3 * rng.normal(size=(6, 6)), np.zeros(6), input_indices=[0, 1],
                         output_indices=[5])
    assert ChainPreconditioner.build(Couplings(recurrent)) is None


@pytest.mark.parametrize("precondition", [False, True])
def test_cg_direction_solves_the_newton_system(precondition):
    net, xb = _problem((6, 5, 4, 3), 2, n=3)
    couplings = Couplings(net)
    dense = Problem(net, xb, None, couplings, dense=True)
    free = Problem(net, xb, None, couplings, dense=False)
    idx = np.arange(3)
    z = bulk_minimum_start(net, xb)[:, couplings.hidden]
    _, grad, hess = dense.evaluate(z, idx, False)  # Gauss-Newton: positive definite
    _, _, cache = free.evaluate_cached(z, idx, False)
    mask = np.ones_like(grad, bool)
    pre = ChainPreconditioner.build(couplings) if precondition else None
    p, steps = cg_direction(free, cache, grad, mask, 50, preconditioner=pre)
    # The forcing term allows a residual min(0.5, |g|)|g|: check it, against dense H.
    res = np.einsum("nab,nb->na", hess, p) + grad
    gn = np.linalg.norm(grad, axis=1)
    assert np.all(np.linalg.norm(res, axis=1) <= np.minimum(0.5, gn) * gn * (1 + 1e-9))
    assert np.all(np.sum(p * grad, axis=1) < 0) and 1 <= steps <= 50


def test_status_and_message_report_the_iteration_limit():
    net, xb = _problem((8, 5, 4, 3), 7, n=3)
    for solver in ("dense", "matrix_free"):
        res = constrained_bulk_minimum(net, xb, max_iter=1, solver=solver)
        assert np.all(res.status == 1) and not res.all_converged
        assert res.message.startswith("3 of 3 iteration limit")
        full = constrained_bulk_minimum(net, xb, solver=solver)
        assert full.message == f"3 of 3 {STATUS_MESSAGES[0]}"


def test_multi_start_is_never_worse_and_sometimes_better():
    # Tachyonic m makes H non-convex: the box corners are competing minima.
    net, xb = _problem((6, 5, 4, 2), 4, n=12)
    objective = LocalObjective(m=1.0)
    single = constrained_bulk_minimum(net, xb, objective=objective)
    multi = constrained_bulk_minimum(net, xb, objective=objective, n_starts=6, seed=0)
    assert np.all(multi.loss <= single.loss)  # start 0 is the single start, ties go to it
    np.testing.assert_array_equal(multi.loss[multi.best_start == 0],
                                  single.loss[multi.best_start == 0])
    assert np.any(multi.best_start > 0) and np.any(multi.loss < single.loss - 1e-6)
    again = constrained_bulk_minimum(net, xb, objective=objective, n_starts=6, seed=0)
    np.testing.assert_array_equal(again.loss, multi.loss)  # seeded


def test_auto_solver_and_memory_guard():
    net, xb = _problem((8, 5, 4, 3), 7, n=4)
    assert constrained_bulk_minimum(net, xb).solver == "dense"  # small: dense is cheaper
    costs = solver_costs(net, 4)
    assert costs["dense"][1] > costs["matrix_free"][1] > 0
    limit = 0.5 * (costs["dense"][1] + costs["matrix_free"][1])
    with pytest.raises(ValueError, match=r"solver='dense' would need .* GiB.*'matrix_free'"):
        constrained_bulk_minimum(net, xb, solver="dense", memory_limit=limit)
    assert constrained_bulk_minimum(net, xb, memory_limit=limit).solver == "matrix_free"
    with pytest.raises(ValueError, match="would need .* GiB for one sample"):
        constrained_bulk_minimum(net, xb, memory_limit=1.0)


def test_matrix_free_batches_give_the_same_minima_as_one_batch():
    # A limit that fits 3 of 10 samples: batches of 3, 3, 3, 1; the samples are independent,
    # so every field agrees with the single-batch run (bitwise: the same float64 operations).
    net, xb = _problem((8, 5, 4, 3), 7, n=10)
    whole = constrained_bulk_minimum(net, xb, solver="matrix_free")
    per_sample = solver_costs(net, 10)["matrix_free"][1] / 10
    batched = constrained_bulk_minimum(net, xb, solver="matrix_free",
                                       memory_limit=3.5 * per_sample)
    for name in ("state", "loss", "converged", "iterations", "status", "start_loss"):
        np.testing.assert_allclose(getattr(batched, name), getattr(whole, name), rtol=1e-13,
                                   atol=1e-15, err_msg=name)
    assert batched.solver == "matrix_free" and batched.loss.shape == (10,)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"solver": "lbfgs"}, ValueError, "solver must be"),
    ({"n_starts": 0}, ValueError, "n_starts must be an integer >= 1"),
    ({"n_starts": 2.5}, TypeError, "n_starts must be an integer"),
    ({"max_iter": "10"}, TypeError, "max_iter must be an integer"),
    ({"gtol": "1e-8"}, TypeError, "gtol must be a real number"),
    ({"margin": float("nan")}, ValueError, "margin must be finite"),
])
def test_bad_new_arguments(kwargs, error, match):
    net, xb = _problem((3, 2, 2), 0, n=2)
    with pytest.raises(error, match=match):
        constrained_bulk_minimum(net, xb, **kwargs)


def test_single_precision_hessian_products_reach_the_same_minima(monkeypatch):
    # Large networks take float32 Hessian-vector products (SINGLE_PRECISION_NNZ); force them
    # here.  Gradient, line search and stopping test stay float64, so gtol = 1e-10 still holds.
    import learning.bulk_minimum.newton_cg as bm

    monkeypatch.setattr(bm, "SINGLE_PRECISION_NNZ", 0)
    net, xb = _problem((30, 12, 8, 4), 2, n=20)
    dense = constrained_bulk_minimum(net, xb, solver="dense")
    free = constrained_bulk_minimum(net, xb, solver="matrix_free")
    assert free.all_converged
    np.testing.assert_allclose(free.loss, dense.loss, rtol=1e-8, atol=1e-14)


def test_sparse_blocks_give_the_same_minima():
    import scipy.sparse as sp

    from learning import from_layers, layer_biases

    rng = np.random.default_rng(5)
    blocks = [sp.random(12, 20, density=0.3, random_state=1, data_rvs=rng.standard_normal),
              sp.random(8, 12, density=0.4, random_state=2, data_rvs=rng.standard_normal),
              rng.normal(size=(3, 8)) / np.sqrt(8)]
    sparse_net = from_layers(blocks, [0.1 * rng.normal(size=b.shape[0]) for b in blocks])
    dense_net = from_layers([b.toarray() if sp.issparse(b) else b for b in blocks],
                            list(layer_biases(sparse_net)))
    xb = boundary_state(sparse_net, rng.uniform(-1, 1, (6, 20)), rng.choice([-0.9, 0.9], (6, 3)))
    ref = constrained_bulk_minimum(dense_net, xb, solver="dense")
    for solver in ("dense", "matrix_free"):
        res = constrained_bulk_minimum(sparse_net, xb, solver=solver)
        assert res.all_converged
        np.testing.assert_allclose(res.loss, ref.loss, rtol=1e-8, atol=1e-14)


# --- sharper checks found by mutation testing (issue 14, docs/mutation.md) ----------------

from learning.bulk_minimum.primitives import box  # noqa: E402


def test_box_closes_only_the_open_finite_ends_of_the_range():
    from learning import Activation
    from learning.activations import RELU, SIGMOID, TANH, LayerwiseActivation

    margin = 1e-3
    # Open ends move margin * width inside: tanh (-1, 1) has width 2, sigmoid (0, 1) width 1.
    assert box(TANH, margin) == (-1 + 2e-3, 1 - 2e-3)
    assert box(SIGMOID, margin) == (1e-3, 1 - 1e-3)
    # A closed end stays where it is; an infinite one stays infinite.
    assert box(RELU, margin) == (0.0, np.inf)
    clip = Activation("hardtanh", lambda y: np.clip(y, -1, 1), lambda y: 1.0 * (abs(y) < 1),
                      -1.0, 1.0, lower_closed=True, upper_closed=True)
    assert box(clip, margin) == (-1.0, 1.0)
    half = Activation("half", np.tanh, lambda y: 1 / np.cosh(y) ** 2, -1.0, 1.0,
                      upper_closed=True)
    assert box(half, margin) == (-1 + 2e-3, 1.0)
    lo, hi = box(LayerwiseActivation((TANH, clip, RELU), (2, 1, 2)), margin)
    np.testing.assert_array_equal(lo, [-1 + 2e-3, -1 + 2e-3, -1.0, 0.0, 0.0])
    np.testing.assert_array_equal(hi, [1 - 2e-3, 1 - 2e-3, 1.0, np.inf, np.inf])


@pytest.mark.parametrize("newton", [True, False])
@pytest.mark.parametrize("objective", [
    None, LocalObjective(m=0.4, couplings=0.3 * np.random.default_rng(8).normal(size=(18, 18)))])
def test_single_precision_hessian_vector_product_equals_the_dense_hessian(newton, objective):
    # The float32 branch of hessian_vector (large networks, or any run with SINGLE_PRECISION_NNZ
    # forced) against the dense float64 Hessian: one float32 forward and backward pass over
    # blocks with O(1) entries and <= 6 terms per row: measured 1.8e-7 of max |H v|, so 1e-5.
    dense, free, z, rng = _both_problems(objective, 2)
    idx = np.arange(4)
    _, _, hess = dense.evaluate(z, idx, newton)
    _, _, cache = free.evaluate_cached(z, idx, newton)
    v = rng.normal(size=z.shape)
    exact = np.einsum("nab,nb->na", hess, v)
    got = free.hessian_vector(v.astype(np.float32), cache)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-5 * np.abs(exact).max())


@pytest.mark.parametrize("newton", [True, False])
def test_split_evaluation_puts_each_sample_in_its_own_precision(newton):
    from learning.bulk_minimum.problem import evaluate_split

    # Samples marked rough get the float32 gradient product, the others float64, each in its
    # own row; H, f' and r f'' stay float64 for all (the line search compares like with like).
    net, xb = _problem((6, 5, 4, 3), 5, n=6)
    couplings = Couplings(net)
    problem = Problem(net, xb, None, couplings, dense=False)
    rng = np.random.default_rng(5)
    z = rng.uniform(-0.9, 0.9, (4, couplings.hidden.size))
    rows = np.array([5, 0, 3, 2])  # samples of xb, not in order
    rough = np.array([True, False, False, True])
    loss, grad, (d, rf2) = evaluate_split(problem, z, rows, newton, rough)
    ref_loss, ref_grad, (ref_d, ref_rf2) = problem.evaluate_cached(z, rows, newton)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-15)
    np.testing.assert_allclose(d, ref_d, rtol=1e-15)
    np.testing.assert_allclose(rf2, ref_rf2, rtol=1e-15, atol=1e-300)
    # float64 rows: the same operations as the reference; float32 rows: ~1e-7 of the scale.
    np.testing.assert_allclose(grad[~rough], ref_grad[~rough], rtol=1e-14, atol=1e-15)
    scale = np.abs(ref_grad).max()
    err = np.abs(grad[rough] - ref_grad[rough]).max()
    assert 0 < err <= 1e-5 * scale  # rounded, but only at float32 precision
    # All rough or none: one pass in one precision.
    for every in (np.ones(4, bool), np.zeros(4, bool)):
        l_all, g_all, _ = evaluate_split(problem, z, rows, newton, every)
        np.testing.assert_allclose(l_all, ref_loss, rtol=1e-15)
        np.testing.assert_allclose(g_all, ref_grad, rtol=0 if not every.any() else 1e-5,
                                   atol=1e-15 if not every.any() else 1e-5 * scale)


def test_starts_are_the_default_then_seeded_points_of_the_box():
    from learning.bulk_minimum.options import validate
    from learning.bulk_minimum.starts import starts as hidden_starts

    net, xb = _problem((6, 5, 4, 2), 4, n=3)
    hidden = net.hidden_indices

    def draw(opts, seed):
        return hidden_starts(opts.start[:, hidden], opts.lo, opts.hi, opts.n_starts,
                             np.random.default_rng(seed))

    for n_starts in (1, 2, 5):
        opts = validate(net, xb, None, margin=0.1, n_starts=n_starts)
        starts = draw(opts, 3)
        assert len(starts) == n_starts
        # Start 0: the forward state (2.9), clipped into the box closed 0.1 * 2 inside (-1, 1).
        np.testing.assert_array_equal(
            starts[0], np.clip(bulk_minimum_start(net, xb)[:, hidden], -0.8, 0.8))
        for extra in starts[1:]:
            assert extra.shape == (3, hidden.size)
            assert np.all(np.abs(extra) <= 0.8)
        again = draw(opts, 3)
        for a, b in zip(starts, again, strict=True):
            np.testing.assert_array_equal(a, b)
    # Multi-start through the driver: the winning start's index is one of the n_starts.
    res = constrained_bulk_minimum(net, xb, objective=LocalObjective(m=1.0), n_starts=2,
                                   seed=0)
    assert set(res.best_start.tolist()) <= {0, 1}


def test_preconditioned_cg_takes_rank_plus_one_steps_on_a_gauss_newton_system():
    # Gauss-Newton (r f'' = 0): J_FF^-T H_FF J_FF^-1 = I + (rank <= n_out + |A|), so CG in the
    # residual coordinates (and PCG with M = J_hh^T J_hh, whose extra rank is the held
    # variables) converges in at most n_out + |A| + 1 steps in exact arithmetic; one more
    # for round-off.  Plain CG needs ~n_h^(1/2) or more (here > 20): a preconditioner with a
    # wrong sign or index would still converge (the residual is tracked honestly) but
    # slowly, which only a step count can see.
    net, xb = _problem((10, 40, 30, 3), 4, n=3)
    couplings = Couplings(net)
    dense = Problem(net, xb, None, couplings, dense=True)
    free_problem = Problem(net, xb, None, couplings, dense=False)
    z = np.random.default_rng(4).uniform(-0.8, 0.8, (3, couplings.hidden.size))
    _, grad, hess = dense.evaluate(z, np.arange(3), False)
    _, _, cache = free_problem.evaluate_cached(z, np.arange(3), False)
    free = np.ones_like(grad, bool)
    free[1, [3, 50]] = False  # held: one in each hidden layer of sample 1
    tiny = 1e-9 * grad / np.linalg.norm(grad, axis=1, keepdims=True)
    pre = ChainPreconditioner.build(couplings)
    bound = 3 + 2 + 1 + 1
    chain_p, chain_steps = chain_cg_direction(free_problem, cache, tiny, free, pre, 200)
    pcg_p, pcg_steps = cg_direction(free_problem, cache, tiny, free, 200, preconditioner=pre)
    _, plain_steps = cg_direction(free_problem, cache, tiny, free, 200)
    assert chain_steps <= bound and pcg_steps <= bound and plain_steps > 20
    for k in range(3):
        f = free[k]
        exact = -np.linalg.solve(hess[k][np.ix_(f, f)], tiny[k, f])
        # Forcing ~1e-9 relative in systems of condition number ~20: 1e-6 is loose.
        np.testing.assert_allclose(chain_p[k, f], exact, rtol=1e-6, atol=1e-20)
        np.testing.assert_allclose(pcg_p[k, f], exact, rtol=1e-6, atol=1e-20)


@pytest.mark.parametrize("solver", ["dense", "matrix_free"])
@pytest.mark.parametrize("sizes", [(2, 3, 1), (2, 1, 1)])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_saddle_of_an_unbounded_loss_is_not_reported_as_a_minimum(solver, sizes, sign):
    # Linear f, m = 3: H is quadratic with an indefinite Hessian.  Started next to its
    # stationary point (dense linear algebra), where the gradient is sign * 1e-8 in every
    # component (below gtol = 1e-6, so the iteration stops at once), only the curvature check
    # can tell that there is no minimum (the run-away check never fires); with no finite
    # bound, a gradient of either sign leaves every variable free.  (2, 1, 1): one free
    # variable.
    net = feedforward(sizes, "linear", seed=0)
    xb = np.zeros((1, net.n_neurons))
    xb[0, :2], xb[0, -1] = 0.5, 0.1
    objective = LocalObjective(m=3.0)
    couplings = Couplings(net)
    problem = Problem(net, xb, objective, couplings, dense=True)
    n_h = net.hidden_indices.size
    _, g0, hess = problem.evaluate(np.zeros((1, n_h)), np.arange(1), True)
    assert np.linalg.eigvalsh(hess[0])[0] < -0.1  # a saddle (or maximum), not a minimum
    target = np.full(n_h, sign * 1e-8)
    x0 = xb.copy()
    x0[0, net.hidden_indices] = np.linalg.solve(hess[0], target - g0[0])
    _, g_start, _ = problem.evaluate(x0[:, net.hidden_indices], np.arange(1), True)
    np.testing.assert_allclose(g_start[0], target, rtol=1e-4)
    with pytest.raises(ValueError, match="unbounded below"):
        constrained_bulk_minimum(net, xb, objective=objective, x0=x0, solver=solver, gtol=1e-6)


def test_auto_rule_keeps_the_documented_networks_on_their_solvers():
    # DENSE_ADVANTAGE's comment: dense / matrix-free flop ratios 12 (784-40-20-10), 20
    # (784-60-10) and 39 (784-100-100-10); the first two stay dense, the last goes
    # matrix-free.  The ratio does not depend on the number of samples.
    from learning.bulk_minimum import DENSE_ADVANTAGE
    from learning.bulk_minimum.costs import choose_solver

    for sizes, ratio, expected in (((784, 40, 20, 10), 12, "dense"),
                                   ((784, 60, 10), 20, "dense"),
                                   ((784, 100, 100, 10), 39, "matrix_free")):
        net = feedforward(sizes, seed=0)
        costs = solver_costs(net, 7)
        assert round(costs["dense"][0] / costs["matrix_free"][0]) == ratio
        assert (ratio <= DENSE_ADVANTAGE) == (expected == "dense")
        assert choose_solver(Couplings(net), 7, "auto", 1e12) == (expected, 7)


def _estimate_over_peak(sizes, n, solver):
    """Estimated peak bytes (solver_costs) over the peak tracemalloc measures in a solve
    (tracemalloc sees NumPy's buffers)."""
    import tracemalloc

    net, xb = _problem(sizes, 0, n=n)
    estimate = solver_costs(net, n)[solver][1]
    tracemalloc.start()
    try:
        assert constrained_bulk_minimum(net, xb, solver=solver).all_converged
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return estimate / peak


@pytest.mark.parametrize("sizes, n, solver, low", [
    ((10, 40, 5), 100, "dense", 1.0),         # n_h² terms dominate; measured 1.45
    ((10, 40, 5), 100, "matrix_free", 1.0),   # measured 1.06-1.09
    ((5, 4, 60), 500, "matrix_free", 1.0),    # |R| >> n_h; measured 1.06
    ((5, 4, 60), 500, "dense", 1.0),          # the 14 n |R| term dominates; measured 1.07
    ((5, 30, 20, 3), 3, "dense", 1.0),        # the Hessian map dominates; measured 1.47
])
def test_memory_estimate_tracks_the_measured_peak(sizes, n, solver, low):
    # The refusal (memory_limit) is only as good as the estimate: not below the peak of the
    # arrays a solve allocates, nor so far above it that a feasible request is refused.
    # (Before the fix found by mutation testing the dense estimate was 0.73 and 0.77 of the
    # peak in the last two cases.)
    assert low <= _estimate_over_peak(sizes, n, solver) <= 1.8


def test_memory_refusal_states_the_limit_in_gib():
    net, xb = _problem((8, 5, 4, 3), 7, n=4)
    limit = 0.75 * solver_costs(net, 4)["dense"][1]
    with pytest.raises(ValueError, match=rf"above the limit {limit / 2**30:.2f} GiB"):
        constrained_bulk_minimum(net, xb, solver="dense", memory_limit=limit)


def test_single_precision_starts_at_the_documented_number_of_couplings(monkeypatch):
    # SINGLE_PRECISION_NNZ: float32 products from this many couplings W_Rh on, float64 below.
    import learning.bulk_minimum.newton_cg as bm

    net, xb = _problem((8, 5, 4, 3), 7, n=2)
    rows = np.setdiff1d(np.arange(net.n_neurons), net.input_indices)
    nnz = int(np.count_nonzero(net.weights[np.ix_(rows, net.hidden_indices)]))
    seen = []
    original = bm.chain_cg_direction

    def spy(*args, single=False, **kwargs):
        seen.append(single)
        return original(*args, single=single, **kwargs)

    monkeypatch.setattr(bm, "chain_cg_direction", spy)
    for threshold, single in ((nnz + 1, False), (nnz, True)):
        monkeypatch.setattr(bm, "SINGLE_PRECISION_NNZ", threshold)
        seen.clear()
        res = constrained_bulk_minimum(net, xb, solver="matrix_free")
        assert res.all_converged and seen and set(seen) == {single}


@pytest.mark.parametrize("solver", ["dense", "matrix_free"])
def test_negative_curvature_of_held_neurons_is_not_unboundedness(solver):
    # Hidden layers tanh (bounded) then linear (unbounded), tachyonic m = 1.5: along a tanh
    # neuron H curves down (1 - m + 0.3² or 0.2² < 0), so the minimum holds both on the box,
    # with the gradient pushing outward; along the linear neuron b it curves up
    # (1 - m + 2² = 3.5 > 0).  The curvature check must look at the free direction only:
    # this H is bounded below on the box.
    from learning import from_layers

    net = from_layers([np.array([[0.8, -0.5], [0.3, 0.9]]), np.array([[0.3, -0.2]]),
                       np.array([[2.0]])],
                      [np.array([0.1, -0.1]), np.array([0.05]), np.array([0.0])],
                      ["tanh", "linear", "linear"])
    rng = np.random.default_rng(0)
    xb = boundary_state(net, rng.uniform(-1, 1, (4, 2)), np.array([[0.3], [-0.5], [1.0], [0.0]]))
    res = constrained_bulk_minimum(net, xb, objective=LocalObjective(m=1.5), solver=solver)
    assert res.all_converged
    tanh_part, b = res.state[:, [2, 3]], res.state[:, 4]
    np.testing.assert_allclose(np.abs(tanh_part), 1 - 2e-9, rtol=1e-15)  # on the box
    # Given the tanh neurons a, ∂H/∂b = (b - y_b) - 2 (x_out - 2 b) - m b = 0 in closed form.
    y_b = tanh_part @ np.array([0.3, -0.2]) + 0.05
    np.testing.assert_allclose(b, (y_b + 2 * xb[:, 5]) / 3.5, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("gtol", [1e-2, 1e-3])
def test_only_a_float64_gradient_certifies_gtol(monkeypatch, gtol):
    # With float32 products forced, trial points of samples far from the minimum (projected
    # gradient > ROUGH_ABOVE = 1e-2) get a float32 gradient, ~1e-4 relative off at these
    # sizes.  A loose gtol lets such a point already pass the test; the iteration must then
    # take one more float64 evaluation, so the reported gradient norm is the float64 one:
    # the dense gradient of (3.1) at the returned state, to round-off (~1e-16 of O(1) terms).
    import learning.bulk_minimum.newton_cg as bm

    monkeypatch.setattr(bm, "SINGLE_PRECISION_NNZ", 0)
    net, xb = _problem((30, 12, 8, 4), 2, n=20)
    res = constrained_bulk_minimum(net, xb, solver="matrix_free", gtol=gtol)
    assert res.all_converged
    grad = bulk_loss_gradient(net, res.state, xb)[:, net.hidden_indices]
    z = res.state[:, net.hidden_indices]
    lo, hi = -1 + 2e-9, 1 - 2e-9
    grad[((z <= lo) & (grad > 0)) | ((z >= hi) & (grad < 0))] = 0.0
    np.testing.assert_allclose(res.gradient_norm, np.max(np.abs(grad), axis=1), rtol=0,
                               atol=1e-13)


@pytest.mark.parametrize("solver", ["dense", "matrix_free"])
def test_progress_bar_counts_every_sample_once(solver, monkeypatch):
    # The bar advances as samples stop; at the end it must have counted each sample exactly
    # once (converged or stalled), whatever the iteration at which it stopped.
    import learning.bulk_minimum.primitives as bm

    bars = []

    class Recorder:
        def __init__(self, total, **kwargs):
            self.total, self.n, self.postfix = total, 0, {}
            bars.append(self)

        def update(self, k):
            assert k >= 0
            self.n += k

        def set_postfix(self, refresh=True, **kwargs):
            self.postfix = kwargs

        def close(self):
            pass

    monkeypatch.setattr(bm, "tqdm", Recorder)
    net, xb = _problem((6, 5, 4, 2), 4, n=7)
    res = constrained_bulk_minimum(net, xb, progress=True, solver=solver)
    (bar,) = bars
    assert bar.total == bar.n == xb.shape[0]
    assert bar.postfix["iteration"] == res.iterations.max()


def test_relu_and_linear_layers_need_no_curvature_search(monkeypatch):
    # Without a local objective the Hessian of (3.1) is JᵀJ - Wᵀ diag(r f'') W; relu and
    # linear layers have f'' = 0, so it is JᵀJ: positive semi-definite, and the search for
    # negative curvature (eigsh, the costliest step on wide relu networks) is skipped.
    from learning import from_layers
    from learning.bulk_minimum import unbounded

    rng = np.random.default_rng(3)
    sizes = (5, 6, 4, 2)
    net = from_layers([rng.normal(size=(sizes[i + 1], sizes[i])) for i in range(3)],
                      [rng.normal(size=sizes[i + 1]) * 0.3 for i in range(3)],
                      ["relu", "relu", "linear"])
    xb = boundary_state(net, rng.uniform(0, 1, (6, 5)), rng.normal(size=(6, 2)))
    res = constrained_bulk_minimum(net, xb, solver="dense")
    assert res.all_converged
    # The claim itself, by dense linear algebra at the minima: no negative eigenvalue of the
    # Hessian on the free variables beyond round-off (entries are O(10)).
    problem = Problem(net, xb, None, Couplings(net), dense=True)
    z = res.state[:, net.hidden_indices]
    _, grad, hess = problem.evaluate(z, np.arange(6), True)
    for k in range(6):
        free = ~((z[k] <= 0) & (grad[k] > 0))
        assert np.linalg.eigvalsh(hess[k][np.ix_(free, free)])[0] > -1e-12
    calls = []

    def recording_search(*args, **kwargs):
        calls.append(1)
        return real_search(*args, **kwargs)

    real_search = unbounded._lowest_curvature  # eigsh, or eigvalsh on small free sets
    monkeypatch.setattr(unbounded, "_lowest_curvature", recording_search)
    again = constrained_bulk_minimum(net, xb, solver="matrix_free")
    np.testing.assert_allclose(again.loss, res.loss, rtol=1e-9, atol=1e-14)
    assert calls == []  # skipped: JᵀJ cannot curve down
    # With a local objective -m|x|²/2 it can curve down (here it does, along relu's open end:
    # refused as unbounded); the search runs.
    with pytest.raises(ValueError, match="unbounded below"):
        constrained_bulk_minimum(net, xb, solver="matrix_free", objective=LocalObjective(m=0.3))
    assert calls


@pytest.mark.parametrize("z", [[np.nan], [np.inf], [-np.inf], [1.5e12, 0.0], [0.0, -1.5e12]])
def test_a_runaway_state_is_refused_on_either_side(z):
    from learning.bulk_minimum.primitives import check_runaway

    with pytest.raises(ValueError, match="unbounded below"):
        check_runaway(np.array([z]))
    check_runaway(np.array([[1e11, -1e11]]))  # large but finite: no refusal


def test_gauss_newton_is_exact_only_without_a_newton_term_or_objective():
    # The skip of the curvature search must not fire where r f'' != 0 (a tanh layer feeding
    # an unbounded linear one) or with a local objective.
    from learning import from_layers
    from learning.bulk_minimum.unbounded import gauss_newton_is_exact

    rng = np.random.default_rng(1)
    w = [rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=(1, 3))]
    b = [0.2 * rng.normal(size=3), 0.2 * rng.normal(size=3), np.zeros(1)]
    for activations, objective, exact in ((["tanh", "linear", "linear"], None, False),
                                          (["relu", "relu", "linear"], None, True),
                                          (["relu", "relu", "linear"], LocalObjective(m=0.1),
                                           False)):
        net = from_layers(w, b, activations)
        xb = boundary_state(net, rng.uniform(0, 1, (2, 2)), rng.normal(size=(2, 1)))
        problem = Problem(net, xb, objective, Couplings(net), dense=False)
        z = bulk_minimum_start(net, xb)[:, net.hidden_indices] + 0.1
        assert gauss_newton_is_exact(problem, z, np.arange(2)) == exact


def test_hidden_rows_of_a_layered_network_are_sliced_not_gathered():
    # The evaluation's (samples x |R|) arrays are the solver's largest: a layered network's
    # hidden rows, one run in R, are indexed by a slice (views); interleaved ones by index.
    from learning.bulk_minimum.primitives import as_run

    net, xb = _problem((5, 4, 3, 2), 0)
    problem = Problem(net, xb, None, Couplings(net), dense=False)
    assert problem.hidden_in_rows == slice(0, 7)
    assert as_run(np.array([2, 3, 4])) == slice(2, 5)
    np.testing.assert_array_equal(as_run(np.array([0, 1, 3])), [0, 1, 3])


def test_lowest_curvature_dense_and_arpack_routes_and_a_search_that_fails(monkeypatch):
    # The curvature check's smallest eigenvalue against numpy's on a known symmetric matrix, on
    # the dense route (m <= DENSE_CURVATURE_MAX) and on ARPACK's; if ARPACK never converges the
    # solve stops with the reason instead of reporting an unchecked minimum.
    import scipy.sparse.linalg

    from learning.bulk_minimum import unbounded

    rng = np.random.default_rng(0)
    for m in (7, unbounded.DENSE_CURVATURE_MAX + 50):
        q, _ = np.linalg.qr(rng.normal(size=(m, m)))
        h = (q * np.linspace(-0.5, 3.0, m)) @ q.T
        lowest, scale = unbounded._lowest_curvature(lambda v, h=h: h @ np.ravel(v), m)
        assert lowest == pytest.approx(np.linalg.eigvalsh(h)[0], abs=1e-7)
        assert 1.0 <= scale <= 3.0 * (1 + 1e-2)  # |entries| (dense) or |λ|max (ARPACK)

    def never(*args, **kwargs):
        if kwargs.get("which") == "SA":
            raise scipy.sparse.linalg.ArpackNoConvergence("no", np.zeros(0), np.zeros((m, 0)))
        return np.array([3.0])

    monkeypatch.setattr(scipy.sparse.linalg, "eigsh", never)
    with pytest.raises(RuntimeError, match="did not converge on 450 free hidden neurons"):
        unbounded._lowest_curvature(lambda v: h @ np.ravel(v), m)
