"""The laws (7.6), (7.11) on SLQ checkpoints: spectral sums against the exact spectrum.

References: S of (5.14) and (5.11), S_0 + C of (7.4)/(6.7) and N_> from
:func:`learning.thermodynamics.entropy_split` on the structured eigensystem of G (every
eigenvalue and the a_i of (5.12); itself tested against dense eigh in
tests/learning/test_thermodynamics*).

Statistical tests: an SLQ sum must lie within Z = 4 of its stated error (standard error over
the probes and quadrature change combined) of the exact value; for Gaussian errors a false
failure has probability 2 (1 - Φ(4)) = 6.3e-5 per comparison.  ``test_sums_...`` makes 15
comparisons (3 traces x 5 β), ``test_changes_...`` 10 (2 traces x 5 β), so the false-failure
rate of each test is <= 9.5e-4 (the probe seed is fixed, so the tests are deterministic).
The quadratic form has no sampling error: it must agree to its quadrature tolerance (the
change from the rule cut to 3/4 of the steps plus FORM_ROUNDOFF |⟨x⟩|²).
"""

import json

import numpy as np
import pytest

from learning.activations import get_activation
from learning.analysis_spectrum import spectrum_estimate
from learning.experiments.laws import BETA_GRID
from learning.feedforward import forward_state, from_layers
from learning.spectrum import g_spectrum
from learning.thermodynamics import entropy_split, structured_mean_components
from learning.track import Recorder, laws_report
from learning.track.estimated_laws import estimated_claims, estimated_run_laws, sum_series
from learning.track.recorder import read_run
from learning.track.spectral_sums import (
    FORM_ROUNDOFF,
    ProbeRules,
    Rule,
    mean_form_rule,
    probe_rules,
    record_rules,
)
from ntcore.verdict import Verdict, no_rise_beyond_error
from tests.learning.test_track_slq import SIZES, Z, _data, _weights  # the same network


def _net(step):
    """The 20-60-60-10 tanh net of test_track_slq at ``step`` (N = 150, dim S = 150)."""
    w = _weights(step)
    n = len(SIZES) - 1
    return from_layers([w[f"{l}.weight"] for l in range(n)], [w[f"{l}.bias"] for l in range(n)],
                       get_activation("tanh"))


def _state(net):
    x = np.random.default_rng(1).uniform(-1, 1, size=(30, SIZES[0]))
    return forward_state(net, x).mean(axis=0)


def _exact(net, x, beta):
    e = entropy_split(g_spectrum(net, x), beta, structured_mean_components(net, x))
    return {"entropy": e.entropy - e.mean_term, "mean_term": e.mean_term,
            "bracket": e.thermodynamic_entropy + e.complexity_split, "n_large": e.n_large}


def _rules(net, x):
    est = spectrum_estimate(net, x, seed=0, method="slq")
    return ProbeRules(record_rules(est.moments_result), mean_form_rule(net, x))


@pytest.fixture(scope="module")
def states():
    out = []
    for step in (0, 4):
        net = _net(step)
        x = _state(net)
        out.append((net, x, _rules(net, x)))
    return out


def test_sums_agree_with_the_exact_ones_within_their_errors(states):
    net, x, rules = states[0]
    for beta in BETA_GRID:
        ref = _exact(net, x, beta)
        for name in ("entropy", "bracket", "n_large"):
            est = rules.estimate(name, beta)
            assert 0 < est.error, (beta, name)
            assert abs(est.value - ref[name]) <= Z * est.error, (beta, name, est, ref[name])
        # informative, not vacuous: S to about a per cent
        assert rules.estimate("entropy", beta).error < 0.01 * abs(ref["entropy"])
        form = rules.estimate("mean_term", beta)
        assert form.stderr == 0.0
        assert abs(ref["mean_term"]) > 1e-3  # the <x> term is not trivially zero here
        assert abs(form.value - ref["mean_term"]) <= form.quadrature_change, (beta, form, ref)
        assert form.quadrature_change <= 10 * FORM_ROUNDOFF * float(x @ x) + 1e-8


def test_changes_between_checkpoints_agree_with_the_exact_ones_and_are_paired(states):
    (net0, x0, r0), (net1, x1, r1) = states
    for beta in BETA_GRID:
        e0, e1 = _exact(net0, x0, beta), _exact(net1, x1, beta)
        s = sum_series([r0, r1], "entropy", beta, with_form=True)
        ref = (e1["entropy"] + e1["mean_term"]) - (e0["entropy"] + e0["mean_term"])
        assert abs(s.changes[0] - ref) <= Z * s.change_errors[0], (beta, s.changes, ref)
        # the same probes at both checkpoints: the change is far better known than S
        assert s.change_errors[0] < 0.3 * s.errors.min()
        b = sum_series([r0, r1], "bracket", beta)
        ref_b = e1["bracket"] - e0["bracket"]
        assert abs(b.changes[0] - ref_b) <= Z * b.change_errors[0], (beta, b.changes, ref_b)


def _point_rules(log_lambdas, noise=0.0, seed=0, norm2=0.0):
    """Rules of a known spectrum: each of 5 'probes' puts weight 1 on every eigenvalue, the
    log-nodes shifted by probe noise of size ``noise`` (zero: every probe exact); ⟨x⟩ with
    |⟨x⟩|² = ``norm2`` on the eigenvalue 1."""
    lam = np.asarray(log_lambdas, float)
    rng = np.random.default_rng(seed)
    nodes = lam[None, :] + noise * rng.normal(size=(5, lam.size))
    w = np.ones_like(nodes)
    form = Rule(np.zeros((1, 1)), np.full((1, 1), norm2), np.zeros((1, 1)),
                np.full((1, 1), norm2))
    return ProbeRules(Rule(nodes, w, nodes, w), form, control_variate=False)


