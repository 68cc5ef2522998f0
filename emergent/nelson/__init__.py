"""Nelson's stochastic mechanics: a diffusion with the D of (11.5) whose density is |Ψ|² of (11.9).

Conventions (checked against (11.5) and (11.9), and in ``tests/emergent/test_nelson.py``).
The paper's Schrödinger equation (11.9), with an optional potential V, is
``i ∂Ψ/∂t = -(D/2) ΔΨ + V Ψ``: ħ = 1 and m = 1/D, so D = ħ/m.  Write :math:`Ψ = √p e^{iθ_S}`, θ_S
the phase, which is θ = Σ_k Θ_k Φ_k / 4 of (11.8).  The Madelung form of (11.9) is the continuity
equation ∂p/∂t = -∇·(v p) with the current velocity

    v = D ∇θ_S = D Im(∇Ψ/Ψ)                                   (the "current" drift),

and Nelson's osmotic velocity is

    u = (D/2) ∇ log p = D Re(∇Ψ/Ψ)                             (the "osmotic" drift).

The forward drift b = v + u and the backward drift b_* = v - u (so b - b_* = 2u).  The process

    dX = b(t, X) dt + √D dW                                     (W a standard Wiener process)

has the forward Fokker-Planck equation ∂p/∂t = -∇·(b p) + (D/2) Δp: with b = 0 this is (11.5)
with the paper's normalisation (D/2)Δ, i.e. E[dX²] = D dt per axis.  Since u p = (D/2)∇p, the
osmotic flux cancels the diffusion exactly and the equation becomes the continuity equation of
(11.9): p = |Ψ|² solves it for all t if it does at t = 0.  The backward equation
∂p/∂t = -∇·(b_* p) - (D/2) Δp holds as well.  These are the factors of the issue (v = D∇θ_S,
u = (D/2)∇log p): they are consistent with the paper's D; no factor had to be changed.  (Nelson
writes the noise as 2ν dt with ν = ħ/(2m) = D/2.)

Nelson's Newton law: the mean acceleration (1/2)(D D_* + D_* D) X, with the forward and backward
mean derivatives D, D_*, is the field

    a = ∂v/∂t + (v·∇)v - (u·∇)u - (D/2) Δu  =  -∇V / m  =  -D ∇V,

which :func:`mean_acceleration` evaluates on the grid and :func:`newton_residual` compares.

What is here (one module per idea)
----------------------------------
* :mod:`~emergent.nelson.drifts`: :func:`drift_fields` — current, osmotic, forward and
  backward drifts of Ψ on a :class:`~emergent.grids.Grid` (1D or 2D, periodic or reflecting;
  spectral derivatives), and :func:`time_step_scale`.
* :mod:`~emergent.nelson.walkers`: :func:`simulate_walkers` — Euler-Maruyama (weak order 1)
  or the additive-noise Heun scheme (weak order 2) for n walkers, seeded, vectorised in
  chunks of walkers that stay in the CPU cache for all steps and run on threads (the result
  does not depend on the thread count); the drift is interpolated linearly (bilinearly in
  2D) from the grid at each step time.
* Nodes, where p = 0 and u is singular (u ≈ D/(Q - Q_node) next to a simple node in 1D): the
  stated treatment is **step control**: the drift displacement of one step is capped at
  ``max_drift_step`` noise steps √(D dt) (default 3).  Away from nodes |b| dt ≪ √(D dt) for a
  resolved dt and the cap never acts; within ~√(D dt) of a node it stops a walker that the noise
  pushed across from being flung far away by the 1/distance drift.  The capped share of
  walker-steps is reported (:attr:`WalkerResult.capped_fraction`) and the effect on the distance
  to |Ψ|² is measured in the tests and by ``python -m emergent nelson``: for (φ0 + φ1)/√2,
  whose node forms at t = π, the default cap acts on 2e-5 of the walker-steps at dt = π/100 and
  leaves the mass on each side of the node unchanged; a cap of 1 noise step doubles the error
  of that mass (1.8e-3 against 9.6e-4), so the cap is kept loose.  Where
  p < ``floor`` · max p (far tails, and the immediate neighbourhood of a node) the phase and
  log p are undefined to round-off; the drift there is set to 0 and the share of walkers found
  in such cells is reported (:attr:`WalkerResult.dead_fraction`).
* :mod:`~emergent.nelson.grid_fokker_planck`: :func:`fokker_planck_with_drift` — the grid
  Fokker-Planck equation ∂p/∂t = -∇·(b p) + (D/2)Δp with the drift of Ψ: Crank-Nicolson (the
  θ-scheme core of :mod:`emergent._stepping`) on the toolkit's ``fd`` Laplacian
  (:meth:`~emergent.grids.Grid.laplacian_matrix`) plus a conservative central-flux drift
  operator, one sparse LU
  (:func:`~emergent.grids.sparse_lu`) per step; its solution is compared with |Ψ|² with no
  sampling noise.
* :mod:`~emergent.nelson.references`: :func:`oscillator_state` (superpositions of
  harmonic-oscillator eigenstates in 1D and 2D; the ground state is an Ornstein-Uhlenbeck
  process), besides
  :func:`~emergent.schrodinger.coherent_state` and
  :func:`~emergent.schrodinger.free_gaussian_packet`.
* :mod:`~emergent.nelson.sampling`: :func:`sample_density`, :func:`ks_distance` (1D),
  :func:`l1_distance` (1D and 2D histograms), :func:`l1_noise`, :func:`fit_order`.
* :mod:`~emergent.nelson.identities`: :func:`fokker_planck_residuals`,
  :func:`mean_acceleration`, :func:`newton_residual`.

The comparison with the paper's functional and the checks run by ``python -m emergent
nelson`` are experiments, in :mod:`emergent.experiments.nelson_paper` and
:mod:`emergent.experiments.nelson_checks`.
"""

from emergent.nelson.drifts import DriftFields, drift_fields, time_step_scale
from emergent.nelson.grid_fokker_planck import GridFokkerPlanck, fokker_planck_with_drift
from emergent.nelson.identities import fokker_planck_residuals, mean_acceleration, newton_residual
from emergent.nelson.references import oscillator_state
from emergent.nelson.sampling import fit_order, ks_distance, l1_distance, l1_noise, sample_density
from emergent.nelson.walkers import WalkerResult, simulate_walkers

__all__ = ["DriftFields", "drift_fields", "oscillator_state", "time_step_scale",
           "WalkerResult", "simulate_walkers", "sample_density", "ks_distance", "l1_distance",
           "l1_noise", "fokker_planck_with_drift", "GridFokkerPlanck", "mean_acceleration",
           "newton_residual", "fokker_planck_residuals", "fit_order"]
