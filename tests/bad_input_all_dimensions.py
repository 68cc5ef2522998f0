"""Bad-input table for the abstract-index modules of Section 12 for every dimension
(emergent.abstract_indices, emergent.onsager_all_dimensions, emergent.derivation_all_dimensions).

Same format as tests/bad_input_emergent.py: public name -> bad calls that must raise
ValueError/TypeError naming the argument.
"""

from __future__ import annotations

from tests.bad_input_support import Bad, _jet


def _ai():
    import emergent.abstract_indices as ai

    return ai


def _gi():
    return _ai().ginv("a", "b")


def _form():
    from emergent.tensor_canonical import canonical

    return canonical(_gi())


def _verdict():
    from emergent.all_dimensions_verdict import AllDimensionsVerdict

    return AllDimensionsVerdict(0, {}, {}, 5, 3, 1, 1, 0, 0, True)  # built, not computed


_A = "emergent.abstract_indices."
_O = "emergent.onsager_all_dimensions."
_C = "emergent.tensor_canonical."
_V = "emergent.all_dimensions_verdict."

BAD: dict[str, list[Bad]] = {
    _A + "Factor": [Bad(lambda f: f("riemann", ("a",)), "head"),
                    Bad(lambda f: f("dg", ("a", "b")), "indices")],
    _A + "Monomial": [Bad(lambda f: f(1, (_ai().Factor("ginv", ("a", "b")),
                                          _ai().Factor("ginv", ("a", "c")))), "factors")],
    _A + "TensorExpression": [Bad(lambda f: f(_gi().terms + _ai().dg("m", "a", "b").terms),
                                  "terms")],
    _A + "ginv": [Bad(lambda f: f("a", 2), "b")],
    _A + "metric": [Bad(lambda f: f("", "b"), "a")],
    _A + "dg": [Bad(lambda f: f(None, "a", "b"), "m")],
    _A + "ddg": [Bad(lambda f: f("m", 1.5, "a", "b"), "n")],
    _A + "scalar": [Bad(lambda f: f("1"), "c")],
    _A + "christoffel": [Bad(lambda f: f("a", "b", 3), "c")],
    _A + "rename": [Bad(lambda f: f("expr", {}), "expr"),
                    Bad(lambda f: f(_gi(), {"a": 1}), "mapping")],
    _A + "total_derivative": [Bad(lambda f: f(_gi(), "a"), "m"),
                              Bad(lambda f: f("x", "m"), "expr")],
    _A + "log_sqrt_det_derivative": [Bad(lambda f: f(3), "m")],
    _A + "divergence": [Bad(lambda f: f(_gi(), "z"), "index"),
                        Bad(lambda f: f(3, "a"), "vector")],
    _A + "euler_lagrange": [Bad(lambda f: f(_gi(), "x", "y"), "density"),
                            Bad(lambda f: f(_ai().scalar(1), "x", "x"), "a, b")],
    _C + "canonical": [Bad(lambda f: f("g^{ab}"), "expr")],
    _C + "evaluate": [Bad(lambda f: f(_gi(), _jet(), ("a",)), "order"),
                      Bad(lambda f: f(_gi(), "jet", ("a", "b")), "jet")],
    _C + "evaluate_canonical": [Bad(lambda f: f("form", _jet()), "form"),
                                Bad(lambda f: f(_form(), "jet", ("a", "b")), "jet")],
    _C + "dummies_only_on_derivatives": [Bad(lambda f: f(_gi()), "form")],
    _O + "gamma_gamma": [Bad(lambda f: f("Γ"), "gamma")],
    _O + "ricci_lower": [Bad(lambda f: f("b", 1), "d")],
    _O + "ricci_scalar": [Bad(lambda f: f(gamma=3), "gamma")],
    _O + "divergence_vector": [Bad(lambda f: f(1), "index")],
    _O + "einstein_upper": [Bad(lambda f: f("a", None), "b")],
    _O + "invariant": [Bad(lambda f: f("I6"), "name")],
    _O + "coordinates": [Bad(lambda f: f("I1"), "expr")],
    _O + "existence_residual": [Bad(lambda f: f(gamma="Γ"), "gamma"),
                                Bad(lambda f: f(with_volume=1), "with_volume")],
    _O + "euler_lagrange_in_basis": [Bad(lambda f: f({"I6": 1}), "c")],
    _O + "einstein_residual": [Bad(lambda f: f(expansion={"I9": 1}), "expansion"),
                               Bad(lambda f: f("x"), "c_einstein")],
    _O + "volume_residual": [Bad(lambda f: f("half"), "c_volume")],
    _O + "block_jet": [Bad(lambda f: f(_jet(), 2), "dim"), Bad(lambda f: f("jet", 4), "jet3")],
    _O + "reduction_residual": [Bad(lambda f: f(_jet(), 4, "code"), "euler_lagrange_at")],
    _O + "rank_at_jets": [Bad(lambda f: f([]), "jets")],
    _V + "all_dimensions_verdict": [Bad(lambda f: f(0), "n_jets"),
                                    Bad(lambda f: f(seed=-1), "seed")],
    _V + "summary_lines": [Bad(lambda f: f("v"), "v")],
    _V + "claim_for_dimension": [Bad(lambda f: f(_verdict(), 1), "dim"),
                                 Bad(lambda f: f("v", 3), "v")],
    "emergent.derivation_all_dimensions.onsager_all_dimensions": [
        Bad(lambda f: f(gamma="Γ"), "gamma"),
        Bad(lambda f: f(expansion={"I1": 1}), "expansion")],
}

RESULT_TYPES: set[str] = {_C + "CanonicalForm", _V + "AllDimensionsVerdict"}
XFAIL: dict[tuple[str, int], str] = {}
