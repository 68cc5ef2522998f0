"""learning.analysis and ``python -m learning analyze``: the same numbers from every file
format, each derived quantity against an independent reference, bad input refused."""

from __future__ import annotations

import doctest
import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import learning.analysis as analysis
import ntcore.limits as limits
from learning.analysis import analyze_network, mean_state_and_losses
from learning.analysis_spectrum import beta_two_level, complexities_of, spectrum_estimate
from learning.cli import main as cli_main
from learning.feedforward import feedforward, layer_biases, layer_weights
from learning.io import load_network, save_network
from learning.spectrum import g_operator, g_spectrum
from learning.thermodynamics import complexity_n
from tests.learning import model_files as mf

pytest.importorskip("safetensors")
pytest.importorskip("h5py")
pytest.importorskip("onnx")

SIZES = (9, 6, 5, 3)


@pytest.fixture(scope="module")
def net():
    return feedforward(SIZES, "tanh", seed=11, weight_scale=1.6, bias_scale=0.2)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, size=(30, SIZES[0])), rng.uniform(-0.9, 0.9, size=(30, SIZES[-1]))


def test_doctests_of_learning_analysis_pass():
    assert doctest.testmod(analysis).failed == 0


def test_every_format_gives_the_same_mu2_and_mu3(tmp_path, net, data):
    w = [np.array(b) for b in layer_weights(net)]
    b = [np.array(v) for v in layer_biases(net)]
    paths = [tmp_path / "m.npz", tmp_path / "m.safetensors", tmp_path / "m.h5",
             tmp_path / "m.keras", tmp_path / "m.onnx"]
    save_network(net, paths[0])
    mf.write_safetensors(paths[1], w, b, activation="tanh")
    mf.write_keras_h5(paths[2], w, b, ["tanh"] * 3)
    mf.write_keras_archive(paths[3], w, b, ["tanh"] * 3)
    mf.write_onnx(paths[4], w, b, "Tanh", matmul=True)
    reference = analyze_network(net, *data)
    mu = [reference.spectrum.moment(k).value for k in (2, 3)]
    assert reference.mean_state.kind == "bulk minimum"
    for path in paths:
        result = analyze_network(load_network(path), *data)
        # The septuples are bit-identical, so is every step after loading.
        assert [result.spectrum.moment(k).value for k in (2, 3)] == mu, path.name
        assert result.losses.bulk == reference.losses.bulk


@given(st.floats(min_value=-27.0, max_value=-0.02))
def test_beta_two_level_matches_the_closed_form_for_gamma_one_third(log_lambda):
    # For γ = 1/3 the maximum of (9.3) below 0 sits at 2 log((1 - β)/β) (docs/errata.md), so
    # β = 1/(1 + exp(log λ / 2)); the code inverts the numerically located extremum instead.
    # Brent's xtol 1e-13 plus the extremum's own refinement (xtol 1e-14) bound the error.
    expected = 1.0 / (1.0 + np.exp(log_lambda / 2.0))
    assert beta_two_level(log_lambda) == pytest.approx(expected, rel=1e-9)


def test_beta_two_level_is_nan_where_no_beta_places_a_maximum():
    with pytest.raises(ValueError, match="log_lambda = 0.5: no β"):
        beta_two_level(0.5)  # above 0: (9.3) has no maximum there
    with pytest.raises(ValueError, match="finite"):
        beta_two_level(float("nan"))


def test_complexities_from_extremes_equal_the_sums_over_all_eigenvalues(net):
    x = np.zeros(net.n_neurons)
    est = spectrum_estimate(net, x)
    full = g_spectrum(net, x)
    n_total = full.n_neurons
    got = complexities_of(est, (0, 1, 5, 20))
    assert set(got) == {0, 1, 5, 20, n_total - 20, n_total - 5, n_total - 1, n_total}
    for n, value in got.items():
        # complexity_n sums the n largest of all N eigenvalues; for n near N the extremes
        # route uses the smallest ones and μ_1: equal up to round-off of N log-terms.
        assert value == pytest.approx(complexity_n(full, n), abs=1e-10)


