"""Long derivation steps broken over rows (ntcore.latex_lines): nothing lost, nothing clipped."""

import re

import pytest
import sympy as sp

from ntcore.latex_lines import aligned_rows, latex_pieces

x = sp.symbols("x1:13")


def _terms(rows: list[str]) -> list[str]:
    """The signed terms of a broken sum, read back from the rows."""
    text = " ".join(re.sub(r"^&(\\quad)?\s*", "", r) for r in rows)
    return [t.strip() for t in re.split(r"(?=[+-] \\sin)", text) if t.strip()]


def test_a_long_sum_keeps_every_term_in_order_and_each_row_fits():
    expr = sum((-1) ** k * sp.sin(v) for k, v in enumerate(x))
    rows = latex_pieces(expr, width=60)
    assert len(rows) > 1 and all(len(r) <= 60 for r in rows)
    # the reference: SymPy's own ordered terms, each with its sign
    expected = []
    for i, term in enumerate(expr.as_ordered_terms()):
        negative = term.could_extract_minus_sign()
        body = sp.latex(-term if negative else term)
        expected.append(("- " if negative else ("+ " if i else "")) + body)
    assert _terms(rows) == [e.lstrip("+ ") if i == 0 else e for i, e in enumerate(expected)]


def test_a_fraction_of_a_long_sum_is_split_inside_the_bracket():
    expr = sum(sp.sin(v) for v in x) / (x[0] + 7)
    rows = latex_pieces(expr, width=60)
    assert rows[0].startswith(r"\frac{1}{" + sp.latex(x[0] + 7) + r"} \Big(")
    assert rows[-1].endswith(r"\Big)") and len(rows) > 2


def test_an_equation_is_aligned_on_equals_and_tagged_once():
    rows = aligned_rows(sp.Eq(sp.Symbol("E"), sum(sp.cos(v) for v in x)), "(11.9)", width=50)
    assert rows[0].startswith(r"\text{(11.9)} && E &= ")
    assert all(r.startswith(r"&& &\quad ") for r in rows[1:])
    assert sum(r.count(r"\text{(11.9)}") for r in rows) == 1


def test_a_short_equation_stays_one_row():
    assert aligned_rows(sp.Eq(x[0], x[1] + 1), "(1.1)") == [
        r"\text{(1.1)} && " + sp.latex(x[0]) + " &= " + sp.latex(x[1] + 1)]


def test_width_too_small_is_refused():
    with pytest.raises(ValueError, match="width"):
        latex_pieces(x[0], width=5)
