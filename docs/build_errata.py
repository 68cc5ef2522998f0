"""Assemble docs/errata.md from its header and the parts in docs/errata/ (section order).

Run:  python docs/build_errata.py          (rewrites docs/errata.md)
      python docs/build_errata.py --check  (exit 1 if docs/errata.md is out of date)
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
PARTS = ("section2-3", "section4-9", "section10", "section11", "section12", "derivations")
HEADER = """# Errata: where the paper is wrong as printed, or right only approximately

Every entry gives the equation as printed, the correct form, the kind (typo / substance /
approximation) and the test or command that shows it. The code implements the correct
form; its docstring cites the equation and says what differs. Claims that were checked
and hold are listed too, so the reader knows they were checked.

Section 10 (the MNIST experiments) is judged claim by claim in the report written by
`python -m learning reproduce` (`results/report.md`); its standing results are summarised
below. Section 11 is checked on grids by `python -m emergent` (which prints what each step of
(11.5)-(11.9) needs and drops, with measured sizes) and symbolically by
`python -m emergent derivation fokker-planck-schrodinger` / `entropic-euler-lagrange`.
Section 12 is checked by `python -m emergent onsager` and its tests.

The page is assembled from `docs/errata/*.md` by `python docs/build_errata.py`; edit the parts.
"""


def assemble() -> str:
    body = "\n\n".join((HERE / "errata" / f"{p}.md").read_text().rstrip("\n") for p in PARTS)
    return HEADER + "\n" + body + "\n"


if __name__ == "__main__":
    target = HERE / "errata.md"
    text = assemble()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if target.read_text() == text else 1)
    tmp = target.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(target)
