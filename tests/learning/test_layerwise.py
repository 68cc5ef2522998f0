"""One activation per layer (f_i(y) = f_i(y_i), eq. (2.6)): a mixed network's forward state,
G spectrum (5.6), bulk minimum (3.2) and file round trips against independent references;
what needs one f refuses a per-layer one by name."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import expit

import learning.activations
from learning.activations import (
    LINEAR,
    RELU,
    SIGMOID,
    TANH,
    LayerwiseActivation,
    layer_activations,
    per_layer_activation,
)
from learning.bulk_minimum import constrained_bulk_minimum
from learning.feedforward import (
    feedforward,
    forward_state,
    from_layers,
    layer_biases,
    layer_weights,
)
from learning.septuple import Septuple, boundary_state, fixed_point
from learning.spectral_estimates import extreme_eigenvalues, g_linear_operator, spectral_moments
from learning.spectrum import g_spectrum

SIZES = (6, 5, 4, 3)

# Hand-written f and f' per name, independent of learning.activations.
HAND_F = {"tanh": np.tanh, "relu": lambda y: np.where(y > 0, y, 0.0),
          "linear": lambda y: y, "sigmoid": lambda y: 1.0 / (1.0 + np.exp(-y))}
HAND_DF = {"tanh": lambda y: 1.0 / np.cosh(y) ** 2, "relu": lambda y: (y > 0) * 1.0,
           "linear": np.ones_like,
           "sigmoid": lambda y: np.exp(-y) / (1.0 + np.exp(-y)) ** 2}


def mixed(names=("tanh", "relu", "linear"), seed=0, **kw):
    return feedforward(SIZES, list(names), seed=seed, bias_scale=0.4, **kw)


def hand_forward(net, names, inputs):
    """Per-layer forward pass written out: a_{l+1} = f_l(W_l a_l + b_l)."""
    a, out = inputs, [inputs]
    for w, b, name in zip(layer_weights(net), layer_biases(net), names, strict=True):
        a = HAND_F[name](a @ np.asarray(w).T + b)
        out.append(a)
    return np.concatenate(out, axis=-1)


def hand_g(net, names, x):
    """G = (I - f'w)^T (I - f'w) (5.6) from a dense w assembled here and f' per neuron."""
    n = sum(SIZES)
    edges = np.cumsum((0,) + SIZES)
    w = np.zeros((n, n))
    b = np.zeros(n)
    d = np.zeros(n)
    for l, (blk, bias) in enumerate(zip(layer_weights(net), layer_biases(net), strict=True)):
        rows, cols = slice(edges[l + 1], edges[l + 2]), slice(edges[l], edges[l + 1])
        w[rows, cols] = blk
        b[rows] = bias
    y = w @ x + b
    d[:SIZES[0]] = HAND_DF[names[0]](y[:SIZES[0]])  # inputs: rows of w are 0 (2.2)
    for l, name in enumerate(names):
        rows = slice(edges[l + 1], edges[l + 2])
        d[rows] = HAND_DF[name](y[rows])
    a = np.eye(n) - d[:, None] * w
    return a.T @ a


# ---- the LayerwiseActivation itself -----------------------------------------------------------

def test_doctests_of_activations_pass():
    assert doctest.testmod(learning.activations).failed == 0


def test_blocks_apply_their_own_f_derivative_and_second_derivative():
    f = LayerwiseActivation((TANH, SIGMOID, LINEAR), (2, 3, 1))
    y = np.random.default_rng(0).normal(scale=2.0, size=(4, 6))
    np.testing.assert_array_equal(f(y)[:, :2], np.tanh(y[:, :2]))
    # expit vs 1/(1+e^-y): both correctly rounded to a few ulp.
    np.testing.assert_allclose(f(y)[:, 2:5], 1 / (1 + np.exp(-y[:, 2:5])), rtol=1e-15)
    np.testing.assert_array_equal(f(y)[:, 5], y[:, 5])
    np.testing.assert_allclose(f.derivative(y)[:, :2], 1 / np.cosh(y[:, :2]) ** 2, rtol=1e-13)
    s = expit(y[:, 2:5])
    np.testing.assert_allclose(f.second_derivative(y)[:, 2:5], s * (1 - s) * (1 - 2 * s),
                               rtol=1e-13)
    np.testing.assert_array_equal(f.second_derivative(y)[:, 5], 0.0)
    x = f(y)
    np.testing.assert_allclose(f.inverse(x)[:, :5], y[:, :5], rtol=1e-9)
    np.testing.assert_array_equal(f.lower, [-1, -1, 0, 0, 0, -np.inf])
    np.testing.assert_array_equal(f.upper, [1, 1, 1, 1, 1, np.inf])


