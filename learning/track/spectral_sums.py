r"""S, S_0 and C of Sections 5-7 at a checkpoint measured by stochastic Lanczos quadrature.

With m = 0, log Z of (5.11) is

.. math::

    \log Z = \tfrac{N}{2}\log 2\pi - \tfrac12 \sum_i \log(1 + \beta\lambda_i)
             - \tfrac12 \sum_i a_i^2 \frac{\beta\lambda_i}{1 + \beta\lambda_i},

U = -∂ log Z/∂β (6.1) and S = log Z + βU (7.1), so that every quantity the laws (7.6),
(7.11) take from a spectrum is a spectral sum of G plus a quadratic form in ⟨x⟩:

* S of (5.14): :math:`\operatorname{Tr} s_\beta(G)`,
  :math:`s_\beta(\lambda) = \tfrac12\log 2\pi - \tfrac12\log(1+\beta\lambda)
  + \tfrac12 \beta\lambda/(1+\beta\lambda)`;
* the ⟨x⟩ term of S in (5.11): :math:`\langle x\rangle^T h_\beta(G) \langle x\rangle`,
  :math:`h_\beta(\lambda) = -\tfrac12 (\beta\lambda/(1+\beta\lambda))^2`
  (``mean_term`` of :class:`learning.thermodynamics.EntropySplit`), which needs no eigenvector:
  Σ_i a_i² h(λ_i) with a_i of (5.12) is the quadratic form;
* the bracket of (7.11), S_0 (7.4) plus C (6.7) as printed:
  :math:`\operatorname{Tr} \phi_\beta(G)`, :math:`\phi_\beta(\lambda) = \tfrac12\log 2\pi
  + [\beta\lambda > 1]\,\tfrac12 (1 - \log\beta - \log\lambda)`;
* N_> (6.6): :math:`\operatorname{Tr}\,[\beta G > 1]`.

The traces come from the Gauss rules of the SLQ runs the checkpoint already made (the same
probes; μ_1 = log det G = 0 (7.8) as a control variate, as for μ_k), each probe giving one
estimate, so a sum has a standard error and, from the rule cut to 3/4 of the steps, a
quadrature change.  The quadratic form comes from one Lanczos run started from ⟨x⟩/|⟨x⟩|
(:class:`learning.lanczos.GolubKahan`): its Gauss rule has no sampling error; its
quadrature error is estimated by the change from the rule cut to 3/4 of the steps.

The rules are stored in the checkpoint's JSON (``slq_rule``, ``form_rule``), so the laws
report evaluates these sums at any β (β(t) from the gap, β_ref of (7.11)) after the run.
The function of λ with a step (φ, N_>) is integrated less well by a Gauss rule than the
smooth ones: its quadrature change is larger, and is carried into its error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from learning.jacobian import check_mean_state, jacobian_operator
from learning.lanczos import GolubKahan, gauss_nodes
from learning.septuple import Septuple
from learning.spectral_estimates import SpectralMoments
from learning.spectrum import check_beta
from learning.two_sided import AProducts
from ntcore.checks import count

__all__ = ["SUMS", "FORM_ROUNDOFF", "Rule", "SumEstimate", "ProbeRules", "record_rules",
           "mean_form_rule", "probe_rules", "sum_density"]

Array = NDArray[np.float64]
LOG_2PI = float(np.log(2.0 * np.pi))
#: the spectral sums and the quadratic form, by name (see the module docstring)
SUMS = ("entropy", "mean_term", "bracket", "n_large")


def sum_density(name: str, log_lambda: Array, beta: float) -> Array:
    r"""The function of λ (given log λ) whose trace is the sum ``name`` at β.

    ``"entropy"``: :math:`s_\beta`; ``"mean_term"``: :math:`h_\beta` (the quadratic form's);
    ``"bracket"``: :math:`\phi_\beta`; ``"n_large"``: :math:`[\beta\lambda > 1]` (module
    docstring).

    Examples
    --------
    Σ s_β(λ_i) is S of (5.14) (:func:`learning.thermodynamics.entropy`):

    >>> from learning.thermodynamics import entropy
    >>> lam = np.array([0.01, 0.5, 3.0, 40.0])
    >>> bool(np.isclose(sum_density("entropy", np.log(lam), 0.8).sum(), entropy(lam, 0.8)))
    True
    """
    if name not in SUMS:
        raise ValueError(f"name must be one of {SUMS}, got {name!r}")
    beta = check_beta(beta)
    t = np.asarray(log_lambda, dtype=float)
    z = np.log(beta) + t  # log βλ
    frac = expit(z)  # βλ/(1 + βλ), without overflow
    if name == "entropy":
        return 0.5 * LOG_2PI - 0.5 * np.logaddexp(0.0, z) + 0.5 * frac
    if name == "mean_term":
        return -0.5 * frac**2
    large = (z > 0).astype(float)
    if name == "n_large":
        return large
    return 0.5 * LOG_2PI + large * 0.5 * (1.0 - z)


@dataclass(frozen=True)
class Rule:
    """Gauss rules: log-nodes and weights, one row per probe (one row for the quadratic
    form), and the same runs cut to 3/4 of their steps.  Padding nodes carry weight 0."""

    log_nodes: Array
    weights: Array
    cut_log_nodes: Array
    cut_weights: Array

    def __post_init__(self) -> None:
        arrays = [np.atleast_2d(np.asarray(a, float)) for a in
                  (self.log_nodes, self.weights, self.cut_log_nodes, self.cut_weights)]
        if (arrays[0].shape != arrays[1].shape or arrays[2].shape != arrays[3].shape
                or arrays[0].shape[0] != arrays[2].shape[0]
                or not all(np.all(np.isfinite(a)) for a in arrays)):
            raise ValueError("log_nodes, weights, cut_log_nodes, cut_weights must be finite, "
                             "the nodes shaped as their weights, with one row per probe in "
                             "both rules")
        for name, a in zip(("log_nodes", "weights", "cut_log_nodes", "cut_weights"), arrays,
                           strict=True):
            object.__setattr__(self, name, a)

    def per_row(self, name: str, beta: float) -> tuple[Array, Array]:
        """Each row's estimate of the sum ``name`` at β, from the full and the cut rule."""
        return (np.sum(self.weights * sum_density(name, self.log_nodes, beta), axis=1),
                np.sum(self.cut_weights * sum_density(name, self.cut_log_nodes, beta), axis=1))

    def to_dict(self) -> dict:
        """JSON lists (the layout the recorder stores)."""
        return {"log_nodes": self.log_nodes.tolist(), "weights": self.weights.tolist(),
                "cut_log_nodes": self.cut_log_nodes.tolist(),
                "cut_weights": self.cut_weights.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Rule:
        return cls(*(np.asarray(d[k], float) for k in
                     ("log_nodes", "weights", "cut_log_nodes", "cut_weights")))


def record_rules(result: SpectralMoments) -> Rule:
    """The SLQ Gauss rules of ``result`` (full and cut) as a :class:`Rule`."""
    if not isinstance(result, SpectralMoments):
        raise TypeError(f"result must be a SpectralMoments, got {type(result).__name__}")
    cut = result.truncated_quadrature
    if result.quadrature.exact or cut is None:
        raise ValueError("result must come from stochastic Lanczos quadrature (method 'slq')")
    return Rule(result.quadrature.log_nodes, result.quadrature.weights, cut.log_nodes,
                cut.weights)


def mean_form_rule(net: Septuple, x_mean: Array, steps: int = 60) -> Rule:
    """The Gauss rule of the quadratic form ⟨x⟩ᵀ g(G) ⟨x⟩ from one Lanczos run started
    from ⟨x⟩/|⟨x⟩| (weights summing to |⟨x⟩|²), and the rule cut to 3/4 of its steps.

    Examples
    --------
    Against the a_i of (5.12) from the dense eigenvectors of G:

    >>> from learning import feedforward
    >>> from learning.thermodynamics import mean_state_components
    >>> net = feedforward((5, 6, 3), seed=0, weight_scale=1.5)
    >>> x = np.linspace(-0.5, 0.5, 14)
    >>> lam, a = mean_state_components(net, x)
    >>> rule = mean_form_rule(net, x, steps=14)
    >>> full, _ = rule.per_row("mean_term", 0.8)
    >>> bool(np.isclose(full[0], np.sum(a**2 * sum_density("mean_term", np.log(lam), 0.8))))
    True
    """
    if not isinstance(net, Septuple):
        raise TypeError(f"net must be a Septuple, got {type(net).__name__}")
    x = check_mean_state(net, x_mean)
    steps = min(count("steps", steps, minimum=2), net.n_neurons)
    norm2 = float(x @ x)
    if norm2 == 0.0:  # ⟨x⟩ = 0: every form vanishes
        zero = np.zeros((1, 1))
        return Rule(zero, zero, zero, zero)
    gk = GolubKahan(AProducts(jacobian_operator(net, x)), (x / np.sqrt(norm2))[None, :],
                    steps)
    gk.extend(steps)
    length = int(gk.lengths[0])
    cut = max(1, (3 * length) // 4) if length == steps else length  # closed: exact
    rows = [gauss_nodes(gk.alpha[0], gk.beta[0], k) for k in (length, cut)]
    pad = [np.pad(a, (0, length - a.size)) for t, w in rows for a in (t, norm2 * w)]
    return Rule(pad[0][None], pad[1][None], pad[2][None], pad[3][None])


#: Round-off of the quadratic form per unit |⟨x⟩|², measured as 2e-13 on a 150-neuron net.
FORM_ROUNDOFF = 1e-12


@dataclass(frozen=True)
class SumEstimate:
    """A spectral sum at one β: value, standard error over the probes (0 for the quadratic
    form) and quadrature change; :attr:`error` combines them."""

    value: float
    stderr: float
    quadrature_change: float

    @property
    def error(self) -> float:
        return float(np.hypot(self.stderr, self.quadrature_change))


@dataclass(frozen=True)
class ProbeRules:
    """A checkpoint's rules: the SLQ probes' (``trace``), the quadratic form's (``form``),
    and whether μ_1 = 0 (7.8) serves as a control variate (feedforward networks)."""

    trace: Rule
    form: Rule
    control_variate: bool = True

    def __post_init__(self) -> None:
        for name in ("trace", "form"):
            if not isinstance(getattr(self, name), Rule):
                raise TypeError(f"{name} must be a Rule, got {type(getattr(self, name)).__name__}")
        if self.form.log_nodes.shape[0] != 1:
            raise ValueError(f"form must have one row (one Lanczos run from <x>), got "
                             f"{self.form.log_nodes.shape[0]}")

    def per_probe(self, name: str, beta: float) -> tuple[Array, Array]:
        """Each probe's estimate of Tr g(G) (full and cut rule), with the control variate:
        a probe's value minus c times its estimate of μ_1 (exactly 0), c the regression
        coefficient over the probes (the intercept of :func:`learning.spectral_estimates`'s
        μ_k, probe by probe)."""
        out = []
        for nodes, weights in ((self.trace.log_nodes, self.trace.weights),
                               (self.trace.cut_log_nodes, self.trace.cut_weights)):
            y = np.sum(weights * sum_density(name, nodes, beta), axis=1)
            if self.control_variate and y.size > 2:
                first = np.sum(weights * nodes, axis=1)
                centred = first - first.mean()
                denom = float(centred @ centred)
                if denom > 0:
                    y = y - float((y - y.mean()) @ centred) / denom * first
            out.append(y)
        return out[0], out[1]

    def form_value(self, name: str, beta: float) -> tuple[float, float]:
        """The quadratic form ⟨x⟩ᵀ g(G) ⟨x⟩ (full rule) and its error: the change from the
        cut rule plus :data:`FORM_ROUNDOFF` |⟨x⟩|² for the round-off of the run."""
        full, cut = self.form.per_row(name, beta)
        norm2 = float(np.sum(self.form.weights))
        return float(full[0]), float(abs(full[0] - cut[0])) + FORM_ROUNDOFF * norm2

    def estimate(self, name: str, beta: float) -> SumEstimate:
        """One sum at β: a trace (``"entropy"``, ``"bracket"``, ``"n_large"``) with its
        standard error over the probes and its quadrature change, or the quadratic form
        (``"mean_term"``: no sampling error)."""
        if name == "mean_term":
            value, change = self.form_value(name, beta)
            return SumEstimate(value, 0.0, change)
        full, cut = self.per_probe(name, beta)
        return SumEstimate(float(full.mean()), float(full.std(ddof=1) / np.sqrt(full.size)),
                           float(abs(full.mean() - cut.mean())))

    def grid(self, betas: tuple[float, ...]) -> dict:
        """The sums at each β of ``betas`` as flat JSON lists: ``sums_beta``, and per sum
        ``sum_<name>``, ``sum_<name>_stderr``, ``sum_<name>_quadrature_change``."""
        out: dict = {"sums_beta": [float(b) for b in betas]}
        for name in SUMS:
            est = [self.estimate(name, float(b)) for b in betas]
            out[f"sum_{name}"] = [e.value for e in est]
            out[f"sum_{name}_stderr"] = [e.stderr for e in est]
            out[f"sum_{name}_quadrature_change"] = [e.quadrature_change for e in est]
        return out

    def to_dict(self) -> dict:
        return {"slq_rule": self.trace.to_dict(), "form_rule": self.form.to_dict(),
                "rule_control_variate": self.control_variate}


def probe_rules(measurements: dict) -> ProbeRules | None:
    """The rules stored in a checkpoint's measurements (``None`` for checkpoints recorded
    without them: exact checkpoints, or SLQ ones written before they were stored)."""
    if not isinstance(measurements, dict):
        raise TypeError(f"measurements must be a dict, got {type(measurements).__name__}")
    if "slq_rule" not in measurements or "form_rule" not in measurements:
        return None
    return ProbeRules(Rule.from_dict(measurements["slq_rule"]),
                      Rule.from_dict(measurements["form_rule"]),
                      bool(measurements.get("rule_control_variate", True)))

