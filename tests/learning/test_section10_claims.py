"""Each Section 10 claim function driven both ways (holds / fails) and into UNDETERMINED
on degenerate data; the report renders exactly the verdicts the claims computed."""

import math

import pytest

from learning.experiments import claims as C
from ntcore.verdict import Verdict

H, F, U = Verdict.HOLDS, Verdict.FAILS, Verdict.UNDETERMINED


def test_bulk_far_below_boundary():
    assert C.claim_bulk_far_below_boundary(ratios=[1e-3, 5e-3], sweep_ratios={}).verdict is H
    claim = C.claim_bulk_far_below_boundary(ratios=[0.5, 0.9], sweep_ratios={"lr": 0.27})
    assert claim.verdict is F
    assert claim.measured["min_ratio_all"] == 0.27 and claim.measured["max U/U_∂"] == 0.9
    assert C.claim_bulk_far_below_boundary(ratios=[math.nan], sweep_ratios={}).verdict is U


def test_losses_decrease():
    assert C.claim_losses_decrease(log_change=[-2.0, -0.1, -3.0, -1.0]).verdict is H
    assert C.claim_losses_decrease(log_change=[-2.0, 0.1, -3.0, -1.0]).verdict is F
    # A saturated net whose losses never move: no decision, and the reason is given.
    claim = C.claim_losses_decrease(log_change=[0.0, 0.0])
    assert claim.verdict is U and "did not change" in claim.detail
    assert C.claim_losses_decrease(log_change=[math.nan, -1.0]).verdict is U


def test_shallow_symmetric():
    assert C.claim_shallow_symmetric(mu2=[40.0, 44.0], mu3=[-0.5, 0.5]).verdict is H
    # skewness -25 / 64^1.5 = -0.049 holds; -40 / 64^1.5 = -0.078 fails
    assert C.claim_shallow_symmetric(mu2=[64.0], mu3=[-25.0]).verdict is H
    assert C.claim_shallow_symmetric(mu2=[64.0], mu3=[-40.0]).verdict is F
    claim = C.claim_shallow_symmetric(mu2=[0.0], mu3=[0.0])
    assert claim.verdict is U and "μ2 = 0" in claim.detail


def test_deep_more_skewed():
    kw = {"shallow_mu2": 40.0, "shallow_mu3": -0.5}
    assert C.claim_deep_more_skewed(deep_mu2=64.0, deep_mu3=-25.0, **kw).verdict is H
    assert C.claim_deep_more_skewed(deep_mu2=30.0, deep_mu3=-25.0, **kw).verdict is F
    assert C.claim_deep_more_skewed(deep_mu2=64.0, deep_mu3=0.0, **kw).verdict is F
    assert C.claim_deep_more_skewed(deep_mu2=0.0, deep_mu3=0.0, shallow_mu2=0.0,
                                    shallow_mu3=0.0).verdict is U


def test_gap_moves_down():
    assert C.claim_gap_moves_down(gap_means={100: -1.2, 1000: -1.8, 10000: -2.4},
                                  final_epoch=10000).verdict is H
    assert C.claim_gap_moves_down(gap_means={100: -1.2, 1000: -1.8, 10000: -1.7},
                                  final_epoch=10000).verdict is F
    claim = C.claim_gap_moves_down(gap_means={}, final_epoch=60)
    assert claim.verdict is U and "epoch 60" in claim.detail
    assert C.claim_gap_moves_down(gap_means={100: math.nan, 1000: -1.0},
                                  final_epoch=1000).verdict is U


def test_complexity_linear_and_slopes():
    assert C.claim_complexity_linear(r2=[0.95, 0.99]).verdict is H
    assert C.claim_complexity_linear(r2=[0.95, 0.55]).verdict is F
    assert C.claim_complexity_linear(r2=[math.nan]).verdict is U
    assert C.claim_complexity_slopes_order_one(slopes=[0.8, 1.5]).verdict is H
    assert C.claim_complexity_slopes_order_one(slopes=[0.8, 15.0]).verdict is F
    assert C.claim_complexity_slopes_order_one(slopes=[0.0]).verdict is F
    assert C.claim_complexity_slopes_order_one(slopes=[math.nan]).verdict is U


def test_sum_log_lambda_zero():
    assert C.claim_sum_log_lambda_zero(max_abs_sum_log=1.3e-13).verdict is H
    assert C.claim_sum_log_lambda_zero(max_abs_sum_log=1e-3).verdict is F
    assert C.claim_sum_log_lambda_zero(max_abs_sum_log=math.inf).verdict is U


def test_bulk_training_similar():
    kw = {"epoch": 1000, "accuracy_bulk_trained": 0.9, "accuracy_reference": 0.91}
    assert C.claim_bulk_training_similar(boundary_bulk_trained=0.207,
                                         boundary_reference=0.156, **kw).verdict is H
    assert C.claim_bulk_training_similar(boundary_bulk_trained=0.5,
                                         boundary_reference=0.156, **kw).verdict is F
    assert C.claim_bulk_training_similar(boundary_bulk_trained=0.0,
                                         boundary_reference=0.156, **kw).verdict is U


def test_paper_moments():
    paper = {"shallow_mu2": 1.84, "deep_mu2": 2.44, "deep_mu3": -1.7}
    close = {"raw": {"shallow_mu2": 40.0, "deep_mu2": 64.0, "deep_mu3": -25.0},
             "per_neuron": {"shallow_mu2": 1.9, "deep_mu2": 2.3, "deep_mu3": -1.8}}
    far = {"raw": close["raw"]}
    assert C.claim_paper_moments(paper=paper, ours=close, reached=True).verdict is H
    assert C.claim_paper_moments(paper=paper, ours=far, reached=True).verdict is F
    assert C.claim_paper_moments(paper=paper, ours=close, reached=False).verdict is U


@pytest.mark.parametrize("name", [n for n in C.__all__ if n.startswith("claim_")])
def test_every_claim_function_is_tested_here(name):
    import pathlib

    assert f"C.{name}(" in pathlib.Path(__file__).read_text()
