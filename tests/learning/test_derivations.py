"""Tests of the Derivation abstraction and the Sections 4-9 derivations (learning.derivations)."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.mathtext import math_to_image

from learning.cli.derivation import main
from learning.derivations import (
    DERIVATIONS,
    AllOf,
    Approximation,
    Definition,
    Derivation,
    Equal,
    Erratum,
    IntegrateByParts,
    Limit,
    Numeric,
    Outcome,
    Simplify,
    Step,
    Substitute,
)

x, y = sp.symbols("x y", real=True)

# steps where the paper's printed form is wrong and the derivation carries the correct one
ERRATA = {"gaussian-partition": {"(5.10)"}, "thermodynamics": {"(6.2)", "(7.1)"},
          "laplacian": {"(8.11)", "(9.4)"}, "traces": {"(9.8)"}, "maximum-entropy": set()}
APPROXIMATE = {"gaussian-partition": {"(5.5)", "(5.8)", "(5.13)"}, "thermodynamics": {"(6.6)"},
               "laplacian": set(), "traces": set(), "maximum-entropy": set()}


@pytest.fixture(scope="module")
def reports():
    return {name: factory().verify() for name, factory in DERIVATIONS.items()}


@pytest.mark.parametrize("name", list(DERIVATIONS))
def test_every_derivation_verifies_with_the_expected_statuses(reports, name):
    rep = reports[name]
    assert rep.ok, rep.to_text()
    assert {s.number for s in rep.steps if s.status == "erratum"} == ERRATA[name]
    assert {s.number for s in rep.steps if s.status == "approximate"} == APPROXIMATE[name]
    for s in rep.steps:  # an approximation always names what it drops
        if s.status == "approximate":
            assert s.dropped_term is not None and s.dropped_term != 0


def test_no_step_equation_is_a_bare_boolean():
    # sp.Eq(a, a) collapses to True: such a step would print as "True"
    for factory in DERIVATIONS.values():
        for s in factory().steps:
            assert not isinstance(s.equation, sp.logic.boolalg.BooleanAtom), s.number


def test_the_issue_ranges_are_covered():
    numbers = {s.number for f in DERIVATIONS.values() for s in f().steps}
    for eq in ("(4.4)", "(4.10)", "(5.5)", "(5.9)", "(5.14)", "(6.1)", "(7.5)", "(7.10)", "(7.11)",
               "(8.9)", "(8.10)", "(8.11)", "(9.1)", "(9.4)", "(9.7)", "(9.8)", "(9.11)"):
        assert eq in numbers


DUMMY = sp.Eq(x, x)  # collapses to True; only the check matters in _wrong


def _wrong(check, equation=DUMMY) -> str:
    return Derivation("t", "t", [Step(equation, "(0.1)", "deliberately wrong", check)]
                      ).verify().steps[0].status


def test_deliberately_wrong_steps_fail():
    assert _wrong(Simplify(), sp.Eq((x + 1) ** 2, x**2 + 1)) == "fails"
    assert _wrong(Equal(sp.sin(x) ** 2, 1 - sp.cos(x) ** 2 + x)) == "fails"
    assert _wrong(IntegrateByParts(x * sp.cos(x), -sp.sin(x), x * sp.cos(x), x)) == "fails"
    assert _wrong(Limit(sp.sin(x) / x, x, 0, 2)) == "fails"
    assert _wrong(Approximation(sp.exp(x), 1 + x, x**2 / 2)) == "fails"
    assert _wrong(Numeric(lambda: 1e-3, 1e-6, "too large")) == "fails"
    assert _wrong(AllOf((Definition(), Simplify())), sp.Eq(x, y)) == "fails"
    assert _wrong(lambda eq, prev: 1 / 0) == "fails"  # a crashing check is a failure


def test_substitute_refers_to_an_earlier_step_and_can_fail():
    good = Derivation("s", "s", [
        Step(sp.Eq(y, x**2 + 1), "(1)", "define", Definition()),
        Step(sp.Eq(y.subs(y, y), 5), "(2)", "x = 2", Substitute("(1)", {x: 2}))])
    assert [s.status for s in good.verify().steps] == ["exact", "exact"]
    bad = Derivation("s", "s", [
        Step(sp.Eq(y, x**2 + 1), "(1)", "define", Definition()),
        Step(sp.Eq(y, 6), "(2)", "x = 2", Substitute("(1)", {x: 2})),
        Step(sp.Eq(y, 6), "(3)", "no such step", Substitute("(9)", {x: 2}))])
    assert [s.status for s in bad.verify().steps] == ["exact", "fails", "fails"]


def test_integration_by_parts_and_approximation_report_their_terms():
    ibp = IntegrateByParts(x * sp.cos(x), -sp.sin(x), x * sp.sin(x), x)(sp.Eq(x, x), {})
    assert ibp.status == "exact" and ibp.dropped_term == x * sp.sin(x)
    appr = Approximation(sp.exp(x), 1 + x, sp.exp(x) - 1 - x, "x small")(sp.Eq(x, x), {})
    assert appr.status == "approximate" and appr.dropped_term == sp.exp(x) - 1 - x
    assert Limit(sp.sin(x) / x, x, 0, 1)(sp.Eq(x, x), {}).status == "exact"


def test_erratum_needs_a_correct_form_and_a_wrong_printed_form():
    ok = Erratum(sp.Eq(x, 2), Simplify(), lambda: (True, "2 != 1"))
    assert ok(sp.Eq(x - 1, x - 1), {}).status == "erratum"
    assert Erratum(sp.Eq(x, 2), Simplify(), lambda: (False, "same"))(
        sp.Eq(x, x), {}).status == "fails"  # the printed form was right after all
    assert Erratum(sp.Eq(x, 2), Simplify(), lambda: (True, ""))(
        sp.Eq(x, x + 1), {}).status == "fails"  # the carried form does not verify


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=4), st.integers(1, 5))
def test_simplify_accepts_identities_and_rejects_shifted_ones(coeffs, shift):
    poly = sum(c * (x + y) ** k for k, c in enumerate(coeffs))
    assert Simplify()(sp.Eq(poly, sp.expand(poly)), {}).status == "exact"
    assert Simplify()(sp.Eq(poly, sp.expand(poly) + shift), {}).status == "fails"


def test_bad_input_is_rejected():
    with pytest.raises(TypeError, match="check"):
        Step(sp.Eq(x, x), "(1)", "j", check="simplify")
    with pytest.raises(TypeError, match="number"):
        Step(sp.Eq(x, x), "", "j", Simplify())
    with pytest.raises(ValueError, match="steps"):
        Derivation("a", "b", [])
    with pytest.raises(TypeError, match="Step"):
        Derivation("a", "b", [sp.Eq(x, x)])
    with pytest.raises(ValueError, match="status"):
        Outcome("maybe")


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("name", list(DERIVATIONS))
def test_latex_is_balanced_and_every_step_renders(name):
    d = DERIVATIONS[name]()
    tex = d.to_latex()
    assert tex.startswith(r"\begin{align*}") and tex.endswith(r"\end{align*}")
    # one row per step starts with the step's number (ntcore.latex_lines.aligned_rows)
    numbered = [row for row in tex.splitlines() if row.lstrip().startswith(r"\text{")]
    assert len(numbered) == len(d.steps) and _balanced(tex)
    for step_tex in d.step_latex():
        # mathtext lacks \limits (valid LaTeX, placement only); everything else must parse
        math_to_image("$" + step_tex.replace(r"\limits", "") + "$", io.BytesIO(), format="png")


def test_repr_and_text_report_are_readable():
    d = DERIVATIONS["maximum-entropy"]()
    assert "(4.10)" in repr(d) and "7 steps" in repr(d)
    text = d.verify().to_text()
    assert "verified" in text.splitlines()[0] and "(4.7)" in text


def test_cli_lists_prints_latex_and_text(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in DERIVATIONS) and "python -m emergent" in out
    assert main(["traces", "--latex"]) == 0
    assert r"\text{(9.8)}" in capsys.readouterr().out
    assert main(["traces"]) == 0
    assert "verified" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:  # a usage error (argparse), not a return
        main(["nonsense"])
    assert exit_info.value.code == 2


def test_learning_derivations_never_import_emergent():
    code = ("import sys, learning.derivations, ntcore.derivation_cli; "
            "sys.exit(any(m.startswith('emergent') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.slow
def test_odd_traces_vanish_and_spectrum_is_palindromic_on_larger_networks():
    import numpy as np
    import scipy.linalg

    rng = np.random.default_rng(2024)
    for n_in, n_out in ((5, 3), (10, 10), (20, 4)):
        n = n_in + n_out
        m = np.zeros((n, n))
        m[n_in:, :n_in] = rng.standard_normal((n_out, n_in))
        g = (np.eye(n) - m).T @ (np.eye(n) - m)
        lam = np.sort(np.linalg.eigvalsh(g))
        # λ ↔ 1/λ pairing; tolerance: eigvalsh relative accuracy ~1e-13 for cond(G) < 1e3
        assert np.allclose(lam, np.sort(1 / lam), rtol=1e-9)
        lg = scipy.linalg.logm(g).real
        for k in (1, 3, 5):
            assert abs(np.trace(np.linalg.matrix_power(lg, k))) < 1e-7 * n
