"""The claims of Section 10, each judged by one small function (measured values -> Claim).

Every function applies a rule of :mod:`ntcore.verdict` to numbers measured by the main job
and returns a :class:`~ntcore.verdict.Claim`; the thresholds are stated once, below, with
the reason for each. When the data cannot decide (a degenerate run: μ_2 = 0 for a saturated
network, a loss that is not finite, a checkpoint the run never reached) the function says
what is degenerate and returns an UNDETERMINED claim instead of raising.

>>> claim_sum_log_lambda_zero(max_abs_sum_log=1e-13).verdict.value
'holds'
>>> claim_bulk_far_below_boundary(ratios=[0.7, 0.8], sweep_ratios={}).verdict.value
'fails'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

from ntcore.checks import real_number
from ntcore.verdict import Claim, Verdict, sign_of, within_tolerance

__all__ = ["FEW_ORDERS_RATIO", "SKEWNESS_TOLERANCE", "R2_LINEAR", "ORDER_ONE_DECADES",
           "SUM_LOG_TOLERANCE", "SIMILAR_FACTOR", "PAPER_AGREEMENT",
           "claim_bulk_far_below_boundary", "claim_losses_decrease", "claim_shallow_symmetric",
           "claim_deep_more_skewed", "claim_gap_moves_down", "claim_complexity_linear",
           "claim_complexity_slopes_order_one", "claim_sum_log_lambda_zero",
           "claim_bulk_training_similar", "claim_paper_moments"]

# "A few orders of magnitude" below: at least two decades, U/U_∂ <= 1e-2.
FEW_ORDERS_RATIO = 1e-2
# |μ3| / μ2^1.5 below this is a symmetric distribution (the deep nets reach ~ -0.05 to -0.1).
SKEWNESS_TOLERANCE = 0.05
# "Nearly linear": a straight line explains at least 90 % of the variance.
R2_LINEAR = 0.9
# "Of order one": within one decade of 1, i.e. 0.1 <= |slope| <= 10.
ORDER_ONE_DECADES = 1.0
# Σ log λ = 0 (7.8) is exact; eigenvalue round-off for N ~ 10^3 stays near 1e-13.
SUM_LOG_TOLERANCE = 1e-8
# "Similar results": the boundary losses agree within a factor 2.
SIMILAR_FACTOR = 2.0
# The paper's numbers count as reproduced within 20 % (relative).
PAPER_AGREEMENT = 0.2


def undetermined(text: str, rule: str, reason: str, measured: Mapping[str, float] | None = None,
                 figure: str | None = None) -> Claim:
    """The claim the data cannot decide, with ``reason`` saying what is degenerate."""
    return Claim(text, rule, dict(measured or {}), Verdict.UNDETERMINED, figure=figure,
                 detail=reason)


def _with(claim: Claim, detail: str, **measured: float) -> Claim:
    """The claim with the other numbers it was judged on and a sentence computed from them."""
    return dataclasses.replace(claim, measured=dict(claim.measured) | measured, detail=detail)


def _finite(values) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _reals(name: str, values) -> list[float]:
    """``values`` as a list of floats (None -> NaN, so that the claim is undetermined), or a
    TypeError naming ``name``: a string or a non-number is a caller's mistake, not data."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    return [math.nan if v is None else real_number(f"{name} entries", v, finite=False)
            for v in values]


def _real(name: str, value) -> float:
    return math.nan if value is None else real_number(name, value, finite=False)


def _real_mapping(name: str, values) -> dict:
    if not isinstance(values, Mapping):
        raise TypeError(f"{name} must be a mapping to numbers, got {type(values).__name__}")
    return {k: _real(f"{name}[{k!r}]", v) for k, v in values.items()}


