"""Long SymPy equations broken over several lines of an ``align*`` block.

MathJax 3 does not wrap display math, so a derivation step whose LaTeX is a screen long is
clipped. :func:`aligned_rows` splits an equation at the ``+``/``-`` of its sums (inside a
product or a fraction too: ``\\frac{1}{d}\\Big(a + b\\Big)``), never inside a term that cannot
be split, and aligns the rows on ``=``. The rows typeset exactly the expression
``sympy.latex`` typesets, with the same terms in the same order.

Example
-------
>>> import sympy as sp
>>> x = sp.symbols("x1:9")
>>> rows = aligned_rows(sp.Eq(sp.Symbol("y"), sum(sp.sin(v) for v in x)), "(1.1)", width=40)
>>> len(rows) > 1 and rows[0].startswith(r"\\text{(1.1)} && y &= ")
True
"""

from __future__ import annotations

import sympy as sp

__all__ = ["latex_pieces", "aligned_rows"]

#: LaTeX characters per row: at MathJax's display size about half a page's text width,
#: which leaves room for the tag
DEFAULT_WIDTH = 80


def _sum_pieces(expr: sp.Add, width: int) -> list[str]:
    rows: list[str] = []
    for term in expr.as_ordered_terms():
        negative = term.could_extract_minus_sign()
        sign = "- " if negative else ("+ " if rows else "")
        parts = latex_pieces(-term if negative else term, width)
        parts[0] = sign + parts[0]
        if rows and len(rows[-1]) + len(parts[0]) <= width and len(parts) == 1:
            rows[-1] += " " + parts[0]
        else:
            rows += parts
    return rows


def _product_pieces(expr: sp.Expr, width: int) -> list[str]:
    numerator, denominator = sp.fraction(expr)
    prefix = "" if denominator == 1 else rf"\frac{{1}}{{{sp.latex(denominator)}}} "
    factors = sp.Mul.make_args(numerator)
    long_sums = [f for f in factors if isinstance(f, sp.Add)]
    if not long_sums:
        return [sp.latex(expr)]  # nothing to split at
    inner = max(long_sums, key=lambda f: len(sp.latex(f)))
    rest = sp.Mul(*[f for f in factors if f is not inner])
    if rest != 1:
        prefix += sp.latex(rest) + " "
    rows = latex_pieces(inner, width)
    if len(prefix) + len(rows[0]) > width:  # a long factor in front gets a row of its own
        rows.insert(0, prefix + r"\Big(")
    else:
        rows[0] = prefix + r"\Big(" + rows[0]
    rows[-1] += r"\Big)"
    return rows


def latex_pieces(expr: sp.Expr, width: int = DEFAULT_WIDTH) -> list[str]:
    """The LaTeX of ``expr`` as consecutive pieces of at most ``width`` characters where the
    expression allows it (a term that has no sum inside stays whole).

    Examples
    --------
    A long sum is cut between its terms; the pieces joined again are the one-line LaTeX:

    >>> import sympy as sp
    >>> x = sp.symbols("x")
    >>> expr = sum(x ** k / sp.factorial(k) for k in range(12))
    >>> pieces = latex_pieces(expr, width=40)
    >>> len(pieces) > 1, all(len(p) <= 40 for p in pieces)
    (True, True)
    >>> " ".join(pieces).replace(" ", "") == sp.latex(expr).replace(" ", "")
    True
    """
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"expr must be a SymPy expression, got {type(expr).__name__}")
    if isinstance(width, bool) or not isinstance(width, int) or width < 20:
        raise ValueError(f"width must be a whole number >= 20 characters, got {width!r}")
    tex = sp.latex(expr)
    if len(tex) <= width:
        return [tex]
    if isinstance(expr, sp.Add):
        return _sum_pieces(expr, width)
    if isinstance(expr, sp.Mul):
        if expr.could_extract_minus_sign():
            rows = latex_pieces(-expr, width)
            return ["- " + rows[0], *rows[1:]]
        return _product_pieces(expr, width)
    return [tex]


def aligned_rows(equation: sp.Basic, tag: str, width: int = DEFAULT_WIDTH) -> list[str]:
    """Rows of an ``align*`` block for one equation (``sympy.Eq`` or an expression), aligned
    on ``=``, continuation rows indented, ``tag`` (the paper's number) in a first column.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.symbols("x")
    >>> print(*aligned_rows(sp.Eq(sp.Function("f")(x), x ** 2), "(2.1)"))
    \\text{(2.1)} && f{\\left(x \\right)} &= x^{2}
    """
    if not isinstance(tag, str):
        raise TypeError(f"tag must be a string (the paper's number), got {type(tag).__name__}")
    if isinstance(equation, sp.Equality):
        left = latex_pieces(equation.lhs, width)
        right = latex_pieces(equation.rhs, width)
        rows = ["& " + piece for piece in left[:-1]]
        rows.append(f"{left[-1]} &= {right[0]}" if not rows else f"&\\quad {left[-1]}")
        if len(left) > 1:
            rows.append(f"&= {right[0]}")
        rows += [f"&\\quad {piece}" for piece in right[1:]]
    else:
        pieces = latex_pieces(equation, width)
        rows = [f"& {pieces[0]}"] + [f"&\\quad {piece}" for piece in pieces[1:]]
    # the number in a column of its own on the left, not a tag*: MathJax reserves a tag's width
    # on both sides of a centred block, which pushed long blocks past the page's edge
    return [f"\\text{{{tag}}} && {rows[0]}"] + [f"&& {row}" for row in rows[1:]]