def test_adjacent_equal_blocks_merge_and_restrict_returns_one_f_when_shared():
    f = LayerwiseActivation(("relu", "relu", "linear"), (3, 2, 2))
    assert f.sizes == (5, 2) and f.name == "relu,linear"
    assert f == LayerwiseActivation((RELU, LINEAR), (5, 2))
    assert f.restrict(slice(0, 5)) is RELU
    assert f.restrict(np.array([5, 6])) is LINEAR
    sub = f.restrict(np.array([1, 4, 6]))
    assert isinstance(sub, LayerwiseActivation) and sub.sizes == (2, 1)
    assert TANH.restrict([0, 1]) is TANH


def test_uniform_layers_stay_a_plain_activation_bit_for_bit():
    assert per_layer_activation(["tanh"] * 3, SIZES) is TANH
    a = feedforward(SIZES, "relu", seed=1, bias_scale=0.3)
    b = feedforward(SIZES, ["relu"] * 3, seed=1, bias_scale=0.3)
    assert b.activation is RELU
    x = np.random.default_rng(2).uniform(0, 1, (5, 6))
    assert np.array_equal(forward_state(a, x), forward_state(b, x))


def test_range_check_names_the_argument_and_the_block():
    f = LayerwiseActivation((TANH, RELU), (2, 2))
    with pytest.raises(ValueError, match=r"xs \(neurons 2..3, block 1\).*'relu'"):
        f.check_in_range(np.array([0.5, 0.5, -1.0, 2.0]), "xs")
    with pytest.raises(ValueError, match="all 'tanh'"):
        LayerwiseActivation((TANH, TANH), (2, 2))
    with pytest.raises(ValueError, match="activation"):
        Septuple(np.zeros((3, 3)), np.zeros(3), f, [0], [2])
    with pytest.raises(ValueError, match="activations must name one activation per dense"):
        per_layer_activation(["tanh", "relu"], SIZES)


def test_layer_activations_inverts_per_layer_activation_and_refuses_what_a_file_cannot_say():
    f = per_layer_activation(["relu", "relu", "linear"], SIZES)
    assert [a.name for a in layer_activations(f, SIZES)] == ["relu", "relu", "linear"]
    with pytest.raises(ValueError, match="input layer"):
        layer_activations(LayerwiseActivation((LINEAR, TANH), (6, 12)), SIZES)
    with pytest.raises(ValueError, match="inside layer 1"):
        layer_activations(LayerwiseActivation((TANH, LINEAR), (8, 10)), SIZES)


# ---- the mixed network's quantities against independent references ----------------------------

