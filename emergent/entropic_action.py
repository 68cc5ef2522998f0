r"""The functional S[p, Φ] of (11.6)-(11.7) on space-time grids, and a stationarity test.

Each printed form of S is evaluated as written, as a sum of named parts, on a :class:`Path`
(p(t_n, Q), Φ(t_n)) sampled on a time grid:

======== ===============================================================================
form     S[p, Φ]
======== ===============================================================================
11.6a    H(T) - H(0) + ∫dt ∫ Σ Φ̇_k Θ_k p            (entropy change: a boundary term)
11.6b    ∫dt ∫ -log p (D/2) Δp + constraints          ((11.5) substituted for ∂p/∂t)
11.7a    ∫dt ∫ 2D |∇√p|² + constraints                (integrated by parts)
11.7b    ∫dt ∫ √p (-2D Δ) √p + constraints            (integrated by parts again)
11.7c    -4 ∫dt ∫ Ψ* (D/2 Δ + i ∂_t) Ψ, Ψ of (11.8)   (real part; the imaginary part is reported)
======== ===============================================================================

Time integrals use the trapezoid rule; the constraint term :math:`Σ_n ΔΦ_n · ⟨Θ⟩_{n+1/2}` and
the ∂_t term :math:`4 Σ_n ∫ \mathrm{Im}(Ψ_n^* Ψ_{n+1})` are the midpoint rules that make them
second order in dt.

:func:`first_variation` perturbs a path along an admissible direction with fixed end points,
:math:`p → p e^{εη}/∫p e^{εη}` (positive and normalised), Φ → Φ + εζ with η, ζ = 0 at t = 0
and T, and returns the first variation of every part; :func:`stationarity_test` repeats this for
random directions and reports the relative first variation |Σ δS_i| / Σ |δS_i| (0 for a stationary
path, up to discretisation error; O(1) otherwise) and the slope of log|S(ε) - S(0)| against
log ε (1 if not stationary, 2 if stationary).

The candidate paths these are evaluated on (Schrödinger, diffusion, frozen Gaussian, a path
from a wave function) are built in :mod:`emergent.candidate_paths`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from emergent.constraints import Constraints, check_multipliers, wave_function
from emergent.fokker_planck import check_times, shannon_entropy
from emergent.grids import Grid, Method, _check_method, check_density
from ntcore.checks import positive_number, seed_value
from ntcore.display import MarkdownSummary

__all__ = ["FORMS", "FORM_FUNCTIONS", "FormParts", "evaluate_form", "form_11_6a", "form_11_6b",
           "form_11_7a", "form_11_7b", "form_11_7c", "DroppedTermSizes",
           "Path", "action_parts", "action", "phase_gradient_term", "first_variation",
           "dropped_term_sizes",
           "random_direction", "stationarity_test", "StationarityResult"]

FORMS = ("11.6a", "11.6b", "11.7a", "11.7b", "11.7c")


@dataclass(frozen=True)
class Path:
    """A candidate path (p(t), Φ(t)) of (11.6) on ``times`` with constraints Θ and coefficient D.

    ``p`` has shape ``(n_t, *grid.shape)`` (each slice a normalised density), ``Phi`` shape
    ``(n_t, K̃)``.
    """

    constraints: Constraints
    D: float
    times: np.ndarray
    p: np.ndarray
    Phi: np.ndarray
    name: str = "path"

    def __post_init__(self) -> None:
        object.__setattr__(self, "D", positive_number("D", self.D))
        t = check_times(self.times)
        if t.size < 3:
            raise ValueError("a path needs at least 3 time samples")
        object.__setattr__(self, "times", t)
        p = check_density(self.grid, self.p, "p", rtol=1e-6)
        if p.shape != (t.size, *self.grid.shape):
            raise ValueError(f"p must have shape (len(times), *grid.shape) = "
                             f"{(t.size, *self.grid.shape)}, got {p.shape}")
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "Phi", check_multipliers(self.constraints, self.Phi, t.size))

    @property
    def grid(self) -> Grid:
        return self.constraints.grid

    @cached_property
    def phase_gradient(self) -> np.ndarray:
        """∇θ = Σ_k ∇Θ_k Φ_k / 4 of (11.8), shape ``(n_t, K, *grid.shape)``."""
        return np.tensordot(self.Phi, self.constraints.gradients, axes=(1, 0)) / 4

    @cached_property
    def psi(self) -> np.ndarray:
        """Ψ of (11.8) along the path."""
        return wave_function(self.constraints, self.p, self.Phi)


# ------------------------------------------------------------------------------- the forms
def _trapezoid(values: np.ndarray, t: np.ndarray) -> float:
    return float(np.trapezoid(values, t))


def _constraint_term(path: Path) -> float:
    """∫dt Σ_k Φ̇_k ⟨Θ_k⟩ by the midpoint rule:
    :math:`Σ_n (Φ_{n+1} - Φ_n)·(⟨Θ⟩_n + ⟨Θ⟩_{n+1})/2`."""
    c = path.constraints.values(path.p)
    return float(np.sum(np.diff(path.Phi, axis=0) * 0.5 * (c[1:] + c[:-1])))


def _log(p: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(p, np.finfo(float).tiny))


@dataclass(frozen=True)
class FormParts:
    """The value of one printed form of S[p, Φ], (11.6)-(11.7), as its two parts.

    ``entropy_part``: H(T) - H(0) for 11.6a; the entropy production ∫dt(...) for 11.6b-11.7b;
    the kinetic term -4∫dt∫Ψ*(D/2)ΔΨ for 11.7c.
    ``constraint_part``: ∫dt Σ_k Φ̇_k ⟨Θ_k⟩ for 11.6a-11.7b; for 11.7c the time-derivative term
    -4i∫dt∫Ψ*∂_tΨ (which carries the constraints through the phase of Ψ).
    ``imaginary``: for 11.7c the imaginary part, which the paper's equality requires to vanish
    (0 for the real forms); not part of :attr:`total`.
    """

    form: str
    entropy_part: float
    constraint_part: float
    imaginary: float = 0.0

    @property
    def total(self) -> float:
        """S = entropy_part + constraint_part."""
        return self.entropy_part + self.constraint_part

    def parts(self) -> tuple[float, float]:
        """(entropy_part, constraint_part): the terms whose variations must cancel."""
        return (self.entropy_part, self.constraint_part)


def _check_path(path: object) -> Path:
    if not isinstance(path, Path):
        raise TypeError(f"path must be a Path, got {type(path).__name__}")
    return path


def _check_form_input(path: Path, method: str) -> None:
    """Refuse a non-:class:`Path` or an unknown derivative ``method`` before any work."""
    _check_path(path)
    _check_method(method)


def form_11_6a(path: Path, method: Method = "spectral") -> FormParts:
    """(11.6) line 1: H(T) - H(0) + ∫dt ∫ Σ Φ̇_k Θ_k p (``method`` unused: no derivatives).

    Examples
    --------
    Free diffusion of a Gaussian of variance σ0² = 1 with D = 1 up to T = 2: the variance is
    σ0² + DT = 3, so H(T) - H(0) = ½ log 3, and the multipliers stay 0:

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> parts = form_11_6a(path)
    >>> bool(np.isclose(parts.entropy_part, 0.5 * np.log(3), rtol=1e-10)), parts.constraint_part
    (True, 0.0)
    """
    _check_form_input(path, method)
    h = shannon_entropy(path.grid, path.p, check=False)
    return FormParts("11.6a", float(h[-1] - h[0]), _constraint_term(path))


def form_11_6b(path: Path, method: Method = "spectral") -> FormParts:
    """(11.6) line 2: ∫dt ∫ -log p (D/2) Δp + constraints ((11.5) substituted for ∂p/∂t).

    Examples
    --------
    On free diffusion (σ0 = D = 1, T = 2) it is dH/dt integrated: H(T) - H(0) = ½ log 3 (the
    closed form of :func:`form_11_6a`), to the trapezoidal rule's O(dt²):

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> bool(np.isclose(form_11_6b(path).entropy_part, 0.5 * np.log(3), rtol=1e-5))
    True
    """
    _check_form_input(path, method)
    integrand = -_log(path.p) * (path.D / 2) * path.grid.laplacian(path.p, method)
    return FormParts("11.6b", _trapezoid(path.grid.integrate(integrand), path.times),
                     _constraint_term(path))


def form_11_7a(path: Path, method: Method = "spectral") -> FormParts:
    """(11.7) line 1: ∫dt ∫ 2D |∇√p|² + constraints (integrated by parts).

    Examples
    --------
    For a Gaussian of variance s² = σ0² + Dt, ∫ 2D |∇√p|² = D/(2s²), whose integral from 0 to
    T = 2 (σ0 = D = 1) is ½ log 3, the entropy gained (compare :func:`form_11_6a`); the
    trapezoidal rule over 201 times leaves an error of order dt²:

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> bool(np.isclose(form_11_7a(path).entropy_part, 0.5 * np.log(3), rtol=1e-5))
    True
    """
    _check_form_input(path, method)
    grid = path.grid
    dens = 2 * path.D * sum(g**2 for g in grid.gradient(np.sqrt(path.p), method))
    return FormParts("11.7a", _trapezoid(grid.integrate(dens), path.times),
                     _constraint_term(path))


def form_11_7b(path: Path, method: Method = "spectral") -> FormParts:
    """(11.7) line 2: ∫dt ∫ √p (-2D Δ) √p + constraints (integrated by parts again).

    Examples
    --------
    On a periodic grid with spectral derivatives the integration by parts from
    :func:`form_11_7a` (:math:`∫ |∇√p|^2 = -∫ √p Δ√p`) holds to round-off:

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> a, b = form_11_7a(path).entropy_part, form_11_7b(path).entropy_part
    >>> bool(abs(a - b) < 1e-12 * abs(a))
    True
    """
    _check_form_input(path, method)
    grid, sq = path.grid, np.sqrt(path.p)
    dens = sq * (-2 * path.D) * grid.laplacian(sq, method)
    return FormParts("11.7b", _trapezoid(grid.integrate(dens), path.times),
                     _constraint_term(path))


def form_11_7c(path: Path, method: Method = "spectral") -> FormParts:
    """(11.7) line 3: -4 ∫dt ∫ Ψ* (D/2 Δ + i ∂_t) Ψ with Ψ of (11.8) (real part; the imaginary
    part is returned separately).

    Examples
    --------
    On the free Schrödinger packet (σ0 = D = 1, at rest) the kinetic term is
    2D ∫dt ∫|∇Ψ|² = 2D T/(4σ0²) = 1 for T = 2, and the imaginary part vanishes:

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> fit = schrodinger_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> parts = form_11_7c(fit.path)
    >>> bool(np.isclose(parts.entropy_part, 1.0)), bool(abs(parts.imaginary) < 1e-12)
    (True, True)
    """
    _check_form_input(path, method)
    grid, D, t, psi = path.grid, path.D, path.times, path.psi
    kin = -4 * grid.integrate(np.conj(psi) * (D / 2) * grid.laplacian(psi, method))
    # -4i∫Ψ*∂_tΨ.  Split Ψ = e^{iα(t)}Ψ̃ with α̇ dt = Δθ̄_n, the p-weighted mean phase step
    # ΣΔΦ_k⟨Θ_k⟩_{n+1/2}/4: the real part is 4α̇∫p (= 4α̇, ∫p = 1) plus the midpoint rule
    # 4 Im∫Ψ̃_n*Ψ̃_{n+1} for the rest.  Done this way a global phase (a constant added to
    # some Θ_k) is carried exactly, as in the continuum, instead of through sin(Δθ), which
    # is accurate only while the whole phase step, global part included, is small.
    c = path.constraints.values(path.p)
    mean_step = np.sum(np.diff(path.Phi, axis=0) * 0.5 * (c[1:] + c[:-1]), axis=1) / 4
    overlap = grid.integrate(np.conj(psi[:-1]) * psi[1:])
    tim = 4 * (mean_step + np.imag(np.exp(-1j * mean_step) * overlap))
    # imaginary part of -4i∫Ψ̄*(Ψ_{n+1} - Ψ_n): -2(∫|Ψ_{n+1}|² - ∫|Ψ_n|²), a total
    # time derivative that vanishes for normalised p whatever the path
    norms = np.asarray(grid.integrate(np.abs(psi) ** 2))
    return FormParts("11.7c", _trapezoid(kin.real, t), float(np.sum(tim)),
                     _trapezoid(kin.imag, t) - 2 * float(norms[-1] - norms[0]))


# One function per printed form of S: grep "11.7b" finds its single definition here.
#: name of a printed form of S ((11.6a) ... (11.7c)) -> the function that evaluates it
FORM_FUNCTIONS: dict[str, Callable[[Path, Method], FormParts]] = {
    "11.6a": form_11_6a, "11.6b": form_11_6b, "11.7a": form_11_7a, "11.7b": form_11_7b,
    "11.7c": form_11_7c}


def evaluate_form(path: Path, form: str = "11.7c", method: Method = "spectral") -> FormParts:
    """The printed ``form`` of S[p, Φ] on ``path`` (:data:`FORM_FUNCTIONS`), (11.6)-(11.7).

    ``method`` ("spectral" or "fd") chooses the spatial derivatives.  On a diffusion path
    line 1 of (11.6) (the entropy change) and line 1 of (11.7) (the integrated entropy
    production) agree to the time step's O(dt²):

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> a, b = evaluate_form(path, "11.6a"), evaluate_form(path, "11.7a")
    >>> bool(abs(a.entropy_part - b.entropy_part) < 1e-5)
    True
    """
    if form not in FORM_FUNCTIONS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    _check_form_input(path, method)
    return FORM_FUNCTIONS[form](path, method)


_LEGACY_NAMES = {"11.6a": ("entropy change", "constraints"),
                 "11.7c": ("kinetic", "time derivative")}


def action_parts(path: Path, form: str = "11.7c", method: Method = "spectral") -> dict[str, float]:
    """Compatibility view of :func:`evaluate_form` as a dict keyed by the parts' names
    (11.6)-(11.7); new code should use the typed :class:`FormParts`.

    Examples
    --------
    Line 1 of (11.6) on free diffusion (σ0 = D = 1, T = 2): the entropy change ½ log 3, no
    constraint part (Φ ≡ 0):

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> parts = action_parts(path, "11.6a")
    >>> bool(np.isclose(parts["entropy change"], 0.5 * np.log(3))), parts["constraints"]
    (True, 0.0)
    """
    parts = evaluate_form(path, form, method)
    first, second = _LEGACY_NAMES.get(form, ("entropy production", "constraints"))
    out = {first: parts.entropy_part, second: parts.constraint_part}
    if form == "11.7c":
        out["imaginary"] = parts.imaginary
    return out


def action(path: Path, form: str = "11.7c", method: Method = "spectral") -> float:
    """S[p, Φ] in the printed ``form`` of (11.6)-(11.7) (:attr:`FormParts.total`).

    Examples
    --------
    Free diffusion (σ0 = D = 1, T = 2, multipliers 0): line 2 of (11.7) integrates
    2D ∫|∇√p|² = D/(2s²), s² = 1 + t, to ½ log 3 (trapezoidal rule over 201 times):

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> bool(np.isclose(action(path, "11.7b"), 0.5 * np.log(3), rtol=1e-5))
    True
    """
    return evaluate_form(path, form, method).total


def phase_gradient_term(path: Path) -> float:
    """2D ∫dt ∫ p Σ_k (∂_k θ)², θ = ΣΘΦ/4: the term (11.7c) adds to (11.7b) (see errata).

    >>> phase_gradient_term("path")
    Traceback (most recent call last):
    ...
    TypeError: path must be a Path, got str
    """
    _check_path(path)
    dens = 2 * path.D * path.p * (path.phase_gradient**2).sum(1)
    return _trapezoid(path.grid.integrate(dens), path.times)


@dataclass(frozen=True)
class DroppedTermSizes:
    """Sizes of the term (11.7) drops between lines 2 and 3 (:func:`dropped_term_sizes`)."""

    vs_entropy_production: float
    in_p_equation: float


def dropped_term_sizes(path: Path, method: Method = "spectral") -> DroppedTermSizes:
    """How big the term dropped between lines 2 and 3 of (11.7) is, in two gauge-free ways.

    * ``vs_entropy_production``: 2D∫dt∫p|∇θ|² over the entropy-production part
      2D∫dt∫|∇√p|² of line 2.  (Not over all of line 2: its constraint part changes by a
      boundary term when a constant is added to some Θ_k, so that ratio is arbitrary.)
    * ``in_p_equation``: in δS/δp the dropped term contributes 2D|∇θ|², the entropy
      production -2DΔ√p/√p; the ratio of their p-weighted spreads over Q (constants do not
      matter for normalised variations), root-mean-square over time.

    Examples
    --------
    A real density path has no phase, so the term (11.7) drops is zero; a moving packet's is not:

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> from emergent.grids import Grid
    >>> g = Grid((64,), (20.0,))
    >>> c, t = moment_constraints(g, 2), np.linspace(0.0, 1.0, 11)
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> dropped_term_sizes(diffusion_path(c, 1.0, t, 1.0)).vs_entropy_production
    0.0
    >>> dropped_term_sizes(schrodinger_path(c, 1.0, t, 1.0).path).vs_entropy_production > 0.01
    True
    """
    grid, D = path.grid, path.D
    dropped = 2 * D * (path.phase_gradient**2).sum(1)
    sq = np.sqrt(path.p)
    kept_density = 2 * D * sum(g**2 for g in grid.gradient(sq, method))
    live = path.p > 1e-12 * path.p.max(axis=tuple(range(1, path.p.ndim)), keepdims=True)
    kept_eq = np.where(live, -2 * D * grid.laplacian(sq, method) / np.where(live, sq, 1.0), 0.0)

    def spread(f):
        m = np.asarray(grid.integrate(path.p * f)).reshape((-1,) + (1,) * grid.ndim)
        return np.asarray(grid.integrate(path.p * (f - m) ** 2))

    ratio_eq = np.sqrt(_trapezoid(spread(dropped), path.times)
                       / _trapezoid(spread(kept_eq), path.times))
    return DroppedTermSizes(phase_gradient_term(path)
                            / _trapezoid(grid.integrate(kept_density), path.times),
                            float(ratio_eq))


# ------------------------------------------------------------------------------- variations
def renormalised(grid: Grid, p: np.ndarray) -> np.ndarray:
    """Densities p(t_n, ·) on ``grid`` scaled to integrate to 1 at every time (p ≥ 0 given)."""
    return p / np.asarray(grid.integrate(p)).reshape((-1,) + (1,) * grid.ndim)


def _perturb(path: Path, eps: float, eta: np.ndarray | None, zeta: np.ndarray | None) -> Path:
    p, phi = path.p, path.Phi
    if eta is not None:
        p = renormalised(path.grid, p * np.exp(eps * eta))
    if zeta is not None:
        phi = phi + eps * zeta
    return replace(path, p=p, Phi=phi)


def first_variation(path: Path, form: str, eta: ArrayLike | None = None,
                    zeta: ArrayLike | None = None, eps: float = 1e-4,
                    method: Method = "spectral") -> FormParts:
    r""":math:`δS_i = d/dε S_i[p e^{εη}/\mathrm{norm}, Φ + εζ]` at ε = 0 for each part i of
    ``form``, (11.6)-(11.7), as a :class:`FormParts` of variations (``imaginary`` = 0).

    Central difference (S_i(ε) - S_i(-ε))/(2ε), error O(ε²).  ``eta`` (shape of ``p``) and
    ``zeta`` (shape of ``Phi``) must vanish at the first and last time (fixed end points).

    Examples
    --------
    Along ζ = (0, t(2 - t)) (the multiplier of Q²) on free diffusion, where
    :math:`⟨Q^2⟩ = 1 + t`, line 1 of (11.6) varies by
    :math:`∫_0^2 \dot ζ ⟨Q^2⟩ dt = -∫_0^2 t(2 - t) dt = -4/3`; the entropy does not vary:

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> zeta = np.zeros_like(path.Phi)
    >>> zeta[:, 1] = path.times * (2 - path.times)
    >>> d = first_variation(path, "11.6a", zeta=zeta)
    >>> d.entropy_part, bool(np.isclose(d.constraint_part, -4 / 3, rtol=1e-4))
    (0.0, True)
    """
    return _first_variation(path, form, eta, zeta, eps, method)[0]


def _first_variation(path, form, eta, zeta, eps, method) -> tuple[FormParts, float]:
    """(first variations, their round-off level).

    The round-off of a central difference is about u·(|S_i(+ε)| + |S_i(-ε)|)/(2ε); u = 1e-13
    allows for the cancellations inside each S_i (sums over ~1e5 grid terms).
    """
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be finite and > 0, got {eps!r}")
    _check_direction(path, eta, zeta)
    plus = evaluate_form(_perturb(path, eps, eta, zeta), form, method)
    minus = evaluate_form(_perturb(path, -eps, eta, zeta), form, method)
    roundoff = 1e-13 * sum(abs(a) + abs(b) for a, b in zip(plus.parts(), minus.parts(),
                                                            strict=True)) / (2 * eps)
    d = [(a - b) / (2 * eps) for a, b in zip(plus.parts(), minus.parts(), strict=True)]
    return FormParts(form, d[0], d[1]), roundoff


def _check_direction(path: Path, eta, zeta) -> None:
    for name, arr, shape in (("eta", eta, path.p.shape), ("zeta", zeta, path.Phi.shape)):
        if arr is None:
            continue
        a = np.asarray(arr)
        if a.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
        if np.any(a[0] != 0) or np.any(a[-1] != 0):
            raise ValueError(f"{name} must vanish at the first and last time (fixed end points)")


def random_direction(path: Path, rng: np.random.Generator, which: str = "p",
                     n_modes: int = 3) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A random smooth admissible direction (η, None) or (None, ζ), zero at t = 0 and T.

    η(t, Q) = Σ_m a_m sin(mπτ) · Σ_j b_j cos(k_j·Q + φ_j), τ = (t - t0)/(T - t0), with
    |k_j| of order 1/(spread of p) so the perturbation is resolved and felt where p lives.
    ζ_k(t) = Σ_m a_km sin(mπτ) / std_p(Θ_k) (std over p at the middle time).

    Admissible variations of (11.6)-(11.7).

    Examples
    --------
    η has the shape of p and vanishes at both end times (so :func:`first_variation` accepts
    it); ζ likewise for Φ:

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> g = Grid((256,), (40.0,))
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> path = diffusion_path(moment_constraints(g, 2), 1.0, np.linspace(0, 2, 201), 1.0)
    >>> rng = np.random.default_rng(0)
    >>> eta, _ = random_direction(path, rng, "p")
    >>> _, zeta = random_direction(path, rng, "Phi")
    >>> eta.shape == path.p.shape, bool(np.all(eta[[0, -1]] == 0) and np.any(eta != 0))
    (True, True)
    >>> zeta.shape == path.Phi.shape, bool(np.all(zeta[[0, -1]] == 0) and np.any(zeta != 0))
    (True, True)
    """
    t = path.times
    tau = (t - t[0]) / (t[-1] - t[0])
    modes = np.arange(1, n_modes + 1)
    env = np.sin(np.pi * np.outer(tau, modes)) @ rng.normal(size=n_modes)
    env[0] = env[-1] = 0.0
    if which == "p":
        grid = path.grid
        mid = path.p[len(t) // 2]
        spread = np.sqrt(sum(grid.integrate(mid * (q - grid.integrate(mid * q)) ** 2)
                             for q in grid.coordinates) / grid.ndim)
        shape = np.zeros(grid.shape)
        for _ in range(n_modes):
            k = rng.normal(size=grid.ndim)
            k *= rng.uniform(0.3, 1.5) / (np.linalg.norm(k) * spread)
            arg = sum(kk * q for kk, q in zip(k, grid.coordinates, strict=True))
            shape += rng.normal() * np.cos(arg + rng.uniform(0, 2 * np.pi))
        return env.reshape((-1,) + (1,) * grid.ndim) * shape, None
    if which == "Phi":
        # ζ_k of size 1/std(Θ_k): a phase change of order one across p, whatever the units
        # or the constant part of Θ_k
        grid = path.grid
        mid = path.p[len(t) // 2]
        mean = grid.integrate(mid * path.constraints.theta)
        var = grid.integrate(mid * (path.constraints.theta - mean.reshape(
            (-1,) + (1,) * grid.ndim)) ** 2)
        std = np.sqrt(np.asarray(var))
        scale = np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 1.0)
        zeta = np.sin(np.pi * np.outer(tau, modes)) @ rng.normal(size=(n_modes, path.Phi.shape[1]))
        zeta = zeta * scale
        zeta[0] = zeta[-1] = 0.0
        return None, zeta
    raise ValueError(f"which must be 'p' or 'Phi', got {which!r}")


@dataclass(frozen=True)
class StationarityResult(MarkdownSummary):
    """Outcome of :func:`stationarity_test` for one path and one form.

    ``relative[which]``: the relative first variations |Σ δS_i| / Σ|δS_i| of the random
    directions (``which`` = "p" or "Phi"); ``slope[which]``: the fitted slope of
    log|S(ε) - S(0)| against log ε for the first direction; ``eps`` the sizes used.

    Stationarity of (11.6)-(11.7).
    """

    path: str
    form: str
    relative: dict[str, np.ndarray]
    slope: dict[str, float]
    increments: dict[str, np.ndarray]
    eps: np.ndarray = field(repr=False)

    @property
    def worst(self) -> float:
        """The largest relative first variation over all directions."""
        return float(max(np.max(v) for v in self.relative.values()))

    def is_stationary(self, tol: float) -> bool:
        """Every direction's relative first variation below ``tol``."""
        return self.worst < tol


def stationarity_test(path: Path, form: str, n_directions: int = 3, seed: int = 0,
                      eps_first: float = 1e-4, eps_scan: ArrayLike = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3),
                      method: Method = "spectral") -> StationarityResult:
    """Is ``path`` a stationary point of S[p, Φ] in the printed ``form``? (11.6)-(11.9).

    For ``n_directions`` random admissible directions in p and, separately, in Φ
    (:func:`random_direction`), the relative first variation |Σ δS_i| / Σ|δS_i| is 0 when the
    parts' variations cancel (stationary) and 1 when one part varies alone.  A direction in
    which no part varies beyond the round-off of the central difference counts as 0 (the path
    is stationary along it); the measure is thus independent of ``eps_first`` and of the units
    of Θ.  The scan of |S(ε) - S(0)| over ``eps_scan`` shows the scaling: slope ≈ 1 for a
    non-stationary path, ≈ 2 for a stationary one.

    Examples
    --------
    The free Schrödinger packet, a solution of (11.9), is stationary for line 3 of (11.7)
    (variation ≈ 0, slope ≈ 2); free diffusion, which solves (11.5) instead, is not
    (variation ≈ 1, slope ≈ 1):

    >>> import numpy as np
    >>> from emergent.constraints import moment_constraints
    >>> c, t = moment_constraints(Grid((64,), (20.0,)), 2), np.linspace(0.0, 1.0, 11)
    >>> from emergent.candidate_paths import diffusion_path, schrodinger_path
    >>> a = stationarity_test(schrodinger_path(c, 1.0, t, 1.0).path, "11.7c", 1)
    >>> b = stationarity_test(diffusion_path(c, 1.0, t, 1.0), "11.7c", 1)
    >>> a.worst < 1e-2, round(a.slope["p"]), b.worst > 0.5, round(b.slope["p"])
    (True, 2, True, 1)
    """
    if int(n_directions) != n_directions or n_directions < 1:
        raise ValueError(f"n_directions must be a whole number >= 1, got {n_directions!r}")
    eps = np.asarray(eps_scan, dtype=float)
    if eps.ndim != 1 or eps.size < 2 or not np.all(np.isfinite(eps)) or np.any(eps <= 0):
        raise ValueError("eps_scan must hold at least two finite values > 0")
    rng = np.random.default_rng(seed_value("seed", seed))
    s0 = action(path, form, method)
    relative, slope, increments = {}, {}, {}
    for which in ("p", "Phi"):
        rel = []
        for j in range(int(n_directions)):
            eta, zeta = random_direction(path, rng, which)
            dv, roundoff = _first_variation(path, form, eta, zeta, eps_first, method)
            total = sum(abs(v) for v in dv.parts())
            rel.append(abs(sum(dv.parts())) / total if total > 10 * roundoff else 0.0)
            if j == 0:
                inc = np.array([abs(action(_perturb(path, e, eta, zeta), form, method) - s0)
                                for e in eps])
                increments[which] = inc
                good = inc > 0
                slope[which] = (float(np.polyfit(np.log(eps[good]), np.log(inc[good]), 1)[0])
                                if good.sum() >= 2 else float("nan"))
        relative[which] = np.asarray(rel)
    return StationarityResult(path.name, form, relative, slope, increments, eps)
