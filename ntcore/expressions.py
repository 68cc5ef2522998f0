"""Strings from a caller turned into SymPy expressions without ever running them as code.

``sympy.sympify`` (and ``parse_expr``) evaluate a string as Python: ``"__import__('os')..."``
runs.  This module reads a string with Python's own parser (:func:`ast.parse`, which only
builds a tree) and builds the SymPy expression from a whitelist of tree nodes: numbers,
names (symbols), ``+ - * / **``, unary ``+ -``, calls of the elementary functions below, and
(for a matrix) nested lists or tuples.  Anything else — attribute access, subscripts,
lambdas, comprehensions, keyword arguments, names starting with an underscore, strings, calls
of anything not on the list — is refused with a ValueError naming the argument.  Physics-free.

>>> x = sp.Symbol("x")
>>> parse_expression("expr", "sin(x)**2 + 1/2", {"x": x})
sin(x)**2 + 1/2
>>> parse_expression("expr", "__import__('os').system('true')")
Traceback (most recent call last):
...
ValueError: expr: attribute access ('.system') is not allowed
>>> parse_expression("expr", "__import__('os')")
Traceback (most recent call last):
...
ValueError: expr: a call of '__import__' is not allowed (names starting with '_' are refused)
>>> as_sympy("equation", "x + 1")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
TypeError: equation must be a SymPy expression, a number or a matrix, got str 'x + 1' (...)
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

import sympy as sp

__all__ = ["FUNCTIONS", "CONSTANTS", "MAX_EXPRESSION_CHARS", "parse_expression", "parse_symbol",
           "as_sympy"]

#: The elementary functions a string may call (and nothing else).
FUNCTIONS: Mapping[str, Callable[..., sp.Expr]] = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "cot": sp.cot, "sec": sp.sec, "csc": sp.csc,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "atan2": sp.atan2,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "asinh": sp.asinh, "acosh": sp.acosh,
    "atanh": sp.atanh, "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "Abs": sp.Abs,
    "abs": sp.Abs, "sign": sp.sign,
}
#: Names that mean a constant, not a symbol.
CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi, "E": sp.E, "I": sp.I}
#: Longer strings are refused (Python's parser and SymPy recurse on deep nesting).
MAX_EXPRESSION_CHARS = 5000
# Bits a number**number may have (SymPy would expand 9**9**9 exactly, for ever).
_MAX_NUMERIC_BITS = 100_000

_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}


def parse_symbol(name: str, text: object) -> sp.Symbol:
    """A plain SymPy symbol from an identifier such as ``"r"`` or ``"theta_1"``.

    ValueError naming ``name`` for anything that is not an identifier (``"x+1"``, ``"a.b"``),
    starts with ``_`` or is a constant or function name.

    >>> parse_symbol("coordinates", "theta")
    theta
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, got {type(text).__name__}")
    _check_name(name, text.strip())
    if text.strip() in FUNCTIONS or text.strip() in CONSTANTS:
        raise ValueError(f"{name}: {text.strip()!r} names a function or constant, not a symbol")
    return sp.Symbol(text.strip())