def claim_bulk_far_below_boundary(*, ratios: Sequence[float],
                                  sweep_ratios: Mapping[str, float]) -> Claim:
    """"The bulk loss stays a few orders of magnitude below the boundary loss" (Fig. 2),
    judged on the largest final U/U_∂ of the main runs; the sweep is reported beside it."""
    ratios = _reals("ratios", ratios)
    sweep_ratios = _real_mapping("sweep_ratios", sweep_ratios)
    text = "U stays a few orders of magnitude below U_∂ (Fig. 2)"
    rule = f"holds if max U/U_∂ <= {FEW_ORDERS_RATIO:g}"
    if not ratios or not _finite(ratios) or min(ratios) < 0:
        return undetermined(text, rule, f"U/U_∂ not finite and >= 0 in every run: {ratios}",
                            figure="figure2.png")
    claim = within_tolerance(text, measured=max(ratios), tolerance=FEW_ORDERS_RATIO,
                             name="max U/U_∂", figure="figure2.png")
    everything = list(ratios) + [v for v in sweep_ratios.values() if math.isfinite(v)]
    sweep = ", ".join(f"{k} {v:.3g}" for k, v in sweep_ratios.items())
    return _with(claim, f"U/U_∂ = {min(ratios):.3g} to {max(ratios):.3g} over the main runs; "
                 f"{min(everything):.3g} to {max(everything):.3g} with the sweep"
                 + (f" ({sweep})" if sweep else ""),
                 min_ratio=min(ratios), min_ratio_all=min(everything),
                 max_ratio_all=max(everything))


def claim_losses_decrease(*, log_change: Sequence[float]) -> Claim:
    """Both U and U_∂ decrease with training (Fig. 2): ``log_change`` holds
    log(final / first trained checkpoint) of both losses for every run."""
    log_change = _reals("log_change", log_change)
    text = "both U and U_∂ decrease with training (Fig. 2)"
    rule = "holds if the largest log(final / first) of U and U_∂ over all runs is negative"
    if not log_change or not _finite(log_change):
        return undetermined(text, rule, "a loss is zero or not finite at a checkpoint",
                            figure="figure2.png")
    claim = sign_of(text, measured=max(log_change), expected_sign=-1,
                    name="max log(final/first)", figure="figure2.png")
    still = "a loss did not change at all (a saturated network?): " \
        if claim.verdict is Verdict.UNDETERMINED else ""
    return _with(claim, f"{still}log(final/first) from {min(log_change):.3g} to "
                 f"{max(log_change):.3g} over {len(log_change) // 2} runs")


def claim_shallow_symmetric(*, mu2: Sequence[float], mu3: Sequence[float]) -> Claim:
    """The shallow net's log λ distribution is symmetric, μ3 ≈ 0 (Fig. 4), by the
    standardised skewness μ3 / μ2^1.5 of every seed."""
    mu2, mu3 = _reals("mu2", mu2), _reals("mu3", mu3)
    if len(mu2) != len(mu3):
        raise ValueError(f"mu2 and mu3 differ in length ({len(mu2)} vs {len(mu3)})")
    text = "shallow net: log λ distribution symmetric, μ3 ≈ 0 (Fig. 4)"
    rule = f"holds if max |μ3/μ2^1.5| <= {SKEWNESS_TOLERANCE:g}"
    if not mu2 or not _finite(list(mu2) + list(mu3)):
        return undetermined(text, rule, "μ2 or μ3 not finite", figure="figure4.png")
    if min(mu2) <= 0:
        return undetermined(text, rule, "μ2 = 0: every log λ is equal (a saturated or "
                            "degenerate network), so the skewness is undefined",
                            {"min_mu2": min(mu2)}, figure="figure4.png")
    skew = [m3 / m2**1.5 for m2, m3 in zip(mu2, mu3, strict=True)]
    worst = max(skew, key=abs)
    claim = within_tolerance(text, measured=abs(worst), tolerance=SKEWNESS_TOLERANCE,
                             name="max |μ3/μ2^1.5|", figure="figure4.png")
    return _with(claim, f"standardised skewness μ3/μ2^1.5 from {min(skew):.3g} to "
                 f"{max(skew):.3g} over {len(skew)} seeds")


