"""Computed verdicts: a claim of the paper, the rule that judges it, the measured numbers, and
the verdict word the rule derives from them.

A report or a command never types a verdict word; it renders a :class:`Claim` built by a
small function that applies one of the rules below to measured values. Each rule is stated
once here, so that ``grep`` finds where every "holds" comes from, and tests can drive each
rule both ways.

>>> c = within_tolerance("det G = 1 (7.7)", measured=3e-14, tolerance=1e-12,
...                      evidence="tests/learning/test_spectrum.py")
>>> c.verdict
<Verdict.HOLDS: 'holds'>
>>> within_tolerance("det G = 1 (7.7)", measured=0.2, tolerance=1e-12).verdict.value
'fails'
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Verdict", "Claim", "within_tolerance", "graded", "sign_of", "order_at_least",
           "check_finite_number", "no_rise_beyond_error"]


class Verdict(enum.Enum):
    """The verdict words, and only these."""

    HOLDS = "holds"
    APPROXIMATE = "approximate"
    FAILS = "fails"
    UNDETERMINED = "undetermined"  # the data cannot decide (degenerate run, too few points)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Claim:
    """A claim of the paper with its computed verdict.

    Attributes
    ----------
    text
        The claim, with its equation number, e.g. ``"U ≪ U_∂ (Section 10)"``.
    rule
        The rule in words, written by the rule function (``"holds if |x| <= 1e-12"``).
    measured
        The numbers the rule was applied to, by name.
    verdict
        Derived from ``measured`` by ``rule``; never typed.
    evidence
        Where to see it: a command, a test, a file.
    figure
        A figure file that shows it, if any.
    detail
        One sentence on what the numbers mean, computed from them.
    extra
        Further values a report may show (not used by the rule).

    Examples
    --------
    A verdict is derived by a rule, never typed:

    >>> Claim("x", "typed", {}, "holds")
    Traceback (most recent call last):
    ...
    TypeError: verdict must be a Verdict derived by a rule, got str 'holds'
    >>> within_tolerance("x", measured=0.0, tolerance=0.0).to_dict()["verdict"]
    'holds'
    """

    text: str
    rule: str
    measured: Mapping[str, float]
    verdict: Verdict
    evidence: str = ""
    figure: str | None = None
    detail: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A verdict typed as a string is exactly what this module exists to prevent.
        if not isinstance(self.verdict, Verdict):
            raise TypeError(f"verdict must be a Verdict derived by a rule, got "
                            f"{type(self.verdict).__name__} {self.verdict!r}")

    def to_dict(self) -> dict:
        """JSON-ready form (the verdict as its word)."""
        return {"text": self.text, "rule": self.rule, "measured": dict(self.measured),
                "verdict": self.verdict.value, "evidence": self.evidence,
                "figure": self.figure, "detail": self.detail}

    def _repr_markdown_(self) -> str:
        numbers = ", ".join(f"{k} = {v:.4g}" for k, v in self.measured.items())
        return f"**{self.text}**: *{self.verdict.value}* ({self.rule}; {numbers})"


def check_finite_number(name: str, value: float) -> float:
    """Return ``float(value)``; raise ValueError naming ``name`` if it is not finite.

    Examples
    --------
    >>> check_finite_number("beta", 2) == 2.0
    True
    >>> check_finite_number("beta", float("inf"))
    Traceback (most recent call last):
    ...
    ValueError: beta must be finite, got inf
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def within_tolerance(text: str, *, measured: float, tolerance: float, evidence: str = "",
                     name: str = "deviation", figure: str | None = None) -> Claim:
    """HOLDS if ``|measured| <= tolerance`` else FAILS (a deviation that should vanish).

    Examples
    --------
    A deviation that vanishes exactly up to round-off, ten times 0.1 against 1:

    >>> import math
    >>> c = within_tolerance("10 x 0.1 = 1", measured=math.fsum([0.1] * 10) - 1, tolerance=1e-15)
    >>> c.verdict.value, c.rule
    ('holds', 'holds if |deviation| <= 1e-15')
    >>> within_tolerance("22/7 = π", measured=22 / 7 - math.pi, tolerance=1e-6).verdict.value
    'fails'
    """
    x = check_finite_number("measured", measured)
    tol = check_finite_number("tolerance", tolerance)
    if tol < 0:
        raise ValueError(f"tolerance must be >= 0, got {tol}")
    verdict = Verdict.HOLDS if abs(x) <= tol else Verdict.FAILS
    return Claim(text, f"holds if |{name}| <= {tol:g}", {name: x}, verdict, evidence, figure)


def graded(text: str, *, measured: float, holds_below: float, fails_above: float,
           evidence: str = "", name: str = "deviation", figure: str | None = None) -> Claim:
    """HOLDS if ``|measured| <= holds_below``; FAILS if ``> fails_above``; else APPROXIMATE.

    Examples
    --------
    22/7 is within 1.3e-3 of π, 355/113 within 3e-7:

    >>> import math
    >>> [graded("≈ π", measured=q - math.pi, holds_below=1e-6, fails_above=1e-2).verdict.value
    ...  for q in (355 / 113, 22 / 7, 3.0)]
    ['holds', 'approximate', 'fails']
    """
    x = check_finite_number("measured", measured)
    lo = check_finite_number("holds_below", holds_below)
    hi = check_finite_number("fails_above", fails_above)
    if not 0 <= lo <= hi:
        raise ValueError(f"need 0 <= holds_below <= fails_above, got {lo}, {hi}")
    a = abs(x)
    verdict = Verdict.HOLDS if a <= lo else (Verdict.FAILS if a > hi else Verdict.APPROXIMATE)
    rule = f"holds if |{name}| <= {lo:g}, approximate up to {hi:g}, fails above"
    return Claim(text, rule, {name: x}, verdict, evidence, figure)