def test_complexity_near_n_from_slq_is_not_moved_by_the_noise_of_mu1():
    # C_{N-20} (10.5) from an SLQ estimate against the exact eigenvalues: with log det G = 0
    # (7.8) it is the eigsh extremes' accuracy; with the SLQ μ_1 it would be off by μ_1 / 2.
    big = feedforward((20, 60, 60, 10), seed=3, weight_scale=1.5)
    x = np.tanh(np.random.default_rng(1).normal(size=big.n_neurons))
    est = spectrum_estimate(big, x, seed=0, method="slq")
    assert abs(est.moment(1).value) > 0.1  # the noise the old route carried
    n = big.n_neurons
    got = complexities_of(est, (20,))
    exact = g_spectrum(big, x)
    for m in (20, n - 20):
        assert got[m] == pytest.approx(complexity_n(exact, m), abs=1e-6)


def test_moments_are_the_sums_of_powers_of_dense_log_eigenvalues(net):
    x = np.linspace(-0.5, 0.5, net.n_neurons)
    est = spectrum_estimate(net, x)
    dense = np.log(np.linalg.eigvalsh(g_operator(net, x)))
    for k in (1, 2, 3, 4):
        # Dense eigvalsh of the N x N G: an independent route; log λ errors ~ 1e-15 each.
        assert est.moment(k).value == pytest.approx(np.sum(dense**k), abs=1e-10)
    # The density integrates to the number of eigenvalues it shows (equal bins).
    counted = est.density.density.sum() * np.diff(est.density.grid)[0]
    assert counted == pytest.approx(net.n_neurons - est.density.n_at_one, rel=1e-12)


def test_bulk_mean_state_has_u_below_u_boundary(net, data):
    state, losses = mean_state_and_losses(net, *data)
    assert state.kind == "bulk minimum" and losses.status == "computed"
    # The bulk minimum starts at the forward state with the outputs clamped, where the bulk
    # loss is the boundary loss (2.11); it only goes down.
    assert losses.bulk <= losses.boundary
    assert losses.ratio == pytest.approx(losses.bulk / losses.boundary)


def test_bulk_gtol_of_the_analysis_leaves_u_and_the_mean_state_unchanged(net, data):
    # The analysis stops the bulk minima at BULK_GTOL, not the solver's 1e-10.  The minimiser
    # is then off by ~gtol / curvature per component (averaged over samples in x̄) and H by
    # ~gtol² / curvature: with gtol = 1e-6 and the curvatures of this net (>~ 0.1), x̄ within
    # 1e-5 and U within 1e-10 of the tight minima; a gtol of 1e-3 would fail both.
    from learning import boundary_state
    from learning.bulk_minimum import constrained_bulk_minimum

    state, losses = mean_state_and_losses(net, *data)
    tight = constrained_bulk_minimum(net, boundary_state(net, *data), gtol=1e-10)
    assert tight.all_converged
    assert losses.bulk == pytest.approx(tight.mean_loss, rel=0, abs=1e-10)
    np.testing.assert_allclose(state.x_mean, tight.state.mean(axis=0), rtol=0, atol=1e-5)


def test_mean_state_falls_back_to_forward_states_when_the_bulk_minimum_is_too_big(
        monkeypatch, net, data):
    monkeypatch.setattr(limits, "BULK_MINIMUM_LIMIT_BYTES", 10)
    state, losses = mean_state_and_losses(net, *data)
    assert state.kind == "forward (data)" and "GiB" in state.reason
    assert losses.status == "boundary only" and np.isnan(losses.bulk)
    from learning.feedforward import forward_state

    np.testing.assert_allclose(state.x_mean, forward_state(net, data[0]).mean(axis=0))