def claim_deep_more_skewed(*, deep_mu2: float, shallow_mu2: float, deep_mu3: float,
                           shallow_mu3: float) -> Claim:
    """The deep net has larger μ2 and more negative μ3 than the shallow one (Figs. 4-5),
    seed means: both margins must be positive."""
    deep_mu2, shallow_mu2 = _real("deep_mu2", deep_mu2), _real("shallow_mu2", shallow_mu2)
    deep_mu3, shallow_mu3 = _real("deep_mu3", deep_mu3), _real("shallow_mu3", shallow_mu3)
    text = "deep net: larger μ2 and more negative μ3 than shallow (Figs. 4-5)"
    rule = "holds if min(μ2 deep - μ2 shallow, μ3 shallow - μ3 deep) > 0"
    values = dict(deep_mu2=deep_mu2, shallow_mu2=shallow_mu2, deep_mu3=deep_mu3,
                  shallow_mu3=shallow_mu3)
    if not _finite(values.values()):
        return undetermined(text, rule, "a moment is not finite", values)
    margin = min(deep_mu2 - shallow_mu2, shallow_mu3 - deep_mu3)
    claim = sign_of(text, measured=margin, expected_sign=1, name="smaller margin")
    same = "no difference (both spectra degenerate?): " \
        if claim.verdict is Verdict.UNDETERMINED else ""
    return _with(claim, f"{same}μ2 deep {deep_mu2:.3g} vs shallow {shallow_mu2:.3g}; μ3 deep "
                 f"{deep_mu3:.3g} vs shallow {shallow_mu3:.3g}", **values)


def claim_gap_moves_down(*, gap_means: Mapping[int, float], final_epoch: int) -> Claim:
    """The gap in log λ moves to smaller values with training (Fig. 5): the mean gap
    position at the paper's epochs (100, 1000, 10 000) that the run reached."""
    gap_means = _real_mapping("gap_means", gap_means)
    text = "the gap in log λ moves to smaller values with training (Fig. 5)"
    rule = "holds if every later mean gap position is lower (largest step < 0)"
    if len(gap_means) < 2:
        return undetermined(text, rule, f"the run ended at epoch {final_epoch}, before two "
                            "of the paper's epochs 100, 1000, 10000", figure="figure5.png")
    if not _finite(gap_means.values()):
        return undetermined(text, rule, "no gap found at some epoch (every seed)",
                            figure="figure5.png")
    means = list(gap_means.values())
    steps = [b - a for a, b in zip(means, means[1:], strict=False)]
    claim = sign_of(text, measured=max(steps), expected_sign=-1, name="largest step",
                    figure="figure5.png")
    return _with(claim, "mean gap position at " + "/".join(map(str, gap_means)) + ": "
                 + ", ".join(f"{m:.3g}" for m in means),
                 **{f"gap_{e}": m for e, m in gap_means.items()})


def claim_complexity_linear(*, r2: Sequence[float]) -> Claim:
    """:math:`C_{20}` and :math:`C_{N-20}` (10.5) are nearly linear in log U (Fig. 7): the R² of the
    fits of every seed."""
    r2 = _reals("r2", r2)
    text = "C_20, C_{N-20} nearly linear in log U (Fig. 7)"
    rule = f"holds if min R² >= {R2_LINEAR:g}"
    if not r2 or not _finite(r2):
        return undetermined(text, rule, "a fit is undefined (fewer than two distinct finite "
                            "log U values)", figure="figure7.png")
    claim = within_tolerance(text, measured=1 - min(r2), tolerance=1 - R2_LINEAR,
                             name="1 - min R²", figure="figure7.png")
    return _with(claim, f"R² from {min(r2):.3f} to {max(r2):.3f}", min_r2=min(r2),
                 max_r2=max(r2))


def claim_complexity_slopes_order_one(*, slopes: Sequence[float]) -> Claim:
    """The slopes of C_n against log U are of order one (Fig. 7)."""
    slopes = _reals("slopes", slopes)
    text = "C_20, C_{N-20} against log U: slopes of order one (Fig. 7)"
    rule = f"holds if every |slope| is within {ORDER_ONE_DECADES:g} decade of 1"
    if not slopes or not _finite(slopes):
        return undetermined(text, rule, "a fit is undefined", figure="figure7.png")
    # A zero slope is infinitely many decades from 1: clip so the rule sees a huge number.
    decades = max(abs(math.log10(max(abs(s), 1e-300))) for s in slopes)
    claim = within_tolerance(text, measured=decades, tolerance=ORDER_ONE_DECADES,
                             name="max |log10 |slope||", figure="figure7.png")
    return _with(claim, f"slopes from {min(slopes):.3g} to {max(slopes):.3g}",
                 min_slope=min(slopes), max_slope=max(slopes))


