"""Every bad input refused (issue 14, item 3), table-driven.

* The public API is enumerated from ``__all__`` of every public module of ``learning``,
  ``emergent`` and ``ntcore``.  Each callable defined there has an entry in ``BAD`` (a bad
  call and the argument its error must name: ValueError/TypeError, the name in the message)
  or in ``EXEMPT`` (typed results, enums, exceptions, argument-free factories) with the
  reason.  :func:`test_every_public_name_has_an_entry` fails when a new public name appears
  without one, and prints the coverage.
* Every option of every command (``python -m learning ...``, ``python -m emergent ...``),
  read from the commands' own parsers, gets a bad value in ``BAD_OPTIONS``: usage message,
  exit status 2, no traceback (``main(argv)`` in-process).

Entries that other helpers' modules do not yet satisfy are ``xfail(strict=True)`` with the
owner in the reason, so they turn into failures (to flip) as soon as they are fixed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import signal
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

PACKAGES = ("learning", "emergent", "ntcore")


def _public_callables() -> dict[str, object]:
    out = {}
    for pkg in PACKAGES:
        root = importlib.import_module(pkg)
        names = [pkg] + [m.name for m in pkgutil.walk_packages(root.__path__, pkg + ".")]
        for modname in names:
            if any(part.startswith("_") for part in modname.split(".")):
                continue
            try:
                module = importlib.import_module(modname)
            except ImportError:  # an adapter of an optional framework that is not installed
                continue
            for attr in getattr(module, "__all__", ()):
                obj = getattr(module, attr)
                # Count each object once, where it is defined (packages re-export).
                if callable(obj) and getattr(obj, "__module__", modname) == modname:
                    out[f"{modname}.{attr}"] = obj
    return out


PUBLIC = _public_callables()
# A refusal is immediate; a call still running after this long was accepted (and would
# allocate or compute for minutes): the alarm turns it into a failure instead of a hang.
REFUSAL_SECONDS = 10


@pytest.fixture
def refuse_quickly():
    def alarm(signum, frame):
        raise TimeoutError(f"not refused within {REFUSAL_SECONDS} s: the call was accepted")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(REFUSAL_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


from tests.bad_input_support import (  # noqa: E402
    Bad,
    _constraints,
    _grid,
    _metric_functions,
    _net,
    _path,
    _spectrum,
)

NAN = float("nan")

BAD: dict[str, list[Bad]] = {
    # learning.activations
    "learning.activations.Activation": [Bad(lambda f: f("x", np.tanh, np.tanh, 1.0, -1.0),
                                            "lower")],
    "learning.activations.TANH": [Bad(lambda f: f("abc"), "y")],
    "learning.activations.SIGMOID": [Bad(lambda f: f(object()), "y")],
    "learning.activations.RELU": [Bad(lambda f: f([1, "a"]), "y")],
    "learning.activations.LINEAR": [Bad(lambda f: f(None), "y")],
    "learning.activations.get_activation": [Bad(lambda f: f("softplus"), "activation"),
                                            Bad(lambda f: f(3), "activation")],
    # learning.architecture
    "learning.architecture.laplacian_free_energy": [Bad(lambda f: f([1.0], 1e-320 * 0), "beta"),
                                                    Bad(lambda f: f("ab", 1.0), "spectrum")],
    "learning.architecture.entropy_density_log_ratio": [Bad(lambda f: f([1.0], 1.0, NAN),
                                                            "alpha"),
                                                        Bad(lambda f: f([1.0], 1.0, 1.0, -1.0),
                                                            "beta0")],
    "learning.architecture.entropy_density_log_ratio_paper": [Bad(lambda f: f([1.0], 1.0, "a"),
                                                                  "alpha")],
    "learning.architecture.two_level_minus_laplacian": [Bad(lambda f: f([0.0], 1.0, 1.5),
                                                            "gamma"),
                                                        Bad(lambda f: f([NAN], 1.0),
                                                            "log_lambda")],
    "learning.architecture.two_level_extrema": [Bad(lambda f: f(0.5, resolution=10**10),
                                                    "resolution"),
                                                Bad(lambda f: f(0.5, n=-3), "n")],
    "learning.architecture.paper_extremum_9_4": [Bad(lambda f: f(-1.0), "beta")],
    "learning.architecture.two_level_phase": [Bad(lambda f: f(0.5, gamma=0.0), "gamma")],
    "learning.architecture.odd_trace_moments": [Bad(lambda f: f(_spectrum(), 2.5),
                                                    "max_order")],
    "learning.architecture.figure1": [Bad(lambda f: f("/dev/null/x.png"), "path"),
                                      Bad(lambda f: f(3.0), "path")],
    # learning.bulk_minimum
    "learning.bulk_minimum.driver.constrained_bulk_minimum": [
        Bad(lambda f: f(_net(), np.zeros((1, 4)), gtol=-1.0), "gtol")],
    "learning.bulk_minimum.starts.bulk_minimum_start": [Bad(lambda f: f(_net(), np.zeros((1, 3))),
                                                     "x_boundary")],
    # learning.ensemble
    "learning.ensemble.exact_canonical_ensemble": [
        Bad(lambda f: f(_net(), 1.0, window="flat"), "window"),
        Bad(lambda f: f(feedforward_1_1(), 1.0, rtol=1e-30, max_nodes=1024), "max_nodes")],
    "learning.ensemble.monte_carlo_partition_function": [
        Bad(lambda f: f(_net(), 1.0, n_samples=10**9), "n_samples"),
        Bad(lambda f: f(_net(), 1.0, n_samples=2.5), "n_samples")],
    "learning.ensemble.maximum_entropy_check": [Bad(lambda f: f(feedforward_1_1(), 1.0,
                                                                strength=-1.0), "strength")],
    "learning.ensemble.canonical_samples": [Bad(lambda f: f(_net(), 1.0, n_chains=0),
                                                "n_chains"),
                                            Bad(lambda f: f(_net(), 1e308 * 10), "beta")],
    "learning.ensemble.compare_ensembles": [Bad(lambda f: f(_net(), 1.0, shell=0.0), "shell")],
    # learning.experiments (exptrust)
    "learning.experiments.datasets.load_mnist": [Bad(lambda f: f(input_scaling="bogus"),
                                                     "input_scaling")],
    "learning.experiments.datasets.read_idx": [Bad(lambda f: f(3.5), "path")],
    "learning.experiments.datasets.write_idx": [Bad(lambda f: f(3.5, np.zeros(2)), "path")],
    "learning.experiments.datasets.encode_targets": [Bad(lambda f: f(np.array([1.7]), "pm0.9"),
                                                         "labels")],
    "learning.experiments.datasets.scale_inputs": [Bad(lambda f: f(np.zeros(3), "bogus"),
                                                       "input_scaling")],
    "ntcore.executor.run_jobs": [Bad(lambda f: f(abs, [1], max_workers=0),
                                                   "max_workers")],
    "learning.experiments.figures.figure2": [Bad(lambda f: f("runs", "x.png"), "runs")],
    "learning.experiments.figures.figure3": [Bad(lambda f: f("runs", "x.png"), "runs")],
    "learning.experiments.figures.figure_histograms": [
        Bad(lambda f: f("run", "x.png", 4), "run")],
    "learning.experiments.figures.figure6": [Bad(lambda f: f("runs", "x.png"), "runs")],
    "learning.experiments.figures.figure7": [Bad(lambda f: f("runs", "x.png"), "runs")],
    "learning.experiments.figures.linear_fit": [Bad(lambda f: f([1.0, 2.0], [1.0]), "y")],
    "learning.experiments.measurements.measure_checkpoint": [
        Bad(lambda f: f("net", None, None), "septuple")],
    "learning.experiments.measurements.spectrum_summary": [
        Bad(lambda f: f([1.0, 2.0]), "spectrum")],
    "learning.experiments.pipeline.run_job": [Bad(lambda f: f({}), "job")],
    "learning.experiments.pipeline.build_jobs": [
        Bad(lambda f: f(argparse.Namespace()), "args")],
    "learning.experiments.report.write_report": [Bad(lambda f: f(3.0, {}), "out")],
    "learning.experiments.training.TrainingConfig": [Bad(lambda f: f(learning_rate=-1.0),
                                                         "learning_rate")],
    "learning.experiments.training.checkpoint_epochs": [Bad(lambda f: f("cfg"), "config")],
    "learning.experiments.training.train": [Bad(lambda f: f("cfg", None), "config")],
    # learning.feedforward / septuple / spectrum (scale)
    "learning.feedforward.feedforward": [Bad(lambda f: f((2, 0)), "sizes")],
    "learning.feedforward.from_layers": [Bad(lambda f: f([np.zeros((2, 3))], [np.zeros(3)]),
                                             "bias")],
    "learning.feedforward.layer_slices": [Bad(lambda f: f((2, -1)), "sizes")],
    "learning.feedforward.layer_weights": [Bad(lambda f: f("net"), "septuple")],
    "learning.feedforward.layer_biases": [Bad(lambda f: f("net"), "septuple")],
    "learning.feedforward.forward": [Bad(lambda f: f(_net(), np.zeros(5)), "inputs")],
    "learning.feedforward.forward_state": [Bad(lambda f: f(_net(), np.zeros(5)), "inputs")],
    "learning.losses.LocalObjective": [Bad(lambda f: f(m=NAN), "m")],
    "learning.losses.boundary_loss": [Bad(lambda f: f(_net(), np.zeros(4), np.zeros(4),
                                                      convention="2.12"), "convention")],
    "learning.losses.bulk_residual": [Bad(lambda f: f(_net(), np.zeros(3)), "x")],
    "learning.losses.bulk_loss": [Bad(lambda f: f(_net(), np.zeros(4), objective="m"),
                                      "objective")],
    "learning.losses.bulk_loss_gradient": [Bad(lambda f: f(_net(), np.full(4, NAN)), "x")],
    "learning.losses.local_potential": [Bad(lambda f: f(np.zeros(2), "m"), "objective")],
    "learning.septuple.Septuple": [Bad(lambda f: f(np.zeros((2, 2)), np.zeros(3)), "bias")],
    "learning.septuple.boundary_state": [Bad(lambda f: f(_net(), np.zeros(5)), "inputs")],
    "learning.septuple.effective_bias": [Bad(lambda f: f(_net(), np.zeros(5)), "x_boundary")],
    "learning.septuple.initial_state": [Bad(lambda f: f(_net(), np.zeros(5)), "x_boundary")],
    "learning.septuple.step": [Bad(lambda f: f(_net(), np.zeros(5)), "x")],
    "learning.septuple.clamped_image": [Bad(lambda f: f(_net(), np.zeros(4), np.zeros(5)),
                                            "x_boundary")],
    "learning.septuple.fixed_point": [Bad(lambda f: f(_net(), np.zeros(4), max_steps=-1),
                                          "max_steps")],
    "learning.septuple_checks.check_feedforward": [Bad(lambda f: f(_net(), n_layers=0),
                                                       "n_layers")],
    "learning.septuple_checks.check_input_bias": [
        Bad(lambda f: f(_net(), np.zeros(4), atol=-1.0), "atol")],
    "learning.spectrum.derivative_matrix_diagonal": [Bad(lambda f: f(_net(), np.zeros(3)),
                                                         "x_mean")],
    "learning.spectrum.g_operator": [Bad(lambda f: f(_net(), np.zeros(3)), "x_mean")],
    "learning.spectrum.check_mean_state": [Bad(lambda f: f(_net(), np.full(4, np.nan)),
                                               "x_mean")],
    "learning.spectrum.g_spectrum": [Bad(lambda f: f(_net(), np.zeros(4), method="magic"),
                                         "method")],
    "learning.spectrum.spectrum_from_eigenvalues": [Bad(lambda f: f([-1.0]), "eigenvalues")],
    "learning.spectrum.spectral_moment": [Bad(lambda f: f(_spectrum(), 1, "bogus"),
                                              "normalization")],
    "learning.spectrum.count_large": [Bad(lambda f: f(_spectrum(), 1.0, factor=0.0), "factor")],
    "learning.spectrum.log_gap": [Bad(lambda f: f(_spectrum(), min_below=0), "min_below")],
    "learning.spectrum.beta_from_log_lambda": [Bad(lambda f: f(NAN), "log_lambda")],
    "learning.spectrum.check_beta": [Bad(lambda f: f("x"), "beta"), Bad(lambda f: f(0), "beta")],
    "learning.spectrum.eigenvalues_of": [Bad(lambda f: f([]), "spectrum")],
    # learning.testing
    "learning.testing.layer_sizes": [Bad(lambda f: f(depth=1), "depth")],
    "learning.testing.feedforward_networks": [Bad(lambda f: f(max_width=0), "max_width")],
    "learning.testing.septuples": [Bad(lambda f: f(max_neurons=1), "max_neurons")],
    "learning.testing.mean_states": [Bad(lambda f: f("net"), "septuple")],
    "learning.testing.spectra": [Bad(lambda f: f(depth=1), "depth")],
    "learning.testing.eigenvalue_spectra": [Bad(lambda f: f(max_size=0), "max_size")],
    "learning.testing.inverse_temperatures": [Bad(lambda f: f(2.0, 1.0), "min_value")],
    # learning.thermodynamics
    "learning.thermodynamics.gaussian_thermodynamics": [
        Bad(lambda f: f([1.0, 2.0], beta=1e308), "beta"),
        Bad(lambda f: f([1.0], 1.0, m="a"), "m"),
        Bad(lambda f: f([1.0], 1.0, mean_components=[1.0, 2.0]), "mean_components")],
    "learning.thermodynamics.log_partition_function": [Bad(lambda f: f([1.0], -1.0), "beta")],
    "learning.thermodynamics.internal_energy": [Bad(lambda f: f([1.0], 1.0, m=NAN), "m")],
    "learning.thermodynamics.free_energy": [Bad(lambda f: f("spec", 1.0), "spectrum")],
    "learning.thermodynamics.entropy": [Bad(lambda f: f([1.0], None), "beta")],
    "learning.thermodynamics.mean_state_components": [Bad(lambda f: f(_net(), np.zeros(3)),
                                                          "x_mean")],
    "learning.thermodynamics.complexity": [Bad(lambda f: f([1.0], 1.0), "spectrum")],
    "learning.thermodynamics.complexity_n": [Bad(lambda f: f(_spectrum(), 1.5), "n")],
    "learning.thermodynamics.thermodynamic_free_energy": [Bad(lambda f: f(-1, 1.0), "n_large")],
    "learning.thermodynamics.thermodynamic_entropy": [Bad(lambda f: f(2, 0.0), "beta")],
    "learning.thermodynamics.decomposition": [Bad(lambda f: f(_spectrum(), 1.0, factor=-1.0),
                                                  "factor")],
    "learning.thermodynamics.first_law_check": [Bad(lambda f: f([_spectrum()], 1.0), "spectra"),
                                                Bad(lambda f: f([_spectrum()] * 2, 1.0,
                                                                tolerance=-1.0), "tolerance")],
    "learning.thermodynamics.second_law_check": [
        Bad(lambda f: f([_spectrum()] * 2, [1.0, 2.0, 3.0]), "betas")],
    # emergent (emergent/nelson)
    "emergent.constraints.Constraints": [Bad(lambda f: f(_grid(), np.zeros((3, 5))), "theta")],
    "emergent.constraints.moment_constraints": [Bad(lambda f: f(_grid(), degree=-1), "degree")],
    "emergent.constraints.wave_function": [Bad(lambda f: f(_constraints(), np.ones(64) / 20,
                                                           np.zeros(7)), "Phi")],
    "emergent.constraints.phase": [Bad(lambda f: f(_constraints(), np.zeros(7)), "Phi")],
    "emergent.constraints.madelung_fields": [Bad(lambda f: f(_grid(), np.ones(64), -1.0), "D")],
    "emergent.constraints.multipliers_from_wave_function": [
        Bad(lambda f: f(_constraints(), np.ones(64), floor=-1.0), "floor")],
    "emergent.constraints.madelung_residuals": [
        Bad(lambda f: f(_grid(), [0.0, 1.0], np.ones((2, 64)), 0.0), "D")],
    "emergent.constraints.quantum_potential": [Bad(lambda f: f(_grid(), np.ones(64), 1.0,
                                                               method="magic"), "method")],
    "emergent.constraints.check_multipliers": [Bad(lambda f: f(_constraints(), np.zeros(7)),
                                                   "Phi")],
    "emergent.derivation_audit.AuditConfig": [Bad(lambda f: f(n=-4), "n")],
    "emergent.derivation_audit.AuditStep": [Bad(lambda f: f("s", "maybe", "", ""), "kind")],
    "emergent.derivation_audit.audit_section11": [Bad(lambda f: f("cfg"), "cfg")],
    "emergent.derivation_audit.format_audit": [Bad(lambda f: f("steps"), "steps")],
    "emergent.derivation_audit.stationarity_table": [Bad(lambda f: f(n_times=0), "n_times")],
    "emergent.derivation_audit.convergence_order": [Bad(lambda f: f(1.0, 0.5, ratio=1.0),
                                                        "ratio")],
    "emergent.entropic_action.Path": [Bad(lambda f: f(_constraints(), -1.0, np.zeros(2),
                                                      np.zeros((2, 64)), np.zeros((2, 7))),
                                          "D")],
    "emergent.entropic_action.action_parts": [Bad(lambda f: f(_path(), form="11.9"), "form")],
    "emergent.entropic_action.action": [Bad(lambda f: f(_path(), method="magic"), "method")],
    "emergent.entropic_action.phase_gradient_term": [Bad(lambda f: f("path"), "path")],
    "emergent.entropic_action.first_variation": [Bad(lambda f: f(_path(), "11.7c", eps=-1.0),
                                                     "eps")],
    "emergent.entropic_action.dropped_term_sizes": [Bad(lambda f: f(_path(), method="magic"),
                                                        "method")],
    "emergent.entropic_action.random_direction": [
        Bad(lambda f: f(_path(), np.random.default_rng(0), which="q"), "which")],
    "emergent.entropic_action.stationarity_test": [Bad(lambda f: f(_path(), "11.7c",
                                                                   n_directions=0),
                                                       "n_directions")],
    "emergent.candidate_paths.schrodinger_path": [
        Bad(lambda f: f(_constraints(), 1.0, np.linspace(0, 1, 3), -1.0), "sigma0")],
    "emergent.candidate_paths.path_from_wave_function": [
        Bad(lambda f: f(_constraints(), 1.0, np.linspace(0, 1, 3), np.ones((2, 64))), "psi")],
    "emergent.candidate_paths.diffusion_path": [
        Bad(lambda f: f(_constraints(), 1.0, np.linspace(0, 1, 3), 0.0), "sigma0")],
    "emergent.candidate_paths.frozen_gaussian_path": [
        Bad(lambda f: f(_constraints(), 1.0, np.linspace(0, 1, 3), -2.0), "sigma")],
    "emergent.candidate_paths.multipliers_for_entropy_production": [
        Bad(lambda f: f(_constraints(), np.ones((3, 64)), -1.0, np.linspace(0, 1, 3)), "D")],
    "emergent.fokker_planck.propagate_spectral": [Bad(lambda f: f(_grid(), np.ones(64), -1.0,
                                                                  [0.0, 1.0]), "D")],
    "emergent.fokker_planck.propagate_implicit": [
        Bad(lambda f: f(_grid(), np.ones(64) / 20, 1.0, 1.0, 0), "n_steps")],
    "emergent.fokker_planck.gaussian_heat_kernel": [Bad(lambda f: f(_grid(), 0.0, 1.0, -1.0),
                                                        "sigma0")],
    "emergent.fokker_planck.shannon_entropy": [Bad(lambda f: f(_grid(), -np.ones(64)), "p")],
    "emergent.fokker_planck.entropy_production_rate": [
        Bad(lambda f: f(_grid(), np.ones(64) / 20, 1.0, method="magic"), "method")],
    "emergent.fokker_planck.check_times": [Bad(lambda f: f([1.0, 0.5]), "times")],
    "emergent.grids.Grid": [Bad(lambda f: f((0,), (1.0,)), "shape")],
    "emergent.grids.check_density": [Bad(lambda f: f(_grid(), np.ones(5)), "p")],
    "emergent.grids.check_band_limit": [Bad(lambda f: f(_grid(), np.ones(5)), "f")],
    "emergent.grids.spectral_tail": [Bad(lambda f: f(_grid(), np.ones(5)), "f")],
    "emergent.grids.sparse_lu": [Bad(lambda f: f(np.ones((2, 3))), "matrix")],
    "emergent.metrics.Metric": [Bad(lambda f: f("g", ()), "matrix")],
    "emergent.metrics.as_metric": [Bad(lambda f: f(3.0), "metric"),
                                   Bad(lambda f: f("[[__import__('os').getpid()]]", ["t"]),
                                       "metric"),
                                   Bad(lambda f: f([["1"]], ["__class__"]), "coordinates"),
                                   Bad(lambda f: f([[lambda: 1]], ["t"]), "metric")],
    "emergent.metrics.schwarzschild": [Bad(lambda f: f(mass="m m"), "mass")],
    "emergent.metrics.de_sitter": [Bad(lambda f: f(length=-1), "length")],
    "emergent.metrics.flrw": [Bad(lambda f: f(scale=lambda t: t**2), "scale")],
    "emergent.metrics.random_polynomial_metric": [Bad(lambda f: f(1), "dim")],
    "emergent.metrics.jet_at": [Bad(lambda f: f("g", (0, 0)), "metric")],
    "emergent.jets.Jet": [Bad(lambda f: f(np.eye(2), np.eye(3), np.zeros((2, 2, 2)),
                                              np.zeros((2, 2, 2, 2))), "ginv")],
    "emergent.jets.random_jet": [Bad(lambda f: f(1), "dim")],
    "emergent.onsager.basis.einstein_tensor_upper": [Bad(lambda f: f("jet"), "jet")],
    "emergent.onsager.basis.euler_lagrange_basis": [Bad(lambda f: f("jet"), "jet")],
    "emergent.onsager.basis.gamma_gamma_density": [Bad(lambda f: f("jet"), "jet")],
    "emergent.onsager.family.family_of_onsager_tensors": [Bad(lambda f: f(3, n_jets=0), "n_jets")],
    "emergent.onsager.family.onsager_verdict": [Bad(lambda f: f(4, n_jets=0), "n_jets"),
                                         Bad(lambda f: f(100), "dim")],
    "emergent.onsager.symmetry.symmetry_count": [Bad(lambda f: f(dim=1), "dim")],
    "emergent.onsager.basis.ricci_scalar": [Bad(lambda f: f("jet"), "jet")],
    "emergent.onsager.basis.divergence_term": [Bad(lambda f: f("jet"), "jet")],
    "emergent.onsager.field_equations.field_equation_signs": [Bad(lambda f: f(n_jets=0), "n_jets")],
    "emergent.onsager.symbolic.symbolic_euler_lagrange": [Bad(lambda f: f({"bogus": 1}, 3),
                                                     "coefficients")],
    "emergent.schrodinger.split_step": [Bad(lambda f: f(_grid(), np.ones(64), 1.0, 1.0, 0),
                                            "n_steps")],
    "emergent.schrodinger.crank_nicolson": [Bad(lambda f: f(_grid(), np.ones(64), 1.0, -1.0,
                                                            4), "t_final")],
    "emergent.schrodinger.free_gaussian_packet": [Bad(lambda f: f(_grid(), 0.0, 1.0, 0.0),
                                                      "sigma0")],
    "emergent.schrodinger.coherent_state": [Bad(lambda f: f(_grid(), 0.0, 1.0, -1.0), "omega")],
    "emergent.schrodinger.harmonic_potential": [Bad(lambda f: f(_grid(), 1.0, NAN), "omega")],
    "emergent.variational.generic_metric": [Bad(lambda f: f(0), "dim")],
    "emergent.variational.euler_lagrange": [Bad(lambda f: f("L", {}, ()), "density")],
    "emergent.variational.differ_by_divergence": [
        Bad(lambda f: f(0, 0, *_metric_functions(), n_samples=0), "n_samples")],
    # ntcore
    "ntcore.checks.real_number": [Bad(lambda f: f("m", "abc"), "m")],
    "ntcore.checks.positive_number": [Bad(lambda f: f("beta", -1.0), "beta")],
    "ntcore.checks.count": [Bad(lambda f: f("n", 1.5), "n")],
    "ntcore.imports.import_graph": [Bad(lambda f: f(3.5, ("ntcore",)), "root"),
                                    Bad(lambda f: f(".", "ntcore"), "packages")],
    "ntcore.imports.import_cycles": [Bad(lambda f: f([("a", "b")]), "graph")],
    "ntcore.imports.layer_groups": [Bad(lambda f: f({"a": ["b"]}), "graph")],
    "ntcore.imports.package_graph": [Bad(lambda f: f("a -> b"), "graph")],
    "ntcore.imports.mermaid": [Bad(lambda f: f(None), "graph")],
    "ntcore.imports.layering_violations": [Bad(lambda f: f(["a"]), "graph")],
    "ntcore.imports.layers": [Bad(lambda f: f("a"), "graph"),
                              Bad(lambda f: f({"a": {"b"}, "b": {"a"}}), "graph")],
    "ntcore.imports.text_diagram": [Bad(lambda f: f(None), "graph")],
    "ntcore.checks.check_memory": [Bad(lambda f: f("n", 1e20, "x", "y"), "n")],
    "ntcore.verdict.Claim": [Bad(lambda f: f("t", "r", {}, "holds"), "verdict")],
    "ntcore.verdict.within_tolerance": [Bad(lambda f: f("t", measured=NAN, tolerance=1.0),
                                            "measured")],
    "ntcore.verdict.graded": [Bad(lambda f: f("t", measured=0.1, holds_below=1.0,
                                              fails_above=0.5), "fails_above")],
    "ntcore.verdict.sign_of": [Bad(lambda f: f("t", measured=1.0, expected_sign=2),
                                   "expected_sign")],
    "ntcore.verdict.order_at_least": [Bad(lambda f: f("t", measured_order=1.0,
                                                      expected_order=2.0, slack=-1.0),
                                          "slack")],
    "ntcore.verdict.check_finite_number": [Bad(lambda f: f("x", "abc"), "x")],
    "ntcore.checks.writable_directory_problem": [Bad(lambda f: f(3.5), "path")],
    "ntcore.checks.path_like": [Bad(lambda f: f("path", 3.5), "path")],
    "ntcore.expressions.parse_expression": [
        Bad(lambda f: f("metric", "__import__('os').getpid()"), "metric"),
        Bad(lambda f: f("metric", 3.5), "metric"), Bad(lambda f: f("metric", "9**9**9"), "metric"),
        Bad(lambda f: f("metric", "x" * 10**6), "metric")],
    "ntcore.expressions.parse_symbol": [Bad(lambda f: f("coordinates", "a.b"), "coordinates"),
                                        Bad(lambda f: f("coordinates", None), "coordinates")],
    "ntcore.checks.state_array": [Bad(lambda f: f("x0", [1.0, 2.0], 3), "x0"),
                                  Bad(lambda f: f("x", [[np.nan, 0.0]], 2), "x"),
                                  Bad(lambda f: f("x", "ab", 2), "x")],
    "ntcore.checks.real_array": [Bad(lambda f: f("x", "abc"), "x"),
                                 Bad(lambda f: f("x", (t for t in (1.0,))), "x"),
                                 Bad(lambda f: f("x", [object()]), "x")],
    "ntcore.checks.seed_value": [Bad(lambda f: f("seed", -1), "seed"),
                                 Bad(lambda f: f("seed", "abc"), "seed"),
                                 Bad(lambda f: f("seed", 1.5), "seed"),
                                 Bad(lambda f: f("seed", True), "seed")],
    "ntcore.checks.writable_file_problem": [Bad(lambda f: f(3.5), "path"),
                                            Bad(lambda f: f(None, (".png",)), "path")],
    "ntcore.integrity.seal": [Bad(lambda f: f(["a"]), "record"),
                              Bad(lambda f: f({"x": object()}), "record")],
    "ntcore.integrity.seal_problem": [Bad(lambda f: f({"x": 1}, 3.5), "source")],
    "ntcore.integrity.content_digest": [Bad(lambda f: f("text"), "record")],
    "ntcore.integrity.read_sealed": [Bad(lambda f: f(3.5), "path")],
    "ntcore.integrity.finished_run": [Bad(lambda f: f(3.5, {}), "path"),
                                      Bad(lambda f: f("run.json", {}, "fig.png"), "required")],
    "ntcore.latex_lines.latex_pieces": [Bad(lambda f: f("x + y"), "expr"),
                                        Bad(lambda f: f(sp.Symbol("x"), width=0), "width"),
                                        Bad(lambda f: f(sp.Symbol("x"), width=80.5), "width")],
    "ntcore.latex_lines.aligned_rows": [Bad(lambda f: f(sp.Symbol("x"), 3), "tag")],
    "ntcore.expressions.as_sympy": [Bad(lambda f: f("expr", "x + 1"), "expr"),
                                    Bad(lambda f: f("expr", object()), "expr")],
}


def feedforward_1_1():
    from learning.feedforward import feedforward

    return feedforward((1, 1, 1), seed=0)


# Not entry points that take user input: typed results the library builds, enums, exception
# classes, and derivation factories without arguments.
RESULT_TYPES = {
    "learning.architecture.TwoLevelExtrema", "learning.bulk_minimum.result.BulkMinimumResult",
    "learning.ensemble.CanonicalEnsemble", "learning.ensemble.MonteCarloPartition",
    "learning.ensemble.MaximumEntropyCheck", "learning.ensemble.EnsembleComparison",
    "learning.experiments.datasets.Dataset", "learning.experiments.datasets.MNIST",
    "learning.experiments.training.Checkpoint", "learning.experiments.training.TrainingRun",
    "learning.septuple_checks.FeedforwardReport", "learning.septuple.FixedPointResult",
    "learning.septuple_checks.InputBiasReport", "learning.spectrum.GSpectrum",
    "learning.spectrum.GapResult", "learning.thermodynamics.GaussianThermodynamics",
    "learning.thermodynamics.Decomposition", "learning.thermodynamics.LawCheck",
    "emergent.constraints.MadelungFields", "emergent.constraints.PhaseFit",
    "emergent.constraints.MadelungResiduals", "emergent.entropic_action.StationarityResult",
    "emergent.fokker_planck.FokkerPlanckSolution", "emergent.onsager.family.OnsagerFamily",
    "emergent.onsager.family.OnsagerVerdict", "emergent.onsager.symmetry.SymmetryCount",
    "emergent.onsager.field_equations.FieldEquationSigns",
    "emergent.schrodinger.SchrodingerSolution",
    "emergent.variational.DivergenceTest",
}


def _exempt(name: str, obj: object) -> str | None:
    if name in RESULT_TYPES:
        return "typed result" if dataclasses.is_dataclass(obj) else None
    if isinstance(obj, type) and issubclass(obj, (enum.Enum, BaseException)):
        return "enum or exception class"
    with contextlib.suppress(TypeError, ValueError):
        if not inspect.signature(obj).parameters:
            return "takes no arguments"
    return None


# Bad calls a module does not refuse yet: strict xfails keyed by (name, entry index), so a
# fix turns them into failures to flip.  Empty: every entry of BAD is refused by name.
XFAIL: dict[tuple[str, int], str] = {}


# Tables for the modules added by the scale, io, laws, experiments, Nelson and curvature work
# (one file per package, so that each stays short): merged here, checked the same way.
from tests import (  # noqa: E402
    bad_input_all_dimensions,
    bad_input_emergent,
    bad_input_learning,
    bad_input_track,
)

for _table in (bad_input_learning, bad_input_emergent, bad_input_all_dimensions,
               bad_input_track):
    for _name, _bads in _table.BAD.items():  # extend: a table may add rows to a name here
        BAD[_name] = BAD.get(_name, []) + _bads
    RESULT_TYPES |= _table.RESULT_TYPES
    XFAIL |= _table.XFAIL


def _cases():
    for name, bads in BAD.items():
        for k, bad in enumerate(bads):
            marks = []
            reason = XFAIL.get((name, k)) or (f"owned by {bad.owner}: {bad.why}"
                                              if bad.owner else None)
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(name, k, id=f"{name}[{k}]", marks=marks)


def test_every_public_name_has_an_entry(capsys):
    missing, exempt = [], []
    for name, obj in PUBLIC.items():
        if name in BAD:
            continue
        why = _exempt(name, obj)
        if why is None:
            missing.append(name)
        else:
            exempt.append(name)
    entry_points = len(PUBLIC) - len(exempt)
    covered = entry_points - len(missing)
    with capsys.disabled():
        print(f"\nbad-input coverage: {covered}/{entry_points} public entry points "
              f"({len(exempt)} typed results/enums/argument-free factories exempt); "
              f"{sum(len(v) for v in BAD.values())} bad calls")
    assert not missing, f"public names without a bad-input entry: {missing}"
    stale = sorted(set(BAD) - set(PUBLIC))
    assert not stale, f"entries for names no longer public: {stale}"


@pytest.mark.parametrize(("name", "k"), list(_cases()))
def test_bad_input_is_refused_naming_the_argument(name, k, refuse_quickly):
    if name not in PUBLIC:
        pytest.skip(f"{name} is not public on this branch")
    bad = BAD[name][k]
    with pytest.raises((ValueError, TypeError)) as info:
        bad.call(PUBLIC[name])
    assert bad.argument in str(info.value), (
        f"{name}: {type(info.value).__name__}: {info.value} does not name {bad.argument!r}")


# --- command lines ----------------------------------------------------------------------
def _commands() -> dict[str, Callable[[list[str]], int]]:
    from emergent.cli import _COMMANDS as EMERGENT_COMMANDS
    from learning.cli import _COMMANDS as LEARNING_COMMANDS

    out = {}
    for name, (module, _) in LEARNING_COMMANDS.items():
        out[f"learning {name}"] = importlib.import_module(module).main
    # `study` takes the study's name first: its options are those of `study depth`.
    study = out.pop("learning study")
    out["learning study depth"] = lambda argv: study(["depth", *argv])
    for name, module in EMERGENT_COMMANDS.items():
        out[f"emergent {name}"] = importlib.import_module(module).main
    return out


class _Captured(Exception):
    pass


def _options(main: Callable[[list[str]], int]) -> list[str]:
    """The option strings of a command, read from the parser its ``main`` builds."""
    seen = []
    original = argparse.ArgumentParser.parse_args

    def grab(self, *args, **kwargs):
        seen.append(self)
        raise _Captured

    argparse.ArgumentParser.parse_args = grab
    try:
        with contextlib.suppress(_Captured):
            main([])
    finally:
        argparse.ArgumentParser.parse_args = original
    parser = seen[0]
    return sorted({a.option_strings[-1] if a.option_strings else a.dest
                   for a in parser._actions if not isinstance(a, argparse._HelpAction)})


# (command, option) -> argument lists that must be usage errors (exit 2, usage, no traceback).
BAD_OPTIONS: dict[tuple[str, str], list[list[str]]] = {
    ("learning figure1", "--out"): [["--out", "/dev/null/f.png"], ["--out", "/proc/f.png"],
                                    ["--out", "."], ["--out", ""], ["--out", "notes.txt"]],
    ("learning figure1", "--gamma"): [["--gamma", "2"], ["--gamma", "x"]],
    ("learning figure1", "--n"): [["--n", "-5"]],
    ("learning figure1", "--betas"): [["--betas", "0"], ["--betas", "nan"]],
    ("learning partition-table", "--out"): [["--out", "/dev/null/t.md"], ["--out", "."],
                                            ["--out", "/proc/t.md"], ["--out", "t.png"]],
    ("learning partition-table", "--seed"): [["--seed", "-1"], ["--seed", "1.5"]],
    ("learning derivation", "name"): [["no-such-derivation"]],
    ("learning derivation", "--latex"): [["list", "--latex=yes"]],
    ("learning derivation", "--text"): [["list", "--text", "--latex"]],
    ("learning reproduce", "--out"): [["--out", "/proc/forbidden"]],
    ("learning reproduce", "--epochs"): [["--epochs", "0"], ["--epochs", "x"]],
    ("learning reproduce", "--epoch-unit"): [["--epoch-unit", "day"]],
    ("learning reproduce", "--seeds"): [["--seeds", "0"]],
    ("learning reproduce", "--learning-rate"): [["--learning-rate", "-1"]],
    ("learning reproduce", "--batch-size"): [["--batch-size", "0"]],
    ("learning reproduce", "--checkpoints"): [["--checkpoints", "0"]],
    ("learning reproduce", "--bulk-samples"): [["--bulk-samples", "0"]],
    ("learning reproduce", "--bulk-epochs"): [["--bulk-epochs", "-1"]],
    ("learning reproduce", "--mnist-dir"): [["--mnist-dir", "/nonexistent-dir"]],
    ("learning reproduce", "--n-train"): [["--n-train", "0"]],
    ("learning reproduce", "--n-test"): [["--n-test", "-3"]],
    ("learning reproduce", "--executor"): [["--executor", "carrier-pigeon"]],
    ("learning reproduce", "--workers"): [["--workers", "0"]],
    ("learning reproduce", "--no-sweep"): [["--no-sweep=1"]],
    ("learning reproduce", "--quick"): [["--quick", "--epochs", "5"]],
    ("emergent schrodinger", "--out"): [["--out", "/proc/forbidden"]],
    ("emergent schrodinger", "--n"): [["--n", "0"], ["--n", "x"]],
    ("emergent schrodinger", "--length"): [["--length", "-1"]],
    ("emergent schrodinger", "--D"): [["--D", "0"]],
    ("emergent schrodinger", "--t-final"): [["--t-final", "-1"]],
    ("emergent schrodinger", "--n-times"): [["--n-times", "10000000"]],
    ("emergent schrodinger", "--sigma0"): [["--sigma0", "0"]],
    ("emergent schrodinger", "--k0"): [["--k0", "nan"]],
    ("emergent schrodinger", "--seed"): [["--seed", "-1"]],
    ("emergent schrodinger", "--directions"): [["--directions", "0"]],
    ("emergent schrodinger", "--no-figures"): [["--no-figures=1"]],
    ("emergent schrodinger", "--force"): [["--force=1"]],
    ("emergent onsager", "--dim"): [["--dim", "100"], ["--dim", "1"]],
    ("emergent onsager", "--all-dimensions"): [["--all-dimensions=1"]],
    ("emergent onsager", "--jets"): [["--jets", "0"]],
    ("emergent onsager", "--seed"): [["--seed", "-1"]],
    ("emergent derivation", "name"): [["no-such-derivation"]],
    ("emergent derivation", "--latex"): [["list", "--latex=yes"]],
    ("emergent derivation", "--text"): [["list", "--text", "--latex"]],
    ("learning analyze", "model"): [["/nonexistent/net.npz"]],
    ("learning laws", "run_dirs"): [["/nonexistent/run"], []],
    ("learning laws", "--out"): [["/nonexistent/run", "--out", "/dev/null/laws"]],
    ("learning laws", "--labels"): [["/nonexistent/run", "--labels", "a,b"]],
    ("learning analyze", "--activation"): [["net.npz", "--activation", "softplus"]],
    ("learning analyze", "--format"): [["net.npz", "--format", "pickle"]],
    ("learning analyze", "--layers"): [["net.npz", "--layers", "fc9,fc7"]],
    ("learning analyze", "--data"): [["net.npz", "--data", "/nonexistent/data.npz"]],
    ("learning analyze", "--samples"): [["net.npz", "--samples", "0"]],
    ("learning analyze", "--no-bulk"): [["net.npz", "--no-bulk=1"]],
    ("learning analyze", "--out"): [["net.npz", "--out", "/dev/null/analysis"]],
    ("learning analyze", "--json"): [["net.npz", "--json=yes"]],
    ("learning analyze", "--logits"): [["net.npz", "--logits=yes"]],
    ("learning analyze", "--seed"): [["net.npz", "--seed", "x"], ["net.npz", "--seed", "-1"]],
    ("learning study depth", "--out"): [["--out", "/dev/null/depth"], ["--seeds", "5"]],
    ("learning study depth", "--dim-s"): [["--out", "d", "--dim-s", "5"]],
    ("learning study depth", "--depths"): [["--out", "d", "--depths", "1,x"]],
    ("learning study depth", "--architectures"): [["--out", "d", "--architectures", "784-0-10"]],
    ("learning study depth", "--seeds"): [["--out", "d", "--seeds", "2"]],
    ("learning study depth", "--epochs"): [["--out", "d", "--epochs", "0"]],
    ("learning study depth", "--epoch-unit"): [["--out", "d", "--epoch-unit", "day"]],
    ("learning study depth", "--learning-rate"): [["--out", "d", "--learning-rate", "-1"]],
    ("learning study depth", "--batch-size"): [["--out", "d", "--batch-size", "0"]],
    ("learning study depth", "--checkpoints"): [["--out", "d", "--checkpoints", "0"]],
    ("learning study depth", "--target-loss"): [["--out", "d", "--target-loss", "-1"]],
    ("learning study depth", "--bulk-samples"): [["--out", "d", "--bulk-samples", "0"]],
    ("learning study depth", "--mnist-dir"): [["--out", "d", "--mnist-dir", "/nonexistent-dir"]],
    ("learning study depth", "--n-train"): [["--out", "d", "--n-train", "0"]],
    ("learning study depth", "--n-test"): [["--out", "d", "--n-test", "-3"]],
    ("learning study depth", "--no-paper-pair"): [["--out", "d", "--no-paper-pair=1"]],
    ("learning study depth", "--executor"): [["--out", "d", "--executor", "carrier-pigeon"]],
    ("learning study depth", "--workers"): [["--out", "d", "--workers", "0"]],
    ("learning study depth", "--quick"): [["--out", "d", "--quick=1"],
                                          ["--out", "d", "--quick", "--seeds", "10",
                                           "--epochs", "7"],
                                          ["--out", "d", "--quick", "--target-loss", "0.2"]],
    ("emergent nelson", "--out"): [["--out", "/dev/null/nelson"]],
    ("emergent nelson", "--seed"): [["--seed", "-1"]],
    ("emergent nelson", "--walkers"): [["--walkers", "10"]],
    ("emergent nelson", "--threads"): [["--threads", "0"]],
    ("emergent nelson", "--quick"): [["--quick=1"], ["--quick", "--walkers", "50000"]],
    ("emergent nelson", "--no-figures"): [["--no-figures=1"]],
    ("emergent nelson", "--force"): [["--force=1"]],
}
# Option values that other helpers' commands do not refuse yet: strict xfails with the owner.
OPTION_XFAIL: dict[tuple[str, str, int], str] = {}
# Accepted values that run the whole job before failing (no stub can stop them early).
OPTION_NO_RUN = {("emergent schrodinger", "--out", 0)}
# The work each command starts once its options are accepted: replaced by a stub that raises,
# so an accepted bad value fails at once instead of running a job.
WORK = {
    "learning reproduce": ["learning.cli.reproduce.run_jobs"],
    "learning study depth": ["learning.cli.study.run_jobs"],
    "learning analyze": ["learning.analysis.analyze_network"],
    "emergent nelson": ["emergent.cli.nelson.compare_with_paper"],
    "learning partition-table": ["learning.cli.partition_table.partition_table"],
    "emergent onsager": ["emergent.cli.onsager.onsager_verdict",
                         "emergent.cli.onsager.family_of_onsager_tensors"],
}


class _Accepted(Exception):
    pass


def _refuse_work(*args, **kwargs):
    raise _Accepted("the bad value was accepted and the command started its work")

COMMANDS = _commands()


def test_every_command_option_has_a_bad_value(capsys):
    missing = []
    total = 0
    for command, main in COMMANDS.items():
        for option in _options(main):
            total += 1
            if (command, option) not in BAD_OPTIONS:
                missing.append(f"{command} {option}")
    with capsys.disabled():
        print(f"\ncommand-line coverage: {total - len(missing)}/{total} options of "
              f"{len(COMMANDS)} commands")
    assert not missing, f"options without a bad-value entry: {missing}"


def _option_cases():
    for (command, option), argvs in BAD_OPTIONS.items():
        for k, _ in enumerate(argvs):
            key = (command, option, k)
            marks = []
            if key in OPTION_XFAIL:
                marks.append(pytest.mark.xfail(strict=True, reason=OPTION_XFAIL[key],
                                               run=key not in OPTION_NO_RUN))
            yield pytest.param(command, option, k, id=f"{command} {option}[{k}]", marks=marks)


@pytest.mark.parametrize(("command", "option", "k"), list(_option_cases()))
def test_bad_option_is_a_usage_error(command, option, k, capsys, refuse_quickly, tmp_path,
                                     monkeypatch):
    monkeypatch.chdir(tmp_path)  # an accepted value must not write into the repository
    if command == "learning analyze":
        # A real model, so each bad option is refused for itself, not for a missing net.npz.
        from learning.feedforward import feedforward
        from learning.io import save_network

        save_network(feedforward((3, 2, 2), seed=0), tmp_path / "net.npz")
    for target in WORK.get(command, ()):
        module, attr = target.rsplit(".", 1)
        monkeypatch.setattr(importlib.import_module(module), attr, _refuse_work, raising=False)
    argv = BAD_OPTIONS[(command, option)][k]
    with pytest.raises(SystemExit) as info:
        code = COMMANDS[command](argv)
        raise SystemExit(code)
    out, err = capsys.readouterr()
    assert info.value.code == 2, f"{command} {argv}: exit {info.value.code}\n{out}\n{err}"
    assert "usage" in (out + err).lower()
    assert "Traceback" not in out + err
