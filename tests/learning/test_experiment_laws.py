"""The laws section of the report on synthetic trajectories whose answers are known."""

import json

import numpy as np
import pytest

from learning.experiments.laws import laws_section, run_laws
from learning.laws import beta_from_gap_two_level, first_law_increments
from learning.spectrum import spectrum_from_eigenvalues

GAP = -1.2  # a fixed gap: β_ref = 1/(1 + e^{-0.6}) ≈ 0.646 at every checkpoint


def _run(direction: float, temperature_factor: float = 1.0, label="deep-seed0") -> dict:
    base = np.array([8.0, 3.0, 1.5, 0.6, 0.2, 0.05])
    epochs = [0, 1, 3, 10, 30, 100]
    lams = [base * np.exp(direction * 0.3 * k) for k in range(len(epochs))]
    beta_ref = beta_from_gap_two_level(GAP)
    spectra = [spectrum_from_eigenvalues(lam, n_neurons=8) for lam in lams]
    dx = first_law_increments(spectra, beta_ref)
    bulk = 5.0 + temperature_factor * np.r_[0.0, np.cumsum(dx)] / beta_ref
    cps = [{"epoch": e, "measurements": {"log_lambda_dynamical": np.log(lam).tolist(),
                                         "gap_log_lambda": GAP, "bulk_loss": float(u)}}
           for e, lam, u in zip(epochs, lams, bulk, strict=True)]
    return {"label": label, "group": "deep", "sizes": [2, 3, 3], "checkpoints": cps}


def test_falling_entropy_and_an_exact_first_law_hold(tmp_path):
    section = laws_section([_run(+1.0)], tmp_path)
    verdicts = {c.text: c.verdict.value for c in section.claims}
    entropy = [v for t, v in verdicts.items() if "(7.6)" in t]
    assert entropy and all(v == "holds" for v in entropy)
    first = [v for t, v in verdicts.items() if t.startswith("(7.11)")]
    assert first == ["holds", "holds"]
    fit = section.numbers["runs"]["deep-seed0"]["first_law_fit"]
    assert fit["T"] == pytest.approx(1 + np.exp(GAP / 2), rel=1e-10)  # T = 1/β_ref exactly
    assert fit["r2"] == pytest.approx(1.0, abs=1e-12)
    assert (tmp_path / "laws.png").exists()
    json.dumps(section.numbers)  # JSON-ready


def test_rising_entropy_and_a_wrong_temperature_fail():
    section = laws_section([_run(-1.0, temperature_factor=3.0)])
    verdicts = {c.text: c.verdict.value for c in section.claims}
    assert all(v == "fails" for t, v in verdicts.items() if "β = " in t)
    t_claim = next(c for c in section.claims if "equals 1/β" in c.text)
    assert t_claim.verdict.value == "fails"
    assert t_claim.measured["T - 1/β_ref"] == pytest.approx(2 * (1 + np.exp(GAP / 2)),
                                                            rel=1e-10)
    laws = run_laws(_run(-1.0))
    mono = laws.entropy["β = 1"][1]
    assert mono.rising_steps == (0, 1, 2, 3, 4)
    assert mono.relative_max_rise > 0.1
