"""Measurements of Section 10 at a training checkpoint.

* U_∂: mean boundary loss (2.11) over the training set at the fixed point (2.9).
* U: mean over ``n_bulk_samples`` training samples of the constrained bulk minimum (3.2).
* Test accuracy (argmax of the outputs).
* The spectrum of G (5.6) at <x> (5.3).  <x> is the mean over the same samples of the
  bulk-minimum states x̄ — the states the canonical ensemble describes (Section 4); the
  spectrum at the mean forward-pass state is recorded too (``*_forward`` keys).
* μ_2, μ_3 (9.5)-(9.6) raw and normalised, C_20 and C_{N-20} (10.5), Σ log λ (7.8), the
  gap of Fig. 5 and the β the paper's (9.4) assigns to it.
"""

from __future__ import annotations

import numpy as np

from learning.bulk_minimum import constrained_bulk_minimum
from learning.experiments.datasets import Dataset
from learning.feedforward import forward, forward_state
from learning.septuple import Septuple, boundary_state
from learning.spectrum import GSpectrum, g_spectrum, log_gap, spectral_moment
from learning.thermodynamics import complexity_n

__all__ = ["measure_checkpoint", "spectrum_summary"]


def spectrum_summary(spectrum: GSpectrum, prefix: str = "") -> dict:
    """μ_k, C_n, Σ log λ and the gap of a spectrum, as JSON-ready numbers."""
    n = spectrum.n_neurons
    out = {
        f"{prefix}mu2": spectral_moment(spectrum, 2),
        f"{prefix}mu3": spectral_moment(spectrum, 3),
        f"{prefix}mu2_per_dynamical": spectral_moment(spectrum, 2, "per_dynamical"),
        f"{prefix}mu3_per_dynamical": spectral_moment(spectrum, 3, "per_dynamical"),
        f"{prefix}mu2_per_neuron": spectral_moment(spectrum, 2, "per_neuron"),
        f"{prefix}mu3_per_neuron": spectral_moment(spectrum, 3, "per_neuron"),
        f"{prefix}C_20": complexity_n(spectrum, min(20, n)),
        f"{prefix}C_N_minus_20": complexity_n(spectrum, max(n - 20, 0)),
        f"{prefix}sum_log_lambda": spectrum.sum_log,
        f"{prefix}log_lambda_dynamical": [float(v) for v in spectrum.log_dynamical],
    }
    try:
        gap = log_gap(spectrum)
        out |= {f"{prefix}gap_log_lambda": gap.position, f"{prefix}gap_width": gap.width,
                f"{prefix}gap_n_below": gap.n_below, f"{prefix}gap_beta_9_4": gap.beta_paper}
    except ValueError:
        out |= {f"{prefix}gap_log_lambda": None, f"{prefix}gap_width": None,
                f"{prefix}gap_n_below": None, f"{prefix}gap_beta_9_4": None}
    return out


def measure_checkpoint(septuple: Septuple, train: Dataset, test: Dataset, *,
                       n_bulk_samples: int = 1000) -> dict:
    """All Section 10 quantities for one network (see the module docstring).

    Returns a JSON-serialisable dict.
    """
    if n_bulk_samples < 1:
        raise ValueError(f"n_bulk_samples must be >= 1, got {n_bulk_samples}")
    n = min(n_bulk_samples, len(train))
    outputs = forward(septuple, train.inputs)[-1]
    boundary = 0.5 * np.sum((outputs - train.targets) ** 2, axis=1)
    test_out = forward(septuple, test.inputs)[-1]
    accuracy = float(np.mean(np.argmax(test_out, axis=1) == test.labels))
    xb = boundary_state(septuple, train.inputs[:n], train.targets[:n])
    bulk = constrained_bulk_minimum(septuple, xb)
    mean_bulk_state = bulk.state.mean(axis=0)
    mean_forward_state = forward_state(septuple, train.inputs[:n]).mean(axis=0)
    result = {
        "boundary_loss": float(boundary.mean()),
        "bulk_loss": bulk.mean_loss,
        "bulk_samples": n,
        "bulk_converged_fraction": float(np.mean(bulk.converged)),
        "test_accuracy": accuracy,
        "ratio_bulk_to_boundary": float(bulk.mean_loss / boundary[:n].mean()),
    }
    result |= spectrum_summary(g_spectrum(septuple, mean_bulk_state))
    forward_summary = spectrum_summary(g_spectrum(septuple, mean_forward_state), "forward_")
    result |= {k: v for k, v in forward_summary.items() if "log_lambda_dynamical" not in k}
    return result
