"""Measurements of Section 10 at a training checkpoint, as typed results.

* U_∂: mean boundary loss (2.11) over the training set at the fixed point (2.9), by
  :func:`learning.losses.boundary_loss` (the one definition of (2.11)).
* U: mean over ``n_bulk_samples`` training samples of the constrained bulk minimum (3.2).
* Test accuracy (argmax of the outputs).
* The spectrum of G (5.6) at <x> (5.3).  <x> is the mean over the same samples of the
  bulk-minimum states x̄ — the states the canonical ensemble describes (Section 4); the
  spectrum at the mean forward-pass state is recorded too (``forward_spectrum``).
* The components a_i of <x> on the eigenvectors of G (5.12) and |<x>|² outside the subspace
  G moves, for the <x> term of (5.11).
* μ_2, μ_3 (9.5)-(9.6) raw and normalised, :math:`C_{20}` and :math:`C_{N-20}` (10.5), Σ log λ
  (7.8), the gap of Fig. 5 and the β the paper's (9.4) assigns to it.

:class:`CheckpointMeasurements` is what a checkpoint stores; ``to_dict`` gives the flat
JSON layout of ``results.json`` (keys ``mu2``, ``forward_mu2``, ...) and ``from_dict`` reads
it back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from learning.bulk_minimum import constrained_bulk_minimum
from learning.experiments._arguments import instance, nonempty
from learning.experiments.datasets import Dataset
from learning.feedforward import forward, forward_state
from learning.losses import boundary_loss
from learning.septuple import Septuple, boundary_state
from learning.spectrum import GSpectrum, g_spectrum, log_gap, spectral_moment
from learning.thermodynamics import complexity_n, structured_mean_components
from ntcore.checks import count

__all__ = ["SpectrumSummary", "CheckpointMeasurements", "measure_checkpoint",
           "spectrum_summary", "mean_boundary_loss"]


@dataclass(frozen=True)
class SpectrumSummary:
    """The numbers Section 10 reads off a spectrum of G (5.6).

    Attributes
    ----------
    mu2, mu3 : μ_2, μ_3 (9.5)-(9.6), raw traces of (log G)^k.
    mu2_per_dynamical, mu3_per_dynamical, mu2_per_neuron, mu3_per_neuron : normalised.
    C_20, C_N_minus_20 : C_n (10.5) for n = 20 and N - 20.
    sum_log_lambda : Σ log λ, zero by (7.8).
    log_lambda_dynamical : the dynamical log λ (for the histograms of Figs. 4-5).
    gap_log_lambda, gap_width, gap_n_below, gap_beta_9_4 : the widest lower gap (Fig. 5) and
        the β of (9.4) at it; ``None`` when the spectrum has no gap.
    """

    mu2: float
    mu3: float
    mu2_per_dynamical: float
    mu3_per_dynamical: float
    mu2_per_neuron: float
    mu3_per_neuron: float
    C_20: float
    C_N_minus_20: float
    sum_log_lambda: float
    log_lambda_dynamical: tuple[float, ...]
    gap_log_lambda: float | None
    gap_width: float | None
    gap_n_below: int | None
    gap_beta_9_4: float | None

    def to_dict(self, prefix: str = "", *, histogram: bool = True) -> dict:
        """Flat JSON keys ``prefix + field`` (``log_lambda_dynamical`` as a list)."""
        out = {}
        for f in fields(self):
            if f.name == "log_lambda_dynamical":
                if histogram:
                    out[prefix + f.name] = list(self.log_lambda_dynamical)
                continue
            out[prefix + f.name] = getattr(self, f.name)
        return out

    @classmethod
    def from_dict(cls, d: dict, prefix: str = "") -> SpectrumSummary:
        return cls(**{f.name: (tuple(d.get(prefix + f.name, ()))
                               if f.name == "log_lambda_dynamical" else d[prefix + f.name])
                      for f in fields(cls)})


def spectrum_summary(spectrum: GSpectrum) -> SpectrumSummary:
    """μ_k (9.5)-(9.6), C_n (10.5), Σ log λ (7.8) and the gap of a spectrum of G (5.6)."""
    instance("spectrum", spectrum, GSpectrum,
             " (g_spectrum or spectrum_from_eigenvalues makes one)")
    n = spectrum.n_neurons
    try:
        gap = log_gap(spectrum)
        gap_numbers: tuple[float | None, float | None, int | None, float | None] = (
            gap.position, gap.width, gap.n_below, gap.beta_paper)
    except ValueError:  # no gap in the lower tail (e.g. too few dynamical eigenvalues)
        gap_numbers = (None, None, None, None)
    return SpectrumSummary(
        spectral_moment(spectrum, 2), spectral_moment(spectrum, 3),
        spectral_moment(spectrum, 2, "per_dynamical"),
        spectral_moment(spectrum, 3, "per_dynamical"),
        spectral_moment(spectrum, 2, "per_neuron"), spectral_moment(spectrum, 3, "per_neuron"),
        complexity_n(spectrum, min(20, n)), complexity_n(spectrum, max(n - 20, 0)),
        spectrum.sum_log, tuple(float(v) for v in spectrum.log_dynamical), *gap_numbers)


@dataclass(frozen=True)
class CheckpointMeasurements:
    """All Section 10 quantities of one network (see the module docstring).

    Attributes
    ----------
    boundary_loss : U_∂, mean of (2.11) over the training set.
    bulk_loss : U, mean constrained bulk minimum (3.2) over ``bulk_samples`` samples.
    bulk_samples : how many training samples U averages.
    bulk_converged_fraction : the fraction of those minimisations that converged.
    test_accuracy : fraction of test digits whose largest output is the label.
    ratio_bulk_to_boundary : U / U_∂, both over the same ``bulk_samples`` samples.
    spectrum : of G at the mean bulk-minimum state.
    forward_spectrum : of G at the mean forward state (its histogram is not stored).
    mean_components : a_i of (5.12), <x> on the dynamical eigenvectors (order of
        ``spectrum.log_lambda_dynamical``), for the <x> term of (5.11); empty if not measured.
    mean_outside_norm2 : |<x>|² outside the subspace S G moves (eigenvalue 1); ``None`` if
        not measured.
    """

    boundary_loss: float
    bulk_loss: float
    bulk_samples: int
    bulk_converged_fraction: float
    test_accuracy: float
    ratio_bulk_to_boundary: float
    spectrum: SpectrumSummary
    forward_spectrum: SpectrumSummary
    mean_components: tuple[float, ...] = ()
    mean_outside_norm2: float | None = None

    _SCALARS = ("boundary_loss", "bulk_loss", "bulk_samples", "bulk_converged_fraction",
                "test_accuracy", "ratio_bulk_to_boundary")

    def to_dict(self) -> dict:
        """The flat layout stored with a checkpoint and in ``results.json``."""
        return ({k: getattr(self, k) for k in self._SCALARS} | self.spectrum.to_dict()
                | self.forward_spectrum.to_dict("forward_", histogram=False)
                | {"mean_components": list(self.mean_components),
                   "mean_outside_norm2": self.mean_outside_norm2})

    @classmethod
    def from_dict(cls, d: dict) -> CheckpointMeasurements:
        # Checkpoints written before the <x> components were measured lack the last two.
        return cls(**{k: d[k] for k in cls._SCALARS}, spectrum=SpectrumSummary.from_dict(d),
                   forward_spectrum=SpectrumSummary.from_dict(d, "forward_"),
                   mean_components=tuple(d.get("mean_components") or ()),
                   mean_outside_norm2=d.get("mean_outside_norm2"))


def mean_boundary_loss(septuple: Septuple, data: Dataset) -> float:
    """U_∂: the mean over ``data`` of the boundary loss (2.11) at the fixed point (2.9)."""
    instance("septuple", septuple, Septuple)
    nonempty("data", data, Dataset)
    return float(np.mean(_per_sample_boundary_loss(septuple, data)))


def _per_sample_boundary_loss(septuple: Septuple, data: Dataset) -> np.ndarray:
    return boundary_loss(septuple, forward_state(septuple, data.inputs),
                         boundary_state(septuple, data.inputs, data.targets))


def measure_checkpoint(septuple: Septuple, train: Dataset, test: Dataset, *,
                       n_bulk_samples: int = 1000) -> CheckpointMeasurements:
    """All Section 10 quantities for one network (see the module docstring)."""
    instance("septuple", septuple, Septuple)
    nonempty("train", train, Dataset)
    nonempty("test", test, Dataset)
    count("n_bulk_samples", n_bulk_samples, minimum=1)
    n = min(n_bulk_samples, len(train))
    boundary = _per_sample_boundary_loss(septuple, train)
    test_out = forward(septuple, test.inputs)[-1]
    accuracy = float(np.mean(np.argmax(test_out, axis=1) == test.labels))
    xb = boundary_state(septuple, train.inputs[:n], train.targets[:n])
    bulk = constrained_bulk_minimum(septuple, xb)
    mean_bulk_state = bulk.state.mean(axis=0)
    mean_forward_state = forward_state(septuple, train.inputs[:n]).mean(axis=0)
    components = (structured_mean_components(septuple, mean_bulk_state)
                  if septuple.layer_sizes is not None else None)
    return CheckpointMeasurements(
        boundary_loss=float(boundary.mean()), bulk_loss=bulk.mean_loss, bulk_samples=n,
        bulk_converged_fraction=float(np.mean(bulk.converged)), test_accuracy=accuracy,
        ratio_bulk_to_boundary=float(bulk.mean_loss / boundary[:n].mean()),
        spectrum=spectrum_summary(g_spectrum(septuple, mean_bulk_state)),
        forward_spectrum=spectrum_summary(g_spectrum(septuple, mean_forward_state)),
        mean_components=() if components is None else tuple(
            float(a) for a in components.components),
        mean_outside_norm2=None if components is None else components.outside_norm2)
