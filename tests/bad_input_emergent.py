"""Bad-input table for the public names of emergent and ntcore not in tests/test_bad_input.py.

Each entry: the public name -> bad calls that must raise ValueError/TypeError naming the
argument; typed results the library builds go in ``RESULT_TYPES``; known open refusals in
``XFAIL`` (strict) with the reason.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from tests.bad_input_support import Bad, _grid, _jet, _path

NAN = float("nan")
# A directory that does not exist: a bad call that were accepted could not write anything.
_NOWHERE = "/nonexistent-dir/out.txt"


# --- fixtures (small and valid, so that only the named argument is wrong) ------------------
def _times():
    return np.linspace(0.0, 0.2, 3)


def _psi():
    from emergent.schrodinger import free_gaussian_packet

    return free_gaussian_packet(_grid(), _times(), 1.0, 1.0)


def _fields():
    from emergent.nelson import drift_fields

    return drift_fields(_grid(), _psi(), 1.0)


def _riemann():
    from emergent.curvature import riemann

    return riemann(_jet())


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.figure()


BAD: dict[str, list[Bad]] = {
    # emergent.curvature
    "emergent.jets.check_jet": [Bad(lambda f: f("jet"), "jet"),
                                Bad(lambda f: f(dataclasses.replace(_jet(), w=np.eye(3))),
                                    "jet")],
    "emergent.curvature.inverse_metric_derivative": [Bad(lambda f: f("jet"), "jet")],
    "emergent.curvature.christoffels": [Bad(lambda f: f(np.eye(3)), "jet")],
    "emergent.curvature.riemann": [Bad(lambda f: f(_jet(), "ch"), "ch"),
                                   Bad(lambda f: f(None), "jet")],
    "emergent.curvature.ricci": [Bad(lambda f: f(np.zeros((3, 3))), "riem")],
    "emergent.curvature.ricci_scalar_of": [Bad(lambda f: f(_jet(), np.zeros((2, 2))), "ric")],
    "emergent.curvature.einstein_upper": [Bad(lambda f: f(_jet(), np.zeros((2, 2))), "ric"),
                                          Bad(lambda f: f("jet", np.zeros((3, 3))), "jet")],
    # emergent.entropic_action
    "emergent.entropic_action.evaluate_form": [Bad(lambda f: f(_path(), form="11.9"), "form"),
                                               Bad(lambda f: f("path"), "path")],
    "emergent.entropic_action.form_11_6a": [Bad(lambda f: f(_path(), method="magic"),
                                                "method")],
    "emergent.entropic_action.form_11_6b": [Bad(lambda f: f("path"), "path")],
    "emergent.entropic_action.form_11_7a": [Bad(lambda f: f(_path(), method=3), "method")],
    "emergent.entropic_action.form_11_7b": [Bad(lambda f: f(None), "path")],
    "emergent.entropic_action.form_11_7c": [Bad(lambda f: f(_path(), method="fd2"),
                                                "method")],
    # emergent.nelson
    "emergent.nelson.drifts.drift_fields": [
        Bad(lambda f: f(_grid(), _psi(), -1.0), "D"),
        Bad(lambda f: f(_grid(), 2 * _psi(), 1.0), "psi")],
    "emergent.nelson.references.oscillator_state": [
        Bad(lambda f: f(_grid(), 0.0, 1.0, 1.0, []), "terms"),
        Bad(lambda f: f(_grid(), 0.0, 1.0, NAN, [(1, 0)]), "omega")],
    "emergent.nelson.drifts.time_step_scale": [Bad(lambda f: f(_fields(), bulk=-1.0), "bulk"),
                                               Bad(lambda f: f("fields"), "fields")],
    "emergent.nelson.walkers.simulate_walkers": [
        Bad(lambda f: f(_grid(), _psi(), 1.0, _times(), 0), "n_walkers"),
        Bad(lambda f: f(_grid(), _psi(), 1.0, _times()[::-1], 10), "times")],
    "emergent.nelson.sampling.sample_density": [
        Bad(lambda f: f(_grid(), -np.ones(64), 10, np.random.default_rng(0)), "p"),
        Bad(lambda f: f(_grid(), np.ones(64), 10, 0), "rng")],
    "emergent.nelson.sampling.ks_distance": [
        Bad(lambda f: f(_grid(), np.ones(64), [NAN]), "samples")],
    "emergent.nelson.sampling.l1_distance": [
        Bad(lambda f: f(_grid(), np.ones(64), "x"), "samples")],
    "emergent.nelson.grid_fokker_planck.fokker_planck_with_drift": [
        Bad(lambda f: f(_grid(), _psi(), -1.0, _times()), "D"),
        Bad(lambda f: f(_grid(), _psi(), 1.0, [0.0, 1.0]), "psi")],
    "emergent.nelson.identities.mean_acceleration": [
        Bad(lambda f: f(_grid(), [0.0, 1.0], _psi(), 1.0), "times")],
    "emergent.nelson.identities.newton_residual": [
        Bad(lambda f: f(_grid(), _times(), _psi(), 1.0, potential=np.ones(5)), "potential")],
    "emergent.nelson.identities.fokker_planck_residuals": [
        Bad(lambda f: f(_grid(), _times(), _psi(), -1.0), "D"),
        Bad(lambda f: f(_grid(), [0.0, 0.1], _psi(), 1.0), "times")],
    "emergent.nelson.sampling.fit_order": [Bad(lambda f: f([1.0, 2.0], [1.0, -1.0]), "err"),
                                           Bad(lambda f: f([1.0, 0.0], [1.0, 2.0]), "x")],
    "emergent.nelson.sampling.l1_noise": [Bad(lambda f: f(_grid(), np.ones(64), 0), "n"),
                                          Bad(lambda f: f(_grid(), np.ones(5), 10), "p")],
    # emergent.experiments
    "emergent.experiments.nelson_paper.compare_with_paper": [
        Bad(lambda f: f(n=0), "n"), Bad(lambda f: f(n_walkers=0), "n_walkers"),
        Bad(lambda f: f(D=NAN), "D")],
    "emergent.experiments.nelson_paper.format_comparison": [Bad(lambda f: f("cmp"), "cmp")],
    "emergent.experiments.nelson_checks.run_checks": [Bad(lambda f: f({"seed": 0}), "cfg")],
    "emergent.derivation_audit.check_config": [Bad(lambda f: f({"n": 64}), "cfg")],
    "emergent.experiments.section11_errors.error_tables": [Bad(lambda f: f({"n": 64}), "cfg")],
    "emergent.experiments.section11_figures.write_figures": [Bad(lambda f: f(None, {}, "/tmp"),
                                                                 "cfg")],
    "emergent.experiments.nelson_figures.write_figures": [
        Bad(lambda f: f("cmp", (), None, "/tmp"), "cmp")],
    # emergent.onsager
    "emergent.onsager.expressions.parse_index_expression": [Bad(lambda f: f("g^{μν}"), "text"),
                                                Bad(lambda f: f(3), "text")],
    "emergent.onsager.expressions.contract_into_basis": [
        Bad(lambda f: f("g^{μν}g^{αγ}g^{βδ}", dim=1), "dim"),
        Bad(lambda f: f("g^{μν}g^{αγ}g^{βδ}", n_jets=0), "n_jets")],
    "emergent.onsager.basis.volume_euler_lagrange": [Bad(lambda f: f("jet"), "jet")],
    "emergent.onsager.cost.estimated_seconds": [Bad(lambda f: f(1.5, 4), "dim"),
                                           Bad(lambda f: f(4, -1), "n_jets")],
    "emergent.onsager.cost.check_jet_request": [Bad(lambda f: f(4, 4, max_seconds=-1.0),
                                               "max_seconds"),
                                           Bad(lambda f: f(4, 2.0), "n_jets")],
    # ntcore.atomic
    "ntcore.atomic.atomic_write": [Bad(lambda f: f(_NOWHERE, "not callable"), "write"),
                                   Bad(lambda f: f(3.5, lambda tmp: None), "path")],
    "ntcore.atomic.atomic_write_text": [Bad(lambda f: f(_NOWHERE, 3), "text")],
    "ntcore.atomic.atomic_write_json": [Bad(lambda f: f(_NOWHERE, {"x": object()}), "payload"),
                                        Bad(lambda f: f(_NOWHERE, {}, indent=-1), "indent")],
    "ntcore.atomic.atomic_savefig": [Bad(lambda f: f("fig", _NOWHERE), "fig"),
                                     Bad(lambda f: f(_figure(), _NOWHERE, dpi=0), "dpi")],
    "ntcore.atomic.remove_stale_temporaries": [Bad(lambda f: f(3.5), "directory")],
    # ntcore.display
    "ntcore.display.summary_markdown": [Bad(lambda f: f("obj"), "obj"),
                                        Bad(lambda f: f(_jet(), title=3), "title")],
    "ntcore.display.format_value": [Bad(lambda f: f(1.0, width=0), "width")],
}

# Issue 25 (reliability round 3): the grid argument of every grid function, strings and
# generators where arrays belong, NaN times, absurd sizes, an order from a NaN error.
def _gen():
    return (x for x in (0.0, 0.1, 0.2))


_ROUND3: dict[str, list[Bad]] = {
    "emergent.grids.Grid": [Bad(lambda f: f((10**7, 10**7), (1.0, 1.0)), "shape"),
                            Bad(lambda f: f("abc", (1.0,)), "shape"),
                            Bad(lambda f: f((64,), "abc"), "lengths")],
    "emergent.grids.check_grid": [Bad(lambda f: f("grid"), "grid"),
                                  Bad(lambda f: f(None, "g"), "g")],
    "emergent.grids.check_density": [Bad(lambda f: f(3.0, np.ones(64)), "grid")],
    "emergent.grids.check_band_limit": [Bad(lambda f: f(np.zeros(64), np.ones(64)), "grid")],
    "emergent.grids.spectral_tail": [Bad(lambda f: f(None, np.ones(64)), "grid")],
    "emergent.nelson.drifts.drift_fields": [Bad(lambda f: f("grid", _psi(), 1.0), "grid")],
    "emergent.nelson.references.oscillator_state": [
        Bad(lambda f: f([64], 0.0, 1.0, 1.0, [(1, (0,))]), "grid"),
        Bad(lambda f: f(_grid(), 0.0, 1.0, 1.0, 3), "terms"),
        Bad(lambda f: f(_grid(), "abc", 1.0, 1.0, [(1, (0,))]), "t")],
    "emergent.nelson.walkers.simulate_walkers": [
        Bad(lambda f: f(64, _psi(), 1.0, _times(), 1000), "grid"),
        Bad(lambda f: f(_grid(), _psi(), 1.0, _gen(), 1000), "times"),
        Bad(lambda f: f(_grid(), _psi(), 1.0, _times(), 1000, seed=-1), "seed")],
    "emergent.nelson.sampling.sample_density": [
        Bad(lambda f: f(_grid(), np.ones(64), 10**12, np.random.default_rng(0)), "n"),
        Bad(lambda f: f(None, np.ones(64), 10, np.random.default_rng(0)), "grid")],
    "emergent.nelson.sampling.ks_distance": [Bad(lambda f: f(1.0, np.ones(64), [0.0]), "grid")],
    "emergent.nelson.sampling.l1_distance": [Bad(lambda f: f("g", np.ones(64), [0.0]), "grid"),
                                             Bad(lambda f: f(_grid(), np.ones(64), "abc"),
                                                 "samples")],
    "emergent.nelson.sampling.l1_noise": [Bad(lambda f: f(object(), np.ones(64), 10), "grid")],
    "emergent.nelson.grid_fokker_planck.fokker_planck_with_drift": [
        Bad(lambda f: f(None, _psi(), 1.0, _times()), "grid"),
        Bad(lambda f: f(_grid(), _psi(), 1.0, "abc"), "times")],
    "emergent.nelson.identities.mean_acceleration": [
        Bad(lambda f: f(_grid(), [0.0, NAN, 0.2], _psi(), 1.0), "times"),
        Bad(lambda f: f(_grid(), "abc", _psi(), 1.0), "times")],
    "emergent.nelson.identities.newton_residual": [
        Bad(lambda f: f(_grid(), [0.0, 0.1, NAN], _psi(), 1.0), "times"),
        Bad(lambda f: f(_grid(), _gen(), _psi(), 1.0), "times")],
    "emergent.nelson.identities.fokker_planck_residuals": [
        Bad(lambda f: f("g", _times(), _psi(), 1.0), "grid"),
        Bad(lambda f: f(_grid(), "abc", _psi(), 1.0), "times")],
    "emergent.nelson.sampling.fit_order": [
        Bad(lambda f: f([1.0, 2.0, 4.0], [1.0, NAN, 0.1]), "err"),
        Bad(lambda f: f([2.0, 2.0], [1.0, 0.5]), "x"),
        Bad(lambda f: f("abc", [1.0, 0.5, 0.2]), "x")],
}
for _name, _bads in _ROUND3.items():
    BAD.setdefault(_name, []).extend(_bads)

# Typed results the library builds (not entry points that take user input).
RESULT_TYPES: set[str] = {
    "emergent.curvature.Christoffels", "emergent.derivation_audit.Measurement",
    "emergent.derivation_audit.AuditContext", "emergent.entropic_action.FormParts",
    "emergent.entropic_action.DroppedTermSizes", "emergent.candidate_paths.PathFit",
    "emergent.nelson.drifts.DriftFields", "emergent.nelson.walkers.WalkerResult",
    "emergent.nelson.grid_fokker_planck.GridFokkerPlanck",
    "emergent.experiments.nelson_paper.RouteRow",
    "emergent.experiments.nelson_paper.PaperComparison",
    "emergent.experiments.nelson_checks.NelsonConfig", "emergent.experiments.nelson_checks.Metric",
    "emergent.experiments.nelson_checks.KnownAnswer",
    "emergent.experiments.nelson_checks.GridCheck", "emergent.experiments.nelson_checks.LawCheck",
    "emergent.experiments.nelson_checks.OrderFit",
    "emergent.experiments.nelson_checks.NelsonChecks",
    "emergent.experiments.section11_errors.ErrorRow",
    "emergent.experiments.section11_errors.ErrorTable",
}
XFAIL: dict[tuple[str, int], str] = {}