def test_wide_networks_take_the_stochastic_route_with_error_bars(monkeypatch, tmp_path, capsys):
    import learning.spectral_estimates as se

    # Pretend the exact methods are too big, as they are for 784-4096-4096-4096-10.
    monkeypatch.setattr(se, "_STRUCTURED_DIM", 10)
    monkeypatch.setattr(se, "_DENSE_N", 10)
    wide = feedforward((40, 30, 30, 5), seed=4, weight_scale=1.5, bias_scale=0.1)
    x = np.zeros(wide.n_neurons)
    est = spectrum_estimate(wide, x, seed=3)
    exact = g_spectrum(wide, x)
    assert est.method == "slq" and est.spectrum is None and est.density.kind == "smoothed"
    for k in (2, 3):
        m = est.moment(k)
        # An SLQ estimate within 5 standard errors (plus the quadrature truncation) of the
        # exact sum; a wrong operator or normalisation misses by far more.
        slack = 5 * m.stderr + est.moments_result.quadrature_change[k - 1] + 1e-8
        assert abs(m.value - np.sum(exact.log_eigenvalues ** k)) <= slack
    np.testing.assert_allclose(est.largest, exact.eigenvalues[:20], rtol=1e-8)
    np.testing.assert_allclose(est.smallest, exact.eigenvalues[::-1][:20], rtol=1e-8)
    result = analyze_network(wide, seed=3)
    assert result.gap.status == "none" or "smallest" in result.gap.message
    save_network(wide, tmp_path / "w.npz")
    assert cli_main(["analyze", str(tmp_path / "w.npz"), "--out", str(tmp_path / "o")]) == 0
    assert "stochastic Lanczos quadrature" in capsys.readouterr().out


@pytest.mark.parametrize("activation, words", [
    ("tanh", "input 0 (the centre of the range of tanh)"),
    ("sigmoid", "input 0.5 (the centre of the range of sigmoid)"),
    ("relu", "input 0 (the finite end of the range of relu)"),  # [0, inf) has no centre
    ("linear", "input 0 (the middle of the unbounded range of linear)")])
def test_mean_state_without_data_says_which_input_it_used(activation, words):
    state, _ = mean_state_and_losses(feedforward((3, 2, 2), activation, seed=0))
    assert words in state.reason


def test_mean_state_needs_both_inputs_and_targets(net, data):
    with pytest.raises(ValueError, match="both inputs and targets"):
        mean_state_and_losses(net, data[0])


# ---- the command --------------------------------------------------------------------------

