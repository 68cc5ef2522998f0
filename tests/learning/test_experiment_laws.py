"""The laws section of the report on synthetic trajectories whose answers are known.

Each trajectory is built so that one reading decides: the <x> term of (5.11) that turns a
rise of S (5.14) into a fall, a first step that breaks the literal (7.6) but not its trend, a
single step that makes the (7.11) slope.  The expected S come from the per-mode Gaussian
formula written out here, not from the code under test.
"""

import json

import numpy as np
import pytest

from learning.experiments.laws import EXACT, LARGE_N, reading_key, run_laws
from learning.experiments.laws_report import laws_section
from learning.laws import beta_from_gap_two_level, first_law_increments
from learning.spectrum import spectrum_from_eigenvalues

GAP = -1.2  # a fixed gap: β_ref = 1/(1 + e^{-0.6}) ≈ 0.646 at every checkpoint
BASE = np.array([8.0, 3.0, 1.5, 0.6, 0.2, 0.05])
EPOCHS = [0, 1, 3, 10, 30, 100]
N = 8  # sizes (2, 3, 3): dim S = 6 of the eigenvalues above, two eigenvalues 1 outside


def _s_mode(lam, a2, beta):
    """S = log Z + βU of one Gaussian mode of (5.11), m = 0, written out independently."""
    x = beta * lam / (1 + beta * lam)
    return 0.5 * (np.log(2 * np.pi) - np.log(1 + beta * lam) + x) - 0.5 * a2 * x**2


def _run(lams, *, a2=None, outside=None, bulk=None, boundary=None, label="deep-seed0"):
    n = len(lams)
    bulk = 5.0 - 0.1 * np.arange(n) if bulk is None else bulk
    boundary = 1.0 / (1.0 + np.arange(n)) if boundary is None else boundary
    cps = []
    for k, (e, lam) in enumerate(zip(EPOCHS, lams, strict=True)):
        m = {"log_lambda_dynamical": np.log(lam).tolist(), "gap_log_lambda": GAP,
             "bulk_loss": float(bulk[k]), "boundary_loss": float(boundary[k])}
        if a2 is not None:
            m["mean_components"] = np.sqrt(a2[k]).tolist()
            m["mean_outside_norm2"] = float(outside[k])
        cps.append({"epoch": e, "measurements": m})
    return {"label": label, "group": "deep", "sizes": [2, 3, 3], "checkpoints": cps}


def _verdict(section, label, choice, form, kind):
    return section.per_run[label][reading_key(choice, form, kind)].verdict.value


def test_the_mean_term_decides_the_sign_of_dS():
    # λ shrink (S of (5.14) rises at every β) while <x> grows (its term makes S of (5.11) fall).
    lams = [BASE * np.exp(-0.05 * t) for t in range(6)]
    a2 = [np.full(6, 1.0 + 0.3 * t) for t in range(6)]
    outside = [4.0 * (1 + 0.3 * t) for t in range(6)]
    section = laws_section([_run(lams, a2=a2, outside=outside)])
    res = section.results[0]
    for beta in (0.5, 1.0, 2.0):
        s11 = [_s_mode(lam, a, beta).sum() + _s_mode(1.0, o, beta) + _s_mode(1.0, 0.0, beta)
               for lam, a, o in zip(lams, a2, outside, strict=True)]
        s14 = [_s_mode(lam, 0.0, beta).sum() + 2 * _s_mode(1.0, 0.0, beta) for lam in lams]
        assert np.all(np.diff(s14) > 0) and np.all(np.diff(s11) < 0)  # built so
        rd11, rd14 = res.reading(f"β = {beta:g}", EXACT), res.reading(f"β = {beta:g}", LARGE_N)
        np.testing.assert_allclose(rd11.literal.values, s11, rtol=1e-13)
        np.testing.assert_allclose(rd14.literal.values, s14, rtol=1e-13)
        assert _verdict(section, "deep-seed0", f"β = {beta:g}", EXACT, "literal") == "holds"
        assert _verdict(section, "deep-seed0", f"β = {beta:g}", LARGE_N, "literal") == "fails"
    # a_i² >= 1 and the outside norm 4-10: the premise of (5.14) fails, (5.11) is trusted.
    assert res.premise.holds is False and res.premise.trusted_form == EXACT
    assert res.premise.max_component2 == pytest.approx(4.0 * 2.5)
    assert res.premise.norm2_range == pytest.approx((10.0, 25.0))
    premise = next(c for c in section.claims if c.text.startswith("(5.13)-(5.14)"))
    assert premise.verdict.value == "fails"
    assert premise.measured["max a_i² (worst run)"] == pytest.approx(10.0)