def _measured(n):
    return [{"boundary_loss": 1.0 / (k + 1), "bulk_loss": 0.1 / (k + 1),
             "gap_log_lambda": None} for k in range(n)]


def _literal_fixed_beta(res, form="(5.14)"):
    claims = estimated_claims(res)
    return next(c for c in claims if "never rises" in c.text and f"log Z {form}, fixed β"
                in c.text)


def test_known_trajectories_give_the_verdicts_they_must():
    # S of (5.14) falls as the eigenvalues of G grow (a narrower ensemble), rises as they
    # shrink; exact rules (no noise): the exact path's literal verdicts.
    spread = [np.log([2.0, 3.0, 5.0]) + c for c in (0.0, 0.5, 1.0, 1.5)]
    falling = estimated_run_laws("fall", [0, 1, 2, 3], _measured(4),
                                 [_point_rules(t) for t in spread])
    assert _literal_fixed_beta(falling).verdict is Verdict.HOLDS
    rising = estimated_run_laws("rise", [0, 1, 2, 3], _measured(4),
                                [_point_rules(t) for t in spread[::-1]])
    assert _literal_fixed_beta(rising).verdict is Verdict.FAILS
    # a small rise (one step back by 0.02 in log λ) is a violation without noise, and is
    # within the errors with probe noise of 0.5 in log λ: not a violation then.
    wiggle = [spread[0], spread[1], spread[1] - 0.02, spread[3]]
    exact = estimated_run_laws("w", [0, 1, 2, 3], _measured(4), [_point_rules(t) for t in wiggle])
    assert _literal_fixed_beta(exact).verdict is not Verdict.HOLDS
    noisy = estimated_run_laws("n", [0, 1, 2, 3], _measured(4),
                               [_point_rules(t, noise=0.5, seed=k) for k, t in enumerate(wiggle)])
    step = noisy.readings[1].series  # β = 0.5, (5.14)... any reading: the step is small
    assert np.all(step.change_errors > 0)
    assert _literal_fixed_beta(noisy).verdict is Verdict.HOLDS


def test_premise_of_5_14_is_judged_from_the_bounds_of_the_mean_state_norm():
    # N = 3: |<x>|²/3 <= max a_i² <= |<x>|²; PREMISE_A2 = 0.1.
    spread = [np.log([2.0, 3.0, 5.0]) + c for c in (0.0, 0.5)]
    words = []
    for norm2 in (0.05, 0.2, 0.6):
        res = estimated_run_laws("p", [0, 1], _measured(2),
                                 [_point_rules(t, norm2=norm2) for t in spread])
        assert res.n_neurons == 3
        words.append(estimated_claims(res)[0].verdict)
    assert words == [Verdict.HOLDS, Verdict.UNDETERMINED, Verdict.FAILS]


def test_no_rise_beyond_error_rule_both_ways():
    kw = dict(scale=1.0, holds_below=1e-9, fails_above=0.05)
    assert no_rise_beyond_error("t", rises=[0.3], errors=[0.1], **kw).verdict is Verdict.HOLDS
    assert no_rise_beyond_error("t", rises=[0.3], errors=[0.05], **kw).verdict is Verdict.FAILS
    c = no_rise_beyond_error("t", rises=[0.41, -2.0], errors=[0.1, 0.0], **kw)
    assert c.verdict is Verdict.APPROXIMATE and np.isclose(next(iter(c.measured.values())), 0.01)
    with pytest.raises(ValueError, match="scale"):
        no_rise_beyond_error("t", rises=[0.1], errors=[0.1], scale=0.0, holds_below=0,
                             fails_above=1)


def test_report_judges_slq_runs_with_the_exact_runs_numbers(tmp_path):
    steps = (0, 2, 4)
    for spectrum in ("exact", "slq"):
        rec = Recorder(tmp_path / spectrum, (SIZES, "tanh"), data=_data(), encoding="u",
                       n_bulk_samples=10, spectrum=spectrum)
        for s in steps:
            rec.record(s, _weights(s))
    stored = read_run(tmp_path / "slq")[1][2].measurements  # as read back from the file
    assert probe_rules(stored) is not None
    rep = laws_report([tmp_path / "exact", tmp_path / "slq"], tmp_path / "out")
    slq_claims = [c for c in rep.claims if "(SLQ)" in c.text]
    assert len(slq_claims) == 15 and all(c.verdict in Verdict for c in slq_claims)
    numbers = json.loads(rep.json_path.read_text())
    exact = {(r["choice"], r["form"]): r for r in numbers["runs"]["exact"]["entropy"]}
    for rd in numbers["estimated"]["laws"][0]["readings"]:
        if not rd["choice"].startswith("β ="):
            continue
        ref = exact[(rd["choice"], rd["form"])]
        assert ref["epochs"] == rd["steps"]
        for v, e, r in zip(rd["S"], rd["S_error"], ref["S"], strict=True):
            assert abs(v - r) <= Z * e, (rd["choice"], rd["form"], v, r, e)
    assert "(7.6) at each β" in rep.markdown_path.read_text()