def sign_of(text: str, *, measured: float, expected_sign: int, noise: float = 0.0,
            evidence: str = "", name: str = "value", figure: str | None = None) -> Claim:
    """HOLDS if ``measured`` has ``expected_sign`` (±1) beyond ``noise``; FAILS if it has the
    other sign beyond ``noise``; UNDETERMINED inside the noise band.

    Examples
    --------
    e > 2.7 and log 0.5 < 0, beyond a noise of 1e-3; inside the noise nothing is decided:

    >>> import math
    >>> sign_of("e > 2.7", measured=math.e - 2.7, expected_sign=1, noise=1e-3).verdict.value
    'holds'
    >>> sign_of("log ½ > 0", measured=math.log(0.5), expected_sign=1).verdict.value
    'fails'
    >>> sign_of("e > 2.718", measured=math.e - 2.718, expected_sign=1, noise=1e-3).verdict.value
    'undetermined'
    """
    x = check_finite_number("measured", measured)
    eps = check_finite_number("noise", noise)
    if expected_sign not in (-1, 1):
        raise ValueError(f"expected_sign must be +1 or -1, got {expected_sign!r}")
    if eps < 0:
        raise ValueError(f"noise must be >= 0, got {eps}")
    if abs(x) <= eps:
        verdict = Verdict.UNDETERMINED
    else:
        verdict = Verdict.HOLDS if math.copysign(1, x) == expected_sign else Verdict.FAILS
    word = "positive" if expected_sign > 0 else "negative"
    return Claim(text, f"holds if {name} is {word} beyond ±{eps:g}", {name: x}, verdict,
                 evidence, figure)


def order_at_least(text: str, *, measured_order: float, expected_order: float,
                   slack: float = 0.2, evidence: str = "", figure: str | None = None) -> Claim:
    """HOLDS if a fitted convergence order is at least ``expected_order - slack``.

    Examples
    --------
    The forward difference of sin at 1 is first-order accurate: the order fitted from two steps
    is ~1, not 2.

    >>> import math
    >>> err = [abs((math.sin(1 + h) - math.sin(1)) / h - math.cos(1)) for h in (1e-2, 1e-3)]
    >>> order = math.log10(err[0] / err[1])
    >>> order_at_least("forward difference, order 1", measured_order=order,
    ...                expected_order=1).verdict.value
    'holds'
    >>> order_at_least("forward difference, order 2", measured_order=order,
    ...                expected_order=2).verdict.value
    'fails'
    """
    p = check_finite_number("measured_order", measured_order)
    q = check_finite_number("expected_order", expected_order)
    s = check_finite_number("slack", slack)
    if s < 0:
        raise ValueError(f"slack must be >= 0, got {s}")
    verdict = Verdict.HOLDS if p >= q - s else Verdict.FAILS
    return Claim(text, f"holds if the fitted order >= {q:g} - {s:g}", {"order": p}, verdict,
                 evidence, figure)


def no_rise_beyond_error(text: str, *, rises, errors, scale: float, z: float = 4.0,
                         holds_below: float, fails_above: float, evidence: str = "",
                         name: str = "rise beyond its errors / scale",
                         figure: str | None = None) -> Claim:
    """A sequence that must not rise, judged with the errors of its steps: each step's rise
    counts only by what exceeds ``z`` of its error, max(rise - z error, 0), so that a step
    whose change is within its error is never a violation.  The largest such excess over
    ``scale`` is graded: HOLDS if <= ``holds_below``, APPROXIMATE up to ``fails_above``,
    FAILS above.

    Examples
    --------
    A rise of 0.3 with an error of 0.1 is within 4 errors; with an error of 0.01 it is not:

    >>> no_rise_beyond_error("S falls", rises=[-1.0, 0.3], errors=[0.1, 0.1], scale=2.0,
    ...                      holds_below=1e-9, fails_above=0.05).verdict.value
    'holds'
    >>> no_rise_beyond_error("S falls", rises=[-1.0, 0.3], errors=[0.1, 0.01], scale=2.0,
    ...                      holds_below=1e-9, fails_above=0.05).verdict.value
    'fails'
    """
    try:
        pairs = [(float(r), float(e)) for r, e in zip(rises, errors, strict=True)]
    except (TypeError, ValueError):
        raise TypeError("rises and errors must be sequences of numbers of equal length") \
            from None
    if not pairs or not all(math.isfinite(r) and math.isfinite(e) and e >= 0 for r, e in pairs):
        raise ValueError("rises must be finite and errors finite and >= 0, at least one step")
    span = check_finite_number("scale", scale)
    zz = check_finite_number("z", z)
    if span <= 0 or zz < 0:
        raise ValueError(f"need scale > 0 and z >= 0, got scale = {span}, z = {zz}")
    excess = max(max(r - zz * e, 0.0) for r, e in pairs) / span
    c = graded(text, measured=excess, holds_below=holds_below, fails_above=fails_above,
               evidence=evidence, name=name, figure=figure)
    return Claim(c.text, c.rule + f"; a step's rise counts only beyond {zz:g} of its errors",
                 c.measured, c.verdict, c.evidence, c.figure)