@pytest.mark.parametrize("names", [("tanh", "relu", "linear"), ("relu", "tanh", "sigmoid")])
def test_forward_state_and_dynamics_match_a_hand_written_per_layer_pass(names):
    net = mixed(names)
    x_in = np.random.default_rng(3).uniform(0, 1, (7, 6))
    want = hand_forward(net, names, x_in)
    # Same operations in the same order except expit vs 1/(1+e^-y): a few ulp.
    np.testing.assert_allclose(forward_state(net, x_in), want, rtol=1e-14, atol=1e-300)
    xb = boundary_state(net, x_in, np.clip(want[:, -3:], 0.01, None) if names[-1] != "linear"
                        else want[:, -3:])
    res = fixed_point(net, xb)  # the dense dynamics (2.5), per-neuron f
    assert res.converged and res.steps == len(SIZES) - 1
    np.testing.assert_allclose(res.state, want, rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("names", [("tanh", "relu", "linear"), ("relu", "tanh", "sigmoid")])
def test_g_spectrum_structured_and_matrix_free_match_dense_g_built_by_hand(names):
    net = mixed(names, weight_scale=1.5)
    x = hand_forward(net, names, np.random.default_rng(4).uniform(0, 1, 6))
    g = hand_g(net, names, x)
    lam = np.sort(np.linalg.eigvalsh(g))[::-1]
    # eigvalsh is backward stable: errors ~ 1e-15 * max λ; 1e-11 relative leaves margin while
    # one wrong f' (e.g. tanh' where relu' belongs) changes eigenvalues at O(1).
    np.testing.assert_allclose(g_spectrum(net, x, "structured").eigenvalues, lam, rtol=1e-11)
    np.testing.assert_allclose(g_spectrum(net, x, "dense").eigenvalues, lam, rtol=1e-11)
    np.testing.assert_allclose(g_linear_operator(net, x) @ np.eye(18), g, atol=1e-13)
    ext = extreme_eigenvalues(net, x, k=3)
    np.testing.assert_allclose(ext.largest, lam[:3], rtol=1e-8)
    np.testing.assert_allclose(ext.smallest, lam[-3:], rtol=1e-8)
    log_lam = np.log(lam)
    exact = [np.sum(log_lam ** k) for k in (2, 3)]
    slq = spectral_moments(net, x, (2, 3), method="slq", seed=0, n_probes=200,
                           lanczos_steps=18)
    for value, err, want in zip(slq.values, slq.stderr, exact, strict=True):
        # SLQ with 18 = N Lanczos steps has no truncation error; the sampling error is
        # Gaussian-ish with the reported stderr: 5 sigma fails 1 run in ~10^6.
        assert abs(value - want) <= 5 * err + 1e-10, (value, want, err)


def _hand_bulk_loss(net, names, x_in, target, z):
    """½ Σ_{i in R} (x_i - f_i(w x + b)_i)² over the hidden state z (3.1), written out."""
    hidden = np.cumsum(SIZES[1:-1])
    z1, z2 = z[:hidden[0]], z[hidden[0]:]
    (w0, w1, w2), (b0, b1, b2) = layer_weights(net), layer_biases(net)
    r = np.concatenate([z1 - HAND_F[names[0]](w0 @ x_in + b0),
                        z2 - HAND_F[names[1]](w1 @ z1 + b1),
                        target - HAND_F[names[2]](w2 @ z2 + b2)])
    return 0.5 * r @ r


def test_bulk_minimum_matches_lbfgsb_with_a_box_per_hidden_layer():
    names = ("tanh", "sigmoid", "linear")
    net = mixed(names, seed=5, weight_scale=3.0)
    rng = np.random.default_rng(6)
    x_in = rng.uniform(-1, 1, (6, 6))
    targets = rng.normal(size=(6, 3))
    xb = boundary_state(net, x_in, targets)
    margin = 0.2  # box: tanh neurons [-0.6, 0.6], sigmoid ones [0.2, 0.8]: many bounds active
    bounds = [(-0.6, 0.6)] * 5 + [(0.2, 0.8)] * 4
    for solver in ("dense", "matrix_free"):
        res = constrained_bulk_minimum(net, xb, margin=margin, solver=solver, gtol=1e-12)
        assert res.all_converged, res.message
        z = res.state[:, 6:15]
        n_active = 0
        for k in range(len(x_in)):
            ref = minimize(lambda v, k=k: _hand_bulk_loss(net, names, x_in[k], targets[k], v),
                           np.clip(forward_state(net, x_in[k])[6:15], *np.array(bounds).T),
                           method="L-BFGS-B", bounds=bounds,
                           options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000})
            h = _hand_bulk_loss(net, names, x_in[k], targets[k], z[k])
            # Same local minimum (same start): H agrees to round-off of the two solvers'
            # stopping tests; 1e-8 relative is the bound.
            assert h == pytest.approx(ref.fun, rel=1e-8), (solver, k)
            np.testing.assert_allclose(z[k], ref.x, atol=1e-5)
            assert np.all(z[k] >= np.array(bounds)[:, 0]) and np.all(
                z[k] <= np.array(bounds)[:, 1])
            n_active += int(np.sum(np.isclose(z[k][:, None], np.array(bounds)).any(axis=-1)))
            assert res.loss[k] == pytest.approx(h, rel=1e-12)
        assert n_active > 0  # the per-neuron box was exercised, not only its interior