def test_small_mean_components_keep_5_14_trusted():
    lams = [BASE * np.exp(0.1 * t) for t in range(6)]
    a2 = [np.full(6, 1e-3) for _ in range(6)]
    section = laws_section([_run(lams, a2=a2, outside=[0.05] * 6)])
    res = section.results[0]
    assert res.premise.holds is True and res.premise.trusted_form == LARGE_N
    premise = next(c for c in section.claims if c.text.startswith("(5.13)-(5.14)"))
    assert premise.verdict.value == "holds"


def test_literal_and_trend_readings_differ():
    # S of (5.14) rises on the first step (λ shrink), then falls (λ grow); the boundary loss
    # has made half of its fall at epoch 1, so the trend starts there and falls throughout.
    lams = [BASE, BASE * 0.8] + [BASE * 0.8 * 1.2**k for k in range(1, 5)]
    boundary = np.array([1.0, 0.45, 0.3, 0.2, 0.15, 0.1])
    section = laws_section([_run(lams, boundary=boundary)])
    res = section.results[0]
    assert res.transient_index == 1 and res.transient_epoch == 1
    for beta in ("0.5", "1", "2"):
        rd = res.reading(f"β = {beta}", LARGE_N)
        assert rd.literal.rising_steps == (0,)
        assert rd.trend.start == 1 and rd.trend.n == 5
        assert rd.trend.correlation.rho == pytest.approx(-1.0)
        assert _verdict(section, "deep-seed0", f"β = {beta}", LARGE_N, "literal") == "fails"
        assert _verdict(section, "deep-seed0", f"β = {beta}", LARGE_N, "trend") == "holds"
    # No a_i stored: only (5.14), and it is the trusted form by default.
    assert res.reading("β = 1", EXACT) is None and res.premise.measured is False
    claims = {c.text: c.verdict.value for c in section.claims}
    assert claims["(7.6) literal: the total entropy S (7.1) never rises, log Z (5.14), "
                  "fixed β"] == "fails"
    assert claims["(7.6) trend: the total entropy S (7.1) falls after the transient, "
                  "log Z (5.14), fixed β"] == "holds"


def _first_law_run(direction: float, temperature_factor: float = 1.0, kick: float = 0.0,
                   rates=(0.3,) * 5):
    lams = [BASE * np.exp(direction * r) for r in np.r_[0.0, np.cumsum(rates)]]
    beta_ref = beta_from_gap_two_level(GAP)
    spectra = [spectrum_from_eigenvalues(lam, n_neurons=N) for lam in lams]
    dx = first_law_increments(spectra, beta_ref)
    du = temperature_factor * dx / beta_ref
    du[0] += kick
    return _run(lams, bulk=5.0 + np.r_[0.0, np.cumsum(du)]), dx


def test_falling_entropy_and_an_exact_first_law_hold(tmp_path):
    run, _ = _first_law_run(+1.0)
    section = laws_section([run], tmp_path)
    verdicts = {c.text: c.verdict.value for c in section.claims}
    entropy = [v for t, v in verdicts.items() if t.startswith("(7.6) literal")
               and "(5.14)" in t]
    assert entropy and all(v == "holds" for v in entropy)
    first = [v for t, v in verdicts.items() if t.startswith("(7.11) over all steps")]
    assert first == ["holds", "holds"]
    fit = section.numbers["runs"]["deep-seed0"]["first_law_fit"]
    assert fit["T"] == pytest.approx(1 + np.exp(GAP / 2), rel=1e-10)  # T = 1/β_ref exactly
    assert fit["r2"] == pytest.approx(1.0, abs=1e-12)
    assert (tmp_path / "laws.png").exists()
    json.dumps(section.numbers)  # JSON-ready


