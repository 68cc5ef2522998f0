"""A machine-checked derivation: an ordered list of SymPy steps, each with its check.

A :class:`Derivation` is a list of :class:`Step`; each step carries an equation (``sympy.Eq``
or an expression meaning ``expr = 0``), the paper's equation number, a one-line justification
and a *check* that the step follows from what came before. :meth:`Derivation.verify` runs the
checks and returns a frozen :class:`DerivationReport`: per step ``"exact"``, ``"approximate"``
(with the neglected term named and kept), ``"erratum"`` (the paper's printed step is wrong and
the derivation carries the correct one, which verifies) or ``"fails"``.

Check kinds (all frozen dataclasses; any callable ``check(equation, previous) -> Outcome`` also
works): :class:`Definition`, :class:`Simplify`, :class:`Equal`, :class:`Substitute`,
:class:`IntegrateByParts`, :class:`Limit`, :class:`Approximation`, :class:`Numeric`,
:class:`AllOf` and :class:`Erratum`.

Example
-------
>>> import sympy as sp
>>> x = sp.symbols("x")
>>> d = Derivation("demo", "square", [
...     Step(sp.Eq((x + 1)**2, x**2 + 2*x + 1), "(0.1)", "expand", Simplify()),
...     Step(sp.Eq((x + 1)**2, x**2 + 1), "(0.2)", "deliberately wrong", Simplify())])
>>> [s.status for s in d.verify().steps]
['exact', 'fails']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ntcore.expressions import as_sympy
from ntcore.latex_lines import aligned_rows

#: the four statuses a step can have, in order of trust
STATUSES = ("exact", "approximate", "erratum", "fails")


@dataclass(frozen=True)
class Outcome:
    """Result of one check: ``status`` in :data:`STATUSES`, the dropped term (or None), a detail.

    Examples
    --------
    >>> Outcome("proved")
    Traceback (most recent call last):
    ...
    ValueError: status must be one of ('exact', 'approximate', 'erratum', 'fails'), got 'proved'
    """

    status: str
    dropped_term: sp.Expr | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


def _as_difference(equation: Any) -> sp.Expr:
    """``lhs - rhs`` of an Eq (matrices allowed), or the expression itself (meaning ``= 0``)."""
    if isinstance(equation, sp.Equality):
        return equation.lhs - equation.rhs
    if equation is sp.true or equation is True:  # an Eq that SymPy already decided
        return sp.Integer(0)
    if equation is sp.false or equation is False:
        return sp.Integer(1)
    return as_sympy("equation", equation)


def is_zero(expr: Any) -> bool:
    """True if ``expr`` (scalar or matrix) simplifies to zero.

    >>> x = sp.symbols("x")
    >>> is_zero(sp.sin(x)**2 + sp.cos(x)**2 - 1), is_zero(x)
    (True, False)
    """
    expr = as_sympy("expr", expr)
    if isinstance(expr, sp.MatrixBase):
        return all(is_zero(e) for e in expr)
    expr = expr.doit() if hasattr(expr, "doit") else expr
    if expr == 0:
        return True
    def log_factored(e: sp.Expr) -> sp.Expr:
        return sp.simplify(sp.expand_log(e, force=True))

    for attempt in (sp.expand, sp.simplify, log_factored):
        try:
            if attempt(expr) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - SymPy gaps
            continue
    return False


@dataclass(frozen=True)
class Definition:
    """The step defines a quantity (or states an assumption): nothing to prove.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> Definition()(sp.Eq(y, x**2), {}).status
    'exact'
    """

    note: str = "definition"

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        return Outcome("exact", None, self.note)


@dataclass(frozen=True)
class Simplify:
    """``lhs - rhs`` simplifies to zero (after ``subs`` if given).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> Simplify()(sp.Eq(sp.sin(x)**2, 1 - sp.cos(x)**2), {}).status
    'exact'
    >>> Simplify()(sp.Eq((x + 1)**2, x**2 + 1), {}).status
    'fails'
    >>> Simplify(subs={y: 2*x})(sp.Eq(y**2, 4*x**2), {}).status
    'exact'
    """

    subs: Mapping[Any, Any] | None = None

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        diff = _as_difference(equation)
        if self.subs:
            diff = diff.subs(dict(self.subs))
        if is_zero(diff):
            return Outcome("exact", None, "lhs - rhs simplifies to 0")
        return Outcome("fails", None, f"lhs - rhs = {sp.simplify(diff)} != 0")


@dataclass(frozen=True)
class Equal:
    """Two independently computed expressions agree: ``derived == target``.

    ``derived`` and ``target`` are expressions or callables ``previous -> expr``; ``note`` says
    what was computed (e.g. "∂/∂β of (5.14)").

    Examples
    --------
    The derivative of :math:`∫_0^x t^2 dt` computed by SymPy against 3x²/3:

    >>> import sympy as sp
    >>> x, t = sp.symbols("x t")
    >>> derived = sp.diff(sp.integrate(t**2, (t, 0, x)), x)
    >>> Equal(derived, x**2, "d/dx of the integral")(None, {}).status
    'exact'
    >>> Equal(derived, x**3, "wrong target")(None, {}).status
    'fails'
    """

    derived: Any
    target: Any
    note: str = ""

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        a = self.derived(previous) if callable(self.derived) else self.derived
        b = self.target(previous) if callable(self.target) else self.target
        if is_zero(as_sympy("derived", a) - as_sympy("target", b)):
            return Outcome("exact", None, self.note or "derived expression equals the step")
        return Outcome("fails", None, f"{self.note}: derived - target != 0")


@dataclass(frozen=True)
class Substitute:
    """The step is step ``source`` with ``subs`` applied (compared as ``lhs - rhs``).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> previous = {"(1)": sp.Eq(y, x**2 + 1)}
    >>> Substitute("(1)", {x: 2})(sp.Eq(y, 5), previous).status
    'exact'
    >>> Substitute("(1)", {x: 2})(sp.Eq(y, 4), previous).status
    'fails'
    """

    source: str
    subs: Mapping[Any, Any]

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        if self.source not in previous:
            return Outcome("fails", None, f"no earlier step {self.source}")
        got = _as_difference(previous[self.source]).subs(dict(self.subs))
        if is_zero(got - _as_difference(equation)):
            return Outcome("exact", None, f"substitution into {self.source}")
        return Outcome("fails", None, f"{self.source} with the substitution differs from the step")


@dataclass(frozen=True)
class IntegrateByParts:
    """∫ before = ∫ after + [boundary]: checks ``d(boundary)/d(variable) == before - after``.

    The boundary term is reported as the dropped term (it vanishes when the field vanishes at the
    boundary of integration, which the justification must state).

    Examples
    --------
    ∫ x eˣ = -∫ eˣ + [x eˣ]:

    >>> import sympy as sp
    >>> x = sp.symbols("x")
    >>> out = IntegrateByParts(x * sp.exp(x), -sp.exp(x), x * sp.exp(x), x)(None, {})
    >>> out.status, out.dropped_term
    ('exact', x*exp(x))
    """

    before: sp.Expr
    after: sp.Expr
    boundary: sp.Expr
    variable: sp.Symbol

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        resid = sp.diff(self.boundary, self.variable) - (self.before - self.after)
        if is_zero(resid):
            return Outcome("exact", self.boundary,
                           f"integration by parts in {self.variable}; boundary term dropped")
        return Outcome("fails", self.boundary, "d(boundary) != before - after")


@dataclass(frozen=True)
class Limit:
    """``limit(expr, variable -> point) == value``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> Limit(sp.sin(x) / x, x, 0, 1)(None, {}).status
    'exact'
    >>> Limit((1 + 1 / x)**x, x, sp.oo, 3)(None, {}).status  # the limit is e
    'fails'
    """

    expr: sp.Expr
    variable: sp.Symbol
    point: Any
    value: Any

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        got = sp.limit(self.expr, self.variable, self.point)
        if is_zero(got - self.value):
            return Outcome("exact", None, f"limit {self.variable} -> {self.point}")
        return Outcome("fails", None, f"limit is {got}, not {self.value}")


@dataclass(frozen=True)
class Approximation:
    """``exact == approx + neglected`` identically; the step keeps ``approx``.

    Status ``"approximate"`` with ``neglected`` as the dropped term. ``size`` (optional) is a
    callable returning a float, the neglected term's magnitude at a representative point.

    Examples
    --------
    1/(1 - x) = 1 + x + x²/(1 - x): keeping 1 + x drops x²/(1 - x):

    >>> import sympy as sp
    >>> x = sp.symbols("x")
    >>> out = Approximation(1 / (1 - x), 1 + x, x**2 / (1 - x), "|x| << 1")(None, {})
    >>> out.status, out.dropped_term
    ('approximate', x**2/(1 - x))
    >>> Approximation(1 / (1 - x), 1 + x, x**2, "|x| << 1")(None, {}).status
    'fails'
    """

    exact: sp.Expr
    approx: sp.Expr
    neglected: sp.Expr
    condition: str = ""
    size: Callable[[], float] | None = None

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        if not is_zero(self.exact - self.approx - self.neglected):
            return Outcome("fails", self.neglected, "exact != approx + neglected")
        detail = f"neglected term small when {self.condition}" if self.condition else "approx."
        if self.size is not None:
            detail += f"; its size at a test point: {self.size():.3g}"
        return Outcome("approximate", self.neglected, detail)


@dataclass(frozen=True)
class Numeric:
    """Numeric spot check where SymPy cannot do general N: ``residual() <= tol``.

    Examples
    --------
    >>> import math
    >>> Numeric(lambda: abs(sum(1 / math.factorial(k) for k in range(20)) - math.e), 1e-15,
    ...         "series of e")(None, {}).status
    'exact'
    """

    residual: Callable[[], float]
    tol: float
    note: str

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        r = float(self.residual())
        if r <= self.tol:
            return Outcome("exact", None, f"numeric spot check ({self.note}): residual {r:.1e}")
        return Outcome("fails", None, f"numeric spot check ({self.note}): residual {r:.3g}")


@dataclass(frozen=True)
class AllOf:
    """All sub-checks must pass; the worst status wins (approximate beats exact).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> both = AllOf((Simplify(), Approximation(sp.exp(x), 1 + x, sp.exp(x) - 1 - x)))
    >>> both(sp.Eq(sp.exp(x), sp.exp(x)), {}).status  # the approximate one wins over exact
    'approximate'
    >>> AllOf((Simplify(), Definition()))(sp.Eq(x, 2 * x), {}).status
    'fails'
    """

    checks: tuple[Any, ...]

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        outs = [c(equation, previous) for c in self.checks]
        for o in outs:
            if o.status == "fails":
                return o
        dropped = [o.dropped_term for o in outs if o.dropped_term is not None]
        status = "approximate" if any(o.status == "approximate" for o in outs) else "exact"
        return Outcome(status, dropped[0] if dropped else None,
                       "; ".join(o.detail for o in outs))


@dataclass(frozen=True)
class Erratum:
    """The paper prints ``printed``; the step carries the correct equation.

    ``correct`` checks the carried (correct) step; ``printed_fails`` is a callable returning
    ``(True, reason)`` if the printed form is demonstrably wrong. Status ``"erratum"`` when both
    hold, else ``"fails"`` (a correct form that does not verify, or a "printed" form that is right).

    Examples
    --------
    A printed step (x + y)² = x² + y² that a counter-example refutes, carried as its correct form:

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> def printed_fails():
    ...     diff = ((x + y)**2 - x**2 - y**2).subs({x: 1, y: 1})
    ...     return diff != 0, f"at x = y = 1 the two sides differ by {diff}"
    >>> check = Erratum(sp.Eq((x + y)**2, x**2 + y**2), Simplify(), printed_fails)
    >>> check(sp.Eq((x + y)**2, x**2 + 2*x*y + y**2), {}).status
    'erratum'
    """

    printed: Any
    correct: Any
    printed_fails: Callable[[], tuple[bool, str]]

    def __call__(self, equation: Any, previous: Mapping[str, Any]) -> Outcome:
        out = self.correct(equation, previous)
        if out.status == "fails":
            return Outcome("fails", out.dropped_term, f"correct form does not verify: {out.detail}")
        wrong, why = self.printed_fails()
        if not wrong:
            return Outcome("fails", None, f"printed form is not shown wrong: {why}")
        return Outcome("erratum", out.dropped_term,
                       f"printed form wrong: {why}; correct: {out.detail}")


@dataclass(frozen=True)
class Step:
    """One step: ``equation``, paper ``number`` e.g. "(4.10)", a ``justification``, a ``check``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> Step(sp.Eq(x, x), 4.1, "a number, not a string", Simplify())
    Traceback (most recent call last):
    ...
    TypeError: number must be a non-empty string such as '(4.10)'
    """

    equation: Any
    number: str
    justification: str
    check: Callable[[Any, Mapping[str, Any]], Outcome]

    def __post_init__(self) -> None:
        if not isinstance(self.number, str) or not self.number:
            raise TypeError("number must be a non-empty string such as '(4.10)'")
        if not callable(self.check):
            raise TypeError("check must be callable: check(equation, previous) -> Outcome")


@dataclass(frozen=True)
class StepReport:
    """Verification of one step."""

    number: str
    status: str
    dropped_term: sp.Expr | None
    detail: str
    justification: str


@dataclass(frozen=True)
class DerivationReport:
    """Per-step reports; ``ok`` is True iff no step fails.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> d = Derivation("demo", "demo", [Step(sp.Eq(y, x**2), "(1)", "define y", Definition()),
    ...     Step(sp.Eq(sp.diff(x**2, x), 2*x), "(2)", "differentiate", Simplify())])
    >>> report = d.verify()
    >>> report.ok, report.counts()
    (True, {'exact': 2, 'approximate': 0, 'erratum': 0, 'fails': 0})
    """

    name: str
    title: str
    steps: tuple[StepReport, ...]

    @property
    def ok(self) -> bool:
        return all(s.status != "fails" for s in self.steps)

    def counts(self) -> dict[str, int]:
        return {k: sum(s.status == k for s in self.steps) for k in STATUSES}

    def to_text(self) -> str:
        lines = [f"{self.title} [{self.name}]: " + ("verified" if self.ok else "FAILS")]
        for s in self.steps:
            lines.append(f"  {s.number:<9} {s.status:<11} {s.justification}")
            lines.append(f"  {'':<9} {'':<11} -> {s.detail}")
            if s.dropped_term is not None:
                lines.append(f"  {'':<9} {'':<11}    dropped: {sp.sstr(s.dropped_term)}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """The report as a Markdown table (Jupyter): one row per step, with its status."""
        verdict = "verified" if self.ok else "**FAILS**"
        rows = [f"**{self.title}** (`{self.name}`): {verdict}", "",
                "| step | status | justification | detail |", "| --- | --- | --- | --- |"]
        for s in self.steps:
            detail = s.detail.replace("|", "\\|")
            if s.dropped_term is not None:
                detail += f"; dropped ${sp.latex(s.dropped_term)}$"
            rows.append(f"| {s.number} | {s.status} | {s.justification.replace('|', '/')} | "
                        f"{detail} |")
        return "\n".join(rows)


@dataclass(frozen=True)
class Derivation:
    """An ordered list of :class:`Step`; ``verify()``, ``to_latex()``, readable ``repr``.

    Examples
    --------
    Each check sees the equations of the steps before it:

    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", positive=True)
    >>> d = Derivation("demo", "geometric mean", [
    ...     Step(sp.Eq(a * b, 4), "(1)", "assumption", Definition()),
    ...     Step(sp.Eq(a * 2, 4), "(2)", "(1) at b = 2", Substitute("(1)", {b: 2}))])
    >>> [s.status for s in d.verify().steps], d
    (['exact', 'exact'], Derivation('demo': geometric mean; 2 steps (1), (2)))
    """

    name: str
    title: str
    steps: Sequence[Step] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("steps must be a non-empty sequence of Step")
        object.__setattr__(self, "steps", tuple(self.steps))
        for s in self.steps:
            if not isinstance(s, Step):
                raise TypeError(f"steps must contain Step objects, got {type(s).__name__}")

    def verify(self) -> DerivationReport:
        """Run every check in order; each sees the equations of the steps before it."""
        previous: dict[str, Any] = {}
        reports = []
        for s in self.steps:
            try:
                out = s.check(s.equation, dict(previous))
            except Exception as exc:  # a crashing check is a failing check, reported as such
                out = Outcome("fails", None, f"check raised {type(exc).__name__}: {exc}")
            reports.append(StepReport(s.number, out.status, out.dropped_term, out.detail,
                                      s.justification))
            previous[s.number] = s.equation
        return DerivationReport(self.name, self.title, tuple(reports))

    def step_latex(self) -> list[str]:
        """The LaTeX (``sympy.latex``) of each step's equation, in order."""
        return [sp.latex(s.equation) for s in self.steps]

    def to_latex(self) -> str:
        """An ``align*`` block, one step per row (long steps broken over several rows at their
        sums, :func:`ntcore.latex_lines.aligned_rows`), tagged with the paper's equation
        number."""
        lines = [r"\begin{align*}"]
        for s in self.steps:
            lines += [f"  {row} \\\\" for row in aligned_rows(s.equation, s.number)]
        lines.append(r"\end{align*}")
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        """Jupyter renders a derivation as its equations, tagged with the paper's numbers."""
        return self.to_latex()

    def __repr__(self) -> str:
        nums = ", ".join(s.number for s in self.steps)
        return f"Derivation({self.name!r}: {self.title}; {len(self.steps)} steps {nums})"


def integral_as_sum(expr: sp.Expr, variable: sp.Symbol, points: Sequence[sp.Symbol],
                    weights: Sequence[sp.Symbol]) -> sp.Expr:
    """Replace every ``Integral(f, variable)`` by ``Σ_k w_k f(x_k)`` (arbitrary quadrature).

    Linear identities between integrals that hold for arbitrary points and weights hold for the
    integrals; this lets SymPy check functional algebra such as (4.6).

    Examples
    --------
    Linearity of the integral holds for any points and weights:

    >>> import sympy as sp
    >>> q = sp.symbols("q")
    >>> xs, ws = sp.symbols("x0:3"), sp.symbols("w0:3")
    >>> f, g = sp.Function("f"), sp.Function("g")
    >>> lhs = sp.Integral(2 * f(q) + g(q), q) - 2 * sp.Integral(f(q), q) - sp.Integral(g(q), q)
    >>> sp.expand(integral_as_sum(lhs, q, xs, ws))
    0
    """
    def repl(integral: sp.Integral) -> sp.Expr:
        f = integral.function
        return sp.Add(*[w * f.subs(variable, xk) for xk, w in zip(points, weights, strict=True)])

    return expr.replace(lambda e: isinstance(e, sp.Integral), repl)