def claim_sum_log_lambda_zero(*, max_abs_sum_log: float) -> Claim:
    """Σ log λ = 0 (7.8), i.e. det G = 1 (7.7), at every checkpoint of every run."""
    max_abs_sum_log = _real("max_abs_sum_log", max_abs_sum_log)
    text = "Σ log λ = 0 (7.8) at every checkpoint"
    if not math.isfinite(max_abs_sum_log):
        return undetermined(text, f"holds if max |Σ log λ| <= {SUM_LOG_TOLERANCE:g}",
                            "Σ log λ not finite (a singular G)")
    claim = within_tolerance(text, measured=max_abs_sum_log, tolerance=SUM_LOG_TOLERANCE,
                             name="max |Σ log λ|")
    return _with(claim, f"max |Σ log λ| = {max_abs_sum_log:.1e} over all runs and checkpoints")


def claim_bulk_training_similar(*, epoch: int, boundary_bulk_trained: float,
                                boundary_reference: float, accuracy_bulk_trained: float,
                                accuracy_reference: float) -> Claim:
    """Training on the bulk loss gives similar results (Section 10): U_∂ of the bulk-trained
    run against the boundary-trained one at the same epoch."""
    boundary_bulk_trained = _real("boundary_bulk_trained", boundary_bulk_trained)
    boundary_reference = _real("boundary_reference", boundary_reference)
    accuracy_bulk_trained = _real("accuracy_bulk_trained", accuracy_bulk_trained)
    accuracy_reference = _real("accuracy_reference", accuracy_reference)
    text = "training on the bulk loss gives similar results (Section 10)"
    rule = f"holds if U_∂ agree within a factor {SIMILAR_FACTOR:g}"
    values = dict(boundary_bulk_trained=boundary_bulk_trained,
                  boundary_reference=boundary_reference,
                  accuracy_bulk_trained=accuracy_bulk_trained,
                  accuracy_reference=accuracy_reference)
    if not _finite(values.values()) or min(boundary_bulk_trained, boundary_reference) <= 0:
        return undetermined(text, rule, "a boundary loss is zero or not finite", values)
    log_ratio = abs(math.log(boundary_bulk_trained / boundary_reference))
    claim = within_tolerance(text, measured=log_ratio, tolerance=math.log(SIMILAR_FACTOR),
                             name="|log(U_∂ bulk-trained / U_∂ boundary-trained)|")
    return _with(claim, f"epoch {epoch}: U_∂ {boundary_bulk_trained:.3g} (bulk-trained) vs "
                 f"{boundary_reference:.3g} (boundary-trained); test accuracy "
                 f"{accuracy_bulk_trained:.3f} vs {accuracy_reference:.3f}", **values)


def claim_paper_moments(*, paper: Mapping[str, float],
                        ours: Mapping[str, Mapping[str, float]], reached: bool) -> Claim:
    """The paper's μ2 / μ3 at epoch 10 000 (Section 10), under the best of our
    normalisations: ``ours[normalisation][quantity]`` are seed means beside ``paper``."""
    paper = _real_mapping("paper", paper)
    if not isinstance(ours, Mapping):
        raise TypeError(f"ours must be a mapping of normalisations, got {type(ours).__name__}")
    ours = {norm: _real_mapping(f"ours[{norm!r}]", vals) for norm, vals in ours.items()}
    missing = {norm: sorted(set(paper) - set(vals)) for norm, vals in ours.items()
               if set(paper) - set(vals)}
    if missing:
        raise ValueError(f"ours lacks the paper's quantities: {missing}")
    text = "the paper's μ2 = 1.84 (shallow), 2.44 and μ3 = -1.7 (deep) at epoch 10 000"
    rule = (f"holds if, for one normalisation of μ_k, every value is within "
            f"{PAPER_AGREEMENT:.0%} of the paper's")
    if not reached:
        return undetermined(text, rule, "the run did not reach epoch 10 000")
    deviation = {norm: max(abs(vals[q] / paper[q] - 1) for q in paper)
                 for norm, vals in ours.items()}
    if not _finite(deviation.values()):
        return undetermined(text, rule, "a moment is not finite")
    best = min(deviation, key=deviation.get)
    claim = within_tolerance(text, measured=deviation[best], tolerance=PAPER_AGREEMENT,
                             name="smallest max relative deviation")
    return _with(claim, "max relative deviation: " + ", ".join(
        f"{norm} {dev:.3g}" for norm, dev in deviation.items()),
        **{f"{norm}_{q}": vals[q] for norm, vals in ours.items() for q in paper})