def test_analyze_writes_report_json_and_figures(tmp_path, net, data, capsys):
    save_network(net, tmp_path / "m.npz")
    np.savez(tmp_path / "d.npz", inputs=data[0], targets=data[1])
    out = tmp_path / "out"
    assert cli_main(["analyze", str(tmp_path / "m.npz"), "--data", str(tmp_path / "d.npz"),
                     "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "mean state  bulk minimum" in printed and "U/U_∂" in printed
    for name in ("report.md", "analysis.json", "log_lambda_density.png",
                 "extreme_eigenvalues.png", "losses.png"):
        assert (out / name).is_file(), name
    payload = json.loads((out / "analysis.json").read_text())
    expected = analyze_network(net, *data)
    assert payload["result"]["spectrum"]["moments"]["mu2"]["value"] == \
        expected.spectrum.moment(2).value
    assert payload["versions"]["h5py"] != "not installed"
    assert "μ_3" in (out / "report.md").read_text()


def test_rerun_into_the_same_out_leaves_no_figure_of_the_previous_run(tmp_path, net, data,
                                                                     capsys):
    # A run with data writes losses.png; a later run without data into the same --out must
    # not leave that figure of other data beside a report that computed no losses.
    save_network(net, tmp_path / "m.npz")
    np.savez(tmp_path / "d.npz", inputs=data[0], targets=data[1])
    out = tmp_path / "out"
    model = str(tmp_path / "m.npz")
    assert cli_main(["analyze", model, "--data", str(tmp_path / "d.npz"), "--out", str(out)]) == 0
    assert (out / "losses.png").is_file()
    assert cli_main(["analyze", model, "--out", str(out)]) == 0
    capsys.readouterr()
    payload = json.loads((out / "analysis.json").read_text())
    assert "losses" not in payload["figures"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["report.md", "analysis.json", *payload["figures"].values()])
    # Only what an earlier analysis listed is removed: a user's own losses.png in the
    # directory given as --out stays.
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "losses.png").write_bytes(b"my training curve")
    assert cli_main(["analyze", model, "--out", str(mine)]) == 0
    capsys.readouterr()
    assert (mine / "losses.png").read_bytes() == b"my training curve"


def test_analyze_json_prints_the_same_payload(tmp_path, net, capsys):
    save_network(net, tmp_path / "m.npz")
    assert cli_main(["analyze", str(tmp_path / "m.npz"), "--json",
                     "--out", str(tmp_path / "o")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "o" / "analysis.json").read_text())


BAD = [
    (["{missing}"], "no such model file"),
    (["{model}", "--format", "caffe"], "invalid choice"),
    (["{model}", "--activation", "relu"], "conflicts"),
    (["{model}", "--data", "nowhere.csv"], "--data must be"),
    (["{model}", "--data", "mnist"], "784 inputs"),
    (["{model}", "--samples", "0"], "--samples"),
    (["{model}", "--data", "{baddata}"], "must be (n, 9)"),
    (["{junk}"], "unknown model format"),
    # Each below used to run the analysis and then fail with a misleading message or a
    # traceback: an empty data file ("x_mean contains non-finite entries"), one-hot 0/1
    # targets on the ends of tanh's open range (blamed on the model file, as "outputs"),
    # an --out that is a file or lies under one (FileExistsError after the analysis).
    (["{model}", "--data", "{empty}"], "--data {empty}: holds 0 samples"),
    (["{model}", "--data", "{onehot}"], "--data {onehot}: targets has 3 entries outside"),
    (["{model}", "--data", "{labels}"], "look like class labels 0..2: one-hot encode"),
    (["{model}", "--out", "{file}"], "--out {file} is a file, not a directory"),
    (["{model}", "--out", "{file}/sub"], "--out {file}/sub lies under {file}, a file"),
]


def _analysis_must_not_run(*args, **kwargs):
    raise AssertionError("bad input reached the analysis")


@pytest.mark.parametrize("argv, message", BAD, ids=[m for _, m in BAD])
def test_bad_input_gives_usage_and_exit_2(tmp_path, net, capsys, monkeypatch, argv, message):
    save_network(net, tmp_path / "m.npz")
    np.savez(tmp_path / "bad.npz", inputs=np.zeros((3, 4)), targets=np.zeros((3, 3)))
    (tmp_path / "junk.bin").write_bytes(b"\x00junk")
    np.savez(tmp_path / "empty.npz", inputs=np.zeros((0, 9)), targets=np.zeros((0, 3)))
    np.savez(tmp_path / "onehot.npz", inputs=np.zeros((3, 9)), targets=np.eye(3))
    np.savez(tmp_path / "labels.npz", inputs=np.zeros((4, 9)), targets=np.array([0, 2, 1, 2]))
    (tmp_path / "file").write_text("not a directory")
    names = {"model": tmp_path / "m.npz", "missing": tmp_path / "absent.npz",
             "baddata": tmp_path / "bad.npz", "junk": tmp_path / "junk.bin",
             "empty": tmp_path / "empty.npz", "onehot": tmp_path / "onehot.npz",
             "labels": tmp_path / "labels.npz", "file": tmp_path / "file"}
    argv = [a.format(**names) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    # The refusal must come before the analysis, which can take minutes on a real network.
    monkeypatch.setattr(analysis, "analyze_network", _analysis_must_not_run)
    with pytest.raises(SystemExit) as info:
        cli_main(["analyze", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: python -m learning analyze" in err and message.format(**names) in err
    assert not (tmp_path / "out").exists()  # nothing written, not even a partial report


def test_bad_model_from_the_shell_has_no_traceback(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"\x08\x07garbage")
    proc = subprocess.run([sys.executable, "-m", "learning", "analyze", str(tmp_path / "m.onnx")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "cannot be read as ONNX" in proc.stderr


def test_analyze_prints_how_an_ambiguous_layer_order_was_decided(tmp_path, capsys):
    square = feedforward((6, 4, 4, 4, 2), seed=1, bias_scale=0.1)
    w = [np.array(b) for b in layer_weights(square)]
    b = [np.array(v) for v in layer_biases(square)]
    mf.write_safetensors(tmp_path / "sq.safetensors", w, b, names=["z", "b", "a", "c"],
                         activation="tanh")
    with pytest.raises(SystemExit):
        cli_main(["analyze", str(tmp_path / "sq.safetensors"), "--out", str(tmp_path / "o")])
    assert "ambiguous" in capsys.readouterr().err
    assert cli_main(["analyze", str(tmp_path / "sq.safetensors"), "--layers", "z,b,a,c",
                     "--out", str(tmp_path / "o")]) == 0
    mf.write_safetensors(tmp_path / "named.safetensors", w, b, activation="tanh")
    assert cli_main(["analyze", str(tmp_path / "named.safetensors"),
                     "--out", str(tmp_path / "o2")]) == 0
    assert "note        layer order taken from the names" in capsys.readouterr().out


@pytest.mark.slow
def test_the_example_trains_saves_and_analyses_every_format(tmp_path):
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, str(root / "examples" / "analyze_your_network.py"),
                           str(tmp_path)], capture_output=True, text=True, timeout=900,
                          env={**__import__("os").environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "every format gives the same μ_2, μ_3 and U: True" in proc.stdout
    assert (tmp_path / "analysis" / "report.md").is_file()
    # The per-layer part: refused without --activation (usage error), analysed with it.
    assert "does not say the activation" in proc.stdout and "(exit status 2)" in proc.stdout
    assert "784-40-20-10 relu,relu,linear" in proc.stdout
    assert (tmp_path / "relu_analysis" / "report.md").is_file()


def test_mnist_data_are_encoded_inside_the_range_of_a_sigmoid_network(tmp_path, capsys):
    # A sigmoid network's states lie in (0, 1): --data mnist must give pixels in [0, 1] and
    # targets 0/0.9, or boundary_state would refuse them.
    save_network(feedforward((784, 6, 10), "sigmoid", seed=0), tmp_path / "s.npz")
    assert cli_main(["analyze", str(tmp_path / "s.npz"), "--data", "mnist", "--samples", "20",
                     "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "bulk minimum" in out and "20 samples" in out


def test_config_records_the_samples_used_not_only_those_asked_for(tmp_path):
    # --samples 100 of a file holding 7: the analysis runs on 7 and analysis.json says so.
    net = feedforward((4, 3, 2), "tanh", seed=1)
    save_network(net, tmp_path / "n.npz")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", inputs=rng.uniform(-1, 1, (7, 4)),
             targets=rng.uniform(-0.9, 0.9, (7, 2)))
    assert cli_main(["analyze", str(tmp_path / "n.npz"), "--data", str(tmp_path / "d.npz"),
                     "--samples", "100", "--out", str(tmp_path / "o")]) == 0
    config = json.loads((tmp_path / "o" / "analysis.json").read_text())["config"]
    assert (config["samples"], config["samples_used"]) == (100, 7)
    assert json.loads((tmp_path / "o" / "analysis.json").read_text())[
        "result"]["losses"]["n_samples"] == 7
