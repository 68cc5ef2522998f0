"""Section 12 for every dimension: the abstract-index engine, the proof, and its cross-checks
against the per-dimension exact-jet code of emergent.onsager (an independent implementation)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from emergent.abstract_indices import (
    D,
    Factor,
    TensorExpression,
    christoffel,
    dg,
    divergence,
    euler_lagrange,
    fresh,
    ginv,
    metric,
    total_derivative,
)
from emergent.all_dimensions_verdict import (
    AllDimensionsVerdict,
    all_dimensions_verdict,
    claim_for_dimension,
)
from emergent.derivation_all_dimensions import onsager_all_dimensions
from emergent.jets import random_jet
from emergent.onsager import (
    BASIS,
    divergence_term,
    einstein_tensor_upper,
    euler_lagrange_basis,
    family_of_onsager_tensors,
    gamma_gamma_density,
    onsager_verdict,
    ricci_scalar,
)
from emergent.onsager_all_dimensions import (
    FREE,
    basis_euler_lagrange,
    block_jet,
    coordinates,
    divergence_vector,
    einstein_upper,
    existence_residual,
    gamma_gamma,
    invariant,
    reduction_residual,
    two_dimensional_zero,
)
from emergent.onsager_all_dimensions import (
    ricci_scalar as abstract_ricci_scalar,
)
from emergent.tensor_canonical import canonical, evaluate, evaluate_canonical
from ntcore.verdict import Verdict


def _wrong_gamma(a: str, b: str, c: str) -> TensorExpression:
    """Γ with one index misplaced: -g_{bd,c} where (12.11) has -g_{bc,d}."""
    d = fresh()
    return ginv(a, d) * (dg(c, d, b) + dg(b, d, c) - dg(c, b, d)) * sp.Rational(1, 2)


def _vector_missing_a_term(index: str) -> TensorExpression:
    m, n = fresh(), fresh()
    return ginv(m, n) * christoffel(index, m, n)  # drops -g^{αμ}Γ^ν_{μν}


def _statuses(derivation) -> dict[str, str]:
    return {s.number: s.status for s in derivation.verify().steps}


# ---- the engine ----------------------------------------------------------------------------

def test_traces_are_the_symbol_d_and_symmetries_are_known():
    assert canonical(ginv("a", "b") * metric("a", "b")).coefficients == {1: D}
    assert canonical(dg("m", "a", "b") - dg("m", "b", "a")).is_zero
    assert not canonical(dg("m", "a", "b") - dg("a", "m", "b")).is_zero
    # relabelling dummies changes nothing
    assert canonical(invariant("I1") - ginv("p", "q") * ginv("r", "s") * ginv("t", "u")
                     * dg("p", "r", "t") * dg("q", "s", "u")).is_zero


def test_engine_refuses_malformed_input_by_name():
    with pytest.raises(ValueError, match="same position"):
        ginv("a", "b") * ginv("a", "c")
    with pytest.raises(ValueError, match="m must be a new index"):
        total_derivative(ginv("m", "n"), "m")
    with pytest.raises(ValueError, match="density must be a scalar"):
        euler_lagrange(ginv("a", "b"), "x", "y")
    with pytest.raises(ValueError, match="different free indices"):
        ginv("a", "b") + dg("m", "a", "b")
    with pytest.raises(ValueError, match="head must be"):
        Factor("riemann", ("a",))
    with pytest.raises(ValueError, match="order must list"):
        evaluate(ginv("a", "b"), random_jet(2, seed=0), ("a",))


@pytest.mark.parametrize("dim", [2, 3, 4, 5, 6])
def test_canonical_forms_keep_their_value_at_jets(dim):
    # canon_bp against plain sums over index values: a different route to the same numbers
    jet = random_jet(dim, seed=dim)
    for expr in (gamma_gamma(), two_dimensional_zero(), ginv("a", "b") * metric("a", "b")):
        assert evaluate(expr, jet) == evaluate_canonical(canonical(expr), jet)


# ---- agreement with the per-dimension jet code, D = 2..6 ----------------------------------

@pytest.mark.parametrize("dim", [2, 3, 4, 5, 6])
def test_abstract_curvature_agrees_with_the_jets(dim):
    jet = random_jet(dim, seed=10 + dim)
    assert evaluate(abstract_ricci_scalar(), jet) == ricci_scalar(jet)
    assert evaluate(gamma_gamma(), jet) == gamma_gamma_density(jet)
    assert evaluate(divergence(divergence_vector("q"), "q"), jet) == divergence_term(jet)
    g_up = evaluate(einstein_upper(*FREE), jet, FREE)
    assert np.array_equal(g_up, einstein_tensor_upper(jet))


@pytest.mark.parametrize("dim", [2, 3, 4])
def test_abstract_euler_lagrange_agrees_with_the_jets(dim):
    jet = random_jet(dim, seed=20 + dim)
    per_dim = euler_lagrange_basis(jet)
    for name, form in basis_euler_lagrange().items():
        assert np.array_equal(evaluate_canonical(form, jet, FREE), per_dim[name]), name


@pytest.mark.slow
@pytest.mark.parametrize("dim", [5, 6])
def test_abstract_euler_lagrange_agrees_with_the_jets_high_dimensions(dim):
    test_abstract_euler_lagrange_agrees_with_the_jets(dim)


@pytest.mark.parametrize("dim", [2, 3])
def test_ranks_and_null_space_agree_with_the_per_dimension_family(dim):
    v = all_dimensions_verdict()
    family = family_of_onsager_tensors(dim, n_jets=3)
    assert family.rank == (v.rank_3d if dim == 3 else v.rank_2d)
    if dim == 2:  # the null space found by the jets is span(Z, ΓΓ)
        z, gg = coordinates(two_dimensional_zero()), coordinates(gamma_gamma())
        span = sp.Matrix([[z[k] for k in BASIS], [gg[k] for k in BASIS]])
        for vec in family.null_space:
            extra = sp.Matrix([[sp.Rational(Fraction(vec[k]).numerator,
                                            Fraction(vec[k]).denominator) for k in BASIS]])
            assert span.col_join(extra).rank() == 2


@pytest.mark.parametrize("dim", [2, 3, 4])
def test_the_per_dimension_verdict_is_the_all_dimension_verdict(dim):
    v = all_dimensions_verdict()
    per_dim = onsager_verdict(dim, n_jets=2).claim().verdict
    assert claim_for_dimension(v, dim).verdict == per_dim == Verdict.FAILS


# ---- the proof --------------------------------------------------------------------------------

def test_the_proof_s_numbers_are_those_of_the_paper_basis():
    # every step's verification (with its statuses) is in tests/emergent/test_derivations.py
    v = all_dimensions_verdict()
    assert v.gamma_gamma == {"I1": sp.Rational(-1, 4), "I2": sp.Rational(1, 2),
                             "I3": sp.Rational(1, 4), "I4": sp.Rational(-1, 2), "I5": 0}
    assert v.paper == {"I1": -1, "I2": 2, "I3": -1, "I4": 0, "I5": 0}
    assert (v.rank_3d, v.rank_2d, v.existence_terms, v.einstein_terms) == (5, 3, 0, 0)
    assert [c.verdict for c in v.claims()] == [Verdict.HOLDS, Verdict.HOLDS, Verdict.FAILS,
                                               Verdict.FAILS, Verdict.HOLDS]


def test_the_claims_follow_the_numbers_both_ways():
    v = all_dimensions_verdict()
    flipped = AllDimensionsVerdict(**{**v.__dict__, "paper_excess_3": 0, "rank_3d": 4,
                                      "existence_terms": 3})
    assert [c.verdict for c in flipped.claims()][:3] == [Verdict.FAILS, Verdict.FAILS,
                                                        Verdict.HOLDS]


def test_a_misplaced_index_in_gamma_fails():
    status = _statuses(onsager_all_dimensions(gamma=_wrong_gamma))
    assert status["(12.11)"] == "fails"
    assert status["(12.10) existence"] == "fails"
    assert status["(12.10) ΓΓ"] == "fails"


@pytest.mark.parametrize("planted", ["vector", "volume"])
def test_a_dropped_term_of_the_divergence_fails(planted):
    kwargs = ({"vector": _vector_missing_a_term} if planted == "vector"
              else {"with_volume": False})
    assert not existence_residual(**kwargs).is_zero
    assert _statuses(onsager_all_dimensions(**kwargs))["(12.10) existence"] == "fails"


def test_a_wrong_expansion_coefficient_fails():
    wrong = {"I1": sp.Rational(-1, 4), "I2": sp.Rational(1, 2), "I3": sp.Rational(-1, 4),
             "I4": sp.Rational(-1, 2), "I5": 0}
    status = _statuses(onsager_all_dimensions(expansion=tuple(wrong.items())))
    assert status["(12.10) ΓΓ"] == "fails"
    assert status["(12.12) E[R]"] == "fails"
    assert status["(12.10)"] == "fails"


def test_reduction_lemma_on_exact_block_jets_in_four_to_six_dimensions():
    # abstract E[I_k] evaluated at h ⊕ 1 equals E[I_k] of h, D = 4..6 (fast evaluator)
    jet3 = random_jet(3, seed=3)
    small = {k: evaluate_canonical(f, jet3, FREE) for k, f in basis_euler_lagrange().items()}
    for dim in (4, 5, 6):
        big = block_jet(jet3, dim)
        for k, f in basis_euler_lagrange().items():
            assert np.array_equal(evaluate_canonical(f, big, FREE)[:3, :3], small[k])
    assert reduction_residual(jet3, 4, euler_lagrange_basis) == 0  # per-dimension code


@pytest.mark.slow
@pytest.mark.parametrize("dim", [5, 6])
def test_reduction_lemma_with_the_per_dimension_code(dim):
    assert reduction_residual(random_jet(3, seed=3), dim, euler_lagrange_basis) == 0


def test_z_vanishes_only_in_two_dimensions():
    assert all(evaluate(two_dimensional_zero(), random_jet(2, seed=s)) == 0 for s in range(3))
    assert any(evaluate(two_dimensional_zero(), random_jet(3, seed=s)) != 0 for s in range(3))


def test_block_jet_refuses_bad_arguments():
    with pytest.raises(TypeError, match="jet3"):
        block_jet(random_jet(4, seed=0), 5)
    with pytest.raises(ValueError, match="dim must be"):
        block_jet(random_jet(3, seed=0), 2)


def test_command_line_all_dimensions(capsys):
    from emergent.cli.onsager import main

    assert main(["--all-dimensions", "--dim", "3", "--jets", "1"]) == 0
    out = capsys.readouterr().out
    assert "for every D >= 3: fails (holds if |rank excess| <= 0; rank excess 1)" in out
    assert "the jets of dimension 3 give the all-dimension verdict: holds" in out


def test_absorbing_the_inverse_metric_by_hand_is_what_contract_metric_gives():
    from emergent import abstract_indices as ai
    from emergent import tensor_canonical as tc

    metric_type = tc._sympy_heads()[0].metric
    for expr in (euler_lagrange(invariant("I2"), *FREE), einstein_upper(*FREE)):
        for term in expr.terms[::3]:
            factors = tc._normalised(term)
            by_sympy = tc._to_sympy(ai.Monomial(1, factors)).contract_metric(metric_type)
            assert tc._raised_by_hand(factors).canon_bp() == by_sympy.canon_bp()
