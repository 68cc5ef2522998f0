"""Verdicts shown on the paper pages (``docs/paper/``), computed while the site is built.

``python docs/_paper_verdicts.py`` prints them. Each page part is Markdown written to
``docs/_generated/verdicts-<group>.md`` by :func:`write_all`; every verdict word comes from
:mod:`ntcore.verdict` or from a derivation's own ``verify()`` report, never from this file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np


def _claims_table(claims) -> list[str]:
    rows = ["| claim | verdict (computed at build) | rule | measured |",
            "| --- | --- | --- | --- |"]
    for c in claims:
        numbers = ", ".join(f"{k} = {v:.3g}" for k, v in c.measured.items())
        rule = c.rule.replace("|", "\\|")  # a bar would end the table cell
        rows.append(f"| {c.text} | **{c.verdict.value}** | {rule} | {numbers} |")
    return rows


def septuple_claims() -> list[str]:
    """Sections 2-3: the feedforward conditions and the fixed point, on 784-40-20-10."""
    from learning.feedforward import feedforward
    from learning.septuple_checks import check_feedforward
    from ntcore.verdict import within_tolerance

    net = feedforward((784, 40, 20, 10), seed=0)
    report = check_feedforward(net)
    claims = [
        within_tolerance("(2.1): $w^n = (w^T)^n = 0$ for $n \\ge L$ (784-40-20-10)",
                         measured=report.nilpotency, tolerance=0.0, name="max entry"),
        within_tolerance("(2.2): $\\hat{P}_{in}\\hat{w} = 0$", measured=report.no_input_incoming,
                         tolerance=0.0, name="max entry"),
        within_tolerance("(2.3): $\\hat{P}_{out}\\hat{w}^T = 0$",
                         measured=report.no_output_outgoing, tolerance=0.0, name="max entry"),
    ]
    return _claims_table(claims)


def ensemble_claims() -> list[str]:
    """Section 4: the canonical distribution has the largest entropy at fixed ⟨H⟩."""
    from learning.ensemble import maximum_entropy_check
    from learning.feedforward import feedforward
    from ntcore.verdict import sign_of

    check = maximum_entropy_check(feedforward((1, 1), seed=2, bias_scale=0.3), 1.0)
    margin = float(check.canonical_entropy - np.max(check.alternative_entropies))
    claim = sign_of("(4.4)-(4.10): $p \\propto e^{-\\beta H}$ has the largest entropy at "
                    "fixed $\\langle H \\rangle$ (1-1 network, $\\beta = 1$, "
                    f"{check.alternative_entropies.size} alternatives)",
                    measured=margin, expected_sign=1, noise=1e-12)
    return _claims_table([claim])


def wrap_report(text: str, width: int = 84) -> str:
    """A verification report (``DerivationReport.to_text``) wrapped to ``width`` columns, so
    that the page shows it whole: a step's text continues under its column (24, after the
    number and the status; 27 after ``->``).

    >>> line = "  (4.6)     exact       " + "word " * 30
    >>> wrapped = wrap_report(line, 60).splitlines()
    >>> max(map(len, wrapped)) <= 60, {w[:24] for w in wrapped[1:]} == {" " * 24}
    (True, True)
    """
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        hang = 27 if line[24:27] == "-> " else 24 if line.startswith("  ") else 4
        out += textwrap.wrap(line, width, subsequent_indent=" " * hang,
                             break_long_words=False, break_on_hyphens=False)
    return "\n".join(out)


def derivation_report(name: str) -> list[str]:
    """The per-step verification report of one registered derivation, run now."""
    from emergent.derivations import DERIVATIONS as EMERGENT
    from learning.derivations import DERIVATIONS as LEARNING

    factory = {**LEARNING, **EMERGENT}[name]
    derivation = factory()
    package = "learning" if name in LEARNING else "emergent"
    return [f"Derivation `{name}` ({derivation.title}), verified while this site was built "
            f"(`python -m {package} derivation {name}`; rendered on the "
            "[derivations page](../_generated/derivations.md)):", "", "```text",
            wrap_report(derivation.verify().to_text()), "```", ""]


#: group -> the parts of its page, in order
GROUPS: dict[str, list[Callable[[], list[str]]]] = {
    "2-3": [septuple_claims],
    "4-5": [ensemble_claims, lambda: derivation_report("maximum-entropy"),
            lambda: derivation_report("gaussian-partition")],
    "6-7": [lambda: derivation_report("thermodynamics")],
    "8-9": [lambda: derivation_report("laplacian"), lambda: derivation_report("traces")],
}


def page(group: str) -> str:
    lines: list[str] = []
    for part in GROUPS[group]:
        lines += part() + [""]
    return "\n".join(lines)


def write_all(out: Path, write: Callable[[Path, str], None]) -> None:
    for group in GROUPS:
        write(out / f"verdicts-{group}.md", page(group))


if __name__ == "__main__":
    for g in GROUPS:
        print(f"=== {g}\n{page(g)}")