def test_rising_entropy_and_a_wrong_temperature_fail():
    run, _ = _first_law_run(-1.0, temperature_factor=3.0)
    section = laws_section([run])
    verdicts = {c.text: c.verdict.value for c in section.claims}
    assert all(v == "fails" for t, v in verdicts.items() if "literal" in t and LARGE_N in t)
    # no a_i stored: the (5.11) claims cannot be judged
    assert all(v == "undetermined" for t, v in verdicts.items() if EXACT in t)
    t_claim = next(c for c in section.claims if c.text.startswith("(7.11) over all steps")
                   and "equals 1/β" in c.text)
    assert t_claim.verdict.value == "fails"
    assert t_claim.measured["T - 1/β_ref"] == pytest.approx(2 * (1 + np.exp(GAP / 2)),
                                                            rel=1e-10)
    mono = section.results[0].reading("β = 1", LARGE_N).literal
    assert mono.rising_steps == (0, 1, 2, 3, 4)


def test_one_leverage_point_makes_the_slope():
    # ΔU = T ΔX exactly on every step but the first, which gets a kick; the first step has
    # the largest ΔX (λ move fast, then slowly), so the fit over all steps rests on it.
    run, dx = _first_law_run(+1.0, kick=-3.0, rates=(1.5, 0.2, 0.2, 0.2, 0.2))
    assert np.argmax(np.abs(dx)) == 0
    res = run_laws(run)
    t_true = 1 + np.exp(GAP / 2)
    assert res.leverage.most_influential == 0 and res.leverage.influential == (0,)
    assert res.leverage.loo_slopes[0] == pytest.approx(t_true, rel=1e-10)
    assert abs(res.fit.temperature - t_true) > 0.5
    # Cook's distance against its definition by refitting: D_i = (T - T_(i))² Σx² / s².
    e = res.delta_u - res.fit.temperature * dx
    s2 = e @ e / (dx.size - 1)
    cook = (res.fit.temperature - res.leverage.loo_slopes) ** 2 * (dx @ dx) / s2
    np.testing.assert_allclose(res.leverage.cooks_distance, cook, rtol=1e-9)
    # The transient (boundary loss 1/(1 + k): half of the fall at checkpoint 1) removes it.
    assert res.transient_index == 1
    assert res.fit_after_transient.temperature == pytest.approx(t_true, rel=1e-10)
    claim = next(c for c in laws_section([run]).claims if "Cook" in c.text)
    assert claim.verdict.value == "fails"


def test_gaussian_split_check_parts_add_up():
    run, _ = _first_law_run(+1.0)
    g = run_laws(run).gaussian
    # residual = ΔF + TΔ(S - S_0 - C) step by step, so the largest is at most the sum.
    assert g.relative_residual <= g.free_energy_part + g.split_part + 1e-12
    assert g.free_energy_part > 0 and g.split_part > 0


def test_gaussian_split_temperature_is_the_models_own_slope():
    # On the model (5.14) the exact U (6.1) = ½ Σ λ/(1 + βλ) (m = 0), written out here.
    run, dx = _first_law_run(+1.0)
    beta = beta_from_gap_two_level(GAP)
    lams = [np.exp(c["measurements"]["log_lambda_dynamical"]) for c in run["checkpoints"]]
    u = [0.5 * np.sum(lam / (1 + beta * lam)) + (N - lam.size) * 0.5 / (1 + beta)
         for lam in lams]
    du = np.diff(u)
    assert run_laws(run).gaussian.temperature == pytest.approx((du @ dx) / (dx @ dx),
                                                               rel=1e-10)