# ---- refusals -----------------------------------------------------------------------------

def test_what_needs_one_f_refuses_a_per_layer_one_by_name():
    from learning.ensemble import (
        canonical_samples,
        exact_canonical_ensemble,
        monte_carlo_partition_function,
    )
    from learning.experiments.training import TrainingConfig

    net = from_layers([np.ones((1, 1)), np.ones((1, 1))], [np.zeros(1), np.zeros(1)],
                      ["tanh", "sigmoid"])
    with pytest.raises(ValueError, match=r"septuple has a different activation per layer.*"
                       r"window='box'"):
        exact_canonical_ensemble(net, 1.0, window="box")
    with pytest.raises(ValueError, match=r"septuple .* window='box'"):
        monte_carlo_partition_function(net, 1.0, window="box", n_samples=10)
    with pytest.raises(ValueError, match=r"septuple .* canonical_samples"):
        canonical_samples(net, 1.0, n_chains=2, n_steps=20, burn_in=10)
    with pytest.raises(ValueError, match="activation must be one name"):
        TrainingConfig(sizes=(2, 2), activation="relu,linear")


# ---- files --------------------------------------------------------------------------------

def test_every_format_round_trips_different_activations_per_layer(tmp_path):
    pytest.importorskip("safetensors")
    pytest.importorskip("h5py")
    pytest.importorskip("onnx")
    from learning.io import load_network, read_network, save_network
    from tests.learning import model_files as mf

    names = ["tanh", "relu", "sigmoid"]
    net = mixed(names, seed=7)
    w = [np.array(x) for x in layer_weights(net)]
    b = [np.array(x) for x in layer_biases(net)]
    onnx_ops = ["Tanh", "Relu", "Sigmoid"]
    paths = {"npz": tmp_path / "m.npz", "safetensors": tmp_path / "m.safetensors",
             "h5": tmp_path / "m.h5", "keras": tmp_path / "m.keras",
             "onnx": tmp_path / "m.onnx", "onnx-matmul": tmp_path / "mm.onnx"}
    save_network(net, paths["npz"])
    mf.write_safetensors(paths["safetensors"], w, b, activation=",".join(names))
    mf.write_keras_h5(paths["h5"], w, b, names)
    mf.write_keras_archive(paths["keras"], w, b, names)
    mf.write_onnx(paths["onnx"], w, b, onnx_ops)
    mf.write_onnx(paths["onnx-matmul"], w, b, onnx_ops, matmul=True)
    with np.load(paths["npz"]) as data:
        assert data["activation"].tolist() == names
    for kind, path in paths.items():
        back = read_network(path).septuple
        assert back.activation == net.activation, kind
        assert [a.name for a in layer_activations(back.activation, SIZES)] == names
        for x, y in zip(layer_weights(back) + layer_biases(back), w + b, strict=True):
            # float64 written, float64 read: the same bits (1e-15 is the bound).
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-15)
    # A file without activations (a bare state dict), told one per layer by the caller.
    mf.write_safetensors(tmp_path / "bare.safetensors", w, b)
    back = load_network(tmp_path / "bare.safetensors", activation="tanh,relu,sigmoid")
    assert back.activation == net.activation
    # A linear output layer in ONNX is a Gemm with no activation node.
    mf.write_onnx(tmp_path / "lin.onnx", w, b, ["Relu", "Relu", None])
    assert read_network(tmp_path / "lin.onnx").septuple.activation.name == "relu,linear"


def test_save_network_refuses_an_input_f_a_file_cannot_say(tmp_path):
    from learning.io import save_network

    net = mixed()
    odd = Septuple(net.weights_storage, net.bias,
                   LayerwiseActivation((LINEAR, TANH, RELU, LINEAR), SIZES),
                   net.input_indices, net.output_indices, layer_sizes=SIZES)
    with pytest.raises(ValueError, match="septuple.activation.*input layer"):
        save_network(odd, tmp_path / "odd.npz")
    assert not (tmp_path / "odd.npz").exists()