def parse_expression(name: str, text: object,
                     symbols: Mapping[str, sp.Symbol] | None = None) -> sp.Expr:
    """The SymPy expression (or, for a list of lists, the Matrix) a string spells.

    Names become ``symbols[name]`` when given there (so a string's ``r`` is the caller's
    ``Symbol("r", positive=True)``), else plain symbols; see the module docstring for the
    grammar.  TypeError if ``text`` is not a string, ValueError naming ``name`` and the refused
    construct otherwise.

    >>> parse_expression("metric", "[[-1, 0], [0, r**2]]")
    Matrix([
    [-1,    0],
    [ 0, r**2]])
    >>> parse_expression("metric", "(lambda: 1)()")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: metric: a call of Lambda is not allowed in an expression (only numbers, ...)
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, got {type(text).__name__}")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError(f"{name}: expression of {len(text)} characters, above the "
                         f"{MAX_EXPRESSION_CHARS} allowed; build it with SymPy instead")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"{name}: {text!r:.60} is not an expression ({exc})") from None
    try:
        out = _Builder(name, dict(symbols or {})).build(tree.body)
    except RecursionError:
        raise ValueError(f"{name}: expression nested too deeply") from None
    return sp.Matrix(out) if isinstance(out, list) else out


def as_sympy(name: str, value: object) -> sp.Basic:
    """``value`` as SymPy object, refusing strings (which SymPy would evaluate as code).

    For the checks that take expressions built by the caller: numbers, SymPy objects and
    matrices pass (``sympify(strict=True)``); TypeError naming ``name`` otherwise.
    """
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be a SymPy expression, a number or a matrix, got "
                        f"{type(value).__name__} {value!r:.40} (strings are not evaluated; "
                        "build the expression with SymPy)")
    try:
        return sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError, ValueError, AttributeError) as exc:
        raise TypeError(f"{name} must be a SymPy expression, a number or a matrix, got "
                        f"{type(value).__name__} ({exc})") from None


def _check_name(name: str, ident: str) -> None:
    if not ident.isidentifier() or not ident.isascii():
        raise ValueError(f"{name}: {ident!r:.40} is not a symbol name (letters, digits, _)")
    if ident.startswith("_"):
        raise ValueError(f"{name}: the name {ident!r:.40} is refused (names starting with '_' "
                         "are not allowed)")


def _digits(x: sp.Expr) -> int:
    """Bits of a rational number's numerator and denominator (64 for other numbers)."""
    if isinstance(x, sp.Rational):
        return max(int(x.p).bit_length() + int(x.q).bit_length(), 1)
    return 64


class _Builder:
    """Walks a parsed tree, building SymPy objects from whitelisted nodes only."""

    def __init__(self, name: str, symbols: dict[str, sp.Symbol]) -> None:
        self.name, self.symbols = name, symbols

    def refuse(self, what: str) -> ValueError:
        allowed = ", ".join(sorted(FUNCTIONS)[:3])
        return ValueError(f"{self.name}: {what} is not allowed in an expression (only "
                          f"numbers, symbols, + - * / **, calls of {allowed}, ...)")

    def build(self, node: ast.AST) -> sp.Expr | list:
        if isinstance(node, ast.List | ast.Tuple):
            return [self.build(e) for e in node.elts]
        if isinstance(node, ast.Constant):
            return self.constant(node.value)
        if isinstance(node, ast.Name):
            return self.name_node(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            operand = self.scalar(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            raise ValueError(f"{self.name}: attribute access ('.{node.attr:.40}') is not allowed")
        raise self.refuse(repr(type(node).__name__))

    def scalar(self, node: ast.AST) -> sp.Expr:
        out = self.build(node)
        if isinstance(out, list):
            raise ValueError(f"{self.name}: a list inside arithmetic is not allowed")
        return out

    def constant(self, value: object) -> sp.Expr:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.refuse(f"the constant {value!r:.40}")
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)

    def name_node(self, ident: str) -> sp.Expr:
        _check_name(self.name, ident)
        if ident in self.symbols:
            return self.symbols[ident]
        if ident in CONSTANTS:
            return CONSTANTS[ident]
        if ident in FUNCTIONS:
            raise ValueError(f"{self.name}: the function {ident!r} must be called")
        return sp.Symbol(ident)

    def binary(self, node: ast.BinOp) -> sp.Expr:
        a, b = self.scalar(node.left), self.scalar(node.right)
        if isinstance(node.op, ast.Pow):
            if a.is_number and b.is_number and _digits(a) * abs(complex(b)) > _MAX_NUMERIC_BITS:
                raise ValueError(f"{self.name}: the number {a}**{b} is too large (above "
                                 f"2**{_MAX_NUMERIC_BITS})")
            return a ** b
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self.refuse(f"the operator {type(node.op).__name__}")
        return op(a, b)

    def call(self, node: ast.Call) -> sp.Expr:
        if isinstance(node.func, ast.Attribute):
            raise ValueError(f"{self.name}: attribute access ('.{node.func.attr:.40}') is not "
                             "allowed")
        if not isinstance(node.func, ast.Name):
            raise self.refuse(f"a call of {type(node.func).__name__}")
        ident = node.func.id
        if ident.startswith("_"):
            raise ValueError(f"{self.name}: a call of {ident!r:.40} is not allowed (names "
                             "starting with '_' are refused)")
        if ident not in FUNCTIONS:
            raise ValueError(f"{self.name}: a call of {ident!r:.40} is not allowed; allowed "
                             f"functions: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords:
            raise self.refuse("a keyword argument")
        return FUNCTIONS[ident](*(self.scalar(a) for a in node.args))
