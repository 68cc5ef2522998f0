"""learning.track at scale: the SLQ path of the recorder against its exact path.

Reference: the exact path (the structured diagonalisation of G, itself tested against dense
eigvalsh in tests/learning/test_spectrum*) on the same weights and data; dim S against the
number of dynamical eigenvalues of g_spectrum.

Statistical test: an SLQ estimate must lie within Z = 4 of its stated errors (standard error
over the probes and quadrature change combined) of the exact value.  For Gaussian errors a
false failure has probability 2 (1 - Φ(4)) = 6.3e-5 per quantity; three moments at two
checkpoints make 6 comparisons, so the false-failure rate of the test is <= 3.8e-4 (per
probe seed; the seeds are fixed, so the test is deterministic); the forward-state test makes
2 more, <= 1.3e-4.
"""

import json

import numpy as np
import pytest

from learning import feedforward
from learning.experiments.datasets import Dataset
from learning.spectrum import g_spectrum
from learning.track import Recorder, laws_report
from learning.track.estimated import choose_spectrum, structured_dim

Z = 4.0
SIZES = (20, 60, 60, 10)


def _data(n=30, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, SIZES[0]))
    labels = rng.integers(0, SIZES[-1], size=n)
    t = np.full((n, SIZES[-1]), -0.9)
    t[np.arange(n), labels] = 0.9
    return Dataset(x, t, labels.astype(np.int64))


def _weights(step):
    rng = np.random.default_rng(3)
    out = {}
    for l, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        w0, w1 = rng.normal(size=(b, a)), rng.normal(size=(b, a))
        out[f"{l}.weight"] = (1.5 * w0 + 0.05 * step * w1) / np.sqrt(a)
        out[f"{l}.bias"] = 0.01 * step * rng.normal(size=b)
    return out


def _record(path, spectrum, steps=(0, 4)):
    rec = Recorder(path, (SIZES, "tanh"), data=_data(), encoding="uniform, ±0.9 one-hot",
                   n_bulk_samples=15, spectrum=spectrum)
    return {s: rec.record(s, _weights(s)).measurements for s in steps}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("slq")
    return _record(root / "exact", "exact"), _record(root / "slq", "slq"), root


def test_structured_dim_is_the_number_of_dynamical_eigenvalues():
    net = feedforward((7, 5, 4, 3), seed=0)
    sp = g_spectrum(net, np.full(net.n_neurons, 0.2))
    assert structured_dim((7, 5, 4, 3)) == sp.dynamical.size
    assert choose_spectrum((784, 40, 20, 10), "auto") == "exact"
    assert choose_spectrum((784, 4096, 4096, 4096, 10), "auto") == "slq"
    with pytest.raises(ValueError, match="spectrum"):
        choose_spectrum(SIZES, "exactly")


def test_slq_moments_agree_with_the_exact_ones_within_their_errors(both):
    exact, slq, _ = both
    for step in exact:
        e, s = exact[step], slq[step]
        assert e["spectrum_method"] == "structured" and s["spectrum_method"] == "slq"
        reference = {"mu1": e["sum_log_lambda"], "mu2": e["mu2"], "mu3": e["mu3"]}
        for key, ref in reference.items():
            err = np.hypot(s[f"{key}_stderr"], s[f"{key}_quadrature_change"])
            assert 0 < err, key
            assert abs(s[key] - ref) <= Z * err, (step, key, s[key], ref, err)
        # the error is informative, not vacuous: a few per cent of μ_2 at most
        assert s["mu2_stderr"] < 0.05 * abs(e["mu2"])
        assert s["mu2_per_neuron"] == pytest.approx(s["mu2"] / sum(SIZES))


def test_slq_extremes_give_the_exact_complexities_and_losses(both):
    exact, slq, _ = both
    for step in exact:
        e, s = exact[step], slq[step]
        # C_n (10.5) from eigsh's extreme eigenvalues: the same numbers up to eigsh's tol
        assert s["C_20"] == pytest.approx(e["C_20"], rel=1e-6)
        assert s["C_N_minus_20"] == pytest.approx(e["C_N_minus_20"], rel=1e-4, abs=1e-3)
        assert s["boundary_loss"] == pytest.approx(e["boundary_loss"], rel=1e-12)
        # U (3.2): the SLQ path stops the bulk minimum at gtol 1e-6, the exact one at 1e-10
        assert s["bulk_loss"] == pytest.approx(e["bulk_loss"], rel=1e-6)


def test_slq_checkpoints_are_reproducible_and_recorded(both, tmp_path):
    _, slq, root = both
    again = _record(tmp_path / "again", "slq", steps=(4,))
    assert again[4]["mu2"] == slq[4]["mu2"] and again[4]["mu3_stderr"] == slq[4]["mu3_stderr"]
    stored = json.loads((root / "slq" / "checkpoints" / "epoch_000000004.json").read_text())
    assert stored["measurements"]["spectrum_method"] == "slq"
    assert stored["measurements"]["mu2_stderr"] == slq[4]["mu2_stderr"]
    assert json.loads((root / "slq" / "run.json").read_text())["spectrum"] == "slq"
    with pytest.raises(ValueError, match="spectrum"):  # another method: another run
        _record(root / "slq", "exact")


def test_laws_report_shows_the_errors_and_judges_log_det(both, tmp_path):
    _, slq, root = both
    report = laws_report(root / "slq", tmp_path / "out")
    assert report.section is None and report.estimated == (("slq", 0), ("slq", 4))
    claim, *laws = report.claims  # (7.8), then (7.6), (7.11) on the SLQ checkpoints
    assert "standard errors" in claim.text and claim.verdict.value == "holds"
    assert len(laws) == 15 and all("(SLQ)" in c.text for c in laws)
    text = report.markdown_path.read_text()
    err = np.hypot(slq[4]["mu2_stderr"], slq[4]["mu2_quadrature_change"])
    assert f"{slq[4]['mu2']:.5g} ± {err:.2g}" in text
    numbers = json.loads(report.json_path.read_text())
    assert numbers["estimated"]["checkpoints"][1]["mu2_stderr"] == slq[4]["mu2_stderr"]


def test_forward_spectrum_on_slq_checkpoints_agrees_with_the_exact_one(both, tmp_path):
    # Opt-in (it doubles the spectrum's cost): the exact path's forward_* keys, by SLQ.
    exact, slq, _ = both
    rec = Recorder(tmp_path / "fwd", (SIZES, "tanh"), data=_data(), encoding="uniform",
                   n_bulk_samples=15, spectrum="slq", forward_spectrum=True)
    m = rec.record(4, _weights(4)).measurements
    e = exact[4]
    for key in ("mu2", "mu3"):
        err = np.hypot(m[f"forward_{key}_stderr"], m[f"forward_{key}_quadrature_change"])
        assert abs(m[f"forward_{key}"] - e[f"forward_{key}"]) <= Z * err, key
    assert m["forward_C_20"] == pytest.approx(e["forward_C_20"], abs=1e-6)
    assert m["forward_C_N_minus_20"] == pytest.approx(e["forward_C_N_minus_20"], abs=1e-4)
    assert m["mu2"] == slq[4]["mu2"]  # the <x> spectrum is unchanged by the option
    assert m["forward_n_matvecs"] > 0 and "forward_mu2" not in slq[4]
    with pytest.raises(TypeError, match="forward_spectrum"):
        Recorder(tmp_path / "bad", (SIZES, "tanh"), forward_spectrum="yes")
