"""No string from a caller is evaluated as code (issue 25, item 1).

Each payload, handed to ``sympy.sympify``, really runs (checked first: it creates a marker
file), so a test that it is refused by our readers is not vacuous.  Every place a string
becomes an expression is tried: :func:`ntcore.expressions.parse_expression`,
:func:`emergent.metrics.as_metric` (a whole-matrix string, an entry, an entry inside a nested
row, a coordinate name), the derivation checks of :mod:`ntcore.derivation`, and the Section 12
functions that take expressions (they refuse strings outright).
"""

from __future__ import annotations

import contextlib

import pytest
import sympy as sp

from ntcore.expressions import as_sympy, parse_expression, parse_symbol


def _payloads(marker: str) -> dict[str, str]:
    """Strings that, evaluated as Python, create ``marker``."""
    touch = f"__import__('pathlib').Path({marker!r}).touch()"
    return {
        "import": touch,
        "import-in-arithmetic": f"1 + ({touch} or 0)",
        "attribute": f"({touch}).__class__",
        "lambda": f"(lambda: {touch})()",
        "dunder-name": f"__builtins__ and {touch}",
        "subscript": f"[{touch}][0]",
        "comprehension": f"[{touch} for _ in [0]]",
        "keyword-call": f"sin(x, evaluate={touch})",
        "walrus": f"(y := {touch})",
    }


PAYLOAD_KINDS = list(_payloads("m"))
# SymPy 1.14's tokenizer happens to mangle these two before running them; refused all the same.
NOT_LIVE_UNDER_SYMPIFY = {"comprehension", "walrus"}


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "ran"
    yield path
    assert not path.exists(), "a payload ran"


@pytest.mark.parametrize("kind", sorted(set(PAYLOAD_KINDS) - NOT_LIVE_UNDER_SYMPIFY))
def test_payload_is_live_under_sympify(kind, tmp_path):
    """The payloads are real: plain SymPy runs them (why the readers below exist)."""
    path = tmp_path / "ran"
    text = _payloads(str(path))[kind]
    with contextlib.suppress(Exception):  # what SymPy makes of the result varies
        sp.sympify(text)
    assert path.exists(), f"{kind}: the payload did not run under sympify"


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_parse_expression_refuses_payload(kind, marker):
    with pytest.raises(ValueError, match="expr"):
        parse_expression("expr", _payloads(str(marker))[kind])


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
@pytest.mark.parametrize("where", ["whole", "entry", "nested", "coordinate"])
def test_as_metric_refuses_payload(kind, where, marker):
    from emergent.metrics import as_metric

    text = _payloads(str(marker))[kind]
    metric: object = {"whole": f"[[{text}, 0], [0, 1]]", "entry": [[text, "0"], ["0", "1"]],
                      "nested": [["-1", ("0")], ["0", [text][0]]],
                      "coordinate": [["-1", "0"], ["0", "1"]]}[where]
    coords = ["t", text] if where == "coordinate" else ["t", "x"]
    with pytest.raises(ValueError, match="metric|coordinates"):
        as_metric(metric, coords)


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_derivation_checks_refuse_strings(kind, marker):
    from ntcore.derivation import Equal, Simplify, is_zero

    text = _payloads(str(marker))[kind]
    with pytest.raises(TypeError, match="expr"):
        is_zero(text)
    with pytest.raises(TypeError, match="equation"):
        Simplify()(text, {})
    with pytest.raises(TypeError, match="derived"):
        Equal(text, 0)(sp.Integer(0), {})


@pytest.mark.parametrize("kind", PAYLOAD_KINDS)
def test_section12_expression_arguments_refuse_strings(kind, marker):
    from emergent.metrics import flrw, schwarzschild
    from emergent.variational import euler_lagrange, generic_metric

    text = _payloads(str(marker))[kind]
    _, xs, funcs = generic_metric(2)
    with pytest.raises(TypeError, match="density"):
        euler_lagrange(text, funcs, xs)
    with pytest.raises(TypeError, match="scale"):
        flrw(scale=text)
    with pytest.raises(TypeError, match="mass"):
        schwarzschild(mass=text)


def test_grammar_reads_what_a_metric_needs():
    """The restricted grammar is not useless: SymPy's own reading of harmless strings."""
    r, th = sp.Symbol("r", positive=True), sp.Symbol("theta")
    for text in ["-(1 - 2*M/r)", "r**2*sin(theta)**2", "exp(-r**2/2)/sqrt(2*pi)",
                 "1/(1 - 2*M/r)", "cosh(r)**2 - sinh(r)**2", "+3.5e-2*Abs(r)", "log(E)"]:
        got = parse_expression("e", text, {"r": r, "theta": th})
        want = sp.sympify(text, locals={"r": r, "theta": th})
        assert sp.simplify(got - want) == 0, text
    assert parse_expression("e", "r", {"r": r}) is r  # the caller's symbol, assumptions kept
    assert parse_expression("e", "[[1, 0], [0, r]]", {"r": r}) == sp.Matrix([[1, 0], [0, r]])
    assert parse_symbol("c", " theta ") == sp.Symbol("theta")


@pytest.mark.parametrize("text", ["9**9**9", "(2**1000)**1000**2", "x" * 6000, "(" * 400 + "1"
                                  + ")" * 400, "1j", "'abc'", "b'x'", "None", "x if 1 else 2",
                                  "x < 1", "x @ x", "x // 2", "x % 2", "sin", "_x", "x.real",
                                  "f(x)", "{1: 2}", "not x", "", "1,,2"])
def test_grammar_refuses_other_constructs_quickly(text):
    with pytest.raises(ValueError, match="expr"):
        parse_expression("expr", text)


@pytest.mark.parametrize("text", ["x+1", "a.b", "__class__", "_x", "sin", "pi", "1x", ""])
def test_coordinate_names_must_be_plain_identifiers(text):
    with pytest.raises(ValueError, match="coordinates"):
        parse_symbol("coordinates", text)


def test_as_sympy_refuses_strings_and_keeps_expressions():
    x = sp.Symbol("x")
    assert as_sympy("e", x + 1) == x + 1
    assert as_sympy("e", 2) == 2
    assert as_sympy("e", sp.eye(2)) == sp.eye(2)
    for bad in ("x", b"x", ["x"], object()):
        with pytest.raises(TypeError, match="e must be"):
            as_sympy("e", bad)
