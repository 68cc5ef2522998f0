"""The verdict rules of ntcore.verdict, each driven both ways."""

import math

import pytest

from ntcore.verdict import Verdict, graded, order_at_least, sign_of, within_tolerance


def test_within_tolerance_both_ways():
    assert within_tolerance("c", measured=-1e-13, tolerance=1e-12).verdict is Verdict.HOLDS
    assert within_tolerance("c", measured=2e-12, tolerance=1e-12).verdict is Verdict.FAILS


def test_graded_three_ways():
    kw = {"holds_below": 0.01, "fails_above": 0.1}
    assert graded("c", measured=0.005, **kw).verdict is Verdict.HOLDS
    assert graded("c", measured=-0.05, **kw).verdict is Verdict.APPROXIMATE
    assert graded("c", measured=0.5, **kw).verdict is Verdict.FAILS


def test_sign_of_all_outcomes():
    assert sign_of("c", measured=-2.0, expected_sign=-1, noise=0.1).verdict is Verdict.HOLDS
    assert sign_of("c", measured=2.0, expected_sign=-1, noise=0.1).verdict is Verdict.FAILS
    assert sign_of("c", measured=0.05, expected_sign=-1, noise=0.1).verdict \
        is Verdict.UNDETERMINED


def test_order_at_least():
    assert order_at_least("c", measured_order=1.95, expected_order=2).verdict is Verdict.HOLDS
    assert order_at_least("c", measured_order=1.0, expected_order=2).verdict is Verdict.FAILS


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_refused(bad):
    with pytest.raises(ValueError, match="measured must be finite"):
        within_tolerance("c", measured=bad, tolerance=1.0)


def test_claim_round_trip_to_dict():
    d = graded("c", measured=0.05, holds_below=0.01, fails_above=0.1).to_dict()
    assert d["verdict"] == "approximate" and d["measured"] == {"deviation": 0.05}