def test_analyze_command_on_a_mixed_file_end_to_end(tmp_path, capsys):
    from learning.analysis import analyze_network
    from learning.cli.analyze import main
    from learning.io import save_network

    names = ("relu", "tanh", "sigmoid")
    net = mixed(names, seed=8)
    save_network(net, tmp_path / "mixed.npz")
    rng = np.random.default_rng(9)
    inputs = rng.uniform(0, 1, (12, 6))
    targets = rng.uniform(0.1, 0.9, (12, 3))
    np.savez(tmp_path / "data.npz", inputs=inputs, targets=targets)
    out = tmp_path / "report"
    assert main([str(tmp_path / "mixed.npz"), "--data", str(tmp_path / "data.npz"),
                 "--out", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)["result"]
    direct = analyze_network(net, inputs, targets, seed=0)
    assert direct.losses is not None and direct.losses.status == "computed"
    assert direct.losses.converged_fraction == 1.0
    assert direct.losses.bulk <= direct.losses.boundary  # (3.2) never exceeds the start
    # The file gives the same numbers as the network in memory (it round-trips exactly).
    mu = {m.order: m.value for m in direct.spectrum.moments}
    assert payload["activation"] == "relu,tanh,sigmoid"
    from_file = payload["spectrum"]["moments"]
    assert from_file["mu2"]["value"] == mu[2] and from_file["mu3"]["value"] == mu[3]
    assert payload["losses"]["bulk"] == direct.losses.bulk
    # ... and μ_2 is Tr (log G)² of G built by hand at the reported mean state.
    lam = np.linalg.eigvalsh(hand_g(net, names, direct.mean_state.x_mean))
    assert mu[2] == pytest.approx(np.sum(np.log(lam) ** 2), rel=1e-10)
    assert (out / "report.md").is_file()


def test_analyze_command_takes_one_activation_per_layer_for_a_file_that_names_none(
        tmp_path, capsys):
    pytest.importorskip("safetensors")
    from learning.cli.analyze import main
    from tests.learning import model_files as mf

    net = mixed(("tanh", "relu", "sigmoid"), seed=10)
    mf.write_safetensors(tmp_path / "bare.safetensors", [np.array(w) for w in layer_weights(net)],
                         [np.array(b) for b in layer_biases(net)])
    model = str(tmp_path / "bare.safetensors")
    assert main([model, "--activation", "tanh,relu,sigmoid", "--out", str(tmp_path / "o"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result"]["activation"] == "tanh,relu,sigmoid"
    for bad, problem in ((["--activation", "tanh,relu"], "2 activations for 3 layers"),
                         (["--activation", "tanh,softplus"], "softplus")):
        with pytest.raises(SystemExit) as info:
            main([model, *bad, "--out", str(tmp_path / "p")])
        assert info.value.code == 2
        assert problem in capsys.readouterr().err


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=3, max_size=5),
       names=st.lists(st.sampled_from(["tanh", "sigmoid", "relu", "linear"]), min_size=4,
                      max_size=4),
       seed=st.integers(0, 2**31 - 1))
def test_identities_hold_for_any_activations_per_layer(tmp_path_factory, sizes, names, seed):
    from learning.io import load_network, save_network
    from learning.losses import bulk_loss

    names = names[:len(sizes) - 1]
    net = feedforward(sizes, names, seed=seed, bias_scale=0.5)
    x_in = np.random.default_rng(seed).uniform(0, 1, (3, sizes[0]))
    x = forward_state(net, x_in)
    # (2.9): the layered pass is the fixed point of the dynamics (2.5) with each neuron's f.
    res = fixed_point(net, boundary_state(net, x_in, np.clip(x[:, -sizes[-1]:], 1e-3, None)
                                          if names[-1] in ("sigmoid", "relu") else
                                          x[:, -sizes[-1]:]))
    np.testing.assert_allclose(res.state, x, rtol=1e-13, atol=1e-15)
    # Zero local error at the fixed point (3.1) and log det G = 0 (7.7)-(7.8).
    assert np.all(bulk_loss(net, x, x) < 1e-25)  # inputs clamped by (2.8)
    assert abs(g_spectrum(net, x[0]).sum_log) < 1e-9
    path = tmp_path_factory.mktemp("rt") / "n.npz"
    save_network(net, path)
    back = load_network(path)
    assert back.activation == net.activation or back.activation is net.activation
    assert np.array_equal(forward_state(back, x_in), x)
